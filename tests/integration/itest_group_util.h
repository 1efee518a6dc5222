/* Helpers for the consumer-group integration tests (itest_group*.c):
 * topics made with the protocol layer's CreateTopics, test data written
 * by kcat (librdkafka, so not our own producer), and "members": consumers
 * that run their poll loop on a thread of their own, keep what the
 * rebalance callbacks told them, and count every record they processed.
 * Header-only: each test includes it once. */
#ifndef ITEST_GROUP_UTIL_H
#define ITEST_GROUP_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"
#include "kc_messages.h"
#include "protocol/net.h"

#define G_MAXP 16          /* partitions per test topic, at most */
#define G_MAXOFF 4096      /* offsets per partition tracked, at most */

/* The cluster tests point these at the 3-node cluster. */
static const char *g_bootstrap;   /* NULL: kc_test_brokers() */
static int g_rf = 1;              /* replication factor of created topics */

static inline const char *g_brokers(void)
{
    return g_bootstrap ? g_bootstrap : kc_test_brokers();
}

static inline void g_create_topic(const char *name, int partitions)
{
    kc_tnet_t t;
    kc_tnet_open(&t, g_brokers());
    kc_tnet_create_topic(&t, name, partitions, g_rf, NULL, NULL);
    kc_tnet_close(&t);
}

/* Fresh names for a test's topic ("<prefix>-...") and group
 * ("g<prefix>-..."), and the topic created with `partitions`. */
static inline void g_topic_and_group(char *topic, size_t topic_size, char *group, size_t group_size,
                                     const char *prefix, int partitions)
{
    char gprefix[64];
    snprintf(gprefix, sizeof gprefix, "g%s", prefix);
    assert_non_null(kc_test_topic(topic, topic_size, prefix));
    assert_non_null(kc_test_topic(group, group_size, gprefix));
    g_create_topic(topic, partitions);
}

/* n records "p<P>-<i>" (i from first) into each of the topic's partitions,
 * written by kcat (acks=all). */
static inline void g_produce(const char *topic, int partitions, int first, int n)
{
    for (int p = 0; p < partitions; p++) {
        int rc = kc_test_sh("for i in $(seq %d %d); do echo \"p%d-$i\"; done | "
                            "kcat -P -b %s -t %s -p %d -X acks=all 2>&1",
                            first, first + n - 1, p, g_brokers(), topic, p);
        if (rc != 0)
            fail_msg("kcat -P into %s [%d] exited with %d", topic, p, rc);
    }
}

/* ---- members ---------------------------------------------------------- */

typedef struct g_seen {
    pthread_mutex_t m;
    uint16_t count[G_MAXP][G_MAXOFF];   /* times each (partition, offset) was processed */
} g_seen_t;

typedef struct g_member {
    char name[32];
    const char *topic;
    kafkac_consumer_t *c;
    pthread_t th;
    atomic_int stop;          /* 1: leave the loop, close, destroy */
    atomic_int done;
    int commit_each;          /* commit_sync after every batch processed */
    g_seen_t *seen;

    pthread_mutex_t m;        /* guards what follows */
    int owned[G_MAXP];        /* as the callbacks said */
    int assigned_events, revoked_events, lost_events;
    int interrupted[G_MAXP];  /* revoked (or lost) at least once */
    int64_t last_change_ms;
    int records;
    kafkac_err_t last_err;
} g_member_t;

static inline void g_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev, const kafkac_topic_partition_list_t *l,
                        void *opaque)
{
    g_member_t *mb = opaque;
    pthread_mutex_lock(&mb->m);
    for (int i = 0; i < kafkac_tpl_count(l); i++) {
        int p = kafkac_tp_partition(kafkac_tpl_at(l, i));
        if (p < 0 || p >= G_MAXP || strcmp(kafkac_tp_topic(kafkac_tpl_at(l, i)), mb->topic) != 0)
            continue;
        if (ev == KAFKAC_REBALANCE_ASSIGNED) {
            mb->owned[p] = 1;
        } else {
            mb->owned[p] = 0;
            mb->interrupted[p] = 1;
        }
    }
    if (ev == KAFKAC_REBALANCE_ASSIGNED)
        mb->assigned_events++;
    else if (ev == KAFKAC_REBALANCE_REVOKED)
        mb->revoked_events++;
    else
        mb->lost_events++;
    mb->last_change_ms = kc_test_now_ms();
    pthread_mutex_unlock(&mb->m);
}

/* Sets each "key=value" of the NULL-terminated extra on conf (failing the
 * test on a bad one), and with KAFKAC_TEST_DEBUG set, logs to stderr. */
static void gu_conf_extra(kafkac_conf_t *conf, const char *const *extra)
{
    char err[512];
    for (int i = 0; extra && extra[i]; i++) {
        char key[128];
        const char *eq = strchr(extra[i], '=');
        assert_non_null(eq);
        snprintf(key, sizeof key, "%.*s", (int)(eq - extra[i]), extra[i]);
        if (kafkac_conf_set(conf, key, eq + 1, err, sizeof err) != 0)
            fail_msg("conf %s: %s", extra[i], err);
    }
    if (getenv("KAFKAC_TEST_DEBUG"))
        kafkac_conf_set_log_cb(conf, kafkac_log_stderr, NULL);
}

/* A consumer in `group` subscribed to `topic`; extra "key=value" pairs
 * (NULL-terminated) override the defaults. */
static kafkac_consumer_t *g_consumer(const char *group, const char *const *extra)
{
    char err[512];
    kafkac_conf_t *conf = kc_test_conf(g_brokers());
    kc_test_conf_set(conf, "group.id", group);
    kc_test_conf_set(conf, "auto.offset.reset", "earliest");
    kc_test_conf_set(conf, "session.timeout.ms", "6000");
    kc_test_conf_set(conf, "heartbeat.interval.ms", "500");
    gu_conf_extra(conf, extra);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    if (!c)
        fail_msg("consumer_new: %s", err);
    kafkac_conf_destroy(conf);
    return c;
}

static void *g_member_loop(void *arg)
{
    g_member_t *mb = arg;
    char err[512];
    while (!atomic_load(&mb->stop)) {
        kafkac_records_t *b = NULL;
        kafkac_err_t e = kafkac_consumer_poll(mb->c, 100, 0, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e) {
            pthread_mutex_lock(&mb->m);
            mb->last_err = e;
            pthread_mutex_unlock(&mb->m);
            continue;
        }
        int n = kafkac_records_count(b);
        if (mb->seen) {
            pthread_mutex_lock(&mb->seen->m);
            for (int i = 0; i < n; i++) {
                const kafkac_record_t *r = kafkac_records_at(b, i);
                int32_t p = kafkac_record_partition(r);
                int64_t o = kafkac_record_offset(r);
                if (p >= 0 && p < G_MAXP && o >= 0 && o < G_MAXOFF)
                    mb->seen->count[p][o]++;
            }
            pthread_mutex_unlock(&mb->seen->m);
        }
        kafkac_records_destroy(b);
        pthread_mutex_lock(&mb->m);
        mb->records += n;
        pthread_mutex_unlock(&mb->m);
        /* At-least-once: commit only after processing. */
        if (mb->commit_each)
            kafkac_consumer_commit_sync(mb->c, NULL, 10000, err, sizeof err);
    }
    kafkac_consumer_close(mb->c, 10000);
    kafkac_consumer_destroy(mb->c);
    mb->c = NULL;
    atomic_store(&mb->done, 1);
    return NULL;
}

/* A member in `group` subscribed to `topic`, with no thread of its own:
 * the test polls mb->c itself, and the rebalance callbacks fill mb.  Close
 * it with g_member_close. */
static inline void g_member_join(g_member_t *mb, const char *name, const char *group, const char *topic,
                                 const char *const *extra, g_seen_t *seen, int commit_each)
{
    memset(mb, 0, sizeof(*mb));
    snprintf(mb->name, sizeof mb->name, "%s", name);
    mb->topic = topic;
    mb->seen = seen;
    mb->commit_each = commit_each;
    pthread_mutex_init(&mb->m, NULL);
    mb->c = g_consumer(group, extra);
    kafkac_consumer_set_rebalance_cb(mb->c, g_rebalance, mb);
    const char *t[] = {topic};
    char err[256];
    kafkac_err_t e = kafkac_consumer_subscribe(mb->c, t, 1, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("%s: subscribe to %s: expected OK, got %s: %s", name, topic, kafkac_err_name(e), err);
}

/* Closes (LeaveGroup) and frees a member made by g_member_join. */
static inline void g_member_close(g_member_t *mb)
{
    kafkac_consumer_close(mb->c, 10000);
    kafkac_consumer_destroy(mb->c);
    pthread_mutex_destroy(&mb->m);
}

/* The same as g_member_join, with a thread running the poll loop
 * (g_member_loop); stop it with g_member_stop. */
static inline void g_member_start(g_member_t *mb, const char *name, const char *group, const char *topic,
                                  const char *const *extra, g_seen_t *seen, int commit_each)
{
    g_member_join(mb, name, group, topic, extra, seen, commit_each);
    assert_int_equal(pthread_create(&mb->th, NULL, g_member_loop, mb), 0);
}

/* Stops the loop; the member closes (LeaveGroup) and is joined. */
static inline void g_member_stop(g_member_t *mb)
{
    atomic_store(&mb->stop, 1);
    pthread_join(mb->th, NULL);
    pthread_mutex_destroy(&mb->m);
}

/* Copies the owned set; returns how many. */
static inline int g_owned(g_member_t *mb, int *out)
{
    pthread_mutex_lock(&mb->m);
    int n = 0;
    for (int p = 0; p < G_MAXP; p++) {
        out[p] = mb->owned[p];
        n += mb->owned[p];
    }
    pthread_mutex_unlock(&mb->m);
    return n;
}

static inline void g_owned_str(g_member_t *mb, char *buf, size_t len)
{
    int o[G_MAXP];
    g_owned(mb, o);
    size_t w = 0;
    buf[0] = 0;
    for (int p = 0; p < G_MAXP && w < len; p++)
        if (o[p])
            w += (size_t)snprintf(buf + w, len - w, "%s%d", w ? "," : "", p);
}

#endif

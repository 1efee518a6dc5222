/* Every failure reaches the consumer's user, on time (issue 13).
 *
 *  - With the only broker hung (SIGSTOP), every blocking consumer call
 *    returns by its own timeout (+ 1 s) with an error: close, commit_sync,
 *    committed, position, beginning/end offsets, offsets_for_times.  Close
 *    returns the error of its final commit (consumer.h: the first error).
 *  - subscribe refuses names Kafka would refuse.
 *  - A subscribed topic that does not exist reaches poll as one
 *    UNKNOWN_TOPIC_OR_PARTITION, and the consumer reads it once created.
 *  - No broker reachable reaches poll as an error once
 *    default.api.timeout.ms has passed.
 *  - A group member subscribed to a topic created a moment ago gets its
 *    partitions within seconds, not metadata.max.age.ms.
 *
 * The broker is this test's own (scripts/kafka.sh single): its pid is
 * found from the pid file of the node that listens on the test's port, and
 * it is always SIGCONTed after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "itest_group_util.h"

static pid_t broker_pid;
static int stopped;

/* The pid of the broker node whose listener is kc_test_brokers()'s port,
 * from scripts/kafka.sh's state under build/kafka. */
static pid_t find_broker_pid(void)
{
    const char *b = kc_test_brokers();
    const char *colon = strrchr(b, ':');
    if (!colon)
        return 0;
    char want[64];
    snprintf(want, sizeof want, "PLAINTEXT://127.0.0.1:%d", atoi(colon + 1));
    const char *src = getenv("KAFKAC_SRC_DIR");
    char pat[1024];
    snprintf(pat, sizeof pat, "%s/build/kafka/*/*/node*/server.properties", src ? src : ".");
    glob_t g;
    pid_t pid = 0;
    if (glob(pat, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc && !pid; i++) {
        FILE *f = fopen(g.gl_pathv[i], "r");
        if (!f)
            continue;
        char line[1024];
        int match = 0;
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "listeners=", 10) && strstr(line, want))
                match = 1;
        fclose(f);
        if (!match)
            continue;
        char pf[1100];
        snprintf(pf, sizeof pf, "%.*s/pid", (int)(strrchr(g.gl_pathv[i], '/') - g.gl_pathv[i]), g.gl_pathv[i]);
        f = fopen(pf, "r");
        if (f) {
            long v = 0;
            if (fscanf(f, "%ld", &v) == 1 && v > 0 && kill((pid_t)v, 0) == 0)
                pid = (pid_t)v;
            fclose(f);
        }
    }
    globfree(&g);
    return pid;
}

static void broker_stop(void)
{
    assert_int_equal(kill(broker_pid, SIGSTOP), 0);
    stopped = 1;
    kc_test_wait_stopped(broker_pid);
}

static void broker_cont(void)
{
    if (stopped) {
        kill(broker_pid, SIGCONT);
        stopped = 0;
        kc_test_wait_serving(kc_test_brokers());
    }
}

static int setup(void **state)
{
    (void)state;
    broker_pid = find_broker_pid();
    if (!broker_pid)
        fprintf(stderr, "itest_consumer_errors: no pid file found for the broker at %s "
                        "(set KAFKAC_SRC_DIR to the tree scripts/kafka.sh ran in)\n", kc_test_brokers());
    return 0;
}

/* Whatever a test did, the broker runs again after it (and is given a
 * moment to answer before the next test). */
static int teardown_one(void **state)
{
    (void)state;
    if (stopped) {
        broker_cont();
        sleep(2);
    }
    return 0;
}

#define NEED_BROKER_PID()                                           \
    do {                                                            \
        if (!broker_pid)                                            \
            fail_msg("no broker pid file found: cannot hang it");  \
    } while (0)

#define ASSERT_WITHIN(start, limit_ms, what)                                                        \
    do {                                                                                            \
        int64_t el_ = kc_test_now_ms() - (start);                                                   \
        if (el_ > (limit_ms))                                                                       \
            fail_msg("%s took %lld ms, more than %d ms", (what), (long long)el_, (int)(limit_ms));   \
    } while (0)

/* A group member subscribed to a fresh topic holding 5 records per
 * partition, polled until it has read them all (so that there is
 * something to commit). */
static kafkac_consumer_t *reading_member(char *topic, size_t tlen, const char *const *extra)
{
    char group[128];
    g_topic_and_group(topic, tlen, group, sizeof group, "cerr", 2);
    g_produce(topic, 2, 0, 5);
    kafkac_consumer_t *c = g_consumer(group, extra);
    const char *t[] = {topic};
    char err[512];
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), KAFKAC_OK);
    int got = 0;
    int64_t until = kc_test_now_ms() + 30000;
    while (got < 10 && kc_test_now_ms() < until) {
        kafkac_records_t *b = NULL;
        kafkac_err_t e = kafkac_consumer_poll(c, 500, 0, &b, err, sizeof err);
        if (e == KAFKAC_OK) {
            got += kafkac_records_count(b);
            kafkac_records_destroy(b);
        }
    }
    if (got < 10)
        fail_msg("the member read %d of 10 records in 30 s", got);
    return c;
}

/* ---- defect 1 and 6: calls with the broker hung ---------------------- */

static void test_close_broker_stopped(void **state)
{
    (void)state;
    NEED_BROKER_PID();
    char topic[128];
    const char *extra[] = {"enable.auto.commit=true", "auto.commit.interval.ms=600000", NULL};
    kafkac_consumer_t *c = reading_member(topic, sizeof topic, extra);
    broker_stop();
    sleep(1);   /* a heartbeat is now stuck in front of the commit */
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_consumer_close(c, 3000);
    ASSERT_WITHIN(t0, 4000, "close(3000) with the broker stopped");
    /* The final commit could not happen: close says so. */
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("close(3000) with the broker stopped and offsets to commit: expected TIMED_OUT (its final "
                 "commit's), got %s", kafkac_err_name(e));
    broker_cont();
    kafkac_consumer_destroy(c);
}

static void test_commit_sync_broker_stopped(void **state)
{
    (void)state;
    NEED_BROKER_PID();
    char topic[128];
    const char *extra[] = {"enable.auto.commit=false", NULL};
    kafkac_consumer_t *c = reading_member(topic, sizeof topic, extra);
    broker_stop();
    sleep(1);   /* a heartbeat is now stuck in front of the commit */
    char err[512] = "";
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_consumer_commit_sync(c, NULL, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 3000, "commit_sync(2000) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("commit_sync with the broker stopped: expected TIMED_OUT, got %s: %s", kafkac_err_name(e), err);

    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, 0);
    t0 = kc_test_now_ms();
    e = kafkac_consumer_committed(c, l, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 3000, "committed(2000) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("committed with the broker stopped: expected TIMED_OUT, got %s: %s", kafkac_err_name(e), err);

    kafkac_tp_set_offset(kafkac_tpl_at(l, 0), 0);
    t0 = kc_test_now_ms();
    e = kafkac_consumer_end_offsets(c, l, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 3000, "end_offsets(2000) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("end_offsets with the broker stopped: expected TIMED_OUT, got %s: %s", kafkac_err_name(e), err);
    t0 = kc_test_now_ms();
    e = kafkac_consumer_beginning_offsets(c, l, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 3000, "beginning_offsets(2000) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("beginning_offsets with the broker stopped: expected TIMED_OUT, got %s: %s", kafkac_err_name(e),
                 err);
    kafkac_tp_set_offset(kafkac_tpl_at(l, 0), 1);  /* a timestamp */
    t0 = kc_test_now_ms();
    e = kafkac_consumer_offsets_for_times(c, l, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 3000, "offsets_for_times(2000) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("offsets_for_times with the broker stopped: expected TIMED_OUT, got %s: %s", kafkac_err_name(e),
                 err);
    kafkac_tpl_destroy(l);

    /* Polling goes on returning by its timeout too. */
    kafkac_records_t *b = NULL;
    t0 = kc_test_now_ms();
    e = kafkac_consumer_poll(c, 1000, 0, &b, err, sizeof err);
    ASSERT_WITHIN(t0, 2000, "poll(1000) with the broker stopped");
    kafkac_records_destroy(b);

    t0 = kc_test_now_ms();
    kafkac_consumer_close(c, 2000);
    ASSERT_WITHIN(t0, 3000, "close(2000) with the broker stopped");
    broker_cont();
    kafkac_consumer_destroy(c);
}

/* A partition waiting for its start offset while the broker is hung:
 * position(timeout) returns by it. */
static void test_position_broker_stopped(void **state)
{
    (void)state;
    NEED_BROKER_PID();
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "cerrpos", 1);
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    char err[512];
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(c);
    broker_stop();
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_END);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
    kafkac_tpl_destroy(l);
    int64_t pos = -1;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_consumer_position(c, topic, 0, &pos, 1500, err, sizeof err);
    ASSERT_WITHIN(t0, 2500, "position(1500) with the broker stopped");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("position with the broker stopped: expected TIMED_OUT, got %s (%lld)", kafkac_err_name(e),
                 (long long)pos);
    t0 = kc_test_now_ms();
    kafkac_consumer_close(c, 1000);
    ASSERT_WITHIN(t0, 2000, "close(1000) with the broker stopped");
    broker_cont();
    kafkac_consumer_destroy(c);
}


/* ---- defect 3: errors that reach poll ----------------------------------- */

static void test_subscribe_invalid_name(void **state)
{
    (void)state;
    char group[128], err[512];
    assert_non_null(kc_test_topic(group, sizeof group, "gcerrname"));
    kafkac_consumer_t *c = g_consumer(group, NULL);
    char longname[300];
    memset(longname, 'a', 250);
    longname[250] = 0;
    const char *bad[] = {"bad topic!", ".", "..", longname, "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *t[] = {bad[i]};
        err[0] = 0;
        kafkac_err_t e = kafkac_consumer_subscribe(c, t, 1, err, sizeof err);
        if (e != KAFKAC_ERR_INVALID_TOPIC_EXCEPTION)
            fail_msg("subscribe(\"%.40s\"): expected INVALID_TOPIC_EXCEPTION, got %s", bad[i], kafkac_err_name(e));
        if (i == 0 && !strstr(err, "bad topic!"))
            fail_msg("subscribe(\"bad topic!\"): the message does not name the topic: %s", err);
    }
    /* Not subscribed after a refusal. */
    kafkac_topic_partition_list_t *l = NULL;
    assert_int_equal(kafkac_consumer_subscription(c, &l), KAFKAC_OK);
    assert_int_equal((l ? kafkac_tpl_count(l) : 0), 0);
    kafkac_tpl_destroy(l);
    /* Good names and patterns pass. */
    const char *good[] = {"a.b_c-D9", "^bad topic.*"};
    assert_int_equal(kafkac_consumer_subscribe(c, good, 2, err, sizeof err), KAFKAC_OK);
    kafkac_consumer_close(c, 2000);
    kafkac_consumer_destroy(c);
}

/* Polls up to ms; returns the first error other than TIMED_OUT (0 when
 * none), counting records read into *records (may be NULL). */
static kafkac_err_t poll_for_error(kafkac_consumer_t *c, int ms, int *records, char *err, size_t errlen)
{
    int64_t until = kc_test_now_ms() + ms;
    while (kc_test_now_ms() < until) {
        kafkac_records_t *b = NULL;
        int64_t left = until - kc_test_now_ms();
        kafkac_err_t e = kafkac_consumer_poll(c, left < 200 ? (int)(left > 0 ? left : 1) : 200, 0, &b, err, errlen);
        if (e == KAFKAC_OK) {
            if (records)
                *records += kafkac_records_count(b);
            kafkac_records_destroy(b);
            continue;
        }
        if (e != KAFKAC_ERR_TIMED_OUT)
            return e;
    }
    return KAFKAC_OK;
}

static void test_poll_unknown_topic(void **state)
{
    (void)state;
    char topic[128], group[128], err[512] = "";
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrmissing"));
    assert_non_null(kc_test_topic(group, sizeof group, "gcerrmissing"));
    const char *extra[] = {"allow.auto.create.topics=false", "retry.backoff.max.ms=500", NULL};
    kafkac_consumer_t *c = g_consumer(group, extra);
    const char *t[] = {topic};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), KAFKAC_OK);
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = poll_for_error(c, 10000, NULL, err, sizeof err);
    if (e != KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION)
        fail_msg("poll on a missing topic: expected UNKNOWN_TOPIC_OR_PARTITION within 10 s, got %s: %s",
                 kafkac_err_name(e), err);
    if (!strstr(err, topic))
        fail_msg("the error does not name the topic %s: %s", topic, err);
    fprintf(stderr, "  poll said after %lld ms: %s\n", (long long)(kc_test_now_ms() - t0), err);
    /* Once, not at every poll. */
    e = poll_for_error(c, 3000, NULL, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("after the first report: expected no more errors for 3 s, got %s: %s", kafkac_err_name(e), err);
    /* The consumer still waits for it, and reads it once it exists. */
    g_create_topic(topic, 1);
    g_produce(topic, 1, 0, 3);
    int got = 0;
    t0 = kc_test_now_ms();
    while (got < 3 && kc_test_now_ms() - t0 < 20000) {
        e = poll_for_error(c, 500, &got, err, sizeof err);
        if (e != KAFKAC_OK && e != KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION)
            fail_msg("reading the created topic: %s: %s", kafkac_err_name(e), err);
    }
    if (got < 3)
        fail_msg("read %d of 3 records of the topic created after subscribe, in 20 s", got);
    kafkac_consumer_close(c, 3000);
    kafkac_consumer_destroy(c);
}

static void test_poll_unknown_topic_assigned(void **state)
{
    (void)state;
    char topic[128], err[512] = "";
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrmissinga"));
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "allow.auto.create.topics", "false");
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(c);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
    kafkac_tpl_destroy(l);
    kafkac_err_t e = poll_for_error(c, 10000, NULL, err, sizeof err);
    if (e != KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION || !strstr(err, topic))
        fail_msg("poll on an assigned missing topic: expected UNKNOWN_TOPIC_OR_PARTITION naming it, got %s: %s",
                 kafkac_err_name(e), err);
    e = poll_for_error(c, 2000, NULL, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("after the first report: expected no more errors for 2 s, got %s: %s", kafkac_err_name(e), err);
    kafkac_consumer_close(c, 2000);
    kafkac_consumer_destroy(c);
}

/* Nothing listens on 127.0.0.1:1: poll says so once default.api.timeout.ms
 * has passed, and again at most that often. */
static void test_poll_no_broker(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        char err[512] = "";
        kafkac_conf_t *conf = kc_test_conf("127.0.0.1:1");
        kc_test_conf_set(conf, "default.api.timeout.ms", "2000");
        if (mode == 0)
            kc_test_conf_set(conf, "group.id", "gcerr-nobroker");
        kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
        kafkac_conf_destroy(conf);
        assert_non_null(c);
        if (mode == 0) {
            const char *t[] = {"some-topic"};
            assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), KAFKAC_OK);
        } else {
            kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
            kafkac_tpl_add(l, "some-topic", 0);
            assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
            kafkac_tpl_destroy(l);
        }
        int64_t t0 = kc_test_now_ms();
        kafkac_err_t e = poll_for_error(c, 6000, NULL, err, sizeof err);
        int64_t first = kc_test_now_ms() - t0;
        if (e != KAFKAC_ERR_ALL_BROKERS_DOWN)
            fail_msg("%s, no broker: expected ALL_BROKERS_DOWN from poll, got %s: %s", mode ? "assign" : "subscribe",
                     kafkac_err_name(e), err);
        if (first > 3000)
            fail_msg("no broker: the error came after %lld ms (default.api.timeout.ms 2000)", (long long)first);
        if (!strstr(err, "127.0.0.1"))
            fail_msg("no broker: the error does not name the address: %s", err);
        fprintf(stderr, "  %s: after %lld ms: %s\n", mode ? "assign" : "subscribe", (long long)first, err);
        /* Not again at once, but again while it lasts. */
        t0 = kc_test_now_ms();
        e = poll_for_error(c, 5000, NULL, err, sizeof err);
        int64_t second = kc_test_now_ms() - t0;
        if (e != KAFKAC_ERR_ALL_BROKERS_DOWN && e != KAFKAC_ERR_LEADER_NOT_AVAILABLE)
            fail_msg("no broker: expected the error again, got %s: %s", kafkac_err_name(e), err);
        if (second < 1000)
            fail_msg("no broker: the error came again after only %lld ms", (long long)second);
        int64_t c0 = kc_test_now_ms();
        kafkac_consumer_close(c, 1000);
        ASSERT_WITHIN(c0, 2000, "close(1000) with no broker");
        kafkac_consumer_destroy(c);
    }
}


/* A hung leader (the only broker, SIGSTOPped) reaches poll as an error
 * once default.api.timeout.ms has passed, instead of TIMED_OUT for ever;
 * reading goes on once it answers again. */
static void test_poll_leader_hung(void **state)
{
    (void)state;
    NEED_BROKER_PID();
    for (int group = 0; group < 2; group++) {
        char topic[128], err[512] = "";
        const char *extra[] = {"default.api.timeout.ms=2000", "enable.auto.commit=false", NULL};
        kafkac_consumer_t *c;
        if (group) {
            c = reading_member(topic, sizeof topic, extra);
        } else {
            char g[128];
            g_topic_and_group(topic, sizeof topic, g, sizeof g, "cerrhung", 1);
            g_produce(topic, 1, 0, 5);
            kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
            kc_test_conf_set(conf, "default.api.timeout.ms", "2000");
            c = kafkac_consumer_new(conf, err, sizeof err);
            kafkac_conf_destroy(conf);
            assert_non_null(c);
            kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
            kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_BEGINNING);
            assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
            kafkac_tpl_destroy(l);
            int got = 0;
            while (got < 5 && poll_for_error(c, 500, &got, err, sizeof err) == KAFKAC_OK)
                ;
            assert_int_equal(got, 5);
        }
        broker_stop();
        int64_t t0 = kc_test_now_ms();
        kafkac_err_t e = poll_for_error(c, 8000, NULL, err, sizeof err);
        int64_t el = kc_test_now_ms() - t0;
        broker_cont();
        fprintf(stderr, "  %s: after %lld ms: %s: %s\n", group ? "group" : "assign", (long long)el,
                kafkac_err_name(e), err);
        if (e == KAFKAC_OK)
            fail_msg("%s: poll said nothing for 8 s with the only broker stopped (default.api.timeout.ms 2000)",
                     group ? "group" : "assign");
        /* default.api.timeout.ms + fetch.max.wait.ms + slack */
        if (el > 2000 + 500 + 1500)
            fail_msg("the error came after %lld ms", (long long)el);
        /* And it reads again once the broker is back. */
        g_produce(topic, 1, 100, 2);
        int got = 0;
        t0 = kc_test_now_ms();
        while (got < 2 && kc_test_now_ms() - t0 < 45000)
            poll_for_error(c, 500, &got, err, sizeof err);
        if (got < 2)
            fail_msg("%s: read %d of 2 new records within 45 s of the broker's return", group ? "group" : "assign",
                     got);
        kafkac_consumer_close(c, 2000);
        kafkac_consumer_destroy(c);
    }
}

/* ---- defect 2: a topic created a moment ago ------------------------------ */

/* create 1: the member subscribes (and the group assigns) while the topic
 * does not exist yet, and it is created right after; create 0: the
 * subscription auto-creates it. */
static void read_new_topic(const char *topic, int create)
{
    char group[128], err[512] = "";
    assert_non_null(kc_test_topic(group, sizeof group, "gcerrnew"));
    const char *extra[] = {"auto.offset.reset=latest", create ? "allow.auto.create.topics=false"
                                                              : "allow.auto.create.topics=true", NULL};
    kafkac_consumer_t *c = g_consumer(group, extra);
    const char *t[] = {topic};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), KAFKAC_OK);
    if (create) {
        poll_for_error(c, 2000, NULL, err, sizeof err);
        g_create_topic(topic, 2);
    }
    int64_t t0 = kc_test_now_ms();
    int n = 0;
    while (kc_test_now_ms() - t0 < 15000) {
        kafkac_records_t *b = NULL;
        kafkac_err_t pe = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (pe == KAFKAC_OK)
            kafkac_records_destroy(b);
        /* Auto-creation is not a failure: nothing to report. */
        else if (!create && pe != KAFKAC_ERR_TIMED_OUT)
            fail_msg("auto-creating %s: poll returned %s: %s", topic, kafkac_err_name(pe), err);
        kafkac_topic_partition_list_t *l = NULL;
        assert_int_equal(kafkac_consumer_assignment(c, &l), KAFKAC_OK);
        n = (l ? kafkac_tpl_count(l) : 0);
        kafkac_tpl_destroy(l);
        if (n > 0)
            break;
    }
    int64_t assigned_ms = kc_test_now_ms() - t0;
    if (n == 0)
        fail_msg("%s topic: no partition assigned within 15 s of subscribe", create ? "a new" : "an auto-created");
    fprintf(stderr, "  assigned %d partition(s) after %lld ms\n", n, (long long)assigned_ms);
    /* Where "latest" put us, then what is written from now on. */
    int64_t pos = -1;
    kafkac_err_t e = kafkac_consumer_position(c, topic, 0, &pos, 10000, err, sizeof err);
    if (e)
        fail_msg("position: %s: %s", kafkac_err_name(e), err);
    g_produce(topic, 1, 0, 5);
    int got = 0;
    t0 = kc_test_now_ms();
    while (got < 5 && kc_test_now_ms() - t0 < 10000)
        poll_for_error(c, 500, &got, err, sizeof err);
    if (got < 5)
        fail_msg("read %d of 5 records written after the assignment, in 10 s", got);
    kafkac_consumer_close(c, 3000);
    kafkac_consumer_destroy(c);
}

static void test_new_topic_assigned_quickly(void **state)
{
    (void)state;
    char topic[128];
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrnew"));
    read_new_topic(topic, 1);
}

static void test_auto_created_topic_assigned_quickly(void **state)
{
    (void)state;
    char topic[128];
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrauto"));
    read_new_topic(topic, 0);
}


/* ---- defect 10: the fetcher's parsing does not hold the consumer lock ---- */

typedef struct prober {
    kafkac_consumer_t *c;
    const char *topic;
    atomic_int stop;
    int64_t worst_ms;        /* the longest position() call */
    int calls;
} prober_t;

static void *probe_main(void *arg)
{
    prober_t *pr = arg;
    while (!atomic_load(&pr->stop)) {
        int64_t pos, t0 = kc_test_now_ms();
        char err[256];
        kafkac_consumer_position(pr->c, pr->topic, 0, &pos, 0, err, sizeof err);
        int64_t el = kc_test_now_ms() - t0;
        if (el > pr->worst_ms)
            pr->worst_ms = el;
        pr->calls++;
        usleep(1000);
    }
    return NULL;
}

/* Highly compressible gzip batches: a fetch response of under a megabyte
 * decompresses to about 100 MB (some 200 ms of work on the lock before).  While the fetcher cuts them into
 * records, position() on another thread must not wait for it; and a seek
 * made while responses are being parsed gives the sought records. */
static void test_parse_outside_lock(void **state)
{
    (void)state;
    char topic[128], err[512] = "";
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrparse"));
    g_create_topic(topic, 1);
    int rc = kc_test_sh("python3 -c 'import sys\nfor i in range(10000): sys.stdout.write(\"%%05d\" %% i + \"a\" * 9995 + \"\\n\")' | "
                        "kcat -P -b %s -t %s -p 0 -z gzip -X batch.size=4000000 -X linger.ms=200 -X acks=all 2>&1",
                        kc_test_brokers(), topic);
    assert_int_equal(rc, 0);
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "fetch.max.bytes", "104857600");   /* one response: ~100 MB to decompress */
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(c);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
    kafkac_tpl_destroy(l);

    prober_t pr = {.c = c, .topic = topic};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, probe_main, &pr), 0);
    int got = 0, seeks = 0;
    int64_t t0 = kc_test_now_ms();
    while (got < 10000 && kc_test_now_ms() - t0 < 60000) {
        kafkac_records_t *b = NULL;
        kafkac_err_t e = kafkac_consumer_poll(c, 500, 500, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e)
            fail_msg("poll: %s: %s", kafkac_err_name(e), err);
        int n = kafkac_records_count(b);
        int64_t first = kafkac_record_offset(kafkac_records_at(b, 0));
        if (first != got)
            fail_msg("after %d records (and %d seeks) poll returned offset %lld first", got, seeks,
                     (long long)first);
        got += n;
        kafkac_records_destroy(b);
        /* Now and then go back a little while the next responses are on
         * their way or being parsed: the next record must be the sought. */
        if (got < 9000 && (got / 500) % 3 == 1 && seeks < 5) {
            got -= 100;
            seeks++;
            assert_int_equal(kafkac_consumer_seek(c, topic, 0, got), KAFKAC_OK);
        }
    }
    atomic_store(&pr.stop, 1);
    pthread_join(th, NULL);
    fprintf(stderr, "  %d records, %d seeks in %lld ms; longest position() of %d: %lld ms\n", got, seeks,
            (long long)(kc_test_now_ms() - t0), pr.calls, (long long)pr.worst_ms);
    if (got < 10000)
        fail_msg("read %d of 10000 records", got);
    if (pr.worst_ms > 100)
        fail_msg("position() waited %lld ms: something held the consumer lock that long", (long long)pr.worst_ms);
    kafkac_consumer_close(c, 2000);
    kafkac_consumer_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_close_broker_stopped, teardown_one),
        cmocka_unit_test_teardown(test_commit_sync_broker_stopped, teardown_one),
        cmocka_unit_test_teardown(test_position_broker_stopped, teardown_one),
        cmocka_unit_test(test_subscribe_invalid_name),
        cmocka_unit_test(test_poll_unknown_topic),
        cmocka_unit_test(test_poll_unknown_topic_assigned),
        cmocka_unit_test(test_poll_no_broker),
        cmocka_unit_test_teardown(test_poll_leader_hung, teardown_one),
        cmocka_unit_test(test_new_topic_assigned_quickly),
        cmocka_unit_test(test_auto_created_topic_assigned_quickly),
        cmocka_unit_test(test_parse_outside_lock),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, setup, NULL);
}

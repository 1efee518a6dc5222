/* The producer against the 3-broker cluster, with brokers dying.
 *
 * Failover: records are sent with acks=all and idempotence while the
 * leader of their partition is killed with SIGKILL and later restarted;
 * afterwards every record must be in the log exactly once and in order
 * (read back with kcat and checked one by one).  The count is
 * $KAFKAC_FAILOVER_RECORDS, by default the million the producer's
 * requirements name (about 35 s of make check, against 27 s for 200,000:
 * sending is paced, and reading back dominates the rest).
 * Sending is spread over KAFKAC_FAILOVER_SECONDS (15) so that the kill
 * (at one third) and the restart (at two thirds) both happen mid-stream;
 * the last sixth waits until the restarted broker is up.
 *
 * Close with the broker gone: close(timeout) returns within its timeout
 * and reports every undelivered record through its callback. */
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
#include <unistd.h>

#include "itest_producer_util.h"
#include "protocol/net.h"
#include "common/tsend.h"

#define CB kc_test_cluster_brokers()

/* Leader of partition 0 of topic (-1 if unknown). */
static int32_t leader_of(const char *topic)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    kafkac_conf_set(c, "bootstrap.servers", CB, err, sizeof err);
    kafkac_client_t *cl = kafkac_client_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    int32_t leader = -1;
    for (int attempt = 0; attempt < 20 && leader < 0; attempt++) {
        kafkac_metadata_t *md;
        const char *t[1] = { topic };
        if (kafkac_client_metadata(cl, t, 1, 10000, &md, err, sizeof err) == KAFKAC_OK) {
            if (kafkac_metadata_topic_count(md) == 1)
                leader = kafkac_partition_info_leader(kafkac_metadata_partition(md, 0, 0));
            kafkac_metadata_destroy(md);
        }
        if (leader < 0)
            usleep(500000);
    }
    kafkac_client_destroy(cl);
    return leader;
}

typedef struct chaos {
    atomic_long sent;
    long n;
    int32_t victim;
    int killed, restarted;
    int64_t killed_at_ms, restarted_at_ms;
    atomic_int done;
} chaos_t;

/* Kills the leader once a third of the records are sent, restarts it
 * once two thirds are sent (and it has been down for a few seconds). */
static void *chaos_thread(void *arg)
{
    chaos_t *c = arg;
    while (atomic_load(&c->sent) < c->n / 3)
        usleep(10000);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "kill %d", c->victim);
    c->killed = kc_test_kafka(cmd) == 0;
    c->killed_at_ms = kc_now_ms();
    while (atomic_load(&c->sent) < 2 * c->n / 3 || kc_now_ms() - c->killed_at_ms < 5000)
        usleep(10000);
    snprintf(cmd, sizeof cmd, "start-node %d", c->victim);
    c->restarted = kc_test_kafka(cmd) == 0;
    c->restarted_at_ms = kc_now_ms();
    atomic_store(&c->done, 1);
    return NULL;
}

static void count_cb(void *opaque, const kafkac_delivery_t *d)
{
    long *c = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_OK) {
        c[0]++;
    } else {
        if (c[1]++ < 5)
            fprintf(stderr, "record failed: %s\n", kafkac_err_name(kafkac_delivery_err(d)));
    }
}

static void test_leader_killed_exactly_once_in_order(void **state)
{
    (void)state;
    long N = 1000000;
    if (getenv("KAFKAC_FAILOVER_RECORDS"))
        N = atol(getenv("KAFKAC_FAILOVER_RECORDS"));
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-failover");
    assert_int_equal(kc_test_create_topic(CB, topic, 1, 3, "{'min.insync.replicas': '2'}"), 0);
    int32_t leader = leader_of(topic);
    assert_true(leader >= 1 && leader <= 3);

    const char *kv[] = { "acks", "all", "enable.idempotence", "true", "linger.ms", "5", NULL };
    kafkac_producer_t *p = pu_producer(CB, kv);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    chaos_t c;
    memset(&c, 0, sizeof c);
    c.n = N;
    c.victim = leader;
    pthread_t th;
    pthread_create(&th, NULL, chaos_thread, &c);
    /* Sending is paced over $KAFKAC_FAILOVER_SECONDS (default 15) so that
     * records keep flowing while the leader is down and while it comes
     * back and rejoins the in-sync replicas. */
    long secs = getenv("KAFKAC_FAILOVER_SECONDS") ? atol(getenv("KAFKAC_FAILOVER_SECONDS")) : 15;
    int64_t t0 = kc_now_ms();
    char val[24];
    for (long i = 0; i < N; i++) {
        if ((i & 1023) == 0)
            while ((kc_now_ms() - t0) * N < (int64_t)i * secs * 1000)
                usleep(2000);
        /* The last sixth goes out once the old leader is back, so that it
         * rejoins while records flow. */
        if (i == 5 * N / 6)
            while (!atomic_load(&c.done))
                kafkac_producer_poll(p, 10);
        int vl = snprintf(val, sizeof val, "%ld", i);
        kafkac_err_t e = kc_test_send_to(p, topic, 0, NULL, -1, val, vl, NULL);
        if (e)
            fail_msg("send %ld: %s", i, kafkac_err_name(e));
        atomic_store(&c.sent, i + 1);
        if ((i & 1023) == 0)
            kafkac_producer_poll(p, 0);
    }
    kafkac_err_t fe = kafkac_producer_flush(p, 180000);
    int64_t t1 = kc_now_ms();
    pthread_join(th, NULL);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    fprintf(stderr,
            "failover: %ld records in %lld ms; leader %d killed at +%lld ms, restarted at +%lld ms; "
            "retries %lld, epoch bumps %lld, batches %lld, requests %lld, latency avg %.1f max %lld ms\n",
            N, (long long)(t1 - t0), leader, (long long)(c.killed_at_ms - t0), (long long)(c.restarted_at_ms - t0),
            (long long)m.retries, (long long)m.epoch_bumps, (long long)m.batches_sent, (long long)m.requests_sent,
            m.request_latency_avg_ms, (long long)m.request_latency_max_ms);
    assert_true(c.killed);
    assert_true(c.restarted);
    assert_int_equal(fe, KAFKAC_OK);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[0], N);
    kafkac_producer_destroy(p);

    pu_rec_t *r;
    long n = pu_read(CB, topic, N, &r);
    if (n != N)
        fail_msg("expected %ld records in the log, read %ld", N, n);
    for (long k = 0; k < n; k++) {
        long v = atol(r[k].value);
        if (v != k)
            fail_msg("offset %lld holds record %ld, expected %ld (duplicate or reordered)", (long long)r[k].offset, v, k);
    }
    pu_free(r, n);
}

static void test_close_with_broker_gone(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-gone");
    assert_int_equal(kc_test_create_topic(CB, topic, 1, 1, NULL), 0);
    int32_t leader = leader_of(topic);
    assert_true(leader >= 1 && leader <= 3);
    const char *kv[] = { "linger.ms", "0", NULL };
    kafkac_producer_t *p = pu_producer(CB, kv);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    kafkac_future_t *f;
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "before", 6, &f), KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(f, 30000, NULL), KAFKAC_OK);
    kafkac_future_destroy(f);

    char cmd[64];
    snprintf(cmd, sizeof cmd, "kill %d", leader);
    assert_int_equal(kc_test_kafka(cmd), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "after", 5, NULL), KAFKAC_OK);
    int64_t t0 = kc_now_ms();
    kafkac_err_t e = kafkac_producer_close(p, 3000);
    int64_t took = kc_now_ms() - t0;
    snprintf(cmd, sizeof cmd, "start-node %d", leader);
    int restarted = kc_test_kafka(cmd);
    fprintf(stderr, "close(3000) with the leader gone took %lld ms: %s; delivered %ld, failed %ld\n", (long long)took,
            kafkac_err_name(e), counts[0], counts[1]);
    assert_int_equal(e, KAFKAC_ERR_TIMED_OUT);
    assert_true(took >= 2900 && took < 4500);
    assert_int_equal(counts[0], 1);     /* "before" */
    assert_int_equal(counts[1], 100);   /* every undelivered record reported */
    kafkac_producer_destroy(p);
    assert_int_equal(restarted, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leader_killed_exactly_once_in_order),
        cmocka_unit_test(test_close_with_broker_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

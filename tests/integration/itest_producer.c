/* The producer against a real single-node broker.  What was written is
 * read back with kcat (librdkafka), never with our own code, and checked
 * record by record: order per partition, key placement (murmur2 as Java,
 * and as librdkafka's and kafka-python's producers place the same keys),
 * offsets reported to delivery callbacks and futures, acks 0/1/all, every
 * codec, headers, eight threads sending at once, per-record errors from
 * the broker, backpressure, and metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest_producer_util.h"
#include "producer/producer_int.h"
#include "common/tsend.h"

#define B kc_test_brokers()

/* ---- delivery bookkeeping ---------------------------------------- */

typedef struct track {
    long n;
    int32_t *part;
    int64_t *off;
    int *err;
    long delivered, failed, calls;
} track_t;

static void track_init(track_t *t, long n)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->part = calloc((size_t)n, sizeof *t->part);
    t->off = calloc((size_t)n, sizeof *t->off);
    t->err = calloc((size_t)n, sizeof *t->err);
    for (long i = 0; i < n; i++)
        t->err[i] = -12345;
}

static void track_free(track_t *t)
{
    free(t->part);
    free(t->off);
    free(t->err);
}

static void track_cb(void *opaque, const kafkac_delivery_t *d)
{
    track_t *t = opaque;
    long i = (long)(intptr_t)kafkac_delivery_opaque(d);
    t->calls++;
    if (i < 0 || i >= t->n)
        return;
    t->part[i] = kafkac_delivery_partition(d);
    t->off[i] = kafkac_delivery_offset(d);
    t->err[i] = kafkac_delivery_err(d);
    if (t->err[i] == 0)
        t->delivered++;
    else
        t->failed++;
}

/* ---- order and key placement ------------------------------------- */

static void test_order_and_key_placement(void **state)
{
    (void)state;
    const long N = 30000;
    const int P = 6;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-order");
    assert_int_equal(kc_test_create_topic(B, topic, P, 1, NULL), 0);
    kafkac_producer_t *p = pu_producer(B, NULL);   /* defaults: idempotent, acks=all */
    track_t t;
    track_init(&t, N);
    kafkac_producer_set_delivery_cb(p, track_cb, &t);
    char key[32], val[32];
    /* One record handle for every send: key, value and opaque change. */
    kafkac_producer_record_t *rec = kafkac_producer_record_new(topic);
    assert_non_null(rec);
    for (long i = 0; i < N; i++) {
        int kl = snprintf(key, sizeof key, "key-%ld", i % 100);
        int vl = snprintf(val, sizeof val, "%ld", i);
        kafkac_producer_record_set_key(rec, key, kl);
        kafkac_producer_record_set_value(rec, val, vl);
        kafkac_producer_record_set_opaque(rec, (void *)(intptr_t)i);
        kafkac_err_t e = kafkac_producer_send_record(p, rec, NULL);
        if (e)
            fail_msg("send %ld: %s", i, kafkac_err_name(e));
        if (i % 1000 == 0)
            kafkac_producer_poll(p, 0);
    }
    kafkac_producer_record_destroy(rec);
    assert_int_equal(kafkac_producer_flush(p, 60000), KAFKAC_OK);
    assert_int_equal(t.delivered, N);
    assert_int_equal(t.failed, 0);

    kafkac_producer_metrics_t m;
    assert_int_equal(kafkac_producer_metrics(p, &m, sizeof m), KAFKAC_OK);
    assert_int_equal(m.records_sent, N);
    assert_int_equal(m.record_errors, 0);
    assert_int_equal(m.queued_records, 0);
    assert_int_equal(m.queued_bytes, 0);
    assert_int_equal(m.in_flight_requests, 0);
    assert_true(m.batches_sent > 0 && m.batches_sent < N / 5);   /* batched, not one per record */
    assert_true(m.batch_size_avg > 100.0);
    assert_true(m.requests_sent > 0 && m.requests_sent <= m.batches_sent);
    assert_true(m.request_latency_avg_ms >= 0.0 && m.request_latency_max_ms < 30000);
    assert_int_equal(kafkac_producer_close(p, 10000), KAFKAC_OK);
    kafkac_producer_destroy(p);

    pu_rec_t *r;
    long n = pu_read(B, topic, N, &r);
    assert_int_equal(n, N);
    char *seen = calloc((size_t)N, 1);
    long last_in_part[16];
    for (int i = 0; i < 16; i++)
        last_in_part[i] = -1;
    for (long k = 0; k < n; k++) {
        long i = atol(r[k].value);
        assert_true(i >= 0 && i < N);
        if (seen[i])
            fail_msg("record %ld read twice", i);
        seen[i] = 1;
        /* Key placement: Java's murmur2, and what the callback said. */
        int32_t want = kc_murmur2_partition(r[k].key, strlen(r[k].key), P);
        if (r[k].partition != want)
            fail_msg("key %s in partition %d, murmur2 says %d", r[k].key, r[k].partition, want);
        if (t.part[i] != r[k].partition || t.off[i] != r[k].offset)
            fail_msg("record %ld: callback said %d/%lld, log has it at %d/%lld", i, t.part[i], (long long)t.off[i],
                     r[k].partition, (long long)r[k].offset);
        /* Order: one thread sent them, so each partition holds its records
         * in the order they were sent. */
        if (i <= last_in_part[r[k].partition])
            fail_msg("partition %d: record %ld after %ld", r[k].partition, i, last_in_part[r[k].partition]);
        last_in_part[r[k].partition] = i;
    }
    free(seen);
    pu_free(r, n);
    track_free(&t);
}

/* ---- same keys, same partitions as librdkafka and kafka-python ---- */

static void test_key_placement_matches_other_clients(void **state)
{
    (void)state;
    const int P = 7, K = 300;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-keys");
    assert_int_equal(kc_test_create_topic(B, topic, P, 1, NULL), 0);
    /* librdkafka (kcat) with murmur2_random, Java's placement for keys. */
    assert_int_equal(kc_test_sh("for i in $(seq 0 %d); do echo \"user-$i:rd\"; done | "
                                "kcat -P -q -b %s -t %s -K: -X partitioner=murmur2_random",
                                K - 1, B, topic),
                     0);
    /* kafka-python's default partitioner (murmur2 for keyed records). */
    assert_int_equal(kc_test_sh("/usr/bin/python3 -c \"from kafka import KafkaProducer\n"
                                "p = KafkaProducer(bootstrap_servers='%s'.split(','))\n"
                                "[p.send('%s', key=('user-%%d' %% i).encode(), value=b'py') for i in range(%d)]\n"
                                "p.flush(); p.close()\" >/dev/null 2>&1",
                                B, topic, K),
                     0);
    kafkac_producer_t *p = pu_producer(B, NULL);
    char key[32];
    for (int i = 0; i < K; i++) {
        int kl = snprintf(key, sizeof key, "user-%d", i);
        assert_int_equal(kafkac_producer_send(p, topic, key, kl, "kc", 2, NULL),
                         KAFKAC_OK);
    }
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    kafkac_producer_destroy(p);

    pu_rec_t *r;
    long n = pu_read(B, topic, 3L * K, &r);
    assert_int_equal(n, 3L * K);
    /* For every key: the partition each client chose. */
    int32_t *where = malloc((size_t)K * 3 * sizeof *where);
    for (int i = 0; i < K * 3; i++)
        where[i] = -1;
    for (long k = 0; k < n; k++) {
        int i = atoi(r[k].key + 5);
        int c = strcmp(r[k].value, "rd") == 0 ? 0 : strcmp(r[k].value, "py") == 0 ? 1 : 2;
        where[i * 3 + c] = r[k].partition;
    }
    int spread[7] = { 0 };
    for (int i = 0; i < K; i++) {
        if (where[i * 3] != where[i * 3 + 2] || where[i * 3 + 1] != where[i * 3 + 2])
            fail_msg("user-%d: librdkafka %d, kafka-python %d, libkafkac %d", i, where[i * 3], where[i * 3 + 1],
                     where[i * 3 + 2]);
        spread[where[i * 3 + 2]]++;
    }
    for (int i = 0; i < P; i++)
        assert_true(spread[i] > 0);
    free(where);
    pu_free(r, n);
}

/* ---- several topics in one request -------------------------------- */

static void test_many_topics_interleaved(void **state)
{
    (void)state;
    enum { T = 3, N = 3000 };
    char topics[T][128];
    for (int k = 0; k < T; k++) {
        kc_test_topic(topics[k], sizeof topics[k], "prod-multi");
        assert_int_equal(kc_test_create_topic(B, topics[k], 3, 1, NULL), 0);
    }
    /* Long linger: every request carries batches of all three topics. */
    const char *kv[] = { "linger.ms", "50", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    track_t t;
    track_init(&t, N);
    kafkac_producer_set_delivery_cb(p, track_cb, &t);
    char key[16], val[16];
    kafkac_producer_record_t *rec = kafkac_producer_record_new(NULL);
    assert_non_null(rec);
    for (long i = 0; i < N; i++) {
        int kl = snprintf(key, sizeof key, "k%ld", i % 17);
        int vl = snprintf(val, sizeof val, "%ld", i);
        kafkac_producer_record_set_topic(rec, topics[i % T]);
        kafkac_producer_record_set_key(rec, key, kl);
        kafkac_producer_record_set_value(rec, val, vl);
        kafkac_producer_record_set_opaque(rec, (void *)(intptr_t)i);
        assert_int_equal(kafkac_producer_send_record(p, rec, NULL), KAFKAC_OK);
    }
    kafkac_producer_record_destroy(rec);
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    assert_int_equal(t.delivered, N);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    assert_true(m.requests_sent < m.batches_sent);   /* batches shared requests */
    kafkac_producer_destroy(p);
    for (int k = 0; k < T; k++) {
        pu_rec_t *r;
        long n = pu_read(B, topics[k], N / T, &r);
        assert_int_equal(n, N / T);
        for (long j = 0; j < n; j++) {
            long i = atol(r[j].value);
            assert_int_equal(i % T, k);
            if (t.part[i] != r[j].partition || t.off[i] != r[j].offset)
                fail_msg("%s record %ld: callback %d/%lld, log %d/%lld", topics[k], i, t.part[i],
                         (long long)t.off[i], r[j].partition, (long long)r[j].offset);
        }
        pu_free(r, n);
    }
    track_free(&t);
}

/* ---- acks and codecs ---------------------------------------------- */

static void test_acks_and_codecs(void **state)
{
    (void)state;
    const char *acks[] = { "0", "1", "all" };
    const char *codecs[] = { "none", "gzip", "snappy", "lz4", "zstd" };
    const int per = 200;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-codecs");
    assert_int_equal(kc_test_create_topic(B, topic, 2, 1, NULL), 0);
    for (int a = 0; a < 3; a++) {
        for (int c = 0; c < 5; c++) {
            const char *kv[] = { "acks", acks[a], "compression.type", codecs[c], "enable.idempotence",
                                 a == 2 ? "true" : "false", NULL };
            kafkac_producer_t *p = pu_producer(B, kv);
            track_t t;
            track_init(&t, per);
            kafkac_producer_set_delivery_cb(p, track_cb, &t);
            char val[64];
            kafkac_producer_record_t *rec = kafkac_producer_record_new(topic);
            assert_non_null(rec);
            for (int i = 0; i < per; i++) {
                int vl = snprintf(val, sizeof val, "%s-%s-%d-aaaaaaaaaaaaaaaaaaaaaaaaaaaa", acks[a], codecs[c], i);
                kafkac_producer_record_set_partition(rec, i % 2);
                kafkac_producer_record_set_value(rec, val, vl);
                kafkac_producer_record_set_opaque(rec, (void *)(intptr_t)i);
                assert_int_equal(kafkac_producer_send_record(p, rec, NULL), KAFKAC_OK);
            }
            kafkac_producer_record_destroy(rec);
            assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
            if (t.delivered != per)
                fail_msg("acks=%s %s: %ld of %d delivered", acks[a], codecs[c], t.delivered, per);
            for (int i = 0; i < per; i++) {
                if (a == 0)
                    assert_int_equal(t.off[i], -1);   /* acks=0: no offsets come back */
                else
                    assert_true(t.off[i] >= 0);
            }
            track_free(&t);
            kafkac_producer_destroy(p);
        }
    }
    pu_rec_t *r;
    long n = pu_read(B, topic, 15L * per, &r);
    assert_int_equal(n, 15L * per);
    int counts[3][5] = { { 0 } };
    for (long k = 0; k < n; k++)
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 5; c++) {
                char pre[32];
                snprintf(pre, sizeof pre, "%s-%s-", acks[a], codecs[c]);
                if (strncmp(r[k].value, pre, strlen(pre)) == 0)
                    counts[a][c]++;
            }
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 5; c++)
            if (counts[a][c] != per)
                fail_msg("acks=%s %s: %d records in the log, expected %d", acks[a], codecs[c], counts[a][c], per);
    pu_free(r, n);
}

/* ---- headers, timestamps, futures, null key/value ------------------ */

static void test_sync_sends_headers_and_timestamps(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-sync");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    const char *kv[] = { "linger.ms", "0", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    kafkac_producer_record_t *rec = kafkac_producer_record_new(topic);
    assert_non_null(rec);
    kafkac_producer_record_set_partition(rec, 0);
    int64_t last = -1;
    for (int i = 0; i < 50; i++) {
        kafkac_future_t *f;
        char val[16];
        int vl = snprintf(val, sizeof val, "s%d", i);
        int64_t ts = 1700000000000LL + i;
        /* Headers are set anew for each record, as a reused handle would. */
        kafkac_producer_record_clear_headers(rec);
        assert_int_equal(kafkac_producer_record_add_header(rec, "trace", "abc", 3), KAFKAC_OK);
        assert_int_equal(kafkac_producer_record_add_header(rec, "empty", NULL, -1), KAFKAC_OK);
        kafkac_producer_record_set_key(rec, i % 5 ? "k" : NULL, i % 5 ? 1 : -1);
        kafkac_producer_record_set_value(rec, val, vl);
        kafkac_producer_record_set_timestamp(rec, ts);
        assert_int_equal(kafkac_producer_send_record(p, rec, &f), KAFKAC_OK);
        const kafkac_delivery_t *d;
        assert_int_equal(kafkac_future_wait(f, 30000, &d), KAFKAC_OK);
        assert_int_equal(kafkac_future_done(f), 1);
        assert_string_equal(kafkac_delivery_topic(d), topic);
        assert_int_equal(kafkac_delivery_partition(d), 0);
        assert_int_equal(kafkac_delivery_timestamp(d), ts);
        /* A synchronous send: each record is acknowledged before the next
         * is sent, so offsets are consecutive. */
        if (last >= 0)
            assert_int_equal(kafkac_delivery_offset(d), last + 1);
        last = kafkac_delivery_offset(d);
        kafkac_future_destroy(f);
    }
    kafkac_producer_record_destroy(rec);
    /* A null value (a tombstone) is sent as null. */
    kafkac_future_t *f;
    assert_int_equal(kc_test_send_to(p, topic, 0, "k", 1, NULL, -1, &f), KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(f, 30000, NULL), KAFKAC_OK);
    kafkac_future_destroy(f);
    kafkac_producer_destroy(p);

    pu_rec_t *r;
    long n = pu_read(B, topic, 51, &r);
    assert_int_equal(n, 51);
    for (int i = 0; i < 50; i++) {
        char val[16];
        snprintf(val, sizeof val, "s%d", i);
        assert_string_equal(r[i].value, val);
        assert_non_null(strstr(r[i].headers, "trace=abc"));
        assert_non_null(strstr(r[i].headers, "empty"));
    }
    assert_string_equal(r[50].value, "");
    pu_free(r, n);
    /* Timestamps as kcat sees them. */
    assert_int_equal(kc_test_sh("kcat -C -q -b %s -t %s -o beginning -c 1 -f '%%T' | grep -qx 1700000000000", B, topic),
                     0);
}

/* CreateTime 0 is a timestamp like any other (1970-01-01T00:00:00Z), as
 * in Java; KAFKAC_TIMESTAMP_NONE stamps the current time; anything below
 * it is refused.  kcat reads the log back, so our decoder is not the
 * judge. */
static void test_create_time_zero(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-ts0");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    const char *kv[] = { "linger.ms", "0", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    kafkac_producer_record_t *rec = kafkac_producer_record_new(topic);
    assert_non_null(rec);
    kafkac_producer_record_set_partition(rec, 0);
    kafkac_producer_record_set_value(rec, "v", 1);
    kafkac_producer_record_set_timestamp(rec, -2);
    assert_int_equal(kafkac_producer_send_record(p, rec, NULL), KAFKAC_ERR_INVALID_ARG);
    kafkac_future_t *f0, *fnow;
    kafkac_producer_record_set_value(rec, "zero", 4);
    kafkac_producer_record_set_timestamp(rec, 0);
    assert_int_equal(kafkac_producer_send_record(p, rec, &f0), KAFKAC_OK);
    kafkac_producer_record_destroy(rec);
    const kafkac_delivery_t *d;
    assert_int_equal(kafkac_future_wait(f0, 30000, &d), KAFKAC_OK);
    assert_int_equal(kafkac_delivery_timestamp(d), 0);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t now = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "now", 3, &fnow),
                     KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(fnow, 30000, &d), KAFKAC_OK);
    int64_t ts = kafkac_delivery_timestamp(d);
    if (ts < now - 60000 || ts > now + 60000)
        fail_msg("a record sent with KAFKAC_TIMESTAMP_NONE has timestamp %lld, now is %lld", (long long)ts,
                 (long long)now);
    kafkac_future_destroy(f0);
    kafkac_future_destroy(fnow);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    /* The broker stored CreateTime 0 for the first record. */
    assert_int_equal(kc_test_sh("kcat -C -q -b %s -t %s -o beginning -c 2 -f '%%s %%T\\n' > /tmp/kc-ts0.$$ && "
                                "head -1 /tmp/kc-ts0.$$ | grep -qx 'zero 0' && "
                                "sed -n 2p /tmp/kc-ts0.$$ | grep -qx 'now %lld'; rc=$?; cat /tmp/kc-ts0.$$ >&2; "
                                "rm -f /tmp/kc-ts0.$$; exit $rc",
                                B, topic, (long long)ts),
                     0);
}

/* ---- eight threads ------------------------------------------------ */

typedef struct thr {
    kafkac_producer_t *p;
    const char *topic;
    int id, n;
    int errors;
} thr_t;

static void *sender_thread(void *arg)
{
    thr_t *t = arg;
    char key[16], val[32];
    for (int i = 0; i < t->n; i++) {
        int kl = snprintf(key, sizeof key, "k%d", i % 13);
        int vl = snprintf(val, sizeof val, "%d-%d", t->id, i);
        int keyed = i % 2;
        if (kafkac_producer_send(t->p, t->topic, keyed ? key : NULL, keyed ? kl : -1, val, vl, NULL) != KAFKAC_OK)
            t->errors++;
    }
    return NULL;
}

static void count_cb(void *opaque, const kafkac_delivery_t *d)
{
    long *c = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_OK)
        c[0]++;
    else
        c[1]++;
}

static void test_eight_threads(void **state)
{
    (void)state;
    const int T = 8, N = 5000;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-threads");
    assert_int_equal(kc_test_create_topic(B, topic, 4, 1, NULL), 0);
    const char *kv[] = { "linger.ms", "2", "batch.size", "4096", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    pthread_t th[8];
    thr_t a[8];
    for (int i = 0; i < T; i++) {
        a[i] = (thr_t){ p, topic, i, N, 0 };
        pthread_create(&th[i], NULL, sender_thread, &a[i]);
    }
    /* Delivery callbacks run here, in this thread, while they send. */
    for (int done = 0; !done;) {
        kafkac_producer_poll(p, 50);
        done = counts[0] + counts[1] >= (long)T * N;
        kafkac_producer_metrics_t m;
        kafkac_producer_metrics(p, &m, sizeof m);
        if (m.queued_records == 0 && counts[0] + counts[1] == m.records_sent + m.record_errors && done)
            break;
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].errors, 0);
    }
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    assert_int_equal(counts[0], (long)T * N);
    assert_int_equal(counts[1], 0);
    kafkac_producer_destroy(p);

    pu_rec_t *r;
    long n = pu_read(B, topic, (long)T * N, &r);
    assert_int_equal(n, (long)T * N);
    /* Every record once; each thread's records keep their order within
     * a partition. */
    char *seen = calloc((size_t)T * N, 1);
    int last[8][4];
    memset(last, 0xff, sizeof last);
    for (long k = 0; k < n; k++) {
        int id, i;
        assert_int_equal(sscanf(r[k].value, "%d-%d", &id, &i), 2);
        assert_false(seen[id * N + i]);
        seen[id * N + i] = 1;
        if (i <= last[id][r[k].partition])
            fail_msg("thread %d partition %d: %d after %d", id, r[k].partition, i, last[id][r[k].partition]);
        last[id][r[k].partition] = i;
        if (r[k].key[0])
            assert_int_equal(r[k].partition, kc_murmur2_partition(r[k].key, strlen(r[k].key), 4));
    }
    free(seen);
    pu_free(r, n);
}

/* ---- errors the broker reports per record ------------------------- */

static void test_broker_record_errors(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-toolarge");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, "{'max.message.bytes': '2000'}"), 0);
    /* One batch (linger.ms=2000) of 15 records of 400 bytes with one of
     * 5000 among them: the broker refuses the whole ~11 KB batch, the
     * producer splits it until only the big record fails, and the others
     * are written, in order. */
    /* linger.ms is long so that the 16 records make one batch even on a
     * loaded machine (a stall of more than 200 ms between two sends was
     * seen under TSan): the split is what this test is about. */
    const char *kv[] = { "linger.ms", "2000", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    static char big[5000], small[400];
    memset(big, 'b', sizeof big);
    kafkac_future_t *fs[16];
    for (int i = 0; i < 16; i++) {
        int n = snprintf(small, sizeof small, "small-%02d-", i);
        memset(small + n, 's', sizeof small - (size_t)n);
        if (i == 10)
            assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, big, sizeof big, &fs[i]),
                             KAFKAC_OK);
        else
            assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, small, sizeof small, &fs[i]),
                             KAFKAC_OK);
    }
    for (int i = 0; i < 16; i++) {
        kafkac_err_t e = kafkac_future_wait(fs[i], 30000, NULL);
        if (e != (i == 10 ? KAFKAC_ERR_MESSAGE_TOO_LARGE : KAFKAC_OK))
            fail_msg("record %d: %s", i, kafkac_err_name(e));
        kafkac_future_destroy(fs[i]);
    }
    pu_rec_t *r;
    long n = pu_read(B, topic, 15, &r);
    assert_int_equal(n, 15);
    for (int i = 0, k = 0; i < 16; i++) {
        if (i == 10)
            continue;
        char want[16];
        snprintf(want, sizeof want, "small-%02d-", i);
        if (strncmp(r[k].value, want, strlen(want)) != 0)
            fail_msg("offset %d: expected %s..., got %.12s", k, want, r[k].value);
        k++;
    }
    pu_free(r, n);

    /* A compacted topic refuses records without a key. */
    char ctopic[128];
    kc_test_topic(ctopic, sizeof ctopic, "prod-compact");
    assert_int_equal(kc_test_create_topic(B, ctopic, 1, 1, "{'cleanup.policy': 'compact'}"), 0);
    kafkac_future_t *fc;
    assert_int_equal(kc_test_send_to(p, ctopic, 0, NULL, -1, "nokey", 5, &fc), KAFKAC_OK);
    kafkac_err_t e = kafkac_future_wait(fc, 60000, NULL);
    if (e != KAFKAC_ERR_INVALID_RECORD && e != KAFKAC_ERR_CORRUPT_MESSAGE)
        fail_msg("null key on a compacted topic: expected INVALID_RECORD, got %s", kafkac_err_name(e));
    kafkac_future_destroy(fc);
    /* The producer is still usable afterwards (the epoch was renewed if
     * the failed batch left a gap in the sequence). */
    kafkac_future_t *fk;
    assert_int_equal(kc_test_send_to(p, ctopic, 0, "k", 1, "withkey", 7, &fk), KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(fk, 30000, NULL), KAFKAC_OK);
    kafkac_future_destroy(fk);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    assert_int_equal(m.record_errors, 2);
    /* Each failed batch left a gap in its partition's sequence, so the
     * producer renewed its epoch (InitProducerId with its current id and
     * epoch) and numbered from 0 again, which the last send proves. */
    assert_true(m.epoch_bumps >= 1);
    kafkac_producer_destroy(p);
}

/* ---- a gap in the sequence ---------------------------------------- */

/* The broker answers OUT_OF_ORDER_SEQUENCE_NUMBER when a batch's first
 * sequence is not the one after the last it has: here we make the gap
 * ourselves (as lost broker state or an expired batch would).  The
 * producer must renew its epoch, number from 0 again and deliver every
 * record once, in order. */
static void test_sequence_gap_renews_epoch(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-seqgap");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_producer_t *p = pu_producer(B, NULL);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    char val[16];
    for (int i = 0; i < 200; i++) {
        if (i == 100) {
            assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
            /* Idle now: nothing in flight or queued, so the I/O thread
             * does not touch the partition's sequence. */
            kc_ptopic_t *t = kc_acc_topic(kc_producer_inner(p), topic);
            assert_non_null(t);
            t->parts[0]->next_seq += 7;
        }
        int vl = snprintf(val, sizeof val, "%d", i);
        assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, val, vl, NULL), KAFKAC_OK);
    }
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    assert_int_equal(counts[0], 200);
    assert_int_equal(counts[1], 0);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    assert_int_equal(m.epoch_bumps, 1);
    assert_true(m.retries >= 1);
    kafkac_producer_destroy(p);
    pu_rec_t *r;
    long n = pu_read(B, topic, 200, &r);
    assert_int_equal(n, 200);
    for (long k = 0; k < n; k++)
        if (atol(r[k].value) != k)
            fail_msg("offset %ld holds %s", k, r[k].value);
    pu_free(r, n);
}

/* ---- a topic deleted and made again ------------------------------ */

/* Kafka 4.1's Produce v13 names topics by id, and a topic made again under
 * the same name has a new one: the producer must take it from metadata
 * (before, it sent the old id until delivery.timeout.ms). */
static void test_topic_recreated(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-recreate");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    static const char *const kv[] = { "delivery.timeout.ms", "35000", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    char val[16];
    for (int i = 0; i < 20; i++) {
        if (i == 10) {
            assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
            assert_int_equal(kc_test_sh("/usr/bin/python3 -c \"from kafka.admin import KafkaAdminClient\n"
                                        "a = KafkaAdminClient(bootstrap_servers='%s'.split(','))\n"
                                        "a.delete_topics(['%s'])\n"
                                        "a.close()\" >/dev/null 2>&1",
                                        B, topic),
                             0);
            /* The deletion completes a moment after the controller
             * accepts it; until then the name is taken. */
            int made = 0;
            for (int k = 0; k < 30 && !made; k++) {
                made = kc_test_create_topic(B, topic, 1, 1, NULL) == 0;
                if (!made)
                    usleep(500 * 1000);
            }
            assert_true(made);
        }
        int vl = snprintf(val, sizeof val, "%d", i);
        assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, val, vl, NULL), KAFKAC_OK);
    }
    assert_int_equal(kafkac_producer_flush(p, 40000), KAFKAC_OK);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[0], 20);
    kafkac_producer_destroy(p);
    /* The new topic holds exactly the records sent after it was made. */
    pu_rec_t *r;
    long n = pu_read(B, topic, 10, &r);
    assert_int_equal(n, 10);
    for (long k = 0; k < n; k++)
        if (atol(r[k].value) != 10 + k)
            fail_msg("offset %ld holds %s, expected %ld", k, r[k].value, 10 + k);
    pu_free(r, n);
}

/* ---- backpressure with a live broker ------------------------------ */

static void test_backpressure_live(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "prod-bp");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    /* A small buffer: sends must block for space, never fail, and the
     * buffer must never hold more than buffer.memory. */
    const char *kv[] = { "buffer.memory", "65536", "batch.size", "16384", "max.block.ms", "30000", NULL };
    kafkac_producer_t *p = pu_producer(B, kv);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    static char val[1000];
    memset(val, 'v', sizeof val);
    const int N = 5000;
    int64_t max_q = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, val, sizeof val, NULL), KAFKAC_OK);
        kafkac_producer_metrics_t m;
        kafkac_producer_metrics(p, &m, sizeof m);
        if (m.queued_bytes > max_q)
            max_q = m.queued_bytes;
        kafkac_producer_poll(p, 0);
    }
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    assert_int_equal(counts[0], N);
    assert_true(max_q <= 65536);
    kafkac_producer_destroy(p);

    /* max.block.ms=0: a full buffer fails the send at once with
     * QUEUE_FULL; every accepted record is still delivered. */
    const char *kv0[] = { "buffer.memory", "20000", "max.block.ms", "0", "linger.ms", "50", NULL };
    p = pu_producer(B, kv0);
    counts[0] = counts[1] = 0;
    kafkac_producer_set_delivery_cb(p, count_cb, counts);
    int accepted = 0, full = 0;
    /* With no time to block, the first sends fail until the topic's
     * metadata is in (the first one asked for it). */
    kafkac_err_t e0;
    int64_t t0 = kc_now_ms();
    while ((e0 = kc_test_send_to(p, topic, 0, NULL, -1, val, sizeof val, NULL)) ==
               KAFKAC_ERR_UNKNOWN_TOPIC &&
           kc_now_ms() - t0 < 10000)
        usleep(10000);
    assert_int_equal(e0, KAFKAC_OK);
    accepted++;
    for (int i = 0; i < 200; i++) {
        kafkac_err_t e = kc_test_send_to(p, topic, 0, NULL, -1, val, sizeof val, NULL);
        if (e == KAFKAC_OK)
            accepted++;
        else if (e == KAFKAC_ERR_QUEUE_FULL)
            full++;
        else
            fail_msg("send: %s", kafkac_err_name(e));
    }
    assert_true(full > 0);
    assert_int_equal(kafkac_producer_close(p, 30000), KAFKAC_OK);
    assert_int_equal(counts[0], accepted);
    assert_int_equal(counts[1], 0);
    kafkac_producer_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_key_placement),
        cmocka_unit_test(test_key_placement_matches_other_clients),
        cmocka_unit_test(test_many_topics_interleaved),
        cmocka_unit_test(test_acks_and_codecs),
        cmocka_unit_test(test_sync_sends_headers_and_timestamps),
        cmocka_unit_test(test_create_time_zero),
        cmocka_unit_test(test_eight_threads),
        cmocka_unit_test(test_broker_record_errors),
        cmocka_unit_test(test_sequence_gap_renews_epoch),
        cmocka_unit_test(test_topic_recreated),
        cmocka_unit_test(test_backpressure_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

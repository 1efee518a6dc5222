/* The accumulator and the public send/close paths with no broker at all:
 * the producer's bootstrap server is a closed port, and topics are given
 * to it by hand (kc_acc_topic_add), so records stay queued and the tests
 * can look at how they were batched and placed, at backpressure, and at
 * close failing what could not be delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* From the sanitizer runtime's allocator interface (its header is not
 * always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "common/mem.h"
#include "common/tsend.h"
#include "producer/producer_int.h"

static kafkac_producer_t *make(const char *const *kv)
{
    char err[512];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), 0);
    for (; kv && kv[0]; kv += 2)
        if (kafkac_conf_set(c, kv[0], kv[1], err, sizeof err) != 0)
            fail_msg("conf %s=%s: %s", kv[0], kv[1], err);
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    if (!p)
        fail_msg("producer_new: %s", err);
    kafkac_conf_destroy(c);
    return p;
}

static kc_ptopic_t *add_topic(kafkac_producer_t *kp, const char *name, int32_t n)
{
    kc_topic_info_t ti;
    memset(&ti, 0, sizeof ti);
    ti.name = (char *)name;
    ti.partition_count = n;
    kc_ptopic_t *t = NULL;
    assert_int_equal(kc_acc_topic_add(kc_producer_inner(kp), &ti, &t), 0);
    assert_non_null(t);
    return t;
}

/* Records and batches held by a partition (open + queued). */
static void part_stats(kc_ppart_t *pp, int *records, int *batches, size_t *max_batch)
{
    *records = *batches = 0;
    *max_batch = 0;
    pthread_mutex_lock(&pp->mu);
    for (kc_pbatch_t *b = pp->qhead; b; b = b->next) {
        *records += b->count;
        (*batches)++;
        if (kc_rb_writer_size(b->w) > *max_batch)
            *max_batch = kc_rb_writer_size(b->w);
    }
    if (pp->open) {
        *records += pp->open->count;
        (*batches)++;
        if (kc_rb_writer_size(pp->open->w) > *max_batch)
            *max_batch = kc_rb_writer_size(pp->open->w);
    }
    pthread_mutex_unlock(&pp->mu);
}

static const char *const slow_big[] = { "linger.ms", "900000", "batch.size", "1000000", "enable.idempotence",
                                        "false", "acks", "1", NULL };
static const char *const slow[] = { "linger.ms", "900000", "batch.size", "1000", "enable.idempotence", "false",
                                    "acks", "1", NULL };

static void test_batches_split_at_batch_size(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow);
    kc_ptopic_t *t = add_topic(kp, "t1", 3);
    char v[100];
    memset(v, 'x', sizeof v);
    for (int i = 0; i < 100; i++)
        assert_int_equal(kc_test_send_to(kp, "t1", 1, NULL, -1, v, sizeof v, NULL), 0);
    int recs, batches;
    size_t maxb;
    part_stats(t->parts[1], &recs, &batches, &maxb);
    assert_int_equal(recs, 100);
    /* ~100-byte records into 1000-byte batches: several batches, none over. */
    assert_true(batches >= 10 && batches <= 15);
    assert_true(maxb <= 1000);
    part_stats(t->parts[0], &recs, &batches, &maxb);
    assert_int_equal(recs, 0);
    kafkac_producer_metrics_t m;
    assert_int_equal(kafkac_producer_metrics(kp, &m, sizeof m), 0);
    assert_int_equal(m.queued_records, 100);
    assert_true(m.queued_bytes >= 100 * 100);
    kafkac_producer_destroy(kp);
}

static void test_record_larger_than_batch_gets_own_batch(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow);
    kc_ptopic_t *t = add_topic(kp, "t1", 1);
    static char big[5000];
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, "a", 1, NULL), 0);
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, big, sizeof big, NULL), 0);
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, "b", 1, NULL), 0);
    int recs, batches;
    size_t maxb;
    part_stats(t->parts[0], &recs, &batches, &maxb);
    assert_int_equal(recs, 3);
    assert_int_equal(batches, 3);
    assert_true(maxb > 5000);
    kafkac_producer_destroy(kp);
}

static void test_keyed_records_follow_murmur2(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow);
    kc_ptopic_t *t = add_topic(kp, "t1", 7);
    /* Partitions from Kafka's Utils: abc -> 4, kafka -> 3, foobar -> 0. */
    const char *keys[] = { "abc", "kafka", "foobar", "abc" };
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            kafkac_producer_send(kp, "t1", keys[i], (int32_t)strlen(keys[i]), "v", 1, NULL),
            0);
    int recs, batches;
    size_t maxb;
    int expect[7] = { 1, 0, 0, 1, 2, 0, 0 };
    for (int pi = 0; pi < 7; pi++) {
        part_stats(t->parts[pi], &recs, &batches, &maxb);
        if (recs != expect[pi])
            fail_msg("partition %d: expected %d records, got %d", pi, expect[pi], recs);
    }
    kafkac_producer_destroy(kp);
}

static void test_sticky_switches_when_batch_is_full(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow);
    kc_ptopic_t *t = add_topic(kp, "t1", 4);
    char v[90];
    memset(v, 'y', sizeof v);
    int first = -1, switches = 0, prev = -1;
    for (int i = 0; i < 60; i++) {
        assert_int_equal(kafkac_producer_send(kp, "t1", NULL, -1, v, sizeof v, NULL), 0);
        int cur = atomic_load(&t->sticky);
        if (first < 0)
            first = cur;
        if (prev >= 0 && cur != prev)
            switches++;
        prev = cur;
    }
    /* Each partition holds whole batches: every record of a batch went to
     * the same partition, and it moved on only when a batch was full. */
    int total = 0;
    for (int pi = 0; pi < 4; pi++) {
        int recs, batches;
        size_t maxb;
        part_stats(t->parts[pi], &recs, &batches, &maxb);
        total += recs;
    }
    assert_int_equal(total, 60);
    /* 60 records of ~100 bytes in 1000-byte batches: about 6 batches,
     * so 5 or so switches; never one switch per record. */
    assert_true(switches >= 3 && switches <= 8);
    kafkac_producer_destroy(kp);
}

static void test_buffer_memory_blocks_then_fails(void **state)
{
    (void)state;
    const char *const kv[] = { "linger.ms", "900000", "buffer.memory", "20000", "max.block.ms", "300",
                               "enable.idempotence", "false", "acks", "1", NULL };
    kafkac_producer_t *kp = make(kv);
    add_topic(kp, "t1", 2);
    char v[1000];
    memset(v, 'z', sizeof v);
    int ok = 0;
    kafkac_err_t err = KAFKAC_OK;
    int64_t t0 = 0, t1 = 0;
    for (int i = 0; i < 100; i++) {
        t0 = kc_now_ms();
        err = kc_test_send_to(kp, "t1", 0, NULL, -1, v, sizeof v, NULL);
        t1 = kc_now_ms();
        if (err)
            break;
        ok++;
    }
    assert_int_equal(err, KAFKAC_ERR_QUEUE_FULL);
    /* About 20000 / ~1050 records fit; the one that did not waited out
     * max.block.ms before failing. */
    assert_true(ok >= 15 && ok <= 20);
    assert_true(t1 - t0 >= 290);
    assert_true(t1 - t0 < 3000);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(kp, &m, sizeof m);
    assert_true(m.queued_bytes <= 20000);
    assert_int_equal(m.queued_records, ok);
    kafkac_producer_destroy(kp);
}

/* buffer.memory bounds the memory batches really take, not an estimate
 * per record: one small record in each of 2,000 partitions (2,000 open
 * batches of some 750 bytes each) fits in 2 MB, and the heap grows by no
 * more than that.  Batches
 * used to start at batch.size, so the same sends took 2,000 x 16 KB = 32 MB
 * while the budget counted 2,000 x ~150 bytes. */
/* Bytes the heap has handed out and not taken back: glibc's count, or the
 * sanitizer allocator's when the test runs under one. */
static long long heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return (long long)__sanitizer_get_current_allocated_bytes();
#else
    return (long long)mallinfo2().uordblks;
#endif
}

static void test_buffer_memory_counts_real_memory(void **state)
{
    (void)state;
    const char *const kv[] = { "linger.ms", "900000", "buffer.memory", "2097152", "batch.size", "16384",
                               "max.block.ms", "300", "enable.idempotence", "false", "acks", "1", NULL };
    kafkac_producer_t *kp = make(kv);
    kc_ptopic_t *t = add_topic(kp, "wide", 2000);
    char v[100];
    memset(v, 'w', sizeof v);
    long long before = heap_in_use();
    for (int32_t i = 0; i < 2000; i++)
        assert_int_equal(kc_test_send_to(kp, "wide", i, "k", 1, v, sizeof v, NULL), KAFKAC_OK);
    /* What the heap gave out (this thread's sends allocate in the main
     * arena, which mallinfo2 reports). */
    long long grew = heap_in_use() - before;
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(kp, &m, sizeof m);
    if (grew > 2097152 || m.queued_bytes > 2097152)
        fail_msg("2,000 one-record batches took %lld bytes of heap, charged %lld; buffer.memory is 2097152", grew,
                 (long long)m.queued_bytes);
    /* The budget is the batches' real size: their structs, buffers and
     * record slots, batch by batch. */
    long long sum = 0;
    for (int32_t i = 0; i < 2000; i++) {
        kc_pbatch_t *b = t->parts[i]->open;
        assert_non_null(b);
        assert_int_equal(b->count, 1);
        sum += (long long)sizeof(*b) + (long long)kc_rb_writer_footprint(b->w) +
               (long long)b->recs_cap * (long long)sizeof(kc_prec_t);
        assert_int_equal(b->charged, (long long)sizeof(*b) + (long long)kc_rb_writer_footprint(b->w) +
                                         (long long)b->recs_cap * (long long)sizeof(kc_prec_t));
    }
    assert_int_equal(m.queued_bytes, sum);
    assert_true(grew >= sum);   /* the accounting does not claim more than is there */
    kafkac_producer_destroy(kp);
}

static void test_bad_sends(void **state)
{
    (void)state;
    const char *const kv[] = { "max.request.size", "2000", "max.block.ms", "200", NULL };
    kafkac_producer_t *kp = make(kv);
    add_topic(kp, "t1", 2);
    static char big[3000];
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, big, sizeof big, NULL),
                     KAFKAC_ERR_MSG_SIZE_TOO_LARGE);
    assert_int_equal(kc_test_send_to(kp, "t1", 2, NULL, -1, "v", 1, NULL),
                     KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_int_equal(kc_test_send_to(kp, "t1", -5, NULL, -1, "v", 1, NULL),
                     KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, 3, "v", 1, NULL),
                     KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_test_send_to(kp, NULL, 0, NULL, -1, "v", 1, NULL),
                     KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send(kp, NULL, NULL, -1, "v", 1, NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send(kp, "", NULL, -1, "v", 1, NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send(kp, "t1", NULL, -1, NULL, 1, NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send(kp, "t1", NULL, -2, "v", 1, NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send_record(kp, NULL, NULL), KAFKAC_ERR_INVALID_ARG);
    kafkac_producer_record_t *r = kafkac_producer_record_new("t1");
    assert_non_null(r);
    kafkac_producer_record_set_partition(r, 0);
    kafkac_producer_record_set_value(r, "v", 1);
    kafkac_producer_record_set_timestamp(r, KAFKAC_TIMESTAMP_NONE - 1);
    assert_int_equal(kafkac_producer_send_record(kp, r, NULL), KAFKAC_ERR_INVALID_ARG);
    kafkac_producer_record_set_timestamp(r, KAFKAC_TIMESTAMP_NONE);
    /* A header the handle refuses is not added. */
    assert_int_equal(kafkac_producer_record_add_header(r, NULL, "x", 1), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_record_add_header(r, "h", NULL, 1), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_record_add_header(r, "h", "x", -2), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_record_add_header(NULL, "h", "x", 1), KAFKAC_ERR_INVALID_ARG);
    kafkac_producer_record_set_topic(r, NULL);
    assert_int_equal(kafkac_producer_send_record(kp, r, NULL), KAFKAC_ERR_INVALID_ARG);
    kafkac_producer_record_destroy(r);
    kafkac_producer_record_destroy(NULL);   /* a no-op */
    kafkac_future_t *f = (kafkac_future_t *)&kp;
    int64_t t0 = kc_now_ms();
    /* Nothing listens at the bootstrap address: the send says so (not
     * UNKNOWN_TOPIC), and kafkac_producer_send_error names the address. */
    assert_int_equal(kc_test_send_to(kp, "no-such-topic", 0, NULL, -1, "v", 1, &f),
                     KAFKAC_ERR_ALL_BROKERS_DOWN);
    assert_null(f);   /* no future on error */
    assert_true(kc_now_ms() - t0 < 3000);
    char why[512];
    assert_int_equal(kafkac_producer_send_error(kp, why, sizeof why), KAFKAC_ERR_ALL_BROKERS_DOWN);
    if (!strstr(why, "127.0.0.1:1") || !strstr(why, "no-such-topic"))
        fail_msg("send error text: %s", why);
    kafkac_producer_destroy(kp);
}

typedef struct counts {
    int ok, purged, other;
} counts_t;

static void dr(void *opaque, const kafkac_delivery_t *d)
{
    counts_t *c = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_OK)
        c->ok++;
    else if (kafkac_delivery_err(d) == KAFKAC_ERR_PURGED)
        c->purged++;
    else
        c->other++;
    assert_string_equal(kafkac_delivery_topic(d), "t1");
    assert_int_equal(kafkac_delivery_offset(d), -1);
}

static void dr_expired(void *opaque, const kafkac_delivery_t *d)
{
    counts_t *c = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_ERR_TIMED_OUT)
        c->other++;
    else
        c->ok++;
}

static void test_close_without_broker_fails_everything_in_time(void **state)
{
    (void)state;
    const char *const kv[] = { "linger.ms", "5", "enable.idempotence", "false", "acks", "1", NULL };
    kafkac_producer_t *kp = make(kv);
    add_topic(kp, "t1", 3);
    counts_t c = { 0, 0, 0 };
    kafkac_producer_set_delivery_cb(kp, dr, &c);
    kafkac_future_t *f[10];
    for (int i = 0; i < 10; i++)
        assert_int_equal(kc_test_send_to(kp, "t1", i % 3, "k", 1, "v", 1, &f[i]), 0);
    for (int i = 0; i < 990; i++)
        assert_int_equal(kafkac_producer_send(kp, "t1", NULL, -1, "v", 1, NULL), 0);
    assert_int_equal(kafkac_future_wait(f[0], 0, NULL), KAFKAC_ERR_TIMED_OUT);
    assert_int_equal(kafkac_producer_flush(kp, 100), KAFKAC_ERR_TIMED_OUT);
    int64_t t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_close(kp, 400), KAFKAC_ERR_TIMED_OUT);
    int64_t took = kc_now_ms() - t0;
    if (took > 1500)
        fail_msg("close(400) took %lld ms", (long long)took);
    assert_int_equal(c.purged, 1000);
    assert_int_equal(c.ok + c.other, 0);
    for (int i = 0; i < 10; i++) {
        const kafkac_delivery_t *d;
        assert_int_equal(kafkac_future_wait(f[i], 0, &d), KAFKAC_ERR_PURGED);
        assert_int_equal(kafkac_delivery_partition(d), i % 3);
        kafkac_future_destroy(f[i]);
    }
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, "v", 1, NULL), KAFKAC_ERR_DESTROYED);
    assert_int_equal(kafkac_producer_close(kp, 0), KAFKAC_OK);   /* second close */
    kafkac_producer_destroy(kp);
    kafkac_producer_destroy(NULL);
    kafkac_future_destroy(NULL);
}

static void test_delivery_timeout_expires_records(void **state)
{
    (void)state;
    const char *const kv[] = { "linger.ms", "0", "request.timeout.ms", "1000", "delivery.timeout.ms", "1500",
                               "enable.idempotence", "false", "acks", "1", NULL };
    kafkac_producer_t *kp = make(kv);
    add_topic(kp, "t1", 1);
    counts_t c = { 0, 0, 0 };
    kafkac_producer_set_delivery_cb(kp, dr_expired, &c);
    kafkac_future_t *f;
    int64_t t0 = kc_now_ms();
    assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, "v", 1, &f), 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(kc_test_send_to(kp, "t1", 0, NULL, -1, "v", 1, NULL), 0);
    /* No broker: nothing can be sent, so the records expire. */
    assert_int_equal(kafkac_future_wait(f, 10000, NULL), KAFKAC_ERR_TIMED_OUT);
    assert_int_equal(kafkac_future_done(f), 1);
    int64_t took = kc_now_ms() - t0;
    if (took < 1400 || took > 4000)
        fail_msg("expired after %lld ms, delivery.timeout.ms is 1500", (long long)took);
    kafkac_future_destroy(f);
    assert_int_equal(kafkac_producer_flush(kp, 5000), KAFKAC_OK);
    assert_int_equal(c.other, 10);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(kp, &m, sizeof m);
    assert_int_equal(m.record_errors, 10);
    assert_int_equal(m.queued_records, 0);
    assert_int_equal(m.queued_bytes, 0);
    kafkac_producer_destroy(kp);
}

static void test_future_outlives_producer(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow);
    add_topic(kp, "t1", 1);
    kafkac_future_t *f;
    int tag = 7;
    kafkac_producer_record_t *r = kafkac_producer_record_new("t1");
    assert_non_null(r);
    kafkac_producer_record_set_partition(r, 0);
    kafkac_producer_record_set_value(r, "v", 1);
    kafkac_producer_record_set_opaque(r, &tag);
    assert_int_equal(kafkac_producer_send_record(kp, r, &f), 0);
    kafkac_producer_record_destroy(r);   /* the record is queued: the handle is no longer needed */
    kafkac_producer_destroy(kp);
    const kafkac_delivery_t *d;
    assert_int_equal(kafkac_future_wait(f, KAFKAC_TIMEOUT_DEFAULT, &d), KAFKAC_ERR_PURGED);
    assert_string_equal(kafkac_delivery_topic(d), "t1");
    assert_ptr_equal(kafkac_delivery_opaque(d), &tag);
    assert_int_equal(kafkac_future_done(f), 1);
    kafkac_future_destroy(f);
}

/* What a record handle holds is what lands in the batch: partition, key,
 * value, timestamp (0 is a real CreateTime), headers in order (more than
 * the handle's first allocation, so its array grows), and the opaque in
 * the outcome; a reused handle sends its new values, clear_headers
 * empties it, and the bytes are copied by the send (the caller's buffer
 * changes afterwards without changing the record).  The batch is read
 * back with the record-batch reader. */
static void test_record_handle_fields_reach_the_batch(void **state)
{
    (void)state;
    kafkac_producer_t *kp = make(slow_big);
    kc_producer_t *p = kc_producer_inner(kp);
    kc_ptopic_t *t = add_topic(kp, "t1", 2);
    int tag = 5;
    char hk[6][16];
    kafkac_producer_record_t *r = kafkac_producer_record_new("t1");
    assert_non_null(r);
    kafkac_producer_record_set_partition(r, 1);
    kafkac_producer_record_set_key(r, "k1", 2);
    kafkac_producer_record_set_value(r, "v1", 2);
    kafkac_producer_record_set_timestamp(r, 0);
    kafkac_producer_record_set_opaque(r, &tag);
    for (int i = 0; i < 6; i++) {
        snprintf(hk[i], sizeof hk[i], "h%d", i);
        assert_int_equal(kafkac_producer_record_add_header(r, hk[i], i < 5 ? "hv" : NULL, i < 5 ? 2 : -1),
                         KAFKAC_OK);
    }
    kafkac_future_t *f1 = NULL, *f2 = NULL;
    assert_int_equal(kafkac_producer_send_record(kp, r, &f1), KAFKAC_OK);
    assert_non_null(f1);

    char buf[8] = "second";
    kafkac_producer_record_clear_headers(r);
    assert_int_equal(kafkac_producer_record_add_header(r, "x", "y", 1), KAFKAC_OK);
    kafkac_producer_record_set_key(r, NULL, -1);
    kafkac_producer_record_set_value(r, buf, 6);
    kafkac_producer_record_set_timestamp(r, 1700000000123LL);
    kafkac_producer_record_set_opaque(r, NULL);
    assert_int_equal(kafkac_producer_send_record(kp, r, &f2), KAFKAC_OK);
    memcpy(buf, "XXXXXX", 6);   /* the send copied the value */
    kafkac_producer_record_destroy(r);

    kc_ppart_t *pp = t->parts[1];
    pthread_mutex_lock(&pp->mu);
    kc_pbatch_t *b = pp->open;
    pp->open = NULL;
    pthread_mutex_unlock(&pp->mu);
    assert_non_null(b);
    assert_int_equal(b->count, 2);
    assert_null(t->parts[0]->open);   /* partition 1 was asked for, not chosen */
    const uint8_t *bytes;
    size_t len;
    assert_int_equal(kc_rb_writer_close(b->w, &bytes, &len), KAFKAC_OK);
    kc_writer_t scratch;
    assert_int_equal(kc_writer_init(&scratch, 64), 0);
    kc_batch_t batch;
    const char *field = NULL;
    if (kc_rb_open(bytes, len, 1, 1 << 20, &scratch, &batch, &field) != KAFKAC_OK)
        fail_msg("the batch does not parse: %s", field ? field : "?");
    assert_int_equal(batch.record_count, 2);
    kc_reader_t rd;
    kc_reader_init(&rd, batch.records, batch.records_len);
    kc_record_t rec;

    assert_int_equal(kc_rb_read_record(&rd, &batch, &rec), KAFKAC_OK);
    assert_int_equal(rec.timestamp, 0);
    assert_int_equal(rec.key_len, 2);
    assert_memory_equal(rec.key, "k1", 2);
    assert_int_equal(rec.value_len, 2);
    assert_memory_equal(rec.value, "v1", 2);
    assert_int_equal(rec.header_count, 6);
    size_t pos = 0;
    const char *key;
    int32_t key_len, value_len;
    const uint8_t *value;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(kc_record_header_next(&rec, &pos, &key, &key_len, &value, &value_len), 1);
        assert_int_equal(key_len, 2);
        assert_memory_equal(key, hk[i], 2);
        if (i < 5) {
            assert_int_equal(value_len, 2);
            assert_memory_equal(value, "hv", 2);
        } else {
            assert_int_equal(value_len, -1);
            assert_null(value);
        }
    }
    assert_int_equal(kc_record_header_next(&rec, &pos, &key, &key_len, &value, &value_len), 0);

    assert_int_equal(kc_rb_read_record(&rd, &batch, &rec), KAFKAC_OK);
    assert_int_equal(rec.timestamp, 1700000000123LL);
    assert_int_equal(rec.key_len, -1);
    assert_null(rec.key);
    assert_int_equal(rec.value_len, 6);
    assert_memory_equal(rec.value, "second", 6);
    assert_int_equal(rec.header_count, 1);
    pos = 0;
    assert_int_equal(kc_record_header_next(&rec, &pos, &key, &key_len, &value, &value_len), 1);
    assert_int_equal(key_len, 1);
    assert_memory_equal(key, "x", 1);
    assert_int_equal(value_len, 1);
    assert_memory_equal(value, "y", 1);
    kc_writer_free(&scratch);

    /* Completed as the sender would after the broker wrote it at 40. */
    kc_pbatch_complete(p, b, 0, 40, -1);
    const kafkac_delivery_t *d;
    assert_int_equal(kafkac_future_wait(f1, 1000, &d), KAFKAC_OK);
    assert_int_equal(kafkac_delivery_partition(d), 1);
    assert_int_equal(kafkac_delivery_offset(d), 40);
    assert_int_equal(kafkac_delivery_timestamp(d), 0);
    assert_ptr_equal(kafkac_delivery_opaque(d), &tag);
    assert_int_equal(kafkac_future_wait(f2, 1000, &d), KAFKAC_OK);
    assert_int_equal(kafkac_delivery_offset(d), 41);
    assert_null(kafkac_delivery_opaque(d));
    kafkac_future_destroy(f1);
    kafkac_future_destroy(f2);
    kafkac_producer_destroy(kp);
}

/* Steady state allocates nothing per record: once a batch has been used
 * and returned to the pool, appending as many records again succeeds with
 * every allocation made to fail.  The records go through one reused
 * record handle (headers added once, value changed per record), as an
 * application sending with headers would. */
static void test_no_allocation_per_record_in_steady_state(void **state)
{
    (void)state;
    const char *const kv[] = { "linger.ms", "900000", "batch.size", "4000000", "enable.idempotence", "false",
                               "acks", "1", NULL };
    kafkac_producer_t *kp = make(kv);
    kc_producer_t *p = kc_producer_inner(kp);
    kc_ptopic_t *t = add_topic(kp, "t1", 2);
    char v[100];
    memset(v, 'q', sizeof v);
    kafkac_producer_record_t *r = kafkac_producer_record_new("t1");
    assert_non_null(r);
    kafkac_producer_record_set_partition(r, 1);
    kafkac_producer_record_set_key(r, "key", 3);
    assert_int_equal(kafkac_producer_record_add_header(r, "a", "1", 1), KAFKAC_OK);
    assert_int_equal(kafkac_producer_record_add_header(r, "b", NULL, -1), KAFKAC_OK);
    for (int i = 0; i < 20000; i++) {
        v[i % sizeof v] = (char)('a' + i % 26);
        kafkac_producer_record_set_value(r, v, sizeof v);
        assert_int_equal(kafkac_producer_send_record(kp, r, NULL), 0);
    }
    /* Complete the batch as the sender would: back to the pool, with its
     * grown buffers. */
    kc_ppart_t *pp = t->parts[1];
    pthread_mutex_lock(&pp->mu);
    kc_pbatch_t *b = pp->open;
    pp->open = NULL;
    pthread_mutex_unlock(&pp->mu);
    assert_non_null(b);
    assert_int_equal(b->count, 20000);
    kc_pbatch_complete(p, b, 0, 0, -1);

    kc_mem_fail_after(0);
    int failed_at = -1;
    for (int i = 0; i < 20000 && failed_at < 0; i++) {
        v[i % sizeof v] = (char)('A' + i % 26);
        kafkac_producer_record_set_value(r, v, sizeof v);
        if (kafkac_producer_send_record(kp, r, NULL) != KAFKAC_OK)
            failed_at = i;
    }
    kc_mem_fail_after(-1);
    if (failed_at >= 0)
        fail_msg("record %d needed an allocation", failed_at);
    kafkac_producer_record_destroy(r);
    kafkac_producer_destroy(kp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_split_at_batch_size),
        cmocka_unit_test(test_record_handle_fields_reach_the_batch),
        cmocka_unit_test(test_record_larger_than_batch_gets_own_batch),
        cmocka_unit_test(test_keyed_records_follow_murmur2),
        cmocka_unit_test(test_sticky_switches_when_batch_is_full),
        cmocka_unit_test(test_buffer_memory_blocks_then_fails),
        cmocka_unit_test(test_buffer_memory_counts_real_memory),
        cmocka_unit_test(test_bad_sends),
        cmocka_unit_test(test_close_without_broker_fails_everything_in_time),
        cmocka_unit_test(test_delivery_timeout_expires_records),
        cmocka_unit_test(test_future_outlives_producer),
        cmocka_unit_test(test_no_allocation_per_record_in_steady_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

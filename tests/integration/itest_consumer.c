/* The consumer's partition model against a real broker: assign, poll and
 * the iterator, records held across polls (no copy), seek, position,
 * watermarks, offset lookups, pause/resume, auto.offset.reset (incl. none
 * as an error from poll), end-of-partition events, a batch corrupted on
 * the broker's disk (check.crcs on and off), and read_committed over
 * transactions written here with the protocol layer.
 *
 * Test data is written with the protocol layer (Produce of batches built
 * by the record-batch writer), so that the consumer is checked against
 * bytes whose offsets, timestamps, codecs and headers we chose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"
#include "kc_messages.h"
#include "protocol/net.h"
#include "protocol/record_batch.h"

#define BASE_TS INT64_C(1700000000000)

/* ---- Writing test data with the protocol layer --------------------- */

/* Opens t on the single broker and creates a fresh topic named after
 * prefix, with `partitions` partitions. */
static void open_with_topic(kc_tnet_t *t, char *topic, size_t size, const char *prefix, int partitions)
{
    kc_tnet_open(t, kc_test_brokers());
    assert_non_null(kc_test_topic(topic, size, prefix));
    kc_tnet_create_topic(t, topic, partitions, 1, NULL, NULL);
}

/* The value of record i of a partition, as the tests write and expect it. */
static void value_of(char *buf, size_t n, const char *topic, int32_t partition, int i)
{
    snprintf(buf, n, "%s/%d/value-%d", topic, (int)partition, i);
}

/* Appends records first..first+n-1 (keys "k<i>", header "idx"="<i>",
 * timestamps BASE_TS + i * 1000) as one batch with `codec`. */
static void produce(kc_tnet_t *t, const char *topic, int32_t partition, int first, int n, kc_codec_t codec)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.codec = codec;
    assert_int_equal(kc_rb_writer_reset(w, &o), 0);
    for (int i = first; i < first + n; i++) {
        char key[32], val[256], hv[16];
        snprintf(key, sizeof key, "k%d", i);
        value_of(val, sizeof val, topic, partition, i);
        snprintf(hv, sizeof hv, "%d", i);
        kc_rb_header_t h = { .key = "idx", .key_len = 3, .value = hv, .value_len = (int32_t)strlen(hv) };
        assert_int_equal(kc_rb_writer_append(w, BASE_TS + (int64_t)i * 1000, key, (int32_t)strlen(key), val,
                                             (int32_t)strlen(val), &h, 1),
                         0);
    }
    const uint8_t *batch;
    size_t len;
    assert_int_equal(kc_rb_writer_close(w, &batch, &len), 0);
    kc_tnet_produce(t, topic, partition, batch, len, NULL);
    kc_rb_writer_destroy(w);
}

/* ---- Consumer helpers ---------------------------------------------- */

static kafkac_consumer_t *consumer(const char *reset, const char *k2, const char *v2)
{
    char err[256];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "auto.offset.reset", reset);
    kc_test_conf_set(conf, "fetch.max.wait.ms", "100");
    if (k2)
        kc_test_conf_set(conf, k2, v2);
    if (getenv("KAFKAC_TEST_DEBUG")) {
        kc_test_conf_set(conf, "log.level", "7");
        kafkac_conf_set_log_cb(conf, kafkac_log_stderr, NULL);
    }
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    if (!c)
        fail_msg("consumer_new: %s", err);
    kafkac_conf_destroy(conf);
    return c;
}

static void assign1(kafkac_consumer_t *c, const char *topic, int np, int64_t offset)
{
    char err[256];
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(np);
    for (int p = 0; p < np; p++)
        kafkac_tp_set_offset(kafkac_tpl_add(l, topic, p), offset);
    if (kafkac_consumer_assign(c, l, err, sizeof err))
        fail_msg("assign: %s", err);
    kafkac_tpl_destroy(l);
}

/* Checks record r is record i of its partition as produce() wrote it. */
static void check_record(const kafkac_record_t *r, const char *topic, int i)
{
    char want[256], key[32], hv[16];
    int32_t p = kafkac_record_partition(r);
    assert_string_equal(kafkac_record_topic(r), topic);
    assert_int_equal(kafkac_record_offset(r), i);
    value_of(want, sizeof want, topic, p, i);
    size_t vl, kl;
    const char *v = kafkac_record_value(r, &vl);
    if (vl != strlen(want) || memcmp(v, want, vl))
        fail_msg("%s [%d] @%d: value '%.*s', expected '%s'", topic, (int)p, i, (int)vl, v, want);
    snprintf(key, sizeof key, "k%d", i);
    const char *k = kafkac_record_key(r, &kl);
    assert_int_equal(kl, strlen(key));
    assert_memory_equal(k, key, kl);
    int type = -5;
    assert_int_equal(kafkac_record_timestamp(r, &type), BASE_TS + (int64_t)i * 1000);
    assert_int_equal(type, 0);
    assert_int_equal(kafkac_record_header_count(r), 1);
    const char *hk;
    const void *hval;
    size_t hkl;
    int32_t hvl;
    assert_int_equal(kafkac_record_header(r, 0, &hk, &hkl, &hval, &hvl), 0);
    snprintf(hv, sizeof hv, "%d", i);
    assert_int_equal(hkl, 3);
    assert_memory_equal(hk, "idx", 3);
    assert_int_equal(hvl, (int32_t)strlen(hv));
    assert_memory_equal(hval, hv, (size_t)hvl);
    assert_int_equal(kafkac_record_header(r, 1, &hk, &hkl, &hval, &hvl), KAFKAC_ERR_NOT_FOUND);
    assert_in_range(kafkac_record_leader_epoch(r), 0, INT32_MAX);
}

/* Polls until `want` records arrived or 20 s passed; returns the next
 * offset expected per partition in next[] and the records in order. */
static int poll_n(kafkac_consumer_t *c, int want, int max, kafkac_records_t **keep, int *nkeep)
{
    char err[256];
    int got = 0;
    int64_t deadline = kc_now_ms() + 20000;
    while (got < want && kc_now_ms() < deadline) {
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, 500, max, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e)
            fail_msg("poll: %s: %s", kafkac_err_name(e), err);
        assert_in_range(kafkac_records_count(b), 1, INT32_MAX);
        assert_true(max <= 0 || kafkac_records_count(b) <= max);
        got += kafkac_records_count(b);
        keep[(*nkeep)++] = b;
    }
    return got;
}

/* ---- Tests --------------------------------------------------------- */

/* Three partitions, plain and compressed batches; every record arrives
 * once, in order per partition, with key, value, headers and timestamp
 * intact, and stays readable while later polls run (no copy, no reuse). */
static void test_assign_reads_everything(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128];
    open_with_topic(&t, topic, sizeof topic, "cons-all", 3);
    produce(&t, topic, 0, 0, 100, KC_CODEC_NONE);
    produce(&t, topic, 0, 100, 100, KC_CODEC_LZ4);
    produce(&t, topic, 1, 0, 150, KC_CODEC_ZSTD);
    produce(&t, topic, 2, 0, 30, KC_CODEC_GZIP);
    produce(&t, topic, 2, 30, 20, KC_CODEC_SNAPPY);

    kafkac_consumer_t *c = consumer("earliest", "max.partition.fetch.bytes", "2048");
    assign1(c, topic, 3, KAFKAC_OFFSET_INVALID);
    kafkac_records_t *keep[1000];
    int nkeep = 0;
    int got = poll_n(c, 400, 37, keep, &nkeep);
    assert_int_equal(got, 400);
    /* Nothing more: exactly once. */
    kafkac_records_t *extra = NULL;
    assert_int_equal(kafkac_consumer_poll(c, 300, 0, &extra, NULL, 0), KAFKAC_ERR_TIMED_OUT);
    assert_null(extra);
    /* Every record kept so far is still intact. */
    int next[3] = { 0, 0, 0 };
    for (int i = 0; i < nkeep; i++)
        for (int j = 0; j < kafkac_records_count(keep[i]); j++) {
            const kafkac_record_t *r = kafkac_records_at(keep[i], j);
            int32_t p = kafkac_record_partition(r);
            assert_in_range(p, 0, 2);
            check_record(r, topic, next[p]++);
        }
    assert_int_equal(next[0], 200);
    assert_int_equal(next[1], 150);
    assert_int_equal(next[2], 50);
    for (int i = 0; i < nkeep; i++)
        kafkac_records_destroy(keep[i]);

    /* Positions and the watermarks the fetches reported. */
    for (int p = 0; p < 3; p++) {
        int64_t pos = -5, lo = -5, hi = -5;
        assert_int_equal(kafkac_consumer_position(c, topic, p, &pos, 5000, NULL, 0), 0);
        assert_int_equal(pos, next[p]);
        assert_int_equal(kafkac_consumer_watermarks(c, topic, p, &lo, &hi), 0);
        assert_int_equal(lo, 0);
        assert_int_equal(hi, next[p]);
    }
    kafkac_topic_partition_list_t *a = NULL;
    assert_int_equal(kafkac_consumer_assignment(c, &a), 0);
    assert_int_equal(kafkac_tpl_count(a), 3);
    for (int p = 0; p < 3; p++)
        assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(a, p)), next[p]);
    kafkac_tpl_destroy(a);
    assert_int_equal(kafkac_consumer_close(c, 5000), 0);
    assert_int_equal(kafkac_consumer_close(c, 5000), KAFKAC_ERR_STATE);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

/* Records released after the consumer is destroyed are still valid. */
static void test_records_outlive_consumer(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128];
    open_with_topic(&t, topic, sizeof topic, "cons-outlive", 1);
    produce(&t, topic, 0, 0, 10, KC_CODEC_LZ4);
    kafkac_consumer_t *c = consumer("earliest", NULL, NULL);
    assign1(c, topic, 1, 0);
    kafkac_record_t *recs[10];
    char err[256];
    for (int i = 0; i < 10; i++) {
        kafkac_err_t e;
        while ((e = kafkac_consumer_next(c, 1000, &recs[i], err, sizeof err)) == KAFKAC_ERR_TIMED_OUT)
            ;
        if (e)
            fail_msg("next: %s", err);
    }
    kafkac_consumer_destroy(c);
    for (int i = 0; i < 10; i++) {
        check_record(recs[i], topic, i);
        kafkac_record_release(recs[i]);
    }
    kc_tnet_close(&t);
}

static int64_t first_offset(kafkac_consumer_t *c)
{
    char err[256];
    kafkac_record_t *r;
    kafkac_err_t e;
    int64_t deadline = kc_now_ms() + 15000;
    while ((e = kafkac_consumer_next(c, 500, &r, err, sizeof err)) == KAFKAC_ERR_TIMED_OUT &&
           kc_now_ms() < deadline)
        ;
    if (e)
        fail_msg("next: %s: %s", kafkac_err_name(e), err);
    int64_t o = kafkac_record_offset(r);
    kafkac_record_release(r);
    return o;
}

static void test_seek_and_position(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128];
    open_with_topic(&t, topic, sizeof topic, "cons-seek", 1);
    produce(&t, topic, 0, 0, 100, KC_CODEC_NONE);
    kafkac_consumer_t *c = consumer("latest", NULL, NULL);

    assign1(c, topic, 1, 50);
    int64_t pos = -5;
    assert_int_equal(kafkac_consumer_position(c, topic, 0, &pos, 5000, NULL, 0), 0);
    assert_int_equal(pos, 50);
    assert_int_equal(first_offset(c), 50);
    assert_int_equal(kafkac_consumer_position(c, topic, 0, &pos, 5000, NULL, 0), 0);
    assert_int_equal(pos, 51);

    /* Backwards, dropping what was prefetched. */
    assert_int_equal(kafkac_consumer_seek(c, topic, 0, 10), 0);
    assert_int_equal(first_offset(c), 10);
    assert_int_equal(first_offset(c), 11);

    assert_int_equal(kafkac_consumer_seek_to_beginning(c, NULL), 0);
    assert_int_equal(first_offset(c), 0);

    /* The end, then new records arrive from there. */
    assert_int_equal(kafkac_consumer_seek_to_end(c, NULL), 0);
    assert_int_equal(kafkac_consumer_position(c, topic, 0, &pos, 5000, NULL, 0), 0);
    assert_int_equal(pos, 100);
    produce(&t, topic, 0, 100, 5, KC_CODEC_NONE);
    assert_int_equal(first_offset(c), 100);

    assert_int_equal(kafkac_consumer_seek(c, "no-such-topic", 0, 1), KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_int_equal(kafkac_consumer_seek(c, topic, 0, -7), KAFKAC_ERR_INVALID_ARG);
    char err[256];
    assert_int_equal(kafkac_consumer_position(c, topic, 5, &pos, 100, err, sizeof err), KAFKAC_ERR_UNKNOWN_PARTITION);

    /* Unassigning drops everything. */
    assert_int_equal(kafkac_consumer_assign(c, NULL, NULL, 0), 0);
    kafkac_records_t *b = NULL;
    assert_int_equal(kafkac_consumer_poll(c, 300, 0, &b, NULL, 0), KAFKAC_ERR_TIMED_OUT);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

static void test_offset_lookups(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    open_with_topic(&t, topic, sizeof topic, "cons-lookup", 2);
    produce(&t, topic, 0, 0, 100, KC_CODEC_NONE);
    produce(&t, topic, 1, 0, 7, KC_CODEC_ZSTD);
    kafkac_consumer_t *c = consumer("latest", NULL, NULL);

    kafkac_topic_partition_list_t *l = kafkac_tpl_new(2);
    kafkac_tpl_add(l, topic, 0);
    kafkac_tpl_add(l, topic, 1);
    assert_int_equal(kafkac_consumer_beginning_offsets(c, l, 10000, err, sizeof err), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 1)), 0);
    assert_int_equal(kafkac_consumer_end_offsets(c, l, 10000, err, sizeof err), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 100);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 1)), 7);

    /* Record i has timestamp BASE_TS + i s: the first at or after
     * BASE_TS + 30.5 s is 31; after the last one there is none. */
    kafkac_tp_set_offset(kafkac_tpl_at(l, 0), BASE_TS + 30500);
    kafkac_tp_set_offset(kafkac_tpl_at(l, 1), BASE_TS + 60000);
    assert_int_equal(kafkac_consumer_offsets_for_times(c, l, 10000, err, sizeof err), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 31);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 1)), KAFKAC_OFFSET_END);
    assert_in_range(kafkac_tp_leader_epoch(kafkac_tpl_at(l, 0)), 0, INT32_MAX);
    kafkac_tpl_destroy(l);

    /* A partition that does not exist fails alone. */
    l = kafkac_tpl_new(2);
    kafkac_tpl_add(l, topic, 0);
    kafkac_tpl_add(l, topic, 9);
    kafkac_err_t e = kafkac_consumer_end_offsets(c, l, 5000, err, sizeof err);
    assert_int_equal(e, KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_int_equal(kafkac_tp_err(kafkac_tpl_at(l, 0)), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 100);
    assert_int_equal(kafkac_tp_err(kafkac_tpl_at(l, 1)), KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_non_null(strstr(err, "[9]"));
    kafkac_tpl_destroy(l);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

static void test_pause_resume(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128];
    open_with_topic(&t, topic, sizeof topic, "cons-pause", 2);
    produce(&t, topic, 0, 0, 20, KC_CODEC_NONE);
    produce(&t, topic, 1, 0, 20, KC_CODEC_NONE);
    kafkac_consumer_t *c = consumer("earliest", NULL, NULL);
    kafkac_topic_partition_list_t *p0 = kafkac_tpl_new(1);
    kafkac_tpl_add(p0, topic, 0);
    assign1(c, topic, 2, KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(kafkac_consumer_pause(c, p0), 0);
    kafkac_topic_partition_list_t *paused = NULL;
    assert_int_equal(kafkac_consumer_paused(c, &paused), 0);
    assert_int_equal(kafkac_tpl_count(paused), 1);
    assert_string_equal(kafkac_tp_topic(kafkac_tpl_at(paused, 0)), topic);
    assert_int_equal(kafkac_tp_partition(kafkac_tpl_at(paused, 0)), 0);
    kafkac_tpl_destroy(paused);

    /* Only partition 1 comes, however long we wait. */
    int n1 = 0;
    int64_t until = kc_now_ms() + 2000;
    while (kc_now_ms() < until) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 200, 0, &b, NULL, 0))
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            assert_int_equal(kafkac_record_partition(kafkac_records_at(b, i)), 1);
            n1++;
        }
        kafkac_records_destroy(b);
    }
    assert_int_equal(n1, 20);
    assert_int_equal(kafkac_consumer_resume(c, p0), 0);
    int n0 = 0;
    until = kc_now_ms() + 10000;
    while (n0 < 20 && kc_now_ms() < until) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 200, 0, &b, NULL, 0))
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            assert_int_equal(kafkac_record_partition(r), 0);
            check_record(r, topic, n0++);
        }
        kafkac_records_destroy(b);
    }
    assert_int_equal(n0, 20);
    kafkac_tpl_destroy(p0);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

/* auto.offset.reset=none: no position -> AUTO_OFFSET_RESET from poll, an
 * offset past the end -> OFFSET_OUT_OF_RANGE; a seek repairs both.
 * earliest: an offset past the end restarts at the beginning. */
static void test_offset_reset(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    open_with_topic(&t, topic, sizeof topic, "cons-reset", 1);
    produce(&t, topic, 0, 0, 10, KC_CODEC_NONE);

    kafkac_consumer_t *c = consumer("none", NULL, NULL);
    assign1(c, topic, 1, KAFKAC_OFFSET_INVALID);
    kafkac_records_t *b = NULL;
    kafkac_err_t e;
    while ((e = kafkac_consumer_poll(c, 5000, 0, &b, err, sizeof err)) == KAFKAC_ERR_TIMED_OUT)
        ;
    assert_int_equal(e, KAFKAC_ERR_AUTO_OFFSET_RESET);
    assert_null(b);
    assert_non_null(strstr(err, topic));
    int64_t pos;
    assert_int_equal(kafkac_consumer_position(c, topic, 0, &pos, 100, NULL, 0), KAFKAC_ERR_AUTO_OFFSET_RESET);
    /* Stopped: no more records and no repeated error until a seek. */
    assert_int_equal(kafkac_consumer_poll(c, 300, 0, &b, NULL, 0), KAFKAC_ERR_TIMED_OUT);
    assert_int_equal(kafkac_consumer_seek(c, topic, 0, 3), 0);
    assert_int_equal(first_offset(c), 3);

    assert_int_equal(kafkac_consumer_seek(c, topic, 0, 1000), 0);
    while ((e = kafkac_consumer_poll(c, 5000, 0, &b, err, sizeof err)) == KAFKAC_ERR_TIMED_OUT)
        ;
    assert_int_equal(e, KAFKAC_ERR_OFFSET_OUT_OF_RANGE);
    assert_non_null(strstr(err, "1000"));
    kafkac_consumer_destroy(c);

    c = consumer("earliest", NULL, NULL);
    assign1(c, topic, 1, 1000);
    assert_int_equal(first_offset(c), 0);
    kafkac_consumer_destroy(c);

    c = consumer("latest", NULL, NULL);
    assign1(c, topic, 1, KAFKAC_OFFSET_INVALID);
    assert_int_equal(kafkac_consumer_position(c, topic, 0, &pos, 10000, NULL, 0), 0);
    assert_int_equal(pos, 10);
    kafkac_consumer_destroy(c);

    /* A partition the topic does not have: an error from poll, not a
     * silent wait. */
    c = consumer("earliest", NULL, NULL);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 5), 0);
    assert_int_equal(kafkac_consumer_assign(c, l, NULL, 0), 0);
    kafkac_tpl_destroy(l);
    while ((e = kafkac_consumer_poll(c, 5000, 0, &b, err, sizeof err)) == KAFKAC_ERR_TIMED_OUT)
        ;
    assert_int_equal(e, KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_non_null(strstr(err, "[5]"));
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

static void test_partition_eof(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    open_with_topic(&t, topic, sizeof topic, "cons-eof", 1);
    produce(&t, topic, 0, 0, 5, KC_CODEC_NONE);
    kafkac_consumer_t *c = consumer("earliest", "enable.partition.eof", "true");
    assign1(c, topic, 1, KAFKAC_OFFSET_BEGINNING);
    int got = 0, eofs = 0;
    int64_t until = kc_now_ms() + 10000;
    while (eofs == 0 && kc_now_ms() < until) {
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (e == KAFKAC_ERR_PARTITION_EOF) {
            eofs++;
            /* The end comes after every record. */
            assert_int_equal(got, 5);
            assert_non_null(strstr(err, "offset 5"));
        } else if (!e) {
            got += kafkac_records_count(b);
            kafkac_records_destroy(b);
        }
    }
    assert_int_equal(eofs, 1);
    /* Reported once per arrival at the end. */
    kafkac_records_t *b = NULL;
    assert_int_equal(kafkac_consumer_poll(c, 500, 0, &b, NULL, 0), KAFKAC_ERR_TIMED_OUT);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

/* The directory the broker keeps `topic`'s partition 0 in, as it says
 * itself (DescribeLogDirs), or fails. */
static void partition_dir(const char *topic, char *out, size_t size)
{
    char err[256];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("admin_new: %s", err);
    kafkac_log_dirs_t *l = NULL;
    kafkac_err_t e = kafkac_admin_describe_log_dirs(adm, NULL, 0, 10000, &l, err, sizeof err);
    if (e)
        fail_msg("describe_log_dirs: %s: %s", kafkac_err_name(e), err);
    out[0] = 0;
    for (int i = 0; i < kafkac_log_dirs_count(l); i++) {
        const kafkac_log_dir_replica_t *r = kafkac_log_dirs_get(l, i);
        const char *t = kafkac_log_dir_replica_topic(r);
        if (t && strcmp(t, topic) == 0 && kafkac_log_dir_replica_partition(r) == 0)
            snprintf(out, size, "%s/%s-0", kafkac_log_dir_replica_dir(r), topic);
    }
    kafkac_log_dirs_destroy(l);
    kafkac_admin_destroy(adm);
    if (!out[0])
        fail_msg("no log dir holds %s [0]", topic);
}

/* A batch whose bytes changed on the broker's disk: with check.crcs (the
 * default) the consumer hands out the records before it, then an error
 * naming the topic, partition and offset, and never the corrupt records
 * or what follows them; with check.crcs=false it reads every record, the
 * changed byte included.  The broker serves fetches from the segment file
 * as it is, without checking CRCs, so an edit of the file is what a
 * corruption on disk looks like to a client. */
static void test_corrupt_batch_on_disk(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[512], crc_err[512] = "", dir[1024], path[1100], victim[256];
    open_with_topic(&t, topic, sizeof topic, "cons-crc", 1);
    produce(&t, topic, 0, 0, 2, KC_CODEC_NONE);
    produce(&t, topic, 0, 2, 2, KC_CODEC_NONE);
    produce(&t, topic, 0, 4, 2, KC_CODEC_NONE);
    kc_tnet_close(&t);

    partition_dir(topic, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/00000000000000000000.log", dir);
    FILE *f = fopen(path, "r+b");
    if (!f)
        fail_msg("cannot open the segment %s", path);
    static uint8_t seg[1 << 16];
    size_t n = fread(seg, 1, sizeof seg, f);
    value_of(victim, sizeof victim, topic, 0, 2);
    uint8_t *at = memmem(seg, n, victim, strlen(victim));
    if (!at)
        fail_msg("record 2's value is not in %s (%zu bytes)", path, n);
    long pos = (long)(at - seg) + (long)(strstr(victim, "value-") - victim);
    assert_int_equal(fseek(f, pos, SEEK_SET), 0);
    assert_int_equal(fputc('V', f), 'V');
    assert_int_equal(fclose(f), 0);

    kafkac_consumer_t *c = consumer("earliest", NULL, NULL);
    assign1(c, topic, 1, KAFKAC_OFFSET_BEGINNING);
    int got = 0, errors = 0;
    int64_t until = kc_now_ms() + 5000;
    while (kc_now_ms() < until) {
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e) {
            if (e != KAFKAC_ERR_BAD_CRC)
                fail_msg("poll: expected BAD_CRC, got %s: %s", kafkac_err_name(e), err);
            char want[160];
            snprintf(want, sizeof want, "%s [0]", topic);
            if (!strstr(err, want) || !strstr(err, "offset 2"))
                fail_msg("the error should name %s and offset 2: %s", want, err);
            assert_int_equal(got, 2);  /* the records before it came first */
            errors++;
            snprintf(crc_err, sizeof crc_err, "%s", err);
            continue;
        }
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            if (kafkac_record_offset(r) >= 2)
                fail_msg("record %lld of a corrupt batch or after it was handed out",
                         (long long)kafkac_record_offset(r));
            check_record(r, topic, got++);
        }
        kafkac_records_destroy(b);
    }
    printf("# check.crcs=true: %d records, then %d BAD_CRC error(s) in 5 s: %s\n", got, errors, crc_err);
    assert_int_equal(got, 2);
    assert_true(errors >= 1);
    /* The partition waits at the corrupt batch until the application
     * decides; a seek past it goes on with the records after it. */
    assert_int_equal(kafkac_consumer_seek(c, topic, 0, 4), 0);
    kafkac_records_t *after[4];
    int nafter = 0;
    assert_int_equal(poll_n(c, 2, 0, after, &nafter), 2);
    check_record(kafkac_records_at(after[0], 0), topic, 4);
    for (int i = 0; i < nafter; i++)
        kafkac_records_destroy(after[i]);
    kafkac_consumer_destroy(c);

    c = consumer("earliest", "check.crcs", "false");
    assign1(c, topic, 1, KAFKAC_OFFSET_BEGINNING);
    kafkac_records_t *keep[16];
    int nkeep = 0;
    assert_int_equal(poll_n(c, 6, 0, keep, &nkeep), 6);
    int k = 0;
    for (int i = 0; i < nkeep; i++)
        for (int j = 0; j < kafkac_records_count(keep[i]); j++, k++) {
            const kafkac_record_t *r = kafkac_records_at(keep[i], j);
            assert_int_equal(kafkac_record_offset(r), k);
            if (k != 2) {
                check_record(r, topic, k);
                continue;
            }
            size_t vl;
            const char *v = kafkac_record_value(r, &vl);
            assert_non_null(memmem(v, vl, "/0/Value-2", 10));
        }
    for (int i = 0; i < nkeep; i++)
        kafkac_records_destroy(keep[i]);
    kafkac_consumer_destroy(c);
}

/* ---- read_committed: transactions written with the protocol layer --- */

static kc_resp_t *call_ok(kc_tnet_t *t, int32_t node, int16_t api, int16_t maxv, void *msg)
{
    kc_req_t r = { .node_id = node, .api_key = api, .max_version = maxv, .msg = msg };
    kc_resp_t *resp = kc_net_call(t->net, &r);
    assert_non_null(resp);
    if (resp->err)
        fail_msg("API %d: %s", api, resp->errstr);
    return resp;
}

typedef struct txn {
    const char *id;
    int32_t coord;
    int64_t pid;
    int16_t epoch;
    int32_t seq;
} txn_t;

static void txn_init(kc_tnet_t *t, txn_t *x, const char *id)
{
    memset(x, 0, sizeof *x);
    x->id = id;
    for (int attempt = 0;; attempt++) {
        kc_find_coordinator_request_t fc;
        kc_msg_init(&kc_schema_find_coordinator_request, &fc);
        fc.key = id;
        fc.key_type = 1;
        kc_resp_t *r = call_ok(t, KC_NODE_ANY, 10, 3, &fc);   /* v3: one key, answer at top level */
        const kc_find_coordinator_response_t *m = r->msg;
        int16_t ec = m->error_code;
        x->coord = m->node_id;
        kc_resp_free(r);
        if (!ec)
            break;
        if (attempt > 100)
            fail_msg("FindCoordinator(txn): %s", kafkac_err_name(ec));
        usleep(200000);
    }
    for (int attempt = 0;; attempt++) {
        kc_init_producer_id_request_t ip;
        kc_msg_init(&kc_schema_init_producer_id_request, &ip);
        ip.transactional_id = id;
        ip.transaction_timeout_ms = 60000;
        kc_resp_t *r = call_ok(t, x->coord, 22, -1, &ip);
        const kc_init_producer_id_response_t *m = r->msg;
        int16_t ec = m->error_code;
        x->pid = m->producer_id;
        x->epoch = m->producer_epoch;
        kc_resp_free(r);
        if (!ec)
            break;
        if (attempt > 100)
            fail_msg("InitProducerId: %s", kafkac_err_name(ec));
        usleep(200000);
    }
}

/* One transaction of n records on partition 0, committed or aborted. */
static void txn_run(kc_tnet_t *t, txn_t *x, const char *topic, const char *prefix, int n, int commit)
{
    for (int attempt = 0;; attempt++) {
        kc_add_partitions_to_txn_request_t ap;
        kc_add_partitions_to_txn_request_add_partitions_to_txn_topic_t at;
        kc_msg_init(&kc_schema_add_partitions_to_txn_request, &ap);
        kc_msg_init(&kc_schema_add_partitions_to_txn_request_add_partitions_to_txn_topic, &at);
        int32_t parts[1] = { 0 };
        at.name = topic;
        at.partitions = parts;
        at.partitions_count = 1;
        ap.v3_and_below_transactional_id = x->id;
        ap.v3_and_below_producer_id = x->pid;
        ap.v3_and_below_producer_epoch = x->epoch;
        ap.v3_and_below_topics = &at;
        ap.v3_and_below_topics_count = 1;
        kc_req_t r = { .node_id = x->coord, .api_key = 24, .max_version = 3, .msg = &ap };
        kc_resp_t *resp = kc_net_call(t->net, &r);
        assert_non_null(resp);
        if (resp->err)
            fail_msg("AddPartitionsToTxn: %s", resp->errstr);
        const kc_add_partitions_to_txn_response_t *m = resp->msg;
        int16_t ec = m->results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code;
        kc_resp_free(resp);
        if (!ec)
            break;
        if (attempt > 100 || (ec != KAFKAC_ERR_CONCURRENT_TRANSACTIONS && ec != KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS))
            fail_msg("AddPartitionsToTxn: %s", kafkac_err_name(ec));
        usleep(100000);
    }
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.transactional = 1;
    o.producer_id = x->pid;
    o.producer_epoch = x->epoch;
    o.base_sequence = x->seq;
    assert_int_equal(kc_rb_writer_reset(w, &o), 0);
    for (int i = 0; i < n; i++) {
        char v[64];
        snprintf(v, sizeof v, "%s-%d", prefix, i);
        assert_int_equal(kc_rb_writer_append(w, BASE_TS, NULL, -1, v, (int32_t)strlen(v), NULL, 0), 0);
    }
    x->seq += n;
    const uint8_t *batch;
    size_t len;
    assert_int_equal(kc_rb_writer_close(w, &batch, &len), 0);
    kc_tnet_produce(t, topic, 0, batch, len, x->id);
    kc_rb_writer_destroy(w);

    kc_end_txn_request_t et;
    kc_msg_init(&kc_schema_end_txn_request, &et);
    et.transactional_id = x->id;
    et.producer_id = x->pid;
    et.producer_epoch = x->epoch;
    et.committed = commit;
    kc_resp_t *r = call_ok(t, x->coord, 26, -1, &et);
    const kc_end_txn_response_t *em = r->msg;
    assert_int_equal(em->error_code, 0);
    /* Transactions v2 (KIP-890, Kafka 4): every EndTxn bumps the epoch. */
    if (r->version >= 5 && em->producer_epoch >= 0) {
        x->epoch = em->producer_epoch;
        x->seq = 0;
    }
    kc_resp_free(r);
}

/* Reads partition 0 to its end; returns the values, comma-separated. */
static void read_all(const char *topic, const char *isolation, char *out, size_t n, int expect)
{
    kafkac_consumer_t *c = consumer("earliest", "isolation.level", isolation);
    assign1(c, topic, 1, KAFKAC_OFFSET_BEGINNING);
    out[0] = '\0';
    int got = 0;
    int64_t until = kc_now_ms() + 15000;
    while (kc_now_ms() < until) {
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, got >= expect ? 700 : 200, 0, &b, NULL, 0);
        if (e == KAFKAC_ERR_TIMED_OUT && got >= expect)
            break;
        if (e)
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            size_t vl;
            const char *v = kafkac_record_value(kafkac_records_at(b, i), &vl);
            size_t used = strlen(out);
            snprintf(out + used, n - used, "%s%.*s", used ? "," : "", (int)vl, v);
            got++;
        }
        kafkac_records_destroy(b);
    }
    kafkac_consumer_destroy(c);
}

static void test_read_committed(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], txid[160], out[4096];
    open_with_topic(&t, topic, sizeof topic, "cons-txn", 1);
    snprintf(txid, sizeof txid, "%s-tx", topic);
    txn_t x;
    txn_init(&t, &x, txid);
    txn_run(&t, &x, topic, "c1", 3, 1);
    txn_run(&t, &x, topic, "a1", 4, 0);
    produce(&t, topic, 0, 9, 1, KC_CODEC_NONE);   /* plain record in between */
    txn_run(&t, &x, topic, "c2", 2, 1);
    txn_run(&t, &x, topic, "a2", 2, 0);

    read_all(topic, "read_committed", out, sizeof out, 6);
    char plain[256];
    value_of(plain, sizeof plain, topic, 0, 9);
    char want[1024];
    snprintf(want, sizeof want, "c1-0,c1-1,c1-2,%s,c2-0,c2-1", plain);
    assert_string_equal(out, want);
    read_all(topic, "read_uncommitted", out, sizeof out, 12);
    snprintf(want, sizeof want, "c1-0,c1-1,c1-2,a1-0,a1-1,a1-2,a1-3,%s,c2-0,c2-1,a2-0,a2-1", plain);
    assert_string_equal(out, want);

    /* The end under read_committed is the last stable offset. */
    kafkac_consumer_t *c = consumer("earliest", "isolation.level", "read_committed");
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, 0);
    assert_int_equal(kafkac_consumer_end_offsets(c, l, 10000, NULL, 0), 0);
    /* 3+1 +4+1 +1 +2+1 +2+1 = 16 offsets, markers included. */
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 16);
    kafkac_tpl_destroy(l);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

/* Logs collected from the consumer's I/O thread. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[65536];

static void collect_log(void *opaque, int level, const char *facility, const char *message)
{
    (void)opaque;
    (void)level;
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(log_text);
    snprintf(log_text + used, sizeof log_text - used, "%s: %s\n", facility, message);
    pthread_mutex_unlock(&log_lock);
}

/* KIP-227: the first fetch opens a session, later fetches are incremental
 * (the records produced after the first read arrive through them), and
 * no session error happens on the way. */
static void test_fetch_session(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    open_with_topic(&t, topic, sizeof topic, "cons-session", 2);
    produce(&t, topic, 0, 0, 10, KC_CODEC_NONE);
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "fetch.max.wait.ms", "100");
    kc_test_conf_set(conf, "log.level", "7");
    log_text[0] = '\0';
    kafkac_conf_set_log_cb(conf, collect_log, NULL);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    assert_non_null(c);
    kafkac_conf_destroy(conf);
    assign1(c, topic, 2, KAFKAC_OFFSET_BEGINNING);
    kafkac_records_t *keep[100];
    int nkeep = 0;
    assert_int_equal(poll_n(c, 10, 0, keep, &nkeep), 10);
    for (int round = 1; round <= 3; round++) {
        produce(&t, topic, round % 2, round * 100, 5, KC_CODEC_NONE);
        assert_int_equal(poll_n(c, 5, 0, keep, &nkeep), 5);
    }
    for (int i = 0; i < nkeep; i++)
        kafkac_records_destroy(keep[i]);
    kafkac_consumer_destroy(c);
    pthread_mutex_lock(&log_lock);
    if (!strstr(log_text, "opened") || !strstr(log_text, "incremental fetches answered") ||
        strstr(log_text, "FETCH_SESSION") || strstr(log_text, "INVALID_FETCH_SESSION_EPOCH"))
        fail_msg("fetch session not used as expected; log:\n%s", log_text);
    pthread_mutex_unlock(&log_lock);
    kc_tnet_close(&t);
}

static int count_in_log(const char *needle)
{
    int n = 0;
    pthread_mutex_lock(&log_lock);
    for (const char *p = log_text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    pthread_mutex_unlock(&log_lock);
    return n;
}

/* Prefetch is bounded by fetch.max.bytes: with a 4 KB bound, the first
 * response (one whole batch, larger than the bound, as KIP-74 allows) is
 * all that is fetched while the application does not poll, although three
 * other partitions have data; polling then drains everything, the bound
 * never stopping progress. */
static void test_prefetch_bounded(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    open_with_topic(&t, topic, sizeof topic, "cons-bound", 4);
    for (int p = 0; p < 4; p++)
        produce(&t, topic, p, 0, 300, KC_CODEC_NONE);
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "fetch.max.bytes", "4096");
    kc_test_conf_set(conf, "max.partition.fetch.bytes", "4096");
    kc_test_conf_set(conf, "fetch.max.wait.ms", "100");
    kc_test_conf_set(conf, "log.level", "7");
    log_text[0] = '\0';
    kafkac_conf_set_log_cb(conf, collect_log, NULL);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    assert_non_null(c);
    kafkac_conf_destroy(conf);
    assign1(c, topic, 4, KAFKAC_OFFSET_BEGINNING);
    int64_t until = kc_now_ms() + 10000;
    while (count_in_log("answered in") < 1 && kc_now_ms() < until)
        usleep(20000);
    usleep(1500000);   /* no poll: a prefetcher without the bound would go on fetching */
    int requests = count_in_log(" fetch (session");
    if (requests != 1)
        fail_msg("%d Fetch requests while nothing was polled; log:\n%s", requests, log_text);
    int next[4] = { 0, 0, 0, 0 }, got = 0;
    char last_err[600] = "none";
    until = kc_now_ms() + 30000;
    while (got < 1200 && kc_now_ms() < until) {
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (e) {
            if (e != KAFKAC_ERR_TIMED_OUT)
                snprintf(last_err, sizeof last_err, "%s: %s", kafkac_err_name(e), err);
            continue;
        }
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            check_record(r, topic, next[kafkac_record_partition(r)]++);
            got++;
        }
        kafkac_records_destroy(b);
    }
    if (got != 1200)
        fail_msg("%d of 1200 records in 30 s (per partition %d %d %d %d); last poll error: %s", got, next[0], next[1],
                 next[2], next[3], last_err);
    kafkac_consumer_destroy(c);
    kc_tnet_close(&t);
}

static void test_bad_config_and_args(void **state)
{
    (void)state;
    char err[256];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "heartbeat.interval.ms", "50000");
    kc_test_conf_set(conf, "session.timeout.ms", "10000");
    assert_null(kafkac_consumer_new(conf, err, sizeof err));
    assert_non_null(strstr(err, "heartbeat.interval.ms"));
    kafkac_conf_destroy(conf);

    kafkac_consumer_t *c = consumer("earliest", NULL, NULL);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, "t", -1);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    kafkac_tpl_destroy(l);
    l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, "t", 0), -77);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    kafkac_tpl_destroy(l);
    /* Group functions need group.id. */
    const char *topics[] = { "t" };
    assert_int_equal(kafkac_consumer_subscribe(c, topics, 1, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "group.id"));
    assert_int_equal(kafkac_consumer_commit_sync(c, NULL, 100, err, sizeof err), KAFKAC_ERR_CONFIG);
    kafkac_consumer_destroy(c);
    kafkac_consumer_destroy(NULL);
    kafkac_records_destroy(NULL);
    kafkac_record_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assign_reads_everything),
        cmocka_unit_test(test_records_outlive_consumer),
        cmocka_unit_test(test_seek_and_position),
        cmocka_unit_test(test_offset_lookups),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_offset_reset),
        cmocka_unit_test(test_partition_eof),
        cmocka_unit_test(test_corrupt_batch_on_disk),
        cmocka_unit_test(test_read_committed),
        cmocka_unit_test(test_fetch_session),
        cmocka_unit_test(test_prefetch_bounded),
        cmocka_unit_test(test_bad_config_and_args),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* RecordBatch v2: our writer against Kafka's Java client and kafka-python
 * byte for byte, our reader over their batches in every codec, the
 * records iterator's end/error behaviour, and aborted-transaction
 * tracking. */
#include "records_cases.h"
#include "vectors/records_golden.h"
#include "protocol/crc32c.h"
#include "protocol/aborted_txns.h"

/* Writes recs into a fresh batch with opts; returns a malloc'd copy. */
static uint8_t *write_batch(const kc_rb_writer_opts_t *o, const tc_rec_t *recs, size_t n, size_t *len)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), KAFKAC_OK);
    assert_int_equal(kc_rb_writer_reset(w, o), KAFKAC_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kc_rb_writer_append(w, recs[i].ts, recs[i].key, recs[i].key_len,
                                             recs[i].value, recs[i].value_len, recs[i].hdrs, recs[i].nh),
                         KAFKAC_OK);
    const uint8_t *out;
    assert_int_equal(kc_rb_writer_close(w, &out, len), KAFKAC_OK);
    uint8_t *copy = malloc(*len);
    assert_non_null(copy);
    memcpy(copy, out, *len);
    kc_rb_writer_destroy(w);
    return copy;
}

static void assert_writes(const char *name, const char *hex, const kc_rb_writer_opts_t *o,
                          const tc_rec_t *recs, size_t n)
{
    size_t want_len, got_len;
    uint8_t *want = tc_unhex(hex, &want_len);
    uint8_t *got = write_batch(o, recs, n, &got_len);
    tc_assert_bytes(name, got, got_len, want, want_len);
    free(want);
    free(got);
}

static void test_writer_matches_java_and_kafka_python(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    kc_rb_writer_opts_t o;

    size_t n = tc_basic(recs, 1);
    kc_rb_writer_opts_init(&o);
    assert_writes("java_v2_basic", java_v2_basic, &o, recs, n);

    o.partition_leader_epoch = 0; /* kafka-python writes 0 here */
    assert_writes("py_v2_basic", py_v2_basic, &o, recs, n);

    kc_rb_writer_opts_init(&o);
    o.base_offset = 1000;
    o.partition_leader_epoch = 5;
    o.producer_id = 4242;
    o.producer_epoch = 7;
    o.base_sequence = 100;
    o.transactional = 1;
    assert_writes("java_v2_txn", java_v2_txn, &o, recs, n);

    kc_rb_writer_opts_init(&o);
    o.timestamp_type = KC_TS_LOG_APPEND_TIME;
    o.log_append_time = T0 + 99999;
    assert_writes("java_v2_lat", java_v2_lat, &o, recs, n);

    n = tc_many(recs, 1);
    kc_rb_writer_opts_init(&o);
    assert_writes("java_v2_many", java_v2_many, &o, recs, n);
}

static void test_writer_control_batches_match_java(void **state)
{
    (void)state;
    const char *hex[2] = {java_v2_control_abort, java_v2_control_commit};
    for (int type = 0; type < 2; type++) {
        kc_rb_writer_opts_t o;
        kc_rb_writer_opts_init(&o);
        o.base_offset = 1010;
        o.producer_id = 4242;
        o.producer_epoch = 7;
        o.transactional = 1;
        o.control = 1;
        tc_rec_t r;
        memset(&r, 0, sizeof r);
        uint8_t key[4] = {0, 0, 0, (uint8_t)type};
        uint8_t value[6] = {0, 0, 0, 0, 0, 12}; /* version 0, coordinator epoch 12 */
        r.ts = T0;
        r.key = key; r.key_len = 4;
        r.value = value; r.value_len = 6;
        assert_writes(type ? "control commit" : "control abort", hex[type], &o, &r, 1);
    }
}

static void test_writer_1mib_value_matches_java(void **state)
{
    (void)state;
    uint8_t *v = malloc(1 << 20);
    assert_non_null(v);
    for (size_t j = 0; j < (1u << 20); j++)
        v[j] = (uint8_t)((j * 31 + 7) & 0xff);
    tc_rec_t r;
    memset(&r, 0, sizeof r);
    r.ts = T0;
    r.key = (const uint8_t *)"big"; r.key_len = 3;
    r.value = v; r.value_len = 1 << 20;
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    size_t len;
    uint8_t *got = write_batch(&o, &r, 1, &len);
    assert_int_equal(len, JAVA_V2_BIG_LEN);
    assert_int_equal(kc_crc32(0, got, len), JAVA_V2_BIG_CRC32);
    size_t hlen;
    uint8_t *head = tc_unhex(java_v2_big_head, &hlen);
    tc_assert_bytes("big header", got, KC_RB_HEADER_SIZE, head, hlen);

    /* And it reads back. */
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, got, len);
    kc_record_t rec;
    assert_int_equal(kc_records_next(it, &rec, NULL), KAFKAC_OK);
    tc_assert_record(0, &rec, &r, 0, T0, 1);
    assert_int_equal(kc_records_next(it, &rec, NULL), KAFKAC_ERR_PARTIAL);
    assert_int_equal(kc_records_iter_trailing(it), 0);
    kc_records_iter_destroy(it);
    free(head);
    free(got);
    free(v);
}

/* Reads every record of hex and checks it against recs (written from
 * base_offset on); ts_override >= 0 means log-append time. */
static void assert_reads(const char *name, const char *hex, const tc_rec_t *recs, size_t n,
                         int64_t base_offset, int64_t ts_override, int codec)
{
    size_t len;
    uint8_t *buf = tc_unhex(hex, &len);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    const kc_batch_t *b = NULL;
    size_t i = 0;
    kafkac_err_t err;
    while ((err = kc_records_next(it, &rec, &b)) == KAFKAC_OK) {
        if (i >= n)
            fail_msg("%s: more records than the %zu written", name, n);
        tc_assert_record((int)i, &rec, &recs[i], base_offset + (int64_t)i,
                         ts_override >= 0 ? ts_override : recs[i].ts, 1);
        assert_int_equal(b->codec, codec);
        i++;
    }
    if (err != KAFKAC_ERR_PARTIAL) {
        const char *field;
        kc_records_iter_error(it, &field, NULL);
        fail_msg("%s: error %s at %s", name, kafkac_err_name(err), field ? field : "?");
    }
    if (i != n)
        fail_msg("%s: read %zu records, want %zu", name, i, n);
    assert_int_equal(kc_records_iter_trailing(it), 0);
    assert_int_equal(b->record_count, (int32_t)n);
    assert_int_equal(b->last_offset_delta, (int32_t)n - 1);
    kc_records_iter_destroy(it);
    free(buf);
}

static void test_reader_reads_java_batches_in_every_codec(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_basic(recs, 1);
    assert_reads("java_v2_basic", java_v2_basic, recs, n, 0, -1, 0);
    assert_reads("py_v2_basic", py_v2_basic, recs, n, 0, -1, 0);
    assert_reads("java_v2_lat", java_v2_lat, recs, n, 0, T0 + 99999, 0);
    n = tc_many(recs, 1);
    assert_reads("java_v2_many", java_v2_many, recs, n, 0, -1, 0);
    assert_reads("java_v2_gzip", java_v2_gzip, recs, n, 0, -1, 1);
    assert_reads("py_v2_gzip", py_v2_gzip, recs, n, 0, -1, 1);
    assert_reads("java_v2_snappy", java_v2_snappy, recs, n, 0, -1, 2);
    assert_reads("java_v2_lz4", java_v2_lz4, recs, n, 0, -1, 3);
    assert_reads("java_v2_zstd", java_v2_zstd, recs, n, 0, -1, 4);
}

static void test_reader_exposes_batch_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_txn, &len);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    const kc_batch_t *b;
    assert_int_equal(kc_records_next_batch(it, &b), KAFKAC_OK);
    assert_int_equal(b->magic, 2);
    assert_int_equal(b->base_offset, 1000);
    assert_int_equal(b->partition_leader_epoch, 5);
    assert_int_equal(b->producer_id, 4242);
    assert_int_equal(b->producer_epoch, 7);
    assert_int_equal(b->base_sequence, 100);
    assert_int_equal(b->is_transactional, 1);
    assert_int_equal(b->is_control, 0);
    assert_int_equal(b->timestamp_type, KC_TS_CREATE_TIME);
    assert_int_equal(b->base_timestamp, T0);
    assert_int_equal(b->max_timestamp, T0 + 7);
    assert_int_equal(b->record_count, 4);
    assert_int_equal(kc_batch_last_offset(b), 1003);
    assert_int_equal(kc_records_next_batch(it, &b), KAFKAC_ERR_PARTIAL);
    assert_int_equal(kc_records_iter_next_offset(it), 1004);

    /* Log-append time: every record's timestamp is the batch max. */
    free(buf);
    buf = tc_unhex(java_v2_lat, &len);
    kc_records_iter_reset(it, buf, len);
    assert_int_equal(kc_records_next_batch(it, &b), KAFKAC_OK);
    assert_int_equal(b->timestamp_type, KC_TS_LOG_APPEND_TIME);
    kc_record_t rec;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(kc_records_next(it, &rec, NULL), KAFKAC_OK);
        assert_int_equal(rec.timestamp, T0 + 99999);
        assert_int_equal(rec.timestamp_type, KC_TS_LOG_APPEND_TIME);
    }
    kc_records_iter_destroy(it);
    free(buf);
}

static void test_reader_control_records(void **state)
{
    (void)state;
    const char *hex[2] = {java_v2_control_abort, java_v2_control_commit};
    for (int type = 0; type < 2; type++) {
        size_t len;
        uint8_t *buf = tc_unhex(hex[type], &len);
        kc_records_iter_t *it;
        assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
        kc_records_iter_reset(it, buf, len);
        kc_record_t rec;
        const kc_batch_t *b;
        assert_int_equal(kc_records_next(it, &rec, &b), KAFKAC_OK);
        assert_int_equal(b->is_control, 1);
        assert_int_equal(b->control_type, type);
        assert_int_equal(rec.is_control, 1);
        assert_int_equal(rec.control_type, type);
        assert_int_equal(rec.offset, 1010);
        assert_int_equal(kc_records_next(it, &rec, &b), KAFKAC_ERR_PARTIAL);
        kc_records_iter_destroy(it);
        free(buf);
    }
}

static void test_codec_round_trips(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_many(recs, 1);
    for (int codec = 0; codec <= 4; codec++) {
        kc_rb_writer_opts_t o;
        kc_rb_writer_opts_init(&o);
        o.codec = (kc_codec_t)codec;
        o.base_offset = 77;
        size_t len;
        uint8_t *buf = write_batch(&o, recs, n, &len);
        kc_records_iter_t *it;
        assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
        kc_records_iter_reset(it, buf, len);
        kc_record_t rec;
        const kc_batch_t *b;
        for (size_t i = 0; i < n; i++) {
            kafkac_err_t err = kc_records_next(it, &rec, &b);
            if (err)
                fail_msg("codec %d record %zu: %s", codec, i, kafkac_err_name(err));
            tc_assert_record((int)i, &rec, &recs[i], 77 + (int64_t)i, recs[i].ts, 1);
        }
        assert_int_equal(b->codec, codec);
        assert_int_equal(kc_records_next(it, &rec, &b), KAFKAC_ERR_PARTIAL);
        if (codec != 0 && codec != 2) /* snappy may not shrink this text much, others must */
            assert_true(len < 8000);
        kc_records_iter_destroy(it);
        free(buf);
    }
}

static void test_empty_batch(void **state)
{
    (void)state;
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.base_offset = 42;
    size_t len;
    uint8_t *buf = write_batch(&o, NULL, 0, &len);
    assert_int_equal(len, KC_RB_HEADER_SIZE);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    const kc_batch_t *b;
    assert_int_equal(kc_records_next_batch(it, &b), KAFKAC_OK);
    assert_int_equal(b->record_count, 0);
    kc_record_t rec;
    assert_int_equal(kc_records_next(it, &rec, NULL), KAFKAC_ERR_PARTIAL);
    assert_int_equal(kc_records_iter_next_offset(it), 42);
    kc_records_iter_destroy(it);
    free(buf);
}

/* Two batches back to back, cut at every length: the whole first batch is
 * read, and whatever follows is reported as trailing bytes, not an error. */
static void test_partial_batch_at_end_is_end_not_error(void **state)
{
    (void)state;
    size_t l1, l2;
    uint8_t *b1 = tc_unhex(java_v2_basic, &l1);
    uint8_t *b2 = tc_unhex(java_v2_txn, &l2);
    uint8_t *both = malloc(l1 + l2);
    memcpy(both, b1, l1);
    memcpy(both + l1, b2, l2);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    for (size_t cut = 0; cut <= l1 + l2; cut++) {
        /* A copy of exactly cut bytes, so ASan sees any overread. */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, both, cut);
        kc_records_iter_reset(it, p, cut);
        kc_record_t rec;
        int count = 0;
        kafkac_err_t err;
        while ((err = kc_records_next(it, &rec, NULL)) == KAFKAC_OK)
            count++;
        if (err != KAFKAC_ERR_PARTIAL)
            fail_msg("cut %zu: %s", cut, kafkac_err_name(err));
        int want = cut < l1 ? 0 : cut < l1 + l2 ? 4 : 8;
        size_t trailing = cut < l1 ? cut : cut < l1 + l2 ? cut - l1 : 0;
        if (count != want || kc_records_iter_trailing(it) != trailing)
            fail_msg("cut %zu: %d records and %zu trailing bytes, want %d and %zu", cut, count,
                     kc_records_iter_trailing(it), want, trailing);
        free(p);
    }
    kc_records_iter_destroy(it);
    free(both);
    free(b1);
    free(b2);
}

static kafkac_err_t read_all(const uint8_t *buf, size_t len, int check_crc, size_t max_dec,
                             const char **field, int64_t *offset, int *count)
{
    kc_records_opts_t o;
    kc_records_opts_init(&o);
    o.check_crc = check_crc;
    if (max_dec)
        o.max_decompressed = max_dec;
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, &o), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    kafkac_err_t err;
    *count = 0;
    while ((err = kc_records_next(it, &rec, NULL)) == KAFKAC_OK)
        (*count)++;
    /* Sticky: asking again gives the same answer. */
    assert_int_equal(kc_records_next(it, &rec, NULL), err);
    kc_records_iter_error(it, field, offset);
    kc_records_iter_destroy(it);
    return err;
}

static void test_bad_crc_names_field_and_offset(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_txn, &len);
    uint8_t *v = memmem(buf, len, "value-1", 7);
    assert_non_null(v);
    v[6] = '9'; /* a flipped byte in a value: only the CRC can tell */
    const char *field;
    int64_t off;
    int count;
    assert_int_equal(read_all(buf, len, 1, 0, &field, &off, &count), KAFKAC_ERR_BAD_CRC);
    assert_string_equal(field, "crc");
    assert_int_equal(off, 1000);
    assert_int_equal(count, 0);
    /* check.crcs=false reads it. */
    assert_int_equal(read_all(buf, len, 0, 0, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, 4);
    assert_non_null(memmem(buf, len, "value-9", 7));
    free(buf);
}

/* Corrupts a valid batch, then fixes its CRC so that only the structural
 * check can catch it. */
static kafkac_err_t corrupt_and_read(size_t at, uint8_t value, const char **field)
{
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_txn, &len);
    buf[at] = value;
    if (at >= 21) /* the CRC covers attributes onwards */
        assert_int_equal(kc_rb_set_producer_state(buf, len, 4242, 7, 100), KAFKAC_OK);
    int64_t off;
    int count;
    kafkac_err_t err = read_all(buf, len, 1, 0, field, &off, &count);
    if (err != KAFKAC_ERR_PARTIAL)
        assert_int_equal(off, 1000);
    free(buf);
    return err;
}

static void test_malformed_batches_name_the_field(void **state)
{
    (void)state;
    const char *field;
    /* records_count 4 -> 5: the records run out. */
    assert_int_equal(corrupt_and_read(60, 5, &field), KAFKAC_ERR_MALFORMED);
    /* records_count 4 -> 3: bytes left over after the last record. */
    assert_int_equal(corrupt_and_read(60, 3, &field), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "records_count");
    /* First record length 10 (0x14 zigzag) -> 9: declared length differs from what was read. */
    assert_int_equal(corrupt_and_read(61, 0x12, &field), KAFKAC_ERR_MALFORMED);
    /* Unknown magic. */
    assert_int_equal(corrupt_and_read(16, 3, &field), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "magic");
    /* Codec 7 does not exist. */
    assert_int_equal(corrupt_and_read(22, 0x17, &field), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_string_equal(field, "attributes");
    /* A batch length smaller than a v2 header. */
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_basic, &len);
    kc_be32(buf + 8, 30);
    int64_t off;
    int count;
    assert_int_equal(read_all(buf, len, 1, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "batch_length");
    free(buf);
}

/* Offsets a fetch response can carry that no log holds: the reader
 * refuses them, so that a consumer's next position (last + 1) is always a
 * log offset.  java_v2_txn is 4 records at 1000..1003. */
static void test_offsets_outside_the_log_are_malformed(void **state)
{
    (void)state;
    const char *field;
    int64_t off;
    int count;
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_txn, &len);
    kc_be64(buf, (uint64_t)-5);               /* base_offset, not under the CRC */
    assert_int_equal(read_all(buf, len, 1, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "base_offset");
    assert_int_equal(count, 0);
    kc_be64(buf, (uint64_t)(INT64_MAX - 3));  /* the last record would be INT64_MAX */
    assert_int_equal(read_all(buf, len, 1, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "base_offset");
    kc_be64(buf, (uint64_t)(INT64_MAX - 4));  /* last record INT64_MAX - 1: a log offset */
    assert_int_equal(read_all(buf, len, 1, 0, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, 4);
    free(buf);

    /* last_offset_delta 3 -> 2: the fourth record lies past the batch. */
    assert_int_equal(corrupt_and_read(26, 2, &field), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "offset_delta");
    /* A negative last_offset_delta. */
    assert_int_equal(corrupt_and_read(23, 0x80, &field), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "last_offset_delta");
}

static void test_decompression_is_bounded(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tc_unhex(java_v2_gzip, &len);
    const char *field;
    int64_t off;
    int count;
    assert_int_equal(read_all(buf, len, 1, 4096, &field, &off, &count), KAFKAC_ERR_DECOMPRESSION_LIMIT);
    assert_string_equal(field, "records");
    assert_int_equal(off, 0);
    assert_int_equal(read_all(buf, len, 1, 1 << 20, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, TC_MANY);
    free(buf);
}

static void test_writer_size_estimate_reuse_and_detach(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_many(recs, 1);
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 64), KAFKAC_OK);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(kc_rb_writer_reset(w, NULL), KAFKAC_OK);
        assert_int_equal(kc_rb_writer_size(w), KC_RB_HEADER_SIZE);
        for (size_t i = 0; i < n; i++) {
            size_t before = kc_rb_writer_size(w);
            size_t add = kc_rb_writer_record_size(w, recs[i].ts, recs[i].key_len, recs[i].value_len,
                                                  recs[i].hdrs, recs[i].nh);
            assert_int_equal(kc_rb_writer_append(w, recs[i].ts, recs[i].key, recs[i].key_len,
                                                 recs[i].value, recs[i].value_len, recs[i].hdrs,
                                                 recs[i].nh),
                             KAFKAC_OK);
            assert_int_equal(kc_rb_writer_size(w), before + add);
        }
        assert_int_equal(kc_rb_writer_count(w), (int32_t)n);
        const uint8_t *out;
        size_t len, len2;
        assert_int_equal(kc_rb_writer_close(w, &out, &len), KAFKAC_OK);
        assert_int_equal(kc_rb_writer_size(w), len);
        size_t want_len;
        uint8_t *want = tc_unhex(java_v2_many, &want_len);
        tc_assert_bytes("reused writer", out, len, want, want_len);
        /* Closing twice gives the same bytes; appending after close is refused. */
        const uint8_t *out2;
        assert_int_equal(kc_rb_writer_close(w, &out2, &len2), KAFKAC_OK);
        assert_ptr_equal(out, out2);
        assert_int_equal(kc_rb_writer_append(w, T0, NULL, -1, NULL, -1, NULL, 0), KAFKAC_ERR_STATE);
        if (round == 1) {
            uint8_t *mine;
            assert_int_equal(kc_rb_writer_detach(w, &mine, &len2), KAFKAC_OK);
            tc_assert_bytes("detached", mine, len2, want, want_len);
            kc_free(mine);
            assert_int_equal(kc_rb_writer_close(w, &out2, &len2), KAFKAC_ERR_STATE);
        }
        free(want);
    }
    /* The writer works again after a detach. */
    assert_int_equal(kc_rb_writer_reset(w, NULL), KAFKAC_OK);
    assert_int_equal(kc_rb_writer_append(w, T0, "k", 1, "v", 1, NULL, 0), KAFKAC_OK);
    assert_int_equal(kc_rb_writer_append(w, T0, NULL, -2, NULL, -1, NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_rb_writer_append(w, T0, NULL, 5, NULL, -1, NULL, 0), KAFKAC_ERR_INVALID_ARG);
    kc_rb_header_t bad = {NULL, -1, NULL, -1};
    assert_int_equal(kc_rb_writer_append(w, T0, NULL, -1, NULL, -1, &bad, 1), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_rb_writer_count(w), 1);
    kc_rb_writer_destroy(w);
    kc_rb_writer_destroy(NULL);
}

static void test_set_producer_state_rewrites_and_recrcs(void **state)
{
    (void)state;
    static tc_rec_t recs[4];
    size_t n = tc_basic(recs, 1);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.base_offset = 1000;
    o.partition_leader_epoch = 5;
    o.transactional = 1;
    size_t len, want_len;
    uint8_t *buf = write_batch(&o, recs, n, &len);
    assert_int_equal(kc_rb_set_producer_state(buf, len, 4242, 7, 100), KAFKAC_OK);
    uint8_t *want = tc_unhex(java_v2_txn, &want_len);
    tc_assert_bytes("after set_producer_state", buf, len, want, want_len);
    assert_int_equal(kc_rb_set_producer_state(buf, 10, 1, 1, 1), KAFKAC_ERR_INVALID_ARG);
    free(want);
    free(buf);
}

static void test_writer_survives_failing_allocator(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_many(recs, 1);
    int succeeded = 0;
    for (long k = 0; k < 40 && !succeeded; k++) {
        kc_mem_fail_after(k);
        kc_rb_writer_t *w = NULL;
        kafkac_err_t err = kc_rb_writer_new(&w, 16);
        size_t appended = 0;
        if (!err) {
            for (size_t i = 0; i < n; i++) {
                kafkac_err_t e = kc_rb_writer_append(w, recs[i].ts, recs[i].key, recs[i].key_len,
                                                     recs[i].value, recs[i].value_len, recs[i].hdrs,
                                                     recs[i].nh);
                if (e) {
                    assert_int_equal(e, KAFKAC_ERR_NO_MEMORY);
                    break;
                }
                appended++;
            }
            const uint8_t *out;
            size_t len;
            kafkac_err_t e = kc_rb_writer_close(w, &out, &len);
            kc_mem_fail_after(-1);
            assert_int_equal(e, KAFKAC_OK);
            /* Whatever was appended before the failure is a valid batch. */
            const char *field;
            int64_t off;
            int count;
            assert_int_equal(read_all(out, len, 1, 0, &field, &off, &count), KAFKAC_ERR_PARTIAL);
            assert_int_equal((size_t)count, appended);
            succeeded = appended == n;
        } else {
            assert_int_equal(err, KAFKAC_ERR_NO_MEMORY);
            assert_null(w);
        }
        kc_mem_fail_after(-1);
        kc_rb_writer_destroy(w);
    }
    assert_true(succeeded);
}

/* A failed assertion must not leave the failing allocator on for the
 * tests after it. */
static int restore_allocator(void **state)
{
    (void)state;
    kc_mem_fail_after(-1);
    return 0;
}

/* The hot path: once a reused writer's buffer has grown, a whole batch
 * (append and close) and reading it back allocate nothing. */
static void test_reused_writer_and_reader_do_not_allocate(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_many(recs, 1);
    kc_rb_writer_t *w;
    kc_records_iter_t *it;
    assert_int_equal(kc_rb_writer_new(&w, 0), KAFKAC_OK);
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            kc_mem_fail_after(0); /* every allocation from here on fails */
        assert_int_equal(kc_rb_writer_reset(w, NULL), KAFKAC_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(kc_rb_writer_append(w, recs[i].ts, recs[i].key, recs[i].key_len,
                                                 recs[i].value, recs[i].value_len, recs[i].hdrs,
                                                 recs[i].nh),
                             KAFKAC_OK);
        const uint8_t *out;
        size_t len;
        assert_int_equal(kc_rb_writer_close(w, &out, &len), KAFKAC_OK);
        kc_records_iter_reset(it, out, len);
        kc_record_t rec;
        size_t count = 0;
        while (kc_records_next(it, &rec, NULL) == KAFKAC_OK)
            count++;
        assert_int_equal(count, n);
    }
    kc_mem_fail_after(-1);
    kc_records_iter_destroy(it);
    kc_rb_writer_destroy(w);
}

/* ------------------------------------------------------------------ */
/* Aborted transactions */

static kc_batch_t data_batch(int64_t pid, int64_t base, int32_t count, int txn)
{
    kc_batch_t b;
    memset(&b, 0, sizeof b);
    b.producer_id = pid;
    b.base_offset = base;
    b.last_offset_delta = count - 1;
    b.record_count = count;
    b.is_transactional = txn;
    b.control_type = -1;
    return b;
}

static kc_batch_t marker_batch(int64_t pid, int64_t offset, int type)
{
    kc_batch_t b = data_batch(pid, offset, 1, 1);
    b.is_control = 1;
    b.control_type = type;
    return b;
}

static void test_aborted_txns_follow_kafkas_rule(void **state)
{
    (void)state;
    kc_aborted_txns_t *t;
    assert_int_equal(kc_aborted_txns_new(&t), KAFKAC_OK);
    /* Producer 1: aborted txn at 0..4 (abort marker at 5), then a committed
     * txn at 10..11 (commit marker 12).  Producer 2: committed txn at 3, 6
     * (marker 7).  Producer 3: aborted txn starting at 8, marker at 13.
     * Producer 4: not transactional. */
    kc_aborted_txn_t list[] = {{3, 8}, {1, 0}};
    assert_int_equal(kc_aborted_txns_reset(t, list, 2), KAFKAC_OK);
    struct { kc_batch_t b; int skip; } steps[] = {
        {data_batch(1, 0, 3, 1), 1},
        {data_batch(2, 3, 1, 1), 0},
        {data_batch(1, 4, 1, 1), 1},
        {marker_batch(1, 5, KC_CONTROL_ABORT), 0},
        {data_batch(2, 6, 1, 1), 0},
        {marker_batch(2, 7, KC_CONTROL_COMMIT), 0},
        {data_batch(3, 8, 2, 1), 1},
        {data_batch(1, 10, 2, 1), 0},    /* producer 1's aborted txn ended at 5 */
        {marker_batch(1, 12, KC_CONTROL_COMMIT), 0},
        {data_batch(4, 12, 1, 0), 0},
        {marker_batch(3, 13, KC_CONTROL_ABORT), 0},
        {data_batch(3, 14, 1, 1), 0},    /* a new transaction of producer 3 */
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int got = kc_aborted_txns_skip_batch(t, &steps[i].b);
        if (got != steps[i].skip)
            fail_msg("step %zu (producer %lld at %lld): skip %d, want %d", i,
                     (long long)steps[i].b.producer_id, (long long)steps[i].b.base_offset, got,
                     steps[i].skip);
    }
    assert_int_equal(kc_aborted_txns_ongoing(t), 0);

    /* A non-transactional batch is never dropped, even from a listed producer. */
    assert_int_equal(kc_aborted_txns_reset(t, list, 2), KAFKAC_OK);
    kc_batch_t plain = data_batch(1, 0, 1, 0);
    assert_int_equal(kc_aborted_txns_skip_batch(t, &plain), 0);
    assert_int_equal(kc_aborted_txns_ongoing(t), 1);
    /* An empty list drops nothing. */
    assert_int_equal(kc_aborted_txns_reset(t, NULL, 0), KAFKAC_OK);
    kc_batch_t txn = data_batch(1, 0, 1, 1);
    assert_int_equal(kc_aborted_txns_skip_batch(t, &txn), 0);
    kc_aborted_txns_destroy(t);
    kc_aborted_txns_destroy(NULL);
}

static void test_aborted_txns_many_producers(void **state)
{
    (void)state;
    /* 5000 producers each with an aborted txn: the set must add and remove
     * through collisions correctly. */
    enum { N = 5000 };
    kc_aborted_txn_t *list = malloc(N * sizeof *list);
    for (int i = 0; i < N; i++)
        list[i] = (kc_aborted_txn_t){(int64_t)i * 1024 + 7, 2 * i};
    kc_aborted_txns_t *t;
    assert_int_equal(kc_aborted_txns_new(&t), KAFKAC_OK);
    assert_int_equal(kc_aborted_txns_reset(t, list, N), KAFKAC_OK);
    for (int i = 0; i < N; i++) {
        kc_batch_t d = data_batch(list[i].producer_id, 2 * i, 1, 1);
        assert_int_equal(kc_aborted_txns_skip_batch(t, &d), 1);
        if (i % 2) {
            kc_batch_t m = marker_batch(list[i].producer_id, 2 * i + 1, KC_CONTROL_ABORT);
            assert_int_equal(kc_aborted_txns_skip_batch(t, &m), 0);
        }
    }
    assert_int_equal(kc_aborted_txns_ongoing(t), N / 2);
    for (int i = 0; i < N; i++) {
        kc_batch_t d = data_batch(list[i].producer_id, 3 * N + i, 1, 1);
        assert_int_equal(kc_aborted_txns_skip_batch(t, &d), i % 2 == 0);
    }
    kc_aborted_txns_destroy(t);
    free(list);
}

/* read_committed through the iterator: an aborted transaction's batches
 * disappear, its marker is still seen as a control record, the committed
 * one stays. */
static void test_iterator_skips_aborted_batches(void **state)
{
    (void)state;
    kc_writer_t all;
    kc_writer_init(&all, 0);
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), KAFKAC_OK);
    struct { int64_t base, pid; int control, type; const char *v; } bs[] = {
        {0, 1, 0, 0, "aborted-a"},
        {1, 2, 0, 0, "committed"},
        {2, 1, 0, 0, "aborted-b"},
        {3, 1, 1, KC_CONTROL_ABORT, NULL},
        {4, 2, 1, KC_CONTROL_COMMIT, NULL},
    };
    for (size_t i = 0; i < 5; i++) {
        kc_rb_writer_opts_t o;
        kc_rb_writer_opts_init(&o);
        o.base_offset = bs[i].base;
        o.producer_id = bs[i].pid;
        o.producer_epoch = 0;
        o.transactional = 1;
        o.control = bs[i].control;
        assert_int_equal(kc_rb_writer_reset(w, &o), KAFKAC_OK);
        uint8_t key[4] = {0, 0, 0, (uint8_t)bs[i].type};
        uint8_t val[6] = {0};
        if (bs[i].control)
            assert_int_equal(kc_rb_writer_append(w, T0, key, 4, val, 6, NULL, 0), KAFKAC_OK);
        else
            assert_int_equal(kc_rb_writer_append(w, T0, NULL, -1, bs[i].v, (int32_t)strlen(bs[i].v), NULL, 0),
                             KAFKAC_OK);
        const uint8_t *out;
        size_t len;
        assert_int_equal(kc_rb_writer_close(w, &out, &len), KAFKAC_OK);
        kc_w_raw(&all, out, len);
    }
    kc_rb_writer_destroy(w);

    kc_aborted_txns_t *t;
    assert_int_equal(kc_aborted_txns_new(&t), KAFKAC_OK);
    kc_aborted_txn_t list[] = {{1, 0}};
    assert_int_equal(kc_aborted_txns_reset(t, list, 1), KAFKAC_OK);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_set_aborted(it, t);
    kc_records_iter_reset(it, all.buf, all.len);
    kc_record_t rec;
    char seen[128] = "";
    while (kc_records_next(it, &rec, NULL) == KAFKAC_OK) {
        char one[32];
        if (rec.is_control)
            snprintf(one, sizeof one, "%lld:ctl%d ", (long long)rec.offset, rec.control_type);
        else
            snprintf(one, sizeof one, "%lld:%.*s ", (long long)rec.offset, rec.value_len,
                     (const char *)rec.value);
        strcat(seen, one);
    }
    assert_string_equal(seen, "1:committed 3:ctl0 4:ctl1 ");
    assert_int_equal(kc_records_iter_next_offset(it), 5);
    kc_records_iter_destroy(it);
    kc_aborted_txns_destroy(t);
    kc_writer_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_java_and_kafka_python),
        cmocka_unit_test(test_writer_control_batches_match_java),
        cmocka_unit_test(test_writer_1mib_value_matches_java),
        cmocka_unit_test(test_reader_reads_java_batches_in_every_codec),
        cmocka_unit_test(test_reader_exposes_batch_fields),
        cmocka_unit_test(test_reader_control_records),
        cmocka_unit_test(test_codec_round_trips),
        cmocka_unit_test(test_empty_batch),
        cmocka_unit_test(test_partial_batch_at_end_is_end_not_error),
        cmocka_unit_test(test_bad_crc_names_field_and_offset),
        cmocka_unit_test(test_malformed_batches_name_the_field),
        cmocka_unit_test(test_offsets_outside_the_log_are_malformed),
        cmocka_unit_test(test_decompression_is_bounded),
        cmocka_unit_test(test_writer_size_estimate_reuse_and_detach),
        cmocka_unit_test(test_set_producer_state_rewrites_and_recrcs),
        cmocka_unit_test_teardown(test_writer_survives_failing_allocator, restore_allocator),
        cmocka_unit_test_teardown(test_reused_writer_and_reader_do_not_allocate, restore_allocator),
        cmocka_unit_test(test_aborted_txns_follow_kafkas_rule),
        cmocka_unit_test(test_aborted_txns_many_producers),
        cmocka_unit_test(test_iterator_skips_aborted_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

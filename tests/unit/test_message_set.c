/* Legacy message sets v0/v1: our writer against Kafka's Java client and
 * kafka-python byte for byte, our reader over their compressed wrappers
 * (gzip, snappy, lz4 with the old magic-0 frame checksum), offsets of
 * v1 relative inner messages, CRC32 checks and partial input. */
#include "records_cases.h"
#include "vectors/records_golden.h"
#include "protocol/message_set.h"
#include "protocol/crc32c.h"

static void to_ms(const tc_rec_t *in, size_t n, kc_ms_record_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (kc_ms_record_t){in[i].ts, in[i].key, in[i].key_len, in[i].value, in[i].value_len};
}

static void assert_ms_writes(const char *name, const char *hex, int magic, int64_t base)
{
    tc_rec_t recs[4];
    kc_ms_record_t ms[4];
    size_t n = tc_basic(recs, 0);
    to_ms(recs, n, ms);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    assert_int_equal(kc_ms_write(&w, magic, KC_CODEC_NONE, KC_COMPRESSION_LEVEL_DEFAULT,
                                 KC_TS_CREATE_TIME, base, ms, n),
                     KAFKAC_OK);
    size_t want_len;
    uint8_t *want = tc_unhex(hex, &want_len);
    tc_assert_bytes(name, w.buf, w.len, want, want_len);
    free(want);
    kc_writer_free(&w);
}

static void test_writer_matches_java_and_kafka_python(void **state)
{
    (void)state;
    assert_ms_writes("java_v0_basic", java_v0_basic, 0, 500);
    assert_ms_writes("java_v1_basic", java_v1_basic, 1, 500);
    assert_ms_writes("py_v0_basic", py_v0_basic, 0, 0);
    assert_ms_writes("py_v1_basic", py_v1_basic, 1, 0);
}

/* Reads all of buf; checks the records against recs with offsets from
 * first_offset and (v1) their own timestamps. */
static void assert_ms_reads(const char *name, const uint8_t *buf, size_t len, const tc_rec_t *recs,
                            size_t n, int magic, int codec, int64_t first_offset)
{
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    const kc_batch_t *b = NULL;
    size_t i = 0;
    kafkac_err_t err;
    while ((err = kc_records_next(it, &rec, &b)) == KAFKAC_OK) {
        if (i >= n)
            fail_msg("%s: more than %zu records", name, n);
        tc_assert_record((int)i, &rec, &recs[i], first_offset + (int64_t)i,
                         magic == 0 ? KC_NO_TIMESTAMP : recs[i].ts, 0);
        assert_int_equal(rec.header_count, 0);
        assert_int_equal(rec.timestamp_type, magic == 0 ? KC_TS_NONE : KC_TS_CREATE_TIME);
        assert_int_equal(b->magic, magic);
        assert_int_equal(b->codec, codec);
        assert_int_equal(b->producer_id, -1);
        i++;
    }
    if (err != KAFKAC_ERR_PARTIAL) {
        const char *field;
        kc_records_iter_error(it, &field, NULL);
        fail_msg("%s: %s at %s", name, kafkac_err_name(err), field ? field : "?");
    }
    if (i != n)
        fail_msg("%s: %zu records, want %zu", name, i, n);
    if (codec) {
        assert_int_equal(b->record_count, (int32_t)n);
        assert_int_equal(b->base_offset, first_offset);
        assert_int_equal(kc_batch_last_offset(b), first_offset + (int64_t)n - 1);
    }
    assert_int_equal(kc_records_iter_next_offset(it), first_offset + (int64_t)n);
    kc_records_iter_destroy(it);
}

static void assert_ms_reads_hex(const char *name, const char *hex, const tc_rec_t *recs, size_t n,
                                int magic, int codec, int64_t first_offset)
{
    size_t len;
    uint8_t *buf = tc_unhex(hex, &len);
    assert_ms_reads(name, buf, len, recs, n, magic, codec, first_offset);
    free(buf);
}

static void test_reader_reads_java_sets_in_every_codec(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    size_t n = tc_basic(recs, 0);
    assert_ms_reads_hex("java_v0_basic", java_v0_basic, recs, n, 0, 0, 500);
    assert_ms_reads_hex("java_v1_basic", java_v1_basic, recs, n, 1, 0, 500);
    /* kafka-python's producer-side sets: v0 inner offsets are absolute
     * (0..3); v1 ones are relative to a wrapper offset of 0, so they map
     * to -3..0, as the formula says. */
    assert_ms_reads_hex("py_v0_gzip", py_v0_gzip, recs, n, 0, 1, 0);
    assert_ms_reads_hex("py_v1_gzip", py_v1_gzip, recs, n, 1, 1, -3);
    n = tc_many(recs, 0);
    assert_ms_reads_hex("java_v0_gzip", java_v0_gzip, recs, n, 0, 1, 500);
    assert_ms_reads_hex("java_v0_snappy", java_v0_snappy, recs, n, 0, 2, 500);
    assert_ms_reads_hex("java_v0_lz4", java_v0_lz4, recs, n, 0, 3, 500);
    assert_ms_reads_hex("java_v1_gzip", java_v1_gzip, recs, n, 1, 1, 500);
    assert_ms_reads_hex("java_v1_snappy", java_v1_snappy, recs, n, 1, 2, 500);
    assert_ms_reads_hex("java_v1_lz4", java_v1_lz4, recs, n, 1, 3, 500);
}

static void test_compressed_round_trips(void **state)
{
    (void)state;
    static tc_rec_t recs[TC_MANY];
    static kc_ms_record_t ms[TC_MANY];
    size_t n = tc_many(recs, 0);
    to_ms(recs, n, ms);
    for (int magic = 0; magic <= 1; magic++) {
        for (int codec = 0; codec <= 3; codec++) {
            kc_writer_t w;
            kc_writer_init(&w, 0);
            assert_int_equal(kc_ms_write(&w, magic, (kc_codec_t)codec, KC_COMPRESSION_LEVEL_DEFAULT,
                                         KC_TS_CREATE_TIME, 1234, ms, n),
                             KAFKAC_OK);
            char name[32];
            snprintf(name, sizeof name, "v%d codec %d", magic, codec);
            assert_ms_reads(name, w.buf, w.len, recs, n, magic, codec, 1234);
            if (codec) {
                /* One wrapper whose offset is the last inner offset. */
                kc_reader_t r;
                kc_reader_init(&r, w.buf, w.len);
                kc_ms_message_t m;
                assert_int_equal(kc_ms_read_message(&r, 1, &m), KAFKAC_OK);
                assert_int_equal(kc_r_remaining(&r), 0);
                assert_int_equal(m.offset, 1234 + TC_MANY - 1);
                assert_int_equal(m.key_len, -1);
                int64_t max_ts = recs[0].ts;
                for (size_t i = 1; i < n; i++)
                    max_ts = recs[i].ts > max_ts ? recs[i].ts : max_ts;
                if (magic == 1)
                    assert_int_equal(m.timestamp, max_ts); /* the largest inner timestamp */
            }
            kc_writer_free(&w);
        }
    }
    kc_writer_t w;
    kc_writer_init(&w, 0);
    assert_int_equal(kc_ms_write(&w, 2, KC_CODEC_NONE, 0, 0, 0, ms, 1), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_ms_write(&w, 1, KC_CODEC_ZSTD, 0, 0, 0, ms, 1), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_ms_write(&w, 1, KC_CODEC_GZIP, 0, 0, 0, ms, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(w.len, 0);
    kc_writer_free(&w);
}

static void test_log_append_time_wrapper(void **state)
{
    (void)state;
    tc_rec_t recs[4];
    kc_ms_record_t ms[4];
    size_t n = tc_basic(recs, 0);
    to_ms(recs, n, ms);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    assert_int_equal(kc_ms_write(&w, 1, KC_CODEC_GZIP, KC_COMPRESSION_LEVEL_DEFAULT,
                                 KC_TS_LOG_APPEND_TIME, 10, ms, n),
                     KAFKAC_OK);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, w.buf, w.len);
    kc_record_t rec;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kc_records_next(it, &rec, NULL), KAFKAC_OK);
        /* Every inner record takes the wrapper's timestamp. */
        assert_int_equal(rec.timestamp_type, KC_TS_LOG_APPEND_TIME);
        assert_int_equal(rec.timestamp, T0 + 7);
    }
    kc_records_iter_destroy(it);
    kc_writer_free(&w);
}

/* A wrapper message around arbitrary inner bytes, compressed with codec. */
static void write_wrapper(kc_writer_t *out, int magic, int codec, int64_t offset, const uint8_t *inner,
                          size_t inner_len)
{
    kc_writer_t z;
    kc_writer_init(&z, 0);
    assert_int_equal(kc_compress((kc_codec_t)codec, KC_COMPRESSION_LEVEL_DEFAULT, magic == 0, inner,
                                 inner_len, &z),
                     KAFKAC_OK);
    size_t start = out->len;
    kc_w_i64(out, offset);
    size_t size_at = kc_w_reserve(out, 4);
    kc_w_reserve(out, 4);
    kc_w_i8(out, (int8_t)magic);
    kc_w_i8(out, (int8_t)codec);
    if (magic == 1)
        kc_w_i64(out, T0);
    kc_w_i32(out, -1);
    kc_w_i32(out, (int32_t)z.len);
    kc_w_raw(out, z.buf, z.len);
    kc_w_patch_i32(out, size_at, (int32_t)(out->len - start - 12));
    kc_w_patch_u32(out, start + 12, kc_crc32(0, out->buf + start + 16, out->len - start - 16));
    kc_writer_free(&z);
}

static kafkac_err_t read_all(const uint8_t *buf, size_t len, int check_crc, const char **field,
                             int64_t *offset, int *count)
{
    kc_records_opts_t o;
    kc_records_opts_init(&o);
    o.check_crc = check_crc;
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, &o), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    kafkac_err_t err;
    *count = 0;
    while ((err = kc_records_next(it, &rec, NULL)) == KAFKAC_OK)
        (*count)++;
    kc_records_iter_error(it, field, offset);
    kc_records_iter_destroy(it);
    return err;
}

static void test_bad_crcs_and_malformed_wrappers(void **state)
{
    (void)state;
    const char *field;
    int64_t off;
    int count;
    size_t len;
    uint8_t *buf = tc_unhex(java_v1_basic, &len);
    uint8_t *v = memmem(buf, len, "value-1", 7);
    assert_non_null(v);
    v[0] = 'V';
    assert_int_equal(read_all(buf, len, 1, &field, &off, &count), KAFKAC_ERR_BAD_CRC);
    assert_string_equal(field, "crc");
    assert_int_equal(off, 501);
    assert_int_equal(count, 1); /* the first message was good */
    assert_int_equal(read_all(buf, len, 0, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, 4);
    free(buf);

    /* A bad CRC inside a compressed wrapper. */
    buf = tc_unhex(java_v1_basic, &len);
    v = memmem(buf, len, "value-1", 7);
    v[0] = 'V';
    kc_writer_t w;
    kc_writer_init(&w, 0);
    write_wrapper(&w, 1, KC_CODEC_GZIP, 900, buf, len);
    assert_int_equal(read_all(w.buf, w.len, 1, &field, &off, &count), KAFKAC_ERR_BAD_CRC);
    assert_string_equal(field, "crc");
    assert_int_equal(off, 900);
    assert_int_equal(count, 0);

    /* A wrapper inside a wrapper is refused. */
    kc_writer_t outer;
    kc_writer_init(&outer, 0);
    write_wrapper(&outer, 1, KC_CODEC_GZIP, 901, w.buf, w.len);
    assert_int_equal(read_all(outer.buf, outer.len, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "inner_attributes");

    /* An empty wrapper, and one whose inner set is cut short. */
    kc_writer_reset(&outer);
    write_wrapper(&outer, 1, KC_CODEC_GZIP, 902, (const uint8_t *)"", 0);
    assert_int_equal(read_all(outer.buf, outer.len, 1, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "value");
    kc_writer_reset(&outer);
    write_wrapper(&outer, 1, KC_CODEC_GZIP, 903, buf, len - 1);
    assert_int_equal(read_all(outer.buf, outer.len, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_int_equal(off, 903);

    /* Unknown magic in a message. */
    free(buf);
    buf = tc_unhex(java_v0_basic, &len);
    buf[16] = 7;
    assert_int_equal(read_all(buf, len, 0, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "magic");
    free(buf);
    kc_writer_free(&w);
    kc_writer_free(&outer);
}

/* The offset of message i (0-based) of a plain message set. */
static uint8_t *message_at(uint8_t *buf, size_t len, int i)
{
    size_t pos = 0;
    for (int k = 0; k < i; k++) {
        assert_true(pos + 12 <= len);
        pos += 12 + ((uint32_t)buf[pos + 8] << 24 | (uint32_t)buf[pos + 9] << 16 | (uint32_t)buf[pos + 10] << 8 |
                     buf[pos + 11]);
    }
    assert_true(pos + 12 <= len);
    return buf + pos;
}

/* Offsets no log holds are refused, so that the position after a message
 * (its offset + 1) is a log offset.  java_v0_basic is 4 messages at
 * 500..503; the offset field is not under a message's CRC. */
static void test_offsets_outside_the_log_are_malformed(void **state)
{
    (void)state;
    const char *field;
    int64_t off;
    int count;
    size_t len;
    uint8_t *buf = tc_unhex(java_v0_basic, &len);
    kc_be64(message_at(buf, len, 2), (uint64_t)INT64_MAX);
    assert_int_equal(read_all(buf, len, 1, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "offset");
    assert_int_equal(count, 2);
    kc_be64(message_at(buf, len, 2), (uint64_t)-1);
    assert_int_equal(read_all(buf, len, 1, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "offset");
    free(buf);

    /* Inside a wrapper: inner offsets out of order, and one at INT64_MAX. */
    kc_writer_t w;
    kc_writer_init(&w, 0);
    buf = tc_unhex(java_v0_basic, &len);
    kc_be64(message_at(buf, len, 1), 500);
    write_wrapper(&w, 0, KC_CODEC_GZIP, 503, buf, len);
    assert_int_equal(read_all(w.buf, w.len, 1, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "inner_offset");
    assert_int_equal(off, 503);
    assert_int_equal(count, 0);
    kc_be64(message_at(buf, len, 1), 501);
    kc_be64(message_at(buf, len, 3), (uint64_t)INT64_MAX);
    kc_writer_reset(&w);
    write_wrapper(&w, 0, KC_CODEC_GZIP, 503, buf, len);
    assert_int_equal(read_all(w.buf, w.len, 1, &field, &off, &count), KAFKAC_ERR_MALFORMED);
    assert_string_equal(field, "inner_offset");
    /* Restored, the same wrapper reads. */
    kc_be64(message_at(buf, len, 3), 503);
    kc_writer_reset(&w);
    write_wrapper(&w, 0, KC_CODEC_GZIP, 503, buf, len);
    assert_int_equal(read_all(w.buf, w.len, 1, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, 4);
    free(buf);
    kc_writer_free(&w);
}

static void test_partial_message_at_end_is_end(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tc_unhex(java_v1_basic, &len);
    size_t ends[8];
    int nends = 0;
    for (size_t pos = 0; pos < len;) {
        pos += 12 + (size_t)(int32_t)((buf[pos + 8] << 24) | (buf[pos + 9] << 16) | (buf[pos + 10] << 8) |
                                      buf[pos + 11]);
        ends[nends++] = pos;
    }
    assert_int_equal(nends, 4);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, buf, cut);
        const char *field;
        int64_t off;
        int count;
        assert_int_equal(read_all(p, cut, 1, &field, &off, &count), KAFKAC_ERR_PARTIAL);
        int want = 0;
        while (want < nends && ends[want] <= cut)
            want++;
        if (count != want)
            fail_msg("cut %zu: %d records, want %d", cut, count, want);
        free(p);
    }
    free(buf);
}

static void test_mixed_magics_in_one_fetch(void **state)
{
    (void)state;
    size_t l0, l1, l2;
    uint8_t *a = tc_unhex(java_v0_basic, &l0);
    uint8_t *b = tc_unhex(java_v1_lz4, &l1);
    uint8_t *c = tc_unhex(java_v2_basic, &l2);
    uint8_t *all = malloc(l0 + l1 + l2);
    memcpy(all, a, l0);
    memcpy(all + l0, b, l1);
    memcpy(all + l0 + l1, c, l2);
    const char *field;
    int64_t off;
    int count;
    assert_int_equal(read_all(all, l0 + l1 + l2, 1, &field, &off, &count), KAFKAC_ERR_PARTIAL);
    assert_int_equal(count, 4 + TC_MANY + 4);
    free(a);
    free(b);
    free(c);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_java_and_kafka_python),
        cmocka_unit_test(test_reader_reads_java_sets_in_every_codec),
        cmocka_unit_test(test_compressed_round_trips),
        cmocka_unit_test(test_log_append_time_wrapper),
        cmocka_unit_test(test_bad_crcs_and_malformed_wrappers),
        cmocka_unit_test(test_offsets_outside_the_log_are_malformed),
        cmocka_unit_test(test_partial_message_at_end_is_end),
        cmocka_unit_test(test_mixed_magics_in_one_fetch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

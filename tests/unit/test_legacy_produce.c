/* Produce to brokers before 0.11: the producer's v2 record batches
 * rewritten as magic-1 message sets (producer/legacy_produce.c).
 *
 * The expected bytes of the plain case were worked out by hand from the
 * protocol guide's message format v1 (offset int64, message_size int32,
 * crc uint32 = CRC32/IEEE of magic..end, magic 1, attributes, timestamp
 * int64, key and value as int32 length + bytes, -1 for null); the CRC is
 * checked again here with zlib's crc32.  Compressed sets are checked by
 * structure: one wrapper with the codec in its attributes, the offset of
 * the last inner message, the largest timestamp and, inside, relative
 * offsets 0..n-1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/mem.h"
#include "kc_messages.h"
#include "producer/legacy_produce.h"
#include "protocol/compress.h"
#include "protocol/message_set.h"
#include "protocol/record_batch.h"
#include "protocol/records.h"

#define TS 1700000000000LL

/* Message 0: key "k", value "v", timestamp TS.
 * Message 1: null key, value "abc", timestamp TS + 1. */
static const uint8_t golden_plain[] = {
    /* offset 0 */ 0, 0, 0, 0, 0, 0, 0, 0,
    /* size 24 */ 0, 0, 0, 0x18,
    /* crc */ 0x39, 0x26, 0x8c, 0x33,
    /* magic, attributes */ 1, 0,
    /* timestamp 1700000000000 */ 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
    /* key */ 0, 0, 0, 1, 'k',
    /* value */ 0, 0, 0, 1, 'v',
    /* offset 1 */ 0, 0, 0, 0, 0, 0, 0, 1,
    /* size 25 */ 0, 0, 0, 0x19,
    /* crc */ 0x87, 0x5a, 0x31, 0x93,
    1, 0,
    0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x01,
    /* null key */ 0xff, 0xff, 0xff, 0xff,
    0, 0, 0, 3, 'a', 'b', 'c',
};

/* A closed v2 batch of the two records above (plus `extra` copies of
 * record 1 with growing timestamps), as the accumulator makes them. */
static kc_rb_writer_t *v2_batch(kc_codec_t codec, int with_header, int extra, const uint8_t **data, size_t *len)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), KAFKAC_OK);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.codec = codec;
    o.compression_level = KC_COMPRESSION_LEVEL_DEFAULT;
    assert_int_equal(kc_rb_writer_reset(w, &o), KAFKAC_OK);
    kc_rb_header_t h = { "h", 1, "x", 1 };
    assert_int_equal(kc_rb_writer_append(w, TS, "k", 1, "v", 1, with_header ? &h : NULL, with_header ? 1 : 0),
                     KAFKAC_OK);
    for (int i = 0; i <= extra; i++)
        assert_int_equal(kc_rb_writer_append(w, TS + 1 + i, NULL, -1, "abc", 3, NULL, 0), KAFKAC_OK);
    assert_int_equal(kc_rb_writer_close(w, data, len), KAFKAC_OK);
    return w;
}

static void test_plain_matches_hand_computed_bytes(void **state)
{
    (void)state;
    const uint8_t *data;
    size_t len;
    kc_rb_writer_t *w = v2_batch(KC_CODEC_NONE, 0, 0, &data, &len);
    kc_writer_t out;
    kc_writer_init(&out, 0);
    char why[200] = "";
    assert_int_equal(kc_legacy_batch_to_v1(data, len, KC_COMPRESSION_LEVEL_DEFAULT, &out, why, sizeof why),
                     KAFKAC_OK);
    assert_int_equal(out.len, sizeof golden_plain);
    assert_memory_equal(out.buf, golden_plain, sizeof golden_plain);
    /* The CRC fields are CRC32 (IEEE, zlib's), not Kafka v2's CRC32C. */
    uLong c0 = crc32(0L, golden_plain + 16, 24 - 4);
    uLong c1 = crc32(0L, golden_plain + 36 + 16, 25 - 4);
    assert_int_equal(c0, 0x39268c33UL);
    assert_int_equal(c1, 0x875a3193UL);
    kc_writer_free(&out);
    kc_rb_writer_destroy(w);
}

/* Reads a message set with the library's reader: n records, offsets
 * from 0, the timestamps and values written. */
static void read_back(const uint8_t *buf, size_t len, int n)
{
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), KAFKAC_OK);
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    const kc_batch_t *b = NULL;
    int i = 0;
    while (kc_records_next(it, &rec, &b) == KAFKAC_OK) {
        assert_true(i < n);
        assert_int_equal(b->magic, 1);
        assert_int_equal(rec.offset, i);
        if (i == 0) {
            assert_int_equal(rec.timestamp, TS);
            assert_int_equal(rec.key_len, 1);
            assert_memory_equal(rec.key, "k", 1);
            assert_memory_equal(rec.value, "v", 1);
        } else {
            assert_int_equal(rec.timestamp, TS + i);
            assert_int_equal(rec.key_len, -1);
            assert_int_equal(rec.value_len, 3);
            assert_memory_equal(rec.value, "abc", 3);
        }
        i++;
    }
    assert_int_equal(i, n);
    kc_records_iter_destroy(it);
}

static int32_t be32(const uint8_t *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)(((uint64_t)(uint32_t)be32(p) << 32) | (uint32_t)be32(p + 4));
}

/* gzip, snappy, lz4: one wrapper message; codec in the attributes, the
 * last inner offset as its offset, the largest timestamp, a null key. */
static void test_compressed_wrapper(void **state)
{
    (void)state;
    const kc_codec_t codecs[] = { KC_CODEC_GZIP, KC_CODEC_SNAPPY, KC_CODEC_LZ4 };
    for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
        const uint8_t *data;
        size_t len;
        kc_rb_writer_t *w = v2_batch(codecs[k], 0, 3, &data, &len);   /* 5 records */
        kc_writer_t out;
        kc_writer_init(&out, 0);
        char why[200] = "";
        assert_int_equal(kc_legacy_batch_to_v1(data, len, KC_COMPRESSION_LEVEL_DEFAULT, &out, why, sizeof why),
                         KAFKAC_OK);
        assert_true(out.len > 34);
        assert_int_equal(be64(out.buf), 4);                         /* offset: last inner */
        assert_int_equal(be32(out.buf + 8), (int32_t)out.len - 12); /* one message */
        assert_int_equal((uint32_t)be32(out.buf + 12), (uint32_t)crc32(0L, out.buf + 16, (uInt)(out.len - 16)));
        assert_int_equal(out.buf[16], 1);                           /* magic */
        assert_int_equal(out.buf[17] & 7, (int)codecs[k]);          /* codec, create time */
        assert_int_equal(out.buf[17] & 8, 0);
        assert_int_equal(be64(out.buf + 18), TS + 4);               /* max timestamp */
        assert_int_equal(be32(out.buf + 26), -1);                   /* null key */
        read_back(out.buf, out.len, 5);
        kc_writer_free(&out);
        kc_rb_writer_destroy(w);
    }
}

/* What magic 1 cannot carry fails, saying why, instead of being dropped. */
static void test_headers_and_zstd_refused(void **state)
{
    (void)state;
    const uint8_t *data;
    size_t len;
    char why[200] = "";
    kc_writer_t out;
    kc_writer_init(&out, 0);
    kc_rb_writer_t *w = v2_batch(KC_CODEC_NONE, 1, 0, &data, &len);
    assert_int_equal(kc_legacy_batch_to_v1(data, len, KC_COMPRESSION_LEVEL_DEFAULT, &out, why, sizeof why),
                     KAFKAC_ERR_UNSUPPORTED_FEATURE);
    assert_non_null(strstr(why, "headers"));
    kc_rb_writer_destroy(w);
    why[0] = '\0';
    w = v2_batch(KC_CODEC_ZSTD, 0, 0, &data, &len);
    assert_int_equal(kc_legacy_batch_to_v1(data, len, KC_COMPRESSION_LEVEL_DEFAULT, &out, why, sizeof why),
                     KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_non_null(strstr(why, "zstd"));
    kc_rb_writer_destroy(w);
    kc_writer_free(&out);
}

/* The build callback: at v2 every partition's records become magic 1; at
 * v3 (the same request encoded again for a newer broker) the v2 batches
 * are back, untouched. */
static void test_request_build_by_version(void **state)
{
    (void)state;
    const uint8_t *d1, *d2;
    size_t l1, l2;
    kc_rb_writer_t *w1 = v2_batch(KC_CODEC_NONE, 0, 0, &d1, &l1);
    kc_rb_writer_t *w2 = v2_batch(KC_CODEC_GZIP, 0, 1, &d2, &l2);
    kc_produce_request_partition_produce_data_t pd[2] = {
        { .index = 0, .records = { d1, (int32_t)l1 } },
        { .index = 3, .records = { d2, (int32_t)l2 } },
    };
    kc_produce_request_topic_produce_data_t td[2] = {
        { .name = "a", .partition_data = &pd[0], .partition_data_count = 1 },
        { .name = "b", .partition_data = &pd[1], .partition_data_count = 1 },
    };
    kc_produce_request_t msg;
    kc_msg_init(&kc_schema_produce_request, &msg);
    msg.topic_data = td;
    msg.topic_data_count = 2;
    kc_legacy_produce_t *st = NULL;

    assert_int_equal(kc_legacy_produce_build(&st, &msg, 9, KC_COMPRESSION_LEVEL_DEFAULT, NULL), 0);
    assert_null(st);                                   /* nothing to do at v3+ */
    assert_ptr_equal(pd[0].records.data, d1);

    assert_int_equal(kc_legacy_produce_build(&st, &msg, 2, KC_COMPRESSION_LEVEL_DEFAULT, NULL), 0);
    assert_non_null(st);
    assert_int_equal(pd[0].records.len, (int32_t)sizeof golden_plain);
    assert_memory_equal(pd[0].records.data, golden_plain, sizeof golden_plain);
    assert_int_equal(pd[1].records.data[16], 1);       /* magic 1 wrapper */
    assert_int_equal(pd[1].records.data[17] & 7, KC_CODEC_GZIP);
    read_back(pd[1].records.data, (size_t)pd[1].records.len, 3);

    assert_int_equal(kc_legacy_produce_build(&st, &msg, 3, KC_COMPRESSION_LEVEL_DEFAULT, NULL), 0);
    assert_ptr_equal(pd[0].records.data, d1);
    assert_int_equal(pd[0].records.len, (int32_t)l1);
    assert_ptr_equal(pd[1].records.data, d2);
    assert_int_equal(pd[1].records.len, (int32_t)l2);

    kc_legacy_produce_free(st);
    kc_rb_writer_destroy(w1);
    kc_rb_writer_destroy(w2);
}

/* A refused batch fails the request at v2 (the sender then fails its
 * batches with that error); at v3 the same request is fine. */
static void test_request_with_headers(void **state)
{
    (void)state;
    const uint8_t *d;
    size_t l;
    kc_rb_writer_t *w = v2_batch(KC_CODEC_NONE, 1, 0, &d, &l);
    kc_produce_request_partition_produce_data_t pd = { .index = 0, .records = { d, (int32_t)l } };
    kc_produce_request_topic_produce_data_t td = { .name = "a", .partition_data = &pd, .partition_data_count = 1 };
    kc_produce_request_t msg;
    kc_msg_init(&kc_schema_produce_request, &msg);
    msg.topic_data = &td;
    msg.topic_data_count = 1;
    kc_legacy_produce_t *st = NULL;
    assert_int_equal(kc_legacy_produce_build(&st, &msg, 2, KC_COMPRESSION_LEVEL_DEFAULT, NULL),
                     KAFKAC_ERR_UNSUPPORTED_FEATURE);
    assert_int_equal(kc_legacy_produce_build(&st, &msg, 3, KC_COMPRESSION_LEVEL_DEFAULT, NULL), 0);
    assert_ptr_equal(pd.records.data, d);
    kc_legacy_produce_free(st);
    kc_rb_writer_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_matches_hand_computed_bytes),
        cmocka_unit_test(test_compressed_wrapper),
        cmocka_unit_test(test_headers_and_zstd_refused),
        cmocka_unit_test(test_request_build_by_version),
        cmocka_unit_test(test_request_with_headers),
    };
    return cmocka_run_group_tests_name("Produce v2 bodies (message format v1) for brokers before 0.11", tests, NULL,
                                       NULL);
}

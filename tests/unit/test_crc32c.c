/* CRC32C: known answers, a real record batch, the hardware path against
 * the table path at every length and alignment, and chaining. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static const struct {
    const char *name;
    crc_fn fn;
} paths[] = {
    { "kc_crc32c", kc_crc32c },
    { "kc_crc32c_sw", kc_crc32c_sw },
    { "kc_crc32c_hw", kc_crc32c_hw },
};
#define NPATHS (sizeof paths / sizeof paths[0])

static void expect_crc(const char *what, const void *data, size_t len, uint32_t want)
{
    for (size_t i = 0; i < NPATHS; i++) {
        uint32_t got = paths[i].fn(0, data, len);
        if (got != want)
            fail_msg("%s of %s: expected 0x%08X, got 0x%08X", paths[i].name, what, want, got);
    }
}

/* Published check values (RFC 3720 appendix B.4 and the usual "123456789"). */
static void test_known_vectors(void **state)
{
    (void)state;
    uint8_t buf[32];

    expect_crc("\"123456789\"", "123456789", 9, 0xE3069283u);
    memset(buf, 0, sizeof buf);
    expect_crc("32 zero bytes", buf, sizeof buf, 0x8A9136AAu);
    memset(buf, 0xFF, sizeof buf);
    expect_crc("32 0xFF bytes", buf, sizeof buf, 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    expect_crc("bytes 0..31", buf, sizeof buf, 0x46DD794Eu);
    expect_crc("nothing", "", 0, 0);
    expect_crc("NULL with length 0", NULL, 0, 0);
}

/* A v2 RecordBatch built by kafka-python 2.0.2 (DefaultRecordBatchBuilder,
 * two records, no compression).  Its CRC field (bytes 17..20) covers
 * everything from the attributes field (offset 21) to the end. */
static const char batch_hex[] =
    "0000000000000000000000600000000002760c13260000000000010000018bcfe568000000"
    "018bcfe56805ffffffffffffffffffffffffffff00000002340000000a6b65792d311668656c"
    "6c6f206b61666b61020268027626000a02011a7365636f6e64207265636f726400";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void test_record_batch(void **state)
{
    (void)state;
    uint8_t batch[256];
    size_t n = unhex(batch_hex, batch, sizeof batch);
    assert_int_equal(n, 108);
    uint32_t stored = (uint32_t)batch[17] << 24 | (uint32_t)batch[18] << 16 |
                      (uint32_t)batch[19] << 8 | batch[20];
    assert_int_equal(stored, 0x760C1326u);
    expect_crc("kafka-python record batch", batch + 21, n - 21, stored);

    /* One flipped bit anywhere in the covered bytes must change it. */
    batch[60] ^= 0x04;
    assert_int_not_equal(kc_crc32c(0, batch + 21, n - 21), stored);
}

/* Deterministic xorshift, so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint8_t rnd8(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 32);
}

/* The hardware path has separate code for the unaligned head, 8-byte
 * words, 3x256 and 3x8192 interleaved blocks and the tail: lengths up to
 * 1024 at every alignment cover the first ones, a few large sizes around
 * the 3x8192 boundary the rest. */
static void test_hw_equals_sw(void **state)
{
    (void)state;
    size_t cap = 3 * 8192 * 2 + 64;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t i = 0; i < cap; i++)
        buf[i] = rnd8();
    printf("# hardware CRC32C %s\n", kc_crc32c_hw_available() ? "available" : "NOT available");

    for (size_t align = 0; align < 8; align++) {
        for (size_t len = 0; len <= 1024; len++) {
            uint32_t sw = kc_crc32c_sw(0, buf + align, len);
            uint32_t hw = kc_crc32c_hw(0, buf + align, len);
            uint32_t def = kc_crc32c(0, buf + align, len);
            if (sw != hw || sw != def)
                fail_msg("len %zu align %zu: sw 0x%08X hw 0x%08X default 0x%08X", len, align, sw,
                         hw, def);
        }
    }
    const size_t big[] = { 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, 3 * 8192 + 3 * 256 + 7,
                           2 * 3 * 8192, 2 * 3 * 8192 + 63 };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        for (size_t align = 0; align < 2; align++) {
            assert_true(big[i] + align <= cap);
            uint32_t sw = kc_crc32c_sw(0, buf + align, big[i]);
            uint32_t hw = kc_crc32c_hw(0, buf + align, big[i]);
            if (sw != hw)
                fail_msg("len %zu align %zu: sw 0x%08X hw 0x%08X", big[i], align, sw, hw);
        }
    }
    free(buf);
}

static void test_chaining(void **state)
{
    (void)state;
    uint8_t buf[3000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = rnd8();
    for (size_t p = 0; p < NPATHS; p++) {
        uint32_t whole = paths[p].fn(0, buf, sizeof buf);
        const size_t cuts[] = { 0, 1, 7, 8, 255, 768, 1500, 2999, 3000 };
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            uint32_t a = paths[p].fn(0, buf, cuts[i]);
            uint32_t ab = paths[p].fn(a, buf + cuts[i], sizeof buf - cuts[i]);
            if (ab != whole)
                fail_msg("%s split at %zu: 0x%08X, whole buffer 0x%08X", paths[p].name, cuts[i],
                         ab, whole);
        }
    }
    /* Byte at a time, as a streaming caller would. */
    uint32_t c = 0;
    for (size_t i = 0; i < 9; i++)
        c = kc_crc32c(c, &"123456789"[i], 1);
    assert_int_equal(c, 0xE3069283u);
}

/* CRC32 (IEEE) for message format v0/v1. */
static void test_crc32_ieee(void **state)
{
    (void)state;
    assert_int_equal(kc_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(kc_crc32(kc_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    assert_int_equal(kc_crc32(0, NULL, 0), 0);
    assert_int_equal(kc_crc32(0x12345678u, NULL, 0), 0x12345678u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_record_batch),
        cmocka_unit_test(test_hw_equals_sw),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_crc32_ieee),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

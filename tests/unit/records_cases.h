/* The record lists behind tests/vectors/records_golden.h, rebuilt in C
 * (they must match RecordsGolden.java and gen_records_golden.py), plus
 * small helpers shared by test_record_batch.c and test_message_set.c.
 * Header-only: each test includes it once. */
#ifndef RECORDS_CASES_H
#define RECORDS_CASES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "protocol/record_batch.h"
#include "protocol/records.h"
#include "common/mem.h"

#define T0 1700000000000LL

typedef struct tc_rec {
    int64_t ts;
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
    kc_rb_header_t hdrs[2];
    size_t nh;
    char kbuf[16];
    char vbuf[64];
    char hbuf[8];
} tc_rec_t;

/* basic(): 4 records with a null key, empty key/value, NUL bytes, a null
 * value, a null header value, an empty header, a negative timestamp delta. */
static size_t tc_basic(tc_rec_t *r, int with_headers)
{
    memset(r, 0, 4 * sizeof *r);
    r[0].ts = T0;
    r[0].key = (const uint8_t *)"k0"; r[0].key_len = 2;
    r[0].value = (const uint8_t *)"v0"; r[0].value_len = 2;
    r[1].ts = T0 + 5;
    r[1].key = NULL; r[1].key_len = -1;
    r[1].value = (const uint8_t *)"value-1"; r[1].value_len = 7;
    r[1].hdrs[0] = (kc_rb_header_t){"h1", 2, "x", 1};
    r[1].hdrs[1] = (kc_rb_header_t){"h2", 2, NULL, -1};
    r[1].nh = 2;
    r[2].ts = T0 - 10;
    r[2].key = (const uint8_t *)""; r[2].key_len = 0;
    r[2].value = (const uint8_t *)""; r[2].value_len = 0;
    r[3].ts = T0 + 7;
    r[3].key = (const uint8_t *)"a\0b"; r[3].key_len = 3;
    r[3].value = NULL; r[3].value_len = -1;
    r[3].hdrs[0] = (kc_rb_header_t){"", 0, "", 0};
    r[3].nh = 1;
    if (!with_headers)
        for (int i = 0; i < 4; i++)
            r[i].nh = 0;
    return 4;
}

#define TC_MANY 300
/* many(): 300 records, every third key null, values of varying length,
 * timestamps jumping back and forth, a header on every fourth. */
static size_t tc_many(tc_rec_t *r, int with_headers)
{
    memset(r, 0, TC_MANY * sizeof *r);
    for (int i = 0; i < TC_MANY; i++) {
        r[i].ts = T0 + (i * 7919LL % 1000) - 500;
        if (i % 3 == 0) {
            r[i].key = NULL;
            r[i].key_len = -1;
        } else {
            r[i].key_len = snprintf(r[i].kbuf, sizeof r[i].kbuf, "key-%d", i);
            r[i].key = (const uint8_t *)r[i].kbuf;
        }
        int n = 0;
        for (int j = 0; j <= i % 5; j++)
            n += snprintf(r[i].vbuf + n, sizeof r[i].vbuf - (size_t)n, "value-%d", i);
        r[i].value = (const uint8_t *)r[i].vbuf;
        r[i].value_len = n;
        if (with_headers && i % 4 == 0) {
            int hl = snprintf(r[i].hbuf, sizeof r[i].hbuf, "%d", i);
            r[i].hdrs[0] = (kc_rb_header_t){"idx", 3, r[i].hbuf, hl};
            r[i].nh = 1;
        }
    }
    return TC_MANY;
}

/* Decodes a hex string into a malloc'd buffer (caller frees). */
static uint8_t *tc_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        b[i] = (uint8_t)v;
    }
    *len = n;
    return b;
}

/* Byte-for-byte comparison that says where the first difference is. */
static void tc_assert_bytes(const char *what, const uint8_t *got, size_t got_len,
                            const uint8_t *want, size_t want_len)
{
    size_t n = got_len < want_len ? got_len : want_len;
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i])
            fail_msg("%s: byte %zu differs: got %02x, want %02x (lengths %zu/%zu)", what, i, got[i],
                     want[i], got_len, want_len);
    }
    if (got_len != want_len)
        fail_msg("%s: length %zu, want %zu", what, got_len, want_len);
}

static void tc_assert_lenbytes(const char *what, int i, const uint8_t *got, int32_t got_len,
                               const uint8_t *want, int32_t want_len)
{
    if (got_len != want_len)
        fail_msg("record %d %s: length %d, want %d", i, what, got_len, want_len);
    if (want_len < 0) {
        if (got != NULL)
            fail_msg("record %d %s: want null pointer", i, what);
        return;
    }
    if (want_len > 0 && memcmp(got, want, (size_t)want_len) != 0)
        fail_msg("record %d %s: bytes differ", i, what);
}

/* Checks one read record against what was written. */
static void tc_assert_record(int i, const kc_record_t *rec, const tc_rec_t *want, int64_t offset,
                             int64_t ts, int check_headers)
{
    if (rec->offset != offset)
        fail_msg("record %d: offset %lld, want %lld", i, (long long)rec->offset, (long long)offset);
    if (rec->timestamp != ts)
        fail_msg("record %d: timestamp %lld, want %lld", i, (long long)rec->timestamp, (long long)ts);
    tc_assert_lenbytes("key", i, rec->key, rec->key_len, want->key, want->key_len);
    tc_assert_lenbytes("value", i, rec->value, rec->value_len, want->value, want->value_len);
    if (!check_headers)
        return;
    if ((size_t)rec->header_count != want->nh)
        fail_msg("record %d: %d headers, want %zu", i, rec->header_count, want->nh);
    size_t pos = 0;
    const char *hk;
    int32_t hkl, hvl;
    const uint8_t *hv;
    for (size_t h = 0; h < want->nh; h++) {
        assert_int_equal(kc_record_header_next(rec, &pos, &hk, &hkl, &hv, &hvl), 1);
        tc_assert_lenbytes("header key", i, (const uint8_t *)hk, hkl,
                           (const uint8_t *)want->hdrs[h].key, want->hdrs[h].key_len);
        tc_assert_lenbytes("header value", i, hv, hvl, want->hdrs[h].value, want->hdrs[h].value_len);
    }
    assert_int_equal(kc_record_header_next(rec, &pos, &hk, &hkl, &hv, &hvl), 0);
}

#endif

/* The one bounded reader and the one growing writer behind every binary
 * encoding in libkafkac (protocol messages, record batches, frames).
 *
 * Reader rules
 *   - It never reads past buf[len].  A read that would, fails.
 *   - Errors are sticky: the first failure records its error code and the
 *     name of the field being read (r->err, r->err_field); every later read
 *     returns 0/NULL at once.  Callers do a run of reads and check
 *     kc_r_ok() once, as hiredis does.
 *   - Every read takes the field's name, a static string, which is kept
 *     only on failure; so an error always says which field broke.
 *   - Length-prefixed data gets a sub-reader (kc_r_sub) bounded to exactly
 *     that length; kc_r_expect_end() checks it was consumed exactly.
 *   - Array counts are checked against the bytes left before anyone
 *     allocates for them (kc_r_array_len).
 *   - The reader borrows buf; it never frees it.  Pointers it returns
 *     (kc_r_raw, strings, bytes) point into buf and live as long as buf.
 *
 * Writer rules
 *   - Grows its own heap buffer (kc_writer_init) or fills a caller's fixed
 *     buffer (kc_writer_init_fixed); either way a failure (no memory, no
 *     room) is sticky in w->err and later writes do nothing.
 *   - Length, count and CRC fields are written as placeholders with
 *     kc_w_reserve(), which returns their offset, and patched later with
 *     kc_w_patch_*() once the data after them is known.
 *   - A growing writer owns w->buf: free it with kc_writer_free() or take
 *     it with kc_writer_detach().
 *
 * Integers are big-endian (network order) unless named varint: Kafka's
 * zigzag varints (protobuf style) and unsigned varints for compact
 * lengths and tagged fields. */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "kafkac/error.h"

/* ------------------------------------------------------------------ */
/* Reader                                                              */

typedef struct kc_reader {
    const uint8_t *buf;     /* borrowed */
    size_t len;             /* bytes in buf */
    size_t pos;             /* next byte to read */
    int err;                /* 0, or the first kafkac_err_t that happened */
    const char *err_field;  /* field being read at the first failure */
} kc_reader_t;

static inline void kc_reader_init(kc_reader_t *r, const void *buf, size_t len)
{
    r->buf = (const uint8_t *)buf;
    r->len = len;
    r->pos = 0;
    r->err = 0;
    r->err_field = NULL;
}

static inline int kc_r_ok(const kc_reader_t *r) { return r->err == 0; }
static inline size_t kc_r_remaining(const kc_reader_t *r) { return r->len - r->pos; }

/* Records the first failure only; later calls keep the first. */
static inline void kc_r_fail(kc_reader_t *r, int err, const char *field)
{
    if (r->err == 0) {
        r->err = err;
        r->err_field = field;
    }
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets
 * KAFKAC_ERR_TRUNCATED) when fewer are left. */
static inline const uint8_t *kc_r_raw(kc_reader_t *r, size_t n, const char *field)
{
    if (r->err)
        return NULL;
    if (n > r->len - r->pos) {
        kc_r_fail(r, KAFKAC_ERR_TRUNCATED, field);
        return NULL;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

static inline void kc_r_skip(kc_reader_t *r, size_t n, const char *field)
{
    (void)kc_r_raw(r, n, field);
}

static inline int8_t kc_r_i8(kc_reader_t *r, const char *field)
{
    const uint8_t *p = kc_r_raw(r, 1, field);
    return p ? (int8_t)p[0] : 0;
}

static inline uint16_t kc_r_u16(kc_reader_t *r, const char *field)
{
    const uint8_t *p = kc_r_raw(r, 2, field);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline int16_t kc_r_i16(kc_reader_t *r, const char *field)
{
    return (int16_t)kc_r_u16(r, field);
}

static inline uint32_t kc_r_u32(kc_reader_t *r, const char *field)
{
    const uint8_t *p = kc_r_raw(r, 4, field);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

static inline int32_t kc_r_i32(kc_reader_t *r, const char *field)
{
    return (int32_t)kc_r_u32(r, field);
}

static inline uint64_t kc_r_u64(kc_reader_t *r, const char *field)
{
    const uint8_t *p = kc_r_raw(r, 8, field);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline int64_t kc_r_i64(kc_reader_t *r, const char *field)
{
    return (int64_t)kc_r_u64(r, field);
}

double kc_r_f64(kc_reader_t *r, const char *field);

/* Unsigned varints: at most 5 bytes for 32 bits, 10 for 64.  Longer
 * encodings, or ones with bits beyond the width, are KAFKAC_ERR_MALFORMED. */
uint32_t kc_r_uvarint(kc_reader_t *r, const char *field);
uint64_t kc_r_uvarlong(kc_reader_t *r, const char *field);

/* Zigzag-signed varints as used inside record batches. */
static inline int32_t kc_r_varint(kc_reader_t *r, const char *field)
{
    uint32_t u = kc_r_uvarint(r, field);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

static inline int64_t kc_r_varlong(kc_reader_t *r, const char *field)
{
    uint64_t u = kc_r_uvarlong(r, field);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

/* Strings and byte strings.  compact != 0 reads the flexible-version form
 * (unsigned varint length + 1, 0 = null); otherwise an int16 (strings) or
 * int32 (bytes) length, -1 = null.  On return *len is -1 for null (and *p
 * NULL), else the length and *p points into the reader's buffer.  Returns
 * 0, or the sticky error.  A null where the caller does not allow one is
 * the caller's to reject. */
int kc_r_string(kc_reader_t *r, int compact, const char **p, int32_t *len, const char *field);
int kc_r_bytes(kc_reader_t *r, int compact, const uint8_t **p, int32_t *len, const char *field);

/* Array element count (compact: uvarint count+1; else int32; -1 = null).
 * Fails with KAFKAC_ERR_MALFORMED when count * min_elem_size exceeds the
 * bytes left, so a hostile count can never drive a large allocation. */
int32_t kc_r_array_len(kc_reader_t *r, int compact, size_t min_elem_size, const char *field);

/* A reader over the next n bytes; the parent advances past them.  On
 * failure the sub-reader is empty and carries the parent's error. */
kc_reader_t kc_r_sub(kc_reader_t *r, size_t n, const char *field);

/* Fails with KAFKAC_ERR_MALFORMED if any bytes are left unread: a declared
 * size must match what was read. */
int kc_r_expect_end(kc_reader_t *r, const char *field);

/* ------------------------------------------------------------------ */
/* Writer                                                              */

typedef struct kc_writer {
    uint8_t *buf;   /* owned unless fixed */
    size_t len;     /* bytes written */
    size_t cap;     /* bytes allocated */
    int err;        /* sticky: KAFKAC_ERR_NO_MEMORY or KAFKAC_ERR_MSG_SIZE_TOO_LARGE */
    int fixed;      /* 1: buf is the caller's and never grows */
} kc_writer_t;

/* Returns 0 or KAFKAC_ERR_NO_MEMORY.  initial_cap may be 0. */
int  kc_writer_init(kc_writer_t *w, size_t initial_cap);
void kc_writer_init_fixed(kc_writer_t *w, void *buf, size_t cap);
void kc_writer_free(kc_writer_t *w);          /* no-op for fixed writers */
/* Hands over the buffer (caller frees with kc_free); the writer is left empty. */
uint8_t *kc_writer_detach(kc_writer_t *w, size_t *len);
static inline void kc_writer_reset(kc_writer_t *w) { w->len = 0; w->err = 0; }
static inline int kc_w_ok(const kc_writer_t *w) { return w->err == 0; }

/* Slow path of kc_w_ensure; grows the buffer. */
int kc_w_grow(kc_writer_t *w, size_t need);
/* The capacity kc_w_ensure(w, need) would leave w with (its current one
 * if the bytes fit): the one growth rule, so that a caller can account for
 * memory before it is taken (the producer's buffer.memory). */
size_t kc_w_cap_after(const kc_writer_t *w, size_t need);

/* Makes room for n more bytes; returns a pointer to them (not yet counted
 * in len; call kc_w_advance after filling) or NULL on sticky error. */
static inline uint8_t *kc_w_ensure(kc_writer_t *w, size_t n)
{
    if (w->err)
        return NULL;
    if (n > w->cap - w->len && kc_w_grow(w, n) != 0)
        return NULL;
    return w->buf + w->len;
}

static inline void kc_w_advance(kc_writer_t *w, size_t n) { w->len += n; }

static inline void kc_w_raw(kc_writer_t *w, const void *p, size_t n)
{
    uint8_t *d = kc_w_ensure(w, n);
    if (d && n) {
        memcpy(d, p, n);
        w->len += n;
    }
}

static inline void kc_w_i8(kc_writer_t *w, int8_t v)
{
    uint8_t *d = kc_w_ensure(w, 1);
    if (d) {
        d[0] = (uint8_t)v;
        w->len += 1;
    }
}

static inline void kc_be16(uint8_t *d, uint16_t v) { d[0] = (uint8_t)(v >> 8); d[1] = (uint8_t)v; }
static inline void kc_be32(uint8_t *d, uint32_t v)
{
    d[0] = (uint8_t)(v >> 24); d[1] = (uint8_t)(v >> 16); d[2] = (uint8_t)(v >> 8); d[3] = (uint8_t)v;
}
static inline void kc_be64(uint8_t *d, uint64_t v)
{
    kc_be32(d, (uint32_t)(v >> 32));
    kc_be32(d + 4, (uint32_t)v);
}

static inline void kc_w_u16(kc_writer_t *w, uint16_t v)
{
    uint8_t *d = kc_w_ensure(w, 2);
    if (d) { kc_be16(d, v); w->len += 2; }
}
static inline void kc_w_i16(kc_writer_t *w, int16_t v) { kc_w_u16(w, (uint16_t)v); }

static inline void kc_w_u32(kc_writer_t *w, uint32_t v)
{
    uint8_t *d = kc_w_ensure(w, 4);
    if (d) { kc_be32(d, v); w->len += 4; }
}
static inline void kc_w_i32(kc_writer_t *w, int32_t v) { kc_w_u32(w, (uint32_t)v); }

static inline void kc_w_u64(kc_writer_t *w, uint64_t v)
{
    uint8_t *d = kc_w_ensure(w, 8);
    if (d) { kc_be64(d, v); w->len += 8; }
}
static inline void kc_w_i64(kc_writer_t *w, int64_t v) { kc_w_u64(w, (uint64_t)v); }
void kc_w_f64(kc_writer_t *w, double v);

/* Bytes a varint of this value takes (for sizing before writing). */
static inline size_t kc_uvarint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) { v >>= 7; n++; }
    return n;
}
static inline uint64_t kc_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline size_t kc_varint_size(int64_t v) { return kc_uvarint_size(kc_zigzag64(v)); }

static inline void kc_w_uvarlong(kc_writer_t *w, uint64_t v)
{
    uint8_t *d = kc_w_ensure(w, 10);
    if (!d)
        return;
    size_t n = 0;
    while (v >= 0x80) {
        d[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    d[n++] = (uint8_t)v;
    w->len += n;
}
static inline void kc_w_uvarint(kc_writer_t *w, uint32_t v) { kc_w_uvarlong(w, v); }
static inline void kc_w_varlong(kc_writer_t *w, int64_t v) { kc_w_uvarlong(w, kc_zigzag64(v)); }
static inline void kc_w_varint(kc_writer_t *w, int32_t v) { kc_w_uvarlong(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31))); }

/* len -1 writes null.  compact as for the reader. */
void kc_w_string(kc_writer_t *w, int compact, const char *s, int32_t len);
void kc_w_bytes(kc_writer_t *w, int compact, const void *p, int32_t len);
void kc_w_array_len(kc_writer_t *w, int compact, int32_t count);

/* Placeholders: returns the offset of n reserved (zeroed) bytes. */
static inline size_t kc_w_reserve(kc_writer_t *w, size_t n)
{
    size_t off = w->len;
    uint8_t *d = kc_w_ensure(w, n);
    if (d) {
        memset(d, 0, n);
        w->len += n;
    }
    return off;
}
static inline void kc_w_patch_u32(kc_writer_t *w, size_t off, uint32_t v)
{
    if (!w->err && off + 4 <= w->len)
        kc_be32(w->buf + off, v);
}
static inline void kc_w_patch_i32(kc_writer_t *w, size_t off, int32_t v) { kc_w_patch_u32(w, off, (uint32_t)v); }
static inline void kc_w_patch_i16(kc_writer_t *w, size_t off, int16_t v)
{
    if (!w->err && off + 2 <= w->len)
        kc_be16(w->buf + off, (uint16_t)v);
}
static inline void kc_w_patch_i64(kc_writer_t *w, size_t off, int64_t v)
{
    if (!w->err && off + 8 <= w->len)
        kc_be64(w->buf + off, (uint64_t)v);
}

#endif

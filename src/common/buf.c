#include "common/buf.h"
#include "common/mem.h"

double kc_r_f64(kc_reader_t *r, const char *field)
{
    uint64_t u = kc_r_u64(r, field);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

uint64_t kc_r_uvarlong(kc_reader_t *r, const char *field)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        const uint8_t *p = kc_r_raw(r, 1, field);
        if (!p)
            return 0;
        if (shift == 63 && (*p & 0x7e)) {
            kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
            return 0;
        }
        v |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p & 0x80))
            return v;
    }
    kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
    return 0;
}

uint32_t kc_r_uvarint(kc_reader_t *r, const char *field)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        const uint8_t *p = kc_r_raw(r, 1, field);
        if (!p)
            return 0;
        if (shift == 28 && (*p & 0xf0)) {
            kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
            return 0;
        }
        v |= (uint32_t)(*p & 0x7f) << shift;
        if (!(*p & 0x80))
            return v;
    }
    kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
    return 0;
}

/* Shared by strings and bytes: they differ only in the width of the
 * non-compact length prefix. */
static int read_lenpref(kc_reader_t *r, int compact, int wide, const uint8_t **p, int32_t *len,
                        const char *field)
{
    int64_t n;
    if (compact) {
        uint32_t u = kc_r_uvarint(r, field);
        n = (int64_t)u - 1;
    } else {
        n = wide ? kc_r_i32(r, field) : kc_r_i16(r, field);
    }
    *p = NULL;
    *len = -1;
    if (r->err)
        return r->err;
    if (n < -1 || n > INT32_MAX) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
        return r->err;
    }
    if (n == -1)
        return 0;
    const uint8_t *d = kc_r_raw(r, (size_t)n, field);
    if (!d)
        return r->err;
    *p = d;
    *len = (int32_t)n;
    return 0;
}

int kc_r_string(kc_reader_t *r, int compact, const char **p, int32_t *len, const char *field)
{
    return read_lenpref(r, compact, 0, (const uint8_t **)p, len, field);
}

int kc_r_bytes(kc_reader_t *r, int compact, const uint8_t **p, int32_t *len, const char *field)
{
    return read_lenpref(r, compact, 1, p, len, field);
}

int32_t kc_r_array_len(kc_reader_t *r, int compact, size_t min_elem_size, const char *field)
{
    int64_t n;
    if (compact)
        n = (int64_t)kc_r_uvarint(r, field) - 1;
    else
        n = kc_r_i32(r, field);
    if (r->err)
        return 0;
    if (n < -1 || n > INT32_MAX) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
        return 0;
    }
    if (n > 0 && min_elem_size > 0 && (uint64_t)n > kc_r_remaining(r) / min_elem_size) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
        return 0;
    }
    return (int32_t)n;
}

kc_reader_t kc_r_sub(kc_reader_t *r, size_t n, const char *field)
{
    kc_reader_t sub;
    const uint8_t *p = kc_r_raw(r, n, field);
    kc_reader_init(&sub, p, p ? n : 0);
    if (!p) {
        sub.err = r->err;
        sub.err_field = r->err_field;
    }
    return sub;
}

int kc_r_expect_end(kc_reader_t *r, const char *field)
{
    if (!r->err && r->pos != r->len)
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
    return r->err;
}

/* ------------------------------------------------------------------ */

int kc_writer_init(kc_writer_t *w, size_t initial_cap)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
    w->err = 0;
    w->fixed = 0;
    if (initial_cap) {
        w->buf = kc_malloc(initial_cap);
        if (!w->buf) {
            w->err = KAFKAC_ERR_NO_MEMORY;
            return w->err;
        }
        w->cap = initial_cap;
    }
    return 0;
}

void kc_writer_init_fixed(kc_writer_t *w, void *buf, size_t cap)
{
    w->buf = buf;
    w->len = 0;
    w->cap = cap;
    w->err = 0;
    w->fixed = 1;
}

void kc_writer_free(kc_writer_t *w)
{
    if (!w->fixed)
        kc_free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

uint8_t *kc_writer_detach(kc_writer_t *w, size_t *len)
{
    uint8_t *b = w->buf;
    if (len)
        *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

size_t kc_w_cap_after(const kc_writer_t *w, size_t need)
{
    if (w->cap - w->len >= need)
        return w->cap;
    if (need > SIZE_MAX / 2 - w->len)
        return SIZE_MAX;   /* kc_w_grow refuses it */
    size_t cap = w->cap ? w->cap : 64;
    while (cap - w->len < need)
        cap *= 2;
    return cap;
}

int kc_w_grow(kc_writer_t *w, size_t need)
{
    if (w->err)
        return w->err;
    if (w->fixed || need > SIZE_MAX / 2 - w->len) {
        w->err = KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
        return w->err;
    }
    size_t cap = kc_w_cap_after(w, need);
    uint8_t *b = kc_realloc(w->buf, cap);
    if (!b) {
        w->err = KAFKAC_ERR_NO_MEMORY;
        return w->err;
    }
    w->buf = b;
    w->cap = cap;
    return 0;
}

void kc_w_f64(kc_writer_t *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    kc_w_u64(w, u);
}

static void write_lenpref(kc_writer_t *w, int compact, int wide, const void *p, int32_t len)
{
    if (len < 0) {
        if (compact)
            kc_w_uvarint(w, 0);
        else if (wide)
            kc_w_i32(w, -1);
        else
            kc_w_i16(w, -1);
        return;
    }
    if (compact)
        kc_w_uvarint(w, (uint32_t)len + 1);
    else if (wide)
        kc_w_i32(w, len);
    else if (len > INT16_MAX) {
        if (!w->err)
            w->err = KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
        return;
    } else
        kc_w_i16(w, (int16_t)len);
    kc_w_raw(w, p, (size_t)len);
}

void kc_w_string(kc_writer_t *w, int compact, const char *s, int32_t len)
{
    write_lenpref(w, compact, 0, s, len);
}

void kc_w_bytes(kc_writer_t *w, int compact, const void *p, int32_t len)
{
    write_lenpref(w, compact, 1, p, len);
}

void kc_w_array_len(kc_writer_t *w, int compact, int32_t count)
{
    if (compact)
        kc_w_uvarint(w, count < 0 ? 0 : (uint32_t)count + 1);
    else
        kc_w_i32(w, count < 0 ? -1 : count);
}

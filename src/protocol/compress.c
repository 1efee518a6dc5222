/* Codec names and levels, the dispatcher behind kc_compress() and
 * kc_decompress(), and the bounded output every decompressor writes
 * through.  The codecs themselves live in compress_<codec>.c. */
#include "protocol/compress.h"

#include <string.h>

#include "kafkac/error.h"
#include "protocol/compress_codecs.h"

/* Indexed by the attribute bits' codec number. */
static const char *const codec_names[] = { "none", "gzip", "snappy", "lz4", "zstd" };

const char *kc_codec_name(int codec)
{
    if (codec < 0 || codec >= (int)(sizeof codec_names / sizeof codec_names[0]))
        return NULL;
    return codec_names[codec];
}

/* Exact, lower-case names, as compression.type takes them in the Java
 * client. */
int kc_codec_parse(const char *name, kc_codec_t *codec)
{
    if (!name || !codec)
        return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
    for (int i = 0; i < (int)(sizeof codec_names / sizeof codec_names[0]); i++) {
        if (strcmp(name, codec_names[i]) == 0) {
            *codec = (kc_codec_t)i;
            return 0;
        }
    }
    return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
}


/* ---- bounded output ---------------------------------------------------- */

void kc_bout_init(kc_bounded_out_t *b, kc_writer_t *w, size_t max_out, size_t size_hint)
{
    b->w = w;
    b->limit = max_out > SIZE_MAX - w->len ? SIZE_MAX : w->len + max_out;
    /* Start near the expected size, but never huge on a hostile hint:
     * it only decides the first allocation, later ones double. */
    if (size_hint < 4096)
        size_hint = 4096;
    if (size_hint > (64u << 20))
        size_hint = 64u << 20;
    b->next_grow = size_hint;
    b->probe = 0;
    b->probing = 0;
}

int kc_bout_room(kc_bounded_out_t *b, uint8_t **dst, size_t *cap)
{
    kc_writer_t *w = b->w;
    if (w->err)
        return w->err;
    if (w->len >= b->limit) {
        b->probing = 1;
        *dst = &b->probe;
        *cap = 1;
        return 0;
    }
    b->probing = 0;
    size_t left = b->limit - w->len;
    size_t have = w->cap - w->len;
    if (have == 0) {
        size_t want = b->next_grow < left ? b->next_grow : left;
        if (!kc_w_ensure(w, want))
            return w->err;
        have = w->cap - w->len;
        if (b->next_grow <= SIZE_MAX / 2)
            b->next_grow *= 2;
    }
    *dst = w->buf + w->len;
    *cap = have < left ? have : left;
    return 0;
}

int kc_bout_commit(kc_bounded_out_t *b, size_t n)
{
    if (b->probing)
        return n ? KAFKAC_ERR_DECOMPRESSION_LIMIT : 0;
    kc_w_advance(b->w, n);
    return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

/* What both directions check first; *src gets in, or a valid pointer for
 * an empty input (codec libraries dislike NULL). */
static int check_args(kc_codec_t codec, const void *in, size_t len, const kc_writer_t *out, const uint8_t **src)
{
    static const uint8_t nothing[1];
    if (!out || (!in && len))
        return KAFKAC_ERR_INVALID_ARG;
    if (out->err)
        return out->err;
    if ((unsigned)codec > KC_CODEC_ZSTD)
        return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
    *src = len ? in : nothing;
    return 0;
}

int kc_compress(kc_codec_t codec, int level, int legacy_lz4, const void *in, size_t len,
                kc_writer_t *out)
{
    const uint8_t *src;
    int rc = check_args(codec, in, len, out, &src);
    if (rc != 0)
        return rc;
    if (kc_codec_level_valid(codec, level, NULL) != 0)
        return KAFKAC_ERR_INVALID_ARG;
    size_t start = out->len;
    switch (codec) {
    case KC_CODEC_NONE:
        kc_w_raw(out, src, len);
        rc = out->err;
        break;
    case KC_CODEC_GZIP:
        rc = kc_gzip_compress(level, src, len, out);
        break;
    case KC_CODEC_SNAPPY:
        rc = kc_snappy_compress(src, len, out);
        break;
    case KC_CODEC_LZ4:
        rc = kc_lz4_compress(level, legacy_lz4, src, len, out);
        break;
    case KC_CODEC_ZSTD:
    default:
        rc = kc_zstd_compress(level, src, len, out);
        break;
    }
    if (rc != 0)
        out->len = start;
    return rc;
}

int kc_decompress(kc_codec_t codec, int legacy_lz4, const void *in, size_t len, size_t max_out,
                  kc_writer_t *out)
{
    const uint8_t *src;
    int rc = check_args(codec, in, len, out, &src);
    if (rc != 0)
        return rc;
    size_t start = out->len;
    kc_bounded_out_t b;
    kc_bout_init(&b, out, max_out, len <= SIZE_MAX / 4 ? len * 4 : len);
    switch (codec) {
    case KC_CODEC_NONE:
        if (len > max_out) {
            rc = KAFKAC_ERR_DECOMPRESSION_LIMIT;
        } else {
            kc_w_raw(out, src, len);
            rc = out->err;
        }
        break;
    case KC_CODEC_GZIP:
        rc = kc_gzip_decompress(src, len, &b);
        break;
    case KC_CODEC_SNAPPY:
        rc = kc_snappy_decompress(src, len, &b);
        break;
    case KC_CODEC_LZ4:
        rc = kc_lz4_decompress(legacy_lz4, src, len, &b);
        break;
    case KC_CODEC_ZSTD:
    default:
        rc = kc_zstd_decompress(src, len, &b);
        break;
    }
    if (rc != 0)
        out->len = start;
    return rc;
}

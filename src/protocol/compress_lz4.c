/* LZ4 frames (the LZ4 frame format, magic 0x184D2204) through liblz4.
 *
 * Frame header:  magic(4) FLG(1) BD(1) [content size(8)] [dict id(4)] HC(1)
 * HC is the second byte of XXH32(seed 0) over the descriptor, i.e. FLG up
 * to the byte before HC.  Kafka's first LZ4 code (message format v0/v1)
 * hashed from the magic instead, and brokers keep that behaviour for those
 * formats (KAFKA-3160), so `legacy` means:
 *   writing: patch HC to the hash over magic..BD;
 *   reading: accept that HC (and, leniently, the correct one), and hand
 *            liblz4 a copy of the header with the correct HC.
 *
 * We write what the Java client writes: 64 KiB independent blocks, no
 * block or content checksums, no content size. */
#include <lz4frame.h>
#include <string.h>

#include "kafkac/error.h"
#include "protocol/compress.h"
#include "protocol/codec_cache.h"
#include "protocol/compress_codecs.h"

#define LZ4_MAGIC 0x184D2204u
#define FLG_CONTENT_SIZE 0x08
#define FLG_DICT_ID 0x01
#define MAX_HEADER 19 /* 4 + 2 + 8 + 4 + 1 */

/* XXH32, as the frame format specifies; only ever run over a header. */
static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t xxh32(const uint8_t *p, size_t len, uint32_t seed)
{
    const uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                   P5 = 374761393u;
    const uint8_t *end = p + len;
    uint32_t h;
    if (len >= 16) {
        uint32_t v[4] = { seed + P1 + P2, seed + P2, seed, seed - P1 };
        while (end - p >= 16) {
            for (int i = 0; i < 4; i++, p += 4)
                v[i] = rotl32(v[i] + le32(p) * P2, 13) * P1;
        }
        h = rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) + rotl32(v[3], 18);
    } else {
        h = seed + P5;
    }
    h += (uint32_t)len;
    for (; end - p >= 4; p += 4)
        h = rotl32(h + le32(p) * P3, 17) * P4;
    for (; p < end; p++)
        h = rotl32(h + *p * P5, 11) * P1;
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    h ^= h >> 16;
    return h;
}

static uint8_t header_checksum(const uint8_t *hdr, size_t hdr_len, int legacy)
{
    /* Covers everything before HC; the correct form skips the magic. */
    size_t from = legacy ? 0 : 4;
    return (uint8_t)(xxh32(hdr + from, hdr_len - 1 - from, 0) >> 8);
}

/* Length of the frame header at p (HC included), or 0 if p does not start
 * a complete LZ4 frame header. */
static size_t header_length(const uint8_t *p, size_t len)
{
    if (len < 7 || le32(p) != LZ4_MAGIC)
        return 0;
    size_t n = 7 + ((p[4] & FLG_CONTENT_SIZE) ? 8 : 0) + ((p[4] & FLG_DICT_ID) ? 4 : 0);
    return n <= len ? n : 0;
}

int kc_lz4_compress(int level, int legacy, const uint8_t *in, size_t len, kc_writer_t *out)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.compressionLevel = level == KC_COMPRESSION_LEVEL_DEFAULT ? 0 : level;

    /* Room for the header, the data and the end mark of one frame. */
    size_t bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(len, &prefs);
    uint8_t *d = kc_w_ensure(out, bound);
    if (!d)
        return out->err;
    /* One frame through the thread's reused context (begin, one update,
     * end): the same bytes as LZ4F_compressFrame, without allocating a
     * context per batch. */
    LZ4F_cctx *cctx = kc_codec_ctx(KC_CTX_LZ4_COMPRESS);
    if (!cctx)
        return KAFKAC_ERR_NO_MEMORY;
    size_t h = LZ4F_compressBegin(cctx, d, bound, &prefs);
    if (LZ4F_isError(h))
        return KAFKAC_ERR_COMPRESSION;
    size_t b = LZ4F_compressUpdate(cctx, d + h, bound - h, in, len, NULL);
    if (LZ4F_isError(b))
        return KAFKAC_ERR_COMPRESSION;
    size_t e = LZ4F_compressEnd(cctx, d + h + b, bound - h - b, NULL);
    if (LZ4F_isError(e))
        return KAFKAC_ERR_COMPRESSION;
    size_t n = h + b + e;
    size_t hdr = header_length(d, n);
    if (hdr == 0)
        return KAFKAC_ERR_COMPRESSION;
    if (legacy)
        d[hdr - 1] = header_checksum(d, hdr, 1);
    kc_w_advance(out, n);
    return 0;
}

int kc_lz4_decompress(int legacy, const uint8_t *in, size_t len, kc_bounded_out_t *out)
{
    /* Input arrives in up to two pieces: a repaired header, then the rest. */
    uint8_t fixed[MAX_HEADER];
    const uint8_t *piece[2] = { in, NULL };
    size_t piece_len[2] = { len, 0 };
    if (legacy) {
        size_t hdr = header_length(in, len);
        if (hdr == 0)
            return KAFKAC_ERR_COMPRESSION;
        uint8_t want_legacy = header_checksum(in, hdr, 1);
        uint8_t want_correct = header_checksum(in, hdr, 0);
        if (in[hdr - 1] != want_legacy && in[hdr - 1] != want_correct)
            return KAFKAC_ERR_COMPRESSION;
        memcpy(fixed, in, hdr);
        fixed[hdr - 1] = want_correct;
        piece[0] = fixed;
        piece_len[0] = hdr;
        piece[1] = in + hdr;
        piece_len[1] = len - hdr;
    }
    if (len == 0)
        return KAFKAC_ERR_COMPRESSION;

    /* The thread's reused context, reset in case a previous input left
     * it mid-frame. */
    LZ4F_dctx *ctx = kc_codec_ctx(KC_CTX_LZ4_DECOMPRESS);
    if (!ctx)
        return KAFKAC_ERR_NO_MEMORY;
    LZ4F_resetDecompressionContext(ctx);
    int rc = 0;
    int k = 0;
    const uint8_t *src = piece[0];
    size_t src_left = piece_len[0];
    for (;;) {
        if (src_left == 0 && k == 0 && piece_len[1] > 0) {
            k = 1;
            src = piece[1];
            src_left = piece_len[1];
        }
        uint8_t *dst;
        size_t cap;
        rc = kc_bout_room(out, &dst, &cap);
        if (rc != 0)
            break;
        size_t dst_n = cap, src_n = src_left;
        size_t hint = LZ4F_decompress(ctx, dst, &dst_n, src, &src_n, NULL);
        if (LZ4F_isError(hint)) {
            rc = KAFKAC_ERR_COMPRESSION;
            break;
        }
        rc = kc_bout_commit(out, dst_n);
        if (rc != 0)
            break;
        src += src_n;
        src_left -= src_n;
        int input_done = src_left == 0 && (k == 1 || piece_len[1] == 0);
        if (hint == 0 && input_done)
            break; /* frame complete, nothing after it */
        if (dst_n == 0 && src_n == 0) {
            /* No progress with room to write: the input ended mid-frame. */
            rc = KAFKAC_ERR_COMPRESSION;
            break;
        }
        /* hint == 0 with input left: another frame follows; liblz4 resets
         * itself for it. */
    }
    return rc;
}

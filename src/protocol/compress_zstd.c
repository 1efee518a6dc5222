/* zstd frames through libzstd.  Compression is one-shot into a buffer of
 * ZSTD_compressBound; decompression streams so that output can be cut at
 * the limit no matter what the frame header claims. */
#include <zstd.h>
#include <zstd_errors.h>

#include "kafkac/error.h"
#include "protocol/compress.h"
#include "protocol/codec_cache.h"
#include "protocol/compress_codecs.h"

static int zstd_error(size_t r)
{
    return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? KAFKAC_ERR_NO_MEMORY
                                                                 : KAFKAC_ERR_COMPRESSION;
}

int kc_zstd_compress(int level, const uint8_t *in, size_t len, kc_writer_t *out)
{
    size_t bound = ZSTD_compressBound(len);
    uint8_t *d = kc_w_ensure(out, bound);
    if (!d)
        return out->err;
    /* 0 is libzstd's "default level". */
    int zlevel = level == KC_COMPRESSION_LEVEL_DEFAULT ? 0 : level;
    ZSTD_CCtx *cctx = kc_codec_ctx(KC_CTX_ZSTD_COMPRESS);
    if (!cctx)
        return KAFKAC_ERR_NO_MEMORY;
    size_t n = ZSTD_compressCCtx(cctx, d, bound, in, len, zlevel);
    if (ZSTD_isError(n))
        return zstd_error(n);
    kc_w_advance(out, n);
    return 0;
}

int kc_zstd_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out)
{
    if (len == 0)
        return KAFKAC_ERR_COMPRESSION;
    /* A frame that states its size lets the first allocation be exact;
     * the bounded output still stops a lie at the limit. */
    unsigned long long content = ZSTD_getFrameContentSize(in, len);
    if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR &&
        content < out->next_grow)
        out->next_grow = content ? (size_t)content : 1;

    ZSTD_DCtx *ctx = kc_codec_ctx(KC_CTX_ZSTD_DECOMPRESS);
    if (!ctx)
        return KAFKAC_ERR_NO_MEMORY;
    ZSTD_DCtx_reset(ctx, ZSTD_reset_session_only);
    ZSTD_inBuffer src = { in, len, 0 };
    int rc = 0;
    for (;;) {
        uint8_t *dst;
        size_t cap;
        rc = kc_bout_room(out, &dst, &cap);
        if (rc != 0)
            break;
        ZSTD_outBuffer o = { dst, cap, 0 };
        size_t in_before = src.pos;
        size_t r = ZSTD_decompressStream(ctx, &o, &src);
        if (ZSTD_isError(r)) {
            rc = zstd_error(r);
            break;
        }
        rc = kc_bout_commit(out, o.pos);
        if (rc != 0)
            break;
        if (src.pos == src.size && r == 0)
            break; /* last frame complete */
        if (o.pos == 0 && src.pos == in_before) {
            /* No progress with room to write: the input ended mid-frame. */
            rc = KAFKAC_ERR_COMPRESSION;
            break;
        }
        /* r == 0 with input left: the next frame starts; the context
         * carries on by itself. */
    }
    return rc;
}

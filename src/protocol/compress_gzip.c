/* gzip (RFC 1952) through zlib.  zlib allocates through kc_malloc so the
 * failing-allocator tests reach its out-of-memory paths too. */
#include <limits.h>
#include <zlib.h>

#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/compress.h"
#include "protocol/compress_codecs.h"

#define GZIP_WINDOW_BITS (15 + 16) /* 32 KiB window, gzip wrapper */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return kc_malloc((size_t)items * size); /* both uInt: cannot overflow size_t */
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    kc_free(p);
}

static int z_error(int zrc)
{
    return zrc == Z_MEM_ERROR ? KAFKAC_ERR_NO_MEMORY : KAFKAC_ERR_COMPRESSION;
}

/* zlib counts in uInt; larger buffers are fed in pieces. */
static uInt clamp_uint(size_t n) { return n > UINT_MAX ? UINT_MAX : (uInt)n; }

int kc_gzip_compress(int level, const uint8_t *in, size_t len, kc_writer_t *out)
{
    z_stream zs = { .zalloc = z_alloc, .zfree = z_free };
    int zlevel = level == KC_COMPRESSION_LEVEL_DEFAULT ? Z_DEFAULT_COMPRESSION : level;
    int zrc = deflateInit2(&zs, zlevel, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY);
    if (zrc != Z_OK)
        return z_error(zrc);

    size_t left = len;
    int rc = 0;
    zs.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const-correct */
    for (;;) {
        if (zs.avail_in == 0 && left) {
            zs.avail_in = clamp_uint(left);
            left -= zs.avail_in;
        }
        /* deflateBound covers the rest in one go, so a normal batch takes
         * a single deflate() call. */
        size_t want = deflateBound(&zs, zs.avail_in + left);
        if (!kc_w_ensure(out, want)) {
            rc = out->err;
            break;
        }
        zs.next_out = out->buf + out->len;
        zs.avail_out = clamp_uint(out->cap - out->len);
        uInt room = zs.avail_out;
        zrc = deflate(&zs, left ? Z_NO_FLUSH : Z_FINISH);
        kc_w_advance(out, room - zs.avail_out);
        if (zrc == Z_STREAM_END)
            break;
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = z_error(zrc);
            break;
        }
    }
    deflateEnd(&zs);
    return rc;
}

/* Accepts one or more concatenated gzip members (GZIPInputStream does
 * too); anything after the last member that is not a gzip header is an
 * error. */
int kc_gzip_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out)
{
    z_stream zs = { .zalloc = z_alloc, .zfree = z_free };
    int zrc = inflateInit2(&zs, GZIP_WINDOW_BITS);
    if (zrc != Z_OK)
        return z_error(zrc);

    size_t left = len;
    int rc = 0;
    zs.next_in = (Bytef *)(uintptr_t)in;
    if (len == 0)
        rc = KAFKAC_ERR_COMPRESSION; /* not even a header */
    while (rc == 0) {
        if (zs.avail_in == 0 && left) {
            zs.avail_in = clamp_uint(left);
            left -= zs.avail_in;
        }
        uint8_t *dst;
        size_t cap;
        rc = kc_bout_room(out, &dst, &cap);
        if (rc != 0)
            break;
        zs.next_out = dst;
        zs.avail_out = clamp_uint(cap);
        uInt room = zs.avail_out;
        uInt in_before = zs.avail_in;
        zrc = inflate(&zs, Z_NO_FLUSH);
        size_t produced = room - zs.avail_out;
        if (zrc == Z_NEED_DICT || zrc == Z_DATA_ERROR || zrc == Z_STREAM_ERROR ||
            zrc == Z_MEM_ERROR) {
            rc = z_error(zrc);
            break;
        }
        rc = kc_bout_commit(out, produced);
        if (rc != 0)
            break;
        if (zrc == Z_STREAM_END) {
            if (zs.avail_in == 0 && left == 0)
                break;
            zrc = inflateReset(&zs); /* another member follows */
            if (zrc != Z_OK)
                rc = z_error(zrc);
        } else if (produced == 0 && zs.avail_in == in_before) {
            /* With room to write, no progress means the input ended
             * inside the stream. */
            rc = KAFKAC_ERR_COMPRESSION;
        }
    }
    inflateEnd(&zs);
    return rc;
}

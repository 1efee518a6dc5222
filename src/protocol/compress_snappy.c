/* Snappy, in the framing the Java client uses (snappy-java's
 * SnappyOutputStream, "xerial"):
 *
 *   magic    8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *   version  int32    1
 *   compat   int32    1   (oldest reader version that understands this)
 *   then blocks:  int32 compressed length, raw snappy block
 *
 * Each block holds at most 32 KiB of input, as SnappyOutputStream's
 * default block size.  Readers also see plain raw snappy (one block, no
 * header) from some clients, so we accept both.  A stream may also hold
 * several concatenated xerial streams (snappy-java reads those too). */
#include <snappy-c.h>
#include <string.h>

#include "kafkac/error.h"
#include "protocol/compress_codecs.h"

#define XERIAL_BLOCK (32 * 1024)
#define XERIAL_HEADER_LEN 16
static const uint8_t xerial_magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };

int kc_snappy_compress(const uint8_t *in, size_t len, kc_writer_t *out)
{
    kc_w_raw(out, xerial_magic, sizeof xerial_magic);
    kc_w_i32(out, 1);
    kc_w_i32(out, 1);
    for (size_t pos = 0; pos < len && out->err == 0;) {
        size_t n = len - pos < XERIAL_BLOCK ? len - pos : XERIAL_BLOCK;
        size_t bound = snappy_max_compressed_length(n);
        uint8_t *d = kc_w_ensure(out, 4 + bound);
        if (!d)
            break;
        size_t clen = bound;
        if (snappy_compress((const char *)in + pos, n, (char *)d + 4, &clen) != SNAPPY_OK)
            return KAFKAC_ERR_COMPRESSION;
        kc_be32(d, (uint32_t)clen);
        kc_w_advance(out, 4 + clen);
        pos += n;
    }
    return out->err;
}

/* One raw snappy block.  The block states its uncompressed length up
 * front, so the limit is checked before anything is allocated. */
static int raw_block(const uint8_t *blk, size_t n, kc_bounded_out_t *out)
{
    size_t ulen;
    if (snappy_uncompressed_length((const char *)blk, n, &ulen) != SNAPPY_OK)
        return KAFKAC_ERR_COMPRESSION;
    if (ulen > kc_bout_left(out))
        return KAFKAC_ERR_DECOMPRESSION_LIMIT;
    if (ulen == 0) /* nothing to write, but the block must still be well formed */
        return snappy_validate_compressed_buffer((const char *)blk, n) == SNAPPY_OK
                   ? 0 : KAFKAC_ERR_COMPRESSION;
    uint8_t *d = kc_w_ensure(out->w, ulen);
    if (!d)
        return out->w->err;
    if (snappy_uncompress((const char *)blk, n, (char *)d, &ulen) != SNAPPY_OK)
        return KAFKAC_ERR_COMPRESSION;
    kc_w_advance(out->w, ulen);
    return 0;
}

static int at_xerial_header(const kc_reader_t *r)
{
    return kc_r_remaining(r) >= sizeof xerial_magic &&
           memcmp(r->buf + r->pos, xerial_magic, sizeof xerial_magic) == 0;
}

int kc_snappy_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out)
{
    kc_reader_t r;
    kc_reader_init(&r, in, len);
    if (len < XERIAL_HEADER_LEN || !at_xerial_header(&r))
        return raw_block(in, len, out);

    while (kc_r_remaining(&r) > 0) {
        if (at_xerial_header(&r)) {
            /* Versions are not checked: format 1 is the only one there is,
             * and snappy-java does not reject others either. */
            kc_r_skip(&r, XERIAL_HEADER_LEN, "xerial header");
            if (!kc_r_ok(&r))
                return KAFKAC_ERR_COMPRESSION; /* magic with the versions cut off */
            continue;
        }
        uint32_t n = kc_r_u32(&r, "xerial block length");
        const uint8_t *blk = kc_r_raw(&r, n, "xerial block");
        if (!kc_r_ok(&r))
            return KAFKAC_ERR_COMPRESSION;
        int rc = raw_block(blk, n, out);
        if (rc != 0)
            return rc;
    }
    return kc_r_ok(&r) ? 0 : KAFKAC_ERR_COMPRESSION;
}

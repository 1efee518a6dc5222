/* Compression codecs of Kafka record batches, as the attribute bits name
 * them: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
 *
 * Wire formats:
 *   gzip   - gzip (RFC 1952) streams, via zlib.
 *   snappy - the Java client writes "xerial" framing (magic
 *            "\x82SNAPPY\0", version, compatible version, then blocks of
 *            int32 length + raw snappy).  We write xerial; we read xerial
 *            and plain raw snappy (what some clients send).
 *   lz4    - LZ4 frame format.  Message format v0 (magic 0) is written
 *            with a wrong frame-header checksum (computed over the magic
 *            too); `legacy_lz4` selects that variant for both directions,
 *            as Kafka does.  Magic 1 and 2 use the correct checksum
 *            (KIP-57; the Java client 3.9 writes 0x1a vs 0x82 for the
 *            same header).
 *   zstd   - zstd frames.
 *
 * Decompression is bounded: output beyond max_out fails with
 * KAFKAC_ERR_DECOMPRESSION_LIMIT, so a small hostile batch cannot expand
 * into gigabytes. */
#ifndef KC_COMPRESS_H
#define KC_COMPRESS_H
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"
/* kc_codec_t, KC_COMPRESSION_LEVEL_DEFAULT and kc_codec_level_valid: the
 * compression.type / .level values, which the configuration checks. */
#include "common/config_values.h"

/* "none", "gzip", "snappy", "lz4", "zstd"; NULL for others. */
const char *kc_codec_name(int codec);
/* Returns 0 and sets *codec, or KAFKAC_ERR_UNSUPPORTED_COMPRESSION. */
int kc_codec_parse(const char *name, kc_codec_t *codec);

/* Appends the compressed form of in[0..len) to out.  Returns 0 or an
 * error (KAFKAC_ERR_COMPRESSION, KAFKAC_ERR_NO_MEMORY). */
int kc_compress(kc_codec_t codec, int level, int legacy_lz4, const void *in, size_t len,
                kc_writer_t *out);

/* Appends the decompressed form of in[0..len) to out, failing with
 * KAFKAC_ERR_DECOMPRESSION_LIMIT if it would exceed max_out bytes, or
 * KAFKAC_ERR_COMPRESSION if the input is not valid for the codec. */
int kc_decompress(kc_codec_t codec, int legacy_lz4, const void *in, size_t len, size_t max_out,
                  kc_writer_t *out);

#endif

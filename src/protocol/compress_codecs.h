/* Internal to src/protocol/compress*.c: one compress/decompress pair per
 * codec behind kc_compress()/kc_decompress(), and the bounded output the
 * decompressors share.
 *
 * Contract for every function here: it appends to the writer and returns
 * 0 or a kafkac_err_t.  On failure it may leave partial output behind;
 * kc_compress()/kc_decompress() cut the writer back to where it started.
 * Inputs and the writer are checked by the dispatcher, not here. */
#ifndef KC_COMPRESS_CODECS_H
#define KC_COMPRESS_CODECS_H
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"

/* Where a decompressor writes: the caller's writer, never past `limit`
 * (an absolute w->len).  Once the limit is reached the decompressor is
 * handed a one-byte probe instead: if the stream still produces a byte,
 * the output was too large; if it ends, the output fit exactly. */
typedef struct kc_bounded_out {
    kc_writer_t *w;   /* borrowed */
    size_t limit;     /* w->len must never exceed this */
    size_t next_grow; /* bytes to ask for when the writer is full */
    uint8_t probe;
    int probing;      /* the last room handed out was the probe */
} kc_bounded_out_t;

void kc_bout_init(kc_bounded_out_t *b, kc_writer_t *w, size_t max_out, size_t size_hint);
/* Room for the next piece of output: sets *dst and *cap (>= 1).  Returns 0
 * or KAFKAC_ERR_NO_MEMORY. */
int kc_bout_room(kc_bounded_out_t *b, uint8_t **dst, size_t *cap);
/* Counts n bytes written into the last room.  Returns 0, or
 * KAFKAC_ERR_DECOMPRESSION_LIMIT if they went into the probe. */
int kc_bout_commit(kc_bounded_out_t *b, size_t n);
/* Bytes the output may still take before the limit. */
static inline size_t kc_bout_left(const kc_bounded_out_t *b) { return b->limit - b->w->len; }

/* level is already validated; KC_COMPRESSION_LEVEL_DEFAULT means the
 * library's default. */
int kc_gzip_compress(int level, const uint8_t *in, size_t len, kc_writer_t *out);
int kc_gzip_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out);

int kc_snappy_compress(const uint8_t *in, size_t len, kc_writer_t *out);
int kc_snappy_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out);

int kc_lz4_compress(int level, int legacy, const uint8_t *in, size_t len, kc_writer_t *out);
int kc_lz4_decompress(int legacy, const uint8_t *in, size_t len, kc_bounded_out_t *out);

int kc_zstd_compress(int level, const uint8_t *in, size_t len, kc_writer_t *out);
int kc_zstd_decompress(const uint8_t *in, size_t len, kc_bounded_out_t *out);

#endif

/* The body of the four fuzz_decompress_<codec>.c targets (the Makefile
 * builds one libFuzzer target per fuzz_*.c file, so each codec has a file
 * of its own that names FUZZ_CODEC and includes this).
 *
 * Arbitrary bytes go through the codec's decompressor with a small output
 * limit.  It must never crash, leak or overrun; a failure leaves the
 * output writer untouched; when the input does decode, recompressing the
 * output and decompressing that must give the output back.  lz4 runs both
 * frame variants (Kafka's correct header checksum, and the broken one of
 * magic 0/1 message sets); the flag means nothing to the other codecs. */
#ifndef FUZZ_DECOMPRESS_H
#define FUZZ_DECOMPRESS_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "kafkac/error.h"
#include "protocol/compress.h"

#ifndef FUZZ_CODEC
#error "define FUZZ_CODEC (a kc_codec_t) before including fuzz_decompress.h"
#endif

#define MAX_OUT (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(kc_codec_t codec, const uint8_t *data, size_t size, int legacy)
{
    kc_writer_t out, again, back;
    if (kc_writer_init(&out, 0) != 0)
        abort();
    int rc = kc_decompress(codec, legacy, data, size, MAX_OUT, &out);
    if (rc != 0 && rc != KAFKAC_ERR_COMPRESSION && rc != KAFKAC_ERR_DECOMPRESSION_LIMIT)
        abort();
    if (rc != 0 && out.len != 0)
        abort(); /* a failure leaves the writer as it was */
    if (rc == 0) {
        if (out.len > MAX_OUT || kc_writer_init(&again, 0) != 0 || kc_writer_init(&back, 0) != 0)
            abort();
        if (kc_compress(codec, KC_COMPRESSION_LEVEL_DEFAULT, legacy, out.buf, out.len, &again) != 0 ||
            kc_decompress(codec, legacy, again.buf, again.len, MAX_OUT, &back) != 0 ||
            back.len != out.len || (out.len && memcmp(back.buf, out.buf, out.len) != 0))
            abort();
        kc_writer_free(&again);
        kc_writer_free(&back);
    }
    kc_writer_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(FUZZ_CODEC, data, size, 0);
    if (FUZZ_CODEC == KC_CODEC_LZ4)
        check(FUZZ_CODEC, data, size, 1); /* the same bytes through the other header-checksum variant */
    return 0;
}

#endif

/* libFuzzer target: arbitrary bytes through the zstd decompressor with
 * a small output limit.  Must never crash, leak or overrun; when the
 * input does decode, recompressing the output must give it back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "kafkac/error.h"
#include "protocol/compress.h"

#define MAX_OUT (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, int legacy)
{
    kc_writer_t out, again, back;
    if (kc_writer_init(&out, 0) != 0)
        abort();
    int rc = kc_decompress(KC_CODEC_ZSTD, legacy, data, size, MAX_OUT, &out);
    if (rc != 0 && rc != KAFKAC_ERR_COMPRESSION && rc != KAFKAC_ERR_DECOMPRESSION_LIMIT)
        abort();
    if (rc != 0 && out.len != 0)
        abort(); /* a failure leaves the writer as it was */
    if (rc == 0) {
        if (out.len > MAX_OUT || kc_writer_init(&again, 0) != 0 || kc_writer_init(&back, 0) != 0)
            abort();
        if (kc_compress(KC_CODEC_ZSTD, KC_COMPRESSION_LEVEL_DEFAULT, legacy, out.buf, out.len,
                        &again) != 0 ||
            kc_decompress(KC_CODEC_ZSTD, legacy, again.buf, again.len, MAX_OUT, &back) != 0 ||
            back.len != out.len || (out.len && memcmp(back.buf, out.buf, out.len) != 0))
            abort();
        kc_writer_free(&again);
        kc_writer_free(&back);
    }
    kc_writer_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, 0);
    return 0;
}

/* libFuzzer target: the zstd decompressor (body in fuzz_decompress.h). */
#define FUZZ_CODEC KC_CODEC_ZSTD
#include "fuzz_decompress.h"

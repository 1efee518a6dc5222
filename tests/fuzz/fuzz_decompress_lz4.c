/* libFuzzer target: the lz4 decompressor (body in fuzz_decompress.h). */
#define FUZZ_CODEC KC_CODEC_LZ4
#include "fuzz_decompress.h"

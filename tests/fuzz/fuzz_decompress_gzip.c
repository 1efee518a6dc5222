/* libFuzzer target: the gzip decompressor (body in fuzz_decompress.h). */
#define FUZZ_CODEC KC_CODEC_GZIP
#include "fuzz_decompress.h"

/* libFuzzer target: the snappy decompressor (body in fuzz_decompress.h). */
#define FUZZ_CODEC KC_CODEC_SNAPPY
#include "fuzz_decompress.h"

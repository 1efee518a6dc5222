/* Compression codecs: round trips at several levels, golden bytes written
 * by other implementations (kafka-python, the Java client, the lz4/zstd
 * command line tools), our output read back with the codec libraries
 * directly, the decompression limit, corrupt and truncated input, and
 * allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/compress.h"

#define DEF KC_COMPRESSION_LEVEL_DEFAULT

/* The payload of the small golden vectors: six JSON lines, 318 bytes. */
static const char P1[] =
    "{\"seq\":0,\"user\":\"user-000\",\"event\":\"click\",\"ok\":true}\n"
    "{\"seq\":1,\"user\":\"user-037\",\"event\":\"view\",\"ok\":true}\n"
    "{\"seq\":2,\"user\":\"user-074\",\"event\":\"buy\",\"ok\":true}\n"
    "{\"seq\":3,\"user\":\"user-111\",\"event\":\"click\",\"ok\":true}\n"
    "{\"seq\":4,\"user\":\"user-148\",\"event\":\"view\",\"ok\":true}\n"
    "{\"seq\":5,\"user\":\"user-185\",\"event\":\"buy\",\"ok\":true}\n";
#define P1_LEN (sizeof P1 - 1)

/* P2: 70000 bytes, byte i = i % 251 (more than two 32 KiB snappy blocks). */
#define P2_LEN 70000
static uint8_t *make_p2(void)
{
    uint8_t *p = malloc(P2_LEN);
    assert_non_null(p);
    for (size_t i = 0; i < P2_LEN; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

/* kafka-python 2.0.2 kafka.codec.gzip_encode(P1) */
static const char gzip_python_p1[] =
    "1f8b08007047056b02ffab562a4e2d54b232d0512a2d4e2d52b20253ba0606064a3a4aa965a9792540a1e49c"
    "cce46c203f3f5bc9aaa4a834b596ab1aa2cb104d97b13992aeb2ccd4726c9a8cd034999b20694a2aadc4a6c7"
    "18558fa1a12131ce3341d365624184f34cd1345998e2711e008307cd443e010000"
    ;
/* kafka-clients 3.9.1 Compression.gzip() stream, magic 2, of P1 */
static const char gzip_java_p1[] =
    "1f8b08000000000000ffab562a4e2d54b232d0512a2d4e2d52b20253ba0606064a3a4aa965a9792540a1e49c"
    "cce46c203f3f5bc9aaa4a834b596ab1aa2cb104d97b13992aeb2ccd4726c9a8cd034999b20694a2aadc4a6c7"
    "18558fa1a12131ce3341d365624184f34cd1345998e2711e008307cd443e010000"
    ;
/* kafka-clients 3.9.1 Compression.snappy() (snappy-java xerial framing) of P1 */
static const char snappy_java_p1[] =
    "82534e4150505900000000010000000100000086be023c7b22736571223a302c2275736572223a0507882d30"
    "3030222c226576656e74223a22636c69636b222c226f6b223a747275657d0a7b22053600313a36000433371d"
    "360c766965774e350000323a35000437341d35086275794e34000033363400083131311d34629f0000343a36"
    "000434381d365e9f0000353a35000438351d353e9f00"
    ;
/* the same for P2, 70000 bytes: three blocks of 32768, 32768 and 4464 input bytes */
static const char snappy_java_p2[] =
    "82534e41505059000000000100000001000006f9808002f0fd000102030405060708090a0b0c0d0e0f101112"
    "131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e"
    "3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a"
    "6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293949596"
    "9798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2"
    "c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedee"
    "eff0f1f2f3f4f5f6f7f8f9fa000102fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00eefb0009"
    "fb000006f9808002f0fd8a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaab"
    "acadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7"
    "d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa000102030405060708"
    "090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334"
    "35363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60"
    "6162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00eefb0009fb000001c8f022f0fd191a1b1c1d1e"
    "1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a"
    "4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576"
    "7778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2"
    "a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdce"
    "cfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1bfefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb"
    "00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fe"
    "fb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00fefb00"
    "fefb00c6fb00"
    ;
/* the same for no bytes at all: the header alone */
static const char snappy_java_empty[] =
    "82534e41505059000000000100000001"
    ;
/* kafka-clients 3.9.1 Compression.lz4() of P1 for magic 2 (correct header checksum 0x82) */
static const char lz4_java_p1[] =
    "04224d1860408287000000f1017b22736571223a302c2275736572223a0700f3122d303030222c226576656e"
    "74223a22636c69636b222c226f6b223a747275657d0a36001b31360027333736004f766965773500011b3235"
    "0027373435003f6275793400011a3334003731313134000f9f00061b34360027343836000f9f00051b353500"
    "2738353500079f00507275657d0a00000000"
    ;
/* the same for magic 0 (legacy header checksum 0x1a, hashed from the magic) */
static const char lz4_java_legacy_p1[] =
    "04224d1860401a87000000f1017b22736571223a302c2275736572223a0700f3122d303030222c226576656e"
    "74223a22636c69636b222c226f6b223a747275657d0a36001b31360027333736004f766965773500011b3235"
    "0027373435003f6275793400011a3334003731313134000f9f00061b34360027343836000f9f00051b353500"
    "2738353500079f00507275657d0a00000000"
    ;
/* lz4 1.9.4 command line tool (`lz4 -c`): 4 MiB blocks, content checksum */
static const char lz4_cli_p1[] =
    "04224d186440a787000000f1017b22736571223a302c2275736572223a0700f3122d303030222c226576656e"
    "74223a22636c69636b222c226f6b223a747275657d0a36001b31360027333736004f766965773500011b3235"
    "0027373435003f6275793400011a3334003731313134000f9f00061b34360027343836000f9f00051b353500"
    "2738353500079f00507275657d0a00000000ac0591f2"
    ;
/* kafka-clients 3.9.1 Compression.zstd() (zstd-jni streaming) of P1 */
static const char zstd_java_p1[] =
    "28b52ffd00584c0300a2c41017805907f8625dff03f3d44426a4446dd922d2820d6adc13696d5a68d1ee9e44"
    "0e480948b7a9ce024bcb17f9ceb8b9638d60e7c7a267df5c5503fe6b286f947f34bc120f00201c205f801c90"
    "4f645600c600f95e45078811740c2b9a418ca0b3649584da0206010000"
    ;
/* zstd command line tool (`zstd -c`) of P1 */
static const char zstd_cli_p1[] =
    "28b52ffd643e004d0300a2c41017805907f8625dff03f3d44426a4446dd922d2820d6adc13696d5a68d1ee9e"
    "440e480948b7a9ce024bcb17f9ceb8b9638d60e7c7a267df5c5503fe6b286f947f34bc120f00201c205f801c"
    "904f645600c600f95e45078811740c2b9a418ca0b3649584da0206ec947c8b"
    ;

static uint8_t *unhex(const char *hex, size_t *n)
{
    size_t len = strlen(hex) / 2;
    uint8_t *out = malloc(len ? len : 1);
    assert_non_null(out);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    *n = len;
    return out;
}

static const char *err_name(int rc) { return kafkac_err_name(rc); }

static void expect_rc(const char *what, int got, int want)
{
    if (got != want)
        fail_msg("%s: expected %s (%d), got %s (%d)", what, err_name(want), want, err_name(got),
                 got);
}

/* Deterministic xorshift, so failures reproduce. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 24);
}

/* ---- reference decoders: the codec libraries called directly --------- */

/* Returns malloc'd output or NULL if the library rejects the bytes. */
static uint8_t *ref_gzip(const uint8_t *in, size_t len, size_t want_len)
{
    uint8_t *out = malloc(want_len + 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)want_len + 1;
    int zrc = inflate(&zs, Z_FINISH);
    size_t got = want_len + 1 - zs.avail_out;
    inflateEnd(&zs);
    if (zrc != Z_STREAM_END || got != want_len || zs.avail_in != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Xerial framing parsed here independently of the library's reader. */
static uint8_t *ref_snappy(const uint8_t *in, size_t len, size_t want_len)
{
    static const uint8_t magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
    if (len < 16 || memcmp(in, magic, 8) != 0 || in[11] != 1 || in[15] != 1)
        return NULL;
    uint8_t *out = malloc(want_len + 1);
    size_t pos = 16, got = 0;
    while (pos < len) {
        if (len - pos < 4)
            goto bad;
        size_t n = (size_t)in[pos] << 24 | (size_t)in[pos + 1] << 16 | (size_t)in[pos + 2] << 8 |
                   in[pos + 3];
        pos += 4;
        size_t ulen;
        if (n > len - pos ||
            snappy_uncompressed_length((const char *)in + pos, n, &ulen) != SNAPPY_OK ||
            ulen > 32768 || ulen > want_len - got)
            goto bad;
        if (snappy_uncompress((const char *)in + pos, n, (char *)out + got, &ulen) != SNAPPY_OK)
            goto bad;
        got += ulen;
        pos += n;
    }
    if (got != want_len)
        goto bad;
    return out;
bad:
    free(out);
    return NULL;
}

static uint8_t *ref_lz4(const uint8_t *in, size_t len, size_t want_len)
{
    uint8_t *out = malloc(want_len + 1);
    LZ4F_dctx *ctx;
    assert_false(LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)));
    size_t dn = want_len + 1, sn = len;
    size_t r = LZ4F_decompress(ctx, out, &dn, in, &sn, NULL);
    LZ4F_freeDecompressionContext(ctx);
    if (LZ4F_isError(r) || r != 0 || sn != len || dn != want_len) {
        free(out);
        return NULL;
    }
    return out;
}

static uint8_t *ref_zstd(const uint8_t *in, size_t len, size_t want_len)
{
    uint8_t *out = malloc(want_len + 1);
    size_t r = ZSTD_decompress(out, want_len + 1, in, len);
    if (ZSTD_isError(r) || r != want_len) {
        free(out);
        return NULL;
    }
    return out;
}

/* Legacy lz4 is checked by the library's reader only once HC is repaired:
 * the reference decoder tries every HC value, so it proves that the rest
 * of the frame is standard and that HC is the only difference. */
static uint8_t *ref_decode(kc_codec_t codec, int legacy, const uint8_t *in, size_t len,
                           size_t want_len)
{
    switch (codec) {
    case KC_CODEC_NONE: {
        if (len != want_len)
            return NULL;
        uint8_t *out = malloc(len + 1);
        memcpy(out, in, len);
        return out;
    }
    case KC_CODEC_GZIP:
        return ref_gzip(in, len, want_len);
    case KC_CODEC_SNAPPY:
        return ref_snappy(in, len, want_len);
    case KC_CODEC_LZ4:
        if (legacy) {
            /* Legacy output differs from the correct form in HC only. */
            uint8_t *copy = malloc(len);
            memcpy(copy, in, len);
            uint8_t *out = NULL;
            for (int hc = 0; hc < 256 && !out; hc++) {
                copy[6] = (uint8_t)hc;
                out = ref_lz4(copy, len, want_len);
            }
            free(copy);
            return out;
        }
        return ref_lz4(in, len, want_len);
    case KC_CODEC_ZSTD:
        return ref_zstd(in, len, want_len);
    }
    return NULL;
}

/* ---- names and levels ------------------------------------------------- */

static void test_names_and_levels(void **state)
{
    (void)state;
    const char *names[] = { "none", "gzip", "snappy", "lz4", "zstd" };
    for (int i = 0; i < 5; i++) {
        kc_codec_t c = (kc_codec_t)99;
        assert_string_equal(kc_codec_name(i), names[i]);
        assert_int_equal(kc_codec_parse(names[i], &c), 0);
        assert_int_equal(c, i);
    }
    kc_codec_t c;
    assert_null(kc_codec_name(5));
    assert_null(kc_codec_name(-1));
    assert_int_equal(kc_codec_parse("GZIP", &c), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_codec_parse("brotli", &c), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_codec_parse("", &c), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_codec_parse(NULL, &c), KAFKAC_ERR_UNSUPPORTED_COMPRESSION);

    const struct { kc_codec_t codec; int level; int ok; } cases[] = {
        { KC_CODEC_NONE, DEF, 1 },    { KC_CODEC_NONE, 1, 0 },
        { KC_CODEC_GZIP, DEF, 1 },    { KC_CODEC_GZIP, -1, 1 },     { KC_CODEC_GZIP, 1, 1 },
        { KC_CODEC_GZIP, 9, 1 },      { KC_CODEC_GZIP, 0, 0 },      { KC_CODEC_GZIP, 10, 0 },
        { KC_CODEC_SNAPPY, DEF, 1 },  { KC_CODEC_SNAPPY, 1, 0 },
        { KC_CODEC_LZ4, DEF, 1 },     { KC_CODEC_LZ4, 1, 1 },       { KC_CODEC_LZ4, 17, 1 },
        { KC_CODEC_LZ4, 0, 0 },       { KC_CODEC_LZ4, 18, 0 },
        { KC_CODEC_ZSTD, DEF, 1 },    { KC_CODEC_ZSTD, -131072, 1 }, { KC_CODEC_ZSTD, 22, 1 },
        { KC_CODEC_ZSTD, 3, 1 },      { KC_CODEC_ZSTD, 23, 0 },     { KC_CODEC_ZSTD, -131073, 0 },
        { (kc_codec_t)5, DEF, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *why = "untouched";
        int rc = kc_codec_level_valid(cases[i].codec, cases[i].level, &why);
        if (cases[i].ok && (rc != 0 || why != NULL))
            fail_msg("codec %d level %d: expected valid, got %d (%s)", cases[i].codec,
                     cases[i].level, rc, why ? why : "-");
        if (!cases[i].ok && (rc != KAFKAC_ERR_CONFIG || why == NULL))
            fail_msg("codec %d level %d: expected KAFKAC_ERR_CONFIG with a reason, got %d",
                     cases[i].codec, cases[i].level, rc);
    }
}

/* ---- round trips --------------------------------------------------------- */

typedef struct {
    kc_codec_t codec;
    int legacy;
    int levels[5];
    int nlevels;
} codec_case_t;

static const codec_case_t codec_cases[] = {
    { KC_CODEC_NONE, 0, { DEF }, 1 },
    { KC_CODEC_GZIP, 0, { DEF, 1, 6, 9 }, 4 },
    { KC_CODEC_SNAPPY, 0, { DEF }, 1 },
    { KC_CODEC_LZ4, 0, { DEF, 1, 9, 17 }, 4 },
    { KC_CODEC_LZ4, 1, { DEF, 9 }, 2 },
    { KC_CODEC_ZSTD, 0, { DEF, -5, 1, 9 }, 4 },
};
#define NCASES (sizeof codec_cases / sizeof codec_cases[0])

/* Compresses after a prefix already in the writer (a batch header, say),
 * decompresses after another, and checks both libraries agree. */
static void round_trip(const codec_case_t *cc, int level, const uint8_t *in, size_t len,
                       const char *what)
{
    static const char prefix[] = "HEADER";
    kc_writer_t z, d;
    assert_int_equal(kc_writer_init(&z, 0), 0);
    assert_int_equal(kc_writer_init(&d, 0), 0);
    kc_w_raw(&z, prefix, 6);
    kc_w_raw(&d, prefix, 6);

    int rc = kc_compress(cc->codec, level, cc->legacy, in, len, &z);
    if (rc != 0)
        fail_msg("%s %s level %d: compress failed: %s", kc_codec_name(cc->codec), what, level,
                 err_name(rc));
    assert_memory_equal(z.buf, prefix, 6);
    rc = kc_decompress(cc->codec, cc->legacy, z.buf + 6, z.len - 6, len, &d);
    if (rc != 0)
        fail_msg("%s%s %s level %d: decompress failed: %s", kc_codec_name(cc->codec),
                 cc->legacy ? " (legacy)" : "", what, level, err_name(rc));
    assert_int_equal(d.len, 6 + len);
    assert_memory_equal(d.buf, prefix, 6);
    if (len && memcmp(d.buf + 6, in, len) != 0)
        fail_msg("%s %s level %d: output differs from input", kc_codec_name(cc->codec), what,
                 level);

    uint8_t *ref = ref_decode(cc->codec, cc->legacy, z.buf + 6, z.len - 6, len);
    if (!ref)
        fail_msg("%s%s %s level %d: the codec library itself rejects our %zu bytes",
                 kc_codec_name(cc->codec), cc->legacy ? " (legacy)" : "", what, level, z.len - 6);
    if (len)
        assert_memory_equal(ref, in, len);
    free(ref);
    kc_writer_free(&z);
    kc_writer_free(&d);
}

static void test_round_trips(void **state)
{
    (void)state;
    const size_t MiB = 1 << 20;
    uint8_t *random = malloc(MiB), *repetitive = malloc(MiB);
    assert_non_null(random);
    assert_non_null(repetitive);
    for (size_t i = 0; i < MiB; i++)
        random[i] = rnd8();
    /* Kafka-like records: one JSON line repeated with a changing counter. */
    for (size_t pos = 0, n = 0; pos < MiB; n++) {
        char line[128];
        int k = snprintf(line, sizeof line, "{\"id\":%zu,\"user\":\"u%zu\",\"event\":\"page_view\"}\n",
                         n, n % 977);
        size_t take = (size_t)k < MiB - pos ? (size_t)k : MiB - pos;
        memcpy(repetitive + pos, line, take);
        pos += take;
    }
    const uint8_t one = 'x';
    for (size_t c = 0; c < NCASES; c++) {
        for (int l = 0; l < codec_cases[c].nlevels; l++) {
            int level = codec_cases[c].levels[l];
            round_trip(&codec_cases[c], level, NULL, 0, "empty input");
            round_trip(&codec_cases[c], level, &one, 1, "1 byte");
            round_trip(&codec_cases[c], level, random, 100, "100 random bytes");
            round_trip(&codec_cases[c], level, (const uint8_t *)P1, P1_LEN, "P1");
            round_trip(&codec_cases[c], level, random, MiB, "1 MiB random");
            round_trip(&codec_cases[c], level, repetitive, MiB, "1 MiB records");
        }
    }
    free(random);
    free(repetitive);
}

/* ---- golden vectors ---------------------------------------------------- */

static void expect_golden(kc_codec_t codec, int legacy, const char *hex, const uint8_t *want,
                          size_t want_len, const char *what)
{
    size_t n;
    uint8_t *in = unhex(hex, &n);
    kc_writer_t w;
    assert_int_equal(kc_writer_init(&w, 0), 0);
    int rc = kc_decompress(codec, legacy, in, n, want_len, &w);
    if (rc != 0)
        fail_msg("%s: decompress failed: %s", what, err_name(rc));
    if (w.len != want_len || (want_len && memcmp(w.buf, want, want_len) != 0))
        fail_msg("%s: got %zu bytes, expected %zu (or content differs)", what, w.len, want_len);
    /* One byte less room must be refused. */
    if (want_len) {
        kc_writer_reset(&w);
        expect_rc(what, kc_decompress(codec, legacy, in, n, want_len - 1, &w),
                  KAFKAC_ERR_DECOMPRESSION_LIMIT);
        assert_int_equal(w.len, 0);
    }
    kc_writer_free(&w);
    free(in);
}

static void test_golden_vectors(void **state)
{
    (void)state;
    const uint8_t *p1 = (const uint8_t *)P1;
    uint8_t *p2 = make_p2();
    expect_golden(KC_CODEC_GZIP, 0, gzip_python_p1, p1, P1_LEN, "gzip from kafka-python");
    expect_golden(KC_CODEC_GZIP, 0, gzip_java_p1, p1, P1_LEN, "gzip from the Java client");
    expect_golden(KC_CODEC_SNAPPY, 0, snappy_java_p1, p1, P1_LEN, "snappy (xerial) from Java");
    expect_golden(KC_CODEC_SNAPPY, 0, snappy_java_p2, p2, P2_LEN, "3-block xerial from Java");
    expect_golden(KC_CODEC_SNAPPY, 0, snappy_java_empty, NULL, 0, "empty xerial from Java");
    expect_golden(KC_CODEC_LZ4, 0, lz4_java_p1, p1, P1_LEN, "lz4 from Java, magic 2");
    expect_golden(KC_CODEC_LZ4, 1, lz4_java_legacy_p1, p1, P1_LEN, "lz4 from Java, magic 0");
    /* Legacy mode also takes a correct checksum (some clients wrote one). */
    expect_golden(KC_CODEC_LZ4, 1, lz4_java_p1, p1, P1_LEN, "correct lz4 read as legacy");
    expect_golden(KC_CODEC_LZ4, 0, lz4_cli_p1, p1, P1_LEN, "lz4 from the CLI");
    expect_golden(KC_CODEC_ZSTD, 0, zstd_java_p1, p1, P1_LEN, "zstd from Java");
    expect_golden(KC_CODEC_ZSTD, 0, zstd_cli_p1, p1, P1_LEN, "zstd from the CLI");

    /* Raw snappy (no framing) as some clients send: P1's single xerial
     * block is exactly that. */
    size_t n;
    uint8_t *x = unhex(snappy_java_p1, &n);
    kc_writer_t w;
    assert_int_equal(kc_writer_init(&w, 0), 0);
    assert_int_equal(kc_decompress(KC_CODEC_SNAPPY, 0, x + 20, n - 20, P1_LEN, &w), 0);
    assert_int_equal(w.len, P1_LEN);
    assert_memory_equal(w.buf, P1, P1_LEN);

    /* Our snappy header is byte-for-byte snappy-java's. */
    kc_writer_reset(&w);
    assert_int_equal(kc_compress(KC_CODEC_SNAPPY, DEF, 0, P1, P1_LEN, &w), 0);
    assert_memory_equal(w.buf, x, 16);
    free(x);

    /* The lz4 frame header (magic, FLG, BD, HC) is the Java client's, in
     * both the legacy and the correct form. */
    x = unhex(lz4_java_p1, &n);
    kc_writer_reset(&w);
    assert_int_equal(kc_compress(KC_CODEC_LZ4, DEF, 0, P1, P1_LEN, &w), 0);
    assert_memory_equal(w.buf, x, 7);
    free(x);
    x = unhex(lz4_java_legacy_p1, &n);
    kc_writer_reset(&w);
    assert_int_equal(kc_compress(KC_CODEC_LZ4, DEF, 1, P1, P1_LEN, &w), 0);
    assert_memory_equal(w.buf, x, 7);

    /* A legacy header is not a valid frame for the non-legacy reader. */
    kc_writer_reset(&w);
    expect_rc("legacy lz4 read as current", kc_decompress(KC_CODEC_LZ4, 0, x, n, 1 << 20, &w),
              KAFKAC_ERR_COMPRESSION);
    /* And a header checksum that is neither form is refused in legacy mode. */
    x[6] ^= 0x55;
    expect_rc("bad lz4 HC, legacy", kc_decompress(KC_CODEC_LZ4, 1, x, n, 1 << 20, &w),
              KAFKAC_ERR_COMPRESSION);
    assert_int_equal(w.len, 0);
    free(x);
    kc_writer_free(&w);
    free(p2);
}

/* ---- the decompression limit ---------------------------------------------- */

static void test_decompression_limit(void **state)
{
    (void)state;
    const size_t ten = 10u << 20, one = 1u << 20;
    uint8_t *zeros = calloc(1, ten);
    assert_non_null(zeros);
    for (size_t c = 0; c < NCASES; c++) {
        const codec_case_t *cc = &codec_cases[c];
        kc_writer_t z, d;
        assert_int_equal(kc_writer_init(&z, 0), 0);
        assert_int_equal(kc_writer_init(&d, 0), 0);
        assert_int_equal(kc_compress(cc->codec, DEF, cc->legacy, zeros, ten, &z), 0);
        kc_w_raw(&d, "keep", 4);
        int rc = kc_decompress(cc->codec, cc->legacy, z.buf, z.len, one, &d);
        if (rc != KAFKAC_ERR_DECOMPRESSION_LIMIT)
            fail_msg("%s: 10 MiB of zeros (%zu bytes compressed) with max_out 1 MiB: expected "
                     "DECOMPRESSION_LIMIT, got %s", kc_codec_name(cc->codec), z.len, err_name(rc));
        /* The writer is left as it was, and did not grow far past the limit. */
        assert_int_equal(d.len, 4);
        assert_memory_equal(d.buf, "keep", 4);
        if (d.cap > 2 * one + 4096)
            fail_msg("%s: writer grew to %zu bytes for a 1 MiB limit", kc_codec_name(cc->codec),
                     d.cap);
        /* Exactly enough room works; one byte less does not. */
        assert_int_equal(kc_decompress(cc->codec, cc->legacy, z.buf, z.len, ten, &d), 0);
        assert_int_equal(d.len, 4 + ten);
        d.len = 4;
        expect_rc(kc_codec_name(cc->codec),
                  kc_decompress(cc->codec, cc->legacy, z.buf, z.len, ten - 1, &d),
                  KAFKAC_ERR_DECOMPRESSION_LIMIT);
        assert_int_equal(d.len, 4);
        kc_writer_free(&z);
        kc_writer_free(&d);
    }
    free(zeros);
}

/* A raw snappy block that claims 4 GiB must be refused before anything
 * is allocated for it. */
static void test_snappy_framing_edges(void **state)
{
    (void)state;
    const uint8_t claim[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00 };
    kc_writer_t w;
    assert_int_equal(kc_writer_init(&w, 0), 0);
    expect_rc("snappy claiming 4 GiB", kc_decompress(KC_CODEC_SNAPPY, 0, claim, sizeof claim,
                                                     1 << 20, &w),
              KAFKAC_ERR_DECOMPRESSION_LIMIT);
    assert_true(w.cap < (1 << 20));

    /* A second xerial header cut short after its magic once hung the
     * reader (found by fuzz_decompress_snappy); it must fail. */
    size_t n;
    uint8_t *x = unhex(snappy_java_p1, &n);
    uint8_t *two = malloc(n + 12);
    assert_non_null(two);
    memcpy(two, x, n);
    memcpy(two + n, x, 12);
    kc_writer_reset(&w);
    expect_rc("xerial + truncated second header",
              kc_decompress(KC_CODEC_SNAPPY, 0, two, n + 12, 1 << 20, &w), KAFKAC_ERR_COMPRESSION);
    /* Whereas two whole streams back to back are read as one. */
    uint8_t *cat = malloc(2 * n);
    assert_non_null(cat);
    memcpy(cat, x, n);
    memcpy(cat + n, x, n);
    kc_writer_reset(&w);
    assert_int_equal(kc_decompress(KC_CODEC_SNAPPY, 0, cat, 2 * n, 1 << 20, &w), 0);
    assert_int_equal(w.len, 2 * P1_LEN);
    assert_memory_equal(w.buf + P1_LEN, P1, P1_LEN);
    free(cat);
    free(two);
    free(x);
    kc_writer_free(&w);
}

/* ---- corrupt and truncated input ------------------------------------------- */

static void test_corrupt_input(void **state)
{
    (void)state;
    uint8_t *p2 = make_p2();
    uint8_t garbage[64];
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = rnd8();
    for (size_t c = 1; c < NCASES; c++) {
        const codec_case_t *cc = &codec_cases[c];
        const char *name = kc_codec_name(cc->codec);
        kc_writer_t z, d;
        assert_int_equal(kc_writer_init(&z, 0), 0);
        assert_int_equal(kc_writer_init(&d, 0), 0);
        assert_int_equal(kc_compress(cc->codec, DEF, cc->legacy, p2, P2_LEN, &z), 0);

        expect_rc(name, kc_decompress(cc->codec, cc->legacy, NULL, 0, 1 << 20, &d),
                  KAFKAC_ERR_COMPRESSION);
        expect_rc(name, kc_decompress(cc->codec, cc->legacy, garbage, sizeof garbage, 1 << 20, &d),
                  KAFKAC_ERR_COMPRESSION);

        /* Every truncation fails, except where xerial framing ends
         * between blocks (the header alone is a valid empty stream). */
        for (size_t cut = 0; cut < z.len; cut++) {
            kc_writer_reset(&d);
            int rc = kc_decompress(cc->codec, cc->legacy, z.buf, cut, 1 << 20, &d);
            int boundary = 0;
            if (cc->codec == KC_CODEC_SNAPPY && cut >= 16) {
                size_t pos = 16;
                while (pos < cut && cut - pos >= 4)
                    pos += 4 + ((size_t)z.buf[pos] << 24 | (size_t)z.buf[pos + 1] << 16 |
                                (size_t)z.buf[pos + 2] << 8 | z.buf[pos + 3]);
                boundary = pos == cut;
            }
            if (boundary)
                continue;
            if (rc != KAFKAC_ERR_COMPRESSION)
                fail_msg("%s%s truncated to %zu of %zu bytes: expected COMPRESSION, got %s", name,
                         cc->legacy ? " (legacy)" : "", cut, z.len, err_name(rc));
            assert_int_equal(d.len, 0);
        }
        /* Flipped bits: lz4 and zstd frames here carry no checksum and
         * snappy none at all, so a flip may decode to other bytes; what
         * must hold is no crash, no overrun, and a clean error code. */
        for (size_t i = 0; i < z.len; i += (z.len / 300) + 1) {
            for (int bit = 0; bit < 8; bit += 3) {
                z.buf[i] ^= (uint8_t)(1u << bit);
                kc_writer_reset(&d);
                int rc = kc_decompress(cc->codec, cc->legacy, z.buf, z.len, P2_LEN, &d);
                if (rc != 0 && rc != KAFKAC_ERR_COMPRESSION && rc != KAFKAC_ERR_DECOMPRESSION_LIMIT)
                    fail_msg("%s flip at %zu: unexpected %s", name, i, err_name(rc));
                if (rc == 0 && d.len > P2_LEN)
                    fail_msg("%s flip at %zu: %zu bytes past the limit", name, i, d.len);
                if (cc->codec == KC_CODEC_GZIP && rc == 0 && memcmp(d.buf, p2, P2_LEN) != 0)
                    fail_msg("gzip flip at %zu: CRC32 did not catch a changed output", i);
                z.buf[i] ^= (uint8_t)(1u << bit);
            }
        }
        /* Trailing garbage after a complete stream is refused. */
        kc_writer_reset(&d);
        kc_w_raw(&z, "\x01\x02\x03\x04\x05", 5);
        int rc = kc_decompress(cc->codec, cc->legacy, z.buf, z.len, 1 << 20, &d);
        if (rc != KAFKAC_ERR_COMPRESSION)
            fail_msg("%s with 5 trailing bytes: expected COMPRESSION, got %s", name, err_name(rc));
        kc_writer_free(&z);
        kc_writer_free(&d);
    }
    free(p2);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    kc_writer_t w;
    assert_int_equal(kc_writer_init(&w, 0), 0);
    assert_int_equal(kc_compress((kc_codec_t)5, DEF, 0, "x", 1, &w),
                     KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_decompress((kc_codec_t)7, 0, "x", 1, 10, &w),
                     KAFKAC_ERR_UNSUPPORTED_COMPRESSION);
    assert_int_equal(kc_compress(KC_CODEC_GZIP, 42, 0, "x", 1, &w), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_compress(KC_CODEC_GZIP, DEF, 0, NULL, 5, &w), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_compress(KC_CODEC_GZIP, DEF, 0, "x", 1, NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_decompress(KC_CODEC_NONE, 0, "abc", 3, 2, &w),
                     KAFKAC_ERR_DECOMPRESSION_LIMIT);
    assert_int_equal(w.len, 0);
    /* A fixed writer that is too small reports that, not a codec error. */
    uint8_t small[8];
    kc_writer_t f;
    kc_writer_init_fixed(&f, small, sizeof small);
    assert_int_equal(kc_compress(KC_CODEC_ZSTD, DEF, 0, P1, P1_LEN, &f),
                     KAFKAC_ERR_MSG_SIZE_TOO_LARGE);
    kc_writer_free(&w);
}

/* ---- allocation failures ---------------------------------------------------- */

/* Fails the n-th allocation for n = 0, 1, 2... until the call succeeds
 * untouched; every earlier attempt must report NO_MEMORY and leave the
 * writer's contents as they were (ASan reports any leak). */
static void oom_sweep(kc_codec_t codec, int decompress, const uint8_t *in, size_t len,
                      size_t out_len)
{
    for (long n = 0;; n++) {
        kc_writer_t w;
        assert_int_equal(kc_writer_init(&w, 0), 0);
        kc_w_raw(&w, "pre", 3);
        kc_mem_fail_after(n);
        int rc = decompress ? kc_decompress(codec, 0, in, len, out_len, &w)
                            : kc_compress(codec, DEF, 0, in, len, &w);
        kc_mem_fail_after(-1);
        if (rc == 0) {
            if (decompress)
                assert_int_equal(w.len, 3 + out_len);
            kc_writer_free(&w);
            if (n == 0 && codec == KC_CODEC_GZIP)
                fail_msg("gzip %s never allocated through kc_malloc",
                         decompress ? "decompress" : "compress");
            return;
        }
        if (rc != KAFKAC_ERR_NO_MEMORY)
            fail_msg("%s %s with allocation %ld failing: expected NO_MEMORY, got %s",
                     kc_codec_name(codec), decompress ? "decompress" : "compress", n, err_name(rc));
        assert_int_equal(w.len, 3);
        assert_memory_equal(w.buf, "pre", 3);
        kc_writer_free(&w);
        assert_true(n < 100);
    }
}

static void test_out_of_memory(void **state)
{
    (void)state;
    uint8_t *p2 = make_p2();
    for (kc_codec_t c = KC_CODEC_GZIP; c <= KC_CODEC_ZSTD; c++) {
        kc_writer_t z;
        assert_int_equal(kc_writer_init(&z, 0), 0);
        assert_int_equal(kc_compress(c, DEF, 0, p2, P2_LEN, &z), 0);
        oom_sweep(c, 0, p2, P2_LEN, 0);
        oom_sweep(c, 1, z.buf, z.len, P2_LEN);
        kc_writer_free(&z);
    }
    free(p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_levels),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_golden_vectors),
        cmocka_unit_test(test_decompression_limit),
        cmocka_unit_test(test_snappy_framing_edges),
        cmocka_unit_test(test_corrupt_input),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

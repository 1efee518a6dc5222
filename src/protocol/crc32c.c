/* CRC32C (Castagnoli) for RecordBatch v2, and CRC32 (IEEE) for the legacy
 * message sets.
 *
 * Three implementations of CRC32C:
 *   - a portable slicing-by-8 table walk (about 1-2 GB/s);
 *   - SSE4.2 `crc32` on x86-64 and the ARMv8 CRC extension on aarch64.
 *     Those instructions have a latency of ~3 cycles but a throughput of
 *     one per cycle, so one dependency chain leaves two thirds of the unit
 *     idle.  We run three independent chains over three adjacent blocks
 *     and then merge them: the CRC register is linear, so
 *         reg(a||b) = shift(reg(a), |b|) ^ reg_from_zero(b)
 *     where shift(r, n) multiplies r by x^(8n) mod P.  For the two fixed
 *     block sizes we use, shift() is precomputed as four 256-entry tables
 *     (one per byte of the register), so a merge costs four lookups.
 *
 * All tables are built once, under pthread_once, which also picks the
 * implementation kc_crc32c() uses; after that everything is read-only, so
 * any thread may call any function here. */
#include "protocol/crc32c.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KC_CRC_X86 1
#include <nmmintrin.h>
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define KC_CRC_ARM 1
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7) /* from the kernel's asm/hwcap.h */
#endif
#endif

#define POLY 0x82F63B78u /* Castagnoli, bit-reflected */

/* Block sizes of the three-way interleave.  LONG suits big batches;
 * SHORT keeps the interleave for ordinary 1-16 KiB batches. */
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t sw_table[8][256];
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static int hw_available;
static uint32_t (*crc_impl)(uint32_t, const uint8_t *, size_t);
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* --- GF(2) polynomial arithmetic modulo P, bit-reflected ------------- */

/* a * b mod P.  In the reflected representation bit 31 is x^0. */
static uint32_t multmodp(uint32_t a, uint32_t b)
{
    uint32_t m = 1u << 31, p = 0;
    for (;;) {
        if (a & m) {
            p ^= b;
            if ((a & (m - 1)) == 0)
                break;
        }
        m >>= 1;
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return p;
}

/* x^(8n) mod P: the operator that appends n zero bytes to a register. */
static uint32_t x8nmodp(size_t n)
{
    uint32_t result = 1u << 31; /* x^0 */
    uint32_t sq = 1u << 30;     /* x^1, squared up to x^(2^k) */
    size_t bits = n * 8;
    while (bits) {
        if (bits & 1)
            result = multmodp(sq, result);
        sq = multmodp(sq, sq);
        bits >>= 1;
    }
    return result;
}

static void build_shift_table(uint32_t t[4][256], size_t n)
{
    uint32_t op = x8nmodp(n);
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++)
            t[k][b] = multmodp(op, b << (8 * k));
}

static inline uint32_t shift_reg(uint32_t t[4][256], uint32_t r)
{
    return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
}

/* --- portable slicing-by-8 -------------------------------------------- */

static uint32_t crc_sw(uint32_t reg, const uint8_t *p, size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        reg = (reg >> 8) ^ sw_table[0][(reg ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        /* Byte-wise loads keep this endian-neutral; compilers merge them. */
        uint32_t lo = reg ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        reg = sw_table[7][lo & 0xff] ^ sw_table[6][(lo >> 8) & 0xff] ^
              sw_table[5][(lo >> 16) & 0xff] ^ sw_table[4][lo >> 24] ^ sw_table[3][p[4]] ^
              sw_table[2][p[5]] ^ sw_table[1][p[6]] ^ sw_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        reg = (reg >> 8) ^ sw_table[0][(reg ^ *p++) & 0xff];
    return reg;
}

/* --- hardware ----------------------------------------------------------- */

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian on both targets, as the instructions expect */
    return v;
}

#if defined(KC_CRC_X86)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t reg32, const uint8_t *p,
                                                          size_t len)
{
    uint64_t c0 = reg32;
    while (len && ((uintptr_t)p & 7)) {
        c0 = _mm_crc32_u8((uint32_t)c0, *p++);
        len--;
    }
    while (len >= 3 * LONG_BLOCK) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = p + LONG_BLOCK;
        do {
            c0 = _mm_crc32_u64(c0, load64(p));
            c1 = _mm_crc32_u64(c1, load64(p + LONG_BLOCK));
            c2 = _mm_crc32_u64(c2, load64(p + 2 * LONG_BLOCK));
            p += 8;
        } while (p < end);
        c0 = shift_reg(shift_long, (uint32_t)c0) ^ (uint32_t)c1;
        c0 = shift_reg(shift_long, (uint32_t)c0) ^ (uint32_t)c2;
        p += 2 * LONG_BLOCK;
        len -= 3 * LONG_BLOCK;
    }
    while (len >= 3 * SHORT_BLOCK) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = p + SHORT_BLOCK;
        do {
            c0 = _mm_crc32_u64(c0, load64(p));
            c1 = _mm_crc32_u64(c1, load64(p + SHORT_BLOCK));
            c2 = _mm_crc32_u64(c2, load64(p + 2 * SHORT_BLOCK));
            p += 8;
        } while (p < end);
        c0 = shift_reg(shift_short, (uint32_t)c0) ^ (uint32_t)c1;
        c0 = shift_reg(shift_short, (uint32_t)c0) ^ (uint32_t)c2;
        p += 2 * SHORT_BLOCK;
        len -= 3 * SHORT_BLOCK;
    }
    while (len >= 8) {
        c0 = _mm_crc32_u64(c0, load64(p));
        p += 8;
        len -= 8;
    }
    while (len--)
        c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    return (uint32_t)c0;
}

static int cpu_has_crc(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

#elif defined(KC_CRC_ARM)
/* The compilers' builtins, not arm_acle.h: its intrinsics are declared
 * only when the whole file is built with +crc, which would let the
 * compiler use the instructions outside the run-time check. */
#if defined(__clang__)
#define KC_ARM_CRC_TARGET __attribute__((target("crc")))
KC_ARM_CRC_TARGET static inline uint32_t crc_u8(uint32_t c, uint8_t v)
{
    return __builtin_arm_crc32cb(c, v);
}
KC_ARM_CRC_TARGET static inline uint32_t crc_u64(uint32_t c, uint64_t v)
{
    return __builtin_arm_crc32cd(c, v);
}
#else
#define KC_ARM_CRC_TARGET __attribute__((target("+crc")))
KC_ARM_CRC_TARGET static inline uint32_t crc_u8(uint32_t c, uint8_t v)
{
    return __builtin_aarch64_crc32cb(c, v);
}
KC_ARM_CRC_TARGET static inline uint32_t crc_u64(uint32_t c, uint64_t v)
{
    return __builtin_aarch64_crc32cx(c, v);
}
#endif
KC_ARM_CRC_TARGET static uint32_t crc_hw(uint32_t c0, const uint8_t *p, size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        c0 = crc_u8(c0, *p++);
        len--;
    }
    while (len >= 3 * LONG_BLOCK) {
        uint32_t c1 = 0, c2 = 0;
        const uint8_t *end = p + LONG_BLOCK;
        do {
            c0 = crc_u64(c0, load64(p));
            c1 = crc_u64(c1, load64(p + LONG_BLOCK));
            c2 = crc_u64(c2, load64(p + 2 * LONG_BLOCK));
            p += 8;
        } while (p < end);
        c0 = shift_reg(shift_long, c0) ^ c1;
        c0 = shift_reg(shift_long, c0) ^ c2;
        p += 2 * LONG_BLOCK;
        len -= 3 * LONG_BLOCK;
    }
    while (len >= 3 * SHORT_BLOCK) {
        uint32_t c1 = 0, c2 = 0;
        const uint8_t *end = p + SHORT_BLOCK;
        do {
            c0 = crc_u64(c0, load64(p));
            c1 = crc_u64(c1, load64(p + SHORT_BLOCK));
            c2 = crc_u64(c2, load64(p + 2 * SHORT_BLOCK));
            p += 8;
        } while (p < end);
        c0 = shift_reg(shift_short, c0) ^ c1;
        c0 = shift_reg(shift_short, c0) ^ c2;
        p += 2 * SHORT_BLOCK;
        len -= 3 * SHORT_BLOCK;
    }
    while (len >= 8) {
        c0 = crc_u64(c0, load64(p));
        p += 8;
        len -= 8;
    }
    while (len--)
        c0 = crc_u8(c0, *p++);
    return c0;
}

static int cpu_has_crc(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
}

#else
static uint32_t crc_hw(uint32_t reg, const uint8_t *p, size_t len)
{
    return crc_sw(reg, p, len);
}

static int cpu_has_crc(void) { return 0; }
#endif

/* --- setup and entry points --------------------------------------------- */

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        sw_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            sw_table[k][n] = (sw_table[k - 1][n] >> 8) ^ sw_table[0][sw_table[k - 1][n] & 0xff];
    build_shift_table(shift_long, LONG_BLOCK);
    build_shift_table(shift_short, SHORT_BLOCK);
    hw_available = cpu_has_crc();
    crc_impl = hw_available ? crc_hw : crc_sw;
}

/* The public functions take and return the conditioned value (pre- and
 * post-inverted); the cores work on the raw register. */
uint32_t kc_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&init_once, crc_init);
    return ~crc_impl(~crc, data, len);
}

uint32_t kc_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&init_once, crc_init);
    return ~crc_sw(~crc, data, len);
}

uint32_t kc_crc32c_hw(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&init_once, crc_init);
    return hw_available ? ~crc_hw(~crc, data, len) : ~crc_sw(~crc, data, len);
}

int kc_crc32c_hw_available(void)
{
    pthread_once(&init_once, crc_init);
    return hw_available;
}

uint32_t kc_crc32(uint32_t crc, const void *data, size_t len)
{
    if (len == 0)
        return crc; /* zlib would return its initial value for a NULL buffer */
    const Bytef *p = data;
    uLong c = crc;
    /* zlib's length is a uInt; feed larger buffers in pieces. */
    while (len > UINT_MAX) {
        c = crc32(c, p, UINT_MAX);
        p += UINT_MAX;
        len -= UINT_MAX;
    }
    return (uint32_t)crc32(c, p, (uInt)len);
}

/* CRC32C (Castagnoli), the checksum of RecordBatch v2: reflected
 * polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
 * kc_crc32c() picks the fastest implementation this CPU has at first use
 * (SSE4.2 on x86-64, the ARMv8 CRC extension on ARM) and falls back to a
 * portable table otherwise.  Thread-safe. */
#ifndef KC_CRC32C_H
#define KC_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* crc is the value returned by a previous call over the preceding bytes,
 * or 0 to start; so kc_crc32c(kc_crc32c(0, a, n), b, m) == crc of a||b. */
uint32_t kc_crc32c(uint32_t crc, const void *data, size_t len);

/* The two paths, exposed for tests and benchmarks.  kc_crc32c_hw returns
 * the software result when the CPU lacks the instructions;
 * kc_crc32c_hw_available() says which. */
uint32_t kc_crc32c_sw(uint32_t crc, const void *data, size_t len);
uint32_t kc_crc32c_hw(uint32_t crc, const void *data, size_t len);
int kc_crc32c_hw_available(void);

/* CRC32 (IEEE, zlib's), used by legacy message sets v0/v1. */
uint32_t kc_crc32(uint32_t crc, const void *data, size_t len);

#endif

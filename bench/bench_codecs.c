/* Codec micro-benchmark.
 *
 *   CRC32C: GB/s of the hardware and the table path over one buffer.
 *   Codecs: MB/s (of uncompressed bytes) through kc_compress/kc_decompress
 *           and through the codec library called directly on the same
 *           bytes, and the ratio: what our wrapper (framing, bounded
 *           output, writer) costs.  Input is ~100-byte JSON records
 *           concatenated into 1 MiB chunks, like a producer batch.
 *
 * Every run also checks that what it decompressed is what it compressed
 * and that both CRC paths agree; a mismatch exits 1.
 *
 * Usage: bench_codecs [--smoke] [--csv FILE]
 *   --smoke  tiny sizes, well under a second: a correctness check for CI. */
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "common/buf.h"
#include "kafkac/error.h"
#include "protocol/compress.h"
#include "protocol/crc32c.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAILED: %s\n", what);
        failures++;
    }
}

/* ---- CRC32C ------------------------------------------------------------ */

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static double crc_gbps(crc_fn fn, const uint8_t *buf, size_t len, int rounds, uint32_t *result)
{
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        *result = fn(0, buf, len);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return (double)len / best / 1e9;
}

/* ---- direct library calls, the baseline ---------------------------------- */

/* Raw snappy has no framing, so the baseline remembers its block sizes. */
#define MAX_SNAPPY_BLOCKS 4096
static size_t snappy_block_len[MAX_SNAPPY_BLOCKS];
static size_t snappy_nblocks;

/* Each returns the output length, or 0 on failure. */
static size_t direct_compress(kc_codec_t codec, const uint8_t *in, size_t len, uint8_t *out,
                              size_t cap)
{
    switch (codec) {
    case KC_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return 0;
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)len;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        int rc = deflate(&zs, Z_FINISH);
        size_t n = cap - zs.avail_out;
        deflateEnd(&zs);
        return rc == Z_STREAM_END ? n : 0;
    }
    case KC_CODEC_SNAPPY: { /* the same 32 KiB blocks, minus the framing */
        size_t pos = 0, n = 0;
        snappy_nblocks = 0;
        while (pos < len) {
            size_t blk = len - pos < 32768 ? len - pos : 32768, clen = cap - n;
            if (snappy_nblocks == MAX_SNAPPY_BLOCKS ||
                snappy_compress((const char *)in + pos, blk, (char *)out + n, &clen) != SNAPPY_OK)
                return 0;
            snappy_block_len[snappy_nblocks++] = clen;
            n += clen;
            pos += blk;
        }
        return n;
    }
    case KC_CODEC_LZ4: {
        LZ4F_preferences_t prefs;
        memset(&prefs, 0, sizeof prefs);
        prefs.frameInfo.blockSizeID = LZ4F_max64KB;
        prefs.frameInfo.blockMode = LZ4F_blockIndependent;
        size_t n = LZ4F_compressFrame(out, cap, in, len, &prefs);
        return LZ4F_isError(n) ? 0 : n;
    }
    case KC_CODEC_ZSTD: {
        size_t n = ZSTD_compress(out, cap, in, len, 0);
        return ZSTD_isError(n) ? 0 : n;
    }
    default:
        return 0;
    }
}

/* `in` is the output of direct_compress for the same codec. */
static size_t direct_decompress(kc_codec_t codec, const uint8_t *in, size_t len, uint8_t *out,
                                size_t cap)
{
    switch (codec) {
    case KC_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, 15 + 16) != Z_OK)
            return 0;
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)len;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        int rc = inflate(&zs, Z_FINISH);
        size_t n = cap - zs.avail_out;
        inflateEnd(&zs);
        return rc == Z_STREAM_END ? n : 0;
    }
    case KC_CODEC_SNAPPY: { /* the blocks direct_compress made, by their recorded lengths */
        size_t pos = 0, n = 0;
        for (size_t b = 0; b < snappy_nblocks; b++) {
            size_t ulen = cap - n;
            if (pos + snappy_block_len[b] > len ||
                snappy_uncompress((const char *)in + pos, snappy_block_len[b], (char *)out + n,
                                  &ulen) != SNAPPY_OK)
                return 0;
            pos += snappy_block_len[b];
            n += ulen;
        }
        return n;
    }
    case KC_CODEC_LZ4: {
        LZ4F_dctx *ctx;
        if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
            return 0;
        size_t dn = cap, sn = len;
        size_t r = LZ4F_decompress(ctx, out, &dn, in, &sn, NULL);
        LZ4F_freeDecompressionContext(ctx);
        return LZ4F_isError(r) || r != 0 ? 0 : dn;
    }
    case KC_CODEC_ZSTD: {
        size_t n = ZSTD_decompress(out, cap, in, len);
        return ZSTD_isError(n) ? 0 : n;
    }
    default:
        return 0;
    }
}

/* ---- codec runs ------------------------------------------------------------ */

typedef struct {
    double wrap_c, direct_c, wrap_d, direct_d; /* MB/s */
    size_t wrap_len, direct_len;
} codec_result_t;

/* State shared by the four timed operations of one codec. */
typedef struct {
    kc_codec_t codec;
    const uint8_t *in;
    size_t len, cap;
    kc_writer_t wz, wd;      /* kafkac: compressed, decompressed */
    uint8_t *dbuf, *dout;    /* direct: compressed, decompressed */
    size_t dn, un;           /* direct: their lengths */
    int rc;                  /* kafkac: any error seen */
} run_t;

/* Writers are reset, not recreated, as a producer reusing its batch
 * buffer would; the direct calls get preallocated buffers likewise. */
static void op_wrap_compress(run_t *r)
{
    kc_writer_reset(&r->wz);
    r->rc |= kc_compress(r->codec, KC_COMPRESSION_LEVEL_DEFAULT, 0, r->in, r->len, &r->wz);
}
static void op_direct_compress(run_t *r)
{
    r->dn = direct_compress(r->codec, r->in, r->len, r->dbuf, r->cap);
}
static void op_wrap_decompress(run_t *r)
{
    kc_writer_reset(&r->wd);
    r->rc |= kc_decompress(r->codec, 0, r->wz.buf, r->wz.len, r->len, &r->wd);
}
static void op_direct_decompress(run_t *r)
{
    r->un = direct_decompress(r->codec, r->dbuf, r->dn, r->dout, r->len + 1);
}

/* Calls op until min_time has passed, best of `rounds` such batches;
 * returns seconds per call. */
static double time_op(void (*op)(run_t *), run_t *r, int rounds, double min_time)
{
    double best = 1e30;
    for (int i = 0; i < rounds; i++) {
        int n = 0;
        double t0 = now(), t;
        do {
            op(r);
            n++;
            t = now() - t0;
        } while (t < min_time);
        if (t / n < best)
            best = t / n;
    }
    return best;
}

static void run_codec(kc_codec_t codec, const uint8_t *in, size_t len, int rounds, double min_time,
                      codec_result_t *res)
{
    const char *name = kc_codec_name(codec);
    char what[128];
    run_t r = { .codec = codec, .in = in, .len = len, .cap = len + len / 2 + 65536 };
    r.dbuf = malloc(r.cap);
    r.dout = malloc(len + 1);
    if (!r.dbuf || !r.dout || kc_writer_init(&r.wz, r.cap) != 0 ||
        kc_writer_init(&r.wd, len + 1) != 0) {
        check(0, "allocation");
        exit(1);
    }
    double mb = (double)len / 1e6;

    res->wrap_c = mb / time_op(op_wrap_compress, &r, rounds, min_time);
    snprintf(what, sizeof what, "%s: kc_compress", name);
    check(r.rc == 0, what);
    res->wrap_len = r.wz.len;

    res->direct_c = mb / time_op(op_direct_compress, &r, rounds, min_time);
    snprintf(what, sizeof what, "%s: direct compression", name);
    check(r.dn > 0, what);
    res->direct_len = r.dn;

    res->wrap_d = mb / time_op(op_wrap_decompress, &r, rounds, min_time);
    snprintf(what, sizeof what, "%s: kc_decompress gives back the input", name);
    check(r.rc == 0 && r.wd.len == len && memcmp(r.wd.buf, in, len) == 0, what);

    res->direct_d = mb / time_op(op_direct_decompress, &r, rounds, min_time);
    snprintf(what, sizeof what, "%s: direct decompression gives back the input", name);
    check(r.un == len && memcmp(r.dout, in, len) == 0, what);

    kc_writer_free(&r.wz);
    kc_writer_free(&r.wd);
    free(r.dbuf);
    free(r.dout);
}

/* ~100-byte JSON records, as a producer would batch them. */
static void make_records(uint8_t *buf, size_t len)
{
    static const char *const events[] = { "page_view", "click", "add_to_cart", "purchase" };
    size_t pos = 0;
    for (unsigned long n = 0; pos < len; n++) {
        char line[160];
        int k = snprintf(line, sizeof line,
                         "{\"id\":%lu,\"user\":\"user-%05lu\",\"event\":\"%s\",\"ts\":%lu,"
                         "\"amount\":%lu.%02lu}\n",
                         n, (n * 7919) % 100000, events[n % 4], 1700000000000ul + n * 13,
                         (n * 31) % 500, n % 100);
        size_t take = (size_t)k < len - pos ? (size_t)k : len - pos;
        memcpy(buf + pos, line, take);
        pos += take;
    }
}

int main(int argc, char **argv)
{
    int smoke = 0;
    const char *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            smoke = 1;
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--smoke] [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    FILE *csv = NULL;
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        perror(csv_path);
        return 2;
    }
    if (csv)
        fprintf(csv, "what,op,kafkac,direct,ratio,unit\n");

    /* CRC32C */
    size_t crc_len = smoke ? (1u << 20) : (64u << 20);
    int crc_rounds = smoke ? 2 : 5;
    uint8_t *buf = malloc(crc_len);
    if (!buf)
        return 1;
    for (size_t i = 0; i < crc_len; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 24);
    uint32_t r_hw, r_sw;
    double hw = crc_gbps(kc_crc32c_hw, buf, crc_len, crc_rounds, &r_hw);
    double sw = crc_gbps(kc_crc32c_sw, buf, crc_len, crc_rounds, &r_sw);
    check(r_hw == r_sw, "CRC32C hardware and table paths agree");
    check(kc_crc32c(0, "123456789", 9) == 0xE3069283u, "CRC32C check value");
    printf("CRC32C over %zu MiB, best of %d:\n", crc_len >> 20, crc_rounds);
    printf("  hardware (%s)  %7.2f GB/s\n", kc_crc32c_hw_available() ? "available" : "absent: table",
           hw);
    printf("  table (sw)              %7.2f GB/s   hw/sw %.1fx\n", sw, hw / sw);
    if (csv)
        fprintf(csv, "crc32c,checksum,%.3f,%.3f,%.3f,GB/s hw vs sw\n", hw, sw, hw / sw);
    free(buf);

    /* Codecs */
    size_t chunk = smoke ? (64u << 10) : (1u << 20);
    int rounds = smoke ? 1 : 5;
    double min_time = smoke ? 0.0 : 0.2;
    uint8_t *recs = malloc(chunk);
    if (!recs)
        return 1;
    make_records(recs, chunk);
    printf("\nCodecs, default levels, %zu KiB of ~100-byte JSON records, MB/s of input,\n"
           "kafkac = kc_compress/kc_decompress, direct = the codec library called directly:\n",
           chunk >> 10);
    printf("  %-7s %10s %10s %7s | %10s %10s %7s | %s\n", "codec", "comp", "direct", "ratio",
           "decomp", "direct", "ratio", "size (kafkac/direct)");
    for (kc_codec_t c = KC_CODEC_GZIP; c <= KC_CODEC_ZSTD; c++) {
        codec_result_t r;
        run_codec(c, recs, chunk, rounds, min_time, &r);
        printf("  %-7s %10.1f %10.1f %6.3fx | %10.1f %10.1f %6.3fx | %zu/%zu\n", kc_codec_name(c),
               r.wrap_c, r.direct_c, r.direct_c / r.wrap_c, r.wrap_d, r.direct_d,
               r.direct_d / r.wrap_d, r.wrap_len, r.direct_len);
        if (csv) {
            fprintf(csv, "%s,compress,%.1f,%.1f,%.4f,MB/s\n", kc_codec_name(c), r.wrap_c,
                    r.direct_c, r.direct_c / r.wrap_c);
            fprintf(csv, "%s,decompress,%.1f,%.1f,%.4f,MB/s\n", kc_codec_name(c), r.wrap_d,
                    r.direct_d, r.direct_d / r.wrap_d);
        }
    }
    printf("  (ratio = kafkac time / direct time: 1.05 means the wrapper costs 5%%)\n");
    free(recs);
    if (csv)
        fclose(csv);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}

/* RecordBatch v2 encode and decode speed, 100-byte values, in million
 * records per second: uncompressed and lz4.  Encode = reset a reusable
 * writer, append a batch of records, close (compress + CRC32C).  Decode =
 * iterate every record of the batch with CRC checks on (decompressing
 * first for lz4), touching key and value lengths.
 *
 *   build/bench/bench_records [--smoke] [--csv FILE] [--records N] [--batch N]
 *
 * --smoke: a tiny run (well under a second) that exits non-zero unless
 * every record reads back with the offset, timestamp, key and value it
 * was written with. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "protocol/record_batch.h"
#include "protocol/records.h"

#define VALUE_SIZE 100

/* Keys "k0".."k999", made once so the timing is the codec's, not printf's. */
static char keys[1000][8];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Values look like log lines: compressible but not trivially so. */
static void make_value(uint8_t *v, long i)
{
    static const char words[] = "user login ok page view click cart add pay fail retry";
    int n = snprintf((char *)v, VALUE_SIZE, "%010ld ", i * 2654435761L % 1000000007L);
    for (int j = n; j < VALUE_SIZE; j++)
        v[j] = (uint8_t)words[(size_t)(i + j * 7) % (sizeof words - 1)];
}

typedef struct result {
    const char *name;
    long records;
    double seconds;
    size_t batch_bytes;
} result_t;

static void report(FILE *csv, const result_t *r)
{
    double mrps = (double)r->records / r->seconds / 1e6;
    printf("%-14s %9ld records %8.3f s %8.2f M records/s  (batch %zu bytes)\n", r->name, r->records,
           r->seconds, mrps, r->batch_bytes);
    if (csv)
        fprintf(csv, "%s,%ld,%.6f,%.3f,%zu\n", r->name, r->records, r->seconds, mrps, r->batch_bytes);
}

/* Encodes one batch of n records starting at record number first. */
static int encode(kc_rb_writer_t *w, kc_codec_t codec, uint8_t (*values)[VALUE_SIZE], long first,
                  int n, const uint8_t **out, size_t *len)
{
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.codec = codec;
    o.base_offset = first;
    if (kc_rb_writer_reset(w, &o) != KAFKAC_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *key = keys[i % 1000];
        if (kc_rb_writer_append(w, 1700000000000LL + i, key, (int32_t)strlen(key), values[i], VALUE_SIZE,
                                NULL, 0) != KAFKAC_OK)
            return -1;
    }
    return kc_rb_writer_close(w, out, len) == KAFKAC_OK ? 0 : -1;
}

/* Reads every record; with check, compares with what encode wrote. */
static long decode(kc_records_iter_t *it, const uint8_t *buf, size_t len, long first,
                   uint8_t (*values)[VALUE_SIZE], int check)
{
    kc_records_iter_reset(it, buf, len);
    kc_record_t rec;
    long n = 0;
    size_t sum = 0;
    while (kc_records_next(it, &rec, NULL) == KAFKAC_OK) {
        sum += (size_t)rec.value_len + (size_t)rec.key_len;
        if (check) {
            char key[16];
            int kl = snprintf(key, sizeof key, "k%ld", n % 1000);
            if (rec.offset != first + n || rec.timestamp != 1700000000000LL + n || rec.key_len != kl ||
                memcmp(rec.key, key, (size_t)kl) != 0 || rec.value_len != VALUE_SIZE ||
                memcmp(rec.value, values[n], VALUE_SIZE) != 0)
                return -1;
        }
        n++;
    }
    if (kc_records_iter_error(it, NULL, NULL) != KAFKAC_OK)
        return -1;
    return sum ? n : -1;
}

int main(int argc, char **argv)
{
    long total = 5000000;
    int batch = 1000;
    int smoke = 0;
    const char *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke"))
            smoke = 1;
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv_path = argv[++i];
        else if (!strcmp(argv[i], "--records") && i + 1 < argc)
            total = atol(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--smoke] [--csv FILE] [--records N] [--batch N]\n", argv[0]);
            return 2;
        }
    }
    if (smoke)
        total = 20000;
    if (batch < 1 || total < batch) {
        fprintf(stderr, "need --batch >= 1 and --records >= --batch\n");
        return 2;
    }
    FILE *csv = NULL;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            perror(csv_path);
            return 2;
        }
        fprintf(csv, "case,records,seconds,mrecords_per_s,batch_bytes\n");
    }
    uint8_t(*values)[VALUE_SIZE] = malloc((size_t)batch * VALUE_SIZE);
    kc_rb_writer_t *w;
    kc_records_iter_t *it;
    if (!values || kc_rb_writer_new(&w, 0) || kc_records_iter_new(&it, NULL))
        return 2;
    for (int i = 0; i < batch; i++)
        make_value(values[i], i);
    for (int i = 0; i < 1000; i++)
        snprintf(keys[i], sizeof keys[i], "k%d", i);

    int status = 0;
    const struct { const char *name; kc_codec_t codec; } cases[] = {
        {"none", KC_CODEC_NONE}, {"lz4", KC_CODEC_LZ4}};
    long rounds = total / batch;
    for (size_t c = 0; c < 2; c++) {
        const uint8_t *out;
        size_t len = 0;
        double t = now();
        for (long r = 0; r < rounds; r++) {
            if (encode(w, cases[c].codec, values, r * batch, batch, &out, &len) != 0) {
                fprintf(stderr, "%s: encode failed\n", cases[c].name);
                return 1;
            }
        }
        char name[32];
        snprintf(name, sizeof name, "encode-%s", cases[c].name);
        result_t re = {name, rounds * batch, now() - t, len};
        report(csv, &re);

        /* Decode the last batch repeatedly; a copy, as a fetch buffer is. */
        uint8_t *copy = malloc(len);
        memcpy(copy, out, len);
        long first = (rounds - 1) * batch;
        if (decode(it, copy, len, first, values, 1) != batch) {
            fprintf(stderr, "%s: round trip FAILED\n", cases[c].name);
            status = 1;
        }
        t = now();
        long n = 0;
        for (long r = 0; r < rounds; r++)
            n += decode(it, copy, len, first, values, smoke);
        snprintf(name, sizeof name, "decode-%s", cases[c].name);
        result_t rd = {name, n, now() - t, len};
        report(csv, &rd);
        if (n != rounds * batch) {
            fprintf(stderr, "%s: decoded %ld records, want %ld\n", cases[c].name, n, rounds * batch);
            status = 1;
        }
        free(copy);
    }
    if (smoke)
        printf("smoke: %s\n", status ? "FAILED" : "ok");
    kc_records_iter_destroy(it);
    kc_rb_writer_destroy(w);
    free(values);
    if (csv)
        fclose(csv);
    return status;
}

/* What every client benchmark program shares: the command line, clocks,
 * CPU accounting, payloads, latency statistics and the result line.
 *
 * The programs (bench_libkafkac, bench_rdkafka, bench_kafka_python.py) take
 * the same options and print the same one-line result, so bench/run.sh can
 * treat them alike:
 *
 *   --mode produce|consume|e2e|create|delete|available  --brokers B  --topic T  --count N
 *   --size S  --acks 1|all|0  --compression none|lz4|gzip|snappy|zstd
 *   --linger-ms L  --batch-size B  --rate R (e2e, messages/s)
 *   --partitions P (how many partitions the topic has; consume/e2e assign
 *                   all of them)  --offsets o0,o1,... (consume: start offset
 *                   of each partition instead of the beginning)
 *   --warmup-ms MS (e2e: the consumer runs this long before the clock
 *                   starts, default 2000)
 *   --smoke  run every mode on a tiny input against $KAFKAC_TEST_BROKERS
 *            (topic created by the program) and check the counts
 *
 * Result line (one per run, on stdout):
 *   RESULT client=... mode=... count=... size=... seconds=... msgs_per_s=...
 *          mb_per_s=... cpu_s=... cpu_s_per_M=... errors=... [p50_us= p99_us=
 *          p999_us= max_us=]
 * seconds is the wall time of the data path: first send to last delivery
 * report, or consumer creation to last record (clients connect at
 * different moments, inside or after their constructor).  cpu_s is
 * user+sys of the whole process (all its threads) from before the client
 * was created until the data path ended, so it includes client start-up,
 * as a user pays it.
 *
 * Payload layout (all modes): bytes 0..7 the send time in CLOCK_MONOTONIC
 * nanoseconds (e2e only; zero otherwise), 8..15 the message's sequence
 * number, both little-endian; the rest is printable filler.  Producer and
 * consumer of the e2e run are in one process, so the clocks agree. */
#ifndef KAFKAC_BENCH_COMMON_H
#define KAFKAC_BENCH_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_HDR 16 /* timestamp + sequence at the front of every value */

typedef struct bench_opts {
    const char *mode;        /* produce, consume, e2e */
    const char *brokers;
    const char *topic;
    long count;
    int size;
    const char *acks;
    const char *compression;
    int linger_ms;
    int batch_size;
    int rate;                /* e2e: messages per second */
    int partitions;
    int smoke;
    /* --offsets o0,o1,...: start offset of each partition for consume
     * (default: the beginning, which costs a ListOffsets round trip). */
    const char *offsets;
    /* e2e: how long the consumer runs before the clock starts (2000 ms;
     * --smoke uses less, so that make check stays quick). */
    int warmup_ms;
    /* produce, libkafkac only: "line" sends with the one-line
     * kafkac_producer_send (the default), "record" through one reused
     * kafkac_producer_record_t, to compare their CPU per message. */
    const char *send;
} bench_opts_t;

static inline void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s --mode produce|consume|e2e|create|delete|available --brokers B --topic T [--count N] [--size S]\n"
            "          [--acks 1|all|0] [--compression none|lz4|gzip|snappy|zstd] [--linger-ms L]\n"
            "          [--batch-size B] [--rate MSGS_PER_S] [--partitions P] [--offsets O0,O1,...]\n"
            "          [--warmup-ms MS] [--send line|record (libkafkac)]\n"
            "       %s --smoke   (every mode, tiny input, broker from $KAFKAC_TEST_BROKERS)\n",
            prog, prog);
}

static inline int bench_int_arg(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, or 2 (the exit status for a usage error) after printing why. */
static inline int bench_parse(int argc, char **argv, bench_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->mode = NULL;
    o->count = 100000;
    o->size = 100;
    o->acks = "1";
    o->compression = "none";
    o->linger_ms = 5;
    o->batch_size = 1048576;
    o->rate = 5000;
    o->partitions = 6;
    o->warmup_ms = 2000;
    o->send = "line";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--smoke")) {
            o->smoke = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
            bench_usage(argv[0]);
            return 2;
        }
        const char *v = argv[++i];
        long n = 0;
        int numeric = !strcmp(a, "--count") || !strcmp(a, "--size") || !strcmp(a, "--linger-ms") ||
                      !strcmp(a, "--batch-size") || !strcmp(a, "--rate") || !strcmp(a, "--partitions") ||
                      !strcmp(a, "--warmup-ms");
        if (numeric && (bench_int_arg(v, &n) || n < 0)) {
            fprintf(stderr, "%s: %s wants a non-negative integer, not '%s'\n", argv[0], a, v);
            return 2;
        }
        if (!strcmp(a, "--mode"))
            o->mode = v;
        else if (!strcmp(a, "--brokers"))
            o->brokers = v;
        else if (!strcmp(a, "--topic"))
            o->topic = v;
        else if (!strcmp(a, "--acks"))
            o->acks = v;
        else if (!strcmp(a, "--offsets"))
            o->offsets = v;
        else if (!strcmp(a, "--compression"))
            o->compression = v;
        else if (!strcmp(a, "--count"))
            o->count = n;
        else if (!strcmp(a, "--size"))
            o->size = (int)n;
        else if (!strcmp(a, "--linger-ms"))
            o->linger_ms = (int)n;
        else if (!strcmp(a, "--batch-size"))
            o->batch_size = (int)n;
        else if (!strcmp(a, "--rate"))
            o->rate = (int)n;
        else if (!strcmp(a, "--partitions"))
            o->partitions = (int)n;
        else if (!strcmp(a, "--warmup-ms"))
            o->warmup_ms = (int)n;
        else if (!strcmp(a, "--send") && (!strcmp(v, "line") || !strcmp(v, "record")))
            o->send = v;
        else {
            fprintf(stderr, "%s: unknown option %s\n", argv[0], a);
            bench_usage(argv[0]);
            return 2;
        }
    }
    if (o->smoke)
        return 0;
    if (!o->mode || !o->brokers || !o->topic) {
        bench_usage(argv[0]);
        return 2;
    }
    if (strcmp(o->mode, "produce") && strcmp(o->mode, "consume") && strcmp(o->mode, "e2e") &&
        strcmp(o->mode, "create") && strcmp(o->mode, "available") && strcmp(o->mode, "delete")) {
        fprintf(stderr, "%s: --mode must be produce, consume, e2e, create, delete or available, not '%s'\n", argv[0], o->mode);
        return 2;
    }
    if (o->size < BENCH_HDR) {
        fprintf(stderr, "%s: --size must be at least %d (timestamp and sequence)\n", argv[0], BENCH_HDR);
        return 2;
    }
    if (o->partitions < 1 || o->rate < 1) {
        fprintf(stderr, "%s: --partitions and --rate must be positive\n", argv[0]);
        return 2;
    }
    return 0;
}

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* user + sys seconds of the whole process, every thread. */
static inline double bench_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Sleeps until the CLOCK_MONOTONIC instant `ns` (returns at once if past). */
static inline void bench_sleep_until(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static inline void bench_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t bench_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A value of `size` bytes: header zeroed, then filler that compresses about
 * as well as typical JSON does (a repeating phrase with a varying digit),
 * so that lz4 runs do real work without being trivially compressible. */
static inline uint8_t *bench_payload(int size)
{
    static const char words[] = "{\"user\":\"u-4821\",\"event\":\"page_view\",\"path\":\"/a/b/c\",\"ms\":";
    uint8_t *v = malloc((size_t)size);
    if (!v)
        return NULL;
    memset(v, 0, BENCH_HDR);
    for (int i = BENCH_HDR; i < size; i++)
        v[i] = (uint8_t)words[(i * 7 + i / 61) % (sizeof words - 1)];
    return v;
}

/* Start offset of partition p: from --offsets, else `beginning`. */
static inline int64_t bench_start_offset(const bench_opts_t *o, int p, int64_t beginning)
{
    const char *s = o->offsets;
    for (int i = 0; s && *s; i++) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (i == p)
            return end != s ? (int64_t)v : beginning;
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return beginning;
}

/* ---- latency samples ------------------------------------------------ */

typedef struct bench_lat {
    int64_t *ns;
    long n, cap;
} bench_lat_t;

static inline int bench_lat_init(bench_lat_t *l, long cap)
{
    l->n = 0;
    l->cap = cap > 0 ? cap : 1;
    l->ns = malloc((size_t)l->cap * sizeof *l->ns);
    return l->ns ? 0 : -1;
}

static inline void bench_lat_add(bench_lat_t *l, int64_t ns)
{
    if (l->n < l->cap)
        l->ns[l->n++] = ns;
}

static inline int bench_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentile q (0..1) in microseconds, nearest rank; sorts on first use. */
static inline double bench_lat_pct_us(bench_lat_t *l, double q)
{
    if (l->n == 0)
        return -1;
    qsort(l->ns, (size_t)l->n, sizeof *l->ns, bench_cmp64);
    long k = (long)(q * (double)l->n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > l->n)
        k = l->n;
    return (double)l->ns[k - 1] / 1e3;
}

/* ---- result line ---------------------------------------------------- */

typedef struct bench_result {
    const char *client;
    const char *mode;
    long count;      /* messages that made it (delivered / consumed) */
    int size;
    double seconds;
    double cpu_s;
    long errors;
    bench_lat_t *lat; /* e2e only, else NULL */
} bench_result_t;

static inline void bench_print(const bench_result_t *r)
{
    double secs = r->seconds > 0 ? r->seconds : 1e-9;
    double mps = (double)r->count / secs;
    printf("RESULT client=%s mode=%s count=%ld size=%d seconds=%.4f msgs_per_s=%.1f mb_per_s=%.2f "
           "cpu_s=%.3f cpu_s_per_M=%.3f errors=%ld",
           r->client, r->mode, r->count, r->size, r->seconds, mps, mps * r->size / 1e6, r->cpu_s,
           r->count > 0 ? r->cpu_s * 1e6 / (double)r->count : 0.0, r->errors);
    if (r->lat)
        printf(" p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f", bench_lat_pct_us(r->lat, 0.50),
               bench_lat_pct_us(r->lat, 0.99), bench_lat_pct_us(r->lat, 0.999),
               bench_lat_pct_us(r->lat, 1.0));
    printf("\n");
    fflush(stdout);
}

/* The smoke runs' broker and a topic name nobody else uses. */
static inline const char *bench_smoke_brokers(void)
{
    const char *b = getenv("KAFKAC_TEST_BROKERS");
    return b && *b ? b : "127.0.0.1:31092";
}

static inline void bench_smoke_topic(char *buf, size_t len, const char *client)
{
    snprintf(buf, len, "bench-smoke-%s-%ld-%lld", client, (long)getpid(),
             (long long)(bench_now_ns() / 1000000));
}

/* The tiny run every program's --smoke makes, on a fresh topic (written
 * into topic[len]) named after client.  The programs must agree on it, so
 * that their smoke runs stay comparable and quick. */
static inline bench_opts_t bench_smoke_opts(char *topic, size_t len, const char *client)
{
    bench_smoke_topic(topic, len, client);
    bench_opts_t o = {.brokers = bench_smoke_brokers(), .topic = topic, .count = 2000, .size = 100,
                      .acks = "all", .compression = "lz4", .linger_ms = 5, .batch_size = 1048576,
                      .rate = 5000, .partitions = 3, .warmup_ms = 300, .send = "line"};
    return o;
}

#endif

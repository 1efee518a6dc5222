/* The libkafkac side of the client benchmark (see bench/README.md): the
 * same command line and result line as bench_rdkafka and
 * bench_kafka_python.py (bench_common.h), through the public API only.
 *
 * Settings are the benchmark's (acks, compression, linger.ms, batch.size);
 * beyond them libkafkac keeps its defaults, except enable.idempotence=false
 * (on by default here as in the Java client, off by default in the other
 * two; acks=1 runs could not have it).  CRC checks are on, as by default.
 *
 *   build/bench/bench_libkafkac --mode produce --brokers 127.0.0.1:31092 --topic t --count 100000
 *   build/bench/bench_libkafkac --smoke */
#include <pthread.h>
#include <stdatomic.h>

#include "bench_common.h"
#include "kafkac/kafkac.h"

#define CLIENT "libkafkac"

/* BENCH_DEBUG=1 in the environment: the library's debug log on stderr,
 * for finding out why a run stalls (never in timed runs). */
static void debug_log(kafkac_conf_t *conf)
{
    const char *d = getenv("BENCH_DEBUG");
    if (d && *d && strcmp(d, "0")) {
        kafkac_conf_set(conf, "log.level", "7", NULL, 0);
        kafkac_conf_set_log_cb(conf, kafkac_log_stderr, NULL);
    }
}

static int set(kafkac_conf_t *conf, const char *k, const char *v)
{
    char err[256];
    if (kafkac_conf_set(conf, k, v, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "libkafkac: %s\n", err);
        return -1;
    }
    return 0;
}

/* BENCH_SSL_CA=<CA PEM file> in the environment: talk TLS to --brokers
 * (an SSL listener), trusting that CA (bench/run.sh's tls section). */
static int tls_conf(kafkac_conf_t *conf)
{
    const char *ca = getenv("BENCH_SSL_CA");
    if (!ca || !*ca)
        return 0;
    return set(conf, "security.protocol", "ssl") || set(conf, "ssl.ca.location", ca);
}

/* ---- produce -------------------------------------------------------- */

typedef struct prod_state {
    long delivered;
    long errors;
    kafkac_err_t first_error;
} prod_state_t;

/* Runs on the thread that calls poll/flush/close: this program's main
 * thread, so no locking. */
static void on_delivery(void *opaque, const kafkac_delivery_t *d)
{
    prod_state_t *st = opaque;
    kafkac_err_t e = kafkac_delivery_err(d);
    if (e) {
        if (st->errors++ == 0)
            st->first_error = e;
    } else {
        st->delivered++;
    }
}

static kafkac_producer_t *new_producer(const bench_opts_t *o, prod_state_t *st, int linger_ms)
{
    char num[32], err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf)
        return NULL;
    debug_log(conf);
    snprintf(num, sizeof num, "%d", linger_ms);
    int bad = set(conf, "bootstrap.servers", o->brokers) || tls_conf(conf) || set(conf, "acks", o->acks) ||
              set(conf, "compression.type", o->compression) || set(conf, "linger.ms", num) ||
              set(conf, "enable.idempotence", "false");
    snprintf(num, sizeof num, "%d", o->batch_size);
    bad = bad || set(conf, "batch.size", num);
    kafkac_producer_t *p = NULL;
    if (!bad) {
        p = kafkac_producer_new(conf, err, sizeof err);
        if (!p)
            fprintf(stderr, "libkafkac producer: %s\n", err);
    }
    kafkac_conf_destroy(conf);
    if (p)
        kafkac_producer_set_delivery_cb(p, on_delivery, st);
    return p;
}

static int produce_one(kafkac_producer_t *p, const char *topic, const uint8_t *value, int size)
{
    kafkac_err_t e = kafkac_producer_send(p, topic, NULL, -1, value, size, NULL);
    if (e) {
        fprintf(stderr, "libkafkac send: %s\n", kafkac_err_str(e));
        return -1;
    }
    return 0;
}

/* --send record: the same record through a reused handle. */
static int produce_rec(kafkac_producer_t *p, kafkac_producer_record_t *rec, const uint8_t *value, int size)
{
    kafkac_producer_record_set_value(rec, value, size);
    kafkac_err_t e = kafkac_producer_send_record(p, rec, NULL);
    if (e) {
        fprintf(stderr, "libkafkac send: %s\n", kafkac_err_str(e));
        return -1;
    }
    return 0;
}

static int run_produce(const bench_opts_t *o)
{
    prod_state_t st = {0};
    double cpu0 = bench_cpu_s();
    kafkac_producer_t *p = new_producer(o, &st, o->linger_ms);
    uint8_t *value = bench_payload(o->size);
    int by_record = o->send && !strcmp(o->send, "record");   /* --smoke leaves send NULL: the one-line send */
    kafkac_producer_record_t *rec = by_record ? kafkac_producer_record_new(o->topic) : NULL;
    if (!p || !value || (by_record && !rec))
        return 1;
    int64_t t0 = bench_now_ns();
    int rc = 0;
    for (long i = 0; i < o->count && rc == 0; i++) {
        bench_put64(value + 8, (uint64_t)i);
        rc = rec ? produce_rec(p, rec, value, o->size) : produce_one(p, o->topic, value, o->size);
        if ((i & 1023) == 0)
            kafkac_producer_poll(p, 0);
    }
    if (kafkac_producer_flush(p, 120000) != KAFKAC_OK) {
        fprintf(stderr, "libkafkac: flush timed out\n");
        rc = 1;
    }
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "produce", st.delivered, o->size, (double)(t1 - t0) / 1e9, cpu1 - cpu0,
                        st.errors, NULL};
    bench_print(&r);
    if (r.errors)
        fprintf(stderr, "libkafkac: %ld delivery errors, first: %s\n", r.errors, kafkac_err_str(st.first_error));
    free(value);
    kafkac_producer_record_destroy(rec);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    return rc || r.errors || r.count != o->count;
}

/* ---- consume -------------------------------------------------------- */

static kafkac_consumer_t *new_consumer(const bench_opts_t *o)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf)
        return NULL;
    kafkac_consumer_t *c = NULL;
    debug_log(conf);
    if (!set(conf, "bootstrap.servers", o->brokers) && !tls_conf(conf) && !set(conf, "enable.auto.commit", "false") &&
        !set(conf, "check.crcs", "true")) {
        c = kafkac_consumer_new(conf, err, sizeof err);
        if (!c)
            fprintf(stderr, "libkafkac consumer: %s\n", err);
    }
    kafkac_conf_destroy(conf);
    return c;
}

static int assign_all(kafkac_consumer_t *c, const bench_opts_t *o)
{
    char err[512];
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(o->partitions);
    if (!l)
        return -1;
    for (int p = 0; p < o->partitions; p++)
        kafkac_tp_set_offset(kafkac_tpl_add(l, o->topic, p), bench_start_offset(o, p, KAFKAC_OFFSET_BEGINNING));
    kafkac_err_t e = kafkac_consumer_assign(c, l, err, sizeof err);
    kafkac_tpl_destroy(l);
    if (e) {
        fprintf(stderr, "libkafkac assign: %s\n", err);
        return -1;
    }
    return 0;
}

static int run_consume(const bench_opts_t *o)
{
    char err[512];
    double cpu0 = bench_cpu_s();
    int64_t t0 = bench_now_ns(); /* from creation: clients connect at different moments */
    kafkac_consumer_t *c = new_consumer(o);
    if (!c)
        return 1;
    if (assign_all(c, o))
        return 1;
    long got = 0, errors = 0, bad_size = 0;
    int64_t last_progress = bench_now_ns();
    while (got < o->count) {
        kafkac_records_t *b = NULL;
        kafkac_err_t e = kafkac_consumer_poll(c, 1000, 10000, &b, err, sizeof err);
        if (e == KAFKAC_OK) {
            int n = kafkac_records_count(b);
            for (int i = 0; i < n; i++) {
                size_t len;
                kafkac_record_value(kafkac_records_at(b, i), &len);
                bad_size += len != (size_t)o->size;
            }
            got += n;
            kafkac_records_destroy(b);
            last_progress = bench_now_ns();
        } else if (e != KAFKAC_ERR_TIMED_OUT) {
            if (errors++ == 0)
                fprintf(stderr, "libkafkac consume: %s (%s)\n", kafkac_err_str(e), err);
        }
        if (bench_now_ns() - last_progress > 30 * 1000000000LL) {
            fprintf(stderr, "libkafkac consume: nothing for 30 s after %ld of %ld records\n", got, o->count);
            break;
        }
    }
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "consume", got, o->size, (double)(t1 - t0) / 1e9, cpu1 - cpu0, errors, NULL};
    bench_print(&r);
    if (bad_size)
        fprintf(stderr, "libkafkac consume: %ld records had a size other than %d\n", bad_size, o->size);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    return got < o->count || bad_size;
}

/* ---- end-to-end latency --------------------------------------------- */

typedef struct e2e_state {
    kafkac_consumer_t *consumer;
    long warmup; /* sequence numbers below this are not measured */
    bench_lat_t lat;
    atomic_long received;
    atomic_int stop;
} e2e_state_t;

static void *e2e_consumer(void *arg)
{
    e2e_state_t *s = arg;
    char err[256];
    while (!atomic_load(&s->stop)) {
        kafkac_records_t *b = NULL;
        if (kafkac_consumer_poll(s->consumer, 100, 0, &b, err, sizeof err) != KAFKAC_OK)
            continue;
        int64_t now = bench_now_ns();
        int n = kafkac_records_count(b);
        for (int i = 0; i < n; i++) {
            size_t len;
            const uint8_t *v = kafkac_record_value(kafkac_records_at(b, i), &len);
            if (v && len >= BENCH_HDR) {
                if ((long)bench_get64(v + 8) >= s->warmup)
                    bench_lat_add(&s->lat, now - (int64_t)bench_get64(v));
                atomic_fetch_add(&s->received, 1);
            }
        }
        kafkac_records_destroy(b);
    }
    return NULL;
}

static int run_e2e(const bench_opts_t *o)
{
    prod_state_t st = {0};
    e2e_state_t s = {.warmup = o->count / 10};
    double cpu0 = bench_cpu_s();
    if (bench_lat_init(&s.lat, o->count))
        return 1;
    s.consumer = new_consumer(o);
    kafkac_producer_t *p = new_producer(o, &st, 0);
    uint8_t *value = bench_payload(o->size);
    if (!s.consumer || !p || !value || assign_all(s.consumer, o))
        return 1;
    pthread_t th;
    pthread_create(&th, NULL, e2e_consumer, &s);
    /* Let the consumer find its partitions' leaders and start fetching
     * before the clock starts; the first tenth is a warm-up as well. */
    bench_sleep_until(bench_now_ns() + (int64_t)o->warmup_ms * 1000000);
    int64_t step = 1000000000LL / o->rate, t0 = bench_now_ns();
    int rc = 0;
    for (long i = 0; i < o->count && rc == 0; i++) {
        bench_sleep_until(t0 + i * step);
        bench_put64(value, (uint64_t)bench_now_ns());
        bench_put64(value + 8, (uint64_t)i);
        rc = produce_one(p, o->topic, value, o->size);
        kafkac_producer_poll(p, 0);
    }
    kafkac_producer_flush(p, 30000);
    int64_t deadline = bench_now_ns() + 30 * 1000000000LL;
    while (atomic_load(&s.received) < o->count && bench_now_ns() < deadline)
        bench_sleep_until(bench_now_ns() + 1000000);
    atomic_store(&s.stop, 1);
    kafkac_consumer_wakeup(s.consumer);
    pthread_join(th, NULL);
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "e2e", atomic_load(&s.received), o->size, (double)(t1 - t0) / 1e9,
                        cpu1 - cpu0, st.errors, &s.lat};
    bench_print(&r);
    free(value);
    free(s.lat.ns);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    kafkac_consumer_close(s.consumer, 10000);
    kafkac_consumer_destroy(s.consumer);
    return rc || r.errors || r.count != o->count;
}

/* ---- smoke ------------------------------------------------------------ */

/* Every mode once on a tiny input.  The topics are created with our admin
 * client, so that the smoke run needs no other client. */
static int create_topic(const char *brokers, const char *topic, int partitions)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf || set(conf, "bootstrap.servers", brokers) || tls_conf(conf)) {
        kafkac_conf_destroy(conf);
        return -1;
    }
    kafkac_admin_t *a = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!a) {
        fprintf(stderr, "libkafkac admin: %s\n", err);
        return -1;
    }
    kafkac_new_topic_t *nt = kafkac_new_topic_new(topic, partitions, 1);
    kafkac_admin_result_t *res = NULL;
    kafkac_err_t e = KAFKAC_ERR_NO_MEMORY;
    snprintf(err, sizeof err, "out of memory");
    if (nt)
        e = kafkac_admin_create_topics(a, (const kafkac_new_topic_t *const *)&nt, 1, 0, 30000, &res, err, sizeof err);
    kafkac_new_topic_destroy(nt);
    if (!e && res && kafkac_admin_result_count(res) == 1)
        e = kafkac_admin_result_error(res, 0);
    if (e)
        fprintf(stderr, "libkafkac create %s: %s %s\n", topic, kafkac_err_str(e),
                res && kafkac_admin_result_count(res) == 1 ? kafkac_admin_result_message(res, 0) : err);
    kafkac_admin_result_destroy(res);
    kafkac_admin_destroy(a);
    /* Leaders are elected just after the answer; give the broker a moment
     * rather than timing a client's first metadata retries. */
    bench_sleep_until(bench_now_ns() + 200000000LL);
    return e ? -1 : 0;
}

static int run_smoke(void)
{
    char topic[128];
    bench_opts_t o = bench_smoke_opts(topic, sizeof topic, "libkafkac");
    printf("smoke: libkafkac against %s, topic %s\n", o.brokers, topic);
    if (create_topic(o.brokers, topic, o.partitions) || run_produce(&o) || run_consume(&o))
        return 1;
    snprintf(topic + strlen(topic), sizeof topic - strlen(topic), "-e2e");
    o.count = 500;
    if (create_topic(o.brokers, topic, o.partitions) || run_e2e(&o))
        return 1;
    printf("smoke: ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    int rc = bench_parse(argc, argv, &o);
    if (rc)
        return rc;
    if (o.smoke)
        return run_smoke();
    if (!strcmp(o.mode, "produce"))
        return run_produce(&o);
    if (!strcmp(o.mode, "consume"))
        return run_consume(&o);
    if (!strcmp(o.mode, "e2e"))
        return run_e2e(&o);
    fprintf(stderr, "%s: --mode %s is bench_rdkafka's (bench/run.sh uses it there)\n", argv[0], o.mode);
    return 2;
}

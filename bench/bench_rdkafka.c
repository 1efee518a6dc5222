/* The librdkafka side of the client benchmark (see bench/README.md).
 * Same command line and result line as bench_libkafkac (bench_common.h),
 * plus helper modes bench/run.sh uses: --mode create makes the topic
 * (--partitions, replication 1), --mode delete deletes it (so that a long
 * run does not fill the disk), and --mode available prints
 * "AVAILABLE n", the records the topic's partitions hold (high minus low
 * watermark), and "LOW o0,o1,...", each partition's first offset: librdkafka's mock cluster drops old records once a
 * partition holds a few MB, so its consume runs read what is left.
 *
 * Settings are the benchmark's (acks, compression, linger.ms, batch.size);
 * beyond them librdkafka keeps its defaults, except idempotence off (the
 * other clients have it off too; acks=1 runs could not have it) and
 * check.crcs on, because libkafkac and kafka-python verify CRCs by
 * default and the consumers should do the same work.
 *
 *   build/bench/bench_rdkafka --mode produce --brokers 127.0.0.1:31092 --topic t --count 100000
 *   build/bench/bench_rdkafka --smoke */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "bench_common.h"

#define CLIENT "librdkafka"

static int set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "librdkafka: %s=%s: %s\n", k, v, err);
        return -1;
    }
    return 0;
}

/* BENCH_RDKAFKA_CONF="key=value;key=value" in the environment: extra
 * librdkafka properties, for experiments (what the bench's own runs use is
 * set in code, below). */
static int env_conf(rd_kafka_conf_t *conf)
{
    const char *env = getenv("BENCH_RDKAFKA_CONF");
    if (!env || !*env)
        return 0;
    char *copy = strdup(env), *save = NULL;
    int rc = 0;
    for (char *kv = strtok_r(copy, ";", &save); kv && rc == 0; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "BENCH_RDKAFKA_CONF: '%s' is not key=value\n", kv);
            rc = -1;
            break;
        }
        *eq = '\0';
        rc = set(conf, kv, eq + 1);
    }
    free(copy);
    return rc;
}

/* BENCH_SSL_CA=<CA PEM file>: TLS to --brokers, as bench_libkafkac. */
static int tls_conf(rd_kafka_conf_t *conf)
{
    const char *ca = getenv("BENCH_SSL_CA");
    if (!ca || !*ca)
        return 0;
    return set(conf, "security.protocol", "ssl") || set(conf, "ssl.ca.location", ca);
}

static rd_kafka_conf_t *base_conf(const bench_opts_t *o)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", o->brokers) || tls_conf(conf) || env_conf(conf)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

/* ---- produce -------------------------------------------------------- */

typedef struct prod_state {
    atomic_long delivered;
    atomic_long errors;
    atomic_int first_error;
} prod_state_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    prod_state_t *st = opaque;
    if (m->err) {
        if (atomic_fetch_add(&st->errors, 1) == 0)
            atomic_store(&st->first_error, (int)m->err);
    } else {
        atomic_fetch_add(&st->delivered, 1);
    }
}

static rd_kafka_t *new_producer(const bench_opts_t *o, prod_state_t *st, int linger_ms)
{
    char num[32], err[512];
    rd_kafka_conf_t *conf = base_conf(o);
    if (!conf)
        return NULL;
    snprintf(num, sizeof num, "%d", linger_ms);
    int bad = set(conf, "acks", o->acks) || set(conf, "compression.codec", o->compression) ||
              set(conf, "linger.ms", num) || set(conf, "enable.idempotence", "false");
    snprintf(num, sizeof num, "%d", o->batch_size);
    bad = bad || set(conf, "batch.size", num);
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, st);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "librdkafka producer: %s\n", err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* Queues one copy of `value`; waits for room when librdkafka's queue is
 * full, as an application must. */
static int produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const uint8_t *value, int size)
{
    for (;;) {
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value, (size_t)size,
                             NULL, 0, NULL) == 0)
            return 0;
        rd_kafka_resp_err_t e = rd_kafka_last_error();
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "librdkafka produce: %s\n", rd_kafka_err2str(e));
            return -1;
        }
        rd_kafka_poll(rk, 5);
    }
}

static int run_produce(const bench_opts_t *o)
{
    prod_state_t st = {0};
    double cpu0 = bench_cpu_s();
    rd_kafka_t *rk = new_producer(o, &st, o->linger_ms);
    if (!rk)
        return 1;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    uint8_t *value = bench_payload(o->size);
    if (!rkt || !value)
        return 1;
    int64_t t0 = bench_now_ns();
    int rc = 0;
    for (long i = 0; i < o->count && rc == 0; i++) {
        bench_put64(value + 8, (uint64_t)i);
        rc = produce_one(rk, rkt, value, o->size);
        if ((i & 1023) == 0)
            rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "librdkafka: flush timed out with %d messages outstanding\n", rd_kafka_outq_len(rk));
        rc = 1;
    }
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "produce", atomic_load(&st.delivered), o->size, (double)(t1 - t0) / 1e9,
                        cpu1 - cpu0, atomic_load(&st.errors), NULL};
    bench_print(&r);
    if (r.errors)
        fprintf(stderr, "librdkafka: %ld delivery errors, first: %s\n", r.errors,
                rd_kafka_err2str((rd_kafka_resp_err_t)atomic_load(&st.first_error)));
    free(value);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return rc || r.errors || r.count != o->count;
}

/* ---- consume -------------------------------------------------------- */

static rd_kafka_t *new_consumer(const bench_opts_t *o)
{
    char err[512];
    rd_kafka_conf_t *conf = base_conf(o);
    if (!conf)
        return NULL;
    /* A group id is required by the high-level consumer even when only
     * assign() is used; with assign() nothing joins or commits. */
    char group[96];
    snprintf(group, sizeof group, "bench-unused-%ld", (long)getpid());
    if (set(conf, "group.id", group) || set(conf, "enable.auto.commit", "false") ||
        set(conf, "check.crcs", "true") || set(conf, "enable.partition.eof", "false")) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "librdkafka consumer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static int assign_all(rd_kafka_t *rk, const bench_opts_t *o, int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(o->partitions);
    for (int p = 0; p < o->partitions; p++)
        rd_kafka_topic_partition_list_add(l, o->topic, p)->offset = bench_start_offset(o, p, offset);
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        fprintf(stderr, "librdkafka assign: %s\n", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int run_consume(const bench_opts_t *o)
{
    double cpu0 = bench_cpu_s();
    int64_t t0 = bench_now_ns(); /* from creation: clients connect at different moments */
    rd_kafka_t *rk = new_consumer(o);
    if (!rk)
        return 1;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    if (assign_all(rk, o, RD_KAFKA_OFFSET_BEGINNING))
        return 1;
    rd_kafka_message_t *msgs[1000];
    long got = 0, errors = 0, bad_size = 0;
    int64_t last_progress = bench_now_ns();
    while (got < o->count) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 1000, msgs, 1000);
        for (ssize_t i = 0; i < n; i++) {
            if (msgs[i]->err) {
                if (errors++ == 0)
                    fprintf(stderr, "librdkafka consume: %s\n", rd_kafka_message_errstr(msgs[i]));
            } else {
                got++;
                bad_size += msgs[i]->len != (size_t)o->size;
            }
            rd_kafka_message_destroy(msgs[i]);
        }
        if (n > 0)
            last_progress = bench_now_ns();
        else if (bench_now_ns() - last_progress > 30 * 1000000000LL) {
            fprintf(stderr, "librdkafka consume: nothing for 30 s after %ld of %ld records\n", got, o->count);
            break;
        }
    }
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "consume", got, o->size, (double)(t1 - t0) / 1e9, cpu1 - cpu0, errors, NULL};
    bench_print(&r);
    if (bad_size)
        fprintf(stderr, "librdkafka consume: %ld records had a size other than %d\n", bad_size, o->size);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got < o->count || bad_size;
}

/* ---- end-to-end latency --------------------------------------------- */

typedef struct e2e_state {
    rd_kafka_t *consumer;
    const bench_opts_t *o;
    long warmup;          /* sequence numbers below this are not measured */
    bench_lat_t lat;
    atomic_long received;
    atomic_int stop;
} e2e_state_t;

static void *e2e_consumer(void *arg)
{
    e2e_state_t *s = arg;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(s->consumer);
    rd_kafka_message_t *msgs[100];
    while (!atomic_load(&s->stop)) {
        /* A batch call returns when it has its count or at its timeout,
         * which would add waiting to the latency: take what is there. */
        ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs, 100);
        if (n <= 0) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, 100);
            if (!m)
                continue;
            msgs[0] = m;
            n = 1;
        }
        int64_t now = bench_now_ns();
        for (ssize_t i = 0; i < n; i++) {
            if (!msgs[i]->err && msgs[i]->len >= BENCH_HDR) {
                const uint8_t *v = msgs[i]->payload;
                if ((long)bench_get64(v + 8) >= s->warmup)
                    bench_lat_add(&s->lat, now - (int64_t)bench_get64(v));
                atomic_fetch_add(&s->received, 1);
            }
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    rd_kafka_queue_destroy(q);
    return NULL;
}

static int run_e2e(const bench_opts_t *o)
{
    prod_state_t st = {0};
    e2e_state_t s = {.o = o, .warmup = o->count / 10};
    double cpu0 = bench_cpu_s();
    if (bench_lat_init(&s.lat, o->count))
        return 1;
    s.consumer = new_consumer(o);
    rd_kafka_t *rk = new_producer(o, &st, 0);
    if (!s.consumer || !rk)
        return 1;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    uint8_t *value = bench_payload(o->size);
    if (!rkt || !value || assign_all(s.consumer, o, RD_KAFKA_OFFSET_BEGINNING))
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
        rc = produce_one(rk, rkt, value, o->size);
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 30000);
    int64_t deadline = bench_now_ns() + 30 * 1000000000LL;
    while (atomic_load(&s.received) < o->count && bench_now_ns() < deadline)
        bench_sleep_until(bench_now_ns() + 1000000);
    atomic_store(&s.stop, 1);
    pthread_join(th, NULL);
    int64_t t1 = bench_now_ns();
    double cpu1 = bench_cpu_s();
    bench_result_t r = {CLIENT, "e2e", atomic_load(&s.received), o->size, (double)(t1 - t0) / 1e9,
                        cpu1 - cpu0, atomic_load(&st.errors), &s.lat};
    bench_print(&r);
    free(value);
    free(s.lat.ns);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    rd_kafka_consumer_close(s.consumer);
    rd_kafka_destroy(s.consumer);
    return rc || r.errors || r.count != o->count;
}

/* ---- topic creation, watermarks, deletion ---------------------------- */

/* A client with base_conf's settings alone, for the one-shot modes
 * (create, available, delete); NULL after saying why on stderr. */
static rd_kafka_t *plain_client(const bench_opts_t *o, rd_kafka_type_t type)
{
    char err[512];
    rd_kafka_conf_t *conf = base_conf(o);
    if (!conf)
        return NULL;
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "librdkafka: %s\n", err);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only when it succeeds */
    }
    return rk;
}

static int run_create(const bench_opts_t *o)
{
    char err[512];
    rd_kafka_t *rk = plain_client(o, RD_KAFKA_PRODUCER);
    if (!rk)
        return 1;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, o->partitions, 1, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 1;
    if (!ev) {
        fprintf(stderr, "create %s: no answer in 30 s\n", o->topic);
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "create %s: %s\n", o->topic, rd_kafka_event_error_string(ev));
    } else {
        size_t n;
        const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            fprintf(stderr, "create %s: %s\n", o->topic, rd_kafka_err2str(e));
        else
            rc = 0;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    /* Wait until the topic's partitions have leaders, so that the first
     * benchmark run does not pay for the broker's own start-up. */
    for (int tries = 0; rc == 0 && tries < 100; tries++) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
        const rd_kafka_metadata_t *md = NULL;
        int ready = 0;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
            !md->topics[0].err && md->topics[0].partition_cnt == o->partitions) {
            ready = 1;
            for (int p = 0; p < md->topics[0].partition_cnt; p++)
                ready &= md->topics[0].partitions[p].leader >= 0;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        if (ready)
            break;
        bench_sleep_until(bench_now_ns() + 100000000);
    }
    rd_kafka_destroy(rk);
    return rc;
}

static int run_available(const bench_opts_t *o)
{
    rd_kafka_t *rk = plain_client(o, RD_KAFKA_CONSUMER);
    if (!rk)
        return 1;
    int64_t total = 0;
    int rc = 0;
    char lows[1024] = "";
    for (int p = 0; p < o->partitions && rc == 0; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, o->topic, p, &lo, &hi, 10000);
        if (e) {
            fprintf(stderr, "watermarks of %s/%d: %s\n", o->topic, p, rd_kafka_err2str(e));
            rc = 1;
        }
        total += hi - lo;
        size_t used = strlen(lows);
        snprintf(lows + used, sizeof lows - used, "%s%lld", p ? "," : "", (long long)lo);
    }
    if (rc == 0)
        printf("AVAILABLE %lld\nLOW %s\n", (long long)total, lows);
    rd_kafka_destroy(rk);
    return rc;
}

static int run_delete(const bench_opts_t *o)
{
    rd_kafka_t *rk = plain_client(o, RD_KAFKA_PRODUCER);
    if (!rk)
        return 1;
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(o->topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = !ev || rd_kafka_event_error(ev);
    if (rc)
        fprintf(stderr, "delete %s: %s\n", o->topic, ev ? rd_kafka_event_error_string(ev) : "no answer in 30 s");
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- smoke ------------------------------------------------------------ */

/* Every mode once on a tiny input; any failed step fails the run. */
static int run_smoke(void)
{
    char topic[128];
    bench_opts_t o = bench_smoke_opts(topic, sizeof topic, "rdkafka");
    printf("smoke: librdkafka %s against %s, topic %s\n", rd_kafka_version_str(), o.brokers, topic);
    if (run_create(&o) || run_produce(&o) || run_available(&o) || run_consume(&o))
        return 1;
    snprintf(topic + strlen(topic), sizeof topic - strlen(topic), "-e2e");
    o.count = 500;
    if (run_create(&o) || run_e2e(&o) || run_delete(&o))
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
    if (!strcmp(o.mode, "delete"))
        return run_delete(&o);
    if (!strcmp(o.mode, "available"))
        return run_available(&o);
    return run_create(&o);
}

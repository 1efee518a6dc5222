/* librdkafka's mock cluster as a process of its own, for the benchmark's
 * mock section: a broker that costs little, so that the clients' own costs
 * dominate.  It runs in its own process so that its CPU is not counted as
 * any client's.
 *
 *   build/bench/bench_rdkafka_mock [--brokers-count N] [--topic T[,T...]] [--partitions P]
 *
 * Prints "BOOTSTRAP host:port,..." once the topics exist, then runs until
 * SIGTERM or SIGINT (bench/run.sh kills it by its PID when done).
 * The mock keeps every record in memory: start a fresh one per batch of
 * runs.  Mock brokers do not support CreateTopics; topics are made here.
 *
 *   --smoke  start a 3-broker cluster with one topic, produce and read
 *            back a few records with librdkafka, stop; exit 0 if all came
 *            back.
 *
 * (Named bench_rdkafka_* so that the Makefile links it with librdkafka.) */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int create_topics(rd_kafka_mock_cluster_t *mc, const char *list, int partitions)
{
    char *copy = strdup(list), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, t, partitions, 1);
        if (e) {
            fprintf(stderr, "mock: create %s: %s\n", t, rd_kafka_err2str(e));
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

/* Produces `count` records to the mock and reads them back. */
static int smoke_roundtrip(const char *bootstrap, const char *topic, int partitions, int count)
{
    char err[512];
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    if (!p) {
        fprintf(stderr, "smoke producer: %s\n", err);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        char v[32];
        int n = snprintf(v, sizeof v, "smoke-%d", i);
        if (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(v, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) {
            fprintf(stderr, "smoke produce failed\n");
            rd_kafka_destroy(p);
            return -1;
        }
    }
    int left = rd_kafka_flush(p, 10000) ? rd_kafka_outq_len(p) : 0;
    rd_kafka_destroy(p);
    if (left) {
        fprintf(stderr, "smoke: %d records not delivered to the mock\n", left);
        return -1;
    }
    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    rd_kafka_conf_set(cc, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(cc, "group.id", "bench-mock-smoke", err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    if (!c) {
        fprintf(stderr, "smoke consumer: %s\n", err);
        return -1;
    }
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
    for (int i = 0; i < partitions; i++)
        rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    int got = 0;
    time_t deadline = time(NULL) + 15;
    while (got < count && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        got += !m->err;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    printf("smoke: read back %d of %d records\n", got, count);
    return got == count ? 0 : -1;
}

int main(int argc, char **argv)
{
    int nbrokers = 3, partitions = 6, smoke = 0;
    const char *topics = "bench";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke"))
            smoke = 1;
        else if (!strcmp(argv[i], "--brokers-count") && i + 1 < argc)
            nbrokers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--topic") && i + 1 < argc)
            topics = argv[++i];
        else if (!strcmp(argv[i], "--partitions") && i + 1 < argc)
            partitions = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--brokers-count N] [--topic T[,T...]] [--partitions P] [--smoke]\n",
                    argv[0]);
            return 2;
        }
    }
    if (nbrokers < 1 || partitions < 1) {
        fprintf(stderr, "mock: --brokers-count and --partitions must be positive\n");
        return 2;
    }
    if (smoke)
        topics = "bench-mock-smoke";

    /* The mock needs a handle for its bookkeeping; this one is never used
     * to send anything. */
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "mock: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (!mc) {
        fprintf(stderr, "mock: could not create a mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    int rc = create_topics(mc, topics, partitions);
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    if (rc == 0) {
        printf("BOOTSTRAP %s\n", bootstrap);
        fflush(stdout);
    }
    if (rc == 0 && smoke) {
        rc = smoke_roundtrip(bootstrap, topics, partitions, 500);
    } else if (rc == 0) {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        while (!stop)
            poll(NULL, 0, 200);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc ? 1 : 0;
}

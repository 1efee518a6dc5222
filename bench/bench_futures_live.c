/* Futures against a real broker: one thread sends N records, each with a
 * future it drops at once (an application that keeps futures for some
 * records only still gets one per send it asks for), while W threads each
 * send M records one at a time and wait on each one's future (the same
 * work whatever the futures cost, so times compare).  Prints how many
 * times the W threads woke in kafkac_future_wait (kc_future_wakeups)
 * against how many waits they made, and the process's wall and CPU time.
 *
 *   build/bench/bench_futures_live BROKERS TOPIC [N [W [M]]]   (default 1000000 10 200) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include "producer/producer_int.h"

static kafkac_producer_t *prod;
static const char *topic;
static atomic_long waits;
static long per_waiter;

static void *waiter(void *arg)
{
    (void)arg;
    for (long k = 0; k < per_waiter; k++) {
        kafkac_future_t *f = NULL;
        if (kafkac_producer_send(prod, topic, NULL, -1, "w", 1, &f) != KAFKAC_OK) {
            fprintf(stderr, "waiter: send failed\n");
            exit(1);
        }
        if (kafkac_future_wait(f, KAFKAC_TIMEOUT_DEFAULT, NULL) != KAFKAC_OK) {
            fprintf(stderr, "waiter: a record failed\n");
            exit(1);
        }
        kafkac_future_destroy(f);
        atomic_fetch_add(&waits, 1);
    }
    return NULL;
}

static double secs(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s BROKERS TOPIC [N [W]]\n", argv[0]);
        return 2;
    }
    topic = argv[2];
    long n = argc > 3 ? atol(argv[3]) : 1000000;
    int w = argc > 4 ? atoi(argv[4]) : 10;
    per_waiter = argc > 5 ? atol(argv[5]) : 200;
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    if (kafkac_conf_set(c, "bootstrap.servers", argv[1], err, sizeof err) ||
        kafkac_conf_set(c, "linger.ms", "5", err, sizeof err) || kafkac_conf_set(c, "acks", "1", err, sizeof err) ||
        kafkac_conf_set(c, "enable.idempotence", "false", err, sizeof err)) {
        fprintf(stderr, "conf: %s\n", err);
        return 1;
    }
    prod = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!prod) {
        fprintf(stderr, "producer: %s\n", err);
        return 1;
    }
    /* Metadata and connection before timing. */
    kafkac_future_t *f = NULL;
    if (kafkac_producer_send(prod, topic, NULL, -1, "x", 1, &f) != KAFKAC_OK ||
        kafkac_future_wait(f, 30000, NULL) != KAFKAC_OK) {
        fprintf(stderr, "first record not delivered\n");
        return 1;
    }
    kafkac_future_destroy(f);
    pthread_t th[64];
    if (w < 0 || w > 64)
        return 2;
    struct rusage r0, r1;
    struct timespec t0, t1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long wk0 = kc_future_wakeups();
    for (int i = 0; i < w; i++)
        pthread_create(&th[i], NULL, waiter, NULL);
    for (long i = 0; i < n; i++) {
        if (kafkac_producer_send(prod, topic, NULL, -1, "0123456789", 10, &f) != KAFKAC_OK) {
            fprintf(stderr, "send %ld failed\n", i);
            return 1;
        }
        kafkac_future_destroy(f);
    }
    if (kafkac_producer_flush(prod, 60000) != KAFKAC_OK) {
        fprintf(stderr, "flush failed\n");
        return 1;
    }
    for (int i = 0; i < w; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    long wk = kc_future_wakeups() - wk0, nw = atomic_load(&waits);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = secs(r1.ru_utime) - secs(r0.ru_utime) + secs(r1.ru_stime) - secs(r0.ru_stime);
    printf("records=%ld waiters=%d waits=%ld wakeups=%ld wakeups_per_wait=%.1f wall=%.2fs cpu=%.2fs\n", n, w, nw, wk,
           nw ? (double)wk / (double)nw : 0.0, wall, cpu);
    kafkac_producer_close(prod, 10000);
    kafkac_producer_destroy(prod);
    return 0;
}

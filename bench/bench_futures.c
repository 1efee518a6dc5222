/* Futures under load, no network: W threads each wait, one future after
 * another, on their share of N futures while one thread completes all N
 * in order, a batch of B at a time with a pause of P microseconds between
 * batches, as the sender does when produce responses arrive.  Prints the
 * wall time, the process's CPU time and how many times a waiting thread
 * woke up (kc_future_wakeups): ideally about one per future waited on.
 *
 * With "late" as 5th argument each thread instead waits on one future
 * only, one of the last W, while the N before it complete: the case of
 * a few threads each blocked on one record of a busy producer.
 *
 *   build/bench/bench_futures [N [W [B [P [share|late]]]]]
 *   (default 1000000 10 100 50 share) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "producer/producer_int.h"

static kafkac_future_t **futs;
static long n_futs;
static int n_waiters;
static long waited;
static int late_mode;   /* futures whose wait found them not yet done */

static void *waiter(void *arg)
{
    long me = (long)(intptr_t)arg, late = 0;
    long first = late_mode ? n_futs - n_waiters + me : me, step = late_mode ? n_futs : n_waiters;
    for (long i = first; i < n_futs; i += step) {
        if (!kafkac_future_done(futs[i]))
            late++;
        if (kafkac_future_wait(futs[i], KAFKAC_TIMEOUT_INFINITE, NULL) != KAFKAC_OK) {
            fprintf(stderr, "future %ld: wait failed\n", i);
            exit(1);
        }
        kafkac_future_destroy(futs[i]);
    }
    __atomic_add_fetch(&waited, late, __ATOMIC_RELAXED);
    return NULL;
}

static double secs(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv)
{
    n_futs = argc > 1 ? atol(argv[1]) : 1000000;
    n_waiters = argc > 2 ? atoi(argv[2]) : 10;
    long batch = argc > 3 ? atol(argv[3]) : 100;
    long pause_us = argc > 4 ? atol(argv[4]) : 50;
    late_mode = argc > 5 && strcmp(argv[5], "late") == 0;
    futs = malloc((size_t)n_futs * sizeof *futs);
    if (!futs)
        return 1;
    for (long i = 0; i < n_futs; i++)
        if (!(futs[i] = kc_future_new("bench", NULL, 120000)))
            return 1;
    pthread_t th[256];
    if (n_waiters < 1 || n_waiters > 256)
        return 1;
    struct rusage r0, r1;
    struct timespec t0, t1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long w0 = kc_future_wakeups();
    for (int i = 0; i < n_waiters; i++)
        pthread_create(&th[i], NULL, waiter, (void *)(intptr_t)i);
    for (long i = 0; i < n_futs; i++) {
        /* As kc_pbatch_complete: set a batch's futures, then notify them. */
        kc_future_set(futs[i], 0, 0, i, 0);
        if ((i + 1) % batch != 0 && i + 1 < n_futs)
            continue;
        for (long j = i + 1 - ((i % batch) + 1); j <= i; j++) {
            kafkac_future_t *f = futs[j];
            kc_future_notify(f);   /* may free f if its waiter is done with it */
            if (late_mode && j < n_futs - n_waiters)
                kafkac_future_destroy(f);   /* nobody waits on it: the application's reference */
        }
        if (pause_us > 0) {
            struct timespec ps = {0, pause_us * 1000};
            nanosleep(&ps, NULL);
        }
    }
    for (int i = 0; i < n_waiters; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    long wk = kc_future_wakeups() - w0;
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = secs(r1.ru_utime) - secs(r0.ru_utime) + secs(r1.ru_stime) - secs(r0.ru_stime);
    printf("%s batch=%ld pause=%ldus futures=%ld waiters=%d waits_not_done=%ld wakeups=%ld wakeups_per_wait=%.2f wall=%.3fs cpu=%.3fs "
           "vol_ctx_switches=%ld\n",
           late_mode ? "late" : "share", batch, pause_us, n_futs, n_waiters, waited, wk, waited ? (double)wk / (double)waited : 0.0, wall, cpu,
           r1.ru_nvcsw - r0.ru_nvcsw);
    free(futs);
    return 0;
}

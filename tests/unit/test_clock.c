/* One clock (issue #15): every wait of the library is timed on
 * CLOCK_MONOTONIC, so a step of the wall clock neither stretches nor cuts
 * it.
 *
 * The kernel's CLOCK_REALTIME cannot be stepped from a test without
 * changing the whole machine's time, so the proof has two halves:
 *
 * 1. Every condition variable the library waits on is a monotonic one.
 *    The test waits on each with an absolute deadline taken from
 *    CLOCK_MONOTONIC, 150 ms ahead.  A monotonic condvar waits those
 *    150 ms; a CLOCK_REALTIME condvar reads the same numbers as a time in
 *    1970 (the machine's uptime), long past, and returns at once.  So a
 *    condvar created with pthread_cond_init(&cv, NULL) fails this test.
 * 2. The library reads the time of day only through kc_wall_ms, which the
 *    test replaces with a clock that jumps an hour forward and back on
 *    every read while the public blocking calls wait: each still waits
 *    its timeout, neither much less nor much more. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/tsend.h"
#include "consumer/consumer_int.h"
#include "consumer/coordinator.h"
#include "producer/producer_int.h"
#include "producer/txn_int.h"
#include "protocol/net_int.h"

/* Waits on cv (unsignalled, or signalled only by the library's own
 * threads) until an absolute CLOCK_MONOTONIC deadline 150 ms ahead, and
 * checks that the wait took about 150 ms. */
static void assert_monotonic(const char *what, pthread_cond_t *cv, pthread_mutex_t *mu)
{
    struct timespec start, dl;
    clock_gettime(CLOCK_MONOTONIC, &start);
    dl = start;
    dl.tv_nsec += 150 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(mu);
    int rc, spins = 0;
    while ((rc = pthread_cond_timedwait(cv, mu, &dl)) == 0 && spins < 100000)
        spins++;   /* woken by a library thread: wait on to the deadline */
    pthread_mutex_unlock(mu);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    int64_t ms = (int64_t)(end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    if (rc != ETIMEDOUT || ms < 140 || ms > 2000)
        fail_msg("%s: a wait until now+150 ms on CLOCK_MONOTONIC returned %d after %lld ms: "
                 "expected ETIMEDOUT after 150 ms (a CLOCK_REALTIME condvar returns at once)",
                 what, rc, (long long)ms);
}

static kafkac_conf_t *conf(const char *const *kv)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), 0);
    for (; kv && kv[0]; kv += 2)
        if (kafkac_conf_set(c, kv[0], kv[1], err, sizeof err) != 0)
            fail_msg("conf %s=%s: %s", kv[0], kv[1], err);
    return c;
}

static void test_helper_condvar(void **state)
{
    (void)state;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv;
    assert_int_equal(kc_cond_init(&cv), 0);
    assert_monotonic("kc_cond_init", &cv, &mu);
    /* kc_cond_wait_until: a deadline in kc_now_ms time. */
    int64_t t0 = kc_now_ms();
    pthread_mutex_lock(&mu);
    int rc;
    while ((rc = kc_cond_wait_until(&cv, &mu, t0 + 120)) == 0)
        ;
    pthread_mutex_unlock(&mu);
    int64_t took = kc_now_ms() - t0;
    assert_int_equal(rc, ETIMEDOUT);
    if (took < 115 || took > 1500)
        fail_msg("kc_cond_wait_until(now+120) took %lld ms", (long long)took);
    /* A passed deadline does not wait. */
    pthread_mutex_lock(&mu);
    assert_int_equal(kc_cond_wait_until(&cv, &mu, t0 - 1), ETIMEDOUT);
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&cv);
}

static void test_producer_condvars(void **state)
{
    (void)state;
    const char *kv[] = {"transactional.id", "clock-test", NULL};
    kafkac_conf_t *c = conf(kv);
    char err[256];
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!kp)
        fail_msg("producer_new: %s", err);
    kc_producer_t *p = kc_producer_inner(kp);
    assert_monotonic("producer mem_cv (buffer.memory)", &p->mem_cv, &p->mem_mu);
    assert_monotonic("producer dq_cv (delivery reports)", &p->dq_cv, &p->dq_mu);
    assert_monotonic("producer use_cv (close)", &p->use_cv, &p->use_mu);
    assert_non_null(p->txn);
    assert_monotonic("transaction manager cv", &p->txn->cv, &p->txn->mu);
    assert_monotonic("producer's network client cluster_cond", &p->net->cluster_cond, &p->net->lock);
    kafkac_producer_close(kp, 0);
    kafkac_producer_destroy(kp);
}

static void test_consumer_condvars(void **state)
{
    (void)state;
    const char *kv[] = {"group.id", "clock-test", NULL};
    kafkac_conf_t *c = conf(kv);
    char err[256];
    kafkac_consumer_t *kc = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!kc)
        fail_msg("consumer_new: %s", err);
    assert_monotonic("consumer cond", &kc->cond, &kc->lock);
    assert_non_null(kc->coord);
    assert_monotonic("group coordinator cond", &kc->coord->cond, &kc->coord->lock);
    assert_monotonic("consumer's network client cluster_cond", &kc->net->cluster_cond, &kc->net->lock);
    kafkac_consumer_close(kc, 0);
    kafkac_consumer_destroy(kc);
}

/* A wall clock that is an hour ahead on one read and an hour behind on
 * the next. */
static atomic_int wall_reads;
static int64_t jumping_wall(void)
{
    int n = atomic_fetch_add(&wall_reads, 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return ms + (n % 2 ? -3600000 : 3600000);
}

static void assert_took(const char *what, int64_t t0, int timeout_ms)
{
    int64_t took = kc_now_ms() - t0;
    if (took < timeout_ms - 5 || took > timeout_ms + 1000)
        fail_msg("%s with timeout %d ms took %lld ms while the wall clock jumped", what, timeout_ms,
                 (long long)took);
}

static void test_wall_clock_steps(void **state)
{
    (void)state;
    kc_clock_set_wall_hook(jumping_wall);
    const char *kv[] = {"max.block.ms", "300", NULL};
    kafkac_conf_t *c = conf(kv);
    char err[256];
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!kp)
        fail_msg("producer_new: %s", err);
    /* The record cannot be delivered (no broker): its future stays open. */
    kc_topic_info_t ti;
    memset(&ti, 0, sizeof ti);
    ti.name = (char *)"t";
    ti.partition_count = 1;
    kc_ptopic_t *t = NULL;
    assert_int_equal(kc_acc_topic_add(kc_producer_inner(kp), &ti, &t), 0);
    kafkac_future_t *f = NULL;
    assert_int_equal(kc_test_send_to(kp, "t", 0, "k", 1, "v", 1, &f), 0);
    int64_t t0 = kc_now_ms();
    assert_int_equal(kafkac_future_wait(f, 300, NULL), KAFKAC_ERR_TIMED_OUT);
    assert_took("kafkac_future_wait", t0, 300);
    t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_poll(kp, 300), 0);
    assert_took("kafkac_producer_poll", t0, 300);
    t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_flush(kp, 300), KAFKAC_ERR_TIMED_OUT);
    assert_took("kafkac_producer_flush", t0, 300);
    if (atomic_load(&wall_reads) == 0)
        fail_msg("the send read no time of day: the hook is not the library's wall clock");
    kafkac_future_destroy(f);
    kafkac_producer_close(kp, 0);
    kafkac_producer_destroy(kp);

    c = conf(NULL);
    kafkac_consumer_t *kc = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!kc)
        fail_msg("consumer_new: %s", err);
    kafkac_records_t *recs = NULL;
    t0 = kc_now_ms();
    kafkac_err_t e = kafkac_consumer_poll(kc, 300, 10, &recs, err, sizeof err);
    (void)e;
    kafkac_records_destroy(recs);
    assert_took("kafkac_consumer_poll", t0, 300);
    kafkac_consumer_close(kc, 0);
    kafkac_consumer_destroy(kc);
    kc_clock_set_wall_hook(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helper_condvar),
        cmocka_unit_test(test_producer_condvars),
        cmocka_unit_test(test_consumer_condvars),
        cmocka_unit_test(test_wall_clock_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

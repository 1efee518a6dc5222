/* Futures (src/producer/future.c) with no producer: completing a future
 * wakes the threads waiting for that future and no others; several
 * threads may wait for one future; a wait that times out leaves nothing
 * behind for a later completion to touch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/clock.h"
#include "producer/producer_int.h"

typedef struct {
    kafkac_future_t *f;
    int timeout_ms;
    kafkac_err_t err;
    int64_t offset;
} wait_arg_t;

static void *waiter(void *arg)
{
    wait_arg_t *a = arg;
    const kafkac_delivery_t *d = NULL;
    a->err = kafkac_future_wait(a->f, a->timeout_ms, &d);
    a->offset = d ? kafkac_delivery_offset(d) : -2;
    return NULL;
}

/* Until n threads are blocked on f (at most 5 s). */
static void await_waiters(kafkac_future_t *f, int n)
{
    int64_t until = kc_now_ms() + 5000;
    while (atomic_load(&f->nwaiters) != n) {
        if (kc_now_ms() > until)
            fail_msg("expected %d waiters on the future, have %d after 5 s", n, atomic_load(&f->nwaiters));
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static void test_other_completions_do_not_wake(void **state)
{
    (void)state;
    kafkac_future_t *mine = kc_future_new("t", NULL, 120000);
    assert_non_null(mine);
    wait_arg_t a = {mine, KAFKAC_TIMEOUT_INFINITE, KAFKAC_ERR_UNKNOWN_CLIENT_ERROR, -3};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, waiter, &a), 0);
    await_waiters(mine, 1);
    long w0 = kc_future_wakeups();
    for (int i = 0; i < 10000; i++) {
        kafkac_future_t *other = kc_future_new("t", NULL, 120000);
        assert_non_null(other);
        kc_future_complete(other, 0, 0, i, 0);
        kafkac_future_destroy(other);
    }
    long woke = kc_future_wakeups() - w0;
    if (woke != 0)
        fail_msg("a thread waiting for one future woke %ld times while 10000 other futures completed", woke);
    kc_future_complete(mine, 0, 3, 42, 7);
    pthread_join(th, NULL);
    assert_int_equal(a.err, KAFKAC_OK);
    assert_int_equal(a.offset, 42);
    long total = kc_future_wakeups() - w0;
    if (total != 1)
        fail_msg("the waiter woke %ld times for its own completion, expected once", total);
    kafkac_future_destroy(mine);
}

static void test_many_waiters_one_future(void **state)
{
    (void)state;
    kafkac_future_t *f = kc_future_new("t", NULL, 120000);
    assert_non_null(f);
    wait_arg_t a[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (wait_arg_t){f, i % 2 ? -1 : 10000, KAFKAC_ERR_UNKNOWN_CLIENT_ERROR, -3};
        assert_int_equal(pthread_create(&th[i], NULL, waiter, &a[i]), 0);
    }
    await_waiters(f, 4);
    kc_future_complete(f, KAFKAC_ERR_NOT_ENOUGH_REPLICAS, 0, -1, -1);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].err, KAFKAC_ERR_NOT_ENOUGH_REPLICAS);
    }
    assert_int_equal(atomic_load(&f->nwaiters), 0);
    assert_null(f->waiters);
    kafkac_future_destroy(f);
}

static void test_timeout_then_complete(void **state)
{
    (void)state;
    kafkac_future_t *f = kc_future_new("t", NULL, 120000);
    assert_non_null(f);
    int64_t t0 = kc_now_ms();
    assert_int_equal(kafkac_future_wait(f, 100, NULL), KAFKAC_ERR_TIMED_OUT);
    int64_t took = kc_now_ms() - t0;
    if (took < 95 || took > 2000)
        fail_msg("a 100 ms wait took %lld ms", (long long)took);
    assert_int_equal(kafkac_future_wait(f, 0, NULL), KAFKAC_ERR_TIMED_OUT);
    assert_null(f->waiters);   /* the timed-out waiter's stack is gone */
    assert_int_equal(kafkac_future_done(f), 0);
    kc_future_complete(f, 0, 1, 5, 9);
    const kafkac_delivery_t *d = NULL;
    assert_int_equal(kafkac_future_wait(f, 0, &d), KAFKAC_OK);
    assert_int_equal(kafkac_delivery_offset(d), 5);
    assert_int_equal(kafkac_delivery_timestamp(d), 9);
    kafkac_future_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_completions_do_not_wake),
        cmocka_unit_test(test_many_waiters_one_future),
        cmocka_unit_test(test_timeout_then_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* See clock.h. */
#include "common/clock.h"
#include "kafkac/types.h"
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <time.h>

static _Atomic(int64_t (*)(void)) wall_hook;

int64_t kc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kc_wall_ms(void)
{
    int64_t (*hook)(void) = atomic_load(&wall_hook);
    if (hook)
        return hook();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

kafkac_err_t kc_timeout_deadline(int timeout_ms, int64_t default_ms, int64_t *deadline_ms)
{
    if (timeout_ms < -1)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t t = timeout_ms == KAFKAC_TIMEOUT_DEFAULT ? default_ms : timeout_ms;
    if (t >= KAFKAC_TIMEOUT_INFINITE) {
        *deadline_ms = KC_NO_DEADLINE;
        return KAFKAC_OK;
    }
    *deadline_ms = kc_now_ms() + (t > 0 ? t : 0);
    return KAFKAC_OK;
}

int kc_ms_left(int64_t deadline_ms)
{
    if (deadline_ms == KC_NO_DEADLINE)
        return INT_MAX;
    int64_t left = deadline_ms - kc_now_ms();
    if (left <= 0)
        return 0;
    return left >= INT_MAX ? INT_MAX : (int)left;
}

void kc_clock_set_wall_hook(int64_t (*wall_ms)(void))
{
    atomic_store(&wall_hook, wall_ms);
}

int kc_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
    return rc;
}

void kc_deadline_ts(struct timespec *ts, int64_t deadline_ms)
{
    if (deadline_ms < 0)
        deadline_ms = 0;
    ts->tv_sec = (time_t)(deadline_ms / 1000);
    ts->tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
}

int kc_cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms)
{
    if (deadline_ms == INT64_MAX)
        return pthread_cond_wait(cv, mu);
    if (kc_now_ms() >= deadline_ms)
        return ETIMEDOUT;
    struct timespec ts;
    kc_deadline_ts(&ts, deadline_ms);
    int rc = pthread_cond_timedwait(cv, mu, &ts);
    return rc == ETIMEDOUT || kc_now_ms() >= deadline_ms ? ETIMEDOUT : 0;
}

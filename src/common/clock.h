/* The library's one clock.  Every deadline and every wait is measured on
 * CLOCK_MONOTONIC, which a wall-clock step (settimeofday, NTP step, a
 * suspended VM setting its time) does not move: a wait lasts as long as its
 * timeout says, whatever happens to the time of day.  The time of day
 * (kc_wall_ms) is read only for what it means, record timestamps, and
 * never to time a wait.
 *
 * Every condition variable that is waited on with a timeout is created by
 * kc_cond_init, so that pthread_cond_timedwait reads the same clock as
 * kc_now_ms, and is waited on through kc_cond_wait_until. */
#ifndef KC_CLOCK_H
#define KC_CLOCK_H
#include <pthread.h>
#include <stdint.h>
#include "kafkac/error.h"

struct timespec;

/* CLOCK_MONOTONIC in ms: the clock of every deadline. */
int64_t kc_now_ms(void);

/* CLOCK_REALTIME in ms since the epoch: timestamps only. */
int64_t kc_wall_ms(void);

/* pthread_cond_init on CLOCK_MONOTONIC.  0 or an errno value. */
int kc_cond_init(pthread_cond_t *cv);

/* The absolute timespec for deadline_ms (a kc_now_ms time), as
 * pthread_cond_timedwait on a kc_cond_init condvar wants it. */
void kc_deadline_ts(struct timespec *ts, int64_t deadline_ms);

/* Waits on cv (mu held) until signalled or until deadline_ms (a kc_now_ms
 * time).  INT64_MAX waits without a deadline.  Returns 0 when woken (or
 * spuriously), ETIMEDOUT once the deadline has passed. */
int kc_cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms);

/* A deadline that never comes: kc_cond_wait_until waits without one. */
#define KC_NO_DEADLINE INT64_MAX

/* The one timeout rule of kafkac.h, applied by every public call that
 * takes timeout_ms, before it does anything else.  Sets *deadline_ms to
 * the kc_now_ms time by which the call must return:
 *   KAFKAC_TIMEOUT_DEFAULT (-1)  now + default_ms, the client's configured
 *                                default for that call;
 *   KAFKAC_TIMEOUT_INFINITE      KC_NO_DEADLINE (so is a default_ms of
 *                                INT_MAX or more: the same "no limit");
 *   0                            now: the call does what needs no waiting;
 *   > 0                          now + timeout_ms.
 * Returns KAFKAC_OK, or KAFKAC_ERR_INVALID_ARG for timeout_ms < -1 (then
 * *deadline_ms is untouched and the caller must do nothing). */
kafkac_err_t kc_timeout_deadline(int timeout_ms, int64_t default_ms, int64_t *deadline_ms);

/* Milliseconds from now until deadline_ms, clamped to 0..INT_MAX (the
 * range of an int timeout; KC_NO_DEADLINE gives INT_MAX). */
int kc_ms_left(int64_t deadline_ms);

/* Test hook: replaces the time of day that kc_wall_ms reads (NULL restores
 * CLOCK_REALTIME), so a test can step the wall clock back and forth while a
 * wait runs and check that no wait moves with it. */
void kc_clock_set_wall_hook(int64_t (*wall_ms)(void));

#endif

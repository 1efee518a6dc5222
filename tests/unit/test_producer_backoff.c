/* The retry backoff schedule of the producer, its transaction manager and
 * the admin client (retry.backoff.ms, retry.backoff.max.ms; KIP-580):
 * the wait before retry n is retry.backoff.ms * 2^(n-1), capped at
 * retry.backoff.max.ms, then +-20% jitter.  One function computes it
 * (kc_net_backoff_ms, shared with reconnects); the producer's wrapper
 * reads its settings.  itest_producer_retry_backoff.c shows the producer
 * using it against a real broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "admin/admin_int.h"
#include "kafkac/kafkac.h"
#include "producer/producer_int.h"
#include "producer/txn_int.h"
#include "protocol/net.h"

/* Every draw for attempt n lies in [0.8, 1.2] x min(base * 2^(n-1), max),
 * and the draws really vary (jitter), covering most of that range. */
static void check_schedule(int64_t base, int64_t max)
{
    unsigned seed = 12345;
    for (int n = 1; n <= 40; n++) {
        int64_t nominal = base;
        for (int i = 1; i < n && nominal < max; i++)
            nominal *= 2;
        if (nominal > max)
            nominal = max;
        int64_t lo = nominal - nominal / 5, hi = nominal + nominal / 5;
        int64_t seen_lo = INT64_MAX, seen_hi = INT64_MIN;
        for (int k = 0; k < 500; k++) {
            int64_t w = kc_net_backoff_ms(base, max, n, &seed);
            if (w < lo || w > hi)
                fail_msg("base %lld max %lld attempt %d: %lld outside [%lld, %lld]", (long long)base, (long long)max,
                         n, (long long)w, (long long)lo, (long long)hi);
            if (w < seen_lo)
                seen_lo = w;
            if (w > seen_hi)
                seen_hi = w;
        }
        if (nominal >= 50 && seen_hi - seen_lo < (hi - lo) / 2)
            fail_msg("attempt %d: no real jitter (%lld..%lld of %lld..%lld)", n, (long long)seen_lo,
                     (long long)seen_hi, (long long)lo, (long long)hi);
    }
}

static void test_schedule_doubles_caps_and_jitters(void **state)
{
    (void)state;
    check_schedule(100, 1000);      /* the defaults */
    check_schedule(50, 800);
    check_schedule(100, 100);       /* max == base: a fixed wait (with jitter) */
    check_schedule(1, 2147483647);  /* no overflow when the cap is huge */
    unsigned seed = 1;
    assert_int_equal(kc_net_backoff_ms(0, 0, 7, &seed), 0);
    /* The nominal values of the defaults, attempt by attempt. */
    const int64_t want[] = { 100, 200, 400, 800, 1000, 1000 };
    for (int n = 1; n <= 6; n++) {
        int64_t sum = 0;
        for (int k = 0; k < 2000; k++)
            sum += kc_net_backoff_ms(100, 1000, n, &seed);
        int64_t mean = sum / 2000;
        if (mean < want[n - 1] * 95 / 100 || mean > want[n - 1] * 105 / 100)
            fail_msg("attempt %d: mean wait %lld, expected about %lld", n, (long long)mean, (long long)want[n - 1]);
    }
}

/* The producer's wrapper uses retry.backoff.ms and retry.backoff.max.ms. */
static void test_producer_uses_its_settings(void **state)
{
    (void)state;
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.ms", "40", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.max.ms", "300", err, sizeof err), KAFKAC_OK);
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(kp);
    kc_producer_t *p = kc_producer_inner(kp);
    const int64_t nominal[] = { 40, 80, 160, 300, 300 };
    for (int n = 1; n <= 5; n++)
        for (int k = 0; k < 200; k++) {
            int64_t w = kc_sender_backoff(p, n);
            if (w < nominal[n - 1] * 8 / 10 || w > nominal[n - 1] * 12 / 10)
                fail_msg("attempt %d: %lld, nominal %lld", n, (long long)w, (long long)nominal[n - 1]);
        }
    kafkac_producer_destroy(kp);
}

static kafkac_conf_t *conf_with(const char *backoff, const char *max, const char *tid)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.ms", backoff, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.max.ms", max, err, sizeof err), KAFKAC_OK);
    if (tid)
        assert_int_equal(kafkac_conf_set(c, "transactional.id", tid, err, sizeof err), KAFKAC_OK);
    return c;
}

/* The transaction manager's retries grow per failure until an operation
 * ends; CONCURRENT_TRANSACTIONS keeps its short fixed wait. */
static void test_txn_retries_grow(void **state)
{
    (void)state;
    char err[256];
    kafkac_conf_t *c = conf_with("40", "300", "backoff-tid");
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(kp);
    kc_txn_t *t = kc_producer_inner(kp)->txn;
    assert_non_null(t);
    const int64_t nominal[] = { 40, 80, 160, 300, 300 };
    for (int n = 1; n <= 5; n++) {
        int64_t w = kc_txn_backoff(t, KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE) - kc_now_ms();
        if (w < nominal[n - 1] * 8 / 10 - 1 || w > nominal[n - 1] * 12 / 10)
            fail_msg("txn retry %d: %lld ms, nominal %lld", n, (long long)w, (long long)nominal[n - 1]);
    }
    int64_t w = kc_txn_backoff(t, KAFKAC_ERR_CONCURRENT_TRANSACTIONS) - kc_now_ms();
    assert_true(w <= 40);
    kafkac_producer_destroy(kp);
}

/* Admin retries sleep the same schedule, and never past the deadline. */
static void test_admin_retries_grow(void **state)
{
    (void)state;
    char err[256];
    kafkac_conf_t *c = conf_with("20", "160", NULL);
    kafkac_admin_t *adm = kafkac_admin_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(adm);
    const int64_t nominal[] = { 20, 40, 80, 160, 160 };
    for (int n = 1; n <= 5; n++) {
        int64_t t0 = kc_now_ms();
        kc_admin_backoff(adm, n, t0 + 60000);
        int64_t took = kc_now_ms() - t0;
        if (took < nominal[n - 1] * 8 / 10 - 1 || took > nominal[n - 1] * 12 / 10 + 50)
            fail_msg("admin retry %d slept %lld ms, nominal %lld", n, (long long)took, (long long)nominal[n - 1]);
    }
    int64_t t0 = kc_now_ms();
    kc_admin_backoff(adm, 5, t0 + 30);
    assert_true(kc_now_ms() - t0 < 30 + 50);
    kafkac_admin_destroy(adm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_doubles_caps_and_jitters),
        cmocka_unit_test(test_producer_uses_its_settings),
        cmocka_unit_test(test_txn_retries_grow),
        cmocka_unit_test(test_admin_retries_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* close racing the calls of other threads (issue 13, defect 11): close
 * must never free the network client while flush, send or a
 * transactional call on another thread still uses it.  Each round starts
 * the other calls, lets them get under way for a random few
 * milliseconds, closes, and checks that every call came back with an
 * outcome that makes sense and nothing waited past its timeout.  Meant
 * to run under ThreadSanitizer too (a data race or a use after free is
 * the failure it exists to catch):
 *   cc -fsanitize=thread ... (see PROOF's TSan build in make check).
 *
 * Run by hand: KAFKAC_TEST_BROKERS=127.0.0.1:16092 build/tests/integration/itest_producer_close_race */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "itest_producer_util.h"
#include "kafkac/kafkac.h"

#define B kc_test_brokers()
#define SLACK_MS 1000

static char topic[128];

static int setup(void **state)
{
    (void)state;
    kc_test_topic(topic, sizeof topic, "close-race");
    return kc_test_create_topic(B, topic, 2, 1, NULL);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

typedef struct racer {
    kafkac_producer_t *p;
    atomic_int started;
    atomic_int closed;         /* close has returned */
    int calls;
    kafkac_err_t flush_err, commit_err, send_err;
    int64_t flush_took, commit_took;
    char commit_errstr[512];
} racer_t;

/* Flushes again and again until close has returned: some flush is
 * under way, or starting, whenever close gets to each of its steps. */
static void *flusher(void *arg)
{
    racer_t *r = arg;
    atomic_store(&r->started, 1);
    for (;;) {
        int done = atomic_load(&r->closed);
        int64_t t0 = kc_test_now_ms();
        kafkac_err_t e = kafkac_producer_flush(r->p, 20);
        int64_t took = kc_test_now_ms() - t0;
        r->calls++;
        if (e != KAFKAC_OK && e != KAFKAC_ERR_DESTROYED && e != KAFKAC_ERR_TIMED_OUT && !r->flush_err)
            r->flush_err = e;
        if (took > r->flush_took)
            r->flush_took = took;
        if (done)
            return NULL;
    }
}

static void *sender(void *arg)
{
    racer_t *r = arg;
    r->send_err = KAFKAC_OK;
    for (int i = 0; i < 2000 && r->send_err == KAFKAC_OK; i++) {
        r->send_err = kafkac_producer_send(r->p, topic, NULL, -1, "s", 1, NULL);
        if (i % 64 == 0)
            kafkac_producer_poll(r->p, 0);
    }
    return NULL;
}

/* Transactions one after the other (begin, send, commit; abort when the
 * commit fails) until close has returned. */
static void *committer(void *arg)
{
    racer_t *r = arg;
    atomic_store(&r->started, 1);
    char err[512];
    for (;;) {
        int done = atomic_load(&r->closed);
        kafkac_producer_begin_transaction(r->p, err, sizeof err);
        for (int i = 0; i < 10; i++)
            kafkac_producer_send(r->p, topic, NULL, -1, "t", 1, NULL);
        int64_t t0 = kc_test_now_ms();
        kafkac_err_t e = kafkac_producer_commit_transaction(r->p, 2000, err, sizeof err);
        int64_t took = kc_test_now_ms() - t0;
        r->calls++;
        /* Committed; refused because close came first or meanwhile
         * (DESTROYED, or a record purged by close); STATE when an earlier
         * round's commit was cut short. */
        if (e != KAFKAC_OK && e != KAFKAC_ERR_DESTROYED && e != KAFKAC_ERR_PURGED && e != KAFKAC_ERR_STATE &&
            e != KAFKAC_ERR_TIMED_OUT && !r->commit_err) {
            r->commit_err = e;
            snprintf(r->commit_errstr, sizeof r->commit_errstr, "%s", err);
        }
        if (e != KAFKAC_OK)
            kafkac_producer_abort_transaction(r->p, 500, err, sizeof err);
        if (took > r->commit_took)
            r->commit_took = took;
        if (done)
            return NULL;
    }
}

static void wait_started(racer_t *r)
{
    while (!atomic_load(&r->started))
        sleep_ms(1);
}

/* close against flush and send on two other threads, 50 times. */
static void test_close_races_flush_and_send(void **state)
{
    (void)state;
    srand((unsigned)kc_test_now_ms());
    for (int round = 0; round < 50; round++) {
        const char *kv[] = { "linger.ms", "20", NULL };
        kafkac_producer_t *p = pu_producer(B, kv);
        racer_t r;
        memset(&r, 0, sizeof r);
        r.p = p;
        for (int i = 0; i < 50; i++)
            assert_int_equal(kafkac_producer_send(p, topic, NULL, -1, "v", 1, NULL),
                             KAFKAC_OK);
        pthread_t tf, ts;
        assert_int_equal(pthread_create(&ts, NULL, sender, &r), 0);
        assert_int_equal(pthread_create(&tf, NULL, flusher, &r), 0);
        wait_started(&r);
        sleep_ms(rand() % 15);
        int64_t t0 = kc_test_now_ms();
        kafkac_err_t ce = kafkac_producer_close(p, rand() % 3 == 0 ? 0 : 200);
        int64_t close_took = kc_test_now_ms() - t0;
        atomic_store(&r.closed, 1);
        pthread_join(tf, NULL);
        pthread_join(ts, NULL);
        if (ce != KAFKAC_OK && ce != KAFKAC_ERR_TIMED_OUT)
            fail_msg("round %d: close returned %s", round, kafkac_err_name(ce));
        if (close_took > 200 + SLACK_MS)
            fail_msg("round %d: close(200) took %lld ms", round, (long long)close_took);
        if (r.flush_err)
            fail_msg("round %d: flush racing close returned %s", round, kafkac_err_name(r.flush_err));
        if (r.flush_took > 20 + SLACK_MS)
            fail_msg("round %d: flush(20) took %lld ms", round, (long long)r.flush_took);
        if (r.send_err != KAFKAC_OK && r.send_err != KAFKAC_ERR_DESTROYED)
            fail_msg("round %d: send racing close returned %s", round, kafkac_err_name(r.send_err));
        /* After close every call says so at once. */
        assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "x", 1, NULL),
                         KAFKAC_ERR_DESTROYED);
        assert_int_equal(kafkac_producer_flush(p, 1000), KAFKAC_OK);
        kafkac_producer_destroy(p);
    }
}

/* close against commit_transaction on another thread, 25 times (each
 * round initializes a transactional producer, which takes a while). */
static void test_close_races_commit_transaction(void **state)
{
    (void)state;
    for (int round = 0; round < 25; round++) {
        char tid[160];
        snprintf(tid, sizeof tid, "%s-tid-%d", topic, round);
        const char *kv[] = { "transactional.id", tid, "linger.ms", "5", NULL };
        kafkac_producer_t *p = pu_producer(B, kv);
        char err[512];
        kafkac_err_t e = kafkac_producer_init_transactions(p, 30000, err, sizeof err);
        if (e)
            fail_msg("round %d: init_transactions: %s (%s)", round, kafkac_err_name(e), err);
        assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_OK);
        for (int i = 0; i < 100; i++)
            assert_int_equal(kafkac_producer_send(p, topic, NULL, -1, "t", 1, NULL),
                             KAFKAC_OK);
        assert_int_equal(kafkac_producer_commit_transaction(p, 30000, err, sizeof err), KAFKAC_OK);
        racer_t r, rf;
        memset(&r, 0, sizeof r);
        memset(&rf, 0, sizeof rf);
        r.p = rf.p = p;
        pthread_t tc, tf;
        assert_int_equal(pthread_create(&tc, NULL, committer, &r), 0);
        wait_started(&r);
        assert_int_equal(pthread_create(&tf, NULL, flusher, &rf), 0);
        wait_started(&rf);
        sleep_ms(rand() % 30);
        int64_t t0 = kc_test_now_ms();
        kafkac_producer_close(p, 300);
        int64_t close_took = kc_test_now_ms() - t0;
        atomic_store(&r.closed, 1);
        atomic_store(&rf.closed, 1);
        pthread_join(tc, NULL);
        pthread_join(tf, NULL);
        if (close_took > 300 + SLACK_MS)
            fail_msg("round %d: close(300) took %lld ms", round, (long long)close_took);
        if (r.commit_took > 2000 + SLACK_MS)
            fail_msg("round %d: commit_transaction(2000) took %lld ms", round, (long long)r.commit_took);
        if (r.commit_err)
            fail_msg("round %d: commit racing close returned %s (%s)", round, kafkac_err_name(r.commit_err),
                     r.commit_errstr);
        if (rf.flush_err)
            fail_msg("round %d: flush racing close returned %s", round, kafkac_err_name(rf.flush_err));
        assert_int_equal(kafkac_producer_commit_transaction(p, 1000, err, sizeof err), KAFKAC_ERR_DESTROYED);
        kafkac_producer_destroy(p);
    }
}

int main(void)
{
    (void)pu_read;
    (void)pu_free;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_races_flush_and_send),
        cmocka_unit_test(test_close_races_commit_transaction),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, setup, NULL);
}

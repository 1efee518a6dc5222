/* Every blocking producer call returns by its own timeout, and a send
 * that cannot reach any broker says what happened (issue 13, defects 1
 * and 5):
 *   - send with a bootstrap address where nothing listens, one that does
 *     not resolve (.invalid), and one that accepts connections but never
 *     answers: ALL_BROKERS_DOWN, RESOLVE, TIMED_OUT after max.block.ms,
 *     with kafkac_producer_send_error naming the address and the reason;
 *   - with the broker hung (SIGSTOP of the test broker's process):
 *     flush, close, send waiting for metadata, init_transactions,
 *     commit_transaction, abort_transaction and
 *     send_offsets_to_transaction each return within timeout + 1 s.
 *
 * The broker is found by the process listening on the first port of
 * KAFKAC_TEST_BROKERS (ss -ltnp), stopped with SIGSTOP and always resumed
 * with SIGCONT by each test's teardown.
 *
 * Run by hand: KAFKAC_KAFKA_PORT_BASE=16092 scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:16092 build/tests/integration/itest_producer_deadlines
 * (ITEST_FILTER=test_flush_* runs some cases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "itest_producer_util.h"
#include "itest_sigstop.h"
#include "kafkac/kafkac.h"

#define B kc_test_brokers()
#define SLACK_MS 1000

/* ---- addresses that fail in each way -------------------------------- */

/* A loopback port nobody listens on: bound, then closed. */
static int dead_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* A socket that listens and never accepts nor answers: connections
 * complete in the kernel's backlog, the handshake never gets a reply. */
static int hung_listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 16), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return s;
}

static kafkac_producer_t *producer(const char *brokers, const char *k1, const char *v1, const char *k2,
                                   const char *v2)
{
    const char *kv[] = { k1, v1, k2, v2, NULL };
    if (!k1)
        kv[0] = NULL;
    else if (!k2)
        kv[2] = NULL;
    return pu_producer(brokers, kv);
}

/* Sends one record to a new topic through `brokers` with
 * max.block.ms=1500 and checks the error, the time taken, and that the
 * text names `must_name`. */
static void send_unreachable(const char *brokers, kafkac_err_t want, const char *must_name)
{
    kafkac_producer_t *p = producer(brokers, "max.block.ms", "1500", NULL, NULL);
    int64_t t0 = kc_test_now_ms();
    kafkac_future_t *f = NULL;
    kafkac_err_t e = kafkac_producer_send(p, "kc-unreachable", NULL, -1, "v", 1, &f);
    int64_t took = kc_test_now_ms() - t0;
    char why[512];
    kafkac_err_t e2 = kafkac_producer_send_error(p, why, sizeof why);
    if (e != want)
        fail_msg("send via %s: expected %s, got %s (%s)", brokers, kafkac_err_name(want), kafkac_err_name(e), why);
    assert_null(f);
    if (took < 1400 || took > 1500 + SLACK_MS)
        fail_msg("send via %s returned after %lld ms, max.block.ms is 1500", brokers, (long long)took);
    assert_int_equal(e2, e);
    if (!strstr(why, must_name))
        fail_msg("the error text does not name '%s': %s", must_name, why);
    printf("# %s: %s (%lld ms)\n", kafkac_err_name(e), why, (long long)took);
    int64_t c0 = kc_test_now_ms();
    assert_int_equal(kafkac_producer_close(p, 1000), KAFKAC_OK);
    assert_true(kc_test_now_ms() - c0 < 1000 + SLACK_MS);
    kafkac_producer_destroy(p);
}

static void test_send_nothing_listening(void **state)
{
    (void)state;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", dead_port());
    send_unreachable(addr, KAFKAC_ERR_ALL_BROKERS_DOWN, addr);
}

static void test_send_unresolvable(void **state)
{
    (void)state;
    send_unreachable("kc-no-such-broker.invalid:9092", KAFKAC_ERR_RESOLVE, "kc-no-such-broker.invalid");
}

static void test_send_never_answers(void **state)
{
    (void)state;
    int port;
    int s = hung_listener(&port);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    send_unreachable(addr, KAFKAC_ERR_TIMED_OUT, addr);
    close(s);
}

/* ---- the broker hung (SIGSTOP) ---------------------------------------- */

/* A producer that has written one record to `topic` (so its connection
 * is up and the topic's metadata known). */
static kafkac_producer_t *warm_producer(const char *topic, const char *k, const char *v)
{
    kafkac_producer_t *p = producer(B, "linger.ms", "0", k, v);
    kafkac_future_t *f;
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "warm", 4, &f), KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(f, 30000, NULL), KAFKAC_OK);
    kafkac_future_destroy(f);
    return p;
}

#define ASSERT_WITHIN(t0, limit_ms, what)                                                                     \
    do {                                                                                                      \
        int64_t took_ = kc_test_now_ms() - (t0);                                                              \
        if (took_ > (limit_ms) + SLACK_MS)                                                                    \
            fail_msg("%s took %lld ms; its timeout was %d ms", what, (long long)took_, (int)(limit_ms));        \
        printf("# %s returned after %lld ms (timeout %d ms)\n", what, (long long)took_, (int)(limit_ms));   \
    } while (0)

static void test_flush_broker_hung(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "dl-flush");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_producer_t *p = warm_producer(topic, NULL, NULL);
    its_broker_stop();
    kafkac_future_t *f;
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "x", 1, &f), KAFKAC_OK);
    int64_t t0 = kc_test_now_ms();
    assert_int_equal(kafkac_producer_flush(p, 2000), KAFKAC_ERR_TIMED_OUT);
    ASSERT_WITHIN(t0, 2000, "flush(2000)");
    t0 = kc_test_now_ms();
    assert_int_equal(kafkac_producer_close(p, 1500), KAFKAC_ERR_TIMED_OUT);
    ASSERT_WITHIN(t0, 1500, "close(1500)");
    assert_int_equal(kafkac_future_wait(f, 0, NULL), KAFKAC_ERR_PURGED);
    kafkac_future_destroy(f);
    kafkac_producer_destroy(p);
}

static void test_send_metadata_broker_hung(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "dl-send");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_producer_t *p = warm_producer(topic, "max.block.ms", "1500");
    its_broker_stop();
    char other[160];
    snprintf(other, sizeof other, "%s-other", topic);
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_producer_send(p, other, NULL, -1, "x", 1, NULL);
    ASSERT_WITHIN(t0, 1500, "send blocked on metadata (max.block.ms 1500)");
    char why[512];
    kafkac_producer_send_error(p, why, sizeof why);
    if (e != KAFKAC_ERR_UNKNOWN_TOPIC && e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("send: expected UNKNOWN_TOPIC or TIMED_OUT, got %s (%s)", kafkac_err_name(e), why);
    assert_non_null(strstr(why, other));
    t0 = kc_test_now_ms();
    kafkac_producer_close(p, 1000);
    ASSERT_WITHIN(t0, 1000, "close(1000)");
    kafkac_producer_destroy(p);
}

/* ---- transactions with the broker hung -------------------------------- */

static kafkac_producer_t *txn_producer(const char *tid)
{
    return producer(B, "transactional.id", tid, "linger.ms", "0");
}

static void test_init_transactions_broker_hung(void **state)
{
    (void)state;
    char tid[128];
    kc_test_topic(tid, sizeof tid, "dl-init");
    kafkac_producer_t *p = txn_producer(tid);
    its_broker_stop();
    char err[512];
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_producer_init_transactions(p, 2000, err, sizeof err);
    ASSERT_WITHIN(t0, 2000, "init_transactions(2000)");
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("init_transactions: expected TIMED_OUT, got %s (%s)", kafkac_err_name(e), err);
    assert_non_null(strstr(err, "init_transactions"));
    t0 = kc_test_now_ms();
    kafkac_producer_close(p, 1000);
    ASSERT_WITHIN(t0, 1000, "close(1000)");
    kafkac_producer_destroy(p);
}

/* An initialized transactional producer inside a transaction that has
 * written one record to `topic`. */
static kafkac_producer_t *in_transaction(const char *topic, const char *tid)
{
    kafkac_producer_t *p = txn_producer(tid);
    char err[512];
    kafkac_err_t e = kafkac_producer_init_transactions(p, 30000, err, sizeof err);
    if (e)
        fail_msg("init_transactions: %s (%s)", kafkac_err_name(e), err);
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_OK);
    kafkac_future_t *f;
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "t", 1, &f), KAFKAC_OK);
    assert_int_equal(kafkac_future_wait(f, 30000, NULL), KAFKAC_OK);
    kafkac_future_destroy(f);
    return p;
}

typedef enum { DO_COMMIT, DO_ABORT, DO_OFFSETS } txn_call_t;

static void txn_call_broker_hung(txn_call_t what, const char *name)
{
    char topic[128], tid[160];
    kc_test_topic(topic, sizeof topic, "dl-txn");
    snprintf(tid, sizeof tid, "%s-tid", topic);
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_producer_t *p = in_transaction(topic, tid);
    /* More records not yet acknowledged, so that commit also waits for
     * them. */
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "u", 1, NULL), KAFKAC_OK);
    its_broker_stop();
    char err[512] = "";
    kafkac_err_t e;
    int64_t t0 = kc_test_now_ms();
    if (what == DO_COMMIT) {
        e = kafkac_producer_commit_transaction(p, 2000, err, sizeof err);
    } else if (what == DO_ABORT) {
        e = kafkac_producer_abort_transaction(p, 2000, err, sizeof err);
    } else {
        kafkac_topic_partition_list_t *tpl = kafkac_tpl_new(1);
        kafkac_tp_set_offset(kafkac_tpl_add(tpl, topic, 0), 1);
        kafkac_group_metadata_t *gm = kafkac_group_metadata_new("dl-group", -1, NULL, NULL);
        e = kafkac_producer_send_offsets_to_transaction(p, tpl, gm, 2000, err, sizeof err);
        kafkac_group_metadata_destroy(gm);
        kafkac_tpl_destroy(tpl);
    }
    ASSERT_WITHIN(t0, 2000, name);
    if (e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("%s: expected TIMED_OUT, got %s (%s)", name, kafkac_err_name(e), err);
    t0 = kc_test_now_ms();
    kafkac_producer_close(p, 1000);
    ASSERT_WITHIN(t0, 1000, "close(1000)");
    kafkac_producer_destroy(p);
}

static void test_commit_transaction_broker_hung(void **state)
{
    (void)state;
    txn_call_broker_hung(DO_COMMIT, "commit_transaction(2000)");
}

static void test_abort_transaction_broker_hung(void **state)
{
    (void)state;
    txn_call_broker_hung(DO_ABORT, "abort_transaction(2000)");
}

static void test_send_offsets_broker_hung(void **state)
{
    (void)state;
    txn_call_broker_hung(DO_OFFSETS, "send_offsets_to_transaction(2000)");
}

int main(void)
{
    (void)pu_read;
    (void)pu_free;
    its_find_broker();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_nothing_listening),
        cmocka_unit_test(test_send_unresolvable),
        cmocka_unit_test(test_send_never_answers),
        cmocka_unit_test_teardown(test_flush_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_send_metadata_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_init_transactions_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_commit_transaction_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_abort_transaction_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_send_offsets_broker_hung, its_resume_broker),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The NULL-response contract (src/protocol/net.h) against a real broker:
 * allocations on the library's own threads (the I/O thread) fail one at a
 * time (or two in a row), swept over the first allocations after each call starts,
 * while the test thread drives a producer (acks=all and acks=0), a
 * transactional producer and a consumer's commit/committed.  Somewhere in
 * each sweep the response object (kc_resp_new), the frame, the decode
 * arena and the request encoding each fail; with two failures in a row
 * the response that would report the first is not allocated either, and
 * the callback gets NULL (net.h's contract).  What the user checks:
 * every call returns (by its timeout), every record gets a delivery
 * report with either success or an error, nothing crashes, the hook did
 * fail allocations, and once it is disarmed the same client works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

#define B kc_test_brokers()
#define SWEEP 80   /* n/2 allocations through, then 1 or 2 (n odd) fail */
#define TMO 15000

static void set(kafkac_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (kafkac_conf_set(c, k, v, err, sizeof err) != KAFKAC_OK)
        fail_msg("conf %s=%s: %s", k, v, err);
}

typedef struct reports {
    int ok, failed;
    kafkac_err_t last_err;
} reports_t;

static void on_delivery(void *opaque, const kafkac_delivery_t *d)
{
    reports_t *r = opaque;
    kafkac_err_t e = kafkac_delivery_err(d);
    if (e) {
        r->failed++;
        r->last_err = e;
    } else {
        r->ok++;
    }
}

static kafkac_producer_t *producer(const char *acks, const char *txn_id, reports_t *r)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    set(c, "bootstrap.servers", B);
    set(c, "linger.ms", "0");
    set(c, "delivery.timeout.ms", "8000");
    set(c, "request.timeout.ms", "3000");
    if (acks)
        set(c, "acks", acks);
    if (txn_id)
        set(c, "transactional.id", txn_id);
    else if (acks && !strcmp(acks, "0"))
        set(c, "enable.idempotence", "false");
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!p)
        fail_msg("producer_new: %s", err);
    if (r)
        kafkac_producer_set_delivery_cb(p, on_delivery, r);
    return p;
}

static void send_one(kafkac_producer_t *p, const char *topic, const char *v)
{
    kafkac_err_t e = kc_test_send_to(p, topic, 0, NULL, -1, v, (int32_t)strlen(v), NULL);
    if (e)
        fail_msg("send %s: %s", v, kafkac_err_name(e));
}

/* One sweep of plain sends: n allocations on the I/O thread go through,
 * the next fails.  Every record must be reported, as sent or as failed. */
static void sweep_produce(const char *acks)
{
    char topic[128];
    kc_test_topic(topic, sizeof topic, "io_oom");
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    reports_t r = {0};
    kafkac_producer_t *p = producer(acks, NULL, &r);
    send_one(p, topic, "warm-up");
    assert_int_equal(kafkac_producer_flush(p, TMO), KAFKAC_OK);
    long failed_before = kc_mem_failures();
    for (int n = 0; n < SWEEP; n++) {
        kc_mem_fail_elsewhere(n / 2, 1 + n % 2);
        send_one(p, topic, "x");
        kafkac_err_t e = kafkac_producer_flush(p, TMO);
        kc_mem_fail_elsewhere(-1, 0);
        if (e != KAFKAC_OK)
            fail_msg("acks=%s n=%d: flush: %s (a record was never reported)", acks, n, kafkac_err_name(e));
    }
    assert_int_equal(r.ok + r.failed, SWEEP + 1);
    assert_true(kc_mem_failures() > failed_before);
    int ok_before = r.ok;
    send_one(p, topic, "after");
    assert_int_equal(kafkac_producer_flush(p, TMO), KAFKAC_OK);
    assert_int_equal(r.ok, ok_before + 1);
    print_message("acks=%s: %d sent, %d failed (last %s), %ld allocations failed\n", acks, r.ok, r.failed,
                  kafkac_err_name(r.last_err), kc_mem_failures() - failed_before);
    kafkac_producer_close(p, TMO);
    kafkac_producer_destroy(p);
}

static void test_produce_acks_all(void **state) { sweep_produce("all"); }
static void test_produce_acks_0(void **state) { sweep_produce("0"); }

/* Transactions: begin, send, commit under the sweep.  A commit may fail;
 * then the transaction is aborted, and a fatal error (the producer can
 * go on no longer) means a new producer -- both are errors the caller
 * sees, which is the point.  Afterwards a transaction commits. */
static void test_transactions(void **state)
{
    char topic[128], txn[160], err[512];
    kc_test_topic(topic, sizeof topic, "io_oom_txn");
    snprintf(txn, sizeof txn, "%s-id", topic);
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_producer_t *p = producer(NULL, txn, NULL);
    if (kafkac_producer_init_transactions(p, TMO, err, sizeof err))
        fail_msg("init_transactions: %s", err);
    long failed_before = kc_mem_failures();
    int committed = 0, failed = 0;
    for (int n = 0; n < SWEEP; n++) {
        kc_mem_fail_elsewhere(n / 2, 1 + n % 2);
        kafkac_err_t e = kafkac_producer_begin_transaction(p, err, sizeof err);
        if (!e) {
            send_one(p, topic, "t");
            e = kafkac_producer_commit_transaction(p, TMO, err, sizeof err);
        }
        kc_mem_fail_elsewhere(-1, 0);
        if (!e) {
            committed++;
            continue;
        }
        failed++;
        print_message("n=%d: %s: %s\n", n, kafkac_err_name(e), err);
        if (kafkac_producer_abort_transaction(p, TMO, err, sizeof err) != KAFKAC_OK) {
            kafkac_producer_destroy(p);   /* fatal: a new producer */
            p = producer(NULL, txn, NULL);
            if (kafkac_producer_init_transactions(p, TMO, err, sizeof err))
                fail_msg("init_transactions again: %s", err);
        }
    }
    assert_true(kc_mem_failures() > failed_before);
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_OK);
    send_one(p, topic, "final");
    if (kafkac_producer_commit_transaction(p, TMO, err, sizeof err))
        fail_msg("final commit: %s", err);
    print_message("transactions: %d committed, %d failed under the sweep\n", committed, failed);
    kafkac_producer_close(p, TMO);
    kafkac_producer_destroy(p);
}

/* The consumer's group requests: OffsetCommit and OffsetFetch (and the
 * FindCoordinator before them) under the sweep. */
static void test_consumer_commit(void **state)
{
    char topic[128], group[160], err[512];
    kc_test_topic(topic, sizeof topic, "io_oom_c");
    snprintf(group, sizeof group, "%s-g", topic);
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, NULL), 0);
    kafkac_conf_t *c = kafkac_conf_new();
    set(c, "bootstrap.servers", B);
    set(c, "group.id", group);
    set(c, "enable.auto.commit", "false");
    set(c, "request.timeout.ms", "3000");
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!cons)
        fail_msg("consumer_new: %s", err);
    kafkac_topic_partition_list_t *tpl = kafkac_tpl_new(1);
    kafkac_tpl_add(tpl, topic, 0);
    assert_int_equal(kafkac_consumer_assign(cons, tpl, err, sizeof err), KAFKAC_OK);
    long failed_before = kc_mem_failures();
    int errors = 0;
    for (int n = 0; n < SWEEP; n++) {
        kafkac_tp_set_offset(kafkac_tpl_at(tpl, 0), 0);
        kc_mem_fail_elsewhere(n / 2, 1 + n % 2);
        kafkac_err_t e1 = kafkac_consumer_commit_sync(cons, tpl, 5000, err, sizeof err);
        kafkac_err_t e2 = kafkac_consumer_committed(cons, tpl, 5000, err, sizeof err);
        kc_mem_fail_elsewhere(-1, 0);
        errors += (e1 != 0) + (e2 != 0);
    }
    assert_true(kc_mem_failures() > failed_before);
    kafkac_tp_set_offset(kafkac_tpl_at(tpl, 0), 0);
    if (kafkac_consumer_commit_sync(cons, tpl, TMO, err, sizeof err))
        fail_msg("final commit: %s", err);
    kafkac_tp_set_offset(kafkac_tpl_at(tpl, 0), -1);
    if (kafkac_consumer_committed(cons, tpl, TMO, err, sizeof err))
        fail_msg("final committed: %s", err);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(tpl, 0)), 0);
    print_message("consumer: %d of %d calls failed under the sweep\n", errors, 2 * SWEEP);
    kafkac_tpl_destroy(tpl);
    kafkac_consumer_close(cons, TMO);
    kafkac_consumer_destroy(cons);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_acks_all),
        cmocka_unit_test(test_produce_acks_0),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_consumer_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

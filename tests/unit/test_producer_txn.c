/* The transactional calls with no broker at all (bootstrap is a closed
 * port): what each call says in each state, that a timed-out call goes on
 * and only the same call may be made again, and the group metadata
 * handle.  Transactions against a broker:
 * tests/integration/itest_transactions.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"
#include "producer/txn_int.h"   /* to look inside the group metadata */

static kafkac_producer_t *make(const char *txid)
{
    char err[512];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), 0);
    if (txid)
        assert_int_equal(kafkac_conf_set(c, "transactional.id", txid, err, sizeof err), 0);
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    if (!p)
        fail_msg("producer_new: %s", err);
    kafkac_conf_destroy(c);
    return p;
}

static void test_not_transactional(void **state)
{
    (void)state;
    char err[256];
    kafkac_producer_t *p = make(NULL);
    assert_int_equal(kafkac_producer_init_transactions(p, 100, err, sizeof err), KAFKAC_ERR_STATE);
    assert_non_null(strstr(err, "transactional.id"));
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_commit_transaction(p, 100, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_abort_transaction(p, 100, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_txn_fatal(p), 0);
    kafkac_producer_destroy(p);
    assert_int_equal(kafkac_producer_init_transactions(NULL, 100, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_begin_transaction(NULL, NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_txn_fatal(NULL), 0);
}

static void test_states_before_init(void **state)
{
    (void)state;
    char err[256];
    kafkac_producer_t *p = make("tx-unit");
    /* Nothing but init_transactions is allowed yet; errstr says why. */
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    assert_non_null(strstr(err, "init_transactions"));
    assert_int_equal(kc_test_send_to(p, "t", 0, NULL, -1, "v", 1, NULL), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_commit_transaction(p, 100, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_abort_transaction(p, 100, err, sizeof err), KAFKAC_ERR_STATE);

    /* No coordinator can be found: init times out, keeps going, and
     * only init may be called until it finishes. */
    assert_int_equal(kafkac_producer_init_transactions(p, 200, err, sizeof err), KAFKAC_ERR_TIMED_OUT);
    assert_non_null(strstr(err, "call it again"));
    assert_int_equal(kafkac_producer_abort_transaction(p, 100, err, sizeof err), KAFKAC_ERR_STATE);
    assert_non_null(strstr(err, "init_transactions timed out"));
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_init_transactions(p, 100, err, sizeof err), KAFKAC_ERR_TIMED_OUT);
    assert_int_equal(kafkac_producer_txn_fatal(p), 0);
    /* Closing while the operation is under way ends it. */
    assert_int_equal(kafkac_producer_close(p, 0), KAFKAC_OK);
    assert_int_equal(kafkac_producer_init_transactions(p, 100, err, sizeof err), KAFKAC_ERR_DESTROYED);
    kafkac_producer_destroy(p);
}

static void *init_forever(void *arg)
{
    char err[256];
    return (void *)(intptr_t)kafkac_producer_init_transactions(arg, KAFKAC_TIMEOUT_INFINITE, err, sizeof err);
}

/* A caller waiting without a timeout is released when another thread
 * closes the producer. */
static void test_close_releases_a_waiting_call(void **state)
{
    (void)state;
    kafkac_producer_t *p = make("tx-unit-3");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, init_forever, p), 0);
    usleep(300 * 1000);
    kafkac_producer_close(p, 1000);
    void *rv;
    pthread_join(th, &rv);
    assert_int_equal((int)(intptr_t)rv, KAFKAC_ERR_DESTROYED);
    kafkac_producer_destroy(p);
}

static void test_send_offsets_arguments(void **state)
{
    (void)state;
    char err[256];
    kafkac_producer_t *p = make("tx-unit-2");
    kafkac_group_metadata_t *gm = kafkac_group_metadata_new("g", 1, "m", NULL);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, "t", 0); /* offset KAFKAC_OFFSET_INVALID: not a position */
    assert_int_equal(kafkac_producer_send_offsets_to_transaction(p, l, gm, 100, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "element 0"));
    assert_int_equal(kafkac_producer_send_offsets_to_transaction(p, NULL, gm, 100, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_send_offsets_to_transaction(p, l, NULL, 100, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    kafkac_tp_set_offset(kafkac_tpl_at(l, 0), 5);
    /* Valid, but no transaction is open. */
    assert_int_equal(kafkac_producer_send_offsets_to_transaction(p, l, gm, 100, err, sizeof err), KAFKAC_ERR_STATE);
    kafkac_tpl_destroy(l);
    kafkac_group_metadata_destroy(gm);
    kafkac_producer_destroy(p);
}

static void test_group_metadata(void **state)
{
    (void)state;
    char err[256];
    assert_null(kafkac_group_metadata_new(NULL, 1, "m", NULL));
    kafkac_group_metadata_destroy(NULL);
    kafkac_group_metadata_t *gm = kafkac_group_metadata_new("g", -1, NULL, "static-1");
    assert_non_null(gm);
    assert_string_equal(gm->member_id, "");
    assert_string_equal(gm->instance_id, "static-1");
    kafkac_group_metadata_destroy(gm);
    /* Each of its four allocations failing: NULL, nothing leaked (ASan). */
    for (long n = 0; n < 4; n++) {
        kc_mem_fail_after(n);
        gm = kafkac_group_metadata_new("g", 3, "member", "inst");
        kc_mem_fail_after(-1);
        if (gm)
            fail_msg("allocation %ld failed but group metadata was made", n);
    }

    /* From a consumer: NULL without group.id, else its group. */
    kafkac_conf_t *c = kafkac_conf_new();
    kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err);
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    assert_non_null(cons);
    assert_null(kafkac_consumer_group_metadata(cons));
    kafkac_consumer_destroy(cons);
    kafkac_conf_set(c, "group.id", "grp", err, sizeof err);
    cons = kafkac_consumer_new(c, err, sizeof err);
    assert_non_null(cons);
    gm = kafkac_consumer_group_metadata(cons);
    assert_non_null(gm);
    assert_string_equal(gm->group_id, "grp");
    assert_int_equal(gm->generation, -1);   /* not in a generation yet */
    assert_string_equal(gm->member_id, "");
    assert_null(gm->instance_id);
    kafkac_group_metadata_destroy(gm);
    kafkac_consumer_destroy(cons);
    kafkac_conf_destroy(c);
    assert_null(kafkac_consumer_group_metadata(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_transactional),
        cmocka_unit_test(test_states_before_init),
        cmocka_unit_test(test_close_releases_a_waiting_call),
        cmocka_unit_test(test_send_offsets_arguments),
        cmocka_unit_test(test_group_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

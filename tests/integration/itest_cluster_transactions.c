/* Transactions on the 3-node cluster when the transaction coordinator
 * dies mid-transaction: the producer finds the new coordinator (its
 * requests fail with NOT_COORDINATOR / lost connections, and the new one
 * answers COORDINATOR_LOAD_IN_PROGRESS while it loads the transaction
 * log), the commit still succeeds, and read_committed readers (kcat) see
 * exactly the committed records; a following transaction aborts cleanly
 * with the new coordinator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"
#include "producer/txn_int.h"   /* which broker the producer uses as coordinator */

#define B kc_test_cluster_brokers()
#define N 30

static void ok(kafkac_err_t e, const char *what, const char *err)
{
    if (e != KAFKAC_OK)
        fail_msg("%s: %s (%s)", what, kafkac_err_name(e), err);
}

static void send_n(kafkac_producer_t *p, const char *topic, const char *prefix, int from, int n)
{
    char v[64];
    for (int i = from; i < from + n; i++) {
        int len = snprintf(v, sizeof v, "%s-%d", prefix, i);
        kafkac_err_t e = kc_test_send_to(p, topic, i % 3, NULL, -1, v, len, NULL);
        if (e)
            fail_msg("send %s: %s", v, kafkac_err_name(e));
    }
}

/* The transaction coordinator the producer found (I/O thread's field,
 * read while the producer is idle between calls). */
static int32_t coordinator_of(kafkac_producer_t *p)
{
    return kc_producer_inner(p)->txn->coord;
}

static void test_coordinator_dies_mid_transaction(void **state)
{
    (void)state;
    char topic[128], txid[160], err[256];
    kc_test_topic(topic, sizeof topic, "ctxn");
    snprintf(txid, sizeof txid, "%s-tx", topic);
    assert_int_equal(kc_test_create_topic(B, topic, 3, 3, NULL), 0);

    kafkac_conf_t *c = kafkac_conf_new();
    kafkac_conf_set(c, "bootstrap.servers", B, err, sizeof err);
    kafkac_conf_set(c, "transactional.id", txid, err, sizeof err);
    kafkac_conf_set(c, "linger.ms", "5", err, sizeof err);
    if (getenv("TXN_DEBUG")) {
        kafkac_conf_set(c, "log.level", "7", err, sizeof err);
        kafkac_conf_set_log_cb(c, kafkac_log_stderr, NULL);
    }
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    assert_non_null(p);
    kafkac_conf_destroy(c);
    ok(kafkac_producer_init_transactions(p, 30000, err, sizeof err), "init", err);
    int32_t coord = coordinator_of(p);
    assert_true(coord >= 1 && coord <= 3);

    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
    send_n(p, topic, "committed", 0, N);
    ok(kafkac_producer_flush(p, 30000), "flush", "");
    char cmd[32];
    snprintf(cmd, sizeof cmd, "kill %d", (int)coord);
    printf("# killing broker %d, the transaction coordinator\n", (int)coord);
    assert_int_equal(kc_test_kafka(cmd), 0);
    int64_t killed = kc_test_now_ms();
    send_n(p, topic, "committed", N, N);
    ok(kafkac_producer_commit_transaction(p, 90000, err, sizeof err), "commit after the coordinator died", err);
    int32_t coord2 = coordinator_of(p);
    printf("# committed %lld ms after the kill; new coordinator %d\n", (long long)(kc_test_now_ms() - killed), (int)coord2);
    assert_true(coord2 >= 1 && coord2 != coord);

    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 2", err);
    send_n(p, topic, "aborted", 0, N);
    ok(kafkac_producer_flush(p, 60000), "flush 2", "");
    ok(kafkac_producer_abort_transaction(p, 60000, err, sizeof err), "abort", err);
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 3", err);
    send_n(p, topic, "last", 0, 3);
    ok(kafkac_producer_commit_transaction(p, 60000, err, sizeof err), "commit 3", err);
    kafkac_producer_destroy(p);

    /* kcat (librdkafka) at read_committed: the 2N + 3 committed values,
     * once each, and nothing of the aborted transaction.  Retry: the
     * markers may still be on their way. */
    int committed = 0, last = 0, aborted = 0, lines = 0;
    for (int attempt = 0; attempt < 30; attempt++) {
        char line[256];
        snprintf(line, sizeof line,
                 "kcat -C -q -b %s -t %s -o beginning -e -X isolation.level=read_committed -f '%%s\\n' 2>/dev/null",
                 B, topic);
        FILE *f = popen(line, "r");
        assert_non_null(f);
        committed = last = aborted = lines = 0;
        while (fgets(line, sizeof line, f)) {
            lines++;
            committed += strncmp(line, "committed-", 10) == 0;
            last += strncmp(line, "last-", 5) == 0;
            aborted += strncmp(line, "aborted-", 8) == 0;
        }
        pclose(f);
        if (last == 3)
            break;
        usleep(500 * 1000);
    }
    printf("# read_committed: %d committed, %d last, %d aborted, %d lines\n", committed, last, aborted, lines);
    assert_int_equal(committed, 2 * N);
    assert_int_equal(last, 3);
    assert_int_equal(aborted, 0);
    assert_int_equal(lines, 2 * N + 3);

    snprintf(cmd, sizeof cmd, "start-node %d", (int)coord);
    assert_int_equal(kc_test_kafka(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coordinator_dies_mid_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

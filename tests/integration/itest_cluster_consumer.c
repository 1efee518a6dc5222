/* The partition-model consumer across a leader change on the 3-node
 * cluster: the leader of a partition is killed (SIGKILL) while the
 * consumer reads; the fetcher's requests to it fail, metadata is
 * refreshed, fetching resumes from the new leader at the same position,
 * and every record, before and after the kill, arrives, in order per
 * partition, none skipped.  The node is restarted at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"
#include "kc_messages.h"
#include "protocol/net.h"
#include "protocol/record_batch.h"

#define NPART 3
#define PER_ROUND 100

/* A protocol-layer client on the cluster whose requests to a killed node
 * give up after 5 s, not the default 30. */
static void tnet_open(kc_tnet_t *t)
{
    kafkac_conf_t *conf = kc_test_conf(kc_test_cluster_brokers());
    kc_test_conf_set(conf, "request.timeout.ms", "5000");
    kc_tnet_open_conf(t, conf);
    kafkac_conf_destroy(conf);
}

/* Records first..first+n-1 of a partition, value "p<P>-<i>", acks=all,
 * retried through leader changes (a retry may duplicate a batch whose
 * answer was lost; the check below allows that, not gaps). */
static void produce(kc_tnet_t *t, const char *topic, int32_t partition, int first, int n, int32_t avoid)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    for (int i = first; i < first + n; i++) {
        char v[32];
        snprintf(v, sizeof v, "p%d-%d", (int)partition, i);
        assert_int_equal(kc_rb_writer_append(w, 1700000000000 + i, NULL, -1, v, (int32_t)strlen(v), NULL, 0), 0);
    }
    const uint8_t *batch;
    size_t len;
    assert_int_equal(kc_rb_writer_close(w, &batch, &len), 0);
    kc_tnet_produce_failover(t, topic, partition, batch, len, avoid, kc_now_ms() + 60000);
    kc_rb_writer_destroy(w);
}

/* The node this test killed and has not restarted yet (-1: none), so that
 * a failing test still gives the cluster back whole to the tests after it. */
static int32_t killed_node = -1;

static int restart_killed(void **state)
{
    (void)state;
    if (killed_node >= 0) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "start-node %d", (int)killed_node);
        kc_test_kafka(cmd);
        killed_node = -1;
    }
    return 0;
}

typedef struct seen {
    int next[NPART];       /* next index expected per partition */
    int dups;
    int32_t max_epoch[NPART];
} seen_t;

/* Polls until every partition reached `upto` or the deadline; checks
 * order and no gaps. */
static void read_until(kafkac_consumer_t *c, seen_t *s, int upto, int64_t deadline)
{
    char err[256];
    for (;;) {
        int done = 1;
        for (int p = 0; p < NPART; p++)
            done &= s->next[p] >= upto;
        if (done)
            return;
        if (kc_now_ms() > deadline)
            fail_msg("only %d/%d/%d of %d records per partition arrived", s->next[0], s->next[1], s->next[2], upto);
        kafkac_records_t *b;
        kafkac_err_t e = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e)
            fail_msg("poll: %s: %s", kafkac_err_name(e), err);
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            int p = kafkac_record_partition(r);
            size_t vl;
            const char *v = kafkac_record_value(r, &vl);
            int vp = -1, vi = -1;
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)vl, v);
            assert_int_equal(sscanf(buf, "p%d-%d", &vp, &vi), 2);
            assert_int_equal(vp, p);
            if (vi < s->next[p])
                s->dups++;   /* a produce retry's duplicate */
            else if (vi == s->next[p])
                s->next[p]++;
            else
                fail_msg("partition %d: record %d after %d (a gap)", p, vi, s->next[p] - 1);
            if (kafkac_record_leader_epoch(r) > s->max_epoch[p])
                s->max_epoch[p] = kafkac_record_leader_epoch(r);
        }
        kafkac_records_destroy(b);
    }
}

static void test_leader_killed_while_consuming(void **state)
{
    (void)state;
    kc_tnet_t t;
    char topic[128], err[256];
    tnet_open(&t);
    kc_test_topic(topic, sizeof topic, "ccons-failover");
    kc_tnet_create_topic(&t, topic, NPART, 3, NULL, NULL);
    for (int p = 0; p < NPART; p++)
        produce(&t, topic, p, 0, PER_ROUND, -1);

    kafkac_conf_t *conf = kc_test_conf(kc_test_cluster_brokers());
    kc_test_conf_set(conf, "fetch.max.wait.ms", "200");
    kc_test_conf_set(conf, "request.timeout.ms", "5000");
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    if (!c)
        fail_msg("kafkac_consumer_new: expected a consumer, got NULL: %s", err);
    kafkac_conf_destroy(conf);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(NPART);
    for (int p = 0; p < NPART; p++)
        kafkac_tp_set_offset(kafkac_tpl_add(l, topic, p), KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), 0);
    kafkac_tpl_destroy(l);

    seen_t s;
    memset(&s, 0, sizeof s);
    read_until(c, &s, PER_ROUND, kc_now_ms() + 30000);
    int32_t epoch_before = s.max_epoch[0];

    int32_t victim = kc_tnet_leader(&t, topic, 0, -1, 30000);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "kill %d", victim);
    assert_int_equal(kc_test_kafka(cmd), 0);
    killed_node = victim;
    int64_t killed_at = kc_now_ms();
    for (int p = 0; p < NPART; p++)
        produce(&t, topic, p, PER_ROUND, PER_ROUND, victim);
    read_until(c, &s, 2 * PER_ROUND, killed_at + 90000);
    int64_t recovered_ms = kc_now_ms() - killed_at;
    /* Partition 0's new records were written under a newer leader epoch. */
    assert_true(s.max_epoch[0] > epoch_before);
    fprintf(stderr, "leader %d killed; all %d records per partition read %lld ms later (%d duplicates from produce retries)\n",
            (int)victim, 2 * PER_ROUND, (long long)recovered_ms, s.dups);

    int64_t pos;
    for (int p = 0; p < NPART; p++) {
        assert_int_equal(kafkac_consumer_position(c, topic, p, &pos, 5000, NULL, 0), 0);
        assert_true(pos >= 2 * PER_ROUND);
    }
    kafkac_consumer_destroy(c);
    snprintf(cmd, sizeof cmd, "start-node %d", victim);
    assert_int_equal(kc_test_kafka(cmd), 0);
    killed_node = -1;
    kc_tnet_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_leader_killed_while_consuming, restart_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

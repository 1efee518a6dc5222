/* Metadata snapshots: built from a decoded Metadata response, sorted for
 * lookup, partial answers merged with the previous snapshot, and freed
 * when the last reference goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/cluster.h"

typedef kc_metadata_response_metadata_response_partition_t mpart_t;
typedef kc_metadata_response_metadata_response_topic_t mtopic_t;
typedef kc_metadata_response_metadata_response_broker_t mbroker_t;

static int32_t reps[] = { 2, 1, 3 };
static int32_t isr[] = { 2, 1 };

static void fill(kc_metadata_response_t *m, mbroker_t *b, mtopic_t *t, mpart_t *p)
{
    memset(m, 0, sizeof *m);
    /* Brokers deliberately out of order: the snapshot sorts them. */
    b[0] = (mbroker_t){ .node_id = 3, .host = "h3", .port = 9003 };
    b[1] = (mbroker_t){ .node_id = 1, .host = "h1", .port = 9001, .rack = "r1" };
    m->brokers = b;
    m->brokers_count = 2;
    m->controller_id = 1;
    m->cluster_id = "cid";
    p[0] = (mpart_t){ .partition_index = 1, .leader_id = 1, .leader_epoch = 7, .replica_nodes = reps,
                      .replica_nodes_count = 3, .isr_nodes = isr, .isr_nodes_count = 2 };
    p[1] = (mpart_t){ .partition_index = 0, .leader_id = 3, .leader_epoch = 2 };
    t[0] = (mtopic_t){ .name = "zeta", .partitions = p, .partitions_count = 2 };
    t[1] = (mtopic_t){ .name = "alpha", .error_code = 3 /* UNKNOWN_TOPIC_OR_PARTITION */ };
    m->topics = t;
    m->topics_count = 2;
}

static void test_snapshot_from_response(void **state)
{
    kc_metadata_response_t m;
    mbroker_t b[2];
    mtopic_t t[2];
    mpart_t p[2];
    fill(&m, b, t, p);
    kc_cluster_t *empty = kc_cluster_empty();
    kc_cluster_t *c = kc_cluster_from_response(empty, &m, 0, 1234);
    assert_non_null(c);
    assert_int_equal(c->version, 1);
    assert_int_equal(c->controller_id, 1);
    assert_string_equal(c->cluster_id, "cid");
    assert_int_equal(c->broker_count, 2);
    assert_int_equal(c->brokers[0].id, 1);
    assert_string_equal(kc_cluster_broker(c, 1)->rack, "r1");
    assert_string_equal(kc_cluster_broker(c, 3)->host, "h3");
    assert_null(kc_cluster_broker(c, 2));
    assert_int_equal(c->topic_count, 2);
    assert_string_equal(c->topics[0].name, "alpha");
    assert_int_equal(kc_cluster_topic(c, "alpha")->err, 3);
    const kc_partition_info_t *pi = kc_cluster_partition(c, "zeta", 1);
    assert_non_null(pi);
    assert_int_equal(pi->leader, 1);
    assert_int_equal(pi->leader_epoch, 7);
    assert_int_equal(pi->replicas_count, 3);
    assert_int_equal(pi->replicas[2], 3);
    assert_int_equal(pi->isr_count, 2);
    assert_int_equal(kc_cluster_partition(c, "zeta", 0)->leader, 3);
    assert_null(kc_cluster_partition(c, "zeta", 2));
    assert_null(kc_cluster_partition(c, "nope", 0));
    /* The snapshot copied everything: the response may go away. */
    memset(reps, 0, sizeof reps);
    assert_int_equal(pi->replicas[0], 2);
    reps[0] = 2, reps[1] = 1, reps[2] = 3;
    kc_cluster_unref(empty);
    kc_cluster_unref(c);
}

static void test_partial_answer_keeps_other_topics(void **state)
{
    kc_metadata_response_t m;
    mbroker_t b[2];
    mtopic_t t[2];
    mpart_t p[2];
    fill(&m, b, t, p);
    kc_cluster_t *c1 = kc_cluster_from_response(NULL, &m, 0, 1);
    /* A second answer about "zeta" only, now led by broker 3. */
    p[0].leader_id = 3;
    m.topics = t;
    m.topics_count = 1;
    kc_cluster_t *c2 = kc_cluster_from_response(c1, &m, 1, 2);
    assert_int_equal(c2->version, 2);
    assert_int_equal(c2->topic_count, 2);
    assert_non_null(kc_cluster_topic(c2, "alpha"));
    assert_int_equal(kc_cluster_partition(c2, "zeta", 1)->leader, 3);
    /* The old snapshot is unchanged and still readable. */
    assert_int_equal(kc_cluster_partition(c1, "zeta", 1)->leader, 1);
    /* A full answer drops what it does not mention. */
    kc_cluster_t *c3 = kc_cluster_from_response(c2, &m, 0, 3);
    assert_int_equal(c3->topic_count, 1);
    assert_null(kc_cluster_topic(c3, "alpha"));
    kc_cluster_t *ref = kc_cluster_ref(c3);
    kc_cluster_unref(c1);
    kc_cluster_unref(c2);
    kc_cluster_unref(c3);
    assert_int_equal(ref->topic_count, 1);  /* still alive through ref */
    kc_cluster_unref(ref);
}

/* The consumer must tell "topic has an error" from "topic has 0
 * partitions", and the network client asks again for a topic that is not
 * ready yet (issue 13, defect 2). */
static void test_topic_error_and_not_ready(void **state)
{
    kc_metadata_response_t m;
    mbroker_t b[2];
    mtopic_t t[4];
    mpart_t p[2];
    fill(&m, b, t, p);
    mpart_t nolead = { .partition_index = 0, .leader_id = -1 };
    t[2] = (mtopic_t){ .name = "creating", .partitions = &nolead, .partitions_count = 1 };
    t[3] = (mtopic_t){ .name = "bad!", .error_code = 17 /* INVALID_TOPIC_EXCEPTION */ };
    m.topics_count = 4;
    kc_cluster_t *c = kc_cluster_from_response(NULL, &m, 0, 1);
    assert_non_null(c);
    assert_int_equal(kc_cluster_topic_error(c, "zeta"), 0);
    assert_int_equal(kc_cluster_topic_error(c, "alpha"), 3);
    assert_int_equal(kc_cluster_topic_error(c, "bad!"), 17);
    assert_int_equal(kc_cluster_topic_error(c, "never-heard-of"), KAFKAC_ERR_NOT_FOUND);
    assert_int_equal(kc_cluster_topic_error(c, NULL), KAFKAC_ERR_NOT_FOUND);
    assert_int_equal(kc_cluster_topic_error(NULL, "zeta"), KAFKAC_ERR_NOT_FOUND);
    assert_false(kc_cluster_topic_retriable(kc_cluster_topic(c, "zeta")));
    assert_true(kc_cluster_topic_retriable(kc_cluster_topic(c, "alpha")));     /* unknown: maybe being created */
    assert_true(kc_cluster_topic_retriable(kc_cluster_topic(c, "creating"))); /* no leader yet */
    assert_false(kc_cluster_topic_retriable(kc_cluster_topic(c, "bad!")));    /* time will not fix it */
    kc_topic_info_t lna = { .name = "x", .err = 5 /* LEADER_NOT_AVAILABLE */ };
    assert_true(kc_cluster_topic_retriable(&lna));
    kc_topic_info_t empty = { .name = "y" };
    assert_true(kc_cluster_topic_retriable(&empty));
    kc_cluster_unref(c);
}

static void test_out_of_memory(void **state)
{
    kc_metadata_response_t m;
    mbroker_t b[2];
    mtopic_t t[2];
    mpart_t p[2];
    fill(&m, b, t, p);
    kc_cluster_t *prev = kc_cluster_from_response(NULL, &m, 0, 1);
    assert_non_null(prev);
    /* Every allocation point fails in turn: NULL, never a crash or leak
     * (ASan), and a snapshot that does come back is complete.  Past the
     * last allocation the call succeeds, so the loop must see both. */
    int failed = 0, built = 0;
    for (long n = 0; n < 200 && !built; n++) {
        kc_mem_fail_after(n);
        kc_cluster_t *c = kc_cluster_from_response(prev, &m, 1, 2);
        kc_mem_fail_after(-1);
        if (!c) {
            failed++;
            continue;
        }
        built = 1;
        assert_int_equal(c->version, 2);
        assert_int_equal(c->topic_count, 2);
        assert_int_equal(kc_cluster_partition(c, "zeta", 1)->leader, 1);
        kc_cluster_unref(c);
    }
    if (!failed || !built)
        fail_msg("failing allocations: %d calls returned NULL, a complete snapshot %s", failed,
                 built ? "followed" : "never came within 200 allocations");
    /* The previous snapshot is untouched, and the next call, with memory
     * back, builds on it as if nothing had failed. */
    assert_int_equal(prev->version, 1);
    assert_int_equal(kc_cluster_partition(prev, "zeta", 0)->leader, 3);
    kc_cluster_t *c = kc_cluster_from_response(prev, &m, 1, 3);
    assert_non_null(c);
    assert_int_equal(c->version, 2);   /* prev's + 1: the failed calls left no trace */
    assert_string_equal(c->topics[0].name, "alpha");
    assert_int_equal(kc_cluster_partition(c, "zeta", 0)->leader, 3);
    kc_cluster_unref(c);
    kc_cluster_unref(prev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_from_response),
        cmocka_unit_test(test_partial_answer_keeps_other_topics),
        cmocka_unit_test(test_topic_error_and_not_ready),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("cluster metadata snapshots", tests, NULL, NULL);
}

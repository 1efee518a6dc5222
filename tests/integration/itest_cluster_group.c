/* The group coordinator moving, on the 3-node cluster: two members
 * consume a replicated topic with commits after processing; the broker
 * that coordinates their group is SIGKILLed; the members find the new
 * coordinator (NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / connection
 * errors), keep or regain their partitions, keep committing, and every
 * record is processed at least once, with the group's committed offsets
 * ending at the partitions' ends.  The broker is restarted afterwards. */
#include "itest_group_util.h"

#define NP 6

/* The broker coordinating `group` now (FindCoordinator), or -1. */
static int32_t coordinator_of(const char *group)
{
    kc_tnet_t t;
    kc_tnet_open(&t, g_brokers());
    kc_find_coordinator_request_t req;
    kc_msg_init(&kc_schema_find_coordinator_request, &req);
    req.key = group;
    kc_req_t r = {.node_id = KC_NODE_ANY, .api_key = kc_api_find_coordinator.key, .min_version = 1,
                  .max_version = 3, .msg = &req};
    kc_resp_t *resp = kc_net_call(t.net, &r);
    int32_t node = -1;
    if (resp && !resp->err) {
        const kc_find_coordinator_response_t *m = resp->msg;
        if (m->error_code == 0)
            node = m->node_id;
    }
    kc_resp_free(resp);
    kc_tnet_close(&t);
    return node;
}

static int total_owned(g_member_t **mb, int n, int *disjoint)
{
    int cover[G_MAXP] = {0}, t = 0;
    *disjoint = 1;
    for (int i = 0; i < n; i++) {
        int o[G_MAXP];
        t += g_owned(mb[i], o);
        for (int p = 0; p < G_MAXP; p++)
            cover[p] += o[p];
    }
    for (int p = 0; p < G_MAXP; p++)
        *disjoint &= cover[p] <= 1;
    return t;
}

static void test_coordinator_moves(void **state)
{
    (void)state;
    g_bootstrap = kc_test_cluster_brokers();
    g_rf = 3;
    char topic[128], group[128], err[512];
    kc_test_topic(topic, sizeof topic, "cgrp");
    kc_test_topic(group, sizeof group, "gcluster");
    g_create_topic(topic, NP);
    g_produce(topic, NP, 1, 50);

    static g_seen_t seen;
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.m, NULL);
    const char *extra[] = {"enable.auto.commit=false", NULL};
    static g_member_t a, b;
    g_member_start(&a, "a", group, topic, extra, &seen, 1);
    g_member_start(&b, "b", group, topic, extra, &seen, 1);
    g_member_t *ms[] = {&a, &b};
    int disjoint;
    int owned;
    for (int64_t t0 = kc_test_now_ms(); (owned = total_owned(ms, 2, &disjoint)) != NP || !disjoint; usleep(100000))
        if (kc_test_now_ms() - t0 > 40000)
            fail_msg("the two members: expected %d partitions owned once each, got %d owned%s", NP, owned,
                     disjoint ? "" : ", some twice");

    int32_t coord = coordinator_of(group);
    assert_true(coord >= 1 && coord <= 3);
    char cmd[32];
    snprintf(cmd, sizeof cmd, "kill %d", (int)coord);
    printf("# killing broker %d, the group's coordinator\n", (int)coord);
    assert_int_equal(kc_test_kafka(cmd), 0);
    int64_t killed = kc_test_now_ms();

    /* Records written after the kill must be processed too. */
    g_produce(topic, NP, 51, 50);
    int missing = 0;
    for (int64_t t0 = kc_test_now_ms();; usleep(200000)) {
        missing = 0;
        pthread_mutex_lock(&seen.m);
        for (int p = 0; p < NP; p++)
            for (int o = 0; o < 100; o++)
                missing += seen.count[p][o] == 0;
        pthread_mutex_unlock(&seen.m);
        if (missing == 0 || kc_test_now_ms() - t0 > 90000)
            break;
    }
    int32_t coord2 = coordinator_of(group);
    printf("# new coordinator %d; all records processed %lld ms after the kill (%d missing)\n", (int)coord2,
           (long long)(kc_test_now_ms() - killed), missing);
    assert_int_equal(missing, 0);
    assert_true(coord2 >= 1 && coord2 != coord);
    for (int64_t t0 = kc_test_now_ms(); (owned = total_owned(ms, 2, &disjoint)) != NP || !disjoint; usleep(100000))
        if (kc_test_now_ms() - t0 > 30000)
            fail_msg("after the coordinator moved: expected %d partitions owned once each, got %d owned%s", NP,
                     owned, disjoint ? "" : ", some twice");

    g_member_stop(&a);
    g_member_stop(&b);

    kafkac_consumer_t *c = g_consumer(group, NULL);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(NP);
    for (int p = 0; p < NP; p++)
        kafkac_tpl_add(l, topic, p);
    assert_int_equal(kafkac_consumer_committed(c, l, 20000, err, sizeof err), 0);
    for (int p = 0; p < NP; p++)
        if (kafkac_tp_offset(kafkac_tpl_at(l, p)) != 100)
            fail_msg("partition %d: committed %lld, want 100", p, (long long)kafkac_tp_offset(kafkac_tpl_at(l, p)));
    kafkac_tpl_destroy(l);
    kafkac_consumer_close(c, 5000);
    kafkac_consumer_destroy(c);

    snprintf(cmd, sizeof cmd, "start-node %d", (int)coord);
    assert_int_equal(kc_test_kafka(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coordinator_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

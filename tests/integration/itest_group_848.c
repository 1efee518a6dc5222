/* group.protocol=consumer (KIP-848) against a real broker.
 *
 * What the broker's release should do decides what is asserted
 * (KAFKA_VERSION, as scripts/kafka.sh and tests/run.sh use it):
 *  - Kafka 3.x (3.9.1, make check's default): the broker does not run the
 *    protocol; poll returns UNSUPPORTED_VERSION naming group.protocol=classic
 *    within its timeout.
 *  - Kafka 4.x: two members share a 6-partition topic, hand partitions over
 *    when one joins and leaves, every record is processed exactly once,
 *    revoke callbacks come before the other member's assign, and the
 *    committed offsets are the ends of the partitions; a member that stops
 *    polling for longer than max.poll.interval.ms loses its partitions and
 *    gets them back by rejoining; a static member leaves with epoch -2 and,
 *    restarted, gets its partitions back without moving them; a pattern
 *    subscription is evaluated by the broker; a classic member and a
 *    consumer-protocol member share a group through the broker's online
 *    migration (upgrade and downgrade), every record exactly once; a
 *    member's group metadata commits offsets in a transaction; a broker-side assignor that does not
 *    exist reaches poll as UNSUPPORTED_ASSIGNOR; the settings that KIP-848
 *    moves to the broker are refused.
 * itest_group_848_kafka4.sh runs this binary against a Kafka 4.4.0 of its
 * own, so that make check on 3.9.1 covers both, and adds a Java consumer
 * to the group. */
#include "itest_group_util.h"
#include "protocol/find_coordinator.h"

static int kafka4(void)
{
    const char *v = getenv("KAFKA_VERSION");
    return v && atoi(v) >= 4;
}

/* Every rebalance callback of every member, in the order they ran. */
typedef struct cb_log {
    pthread_mutex_t m;
    int n;
    struct {
        const g_member_t *mb;
        kafkac_rebalance_event_t ev;
        int p;
    } e[512];
} cb_log_t;

static cb_log_t g_log = {.m = PTHREAD_MUTEX_INITIALIZER};

static void logging_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev, const kafkac_topic_partition_list_t *l,
                              void *opaque)
{
    g_member_t *mb = opaque;
    pthread_mutex_lock(&g_log.m);
    for (int i = 0; i < kafkac_tpl_count(l) && g_log.n < 512; i++) {
        g_log.e[g_log.n].mb = mb;
        g_log.e[g_log.n].ev = ev;
        g_log.e[g_log.n].p = kafkac_tp_partition(kafkac_tpl_at(l, i));
        g_log.n++;
    }
    pthread_mutex_unlock(&g_log.m);
    g_rebalance(c, ev, l, opaque);
}

/* A group.protocol=consumer member of `group` on `topic` (the classic
 * helper g_consumer sets session.timeout.ms, which KIP-848 refuses). */
static void join848(g_member_t *mb, const char *name, const char *group, const char *topic, const char *const *extra,
                    g_seen_t *seen, int commit_each, int own_thread)
{
    memset(mb, 0, sizeof(*mb));
    snprintf(mb->name, sizeof mb->name, "%s", name);
    mb->topic = topic;
    mb->seen = seen;
    mb->commit_each = commit_each;
    pthread_mutex_init(&mb->m, NULL);
    char err[512];
    kafkac_conf_t *conf = kc_test_conf(g_brokers());
    kc_test_conf_set(conf, "group.id", group);
    kc_test_conf_set(conf, "group.protocol", "consumer");
    kc_test_conf_set(conf, "auto.offset.reset", "earliest");
    gu_conf_extra(conf, extra);
    mb->c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!mb->c)
        fail_msg("%s: consumer_new: %s", name, err);
    kafkac_consumer_set_rebalance_cb(mb->c, logging_rebalance, mb);
    const char *t[] = {topic};
    kafkac_err_t e = kafkac_consumer_subscribe(mb->c, t, 1, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("%s: subscribe to %s: expected OK, got %s: %s", name, topic, kafkac_err_name(e), err);
    if (own_thread)
        assert_int_equal(pthread_create(&mb->th, NULL, g_member_loop, mb), 0);
}

/* Waits until the members' owned sets are disjoint and cover np
 * partitions, each member owning at least one (want_all_busy) or not. */
static void wait_split(g_member_t **mb, int nm, int np, int want_all_busy, int timeout_ms)
{
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        int cover[G_MAXP] = {0}, ok = 1;
        for (int i = 0; i < nm; i++) {
            int o[G_MAXP];
            int n = g_owned(mb[i], o);
            if (want_all_busy && n == 0)
                ok = 0;
            for (int p = 0; p < G_MAXP; p++)
                cover[p] += o[p];
        }
        for (int p = 0; p < G_MAXP; p++)
            ok &= cover[p] == (p < np ? 1 : 0);
        if (ok)
            return;
        if (kc_test_now_ms() - t0 > timeout_ms) {
            char s[512] = "";
            size_t w = 0;
            for (int i = 0; i < nm; i++) {
                char o[128];
                g_owned_str(mb[i], o, sizeof o);
                w += (size_t)snprintf(s + w, sizeof s - w, " %s={%s}", mb[i]->name, o);
            }
            fail_msg("no split of %d partitions over %d members within %d ms:%s", np, nm, timeout_ms, s);
        }
        usleep(50000);
    }
}

/* Waits until every record of the np x n produced is processed. */
static void wait_seen(g_seen_t *seen, int np, int n, int timeout_ms)
{
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        int missing = 0, mp = -1, mo = -1;
        pthread_mutex_lock(&seen->m);
        for (int p = 0; p < np; p++)
            for (int o = 0; o < n; o++)
                if (!seen->count[p][o]) {
                    missing++;
                    mp = p;
                    mo = o;
                }
        pthread_mutex_unlock(&seen->m);
        if (!missing)
            return;
        if (kc_test_now_ms() - t0 > timeout_ms)
            fail_msg("%d records never processed within %d ms (e.g. partition %d offset %d)", missing, timeout_ms,
                     mp, mo);
        usleep(100000);
    }
}

/* In the callback log: every partition that member `to` was assigned
 * while `from` had it was revoked from `from` first. */
static void assert_revoke_before_assign(void)
{
    int owner[G_MAXP];
    const g_member_t *own[G_MAXP] = {0};
    memset(owner, 0, sizeof owner);
    pthread_mutex_lock(&g_log.m);
    for (int i = 0; i < g_log.n; i++) {
        int p = g_log.e[i].p;
        if (p < 0 || p >= G_MAXP)
            continue;
        if (g_log.e[i].ev == KAFKAC_REBALANCE_ASSIGNED) {
            if (own[p] && own[p] != g_log.e[i].mb)
                fail_msg("partition %d assigned to %s while %s still had it (callback %d of %d)", p,
                         g_log.e[i].mb->name, own[p]->name, i, g_log.n);
            own[p] = g_log.e[i].mb;
        } else if (own[p] == g_log.e[i].mb) {
            own[p] = NULL;
        }
    }
    pthread_mutex_unlock(&g_log.m);
}

/* The group as its coordinator describes it (ConsumerGroupDescribe):
 * Stable, nm members, each with an epoch and its current assignment equal
 * to its target, together covering the np partitions of topic once. */
static void assert_described(const char *group, const char *topic, int nm, int np)
{
    kc_tnet_t t;
    kc_tnet_open(&t, g_brokers());
    int32_t node = -1;
    char err[256];
    int rc = kc_find_coordinator_call(t.net, KC_COORD_GROUP, group, 10000, &node, err, sizeof err);
    if (rc)
        fail_msg("FindCoordinator for %s: %s: %s", group, kafkac_err_name(rc), err);
    kc_consumer_group_describe_request_t req;
    kc_msg_init(&kc_schema_consumer_group_describe_request, &req);
    const char *ids[] = {group};
    req.group_ids = ids;
    req.group_ids_count = 1;
    kc_req_t r = {.node_id = node, .api_key = kc_api_consumer_group_describe.key, .max_version = -1, .msg = &req};
    kc_resp_t *resp = kc_net_call(t.net, &r);
    assert_non_null(resp);
    if (resp->err)
        fail_msg("ConsumerGroupDescribe: %s: %s", kafkac_err_name(resp->err), resp->errstr);
    const kc_consumer_group_describe_response_t *m = resp->msg;
    assert_int_equal(m->groups_count, 1);
    const kc_consumer_group_describe_response_described_group_t *g = &m->groups[0];
    if (g->error_code)
        fail_msg("ConsumerGroupDescribe of %s: %s", group, kafkac_err_name(g->error_code));
    if (strcmp(g->group_state, "Stable") != 0 || g->members_count != nm)
        fail_msg("group %s: state %s with %d members, want Stable with %d", group, g->group_state, g->members_count,
                 nm);
    int cover[G_MAXP] = {0};
    for (int i = 0; i < g->members_count; i++) {
        const kc_consumer_group_describe_response_member_t *mb = &g->members[i];
        if (mb->member_epoch <= 0 || mb->member_epoch > g->group_epoch)
            fail_msg("member %s: epoch %d (group epoch %d)", mb->member_id, mb->member_epoch, g->group_epoch);
        if (mb->subscribed_topic_names_count != 1 || strcmp(mb->subscribed_topic_names[0], topic) != 0)
            fail_msg("member %s: subscription is not [%s]", mb->member_id, topic);
        int cur = 0, tgt = 0;
        for (int k = 0; k < mb->assignment.topic_partitions_count; k++) {
            const kc_consumer_group_describe_response_topic_partitions_t *tp = &mb->assignment.topic_partitions[k];
            assert_string_equal(tp->topic_name, topic);
            for (int j = 0; j < tp->partitions_count; j++) {
                assert_in_range(tp->partitions[j], 0, np - 1);
                cover[tp->partitions[j]]++;
                cur++;
            }
        }
        for (int k = 0; k < mb->target_assignment.topic_partitions_count; k++)
            tgt += mb->target_assignment.topic_partitions[k].partitions_count;
        if (cur == 0 || cur != tgt)
            fail_msg("member %s: %d partitions assigned, %d in its target", mb->member_id, cur, tgt);
    }
    for (int p = 0; p < np; p++)
        if (cover[p] != 1)
            fail_msg("partition %d is assigned to %d members", p, cover[p]);
    kc_resp_free(resp);
    kc_tnet_close(&t);
}

static void drain(kafkac_consumer_t *c, int n, int timeout_ms)
{
    for (int i = 0; i < n; i++) {
        kafkac_records_t *b = NULL;
        char err[256];
        if (kafkac_consumer_poll(c, timeout_ms, 0, &b, err, sizeof err) == 0)
            kafkac_records_destroy(b);
    }
}

static void test_two_members_hand_over(void **state)
{
    (void)state;
    enum { NP = 6, N1 = 30 };
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848", NP);
    g_produce(topic, NP, 1, N1);
    static g_seen_t seen;
    pthread_mutex_init(&seen.m, NULL);
    memset(seen.count, 0, sizeof seen.count);
    pthread_mutex_lock(&g_log.m);
    g_log.n = 0;
    pthread_mutex_unlock(&g_log.m);

    static g_member_t a, b;
    join848(&a, "A", group, topic, NULL, &seen, 1, 1);
    g_member_t *one[] = {&a};
    wait_split(one, 1, NP, 1, 30000);

    /* B joins: the broker moves some partitions from A to B. */
    join848(&b, "B", group, topic, NULL, &seen, 1, 1);
    g_member_t *two[] = {&a, &b};
    wait_split(two, 2, NP, 1, 30000);
    /* The broker's view agrees once the members' acknowledgements are in:
     * each is sent as soon as the member has reconciled, so right after
     * the callbacks above; 3 s is a wide margin. */
    sleep(3);
    assert_described(group, topic, 2, NP);
    g_produce(topic, NP, N1 + 1, N1);
    wait_seen(&seen, NP, 2 * N1, 30000);

    /* B leaves (epoch -1 on close): A gets everything back. */
    g_member_stop(&b);
    wait_split(one, 1, NP, 1, 30000);
    g_produce(topic, NP, 2 * N1 + 1, N1);
    wait_seen(&seen, NP, 3 * N1, 30000);
    g_member_stop(&a);

    for (int p = 0; p < NP; p++)
        for (int o = 0; o < 3 * N1; o++)
            if (seen.count[p][o] != 1)
                fail_msg("partition %d offset %d processed %d times, want exactly once", p, o, seen.count[p][o]);
    assert_revoke_before_assign();
    if (a.last_err || b.last_err)
        fail_msg("poll errors: A %s, B %s", kafkac_err_name(a.last_err), kafkac_err_name(b.last_err));

    /* What the members committed is what they consumed: every partition's end. */
    static g_member_t c;
    join848(&c, "C", group, topic, NULL, NULL, 0, 0);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(NP);
    for (int p = 0; p < NP; p++)
        kafkac_tpl_add(l, topic, p);
    char err[256];
    kafkac_err_t e = kafkac_consumer_committed(c.c, l, 15000, err, sizeof err);
    if (e)
        fail_msg("committed: %s: %s", kafkac_err_name(e), err);
    for (int p = 0; p < NP; p++)
        if (kafkac_tp_offset(kafkac_tpl_at(l, p)) != 3 * N1)
            fail_msg("partition %d: committed %lld, want %d", p, (long long)kafkac_tp_offset(kafkac_tpl_at(l, p)), 3 * N1);
    kafkac_tpl_destroy(l);
    g_member_close(&c);
}

/* Processing longer than max.poll.interval.ms: the member leaves, its
 * partitions are lost (LOST callback at the next poll, no commit), and it
 * joins again with epoch 0 and gets them back. */
static void test_poll_timeout_loses_and_rejoins(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848pt", 2);
    static g_member_t mb;
    join848(&mb, "slow", group, topic, (const char *const[]){"max.poll.interval.ms=3000", NULL}, NULL, 0, 0);
    int o[G_MAXP];
    for (int64_t t0 = kc_test_now_ms(); g_owned(&mb, o) != 2 && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(g_owned(&mb, o), 2);
    int32_t epoch1;
    char member[256];
    kafkac_consumer_group_generation(mb.c, &epoch1, member, sizeof member);
    assert_true(epoch1 > 0);
    assert_true(member[0] != 0);

    sleep(5);  /* processing longer than max.poll.interval.ms */
    for (int64_t t0 = kc_test_now_ms(); (mb.lost_events == 0 || g_owned(&mb, o) != 2) && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(mb.lost_events, 1);
    assert_int_equal(g_owned(&mb, o), 2);
    /* KIP-848: the member id stays ours for the consumer's life; the
     * epoch is a new one. */
    int32_t epoch2;
    char member2[256];
    kafkac_consumer_group_generation(mb.c, &epoch2, member2, sizeof member2);
    assert_string_equal(member2, member);
    if (epoch2 <= epoch1)
        fail_msg("epoch after the rejoin %d, want above %d", epoch2, epoch1);
    g_member_close(&mb);
}

/* KIP-848's online migration, done by the broker: a classic member and a
 * consumer-protocol member share one group (upgrade: the group becomes a
 * consumer group serving the classic member through JoinGroup/SyncGroup),
 * the classic one leaves and comes back, then the consumer-protocol one
 * leaves (downgrade: the group turns classic again).  Nothing committed is
 * lost and no record is processed twice. */
static void test_online_migration(void **state)
{
    (void)state;
    enum { NP = 4, N = 20 };
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848mig", NP);
    static g_seen_t seen;
    pthread_mutex_init(&seen.m, NULL);
    memset(seen.count, 0, sizeof seen.count);
    const char *const classic[] = {"group.protocol=classic", "session.timeout.ms=10000", "heartbeat.interval.ms=1000",
                                   NULL};
    static g_member_t a, b, a2;
    g_member_t *one_a[] = {&a}, *one_b[] = {&b}, *ab[] = {&a, &b}, *one_a2[] = {&a2}, *a2b[] = {&a2, &b};

    g_produce(topic, NP, 1, N);
    join848(&a, "classic-A", group, topic, classic, &seen, 1, 1);
    wait_split(one_a, 1, NP, 1, 30000);
    wait_seen(&seen, NP, N, 30000);

    join848(&b, "consumer-B", group, topic, NULL, &seen, 1, 1);
    wait_split(ab, 2, NP, 1, 60000);
    g_produce(topic, NP, N + 1, N);
    wait_seen(&seen, NP, 2 * N, 30000);

    g_member_stop(&a);
    wait_split(one_b, 1, NP, 1, 30000);
    join848(&a2, "classic-A2", group, topic, classic, &seen, 1, 1);
    wait_split(a2b, 2, NP, 1, 60000);
    g_produce(topic, NP, 2 * N + 1, N);
    wait_seen(&seen, NP, 3 * N, 30000);

    g_member_stop(&b);
    wait_split(one_a2, 1, NP, 1, 60000);
    g_produce(topic, NP, 3 * N + 1, N);
    wait_seen(&seen, NP, 4 * N, 30000);
    g_member_stop(&a2);
    for (int p = 0; p < NP; p++)
        for (int o = 0; o < 4 * N; o++)
            if (seen.count[p][o] != 1)
                fail_msg("partition %d offset %d processed %d times, want exactly once", p, o, seen.count[p][o]);
}

/* Consume-transform-produce's commit: the group metadata of a
 * consumer-protocol member (its member id and epoch) goes with the
 * offsets into a transaction (TxnOffsetCommit), which the broker checks
 * against the member's epoch; after the commit the group has them. */
static void test_offsets_in_a_transaction(void **state)
{
    (void)state;
    enum { NP = 2, N = 10 };
    char topic[128], group[128], txn_id[128], err[512];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848tx", NP);
    assert_non_null(kc_test_topic(txn_id, sizeof txn_id, "k848tx-id"));
    g_produce(topic, NP, 1, N);
    static g_member_t mb;
    join848(&mb, "txn", group, topic, (const char *const[]){"enable.auto.commit=false", NULL}, NULL, 0, 0);
    kafkac_topic_partition_list_t *next = kafkac_tpl_new(NP);
    int got = 0;
    for (int64_t t0 = kc_test_now_ms(); got < NP * N && kc_test_now_ms() - t0 < 30000;) {
        kafkac_records_t *b = NULL;
        if (kafkac_consumer_poll(mb.c, 200, 0, &b, err, sizeof err) != 0)
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            kafkac_topic_partition_t *e = kafkac_tpl_find(next, topic, kafkac_record_partition(r));
            if (!e)
                e = kafkac_tpl_add(next, topic, kafkac_record_partition(r));
            kafkac_tp_set_offset(e, kafkac_record_offset(r) + 1);
        }
        got += kafkac_records_count(b);
        kafkac_records_destroy(b);
    }
    assert_int_equal(got, NP * N);

    kafkac_conf_t *pc = kc_test_conf(g_brokers());
    kc_test_conf_set(pc, "transactional.id", txn_id);
    kafkac_producer_t *p = kafkac_producer_new(pc, err, sizeof err);
    kafkac_conf_destroy(pc);
    if (!p)
        fail_msg("producer: %s", err);
    if (kafkac_producer_init_transactions(p, 30000, err, sizeof err) != 0)
        fail_msg("init_transactions: %s", err);
    if (kafkac_producer_begin_transaction(p, err, sizeof err) != 0)
        fail_msg("begin_transaction: %s", err);
    kafkac_group_metadata_t *gm = kafkac_consumer_group_metadata(mb.c);
    assert_non_null(gm);
    if (kafkac_producer_send_offsets_to_transaction(p, next, gm, 30000, err, sizeof err) != 0)
        fail_msg("send_offsets_to_transaction: %s", err);
    kafkac_group_metadata_destroy(gm);
    if (kafkac_producer_commit_transaction(p, 30000, err, sizeof err) != 0)
        fail_msg("commit_transaction: %s", err);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    kafkac_tpl_destroy(next);

    kafkac_topic_partition_list_t *l = kafkac_tpl_new(NP);
    for (int i = 0; i < NP; i++)
        kafkac_tpl_add(l, topic, i);
    kafkac_err_t e = kafkac_consumer_committed(mb.c, l, 15000, err, sizeof err);
    if (e)
        fail_msg("committed: %s: %s", kafkac_err_name(e), err);
    for (int i = 0; i < NP; i++)
        if (kafkac_tp_offset(kafkac_tpl_at(l, i)) != N)
            fail_msg("partition %d: committed %lld, want %d", i, (long long)kafkac_tp_offset(kafkac_tpl_at(l, i)), N);
    kafkac_tpl_destroy(l);
    g_member_close(&mb);
}

/* Polls until poll returns an error other than TIMED_OUT (15 s at most). */
static kafkac_err_t first_error(kafkac_consumer_t *c, char *err, size_t errlen)
{
    kafkac_err_t e = 0;
    err[0] = 0;
    for (int64_t t0 = kc_test_now_ms(); !e && kc_test_now_ms() - t0 < 15000;) {
        kafkac_records_t *b = NULL;
        e = kafkac_consumer_poll(c, 500, 0, &b, err, errlen);
        if (e == KAFKAC_ERR_TIMED_OUT)
            e = 0;
        kafkac_records_destroy(b);
    }
    return e;
}

/* A static member (group.instance.id) leaves with epoch -2: its
 * partitions wait for it (until the session times out) instead of going
 * to the other member, and a new consumer with the same instance id gets
 * them back at once. */
static void test_static_member_restarts_without_moving_partitions(void **state)
{
    (void)state;
    enum { NP = 4 };
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848st", NP);
    static g_member_t a, b, a2;
    const char *const stat[] = {"group.instance.id=static-a", NULL};
    join848(&a, "A", group, topic, stat, NULL, 0, 1);
    join848(&b, "B", group, topic, NULL, NULL, 0, 1);
    g_member_t *two[] = {&a, &b};
    wait_split(two, 2, NP, 1, 30000);
    /* Let the split settle: no hand-over still under way. */
    sleep(2);
    wait_split(two, 2, NP, 1, 30000);
    int owned_a[G_MAXP], owned_b[G_MAXP];
    int na = g_owned(&a, owned_a);
    g_owned(&b, owned_b);
    pthread_mutex_lock(&b.m);
    int b_assigned = b.assigned_events, b_revoked = b.revoked_events;
    pthread_mutex_unlock(&b.m);

    g_member_stop(&a);
    /* Longer than a heartbeat interval (1 s in itest_group_848_kafka4.sh,
     * 5 s by default): after a leave with -1 B would have been given A's
     * partitions by now. */
    sleep(6);
    int now_b[G_MAXP];
    g_owned(&b, now_b);
    for (int p = 0; p < NP; p++)
        if (now_b[p] != owned_b[p])
            fail_msg("partition %d moved %s B while the static member was away", p, now_b[p] ? "to" : "from");
    pthread_mutex_lock(&b.m);
    int moved = b.assigned_events != b_assigned || b.revoked_events != b_revoked;
    pthread_mutex_unlock(&b.m);
    if (moved)
        fail_msg("B saw a rebalance while the static member was away");

    join848(&a2, "A2", group, topic, stat, NULL, 0, 1);
    int64_t t0 = kc_test_now_ms();
    int o[G_MAXP];
    while (g_owned(&a2, o) != na && kc_test_now_ms() - t0 < 30000)
        usleep(50000);
    for (int p = 0; p < NP; p++)
        if (o[p] != owned_a[p])
            fail_msg("partition %d: the restarted static member %s it, the first one %s", p,
                     o[p] ? "has" : "lacks", owned_a[p] ? "had" : "did not");
    g_member_stop(&a2);
    g_member_stop(&b);
}

/* A subscription of patterns goes to the broker (SubscribedTopicRegex),
 * which matches whole topic names (RE2J): "^T-a" takes T-a but not T-ab,
 * which a POSIX search on the client would also have matched. */
static void test_regex_evaluated_by_the_broker(void **state)
{
    (void)state;
    char base[128], group[128], ta[160], tab[160], re[170];
    assert_non_null(kc_test_topic(base, sizeof base, "k848re"));
    assert_non_null(kc_test_topic(group, sizeof group, "gk848re"));
    snprintf(ta, sizeof ta, "%s-a", base);
    snprintf(tab, sizeof tab, "%s-ab", base);
    snprintf(re, sizeof re, "^%s-a", base);
    g_create_topic(ta, 2);
    g_create_topic(tab, 3);
    static g_member_t mb;
    join848(&mb, "regex", group, re, NULL, NULL, 0, 0);
    kafkac_topic_partition_list_t *l = NULL;
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        drain(mb.c, 1, 100);
        kafkac_tpl_destroy(l);
        l = NULL;
        assert_int_equal(kafkac_consumer_assignment(mb.c, &l), 0);
        if (kafkac_tpl_count(l) >= 2 || kc_test_now_ms() - t0 > 30000)
            break;
    }
    /* A moment more: a wrong extra topic would come with the same answer,
     * or the next. */
    drain(mb.c, 20, 100);
    kafkac_tpl_destroy(l);
    assert_int_equal(kafkac_consumer_assignment(mb.c, &l), 0);
    int on_a = 0;
    for (int i = 0; i < kafkac_tpl_count(l); i++) {
        if (strcmp(kafkac_tp_topic(kafkac_tpl_at(l, i)), ta) != 0)
            fail_msg("%s [%d] assigned for the pattern \"%s\", which must match whole names only", kafkac_tp_topic(kafkac_tpl_at(l, i)),
                     kafkac_tp_partition(kafkac_tpl_at(l, i)), re);
        on_a++;
    }
    if (on_a != 2)
        fail_msg("%d partitions of %s assigned for \"%s\", want 2", on_a, ta, re);
    kafkac_tpl_destroy(l);
    g_member_close(&mb);

    /* RE2J syntax that POSIX does not have: (?i) and \\d.  "^(?i)T-A" finds T-a. */
    char upper[170];
    snprintf(upper, sizeof upper, "^(?i)%s-A", base);
    for (char *q = upper + 5; *q; q++)
        if (*q >= 'a' && *q <= 'z')
            *q = (char)(*q - 'a' + 'A');
    join848(&mb, "re2j", group, upper, NULL, NULL, 0, 0);
    t0 = kc_test_now_ms();
    for (l = NULL;;) {
        drain(mb.c, 1, 100);
        kafkac_tpl_destroy(l);
        assert_int_equal(kafkac_consumer_assignment(mb.c, &l), 0);
        if (kafkac_tpl_count(l) >= 2 || kc_test_now_ms() - t0 > 30000)
            break;
    }
    if (kafkac_tpl_count(l) != 2 || strcmp(kafkac_tp_topic(kafkac_tpl_at(l, 0)), ta) != 0)
        fail_msg("\"%s\": %d partitions assigned (first %s), want the 2 of %s", upper, kafkac_tpl_count(l),
                 kafkac_tpl_count(l) ? kafkac_tp_topic(kafkac_tpl_at(l, 0)) : "-", ta);
    kafkac_tpl_destroy(l);
    /* Mixed with a name, the pattern would be matched here, in POSIX. */
    const char *mixed[] = {ta, "^(?i)x\\d+"};
    char err[512];
    kafkac_err_t e = kafkac_consumer_subscribe(mb.c, mixed, 2, err, sizeof err);
    if (e != KAFKAC_ERR_INVALID_ARG || !strstr(err, "RE2J"))
        fail_msg("subscribe to a name and an RE2J pattern: expected INVALID_ARG saying why, got %s: %s",
                 kafkac_err_name(e), err);
    g_member_close(&mb);
}

/* Errors of the membership reach poll: an assignor the broker does not
 * have (UNSUPPORTED_ASSIGNOR), a pattern it cannot compile
 * (INVALID_REGULAR_EXPRESSION), a static id already in use
 * (UNRELEASED_INSTANCE_ID); the settings KIP-848 gives the broker are
 * refused. */
static void test_errors_reach_the_application(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848as", 1);
    static g_member_t mb;
    join848(&mb, "bad-assignor", group, topic, (const char *const[]){"group.remote.assignor=nosuch", NULL}, NULL, 0,
            0);
    char err[512] = "";
    kafkac_err_t e = first_error(mb.c, err, sizeof err);
    if (e != KAFKAC_ERR_UNSUPPORTED_ASSIGNOR)
        fail_msg("poll: expected UNSUPPORTED_ASSIGNOR, got %s: %s", kafkac_err_name(e), err);
    g_member_close(&mb);

    /* A pattern the broker cannot compile: INVALID_REGULAR_EXPRESSION. */
    char re[160];
    snprintf(re, sizeof re, "^%s(", topic);
    join848(&mb, "bad-regex", group, re, NULL, NULL, 0, 0);
    e = first_error(mb.c, err, sizeof err);
    if (e != KAFKAC_ERR_INVALID_REGULAR_EXPRESSION)
        fail_msg("poll: expected INVALID_REGULAR_EXPRESSION, got %s: %s", kafkac_err_name(e), err);
    g_member_close(&mb);

    /* The uniform and range assignors exist: a member asking for range
     * gets the partition. */
    join848(&mb, "range", group, topic, (const char *const[]){"group.remote.assignor=range", NULL}, NULL, 0, 0);
    int o[G_MAXP];
    for (int64_t t0 = kc_test_now_ms(); g_owned(&mb, o) != 1 && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(g_owned(&mb, o), 1);
    g_member_close(&mb);

    /* A second live consumer with the same group.instance.id:
     * UNRELEASED_INSTANCE_ID for it, the first one goes on.  (Last: the
     * first one's partition then waits for it for a whole session.) */
    static g_member_t s1, s2;
    const char *const stat[] = {"group.instance.id=twice", NULL};
    join848(&s1, "static-1", group, topic, stat, NULL, 0, 0);
    for (int64_t t0 = kc_test_now_ms(); g_owned(&s1, o) != 1 && kc_test_now_ms() - t0 < 30000;)
        drain(s1.c, 1, 100);
    assert_int_equal(g_owned(&s1, o), 1);
    join848(&s2, "static-2", group, topic, stat, NULL, 0, 0);
    e = first_error(s2.c, err, sizeof err);
    if (e != KAFKAC_ERR_UNRELEASED_INSTANCE_ID)
        fail_msg("poll of the second static-id consumer: expected UNRELEASED_INSTANCE_ID, got %s: %s",
                 kafkac_err_name(e), err);
    drain(s1.c, 10, 100);
    assert_int_equal(g_owned(&s1, o), 1);
    g_member_close(&s2);
    g_member_close(&s1);

    static const char *const refused[] = {"session.timeout.ms=10000", "heartbeat.interval.ms=1000",
                                          "partition.assignment.strategy=range"};
    for (int i = 0; i < 3; i++) {
        kafkac_conf_t *conf = kc_test_conf(g_brokers());
        kc_test_conf_set(conf, "group.id", group);
        kc_test_conf_set(conf, "group.protocol", "consumer");
        char key[64];
        const char *eq = strchr(refused[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - refused[i]), refused[i]);
        kc_test_conf_set(conf, key, eq + 1);
        kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
        kafkac_conf_destroy(conf);
        if (c)
            fail_msg("consumer_new with group.protocol=consumer and %s: expected a CONFIG error", refused[i]);
        if (!strstr(err, key))
            fail_msg("the error does not name %s: %s", key, err);
    }
}

/* Kafka 3.x does not run the protocol: poll says so, naming the way out,
 * within its timeout. */
static void test_unsupported_broker(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "k848un", 1);
    static g_member_t mb;
    join848(&mb, "old-broker", group, topic, NULL, NULL, 0, 0);
    kafkac_records_t *b = NULL;
    char err[512] = "";
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = kafkac_consumer_poll(mb.c, 10000, 0, &b, err, sizeof err);
    int64_t took = kc_test_now_ms() - t0;
    kafkac_records_destroy(b);
    if (e != KAFKAC_ERR_UNSUPPORTED_VERSION)
        fail_msg("poll: expected UNSUPPORTED_VERSION, got %s: %s", kafkac_err_name(e), err);
    if (!strstr(err, "group.protocol=classic"))
        fail_msg("the error does not name group.protocol=classic: %s", err);
    if (took > 10500)
        fail_msg("poll took %lld ms, past its 10000 ms timeout", (long long)took);
    g_member_close(&mb);
}

int main(void)
{
    const struct CMUnitTest kafka4_tests[] = {
        cmocka_unit_test(test_two_members_hand_over),
        cmocka_unit_test(test_poll_timeout_loses_and_rejoins),
        cmocka_unit_test(test_static_member_restarts_without_moving_partitions),
        cmocka_unit_test(test_regex_evaluated_by_the_broker),
        cmocka_unit_test(test_online_migration),
        cmocka_unit_test(test_offsets_in_a_transaction),
        cmocka_unit_test(test_errors_reach_the_application),
    };
    const struct CMUnitTest kafka3_tests[] = {
        cmocka_unit_test(test_unsupported_broker),
    };
    if (kafka4())
        return cmocka_run_group_tests(kafka4_tests, NULL, NULL);
    return cmocka_run_group_tests(kafka3_tests, NULL, NULL);
}

/* The group model against a real broker, beyond membership changes
 * (itest_group_members.c): cooperative-sticky keeps unaffected partitions
 * through a rebalance, a static member restarts without a rebalance,
 * commits (auto, async with callback and metadata, store_offsets) and
 * committed(), regex subscriptions picking up new topics (also one made
 * while a JoinGroup is held), auto.offset.reset
 * none, the max.poll.interval.ms timeout, unsubscribe. */
#include "itest_group_util.h"
#include "common/tsend.h"

static int wait_owned(g_member_t *mb, int n, int timeout_ms)
{
    int64_t t0 = kc_test_now_ms();
    int o[G_MAXP];
    while (g_owned(mb, o) != n) {
        if (kc_test_now_ms() - t0 > timeout_ms) {
            char s[128];
            g_owned_str(mb, s, sizeof s);
            fail_msg("%s owns {%s}, want %d partitions within %d ms", mb->name, s, n, timeout_ms);
        }
        usleep(50000);
    }
    return (int)(kc_test_now_ms() - t0);
}

/* Waits until the members' sets are disjoint and cover np partitions. */
static void wait_cover(g_member_t **mb, int nm, int np, int timeout_ms)
{
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        int cover[G_MAXP] = {0}, ok = 1;
        for (int i = 0; i < nm; i++) {
            int o[G_MAXP];
            g_owned(mb[i], o);
            for (int p = 0; p < G_MAXP; p++)
                cover[p] += o[p];
        }
        for (int p = 0; p < G_MAXP; p++)
            ok &= cover[p] == (p < np ? 1 : 0);
        if (ok)
            return;
        if (kc_test_now_ms() - t0 > timeout_ms)
            fail_msg("members do not cover the %d partitions disjointly within %d ms", np, timeout_ms);
        usleep(50000);
    }
}

static void test_cooperative_keeps_unaffected(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "coop", 6);
    g_produce(topic, 6, 1, 20);
    const char *extra[] = {"partition.assignment.strategy=cooperative-sticky", NULL};
    static g_member_t a, b, c;
    g_member_start(&a, "a", group, topic, extra, NULL, 0);
    g_member_start(&b, "b", group, topic, extra, NULL, 0);
    g_member_t *ab[] = {&a, &b};
    wait_owned(&a, 3, 30000);
    wait_owned(&b, 3, 30000);
    wait_cover(ab, 2, 6, 10000);
    int before_a[G_MAXP], before_b[G_MAXP];
    g_owned(&a, before_a);
    g_owned(&b, before_b);
    pthread_mutex_lock(&a.m);
    memset(a.interrupted, 0, sizeof a.interrupted);
    pthread_mutex_unlock(&a.m);
    pthread_mutex_lock(&b.m);
    memset(b.interrupted, 0, sizeof b.interrupted);
    pthread_mutex_unlock(&b.m);

    g_member_start(&c, "c", group, topic, extra, NULL, 0);
    g_member_t *abc[] = {&a, &b, &c};
    wait_owned(&c, 2, 30000);
    wait_owned(&a, 2, 10000);
    wait_owned(&b, 2, 10000);
    wait_cover(abc, 3, 6, 10000);
    int now_a[G_MAXP], now_b[G_MAXP], now_c[G_MAXP];
    g_owned(&a, now_a);
    g_owned(&b, now_b);
    g_owned(&c, now_c);
    g_member_t *ms[] = {&a, &b};
    int *before[] = {before_a, before_b}, *now[] = {now_a, now_b};
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&ms[i]->m);
        for (int p = 0; p < 6; p++) {
            /* Kept partitions were never revoked; only those now C's were. */
            if (before[i][p] && now[i][p] && ms[i]->interrupted[p])
                fail_msg("%s had partition %d revoked although it kept it", ms[i]->name, p);
            if (before[i][p] && !now[i][p] && !now_c[p])
                fail_msg("%s lost partition %d to someone other than the new member", ms[i]->name, p);
        }
        assert_int_equal(ms[i]->lost_events, 0);
        pthread_mutex_unlock(&ms[i]->m);
    }
    g_member_stop(&c);
    g_member_stop(&a);
    g_member_stop(&b);
}

static void test_static_member_restarts_without_rebalance(void **state)
{
    (void)state;
    char topic[128], group[128], inst[128];
    kc_test_topic(topic, sizeof topic, "static");
    kc_test_topic(group, sizeof group, "gstatic");
    kc_test_topic(inst, sizeof inst, "inst");
    g_create_topic(topic, 4);
    char inst_kv[160];
    snprintf(inst_kv, sizeof inst_kv, "group.instance.id=%s", inst);
    const char *sx[] = {inst_kv, "session.timeout.ms=15000", NULL};
    static g_member_t n, s1, s2;
    g_member_start(&n, "dynamic", group, topic, NULL, NULL, 0);
    g_member_start(&s1, "static", group, topic, sx, NULL, 0);
    g_member_t *two[] = {&n, &s1};
    wait_owned(&n, 2, 30000);
    wait_owned(&s1, 2, 30000);
    wait_cover(two, 2, 4, 10000);
    usleep(500000);  /* settle: any trailing rebalance would show below */
    int32_t gen_before = -1;
    kafkac_consumer_group_generation(n.c, &gen_before, NULL, 0);
    assert_true(gen_before > 0);
    pthread_mutex_lock(&n.m);
    int n_revokes = n.revoked_events, n_assigns = n.assigned_events;
    pthread_mutex_unlock(&n.m);
    int s1_owned[G_MAXP];
    g_owned(&s1, s1_owned);

    /* Close and restart: a static member sends no LeaveGroup, and its
     * successor with the same group.instance.id takes its place. */
    g_member_stop(&s1);
    g_member_start(&s2, "static-again", group, topic, sx, NULL, 0);
    wait_owned(&s2, 2, 20000);
    int s2_owned[G_MAXP];
    g_owned(&s2, s2_owned);
    assert_memory_equal(s1_owned, s2_owned, sizeof s1_owned);
    usleep(1500000);  /* a rebalance, if any, would have reached n by now */
    int32_t gen_after = -1, gen_s2 = -1;
    kafkac_consumer_group_generation(n.c, &gen_after, NULL, 0);
    kafkac_consumer_group_generation(s2.c, &gen_s2, NULL, 0);
    printf("# generation before %d, after the static restart %d (dynamic member), %d (restarted)\n",
           (int)gen_before, (int)gen_after, (int)gen_s2);
    assert_int_equal(gen_after, gen_before);
    assert_int_equal(gen_s2, gen_before);
    pthread_mutex_lock(&n.m);
    assert_int_equal(n.revoked_events, n_revokes);
    assert_int_equal(n.assigned_events, n_assigns);
    pthread_mutex_unlock(&n.m);
    g_member_stop(&s2);
    g_member_stop(&n);
}

/* ---- commits ---- */

typedef struct async_res {
    int calls;
    kafkac_err_t err;
    kafkac_err_t part_err;
} async_res_t;

static void on_commit(kafkac_consumer_t *c, kafkac_err_t err, const kafkac_topic_partition_list_t *l, void *opaque)
{
    async_res_t *r = opaque;
    r->calls++;
    r->err = err;
    r->part_err = kafkac_tpl_count(l) > 0 ? kafkac_tp_err(kafkac_tpl_at(l, 0)) : -1;
}

static int drain(kafkac_consumer_t *c, int want, int timeout_ms)
{
    char err[512];
    int got = 0;
    int64_t t0 = kc_test_now_ms();
    while (got < want && kc_test_now_ms() - t0 < timeout_ms) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 100, 0, &b, err, sizeof err) == 0) {
            got += kafkac_records_count(b);
            kafkac_records_destroy(b);
        }
    }
    return got;
}

static void test_commits(void **state)
{
    (void)state;
    char topic[128], group[128], err[512];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "commit", 3);
    g_produce(topic, 3, 1, 10);
    kafkac_consumer_t *c = g_consumer(group, (const char *const[]){"auto.commit.interval.ms=300", NULL});
    const char *t[] = {topic};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    assert_int_equal(drain(c, 30, 30000), 30);
    drain(c, 1000000, 1200);  /* auto commits happen meanwhile */

    /* Auto commit committed what poll returned, while still running. */
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(3);
    for (int p = 0; p < 3; p++)
        kafkac_tpl_add(l, topic, p);
    assert_int_equal(kafkac_consumer_committed(c, l, 10000, err, sizeof err), 0);
    for (int p = 0; p < 3; p++)
        assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, p)), 10);
    assert_int_equal(kafkac_consumer_close(c, 10000), 0);
    kafkac_consumer_destroy(c);

    /* Manual commits from here (an auto commit would overwrite them). */
    c = g_consumer(group, (const char *const[]){"enable.auto.commit=false", NULL});
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    for (int64_t t0 = kc_test_now_ms(); kc_test_now_ms() - t0 < 30000;) {
        kafkac_topic_partition_list_t *asg = NULL;
        drain(c, 1, 100);
        assert_int_equal(kafkac_consumer_assignment(c, &asg), 0);
        int n = asg ? kafkac_tpl_count(asg) : 0;
        kafkac_tpl_destroy(asg);
        if (n == 3)
            break;
    }

    /* Async commit of an explicit offset with metadata; the callback runs
     * in a later poll. */
    kafkac_topic_partition_list_t *o = kafkac_tpl_new(1);
    kafkac_topic_partition_t *e = kafkac_tpl_add(o, topic, 0);
    kafkac_tp_set_offset(e, 5);
    kafkac_tp_set_metadata(e, "meta-5");
    async_res_t res = {0, -1, -1};
    assert_int_equal(kafkac_consumer_commit_async(c, o, on_commit, &res), 0);
    assert_int_equal(res.calls, 0);  /* never inside the call */
    kafkac_tpl_destroy(o);
    for (int64_t t0 = kc_test_now_ms(); res.calls == 0 && kc_test_now_ms() - t0 < 10000;)
        drain(c, 1, 100);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.err, 0);
    assert_int_equal(res.part_err, 0);

    /* store_offsets: from now on only stored offsets are committed. */
    o = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(o, topic, 1), 3);
    assert_int_equal(kafkac_consumer_store_offsets(c, o), 0);
    kafkac_tpl_destroy(o);
    assert_int_equal(kafkac_consumer_commit_sync(c, NULL, 10000, err, sizeof err), 0);

    assert_int_equal(kafkac_consumer_committed(c, l, 10000, err, sizeof err), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 5);
    assert_non_null(kafkac_tp_metadata(kafkac_tpl_at(l, 0)));
    assert_string_equal(kafkac_tp_metadata(kafkac_tpl_at(l, 0)), "meta-5");
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 1)), 3);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 2)), 10);
    assert_int_equal(kafkac_consumer_close(c, 10000), 0);
    kafkac_consumer_destroy(c);

    /* A new member starts where the group committed: 5 + 7 + 0 records. */
    c = g_consumer(group, (const char *const[]){"enable.auto.commit=false", NULL});
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    assert_int_equal(drain(c, 12, 30000), 12);
    assert_int_equal(drain(c, 1, 1500), 0);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    kafkac_tpl_destroy(l);
}

/* Auto commit commits only what poll has returned (at-least-once), not
 * what the fetcher holds ahead of the application: with max.poll.records
 * 3 and all 20 records fetched long since, the committed offset follows
 * the polls (3, then 6), also while the consumer is idle between them. */
static void test_auto_commit_only_what_poll_returned(void **state)
{
    (void)state;
    char topic[128], group[128], err[512];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "acpoll", 1);
    g_produce(topic, 1, 1, 20);
    kafkac_consumer_t *c =
        g_consumer(group, (const char *const[]){"auto.commit.interval.ms=200", "max.poll.records=3", NULL});
    const char *t[] = {topic};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, 0);
    int64_t next = 0;
    for (int round = 1; round <= 2; round++) {
        kafkac_records_t *b = NULL;
        kafkac_err_t e = KAFKAC_ERR_TIMED_OUT;
        for (int64_t t0 = kc_test_now_ms(); e == KAFKAC_ERR_TIMED_OUT && kc_test_now_ms() - t0 < 30000;)
            e = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (e)
            fail_msg("poll %d: %s: %s", round, kafkac_err_name(e), err);
        int n = kafkac_records_count(b);
        assert_in_range(n, 1, 3);
        assert_int_equal(kafkac_record_offset(kafkac_records_at(b, 0)), next);
        next += n;
        kafkac_records_destroy(b);
        usleep(1500 * 1000);  /* several auto commits, no poll */
        assert_int_equal(kafkac_consumer_committed(c, l, 10000, err, sizeof err), 0);
        if (kafkac_tp_offset(kafkac_tpl_at(l, 0)) != next)
            fail_msg("after poll %d returned up to offset %lld, the group committed %lld", round,
                     (long long)(next - 1), (long long)kafkac_tp_offset(kafkac_tpl_at(l, 0)));
    }
    kafkac_tpl_destroy(l);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
}

static void test_regex_subscription_picks_up_new_topics(void **state)
{
    (void)state;
    char base[96], ta[128], tb[128], pattern[160], group[128], err[512];
    kc_test_topic(base, sizeof base, "re");
    snprintf(ta, sizeof ta, "%s-a", base);
    snprintf(tb, sizeof tb, "%s-b", base);
    snprintf(pattern, sizeof pattern, "^%s-.*", base);
    kc_test_topic(group, sizeof group, "gre");
    g_create_topic(ta, 2);
    g_produce(ta, 2, 1, 5);
    kafkac_consumer_t *c = g_consumer(group, (const char *const[]){"metadata.max.age.ms=1000", NULL});
    const char *t[] = {pattern};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    kafkac_topic_partition_list_t *sub;
    assert_int_equal(kafkac_consumer_subscription(c, &sub), 0);
    assert_int_equal(kafkac_tpl_count(sub), 1);
    assert_string_equal(kafkac_tp_topic(kafkac_tpl_at(sub, 0)), pattern);
    kafkac_tpl_destroy(sub);
    assert_int_equal(drain(c, 10, 30000), 10);

    g_create_topic(tb, 3);
    g_produce(tb, 3, 1, 5);
    int64_t t0 = kc_test_now_ms();
    assert_int_equal(drain(c, 15, 30000), 15);
    printf("# the new topic's records arrived %lld ms after it was written\n", (long long)(kc_test_now_ms() - t0));
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);

    const char *bad[] = {"^re-(unclosed"};
    c = g_consumer(group, NULL);
    assert_int_equal(kafkac_consumer_subscribe(c, bad, 1, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "regular expression"));
    kafkac_consumer_close(c, 1000);
    kafkac_consumer_destroy(c);
}

/* A topic that starts matching a pattern while this member's JoinGroup is
 * held by the broker: the join went out with the old topic list, so the
 * generation it ends in leaves the new topic out of what this member asked
 * for.  Once stable the member must see that and rejoin, or it never gets
 * a share of the topic (it did not, before the check).  B's JoinGroup is
 * held until A rejoins; A heartbeats only every 9 s and refreshes its
 * metadata every 5 s, while B refreshes every 200 ms, so B sees the new
 * topic during its held join in nearly every run. */
static void test_pattern_matches_a_topic_created_during_a_join(void **state)
{
    (void)state;
    char base[96], ta[128], tb[128], pattern[160], group[128];
    kc_test_topic(base, sizeof base, "rejoin");
    snprintf(ta, sizeof ta, "%s-a", base);
    snprintf(tb, sizeof tb, "%s-b", base);
    snprintf(pattern, sizeof pattern, "^%s-.*", base);
    kc_test_topic(group, sizeof group, "grejoin");
    g_create_topic(ta, 2);
    static g_member_t a, b;
    const char *extra_a[] = {"session.timeout.ms=30000", "heartbeat.interval.ms=9000", "metadata.max.age.ms=5000",
                             NULL};
    const char *extra_b[] = {"metadata.max.age.ms=200", NULL};
    g_member_start(&a, "a", group, pattern, extra_a, NULL, 0);
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        pthread_mutex_lock(&a.m);
        int ev = a.assigned_events;
        pthread_mutex_unlock(&a.m);
        if (ev > 0)
            break;
        if (kc_test_now_ms() - t0 > 30000)
            fail_msg("a got no assignment within 30 s");
        usleep(20000);
    }
    g_member_start(&b, "b", group, pattern, extra_b, NULL, 0);
    /* From here on the members' owned sets track the new topic. */
    pthread_mutex_lock(&a.m);
    a.topic = tb;
    pthread_mutex_unlock(&a.m);
    pthread_mutex_lock(&b.m);
    b.topic = tb;
    pthread_mutex_unlock(&b.m);
    usleep(1000 * 1000);  /* b's JoinGroup is out and held */
    g_create_topic(tb, 2);
    int64_t t1 = kc_test_now_ms();
    /* Range over 2 partitions: one each.  Before b rejoins, a owns both
     * (b's join asked for the old topic only); b's rejoin is held until
     * a's next heartbeat, up to 9 s. */
    wait_owned(&b, 1, 30000);
    wait_owned(&a, 1, 10000);
    g_member_t *ab[] = {&a, &b};
    wait_cover(ab, 2, 2, 10000);
    printf("# both members own a partition of the new topic %lld ms after it was made\n",
           (long long)(kc_test_now_ms() - t1));
    g_member_stop(&b);
    g_member_stop(&a);
}

static void test_offset_reset_none_in_a_group(void **state)
{
    (void)state;
    char topic[128], group[128], err[512];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "none", 1);
    g_produce(topic, 1, 1, 3);
    kafkac_consumer_t *c = g_consumer(group, (const char *const[]){"auto.offset.reset=none", NULL});
    const char *t[] = {topic};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    kafkac_err_t got = 0;
    for (int64_t t0 = kc_test_now_ms(); kc_test_now_ms() - t0 < 30000;) {
        kafkac_records_t *b;
        got = kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err);
        if (got == 0)
            kafkac_records_destroy(b);
        if (got != 0 && got != KAFKAC_ERR_TIMED_OUT)
            break;
    }
    assert_int_equal(got, KAFKAC_ERR_AUTO_OFFSET_RESET);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
}

static void test_poll_timeout_loses_and_rejoins(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "mpi", 2);
    static g_member_t mb;  /* callbacks only; polled from here */
    g_member_join(&mb, "slow", group, topic, (const char *const[]){"max.poll.interval.ms=2000", NULL}, NULL, 0);
    int o[G_MAXP];
    for (int64_t t0 = kc_test_now_ms(); g_owned(&mb, o) != 2 && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(g_owned(&mb, o), 2);
    int32_t gen1;
    char member[256];
    kafkac_consumer_group_generation(mb.c, &gen1, member, sizeof member);
    assert_true(gen1 > 0);
    assert_true(member[0] != 0);

    sleep(4);  /* processing longer than max.poll.interval.ms */
    for (int64_t t0 = kc_test_now_ms(); (mb.lost_events == 0 || g_owned(&mb, o) != 2) && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(mb.lost_events, 1);
    assert_int_equal(g_owned(&mb, o), 2);
    /* A new membership: the member left, so it rejoined under a new id
     * (the generation number may start over: the group was empty). */
    int32_t gen2;
    char member2[256];
    kafkac_consumer_group_generation(mb.c, &gen2, member2, sizeof member2);
    assert_true(gen2 > 0);
    assert_true(member2[0] != 0);
    assert_string_not_equal(member2, member);

    /* Unsubscribe revokes and leaves. */
    int revokes = mb.revoked_events;
    assert_int_equal(kafkac_consumer_unsubscribe(mb.c), 0);
    assert_int_equal(mb.revoked_events, revokes + 1);
    assert_int_equal(g_owned(&mb, o), 0);
    kafkac_topic_partition_list_t *sub;
    assert_int_equal(kafkac_consumer_subscription(mb.c, &sub), 0);
    assert_int_equal(kafkac_tpl_count(sub), 0);
    kafkac_tpl_destroy(sub);
    g_member_close(&mb);
}

/* Heartbeats run on the I/O thread: processing longer than the session
 * timeout (but within max.poll.interval.ms) between polls keeps the
 * membership, with no rebalance. */
static void test_slow_processing_keeps_membership(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "slow", 2);
    static g_member_t mb;
    g_member_join(&mb, "slow", group, topic, (const char *const[]){"max.poll.interval.ms=30000", NULL}, NULL, 0);
    int o[G_MAXP];
    for (int64_t t0 = kc_test_now_ms(); g_owned(&mb, o) != 2 && kc_test_now_ms() - t0 < 30000;)
        drain(mb.c, 1, 100);
    assert_int_equal(g_owned(&mb, o), 2);
    int32_t gen1, gen2;
    kafkac_consumer_group_generation(mb.c, &gen1, NULL, 0);
    sleep(9);  /* session.timeout.ms is 6000 */
    drain(mb.c, 1, 1000);
    kafkac_consumer_group_generation(mb.c, &gen2, NULL, 0);
    assert_int_equal(gen2, gen1);
    assert_int_equal(mb.lost_events, 0);
    assert_int_equal(mb.revoked_events, 0);
    assert_int_equal(mb.assigned_events, 1);
    g_member_close(&mb);
}

/* Eager sticky: every rebalance revokes everything, so stickiness rests on
 * the previous assignment each member sends in its user data.  A member
 * that owned all six keeps three of them when a second one joins, and a
 * third member's arrival moves only one partition from each. */
static void test_eager_sticky_keeps_partitions_via_user_data(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "sticky", 6);
    const char *extra[] = {"partition.assignment.strategy=sticky", NULL};
    static g_member_t a, b, c;
    g_member_start(&a, "a", group, topic, extra, NULL, 0);
    wait_owned(&a, 6, 30000);
    g_member_start(&b, "b", group, topic, extra, NULL, 0);
    wait_owned(&b, 3, 30000);
    wait_owned(&a, 3, 10000);
    int a1[G_MAXP], b1[G_MAXP];
    g_owned(&a, a1);
    g_owned(&b, b1);
    pthread_mutex_lock(&a.m);
    assert_true(a.revoked_events >= 1);  /* eager: it did give everything back */
    pthread_mutex_unlock(&a.m);

    g_member_start(&c, "c", group, topic, extra, NULL, 0);
    g_member_t *abc[] = {&a, &b, &c};
    wait_owned(&c, 2, 30000);
    wait_owned(&a, 2, 10000);
    wait_owned(&b, 2, 10000);
    wait_cover(abc, 3, 6, 10000);
    int a2[G_MAXP], b2[G_MAXP];
    g_owned(&a, a2);
    g_owned(&b, b2);
    for (int p = 0; p < 6; p++) {
        if (a2[p] && !a1[p])
            fail_msg("a got partition %d, which it did not own: not sticky", p);
        if (b2[p] && !b1[p])
            fail_msg("b got partition %d, which it did not own: not sticky", p);
    }
    g_member_stop(&c);
    g_member_stop(&b);
    g_member_stop(&a);
}

/* During a cooperative rebalance a member keeps consuming the partitions
 * it keeps: its JoinGroup waits on the coordinator's own connection, not
 * in front of its fetches.  The rebalance is held open by a member that
 * lists an eager assignor too (so the group still picks cooperative-sticky
 * but that member must revoke on its app thread) and does not poll. */
static void test_cooperative_member_consumes_during_rebalance(void **state)
{
    (void)state;
    char topic[128], group[128];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "coopfetch", 4);
    const char *coop[] = {"partition.assignment.strategy=cooperative-sticky", NULL};
    static g_member_t a, c, b;
    g_member_start(&a, "a", group, topic, coop, NULL, 0);
    wait_owned(&a, 4, 30000);

    const char *b_extra[] = {"partition.assignment.strategy=range,cooperative-sticky", "max.poll.interval.ms=30000",
                             NULL};
    g_member_join(&b, "b-not-polling", group, topic, b_extra, NULL, 0);
    int o[G_MAXP];
    for (int64_t t0 = kc_test_now_ms(); (g_owned(&b, o) != 2 || g_owned(&a, o) != 2) && kc_test_now_ms() - t0 < 30000;)
        drain(b.c, 1, 100);
    assert_int_equal(g_owned(&b, o), 2);
    drain(b.c, 1000000, 300);

    /* c joins; b is not polling, so the rebalance stays open. */
    g_member_start(&c, "c", group, topic, coop, NULL, 0);
    usleep(1500000);
    assert_int_equal(g_owned(&c, o), 0);
    int a_owned[G_MAXP];
    g_owned(&a, a_owned);
    pthread_mutex_lock(&a.m);
    int before = a.records;
    pthread_mutex_unlock(&a.m);
    int64_t t0 = kc_test_now_ms();
    for (int p = 0; p < 4; p++)
        if (a_owned[p])
            assert_int_equal(kc_test_sh("for i in $(seq 1 10); do echo x$i; done | kcat -P -b %s -t %s -p %d 2>&1",
                                        g_brokers(), topic, p), 0);
    int got = 0;
    while (kc_test_now_ms() - t0 < 5000 && got < 20) {
        pthread_mutex_lock(&a.m);
        got = a.records - before;
        pthread_mutex_unlock(&a.m);
        usleep(50000);
    }
    int c_owned = g_owned(&c, o);
    printf("# during the open rebalance, a consumed %d new records in %lld ms; c owns %d partitions yet\n", got,
           (long long)(kc_test_now_ms() - t0), c_owned);
    assert_int_equal(got, 20);
    assert_int_equal(c_owned, 0);

    /* b polls again: the rebalance completes and c gets its share. */
    for (int64_t t1 = kc_test_now_ms(); g_owned(&c, o) == 0 && kc_test_now_ms() - t1 < 30000;)
        drain(b.c, 1000000, 100);
    assert_true(g_owned(&c, o) > 0);
    g_member_stop(&c);
    g_member_stop(&a);
    g_member_close(&b);
}

/* The commit on revoke: with enable.auto.commit but an interval too long
 * to fire, an orderly rebalance still commits what poll returned before
 * the partitions move, so the member taking them over reads nothing
 * twice. */
static void test_commit_on_revoke(void **state)
{
    (void)state;
    char topic[128], group[128], err[512];
    g_topic_and_group(topic, sizeof topic, group, sizeof group, "revoke", 4);
    g_produce(topic, 4, 1, 25);
    const char *extra[] = {"auto.commit.interval.ms=600000", NULL};
    static g_seen_t seen;
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.m, NULL);
    static g_member_t a, b;
    g_member_start(&a, "a", group, topic, extra, &seen, 0);
    for (int64_t t0 = kc_test_now_ms(); kc_test_now_ms() - t0 < 30000; usleep(50000)) {
        pthread_mutex_lock(&a.m);
        int n = a.records;
        pthread_mutex_unlock(&a.m);
        if (n == 100)
            break;
    }
    pthread_mutex_lock(&a.m);
    assert_int_equal(a.records, 100);
    pthread_mutex_unlock(&a.m);

    g_member_start(&b, "b", group, topic, extra, &seen, 0);
    wait_owned(&b, 2, 30000);
    wait_owned(&a, 2, 10000);
    usleep(1500000);  /* time for b to fetch, were there anything to fetch */
    pthread_mutex_lock(&b.m);
    int b_records = b.records;
    pthread_mutex_unlock(&b.m);
    assert_int_equal(b_records, 0);
    int dups = 0;
    for (int p = 0; p < 4; p++)
        for (int o = 0; o < 25; o++)
            dups += seen.count[p][o] != 1;
    assert_int_equal(dups, 0);

    kafkac_topic_partition_list_t *l = kafkac_tpl_new(4);
    for (int p = 0; p < 4; p++)
        kafkac_tpl_add(l, topic, p);
    assert_int_equal(kafkac_consumer_committed(b.c, l, 10000, err, sizeof err), 0);
    for (int p = 0; p < 4; p++)
        assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, p)), 25);
    kafkac_tpl_destroy(l);
    g_member_stop(&b);
    g_member_stop(&a);
    pthread_mutex_destroy(&seen.m);
}

/* read_committed in the group model, with libkafkac's transactional
 * producer: consume-transform-produce where each batch's output and its
 * input offsets commit in one transaction (offsets carry this member's
 * generation and member id), with an aborted transaction in between.  A
 * read_committed group reading the output sees every input record exactly
 * once and nothing of the aborted transaction; the input group's offsets
 * are committed through the transactions. */
static void test_read_committed_consume_transform_produce(void **state)
{
    (void)state;
    char in[128], out[128], g_in[128], g_out[128], txn_id[128], err[512];
    kc_test_topic(in, sizeof in, "ctp-in");
    kc_test_topic(out, sizeof out, "ctp-out");
    kc_test_topic(g_in, sizeof g_in, "gctp-in");
    kc_test_topic(g_out, sizeof g_out, "gctp-out");
    kc_test_topic(txn_id, sizeof txn_id, "ctp-txn");
    g_create_topic(in, 2);
    g_create_topic(out, 2);
    g_produce(in, 2, 1, 50);

    kafkac_conf_t *pc = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(pc, "bootstrap.servers", g_brokers(), err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(pc, "transactional.id", txn_id, err, sizeof err), 0);
    kafkac_producer_t *p = kafkac_producer_new(pc, err, sizeof err);
    kafkac_conf_destroy(pc);
    if (!p)
        fail_msg("producer: %s", err);
    if (kafkac_producer_init_transactions(p, 30000, err, sizeof err) != 0)
        fail_msg("init_transactions: %s", err);

    kafkac_consumer_t *c = g_consumer(g_in, (const char *const[]){"enable.auto.commit=false",
                                                                 "isolation.level=read_committed", NULL});
    const char *t[] = {in};
    assert_int_equal(kafkac_consumer_subscribe(c, t, 1, err, sizeof err), 0);
    int done = 0, aborted_once = 0;
    for (int64_t t0 = kc_test_now_ms(); done < 100 && kc_test_now_ms() - t0 < 60000;) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 200, 10, &b, err, sizeof err) != 0)
            continue;
        if (kafkac_producer_begin_transaction(p, err, sizeof err) != 0)
            fail_msg("begin: %s", err);
        if (!aborted_once) {
            /* A transaction that is aborted: none of it may show. */
            kc_test_send_to(p, out, 0, NULL, -1, "aborted", 7, NULL);
            if (kafkac_producer_abort_transaction(p, 30000, err, sizeof err) != 0)
                fail_msg("abort: %s", err);
            aborted_once = 1;
            if (kafkac_producer_begin_transaction(p, err, sizeof err) != 0)
                fail_msg("begin: %s", err);
        }
        kafkac_topic_partition_list_t *next = kafkac_tpl_new(2);
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            size_t len;
            const void *v = kafkac_record_value(r, &len);
            kc_test_send_to(p, out, kafkac_record_partition(r), NULL, -1, v, (int32_t)len, NULL);
            kafkac_topic_partition_t *e = kafkac_tpl_find(next, in, kafkac_record_partition(r));
            if (!e)
                e = kafkac_tpl_add(next, in, kafkac_record_partition(r));
            kafkac_tp_set_offset(e, kafkac_record_offset(r) + 1);
        }
        done += kafkac_records_count(b);
        kafkac_records_destroy(b);
        kafkac_group_metadata_t *gm = kafkac_consumer_group_metadata(c);
        assert_non_null(gm);
        if (kafkac_producer_send_offsets_to_transaction(p, next, gm, 30000, err, sizeof err) != 0)
            fail_msg("send_offsets_to_transaction: %s", err);
        kafkac_group_metadata_destroy(gm);
        kafkac_tpl_destroy(next);
        if (kafkac_producer_commit_transaction(p, 30000, err, sizeof err) != 0)
            fail_msg("commit_transaction: %s", err);
    }
    assert_int_equal(done, 100);

    /* The input group's offsets came with the transactions. */
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(2);
    kafkac_tpl_add(l, in, 0);
    kafkac_tpl_add(l, in, 1);
    assert_int_equal(kafkac_consumer_committed(c, l, 10000, err, sizeof err), 0);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 50);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 1)), 50);
    kafkac_tpl_destroy(l);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);

    /* The output, read_committed, by a group. */
    c = g_consumer(g_out, (const char *const[]){"isolation.level=read_committed", NULL});
    const char *t2[] = {out};
    assert_int_equal(kafkac_consumer_subscribe(c, t2, 1, err, sizeof err), 0);
    static int seen_out[2][51];
    memset(seen_out, 0, sizeof seen_out);
    int n = 0, bad = 0;
    for (int64_t t0 = kc_test_now_ms(); kc_test_now_ms() - t0 < 30000 && (n < 100 || kc_test_now_ms() - t0 < 2000);) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 200, 0, &b, err, sizeof err) != 0)
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            size_t len;
            const char *v = kafkac_record_value(r, &len);
            int pp, k;
            char buf[32];
            snprintf(buf, sizeof buf, "%.*s", (int)len, v ? v : "");
            if (sscanf(buf, "p%d-%d", &pp, &k) == 2 && pp >= 0 && pp < 2 && k >= 1 && k <= 50)
                seen_out[pp][k]++;
            else
                bad++;
            n++;
        }
        kafkac_records_destroy(b);
    }
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    assert_int_equal(bad, 0);
    assert_int_equal(n, 100);
    for (int pp = 0; pp < 2; pp++)
        for (int k = 1; k <= 50; k++)
            if (seen_out[pp][k] != 1)
                fail_msg("output record p%d-%d seen %d times", pp, k, seen_out[pp][k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cooperative_keeps_unaffected),
        cmocka_unit_test(test_cooperative_member_consumes_during_rebalance),
        cmocka_unit_test(test_static_member_restarts_without_rebalance),
        cmocka_unit_test(test_commits),
        cmocka_unit_test(test_auto_commit_only_what_poll_returned),
        cmocka_unit_test(test_commit_on_revoke),
        cmocka_unit_test(test_read_committed_consume_transform_produce),
        cmocka_unit_test(test_regex_subscription_picks_up_new_topics),
        cmocka_unit_test(test_pattern_matches_a_topic_created_during_a_join),
        cmocka_unit_test(test_offset_reset_none_in_a_group),
        cmocka_unit_test(test_poll_timeout_loses_and_rejoins),
        cmocka_unit_test(test_slow_processing_keeps_membership),
        cmocka_unit_test(test_eager_sticky_keeps_partitions_via_user_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

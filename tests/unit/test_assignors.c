/* The partition assignors as pure functions: the examples Kafka documents
 * for range and roundrobin, then properties every assignment must have
 * (each partition of a subscribed topic assigned exactly once, only to a
 * member that subscribes to its topic, balanced), stickiness when members
 * come and go, conflict resolution by generation, the two phases of
 * cooperative-sticky, and large random groups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "consumer/assignor.h"
#include "common/mem.h"
#include "kafkac/error.h"

/* ---- helpers ---- */

static void reset_out(kc_asg_member_t *m, int nm)
{
    kc_asg_reset(m, nm);
}

/* "t0-0,t0-2,t1-1" for a member's assignment. */
static void fmt(const kc_tps_t *l, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < l->n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s-%d", i ? "," : "", l->v[i].topic, l->v[i].partition);
}

static void expect(const kc_asg_member_t *mb, const char *want)
{
    char got[1024];
    fmt(&mb->assigned, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("member %s: got [%s], want [%s]", mb->member_id, got, want);
}

/* Checks: every partition of a topic someone subscribes to is assigned
 * exactly once, to a subscriber; nothing else is assigned.  Returns
 * nothing; fails the test with what broke. */
static void check_valid(const kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    for (int ti = 0; ti < nt; ti++) {
        int subscribed = 0;
        for (int i = 0; i < nm; i++)
            subscribed |= kc_asg_subscribes(&m[i], t[ti].name);
        for (int32_t p = 0; p < t[ti].partitions; p++) {
            int owners = 0;
            for (int i = 0; i < nm; i++)
                for (int k = 0; k < m[i].assigned.n; k++)
                    if (strcmp(m[i].assigned.v[k].topic, t[ti].name) == 0 && m[i].assigned.v[k].partition == p) {
                        owners++;
                        if (!kc_asg_subscribes(&m[i], t[ti].name))
                            fail_msg("%s-%d given to %s, which does not subscribe to it", t[ti].name, p,
                                     m[i].member_id);
                    }
            if (owners != (subscribed ? 1 : 0))
                fail_msg("%s-%d has %d owners, want %d", t[ti].name, p, owners, subscribed ? 1 : 0);
        }
    }
    int total = 0, want = 0;
    for (int i = 0; i < nm; i++)
        total += m[i].assigned.n;
    for (int ti = 0; ti < nt; ti++)
        for (int i = 0; i < nm; i++)
            if (kc_asg_subscribes(&m[i], t[ti].name)) {
                want += t[ti].partitions;
                break;
            }
    if (total != want)
        fail_msg("%d partitions assigned, %d exist in subscribed topics", total, want);
}

/* Kafka's sticky balance: no member holds a partition that a subscriber
 * with at least two fewer partitions could take. */
static void check_balanced(const kc_asg_member_t *m, int nm)
{
    for (int a = 0; a < nm; a++)
        for (int b = 0; b < nm; b++) {
            if (m[a].assigned.n - m[b].assigned.n <= 1)
                continue;
            for (int k = 0; k < m[a].assigned.n; k++)
                if (kc_asg_subscribes(&m[b], m[a].assigned.v[k].topic))
                    fail_msg("unbalanced: %s has %d, %s has %d and could take %s-%d", m[a].member_id,
                             m[a].assigned.n, m[b].member_id, m[b].assigned.n, m[a].assigned.v[k].topic,
                             m[a].assigned.v[k].partition);
        }
}

static int has(const kc_tps_t *l, const char *topic, int32_t p)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].topic, topic) == 0 && l->v[i].partition == p)
            return 1;
    return 0;
}

/* Copies each member's assignment into owned storage for the next round. */
typedef struct round {
    kc_tps_t owned[64];
} round_t;

static void carry(round_t *r, kc_asg_member_t *m, int nm, int32_t generation)
{
    for (int i = 0; i < nm; i++) {
        kc_tps_free(&r->owned[i]);
        r->owned[i] = m[i].assigned;  /* take it */
        m[i].assigned = (kc_tps_t){0};
        m[i].owned = r->owned[i].v;
        m[i].owned_count = r->owned[i].n;
        m[i].generation = generation;
    }
}

static void round_free(round_t *r)
{
    for (int i = 0; i < 64; i++)
        kc_tps_free(&r->owned[i]);
}

static const char *t01[] = {"t0", "t1"};

/* ---- range and roundrobin, as Kafka documents them ---- */

static void test_range_documented(void **state)
{
    (void)state;
    /* Two members, t0 and t1 with 3 partitions each. */
    kc_asg_topic_t t[] = {{"t0", 3}, {"t1", 3}};
    kc_asg_member_t m[] = {{.member_id = "C1", .topics = t01, .topic_count = 2},
                           {.member_id = "C0", .topics = t01, .topic_count = 2}};
    assert_int_equal(kc_assign_range(m, 2, t, 2), 0);
    expect(&m[1], "t0-0,t0-1,t1-0,t1-1");
    expect(&m[0], "t0-2,t1-2");
    check_valid(m, 2, t, 2);
    reset_out(m, 2);

    /* More members than partitions: the last ones get nothing. */
    kc_asg_topic_t one[] = {{"t0", 2}};
    kc_asg_member_t m3[] = {{.member_id = "a", .topics = t01, .topic_count = 1},
                            {.member_id = "b", .topics = t01, .topic_count = 1},
                            {.member_id = "c", .topics = t01, .topic_count = 1}};
    assert_int_equal(kc_assign_range(m3, 3, one, 1), 0);
    expect(&m3[0], "t0-0");
    expect(&m3[1], "t0-1");
    expect(&m3[2], "");
    reset_out(m3, 3);
}

static void test_range_static_members_first(void **state)
{
    (void)state;
    /* Java's MemberInfo order: static members by instance id before
     * dynamic members by member id, so a static member that restarts with
     * a new member id keeps its partitions. */
    kc_asg_topic_t t[] = {{"t0", 3}};
    kc_asg_member_t m[] = {{.member_id = "aaa", .topics = t01, .topic_count = 1},
                           {.member_id = "zzz-2", .instance_id = "i2", .topics = t01, .topic_count = 1},
                           {.member_id = "yyy-1", .instance_id = "i1", .topics = t01, .topic_count = 1}};
    assert_int_equal(kc_assign_range(m, 3, t, 1), 0);
    expect(&m[2], "t0-0");
    expect(&m[1], "t0-1");
    expect(&m[0], "t0-2");
    reset_out(m, 3);
}

static void test_roundrobin_documented(void **state)
{
    (void)state;
    kc_asg_topic_t t[] = {{"t1", 3}, {"t0", 3}};
    kc_asg_member_t m[] = {{.member_id = "C0", .topics = t01, .topic_count = 2},
                           {.member_id = "C1", .topics = t01, .topic_count = 2}};
    assert_int_equal(kc_assign_roundrobin(m, 2, t, 2), 0);
    expect(&m[0], "t0-0,t0-2,t1-1");
    expect(&m[1], "t0-1,t1-0,t1-2");
    reset_out(m, 2);

    /* Unequal subscriptions (the Javadoc's second example). */
    static const char *s0[] = {"t0"}, *s1[] = {"t0", "t1"}, *s2[] = {"t0", "t1", "t2"};
    kc_asg_topic_t t3[] = {{"t0", 1}, {"t1", 2}, {"t2", 3}};
    kc_asg_member_t u[] = {{.member_id = "C0", .topics = s0, .topic_count = 1},
                           {.member_id = "C1", .topics = s1, .topic_count = 2},
                           {.member_id = "C2", .topics = s2, .topic_count = 3}};
    assert_int_equal(kc_assign_roundrobin(u, 3, t3, 3), 0);
    expect(&u[0], "t0-0");
    expect(&u[1], "t1-0");
    expect(&u[2], "t1-1,t2-0,t2-1,t2-2");
    check_valid(u, 3, t3, 3);
    reset_out(u, 3);
}

static void test_unknown_topics_and_empty(void **state)
{
    (void)state;
    static const char *s[] = {"nope", "t0"};
    kc_asg_topic_t t[] = {{"t0", 2}, {"unsubscribed", 4}};
    const kc_assign_fn fns[] = {kc_assign_range, kc_assign_roundrobin, kc_assign_sticky,
                                kc_assign_cooperative_sticky};
    for (int f = 0; f < 4; f++) {
        kc_asg_member_t m[] = {{.member_id = "a", .topics = s, .topic_count = 2, .generation = -1}};
        assert_int_equal(fns[f](m, 1, t, 2), 0);
        expect(&m[0], "t0-0,t0-1");
        reset_out(m, 1);
        assert_int_equal(fns[f](m, 0, t, 2), 0);
        assert_int_equal(fns[f](m, 1, t, 0), 0);
        assert_int_equal(m[0].assigned.n, 0);
    }
    assert_non_null(kc_asg_find("cooperative-sticky"));
    assert_true(kc_asg_find("cooperative-sticky")->cooperative);
    assert_false(kc_asg_find("sticky")->cooperative);
    assert_null(kc_asg_find("nonsense"));
}

/* ---- sticky ---- */

static void test_sticky_join_and_leave(void **state)
{
    (void)state;
    static const char *s[] = {"t0", "t1"};
    kc_asg_topic_t t[] = {{"t0", 6}, {"t1", 5}};
    round_t r = {0};
    kc_asg_member_t m[4];
    char ids[4][16];
    for (int i = 0; i < 4; i++) {
        snprintf(ids[i], sizeof ids[i], "m%d", i);
        m[i] = (kc_asg_member_t){.member_id = ids[i], .topics = s, .topic_count = 2, .generation = -1};
    }
    /* Three members from nothing. */
    assert_int_equal(kc_assign_sticky(m, 3, t, 2), 0);
    check_valid(m, 3, t, 2);
    check_balanced(m, 3);
    carry(&r, m, 3, 1);

    /* m1 leaves: m0 and m2 keep everything they had. */
    kc_asg_member_t two[2] = {m[0], m[2]};
    assert_int_equal(kc_assign_sticky(two, 2, t, 2), 0);
    check_valid(two, 2, t, 2);
    check_balanced(two, 2);
    for (int k = 0; k < r.owned[0].n; k++)
        assert_true(has(&two[0].assigned, r.owned[0].v[k].topic, r.owned[0].v[k].partition));
    for (int k = 0; k < r.owned[2].n; k++)
        assert_true(has(&two[1].assigned, r.owned[2].v[k].topic, r.owned[2].v[k].partition));
    reset_out(two, 2);

    /* m3 joins: it takes only the surplus; 11 partitions over 4 members
     * is 3,3,3,2, so exactly 11 - (4+4+3 kept up to quota) = 2 move. */
    assert_int_equal(kc_assign_sticky(m, 4, t, 2), 0);
    check_valid(m, 4, t, 2);
    check_balanced(m, 4);
    int moved = 0;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < r.owned[i].n; k++)
            moved += !has(&m[i].assigned, r.owned[i].v[k].topic, r.owned[i].v[k].partition);
    assert_int_equal(moved, m[3].assigned.n);
    assert_int_equal(m[3].assigned.n, 2);
    reset_out(m, 4);
    round_free(&r);
}

static void test_sticky_unequal_subscriptions_balanced(void **state)
{
    (void)state;
    /* The case where a naive assignment is unbalanced: c2 alone can take
     * t1, so t0 must go to c0 and c1. */
    static const char *s0[] = {"t0"}, *s1[] = {"t0", "t1"};
    kc_asg_topic_t t[] = {{"t0", 4}, {"t1", 4}};
    kc_asg_member_t m[] = {{.member_id = "c0", .topics = s0, .topic_count = 1, .generation = -1},
                           {.member_id = "c1", .topics = s1, .topic_count = 2, .generation = -1},
                           {.member_id = "c2", .topics = s1, .topic_count = 2, .generation = -1}};
    assert_int_equal(kc_assign_sticky(m, 3, t, 2), 0);
    check_valid(m, 3, t, 2);
    check_balanced(m, 3);
    assert_true(m[0].assigned.n >= 2);
    reset_out(m, 3);
}

static void test_sticky_generation_conflict(void **state)
{
    (void)state;
    /* a still claims t0-0 from generation 3; b got it in generation 4:
     * b keeps it. */
    static const char *s[] = {"t0"};
    kc_asg_topic_t t[] = {{"t0", 2}};
    kc_tp_t a_owned[] = {{"t0", 0}, {"t0", 1}}, b_owned[] = {{"t0", 0}};
    kc_asg_member_t m[] = {{.member_id = "a", .topics = s, .topic_count = 1, .owned = a_owned, .owned_count = 2,
                            .generation = 3},
                           {.member_id = "b", .topics = s, .topic_count = 1, .owned = b_owned, .owned_count = 1,
                            .generation = 4}};
    assert_int_equal(kc_assign_sticky(m, 2, t, 1), 0);
    expect(&m[0], "t0-1");
    expect(&m[1], "t0-0");
    reset_out(m, 2);

    /* Claims of partitions that no longer exist or of topics no longer
     * subscribed are dropped. */
    kc_tp_t stale[] = {{"t0", 7}, {"gone", 0}, {"t0", 1}};
    kc_asg_member_t one[] = {{.member_id = "a", .topics = s, .topic_count = 1, .owned = stale, .owned_count = 3,
                              .generation = 1}};
    assert_int_equal(kc_assign_sticky(one, 1, t, 1), 0);
    expect(&one[0], "t0-0,t0-1");
    reset_out(one, 1);
}

/* ---- cooperative-sticky ---- */

static void test_cooperative_two_phases(void **state)
{
    (void)state;
    static const char *s[] = {"t0"};
    kc_asg_topic_t t[] = {{"t0", 6}};
    round_t r = {0};
    kc_asg_member_t m[3] = {{.member_id = "a", .topics = s, .topic_count = 1, .generation = -1},
                            {.member_id = "b", .topics = s, .topic_count = 1, .generation = -1},
                            {.member_id = "c", .topics = s, .topic_count = 1, .generation = -1}};
    /* a alone owns all six. */
    assert_int_equal(kc_assign_cooperative_sticky(m, 1, t, 1), 0);
    expect(&m[0], "t0-0,t0-1,t0-2,t0-3,t0-4,t0-5");
    carry(&r, m, 1, 1);

    /* b and c join.  Phase one: a keeps two, the four it must give up are
     * assigned to nobody (a revokes them), b and c get nothing yet. */
    assert_int_equal(kc_assign_cooperative_sticky(m, 3, t, 1), 0);
    assert_int_equal(m[0].assigned.n, 2);
    assert_int_equal(m[1].assigned.n, 0);
    assert_int_equal(m[2].assigned.n, 0);
    for (int k = 0; k < m[0].assigned.n; k++)  /* a only keeps what it had */
        assert_true(has(&r.owned[0], m[0].assigned.v[k].topic, m[0].assigned.v[k].partition));
    carry(&r, m, 3, 2);

    /* Phase two (a rejoined owning only its two): the four freed ones go
     * to b and c; a keeps its two. */
    kc_tps_t a_kept = {0};
    for (int k = 0; k < r.owned[0].n; k++)
        kc_tps_push(&a_kept, r.owned[0].v[k].topic, r.owned[0].v[k].partition);
    assert_int_equal(kc_assign_cooperative_sticky(m, 3, t, 1), 0);
    check_valid(m, 3, t, 1);
    check_balanced(m, 3);
    for (int k = 0; k < a_kept.n; k++)
        assert_true(has(&m[0].assigned, a_kept.v[k].topic, a_kept.v[k].partition));
    assert_int_equal(m[1].assigned.n, 2);
    assert_int_equal(m[2].assigned.n, 2);
    kc_tps_free(&a_kept);
    reset_out(m, 3);
    round_free(&r);
}

static void test_cooperative_leave_moves_nothing_else(void **state)
{
    (void)state;
    /* A member leaves: its partitions have no live owner, so they are
     * handed out in one round and nobody else loses anything. */
    static const char *s[] = {"t0", "t1"};
    kc_asg_topic_t t[] = {{"t0", 3}, {"t1", 3}};
    round_t r = {0};
    kc_asg_member_t m[3] = {{.member_id = "a", .topics = s, .topic_count = 2, .generation = -1},
                            {.member_id = "b", .topics = s, .topic_count = 2, .generation = -1},
                            {.member_id = "c", .topics = s, .topic_count = 2, .generation = -1}};
    assert_int_equal(kc_assign_cooperative_sticky(m, 3, t, 2), 0);
    check_valid(m, 3, t, 2);
    carry(&r, m, 3, 1);
    kc_asg_member_t two[2] = {m[0], m[1]};
    assert_int_equal(kc_assign_cooperative_sticky(two, 2, t, 2), 0);
    check_valid(two, 2, t, 2);
    check_balanced(two, 2);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < r.owned[i].n; k++)
            assert_true(has(&two[i].assigned, r.owned[i].v[k].topic, r.owned[i].v[k].partition));
    reset_out(two, 2);
    round_free(&r);
}

/* ---- large random groups ---- */

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) & 0x7fff;
}

static void test_many_members_and_topics(void **state)
{
    (void)state;
    enum { NM = 60, NT = 40 };
    static char tnames[NT][24], mids[NM][24];
    static const char *subs[NM][NT];
    kc_asg_topic_t t[NT];
    for (int i = 0; i < NT; i++) {
        snprintf(tnames[i], sizeof tnames[i], "topic-%02d", i);
        t[i] = (kc_asg_topic_t){tnames[i], (int32_t)(1 + rnd() % 24)};
    }
    const kc_assign_fn fns[] = {kc_assign_range, kc_assign_roundrobin, kc_assign_sticky,
                                kc_assign_cooperative_sticky};
    for (int equal = 0; equal < 2; equal++) {
        kc_asg_member_t m[NM];
        for (int i = 0; i < NM; i++) {
            snprintf(mids[i], sizeof mids[i], "member-%03d", (i * 37) % NM);
            int n = 0;
            for (int k = 0; k < NT; k++)
                if (equal || rnd() % 3 == 0)
                    subs[i][n++] = tnames[k];
            m[i] = (kc_asg_member_t){.member_id = mids[i], .topics = subs[i], .topic_count = n, .generation = -1};
        }
        for (int f = 0; f < 4; f++) {
            assert_int_equal(fns[f](m, NM, t, NT), 0);
            check_valid(m, NM, t, NT);
            if (f >= 2)
                check_balanced(m, NM);
            if (equal && f == 1) {  /* roundrobin over equal subscriptions: max - min <= 1 */
                int lo = 1 << 30, hi = 0;
                for (int i = 0; i < NM; i++) {
                    lo = m[i].assigned.n < lo ? m[i].assigned.n : lo;
                    hi = m[i].assigned.n > hi ? m[i].assigned.n : hi;
                }
                assert_true(hi - lo <= 1);
            }
            reset_out(m, NM);
        }

        /* Sticky over a churn: a third of the members leave, then new ones
         * join; survivors keep all they had when members leave. */
        static round_t r;
        memset(&r, 0, sizeof r);
        assert_int_equal(kc_assign_sticky(m, NM, t, NT), 0);
        carry(&r, m, NM > 64 ? 64 : NM, 1);
        kc_asg_member_t kept[NM];
        int nk = 0;
        for (int i = 0; i < NM; i++)
            if (i % 3 != 0)
                kept[nk++] = m[i];
        assert_int_equal(kc_assign_sticky(kept, nk, t, NT), 0);
        check_valid(kept, nk, t, NT);
        check_balanced(kept, nk);
        for (int j = 0; j < nk; j++)
            for (int k = 0; k < kept[j].owned_count; k++)
                if (!has(&kept[j].assigned, kept[j].owned[k].topic, kept[j].owned[k].partition))
                    fail_msg("%s lost %s-%d although only other members left", kept[j].member_id,
                             kept[j].owned[k].topic, kept[j].owned[k].partition);
        reset_out(kept, nk);
        round_free(&r);
    }
}

static void test_out_of_memory(void **state)
{
    (void)state;
    static const char *s[] = {"t0", "t1"};
    kc_asg_topic_t t[] = {{"t0", 5}, {"t1", 7}};
    const kc_assign_fn fns[] = {kc_assign_range, kc_assign_roundrobin, kc_assign_sticky,
                                kc_assign_cooperative_sticky};
    for (int f = 0; f < 4; f++) {
        int ok = 0;
        for (long n = 0; n < 200 && !ok; n++) {
            kc_asg_member_t m[] = {{.member_id = "a", .topics = s, .topic_count = 2, .generation = -1},
                                   {.member_id = "b", .topics = s, .topic_count = 2, .generation = -1}};
            kc_mem_fail_after(n);
            int err = fns[f](m, 2, t, 2);
            kc_mem_fail_after(-1);
            if (err == 0) {
                ok = 1;
                check_valid(m, 2, t, 2);
            } else {
                assert_int_equal(err, KAFKAC_ERR_NO_MEMORY);
                assert_int_equal(m[0].assigned.n + m[1].assigned.n, 0);
            }
            reset_out(m, 2);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_documented),
        cmocka_unit_test(test_range_static_members_first),
        cmocka_unit_test(test_roundrobin_documented),
        cmocka_unit_test(test_unknown_topics_and_empty),
        cmocka_unit_test(test_sticky_join_and_leave),
        cmocka_unit_test(test_sticky_unequal_subscriptions_balanced),
        cmocka_unit_test(test_sticky_generation_conflict),
        cmocka_unit_test(test_cooperative_two_phases),
        cmocka_unit_test(test_cooperative_leave_moves_nothing_else),
        cmocka_unit_test(test_many_members_and_topics),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The sticky assignors (KIP-54) and their cooperative form (KIP-429).
 *
 * Goals, in order: (1) balanced: no partition could move from a member to
 * another that subscribes to its topic and has at least two fewer
 * partitions; (2) sticky: as many partitions as possible stay with the
 * member that owned them.
 *
 * How:
 *   1. Claims.  Each member's owned partitions that still exist and that
 *      it still subscribes to are kept.  When two members claim one
 *      partition (a member with stale ownership from an older generation)
 *      the higher generation wins; on a tie the first claim in member
 *      order stays.
 *   2. Unowned partitions go, the most constrained first (fewest eligible
 *      members), each to the eligible member with the fewest partitions.
 *   3. Balance: while some member has a partition that an eligible member
 *      with at least two fewer partitions could take, move it.  Every
 *      move lowers the sum of squared counts, so this ends; at the end the
 *      assignment is balanced in the sense of (1).  Starting from the
 *      kept claims means only the surplus of over-full members moves.
 *
 * Cooperative: a partition whose owner (after step 1) is still in the
 * group but whose new member differs is left out of this round's answer,
 * so the owner revokes it first; the owner then rejoins and the next
 * round hands it to its new member.  Two-phase, as KIP-429 requires: no
 * partition is ever owned by two members at once. */
#include "consumer/assignor.h"
#include <stdlib.h>
#include <string.h>
#include "common/mem.h"
#include "kafkac/error.h"

typedef struct sticky {
    kc_asg_member_t *m;
    int nm;
    const kc_asg_topic_t *t;
    int nt;
    int *morder;          /* member indexes in MemberInfo order */
    int *rank;            /* rank[member] = its position in morder */
    int *torder;          /* topic indexes by name */
    int32_t *base;        /* base[ti]: global index of the topic's partition 0 */
    int32_t total;        /* partitions of all topics */
    unsigned char *sub;   /* sub[mi * nt + ti]: member subscribes to topic */
    int *owner;           /* owner[g]: member index or -1 */
    int32_t *owner_gen;
    int *prev;            /* prev[g]: claim after step 1, -1 none */
    int *cnt;             /* partitions per member */
    int32_t *gtopic;      /* g -> topic index */
} sticky_t;

static int topic_index(const sticky_t *s, const char *name)
{
    int lo = 0, hi = s->nt - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(s->t[s->torder[mid]].name, name);
        if (c == 0)
            return s->torder[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void sticky_free(sticky_t *s)
{
    kc_free(s->morder);
    kc_free(s->rank);
    kc_free(s->torder);
    kc_free(s->base);
    kc_free(s->sub);
    kc_free(s->owner);
    kc_free(s->owner_gen);
    kc_free(s->prev);
    kc_free(s->cnt);
    kc_free(s->gtopic);
}

static int sticky_init(sticky_t *s, kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    memset(s, 0, sizeof(*s));
    s->m = m;
    s->nm = nm;
    s->t = t;
    s->nt = nt;
    for (int ti = 0; ti < nt; ti++)
        s->total += t[ti].partitions > 0 ? t[ti].partitions : 0;
    size_t P = s->total ? (size_t)s->total : 1, M = nm ? (size_t)nm : 1, T = nt ? (size_t)nt : 1;
    s->morder = kc_asg_member_order(m, nm);
    s->rank = kc_calloc(M, sizeof(int));
    s->torder = kc_asg_topic_order(t, nt);
    s->base = kc_calloc(T, sizeof(int32_t));
    s->sub = kc_calloc(M, T);
    s->owner = kc_calloc(P, sizeof(int));
    s->owner_gen = kc_calloc(P, sizeof(int32_t));
    s->prev = kc_calloc(P, sizeof(int));
    s->cnt = kc_calloc(M, sizeof(int));
    s->gtopic = kc_calloc(P, sizeof(int32_t));
    if (!s->morder || !s->rank || (nt && !s->torder) || !s->base || !s->sub || !s->owner || !s->owner_gen ||
        !s->prev || !s->cnt || !s->gtopic) {
        sticky_free(s);
        return KAFKAC_ERR_NO_MEMORY;
    }
    for (int k = 0; k < nm; k++)
        s->rank[s->morder[k]] = k;
    int32_t g = 0;
    for (int ti = 0; ti < nt; ti++) {
        s->base[ti] = g;
        for (int32_t p = 0; p < t[ti].partitions; p++)
            s->gtopic[g++] = ti;
    }
    for (int32_t i = 0; i < s->total; i++)
        s->owner[i] = s->prev[i] = -1;
    for (int mi = 0; mi < nm; mi++)
        for (int k = 0; k < m[mi].topic_count; k++) {
            int ti = topic_index(s, m[mi].topics[k]);
            if (ti >= 0)
                s->sub[(size_t)mi * (size_t)nt + (size_t)ti] = 1;
        }
    return 0;
}

static int eligible(const sticky_t *s, int mi, int32_t g)
{
    return s->sub[(size_t)mi * (size_t)s->nt + (size_t)s->gtopic[g]];
}

/* Step 1. */
static void claim_owned(sticky_t *s)
{
    for (int k = 0; k < s->nm; k++) {
        int mi = s->morder[k];
        const kc_asg_member_t *mb = &s->m[mi];
        for (int i = 0; i < mb->owned_count; i++) {
            int ti = topic_index(s, mb->owned[i].topic);
            if (ti < 0 || mb->owned[i].partition < 0 || mb->owned[i].partition >= s->t[ti].partitions)
                continue;
            int32_t g = s->base[ti] + mb->owned[i].partition;
            if (!eligible(s, mi, g) || s->owner[g] == mi)
                continue;
            if (s->owner[g] >= 0) {
                if (mb->generation <= s->owner_gen[g])
                    continue;
                s->cnt[s->owner[g]]--;
            }
            s->owner[g] = mi;
            s->owner_gen[g] = mb->generation;
            s->cnt[mi]++;
        }
    }
    memcpy(s->prev, s->owner, (size_t)s->total * sizeof(int));
}

/* The eligible member with the fewest partitions (ties: MemberInfo
 * order), or -1 when nobody subscribes to g's topic. */
static int least_loaded(const sticky_t *s, int32_t g)
{
    int best = -1;
    for (int k = 0; k < s->nm; k++) {
        int mi = s->morder[k];
        if (eligible(s, mi, g) && (best < 0 || s->cnt[mi] < s->cnt[best]))
            best = mi;
    }
    return best;
}

typedef struct gref {
    int32_t g;
    int n;  /* eligible members */
} gref_t;

static int cmp_gref(const void *a, const void *b)
{
    const gref_t *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return (x->g > y->g) - (x->g < y->g);
}

/* Step 2. */
static int assign_unowned(sticky_t *s)
{
    gref_t *free_ = kc_calloc(s->total ? (size_t)s->total : 1, sizeof(*free_));
    if (!free_)
        return KAFKAC_ERR_NO_MEMORY;
    int nf = 0;
    for (int32_t g = 0; g < s->total; g++) {
        if (s->owner[g] >= 0)
            continue;
        int n = 0;
        for (int mi = 0; mi < s->nm; mi++)
            n += eligible(s, mi, g);
        if (n > 0)
            free_[nf++] = (gref_t){g, n};
    }
    qsort(free_, (size_t)nf, sizeof(*free_), cmp_gref);
    for (int i = 0; i < nf; i++) {
        int mi = least_loaded(s, free_[i].g);
        s->owner[free_[i].g] = mi;
        s->cnt[mi]++;
    }
    kc_free(free_);
    return 0;
}

typedef struct load {
    int cnt, rank, idx;
} load_t;

static int cmp_load(const void *a, const void *b)
{
    const load_t *x = a, *y = b;
    if (x->cnt != y->cnt)
        return x->cnt > y->cnt ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Step 3.  One move at a time, always out of the most loaded member that
 * has a partition someone with two fewer could take, so that only the
 * surplus of over-full members moves (moving greedily out of whichever
 * member comes first would let it fall below quota and then pull a
 * partition back from a third member).  The partition moved is the
 * highest-numbered one, for determinism. */
static int balance(sticky_t *s)
{
    load_t *l = kc_calloc((size_t)s->nm, sizeof(*l));
    if (!l)
        return KAFKAC_ERR_NO_MEMORY;
    for (;;) {
        for (int mi = 0; mi < s->nm; mi++)
            l[mi] = (load_t){s->cnt[mi], s->rank[mi], mi};
        qsort(l, (size_t)s->nm, sizeof(*l), cmp_load);
        int lowest = l[s->nm - 1].cnt, moved = 0;
        for (int k = 0; k < s->nm && !moved && l[k].cnt - lowest > 1; k++) {
            int a = l[k].idx;
            for (int32_t g = s->total - 1; g >= 0 && !moved; g--) {
                if (s->owner[g] != a)
                    continue;
                int b = least_loaded(s, g);
                if (b >= 0 && s->cnt[a] - s->cnt[b] > 1) {
                    s->owner[g] = b;
                    s->cnt[a]--;
                    s->cnt[b]++;
                    moved = 1;
                }
            }
        }
        if (!moved)
            break;
    }
    kc_free(l);
    return 0;
}

static int run(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt, int cooperative)
{
    if (nm == 0)
        return 0;
    sticky_t s;
    int err = sticky_init(&s, m, nm, t, nt);
    if (err)
        return err;
    claim_owned(&s);
    err = assign_unowned(&s);
    if (!err)
        err = balance(&s);
    for (int32_t g = 0; g < s.total && !err; g++) {
        int mi = s.owner[g];
        if (mi < 0)
            continue;
        /* KIP-429: a partition changing hands is first only revoked. */
        if (cooperative && s.prev[g] >= 0 && s.prev[g] != mi)
            continue;
        int ti = s.gtopic[g];
        err = kc_tps_push(&m[mi].assigned, t[ti].name, g - s.base[ti]);
    }
    sticky_free(&s);
    if (err) {
        kc_asg_reset(m, nm);
        return err;
    }
    for (int i = 0; i < nm; i++)
        kc_tps_sort(&m[i].assigned);
    return 0;
}

int kc_assign_sticky(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    return run(m, nm, t, nt, 0);
}

int kc_assign_cooperative_sticky(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    return run(m, nm, t, nt, 1);
}

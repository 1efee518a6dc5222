/* What the assignors share: the topic-partition list, member ordering,
 * and the table of assignors by protocol name. */
#include "consumer/assignor.h"
#include <stdlib.h>
#include <string.h>
#include "common/mem.h"
#include "kafkac/error.h"

int kc_tps_push(kc_tps_t *l, const char *topic, int32_t partition)
{
    if (kc_array_room(&l->v, &l->cap, l->n, sizeof(*l->v), 8) != 0)
        return KAFKAC_ERR_NO_MEMORY;
    l->v[l->n].topic = topic;
    l->v[l->n].partition = partition;
    l->n++;
    return 0;
}

void kc_tps_free(kc_tps_t *l)
{
    kc_free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_tp(const void *a, const void *b)
{
    const kc_tp_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

void kc_tps_sort(kc_tps_t *l)
{
    if (l->n > 1)
        qsort(l->v, (size_t)l->n, sizeof(*l->v), cmp_tp);
}

/* qsort passes no context, so each element carries its member pointer
 * (no global, so concurrent consumers can assign at once). */
typedef struct mref {
    const kc_asg_member_t *m;
    int idx;
} mref_t;

static int cmp_member(const void *a, const void *b)
{
    const kc_asg_member_t *x = ((const mref_t *)a)->m, *y = ((const mref_t *)b)->m;
    if (x->instance_id && y->instance_id) {
        int c = strcmp(x->instance_id, y->instance_id);
        if (c)
            return c;
    } else if (x->instance_id) {
        return -1;
    } else if (y->instance_id) {
        return 1;
    }
    return strcmp(x->member_id, y->member_id);
}

int *kc_asg_member_order(const kc_asg_member_t *m, int nm)
{
    mref_t *r = kc_calloc(nm ? (size_t)nm : 1, sizeof(*r));
    int *out = kc_calloc(nm ? (size_t)nm : 1, sizeof(*out));
    if (!r || !out) {
        kc_free(r);
        kc_free(out);
        return NULL;
    }
    for (int i = 0; i < nm; i++)
        r[i] = (mref_t){&m[i], i};
    qsort(r, (size_t)nm, sizeof(*r), cmp_member);
    for (int i = 0; i < nm; i++)
        out[i] = r[i].idx;
    kc_free(r);
    return out;
}

int kc_asg_subscribes(const kc_asg_member_t *m, const char *topic)
{
    for (int i = 0; i < m->topic_count; i++)
        if (strcmp(m->topics[i], topic) == 0)
            return 1;
    return 0;
}

typedef struct tref {
    const char *name;
    int idx;
} tref_t;

static int cmp_tref(const void *a, const void *b)
{
    return strcmp(((const tref_t *)a)->name, ((const tref_t *)b)->name);
}

int *kc_asg_topic_order(const kc_asg_topic_t *t, int nt)
{
    if (nt <= 0)
        return NULL;
    tref_t *r = kc_calloc((size_t)nt, sizeof(*r));
    int *out = kc_calloc((size_t)nt, sizeof(*out));
    if (!r || !out) {
        kc_free(r);
        kc_free(out);
        return NULL;
    }
    for (int i = 0; i < nt; i++)
        r[i] = (tref_t){t[i].name, i};
    qsort(r, (size_t)nt, sizeof(*r), cmp_tref);
    for (int i = 0; i < nt; i++)
        out[i] = r[i].idx;
    kc_free(r);
    return out;
}

void kc_asg_reset(kc_asg_member_t *m, int nm)
{
    for (int i = 0; i < nm; i++)
        kc_tps_free(&m[i].assigned);
}

static const kc_asg_algo_t algos[] = {
    {"range", 0, kc_assign_range},
    {"roundrobin", 0, kc_assign_roundrobin},
    {"sticky", 0, kc_assign_sticky},
    {"cooperative-sticky", 1, kc_assign_cooperative_sticky},
};

const kc_asg_algo_t *kc_asg_find(const char *name)
{
    for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
        if (strcmp(algos[i].name, name) == 0)
            return &algos[i];
    return NULL;
}

/* Cluster metadata snapshots (see cluster.h).  Each snapshot owns one
 * arena holding every string and array in it, so freeing is one call and
 * building is a handful of bump allocations. */
#include "protocol/cluster.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

typedef struct cluster_box {
    kc_cluster_t c;    /* first, so a kc_cluster_t * is a cluster_box * */
    kc_arena_t arena;
} cluster_box_t;

static cluster_box_t *box_new(void)
{
    cluster_box_t *b = kc_calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    kc_arena_init(&b->arena, 8192);
    b->c.refcnt = 1;
    b->c.controller_id = -1;
    return b;
}

kc_cluster_t *kc_cluster_empty(void)
{
    cluster_box_t *b = box_new();
    return b ? &b->c : NULL;
}

kc_cluster_t *kc_cluster_ref(kc_cluster_t *c)
{
    if (c)
        __atomic_add_fetch(&c->refcnt, 1, __ATOMIC_RELAXED);
    return c;
}

void kc_cluster_unref(kc_cluster_t *c)
{
    if (!c || __atomic_sub_fetch(&c->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    cluster_box_t *b = (cluster_box_t *)c;
    kc_arena_destroy(&b->arena);
    kc_free(b);
}

const kc_broker_info_t *kc_cluster_broker(const kc_cluster_t *c, int32_t id)
{
    int lo = 0, hi = c->broker_count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c->brokers[mid].id == id)
            return &c->brokers[mid];
        if (c->brokers[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

const kc_topic_info_t *kc_cluster_topic(const kc_cluster_t *c, const char *name)
{
    int lo = 0, hi = c->topic_count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int cmp = strcmp(c->topics[mid].name, name);
        if (cmp == 0)
            return &c->topics[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

const kc_partition_info_t *kc_cluster_partition(const kc_cluster_t *c, const char *topic, int32_t partition)
{
    const kc_topic_info_t *t = kc_cluster_topic(c, topic);
    if (!t || partition < 0)
        return NULL;
    if (partition < t->partition_count && t->partitions[partition].id == partition)
        return &t->partitions[partition];
    for (int32_t i = 0; i < t->partition_count; i++)
        if (t->partitions[i].id == partition)
            return &t->partitions[i];
    return NULL;
}

int kc_cluster_topic_error(const kc_cluster_t *c, const char *name)
{
    const kc_topic_info_t *t = c && name ? kc_cluster_topic(c, name) : NULL;
    return t ? t->err : KAFKAC_ERR_NOT_FOUND;
}

int kc_cluster_topic_retriable(const kc_topic_info_t *t)
{
    if (t->err == KAFKAC_ERR_LEADER_NOT_AVAILABLE || t->err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION)
        return 1;
    if (t->err != 0)
        return 0;   /* not something time fixes: invalid name, authorization... */
    if (t->partition_count == 0)
        return 1;
    for (int32_t i = 0; i < t->partition_count; i++)
        if (t->partitions[i].leader < 0 || t->partitions[i].err == KAFKAC_ERR_LEADER_NOT_AVAILABLE)
            return 1;
    return 0;
}

static char *dup_str(kc_arena_t *a, const char *s)
{
    return s ? kc_arena_strndup(a, s, strlen(s)) : NULL;
}

static int32_t *dup_ids(kc_arena_t *a, const int32_t *ids, int32_t n, int *ok)
{
    if (n <= 0)
        return NULL;
    int32_t *d = kc_arena_alloc(a, (size_t)n * sizeof(*d));
    if (!d) {
        *ok = 0;
        return NULL;
    }
    memcpy(d, ids, (size_t)n * sizeof(*d));
    return d;
}

static int cmp_broker(const void *a, const void *b)
{
    int32_t x = ((const kc_broker_info_t *)a)->id, y = ((const kc_broker_info_t *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(((const kc_topic_info_t *)a)->name, ((const kc_topic_info_t *)b)->name);
}

static int cmp_partition(const void *a, const void *b)
{
    int32_t x = ((const kc_partition_info_t *)a)->id, y = ((const kc_partition_info_t *)b)->id;
    return (x > y) - (x < y);
}

static int copy_topic(kc_arena_t *a, kc_topic_info_t *dst, const kc_topic_info_t *src)
{
    int ok = 1;
    *dst = *src;
    dst->name = dup_str(a, src->name);
    dst->partitions = src->partition_count
                          ? kc_arena_alloc(a, (size_t)src->partition_count * sizeof(*dst->partitions))
                          : NULL;
    if (!dst->name || (src->partition_count && !dst->partitions))
        return 0;
    for (int32_t i = 0; i < src->partition_count; i++) {
        const kc_partition_info_t *sp = &src->partitions[i];
        kc_partition_info_t *dp = &dst->partitions[i];
        *dp = *sp;
        dp->replicas = dup_ids(a, sp->replicas, sp->replicas_count, &ok);
        dp->isr = dup_ids(a, sp->isr, sp->isr_count, &ok);
        dp->offline = dup_ids(a, sp->offline, sp->offline_count, &ok);
    }
    return ok;
}

kc_cluster_t *kc_cluster_from_response(const kc_cluster_t *prev, const kc_metadata_response_t *m,
                                       int keep_unmentioned, int64_t now_ms)
{
    cluster_box_t *b = box_new();
    if (!b)
        return NULL;
    kc_arena_t *a = &b->arena;
    kc_cluster_t *c = &b->c;
    int ok = 1;
    c->version = (prev ? prev->version : 0) + 1;
    c->updated_ms = now_ms;
    c->controller_id = m->controller_id;
    c->cluster_id = dup_str(a, m->cluster_id);

    int32_t nb = m->brokers_count > 0 ? m->brokers_count : 0;
    c->brokers = nb ? kc_arena_alloc(a, (size_t)nb * sizeof(*c->brokers)) : NULL;
    ok &= !nb || c->brokers != NULL;
    for (int32_t i = 0; ok && i < nb; i++) {
        c->brokers[i].id = m->brokers[i].node_id;
        c->brokers[i].host = dup_str(a, m->brokers[i].host ? m->brokers[i].host : "");
        c->brokers[i].port = m->brokers[i].port;
        c->brokers[i].rack = dup_str(a, m->brokers[i].rack);
        ok &= c->brokers[i].host != NULL;
    }
    c->broker_count = nb;
    if (ok && nb)
        qsort(c->brokers, (size_t)nb, sizeof(*c->brokers), cmp_broker);

    int32_t nt = m->topics_count > 0 ? m->topics_count : 0;
    int32_t carry = keep_unmentioned && prev ? prev->topic_count : 0;
    c->topics = nt + carry ? kc_arena_alloc(a, (size_t)(nt + carry) * sizeof(*c->topics)) : NULL;
    ok &= !(nt + carry) || c->topics != NULL;
    int32_t n = 0;
    for (int32_t i = 0; ok && i < nt; i++) {
        const kc_metadata_response_metadata_response_topic_t *mt = &m->topics[i];
        if (!mt->name)
            continue; /* answered by id only (v12+ topic-id requests); we ask by name */
        kc_topic_info_t *t = &c->topics[n++];
        t->name = dup_str(a, mt->name);
        memcpy(&t->id, &mt->topic_id, sizeof t->id);
        t->err = mt->error_code;
        t->internal = mt->is_internal;
        int32_t np = mt->partitions_count > 0 ? mt->partitions_count : 0;
        t->partitions = np ? kc_arena_alloc(a, (size_t)np * sizeof(*t->partitions)) : NULL;
        ok &= t->name != NULL && (!np || t->partitions != NULL);
        for (int32_t j = 0; ok && j < np; j++) {
            const kc_metadata_response_metadata_response_partition_t *mp = &mt->partitions[j];
            kc_partition_info_t *p = &t->partitions[j];
            p->id = mp->partition_index;
            p->err = mp->error_code;
            p->leader = mp->leader_id;
            p->leader_epoch = mp->leader_epoch;
            p->replicas_count = mp->replica_nodes_count > 0 ? mp->replica_nodes_count : 0;
            p->isr_count = mp->isr_nodes_count > 0 ? mp->isr_nodes_count : 0;
            p->offline_count = mp->offline_replicas_count > 0 ? mp->offline_replicas_count : 0;
            p->replicas = dup_ids(a, mp->replica_nodes, p->replicas_count, &ok);
            p->isr = dup_ids(a, mp->isr_nodes, p->isr_count, &ok);
            p->offline = dup_ids(a, mp->offline_replicas, p->offline_count, &ok);
        }
        t->partition_count = np;
        if (ok && np)
            qsort(t->partitions, (size_t)np, sizeof(*t->partitions), cmp_partition);
    }
    int32_t fresh = n;
    if (ok && fresh)
        qsort(c->topics, (size_t)fresh, sizeof(*c->topics), cmp_topic);
    /* Carry over what this (partial) answer did not mention. */
    for (int32_t i = 0; ok && i < carry; i++) {
        const kc_topic_info_t *pt = &prev->topics[i];
        kc_topic_info_t key = { .name = pt->name };
        if (fresh && bsearch(&key, c->topics, (size_t)fresh, sizeof(*c->topics), cmp_topic))
            continue;
        ok &= copy_topic(a, &c->topics[n++], pt);
    }
    c->topic_count = n;
    if (ok && n)
        qsort(c->topics, (size_t)n, sizeof(*c->topics), cmp_topic);
    if (!ok) {
        kc_cluster_unref(c);
        return NULL;
    }
    return c;
}

/* Per-partition consumer state (kafka-python's subscription_state.py):
 * the assigned partitions, sorted by topic then partition so that lookups
 * are binary searches, each with its position, pause flag and reset
 * state.  Every function here runs under c->lock. */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "consumer/consumer_int.h"

static int cmp_key(const char *t1, int32_t p1, const char *t2, int32_t p2)
{
    int r = strcmp(t1, t2);
    if (r)
        return r;
    return p1 < p2 ? -1 : p1 > p2;
}

/* Index of topic/partition, or -(insertion point) - 1. */
static int search(const kc_parts_t *ps, const char *topic, int32_t partition)
{
    int lo = 0, hi = ps->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int r = cmp_key(ps->v[mid]->topic, ps->v[mid]->partition, topic, partition);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

kc_part_t *kc_parts_find(kc_parts_t *ps, const char *topic, int32_t partition)
{
    if (!topic)
        return NULL;
    int i = search(ps, topic, partition);
    return i >= 0 ? ps->v[i] : NULL;
}

void kc_part_seek(kc_part_t *p, int64_t offset)
{
    p->pos_gen++;
    p->busy = 0;
    p->retry_at_ms = 0;
    p->eof_reported = 0;
    p->err = KAFKAC_OK;
    if (offset >= 0) {
        p->state = KC_PS_FETCHING;
        p->fetch_pos = offset;
        p->fetch_epoch = -1;
    } else {
        p->state = KC_PS_AWAIT_RESET;
        p->reset_to = offset == KAFKAC_OFFSET_BEGINNING ? KAFKAC_OFFSET_BEGINNING : KAFKAC_OFFSET_END;
    }
}

kc_part_t *kc_parts_add(kc_parts_t *ps, const char *topic, int32_t partition, int64_t start, int have_group)
{
    int i = search(ps, topic, partition);
    if (i >= 0)
        return ps->v[i];
    i = -i - 1;
    if (kc_array_room(&ps->v, &ps->cap, ps->n, sizeof(*ps->v), 16) != 0)
        return NULL;
    kc_part_t *p = kc_calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->topic = kc_strdup(topic);
    if (!p->topic) {
        kc_free(p);
        return NULL;
    }
    p->partition = partition;
    p->added_ms = kc_now_ms();
    p->fetch_epoch = -1;
    p->consumed = KAFKAC_OFFSET_INVALID;
    p->consumed_epoch = -1;
    p->stored = KAFKAC_OFFSET_INVALID;
    p->stored_epoch = -1;
    p->hwm = p->lso = p->log_start = -1;
    if (start >= 0 || start == KAFKAC_OFFSET_BEGINNING || start == KAFKAC_OFFSET_END)
        kc_part_seek(p, start);
    else if (have_group)
        p->state = KC_PS_AWAIT_COMMITTED;
    else
        p->state = KC_PS_AWAIT_RESET, p->reset_to = KC_RESET_FROM_POLICY;
    memmove(&ps->v[i + 1], &ps->v[i], (size_t)(ps->n - i) * sizeof(*ps->v));
    ps->v[i] = p;
    ps->n++;
    return p;
}

static void part_free(kc_part_t *p)
{
    if (!p)
        return;
    kc_free(p->topic);
    kc_free(p);
}

void kc_parts_remove(kc_parts_t *ps, const char *topic, int32_t partition)
{
    int i = search(ps, topic, partition);
    if (i < 0)
        return;
    part_free(ps->v[i]);
    memmove(&ps->v[i], &ps->v[i + 1], (size_t)(ps->n - i - 1) * sizeof(*ps->v));
    ps->n--;
}

void kc_parts_clear(kc_parts_t *ps)
{
    for (int i = 0; i < ps->n; i++)
        part_free(ps->v[i]);
    kc_free(ps->v);
    ps->v = NULL;
    ps->n = ps->cap = 0;
    ps->store_used = 0;
}

/* kafkac_topic_partition_list_t (include/kafkac/types.h); its layout is
 * in common/tpl_int.h. */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/tpl_int.h"

kafkac_topic_partition_list_t *kafkac_tpl_new(int initial_size)
{
    kafkac_topic_partition_list_t *l = kc_calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    if (initial_size > 0) {
        l->elems = kc_calloc((size_t)initial_size, sizeof(*l->elems));
        if (!l->elems) {
            kc_free(l);
            return NULL;
        }
        l->size = initial_size;
    }
    return l;
}

void kafkac_tpl_destroy(kafkac_topic_partition_list_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->count; i++) {
        kc_free(l->elems[i].topic);
        kc_free(l->elems[i].metadata);
    }
    kc_free(l->elems);
    kc_free(l);
}

kafkac_topic_partition_t *kafkac_tpl_add(kafkac_topic_partition_list_t *l, const char *topic, int32_t partition)
{
    if (!l || !topic)
        return NULL;
    if (kc_array_room(&l->elems, &l->size, l->count, sizeof(*l->elems), 8) != 0)
        return NULL;
    kafkac_topic_partition_t *tp = &l->elems[l->count];
    memset(tp, 0, sizeof *tp);
    tp->topic = kc_strdup(topic);
    if (!tp->topic)
        return NULL;
    tp->partition = partition;
    tp->offset = KAFKAC_OFFSET_INVALID;
    tp->leader_epoch = -1;
    l->count++;
    return tp;
}

kafkac_topic_partition_t *kafkac_tpl_find(const kafkac_topic_partition_list_t *l, const char *topic,
                                          int32_t partition)
{
    if (!l || !topic)
        return NULL;
    for (int i = 0; i < l->count; i++)
        if (l->elems[i].partition == partition && strcmp(l->elems[i].topic, topic) == 0)
            return &l->elems[i];
    return NULL;
}

int kafkac_tpl_count(const kafkac_topic_partition_list_t *l)
{
    return l ? l->count : 0;
}

kafkac_topic_partition_t *kafkac_tpl_at(const kafkac_topic_partition_list_t *l, int i)
{
    if (!l || i < 0 || i >= l->count)
        return NULL;
    return &l->elems[i];
}

const char *kafkac_tp_topic(const kafkac_topic_partition_t *tp)
{
    return tp->topic;
}

int32_t kafkac_tp_partition(const kafkac_topic_partition_t *tp)
{
    return tp->partition;
}

int64_t kafkac_tp_offset(const kafkac_topic_partition_t *tp)
{
    return tp->offset;
}

void kafkac_tp_set_offset(kafkac_topic_partition_t *tp, int64_t offset)
{
    tp->offset = offset;
}

int32_t kafkac_tp_leader_epoch(const kafkac_topic_partition_t *tp)
{
    return tp->leader_epoch;
}

void kafkac_tp_set_leader_epoch(kafkac_topic_partition_t *tp, int32_t leader_epoch)
{
    tp->leader_epoch = leader_epoch;
}

const char *kafkac_tp_metadata(const kafkac_topic_partition_t *tp)
{
    return tp->metadata;
}

kafkac_err_t kafkac_tp_err(const kafkac_topic_partition_t *tp)
{
    return tp->err;
}

kafkac_err_t kafkac_tp_set_metadata(kafkac_topic_partition_t *tp, const char *metadata)
{
    char *m = NULL;
    if (metadata && !(m = kc_strdup(metadata)))
        return KAFKAC_ERR_NO_MEMORY;
    kc_free(tp->metadata);
    tp->metadata = m;
    return KAFKAC_OK;
}

kafkac_topic_partition_list_t *kafkac_tpl_copy(const kafkac_topic_partition_list_t *l)
{
    kafkac_topic_partition_list_t *c = kafkac_tpl_new(l ? l->count : 0);
    if (!c || !l)
        return c;
    for (int i = 0; i < l->count; i++) {
        kafkac_topic_partition_t *tp = kafkac_tpl_add(c, l->elems[i].topic, l->elems[i].partition);
        if (!tp || kafkac_tp_set_metadata(tp, l->elems[i].metadata) != KAFKAC_OK) {
            kafkac_tpl_destroy(c);
            return NULL;
        }
        tp->offset = l->elems[i].offset;
        tp->leader_epoch = l->elems[i].leader_epoch;
        tp->err = l->elems[i].err;
    }
    return c;
}

static int cmp_tp(const void *a, const void *b)
{
    const kafkac_topic_partition_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

void kafkac_tpl_sort(kafkac_topic_partition_list_t *l)
{
    if (l && l->count > 1)
        qsort(l->elems, (size_t)l->count, sizeof(*l->elems), cmp_tp);
}

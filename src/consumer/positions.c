/* Where each assigned partition reads from next (include/kafkac/consumer.h,
 * the application's side): seek, position, pause and resume, the
 * watermarks from the last fetch, the ListOffsets lookups, and the offsets
 * stored for manual at-least-once commits.  Every call here takes c->lock
 * for the partition table; none runs on the I/O thread. */
#include <string.h>
#include <time.h>

#include "common/errstr.h"
#include "consumer/consumer_int.h"

/* ------------------------------------------------------------------ */
/* Positions                                                           */

kafkac_err_t kafkac_consumer_seek(kafkac_consumer_t *c, const char *topic, int32_t partition, int64_t offset)
{
    if (!c || !topic || (offset < 0 && offset != KAFKAC_OFFSET_BEGINNING && offset != KAFKAC_OFFSET_END))
        return KAFKAC_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    kc_part_t *p = kc_parts_find(&c->parts, topic, partition);
    if (p) {
        kc_consumer_drop_buffered(c, topic, partition);
        kc_part_seek(p, offset);
    }
    pthread_mutex_unlock(&c->lock);
    if (!p)
        return KAFKAC_ERR_UNKNOWN_PARTITION;
    kc_net_wakeup(c->net);
    return KAFKAC_OK;
}

static kafkac_err_t seek_many(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *l, int64_t where)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_err_t first = KAFKAC_OK;
    if (l) {
        for (int i = 0; i < l->count; i++) {
            kafkac_err_t e = kafkac_consumer_seek(c, l->elems[i].topic, l->elems[i].partition, where);
            if (e && !first)
                first = e;
        }
        return first;
    }
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->parts.n; i++) {
        kc_consumer_drop_buffered(c, c->parts.v[i]->topic, c->parts.v[i]->partition);
        kc_part_seek(c->parts.v[i], where);
    }
    pthread_mutex_unlock(&c->lock);
    kc_net_wakeup(c->net);
    return KAFKAC_OK;
}

kafkac_err_t kafkac_consumer_seek_to_beginning(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions)
{
    return seek_many(c, partitions, KAFKAC_OFFSET_BEGINNING);
}

kafkac_err_t kafkac_consumer_seek_to_end(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions)
{
    return seek_many(c, partitions, KAFKAC_OFFSET_END);
}

kafkac_err_t kafkac_consumer_position(kafkac_consumer_t *c, const char *topic, int32_t partition, int64_t *offset,
                                      int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c || !topic || !offset)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t start = kc_now_ms(), deadline;
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline);
    if (err != KAFKAC_OK)
        return err;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        kc_part_t *p = kc_parts_find(&c->parts, topic, partition);
        if (!p) {
            kc_errstr_set(errstr, errstr_size, "%s [%d] is not assigned", topic, (int)partition);
            err = KAFKAC_ERR_UNKNOWN_PARTITION;
            break;
        }
        if (p->state == KC_PS_ERROR) {
            kc_errstr_set(errstr, errstr_size, "%s [%d]: %s", topic, (int)partition, kafkac_err_str(p->err));
            err = p->err;
            break;
        }
        int64_t pos = kc_consumer_part_position(c, p, NULL);
        if (p->state == KC_PS_FETCHING || (p->buffered && pos >= 0)) {
            *offset = pos;
            break;
        }
        int64_t now = kc_now_ms();
        if (now >= deadline) {
            kc_errstr_set(errstr, errstr_size, "%s [%d]: position not known within %lld ms", topic, (int)partition,
                          (long long)(now - start));
            err = KAFKAC_ERR_TIMED_OUT;
            break;
        }
        kc_cond_wait_until(&c->cond, &c->lock, deadline);
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

static kafkac_err_t set_paused(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *l, int paused)
{
    if (!c || !l)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_err_t first = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < l->count; i++) {
        kc_part_t *p = kc_parts_find(&c->parts, l->elems[i].topic, l->elems[i].partition);
        if (p)
            p->paused = paused;
        else if (!first)
            first = KAFKAC_ERR_UNKNOWN_PARTITION;
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kc_net_wakeup(c->net);
    return first;
}

kafkac_err_t kafkac_consumer_pause(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions)
{
    return set_paused(c, partitions, 1);
}

kafkac_err_t kafkac_consumer_resume(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions)
{
    return set_paused(c, partitions, 0);
}

kafkac_err_t kafkac_consumer_paused(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    if (!c || !out)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(4);
    if (!l)
        return KAFKAC_ERR_NO_MEMORY;
    kafkac_err_t err = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->parts.n && !err; i++)
        if (c->parts.v[i]->paused && !kafkac_tpl_add(l, c->parts.v[i]->topic, c->parts.v[i]->partition))
            err = KAFKAC_ERR_NO_MEMORY;
    pthread_mutex_unlock(&c->lock);
    if (err) {
        kafkac_tpl_destroy(l);
        return err;
    }
    *out = l;
    return KAFKAC_OK;
}

/* ------------------------------------------------------------------ */
/* Offset lookups                                                      */

kafkac_err_t kafkac_consumer_beginning_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                               int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    return kc_offsets_lookup(c, partitions, KAFKAC_OFFSET_BEGINNING, timeout_ms, errstr, errstr_size);
}

kafkac_err_t kafkac_consumer_end_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                         int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    return kc_offsets_lookup(c, partitions, KAFKAC_OFFSET_END, timeout_ms, errstr, errstr_size);
}

kafkac_err_t kafkac_consumer_offsets_for_times(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                               int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    return kc_offsets_lookup(c, partitions, KC_TS_FROM_LIST, timeout_ms, errstr, errstr_size);
}

kafkac_err_t kafkac_consumer_watermarks(kafkac_consumer_t *c, const char *topic, int32_t partition, int64_t *low,
                                        int64_t *high)
{
    if (!c || !topic)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_err_t err = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    kc_part_t *p = kc_parts_find(&c->parts, topic, partition);
    if (!p)
        err = KAFKAC_ERR_UNKNOWN_PARTITION;
    else if (p->hwm < 0)
        err = KAFKAC_ERR_NOT_FOUND;
    else {
        if (low)
            *low = p->log_start;
        if (high)
            *high = c->settings.isolation_level == KC_ISOLATION_READ_COMMITTED && p->lso >= 0 ? p->lso : p->hwm;
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

/* ------------------------------------------------------------------ */
/* Stored offsets (manual at-least-once)                               */

kafkac_err_t kafkac_consumer_store_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t *offsets)
{
    if (!c || !offsets)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_err_t first = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < offsets->count; i++) {
        kafkac_topic_partition_t *e = &offsets->elems[i];
        kc_part_t *p = kc_parts_find(&c->parts, e->topic, e->partition);
        if (!p || e->offset < 0) {
            e->err = p ? KAFKAC_ERR_INVALID_ARG : KAFKAC_ERR_UNKNOWN_PARTITION;
            if (!first)
                first = e->err;
            continue;
        }
        p->stored = e->offset;
        p->stored_epoch = e->leader_epoch;
        c->parts.store_used = 1;
        e->err = KAFKAC_OK;
    }
    pthread_mutex_unlock(&c->lock);
    return first;
}

kafkac_err_t kafkac_consumer_store_record(kafkac_consumer_t *c, const kafkac_record_t *r)
{
    if (!c || !r)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_err_t err = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    kc_part_t *p = kc_parts_find(&c->parts, r->chunk->topic, r->chunk->partition);
    if (p) {
        p->stored = r->offset + 1;
        p->stored_epoch = r->leader_epoch;
        c->parts.store_used = 1;
    } else {
        err = KAFKAC_ERR_UNKNOWN_PARTITION;
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

/* The group-model functions of the public consumer API: they check what
 * the consumer core can check (group.id set, no manual assignment) and
 * hand over to the group coordinator (coordinator*.c, commit.c). */
#include <stdio.h>

#include "common/errstr.h"
#include "consumer/consumer_int.h"

static kafkac_err_t no_group(char *errstr, size_t errstr_size)
{
    kc_errstr_set(errstr, errstr_size, "this needs group.id to be set");
    return KAFKAC_ERR_CONFIG;
}

kafkac_err_t kafkac_consumer_set_rebalance_cb(kafkac_consumer_t *c, kafkac_rebalance_cb cb, void *opaque)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    c->rebalance_cb = cb;
    c->rebalance_opaque = opaque;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_consumer_subscribe(kafkac_consumer_t *c, const char *const *topics, int count, char *errstr,
                                       size_t errstr_size)
{
    if (!c || count < 0 || (count > 0 && !topics))
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return no_group(errstr, errstr_size);
    for (int i = 0; i < count; i++) {
        if (!topics[i] || !topics[i][0]) {
            kc_errstr_set(errstr, errstr_size, "topic %d is empty", i);
            return KAFKAC_ERR_INVALID_ARG;
        }
    }
    if (!kc_coordinator_subscribed(c->coord)) {
        pthread_mutex_lock(&c->lock);
        int manual = c->parts.n > 0;
        pthread_mutex_unlock(&c->lock);
        if (manual) {
            kc_errstr_set(errstr, errstr_size, "subscribe() after assign(): assign an empty list first");
            return KAFKAC_ERR_STATE;
        }
    }
    return kc_coordinator_subscribe(c->coord, topics, count, errstr, errstr_size);
}

kafkac_err_t kafkac_consumer_unsubscribe(kafkac_consumer_t *c)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return KAFKAC_ERR_CONFIG;
    return kc_coordinator_unsubscribe(c->coord);
}

kafkac_err_t kafkac_consumer_subscription(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    if (!c || !out)
        return KAFKAC_ERR_INVALID_ARG;
    *out = NULL;
    if (!c->coord)
        return KAFKAC_ERR_CONFIG;
    return kc_coordinator_subscription(c->coord, out);
}

kafkac_err_t kafkac_consumer_group_generation(kafkac_consumer_t *c, int32_t *generation, char *member_id,
                                              size_t member_id_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return KAFKAC_ERR_CONFIG;
    return kc_coordinator_generation(c->coord, generation, member_id, member_id_size);
}

kafkac_err_t kafkac_consumer_commit_sync(kafkac_consumer_t *c, kafkac_topic_partition_list_t *offsets,
                                         int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return no_group(errstr, errstr_size);
    return kc_coordinator_commit_sync(c->coord, offsets, deadline, errstr, errstr_size);
}

kafkac_err_t kafkac_consumer_commit_async(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *offsets,
                                          kafkac_commit_cb cb, void *opaque)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return KAFKAC_ERR_CONFIG;
    return kc_coordinator_commit_async(c->coord, offsets, cb, opaque);
}

kafkac_err_t kafkac_consumer_committed(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                       int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!c || !partitions)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    if (!c->coord)
        return no_group(errstr, errstr_size);
    return kc_coordinator_committed(c->coord, partitions, deadline, errstr, errstr_size);
}

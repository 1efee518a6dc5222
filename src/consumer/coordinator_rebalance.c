/* The application-thread half of a rebalance: revoking before an eager
 * rejoin (with the commit on revoke), dropping lost partitions, and
 * applying a new assignment (eager: replace; cooperative: revoke what
 * moved away, commit it, rejoin, add what arrived).  These run as events
 * inside poll/next/close, so the rebalance callback runs on the
 * application's thread and can itself commit or seek. */
#include "consumer/coordinator.h"
#include <string.h>
#include "common/mem.h"

void kc_co_rebalance_cb(kc_coordinator_t *co, kafkac_rebalance_event_t ev, const kafkac_topic_partition_list_t *tpl)
{
    kafkac_consumer_t *c = co->c;
    if (c->rebalance_cb)
        c->rebalance_cb(c, ev, tpl, c->rebalance_opaque);
}

kafkac_topic_partition_list_t *kc_co_tpl_minus(const kafkac_topic_partition_list_t *a,
                                               const kafkac_topic_partition_list_t *b)
{
    kafkac_topic_partition_list_t *out = kafkac_tpl_new(a ? a->count : 0);
    for (int i = 0; out && a && i < a->count; i++)
        if (!kafkac_tpl_find(b, a->elems[i].topic, a->elems[i].partition) &&
            !kafkac_tpl_add(out, a->elems[i].topic, a->elems[i].partition)) {
            kafkac_tpl_destroy(out);
            out = NULL;
        }
    return out;
}

/* Commits the current positions of the partitions in `only` (app thread):
 * the commit on revoke.  Failures are logged and returned (with their
 * sentence in why); the revoke goes on. */
kafkac_err_t kc_co_commit_revoked(kc_coordinator_t *co, const kafkac_topic_partition_list_t *only, int64_t deadline,
                                  char *why, size_t whylen)
{
    if (!co->s->enable_auto_commit || !only || only->count == 0)
        return 0;
    kafkac_topic_partition_list_t *pos = NULL;
    kafkac_err_t err = kc_consumer_commit_offsets(co->c, &pos);
    if (err || !pos)
        return err;
    kafkac_topic_partition_list_t *sel = kafkac_tpl_new(pos->count);
    for (int i = 0; sel && i < pos->count; i++) {
        if (!kafkac_tpl_find(only, pos->elems[i].topic, pos->elems[i].partition))
            continue;
        kafkac_topic_partition_t *e = kafkac_tpl_add(sel, pos->elems[i].topic, pos->elems[i].partition);
        if (!e) {
            kafkac_tpl_destroy(sel);
            sel = NULL;
            break;
        }
        e->offset = pos->elems[i].offset;
        e->leader_epoch = pos->elems[i].leader_epoch;
        kafkac_tp_set_metadata(e, pos->elems[i].metadata);
    }
    kafkac_tpl_destroy(pos);
    if (!sel)
        err = KAFKAC_ERR_NO_MEMORY;
    if (sel && sel->count > 0) {
        err = kc_co_commit_wait(co, sel, deadline, why, whylen);
        if (err)
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: commit before revoking failed: %s",
                   co->s->group_id, why);
    }
    kafkac_tpl_destroy(sel);
    return err;
}

int kc_co_revoke_timeout(const kc_coordinator_t *co)
{
    /* The rebalance waits for us up to max.poll.interval.ms; do not spend
     * more than the API timeout of it on the commit. */
    int64_t t = co->s->default_api_timeout_ms;
    if (t > co->s->max_poll_interval_ms / 2)
        t = co->s->max_poll_interval_ms / 2;
    return (int)(t > 0 ? t : 1);
}

kafkac_err_t kc_co_revoke_all(kc_coordinator_t *co, int lost, int64_t deadline, char *why, size_t whylen)
{
    pthread_mutex_lock(&co->lock);
    kafkac_topic_partition_list_t *owned = kafkac_tpl_copy(co->owned);
    int subscribed = co->subscribed;
    int32_t gen = co->generation;
    pthread_mutex_unlock(&co->lock);
    if (!owned)
        return KAFKAC_ERR_NO_MEMORY;
    kafkac_err_t err = 0;
    if (owned->count > 0) {
        if (!lost)
            err = kc_co_commit_revoked(co, owned, deadline, why, whylen);
        kc_co_rebalance_cb(co, lost ? KAFKAC_REBALANCE_LOST : KAFKAC_REBALANCE_REVOKED, owned);
        kc_consumer_assign_set(co->c, NULL);
        pthread_mutex_lock(&co->lock);
        if (!lost) {
            kafkac_tpl_destroy(co->sticky_prev);
            co->sticky_prev = kafkac_tpl_copy(owned);
            co->sticky_prev_gen = gen;
        }
        kafkac_tpl_destroy(co->owned);
        co->owned = kafkac_tpl_new(0);
        pthread_mutex_unlock(&co->lock);
    } else if (!subscribed && co->s->enable_auto_commit) {
        /* Partition model: the final auto commit of what poll returned. */
        kafkac_topic_partition_list_t *pos = NULL;
        err = kc_consumer_commit_offsets(co->c, &pos);
        if (!err && pos) {
            err = kc_co_commit_wait(co, pos, deadline, why, whylen);
            if (err)
                kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: final commit failed: %s",
                       co->s->group_id, why);
        }
        kafkac_tpl_destroy(pos);
    }
    kafkac_tpl_destroy(owned);
    return err;
}

/* ------------------------------------------------------------------ */
/* Before an eager rejoin, or after losing the membership              */

typedef struct prepare_ev {
    kc_coordinator_t *co;
    int lost;
} prepare_ev_t;

static void prepare_run(kafkac_consumer_t *c, void *arg, int run)
{
    prepare_ev_t *ev = arg;
    kc_coordinator_t *co = ev->co;
    if (run) {
        char why[256];
        kc_co_revoke_all(co, ev->lost, kc_now_ms() + kc_co_revoke_timeout(co), why, sizeof why);
        pthread_mutex_lock(&co->lock);
        if (co->state == KC_CO_PREPARING)
            co->state = KC_CO_JOIN_READY;
        pthread_mutex_unlock(&co->lock);
        kc_net_wakeup(co->net);
    }
    kc_free(ev);
}

void kc_co_post_prepare(kc_coordinator_t *co, int lost)
{
    prepare_ev_t *ev = kc_calloc(1, sizeof(*ev));
    if (ev) {
        ev->co = co;
        ev->lost = lost;
    }
    if (!ev || kc_consumer_post(co->c, prepare_run, ev) != 0) {
        /* Cannot defer to the app thread: rejoin anyway; the assignment
         * is replaced when the new one arrives. */
        kc_free(ev);
        co->state = KC_CO_JOIN_READY;
        return;
    }
    co->state = KC_CO_PREPARING;
}

/* ------------------------------------------------------------------ */
/* A new assignment                                                    */

typedef struct assign_ev {
    kc_coordinator_t *co;
    kafkac_topic_partition_list_t *tpl;
    int32_t generation;
} assign_ev_t;

static void assign_run(kafkac_consumer_t *c, void *arg, int run)
{
    assign_ev_t *ev = arg;
    kc_coordinator_t *co = ev->co;
    if (!run)
        goto done;
    pthread_mutex_lock(&co->lock);
    /* A generation that ended before we got here (lost, rejoined): its
     * assignment is void; the newer one follows. */
    int stale = ev->generation != co->generation || co->closing || co->closed;
    kafkac_topic_partition_list_t *owned = kafkac_tpl_copy(co->owned);
    pthread_mutex_unlock(&co->lock);
    if (stale || !owned) {
        kafkac_tpl_destroy(owned);
        goto done;
    }
    if (!co->cooperative) {
        kc_consumer_assign_set(c, ev->tpl);
        pthread_mutex_lock(&co->lock);
        kafkac_tpl_destroy(co->owned);
        co->owned = kafkac_tpl_copy(ev->tpl);
        if (!co->owned)
            co->owned = kafkac_tpl_new(0);
        pthread_mutex_unlock(&co->lock);
        kc_co_rebalance_cb(co, KAFKAC_REBALANCE_ASSIGNED, ev->tpl);
    } else {
        kafkac_topic_partition_list_t *revoked = kc_co_tpl_minus(owned, ev->tpl);
        kafkac_topic_partition_list_t *added = kc_co_tpl_minus(ev->tpl, owned);
        if (revoked && revoked->count > 0) {
            /* KIP-429: give up what moved away (committing it first),
             * then rejoin so that its new owner can have it. */
            char why[256];
            kc_co_commit_revoked(co, revoked, kc_now_ms() + kc_co_revoke_timeout(co), why, sizeof why);
            kc_co_rebalance_cb(co, KAFKAC_REBALANCE_REVOKED, revoked);
            kc_consumer_assign_remove(c, revoked);
        }
        if (added && added->count > 0)
            kc_consumer_assign_add(c, added);
        pthread_mutex_lock(&co->lock);
        kafkac_tpl_destroy(co->owned);
        co->owned = kafkac_tpl_copy(ev->tpl);
        if (!co->owned)
            co->owned = kafkac_tpl_new(0);
        if (revoked && revoked->count > 0)
            kc_co_request_rejoin(co, 0, "partitions revoked in a cooperative rebalance");
        pthread_mutex_unlock(&co->lock);
        if (added)
            kc_co_rebalance_cb(co, KAFKAC_REBALANCE_ASSIGNED, added);
        kafkac_tpl_destroy(revoked);
        kafkac_tpl_destroy(added);
    }
    kafkac_tpl_destroy(owned);
done:
    kafkac_tpl_destroy(ev->tpl);
    kc_free(ev);
}

void kc_co_post_assignment(kc_coordinator_t *co, kafkac_topic_partition_list_t *tpl, int32_t generation)
{
    assign_ev_t *ev = kc_calloc(1, sizeof(*ev));
    if (ev) {
        ev->co = co;
        ev->tpl = tpl;
        ev->generation = generation;
    }
    if (!ev || kc_consumer_post(co->c, assign_run, ev) != 0) {
        kc_free(ev);
        kafkac_tpl_destroy(tpl);
        /* Without the event the assignment would be lost: rejoin. */
        co->state = KC_CO_UNJOINED;
        co->join_after = kc_now_ms() + co->s->retry_backoff_ms;
    }
}

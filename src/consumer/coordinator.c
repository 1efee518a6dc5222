/* The group coordinator client: life cycle, finding the coordinator,
 * heartbeats, leaving, and the I/O-thread service that drives joins (the
 * subscription, names and patterns, is coordinator_subscription.c).  The
 * states and threads are described in coordinator.h. */
#include "consumer/coordinator.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/errstr.h"
#include "common/mem.h"
#include "consumer/membership_848.h"
#include "kc_messages.h"
#include "protocol/find_coordinator.h"

static const char *const algo_names[] = {"range", "roundrobin", "sticky", "cooperative-sticky"};

int kc_co_is_coord_error(int err)
{
    return err == KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE || err == KAFKAC_ERR_NOT_COORDINATOR ||
           err == KAFKAC_ERR_TRANSPORT || err == KAFKAC_ERR_TIMED_OUT || err == KAFKAC_ERR_REQUEST_TIMED_OUT ||
           err == KAFKAC_ERR_ALL_BROKERS_DOWN || err == KAFKAC_ERR_RESOLVE || err == KAFKAC_ERR_NETWORK_EXCEPTION;
}

void kc_co_coordinator_dead(kc_coordinator_t *co, const char *why)
{
    if (co->coord_id >= 0)
        kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: coordinator %d is gone (%s); looking it up again",
               co->s->group_id, co->coord_id, why);
    co->coord_id = -1;
    co->find_after = kc_now_ms() + co->s->retry_backoff_ms;
    kc_net_wakeup(co->net);
}

void kc_co_reset_member(kc_coordinator_t *co, int reset_member)
{
    co->generation = -1;
    co->is_leader = 0;
    co->epoch++;
    if (reset_member && co->member_id[0]) {
        kc_free(co->member_id);
        co->member_id = kc_strdup("");
    }
    if (co->pending_join) {
        kc_resp_free(co->pending_join);
        co->pending_join = NULL;
    }
}

void kc_co_request_rejoin(kc_coordinator_t *co, int lost, const char *why)
{
    if (!co->subscribed || co->closing || co->closed || co->fatal)
        return;
    /* A join or sync in flight ends in a new generation anyway; if that
     * generation was made for an older subscription, check_joined asks
     * again once it is stable. */
    if (!lost && (co->state == KC_CO_JOINING || co->state == KC_CO_SYNCING))
        return;
    if (co->state == KC_CO_PREPARING)
        return;
    if (co->m848 && !lost) {
        /* KIP-848: no rejoin; the broker reassigns on what we report. */
        kc_m848_heartbeat_now(co);
        return;
    }
    kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: rejoining: %s", co->s->group_id, why);
    /* Eager members revoke everything before they rejoin, and lost
     * partitions are dropped, both on the application's thread. */
    if (lost || !co->cooperative)
        kc_co_post_prepare(co, lost);
    else
        co->state = KC_CO_JOIN_READY;
    kc_net_wakeup(co->net);
}

/* ------------------------------------------------------------------ */
/* FindCoordinator                                                     */

/* The coordinator's answer (find_coordinator.c sends and reads it). */
static void find_cb(kc_net_t *net, int err, int32_t node, const char *msg, void *opaque)
{
    kc_coordinator_t *co = opaque;
    pthread_mutex_lock(&co->lock);
    co->find_inflight = 0;
    if (!err && node >= 0) {
        co->coord_id = node;
        /* A new coordinator: the session clock starts again, and a
         * heartbeat goes out at once to learn where the group stands. */
        co->hb_last_ok = kc_now_ms();
        co->hb_next = co->hb_last_ok;
        if (co->m848)
            kc_m848_heartbeat_now(co);
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: coordinator is broker %d", co->s->group_id, node);
        pthread_cond_broadcast(&co->cond);
    } else {
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: FindCoordinator: %s%s%s", co->s->group_id,
               kafkac_err_name(err), msg ? ": " : "", msg ? msg : "");
        co->find_after = kc_now_ms() + co->s->retry_backoff_ms;
        if (err == KAFKAC_ERR_GROUP_AUTHORIZATION_FAILED || err == KAFKAC_ERR_INVALID_GROUP_ID) {
            pthread_mutex_unlock(&co->lock);
            kc_consumer_post_error(co->c, (kafkac_err_t)err, "FindCoordinator for the group failed");
            pthread_mutex_lock(&co->lock);
        }
    }
    pthread_mutex_unlock(&co->lock);
    kc_net_wakeup(net);
}

static void send_find(kc_coordinator_t *co)
{
    if (kc_find_coordinator_send(co->net, KC_COORD_GROUP, co->s->group_id, 0, find_cb, co) != 0) {
        co->find_after = kc_now_ms() + co->s->retry_backoff_ms;
        return;
    }
    co->find_inflight = 1;
}

/* ------------------------------------------------------------------ */
/* Heartbeat                                                           */

typedef struct hb_ctx {
    kc_coordinator_t *co;
    uint32_t epoch;
    kc_heartbeat_request_t msg;
    char *member_id;
} hb_ctx_t;

static void hb_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    hb_ctx_t *x = opaque;
    kc_coordinator_t *co = x->co;
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    if (!err)
        err = ((const kc_heartbeat_response_t *)resp->msg)->error_code;
    int64_t now = kc_now_ms();
    pthread_mutex_lock(&co->lock);
    co->hb_inflight = 0;
    co->hb_next = now + co->s->heartbeat_interval_ms;
    if (x->epoch != co->epoch || co->closed) {
        /* An answer about a membership we no longer have. */
    } else if (err == 0) {
        co->hb_last_ok = now;
    } else {
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: heartbeat: %s", co->s->group_id,
               kafkac_err_name(err));
        switch (err) {
        case KAFKAC_ERR_REBALANCE_IN_PROGRESS:
            co->hb_last_ok = now;
            if (co->state == KC_CO_STABLE)
                kc_co_request_rejoin(co, 0, "the group is rebalancing");
            break;
        case KAFKAC_ERR_ILLEGAL_GENERATION:
            kc_co_reset_member(co, 0);
            co->state = KC_CO_UNJOINED;
            kc_co_request_rejoin(co, 1, "our generation is no longer the group's");
            break;
        case KAFKAC_ERR_UNKNOWN_MEMBER_ID:
            kc_co_reset_member(co, 1);
            co->state = KC_CO_UNJOINED;
            kc_co_request_rejoin(co, 1, "the coordinator no longer knows this member");
            break;
        case KAFKAC_ERR_FENCED_INSTANCE_ID:
            co->fatal = KAFKAC_ERR_FENCED_INSTANCE_ID;
            kc_co_reset_member(co, 1);
            co->state = KC_CO_UNJOINED;
            kc_consumer_post_error(co->c, KAFKAC_ERR_FENCED_INSTANCE_ID,
                                   "another consumer with the same group.instance.id joined the group");
            break;
        default:
            if (kc_co_is_coord_error(err)) {
                kc_co_coordinator_dead(co, kafkac_err_name(err));
            }
            co->hb_next = now + co->s->retry_backoff_ms;
            break;
        }
    }
    pthread_mutex_unlock(&co->lock);
    kc_resp_free(resp);
    kc_free(x->member_id);
    kc_free(x);
}

static void send_heartbeat(kc_coordinator_t *co, int64_t now)
{
    hb_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x || !(x->member_id = kc_strdup(co->member_id))) {
        kc_free(x);
        return;
    }
    x->co = co;
    x->epoch = co->epoch;
    kc_msg_init(&kc_schema_heartbeat_request, &x->msg);
    x->msg.group_id = co->s->group_id;
    x->msg.generation_id = co->generation;
    x->msg.member_id = x->member_id;
    x->msg.group_instance_id = co->s->group_instance_id;
    kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_heartbeat.key, .max_version = -1,
                    .msg = &x->msg, .cb = hb_cb, .opaque = x};
    if (kc_net_send(co->net, &req) != 0) {
        kc_free(x->member_id);
        kc_free(x);
        co->hb_next = now + co->s->retry_backoff_ms;
        return;
    }
    co->hb_inflight = 1;
}

/* ------------------------------------------------------------------ */
/* LeaveGroup                                                          */

typedef struct leave_ctx {
    kc_leave_group_request_t msg;
    kc_leave_group_request_member_identity_t ident;
    char *member_id;
} leave_ctx_t;

/* v3+ (KIP-345) names the members leaving in a list. */
static int leave_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    leave_ctx_t *x = opaque;
    if (version >= 3) {
        x->msg.members = &x->ident;
        x->msg.members_count = 1;
    } else {
        x->msg.member_id = x->member_id;
    }
    return 0;
}

static void leave_free(leave_ctx_t *x)
{
    if (x) {
        kc_free(x->member_id);
        kc_free(x);
    }
}

static void leave_free_v(void *x)
{
    leave_free(x);
}

static void leave_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    kc_resp_free(resp);
    leave_free(opaque);
}

/* Builds a LeaveGroup for the current member (under co->lock), or NULL. */
static leave_ctx_t *leave_new(kc_coordinator_t *co, const char *reason)
{
    leave_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x || !(x->member_id = kc_strdup(co->member_id))) {
        kc_free(x);
        return NULL;
    }
    kc_msg_init(&kc_schema_leave_group_request, &x->msg);
    kc_msg_init(&kc_schema_leave_group_request_member_identity, &x->ident);
    x->msg.group_id = co->s->group_id;
    x->ident.member_id = x->member_id;
    x->ident.reason = reason;
    return x;
}

/* Sends LeaveGroup; wait_ms > 0 waits for the answer (app thread only,
 * without co->lock).  Static members never leave: their partitions wait
 * for them until session.timeout.ms (KIP-345).  Returns the error. */
kafkac_err_t kc_co_leave_group(kc_coordinator_t *co, const char *reason, int wait_ms)
{
    if (co->m848)
        return kc_m848_leave(co, reason, wait_ms);
    pthread_mutex_lock(&co->lock);
    int32_t node = co->coord_id;
    leave_ctx_t *x = NULL;
    if (co->member_id[0] && !co->s->group_instance_id && node >= 0)
        x = leave_new(co, reason);
    pthread_mutex_unlock(&co->lock);
    if (!x)
        return 0;
    kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: member %s leaves: %s", co->s->group_id, x->member_id,
           reason);
    kc_req_t req = {.node_id = kc_co_node(node), .api_key = kc_api_leave_group.key, .max_version = -1, .msg = &x->msg,
                    .build = leave_build, .opaque = x, .timeout_ms = wait_ms > 0 ? wait_ms : 0};
    if (wait_ms <= 0) {
        req.cb = leave_cb;
        if (kc_net_send(co->net, &req) != 0)
            leave_free(x);
        return 0;
    }
    int gave_up = 0;
    kc_resp_t *resp = kc_consumer_call(co->net, &req, kc_now_ms() + wait_ms, leave_free_v, x, &gave_up);
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    if (!err)
        err = ((const kc_leave_group_response_t *)resp->msg)->error_code;
    kc_resp_free(resp);
    if (!gave_up)
        leave_free(x);
    return (kafkac_err_t)err;
}

/* I/O thread, under co->lock: the poll timeout variant of leaving. */
static void leave_async_locked(kc_coordinator_t *co, const char *reason)
{
    if (!co->member_id[0] || co->s->group_instance_id || co->coord_id < 0)
        return;
    leave_ctx_t *x = leave_new(co, reason);
    if (!x)
        return;
    kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_leave_group.key, .max_version = -1,
                    .msg = &x->msg, .build = leave_build, .cb = leave_cb, .opaque = x};
    if (kc_net_send(co->net, &req) != 0)
        leave_free(x);
}

/* ------------------------------------------------------------------ */
/* The service                                                         */

static int64_t co_serve(kc_net_t *net, int64_t now, void *opaque)
{
    kc_coordinator_t *co = opaque;
    int64_t next = now + 200;
    pthread_mutex_lock(&co->lock);
    if (co->closed) {
        pthread_mutex_unlock(&co->lock);
        return INT64_MAX;
    }
    if (co->subscribed)
        kc_co_subscription_serve(co, now);
    int need = co->subscribed || co->want_coord;
    if (need && co->coord_id < 0 && !co->find_inflight && now >= co->find_after)
        send_find(co);

    if (co->m848) {
        int64_t n848 = kc_m848_serve(co, now);
        if (n848 < next)
            next = n848;
    } else if (co->coord_id >= 0 && co->subscribed && !co->closing && !co->fatal) {
        if (co->state == KC_CO_UNJOINED)
            kc_co_request_rejoin(co, 0, "joining the group");
        if (co->state == KC_CO_JOIN_READY && now >= co->join_after &&
            (!kc_co_has_patterns(co) || co->md_seen > co->sub_md_version))
            kc_co_send_join(co, now);
        if (co->state == KC_CO_SYNCING && co->pending_join)
            kc_co_try_leader_assign(co, now);
        /* Processing that takes longer than max.poll.interval.ms gives the
         * partitions up, as the Java client does: leave, and rejoin at the
         * next poll. */
        if ((co->state == KC_CO_STABLE || co->state == KC_CO_SYNCING) &&
            now - co->last_poll > co->s->max_poll_interval_ms) {
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp",
                   "group %s: no poll for %lld ms (max.poll.interval.ms %lld): leaving the group",
                   co->s->group_id, (long long)(now - co->last_poll), (long long)co->s->max_poll_interval_ms);
            leave_async_locked(co, "consumer poll timeout has expired");
            kc_co_reset_member(co, 1);
            co->state = KC_CO_UNJOINED;
            kc_co_request_rejoin(co, 1, "poll timeout");
        }
        /* No heartbeat answer for a whole session: the coordinator is
         * probably gone (Java marks it unknown and looks again). */
        if (co->state == KC_CO_STABLE && now - co->hb_last_ok > co->s->session_timeout_ms)
            kc_co_coordinator_dead(co, "no heartbeat answer within session.timeout.ms");
    }
    if (!co->m848 && co->coord_id >= 0 && co->generation >= 0 && co->member_id[0] && !co->hb_inflight &&
        co->state != KC_CO_JOINING && co->state != KC_CO_UNJOINED && !co->closed) {
        if (now >= co->hb_next)
            send_heartbeat(co, now);
        else if (co->hb_next < next)
            next = co->hb_next;
    }
    pthread_mutex_unlock(&co->lock);
    int64_t n2 = kc_co_commit_serve(co, now);
    return n2 < next ? n2 : next;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

kafkac_err_t kc_coordinator_new(kafkac_consumer_t *c, kc_coordinator_t **out, char *errstr, size_t errstr_size)
{
    kc_coordinator_t *co = kc_calloc(1, sizeof(*co));
    if (!co || !(co->member_id = kc_strdup("")) || !(co->owned = kafkac_tpl_new(0))) {
        if (co) {
            kc_free(co->member_id);
            kc_free(co);
        }
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    co->c = c;
    co->net = c->net;
    co->s = &c->settings;
    co->log = &c->settings.log;
    pthread_mutex_init(&co->lock, NULL);
    kc_cond_init(&co->cond);
    co->cooperative = 1;
    for (size_t i = 0; i < co->s->assignors.n && co->nalgos < 4; i++) {
        int v = co->s->assignors.v[i];
        const kc_asg_algo_t *a = (v >= 0 && v < 4) ? kc_asg_find(algo_names[v]) : NULL;
        if (a) {
            co->algos[co->nalgos++] = a;
            co->cooperative &= a->cooperative;
        }
    }
    if (co->nalgos == 0) {
        co->algos[co->nalgos++] = kc_asg_find("range");
        co->cooperative = 0;
    }
    co->coord_id = -1;
    co->njoined = -1;
    co->generation = -1;
    co->sticky_prev_gen = -1;
    co->state = KC_CO_UNJOINED;
    int64_t now = kc_now_ms();
    co->last_poll = now;
    co->hb_last_ok = now;
    co->next_autocommit = now + co->s->auto_commit_interval_ms;
    co->want_coord = co->s->enable_auto_commit;
    if (co->s->group_protocol == KC_GROUP_PROTOCOL_CONSUMER && kc_m848_new(co) != 0) {
        kc_coordinator_destroy(co);
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    int err = kc_net_add_service(co->net, co_serve, co);
    if (err) {
        kc_coordinator_destroy(co);
        kc_errstr_set(errstr, errstr_size, "cannot start the group coordinator: %s", kafkac_err_str(err));
        return (kafkac_err_t)err;
    }
    *out = co;
    return 0;
}

void kc_coordinator_destroy(kc_coordinator_t *co)
{
    if (!co)
        return;
    kc_co_subscription_free(co);
    kc_free(co->member_id);
    kc_free(co->protocol);
    kc_resp_free(co->pending_join);
    kafkac_tpl_destroy(co->owned);
    kafkac_tpl_destroy(co->sticky_prev);
    kc_m848_destroy(co->m848);
    pthread_mutex_destroy(&co->lock);
    pthread_cond_destroy(&co->cond);
    kc_free(co);
}

void kc_coordinator_poll(kc_coordinator_t *co, int64_t now_ms)
{
    pthread_mutex_lock(&co->lock);
    co->last_poll = now_ms;
    pthread_mutex_unlock(&co->lock);
}

kafkac_err_t kc_coordinator_close(kc_coordinator_t *co, int64_t deadline)
{
    pthread_mutex_lock(&co->lock);
    if (co->closed) {
        pthread_mutex_unlock(&co->lock);
        return KAFKAC_ERR_STATE;
    }
    co->closing++;
    int lost = co->subscribed && co->generation < 0;
    pthread_mutex_unlock(&co->lock);

    /* Revoke (commit first when enable.auto.commit), or in the partition
     * model just the final auto commit. */
    char why[256];
    kafkac_err_t first = kc_co_revoke_all(co, lost, deadline, why, sizeof why);
    kc_co_commit_drain(co, deadline);
    int left = kc_ms_left(deadline);
    kafkac_err_t err = kc_co_leave_group(co, "the consumer is closing", left > 0 ? left : 1);
    if (err)
        kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: LeaveGroup: %s", co->s->group_id,
               kafkac_err_name(err));

    pthread_mutex_lock(&co->lock);
    co->closed = 1;
    kc_co_reset_member(co, 1);
    co->state = KC_CO_UNJOINED;
    pthread_cond_broadcast(&co->cond);
    pthread_mutex_unlock(&co->lock);
    /* Leaving is best effort: an error there does not fail close; the
     * final commit is not (consumer.h: close returns the first error). */
    if (first)
        kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: close: the final commit failed: %s",
               co->s->group_id, why);
    return first;
}

/* Commits and committed offsets: OffsetCommit (sync, async with a
 * callback, automatic every auto.commit.interval.ms of what poll has
 * returned or store_offsets stored) and OffsetFetch (committed(), and the
 * start positions of newly assigned partitions). */
#include "consumer/coordinator.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common/errstr.h"
#include "common/mem.h"
#include "kc_messages.h"

static int is_retriable_commit(int err)
{
    /* STALE_MEMBER_EPOCH (group.protocol=consumer): the commit went out
     * with an epoch a heartbeat has since replaced; each attempt is built
     * with the member's current epoch, as Java retries it. */
    return kc_co_is_coord_error(err) || err == KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           err == KAFKAC_ERR_UNSTABLE_OFFSET_COMMIT || err == KAFKAC_ERR_STALE_MEMBER_EPOCH;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits on co->cond until deadline (co->lock held). */
static void cond_wait_until(kc_coordinator_t *co, int64_t deadline_ms)
{
    int64_t left = deadline_ms - kc_now_ms();
    if (left <= 0)
        return;
    kc_cond_wait_until(&co->cond, &co->lock, kc_now_ms() + (left > 100 ? 100 : left));
}

kafkac_err_t kc_co_wait_coordinator(kc_coordinator_t *co, int64_t deadline_ms, int32_t *node_id)
{
    pthread_mutex_lock(&co->lock);
    co->want_coord = 1;
    kc_net_wakeup(co->net);
    while (co->coord_id < 0 && kc_now_ms() < deadline_ms && !co->closed)
        cond_wait_until(co, deadline_ms);
    *node_id = co->coord_id;
    int closed = co->closed;
    pthread_mutex_unlock(&co->lock);
    /* The call's time ran out (Java: TimeoutException). */
    return *node_id >= 0 ? 0 : closed ? KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE : KAFKAC_ERR_TIMED_OUT;
}

/* "no group coordinator found in time", with why when no broker answers. */
static void no_coordinator(kc_coordinator_t *co, const char *what, char *errstr, size_t errstr_size)
{
    char why[256];
    int64_t down = 0;
    if (kc_net_reachability(co->net, &down, why, sizeof why) == 0 || !why[0])
        kc_errstr_set(errstr, errstr_size, "%s: no group coordinator found in time", what);
    else
        kc_errstr_set(errstr, errstr_size, "%s: no group coordinator found in time: no broker reachable for %lld ms: %s",
                      what, (long long)down, why);
}

/* ------------------------------------------------------------------ */
/* OffsetCommit                                                        */

typedef struct commit_ctx commit_ctx_t;
struct commit_ctx {
    struct commit_ctx *next;             /* co->async_head queue */
    kc_coordinator_t *co;
    kc_offset_commit_request_t msg;
    kc_arena_t arena;
    kafkac_topic_partition_list_t *tpl;  /* owned: results go into elems[i].err */
    char *member_id;
    int is_auto;
    int64_t queued_at;
    kafkac_commit_cb cb;
    void *opaque;
};

static void commit_ctx_free(commit_ctx_t *x)
{
    if (!x)
        return;
    kc_arena_destroy(&x->arena);
    kafkac_tpl_destroy(x->tpl);
    kc_free(x->member_id);
    kc_free(x);
}

static void commit_ctx_free_v(void *x)
{
    commit_ctx_free(x);
}

/* Builds the request for x->tpl's elements with an offset >= 0 (under
 * co->lock for the member fields).  Returns the partition count, or -1
 * on OOM. */
static int commit_build(kc_coordinator_t *co, commit_ctx_t *x)
{
    kc_arena_init(&x->arena, 1024);
    kc_msg_init(&kc_schema_offset_commit_request, &x->msg);
    const kafkac_topic_partition_list_t *l = x->tpl;
    int n = 0;
    for (int i = 0; i < l->count; i++)
        n += l->elems[i].offset >= 0;
    x->msg.group_id = co->s->group_id;
    /* Standalone commits (partition model) carry no generation. */
    x->msg.generation_id_or_member_epoch = co->subscribed ? co->generation : -1;
    x->member_id = kc_strdup(co->subscribed ? co->member_id : "");
    x->msg.member_id = x->member_id;
    x->msg.group_instance_id = co->subscribed ? co->s->group_instance_id : NULL;
    if (!x->member_id)
        return -1;
    if (n == 0)
        return 0;
    kc_offset_commit_request_offset_commit_request_topic_t *t = kc_arena_alloc(&x->arena, (size_t)n * sizeof(*t));
    kc_offset_commit_request_offset_commit_request_partition_t *p =
        kc_arena_alloc(&x->arena, (size_t)n * sizeof(*p));
    if (!t || !p)
        return -1;
    int nt = 0, np = 0;
    /* Topic by topic; the lists we get are small, so a scan per element
     * is fine and keeps the caller's order within a topic. */
    for (int i = 0; i < l->count; i++) {
        const kafkac_topic_partition_t *e = &l->elems[i];
        if (e->offset < 0)
            continue;
        int k = 0;
        while (k < nt && strcmp(t[k].name, e->topic) != 0)
            k++;
        if (k == nt) {
            t[nt].name = e->topic;
            t[nt].partitions_count = 0;
            nt++;
        }
    }
    for (int k = 0; k < nt; k++) {
        t[k].partitions = p + np;
        for (int i = 0; i < l->count; i++) {
            const kafkac_topic_partition_t *e = &l->elems[i];
            if (e->offset < 0 || strcmp(e->topic, t[k].name) != 0)
                continue;
            kc_offset_commit_request_offset_commit_request_partition_t *q = &p[np++];
            kc_msg_init(&kc_schema_offset_commit_request_offset_commit_request_partition, q);
            q->partition_index = e->partition;
            q->committed_offset = e->offset;
            q->committed_leader_epoch = e->leader_epoch;
            q->committed_metadata = e->metadata ? e->metadata : "";
            t[k].partitions_count++;
        }
    }
    x->msg.topics = t;
    x->msg.topics_count = nt;
    return np;
}

/* Writes per-partition results into x->tpl; returns the first error
 * (request-level errors apply to every partition). */
static int commit_results(commit_ctx_t *x, const kc_resp_t *resp)
{
    int first = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    kafkac_topic_partition_list_t *l = x->tpl;
    if (first) {
        for (int i = 0; i < l->count; i++)
            if (l->elems[i].offset >= 0)
                l->elems[i].err = (kafkac_err_t)first;
        return first;
    }
    const kc_offset_commit_response_t *r = resp->msg;
    for (int i = 0; i < r->topics_count; i++)
        for (int j = 0; j < r->topics[i].partitions_count; j++) {
            const kc_offset_commit_response_offset_commit_response_partition_t *p = &r->topics[i].partitions[j];
            kafkac_topic_partition_t *e = kafkac_tpl_find(l, r->topics[i].name, p->partition_index);
            if (e)
                e->err = (kafkac_err_t)p->error_code;
            if (p->error_code && !first)
                first = p->error_code;
        }
    return first;
}

/* What a commit error means for the membership (under co->lock). */
static void commit_error_effects(kc_coordinator_t *co, int err)
{
    if (kc_co_is_coord_error(err)) {
        kc_co_coordinator_dead(co, kafkac_err_name(err));
    } else if (co->subscribed && (err == KAFKAC_ERR_UNKNOWN_MEMBER_ID || err == KAFKAC_ERR_ILLEGAL_GENERATION)) {
        /* Java: CommitFailedException; the partitions may belong to
         * someone else now. */
        kc_co_reset_member(co, err == KAFKAC_ERR_UNKNOWN_MEMBER_ID);
        co->state = KC_CO_UNJOINED;
        kc_co_request_rejoin(co, 1, "a commit found the membership gone");
    } else if (co->subscribed && err == KAFKAC_ERR_REBALANCE_IN_PROGRESS) {
        kc_co_request_rejoin(co, 0, "a commit found the group rebalancing");
    }
}

kafkac_err_t kc_co_commit_wait(kc_coordinator_t *co, kafkac_topic_partition_list_t *tpl, int64_t deadline,
                               char *errstr, size_t errstr_size)
{
    int err = 0;
    for (int attempt = 0;; attempt++) {
        int32_t node;
        err = kc_co_wait_coordinator(co, deadline, &node);
        if (err) {
            no_coordinator(co, "commit", errstr, errstr_size);
            break;
        }
        commit_ctx_t *x = kc_calloc(1, sizeof(*x));
        if (!x || !(x->tpl = kafkac_tpl_copy(tpl))) {
            kc_free(x);
            kc_errstr_set(errstr, errstr_size, "out of memory");
            return KAFKAC_ERR_NO_MEMORY;
        }
        pthread_mutex_lock(&co->lock);
        int unstable = co->subscribed && co->generation < 0;
        int n = unstable ? 0 : commit_build(co, x);
        pthread_mutex_unlock(&co->lock);
        if (unstable) {
            commit_ctx_free(x);
            kc_errstr_set(errstr, errstr_size, "commit: the group is rebalancing and this member has no generation");
            return KAFKAC_ERR_REBALANCE_IN_PROGRESS;
        }
        if (n <= 0) {
            commit_ctx_free(x);
            if (n < 0) {
                kc_errstr_set(errstr, errstr_size, "out of memory");
                return KAFKAC_ERR_NO_MEMORY;
            }
            return 0;  /* nothing with an offset to commit */
        }
        kc_req_t req = {.node_id = kc_co_node(node), .api_key = kc_api_offset_commit.key, .max_version = -1,
                        .msg = &x->msg};
        int gave_up = 0;
        kc_resp_t *resp = kc_consumer_call(co->net, &req, deadline, commit_ctx_free_v, x, &gave_up);
        if (gave_up) {
            /* x went with the request; the answer is the timeout's. */
            err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
            for (int i = 0; i < tpl->count; i++)
                if (tpl->elems[i].offset >= 0)
                    tpl->elems[i].err = (kafkac_err_t)err;
            kc_errstr_set(errstr, errstr_size, "commit: %s: %s", kafkac_err_str(err),
                          resp ? resp->errstr : "out of memory");
            kc_resp_free(resp);
            pthread_mutex_lock(&co->lock);
            commit_error_effects(co, err);
            pthread_mutex_unlock(&co->lock);
            break;
        }
        err = commit_results(x, resp);
        for (int i = 0; i < tpl->count; i++) {
            const kafkac_topic_partition_t *e = kafkac_tpl_find(x->tpl, tpl->elems[i].topic, tpl->elems[i].partition);
            if (e && tpl->elems[i].offset >= 0)
                tpl->elems[i].err = e->err;
        }
        if (err)
            kc_errstr_set(errstr, errstr_size, "commit: %s%s%s", kafkac_err_str(err), resp && resp->err ? ": " : "",
                          resp && resp->err ? resp->errstr : "");
        kc_resp_free(resp);
        commit_ctx_free(x);
        pthread_mutex_lock(&co->lock);
        if (err)
            commit_error_effects(co, err);
        pthread_mutex_unlock(&co->lock);
        if (!err || !is_retriable_commit(err) || kc_now_ms() + co->s->retry_backoff_ms >= deadline)
            break;
        sleep_ms(co->s->retry_backoff_ms);
    }
    return (kafkac_err_t)err;
}

kafkac_err_t kc_coordinator_commit_sync(kc_coordinator_t *co, kafkac_topic_partition_list_t *offsets,
                                        int64_t deadline, char *errstr, size_t errstr_size)
{
    if (offsets)
        return kc_co_commit_wait(co, offsets, deadline, errstr, errstr_size);
    kafkac_topic_partition_list_t *pos = NULL;
    kafkac_err_t err = kc_consumer_commit_offsets(co->c, &pos);
    if (err || !pos) {
        if (err)
            kc_errstr_set(errstr, errstr_size, "%s", kafkac_err_str(err));
        return err;
    }
    err = kc_co_commit_wait(co, pos, deadline, errstr, errstr_size);
    kafkac_tpl_destroy(pos);
    return err;
}

/* ---- asynchronous ---- */

typedef struct commit_done {
    kafkac_commit_cb cb;
    void *opaque;
    kafkac_err_t err;
    kafkac_topic_partition_list_t *tpl;
} commit_done_t;

static void commit_done_run(kafkac_consumer_t *c, void *arg, int run)
{
    commit_done_t *d = arg;
    if (run && d->cb)
        d->cb(c, d->err, d->tpl, d->opaque);
    kafkac_tpl_destroy(d->tpl);
    kc_free(d);
}

static void finish_async(kc_coordinator_t *co, commit_ctx_t *x, int err)
{
    if (x->is_auto) {
        if (err)
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: auto commit failed: %s", co->s->group_id,
                   kafkac_err_name(err));
    } else {
        /* The callback runs exactly once, on the application's thread. */
        commit_done_t *d = kc_calloc(1, sizeof(*d));
        if (d) {
            d->cb = x->cb;
            d->opaque = x->opaque;
            d->err = (kafkac_err_t)err;
            d->tpl = x->tpl;
            x->tpl = NULL;
            if (kc_consumer_post(co->c, commit_done_run, d) != 0) {
                kafkac_tpl_destroy(d->tpl);
                kc_free(d);
            }
        }
    }
    pthread_mutex_lock(&co->lock);
    if (err)
        commit_error_effects(co, err);
    if (x->is_auto)
        co->autocommit_inflight = 0;
    else
        co->commits_inflight--;
    pthread_cond_broadcast(&co->cond);
    pthread_mutex_unlock(&co->lock);
    commit_ctx_free(x);
}

static void commit_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    commit_ctx_t *x = opaque;
    int err = commit_results(x, resp);
    kc_resp_free(resp);
    finish_async(x->co, x, err);
}

/* Sends x (built under co->lock by the caller's choice); on failure to
 * send, finishes it at once with the error. */
static void commit_send(kc_coordinator_t *co, commit_ctx_t *x)
{
    pthread_mutex_lock(&co->lock);
    int32_t node = co->coord_id;
    int unstable = co->subscribed && co->generation < 0;
    int n = (node < 0 || unstable) ? 0 : commit_build(co, x);
    pthread_mutex_unlock(&co->lock);
    int err = 0;
    if (node < 0)
        err = KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE;
    else if (unstable)
        err = KAFKAC_ERR_REBALANCE_IN_PROGRESS;
    else if (n < 0)
        err = KAFKAC_ERR_NO_MEMORY;
    if (!err && n > 0) {
        kc_req_t req = {.node_id = kc_co_node(node), .api_key = kc_api_offset_commit.key, .max_version = -1, .msg = &x->msg,
                        .cb = commit_cb, .opaque = x};
        err = kc_net_send(co->net, &req);
        if (!err)
            return;
    }
    if (err)
        for (int i = 0; i < x->tpl->count; i++)
            x->tpl->elems[i].err = (kafkac_err_t)err;
    finish_async(co, x, err);
}

kafkac_err_t kc_coordinator_commit_async(kc_coordinator_t *co, const kafkac_topic_partition_list_t *offsets,
                                         kafkac_commit_cb cb, void *opaque)
{
    kafkac_topic_partition_list_t *tpl = NULL;
    kafkac_err_t err = offsets ? 0 : kc_consumer_commit_offsets(co->c, &tpl);
    if (err)
        return err;
    if (offsets && !(tpl = kafkac_tpl_copy(offsets)))
        return KAFKAC_ERR_NO_MEMORY;
    if (!tpl && !(tpl = kafkac_tpl_new(0)))
        return KAFKAC_ERR_NO_MEMORY;
    commit_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x) {
        kafkac_tpl_destroy(tpl);
        return KAFKAC_ERR_NO_MEMORY;
    }
    x->co = co;
    x->tpl = tpl;
    x->cb = cb;
    x->opaque = opaque;
    pthread_mutex_lock(&co->lock);
    co->commits_inflight++;
    co->want_coord = 1;
    int32_t node = co->coord_id;
    if (node < 0) {
        /* As Java does, hold it until the coordinator is known (the
         * service sends it then); close fails what is still queued. */
        x->next = co->async_head;
        co->async_head = x;
        x->queued_at = kc_now_ms();
    }
    pthread_mutex_unlock(&co->lock);
    kc_net_wakeup(co->net);
    if (node >= 0)
        commit_send(co, x);
    return 0;
}

void kc_co_commit_drain(kc_coordinator_t *co, int64_t deadline_ms)
{
    pthread_mutex_lock(&co->lock);
    while ((co->commits_inflight > 0 || co->autocommit_inflight) && kc_now_ms() < deadline_ms)
        cond_wait_until(co, deadline_ms);
    pthread_mutex_unlock(&co->lock);
}

/* ------------------------------------------------------------------ */
/* OffsetFetch                                                         */

typedef struct fetch_ctx {
    kc_coordinator_t *co;
    kc_offset_fetch_request_t msg;
    kc_arena_t arena;
    kafkac_topic_partition_list_t *tpl;
} fetch_ctx_t;

static void fetch_ctx_free(fetch_ctx_t *x)
{
    if (!x)
        return;
    kc_arena_destroy(&x->arena);
    kafkac_tpl_destroy(x->tpl);
    kc_free(x);
}

static void fetch_ctx_free_v(void *x)
{
    fetch_ctx_free(x);
}

/* OffsetFetch up to v7 (one group per request; v8+ batches groups). */
static int fetch_build(kc_coordinator_t *co, fetch_ctx_t *x)
{
    kc_arena_init(&x->arena, 1024);
    kc_msg_init(&kc_schema_offset_fetch_request, &x->msg);
    x->msg.group_id = co->s->group_id;
    /* KIP-447: wait for pending transactional offsets to settle. */
    x->msg.require_stable = true;
    const kafkac_topic_partition_list_t *l = x->tpl;
    int n = l->count;
    if (n == 0) {
        x->msg.topics_count = 0;
        return 0;
    }
    kc_offset_fetch_request_offset_fetch_request_topic_t *t = kc_arena_alloc(&x->arena, (size_t)n * sizeof(*t));
    int32_t *p = kc_arena_alloc(&x->arena, (size_t)n * sizeof(int32_t));
    if (!t || !p)
        return -1;
    int nt = 0, np = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < nt && strcmp(t[k].name, l->elems[i].topic) != 0)
            k++;
        if (k == nt) {
            kc_msg_init(&kc_schema_offset_fetch_request_offset_fetch_request_topic, &t[nt]);
            t[nt].name = l->elems[i].topic;
            t[nt].partition_indexes_count = 0;
            nt++;
        }
    }
    for (int k = 0; k < nt; k++) {
        t[k].partition_indexes = p + np;
        for (int i = 0; i < n; i++)
            if (strcmp(l->elems[i].topic, t[k].name) == 0) {
                p[np++] = l->elems[i].partition;
                t[k].partition_indexes_count++;
            }
    }
    x->msg.topics = t;
    x->msg.topics_count = nt;
    return nt;
}

/* Fills x->tpl from the answer; returns the first error. */
static int fetch_results(fetch_ctx_t *x, const kc_resp_t *resp)
{
    kafkac_topic_partition_list_t *l = x->tpl;
    int first = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    const kc_offset_fetch_response_t *r = first ? NULL : resp->msg;
    if (r && r->error_code)
        first = r->error_code;
    for (int i = 0; i < l->count; i++) {
        l->elems[i].err = (kafkac_err_t)first;
        l->elems[i].offset = KAFKAC_OFFSET_INVALID;
    }
    if (first)
        return first;
    for (int i = 0; i < r->topics_count; i++)
        for (int j = 0; j < r->topics[i].partitions_count; j++) {
            const kc_offset_fetch_response_offset_fetch_response_partition_t *p = &r->topics[i].partitions[j];
            kafkac_topic_partition_t *e = kafkac_tpl_find(l, r->topics[i].name, p->partition_index);
            if (!e)
                continue;
            e->err = (kafkac_err_t)p->error_code;
            if (p->error_code) {
                if (!first)
                    first = p->error_code;
                continue;
            }
            e->offset = p->committed_offset >= 0 ? p->committed_offset : KAFKAC_OFFSET_INVALID;
            e->leader_epoch = p->committed_leader_epoch;
            kafkac_tp_set_metadata(e, p->metadata && p->metadata[0] ? p->metadata : NULL);
        }
    return first;
}

/* RequireStable is v7+ (Kafka 2.5); older brokers have no pending
 * transactional offsets to wait for, so it is dropped, as Java does. */
static int fetch_version_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    (void)net;
    (void)opaque;
    if (version < 7)
        ((kc_offset_fetch_request_t *)msg)->require_stable = false;
    return 0;
}

static kc_req_t fetch_req(int32_t node, fetch_ctx_t *x)
{
    kc_req_t req = {.node_id = kc_co_node(node), .api_key = KC_API_OFFSET_FETCH,
                    .min_version = KC_OFFSET_FETCH_SINCE_KAFKA_STORAGE,
                    .max_version = KC_OFFSET_FETCH_SINCE_GROUP_BATCHES - 1,
                    .msg = &x->msg, .build = fetch_version_build, .opaque = x};
    return req;
}

kafkac_err_t kc_coordinator_committed(kc_coordinator_t *co, kafkac_topic_partition_list_t *partitions,
                                      int64_t deadline, char *errstr, size_t errstr_size)
{
    if (!partitions)
        return KAFKAC_ERR_INVALID_ARG;
    int err;
    for (;;) {
        int32_t node;
        err = kc_co_wait_coordinator(co, deadline, &node);
        if (err) {
            no_coordinator(co, "committed", errstr, errstr_size);
            return (kafkac_err_t)err;
        }
        fetch_ctx_t *x = kc_calloc(1, sizeof(*x));
        if (!x || !(x->tpl = kafkac_tpl_copy(partitions)) || fetch_build(co, x) < 0) {
            fetch_ctx_free(x);
            kc_errstr_set(errstr, errstr_size, "out of memory");
            return KAFKAC_ERR_NO_MEMORY;
        }
        kc_req_t req = fetch_req(node, x);
        int gave_up = 0;
        kc_resp_t *resp = kc_consumer_call(co->net, &req, deadline, fetch_ctx_free_v, x, &gave_up);
        if (gave_up) {
            err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
            for (int i = 0; i < partitions->count; i++)
                partitions->elems[i].err = (kafkac_err_t)err;
            kc_errstr_set(errstr, errstr_size, "committed: %s: %s", kafkac_err_str(err),
                          resp ? resp->errstr : "out of memory");
            kc_resp_free(resp);
            pthread_mutex_lock(&co->lock);
            commit_error_effects(co, err);
            pthread_mutex_unlock(&co->lock);
            break;
        }
        err = fetch_results(x, resp);
        if (!err || !is_retriable_commit(err) || kc_now_ms() + co->s->retry_backoff_ms >= deadline) {
            for (int i = 0; i < partitions->count; i++) {
                kafkac_topic_partition_t *d = &partitions->elems[i];
                const kafkac_topic_partition_t *e = kafkac_tpl_find(x->tpl, d->topic, d->partition);
                if (!e)
                    continue;
                d->offset = e->offset;
                d->leader_epoch = e->leader_epoch;
                d->err = e->err;
                kafkac_tp_set_metadata(d, e->metadata);
            }
            if (err)
                kc_errstr_set(errstr, errstr_size, "committed: %s%s%s", kafkac_err_str(err),
                              resp && resp->err ? ": " : "", resp && resp->err ? resp->errstr : "");
            kc_resp_free(resp);
            fetch_ctx_free(x);
            break;
        }
        kc_resp_free(resp);
        fetch_ctx_free(x);
        pthread_mutex_lock(&co->lock);
        commit_error_effects(co, err);
        pthread_mutex_unlock(&co->lock);
        sleep_ms(co->s->retry_backoff_ms);
    }
    return (kafkac_err_t)err;
}

/* The start positions of newly assigned partitions. */
static void fetch_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    fetch_ctx_t *x = opaque;
    kc_coordinator_t *co = x->co;
    int err = fetch_results(x, resp);
    if (err)
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: OffsetFetch: %s", co->s->group_id,
               kafkac_err_name(err));
    /* Partitions with an error stay waiting; the service asks again. */
    kc_consumer_set_committed(co->c, x->tpl);
    pthread_mutex_lock(&co->lock);
    co->fetch_committed_inflight = 0;
    if (err && kc_co_is_coord_error(err))
        kc_co_coordinator_dead(co, kafkac_err_name(err));
    pthread_mutex_unlock(&co->lock);
    kc_resp_free(resp);
    fetch_ctx_free(x);
}

int64_t kc_co_commit_serve(kc_coordinator_t *co, int64_t now)
{
    static const int64_t idle = 200;
    pthread_mutex_lock(&co->lock);
    int closed = co->closed;
    int auto_due = co->s->enable_auto_commit && !co->closing && !closed && now >= co->next_autocommit &&
                   !co->autocommit_inflight && co->coord_id >= 0 &&
                   (!co->subscribed || co->state == KC_CO_STABLE);
    int can_fetch = !closed && !co->fetch_committed_inflight;
    int32_t node = co->coord_id;
    /* Async commits queued while the coordinator was unknown: send them
     * now, or fail them after a request timeout (or at close). */
    commit_ctx_t *ready = NULL, *keep = NULL;
    while (co->async_head) {
        commit_ctx_t *x = co->async_head;
        co->async_head = x->next;
        int give_up = closed || co->closing || now - x->queued_at > co->s->request_timeout_ms;
        if (node >= 0 || give_up) {
            x->next = ready;
            ready = x;
        } else {
            x->next = keep;
            keep = x;
        }
    }
    co->async_head = keep;
    if (auto_due) {
        co->next_autocommit = now + co->s->auto_commit_interval_ms;
        co->autocommit_inflight = 1;
    }
    pthread_mutex_unlock(&co->lock);
    while (ready) {
        commit_ctx_t *x = ready;
        ready = x->next;
        commit_send(co, x);  /* fails it with COORDINATOR_NOT_AVAILABLE if still unknown */
    }
    if (closed)
        return INT64_MAX;

    if (auto_due) {
        kafkac_topic_partition_list_t *pos = NULL;
        commit_ctx_t *x = NULL;
        if (kc_consumer_commit_offsets(co->c, &pos) == 0 && pos && (x = kc_calloc(1, sizeof(*x)))) {
            x->co = co;
            x->tpl = pos;
            x->is_auto = 1;
            commit_send(co, x);  /* clears autocommit_inflight when done */
        } else {
            kafkac_tpl_destroy(pos);
            pthread_mutex_lock(&co->lock);
            co->autocommit_inflight = 0;
            pthread_mutex_unlock(&co->lock);
        }
    }

    if (can_fetch) {
        kafkac_topic_partition_list_t *wait = NULL;
        if (kc_consumer_awaiting_committed(co->c, &wait) == 0 && wait && wait->count > 0) {
            if (node < 0) {
                pthread_mutex_lock(&co->lock);
                co->want_coord = 1;
                pthread_mutex_unlock(&co->lock);
                kafkac_tpl_destroy(wait);
                wait = NULL;   /* freed once more after this block otherwise */
            } else {
                fetch_ctx_t *x = kc_calloc(1, sizeof(*x));
                if (x) {
                    x->co = co;
                    x->tpl = wait;
                    wait = NULL;
                }
                if (x && fetch_build(co, x) >= 0) {
                    kc_req_t req = fetch_req(node, x);
                    req.cb = fetch_cb;
                    pthread_mutex_lock(&co->lock);
                    co->fetch_committed_inflight = 1;
                    pthread_mutex_unlock(&co->lock);
                    if (kc_net_send(co->net, &req) != 0) {
                        pthread_mutex_lock(&co->lock);
                        co->fetch_committed_inflight = 0;
                        pthread_mutex_unlock(&co->lock);
                        fetch_ctx_free(x);
                    }
                } else {
                    fetch_ctx_free(x);
                }
            }
        }
        kafkac_tpl_destroy(wait);
    }
    return now + idle;
}

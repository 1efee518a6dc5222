/* The requests of the transactional calls' operations, run by the
 * transaction manager's service (txn.c) on the I/O thread: InitProducerId
 * (init_transactions, and the epoch bump after an abort that left
 * sequences unresolved), AddOffsetsToTxn then TxnOffsetCommit
 * (send_offsets_to_transaction), EndTxn (commit, abort).  Each answer
 * finishes the operation, moves it to its next step, or schedules a
 * retry, as the error classes in txn.c say. */
#include <stdio.h>
#include <string.h>
#include "common/mem.h"
#include "kc_messages.h"
#include "producer/txn_int.h"

/* One context type for the single-request steps of an operation. */
typedef struct op_ctx {
    kc_txn_t *t;
    int step_kind;               /* which request */
    unsigned seq;                /* the operation it was sent for (t->op.seq) */
    union {
        kc_init_producer_id_request_t pid;
        kc_add_offsets_to_txn_request_t addo;
        kc_end_txn_request_t end;
        kc_txn_offset_commit_request_t toc;
    } u;
    kc_txn_offset_commit_request_txn_offset_commit_request_topic_t *tops;
    kc_txn_offset_commit_request_txn_offset_commit_request_partition_t *parts;
} op_ctx_t;

enum { REQ_PID, REQ_ADDO, REQ_END, REQ_TOC };

static void op_ctx_free(op_ctx_t *x)
{
    if (!x)
        return;
    kc_free(x->tops);
    kc_free(x->parts);
    kc_free(x);
}

/* A new context for a request of the current operation. */
static op_ctx_t *op_ctx_new(kc_txn_t *t, int req)
{
    op_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->t = t;
    x->step_kind = req;
    pthread_mutex_lock(&t->mu);
    x->seq = t->op.seq;
    pthread_mutex_unlock(&t->mu);
    return x;
}

/* Where a request failed in a way that only needs a retry: back to the
 * step that sends it. */
static void op_retry(kc_txn_t *t, int step, int err)
{
    t->op.step = step;
    t->op.retry_at = kc_txn_backoff(t, err);
    pthread_mutex_lock(&t->mu);
    t->op.retry_err = err;
    pthread_mutex_unlock(&t->mu);
}

static int resp_error(kc_resp_t *resp, int req)
{
    if (kc_resp_err(resp))   /* resp may be NULL: net.h */
        return kc_resp_err(resp);
    switch (req) {
    case REQ_PID:
        return ((const kc_init_producer_id_response_t *)resp->msg)->error_code;
    case REQ_ADDO:
        return ((const kc_add_offsets_to_txn_response_t *)resp->msg)->error_code;
    case REQ_END:
        return ((const kc_end_txn_response_t *)resp->msg)->error_code;
    default: {
        const kc_txn_offset_commit_response_t *r = resp->msg;
        int first = 0;
        for (int i = 0; i < r->topics_count; i++)
            for (int j = 0; j < r->topics[i].partitions_count; j++) {
                int e = r->topics[i].partitions[j].error_code;
                /* A fencing or coordinator error outranks the others. */
                if (e && (kc_txn_fatal_error(e) || kc_txn_coordinator_moved(e)))
                    return e;
                if (e && !first)
                    first = e;
            }
        return first;
    }
    }
}

static void pid_done(kc_txn_t *t, const kc_init_producer_id_response_t *r)
{
    kc_producer_t *p = t->p;
    int bump = p->pid >= 0;
    p->pid = r->producer_id;
    p->epoch = r->producer_epoch;
    p->pid_state = KC_PID_READY;
    p->need_bump = 0;
    t->epoch_bump = 0;
    if (t->bump_only) {
        /* The abort that renewed the epoch sent no EndTxn. */
        t->bump_only = 0;
        kc_txn_clear_added(t);
    }
    kc_sender_reset_sequences(p);
    if (bump)
        atomic_fetch_add(&p->m_bumps, 1);
    kc_log(&p->s.log, KAFKAC_LOG_INFO, "txn", "transactional id %s: producer id %lld epoch %d", p->s.transactional_id,
           (long long)p->pid, p->epoch);
}

static void op_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    op_ctx_t *x = opaque;
    kc_txn_t *t = x->t;
    int req = x->step_kind;
    if (kc_resp_err(resp) == KAFKAC_ERR_DESTROYED) {
        kc_txn_closed(t);   /* the caller gets DESTROYED; the state stays */
        kc_resp_free(resp);
        op_ctx_free(x);
        return;
    }
    /* The operation already finished without this answer (close gave up
     * on it, and its caller may have moved on): nothing to do with it. */
    pthread_mutex_lock(&t->mu);
    int stale = t->op.done || t->op.kind == KC_TXN_OP_NONE || t->op.seq != x->seq;
    pthread_mutex_unlock(&t->mu);
    if (stale) {
        kc_resp_free(resp);
        op_ctx_free(x);
        return;
    }
    int err = resp_error(resp, req);
    int retry_step = (req == REQ_TOC || (req == REQ_PID && t->op.kind == KC_TXN_OP_ABORT)) ? KC_TXN_STEP_SECOND
                                                                                          : KC_TXN_STEP_START;
    char msg[256];
    if (err == 0) {
        switch (req) {
        case REQ_PID:
            pid_done(t, resp->msg);
            kc_txn_op_finish(t, 0, NULL, KC_TXN_READY);
            break;
        case REQ_ADDO:
            t->started = 1;
            t->op.step = KC_TXN_STEP_SECOND;
            t->op.retry_at = 0;
            break;
        case REQ_TOC:
            pthread_mutex_lock(&t->mu);
            kc_txn_state_t s = t->state;
            pthread_mutex_unlock(&t->mu);
            kc_txn_op_finish(t, 0, NULL, s);
            break;
        case REQ_END:
            kc_txn_clear_added(t);
            if (t->op.kind == KC_TXN_OP_COMMIT)
                t->epoch_bump = 0;   /* every record was acknowledged: no hole */
            if (t->op.kind == KC_TXN_OP_ABORT && t->epoch_bump) {
                t->op.step = KC_TXN_STEP_SECOND;
                t->op.retry_at = 0;
            } else {
                kc_txn_op_finish(t, 0, NULL, KC_TXN_READY);
            }
            break;
        }
    } else if (req == REQ_TOC && (kc_txn_coordinator_moved(err) || err == KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS)) {
        if (kc_txn_coordinator_moved(err))
            t->gcoord = -1;
        op_retry(t, retry_step, err);
    } else if (kc_txn_coordinator_moved(err)) {
        t->coord = -1;
        op_retry(t, retry_step, err);
    } else if (kc_txn_retry_later(err)) {
        op_retry(t, retry_step, err);
    } else if (kc_txn_fatal_error(err)) {
        static const char *const names[] = {"InitProducerId", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit"};
        snprintf(msg, sizeof msg, "%s refused", names[req]);
        kc_txn_finish_fatal(t, err, msg);
    } else if (req == REQ_PID || req == REQ_END) {
        /* Nothing sensible is left to try for these. */
        snprintf(msg, sizeof msg, "%s failed", req == REQ_PID ? "InitProducerId" : "EndTxn");
        kc_txn_finish_fatal(t, err, msg);
    } else {
        snprintf(msg, sizeof msg, "%s failed%s", req == REQ_ADDO ? "AddOffsetsToTxn" : "TxnOffsetCommit",
                 (err == KAFKAC_ERR_ILLEGAL_GENERATION || err == KAFKAC_ERR_UNKNOWN_MEMBER_ID ||
                  err == KAFKAC_ERR_FENCED_INSTANCE_ID)
                     ? ": the consumer is no longer a member of this generation of the group"
                     : "");
        kc_txn_finish_abortable(t, err, msg);
    }
    if (err && !kc_txn_fatal_error(err))
        kc_log(&t->p->s.log, KAFKAC_LOG_DEBUG, "txn", "request %d: %s (%s)", req, kafkac_err_name(err),
               resp ? resp->errstr : "out of memory for the response");
    kc_resp_free(resp);
    op_ctx_free(x);
    kc_net_wakeup(net);
}

static int pid_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_init_producer_id_request_t *rq = msg;
    if (version < 3) {
        rq->producer_id = -1;
        rq->producer_epoch = -1;
    }
    return 0;
}

static int send_op(kc_txn_t *t, op_ctx_t *x, int32_t node, int16_t api, int16_t maxv, kc_build_cb build)
{
    kc_req_t rq = {.node_id = node, .api_key = api, .min_version = 0, .max_version = maxv, .msg = &x->u,
                   .timeout_ms = kc_txn_coord_timeout(t->p), .build = build, .cb = op_cb, .opaque = x};
    if (kc_net_send(t->p->net, &rq) != 0) {
        op_ctx_free(x);
        t->op.retry_at = kc_txn_backoff(t, 0);
        return -1;
    }
    return 0;
}

static void send_pid(kc_txn_t *t, int step_after)
{
    kc_producer_t *p = t->p;
    op_ctx_t *x = op_ctx_new(t, REQ_PID);
    if (!x)
        return;
    kc_msg_init(&kc_schema_init_producer_id_request, &x->u.pid);
    x->u.pid.transactional_id = p->s.transactional_id;
    x->u.pid.transaction_timeout_ms = (int32_t)p->s.transaction_timeout_ms;
    /* With the current id and epoch (v3+, KIP-360) the coordinator bumps
     * our own epoch instead of treating us as a new instance. */
    x->u.pid.producer_id = p->pid;
    x->u.pid.producer_epoch = p->pid >= 0 ? p->epoch : -1;
    if (send_op(t, x, t->coord, KC_API_INIT_PRODUCER_ID, -1, pid_build) == 0)
        t->op.step = step_after;
}

static void send_addo(kc_txn_t *t)
{
    kc_producer_t *p = t->p;
    op_ctx_t *x = op_ctx_new(t, REQ_ADDO);
    if (!x)
        return;
    kc_msg_init(&kc_schema_add_offsets_to_txn_request, &x->u.addo);
    x->u.addo.transactional_id = p->s.transactional_id;
    x->u.addo.producer_id = p->pid;
    x->u.addo.producer_epoch = p->epoch;
    x->u.addo.group_id = t->op.group_id;
    t->gcoord = -1;   /* the group may differ from the last call's: look it up after this */
    if (send_op(t, x, t->coord, KC_API_ADD_OFFSETS_TO_TXN, -1, NULL) == 0)
        t->op.step = KC_TXN_STEP_WAIT;
}

static void send_toc(kc_txn_t *t)
{
    kc_producer_t *p = t->p;
    const kafkac_topic_partition_list_t *l = t->op.offsets;
    op_ctx_t *x = op_ctx_new(t, REQ_TOC);
    if (!x)
        return;
    int n = l->count;
    x->tops = kc_calloc((size_t)(n ? n : 1), sizeof(*x->tops));
    x->parts = kc_calloc((size_t)(n ? n : 1), sizeof(*x->parts));
    if (!x->tops || !x->parts) {
        op_ctx_free(x);
        return;
    }
    /* The list is sorted by topic (txn_api.c copies and sorts it), so
     * each topic's partitions are adjacent. */
    int ntop = 0;
    for (int i = 0; i < n; i++) {
        const kafkac_topic_partition_t *e = &l->elems[i];
        if (ntop == 0 || strcmp(x->tops[ntop - 1].name, e->topic) != 0) {
            x->tops[ntop].name = e->topic;
            x->tops[ntop].partitions = &x->parts[i];
            ntop++;
        }
        x->parts[i].partition_index = e->partition;
        x->parts[i].committed_offset = e->offset;
        x->parts[i].committed_leader_epoch = e->leader_epoch;
        x->parts[i].committed_metadata = e->metadata ? e->metadata : "";
        x->tops[ntop - 1].partitions_count++;
    }
    kc_msg_init(&kc_schema_txn_offset_commit_request, &x->u.toc);
    x->u.toc.transactional_id = p->s.transactional_id;
    x->u.toc.group_id = t->op.group_id;
    x->u.toc.producer_id = p->pid;
    x->u.toc.producer_epoch = p->epoch;
    x->u.toc.generation_id = t->op.generation;
    x->u.toc.member_id = t->op.member_id ? t->op.member_id : "";
    x->u.toc.group_instance_id = t->op.instance_id;
    x->u.toc.topics = x->tops;
    x->u.toc.topics_count = ntop;
    if (send_op(t, x, t->gcoord, KC_API_TXN_OFFSET_COMMIT, KC_TXN_OFFSET_COMMIT_SINCE_TXN_V2 - 1, NULL) == 0)
        t->op.step = KC_TXN_STEP_SECOND_WAIT;
}

static void send_end(kc_txn_t *t, int commit)
{
    kc_producer_t *p = t->p;
    op_ctx_t *x = op_ctx_new(t, REQ_END);
    if (!x)
        return;
    kc_msg_init(&kc_schema_end_txn_request, &x->u.end);
    x->u.end.transactional_id = p->s.transactional_id;
    x->u.end.producer_id = p->pid;
    x->u.end.producer_epoch = p->epoch;
    x->u.end.committed = commit != 0;
    if (send_op(t, x, t->coord, KC_API_END_TXN, KC_END_TXN_SINCE_TXN_V2 - 1, NULL) == 0)
        t->op.step = KC_TXN_STEP_WAIT;
    kc_log(&p->s.log, KAFKAC_LOG_DEBUG, "txn", "EndTxn(%s)", commit ? "commit" : "abort");
}

/* Runs the current operation's next step if it can.  Returns when it
 * wants to run again (INT64_MAX: when woken). */
int64_t kc_txn_run_op(kc_txn_t *t, kc_txn_op_kind_t kind, int64_t now)
{
    kc_producer_t *p = t->p;
    int step = t->op.step;
    if (step == KC_TXN_STEP_WAIT || step == KC_TXN_STEP_SECOND_WAIT)
        return INT64_MAX;
    if (now < t->op.retry_at)
        return t->op.retry_at;
    int second = step == KC_TXN_STEP_SECOND;
    /* Group coordinator for TxnOffsetCommit; transaction coordinator
     * for everything else. */
    if (kind == KC_TXN_OP_OFFSETS && second) {
        if (t->gcoord < 0) {
            if (!t->gfind_inflight)
                kc_txn_send_find(t, t->op.group_id, 1);
            return INT64_MAX;
        }
        send_toc(t);
        return INT64_MAX;
    }
    int ending = kind == KC_TXN_OP_COMMIT || kind == KC_TXN_OP_ABORT;
    if (ending && !second) {
        /* EndTxn only once every Produce and AddPartitionsToTxn has its
         * answer: the coordinator must know every partition written. */
        if (p->total_inflight > 0 || t->addp_inflight)
            return INT64_MAX;
        if (kind == KC_TXN_OP_ABORT && t->bump_only) {
            /* An EndTxn with our epoch would only be refused. */
            t->op.step = KC_TXN_STEP_SECOND;
            step = KC_TXN_STEP_SECOND;
            second = 1;
        } else if (!t->started) {
            /* The coordinator never heard of this transaction. */
            if (kind == KC_TXN_OP_ABORT && t->epoch_bump) {
                t->op.step = KC_TXN_STEP_SECOND;
                step = KC_TXN_STEP_SECOND;
                second = 1;
            } else {
                kc_txn_clear_added(t);
                kc_txn_op_finish(t, 0, NULL, KC_TXN_READY);
                return INT64_MAX;
            }
        }
    }
    if (t->coord < 0)
        return INT64_MAX;   /* the service looks it up */
    switch (kind) {
    case KC_TXN_OP_INIT:
        send_pid(t, KC_TXN_STEP_WAIT);
        break;
    case KC_TXN_OP_OFFSETS:
        if (p->pid_state == KC_PID_READY)
            send_addo(t);
        break;
    case KC_TXN_OP_COMMIT:
        send_end(t, 1);
        break;
    case KC_TXN_OP_ABORT:
        if (second)
            send_pid(t, KC_TXN_STEP_SECOND_WAIT);
        else
            send_end(t, 0);
        break;
    default:
        break;
    }
    return INT64_MAX;
}

int kc_txn_op_needs_coord(kc_txn_t *t, kc_txn_op_kind_t kind)
{
    int s = t->op.step;
    switch (kind) {
    case KC_TXN_OP_INIT:
        return 1;
    case KC_TXN_OP_OFFSETS:
        return s == KC_TXN_STEP_START;
    case KC_TXN_OP_COMMIT:
        return t->started;
    case KC_TXN_OP_ABORT:
        return t->started || t->epoch_bump;
    default:
        return 0;
    }
}


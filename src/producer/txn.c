/* The transaction manager's I/O-thread side (the Java client's
 * TransactionManager, written for our sender).  A service on the network
 * client's loop:
 *   - finds the transaction coordinator for transactional.id
 *     (FindCoordinator, key type 1) whenever a request needs it, and the
 *     group coordinator (key type 0) for TxnOffsetCommit;
 *   - adds partitions to the transaction: the sender asks before_drain()
 *     before it drains a batch; a partition not yet in the transaction is
 *     held back and queued for one AddPartitionsToTxn request, and drains
 *     once the coordinator accepted it;
 *   - runs the operation an application call handed over (txn_api.c)
 *     with the requests in txn_ops.c: InitProducerId, AddOffsetsToTxn +
 *     TxnOffsetCommit, EndTxn, and the epoch bump after an abort whose
 *     sequences were left unresolved;
 *   - once the transaction is abortable or aborting, fails the batches
 *     that were never sent, as nothing may be written to it any more.
 *
 * Errors, as the Java client classifies them: coordinator moves
 * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, lost connections) look
 * the coordinator up again and retry; CONCURRENT_TRANSACTIONS (the
 * previous transaction's markers are still being written) and
 * COORDINATOR_LOAD_IN_PROGRESS retry after a backoff; fencing
 * (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH from the coordinator) and
 * authorization of the transactional id are fatal; what only spoils the
 * current transaction (a topic or group not authorized, a stale consumer
 * generation) makes it abortable.
 *
 * Versions: AddPartitionsToTxn stops at v3 (v4+ is for brokers), EndTxn
 * and TxnOffsetCommit at v4: their v5 belongs to transactions v2
 * (KIP-890 part 2), where the broker adds partitions itself and bumps the
 * epoch at every end.  We speak v1 of the transaction protocol. */
#include <stdio.h>
#include <string.h>
#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/find_coordinator.h"
#include "producer/txn_int.h"

/* kc_ppart_t.txn_added values */
enum { PART_NONE = 0, PART_PENDING = 1, PART_ADDED = 2 };

/* CONCURRENT_TRANSACTIONS clears as soon as the previous transaction's
 * markers are written, usually within a few ms: retry sooner than
 * retry.backoff.ms (the Java client uses 20 ms for the same reason). */
#define CONCURRENT_BACKOFF_MS 20

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int kc_txn_coordinator_moved(int err)
{
    return err == KAFKAC_ERR_NOT_COORDINATOR || err == KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE ||
           err == KAFKAC_ERR_TRANSPORT || err == KAFKAC_ERR_TIMED_OUT || err == KAFKAC_ERR_ALL_BROKERS_DOWN ||
           err == KAFKAC_ERR_RESOLVE || err == KAFKAC_ERR_REQUEST_TIMED_OUT ||
           err == KAFKAC_ERR_NETWORK_EXCEPTION;
}

int kc_txn_retry_later(int err)
{
    /* errors.c decides, for local errors too: KAFKAC_ERR_NO_MEMORY (no
     * memory for the response, so the outcome is unknown) is asked
     * again -- the coordinator recognises a repeated EndTxn or
     * AddPartitionsToTxn. */
    return err == KAFKAC_ERR_CONCURRENT_TRANSACTIONS || err == KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION || kafkac_err_retriable(err);
}

int kc_txn_fatal_error(int err)
{
    return err == KAFKAC_ERR_PRODUCER_FENCED || err == KAFKAC_ERR_INVALID_PRODUCER_EPOCH ||
           err == KAFKAC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED || err == KAFKAC_ERR_INVALID_TXN_STATE ||
           err == KAFKAC_ERR_INVALID_PRODUCER_ID_MAPPING || err == KAFKAC_ERR_UNKNOWN_PRODUCER_ID ||
           err == KAFKAC_ERR_INVALID_TRANSACTION_TIMEOUT || err == KAFKAC_ERR_UNSUPPORTED_VERSION ||
           err == KAFKAC_ERR_UNSUPPORTED_FEATURE || err == KAFKAC_ERR_CLUSTER_AUTHORIZATION_FAILED ||
           err == KAFKAC_ERR_TRANSACTION_COORDINATOR_FENCED;
}

int64_t kc_txn_backoff(kc_txn_t *t, int err)
{
    /* CONCURRENT_TRANSACTIONS clears within milliseconds (the previous
     * transaction's markers are being written): a short fixed wait, as in
     * the Java client.  Anything else backs off exponentially until an
     * operation completes. */
    if (err == KAFKAC_ERR_CONCURRENT_TRANSACTIONS && t->p->s.retry_backoff_ms > CONCURRENT_BACKOFF_MS)
        return kc_now_ms() + CONCURRENT_BACKOFF_MS;
    return kc_now_ms() + kc_sender_backoff(t->p, ++t->failures);
}

/* Timeout of a request to a coordinator.  The network client holds a
 * request for a broker it cannot connect to until the request's deadline,
 * so a coordinator that died would cost a whole request.timeout.ms per
 * request; these requests are answered quickly once connected, so bound
 * them by the connection setup time instead and retry (which looks the
 * coordinator up again).  Retrying any of them is safe: the coordinator
 * recognises a repeated EndTxn or AddPartitionsToTxn. */
int kc_txn_coord_timeout(const kc_producer_t *p)
{
    int64_t t = p->s.socket_connection_setup_timeout_ms;
    if (t <= 0 || t > p->s.request_timeout_ms)
        t = p->s.request_timeout_ms;
    return (int)t;
}

/* ---- state -------------------------------------------------------- */

void kc_txn_set_abortable(kc_txn_t *t, int err, const char *why)
{
    pthread_mutex_lock(&t->mu);
    if (t->state == KC_TXN_IN_TRANSACTION || t->state == KC_TXN_COMMITTING) {
        t->state = KC_TXN_ABORTABLE_ERROR;
        t->last_err = err;
        snprintf(t->last_errstr, sizeof t->last_errstr, "transaction must be aborted: %s", why);
        kc_log(&t->p->s.log, KAFKAC_LOG_WARNING, "txn", "%s", t->last_errstr);
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (t->p->net)
        kc_net_wakeup(t->p->net);
}

void kc_txn_set_fatal(kc_txn_t *t, int err, const char *why)
{
    /* The coordinator answers INVALID_PRODUCER_EPOCH to older clients
     * where it means PRODUCER_FENCED; report one name for one cause. */
    if (err == KAFKAC_ERR_INVALID_PRODUCER_EPOCH)
        err = KAFKAC_ERR_PRODUCER_FENCED;
    pthread_mutex_lock(&t->mu);
    if (t->state != KC_TXN_FATAL_ERROR) {
        int64_t open_ms = t->txn_start_ms > 0 ? kc_now_ms() - t->txn_start_ms : 0;
        int in_txn = t->state == KC_TXN_IN_TRANSACTION || t->state == KC_TXN_COMMITTING ||
                     t->state == KC_TXN_ABORTING || t->state == KC_TXN_ABORTABLE_ERROR;
        t->state = KC_TXN_FATAL_ERROR;
        t->last_err = err;
        if (err == KAFKAC_ERR_PRODUCER_FENCED && in_txn && open_ms >= t->p->s.transaction_timeout_ms)
            /* The coordinator fences the epoch itself when it aborts a
             * transaction that outlived its timeout: say so, since the
             * error alone cannot tell that from a second producer. */
            snprintf(t->last_errstr, sizeof t->last_errstr,
                     "%s: the transaction was open %lld ms, longer than transaction.timeout.ms (%lld): the "
                     "coordinator aborted it and fenced this producer; close the producer",
                     why, (long long)open_ms, (long long)t->p->s.transaction_timeout_ms);
        else
            snprintf(t->last_errstr, sizeof t->last_errstr, "%s: %s; the producer must be closed", why,
                     kafkac_err_name(err));
        kc_log(&t->p->s.log, KAFKAC_LOG_ERR, "txn", "%s", t->last_errstr);
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    int zero = 0;
    atomic_compare_exchange_strong(&t->p->fatal, &zero, err);
    if (t->p->net)
        kc_net_wakeup(t->p->net);
}

void kc_txn_op_clear(kc_txn_op_t *op)
{
    kc_free(op->group_id);
    kc_free(op->member_id);
    kc_free(op->instance_id);
    kafkac_tpl_destroy(op->offsets);
    op->group_id = op->member_id = op->instance_id = NULL;
    op->offsets = NULL;
}

void kc_txn_op_finish(kc_txn_t *t, int err, const char *errstr, kc_txn_state_t new_state)
{
    t->failures = 0;   /* I/O thread, or the closing thread once it is gone */
    pthread_mutex_lock(&t->mu);
    if (t->op.kind != KC_TXN_OP_NONE && !t->op.done) {
        t->op.done = 1;
        t->op.err = err;
        snprintf(t->op.errstr, sizeof t->op.errstr, "%s", errstr ? errstr : "");
        if (t->state != KC_TXN_FATAL_ERROR)
            t->state = new_state;
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static kc_txn_state_t state_of(kc_txn_t *t)
{
    pthread_mutex_lock(&t->mu);
    kc_txn_state_t s = t->state;
    pthread_mutex_unlock(&t->mu);
    return s;
}

/* Finishes the op with the fatal error just recorded. */
void kc_txn_finish_fatal(kc_txn_t *t, int err, const char *why)
{
    kc_txn_set_fatal(t, err, why);
    pthread_mutex_lock(&t->mu);
    int e = t->last_err;
    char msg[256];
    snprintf(msg, sizeof msg, "%s", t->last_errstr);
    pthread_mutex_unlock(&t->mu);
    kc_txn_op_finish(t, e, msg, KC_TXN_FATAL_ERROR);
}

void kc_txn_finish_abortable(kc_txn_t *t, int err, const char *why)
{
    kc_txn_set_abortable(t, err, why);
    char msg[256];
    snprintf(msg, sizeof msg, "%s (%s); abort the transaction", why, kafkac_err_name(err));
    pthread_mutex_lock(&t->mu);
    kc_txn_state_t s = t->state;
    pthread_mutex_unlock(&t->mu);
    kc_txn_op_finish(t, err, msg, s);
}

/* ---- hooks for the sender ----------------------------------------- */

static int push_part(kc_ppart_t ***arr, int *n, int *cap, kc_ppart_t *pp)
{
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 16;
        kc_ppart_t **a = kc_realloc(*arr, (size_t)c * sizeof(*a));
        if (!a)
            return -1;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = pp;
    return 0;
}

/* I/O thread, before a batch of pp is drained. */
static int hook_before_drain(void *opaque, kc_ppart_t *pp)
{
    kc_txn_t *t = opaque;
    if (pp->txn_added == PART_ADDED)
        return 0;
    if (pp->txn_added == PART_NONE) {
        kc_txn_state_t s = state_of(t);
        if ((s == KC_TXN_IN_TRANSACTION || s == KC_TXN_COMMITTING) &&
            push_part(&t->pending, &t->npending, &t->cap_pending, pp) == 0) {
            pp->txn_added = PART_PENDING;
            kc_net_wakeup(t->p->net);   /* our service sends the request this turn or the next */
        }
    }
    return 1;
}

/* Produce only inside a transaction: in any other state a batch still
 * queued belongs to a transaction that is over or can only abort. */
static int hook_may_send(void *opaque)
{
    kc_txn_state_t s = state_of(opaque);
    return s == KC_TXN_IN_TRANSACTION || s == KC_TXN_COMMITTING;
}

kafkac_err_t kc_txn_check_send(kc_txn_t *t)
{
    pthread_mutex_lock(&t->mu);
    kafkac_err_t e = KAFKAC_OK;
    if (t->state == KC_TXN_ABORTABLE_ERROR)
        e = (kafkac_err_t)t->last_err;
    else if (t->state == KC_TXN_FATAL_ERROR)
        e = KAFKAC_ERR_FATAL;
    else if (t->state != KC_TXN_IN_TRANSACTION)
        e = KAFKAC_ERR_STATE;
    pthread_mutex_unlock(&t->mu);
    return e;
}

void kc_txn_batch_failed(kc_txn_t *t, int err)
{
    if (!t)
        return;
    char why[128];
    snprintf(why, sizeof why, "a record of the transaction failed: %s", kafkac_err_name(err));
    kc_txn_set_abortable(t, err, why);
}

int kc_txn_produce_error(kc_producer_t *p, int err)
{
    if (!p->txn)
        return 0;
    if (err == KAFKAC_ERR_PRODUCER_FENCED || err == KAFKAC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
        kc_txn_set_fatal(p->txn, err, "a partition leader refused the producer");
        return 1;
    }
    if (err == KAFKAC_ERR_INVALID_PRODUCER_EPOCH) {
        /* A partition has a newer epoch of our id than we do.  As in the
         * Java client (KIP-588) this only makes the transaction abortable,
         * and abort asks the coordinator for a new epoch with the current
         * one instead of EndTxn: it grants it while that epoch is still
         * ours, and answers PRODUCER_FENCED (fatal) when another instance
         * or the expiry of transaction.timeout.ms fenced it. */
        p->txn->epoch_bump = 1;
        p->txn->bump_only = 1;
        return 1;
    }
    if (err == KAFKAC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER || err == KAFKAC_ERR_UNKNOWN_PRODUCER_ID) {
        /* The idempotent producer would renew its epoch and resend; inside
         * a transaction a new epoch ends the transaction, so the Java
         * client makes it abortable and renews the epoch at abort. */
        p->txn->epoch_bump = 1;
        return 1;
    }
    return 0;
}

/* Fails every batch not yet sent: the transaction can only abort. */
static void sweep_unsent(kc_txn_t *t, int err)
{
    kc_producer_t *p = t->p;
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    for (int ti = 0; ti < n; ti++) {
        kc_ptopic_t *tp = arr[ti];
        for (int32_t i = 0; i < tp->partition_count; i++) {
            kc_ppart_t *pp = tp->parts[i];
            pthread_mutex_lock(&pp->mu);
            kc_pbatch_t *list = pp->qhead, *o = pp->open;
            pp->qhead = pp->qtail = NULL;
            pp->open = NULL;
            pthread_mutex_unlock(&pp->mu);
            if (o) {
                o->next = list;
                list = o;
            }
            while (list) {
                kc_pbatch_t *nx = list->next;
                if (list->base_seq >= 0)
                    t->epoch_bump = 1;   /* a retried batch may or may not be written */
                list->next = NULL;
                kc_pbatch_complete(p, list, err, -1, -1);
                list = nx;
            }
        }
    }
}

static void clear_pending(kc_txn_t *t)
{
    for (int i = 0; i < t->npending; i++)
        if (t->pending[i]->txn_added == PART_PENDING)
            t->pending[i]->txn_added = PART_NONE;
    t->npending = 0;
}

void kc_txn_clear_added(kc_txn_t *t)
{
    for (int i = 0; i < t->nadded; i++)
        t->added[i]->txn_added = PART_NONE;
    t->nadded = 0;
    t->started = 0;
}

/* ---- FindCoordinator ---------------------------------------------- */

/* find_coordinator.c sends the request and reads the answer; the key
 * stays in t->p->s (transactional id) or the caller's group id, which
 * the callback gets back through this small context. */
typedef struct find_ctx {
    kc_txn_t *t;
    int group;                    /* 1: group coordinator */
    char key[];
} find_ctx_t;

static void find_cb(kc_net_t *net, int err, int32_t node, const char *msg, void *opaque)
{
    find_ctx_t *x = opaque;
    kc_txn_t *t = x->t;
    int group = x->group;
    if (err == KAFKAC_ERR_DESTROYED) {
        kc_free(x);
        return;
    }
    if (group)
        t->gfind_inflight = 0;
    else
        t->find_inflight = 0;
    if (!err && node >= 0) {
        if (group)
            t->gcoord = node;
        else
            t->coord = node;
        kc_log(&t->p->s.log, KAFKAC_LOG_DEBUG, "txn", "%s coordinator for %s is broker %d",
               group ? "group" : "transaction", x->key, node);
    } else {
        kc_log(&t->p->s.log, KAFKAC_LOG_DEBUG, "txn", "FindCoordinator for %s: %s%s%s", x->key,
               kafkac_err_name(err ? err : KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE), msg ? ": " : "", msg ? msg : "");
        t->find_after = kc_txn_backoff(t, err);
        if (err == KAFKAC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
            kc_txn_finish_fatal(t, err, "FindCoordinator for the transactional id");
        else if (err == KAFKAC_ERR_GROUP_AUTHORIZATION_FAILED || err == KAFKAC_ERR_INVALID_GROUP_ID)
            kc_txn_finish_abortable(t, err, "FindCoordinator for the consumer group failed");
    }
    kc_free(x);
    kc_net_wakeup(net);
}

void kc_txn_send_find(kc_txn_t *t, const char *key, int group)
{
    size_t kl = strlen(key);
    find_ctx_t *x = kc_calloc(1, sizeof(*x) + kl + 1);
    if (!x)
        return;
    x->t = t;
    x->group = group;
    memcpy(x->key, key, kl + 1);
    if (kc_find_coordinator_send(t->p->net, group ? KC_COORD_GROUP : KC_COORD_TRANSACTION, key, 0, find_cb, x) !=
        0) {
        kc_free(x);
        t->find_after = kc_txn_backoff(t, 0);
        return;
    }
    if (group)
        t->gfind_inflight = 1;
    else
        t->find_inflight = 1;
}

/* ---- AddPartitionsToTxn ------------------------------------------- */

typedef struct addp_ctx {
    kc_txn_t *t;
    int n;
    kc_ppart_t **parts;
    kc_add_partitions_to_txn_request_t msg;
} addp_ctx_t;

static void addp_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    addp_ctx_t *x = opaque;
    kc_txn_t *t = x->t;
    kc_producer_t *p = t->p;
    int rerr = kc_resp_err(resp);   /* resp may be NULL: net.h */
    if (rerr == KAFKAC_ERR_DESTROYED) {
        kc_resp_free(resp);
        kc_free(x);
        return;
    }
    t->addp_inflight = 0;
    const kc_add_partitions_to_txn_response_t *r = rerr ? NULL : resp->msg;
    int retry_err = 0, fatal = 0, abortable = 0;
    for (int i = 0; i < x->n; i++) {
        kc_ppart_t *pp = x->parts[i];
        int err = rerr ? rerr : KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION; /* unanswered: try again */
        for (int a = 0; r && a < r->results_by_topic_v3_and_below_count; a++) {
            const kc_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t *tr =
                &r->results_by_topic_v3_and_below[a];
            if (!tr->name || strcmp(tr->name, pp->topic->name) != 0)
                continue;
            for (int b = 0; b < tr->results_by_partition_count; b++)
                if (tr->results_by_partition[b].partition_index == pp->id)
                    err = tr->results_by_partition[b].partition_error_code;
        }
        if (err == 0) {
            if (push_part(&t->added, &t->nadded, &t->cap_added, pp) == 0) {
                pp->txn_added = PART_ADDED;
                t->started = 1;
                continue;
            }
            err = KAFKAC_ERR_NO_MEMORY;
        }
        if (kc_txn_fatal_error(err)) {
            fatal = err;
        } else if (kc_txn_coordinator_moved(err) || kc_txn_retry_later(err) || err == KAFKAC_ERR_OPERATION_NOT_ATTEMPTED) {
            if (kc_txn_coordinator_moved(err))
                t->coord = -1;
            if (!retry_err || err == KAFKAC_ERR_CONCURRENT_TRANSACTIONS)
                retry_err = err;
        } else {
            abortable = err;
        }
        /* Back to pending (the sweep drops it if the transaction ends). */
        if (push_part(&t->pending, &t->npending, &t->cap_pending, pp) != 0)
            pp->txn_added = PART_NONE;
        else
            pp->txn_added = PART_PENDING;
    }
    if (retry_err) {
        t->addp_after = kc_txn_backoff(t, retry_err);
        kc_log(&p->s.log, KAFKAC_LOG_DEBUG, "txn", "AddPartitionsToTxn: %s, retrying", kafkac_err_name(retry_err));
    }
    if (fatal)
        kc_txn_set_fatal(t, fatal, "AddPartitionsToTxn refused");
    else if (abortable) {
        char why[160];
        snprintf(why, sizeof why, "AddPartitionsToTxn failed: %s", kafkac_err_name(abortable));
        kc_txn_set_abortable(t, abortable, why);
    }
    kc_resp_free(resp);
    kc_free(x);
    kc_net_wakeup(net);
}

static void send_addp(kc_txn_t *t)
{
    kc_producer_t *p = t->p;
    int n = t->npending;
    /* One allocation: the context, the partitions, up to n topics and n
     * partition ids (grouped by topic below). */
    size_t sz = sizeof(addp_ctx_t) + (size_t)n * (sizeof(kc_ppart_t *) +
                                                  sizeof(kc_add_partitions_to_txn_request_add_partitions_to_txn_topic_t) +
                                                  sizeof(int32_t));
    addp_ctx_t *x = kc_calloc(1, sz);
    if (!x) {
        t->addp_after = kc_txn_backoff(t, 0);
        return;
    }
    x->t = t;
    x->parts = (kc_ppart_t **)(x + 1);
    kc_add_partitions_to_txn_request_add_partitions_to_txn_topic_t *tops = (void *)(x->parts + n);
    int32_t *ids = (int32_t *)(tops + n);
    /* Group by topic: count each topic's partitions, then place them. */
    int ntop = 0;
    for (int i = 0; i < n; i++) {
        kc_ptopic_t *tp = t->pending[i]->topic;
        int k = 0;
        while (k < ntop && tops[k].name != tp->name)
            k++;
        if (k == ntop) {
            tops[ntop].name = tp->name;
            tops[ntop].partitions_count = 0;
            ntop++;
        }
        tops[k].partitions_count++;
    }
    int off = 0;
    for (int k = 0; k < ntop; k++) {
        tops[k].partitions = ids + off;
        off += tops[k].partitions_count;
        tops[k].partitions_count = 0;
    }
    for (int i = 0; i < n; i++) {
        kc_ppart_t *pp = t->pending[i];
        int k = 0;
        while (tops[k].name != pp->topic->name)
            k++;
        tops[k].partitions[tops[k].partitions_count++] = pp->id;
        x->parts[i] = pp;
    }
    x->n = n;
    kc_msg_init(&kc_schema_add_partitions_to_txn_request, &x->msg);
    x->msg.v3_and_below_transactional_id = p->s.transactional_id;
    x->msg.v3_and_below_producer_id = p->pid;
    x->msg.v3_and_below_producer_epoch = p->epoch;
    x->msg.v3_and_below_topics = tops;
    x->msg.v3_and_below_topics_count = ntop;
    kc_req_t rq = {.node_id = t->coord, .api_key = KC_API_ADD_PARTITIONS_TO_TXN, .min_version = 0,
                   .max_version = KC_ADD_PARTITIONS_TO_TXN_SINCE_BROKER_BATCHES - 1, .timeout_ms = kc_txn_coord_timeout(p), .msg = &x->msg, .cb = addp_cb, .opaque = x};
    if (kc_net_send(p->net, &rq) != 0) {
        kc_free(x);
        t->addp_after = kc_txn_backoff(t, 0);
        return;
    }
    t->npending = 0;
    t->addp_inflight = 1;
    kc_log(&p->s.log, KAFKAC_LOG_DEBUG, "txn", "AddPartitionsToTxn: %d partitions", n);
}

static int64_t txn_serve(kc_net_t *net, int64_t now, void *opaque)
{
    kc_txn_t *t = opaque;
    kc_producer_t *p = t->p;
    int64_t next = INT64_MAX;
    pthread_mutex_lock(&t->mu);
    kc_txn_state_t st = t->state;
    kc_txn_op_kind_t kind = t->op.done ? KC_TXN_OP_NONE : t->op.kind;
    int last_err = t->last_err;
    pthread_mutex_unlock(&t->mu);

    int fatal = atomic_load(&p->fatal);
    if (fatal && st != KC_TXN_FATAL_ERROR) {
        kc_txn_set_fatal(t, fatal, "the producer hit a fatal error");
        st = KC_TXN_FATAL_ERROR;
    }
    if (st == KC_TXN_FATAL_ERROR) {
        if (kind != KC_TXN_OP_NONE)
            kc_txn_finish_fatal(t, fatal, "the producer hit a fatal error");
        clear_pending(t);
        return INT64_MAX;
    }
    /* A caller still waiting when the producer closes would wait for
     * nothing: the requests it needs are about to be cancelled. */
    if (kind != KC_TXN_OP_NONE && atomic_load(&p->closing)) {
        kc_txn_op_finish(t, KAFKAC_ERR_DESTROYED, "the producer is closing", st);
        kind = KC_TXN_OP_NONE;
    }
    /* The sender asks for a new epoch when sequences may have a hole (a
     * batch failed or was split after being numbered).  Inside a
     * transaction only an abort may renew it: a failed batch already made
     * the transaction abortable, and a split keeps its sequence range. */
    if (p->need_bump) {
        t->epoch_bump = 1;
        p->need_bump = 0;
    }
    /* Not in READY: a begin and a send may have happened since `st` was
     * read, and those records are the new transaction's. */
    if (st == KC_TXN_ABORTABLE_ERROR || st == KC_TXN_ABORTING)
        sweep_unsent(t, st == KC_TXN_ABORTABLE_ERROR ? last_err : KAFKAC_ERR_PURGED);
    if (st != KC_TXN_IN_TRANSACTION && st != KC_TXN_COMMITTING)
        clear_pending(t);

    int need_coord = t->npending > 0 || (kind != KC_TXN_OP_NONE && kc_txn_op_needs_coord(t, kind));
    if (need_coord && t->coord < 0 && !t->find_inflight) {
        if (now >= t->find_after)
            kc_txn_send_find(t, p->s.transactional_id, 0);
        else
            next = min64(next, t->find_after);
    }
    if (t->npending > 0 && !t->addp_inflight && t->coord >= 0 && p->pid_state == KC_PID_READY) {
        if (now >= t->addp_after)
            send_addp(t);
        else
            next = min64(next, t->addp_after);
    }
    if (kind != KC_TXN_OP_NONE)
        next = min64(next, kc_txn_run_op(t, kind, now));
    return next;
}

/* ---- life --------------------------------------------------------- */

void kc_txn_wake(kc_txn_t *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void kc_txn_closed(kc_txn_t *t)
{
    if (t)
        kc_txn_op_finish(t, KAFKAC_ERR_DESTROYED, "the producer was closed", state_of(t));
}

kafkac_err_t kc_txn_new(kc_producer_t *p)
{
    kc_txn_t *t = kc_calloc(1, sizeof(*t));
    if (!t)
        return KAFKAC_ERR_NO_MEMORY;
    t->p = p;
    t->coord = -1;
    t->gcoord = -1;
    t->state = KC_TXN_UNINITIALIZED;
    pthread_mutex_init(&t->mu, NULL);
    kc_cond_init(&t->cv);
    /* Before any service that reads them is registered (registering
     * publishes them to the I/O thread). */
    p->txn_hooks.before_drain = hook_before_drain;
    p->txn_hooks.may_send = hook_may_send;
    p->txn_hooks.opaque = t;
    p->txn = t;
    if (kc_net_add_service(p->net, txn_serve, t) != 0) {
        memset(&p->txn_hooks, 0, sizeof p->txn_hooks);
        p->txn = NULL;
        kc_txn_destroy(t);
        return KAFKAC_ERR_NO_MEMORY;
    }
    return KAFKAC_OK;
}

void kc_txn_destroy(kc_txn_t *t)
{
    if (!t)
        return;
    kc_txn_op_clear(&t->op);
    kc_free(t->pending);
    kc_free(t->added);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    kc_free(t);
}

/* The public transactional calls (include/kafkac/producer.h): each checks
 * the state, hands the I/O thread an operation (txn.c) and waits for it
 * on the calling thread, never longer than its timeout.  A call that
 * timed out leaves its operation running; making the same call again
 * waits for that one instead of starting another, and any other
 * transactional call is refused until then (as in the Java client). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common/mem.h"
#include "common/errstr.h"
#include "producer/txn_int.h"

static const char *op_name(kc_txn_op_kind_t k)
{
    switch (k) {
    case KC_TXN_OP_INIT:
        return "init_transactions";
    case KC_TXN_OP_OFFSETS:
        return "send_offsets_to_transaction";
    case KC_TXN_OP_COMMIT:
        return "commit_transaction";
    case KC_TXN_OP_ABORT:
        return "abort_transaction";
    default:
        return "?";
    }
}

static kafkac_err_t txn_of(kafkac_producer_t *kp, kc_txn_t **out, char *errstr, size_t n)
{
    kc_producer_t *p = kc_producer_inner(kp);
    *out = NULL;
    if (!p)
        return KAFKAC_ERR_INVALID_ARG;
    if (!p->txn) {
        kc_errstr_set(errstr, n, "'transactional.id' is not set: this producer is not transactional");
        return KAFKAC_ERR_STATE;
    }
    if (atomic_load(&p->net_gone) || atomic_load(&p->closing)) {
        kc_errstr_set(errstr, n, "the producer is closed");
        return KAFKAC_ERR_DESTROYED;
    }
    *out = p->txn;
    return KAFKAC_OK;
}

/* With mu held: the error that broke the transaction (abortable) or the
 * producer (fatal), with its message. */
static kafkac_err_t last_error(const kc_txn_t *t, char *errstr, size_t n)
{
    kc_errstr_set(errstr, n, "%s", t->last_errstr);
    return (kafkac_err_t)t->last_err;
}

/* With mu held: the error when an earlier call of another kind timed out
 * and is still under way, or the producer is fatally broken; else
 * KAFKAC_OK (the caller checks the states its call needs). */
static kafkac_err_t refuse(kc_txn_t *t, kc_txn_op_kind_t kind, char *errstr, size_t n)
{
    if (t->op.kind != KC_TXN_OP_NONE && t->op.kind != kind) {
        kc_errstr_set(errstr, n, "a previous %s timed out and is still under way: call it again first",
                      op_name(t->op.kind));
        return KAFKAC_ERR_STATE;
    }
    if (t->state == KC_TXN_FATAL_ERROR)
        return last_error(t, errstr, n);
    return KAFKAC_OK;
}

/* How every transactional call starts: the producer's transaction, its
 * lock, and the refusals every call shares.  On KAFKAC_OK *out is set and
 * t->mu is held (the caller unlocks); on an error nothing is held. */
static kafkac_err_t enter(kafkac_producer_t *kp, kc_txn_op_kind_t kind, kc_txn_t **out, char *errstr, size_t n)
{
    kafkac_err_t err = txn_of(kp, out, errstr, n);
    if (err)
        return err;
    pthread_mutex_lock(&(*out)->mu);
    err = refuse(*out, kind, errstr, n);
    if (err) {
        pthread_mutex_unlock(&(*out)->mu);
        *out = NULL;
    }
    return err;
}

static void start_op(kc_txn_t *t, kc_txn_op_kind_t kind)
{
    t->op.kind = kind;
    t->op.seq++;
    t->op.done = 0;
    t->op.err = 0;
    t->op.errstr[0] = '\0';
    t->op.retry_err = 0;
    t->op.step = KC_TXN_STEP_START;
    t->op.retry_at = 0;
}

/* With mu held: waits for the operation until the deadline.  When it
 * finished, consumes it and returns its outcome. */
static kafkac_err_t wait_op(kc_txn_t *t, int64_t deadline, char *errstr, size_t n)
{
    kc_net_wakeup(t->p->net);
    while (!t->op.done) {
        if (atomic_load(&t->p->stopping)) {
            /* close is stopping the I/O thread: leave the operation to it. */
            kc_errstr_set(errstr, n, "the producer was closed while %s waited", op_name(t->op.kind));
            return KAFKAC_ERR_DESTROYED;
        }
        int64_t left = deadline - kc_now_ms();
        if (left <= 0) {
            /* A failure that keeps being retried is named, so that it
             * reaches the caller instead of looking like a slow broker. */
            kc_errstr_set(errstr, n, "%s timed out; it goes on in the background: call it again to wait for it%s%s",
                          op_name(t->op.kind), t->op.retry_err ? "; retrying after " : "",
                          t->op.retry_err ? kafkac_err_name(t->op.retry_err) : "");
            return KAFKAC_ERR_TIMED_OUT;
        }
        /* At most 200 ms: close sets stopping without signalling t->cv. */
        kc_cond_wait_until(&t->cv, &t->mu, kc_now_ms() + (left > 200 ? 200 : left));
    }
    kafkac_err_t err = (kafkac_err_t)t->op.err;
    if (err)
        kc_errstr_set(errstr, n, "%s", t->op.errstr[0] ? t->op.errstr : kafkac_err_str(err));
    else
        kc_errstr_set(errstr, n, "%s", "");
    kc_txn_op_clear(&t->op);
    t->op.kind = KC_TXN_OP_NONE;
    t->op.done = 0;
    return err;
}

static kafkac_err_t init_transactions_in(kafkac_producer_t *kp, int64_t deadline, char *errstr,
                                               size_t errstr_size)
{
    kc_txn_t *t;
    kafkac_err_t err = enter(kp, KC_TXN_OP_INIT, &t, errstr, errstr_size);
    if (err)
        return err;
    if (t->op.kind != KC_TXN_OP_INIT) {
        if (t->state != KC_TXN_UNINITIALIZED) {
            kc_errstr_set(errstr, errstr_size, "transactions are already initialized");
            err = KAFKAC_ERR_STATE;
            goto out;
        }
        t->state = KC_TXN_INITIALIZING;
        start_op(t, KC_TXN_OP_INIT);
    }
    err = wait_op(t, deadline, errstr, errstr_size);
out:
    pthread_mutex_unlock(&t->mu);
    return err;
}

static kafkac_err_t begin_transaction_in(kafkac_producer_t *kp, char *errstr, size_t errstr_size)
{
    kc_txn_t *t;
    kafkac_err_t err = enter(kp, KC_TXN_OP_NONE, &t, errstr, errstr_size);
    if (err)
        return err;
    switch (t->state) {
    case KC_TXN_READY:
        t->state = KC_TXN_IN_TRANSACTION;
        t->txn_start_ms = kc_now_ms();
        kc_errstr_set(errstr, errstr_size, "%s", "");
        break;
    case KC_TXN_UNINITIALIZED:
    case KC_TXN_INITIALIZING:
        kc_errstr_set(errstr, errstr_size, "call init_transactions first");
        err = KAFKAC_ERR_STATE;
        break;
    case KC_TXN_ABORTABLE_ERROR:
        kc_errstr_set(errstr, errstr_size, "the current transaction failed (%s): abort it first",
                      kafkac_err_name(t->last_err));
        err = KAFKAC_ERR_STATE;
        break;
    default:
        kc_errstr_set(errstr, errstr_size, "a transaction is already open: commit or abort it first");
        err = KAFKAC_ERR_STATE;
        break;
    }
    pthread_mutex_unlock(&t->mu);
    return err;
}

static kafkac_err_t send_offsets_to_transaction_in(kafkac_producer_t *kp,
                                                         const kafkac_topic_partition_list_t *offsets,
                                                         const kafkac_group_metadata_t *gm, int64_t deadline,
                                                         char *errstr, size_t errstr_size)
{
    kc_txn_t *t;
    if (!kp || !offsets || !gm)
        return KAFKAC_ERR_INVALID_ARG;
    for (int i = 0; i < offsets->count; i++)
        if (!offsets->elems[i].topic || offsets->elems[i].partition < 0 || offsets->elems[i].offset < 0) {
            kc_errstr_set(errstr, errstr_size, "offsets element %d: needs a topic, a partition and an offset >= 0", i);
            return KAFKAC_ERR_INVALID_ARG;
        }
    kafkac_err_t err = enter(kp, KC_TXN_OP_OFFSETS, &t, errstr, errstr_size);
    if (err)
        return err;
    if (t->op.kind != KC_TXN_OP_OFFSETS) {
        if (t->state == KC_TXN_ABORTABLE_ERROR) {
            err = last_error(t, errstr, errstr_size);
            goto out;
        }
        if (t->state != KC_TXN_IN_TRANSACTION) {
            kc_errstr_set(errstr, errstr_size, "no transaction is open: call begin_transaction first");
            err = KAFKAC_ERR_STATE;
            goto out;
        }
        if (offsets->count == 0) {
            kc_errstr_set(errstr, errstr_size, "%s", "");
            goto out;
        }
        /* The I/O thread reads these until the operation ends: copies,
         * sorted so that each topic's partitions are adjacent. */
        start_op(t, KC_TXN_OP_OFFSETS);
        t->op.offsets = kafkac_tpl_copy(offsets);
        t->op.group_id = kc_strdup(gm->group_id);
        t->op.member_id = kc_strdup(gm->member_id);
        t->op.instance_id = gm->instance_id ? kc_strdup(gm->instance_id) : NULL;
        t->op.generation = gm->generation;
        if (!t->op.offsets || !t->op.group_id || !t->op.member_id || (gm->instance_id && !t->op.instance_id)) {
            kc_txn_op_clear(&t->op);
            t->op.kind = KC_TXN_OP_NONE;
            err = KAFKAC_ERR_NO_MEMORY;
            goto out;
        }
        kafkac_tpl_sort(t->op.offsets);
    }
    err = wait_op(t, deadline, errstr, errstr_size);
out:
    pthread_mutex_unlock(&t->mu);
    return err;
}

static kafkac_err_t commit_transaction_in(kafkac_producer_t *kp, int64_t deadline, char *errstr,
                                                size_t errstr_size)
{
    kc_txn_t *t;
    kafkac_err_t err = enter(kp, KC_TXN_OP_COMMIT, &t, errstr, errstr_size);
    if (err)
        return err;
    if (t->op.kind == KC_TXN_OP_COMMIT)
        goto wait;
    if (t->state == KC_TXN_ABORTABLE_ERROR) {
        err = last_error(t, errstr, errstr_size);
        goto out;
    }
    if (t->state != KC_TXN_IN_TRANSACTION && t->state != KC_TXN_COMMITTING) {
        kc_errstr_set(errstr, errstr_size, "no transaction is open: call begin_transaction first");
        err = KAFKAC_ERR_STATE;
        goto out;
    }
    /* From here on sends are refused; what was sent goes out now. */
    t->state = KC_TXN_COMMITTING;
    pthread_mutex_unlock(&t->mu);
    err = kc_producer_flush_until(kp, deadline);
    pthread_mutex_lock(&t->mu);
    if (atomic_load(&t->p->stopping)) {
        kc_errstr_set(errstr, errstr_size, "the producer was closed while commit_transaction waited");
        err = KAFKAC_ERR_DESTROYED;
        goto out;
    }
    if (err == KAFKAC_ERR_TIMED_OUT) {
        kc_errstr_set(errstr, errstr_size,
                      "commit_transaction timed out waiting for the transaction's records; call it again (or abort)");
        goto out;
    }
    /* A record that failed made the transaction abortable meanwhile. */
    if ((err = refuse(t, KC_TXN_OP_COMMIT, errstr, errstr_size)) != KAFKAC_OK)
        goto out;
    if (t->state == KC_TXN_ABORTABLE_ERROR) {
        err = last_error(t, errstr, errstr_size);
        goto out;
    }
    start_op(t, KC_TXN_OP_COMMIT);
wait:
    err = wait_op(t, deadline, errstr, errstr_size);
    if (err == KAFKAC_OK)
        t->txn_start_ms = 0;
out:
    pthread_mutex_unlock(&t->mu);
    return err;
}

static kafkac_err_t abort_transaction_in(kafkac_producer_t *kp, int64_t deadline, char *errstr,
                                               size_t errstr_size)
{
    kc_txn_t *t;
    kafkac_err_t err = enter(kp, KC_TXN_OP_ABORT, &t, errstr, errstr_size);
    if (err)
        return err;
    if (t->op.kind != KC_TXN_OP_ABORT) {
        /* COMMITTING without an operation: the commit's flush timed out,
         * and giving up on those records is the caller's choice. */
        if (t->state != KC_TXN_IN_TRANSACTION && t->state != KC_TXN_ABORTABLE_ERROR &&
            t->state != KC_TXN_COMMITTING) {
            kc_errstr_set(errstr, errstr_size, "no transaction is open");
            err = KAFKAC_ERR_STATE;
            goto out;
        }
        t->state = KC_TXN_ABORTING;
        start_op(t, KC_TXN_OP_ABORT);
    }
    err = wait_op(t, deadline, errstr, errstr_size);
    if (err == KAFKAC_OK)
        t->txn_start_ms = 0;
out:
    pthread_mutex_unlock(&t->mu);
    return err;
}

int kafkac_producer_txn_fatal(kafkac_producer_t *kp)
{
    kc_producer_t *p = kc_producer_inner(kp);
    if (!p)
        return 0;
    if (atomic_load(&p->fatal))
        return 1;
    if (!p->txn)
        return 0;
    pthread_mutex_lock(&p->txn->mu);
    int f = p->txn->state == KC_TXN_FATAL_ERROR;
    pthread_mutex_unlock(&p->txn->mu);
    return f;
}

/* ---- the public calls: each holds the network client in use (see
 * kc_producer_use) for its whole duration, so close cannot free it under
 * them. */

/* The call's deadline from timeout_ms: KAFKAC_TIMEOUT_DEFAULT is
 * max.block.ms, as in the Java client. */
static kafkac_err_t deadline_of(kafkac_producer_t *kp, int timeout_ms, int64_t *deadline, char *errstr, size_t n)
{
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, kc_producer_inner(kp)->s.max_block_ms, deadline);
    if (err != KAFKAC_OK)
        kc_errstr_set(errstr, n, "timeout_ms %d: below KAFKAC_TIMEOUT_DEFAULT (-1)", timeout_ms);
    return err;
}

static int use(kafkac_producer_t *kp, char *errstr, size_t n)
{
    kc_producer_t *p = kc_producer_inner(kp);
    if (!p->txn)
        return 1;   /* refused with KAFKAC_ERR_STATE by the call itself */
    if (kc_producer_use(p))
        return 1;
    kc_errstr_set(errstr, n, "the producer is closed");
    return 0;
}

/* The five public calls, one path: argument and timeout checks, the
 * network client held in use, the call itself. */
typedef enum { CALL_INIT, CALL_BEGIN, CALL_SEND_OFFSETS, CALL_COMMIT, CALL_ABORT } txn_call_t;

static kafkac_err_t run(kafkac_producer_t *kp, txn_call_t call, int timeout_ms,
                        const kafkac_topic_partition_list_t *offsets, const kafkac_group_metadata_t *gm,
                        char *errstr, size_t n)
{
    if (!kp)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline = 0;
    if (call != CALL_BEGIN && deadline_of(kp, timeout_ms, &deadline, errstr, n) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    if (!use(kp, errstr, n))
        return KAFKAC_ERR_DESTROYED;
    kafkac_err_t err = KAFKAC_ERR_INVALID_ARG;
    switch (call) {
    case CALL_INIT:
        err = init_transactions_in(kp, deadline, errstr, n);
        break;
    case CALL_BEGIN:
        err = begin_transaction_in(kp, errstr, n);
        break;
    case CALL_SEND_OFFSETS:
        err = send_offsets_to_transaction_in(kp, offsets, gm, deadline, errstr, n);
        break;
    case CALL_COMMIT:
        err = commit_transaction_in(kp, deadline, errstr, n);
        break;
    case CALL_ABORT:
        err = abort_transaction_in(kp, deadline, errstr, n);
        break;
    }
    if (kc_producer_inner(kp)->txn)
        kc_producer_unuse(kc_producer_inner(kp));
    return err;
}

kafkac_err_t kafkac_producer_init_transactions(kafkac_producer_t *kp, int timeout_ms, char *errstr,
                                               size_t errstr_size)
{
    return run(kp, CALL_INIT, timeout_ms, NULL, NULL, errstr, errstr_size);
}

kafkac_err_t kafkac_producer_begin_transaction(kafkac_producer_t *kp, char *errstr, size_t errstr_size)
{
    return run(kp, CALL_BEGIN, 0, NULL, NULL, errstr, errstr_size);
}

kafkac_err_t kafkac_producer_send_offsets_to_transaction(kafkac_producer_t *kp,
                                                         const kafkac_topic_partition_list_t *offsets,
                                                         const kafkac_group_metadata_t *gm, int timeout_ms,
                                                         char *errstr, size_t errstr_size)
{
    return run(kp, CALL_SEND_OFFSETS, timeout_ms, offsets, gm, errstr, errstr_size);
}

kafkac_err_t kafkac_producer_commit_transaction(kafkac_producer_t *kp, int timeout_ms, char *errstr,
                                                size_t errstr_size)
{
    return run(kp, CALL_COMMIT, timeout_ms, NULL, NULL, errstr, errstr_size);
}

kafkac_err_t kafkac_producer_abort_transaction(kafkac_producer_t *kp, int timeout_ms, char *errstr,
                                               size_t errstr_size)
{
    return run(kp, CALL_ABORT, timeout_ms, NULL, NULL, errstr, errstr_size);
}

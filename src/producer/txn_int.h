/* The transaction manager's state, shared by txn.c (the I/O thread side:
 * coordinator lookups, AddPartitionsToTxn, the requests of each call)
 * and txn_api.c (the public calls, on application threads).
 *
 * An application call hands the I/O thread one operation (`op`) and
 * waits on `cv` for it to finish; only one operation exists at a time.
 * A call that times out leaves its operation running, and the same call
 * made again waits for it (the Java client's "retry the call" rule).
 *
 * Locks: `mu` guards the fields marked "mu".  It is never held while a
 * partition's mutex is taken or a batch is completed (completion calls
 * kc_txn_batch_failed, which takes it). */
#ifndef KC_TXN_INT_H
#define KC_TXN_INT_H

#include <pthread.h>
#include "common/tpl_int.h"
#include "producer/producer_int.h"
#include "protocol/group_member.h"

/* The Java client's states. */
typedef enum kc_txn_state {
    KC_TXN_UNINITIALIZED,
    KC_TXN_INITIALIZING,
    KC_TXN_READY,
    KC_TXN_IN_TRANSACTION,
    KC_TXN_COMMITTING,
    KC_TXN_ABORTING,
    KC_TXN_ABORTABLE_ERROR,
    KC_TXN_FATAL_ERROR,
} kc_txn_state_t;

typedef enum kc_txn_op_kind {
    KC_TXN_OP_NONE,
    KC_TXN_OP_INIT,          /* FindCoordinator + InitProducerId */
    KC_TXN_OP_OFFSETS,       /* AddOffsetsToTxn, then TxnOffsetCommit */
    KC_TXN_OP_COMMIT,        /* EndTxn(commit) once nothing is in flight */
    KC_TXN_OP_ABORT,         /* drop unsent batches, EndTxn(abort), epoch bump if needed */
} kc_txn_op_kind_t;

/* Steps of an operation on the I/O thread. */
enum {
    KC_TXN_STEP_START,       /* nothing sent yet */
    KC_TXN_STEP_WAIT,        /* a request is in flight */
    KC_TXN_STEP_SECOND,      /* OFFSETS: TxnOffsetCommit next; ABORT: epoch bump next */
    KC_TXN_STEP_SECOND_WAIT,
};

typedef struct kc_txn_op {
    kc_txn_op_kind_t kind;   /* mu; NONE when there is none */
    int done;                /* mu */
    unsigned seq;            /* mu: numbers operations, so that a late answer to a
                                finished one is recognised and dropped */
    int err;                 /* mu: outcome once done */
    char errstr[256];        /* mu */
    int retry_err;           /* mu: why the last attempt is being retried (0: none),
                                told to a caller whose timeout passes meanwhile */
    /* I/O thread */
    int step;
    int64_t retry_at;
    /* OFFSETS: owned copies */
    char *group_id, *member_id, *instance_id;
    int32_t generation;
    kafkac_topic_partition_list_t *offsets;
} kc_txn_op_t;

struct kc_txn {
    kc_producer_t *p;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    kc_txn_state_t state;          /* mu */
    int last_err;                  /* mu: why ABORTABLE_ERROR / FATAL_ERROR */
    char last_errstr[256];         /* mu */
    int64_t txn_start_ms;          /* mu: when begin was called */
    kc_txn_op_t op;

    /* I/O thread */
    int failures;                  /* retries since the last operation ended (kc_txn_backoff) */
    int32_t coord;                 /* transaction coordinator, -1 unknown */
    int find_inflight;
    int64_t find_after;
    int32_t gcoord;                /* the op's group coordinator, -1 unknown */
    int gfind_inflight;
    kc_ppart_t **pending;          /* partitions waiting for AddPartitionsToTxn */
    int npending, cap_pending;
    kc_ppart_t **added;            /* partitions in the coordinator's transaction */
    int nadded, cap_added;
    int addp_inflight;
    int64_t addp_after;
    int started;                   /* the coordinator knows of the transaction */
    int epoch_bump;                /* abort must renew the epoch (sequences unresolved) */
    int bump_only;                 /* abort renews the epoch instead of EndTxn: the coordinator
                                      already ended the transaction (KIP-588) */
};

/* Moves to ABORTABLE_ERROR (from IN_TRANSACTION or COMMITTING) or to
 * FATAL_ERROR (from any state; also sets the producer's fatal error),
 * keeping the first reason.  Takes mu. */
void kc_txn_set_abortable(kc_txn_t *t, int err, const char *why);
void kc_txn_set_fatal(kc_txn_t *t, int err, const char *why);
/* Finishes the current operation (mu not held) and wakes its caller. */
void kc_txn_op_finish(kc_txn_t *t, int err, const char *errstr, kc_txn_state_t new_state);
/* Frees the operation's owned copies (caller holds the op exclusively). */
void kc_txn_op_clear(kc_txn_op_t *op);

/* txn.c, for txn_ops.c (I/O thread unless said otherwise). */
/* Error classes: look the coordinator up again / retry after a backoff /
 * fatal for the producer.  Anything else spoils only the transaction. */
int kc_txn_coordinator_moved(int err);
int kc_txn_retry_later(int err);
int kc_txn_fatal_error(int err);
/* When to retry after err (monotonic ms). */
int64_t kc_txn_backoff(kc_txn_t *t, int err);
/* Timeout for requests to a coordinator. */
int kc_txn_coord_timeout(const kc_producer_t *p);
/* Record the error (fatal / abortable) and finish the operation with it. */
void kc_txn_finish_fatal(kc_txn_t *t, int err, const char *why);
void kc_txn_finish_abortable(kc_txn_t *t, int err, const char *why);
/* FindCoordinator for key (group: 1 for a consumer group, 0 for the
 * transactional id); the answer sets t->gcoord or t->coord. */
void kc_txn_send_find(kc_txn_t *t, const char *key, int group);
/* The transaction ended: no partition is in it any more. */
void kc_txn_clear_added(kc_txn_t *t);

/* txn_ops.c */
/* Runs the operation's next step if it can; returns when it wants to run
 * again (INT64_MAX: when woken). */
int64_t kc_txn_run_op(kc_txn_t *t, kc_txn_op_kind_t kind, int64_t now);
/* Does the operation's next step need the transaction coordinator? */
int kc_txn_op_needs_coord(kc_txn_t *t, kc_txn_op_kind_t kind);

#endif

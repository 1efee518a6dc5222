/* The producer's insides, shared by its files:
 *   partitioner.c  murmur2 (Java's) and the partition choice
 *   accumulator.c  topics, partitions, batches, buffer.memory, append
 *   sender.c       the service on the network client's I/O thread:
 *                  producer id, draining, Produce requests, retries
 *   producer.c     the public API (send, futures, poll, flush, close)
 *
 * Threads and locks:
 *   - Application threads append (accumulator.c) under one partition's
 *     `mu`.  They touch only `open` and the queue of that partition.
 *   - The I/O thread (sender.c and its response callbacks) owns every
 *     field marked "I/O thread"; it takes a partition's `mu` only to move
 *     batches between `open` and the queue.
 *   - A batch in the queue or in flight is never appended to again, so
 *     the I/O thread closes (compresses) it without any lock.
 *   - Counters read by other threads are atomics.
 *
 * For the transaction manager (built later on this sender): `txn_hooks`
 * lets it run before a partition's batch is drained (AddPartitionsToTxn)
 * and decide when the sender may send at all. */
#ifndef KC_PRODUCER_INT_H
#define KC_PRODUCER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "common/config.h"
#include "kafkac/producer.h"
#include "protocol/net.h"
#include "protocol/record_batch.h"

struct kafkac_delivery {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
    void *opaque;
    int err;
};

/* A thread blocked in kafkac_future_wait, on its own condition variable
 * (future.c), linked on the future it waits for. */
typedef struct kc_fwaiter {
    pthread_cond_t cv;        /* CLOCK_MONOTONIC */
    struct kc_fwaiter *next;
} kc_fwaiter_t;

struct kafkac_future {
    kafkac_delivery_t d;      /* written once, before done is set */
    atomic_int done;
    atomic_int refs;          /* the caller's and the producer's */
    atomic_int nwaiters;      /* threads on waiters: completion locks mu only when > 0 */
    pthread_mutex_t mu;       /* guards waiters */
    kc_fwaiter_t *waiters;
    int64_t default_wait_ms;  /* KAFKAC_TIMEOUT_DEFAULT: the producer's delivery.timeout.ms */
    char topic[];             /* d.topic points here: a future may outlive its producer */
};

/* Completes a future (I/O thread or closing thread) and drops the
 * producer's reference: kc_future_set then kc_future_notify.  The sender
 * sets every future of a batch before it notifies any, so a thread
 * waiting on several of them wakes once.  future.c. */
void kc_future_complete(kafkac_future_t *f, int err, int32_t partition, int64_t offset, int64_t timestamp);
void kc_future_set(kafkac_future_t *f, int err, int32_t partition, int64_t offset, int64_t timestamp);
void kc_future_notify(kafkac_future_t *f);   /* wakes f's waiters, drops the producer's reference */
kafkac_future_t *kc_future_new(const char *topic, void *opaque, int64_t default_wait_ms);
void kc_future_release(kafkac_future_t *f);
/* How many times a thread in kafkac_future_wait woke from its condition
 * variable, since the process started (bench_futures counts them). */
long kc_future_wakeups(void);

/* One record's bookkeeping inside a batch (the record itself is in the
 * batch writer's buffer). */
typedef struct kc_prec {
    void *opaque;
    kafkac_future_t *fut;     /* producer's reference, or NULL */
    int64_t timestamp;
} kc_prec_t;

typedef struct kc_ptopic kc_ptopic_t;
typedef struct kc_ppart kc_ppart_t;

typedef struct kc_pbatch {
    struct kc_pbatch *next;   /* queue / in-flight / delivery / pool link */
    kc_ppart_t *part;
    kc_rb_writer_t *w;        /* kept across reuse: no allocation per record */
    kc_prec_t *recs;
    int32_t recs_cap;
    int32_t count;
    int64_t charged;          /* its memory as buffer.memory counts it (queued while in use,
                               * pooled as a spare; 0 once retired) */
    int64_t created_ms;
    int64_t deadline_ms;      /* delivery.timeout.ms after the first record */
    int64_t retry_at_ms;      /* I/O thread: not before (retry backoff) */
    int attempts;             /* I/O thread: Produce requests that carried it */
    int32_t base_seq;         /* I/O thread: -1 until sequenced */
    int closed;               /* I/O thread: data/len valid */
    int after_split;          /* I/O thread: a half of a split batch: sent only when its partition
                               * has nothing in flight, so the halves keep their order */
    const uint8_t *data;
    size_t len;
    int last_err;             /* error of the last failed attempt, 0 if none */
    /* Outcome, set when completed. */
    int err;
    int64_t base_offset;
    int64_t log_append_time;
} kc_pbatch_t;

struct kc_ppart {
    pthread_mutex_t mu;
    kc_ptopic_t *topic;
    int32_t id;
    /* under mu */
    kc_pbatch_t *open;        /* accepting appends, or NULL */
    kc_pbatch_t *qhead, *qtail; /* waiting to be sent, in send order */
    /* I/O thread */
    kc_pbatch_t *ifhead, *iftail; /* in flight, in send order */
    int inflight;
    int32_t next_seq;         /* next sequence to assign */
    int32_t acked_seq;        /* one past the last acknowledged sequence */
    int txn_added;            /* for the transaction manager */
};

/* Partitions can be added to a topic while the producer uses it
 * (kc_acc_topic_grow): `parts` is replaced by a longer array, published
 * before the larger `partition_count`, so that a reader that loads the
 * count first and then the array always finds that many entries.  A
 * partition never moves (batches and the transaction manager point at
 * it); replaced arrays are kept until the topic is freed. */
struct kc_ptopic {
    char *name;
    kc_uuid_t id;
    atomic_int partition_count;
    _Atomic(kc_ppart_t **) parts;   /* partition_count of them (or more) */
    kc_ppart_t ***old_parts;  /* replaced arrays (topics_mu) */
    int nold_parts;
    atomic_int sticky;        /* sticky partitioner's current choice, -1 none */
    atomic_uint rr;           /* round-robin counter */
};

typedef struct kc_txn_hooks {
    /* Called on the I/O thread before a batch of `part` is drained; return
     * 0 to let it go now, nonzero to hold the partition back this turn. */
    int (*before_drain)(void *opaque, kc_ppart_t *part);
    /* May the sender send Produce requests at all right now? */
    int (*may_send)(void *opaque);
    void *opaque;
} kc_txn_hooks_t;

typedef struct kc_producer kc_producer_t;

struct kc_producer {
    kc_settings_t s;
    kc_net_t *net;
    kafkac_delivery_cb dr_cb;
    void *dr_opaque;
    kafkac_partitioner_cb part_cb;
    void *part_opaque;
    kc_txn_hooks_t txn_hooks;
    struct kc_txn *txn;         /* transaction manager (txn.c), NULL unless transactional.id */

    /* Topics: readers load `topics` and `ntopics` without a lock; the
     * array only grows, and replaced arrays are kept until destroy. */
    pthread_mutex_t topics_mu;
    _Atomic(kc_ptopic_t **) topics;
    atomic_int ntopics;
    int topics_cap;
    kc_ptopic_t ***old_arrays;
    int nold;

    /* Spare batches (pool) */
    pthread_mutex_t pool_mu;
    kc_pbatch_t *pool;

    /* buffer.memory */
    pthread_mutex_t mem_mu;
    pthread_cond_t mem_cv;
    atomic_llong queued_bytes;  /* batches holding records not yet completed */
    atomic_llong pooled_bytes;  /* spare batches kept for reuse */
    atomic_int mem_waiters;

    /* Outcomes waiting for poll (when a delivery callback is set). */
    pthread_mutex_t dq_mu;
    pthread_cond_t dq_cv;
    kc_pbatch_t *dq_head, *dq_tail;
    atomic_llong outstanding;   /* records sent and not yet completed */

    atomic_int closing;         /* send refused */
    atomic_int flushing;        /* >0: every open batch is ready now */
    atomic_int fatal;           /* a kafkac_err_t that stops the producer, 0 if none */
    /* Callers inside the public API that may touch `net` (send, flush,
     * the transactional calls).  close sets `stopping`, wakes them, and
     * destroys the network client only once `users` is back to 0, so no
     * call can use it after it is freed (use_mu guards users). */
    pthread_mutex_t use_mu;
    pthread_cond_t use_cv;
    int users;                  /* use_mu */
    atomic_int stopping;        /* close is stopping the I/O thread: callers leave */
    atomic_int net_gone;        /* close destroyed the network client */

    /* Why the last refused send was refused (kafkac_producer_send_error). */
    pthread_mutex_t err_mu;
    int send_err;               /* err_mu */
    char send_errstr[512];      /* err_mu */

    /* Idempotence (I/O thread) */
    int64_t pid;
    int16_t epoch;
    int pid_state;              /* KC_PID_* */
    int64_t pid_retry_ms;
    int need_bump;              /* sequences are unresolved: renew epoch when idle */
    int total_inflight;         /* Produce requests in flight */
    int64_t md_refresh_ms;      /* last metadata refresh we asked for */
    unsigned backoff_seed;      /* jitter of retry backoffs (kc_net_backoff_ms) */
    int pid_failures;           /* InitProducerId failures in a row */
    void *sender_scratch;       /* sender.c's per-broker bookkeeping */

    /* Metrics */
    atomic_llong m_records, m_bytes, m_batches, m_requests, m_lat_sum, m_lat_max, m_retries,
        m_rec_errors, m_inflight, m_bumps;
};

enum { KC_PID_NONE, KC_PID_REQUESTED, KC_PID_READY };

/* producer.c: the internals behind a public handle (tests use it). */
kc_producer_t *kc_producer_inner(kafkac_producer_t *kp);
/* Enter / leave a public call that uses p->net.  kc_producer_use returns
 * 0 (then the call must not touch the network client and returns
 * KAFKAC_ERR_DESTROYED) once close has begun stopping the I/O thread;
 * else 1, and kc_producer_unuse must follow. */
int kc_producer_use(kc_producer_t *p);
void kc_producer_unuse(kc_producer_t *p);
/* kafkac_producer_flush with its deadline (kc_now_ms time) already worked
 * out: commit_transaction flushes within its own deadline. */
kafkac_err_t kc_producer_flush_until(kafkac_producer_t *kp, int64_t deadline);

/* partitioner.c */
int32_t kc_murmur2(const void *data, size_t len);
/* Java's Utils.toPositive(murmur2(key)) % n. */
int32_t kc_murmur2_partition(const void *key, size_t len, int32_t n);
/* Chooses a partition for a record sent with KAFKAC_PARTITION_ANY.  For
 * the sticky strategies it may return KC_PART_STICKY, meaning: use the
 * topic's sticky partition (accumulator.c handles the switch). */
#define KC_PART_STICKY (-2)
int32_t kc_partition_choose(kc_producer_t *p, kc_ptopic_t *t, const void *key, int32_t key_len);
/* A random partition of t other than `avoid` (if there is another),
 * preferring partitions that have a leader in `c` (may be NULL). */
int32_t kc_partition_random(const kc_ptopic_t *t, const kc_cluster_t *c, int32_t avoid);

/* record.c: the public record handle (kafkac_producer_record_t).  Every
 * pointer is borrowed from the application until the send that uses it
 * returns; headers are kept in the batch writer's form (key_len
 * measured once, when the header is added) so that a send converts
 * nothing. */
struct kafkac_producer_record {
    const char *topic;
    int32_t partition;      /* KAFKAC_PARTITION_ANY: the partitioner's choice */
    const void *key;
    int32_t key_len;        /* -1: null key */
    const void *value;
    int32_t value_len;      /* -1: null value */
    int64_t timestamp;      /* KAFKAC_TIMESTAMP_NONE: the time of the send */
    void *opaque;
    kc_rb_header_t *headers;
    size_t header_count;
    size_t header_cap;      /* allocated; kept by _clear_headers for reuse */
};

/* accumulator.c */
kc_ptopic_t *kc_acc_topic(kc_producer_t *p, const char *name);   /* lock-free lookup; NULL if unknown */
kafkac_err_t kc_acc_topic_add(kc_producer_t *p, const kc_topic_info_t *ti, kc_ptopic_t **out);
/* Makes t have n partitions if it has fewer (partitions were added to
 * the topic).  Any thread. */
kafkac_err_t kc_acc_topic_grow(kc_producer_t *p, kc_ptopic_t *t, int32_t n);
kafkac_err_t kc_acc_append(kc_producer_t *p, kc_ptopic_t *t, int32_t partition, int sticky, int64_t ts,
                           const void *key, int32_t key_len, const void *value, int32_t value_len,
                           const kc_rb_header_t *headers, size_t header_count, void *opaque,
                           kafkac_future_t *fut, int64_t deadline_ms);
/* Waits (up to deadline_ms, freeing spare batches first) until buffer.memory
 * has room for `bytes` more; reserves nothing.  KAFKAC_ERR_QUEUE_FULL at the
 * deadline, KAFKAC_ERR_DESTROYED when the producer closes. */
kafkac_err_t kc_acc_wait_room(kc_producer_t *p, int64_t bytes, int64_t deadline_ms);
void kc_acc_release(kc_producer_t *p, int64_t bytes);
kc_pbatch_t *kc_pbatch_get(kc_producer_t *p);
/* Returns a batch that is no longer in use (retired) to the spares, or frees
 * it when the spares would not fit in buffer.memory. */
void kc_pbatch_put(kc_producer_t *p, kc_pbatch_t *b);
/* The batch's records are done: its memory stops counting as queued. */
void kc_pbatch_retire(kc_producer_t *p, kc_pbatch_t *b);
/* I/O thread: charges what the batch grew (or gave back) since it was last
 * charged, without waiting (the compressed copy, a split's halves). */
void kc_pbatch_recharge(kc_producer_t *p, kc_pbatch_t *b);
void kc_acc_free(kc_producer_t *p);
/* Estimated buffer.memory charge of one record. */
int64_t kc_acc_record_cost(int32_t key_len, int32_t value_len, const kc_rb_header_t *h, size_t hn);

/* sender.c */
int64_t kc_sender_serve(kc_net_t *net, int64_t now, void *opaque);
/* Completes every record of b with err (or success when err == 0), hands
 * it to the delivery queue or the pool.  Any thread that owns b. */
void kc_pbatch_complete(kc_producer_t *p, kc_pbatch_t *b, int err, int64_t base_offset, int64_t log_append_time);
/* After the network client is gone: fails every batch still queued or
 * open with err.  Closing thread only. */
void kc_sender_fail_all(kc_producer_t *p, int err);
/* The wait before retry number `attempt` (>= 1): retry.backoff.ms
 * doubled per attempt up to retry.backoff.max.ms, +-20% jitter
 * (kc_net_backoff_ms).  I/O thread (uses p->backoff_seed). */
int64_t kc_sender_backoff(kc_producer_t *p, int attempt);
void *kc_sender_scratch_new(void);
void kc_sender_scratch_free(void *s);
/* Numbers every partition from sequence 0 again (after a new epoch).
 * I/O thread. */
void kc_sender_reset_sequences(kc_producer_t *p);

/* txn.c: the transaction manager (Java's TransactionManager).  It owns
 * the producer id of a transactional producer, adds partitions to the
 * transaction before the sender may drain them (txn_hooks), and runs the
 * coordinator requests of the public calls (txn_api.c) on the I/O
 * thread. */
typedef struct kc_txn kc_txn_t;
/* Creates the manager, installs p->txn_hooks and registers its service;
 * call before the sender's service is registered.  p->txn is set on
 * success. */
kafkac_err_t kc_txn_new(kc_producer_t *p);
/* After the network client is gone.  NULL is a no-op. */
void kc_txn_destroy(kc_txn_t *t);
/* close stopped the I/O thread: a call still waiting gets
 * KAFKAC_ERR_DESTROYED.  NULL is a no-op. */
void kc_txn_closed(kc_txn_t *t);
/* Wakes a transactional call waiting for its operation (close is
 * stopping: it leaves with KAFKAC_ERR_DESTROYED).  NULL is a no-op. */
void kc_txn_wake(kc_txn_t *t);
/* May a record be sent now?  KAFKAC_OK inside a transaction, else
 * KAFKAC_ERR_STATE or the error that made the transaction abortable. */
kafkac_err_t kc_txn_check_send(kc_txn_t *t);
/* A batch of the transaction completed with err != 0 (any thread): the
 * transaction can no longer commit. */
void kc_txn_batch_failed(kc_txn_t *t, int err);
/* A Produce error for a transactional batch (I/O thread): returns 1 when
 * the batch must fail at once instead of being retried: fencing (now a
 * fatal error) or a sequence error (the transaction must abort, which
 * renews the epoch). */
int kc_txn_produce_error(kc_producer_t *p, int err);

#endif

/* The consumer's insides, shared by the consumer core (consumer.c,
 * partition_state.c, fetcher.c, fetch_chunk.c, offsets.c) and the group
 * coordinator (coordinator*.c, assignor_*.c, commit.c; the consumer
 * protocol's bytes are protocol/consumer_protocol.c).
 *
 * Threads and locks.  Two threads touch a consumer: the application's
 * (every kafkac_consumer_* call) and the I/O thread of c->net (response
 * callbacks and services: the fetcher, the coordinator's heartbeat...).
 * c->lock guards the partition states (c->parts), the event queue and
 * the record queue.  The kc_consumer_* functions below take c->lock
 * themselves: call them WITHOUT holding it, from either thread.  None of
 * them blocks on the network.
 *
 * Application-thread work.  Anything that must run on the application's
 * thread (rebalance callbacks, commit callbacks, group errors) is posted
 * with kc_consumer_post() from any thread; poll, next, commit_sync and
 * close run the queue in order, outside c->lock.
 *
 * The coordinator.  When group.id is set, kafkac_consumer_new creates it
 * with kc_coordinator_new() (after c->net exists) and the public group
 * functions call the kc_coordinator_* hooks declared at the end of this
 * file.  Without group.id, c->coord is NULL and those public functions
 * return KAFKAC_ERR_CONFIG. */
#ifndef KC_CONSUMER_INT_H
#define KC_CONSUMER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "common/config.h"
#include "common/tpl_int.h"
#include "kafkac/consumer.h"
#include "protocol/net.h"
#include "protocol/records.h"

typedef struct kc_coordinator kc_coordinator_t;
typedef struct kc_fetcher kc_fetcher_t;
typedef struct kc_chunk kc_chunk_t;
typedef struct kc_bufpool kc_bufpool_t;

/* ------------------------------------------------------------------ */
/* Per-partition state (partition_state.c)                               */

typedef enum kc_pstate {
    KC_PS_AWAIT_COMMITTED, /* needs the group's committed offset (coordinator) */
    KC_PS_AWAIT_RESET,     /* needs an offset lookup: reset_to says which (offsets.c) */
    KC_PS_FETCHING,        /* fetch_pos is valid */
    KC_PS_ERROR,           /* stopped by an error (auto.offset.reset=none...) until a seek */
} kc_pstate_t;

/* reset_to value meaning "as auto.offset.reset says" (none: an error). */
#define KC_RESET_FROM_POLICY (INT64_MIN + 1)

typedef struct kc_part {
    char *topic;              /* owned */
    int32_t partition;
    kc_pstate_t state;
    int64_t reset_to;         /* AWAIT_RESET: KAFKAC_OFFSET_BEGINNING / _END / KC_RESET_FROM_POLICY */
    int64_t fetch_pos;        /* next offset to fetch (FETCHING) */
    int32_t fetch_epoch;      /* leader epoch of that position, -1 unknown */
    int64_t consumed;         /* offset after the last record poll returned; KAFKAC_OFFSET_INVALID none */
    int32_t consumed_epoch;
    int64_t stored;           /* store_offsets; KAFKAC_OFFSET_INVALID none */
    int32_t stored_epoch;
    int paused;
    /* Bumped by every seek/reset/assign: a response for an older
     * generation of the position is dropped. */
    uint32_t pos_gen;
    int busy;                 /* a Fetch or ListOffsets for it is in flight */
    int64_t retry_at_ms;      /* do not fetch/look up before (backoff after an error) */
    int64_t hwm, lso, log_start;  /* from the last fetch response, -1 unknown */
    int eof_reported;         /* enable.partition.eof: reported at this position */
    int buffered;             /* fetched chunks of it waiting for poll (not fetched again meanwhile) */
    int64_t added_ms;         /* when it was assigned (metadata older than this may not know it) */
    int16_t md_err_reported;  /* the topic's metadata error poll was told of; 0 none */
    int64_t no_leader_since;  /* first seen without a usable leader; 0: has one */
    int64_t stuck_reported_ms;/* when poll was last told the partition cannot be read; 0 never */
    int64_t lookup_fail_since;/* first failed offset lookup (reset) since the last answer; 0 none */
    kafkac_err_t err;         /* KC_PS_ERROR: why */
} kc_part_t;

typedef struct kc_parts {
    kc_part_t **v;            /* owned, sorted by topic then partition */
    int n, cap;
    int store_used;           /* store_offsets has been called: commit stored offsets */
} kc_parts_t;

/* Lookup under c->lock; NULL when not assigned. */
kc_part_t *kc_parts_find(kc_parts_t *ps, const char *topic, int32_t partition);
/* Adds a partition in the state its start offset asks for (see
 * kafkac_consumer_assign); returns the existing one if already there. */
kc_part_t *kc_parts_add(kc_parts_t *ps, const char *topic, int32_t partition, int64_t start, int have_group);
/* Removes and frees one (no-op if absent). */
void kc_parts_remove(kc_parts_t *ps, const char *topic, int32_t partition);
void kc_parts_clear(kc_parts_t *ps);
/* Moves a partition's position (seek): offset >= 0, BEGINNING or END. */
void kc_part_seek(kc_part_t *p, int64_t offset);

/* ------------------------------------------------------------------ */
/* Fetched data (fetch_chunk.c): records handed out without copying    */

/* One fetch response, shared by the chunks cut from it; the response
 * (frame and arena: record bytes and topic names) is freed when the last
 * chunk goes. */
typedef struct kc_fetch_ref {
    atomic_int refs;
    kc_resp_t *resp;
} kc_fetch_ref_t;
/* Drops one reference (fetch_chunk.c); the last frees the response.  NULL
 * is a no-op. */
void kc_fetch_ref_unref(kc_fetch_ref_t *r);

struct kafkac_record {
    kc_chunk_t *chunk;         /* holds what the pointers below point into */
    int64_t offset;
    int64_t timestamp;
    const uint8_t *key, *value, *headers;
    int32_t key_len, value_len;  /* -1: null */
    int32_t header_count;
    uint32_t headers_len;
    int32_t leader_epoch;
    int8_t ts_type;
};

/* The records of one partition from one fetch response, or (n == 0, err
 * set) an error or end-of-partition event for poll to report in order.
 * refs: one for the ready queue while queued, one per record handed out. */
struct kc_chunk {
    kc_chunk_t *next;          /* ready queue link (under c->lock) */
    atomic_int refs;
    kc_fetch_ref_t *ref;       /* NULL for events */
    const char *topic;         /* into ref's response, or topic_owned */
    char *topic_owned;
    int32_t partition;
    uint32_t pos_gen;          /* the partition's position generation it was fetched for */
    kafkac_record_t *recs;
    int n, cap, pos;           /* pos: next record to hand out */
    struct kc_chunk_buf {      /* decompressed batches, owned */
        uint8_t *p;
        size_t cap;
    } *bufs;
    int nbufs;
    kc_bufpool_t *pool;        /* where bufs go back when the chunk is freed; NULL: freed */
    int64_t bytes;             /* counted in c->ready_bytes while queued */
    int64_t next_offset;       /* where fetching continues after this chunk */
    kafkac_err_t err;
    char *errstr;              /* owned */
};

/* Decompression buffers given back by freed chunks, for the next
 * compressed batches: a fresh megabyte buffer per batch costs page faults
 * that were most of the CPU of reading compressed records.  Reference
 * counted (the fetcher and every chunk holding buffers), since records
 * may outlive the consumer.  Keeps at most KC_BUFPOOL_MAX buffers. */
/* Enough for a full prefetch of 1 MiB batches (fetch.max.bytes defaults
 * to 50 MiB): with 16, most decompressed batches came from fresh memory and
 * page faults were most of the consume CPU for 1 KB lz4 records. */
#define KC_BUFPOOL_MAX 64
kc_bufpool_t *kc_bufpool_new(void);   /* NULL on out of memory */
kc_bufpool_t *kc_bufpool_ref(kc_bufpool_t *bp);
void kc_bufpool_unref(kc_bufpool_t *bp);   /* NULL is a no-op */

/* A chunk with no records, for an event; NULL on out of memory. */
kc_chunk_t *kc_chunk_event(const char *topic, int32_t partition, uint32_t pos_gen, kafkac_err_t err,
                           const char *errstr);
/* Drops one reference; frees at zero (any thread).  NULL is a no-op. */
void kc_chunk_unref(kc_chunk_t *ch);
/* Cuts the records of one partition's fetched bytes into ch without
 * copying (the decompressed buffer of each compressed batch is taken over
 * from the iterator, which would otherwise reuse it, and the iterator gets
 * one from ch->pool, if set, for the next): records before fetch_offset and control records
 * are skipped; with `aborted` (read_committed) the batches of aborted
 * transactions listed in ab_list are dropped.  *next_offset is where the
 * next fetch starts.  On a corrupt batch returns its error with errstr
 * filled; the records before it stay in ch. */
kafkac_err_t kc_chunk_parse(kc_chunk_t *ch, kc_records_iter_t *it, kc_aborted_txns_t *aborted,
                            const kc_aborted_txn_t *ab_list, size_t ab_count, const uint8_t *data, size_t len,
                            int64_t fetch_offset, int64_t *next_offset, char *errstr, size_t errstr_size);
/* The same, stopping before a compressed batch once the decompressed
 * bytes taken reach `budget` (the first compressed batch is always taken,
 * so a partition makes progress); *next_offset is then that batch's base
 * offset, and the next fetch asks for it again.  A highly compressible
 * response would otherwise decompress into many times fetch.max.bytes.
 * budget < 0: no limit (kc_chunk_parse). */
kafkac_err_t kc_chunk_parse_upto(kc_chunk_t *ch, kc_records_iter_t *it, kc_aborted_txns_t *aborted,
                                 const kc_aborted_txn_t *ab_list, size_t ab_count, const uint8_t *data, size_t len,
                                 int64_t fetch_offset, int64_t budget, int64_t *next_offset, char *errstr,
                                 size_t errstr_size);

/* ------------------------------------------------------------------ */
/* Application-thread events                                          */

/* run == 1: on the application's thread inside poll/next/commit_sync/
 * close; run == 0: the consumer is being destroyed, only free arg. */
typedef void (*kc_app_fn)(kafkac_consumer_t *c, void *arg, int run);

typedef struct kc_app_event {
    kc_app_fn fn;
    void *arg;
    struct kc_app_event *next;
} kc_app_event_t;

/* ------------------------------------------------------------------ */
/* The handle                                                         */

struct kafkac_consumer {
    kc_settings_t settings;          /* owned; read-only after new */
    kc_net_t *net;                   /* owned */
    kc_fetcher_t *fetcher;           /* owned */
    kc_coordinator_t *coord;         /* owned; NULL without group.id */

    pthread_mutex_t lock;
    pthread_cond_t cond;             /* records, events or errors arrived; wakeup */

    /* Under lock. */
    kc_parts_t parts;                /* the assignment */
    kc_chunk_t *ready_head, *ready_tail;  /* fetched data waiting for poll, in arrival order */
    int64_t ready_bytes;             /* bytes of those responses not yet handed to poll */
    kc_app_event_t *ev_head, *ev_tail;
    int wakeup;
    int closed;

    /* Set on the application's thread only. */
    kafkac_rebalance_cb rebalance_cb;
    void *rebalance_opaque;
    int64_t unreach_reported_ms;     /* when poll last reported "no broker reachable"; 0 never */
};

/* ------------------------------------------------------------------ */
/* What the consumer core offers the coordinator                      */

/* Replaces the whole assignment (eager protocol, assign()).  Partitions
 * in both keep their state and position; new ones start from their
 * element's offset: >= 0, BEGINNING/END, or INVALID for "the committed
 * offset" (KC_PS_AWAIT_COMMITTED when there is a coordinator, else the
 * auto.offset.reset policy).  Buffered records of removed partitions are
 * dropped.  NULL clears. */
kafkac_err_t kc_consumer_assign_set(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl);
/* Cooperative rebalancing (KIP-429): add or remove some partitions,
 * leaving the others (and their fetches) untouched. */
kafkac_err_t kc_consumer_assign_add(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl);
kafkac_err_t kc_consumer_assign_remove(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl);

/* The partitions waiting for their committed offset (KC_PS_AWAIT_COMMITTED),
 * as a new list (offsets INVALID) in *out, or *out NULL when none.  The
 * coordinator calls it from its service and answers with
 * kc_consumer_set_committed. */
kafkac_err_t kc_consumer_awaiting_committed(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);
/* Committed offsets for those partitions: an element with err == 0 and
 * offset >= 0 starts fetching there (leader_epoch kept); offset
 * KAFKAC_OFFSET_INVALID (nothing committed) applies auto.offset.reset
 * (none: the partition stops and poll reports KAFKAC_ERR_AUTO_OFFSET_RESET).
 * Elements with err != 0 are left waiting.  Partitions no longer waiting
 * (sought or unassigned since) are ignored. */
void kc_consumer_set_committed(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl);

/* What a commit of "the current positions" commits: for each assigned
 * partition, the stored offset once store_offsets has been used, else the
 * offset after the last record poll returned; partitions with none are
 * left out.  *out is a new list (NULL when there is nothing to commit). */
kafkac_err_t kc_consumer_commit_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);

/* The current assignment, offsets INVALID (for the coordinator's
 * bookkeeping, e.g. the revoked set of an eager rebalance). */
kafkac_err_t kc_consumer_assignment_list(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);

/* Queues fn(c, arg, 1) for the application's thread and wakes a poll.
 * Events run in the order posted.  Returns 0 or NO_MEMORY (fn not called
 * then; arg is still the caller's). */
kafkac_err_t kc_consumer_post(kafkac_consumer_t *c, kc_app_fn fn, void *arg);
/* Queues an error that poll/next returns, with its sentence. */
kafkac_err_t kc_consumer_post_error(kafkac_consumer_t *c, kafkac_err_t err, const char *errstr);

/* Runs queued events now (application thread only; the public calls that
 * wait do it themselves).  Returns the first queued error, writing its
 * sentence to errstr, or 0. */
kafkac_err_t kc_consumer_run_events(kafkac_consumer_t *c, char *errstr, size_t errstr_size);

/* Sends req and waits for the answer until deadline_ms (kc_now_ms clock),
 * whatever the network client does meanwhile (call.c); not on the I/O
 * thread.  The request's timeout_ms is capped to what is left.  Returns
 * the response (check ->err; NULL on out of memory).  When the deadline
 * passes first it returns a KAFKAC_ERR_TIMED_OUT response naming the API,
 * sets *gave_up, and leaves the request to the network client: ctx (what
 * req->msg and req->opaque point into) then belongs to the request and is
 * freed with free_ctx(ctx) when its callback runs -- the caller must not
 * touch ctx again.  Otherwise ctx stays the caller's. */
kc_resp_t *kc_consumer_call(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                            void *ctx, int *gave_up);

/* ------------------------------------------------------------------ */
/* The fetcher (fetcher.c) and offset lookups (offsets.c)              */

kafkac_err_t kc_fetcher_new(kafkac_consumer_t *c, kc_fetcher_t **out);
void kc_fetcher_destroy(kc_fetcher_t *f);   /* after kc_net_destroy; NULL no-op */

/* Drops the buffered (not yet polled) data of one partition, or of every
 * partition no longer assigned when topic is NULL; under c->lock. */
void kc_consumer_drop_buffered(kafkac_consumer_t *c, const char *topic, int32_t partition);

/* The offset of the next record poll would return for p, as Java's
 * position(): the first record not yet handed out, else the fetch
 * position; KAFKAC_OFFSET_INVALID while unknown.  *epoch (epoch may be
 * NULL) gets that record's leader epoch, -1 if unknown.  Under c->lock. */
int64_t kc_consumer_part_position(kafkac_consumer_t *c, kc_part_t *p, int32_t *epoch);

/* Asynchronous offset resets for partitions in KC_PS_AWAIT_RESET: sends
 * ListOffsets to the leaders; runs on the I/O thread from the fetcher's
 * service with c->lock held (it only queues requests).  Returns when it
 * wants to run again (a backoff ending), or INT64_MAX. */
int64_t kc_offsets_serve(kafkac_consumer_t *c, int64_t now_ms, const kc_cluster_t *cl);

/* Queues an error/end event of partition p for poll, in order with its
 * records, and logs it; under c->lock. */
void kc_consumer_queue_event(kafkac_consumer_t *c, kc_part_t *p, kafkac_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* When metadata newer than p's assignment knows the topic and it has
 * fewer partitions than p's number: stops p with KAFKAC_ERR_UNKNOWN_PARTITION (reported by poll)
 * and returns 1; else 0 (a topic not in metadata yet may still come).
 * Under c->lock. */
int kc_part_missing(kafkac_consumer_t *c, kc_part_t *p, const kc_cluster_t *cl);
/* Reports (once per default.api.timeout.ms) that p has had no usable
 * leader, or no answer from it, since `since`, when that is longer than
 * default.api.timeout.ms; `what` says which, and for how long.  Under
 * c->lock. */
void kc_part_check_stuck(kafkac_consumer_t *c, kc_part_t *p, int64_t since, int64_t now, const char *what);
/* How long a topic may stay UNKNOWN_TOPIC_OR_PARTITION with
 * allow.auto.create.topics before poll hears of it: while a broker
 * auto-creates a topic it first answers that. */
#define KC_AUTO_CREATE_GRACE_MS 2000
/* Sets a partition's retry time after a retriable error; under c->lock. */
void kc_part_backoff(kafkac_consumer_t *c, kc_part_t *p, int64_t now_ms);

/* Blocking ListOffsets for the public lookups; ts is
 * KAFKAC_OFFSET_BEGINNING, _END, or taken from each element's offset when
 * KC_TS_FROM_LIST.  timeout_ms is the public call's (kafkac.h's rule,
 * default default.api.timeout.ms; < -1: KAFKAC_ERR_INVALID_ARG).
 * Application thread. */
#define KC_TS_FROM_LIST INT64_MIN
kafkac_err_t kc_offsets_lookup(kafkac_consumer_t *c, kafkac_topic_partition_list_t *tpl, int64_t ts,
                               int timeout_ms, char *errstr, size_t errstr_size);

/* ------------------------------------------------------------------ */
/* The coordinator's hooks (implemented in coordinator*.c / commit.c) */

/* Creates the coordinator for c (group.id set, c->net running); it may
 * register services on c->net.  Returns 0 or an error with errstr. */
kafkac_err_t kc_coordinator_new(kafkac_consumer_t *c, kc_coordinator_t **out, char *errstr, size_t errstr_size);
/* Frees it; called after kc_net_destroy, so no callback of its requests
 * can still run.  NULL is a no-op. */
void kc_coordinator_destroy(kc_coordinator_t *co);

/* Application thread, at the start of every poll/next: notes the poll
 * time (max.poll.interval.ms) and may start a (re)join. */
void kc_coordinator_poll(kc_coordinator_t *co, int64_t now_ms);
/* kafkac_consumer_close: revoke callback, final commit when
 * enable.auto.commit, LeaveGroup (not for static members); waits until
 * deadline at most (a kc_now_ms time, KC_NO_DEADLINE for none), running
 * the consumer's events (kc_consumer_run_events) while it waits. */
kafkac_err_t kc_coordinator_close(kc_coordinator_t *co, int64_t deadline);

kafkac_err_t kc_coordinator_subscribe(kc_coordinator_t *co, const char *const *topics, int count, char *errstr,
                                      size_t errstr_size);
kafkac_err_t kc_coordinator_unsubscribe(kc_coordinator_t *co);
kafkac_err_t kc_coordinator_subscription(kc_coordinator_t *co, kafkac_topic_partition_list_t **out);
/* 1 while subscribed (assign() is then refused). */
int kc_coordinator_subscribed(kc_coordinator_t *co);
kafkac_err_t kc_coordinator_generation(kc_coordinator_t *co, int32_t *generation, char *member_id,
                                       size_t member_id_size);

/* As the public functions of the same names (offsets NULL: the current
 * positions, from kc_consumer_commit_offsets), with the call's deadline
 * already worked out from its timeout_ms (kc_timeout_deadline). */
kafkac_err_t kc_coordinator_commit_sync(kc_coordinator_t *co, kafkac_topic_partition_list_t *offsets,
                                        int64_t deadline, char *errstr, size_t errstr_size);
kafkac_err_t kc_coordinator_commit_async(kc_coordinator_t *co, const kafkac_topic_partition_list_t *offsets,
                                         kafkac_commit_cb cb, void *opaque);
kafkac_err_t kc_coordinator_committed(kc_coordinator_t *co, kafkac_topic_partition_list_t *partitions,
                                      int64_t deadline, char *errstr, size_t errstr_size);

#endif

/* libkafkac: the consumer.
 *
 * Two ways to consume, as with Kafka's Java client and kafka-python:
 *
 *  - Partition model: kafkac_consumer_assign() a list of topic-partitions,
 *    seek anywhere, no group.  Nothing is committed unless you ask (and a
 *    commit needs group.id).
 *  - Group model: set group.id and kafkac_consumer_subscribe() to topics
 *    or regular expressions; the members of the group share the
 *    partitions, the group rebalances when members come and go, and
 *    positions are committed to the group (by default automatically, every
 *    auto.commit.interval.ms, and only for records poll has returned).
 *
 *   char err[256];
 *   kafkac_conf_t *conf = kafkac_conf_new();
 *   kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:9092", err, sizeof err);
 *   kafkac_conf_set(conf, "group.id", "my-group", err, sizeof err);
 *   kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
 *   kafkac_conf_destroy(conf);              // the consumer keeps a copy
 *   const char *topics[] = { "orders" };
 *   kafkac_consumer_subscribe(c, topics, 1, err, sizeof err);
 *   for (;;) {
 *       kafkac_record_t *r;
 *       kafkac_err_t e = kafkac_consumer_next(c, 1000, &r, err, sizeof err);
 *       if (e == KAFKAC_ERR_TIMED_OUT) continue;
 *       if (e) { fprintf(stderr, "%s\n", err); continue; }
 *       ...use kafkac_record_value(r, &len)...
 *       kafkac_record_release(r);
 *   }
 *   kafkac_consumer_close(c, 10000);
 *   kafkac_consumer_destroy(c);
 *
 * Records are not copied: a record's key, value, headers and topic point
 * into the fetch response they arrived in (or, for a compressed batch, into
 * that batch's decompressed bytes).  Everything a record points to stays
 * valid until the record is released (kafkac_record_release, or
 * kafkac_records_destroy for a batch from kafkac_consumer_poll), on any
 * thread, and not a moment longer.  Memory held by unreleased records is
 * not counted in the prefetch bound (fetch.max.bytes), so release records
 * when you are done with them.
 *
 * Threads: a consumer is meant to be driven by one application thread
 * (poll/next, commit, seek...).  Other threads may call
 * kafkac_consumer_wakeup() and release records.  Callbacks (rebalance,
 * commit) run on the thread that calls poll, next, commit_sync,
 * unsubscribe or close, never inside the call that registered them.
 * Fetching, heartbeats and metadata run on the consumer's own I/O thread,
 * so the time you spend processing between polls does not cost group
 * membership unless it exceeds max.poll.interval.ms.
 *
 * Errors: functions return kafkac_err_t; those with errstr fill it with a
 * sentence on failure (NUL-terminated, truncated to fit; errstr may be
 * NULL when errstr_size is 0).  Timeouts: timeout_ms of every call that
 * waits, poll, next and close included: see kafkac.h; the default is
 * default.api.timeout.ms (pass KAFKAC_TIMEOUT_INFINITE to poll for ever). */
#ifndef KAFKAC_CONSUMER_H
#define KAFKAC_CONSUMER_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "kafkac/error.h"
#include "kafkac/export.h"
#include "kafkac/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kafkac_consumer kafkac_consumer_t;

/* ---- Life cycle ---------------------------------------------------- */

/* Creates a consumer and starts its I/O thread.  conf is only read (the
 * caller keeps it).  Returns NULL with errstr filled on bad configuration,
 * naming the property at fault. */
KAFKAC_API kafkac_consumer_t *kafkac_consumer_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size);

/* Stops consuming: in a group, runs the revoke callback, commits (when
 * enable.auto.commit) what poll has returned, and leaves the group (a
 * static member does not leave, so that a restart does not rebalance).
 * timeout_ms: see kafkac.h; default default.api.timeout.ms (with 0 the
 * revoke callback still runs but the final commit is not sent).  After
 * close only releasing records and destroy are valid.  Returns the first
 * error met -- the final commit's (KAFKAC_ERR_TIMED_OUT when it got no
 * answer in time); leaving the group is best effort -- and the consumer
 * is closed either way, except for KAFKAC_ERR_INVALID_ARG (a timeout
 * below -1: nothing done).  Calling it twice returns KAFKAC_ERR_STATE. */
KAFKAC_API kafkac_err_t kafkac_consumer_close(kafkac_consumer_t *c, int timeout_ms);

/* Closes (if not done, with the default timeout) and frees the consumer.
 * Records the application still holds stay valid until it releases them.
 * NULL is a no-op. */
KAFKAC_API void kafkac_consumer_destroy(kafkac_consumer_t *c);

/* Makes a poll or next blocked in another thread return
 * KAFKAC_ERR_TIMED_OUT at once (or the next one, if none is blocked).
 * Any thread. */
KAFKAC_API void kafkac_consumer_wakeup(kafkac_consumer_t *c);

/* ---- Records --------------------------------------------------------- */

typedef struct kafkac_record kafkac_record_t;

/* Accessors.  Pointers returned live until the record is released. */
KAFKAC_API const char *kafkac_record_topic(const kafkac_record_t *r);
KAFKAC_API int32_t kafkac_record_partition(const kafkac_record_t *r);
KAFKAC_API int64_t kafkac_record_offset(const kafkac_record_t *r);
/* Milliseconds since the epoch; *type (may be NULL) is 0 for create time,
 * 1 for log-append time, -1 when the record has none (magic 0). */
KAFKAC_API int64_t kafkac_record_timestamp(const kafkac_record_t *r, int *type);
/* The partition leader epoch the batch was written under, -1 if unknown. */
KAFKAC_API int32_t kafkac_record_leader_epoch(const kafkac_record_t *r);
/* Key and value: NULL with *len 0 for a null one (len may be NULL). */
KAFKAC_API const void *kafkac_record_key(const kafkac_record_t *r, size_t *len);
KAFKAC_API const void *kafkac_record_value(const kafkac_record_t *r, size_t *len);
KAFKAC_API int kafkac_record_header_count(const kafkac_record_t *r);
/* Header i (0-based, in record order).  The key is not NUL-terminated;
 * value is NULL with *value_len -1 for a null value.  Returns KAFKAC_OK or
 * KAFKAC_ERR_NOT_FOUND when i is out of range. */
KAFKAC_API kafkac_err_t kafkac_record_header(const kafkac_record_t *r, int i, const char **key, size_t *key_len,
                                             const void **value, int32_t *value_len);
/* Gives the record back.  Any thread.  NULL is a no-op.  Do not release a
 * record that belongs to a kafkac_records_t batch: destroy the batch. */
KAFKAC_API void kafkac_record_release(kafkac_record_t *r);

/* A batch of records from one poll, in fetch order per partition. */
typedef struct kafkac_records kafkac_records_t;
KAFKAC_API int kafkac_records_count(const kafkac_records_t *b);
/* Record i, borrowed from the batch (valid until the batch is destroyed). */
KAFKAC_API const kafkac_record_t *kafkac_records_at(const kafkac_records_t *b, int i);
/* Releases every record of the batch.  Any thread.  NULL is a no-op. */
KAFKAC_API void kafkac_records_destroy(kafkac_records_t *b);

/* Returns up to max_records (<= 0: max.poll.records; at most 1048576)
 * records that have arrived, waiting for the first at most timeout_ms
 * (see kafkac.h; default default.api.timeout.ms; 0 takes what has
 * arrived without waiting).  Runs due callbacks first.  On KAFKAC_OK *out is a batch (never
 * empty) the caller destroys.  Otherwise *out is NULL and the result is:
 *   KAFKAC_ERR_TIMED_OUT        nothing arrived in time (or wakeup);
 *   KAFKAC_ERR_PARTITION_EOF    (enable.partition.eof only) a partition
 *                               reached its end; errstr names it;
 *   KAFKAC_ERR_AUTO_OFFSET_RESET / KAFKAC_ERR_OFFSET_OUT_OF_RANGE
 *                               a partition has no valid position and
 *                               auto.offset.reset is none: seek it, or it
 *                               stays stopped;
 *   another error               a partition-level error fetching
 *                               (authorization, corrupt data...) or a
 *                               group error; errstr names the partition;
 *   KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION, _TOPIC_AUTHORIZATION_FAILED,
 *   _INVALID_TOPIC_EXCEPTION    metadata says so for a subscribed or
 *                               assigned topic: once per topic (again only
 *                               after it was seen fine); the consumer keeps
 *                               waiting and reads the topic once it exists;
 *   KAFKAC_ERR_ALL_BROKERS_DOWN (or _RESOLVE when the host names do not
 *                               resolve), with a sentence naming the last
 *                               connection error: no
 *                               broker has been reachable for
 *                               default.api.timeout.ms (repeated at most
 *                               every default.api.timeout.ms while it
 *                               lasts; the consumer keeps trying);
 *   KAFKAC_ERR_LEADER_NOT_AVAILABLE  an assigned partition has had no
 *                               reachable leader for default.api.timeout.ms
 *                               (same pace);
 *   a request's error (e.g. KAFKAC_ERR_MALFORMED) when looking up a
 *                               partition's start offset has failed the
 *                               same way for default.api.timeout.ms;
 *                               errstr names the request.
 * Records that arrived before an error are returned first, each partition's
 * error in its place.  Poll also keeps group membership alive: call it
 * at least every max.poll.interval.ms. */
KAFKAC_API kafkac_err_t kafkac_consumer_poll(kafkac_consumer_t *c, int timeout_ms, int max_records,
                                             kafkac_records_t **out, char *errstr, size_t errstr_size);

/* The one-record-at-a-time form of poll: same rules, one record, which
 * the caller releases with kafkac_record_release. */
KAFKAC_API kafkac_err_t kafkac_consumer_next(kafkac_consumer_t *c, int timeout_ms, kafkac_record_t **out,
                                             char *errstr, size_t errstr_size);

/* ---- Partition model --------------------------------------------------- */

/* Replaces the assignment with `partitions` (copied; NULL or empty:
 * unassign).  Each element's offset says where to start: an offset >= 0,
 * KAFKAC_OFFSET_BEGINNING, KAFKAC_OFFSET_END, or KAFKAC_OFFSET_INVALID for
 * the committed offset (with group.id), else auto.offset.reset.  Buffered
 * records of partitions no longer assigned are dropped.  Not valid while
 * subscribed (KAFKAC_ERR_STATE). */
KAFKAC_API kafkac_err_t kafkac_consumer_assign(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions,
                                               char *errstr, size_t errstr_size);

/* The current assignment (either model): *out is a new list the caller
 * destroys, with offsets set to the current position where known. */
KAFKAC_API kafkac_err_t kafkac_consumer_assignment(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);

/* Moves the position of an assigned partition: the next poll returns
 * records from `offset` (>= 0, KAFKAC_OFFSET_BEGINNING or
 * KAFKAC_OFFSET_END).  Records buffered for it are dropped.  Takes effect
 * without waiting; KAFKAC_ERR_UNKNOWN_PARTITION if not assigned. */
KAFKAC_API kafkac_err_t kafkac_consumer_seek(kafkac_consumer_t *c, const char *topic, int32_t partition,
                                             int64_t offset);
/* Seek to the beginning / end of each listed partition (NULL: all assigned). */
KAFKAC_API kafkac_err_t kafkac_consumer_seek_to_beginning(kafkac_consumer_t *c,
                                                          const kafkac_topic_partition_list_t *partitions);
KAFKAC_API kafkac_err_t kafkac_consumer_seek_to_end(kafkac_consumer_t *c,
                                                    const kafkac_topic_partition_list_t *partitions);

/* The offset of the next record poll will return for an assigned
 * partition.  When it is not known yet (awaiting the committed offset or
 * an offset lookup), waits up to timeout_ms (see kafkac.h; default
 * default.api.timeout.ms; 0 answers only from what is known). */
KAFKAC_API kafkac_err_t kafkac_consumer_position(kafkac_consumer_t *c, const char *topic, int32_t partition,
                                                 int64_t *offset, int timeout_ms, char *errstr,
                                                 size_t errstr_size);

/* Stop / restart fetching the listed assigned partitions.  Records
 * already buffered for a paused partition are kept for when it resumes. */
KAFKAC_API kafkac_err_t kafkac_consumer_pause(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions);
KAFKAC_API kafkac_err_t kafkac_consumer_resume(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions);
/* The paused partitions: *out is a new list the caller destroys. */
KAFKAC_API kafkac_err_t kafkac_consumer_paused(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);

/* ---- Offset lookups (ListOffsets; any partition, assigned or not) ------ */

/* Sets each element's offset to the partition's first offset (log start)
 * or end offset (the high watermark, or the last stable offset under
 * read_committed), asking the leaders.  Per-partition failures are in
 * each element's kafkac_tp_err; the call returns the first of them, or a call-wide error.
 * timeout_ms: see kafkac.h; default default.api.timeout.ms (the same for
 * offsets_for_times). */
KAFKAC_API kafkac_err_t kafkac_consumer_beginning_offsets(kafkac_consumer_t *c,
                                                          kafkac_topic_partition_list_t *partitions, int timeout_ms,
                                                          char *errstr, size_t errstr_size);
KAFKAC_API kafkac_err_t kafkac_consumer_end_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                                    int timeout_ms, char *errstr, size_t errstr_size);
/* On entry each element's offset is a timestamp (ms since the epoch); on
 * return it is the offset of the first record with a timestamp >= it
 * (leader_epoch set too), or KAFKAC_OFFSET_END (-1) when there is none. */
KAFKAC_API kafkac_err_t kafkac_consumer_offsets_for_times(kafkac_consumer_t *c,
                                                          kafkac_topic_partition_list_t *partitions, int timeout_ms,
                                                          char *errstr, size_t errstr_size);
/* The low and high watermarks of an assigned partition as the last fetch
 * response reported them, without asking the broker.  KAFKAC_ERR_NOT_FOUND
 * before the first fetch of the partition. */
KAFKAC_API kafkac_err_t kafkac_consumer_watermarks(kafkac_consumer_t *c, const char *topic, int32_t partition,
                                                   int64_t *low, int64_t *high);

/* ---- Group model ------------------------------------------------------- */

typedef enum kafkac_rebalance_event {
    KAFKAC_REBALANCE_ASSIGNED = 1, /* partitions added to this member */
    KAFKAC_REBALANCE_REVOKED = 2,  /* partitions taken away in an orderly rebalance; commit now if you must */
    KAFKAC_REBALANCE_LOST = 3,     /* partitions lost (session expired, fenced): another member may own
                                      them already, so do not commit them */
} kafkac_rebalance_event_t;

/* Rebalance callback: runs on the application's thread inside poll, next,
 * unsubscribe (revoke) or close.  `partitions` is borrowed for the call.
 * With an eager assignor (range, roundrobin, sticky) every rebalance
 * revokes the whole assignment and assigns the new one; with
 * cooperative-sticky (KIP-429) only the partitions that move are revoked
 * and assigned.  The consumer
 * changes its assignment itself: the callback is for the application's
 * own bookkeeping (flush, commit_sync, seek...). */
typedef void (*kafkac_rebalance_cb)(kafkac_consumer_t *c, kafkac_rebalance_event_t ev,
                                    const kafkac_topic_partition_list_t *partitions, void *opaque);

/* Installs the rebalance callback (NULL: none).  Set it before subscribe. */
KAFKAC_API kafkac_err_t kafkac_consumer_set_rebalance_cb(kafkac_consumer_t *c, kafkac_rebalance_cb cb,
                                                         void *opaque);

/* Subscribes to topics (copied); a name starting with '^' is a pattern,
 * and topics created later that match are picked up.  Under
 * group.protocol=classic a pattern is a POSIX extended regular expression
 * this client matches against every topic in the cluster (at each
 * metadata refresh).  Under group.protocol=consumer a subscription of
 * patterns only goes to the broker, which matches whole topic names in
 * RE2J syntax; mixed with plain names, the patterns are matched here as
 * POSIX, and one POSIX cannot compile is then KAFKAC_ERR_INVALID_ARG.  Replaces any previous subscription.  Needs group.id
 * (KAFKAC_ERR_CONFIG), and not an assignment (KAFKAC_ERR_STATE).  A name
 * Kafka would refuse (not 1-249 characters of [a-zA-Z0-9._-], or "." or
 * "..") is refused with KAFKAC_ERR_INVALID_TOPIC_EXCEPTION, errstr naming
 * it; a pattern is not checked that way. */
KAFKAC_API kafkac_err_t kafkac_consumer_subscribe(kafkac_consumer_t *c, const char *const *topics, int count,
                                                  char *errstr, size_t errstr_size);
/* Leaves the group's assignment (revoke callback, commit when
 * enable.auto.commit) and clears the subscription. */
KAFKAC_API kafkac_err_t kafkac_consumer_unsubscribe(kafkac_consumer_t *c);
/* The subscription as given (topics and patterns): *out is a new list the
 * caller destroys (partition -1 in every element). */
KAFKAC_API kafkac_err_t kafkac_consumer_subscription(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out);

/* The member id and generation this member has in its group now ("" and
 * -1 outside a generation; under group.protocol=consumer the generation
 * is the member epoch).  member_id may be NULL. */
KAFKAC_API kafkac_err_t kafkac_consumer_group_generation(kafkac_consumer_t *c, int32_t *generation,
                                                         char *member_id, size_t member_id_size);

/* The consumer group a transaction commits offsets for (Java's
 * ConsumerGroupMetadata; kafkac_producer_send_offsets_to_transaction in
 * producer.h takes it).  With the generation and member id the group
 * coordinator refuses offsets from a member that was already fenced out
 * of the group (a zombie).  Strings are copied; member_id NULL means ""
 * and generation_id -1 turns that check off; group_instance_id may be
 * NULL.  NULL on out of memory or a NULL group_id. */
typedef struct kafkac_group_metadata kafkac_group_metadata_t;
KAFKAC_API kafkac_group_metadata_t *kafkac_group_metadata_new(const char *group_id, int32_t generation_id,
                                                              const char *member_id,
                                                              const char *group_instance_id);
/* A consumer's current group metadata: its group.id, group.instance.id,
 * and the generation and member id it has now (-1 and "" outside a
 * generation).  NULL if the consumer has no group.id or on out of
 * memory.  The consumer is only read. */
KAFKAC_API kafkac_group_metadata_t *kafkac_consumer_group_metadata(kafkac_consumer_t *c);
/* NULL is a no-op. */
KAFKAC_API void kafkac_group_metadata_destroy(kafkac_group_metadata_t *gm);

/* ---- Commits (need group.id) ------------------------------------------- */

/* Commit callback for commit_async: runs on the application's thread
 * inside a later poll, next, commit_sync or close.  `offsets` (borrowed
 * for the call) holds the per-partition results (kafkac_tp_err). */
typedef void (*kafkac_commit_cb)(kafkac_consumer_t *c, kafkac_err_t err,
                                 const kafkac_topic_partition_list_t *offsets, void *opaque);

/* Commits offsets and waits (timeout_ms: see kafkac.h; default
 * default.api.timeout.ms).
 * offsets NULL commits, for every assigned partition, the position after
 * the last record poll returned (or the offsets stored with
 * store_offsets, once it has been used).  Given offsets are the next
 * offsets to read (last processed + 1), with optional metadata and leader
 * epoch; the per-partition results are in each element's kafkac_tp_err.
 * REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID mean the
 * partitions may have moved: the commit did not happen.  KAFKAC_ERR_TIMED_OUT:
 * no answer (or no coordinator) within timeout_ms -- the call returns then,
 * whatever is queued; the commit may still happen later. */
KAFKAC_API kafkac_err_t kafkac_consumer_commit_sync(kafkac_consumer_t *c, kafkac_topic_partition_list_t *offsets,
                                                    int timeout_ms, char *errstr, size_t errstr_size);
/* The same without waiting; offsets (NULL as above) is copied.  cb (may be
 * NULL) runs exactly once unless this call returns an error. */
KAFKAC_API kafkac_err_t kafkac_consumer_commit_async(kafkac_consumer_t *c,
                                                     const kafkac_topic_partition_list_t *offsets,
                                                     kafkac_commit_cb cb, void *opaque);

/* Records offsets (next to read, as for commit) to be committed by the
 * next auto commit or commit(NULL), for manual at-least-once: process a
 * record, then store offset + 1.  Once used, automatic commits commit only
 * stored offsets.  Only for assigned partitions (others: kafkac_tp_err
 * gives KAFKAC_ERR_UNKNOWN_PARTITION and the call returns it). */
KAFKAC_API kafkac_err_t kafkac_consumer_store_offsets(kafkac_consumer_t *c,
                                                      kafkac_topic_partition_list_t *offsets);
/* Stores record r's offset + 1 for its partition. */
KAFKAC_API kafkac_err_t kafkac_consumer_store_record(kafkac_consumer_t *c, const kafkac_record_t *r);

/* Sets each element's offset (KAFKAC_OFFSET_INVALID when nothing is
 * committed), metadata and leader epoch from the group's committed
 * offsets.  timeout_ms: see kafkac.h; default default.api.timeout.ms;
 * KAFKAC_ERR_TIMED_OUT when no answer came within it. */
KAFKAC_API kafkac_err_t kafkac_consumer_committed(kafkac_consumer_t *c, kafkac_topic_partition_list_t *partitions,
                                                  int timeout_ms, char *errstr, size_t errstr_size);

#ifdef __cplusplus
}
#endif
#endif

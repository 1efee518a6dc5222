/* libkafkac: the producer.
 *
 *   char err[256];
 *   kafkac_conf_t *conf = kafkac_conf_new();
 *   kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:9092", err, sizeof err);
 *   kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
 *   kafkac_conf_destroy(conf);                  // the producer keeps its own copy
 *
 *   kafkac_future_t *f;
 *   kafkac_producer_send(p, "events", "k", 1, "v", 1, &f);
 *   const kafkac_delivery_t *d;
 *   if (kafkac_future_wait(f, 10000, &d) == KAFKAC_OK)
 *       printf("partition %d offset %lld\n", kafkac_delivery_partition(d),
 *              (long long)kafkac_delivery_offset(d));
 *   kafkac_future_destroy(f);
 *   kafkac_producer_close(p, 10000);
 *   kafkac_producer_destroy(p);
 *
 * A record with a chosen partition, a timestamp, headers or an opaque
 * goes through a record handle, which can be reused for every send:
 *
 *   kafkac_producer_record_t *r = kafkac_producer_record_new("events");
 *   kafkac_producer_record_set_partition(r, 3);
 *   kafkac_producer_record_add_header(r, "trace-id", "abc", 3);
 *   for (int i = 0; i < n; i++) {
 *       kafkac_producer_record_set_value(r, vals[i], lens[i]);
 *       kafkac_producer_send_record(p, r, NULL);   // outcome to the delivery callback
 *   }
 *   kafkac_producer_record_destroy(r);
 *
 * Records are appended to a batch per partition; a batch goes out when it
 * reaches batch.size or has waited linger.ms.  The producer's I/O thread
 * sends them, retries retriable errors until delivery.timeout.ms, and
 * completes each record exactly once: with its offset, or with an error.
 *
 * Threads: kafkac_producer_send and _send_record may be called from any
 * number of threads at once (a record handle by one thread at a time).
 * poll, flush and close may be called from any thread, but delivery
 * callbacks run only inside them, on the calling thread (never on the
 * library's thread, never inside send); if several threads poll at once,
 * callbacks may run on several of them at once.  A future may be waited
 * on from any thread.
 *
 * Errors: functions return kafkac_err_t (include/kafkac/error.h). */
#ifndef KAFKAC_PRODUCER_H
#define KAFKAC_PRODUCER_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "kafkac/error.h"
#include "kafkac/export.h"
#include "kafkac/types.h"
/* kafkac_group_metadata_t, which send_offsets_to_transaction takes. */
#include "kafkac/consumer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kafkac_producer kafkac_producer_t;

/* ---- One record's outcome ---------------------------------------- */

/* What happened to one record.  Read it with the accessors below; it is
 * valid during a delivery callback, or, from a future, until
 * kafkac_future_destroy. */
typedef struct kafkac_delivery kafkac_delivery_t;

/* KAFKAC_OK, or why the record was not written (e.g.
 * KAFKAC_ERR_MESSAGE_TOO_LARGE, KAFKAC_ERR_TIMED_OUT when
 * delivery.timeout.ms passed, KAFKAC_ERR_PURGED when close gave up). */
KAFKAC_API kafkac_err_t kafkac_delivery_err(const kafkac_delivery_t *d);
KAFKAC_API const char *kafkac_delivery_topic(const kafkac_delivery_t *d);
/* The partition chosen (-1 if the record failed before one was). */
KAFKAC_API int32_t kafkac_delivery_partition(const kafkac_delivery_t *d);
/* The record's offset; -1 when unknown (failed, acks=0, or a retry the
 * broker recognised as a duplicate of an earlier write). */
KAFKAC_API int64_t kafkac_delivery_offset(const kafkac_delivery_t *d);
/* The record's timestamp: its create time, or the broker's log-append
 * time when the topic uses LogAppendTime. */
KAFKAC_API int64_t kafkac_delivery_timestamp(const kafkac_delivery_t *d);
/* The opaque given to kafkac_producer_record_set_opaque (NULL for a
 * record sent with kafkac_producer_send). */
KAFKAC_API void *kafkac_delivery_opaque(const kafkac_delivery_t *d);

/* ---- Futures ------------------------------------------------------ */

typedef struct kafkac_future kafkac_future_t;

/* Waits for the record's outcome.  timeout_ms: see kafkac.h; the default
 * is the producer's delivery.timeout.ms, by which every record has its
 * outcome; 0 only looks.  Returns KAFKAC_ERR_TIMED_OUT if it is not known
 * yet (the future stays usable), otherwise the record's error (KAFKAC_OK when
 * written) and sets *out (if out is not NULL) to its outcome, valid until
 * kafkac_future_destroy.  Callable from any thread, and any number of
 * times. */
KAFKAC_API kafkac_err_t kafkac_future_wait(kafkac_future_t *f, int timeout_ms, const kafkac_delivery_t **out);
/* 1 when the outcome is known. */
KAFKAC_API int kafkac_future_done(const kafkac_future_t *f);
/* Releases the caller's reference.  Allowed before the record completes
 * (the record is still sent; only the future is dropped).  NULL: no-op. */
KAFKAC_API void kafkac_future_destroy(kafkac_future_t *f);

/* ---- Creating and closing ---------------------------------------- */

/* Creates a producer and its I/O thread.  conf is only read (the caller
 * keeps ownership).  Returns NULL and fills errstr when a property is
 * unknown or has a bad value, or properties conflict (the message names
 * the keys and what is allowed).  No connection is made until the first
 * send. */
KAFKAC_API kafkac_producer_t *kafkac_producer_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size);

/* Called once per record, inside kafkac_producer_poll/flush/close, on the
 * thread that called them.  d is valid only during the call.  The
 * callback may call kafkac_producer_send / _send_record but not
 * poll/flush/close. */
typedef void (*kafkac_delivery_cb)(void *opaque, const kafkac_delivery_t *d);

/* Installs the delivery callback (cb NULL: none).  Call it before the
 * first send; `opaque` is passed back and not owned by the library. */
KAFKAC_API void kafkac_producer_set_delivery_cb(kafkac_producer_t *p, kafkac_delivery_cb cb, void *opaque);

/* A user partitioner: returns a partition in 0..partition_count-1 for a
 * record sent with KAFKAC_PARTITION_ANY, as kafkac_producer_send always
 * does (key NULL with key_len -1 for a null key).  Runs inside the send,
 * on the sending thread,
 * possibly on several threads at once.  An out-of-range answer fails the
 * send with KAFKAC_ERR_UNKNOWN_PARTITION. */
typedef int32_t (*kafkac_partitioner_cb)(void *opaque, const char *topic, const void *key, int32_t key_len,
                                         int32_t partition_count);
/* Replaces the `partitioner` property's choice (cb NULL: back to it).
 * Call before the first send. */
KAFKAC_API void kafkac_producer_set_partitioner(kafkac_producer_t *p, kafkac_partitioner_cb cb, void *opaque);

/* Sends everything queued at once (ignoring linger.ms), waits until
 * every record sent so far has its outcome and delivers the outcomes to
 * the callback, all within timeout_ms (see kafkac.h; the default,
 * delivery.timeout.ms, gives every record its outcome).  Further sends
 * stop being accepted (KAFKAC_ERR_DESTROYED).  Records still not done at
 * the timeout fail with KAFKAC_ERR_PURGED, and their callbacks run
 * before close returns.  Returns KAFKAC_OK if every record had its
 * outcome (delivered or failed: see each record's) within the timeout,
 * KAFKAC_ERR_TIMED_OUT if the timeout cut it short and records were
 * purged.  A second close returns KAFKAC_OK at once. */
KAFKAC_API kafkac_err_t kafkac_producer_close(kafkac_producer_t *p, int timeout_ms);

/* Closes with a zero timeout if not closed yet, then frees everything.
 * Futures stay valid (and complete) until destroyed by their owners.
 * NULL is a no-op. */
KAFKAC_API void kafkac_producer_destroy(kafkac_producer_t *p);

/* ---- Sending ------------------------------------------------------ */

/* Queues one record with the common settings: the partitioner chooses
 * the partition (murmur2 of the key as in the Java client for keyed
 * records, sticky for unkeyed ones, by default, or the callback of
 * kafkac_producer_set_partitioner), the timestamp is the time of the
 * call, no headers, no opaque.  The same as kafkac_producer_send_record
 * with a record handle holding topic, key and value only.
 *   topic      NUL-terminated; copied as needed.
 *   key/value  bytes, copied before the call returns; NULL with length
 *              -1 for a null key or value.
 *   future     if not NULL, receives a new future the caller must
 *              release with kafkac_future_destroy.  With NULL no future
 *              is allocated (the delivery callback, if any, still runs).
 *
 * Blocks for up to max.block.ms while the topic's metadata is unknown or
 * buffer.memory is used up.  Returns KAFKAC_OK (the outcome will come
 * later), or an error and then no future is made (*future is NULL) and
 * no callback runs:
 * KAFKAC_ERR_QUEUE_FULL (no buffer space within max.block.ms),
 * KAFKAC_ERR_UNKNOWN_TOPIC (no metadata within max.block.ms although a
 * broker answered), KAFKAC_ERR_ALL_BROKERS_DOWN / KAFKAC_ERR_RESOLVE /
 * KAFKAC_ERR_TIMED_OUT (no broker could be reached within max.block.ms:
 * connections refused, a host name that does not resolve, brokers that
 * accept connections but do not answer),
 * KAFKAC_ERR_UNKNOWN_PARTITION, KAFKAC_ERR_MSG_SIZE_TOO_LARGE (record over
 * max.request.size or buffer.memory), KAFKAC_ERR_INVALID_ARG (p or topic
 * NULL, topic empty, a length below -1, or NULL bytes with a positive
 * length), KAFKAC_ERR_DESTROYED (closing), KAFKAC_ERR_FATAL (the producer
 * hit an unrecoverable error, e.g. fenced), KAFKAC_ERR_NO_MEMORY.  With
 * transactional.id: KAFKAC_ERR_STATE outside a transaction (begin first),
 * or the error that made the open transaction abortable (abort first).
 * kafkac_producer_send_error says more about the last refusal. */
KAFKAC_API kafkac_err_t kafkac_producer_send(kafkac_producer_t *p, const char *topic, const void *key,
                                             int32_t key_len, const void *value, int32_t value_len,
                                             kafkac_future_t **future);

/* A record to send, as Java's ProducerRecord: topic, partition, key,
 * value, timestamp, headers and an opaque for the delivery report.
 *
 * The setters store pointers, not copies: topic, key, value and each
 * header's key and value are borrowed and must stay valid until the
 * kafkac_producer_send_record that uses them returns (the send copies
 * the bytes into its batch).  So one handle can serve any number of
 * sends, changing what differs between them, with no allocation per
 * record.  A handle is not locked: one thread at a time (a handle per
 * sending thread).  Setters take a non-NULL handle and check nothing;
 * the send checks the values and says KAFKAC_ERR_INVALID_ARG. */
typedef struct kafkac_producer_record kafkac_producer_record_t;

/* A record for topic (borrowed; may be NULL here and set later) with the
 * defaults of kafkac_producer_send: KAFKAC_PARTITION_ANY, null key and
 * value, KAFKAC_TIMESTAMP_NONE, no headers, opaque NULL.  NULL on out of
 * memory.  Free it with kafkac_producer_record_destroy. */
KAFKAC_API kafkac_producer_record_t *kafkac_producer_record_new(const char *topic);
/* Frees the handle (never anything it borrowed).  NULL is a no-op. */
KAFKAC_API void kafkac_producer_record_destroy(kafkac_producer_record_t *r);
/* The topic, NUL-terminated, borrowed. */
KAFKAC_API void kafkac_producer_record_set_topic(kafkac_producer_record_t *r, const char *topic);
/* A partition number, or KAFKAC_PARTITION_ANY to let the partitioner
 * choose.  A partition the topic does not have fails the send with
 * KAFKAC_ERR_UNKNOWN_PARTITION, after the send has looked for it in
 * fresh metadata for up to 2 s (never past max.block.ms), in case
 * partitions were just added; below KAFKAC_PARTITION_ANY:
 * KAFKAC_ERR_INVALID_ARG. */
KAFKAC_API void kafkac_producer_record_set_partition(kafkac_producer_record_t *r, int32_t partition);
/* Key bytes, borrowed; NULL with key_len -1 for a null key. */
KAFKAC_API void kafkac_producer_record_set_key(kafkac_producer_record_t *r, const void *key, int32_t key_len);
/* Value bytes, borrowed; NULL with value_len -1 for a null value (a
 * tombstone on a compacted topic). */
KAFKAC_API void kafkac_producer_record_set_value(kafkac_producer_record_t *r, const void *value,
                                                 int32_t value_len);
/* CreateTime in milliseconds since the epoch (0 is 1970-01-01, an
 * ordinary timestamp), or KAFKAC_TIMESTAMP_NONE for the time of the
 * send.  Below KAFKAC_TIMESTAMP_NONE the send fails with
 * KAFKAC_ERR_INVALID_ARG. */
KAFKAC_API void kafkac_producer_record_set_timestamp(kafkac_producer_record_t *r, int64_t timestamp);
/* Returned by kafkac_delivery_opaque in the record's outcome; never
 * dereferenced by the library. */
KAFKAC_API void kafkac_producer_record_set_opaque(kafkac_producer_record_t *r, void *msg_opaque);
/* Appends a header: key NUL-terminated, value bytes (NULL with
 * value_len -1 for a null value), both borrowed.  Headers keep their
 * order; a key may repeat.  Returns KAFKAC_OK, KAFKAC_ERR_INVALID_ARG (r
 * or key NULL, value_len below -1, or NULL value with a positive length;
 * nothing added) or KAFKAC_ERR_NO_MEMORY (nothing added). */
KAFKAC_API kafkac_err_t kafkac_producer_record_add_header(kafkac_producer_record_t *r, const char *key,
                                                          const void *value, int32_t value_len);
/* Removes every header (the space is kept for the next ones). */
KAFKAC_API void kafkac_producer_record_clear_headers(kafkac_producer_record_t *r);

/* Queues the record r describes.  Everything kafkac_producer_send says
 * holds here too (copies, blocking, future, errors); in addition
 * KAFKAC_ERR_INVALID_ARG when r is NULL or holds a value its setter's
 * doc refuses (no topic, a partition below KAFKAC_PARTITION_ANY, a
 * timestamp below KAFKAC_TIMESTAMP_NONE).  r is only read: it can be
 * sent again, changed, or destroyed as soon as the call returns. */
KAFKAC_API kafkac_err_t kafkac_producer_send_record(kafkac_producer_t *p, const kafkac_producer_record_t *r,
                                                    kafkac_future_t **future);

/* Why a kafkac_producer_send or _send_record was refused: returns the
 * error of the most recent send that failed (KAFKAC_OK if none has) and
 * writes a sentence to errstr saying what happened, e.g. for KAFKAC_ERR_ALL_BROKERS_DOWN,
 * KAFKAC_ERR_RESOLVE or KAFKAC_ERR_TIMED_OUT (no broker of
 * bootstrap.servers reachable within max.block.ms) the addresses tried
 * and the last connection error.  With several threads sending, it is
 * the last failure of any of them.  Any thread. */
KAFKAC_API kafkac_err_t kafkac_producer_send_error(kafkac_producer_t *p, char *errstr, size_t errstr_size);

/* Runs delivery callbacks for outcomes that are ready, waiting for the
 * first one up to timeout_ms (see kafkac.h; default delivery.timeout.ms;
 * 0 runs what is ready and does not wait).  Returns the number of
 * callbacks run, or KAFKAC_ERR_INVALID_ARG (negative) for a timeout_ms
 * below -1. */
KAFKAC_API int kafkac_producer_poll(kafkac_producer_t *p, int timeout_ms);

/* Sends everything queued at once (ignoring linger.ms) and waits until
 * every record sent before the call has its outcome, running delivery
 * callbacks meanwhile.  timeout_ms: see kafkac.h; default
 * delivery.timeout.ms (with 0 it sends and returns).  Returns KAFKAC_OK,
 * KAFKAC_ERR_TIMED_OUT, or KAFKAC_ERR_DESTROYED when kafkac_producer_close on
 * another thread stopped the producer meanwhile (close completes the
 * records).  After close it returns KAFKAC_OK at once. */
KAFKAC_API kafkac_err_t kafkac_producer_flush(kafkac_producer_t *p, int timeout_ms);

/* ---- Transactions ------------------------------------------------- */

/* With `transactional.id` set, every record belongs to a transaction: it
 * becomes visible to read_committed consumers when the transaction
 * commits, and never if it aborts.  Consumer offsets can join the
 * transaction (send_offsets_to_transaction) for consume-transform-produce
 * exactly once.
 *
 *   kafkac_producer_init_transactions(p, 30000, err, sizeof err);   // once
 *   for (;;) {
 *       kafkac_producer_begin_transaction(p, err, sizeof err);
 *       ... kafkac_producer_send(...) ...
 *       do
 *           e = kafkac_producer_commit_transaction(p, 30000, err, sizeof err);
 *       while (e == KAFKAC_ERR_TIMED_OUT);
 *       if (kafkac_producer_txn_fatal(p))
 *           break;                          // e.g. fenced: close the producer
 *       if (e != KAFKAC_OK)                 // abortable: nothing was committed
 *           kafkac_producer_abort_transaction(p, 30000, err, sizeof err);
 *   }
 *
 * examples/transactions.c is a complete consume-transform-produce loop.
 *
 * Errors of every transactional call fall in four kinds:
 *   - KAFKAC_ERR_TIMED_OUT: the call's timeout passed but its work goes
 *     on; call the same function again to wait for its outcome (other
 *     transactional calls return KAFKAC_ERR_STATE until then, as in the
 *     Java client).
 *   - fatal (KAFKAC_ERR_PRODUCER_FENCED: another producer with the same
 *     transactional.id started, or the coordinator fenced this one
 *     because the transaction outlived transaction.timeout.ms;
 *     TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_TRANSACTION_TIMEOUT,
 *     INVALID_TXN_STATE...): the producer can do nothing more; every
 *     later call and send fails (send with KAFKAC_ERR_FATAL), and it
 *     must be closed and destroyed.  kafkac_producer_txn_fatal() says 1.
 *   - abortable (a record of the transaction failed, a partition or the
 *     offsets could not be added, the consumer group moved on...): the
 *     transaction can no longer commit; commit and send return the error
 *     that caused it and the caller must call abort_transaction, after
 *     which a new transaction may begin.
 *   - KAFKAC_ERR_STATE: the call is not valid now (begin twice, send or
 *     commit outside a transaction, init twice): a usage error; nothing
 *     changed.  KAFKAC_ERR_DESTROYED: the producer is closed (or was
 *     closed while the call waited).
 * timeout_ms of every transactional call: see kafkac.h; the default is
 * max.block.ms, as in the Java client (0 starts the operation and
 * returns KAFKAC_ERR_TIMED_OUT unless it is already done: call again to
 * wait for it).  Calls block the calling thread only (the library's I/O
 * thread does the requests); errstr (may be NULL) receives a sentence saying what
 * happened.  One transactional call at a time per producer, and none from
 * a delivery callback (commit runs callbacks, like flush).  Closing the
 * producer in a transaction leaves it open until the coordinator aborts
 * it after transaction.timeout.ms: abort first. */

/* Finds the transaction coordinator for transactional.id, gets a producer
 * id and epoch from it (which fences any older producer with the same
 * id, and aborts a transaction it left open), and makes the producer
 * ready for begin.  Call once, before any send.  KAFKAC_ERR_STATE if transactional.id is not set or it already
 * succeeded. */
KAFKAC_API kafkac_err_t kafkac_producer_init_transactions(kafkac_producer_t *p, int timeout_ms, char *errstr,
                                                          size_t errstr_size);

/* Starts a transaction (local only: the coordinator learns of it with
 * the first partition or offsets added).  KAFKAC_ERR_STATE if not
 * initialized or a transaction is open; a fatal error once fenced. */
KAFKAC_API kafkac_err_t kafkac_producer_begin_transaction(kafkac_producer_t *p, char *errstr, size_t errstr_size);

/* Adds consumer offsets to the open transaction: they are committed for
 * the group if, and only if, the transaction commits.  `offsets` (read
 * only) are the next offsets to consume (last processed + 1), with
 * optional metadata and leader epoch.  Sends AddOffsetsToTxn to the
 * transaction coordinator, then TxnOffsetCommit to the group's
 * coordinator.  Errors: KAFKAC_ERR_STATE outside a transaction;
 * abortable: GROUP_AUTHORIZATION_FAILED, ILLEGAL_GENERATION /
 * UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID (this member lost its
 * partitions: abort, and do not reprocess what the new owner will);
 * fatal as above. */
KAFKAC_API kafkac_err_t kafkac_producer_send_offsets_to_transaction(kafkac_producer_t *p,
                                                                    const kafkac_topic_partition_list_t *offsets,
                                                                    const kafkac_group_metadata_t *gm,
                                                                    int timeout_ms, char *errstr,
                                                                    size_t errstr_size);

/* Sends every record of the transaction, waits for all of them (running
 * delivery callbacks on this thread, like flush), then commits with
 * EndTxn.  KAFKAC_OK: the records and offsets are visible to
 * read_committed consumers.  If any record failed, returns that record's
 * error without committing: the transaction is abortable (abort it).
 * KAFKAC_ERR_TIMED_OUT: call commit again to finish (or abort if the
 * records are still undelivered).  Fatal errors as above. */
KAFKAC_API kafkac_err_t kafkac_producer_commit_transaction(kafkac_producer_t *p, int timeout_ms, char *errstr,
                                                           size_t errstr_size);

/* Aborts the transaction: records still unsent fail with
 * KAFKAC_ERR_PURGED (their callbacks run in a later poll/flush), records
 * already written are discarded for read_committed consumers, offsets are
 * not committed.  Valid in a transaction and after an abortable error;
 * then the producer is ready for begin again.  Fatal errors as above (a
 * fenced producer cannot abort: the coordinator aborts for it). */
KAFKAC_API kafkac_err_t kafkac_producer_abort_transaction(kafkac_producer_t *p, int timeout_ms, char *errstr,
                                                          size_t errstr_size);

/* 1 when the producer hit a fatal error and must be closed, else 0. */
KAFKAC_API int kafkac_producer_txn_fatal(kafkac_producer_t *p);

/* ---- Metrics ------------------------------------------------------ */

/* A snapshot of counters since the producer was created.  Filled by
 * kafkac_producer_metrics; fields may be added at the end in later
 * versions (pass sizeof your struct). */
typedef struct kafkac_producer_metrics {
    int64_t records_sent;          /* records acknowledged (or written, acks=0) */
    int64_t bytes_sent;            /* record batch bytes acknowledged, after compression */
    int64_t batches_sent;          /* batches acknowledged */
    double  batch_size_avg;        /* bytes_sent / batches_sent */
    double  records_per_batch_avg;
    int64_t requests_sent;         /* Produce requests completed (answered, or written for acks=0) */
    double  request_latency_avg_ms;/* send to response, Produce requests */
    int64_t request_latency_max_ms;
    int64_t retries;               /* batches sent again after a retriable error */
    int64_t record_errors;         /* records completed with an error */
    int64_t queued_records;        /* queue depth: records sent, outcome still pending */
    int64_t queued_bytes;          /* memory of the batches whose records are still pending */
    int64_t in_flight_requests;    /* Produce requests awaiting their response */
    int64_t epoch_bumps;           /* idempotent producer id/epoch renewals after sequence errors */
    int64_t pooled_bytes;          /* spare batches kept for reuse; queued_bytes + pooled_bytes stay
                                    * within buffer.memory */
} kafkac_producer_metrics_t;

/* Fills *m (m_size: sizeof *m as the caller knows it). */
KAFKAC_API kafkac_err_t kafkac_producer_metrics(kafkac_producer_t *p, kafkac_producer_metrics_t *m, size_t m_size);

#ifdef __cplusplus
}
#endif
#endif

/* libkafkac: small types shared by the producer, consumer and admin APIs:
 * special values and the topic-partition list (an opaque handle with
 * accessors). */
#ifndef KAFKAC_TYPES_H
#define KAFKAC_TYPES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "kafkac/error.h"
#include "kafkac/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values of every timeout_ms argument besides 0 (do not wait) and a
 * positive number of milliseconds: the rule is stated once, in kafkac.h. */
#define KAFKAC_TIMEOUT_DEFAULT  (-1)       /* the call's configured default */
#define KAFKAC_TIMEOUT_INFINITE INT_MAX    /* no limit */

/* "Let the partitioner choose" (send) / "no partition" elsewhere. */
#define KAFKAC_PARTITION_ANY (-1)

/* Special offsets, as Kafka defines them for ListOffsets and seeks. */
#define KAFKAC_OFFSET_BEGINNING (-2)  /* earliest available */
#define KAFKAC_OFFSET_END       (-1)  /* next offset to be written (high watermark) */
#define KAFKAC_OFFSET_INVALID   (-1001) /* no offset (e.g. nothing committed) */

/* "No timestamp", as Kafka writes it on the wire (RecordBatch.NO_TIMESTAMP).
 * Given to kafkac_producer_record_set_timestamp it means "stamp the record
 * with the time of the send" (what kafkac_producer_send does), as a null
 * timestamp does in Java's ProducerRecord; every other
 * value, 0 included, is the record's CreateTime in ms since the epoch.  No
 * real timestamp collides with it: Kafka accepts no negative timestamp
 * (Java's ProducerRecord refuses them), and a record whose CreateTime was
 * -1 would read back as "none" anyway.  Timestamps the library reports
 * (kafkac_delivery_timestamp, a consumed record's) use it for "unknown". */
#define KAFKAC_TIMESTAMP_NONE   (-1)

/* ---- Topic-partition lists ---------------------------------------- */

/* A list of topic-partitions, each with an offset, a leader epoch,
 * optional commit metadata and a per-partition result.  Used for
 * assignments, seeks, commits, offset lookups and per-partition results.
 * Both types are opaque: read and change them with the functions below,
 * so that they can grow without breaking programs compiled against an
 * older header.
 *
 *   kafkac_topic_partition_list_t *l = kafkac_tpl_new(0);
 *   kafkac_tp_set_offset(kafkac_tpl_add(l, "events", 0), 42);
 *   for (int i = 0; i < kafkac_tpl_count(l); i++) {
 *       const kafkac_topic_partition_t *tp = kafkac_tpl_at(l, i);
 *       printf("%s [%d] @ %lld\n", kafkac_tp_topic(tp), (int)kafkac_tp_partition(tp),
 *              (long long)kafkac_tp_offset(tp));
 *   }
 *   kafkac_tpl_destroy(l);
 *
 * Ownership: the list owns its elements and their strings.  An element
 * pointer (from _add, _at or _find) stays valid until the list is changed
 * by kafkac_tpl_add or kafkac_tpl_sort, or destroyed.  A list is not
 * locked: one thread at a time. */
typedef struct kafkac_topic_partition kafkac_topic_partition_t;
typedef struct kafkac_topic_partition_list kafkac_topic_partition_list_t;

/* An empty list with room for initial_size elements (it grows as needed;
 * 0 is fine).  NULL on out of memory. */
KAFKAC_API kafkac_topic_partition_list_t *kafkac_tpl_new(int initial_size);
/* Frees the list and everything in it.  NULL is a no-op. */
KAFKAC_API void kafkac_tpl_destroy(kafkac_topic_partition_list_t *l);
/* Appends topic/partition (topic is copied); returns the new element
 * (offset KAFKAC_OFFSET_INVALID, leader epoch -1, no metadata, err
 * KAFKAC_OK), or NULL on out of memory or when l or topic is NULL. */
KAFKAC_API kafkac_topic_partition_t *kafkac_tpl_add(kafkac_topic_partition_list_t *l, const char *topic,
                                                    int32_t partition);
/* The number of elements (0 for NULL). */
KAFKAC_API int kafkac_tpl_count(const kafkac_topic_partition_list_t *l);
/* Element i, 0 <= i < kafkac_tpl_count(l); NULL when i is out of range. */
KAFKAC_API kafkac_topic_partition_t *kafkac_tpl_at(const kafkac_topic_partition_list_t *l, int i);
/* The element for topic/partition, or NULL. */
KAFKAC_API kafkac_topic_partition_t *kafkac_tpl_find(const kafkac_topic_partition_list_t *l, const char *topic,
                                                     int32_t partition);
/* Deep copy (of NULL: an empty list); NULL on out of memory. */
KAFKAC_API kafkac_topic_partition_list_t *kafkac_tpl_copy(const kafkac_topic_partition_list_t *l);
/* Sorts by topic, then partition. */
KAFKAC_API void kafkac_tpl_sort(kafkac_topic_partition_list_t *l);

/* One element.  Getters take a non-NULL element.  Strings returned are
 * owned by the list and valid as long as the element pointer is. */
KAFKAC_API const char *kafkac_tp_topic(const kafkac_topic_partition_t *tp);
KAFKAC_API int32_t kafkac_tp_partition(const kafkac_topic_partition_t *tp);
/* The offset: an input (seek, commit) or a result (committed, offsets
 * lookups); KAFKAC_OFFSET_INVALID when not set. */
KAFKAC_API int64_t kafkac_tp_offset(const kafkac_topic_partition_t *tp);
KAFKAC_API void kafkac_tp_set_offset(kafkac_topic_partition_t *tp, int64_t offset);
/* The leader epoch the offset belongs to; -1 when unknown. */
KAFKAC_API int32_t kafkac_tp_leader_epoch(const kafkac_topic_partition_t *tp);
KAFKAC_API void kafkac_tp_set_leader_epoch(kafkac_topic_partition_t *tp, int32_t leader_epoch);
/* Commit metadata; NULL when there is none. */
KAFKAC_API const char *kafkac_tp_metadata(const kafkac_topic_partition_t *tp);
/* Replaces the commit metadata (copied; NULL clears).  KAFKAC_OK, or
 * KAFKAC_ERR_NO_MEMORY and the old metadata stays. */
KAFKAC_API kafkac_err_t kafkac_tp_set_metadata(kafkac_topic_partition_t *tp, const char *metadata);
/* The per-partition result of the operation that filled the list (e.g.
 * a commit); KAFKAC_OK otherwise. */
KAFKAC_API kafkac_err_t kafkac_tp_err(const kafkac_topic_partition_t *tp);

#ifdef __cplusplus
}
#endif
#endif

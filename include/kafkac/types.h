/* libkafkac: small plain types shared by the producer, consumer and admin
 * APIs.  These are the only public structs whose fields you read and
 * write directly; they are inputs and outputs, never handles. */
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
 * Given to kafkac_producer_send it means "stamp the record with the current
 * time", as a null timestamp does in Java's ProducerRecord; every other
 * value, 0 included, is the record's CreateTime in ms since the epoch.  No
 * real timestamp collides with it: Kafka accepts no negative timestamp
 * (Java's ProducerRecord refuses them), and a record whose CreateTime was
 * -1 would read back as "none" anyway.  Timestamps the library reports
 * (kafkac_delivery_timestamp, a consumed record's) use it for "unknown". */
#define KAFKAC_TIMESTAMP_NONE   (-1)

/* A record header.  key is a NUL-terminated string; value is bytes
 * (value_len -1 for a null value).  Both are borrowed for the duration of
 * the call that takes them. */
typedef struct kafkac_header {
    const char *key;
    const void *value;
    int32_t value_len;
} kafkac_header_t;

/* One topic-partition with an offset, optional metadata and a result.
 * Used for assignments, seeks, commits and per-partition results. */
typedef struct kafkac_topic_partition {
    char *topic;          /* owned by the list */
    int32_t partition;
    int64_t offset;       /* KAFKAC_OFFSET_INVALID when not set */
    int32_t leader_epoch; /* -1 when unknown */
    char *metadata;       /* commit metadata, owned by the list; NULL if none */
    kafkac_err_t err;     /* per-partition result of an operation */
} kafkac_topic_partition_t;

/* A growable list of topic-partitions.  Fields are readable; change the
 * list through the functions below so that ownership stays right. */
typedef struct kafkac_topic_partition_list {
    kafkac_topic_partition_t *elems;
    int count;
    int size;             /* allocated */
} kafkac_topic_partition_list_t;

/* NULL on out of memory. */
KAFKAC_API kafkac_topic_partition_list_t *kafkac_tpl_new(int initial_size);
/* NULL is a no-op. */
KAFKAC_API void kafkac_tpl_destroy(kafkac_topic_partition_list_t *l);
/* Appends (topic is copied); returns the new element (offset
 * KAFKAC_OFFSET_INVALID, leader_epoch -1) or NULL on out of memory. */
KAFKAC_API kafkac_topic_partition_t *kafkac_tpl_add(kafkac_topic_partition_list_t *l, const char *topic,
                                                    int32_t partition);
/* The element for topic/partition, or NULL. */
KAFKAC_API kafkac_topic_partition_t *kafkac_tpl_find(const kafkac_topic_partition_list_t *l, const char *topic,
                                                     int32_t partition);
/* Replaces an element's metadata (copied; NULL clears).  0 or NO_MEMORY. */
KAFKAC_API kafkac_err_t kafkac_tpl_set_metadata(kafkac_topic_partition_t *tp, const char *metadata);
/* Deep copy; NULL on out of memory. */
KAFKAC_API kafkac_topic_partition_list_t *kafkac_tpl_copy(const kafkac_topic_partition_list_t *l);
/* Sorts by topic, then partition. */
KAFKAC_API void kafkac_tpl_sort(kafkac_topic_partition_list_t *l);

#ifdef __cplusplus
}
#endif
#endif

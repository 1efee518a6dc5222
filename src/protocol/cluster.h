/* A snapshot of cluster metadata: brokers, controller, topics and their
 * partitions, as the last Metadata response(s) described them.
 *
 * Snapshots are immutable and reference counted.  The network client
 * swaps in a new one after every Metadata response; any thread may hold
 * one (kc_cluster_ref / kc_cluster_unref) and read it without locks while
 * newer ones replace it. */
#ifndef KC_CLUSTER_H
#define KC_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include "protocol/schema.h"
#include "kc_messages.h"   /* generated: kc_metadata_response_t */

/* The tags are the public element handles of protocol.h (kafkac_node_t,
 * kafkac_partition_info_t): results hand these out as they are, read by
 * the getters of cluster_api.c. */
typedef struct kafkac_node {
    int32_t id;
    char *host;          /* owned by the snapshot */
    int32_t port;
    char *rack;          /* NULL when the broker has none */
} kc_broker_info_t;

typedef struct kafkac_partition_info {
    int32_t id;
    int16_t err;         /* per-partition error from the broker (e.g. LEADER_NOT_AVAILABLE) */
    int32_t leader;      /* -1: no leader */
    int32_t leader_epoch;/* -1: unknown (Metadata < v7) */
    int32_t *replicas; int32_t replicas_count;
    int32_t *isr;      int32_t isr_count;
    int32_t *offline;  int32_t offline_count;
} kc_partition_info_t;

typedef struct kc_topic_info {
    char *name;
    kc_uuid_t id;        /* all zero when the broker sends none */
    int16_t err;         /* e.g. UNKNOWN_TOPIC_OR_PARTITION, or 0 */
    bool internal;
    kc_partition_info_t *partitions;  /* sorted by id, index == id when complete */
    int32_t partition_count;
} kc_topic_info_t;

typedef struct kc_cluster {
    int refcnt;                /* atomic */
    int64_t version;           /* increases by one with every snapshot */
    int64_t updated_ms;        /* monotonic time of the response it came from */
    char *cluster_id;          /* NULL before Metadata v2 */
    int32_t controller_id;     /* -1 unknown */
    kc_broker_info_t *brokers; int32_t broker_count;   /* sorted by id */
    kc_topic_info_t *topics;   int32_t topic_count;    /* sorted by name */
} kc_cluster_t;

kc_cluster_t *kc_cluster_ref(kc_cluster_t *c);
void kc_cluster_unref(kc_cluster_t *c);          /* frees at zero; NULL is a no-op */

const kc_broker_info_t *kc_cluster_broker(const kc_cluster_t *c, int32_t id);
const kc_topic_info_t *kc_cluster_topic(const kc_cluster_t *c, const char *name);
const kc_partition_info_t *kc_cluster_partition(const kc_cluster_t *c, const char *topic, int32_t partition);

/* The Kafka error code the last answer gave for topic `name` (0 when it
 * had none), or KAFKAC_ERR_NOT_FOUND (negative) when the snapshot does not
 * have the topic.  So "the topic has an error" (e.g. 3
 * UNKNOWN_TOPIC_OR_PARTITION, 5 LEADER_NOT_AVAILABLE, 17 INVALID_TOPIC_EXCEPTION,
 * 29 TOPIC_AUTHORIZATION_FAILED) can be told from "the topic has 0 partitions". */
int kc_cluster_topic_error(const kc_cluster_t *c, const char *name);

/* Whether a topic's metadata says "not ready yet": LEADER_NOT_AVAILABLE
 * or UNKNOWN_TOPIC_OR_PARTITION (a topic being created, or not yet known
 * to the broker that answered), no partitions, or a partition without a
 * leader.  The network client asks again soon for such a topic. */
int kc_cluster_topic_retriable(const kc_topic_info_t *t);

/* An empty snapshot (version 0): no brokers, no topics. */
kc_cluster_t *kc_cluster_empty(void);

/* Builds the snapshot that follows `prev` from a decoded Metadata response.
 * Topics the response does not mention are carried over from prev when
 * `keep_unmentioned` (a response to a request for some topics only).
 * Returns NULL on out of memory. */
kc_cluster_t *kc_cluster_from_response(const kc_cluster_t *prev, const kc_metadata_response_t *resp,
                                       int keep_unmentioned, int64_t now_ms);

#endif

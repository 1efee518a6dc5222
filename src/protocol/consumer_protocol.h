/* The consumer's embedded protocol: the opaque bytes a consumer puts in
 * JoinGroup's protocol metadata (ConsumerProtocolSubscription) and the
 * leader hands out through SyncGroup (ConsumerProtocolAssignment), plus
 * the StickyAssignor's user data (a member's previous assignment), which
 * eager "sticky" members carry in the subscription's UserData.
 *
 * Layout (no flexible versions; int16 version prefix; strings int16
 * length; bytes int32 length, -1 null; arrays int32 count):
 *   Subscription  v0: version, [topic], user_data
 *                 v1: + [owned: topic, [partition]]
 *                 v2: + generation_id (int32, -1 unknown)
 *                 v3: + rack_id (nullable string)
 *   Assignment  v0-3: version, [topic, [partition]], user_data
 *                     (v1-v3 exist only to follow the subscription)
 *   Sticky user data: [topic, [partition]], then generation (int32),
 *                     which older writers leave out; no version prefix.
 * Kafka's rule for newer versions: read them with the newest layout known
 * and ignore what follows, so fields are only ever appended. */
#ifndef KC_CONSUMER_PROTOCOL_H
#define KC_CONSUMER_PROTOCOL_H

#include <stdint.h>
#include "common/arena.h"
#include "common/buf.h"
#include "protocol/schema.h"

#define KC_CP_MAX_VERSION 3

/* One topic with some of its partitions. */
typedef struct kc_cp_topic {
    const char *topic;
    int32_t *partitions;
    int32_t partition_count;
} kc_cp_topic_t;

typedef struct kc_cp_subscription {
    int16_t version;             /* decoded: the version read */
    const char **topics;
    int32_t topic_count;
    kc_bytes_t user_data;        /* len -1: null */
    kc_cp_topic_t *owned;        /* v1+ */
    int32_t owned_count;
    int32_t generation_id;       /* v2+; -1 unknown */
    const char *rack_id;         /* v3+; NULL: none */
} kc_cp_subscription_t;

typedef struct kc_cp_assignment {
    int16_t version;
    kc_cp_topic_t *assigned;
    int32_t assigned_count;
    kc_bytes_t user_data;        /* len -1: null */
} kc_cp_assignment_t;

/* Sticky user data: previous assignment + generation (-1 when absent). */
typedef struct kc_cp_sticky {
    kc_cp_topic_t *prev;
    int32_t prev_count;
    int32_t generation;
} kc_cp_sticky_t;

/* Sets the defaults (empty lists, null user data, generation -1). */
void kc_cp_subscription_init(kc_cp_subscription_t *s);
void kc_cp_assignment_init(kc_cp_assignment_t *a);

/* Encoders append to w and return 0 or w's sticky error.  Fields the
 * version lacks are dropped (they are all ignorable).  version must be
 * 0..KC_CP_MAX_VERSION, else KAFKAC_ERR_INVALID_ARG. */
int kc_cp_subscription_encode(kc_writer_t *w, const kc_cp_subscription_t *s, int16_t version);
int kc_cp_assignment_encode(kc_writer_t *w, const kc_cp_assignment_t *a, int16_t version);
int kc_cp_sticky_encode(kc_writer_t *w, const kc_cp_sticky_t *u);

/* Decoders read buf[0..len) into *out.  Arrays and strings are allocated
 * from arena; user_data points into buf (no copy), so buf must outlive
 * *out.  Returns 0, KAFKAC_ERR_TRUNCATED or KAFKAC_ERR_MALFORMED (a
 * negative version, a null where none is allowed, bytes left over in a
 * version we know), or KAFKAC_ERR_NO_MEMORY. */
int kc_cp_subscription_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_subscription_t *out);
int kc_cp_assignment_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_assignment_t *out);
int kc_cp_sticky_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_sticky_t *out);

#endif

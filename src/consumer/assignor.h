/* Client-side partition assignors (KIP-54 sticky, KIP-429 cooperative):
 * pure functions from the group's subscriptions and the topics' partition
 * counts to each member's partitions.  The group leader runs one after
 * JoinGroup and ships the result in SyncGroup.  No I/O, no locks.
 *
 * Members are ordered as Kafka's Java client orders them (MemberInfo):
 * static members (group.instance.id) first, by instance id, then dynamic
 * members by member id; so range and roundrobin give the same answer as
 * the Java and librdkafka assignors of the same names. */
#ifndef KC_ASSIGNOR_H
#define KC_ASSIGNOR_H

#include <stdint.h>

typedef struct kc_tp {
    const char *topic;
    int32_t partition;
} kc_tp_t;

/* A growable list of topic-partitions; topic strings are borrowed. */
typedef struct kc_tps {
    kc_tp_t *v;   /* owned */
    int n, cap;
} kc_tps_t;

/* 0 or KAFKAC_ERR_NO_MEMORY. */
int kc_tps_push(kc_tps_t *l, const char *topic, int32_t partition);
void kc_tps_free(kc_tps_t *l);             /* frees v; the struct is left empty */
void kc_tps_sort(kc_tps_t *l);             /* by topic name, then partition */

typedef struct kc_asg_member {
    /* Input, borrowed. */
    const char *member_id;
    const char *instance_id;               /* NULL: dynamic member */
    const char *const *topics;             /* subscription; names not in the topic list are ignored */
    int topic_count;
    const kc_tp_t *owned;                  /* partitions it owns now (sticky assignors) */
    int owned_count;
    int32_t generation;                    /* generation `owned` is from; -1 unknown */
    /* Output: set by the assignor (sorted); free with kc_tps_free.  Topic
     * pointers point at the kc_asg_topic_t names given. */
    kc_tps_t assigned;
} kc_asg_member_t;

typedef struct kc_asg_topic {
    const char *name;                      /* borrowed */
    int32_t partitions;                    /* partition count, from metadata */
} kc_asg_topic_t;

/* Fills every member's `assigned` (which must start empty).  Returns 0, or
 * KAFKAC_ERR_NO_MEMORY (then every `assigned` is freed and empty). */
typedef int (*kc_assign_fn)(kc_asg_member_t *members, int member_count, const kc_asg_topic_t *topics,
                            int topic_count);

typedef struct kc_asg_algo {
    const char *name;        /* the protocol name in JoinGroup: "range" ... */
    int cooperative;         /* 1: supports KIP-429 incremental rebalancing */
    kc_assign_fn assign;
} kc_asg_algo_t;

/* By protocol name; NULL if unknown. */
const kc_asg_algo_t *kc_asg_find(const char *name);

int kc_assign_range(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt);
int kc_assign_roundrobin(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt);
/* Eager sticky: balanced, and moves as few owned partitions as it can. */
int kc_assign_sticky(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt);
/* Cooperative sticky: the sticky answer, minus every partition that moves
 * from one live member to another; those stay unassigned this round (the
 * owner revokes them, rejoins, and the next round gives them out). */
int kc_assign_cooperative_sticky(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt);

/* Shared by the assignors (assignor.c). */
/* Member indexes 0..nm-1 in Java's MemberInfo order; kc_malloc'd, NULL on OOM. */
int *kc_asg_member_order(const kc_asg_member_t *m, int nm);
/* 1 if member m subscribes to topic. */
int kc_asg_subscribes(const kc_asg_member_t *m, const char *topic);
/* Topic indexes sorted by name; kc_malloc'd, NULL on OOM (or nt == 0). */
int *kc_asg_topic_order(const kc_asg_topic_t *t, int nt);
/* Frees every member's output (after a failure). */
void kc_asg_reset(kc_asg_member_t *m, int nm);

#endif

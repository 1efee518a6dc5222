/* The classic group coordinator client (kafka-python's coordinator/base.py
 * and coordinator/consumer.py, in C), shared by coordinator.c (life cycle,
 * FindCoordinator, heartbeats, LeaveGroup, the service),
 * coordinator_subscription.c (topic names and ^regex patterns, the topics
 * they mean, missing topics, stale assignments),
 * coordinator_join.c (JoinGroup, the leader's assignment, SyncGroup),
 * coordinator_rebalance.c (what runs on the application's thread:
 * revoke/assign/lost callbacks and the assignment changes) and commit.c.
 *
 * Threads.  The state below is guarded by co->lock.  Requests are sent and
 * their responses handled on the I/O thread (the service co_serve runs
 * there every loop turn); rebalance callbacks and commit-on-revoke run on
 * the application's thread as events posted with kc_consumer_post.  Lock
 * order: co->lock, then c->lock (kc_consumer_post and _post_error are
 * called with co->lock held); so the consumer core must call the
 * kc_coordinator_* hooks without holding c->lock.  kc_net_call and user
 * callbacks are never called with co->lock held.
 *
 * States (Java's MemberState, plus PREPARING for the gap between deciding
 * to rejoin and the application thread having revoked what it must):
 *   UNJOINED   -> JOIN_READY (nothing to revoke) or PREPARING (eager
 *                 revoke or lost partitions pending on the app thread)
 *   PREPARING  -> JOIN_READY once the app thread ran the revoke event
 *   JOIN_READY -> JOINING when JoinGroup is sent (coordinator known)
 *   JOINING    -> SYNCING on a JoinGroup answer (leader: assign first)
 *   SYNCING    -> STABLE on a SyncGroup answer (assignment event posted)
 *   any error  -> back to JOIN_READY / UNJOINED as the Java client does */
#ifndef KC_COORDINATOR_H
#define KC_COORDINATOR_H

#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include "consumer/assignor.h"
#include "consumer/consumer_int.h"

typedef struct kc_m848 kc_m848_t;

typedef enum kc_co_state {
    KC_CO_UNJOINED,
    KC_CO_PREPARING,
    KC_CO_JOIN_READY,
    KC_CO_JOINING,
    KC_CO_SYNCING,
    KC_CO_STABLE,
} kc_co_state_t;

struct kc_coordinator {
    kafkac_consumer_t *c;               /* borrowed: owns us */
    kc_net_t *net;                      /* borrowed: c->net */
    const kc_settings_t *s;             /* borrowed: &c->settings */
    const kc_logger_t *log;

    pthread_mutex_t lock;
    pthread_cond_t cond;                /* coordinator found, requests done */

    /* Configuration, read-only after new. */
    const kc_asg_algo_t *algos[4];      /* partition.assignment.strategy, by preference */
    int nalgos;
    int cooperative;                    /* every assignor is cooperative: KIP-429 */

    /* Subscription. */
    int subscribed;
    char **sub;                         /* as given (names and ^patterns), owned */
    int nsub;
    regex_t *re;                        /* compiled patterns, one per sub entry (NULL slots unused) */
    int *is_re;
    char **topics;                      /* resolved topic names, sorted, owned */
    int ntopics;
    /* What the last JoinGroup was sent with: its topics (sorted, owned)
     * and each one's partition count.  Once stable, a difference from
     * topics / the metadata means the assignment is out of date. */
    char **joined_topics;
    int32_t *joined_parts;
    int njoined;                        /* -1: no join sent since the subscription was set */
    int64_t sub_md_version;             /* cluster version when patterns were set */
    int64_t md_seen;                    /* last cluster version looked at */
    int16_t *sub_reported;              /* per sub entry: the metadata error poll was told of, 0 none */
    int64_t *sub_unknown_since;         /* per sub entry: first seen unknown (0: not unknown) */
    int64_t md_retry_at;                /* a subscribed topic is not known yet: ask metadata again then */
    int64_t md_retry_backoff;           /* retry.backoff.ms, doubling up to retry.backoff.max.ms */

    /* The coordinator broker. */
    int32_t coord_id;                   /* -1 unknown */
    int find_inflight;
    int64_t find_after;                 /* backoff */
    int want_coord;                     /* something (commit, committed) needs it */

    /* Membership. */
    kc_co_state_t state;
    char *member_id;                    /* owned; "" none */
    int32_t generation;                 /* -1 none */
    char *protocol;                     /* chosen assignor name, owned; NULL none */
    int is_leader;
    int64_t join_after;                 /* backoff before the next JoinGroup */
    kc_resp_t *pending_join;            /* leader: JoinGroup answer waiting for metadata */
    int64_t pending_join_until;
    uint32_t epoch;                     /* bumped whenever membership resets: stale answers are dropped */

    /* Heartbeats and polls. */
    int hb_inflight;
    int64_t hb_next;
    int64_t hb_last_ok;
    int64_t last_poll;

    /* What this member owns (applied on the app thread), topic strings
     * owned by the list; and, for the eager sticky assignor, what it owned
     * before its last revoke. */
    kafkac_topic_partition_list_t *owned;
    kafkac_topic_partition_list_t *sticky_prev;
    int32_t sticky_prev_gen;

    /* Commits. */
    int64_t next_autocommit;
    int autocommit_inflight;
    int commits_inflight;               /* async commits queued or sent, not answered */
    struct commit_ctx *async_head;      /* async commits waiting for the coordinator */
    int fetch_committed_inflight;

    /* group.protocol=consumer (KIP-848): its membership state, owned;
     * NULL under the classic protocol (membership_848.c). */
    struct kc_m848 *m848;

    int closing;                        /* close/unsubscribe under way: no joins */
    int closed;
    kafkac_err_t fatal;                 /* e.g. FENCED_INSTANCE_ID: no more joins */
};

/* Where requests to the coordinator go: a connection of their own to its
 * broker (see KC_NODE_GROUP_CONN in net.h). */
static inline int32_t kc_co_node(int32_t coord_id)
{
    return KC_NODE_GROUP_CONN(coord_id);
}

/* coordinator.c */
/* Forgets the coordinator (NOT_COORDINATOR, transport error...); a
 * FindCoordinator follows.  Under co->lock. */
void kc_co_coordinator_dead(kc_coordinator_t *co, const char *why);
/* Asks for a rejoin: eager members with partitions (or lost ones) go
 * through PREPARING.  lost: the membership is gone (UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, poll timeout).  Under co->lock. */
void kc_co_request_rejoin(kc_coordinator_t *co, int lost, const char *why);
/* Resets member id (reset_member) and generation.  Under co->lock. */
void kc_co_reset_member(kc_coordinator_t *co, int reset_member);
int kc_co_is_coord_error(int err);
/* Sends LeaveGroup (a static member does not) and waits up to wait_ms for
 * the answer (0: does not wait).  Not under co->lock. */
kafkac_err_t kc_co_leave_group(kc_coordinator_t *co, const char *reason, int wait_ms);

/* coordinator_subscription.c (under co->lock) */
/* Records the topics and partition counts a join is based on.  Returns 0,
 * or KAFKAC_ERR_NO_MEMORY (nothing recorded). */
int kc_co_note_joined_topics(kc_coordinator_t *co);
/* One I/O-thread turn while subscribed: follow new metadata (the topics
 * the names and patterns mean), watch missing topics, and ask for a
 * rejoin when the assignment was made for other topics or partitions. */
void kc_co_subscription_serve(kc_coordinator_t *co, int64_t now);
/* Whether the subscription has a ^regex pattern (a join then waits for
 * metadata newer than the subscription). */
int kc_co_has_patterns(const kc_coordinator_t *co);
/* Frees the subscription, the topics it means and the joined record. */
void kc_co_subscription_free(kc_coordinator_t *co);

/* coordinator_join.c (I/O thread, under co->lock) */
void kc_co_send_join(kc_coordinator_t *co, int64_t now);
/* Leader: assigns once the metadata it needs is there or its wait is
 * over; then SyncGroup.  Returns 1 if it sent SyncGroup (or gave up). */
int kc_co_try_leader_assign(kc_coordinator_t *co, int64_t now);

/* coordinator_rebalance.c */
/* Posts the app-thread event that revokes (or loses) the assignment
 * before an eager rejoin; under co->lock. */
void kc_co_post_prepare(kc_coordinator_t *co, int lost);
/* Posts the event that applies a new assignment (tpl is taken). */
void kc_co_post_assignment(kc_coordinator_t *co, kafkac_topic_partition_list_t *tpl, int32_t generation);
/* App thread, no lock held: revokes the whole assignment now (commit
 * first when enable.auto.commit and !lost), for close and unsubscribe.
 * Returns the commit's error (its sentence in why), or 0; the revoke
 * happens either way. */
kafkac_err_t kc_co_revoke_all(kc_coordinator_t *co, int lost, int64_t deadline, char *why, size_t whylen);
/* The elements of a that are not in b (a new list), or NULL on OOM. */
kafkac_topic_partition_list_t *kc_co_tpl_minus(const kafkac_topic_partition_list_t *a,
                                               const kafkac_topic_partition_list_t *b);
/* Commits the current positions of the partitions in `only` when
 * enable.auto.commit (the commit on revoke; app thread, no lock).
 * Failures are logged and returned with their sentence in why. */
kafkac_err_t kc_co_commit_revoked(kc_coordinator_t *co, const kafkac_topic_partition_list_t *only, int64_t deadline,
                                  char *why, size_t whylen);
/* How long a commit on revoke may take. */
int kc_co_revoke_timeout(const kc_coordinator_t *co);
/* Runs the application's rebalance callback (app thread, no lock). */
void kc_co_rebalance_cb(kc_coordinator_t *co, kafkac_rebalance_event_t ev,
                        const kafkac_topic_partition_list_t *tpl);

/* commit.c */
/* I/O thread service part: auto commit, committed-offset lookups for
 * newly assigned partitions.  Called without co->lock.  Returns the next
 * time it wants to run. */
int64_t kc_co_commit_serve(kc_coordinator_t *co, int64_t now);
/* Commits tpl (offsets >= 0 only) and waits; app thread, no lock.
 * Per-partition results in tpl->elems[i].err. */
kafkac_err_t kc_co_commit_wait(kc_coordinator_t *co, kafkac_topic_partition_list_t *tpl, int64_t deadline,
                               char *errstr, size_t errstr_size);
/* Waits until no async commit is in flight or the deadline (app thread). */
void kc_co_commit_drain(kc_coordinator_t *co, int64_t deadline_ms);
/* Waits until the coordinator is known (app thread, no lock): 0, or
 * KAFKAC_ERR_TIMED_OUT at the deadline (COORDINATOR_NOT_AVAILABLE once
 * closed). */
kafkac_err_t kc_co_wait_coordinator(kc_coordinator_t *co, int64_t deadline_ms, int32_t *node_id);

#endif

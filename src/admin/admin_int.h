/* Inside the admin client: the handle, the dispatcher that sends one
 * operation's requests to the right broker with retries inside one
 * deadline, and the generic per-entity result.  One file per family of
 * operations uses these (topics.c, configs.c, groups.c, acls.c,
 * cluster.c). */
#ifndef KC_ADMIN_INTERNAL_H
#define KC_ADMIN_INTERNAL_H

#include <stdint.h>
#include "common/arena.h"
#include "common/config.h"
#include "common/tpl_int.h"
#include "common/errstr.h"
#include "kafkac/admin.h"
#include "kc_messages.h"
#include "protocol/net.h"

struct kafkac_admin {
    kc_settings_t settings;   /* owned; net's logger points into it */
    kc_net_t *net;
};

/* Where a request must go. */
typedef enum kc_admin_target {
    KC_ADMIN_TO_CONTROLLER,   /* NOT_CONTROLLER: refresh metadata, resend */
    KC_ADMIN_TO_ANY,
    KC_ADMIN_TO_NODE,         /* a given broker (leader, or one of "all") */
    KC_ADMIN_TO_GROUP,        /* the group's coordinator (FindCoordinator key type 0) */
} kc_admin_target_t;

typedef struct kc_admin_rpc kc_admin_rpc_t;

/* One operation's exchange with one destination, in rounds: build() makes
 * the request for the entities still pending (allocating from `a`, which
 * lives until the round ends), parse() records the final answers it finds
 * and returns a retriable error when some entities must be sent again (0
 * when all are answered).  The dispatcher repeats rounds until parse says
 * done, the error is not retriable, or the deadline passes. */
struct kc_admin_rpc {
    int16_t api_key;
    int16_t max_version;      /* -1: the highest both sides speak */
    kc_admin_target_t target;
    int32_t node_id;          /* KC_ADMIN_TO_NODE */
    const char *group;        /* KC_ADMIN_TO_GROUP */
    /* Returns the request struct, or NULL on out of memory.  remaining_ms
     * is what is left of the deadline (for the body's own timeoutMs). */
    void *(*build)(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms);
    kc_build_cb build_version;   /* optional: adapt the body to the version chosen */
    bool sensitive;              /* the body holds a secret (kc_req_t.sensitive) */
    int (*parse)(kc_admin_rpc_t *rpc, const kc_resp_t *resp);
    void *opaque;
};

/* Runs rpc until done.  Returns 0, or the call-level error with errstr
 * filled (KAFKAC_ERR_TIMED_OUT when the deadline passed with entities still
 * pending: parse has then recorded their last error). */
int kc_admin_run(kafkac_admin_t *adm, kc_admin_rpc_t *rpc, int64_t deadline, char *errstr, size_t errlen);

/* The deadline of an operation given timeout_ms (kafkac.h's rule,
 * KAFKAC_TIMEOUT_DEFAULT: default.api.timeout.ms): KAFKAC_OK with
 * *deadline set, or KAFKAC_ERR_INVALID_ARG (timeout_ms < -1, errstr
 * filled), and then the operation must do nothing. */
kafkac_err_t kc_admin_deadline(const kafkac_admin_t *adm, int timeout_ms, int64_t *deadline, char *errstr,
                              size_t errlen);
/* Milliseconds left, at least 1. */
int kc_admin_remaining(int64_t deadline);

/* A metadata snapshot holding `topics` (NULL: every topic), newer than
 * now.  NULL on failure (errstr filled), with *err (if not NULL) set to
 * why: KAFKAC_ERR_TIMED_OUT, or an error that retrying cannot fix (e.g. a
 * SASL failure). */
kc_cluster_t *kc_admin_metadata(kafkac_admin_t *adm, const char *const *topics, int n, int64_t deadline,
                                char *errstr, size_t errlen, int *err);

/* Sleeps before retry number `attempt` (>= 1): retry.backoff.ms doubled
 * per attempt up to retry.backoff.max.ms, with jitter (kc_net_backoff_ms),
 * or less when the deadline comes first. */
void kc_admin_backoff(kafkac_admin_t *adm, int attempt, int64_t deadline);

/* Is this a per-entity error the dispatcher retries after a refresh? */
int kc_admin_retriable(int err);

/* ---- the generic result ---- */
typedef struct kc_admin_entry {
    char *name;
    int32_t partition;
    int err;
    char *message;
    int64_t offset;
} kc_admin_entry_t;

struct kafkac_admin_result {
    int count;
    kc_admin_entry_t *e;
    kc_arena_t arena;      /* names and messages */
};

/* A result with n entries (err 0, partition -1, offset -1). */
kafkac_admin_result_t *kc_admin_result_new(int n);
/* Sets entry i's name (copied). 0 or KAFKAC_ERR_NO_MEMORY. */
int kc_admin_result_name(kafkac_admin_result_t *r, int i, const char *name, int32_t partition);
/* Sets entry i's error and message (copied; NULL: none). */
int kc_admin_result_set(kafkac_admin_result_t *r, int i, int err, const char *message);
/* Index of the first entry named name/partition whose error is `err_in`... */
int kc_admin_result_find(const kafkac_admin_result_t *r, const char *name, int32_t partition);

/* Rounds: `pending` has one flag per entry (1: still to be answered).
 * kc_admin_answer records the answer for every pending entry named
 * name/partition (a retriable error is recorded too, so that a timeout
 * leaves the last one, but the entry stays pending and *retry_err is set).
 * kc_admin_round_end returns *retry_err if set, else 0 after failing the
 * entries the broker did not mention. */
int kc_admin_answer(kafkac_admin_result_t *r, char *pending, const char *name, int32_t partition, int err,
                    const char *message, int *retry_err);
int kc_admin_round_end(kafkac_admin_result_t *r, char *pending, int retry_err);

/* Checks an operation's array of inputs (handles or names): at least one,
 * none NULL.  0, or KAFKAC_ERR_INVALID_ARG with errstr naming op and the
 * first NULL `what`. */
int kc_admin_check_inputs(const char *op, const void *const *items, int count, const char *what, char *errstr,
                          size_t errlen);

/* The entries of r flagged in `which`, grouped by topic (entry names):
 * the shape every per-partition request carries (DeleteRecords,
 * ListOffsets, OffsetCommit, OffsetDelete).  rows index r->e (and the
 * caller's input, in the same order). */
typedef struct kc_admin_topic_rows {
    const char *name;
    int n;
    int *rows;
} kc_admin_topic_rows_t;
/* Returns how many topics *out holds (allocated from a), or -1 on no
 * memory. */
int kc_admin_by_topic(const kafkac_admin_result_t *r, const char *which, kc_arena_t *a, kc_admin_topic_rows_t **out);

/* Copies a string into an arena ("" for NULL when empty_for_null). */
const char *kc_admin_strdup(kc_arena_t *a, const char *s);

/* The list and describe results (groups, log dirs, brokers) are an array
 * of rows whose strings live in an arena.  Their getters take row i
 * through kc_admin_row, which returns `none` (the getter's row of
 * defaults: what an out-of-range i or a NULL result reads as) instead of
 * NULL, so a getter states its defaults once and copies fields.  Their
 * destroys free through kc_admin_rows_destroy (result NULL: no-op). */
const void *kc_admin_row(const void *rows, int count, int i, size_t row_size, const void *none);
void kc_admin_rows_destroy(void *result, void *rows, kc_arena_t *arena);
/* Room for row `count` (zeroed) in an array that grows by doubling: returns
 * the array, moved or not, or NULL on no memory (rows unchanged). */
void *kc_admin_rows_grow(void *rows, int count, int *cap, size_t row_size);

/* Groups partitions by leader for per-leader requests. */
int kc_admin_leader_of(const kc_cluster_t *c, const char *topic, int32_t partition, int *err);

#endif

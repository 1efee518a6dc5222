/* Internals of the network client shared by net.c (loop, routing),
 * net_handshake.c (ApiVersions) and net_metadata.c (metadata refresh).
 * Fields marked [I/O] are touched only by the I/O thread; [lock] under
 * net->lock. */
#ifndef KC_NET_INT_H
#define KC_NET_INT_H

#include <pthread.h>
#include "protocol/conn.h"
#include "protocol/net.h"
#include "kc_messages.h"


typedef struct kc_call kc_call_t;
/* The waiter of kc_net_call and kc_net_call_until (net.c): shared by the
 * blocked caller and the call's callback, freed by whichever lets go last. */
typedef struct kc_waiter kc_waiter_t;

/* Internal response handler (handshake): gets the raw frame and the
 * offset of the body; owns frame and call. */
typedef void (*kc_internal_fn)(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                               size_t body_off);

struct kc_call {
    kc_call_t *next;           /* in submit, pending or a conn's in-flight list */
    kc_req_t req;              /* the caller's request (msg borrowed) */
    int32_t node_id;           /* where it went (or was meant to go) */
    int16_t version;           /* chosen version; -1 before dispatch */
    int32_t corr_id;
    int64_t deadline;          /* monotonic ms */
    kc_internal_fn internal;   /* handshake calls only */
    kc_waiter_t *waiter;       /* set for kc_net_call's calls: see kc_waiter_hold */
    /* A tombstone: the call already completed (timed out behind another
     * request) but was sent, so its answer will still come on its
     * connection; it stays in the FIFO, callback gone, so that the answer
     * is read and dropped (Kafka answers in order). */
    uint8_t tomb;
};

typedef struct kc_service {
    kc_service_fn fn;
    void *opaque;
} kc_service_t;

typedef struct kc_topic_set {
    char **names;              /* owned, sorted */
    int count, cap;
} kc_topic_set_t;

struct kc_net {
    kc_net_opts_t o;           /* strings point to the copies below */
    char *client_id;           /* owned */
    pthread_t thread;
    int thread_started;
    int wake_fd;               /* eventfd */
    struct kc_resolver *resolver;  /* lookups off the I/O thread (resolver.h) */
    struct kc_tls_ctx *tls;    /* TLS context shared by the connections; NULL for plaintext */
    unsigned seed;             /* [I/O] jitter */

    int refs;                  /* atomic: kc_net_new's + kc_net_ref's; memory freed at 0 */
    pthread_mutex_t lock;
    int terminating;           /* [lock] set by kc_net_destroy */
    kc_call_t *submit_head, *submit_tail;   /* [lock] from kc_net_send */
    kc_service_t *services;    /* [lock] append-only; kc_net_add_service may run while the
                                * I/O thread does, which copies each entry under the lock */
    int nservices;

    kc_call_t *pending_head, *pending_tail; /* [I/O] waiting for a ready conn */
    kc_conn_t **conns;         /* [I/O] bootstrap entries (ids < 0) and brokers */
    int nconns, conns_cap;

    /* Reachability (kc_net_reachability), all [lock]. */
    int nready;                /* connections in state READY */
    int64_t down_since;        /* when nready last became 0 (creation time at first) */
    int nidle;                 /* connections closed for idleness, not failed since: count as reachable */
    int reach_err;             /* the last connection failure's error, 0 before any */
    char reach_why[200];       /* and its text */

    int auth_err;              /* [I/O] the last SASL failure while no connection authenticated since; 0 none */
    char auth_why[256];        /* [I/O] its text */
    struct kc_sasl *sasl;      /* SASL settings and the OAUTHBEARER token (net_sasl.c); NULL without SASL */

    int64_t trailing_frames;   /* atomic: responses with bytes after their last known field */

    /* Metadata. */
    kc_cluster_t *cluster;     /* [lock] for swaps; the I/O thread reads it freely */
    pthread_cond_t cluster_cond;
    kc_topic_set_t want;       /* [lock] topics whose metadata we keep */
    int want_all;              /* [lock] every topic */
    int md_requested;          /* [lock] refresh asked for */
    char md_reason[96];        /* [lock] why (for the log) */
    int md_inflight;           /* [I/O] */
    int64_t md_next;           /* [I/O] time of the next periodic refresh */
    int64_t md_retry_at;       /* [I/O] after a failed refresh, or one naming a topic not ready */
    int md_retries;            /* [I/O] such retries in a row (the backoff exponent) */
    void *md_msg;              /* [I/O] the request body being sent */
    kc_arena_t md_arena;       /* [I/O] memory for md_msg */
};

kc_conn_t *kc_net_conn_for(kc_net_t *net, int32_t node_id);
kc_conn_t *kc_net_add_conn(kc_net_t *net, int32_t node_id, const char *host, int port);
void kc_net_conn_failed(kc_net_t *net, kc_conn_t *c, int err, const char *why);
/* I/O thread: connection c has just become READY. */
void kc_net_conn_now_ready(kc_net_t *net, kc_conn_t *c);
void kc_call_fail(kc_net_t *net, kc_call_t *call, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int kc_net_encode_call(kc_net_t *net, kc_conn_t *c, kc_call_t *call, char *why, size_t whylen);
/* I/O thread, while connection c is being set up (ApiVersions, the legacy
 * probe, SASL): encodes msg (borrowed, not kept) as one request of the
 * handshake, answered to fn, bounded by the connection's state deadline, and
 * puts it in flight.  On failure the connection is failed with a sentence
 * that names `what` and -1 is returned; 0 on success. */
int kc_net_send_setup_call(kc_net_t *net, kc_conn_t *c, int16_t key, int16_t version, void *msg,
                           kc_internal_fn fn, const char *what);
void kc_net_enqueue_local(kc_net_t *net, kc_call_t *call);

/* net.c: call bookkeeping. */
kc_resp_t *kc_resp_new(const kc_call_t *call);     /* NULL on out of memory */
void kc_call_list_push(kc_call_t **head, kc_call_t **tail, kc_call_t *c);
/* Completes a call in flight with an error and leaves it as a tombstone. */
void kc_call_expire(kc_net_t *net, kc_call_t *call, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The name of the call's API ("broker versions" for the pseudo request). */
const char *kc_call_name(const kc_call_t *call);
/* Before a waited-for call's body is read (build, encode): returns 1 and
 * marks the body in use while its caller still waits (kc_waiter_release
 * after the encode), 0 if the caller has given up (its msg may be gone). */
int kc_waiter_hold(kc_waiter_t *w);
void kc_waiter_release(kc_waiter_t *w);
/* kc_net_send with a waiter attached (kc_net_call). */
int kc_net_submit(kc_net_t *net, const kc_req_t *req, kc_waiter_t *waiter);

/* net_conns.c: connections. */
void kc_net_conn_start(kc_net_t *net, kc_conn_t *c, int64_t now);   /* if down and out of backoff */
/* I/O thread: hands finished name lookups to their connections. */
void kc_net_take_lookups(kc_net_t *net, int64_t now);
void kc_net_conn_connected(kc_net_t *net, kc_conn_t *c);           /* TCP up: start the handshake(s) */
void kc_net_conn_tls_step(kc_net_t *net, kc_conn_t *c);            /* state TLS: an event came */
void kc_net_conn_readable(kc_net_t *net, kc_conn_t *c);            /* read and handle frames */
/* Closes c if it has been idle for connections.max.idle.ms; returns when
 * to look again. */
int64_t kc_net_check_idle(kc_net_t *net, kc_conn_t *c, int64_t now);
/* The wait before reconnecting after `failures` (>= 1) failures in a row:
 * base doubled per failure up to max, then +-20% jitter from *seed, so
 * that many clients do not reconnect in lockstep. */
int64_t kc_net_backoff_ms(int64_t base, int64_t max, int failures, unsigned *seed);

/* net_route.c: places pending calls; returns the earliest deadline. */
int64_t kc_net_route_pending(kc_net_t *net, int64_t now);

void kc_handshake_send(kc_net_t *net, kc_conn_t *c);
/* Called as connection c fails.  closed_in_handshake: the broker closed
 * it while we waited for ApiVersions (or a legacy probe).  Updates the
 * pre-0.10 probing state; returns 1 when the next attempt should start at
 * once (the next probe), and may rewrite `reason` when probing gave up. */
int kc_legacy_after_close(kc_net_t *net, kc_conn_t *c, int closed_in_handshake, char *reason, size_t reasonlen);

/* net_sasl.c: SASL between ApiVersions and READY. */
/* Copies the SASL settings of opts (nothing when the mechanism is none);
 * 0 or an error with errstr. */
int kc_sasl_init(kc_net_t *net, const kc_net_opts_t *o, char *errstr, size_t errlen);
void kc_sasl_free(kc_net_t *net);      /* wipes secrets */
/* After ApiVersions: returns 1 when SASL took the connection over (state
 * AUTH; it becomes READY when authenticated), 0 when no SASL is set. */
int kc_sasl_start(kc_net_t *net, kc_conn_t *c);
/* Timers of one connection: the AUTH deadline, the start of a
 * re-authentication when due.  Returns when to look again. */
int64_t kc_sasl_tick(kc_net_t *net, kc_conn_t *c, int64_t now);
/* Net-wide timers: the OAUTHBEARER token refresh.  Returns when next. */
int64_t kc_sasl_net_tick(kc_net_t *net, int64_t now);
/* Drops the exchange under way (the connection failed or closes). */
void kc_sasl_conn_reset(kc_conn_t *c);
/* A re-authentication waiting for the requests in flight to be answered:
 * they keep their own deadlines. */
static inline int kc_sasl_draining(const kc_conn_t *c) { return c->state == KC_CONN_AUTH && c->reauth && !c->sasl; }

void kc_net_metadata_init(kc_net_t *net);
void kc_net_metadata_free(kc_net_t *net);
int64_t kc_net_metadata_serve(kc_net_t *net, int64_t now);
/* I/O thread: ask for a refresh soon. */
void kc_net_md_request(kc_net_t *net, const char *reason);

#endif

/* The network client (kafka-python's client_async + conn, in C): one
 * background I/O thread per client handle runs a poll() loop over all of
 * that handle's broker connections, a wake-up eventfd, request timeouts,
 * reconnect backoff, the metadata refresh timer, and the "services" the
 * producer, consumer and admin layers register (sender, fetcher,
 * heartbeat...).  It schedules requests and hands back decoded responses;
 * it knows nothing about producing or consuming.
 *
 * Threads: kc_net_send / kc_net_call / kc_net_wakeup / kc_net_cluster may
 * be called from any thread.  Response callbacks and services run on the
 * I/O thread and must not block; they may call kc_net_send.  kc_net_call
 * blocks and must NOT be called from the I/O thread.
 *
 * Closing against other threads: kc_net_destroy stops the I/O thread and
 * fails every call, then drops its reference; the memory stays until the
 * last kc_net_ref reference is dropped too.  A thread that may still use
 * the net while another destroys it takes a reference first (while the
 * net is surely alive, e.g. under the owning client's lock) and then may
 * call these at any time, during and after the destroy, until its
 * kc_net_unref: kc_net_send and kc_net_call (KAFKAC_ERR_DESTROYED once
 * closing), kc_net_wakeup, kc_net_refresh_metadata, kc_net_cluster (the
 * last snapshot), kc_net_wait_cluster (returns at once once closing) and
 * kc_net_reachability.  No other kc_net function may run concurrently
 * with kc_net_destroy.  kc_net_wakeup(NULL), kc_net_unref(NULL) and
 * kc_net_destroy(NULL) are no-ops. */
#ifndef KC_NET_H
#define KC_NET_H

#include <stdint.h>
#include "kafkac/error.h"
#include "common/arena.h"
#include "common/clock.h"
#include "kafkac/conf.h"
#include "common/config_values.h"
#include "common/log.h"
#include "protocol/cluster.h"
#include "protocol/schema.h"

typedef struct kc_net kc_net_t;

#define KC_NODE_ANY        INT32_MIN      /* any ready broker (least loaded) */
#define KC_NODE_CONTROLLER (INT32_MIN + 1)/* the controller, from metadata */

/* A second connection to broker `id`, for a group coordinator's requests:
 * JoinGroup and SyncGroup wait on the broker for the whole group, and a
 * broker answers one connection's requests in order, so on the shared
 * connection they would hold up that broker's fetches (Java's consumer
 * keeps its coordinator on node Integer.MAX_VALUE - id for the same
 * reason).  These connections never serve KC_NODE_ANY requests. */
#define KC_NODE_GROUP_CONN(id)     (INT32_MAX - (id))
#define KC_NODE_IS_GROUP_CONN(n)   ((n) > INT32_MAX / 2)
#define KC_NODE_BROKER_OF(n)       (KC_NODE_IS_GROUP_CONN(n) ? INT32_MAX - (n) : (n))

/* Settings the network client needs; the client layers fill it from
 * their kc_settings_t.  Strings are copied by kc_net_new. */
typedef struct kc_net_opts {
    const kc_hostlist_t *bootstrap;     /* copied by kc_net_new; at least one entry */
    const char *client_id;              /* sent in every request header */
    int request_timeout_ms;             /* default deadline of a request */
    int connect_timeout_ms;             /* socket.connection.setup.timeout.ms */
    int connect_timeout_max_ms;         /* socket.connection.setup.timeout.max.ms */
    int connections_max_idle_ms;        /* close idle connections; 0 never */
    int socket_send_buffer_bytes;       /* SO_SNDBUF; -1 OS default */
    int socket_receive_buffer_bytes;    /* SO_RCVBUF; -1 OS default */
    int dns_lookup;                     /* client.dns.lookup: kc_dns_lookup_t */
    int handshake_timeout_ms;           /* api.version.request.timeout.ms */
    int reconnect_backoff_ms;           /* first retry delay after a failure */
    int reconnect_backoff_max_ms;       /* cap of the exponential backoff */
    int metadata_max_age_ms;            /* refresh period */
    int retry_backoff_ms;               /* wait before retrying a failed metadata refresh */
    int retry_backoff_max_ms;           /* cap of that wait, which doubles per retry */
    int allow_auto_create_topics;       /* Metadata v4+ flag */
    int64_t max_response_bytes;         /* frames larger than this are malformed */
    int security_protocol;              /* kc_security_protocol_t: TLS for ssl and sasl_ssl */
    const kc_tls_settings_t *tls;       /* the ssl.* settings, read by kc_net_new only */
    const kc_logger_t *logger;          /* borrowed; may be NULL */
    /* SASL (net_sasl.c): mechanism KC_SASL_NONE (0) for none.  Strings are
     * copied by kc_net_new (the password wiped when the net is destroyed). */
    int sasl_mechanism;                 /* kc_sasl_mech_t */
    const char *sasl_username, *sasl_password, *sasl_oauthbearer_config;
    kafkac_oauthbearer_refresh_cb oauth_cb;
    void *oauth_opaque;
} kc_net_opts_t;

void kc_net_opts_defaults(kc_net_opts_t *o);
/* Fills o from loaded settings (strings and lists borrowed from s). */
struct kc_settings;  /* common/config.h; net.c reads it, this header need not */
void kc_net_opts_from_settings(kc_net_opts_t *o, const struct kc_settings *s);

/* One response, or the reason there is none.  Owned by whoever receives
 * it in a callback; free with kc_resp_free.  `msg` and everything it
 * points to (strings, arrays, bytes) live until kc_resp_free. */
typedef struct kc_resp {
    int err;                 /* 0, or e.g. KAFKAC_ERR_TRANSPORT, _TIMED_OUT, _MALFORMED, _UNSUPPORTED_FEATURE */
    char errstr[256];        /* what went wrong, for humans (empty when err == 0) */
    int32_t node_id;         /* broker that answered (or was asked) */
    int16_t api_key;
    int16_t version;         /* version used; -1 if never sent */
    void *msg;               /* decoded response body (the API's response struct), or NULL */
    uint8_t *frame;          /* owned: raw response frame; msg's bytes fields point into it */
    size_t frame_len;
    size_t body_off;         /* where the body starts in frame (after the header) */
    kc_arena_t arena;        /* owned: msg's arrays and strings */
} kc_resp_t;

void kc_resp_free(kc_resp_t *r);   /* NULL is a no-op */

/* The response contract, for every kc_resp_cb and for kc_net_call:
 *
 *   resp is either a response object that the receiver owns (check
 *   resp->err first; msg is set only when err is 0 and the request was
 *   decoded), or NULL.  NULL means exactly one thing: the library could
 *   not allocate the response object, so nothing is known about the
 *   request (it may or may not have reached the broker, e.g. a Produce
 *   with acks=0 that was queued).  Read NULL as KAFKAC_ERR_NO_MEMORY:
 *   kc_resp_err(NULL) says so, and kc_resp_free(NULL) is a no-op.
 *
 * A callback reads the outcome through kc_resp_err(resp) and touches
 * resp's fields only once that is 0 (or after checking resp != NULL). */
static inline int kc_resp_err(const kc_resp_t *r)
{
    return r ? r->err : KAFKAC_ERR_NO_MEMORY;
}

typedef void (*kc_resp_cb)(kc_net_t *net, kc_resp_t *resp, void *opaque);

/* Called on the I/O thread just before encoding, once the version is
 * known, so that the body can depend on it (e.g. the record batch magic).
 * Returns 0, or an error that fails the request. */
typedef int (*kc_build_cb)(kc_net_t *net, int16_t version, void *msg, void *opaque);

/* A pseudo API key: a "request" that is never sent.  Routed like any
 * other, once its broker's connection is ready it completes at once with
 * msg pointing to a kc_broker_versions_t: what that broker speaks. */
#define KC_PSEUDO_BROKER_VERSIONS ((int16_t)-100)

typedef struct kc_broker_versions {
    int16_t min[128], max[128];   /* per API key; -1 = not offered */
    const char *legacy_release;   /* static; set only for pre-0.10 brokers found by probing */
} kc_broker_versions_t;

typedef struct kc_req {
    int32_t node_id;         /* broker id, KC_NODE_ANY or KC_NODE_CONTROLLER */
    int16_t api_key;
    int16_t min_version;     /* lowest version the caller can use (usually 0) */
    int16_t max_version;     /* highest it wants; -1 for the highest both sides speak */
    int timeout_ms;          /* 0: request_timeout_ms; counts from kc_net_send */
    int no_response;         /* 1: the broker sends none (Produce with acks=0) */
    void *msg;               /* request body struct; borrowed until the callback */
    const void *raw_body;    /* instead of msg: an encoded body, sent as max_version
                                exactly; the response is not decoded (msg NULL,
                                body at frame + body_off).  Borrowed until the callback. */
    size_t raw_len;
    bool sensitive;          /* the body holds a secret (a salted password): the
                                connection wipes its output buffer once the bytes
                                are written or dropped */
    kc_build_cb build;       /* optional */
    kc_resp_cb cb;           /* required; runs exactly once, on the I/O thread;
                                resp may be NULL (see the contract above) */
    void *opaque;
} kc_req_t;

/* Starts the I/O thread.  Returns NULL and fills errstr on failure. */
kc_net_t *kc_net_new(const kc_net_opts_t *opts, char *errstr, size_t errlen);
/* Stops the thread; every request still queued or in flight gets its
 * callback with KAFKAC_ERR_DESTROYED first; then drops the creator's
 * reference.  NULL is a no-op.  Call it once. */
void kc_net_destroy(kc_net_t *net);
/* References for threads that may outlive a concurrent kc_net_destroy
 * (see the top of this file).  kc_net_ref returns net. */
kc_net_t *kc_net_ref(kc_net_t *net);
void kc_net_unref(kc_net_t *net);

/* Queues a request.  Returns 0, or an error (then the callback never
 * runs).  *req is copied. */
int kc_net_send(kc_net_t *net, const kc_req_t *req);

/* Sends and waits for the response (not on the I/O thread).  Returns the
 * response, or NULL on out of memory: the contract above (kc_resp_err). */
kc_resp_t *kc_net_call(kc_net_t *net, const kc_req_t *req);

/* The same, returning by the caller's deadline_ms (kc_now_ms clock) however
 * long the network client takes; the request's timeout_ms is capped to
 * what is left.  When the deadline passes first it returns a
 * KAFKAC_ERR_TIMED_OUT response naming the API, sets *gave_up, and leaves
 * the request to the network client: ctx (what req->msg and req->opaque
 * point into) then belongs to the request and is freed with free_ctx(ctx)
 * (may be NULL) when its callback runs -- the caller must not touch ctx
 * again.  Otherwise ctx stays the caller's. */
kc_resp_t *kc_net_call_until(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                             void *ctx, int *gave_up);

/* A response that carries only an error (version -1, no msg), for callers
 * that answer for a request themselves; NULL on no memory. */
kc_resp_t *kc_resp_error(const kc_req_t *req, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Services: serve(now) runs on the I/O thread at least once per loop turn
 * after a wake-up and returns the monotonic ms at which it next wants to
 * run (INT64_MAX: only when woken).  May be registered while the I/O
 * thread runs (it copies each entry under net->lock); a new service
 * first runs on the loop turn after the wake-up this call makes. */
typedef int64_t (*kc_service_fn)(kc_net_t *net, int64_t now_ms, void *opaque);
int kc_net_add_service(kc_net_t *net, kc_service_fn fn, void *opaque);
void kc_net_wakeup(kc_net_t *net);   /* NULL is a no-op */

/* Metadata. */
kc_cluster_t *kc_net_cluster(kc_net_t *net);          /* new reference; never NULL */
/* Adds topics to the set whose metadata is kept (NULL/0: none).  all=1
 * asks for every topic in the cluster. */
int kc_net_want_topics(kc_net_t *net, const char *const *topics, int n, int all);
/* Asks for a refresh at once (coalesced with one already under way). */
void kc_net_refresh_metadata(kc_net_t *net, const char *reason);
/* Waits until a snapshot newer than `after_version` exists or timeout.
 * Returns it (new reference) or NULL on timeout; not on the I/O thread. */
kc_cluster_t *kc_net_wait_cluster(kc_net_t *net, int64_t after_version, int timeout_ms);

/* The version range a broker speaks for an API, as its ApiVersions
 * answer said.  Returns 0, KAFKAC_ERR_NOT_FOUND (not connected yet) or
 * KAFKAC_ERR_UNSUPPORTED_FEATURE (broker lacks the API). */
int kc_net_broker_api(kc_net_t *net, int32_t node_id, int16_t api_key, int16_t *min, int16_t *max);

/* Whether any broker can be reached, for layers that must turn "nothing
 * answers" into an error the application sees (poll, send, close).
 * Returns 0 while some connection is ready.  Otherwise returns what the
 * failures say -- KAFKAC_ERR_RESOLVE (the last attempt could not resolve
 * its host), KAFKAC_ERR_SSL (TLS failed: a certificate check, or TLS and
 * plaintext mixed up; it will not mend by retrying), KAFKAC_ERR_TIMED_OUT (connect or handshake timed out, or no
 * attempt has finished yet) or KAFKAC_ERR_ALL_BROKERS_DOWN (refused,
 * reset, closed) -- or the SASL failure of the last attempt
 * (KAFKAC_ERR_SASL_AUTHENTICATION_FAILED, _UNSUPPORTED_SASL_MECHANISM,
 * _ILLEGAL_SASL_STATE: see kc_net_auth_error) -- sets *down_ms to how long no connection has been ready
 * (since kc_net_new, or since the last ready one was lost) and copies the
 * last connection error into why ("" when none yet).  Any thread. */
int kc_net_reachability(kc_net_t *net, int64_t *down_ms, char *why, size_t whylen);

/* kc_now_ms, the monotonic milliseconds of every deadline: common/clock.h. */
/* Whether err is a SASL failure: persistent (the credentials or the
 * mechanism are wrong), so callers report it at once instead of waiting
 * out their timeouts.  While the last SASL attempt failed and no
 * connection is ready, calls that cannot be placed fail at once with it;
 * reconnects go on with reconnect.backoff.ms. */
static inline int kc_net_auth_error(int err)
{
    return err == KAFKAC_ERR_SASL_AUTHENTICATION_FAILED || err == KAFKAC_ERR_UNSUPPORTED_SASL_MECHANISM ||
           err == KAFKAC_ERR_ILLEGAL_SASL_STATE;
}

/* The one backoff schedule of the client (KIP-580): the wait before the
 * next attempt after `failures` (>= 1) failures in a row is base doubled
 * per failure, capped at max, then +-20% jitter from *seed (the caller's,
 * so any thread).  Reconnects use it with reconnect.backoff(.max).ms,
 * retries with retry.backoff(.max).ms.  net_conns.c. */
int64_t kc_net_backoff_ms(int64_t base, int64_t max, int failures, unsigned *seed);

#endif

/* One connection to one broker: non-blocking connect, framing of
 * size-prefixed responses, an output buffer, and the FIFO of requests in
 * flight.  Bytes go through a transport (transport.h: plain TCP or TLS)
 * that framing and the poll loop do not look into.  The connection never parses message fields; it hands whole
 * frames to the network client (net.c), which owns all connections and
 * drives them from its poll loop.  Used only on the I/O thread. */
#ifndef KC_CONN_H
#define KC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"
#include "protocol/resolver.h"

typedef enum kc_conn_state {
    KC_CONN_DOWN = 0,     /* no socket; may be in backoff */
    KC_CONN_RESOLVING,    /* waiting for the broker's name to resolve (off the I/O thread) */
    KC_CONN_CONNECTING,   /* connect() in progress */
    KC_CONN_TLS,          /* TCP up, the transport's (TLS) handshake in progress */
    KC_CONN_HANDSHAKE,    /* connected, ApiVersions exchange in progress */
    KC_CONN_AUTH,         /* SASL exchange in progress (net_sasl.c), or a re-authentication (reauth) */
    KC_CONN_READY         /* versions known; requests flow */
} kc_conn_state_t;

#define KC_API_KEY_SLOTS 128   /* broker API keys we record (0..127) */

struct kc_call;
struct kc_transport_ops;
struct kc_tls_ctx;

typedef struct kc_conn {
    int32_t node_id;           /* broker id; bootstrap entries use -1, -2, ... */
    char *host;                /* owned */
    int port;
    int fd;                    /* -1 when down */
    kc_conn_state_t state;
    kc_conn_state_t closed_from;   /* state when the socket was last closed */
    bool closed_clean;             /* the peer closed with no partial response pending */
    int addr_index;            /* which resolved address to try next (rotates on failure) */
    kc_addrs_t addrs;          /* the last lookup's addresses, tried in turn before looking up again */
    uint32_t lookup_gen;       /* tags this connection's lookups */
    bool lookup_pending;       /* a lookup for it is running (at most one at a time) */
    int64_t state_deadline;    /* connect/handshake must finish by then */
    int64_t backoff_until;     /* no reconnect before this */
    int failures;              /* consecutive failed attempts (backoff exponent) */
    bool ever_connected;
    char last_err[200];        /* why the last attempt or connection failed */
    int last_err_code;         /* its error code (KAFKAC_ERR_RESOLVE, _TIMED_OUT, _TRANSPORT...); 0 none */
    int64_t attempt_started_ms;/* when the attempt under way (connect + handshake) began */
    int connect_timeout_ms;    /* the bound of the attempt under way (grows per failure, KIP-601) */
    int64_t last_recv_ms;      /* monotonic ms of the last response frame (or of becoming ready) */
    int64_t last_used_ms;      /* last request sent or response read: connections.max.idle.ms */
    bool idle_closed;          /* closed for idleness and not tried since: not a failure */
    int sndbuf, rcvbuf;        /* SO_SNDBUF / SO_RCVBUF for the next socket; -1 = OS default */

    /* The transport: TLS when tls is set (borrowed from the client, which
     * outlives its connections), else plain TCP. */
    struct kc_tls_ctx *tls;
    const struct kc_transport_ops *tp;   /* of the socket open now; NULL when down */
    void *tp_state;            /* the transport's per-socket state (TLS: the SSL object) */
    short tp_events;           /* poll events the transport waits for besides ours (handshake, a TLS
                                * write that must read first, a read that must write first) */

    int32_t next_corr_id;
    struct kc_call *inflight_head, *inflight_tail;  /* sent, awaiting response, FIFO */
    int inflight_count;

    kc_writer_t out;           /* encoded requests not yet written */
    size_t out_pos;            /* bytes of out already written */
    bool out_sensitive;        /* out holds a kc_req_t.sensitive request: wipe, not just reset */

    uint8_t *in;               /* staging buffer for reads */
    size_t in_cap, in_len, in_pos;
    uint8_t *big;              /* a frame larger than the staging buffer, being filled */
    size_t big_len, big_got;

    /* Brokers before 0.10 have no ApiVersions and close the connection on
     * it.  After two such closes in a row we probe them the way kafka-python
     * does (net_handshake.c): one request per connection, newest API first. */
    uint8_t handshake_closes;  /* consecutive closes while waiting for ApiVersions */
    uint8_t legacy_mode;       /* probing a pre-0.10 broker */
    int8_t legacy_step;        /* which probe is next */
    const char *legacy_release;/* static: "0.9", "0.8.2"...; NULL for brokers with ApiVersions */

    /* ApiVersions answer: broker's min/max per API key; -1 = not offered */
    bool versions_known;
    int16_t handshake_version; /* ApiVersions version being tried */
    int16_t api_min[KC_API_KEY_SLOTS], api_max[KC_API_KEY_SLOTS];

    /* SASL (net_sasl.c). */
    struct kc_sasl_conn *sasl; /* the exchange under way; NULL outside one */
    bool reauth;               /* state AUTH is a re-authentication of a connection counted ready */
    int64_t reauth_at;         /* monotonic ms at which to re-authenticate (KIP-368); 0 never */
} kc_conn_t;

kc_conn_t *kc_conn_new(int32_t node_id, const char *host, int port);
void kc_conn_free(kc_conn_t *c);            /* closes the socket; calls must be failed first */

/* Starts a non-blocking connect.  Returns 0 (in progress or connected) or
 * an error with c->last_err filled (name resolution or socket failure).
 * Resolves on the calling thread: the network client uses
 * kc_conn_connect_addr with addresses resolved off its I/O thread. */
int kc_conn_connect(kc_conn_t *c, int64_t now, int timeout_ms);
/* Starts a non-blocking connect to one resolved address of c's broker. */
int kc_conn_connect_addr(kc_conn_t *c, int64_t now, int timeout_ms, const kc_addr_t *a);
/* After POLLOUT on a connecting socket: 0 connected (the transport is
 * open), or an error. */
int kc_conn_finish_connect(kc_conn_t *c);
/* Whether the transport has a handshake of its own (TLS) to run before
 * the first request. */
bool kc_conn_needs_handshake(const kc_conn_t *c);
/* One step of it: 1 done, 0 in progress (poll kc_conn_poll_events), or
 * an error (KAFKAC_ERR_SSL, _TRANSPORT) with the connection closed and
 * c->last_err filled. */
int kc_conn_handshake(kc_conn_t *c);
/* The poll events the connection waits for now. */
short kc_conn_poll_events(const kc_conn_t *c);
/* Bytes the transport already holds that poll() will not signal (TLS
 * records decrypted ahead): read them without waiting. */
bool kc_conn_pending(const kc_conn_t *c);
/* Closes the socket, drops buffered bytes and sets state DOWN.  In-flight
 * calls stay on the list for the caller to fail. */
void kc_conn_close(kc_conn_t *c, const char *why);

/* Writes as much of the output buffer as the socket takes.  Returns 0 or
 * an error (KAFKAC_ERR_TRANSPORT, _SSL) with the connection closed. */
int kc_conn_flush(kc_conn_t *c);
static inline bool kc_conn_wants_write(const kc_conn_t *c) { return c->out_pos < c->out.len; }

/* Reads what the socket has and returns complete frames one at a time.
 * Returns 1 with *frame (owned by the caller, kc_free) and *len set; 0
 * when no complete frame is buffered (call again after POLLIN); or an
 * error: KAFKAC_ERR_TRANSPORT (closed/reset) or KAFKAC_ERR_MALFORMED (a
 * negative or absurd size prefix), or KAFKAC_ERR_SSL (TLS failed, or a
 * plaintext connection got TLS bytes), with c->last_err filled. */
int kc_conn_read_frame(kc_conn_t *c, int64_t max_frame, uint8_t **frame, size_t *len);

#endif

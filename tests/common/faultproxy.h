/* A TCP proxy for fault tests: it listens on 127.0.0.1 (an ephemeral
 * port), connects each client it accepts to one upstream broker, forwards
 * requests unchanged, and forwards responses unchanged except for one
 * armed fault, which replaces or mangles the response to the first
 * request that matches.  Requests are parsed only as far as their header
 * (size, api key, version, correlation id) so that a fault can target
 * one API; Kafka answers in order on a connection, so the n-th response
 * belongs to the n-th request.
 *
 * One background thread serves every connection.  The functions below
 * may be called from any thread.  Not part of the library. */
#ifndef KC_FAULTPROXY_H
#define KC_FAULTPROXY_H

#include <stdint.h>

typedef enum kc_fault {
    KC_FAULT_NONE = 0,
    KC_FAULT_GARBAGE,         /* size prefix 0x7fffffff, then noise; the link stays open */
    KC_FAULT_NEGATIVE_SIZE,   /* size prefix -16, then noise; the link stays open */
    KC_FAULT_HALF_THEN_CLOSE, /* the prefix and half the frame, then both sockets close */
    KC_FAULT_WRONG_CORR_ID,   /* the frame intact but its correlation id + 1000 */
    KC_FAULT_TRUNCATED_BODY,  /* a well-framed response holding only half its body */
    KC_FAULT_SILENCE,         /* this response and every later one on the link are dropped */
    KC_FAULT_DUPLICATE        /* the frame twice, in one write: the copy answers nothing */
} kc_fault_t;

/* Which requests a fault may hit, by their place on their connection. */
typedef enum kc_fault_where {
    KC_FAULT_ANYWHERE = 0,
    KC_FAULT_FIRST_ON_CONN,   /* only a connection's first request (the client's handshake) */
    KC_FAULT_NOT_FIRST        /* any request but a connection's first */
} kc_fault_where_t;

typedef struct kc_fproxy kc_fproxy_t;

/* Starts a proxy in front of upstream ("host:port").  Returns NULL if the
 * address does not resolve or the listener or thread cannot start. */
kc_fproxy_t *kc_fproxy_new(const char *upstream);
/* Stops the thread and closes every socket.  NULL is a no-op. */
void kc_fproxy_destroy(kc_fproxy_t *p);

/* "127.0.0.1:PORT": valid until kc_fproxy_destroy. */
const char *kc_fproxy_addr(const kc_fproxy_t *p);

/* Arms `fault` for the response to the next request with `api_key` (-1:
 * any) at a place `where` allows.  One shot: it disarms when it fires.
 * Arming again replaces a fault that has not fired. */
void kc_fproxy_arm(kc_fproxy_t *p, kc_fault_t fault, int16_t api_key, kc_fault_where_t where);

/* Faults injected so far, connections accepted so far. */
int kc_fproxy_fired(kc_fproxy_t *p);
int kc_fproxy_accepted(kc_fproxy_t *p);

/* The header of the request whose response the last fault hit. */
void kc_fproxy_last_hit(kc_fproxy_t *p, int16_t *api_key, int16_t *version, int32_t *corr_id);

/* Whole-broker faults, for the deadline tests (tests/integration/
 * itest_deadlines.c).  They apply to every link, open or opened later. */
typedef enum kc_fproxy_mode {
    KC_FPROXY_UP = 0, /* forward (the default) */
    KC_FPROXY_HUNG,   /* a stopped broker (SIGSTOP): connections are accepted,
                         requests are read and dropped, nothing is answered */
    KC_FPROXY_DEAD    /* a dead broker: every link is closed and nothing
                         listens on the proxy's port (connect is refused) */
} kc_fproxy_mode_t;

/* Switches mode; the proxy thread has applied it when this returns.  Back
 * to KC_FPROXY_UP from HUNG or DEAD closes every link (a client's
 * half-sent or unanswered requests are lost, as when a broker restarts)
 * and listens on the same port again.  Returns 0, or -1 if the port could
 * not be bound again. */
int kc_fproxy_set_mode(kc_fproxy_t *p, kc_fproxy_mode_t mode);

/* With on != 0, every later response that names the upstream broker's
 * address (its host string followed by its port, as in Metadata,
 * FindCoordinator and DescribeCluster answers) names the proxy's port
 * instead, so that ALL of a client's connections to that broker go
 * through the proxy, not only the bootstrap one.  Off by default. */
void kc_fproxy_redirect_self(kc_fproxy_t *p, int on);

#endif

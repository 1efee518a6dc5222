/* Name resolution off the I/O thread.  getaddrinfo blocks, for as long as
 * a slow DNS server takes; on the network client's single I/O thread one
 * slow answer would stall every connection, heartbeat and timeout of the
 * handle.  So a lookup runs on a short-lived detached thread of its own
 * and its result is posted back through the net's wake-up fd; the
 * connection waits meanwhile in KC_CONN_RESOLVING, bounded by its connect
 * deadline.  Literal addresses are converted at once, with no thread.
 *
 * Threads: kc_resolver_start / _take / _destroy on the I/O thread (or,
 * for _new and _destroy, the thread that creates or destroys the net).
 * A lookup still running at destroy finishes alone and frees itself. */
#ifndef KC_RESOLVER_H
#define KC_RESOLVER_H

#include <netdb.h>
#include <stdint.h>
#include <sys/socket.h>

/* Test hooks: what resolves names (getaddrinfo's contract; results are
 * freed with freeaddrinfo) and what turns an address back into a name
 * (getnameinfo's).  Tests replace them to make a lookup slow or fail
 * without touching real DNS; set them before any client exists. */
typedef int (*kc_getaddrinfo_fn)(const char *node, const char *service, const struct addrinfo *hints,
                                 struct addrinfo **res);
typedef int (*kc_getnameinfo_fn)(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                                 char *serv, socklen_t servlen, int flags);
extern kc_getaddrinfo_fn kc_resolver_fn;
extern kc_getnameinfo_fn kc_nameinfo_fn;

/* The addresses a name resolved to, in the order given. */
typedef struct kc_addr {
    struct sockaddr_storage sa;
    socklen_t len;
} kc_addr_t;

typedef struct kc_addrs {
    kc_addr_t *v;      /* owned (kc_free) */
    int n;
} kc_addrs_t;

void kc_addrs_free(kc_addrs_t *a);

/* Resolves host:port now, on the calling thread, through kc_resolver_fn.
 * numeric_only: only a literal address (no lookup at all; fails with
 * EAI_NONAME for a name).  Returns 0 or a getaddrinfo error code (EAI_*);
 * *errstr describes it. */
int kc_resolve_now(const char *host, int port, int numeric_only, kc_addrs_t *out, const char **errstr);

typedef struct kc_resolver kc_resolver_t;

/* wake_fd is the eventfd to write 1 to when a lookup finishes (dup'ed). */
kc_resolver_t *kc_resolver_new(int wake_fd);
void kc_resolver_destroy(kc_resolver_t *r);          /* NULL is a no-op */

/* Starts looking up host:port for `owner` (a connection), tagged `gen` so
 * that a stale answer can be told apart.  Returns 0 or
 * KAFKAC_ERR_NO_MEMORY / KAFKAC_ERR_TRANSPORT (no thread). */
int kc_resolver_start(kc_resolver_t *r, void *owner, uint32_t gen, const char *host, int port);

typedef struct kc_lookup {
    void *owner;
    uint32_t gen;
    int rc;                 /* 0 or an EAI_* code */
    char err[160];          /* its description */
    kc_addrs_t addrs;       /* owned by the taker when rc == 0 */
} kc_lookup_t;

/* Takes one finished lookup: 1 (filled *out) or 0 (none). */
int kc_resolver_take(kc_resolver_t *r, kc_lookup_t *out);

#endif

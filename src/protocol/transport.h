/* The transport under a broker connection: how bytes reach the socket.
 *
 * conn.c frames requests and responses, buffers output and keeps the
 * in-flight FIFO; it reads and writes through one of these and never
 * knows which: plain TCP (transport.c) or TLS over OpenSSL
 * (transport_tls.c).  The poll loop asks the connection which events it
 * waits for (kc_conn_poll_events), since TLS may need to read to finish a
 * write, or to write during its handshake.  All on the I/O thread.
 *
 * The TLS context (certificates, CAs, versions: one SSL_CTX) is built
 * once per client from its ssl.* settings, when the client is created,
 * so that a bad file or a wrong password fails the creation, naming the
 * key; every connection of the client shares it. */
#ifndef KC_TRANSPORT_H
#define KC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/config.h"
#include "common/log.h"

struct kc_conn;

/* A read's "the peer closed the stream" (not a kafkac_err_t). */
#define KC_TP_EOF (-1000)

typedef struct kc_transport_ops {
    const char *name;                /* "plaintext", "TLS" */
    /* After the TCP connect: sets up per-socket state.  0 or an error
     * (why filled). */
    int (*open)(struct kc_conn *c, char *why, size_t whylen);
    /* One step of the transport's own handshake, NULL if it has none.
     * Returns 1 done, 0 in progress (c->tp_events says which poll event
     * to wait for), or an error (KAFKAC_ERR_SSL, _TRANSPORT) with why. */
    int (*handshake)(struct kc_conn *c, char *why, size_t whylen);
    /* Returns bytes read (> 0), 0 when it would block, KC_TP_EOF when
     * the peer closed, or an error with why.  Reads everything the
     * transport holds before reporting "would block". */
    int64_t (*read)(struct kc_conn *c, uint8_t *buf, size_t cap, char *why, size_t whylen);
    /* Returns bytes written (> 0), 0 when it would block, or an error.
     * After 0, the caller retries with the same bytes (it may append
     * more, and the buffer may have moved). */
    int64_t (*write)(struct kc_conn *c, const uint8_t *buf, size_t len, char *why, size_t whylen);
    /* Bytes already received and decoded but not yet read: poll() will
     * not signal them.  NULL: never. */
    bool (*pending)(const struct kc_conn *c);
    /* Frees per-socket state; the caller closes the fd.  Idempotent. */
    void (*close)(struct kc_conn *c);
} kc_transport_ops_t;

extern const kc_transport_ops_t kc_transport_plain;
extern const kc_transport_ops_t kc_transport_tls;

/* The client's TLS context. */
typedef struct kc_tls_ctx kc_tls_ctx_t;

/* Builds it from the ssl.* settings: loads and checks every file and PEM
 * string now.  Returns NULL with errstr naming the key at fault (never a
 * secret's value). */
kc_tls_ctx_t *kc_tls_ctx_new(const kc_tls_settings_t *s, const kc_logger_t *log, char *errstr, size_t errlen);
void kc_tls_ctx_free(kc_tls_ctx_t *t);   /* NULL is a no-op */
/* Whether kernel TLS is in use on the connection (for logs and bench). */
bool kc_tls_ktls_active(const struct kc_conn *c);

#endif

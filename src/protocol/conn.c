/* One broker connection: sockets and framing only (see conn.h).  Bytes
 * move through c->tp (transport.h), plain TCP or TLS.
 *
 * Framing: every Kafka response is int32 size + size bytes.  Small frames
 * are cut out of a 64 KiB staging buffer (one read() often carries many
 * responses); a frame larger than that buffer gets its own exact-size
 * allocation and further reads go straight into it.  Sizes are checked
 * before anything is allocated for them. */
#include "protocol/conn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <poll.h>

#include "common/mem.h"
#include "protocol/scram.h"
#include "protocol/transport.h"

#define STAGING_SIZE (64 * 1024)

kc_conn_t *kc_conn_new(int32_t node_id, const char *host, int port)
{
    kc_conn_t *c = kc_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->host = kc_strdup(host);
    if (!c->host) {
        kc_free(c);
        return NULL;
    }
    c->node_id = node_id;
    c->port = port;
    c->fd = -1;
    c->sndbuf = c->rcvbuf = -1;
    c->next_corr_id = 1;
    kc_writer_init(&c->out, 0);
    for (int i = 0; i < KC_API_KEY_SLOTS; i++)
        c->api_min[i] = c->api_max[i] = -1;
    return c;
}

/* Empties the output buffer; wipes it first when a request that carries a
 * secret was encoded into it (only then: wiping every produce buffer would
 * cost CPU for nothing).  A buffer that grew after such a request was
 * encoded left the secret in the block realloc freed; AlterUserScram-
 * Credentials, the one sensitive request, is small and sent alone by the
 * admin client, so in practice the buffer does not grow under it. */
static void out_clear(kc_conn_t *c)
{
    if (c->out_sensitive && c->out.buf)
        kc_secure_wipe(c->out.buf, c->out.len);
    c->out_sensitive = false;
    kc_writer_reset(&c->out);
    c->out_pos = 0;
}

void kc_conn_free(kc_conn_t *c)
{
    if (!c)
        return;
    /* Freed on the application's thread (the client is closing): no
     * close_notify, which would write on a socket from this thread. */
    int fd = c->fd;
    c->fd = -1;
    if (c->tp)
        c->tp->close(c);
    if (fd >= 0)
        close(fd);
    out_clear(c);
    kc_writer_free(&c->out);
    kc_free(c->in);
    kc_free(c->big);
    kc_free(c->host);
    kc_addrs_free(&c->addrs);
    kc_free(c);
}

void kc_conn_close(kc_conn_t *c, const char *why)
{
    if (c->tp)
        c->tp->close(c);
    c->tp = NULL;
    c->tp_events = 0;
    if (c->fd >= 0) {
        close(c->fd);
        c->closed_from = c->state;
    }
    c->closed_clean = false;
    c->fd = -1;
    c->state = KC_CONN_DOWN;
    c->versions_known = false;
    out_clear(c);
    c->in_len = c->in_pos = 0;
    kc_free(c->big);
    c->big = NULL;
    c->big_len = c->big_got = 0;
    if (why && why != c->last_err)
        snprintf(c->last_err, sizeof c->last_err, "%s", why);
}

int kc_conn_connect_addr(kc_conn_t *c, int64_t now, int timeout_ms, const kc_addr_t *a)
{
    const struct sockaddr *sa = (const struct sockaddr *)&a->sa;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(c->last_err, sizeof c->last_err, "socket: %s", strerror(errno));
        return KAFKAC_ERR_TRANSPORT;
    }
    int one = 1;
    /* Requests are written whole; Nagle would only add latency. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* socket.send/receive.buffer.bytes; set before connect so that the
     * receive window is negotiated with it. */
    if (c->sndbuf >= 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &c->sndbuf, sizeof c->sndbuf);
    if (c->rcvbuf >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf, sizeof c->rcvbuf);
    int rc = connect(fd, sa, a->len);
    if (rc != 0 && errno != EINPROGRESS) {
        snprintf(c->last_err, sizeof c->last_err, "connect to %s:%d: %s", c->host, c->port, strerror(errno));
        close(fd);
        return KAFKAC_ERR_TRANSPORT;
    }
    c->fd = fd;
    c->state = KC_CONN_CONNECTING;
    c->connect_timeout_ms = timeout_ms;
    c->attempt_started_ms = now;
    c->state_deadline = now + timeout_ms;
    return 0;
}

int kc_conn_connect(kc_conn_t *c, int64_t now, int timeout_ms)
{
    kc_addrs_t addrs;
    const char *why = NULL;
    int rc = kc_resolve_now(c->host, c->port, 0, &addrs, &why);
    if (rc != 0) {
        snprintf(c->last_err, sizeof c->last_err, "cannot resolve %s:%d: %s", c->host, c->port, why);
        return KAFKAC_ERR_RESOLVE;
    }
    /* Rotate through the addresses across attempts, so that one dead
     * address of a multi-homed name does not block the others forever. */
    const kc_addr_t *a = &addrs.v[c->addr_index % addrs.n];
    c->addr_index++;
    rc = kc_conn_connect_addr(c, now, timeout_ms, a);
    kc_addrs_free(&addrs);
    return rc;
}

int kc_conn_finish_connect(kc_conn_t *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        char why[200];
        snprintf(why, sizeof why, "connect to %s:%d: %s", c->host, c->port, strerror(err));
        kc_conn_close(c, why);
        return KAFKAC_ERR_TRANSPORT;
    }
    c->tp = c->tls ? &kc_transport_tls : &kc_transport_plain;
    char why[200];
    int rc = c->tp->open(c, why, sizeof why);
    if (rc != 0) {
        kc_conn_close(c, why);
        return rc;
    }
    return 0;
}

/* A socket attached by hand (tests) has no transport yet: plain TCP. */
static const kc_transport_ops_t *tp_of(kc_conn_t *c)
{
    if (!c->tp)
        c->tp = &kc_transport_plain;
    return c->tp;
}

bool kc_conn_needs_handshake(const kc_conn_t *c)
{
    return c->tp && c->tp->handshake;
}

int kc_conn_handshake(kc_conn_t *c)
{
    char why[200];
    int rc = c->tp->handshake(c, why, sizeof why);
    if (rc < 0)
        kc_conn_close(c, why);
    return rc;
}

short kc_conn_poll_events(const kc_conn_t *c)
{
    if (c->state == KC_CONN_CONNECTING)
        return POLLOUT;
    if (c->state == KC_CONN_TLS)
        return c->tp_events ? c->tp_events : POLLIN;
    return (short)(POLLIN | c->tp_events | (kc_conn_wants_write(c) ? POLLOUT : 0));
}

bool kc_conn_pending(const kc_conn_t *c)
{
    return c->fd >= 0 && c->tp && c->tp->pending && c->tp->pending(c);
}

int kc_conn_flush(kc_conn_t *c)
{
    while (c->out_pos < c->out.len) {
        /* The transport takes the bytes from the output buffer itself
         * (TLS encrypts straight from it): no staging copy. */
        char why[200];
        int64_t n = tp_of(c)->write(c, c->out.buf + c->out_pos, c->out.len - c->out_pos, why, sizeof why);
        if (n == 0)
            return 0;
        if (n < 0) {
            kc_conn_close(c, why);
            return (int)n;
        }
        c->out_pos += (size_t)n;
    }
    /* Everything written: reuse the buffer from its start. */
    out_clear(c);
    return 0;
}

/* Reads into buf; returns bytes read, 0 for "would block", or an error. */
static int64_t sock_read(kc_conn_t *c, uint8_t *buf, size_t cap)
{
    char why[200];
    int64_t n = tp_of(c)->read(c, buf, cap, why, sizeof why);
    if (n >= 0)
        return n;
    if (n == KC_TP_EOF) {
        bool partial = c->big || c->in_len > c->in_pos;
        snprintf(why, sizeof why, "%s:%d closed the connection%s", c->host, c->port,
                 c->inflight_count || partial ? " in the middle of a response" : "");
        kc_conn_close(c, why);
        c->closed_clean = !partial;
        return KAFKAC_ERR_TRANSPORT;
    }
    kc_conn_close(c, why);
    return n;
}

/* A TLS record starts with its content type (0x15 alert, 0x16 handshake)
 * and version 0x03 0x00..0x04: read as a size prefix that is 350 MB or
 * more, never a Kafka response.  A TLS listener answers a plaintext
 * request with an alert, or a handshake record from a TLS proxy. */
static bool looks_like_tls(const uint8_t *p)
{
    return (p[0] == 0x15 || p[0] == 0x16) && p[1] == 0x03 && p[2] <= 0x04;
}

/* Cuts one complete frame out of the staging buffer, or starts a big
 * frame.  Returns 1 (frame out), 0 (need more bytes) or an error. */
static int take_buffered(kc_conn_t *c, int64_t max_frame, uint8_t **frame, size_t *len)
{
    size_t avail = c->in_len - c->in_pos;
    if (avail < 4)
        return 0;
    const uint8_t *p = c->in + c->in_pos;
    int32_t size = (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
    if (!c->tls && looks_like_tls(p)) {
        char why[200];
        snprintf(why, sizeof why, "%s:%d answered with a TLS %s record, not a Kafka response: this looks like a "
                 "TLS listener: set security.protocol=ssl (or sasl_ssl)", c->host, c->port,
                 p[0] == 0x15 ? "alert" : "handshake");
        kc_conn_close(c, why);
        return KAFKAC_ERR_SSL;
    }
    /* The smallest response is a correlation id: 4 bytes. */
    if (size < 4 || (int64_t)size > max_frame) {
        char why[200];
        snprintf(why, sizeof why, "%s:%d sent a response size of %d bytes (allowed 4..%lld): not a Kafka response",
                 c->host, c->port, size, (long long)max_frame);
        kc_conn_close(c, why);
        return KAFKAC_ERR_MALFORMED;
    }
    uint8_t *f = kc_malloc((size_t)size);
    if (!f)
        return KAFKAC_ERR_NO_MEMORY;
    if (avail - 4 >= (size_t)size) {
        memcpy(f, p + 4, (size_t)size);
        c->in_pos += 4 + (size_t)size;
        *frame = f;
        *len = (size_t)size;
        return 1;
    }
    /* Incomplete: continue in a frame-sized buffer. */
    memcpy(f, p + 4, avail - 4);
    c->big = f;
    c->big_len = (size_t)size;
    c->big_got = avail - 4;
    c->in_len = c->in_pos = 0;
    return 0;
}

int kc_conn_read_frame(kc_conn_t *c, int64_t max_frame, uint8_t **frame, size_t *len)
{
    if (!c->in) {
        c->in = kc_malloc(STAGING_SIZE);
        if (!c->in)
            return KAFKAC_ERR_NO_MEMORY;
        c->in_cap = STAGING_SIZE;
    }
    for (;;) {
        if (c->big) {
            if (c->big_got == c->big_len) {
                *frame = c->big;
                *len = c->big_len;
                c->big = NULL;
                c->big_len = c->big_got = 0;
                return 1;
            }
            int64_t n = sock_read(c, c->big + c->big_got, c->big_len - c->big_got);
            if (n <= 0)
                return (int)n;
            c->big_got += (size_t)n;
            continue;
        }
        int rc = take_buffered(c, max_frame, frame, len);
        if (rc != 0)
            return rc;
        if (c->big)
            continue;
        /* Compact, then read more. */
        if (c->in_pos > 0) {
            memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
            c->in_len -= c->in_pos;
            c->in_pos = 0;
        }
        int64_t n = sock_read(c, c->in + c->in_len, c->in_cap - c->in_len);
        if (n <= 0)
            return (int)n;
        c->in_len += (size_t)n;
    }
}

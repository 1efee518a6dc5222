/* The plain TCP transport (transport.h): recv() and send() on the
 * connection's socket, nothing of its own to set up or hold. */
#include "protocol/transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kafkac/error.h"
#include "protocol/conn.h"

static int plain_open(kc_conn_t *c, char *why, size_t whylen)
{
    (void)c;
    (void)why;
    (void)whylen;
    return 0;
}

static int64_t plain_read(kc_conn_t *c, uint8_t *buf, size_t cap, char *why, size_t whylen)
{
    for (;;) {
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n > 0)
            return n;
        if (n == 0)
            return KC_TP_EOF;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        snprintf(why, whylen, "receive from %s:%d: %s", c->host, c->port, strerror(errno));
        return KAFKAC_ERR_TRANSPORT;
    }
}

static int64_t plain_write(kc_conn_t *c, const uint8_t *buf, size_t len, char *why, size_t whylen)
{
    for (;;) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        snprintf(why, whylen, "send to %s:%d: %s", c->host, c->port, strerror(errno));
        return KAFKAC_ERR_TRANSPORT;
    }
}

static void plain_close(kc_conn_t *c)
{
    (void)c;
}

const kc_transport_ops_t kc_transport_plain = {
    .name = "plaintext",
    .open = plain_open,
    .handshake = NULL,
    .read = plain_read,
    .write = plain_write,
    .pending = NULL,
    .close = plain_close,
};

/* kc_conn_t framing and socket errors, with no broker: the connection's fd
 * is one end of a socketpair (or a loopback socket) whose other end the
 * test writes exactly the bytes it wants, in the pieces it wants.
 *
 * What must hold: frames come out whole and in order however the bytes
 * arrive (one byte at a time, many frames per write, frames larger than the
 * 64 KiB staging buffer); a size prefix that cannot be a Kafka response is
 * refused with KAFKAC_ERR_MALFORMED before anything is allocated for it;
 * a peer that goes away is KAFKAC_ERR_TRANSPORT with a message naming the
 * broker and saying whether a response was cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/conn.h"
#include "protocol/net_int.h"

#define MAX_FRAME (64LL * 1024 * 1024)

typedef struct pair {
    kc_conn_t *c;   /* owns sv[0] once attached */
    int peer;       /* the "broker" end; -1 once closed */
} pair_t;

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    assert_true(fl >= 0);
    assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* A connection in READY state whose socket is one end of a socketpair.
 * The host and port only appear in error messages. */
static void pair_open(pair_t *p)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    set_nonblock(sv[0]);
    p->c = kc_conn_new(7, "broker.test", 9092);
    assert_non_null(p->c);
    p->c->fd = sv[0];
    p->c->state = KC_CONN_READY;
    p->peer = sv[1];
}

static void pair_close(pair_t *p)
{
    kc_conn_free(p->c);
    if (p->peer >= 0)
        close(p->peer);
    p->c = NULL;
    p->peer = -1;
}

static void peer_write(pair_t *p, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    while (len > 0) {
        ssize_t n = send(p->peer, b, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail_msg("peer send: %s", strerror(errno));
        b += n;
        len -= (size_t)n;
    }
}

static void peer_shut(pair_t *p)
{
    close(p->peer);
    p->peer = -1;
}

/* Payload byte i of the frame tagged `tag`: any corruption, reordering or
 * mix-up between frames shows as a wrong byte. */
static uint8_t pattern(uint32_t tag, size_t i)
{
    return (uint8_t)(tag * 131u + i * 7u + (i >> 8) * 13u);
}

/* Appends one frame of `size` payload bytes (size prefix included) to w. */
static void frame_append(kc_writer_t *w, uint32_t tag, size_t size)
{
    kc_w_u32(w, (uint32_t)size);
    uint8_t *d = kc_w_ensure(w, size);
    assert_non_null(d);
    for (size_t i = 0; i < size; i++)
        d[i] = pattern(tag, i);
    kc_w_advance(w, size);
    assert_int_equal(w->err, 0);
}

static void expect_frame(const uint8_t *f, size_t len, uint32_t tag, size_t want_len)
{
    if (len != want_len)
        fail_msg("frame %u: expected %zu bytes, got %zu", tag, want_len, len);
    for (size_t i = 0; i < len; i++)
        if (f[i] != pattern(tag, i))
            fail_msg("frame %u: byte %zu is 0x%02x, expected 0x%02x", tag, i, f[i], pattern(tag, i));
}

/* Reads the next frame, waiting up to a second for bytes to arrive. */
static int read_wait(kc_conn_t *c, int64_t max_frame, uint8_t **f, size_t *len)
{
    for (int tries = 0; tries < 100; tries++) {
        int rc = kc_conn_read_frame(c, max_frame, f, len);
        if (rc != 0)
            return rc;
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        poll(&pfd, 1, 10);
    }
    return 0;
}

static void test_one_byte_at_a_time(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    static const size_t sizes[] = { 4, 37, 300 };
    for (uint32_t t = 0; t < 3; t++)
        frame_append(&w, t, sizes[t]);
    /* Byte by byte: nothing comes out until a frame's last byte is in. */
    size_t end_of[3], pos = 0;
    for (int t = 0; t < 3; t++)
        end_of[t] = (pos += 4 + sizes[t]);
    int next = 0;
    for (size_t i = 0; i < w.len; i++) {
        peer_write(&p, w.buf + i, 1);
        uint8_t *f = NULL;
        size_t len = 0;
        int rc = kc_conn_read_frame(p.c, MAX_FRAME, &f, &len);
        if (i + 1 == end_of[next]) {
            if (rc != 1)
                fail_msg("frame %d complete after byte %zu but read_frame returned %d", next, i, rc);
            expect_frame(f, len, (uint32_t)next, sizes[next]);
            kc_free(f);
            next++;
            /* Nothing more is buffered. */
            assert_int_equal(kc_conn_read_frame(p.c, MAX_FRAME, &f, &len), 0);
        } else if (rc != 0) {
            fail_msg("byte %zu of %zu: expected 0 (incomplete), got %d (%s)", i, w.len, rc, p.c->last_err);
        }
    }
    assert_int_equal(next, 3);
    kc_writer_free(&w);
    pair_close(&p);
}

static void test_many_frames_in_one_write(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    enum { N = 500 };
    for (uint32_t t = 0; t < N; t++)
        frame_append(&w, t, 4 + t % 61);
    peer_write(&p, w.buf, w.len);   /* ~34 KB: fits the socket buffer */
    for (uint32_t t = 0; t < N; t++) {
        uint8_t *f = NULL;
        size_t len = 0;
        int rc = read_wait(p.c, MAX_FRAME, &f, &len);
        if (rc != 1)
            fail_msg("frame %u of %d: read_frame returned %d (%s)", t, N, rc, p.c->last_err);
        expect_frame(f, len, t, 4 + t % 61);
        kc_free(f);
    }
    uint8_t *f = NULL;
    size_t len = 0;
    assert_int_equal(kc_conn_read_frame(p.c, MAX_FRAME, &f, &len), 0);
    kc_writer_free(&w);
    pair_close(&p);
}

/* Writes w to the peer (non-blocking) while draining frames from the
 * connection, so that frames larger than the socket buffer get through
 * in one thread.  Checks the frames against tags/sizes in order. */
static void pump(pair_t *p, const kc_writer_t *w, const uint32_t *tags, const size_t *sizes, int n)
{
    set_nonblock(p->peer);
    size_t sent = 0;
    int got = 0;
    for (int rounds = 0; got < n; rounds++) {
        if (rounds > 100000)
            fail_msg("stuck after %zu of %zu bytes, %d of %d frames", sent, w->len, got, n);
        if (sent < w->len) {
            ssize_t k = send(p->peer, w->buf + sent, w->len - sent, MSG_NOSIGNAL);
            if (k > 0)
                sent += (size_t)k;
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                fail_msg("peer send: %s", strerror(errno));
        }
        uint8_t *f = NULL;
        size_t len = 0;
        int rc;
        while ((rc = kc_conn_read_frame(p->c, MAX_FRAME, &f, &len)) == 1) {
            if (got >= n)
                fail_msg("more frames than the %d sent", n);
            expect_frame(f, len, tags[got], sizes[got]);
            kc_free(f);
            got++;
        }
        if (rc < 0)
            fail_msg("read_frame: %s (%s)", kafkac_err_name(rc), p->c->last_err);
    }
    assert_int_equal(sent, w->len);
}

static void test_frame_larger_than_staging(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    /* A small frame, 1 MiB, then frames at the staging buffer's edge
     * (64 KiB - 4 fills it exactly with its prefix; one more byte does
     * not fit), then small ones right behind a big one. */
    const size_t sizes[] = { 10, 1 << 20, 65536 - 4, 65536 - 3, 65536, 5, 200000, 6 };
    uint32_t tags[8];
    int n = (int)(sizeof sizes / sizeof sizes[0]);
    for (int i = 0; i < n; i++) {
        tags[i] = (uint32_t)(100 + i);
        frame_append(&w, tags[i], sizes[i]);
    }
    pump(&p, &w, tags, sizes, n);
    kc_writer_free(&w);
    pair_close(&p);
}

/* Sends a frame with the given size prefix and checks that it is refused
 * with MALFORMED, a message quoting the size, and a closed connection. */
static void expect_bad_size(uint32_t prefix, int64_t max_frame, const char *quoted)
{
    pair_t p;
    pair_open(&p);
    uint8_t buf[4 + 16];
    kc_be32(buf, prefix);
    memset(buf + 4, 0xAB, 16);
    peer_write(&p, buf, sizeof buf);
    uint8_t *f = NULL;
    size_t len = 0;
    int rc = read_wait(p.c, max_frame, &f, &len);
    if (rc != KAFKAC_ERR_MALFORMED)
        fail_msg("prefix 0x%08x: expected MALFORMED, read_frame returned %d (%s)", prefix, rc, p.c->last_err);
    assert_null(f);
    if (!strstr(p.c->last_err, quoted) || !strstr(p.c->last_err, "broker.test:9092") ||
        !strstr(p.c->last_err, "not a Kafka response"))
        fail_msg("prefix 0x%08x: last_err \"%s\" should name the broker and say \"%s\"", prefix, p.c->last_err,
                 quoted);
    assert_int_equal(p.c->fd, -1);
    assert_int_equal(p.c->state, KC_CONN_DOWN);
    pair_close(&p);
}

static void test_bad_size_prefix(void **state)
{
    (void)state;
    expect_bad_size(0xFFFFFFFFu, MAX_FRAME, "size of -1 bytes");
    expect_bad_size(0x80000000u, MAX_FRAME, "size of -2147483648 bytes");
    expect_bad_size(0, MAX_FRAME, "size of 0 bytes");
    expect_bad_size(3, MAX_FRAME, "size of 3 bytes");
    expect_bad_size(0x7FFFFFFFu, MAX_FRAME, "size of 2147483647 bytes");
    expect_bad_size(1001, 1000, "size of 1001 bytes (allowed 4..1000)");
}

static void test_size_limits_are_inclusive(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    frame_append(&w, 1, 4);
    frame_append(&w, 2, 1000);
    peer_write(&p, w.buf, w.len);
    uint8_t *f = NULL;
    size_t len = 0;
    assert_int_equal(read_wait(p.c, 1000, &f, &len), 1);
    expect_frame(f, len, 1, 4);
    kc_free(f);
    assert_int_equal(read_wait(p.c, 1000, &f, &len), 1);
    expect_frame(f, len, 2, 1000);
    kc_free(f);
    kc_writer_free(&w);
    pair_close(&p);
}

/* The peer closes after `cut` bytes of a stream of one frame of `size`. */
static void expect_cut(size_t size, size_t cut, int inflight, const char *want)
{
    pair_t p;
    pair_open(&p);
    p.c->inflight_count = inflight;  /* only read by the message: no call list */
    kc_writer_t w;
    kc_writer_init(&w, 0);
    frame_append(&w, 9, size);
    peer_write(&p, w.buf, cut);
    peer_shut(&p);
    uint8_t *f = NULL;
    size_t len = 0;
    int rc = read_wait(p.c, MAX_FRAME, &f, &len);
    if (rc != KAFKAC_ERR_TRANSPORT)
        fail_msg("cut at %zu of %zu: expected TRANSPORT, read_frame returned %d (%s)", cut, w.len, rc,
                 p.c->last_err);
    if (!strstr(p.c->last_err, want))
        fail_msg("cut at %zu of %zu: last_err \"%s\" should contain \"%s\"", cut, w.len, p.c->last_err, want);
    assert_int_equal(p.c->fd, -1);
    assert_int_equal(p.c->state, KC_CONN_DOWN);
    /* Closed means closed: no leftover bytes come out later. */
    assert_null(p.c->big);
    assert_int_equal(p.c->in_len, 0);
    kc_writer_free(&w);
    pair_close(&p);
}

static void test_peer_closes_mid_frame(void **state)
{
    (void)state;
    const char *mid = "broker.test:9092 closed the connection in the middle of a response";
    expect_cut(100, 0, 1, mid);              /* nothing yet, a request waiting */
    expect_cut(100, 2, 0, mid);              /* inside the size prefix */
    expect_cut(100, 4, 0, mid);              /* the prefix and no body */
    expect_cut(100, 50, 0, mid);             /* half a small frame */
    expect_cut(1 << 20, 100000, 0, mid);     /* inside a frame bigger than the staging buffer */
}

static void test_peer_closes_between_frames(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    frame_append(&w, 3, 20);
    peer_write(&p, w.buf, w.len);
    peer_shut(&p);
    uint8_t *f = NULL;
    size_t len = 0;
    /* The whole frame that arrived before the close still comes out... */
    assert_int_equal(read_wait(p.c, MAX_FRAME, &f, &len), 1);
    expect_frame(f, len, 3, 20);
    kc_free(f);
    /* ...then the close, which cut nothing short. */
    assert_int_equal(read_wait(p.c, MAX_FRAME, &f, &len), KAFKAC_ERR_TRANSPORT);
    assert_string_equal(p.c->last_err, "broker.test:9092 closed the connection");
    kc_writer_free(&w);
    pair_close(&p);
}

/* An allocation failure is reported and loses nothing: the same frame
 * comes out once memory is back. */
static void test_out_of_memory_keeps_the_frame(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    kc_writer_t w;
    kc_writer_init(&w, 0);
    frame_append(&w, 4, 64);
    frame_append(&w, 5, 100000);
    peer_write(&p, w.buf, 4 + 64 + 1000);
    uint8_t *f = NULL;
    size_t len = 0;
    kc_mem_fail_after(0);
    int rc = kc_conn_read_frame(p.c, MAX_FRAME, &f, &len);   /* staging buffer */
    kc_mem_fail_after(-1);
    assert_int_equal(rc, KAFKAC_ERR_NO_MEMORY);
    assert_int_equal(read_wait(p.c, MAX_FRAME, &f, &len), 1);
    expect_frame(f, len, 4, 64);
    kc_free(f);
    kc_mem_fail_after(0);
    rc = kc_conn_read_frame(p.c, MAX_FRAME, &f, &len);       /* the big frame's buffer */
    kc_mem_fail_after(-1);
    assert_int_equal(rc, KAFKAC_ERR_NO_MEMORY);
    assert_true(p.c->fd >= 0);
    const size_t rest_sizes[] = { 100000 };
    const uint32_t rest_tags[] = { 5 };
    kc_writer_t rest;
    kc_writer_init_fixed(&rest, w.buf + 4 + 64 + 1000, w.len - (4 + 64 + 1000));
    rest.len = rest.cap;
    pump(&p, &rest, rest_tags, rest_sizes, 1);
    kc_writer_free(&w);
    pair_close(&p);
}

/* Flush: partial writes resume where they stopped; a dead peer is
 * TRANSPORT naming the broker (and no SIGPIPE kills the process). */
static void test_flush(void **state)
{
    (void)state;
    pair_t p;
    pair_open(&p);
    size_t total = 3u << 20;   /* far more than the socket buffer */
    uint8_t *d = kc_w_ensure(&p.c->out, total);
    assert_non_null(d);
    for (size_t i = 0; i < total; i++)
        d[i] = pattern(77, i);
    kc_w_advance(&p.c->out, total);
    uint8_t *got = malloc(total);
    assert_non_null(got);
    size_t have = 0;
    int partial = 0;
    while (have < total) {
        assert_int_equal(kc_conn_flush(p.c), 0);
        if (kc_conn_wants_write(p.c))
            partial = 1;
        ssize_t n = recv(p.peer, got + have, total - have, MSG_DONTWAIT);
        if (n > 0)
            have += (size_t)n;
    }
    assert_true(partial);
    assert_false(kc_conn_wants_write(p.c));
    for (size_t i = 0; i < total; i++)
        if (got[i] != pattern(77, i))
            fail_msg("byte %zu arrived as 0x%02x, sent 0x%02x", i, got[i], pattern(77, i));
    free(got);

    kc_w_raw(&p.c->out, "abcd", 4);
    peer_shut(&p);
    assert_int_equal(kc_conn_flush(p.c), KAFKAC_ERR_TRANSPORT);
    if (!strstr(p.c->last_err, "send to broker.test:9092"))
        fail_msg("last_err \"%s\" should say the send to broker.test:9092 failed", p.c->last_err);
    assert_int_equal(p.c->fd, -1);
    pair_close(&p);
}

/* A request that carries a secret (kc_req_t.sensitive, e.g. a salted
 * password) leaves no copy in the reused output buffer: it is wiped once
 * written, and when the connection closes with it unsent.  Others are not
 * wiped (that would cost every produce request a memset). */
static void test_sensitive_output_is_wiped(void **state)
{
    (void)state;
    static const char secret[] = "SALTED-PASSWORD-BYTES";
    const size_t n = sizeof secret - 1;
    pair_t p;
    pair_open(&p);

    kc_w_raw(&p.c->out, secret, n);
    p.c->out_sensitive = true;
    const uint8_t *buf = p.c->out.buf;
    assert_int_equal(kc_conn_flush(p.c), 0);
    assert_false(kc_conn_wants_write(p.c));
    assert_ptr_equal(p.c->out.buf, buf);   /* kept for reuse... */
    for (size_t i = 0; i < n; i++)         /* ...but wiped */
        if (buf[i])
            fail_msg("byte %zu of the written secret is still 0x%02x", i, buf[i]);
    assert_false(p.c->out_sensitive);
    char got[64];
    assert_int_equal(recv(p.peer, got, sizeof got, MSG_DONTWAIT), (ssize_t)n);
    assert_memory_equal(got, secret, n);

    kc_w_raw(&p.c->out, "plain", 5);
    assert_int_equal(kc_conn_flush(p.c), 0);
    assert_memory_equal(buf, "plain", 5);

    /* Unsent when the connection closes. */
    kc_w_raw(&p.c->out, secret, n);
    p.c->out_sensitive = true;
    buf = p.c->out.buf;
    kc_conn_close(p.c, "closing with a secret queued");
    for (size_t i = 0; i < n; i++)
        if (buf[i])
            fail_msg("byte %zu of the unsent secret is still 0x%02x after close", i, buf[i]);
    pair_close(&p);
}

/* The real path over TCP: non-blocking connect to a loopback listener,
 * then a frame, then the listener's side resets. */
/* Waits for c's connect (begun by kc_conn_connect) to complete and
 * returns the listener lfd's end of it. */
static int finish_and_accept(kc_conn_t *c, int lfd)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    assert_int_equal(kc_conn_finish_connect(c), 0);
    int peer = accept(lfd, NULL, NULL);
    assert_true(peer >= 0);
    return peer;
}

/* The peer sends one frame of 4 bytes, `value` big-endian; c reads
 * exactly that frame. */
static void peer_sends_one_frame(kc_conn_t *c, int peer, uint32_t value)
{
    uint8_t fr[8];
    kc_be32(fr, 4);
    kc_be32(fr + 4, value);
    assert_int_equal(send(peer, fr, sizeof fr, 0), (ssize_t)sizeof fr);
    uint8_t *f = NULL;
    size_t len = 0;
    assert_int_equal(read_wait(c, MAX_FRAME, &f, &len), 1);
    assert_int_equal(len, 4);
    assert_memory_equal(f, fr + 4, 4);
    kc_free(f);
}

static void test_tcp_connect_and_refused(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    int port = ntohs(a.sin_port);

    kc_conn_t *c = kc_conn_new(1, "127.0.0.1", port);
    assert_non_null(c);
    assert_int_equal(kc_conn_connect(c, 0, 1000), 0);
    assert_int_equal(c->state, KC_CONN_CONNECTING);
    int peer = finish_and_accept(c, lfd);
    peer_sends_one_frame(c, peer, 0x01020304);
    /* A reset (SO_LINGER 0) rather than an orderly close. */
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(peer);
    uint8_t *f = NULL;
    size_t len = 0;
    int rc = read_wait(c, MAX_FRAME, &f, &len);
    assert_int_equal(rc, KAFKAC_ERR_TRANSPORT);
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", port);
    if (!strstr(c->last_err, want))
        fail_msg("last_err \"%s\" should name %s", c->last_err, want);

    /* Nothing listens any more: the connect fails, now or on POLLOUT. */
    close(lfd);
    rc = kc_conn_connect(c, 0, 1000);
    if (rc == 0) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
        assert_int_equal(poll(&pfd, 1, 2000), 1);
        rc = kc_conn_finish_connect(c);
    }
    assert_int_equal(rc, KAFKAC_ERR_TRANSPORT);
    if (!strstr(c->last_err, "Connection refused") || !strstr(c->last_err, want))
        fail_msg("last_err \"%s\" should say the connect to %s was refused", c->last_err, want);
    assert_int_equal(c->fd, -1);
    kc_conn_free(c);
}

/* socket.send.buffer.bytes / socket.receive.buffer.bytes reach the
 * socket (Linux reports twice the value set, for its bookkeeping); -1
 * leaves the system's default. */
static int sockopt_int(int fd, int opt)
{
    int v = 0;
    socklen_t l = sizeof v;
    assert_int_equal(getsockopt(fd, SOL_SOCKET, opt, &v, &l), 0);
    return v;
}

static void test_socket_buffer_sizes(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    int port = ntohs(a.sin_port);

    kc_conn_t *c = kc_conn_new(1, "127.0.0.1", port);
    assert_int_equal(c->sndbuf, -1);
    assert_int_equal(c->rcvbuf, -1);
    assert_int_equal(kc_conn_connect(c, 0, 1000), 0);
    int def_snd = sockopt_int(c->fd, SO_SNDBUF), def_rcv = sockopt_int(c->fd, SO_RCVBUF);
    kc_conn_close(c, NULL);

    const int want = 24576;
    assert_true(def_snd != want && def_snd != 2 * want && def_rcv != want && def_rcv != 2 * want);
    c->sndbuf = want;
    c->rcvbuf = want;
    assert_int_equal(kc_conn_connect(c, 0, 1000), 0);
    int snd = sockopt_int(c->fd, SO_SNDBUF), rcv = sockopt_int(c->fd, SO_RCVBUF);
    if ((snd != want && snd != 2 * want) || (rcv != want && rcv != 2 * want))
        fail_msg("asked for %d-byte socket buffers, got SO_SNDBUF %d, SO_RCVBUF %d (defaults %d, %d)", want, snd, rcv,
                 def_snd, def_rcv);
    kc_conn_free(c);
    close(lfd);
}

static void test_unresolvable_host(void **state)
{
    (void)state;
    kc_conn_t *c = kc_conn_new(1, "no-such-host.invalid", 9092);
    assert_non_null(c);
    assert_int_equal(kc_conn_connect(c, 0, 1000), KAFKAC_ERR_RESOLVE);
    if (!strstr(c->last_err, "cannot resolve no-such-host.invalid:9092"))
        fail_msg("last_err \"%s\" should name the host that did not resolve", c->last_err);
    assert_int_equal(c->fd, -1);
    kc_conn_free(c);
    kc_conn_free(NULL);
}

/* IPv6: a literal ::1, as "[::1]:port" in bootstrap.servers becomes. */
static void test_ipv6_connect(void **state)
{
    (void)state;
    int lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    socklen_t al = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(lfd);
        skip(); /* no IPv6 loopback on this machine */
    }
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    int port = ntohs(a.sin6_port);
    kc_conn_t *c = kc_conn_new(1, "::1", port);
    assert_non_null(c);
    assert_int_equal(kc_conn_connect(c, 0, 1000), 0);
    int peer = finish_and_accept(c, lfd);
    peer_sends_one_frame(c, peer, 0x0a0b0c0d);
    close(peer);
    close(lfd);
    kc_conn_free(c);
}

/* A host name rather than an address: "localhost", which may resolve to
 * 127.0.0.1, ::1 or both.  Both are listened on (::1 where the machine
 * has it), on one port; a connect that lands on an address nobody listens
 * on is followed by one to the next address, as the network client's
 * reconnect does. */
static void test_host_name_connect(void **state)
{
    (void)state;
    int l4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(l4 >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(l4, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l4, 4), 0);
    assert_int_equal(getsockname(l4, (struct sockaddr *)&a, &al), 0);
    int port = ntohs(a.sin_port);
    int l6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    a6.sin6_port = htons((uint16_t)port);
    if (l6 >= 0 && (bind(l6, (struct sockaddr *)&a6, sizeof a6) != 0 || listen(l6, 4) != 0)) {
        close(l6);
        l6 = -1;
    }

    kc_conn_t *c = kc_conn_new(1, "localhost", port);
    assert_non_null(c);
    int connected = 0;
    for (int attempt = 0; attempt < 2 && !connected; attempt++) {
        assert_int_equal(kc_conn_connect(c, 0, 1000), 0);
        struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
        assert_int_equal(poll(&pfd, 1, 2000), 1);
        connected = kc_conn_finish_connect(c) == 0;
    }
    if (!connected)
        fail_msg("no connect to localhost:%d in two attempts: %s", port, c->last_err);
    struct pollfd lp[2] = { { .fd = l4, .events = POLLIN }, { .fd = l6, .events = POLLIN } };
    assert_true(poll(lp, l6 >= 0 ? 2 : 1, 2000) >= 1);
    int peer = accept((lp[0].revents & POLLIN) ? l4 : l6, NULL, NULL);
    assert_true(peer >= 0);
    peer_sends_one_frame(c, peer, 0x11223344);
    close(peer);
    close(l4);
    if (l6 >= 0)
        close(l6);
    kc_conn_free(c);
}

/* Reconnect backoff: doubles per failure from reconnect.backoff.ms up to
 * reconnect.backoff.max.ms, each wait within +-20% of that, and the jitter
 * really varies (clients that failed together do not retry together). */
static void test_reconnect_backoff(void **state)
{
    (void)state;
    unsigned seed = 12345;
    int64_t want[] = { 100, 200, 400, 800, 1000, 1000, 1000 };
    for (int f = 1; f <= 7; f++) {
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < 200; k++) {
            int64_t b = kc_net_backoff_ms(100, 1000, f, &seed);
            if (b < want[f - 1] * 4 / 5 || b > want[f - 1] * 6 / 5)
                fail_msg("failure %d: waited %lld ms, want %lld +-20%%", f, (long long)b, (long long)want[f - 1]);
            lo = b < lo ? b : lo;
            hi = b > hi ? b : hi;
        }
        /* 200 draws over a +-20% window: they spread over most of it. */
        if (hi - lo < want[f - 1] / 4)
            fail_msg("failure %d: waits only from %lld to %lld ms", f, (long long)lo, (long long)hi);
    }
    /* A huge failure count neither overflows nor exceeds the cap + 20%. */
    int64_t b = kc_net_backoff_ms(50, 10000, 1000000, &seed);
    assert_true(b >= 8000 && b <= 12000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_many_frames_in_one_write),
        cmocka_unit_test(test_frame_larger_than_staging),
        cmocka_unit_test(test_bad_size_prefix),
        cmocka_unit_test(test_size_limits_are_inclusive),
        cmocka_unit_test(test_peer_closes_mid_frame),
        cmocka_unit_test(test_peer_closes_between_frames),
        cmocka_unit_test(test_out_of_memory_keeps_the_frame),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_sensitive_output_is_wiped),
        cmocka_unit_test(test_tcp_connect_and_refused),
        cmocka_unit_test(test_socket_buffer_sizes),
        cmocka_unit_test(test_unresolvable_host),
        cmocka_unit_test(test_ipv6_connect),
        cmocka_unit_test(test_host_name_connect),
        cmocka_unit_test(test_reconnect_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

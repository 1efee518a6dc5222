/* The TLS transport (protocol/transport_tls.c) against an in-process TLS
 * server thread on 127.0.0.1, with certificates made at test time with
 * OpenSSL's API (a CA, a second CA, broker certificates good, with the
 * wrong name and expired, client certificates, an encrypted key, a
 * PKCS#12 bundle).
 *
 * The client side is driven like the network client's loop drives it:
 * poll() on kc_conn_poll_events, the handshake stepped on each event,
 * frames read until "would block".  What must hold: the handshake
 * completes non-blocking; writes larger than the socket buffer go out
 * whole through partial SSL_writes while the output buffer grows and
 * moves; many small frames come out whole with nothing left inside
 * OpenSSL (SSL_pending) that poll() could not signal; each certificate
 * failure names the check that failed; bad files and wrong passwords
 * fail at creation naming the key, never showing a secret; TLS spoken to
 * a plaintext listener and plaintext spoken to a TLS listener say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/config.h"
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/conn.h"
#include "protocol/net.h"
#include "protocol/transport.h"

static char dir[64];

/* ------------------------------------------------------------------ */
/* Certificates                                                        */

typedef struct ident {
    EVP_PKEY *key;
    X509 *cert;
} ident_t;

static ident_t ca1, ca2;

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A certificate for cn, valid from now+from_s to now+to_s, with the SANs
 * given (NULL: none), signed by issuer (NULL: self-signed CA). */
static ident_t make_ident(const char *cn, const char *san, const ident_t *issuer, long from_s, long to_s)
{
    static long serial = 1;
    ident_t id;
    id.key = EVP_EC_gen("P-256");
    assert_non_null(id.key);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509_set_pubkey(x, id.key);
    X509 *icert = issuer ? issuer->cert : x;
    if (!issuer) {
        add_ext(x, icert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, icert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, icert, NID_basic_constraints, "CA:FALSE");
    }
    if (san)
        add_ext(x, icert, NID_subject_alt_name, san);
    assert_true(X509_sign(x, issuer ? issuer->key : id.key, EVP_sha256()) > 0);
    id.cert = x;
    return id;
}

static void write_cert(const char *name, X509 *x)
{
    char p[128];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    PEM_write_X509(f, x);
    fclose(f);
}

static void write_key(const char *name, EVP_PKEY *k, const char *password)
{
    char p[128];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    if (password)
        PEM_write_PrivateKey(f, k, EVP_aes_256_cbc(), (unsigned char *)password, (int)strlen(password), NULL,
                             NULL);
    else
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
}

static void write_ident(const char *base, const ident_t *id)
{
    char n[64];
    snprintf(n, sizeof n, "%s.pem", base);
    write_cert(n, id->cert);
    snprintf(n, sizeof n, "%s.key", base);
    write_key(n, id->key, NULL);
}

static ident_t server_ok, server_badname, server_expired, server_self, client_ok, client_other;

static char *slurp(const char *name)
{
    char p[128];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup_certs(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/kc_tls_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    ca1 = make_ident("kc test CA", NULL, NULL, -3600, 86400);
    ca2 = make_ident("kc other CA", NULL, NULL, -3600, 86400);
    write_cert("ca.pem", ca1.cert);
    write_cert("ca2.pem", ca2.cert);
    server_ok = make_ident("broker", "IP:127.0.0.1,DNS:localhost", &ca1, -3600, 86400);
    server_badname = make_ident("broker", "DNS:wrong.invalid", &ca1, -3600, 86400);
    server_expired = make_ident("broker", "IP:127.0.0.1,DNS:localhost", &ca1, -7200, -3600);
    server_self = make_ident("selfsigned broker", "IP:127.0.0.1", NULL, -3600, 86400);
    client_ok = make_ident("client", NULL, &ca1, -3600, 86400);
    client_other = make_ident("other", NULL, &ca2, -3600, 86400);
    write_ident("client", &client_ok);
    write_ident("other", &client_other);
    write_key("client-enc.key", client_ok.key, "keypass");
    PKCS12 *p12 = PKCS12_create("p12pass", "client", client_ok.key, client_ok.cert, NULL, 0, 0, 0, 0, 0);
    assert_non_null(p12);
    char p[128];
    path_of(p, sizeof p, "client.p12");
    FILE *f = fopen(p, "wb");
    i2d_PKCS12_fp(f, p12);
    fclose(f);
    PKCS12_free(p12);
    return 0;
}

static int teardown_certs(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The server thread                                                   */

typedef enum {
    SRV_TLS,          /* TLS; then read `expect` bytes, then send `reply` */
    SRV_PLAIN_KAFKA,  /* plaintext Kafka listener: reads a size prefix, closes on an absurd one */
} srv_kind_t;

typedef struct srv {
    srv_kind_t kind;
    const ident_t *id;
    int require_client_cert;
    int lfd, port;
    pthread_t th;
    size_t expect;            /* bytes to read after the handshake */
    int slow_start_ms;        /* before reading them */
    const uint8_t *reply;
    size_t reply_len;
    /* results */
    _Atomic size_t got;          /* read by the test thread while the server runs */
    int pattern_ok;
    _Atomic int handshake_ok;
    char err[200];
} srv_t;

static int read_full_plain(int fd, void *buf, size_t n)
{
    uint8_t *b = buf;
    while (n > 0) {
        ssize_t r = recv(fd, b, n, 0);
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static void *srv_main(void *arg)
{
    srv_t *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (s->kind == SRV_PLAIN_KAFKA) {
        /* As Kafka's plaintext listener does: a size over
         * socket.request.max.bytes closes the connection. */
        uint8_t hdr[4];
        if (read_full_plain(fd, hdr, 4) == 0) {
            uint32_t size = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
            snprintf(s->err, sizeof s->err, "size %u", size);
        }
        close(fd);
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, s->id->cert);
    SSL_CTX_use_PrivateKey(ctx, s->id->key);
    if (s->require_client_cert) {
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca1.cert);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    int r = SSL_accept(ssl);
    if (r != 1) {
        unsigned long e = ERR_get_error();
        ERR_error_string_n(e, s->err, sizeof s->err);
        if (ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER || ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST ||
            ERR_GET_REASON(e) == SSL_R_UNKNOWN_PROTOCOL || ERR_GET_REASON(e) == SSL_R_PACKET_LENGTH_TOO_LONG) {
            /* What Java's SSLEngine (Kafka's SSL listener) sends to a
             * client that does not speak TLS: a fatal alert record,
             * unexpected_message (10). */
            static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a };
            ssize_t w = send(fd, alert, sizeof alert, MSG_NOSIGNAL);
            (void)w;
        }
        goto out;
    }
    s->handshake_ok = 1;
    if (s->slow_start_ms)
        usleep((useconds_t)s->slow_start_ms * 1000);
    s->pattern_ok = 1;
    uint8_t buf[16384];
    while (s->got < s->expect) {
        size_t want = s->expect - s->got < sizeof buf ? s->expect - s->got : sizeof buf;
        int n = SSL_read(ssl, buf, (int)want);
        if (n <= 0) {
            unsigned long e = ERR_get_error();
            ERR_error_string_n(e, s->err, sizeof s->err);
            goto out;
        }
        for (int i = 0; i < n; i++)
            if (buf[i] != (uint8_t)((s->got + (size_t)i) * 7 + 3))
                s->pattern_ok = 0;
        s->got += (size_t)n;
    }
    if (s->reply_len) {
        size_t off = 0;
        while (off < s->reply_len) {
            int n = SSL_write(ssl, s->reply + off, (int)(s->reply_len - off));
            if (n <= 0)
                break;
            off += (size_t)n;
        }
    }
    /* Wait for the client to close. */
    while (SSL_read(ssl, buf, sizeof buf) > 0)
        ;
out:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return NULL;
}

static void srv_start(srv_t *s)
{
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(s->lfd, (struct sockaddr *)&a, &l);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void srv_stop(srv_t *s)
{
    shutdown(s->lfd, SHUT_RDWR);
    pthread_join(s->th, NULL);
    close(s->lfd);
}

/* ------------------------------------------------------------------ */
/* The client side                                                     */

static void tls_defaults(kc_tls_settings_t *t)
{
    memset(t, 0, sizeof *t);
    t->verify_host = 1;
    t->enabled_protocols.v[0] = KC_TLS_1_2;
    t->enabled_protocols.v[1] = KC_TLS_1_3;
    t->enabled_protocols.n = 2;
}

static char *file(const char *name)
{
    static char bufs[8][128];
    static int k;
    char *b = bufs[k++ % 8];
    path_of(b, 128, name);
    return b;
}

static kc_tls_ctx_t *ctx_or_fail(const kc_tls_settings_t *t)
{
    char err[256];
    kc_tls_ctx_t *c = kc_tls_ctx_new(t, NULL, err, sizeof err);
    if (!c)
        fail_msg("kc_tls_ctx_new: %s", err);
    return c;
}

/* Connects c to 127.0.0.1:port and runs the handshake the way the poll
 * loop does.  Returns 0 when ready, or the error (c->last_err says why). */
static int drive_connect(kc_conn_t *c, int port)
{
    kc_addr_t a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in *sin = (struct sockaddr_in *)&a.sa;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.len = sizeof *sin;
    int rc = kc_conn_connect_addr(c, kc_now_ms(), 5000, &a);
    if (rc)
        return rc;
    int64_t deadline = kc_now_ms() + 5000;
    while (kc_now_ms() < deadline) {
        struct pollfd p = { .fd = c->fd, .events = kc_conn_poll_events(c) };
        if (poll(&p, 1, 100) <= 0)
            continue;
        if (c->state == KC_CONN_CONNECTING) {
            rc = kc_conn_finish_connect(c);
            if (rc)
                return rc;
            if (!kc_conn_needs_handshake(c)) {
                c->state = KC_CONN_READY;
                return 0;
            }
            c->state = KC_CONN_TLS;
        }
        rc = kc_conn_handshake(c);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            c->state = KC_CONN_READY;
            return 0;
        }
    }
    fail_msg("handshake did not finish within 5 s");
    return -1;
}

/* Reads frames until n came, as the loop does: poll, then read until
 * "would block", then nothing may remain that poll() cannot see. */
static int read_frames(kc_conn_t *c, int n, uint8_t ***out, size_t **lens)
{
    *out = calloc((size_t)n, sizeof **out);
    *lens = calloc((size_t)n, sizeof **lens);
    int got = 0;
    int64_t deadline = kc_now_ms() + 10000;
    while (got < n && kc_now_ms() < deadline) {
        struct pollfd p = { .fd = c->fd, .events = kc_conn_poll_events(c) };
        if (poll(&p, 1, 200) <= 0)
            continue;
        for (;;) {
            uint8_t *f;
            size_t len;
            int rc = kc_conn_read_frame(c, 64LL << 20, &f, &len);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
            if (got < n) {
                (*out)[got] = f;
                (*lens)[got] = len;
                got++;
            } else {
                kc_free(f);
            }
        }
        if (kc_conn_pending(c))
            fail_msg("after a read that would block, OpenSSL still holds decrypted bytes poll() cannot signal");
    }
    return got;
}

static void expect_err(kc_conn_t *c, int rc, int code, const char *const *words)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", kafkac_err_name(code), kafkac_err_name(rc), c->last_err);
    for (const char *const *w = words; *w; w++)
        if (!strstr(c->last_err, *w))
            fail_msg("expected '%s' in the error, got: %s", *w, c->last_err);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void fill_pattern(kc_writer_t *w, size_t from, size_t n)
{
    uint8_t *d = kc_w_ensure(w, n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)((from + i) * 7 + 3);
    kc_w_advance(w, n);
}

/* 4 MB through partial writes: the server reads nothing for 300 ms, so
 * SSL_write must stop part way and be retried with the same bytes while
 * the output buffer grows (and moves) under it. */
static void test_handshake_and_partial_writes(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    kc_tls_ctx_t *ctx = ctx_or_fail(&t);
    const size_t total = 4u << 20;
    srv_t s = { .kind = SRV_TLS, .id = &server_ok, .expect = total, .slow_start_ms = 300 };
    srv_start(&s);
    kc_conn_t *c = kc_conn_new(1, "127.0.0.1", s.port);
    c->tls = ctx;
    c->sndbuf = 16384;
    int rc = drive_connect(c, s.port);
    if (rc)
        fail_msg("handshake: %s", c->last_err);
    size_t queued = 0;
    fill_pattern(&c->out, 0, total / 2);
    queued = total / 2;
    int would_block = 0;
    int64_t deadline = kc_now_ms() + 10000;
    while (kc_conn_wants_write(c) && kc_now_ms() < deadline) {
        const uint8_t *before = c->out.buf;
        size_t pos = c->out_pos;
        rc = kc_conn_flush(c);
        if (rc)
            fail_msg("flush: %s", c->last_err);
        if (kc_conn_wants_write(c)) {
            would_block++;
            if (queued < total) {
                /* Append the rest while a write is pending. */
                fill_pattern(&c->out, queued, total - queued);
                queued = total;
            }
            (void)before;
            (void)pos;
            struct pollfd p = { .fd = c->fd, .events = kc_conn_poll_events(c) };
            poll(&p, 1, 200);
        } else if (queued < total) {
            fill_pattern(&c->out, queued, total - queued);
            queued = total;
        }
    }
    assert_false(kc_conn_wants_write(c));
    assert_true(would_block > 0);
    /* Written is not yet read: closing now could reset the connection
     * (the server's session tickets lie unread on our side) and lose the
     * tail, so wait until the server has it all. */
    int64_t read_by = kc_now_ms() + 10000;
    while (s.got < total && kc_now_ms() < read_by)
        usleep(2000);
    kc_conn_free(c);
    srv_stop(&s);
    assert_true(s.handshake_ok);
    assert_int_equal(s.got, total);
    assert_true(s.pattern_ok);
    kc_tls_ctx_free(ctx);
}

/* Thousands of small frames and some larger than the staging buffer in
 * one burst: TLS records and frames do not line up, so reads end in the
 * middle of records. */
static void test_many_small_frames_drained(void **state)
{
    (void)state;
    enum { N = 3000 };
    kc_writer_t w;
    kc_writer_init(&w, 0);
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        size_t sz = (i % 500 == 499) ? 70000 + (size_t)i : 4 + (size_t)(i * 13 % 37);
        sizes[i] = sz;
        uint8_t *d = kc_w_ensure(&w, 4 + sz);
        d[0] = (uint8_t)(sz >> 24);
        d[1] = (uint8_t)(sz >> 16);
        d[2] = (uint8_t)(sz >> 8);
        d[3] = (uint8_t)sz;
        for (size_t k = 0; k < sz; k++)
            d[4 + k] = (uint8_t)(i + (int)k);
        kc_w_advance(&w, 4 + sz);
    }
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    kc_tls_ctx_t *ctx = ctx_or_fail(&t);
    srv_t s = { .kind = SRV_TLS, .id = &server_ok, .expect = 10, .reply = w.buf, .reply_len = w.len };
    srv_start(&s);
    kc_conn_t *c = kc_conn_new(1, "localhost", s.port);   /* by name: SNI and the DNS SAN */
    c->tls = ctx;
    if (drive_connect(c, s.port))
        fail_msg("handshake: %s", c->last_err);
    fill_pattern(&c->out, 0, 10);
    assert_int_equal(kc_conn_flush(c), 0);
    uint8_t **frames;
    size_t *lens;
    int got = read_frames(c, N, &frames, &lens);
    if (got != N)
        fail_msg("expected %d frames, got %d (%s)", N, got, c->last_err);
    for (int i = 0; i < N; i++) {
        assert_int_equal(lens[i], sizes[i]);
        for (size_t k = 0; k < lens[i]; k++)
            if (frames[i][k] != (uint8_t)(i + (int)k))
                fail_msg("frame %d byte %zu differs", i, k);
        kc_free(frames[i]);
    }
    free(frames);
    free(lens);
    kc_conn_free(c);
    srv_stop(&s);
    kc_tls_ctx_free(ctx);
    kc_writer_free(&w);
}

/* Connects with settings t to a server with identity id; returns the
 * error code and leaves the text in *why. */
static int try_connect(const kc_tls_settings_t *t, const ident_t *id, int mtls, const char *host, char *why,
                       size_t whylen)
{
    kc_tls_ctx_t *ctx = ctx_or_fail(t);
    srv_t s = { .kind = SRV_TLS, .id = id, .require_client_cert = mtls, .expect = 8 };
    srv_start(&s);
    kc_conn_t *c = kc_conn_new(1, host, s.port);
    c->tls = ctx;
    int rc = drive_connect(c, s.port);
    if (rc == 0) {
        /* TLS 1.3: the server checks our certificate after our side of
         * the handshake is done; its verdict comes with the first read. */
        fill_pattern(&c->out, 0, 8);
        rc = kc_conn_flush(c);
        int64_t deadline = kc_now_ms() + 3000;
        while (rc == 0 && kc_now_ms() < deadline) {
            struct pollfd p = { .fd = c->fd, .events = kc_conn_poll_events(c) };
            if (poll(&p, 1, 100) <= 0)
                continue;
            uint8_t *f;
            size_t len;
            rc = kc_conn_read_frame(c, 1 << 20, &f, &len);
            if (rc == KAFKAC_ERR_TRANSPORT && s.handshake_ok)
                rc = 0;   /* the server closed after reading: success */
            if (rc == 0 && s.got == 8)
                break;
        }
    }
    snprintf(why, whylen, "%s", c->last_err);
    kc_conn_free(c);
    srv_stop(&s);
    kc_tls_ctx_free(ctx);
    return rc;
}

static void check(int rc, const char *why, int code, const char *const *words)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", kafkac_err_name(code), kafkac_err_name(rc), why);
    for (const char *const *w = words; *w; w++)
        if (!strstr(why, *w))
            fail_msg("expected '%s' in the error, got: %s", *w, why);
}

static void test_host_name_mismatch(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    char why[256];
    int rc = try_connect(&t, &server_badname, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "host name mismatch", "127.0.0.1", "wrong.invalid", NULL });
    /* With the check off, the CA check alone passes. */
    t.verify_host = 0;
    rc = try_connect(&t, &server_badname, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
    /* A host name not in the SAN, by name. */
    t.verify_host = 1;
    rc = try_connect(&t, &server_badname, 0, "localhost", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "host name mismatch", "'localhost'", NULL });
}

static void test_unknown_ca(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca2.pem");
    char why[256];
    int rc = try_connect(&t, &server_ok, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "unknown CA", "kc test CA", "ssl.ca.location", NULL });
    t.ca_location = file("ca.pem");
    rc = try_connect(&t, &server_self, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "unknown CA", "self-signed", "selfsigned broker", NULL });
}

static void test_expired(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    char why[256];
    int rc = try_connect(&t, &server_expired, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "expired", NULL });
}

static void test_pem_in_config_mtls(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    char *ca = slurp("ca.pem"), *cert = slurp("client.pem"), *key = slurp("client.key");
    t.ca_pem = ca;
    t.cert_pem = cert;
    t.key_pem = key;
    char why[256];
    int rc = try_connect(&t, &server_ok, 1, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
    free(ca);
    free(cert);
    free(key);
}

static void test_pkcs12_mtls(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.keystore_location = file("client.p12");
    t.keystore_password = "p12pass";
    char why[256];
    int rc = try_connect(&t, &server_ok, 1, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
    /* Wrong password: at creation, naming the key, not the value. */
    t.keystore_password = "wrong-secret";
    char err[256];
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "ssl.keystore.password") || strstr(err, "wrong-secret"))
        fail_msg("unexpected: %s", err);
}

/* ssl.cipher.suites in IANA spelling (as Java users write it) and
 * OpenSSL's; an unknown suite fails at creation naming the key. */
static void test_cipher_suites(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.enabled_protocols.v[0] = KC_TLS_1_2;
    t.enabled_protocols.n = 1;
    t.cipher_suites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    char why[256];
    int rc = try_connect(&t, &server_ok, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
    t.cipher_suites = "ECDHE-ECDSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256";
    rc = try_connect(&t, &server_ok, 0, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
    t.cipher_suites = "TLS_NO_SUCH_SUITE";
    char err[256];
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "ssl.cipher.suites") || !strstr(err, "TLS_NO_SUCH_SUITE"))
        fail_msg("unexpected: %s", err);
}

static void test_encrypted_key(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.cert_location = file("client.pem");
    t.key_location = file("client-enc.key");
    t.key_password = "keypass";
    char why[256];
    int rc = try_connect(&t, &server_ok, 1, "127.0.0.1", why, sizeof why);
    check(rc, why, 0, (const char *[]){ NULL });
}

static void test_wrong_key_password_at_creation(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.cert_location = file("client.pem");
    t.key_location = file("client-enc.key");
    t.key_password = "not-the-secret";
    char err[256];
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "ssl.key.password") || !strstr(err, "client-enc.key") || strstr(err, "not-the-secret"))
        fail_msg("unexpected: %s", err);
    t.key_password = NULL;
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "encrypted") || !strstr(err, "ssl.key.password"))
        fail_msg("unexpected: %s", err);
    /* A missing file names its key. */
    t.key_location = file("client.key");
    t.ca_location = "/nonexistent/ca.pem";
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "ssl.ca.location") || !strstr(err, "/nonexistent/ca.pem"))
        fail_msg("unexpected: %s", err);
    /* A key that is not the certificate's. */
    t.ca_location = file("ca.pem");
    t.key_location = file("other.key");
    assert_null(kc_tls_ctx_new(&t, NULL, err, sizeof err));
    if (!strstr(err, "does not match"))
        fail_msg("unexpected: %s", err);
}

static void test_client_cert_refused(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.cert_location = file("other.pem");
    t.key_location = file("other.key");
    char why[256];
    int rc = try_connect(&t, &server_ok, 1, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "refused our client certificate", NULL });
    /* None at all. */
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    rc = try_connect(&t, &server_ok, 1, "127.0.0.1", why, sizeof why);
    check(rc, why, KAFKAC_ERR_SSL, (const char *[]){ "requires a client certificate", "ssl.keystore.location", NULL });
}

static void test_tls_to_plaintext_listener(void **state)
{
    (void)state;
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    kc_tls_ctx_t *ctx = ctx_or_fail(&t);
    srv_t s = { .kind = SRV_PLAIN_KAFKA };
    srv_start(&s);
    kc_conn_t *c = kc_conn_new(1, "127.0.0.1", s.port);
    c->tls = ctx;
    int rc = drive_connect(c, s.port);
    expect_err(c, rc, KAFKAC_ERR_SSL, (const char *[]){ "did not speak TLS", "plaintext listener", "security.protocol=plaintext", NULL });
    kc_conn_free(c);
    srv_stop(&s);
    kc_tls_ctx_free(ctx);
}

static void test_plaintext_to_tls_listener(void **state)
{
    (void)state;
    srv_t s = { .kind = SRV_TLS, .id = &server_ok };
    srv_start(&s);
    kc_conn_t *c = kc_conn_new(1, "127.0.0.1", s.port);
    int rc = drive_connect(c, s.port);
    assert_int_equal(rc, 0);
    /* An ApiVersions-sized request in plaintext. */
    static const uint8_t req[] = { 0, 0, 0, 10, 0, 18, 0, 3, 0, 0, 0, 1, 0, 0 };
    kc_w_raw(&c->out, req, sizeof req);
    assert_int_equal(kc_conn_flush(c), 0);
    uint8_t **frames;
    size_t *lens;
    rc = read_frames(c, 1, &frames, &lens);
    free(frames);
    free(lens);
    expect_err(c, rc, KAFKAC_ERR_SSL, (const char *[]){ "TLS listener", "security.protocol=ssl", NULL });
    kc_conn_free(c);
    srv_stop(&s);
}

/* The settings layer: ssl and sasl_ssl accepted in any case, ssl.* keys
 * with plaintext warned about, secrets wiped and never in errors. */
static char logged[2048];
static void log_cb(void *opaque, int level, const char *fac, const char *msg)
{
    (void)opaque;
    (void)level;
    (void)fac;
    strncat(logged, msg, sizeof logged - strlen(logged) - 2);
    strcat(logged, "\n");
}

static void test_settings(void **state)
{
    (void)state;
    char err[256];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "security.protocol", "SSL", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "security.protocol", "Sasl_Ssl", err, sizeof err), 0);
    /* sasl_ssl needs a mechanism we implement (GSSAPI, the default, is refused). */
    assert_int_equal(kafkac_conf_set(conf, "sasl.mechanism", "PLAIN", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "sasl.username", "u", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "sasl.password", "p", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "ssl_cafile", "/x/ca.pem", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "ssl_password", "hush", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "ssl.enabled.protocols", "TLSv1.3", err, sizeof err), 0);
    assert_int_not_equal(kafkac_conf_set(conf, "ssl.enabled.protocols", "TLSv1.1", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(conf, "ssl.endpoint.identification.algorithm", "", err, sizeof err), 0);
    kc_settings_t s;
    assert_int_equal(kc_settings_load(&s, conf, KC_SCOPE_CLIENT, err, sizeof err), 0);
    assert_int_equal(s.security_protocol, KC_SEC_SASL_SSL);
    assert_string_equal(s.tls.ca_location, "/x/ca.pem");
    assert_string_equal(s.tls.key_password, "hush");
    assert_int_equal(s.tls.verify_host, 0);
    assert_int_equal(s.tls.enabled_protocols.n, 1);
    kc_settings_free(&s);

    /* ssl.* with plaintext: a warning naming the keys, no secret. */
    kafkac_conf_set_log_cb(conf, log_cb, NULL);
    assert_int_equal(kafkac_conf_set(conf, "security.protocol", "plaintext", err, sizeof err), 0);
    logged[0] = '\0';
    assert_int_equal(kc_settings_load(&s, conf, KC_SCOPE_CLIENT, err, sizeof err), 0);
    if (!strstr(logged, "ssl.ca.location") || !strstr(logged, "ssl.key.password") || !strstr(logged, "plaintext") ||
        strstr(logged, "hush"))
        fail_msg("unexpected log: %s", logged);
    kc_settings_free(&s);
    kafkac_conf_destroy(conf);
}

/* A client whose files do not load fails at creation, naming the key. */
static void test_net_new_fails_at_creation(void **state)
{
    (void)state;
    kc_net_opts_t o;
    kc_net_opts_defaults(&o);
    kc_hostport_t hp = { .host = "127.0.0.1", .port = 1 };
    kc_hostlist_t boot = { .v = &hp, .n = 1 };
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    t.keystore_location = file("client.p12");
    t.keystore_password = "bad-secret";
    o.bootstrap = &boot;
    o.security_protocol = KC_SEC_SSL;
    o.tls = &t;
    char err[256];
    kc_net_t *net = kc_net_new(&o, err, sizeof err);
    assert_null(net);
    if (!strstr(err, "ssl.keystore.password") || strstr(err, "bad-secret"))
        fail_msg("unexpected: %s", err);
}

/* A listener that accepts (the kernel's backlog does) and never answers:
 * the TLS handshake is bounded by the connect timeout, and says so. */
static void test_tls_handshake_timeout(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 8), 0);
    socklen_t l = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &l);
    kc_net_opts_t o;
    kc_net_opts_defaults(&o);
    kc_hostport_t hp = { .host = "127.0.0.1", .port = ntohs(a.sin_port) };
    kc_hostlist_t boot = { .v = &hp, .n = 1 };
    kc_tls_settings_t t;
    tls_defaults(&t);
    t.ca_location = file("ca.pem");
    o.bootstrap = &boot;
    o.security_protocol = KC_SEC_SSL;
    o.tls = &t;
    o.connect_timeout_ms = 300;
    o.connect_timeout_max_ms = 300;
    char err[256];
    kc_net_t *net = kc_net_new(&o, err, sizeof err);
    if (!net)
        fail_msg("kc_net_new: %s", err);
    kc_net_refresh_metadata(net, "test");
    char why[256] = "";
    int rc = 0;
    int64_t deadline = kc_now_ms() + 5000;
    while (kc_now_ms() < deadline) {
        rc = kc_net_reachability(net, NULL, why, sizeof why);
        if (strstr(why, "timed out"))
            break;
        usleep(50000);
    }
    kc_net_destroy(net);
    close(lfd);
    if (rc != KAFKAC_ERR_TIMED_OUT || !strstr(why, "TLS handshake with 127.0.0.1") || !strstr(why, "timed out after"))
        fail_msg("expected a TLS handshake timeout, got %s: %s", kafkac_err_name(rc), why);
}

int main(void)
{
    /* The network client blocks SIGPIPE on its I/O thread, where OpenSSL
     * writes; these tests drive connections from their own threads. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_partial_writes),
        cmocka_unit_test(test_many_small_frames_drained),
        cmocka_unit_test(test_host_name_mismatch),
        cmocka_unit_test(test_unknown_ca),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_pem_in_config_mtls),
        cmocka_unit_test(test_pkcs12_mtls),
        cmocka_unit_test(test_encrypted_key),
        cmocka_unit_test(test_cipher_suites),
        cmocka_unit_test(test_wrong_key_password_at_creation),
        cmocka_unit_test(test_client_cert_refused),
        cmocka_unit_test(test_tls_to_plaintext_listener),
        cmocka_unit_test(test_plaintext_to_tls_listener),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_net_new_fails_at_creation),
        cmocka_unit_test(test_tls_handshake_timeout),
    };
    return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
}

/* The TLS transport (transport.h) over OpenSSL 3, and the client's TLS
 * context built from the ssl.* settings.
 *
 * Non-blocking throughout, on the I/O thread: the handshake is stepped
 * from the poll loop (conn state KC_CONN_TLS) and reports which event it
 * waits for; reads and writes report "would block" and the event that
 * unblocks them (TLS may have to read to finish a write, or write to
 * finish a read).
 *
 * Writes go from the connection's output buffer straight into SSL_write:
 * no copy of ours.  With SSL_MODE_ENABLE_PARTIAL_WRITE SSL_write returns
 * after each record it could send; with ACCEPT_MOVING_WRITE_BUFFER a
 * retry after SSL_ERROR_WANT_WRITE may pass the same bytes at a new
 * address (the output buffer grows by realloc) and with more appended.
 *
 * Reads: SSL_read is called until it says WANT_READ, so records that
 * OpenSSL decrypted ahead (SSL_pending), which poll() cannot signal, are
 * never left behind; kc_conn_pending lets the loop check too. */
#include "protocol/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/conn.h"
#include "protocol/scram.h"

struct kc_tls_ctx {
    SSL_CTX *ctx;
    int verify_host;
    bool have_cert;        /* a client certificate is configured */
    const kc_logger_t *log;
};

typedef struct tls_sock {
    SSL *ssl;
    bool done;             /* handshake finished */
    bool fatal;            /* a fatal error: no close_notify */
    X509 *failed_cert;     /* owned: the certificate the first failed check was about */
} tls_sock_t;

/* Keeps the certificate a check failed on, for the error message: OpenSSL
 * does not keep the peer's certificate after a failed verification.  The
 * verdict is OpenSSL's, unchanged. */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
    if (ok)
        return ok;
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    tls_sock_t *t = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(x);
    if (t && !t->failed_cert && cert && X509_up_ref(cert) == 1)
        t->failed_cert = cert;
    return ok;
}

/* ------------------------------------------------------------------ */
/* Context                                                             */

/* The newest OpenSSL error as text ("" if none); pops the whole queue. */
static const char *ssl_errtext(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    buf[0] = '\0';
    if (e) {
        const char *r = ERR_reason_error_string(e);
        if (r)
            snprintf(buf, len, "%s", r);
        else
            ERR_error_string_n(e, buf, len);
    }
    ERR_clear_error();
    return buf;
}

static bool is_ip_literal(const char *host)
{
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* The key password reaches OpenSSL through this callback only. */
static int key_password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw)
        return 0;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pw, n);
    return (int)n;
}

static BIO *open_bio(const char *file, const char *pem)
{
    return file ? BIO_new_file(file, "r") : BIO_new_mem_buf(pem, -1);
}

/* Loads CA certificates from PEM text into the context's store. */
static int load_ca_pem(SSL_CTX *ctx, const char *pem, char *errstr, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int n = 0;
    X509 *x;
    while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        X509_STORE_add_cert(store, x);
        X509_free(x);
        n++;
    }
    BIO_free(b);
    ERR_clear_error();
    if (n == 0) {
        snprintf(errstr, errlen, "ssl.ca.pem: no PEM certificate in it");
        return KAFKAC_ERR_CONFIG;
    }
    return 0;
}

static int load_ca(SSL_CTX *ctx, const kc_tls_settings_t *s, char *errstr, size_t errlen)
{
    char e[160];
    if (s->ca_pem)
        return load_ca_pem(ctx, s->ca_pem, errstr, errlen);
    if (!s->ca_location) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(errstr, errlen, "cannot load the system trust store (set ssl.ca.location): %s",
                     ssl_errtext(e, sizeof e));
            return KAFKAC_ERR_CONFIG;
        }
        return 0;
    }
    struct stat st;
    if (stat(s->ca_location, &st) != 0) {
        snprintf(errstr, errlen, "ssl.ca.location '%s': %s", s->ca_location, strerror(errno));
        return KAFKAC_ERR_CONFIG;
    }
    int ok = S_ISDIR(st.st_mode) ? SSL_CTX_load_verify_locations(ctx, NULL, s->ca_location)
                                 : SSL_CTX_load_verify_locations(ctx, s->ca_location, NULL);
    if (ok != 1) {
        snprintf(errstr, errlen, "ssl.ca.location '%s': no CA certificate could be loaded: %s", s->ca_location,
                 ssl_errtext(e, sizeof e));
        return KAFKAC_ERR_CONFIG;
    }
    return 0;
}

static int load_crl(SSL_CTX *ctx, const char *file, char *errstr, size_t errlen)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP *lk = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    char e[160];
    if (!lk || X509_load_crl_file(lk, file, X509_FILETYPE_PEM) <= 0) {
        snprintf(errstr, errlen, "ssl.crl.location '%s': no CRL could be loaded: %s", file, ssl_errtext(e, sizeof e));
        return KAFKAC_ERR_CONFIG;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    return 0;
}

/* ssl.keystore.location: a PKCS#12 bundle of certificate, key and chain. */
static int load_keystore(SSL_CTX *ctx, const kc_tls_settings_t *s, char *errstr, size_t errlen)
{
    char e[160];
    BIO *b = BIO_new_file(s->keystore_location, "rb");
    if (!b) {
        snprintf(errstr, errlen, "ssl.keystore.location '%s': %s", s->keystore_location, strerror(errno));
        ERR_clear_error();
        return KAFKAC_ERR_CONFIG;
    }
    PKCS12 *p12 = d2i_PKCS12_bio(b, NULL);
    BIO_free(b);
    if (!p12) {
        snprintf(errstr, errlen, "ssl.keystore.location '%s': not a PKCS#12 file: %s", s->keystore_location,
                 ssl_errtext(e, sizeof e));
        return KAFKAC_ERR_CONFIG;
    }
    const char *pw = s->keystore_password ? s->keystore_password : "";
    if (!PKCS12_verify_mac(p12, pw, -1)) {
        PKCS12_free(p12);
        ERR_clear_error();
        snprintf(errstr, errlen, "ssl.keystore.password: wrong password for ssl.keystore.location '%s'%s",
                 s->keystore_location, s->keystore_password ? "" : " (no password set)");
        return KAFKAC_ERR_CONFIG;
    }
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int ok = PKCS12_parse(p12, pw, &key, &cert, &ca);
    PKCS12_free(p12);
    int rc = 0;
    if (!ok || !key || !cert) {
        snprintf(errstr, errlen, "ssl.keystore.location '%s': %s", s->keystore_location,
                 ok ? "holds no certificate with its key" : ssl_errtext(e, sizeof e));
        rc = KAFKAC_ERR_CONFIG;
    } else if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
               SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(errstr, errlen, "ssl.keystore.location '%s': %s", s->keystore_location, ssl_errtext(e, sizeof e));
        rc = KAFKAC_ERR_CONFIG;
    }
    for (int i = 0; rc == 0 && ca && i < sk_X509_num(ca); i++) {
        X509 *x = sk_X509_value(ca, i);
        if (SSL_CTX_add_extra_chain_cert(ctx, x) == 1)
            sk_X509_set(ca, i, NULL);   /* now owned by the context */
    }
    sk_X509_pop_free(ca, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* ssl.certificate.* and ssl.key.*: the client certificate (with its
 * chain) and its key, from files or PEM strings. */
static int load_cert_key(SSL_CTX *ctx, const kc_tls_settings_t *s, char *errstr, size_t errlen)
{
    char e[160];
    const char *cname = s->cert_location ? "ssl.certificate.location" : "ssl.certificate.pem";
    const char *kname = s->key_location ? "ssl.key.location" : "ssl.key.pem";
    if (!s->key_location && !s->key_pem) {
        snprintf(errstr, errlen, "%s is set but neither ssl.key.location nor ssl.key.pem: the certificate needs its key",
                 cname);
        return KAFKAC_ERR_CONFIG;
    }
    BIO *b = open_bio(s->cert_location, s->cert_pem);
    if (!b) {
        snprintf(errstr, errlen, "%s '%s': %s", cname, s->cert_location, strerror(errno));
        ERR_clear_error();
        return KAFKAC_ERR_CONFIG;
    }
    X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (!cert) {
        BIO_free(b);
        if (s->cert_location)
            snprintf(errstr, errlen, "%s '%s': no PEM certificate in it", cname, s->cert_location);
        else
            snprintf(errstr, errlen, "%s: no PEM certificate in it", cname);
        ERR_clear_error();
        return KAFKAC_ERR_CONFIG;
    }
    int rc = SSL_CTX_use_certificate(ctx, cert) == 1 ? 0 : KAFKAC_ERR_CONFIG;
    X509_free(cert);
    /* The rest of the file is the chain. */
    X509 *x;
    while (rc == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        if (SSL_CTX_add_extra_chain_cert(ctx, x) != 1)
            X509_free(x);
    BIO_free(b);
    ERR_clear_error();
    if (rc) {
        snprintf(errstr, errlen, "%s: the certificate cannot be used", cname);
        return rc;
    }

    b = open_bio(s->key_location, s->key_pem);
    if (!b) {
        snprintf(errstr, errlen, "%s '%s': %s", kname, s->key_location, strerror(errno));
        ERR_clear_error();
        return KAFKAC_ERR_CONFIG;
    }
    EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, key_password_cb, s->key_password);
    BIO_free(b);
    if (!key) {
        unsigned long err = ERR_peek_last_error();
        ERR_clear_error();
        const char *where = s->key_location ? s->key_location : "";
        bool encrypted = s->key_pem ? strstr(s->key_pem, "ENCRYPTED") != NULL : false;
        if (s->key_location) {
            /* Is it encrypted? Read it again without a password. */
            FILE *f = fopen(s->key_location, "r");
            char line[128];
            while (f && fgets(line, sizeof line, f))
                if (strstr(line, "ENCRYPTED"))
                    encrypted = true;
            if (f)
                fclose(f);
        }
        if (encrypted && s->key_password)
            snprintf(errstr, errlen, "ssl.key.password: cannot decrypt the private key of %s%s%s%s (wrong password?)",
                     kname, *where ? " '" : "", where, *where ? "'" : "");
        else if (encrypted)
            snprintf(errstr, errlen, "%s%s%s%s: the private key is encrypted: set ssl.key.password", kname,
                     *where ? " '" : "", where, *where ? "'" : "");
        else
            snprintf(errstr, errlen, "%s%s%s%s: no PEM private key in it (%s)", kname, *where ? " '" : "", where,
                     *where ? "'" : "", ERR_reason_error_string(err) ? ERR_reason_error_string(err) : "unreadable");
        return KAFKAC_ERR_CONFIG;
    }
    if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        snprintf(errstr, errlen, "%s does not match the certificate of %s", kname, cname);
        return KAFKAC_ERR_CONFIG;
    }
    EVP_PKEY_free(key);
    (void)e;
    return 0;
}

/* The OpenSSL name of a TLS 1.2 suite given in IANA spelling, as Java
 * users write them (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), or NULL. */
static const char *openssl_cipher_name(const char *iana)
{
    const char *found = NULL;
    SSL_CTX *tmp = SSL_CTX_new(TLS_client_method());
    if (tmp && SSL_CTX_set_cipher_list(tmp, "ALL:COMPLEMENTOFALL") == 1) {
        STACK_OF(SSL_CIPHER) *all = SSL_CTX_get_ciphers(tmp);
        for (int i = 0; all && i < sk_SSL_CIPHER_num(all) && !found; i++) {
            const SSL_CIPHER *ci = sk_SSL_CIPHER_value(all, i);
            const char *std = SSL_CIPHER_standard_name(ci);
            if (std && !strcmp(std, iana))
                found = SSL_CIPHER_get_name(ci);   /* static strings of libssl */
        }
    }
    SSL_CTX_free(tmp);
    ERR_clear_error();
    return found;
}

/* ssl.cipher.suites: TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) go to
 * SSL_CTX_set_ciphersuites, the rest to the TLS 1.2 cipher list, in
 * OpenSSL's spelling or IANA's (translated here: OpenSSL 3.0 reads only
 * its own). */
static int set_ciphers(SSL_CTX *ctx, const char *list, char *errstr, size_t errlen)
{
    size_t n = 2 * strlen(list) + 64;
    char *v13 = kc_calloc(1, n), *v12 = kc_calloc(1, n), *copy = kc_strdup(list);
    int rc = 0;
    if (!v13 || !v12 || !copy) {
        rc = KAFKAC_ERR_NO_MEMORY;
        snprintf(errstr, errlen, "out of memory");
        goto out;
    }
    char *save = NULL;
    for (char *t = strtok_r(copy, ",: ", &save); t; t = strtok_r(NULL, ",: ", &save)) {
        bool is13 = !strncmp(t, "TLS_AES_", 8) || !strncmp(t, "TLS_CHACHA20_", 13);
        char *dst = is13 ? v13 : v12;
        if (!is13 && !strncmp(t, "TLS_", 4)) {
            const char *name = openssl_cipher_name(t);
            if (!name) {
                snprintf(errstr, errlen, "ssl.cipher.suites: OpenSSL does not know the suite '%s'", t);
                rc = KAFKAC_ERR_CONFIG;
                goto out;
            }
            t = (char *)name;
        }
        if (strlen(dst) + strlen(t) + 2 > n) {
            snprintf(errstr, errlen, "ssl.cipher.suites: too long");
            rc = KAFKAC_ERR_CONFIG;
            goto out;
        }
        if (*dst)
            strcat(dst, ":");
        strcat(dst, t);
    }
    if (*v12 && SSL_CTX_set_cipher_list(ctx, v12) != 1) {
        snprintf(errstr, errlen, "ssl.cipher.suites: OpenSSL knows none of '%s'", v12);
        rc = KAFKAC_ERR_CONFIG;
    } else if (*v13 && SSL_CTX_set_ciphersuites(ctx, v13) != 1) {
        snprintf(errstr, errlen, "ssl.cipher.suites: OpenSSL knows none of the TLS 1.3 suites '%s'", v13);
        rc = KAFKAC_ERR_CONFIG;
    }
    ERR_clear_error();
out:
    kc_free(v13);
    kc_free(v12);
    kc_free(copy);
    return rc;
}

kc_tls_ctx_t *kc_tls_ctx_new(const kc_tls_settings_t *s, const kc_logger_t *log, char *errstr, size_t errlen)
{
    kc_tls_ctx_t *t = kc_calloc(1, sizeof(*t));
    if (!t) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    t->log = log;
    t->verify_host = s->verify_host;
    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx) {
        char e[160];
        snprintf(errstr, errlen, "cannot create a TLS context: %s", ssl_errtext(e, sizeof e));
        goto fail;
    }
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Buffers are freed while a connection is idle (many brokers, many
     * idle connections). */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_cb);
    int lo = KC_TLS_1_3, hi = KC_TLS_1_2;
    for (size_t i = 0; i < s->enabled_protocols.n; i++) {
        if (s->enabled_protocols.v[i] < lo)
            lo = s->enabled_protocols.v[i];
        if (s->enabled_protocols.v[i] > hi)
            hi = s->enabled_protocols.v[i];
    }
    if (s->enabled_protocols.n == 0) {
        snprintf(errstr, errlen, "ssl.enabled.protocols is empty: name TLSv1.2 and/or TLSv1.3");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(t->ctx, lo == KC_TLS_1_2 ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(t->ctx, hi == KC_TLS_1_2 ? TLS1_2_VERSION : TLS1_3_VERSION);
    if (s->cipher_suites && set_ciphers(t->ctx, s->cipher_suites, errstr, errlen) != 0)
        goto fail;
    if (s->ca_location && s->ca_pem) {
        snprintf(errstr, errlen, "ssl.ca.location and ssl.ca.pem are both set: use one");
        goto fail;
    }
    if (load_ca(t->ctx, s, errstr, errlen) != 0)
        goto fail;
    if (s->crl_location && load_crl(t->ctx, s->crl_location, errstr, errlen) != 0)
        goto fail;
    bool pem_cert = s->cert_location || s->cert_pem;
    if (s->keystore_location && pem_cert) {
        snprintf(errstr, errlen, "ssl.keystore.location and ssl.certificate.* are both set: use one");
        goto fail;
    }
    if (s->cert_location && s->cert_pem) {
        snprintf(errstr, errlen, "ssl.certificate.location and ssl.certificate.pem are both set: use one");
        goto fail;
    }
    if (s->key_location && s->key_pem) {
        snprintf(errstr, errlen, "ssl.key.location and ssl.key.pem are both set: use one");
        goto fail;
    }
    if (!pem_cert && !s->keystore_location && (s->key_location || s->key_pem)) {
        snprintf(errstr, errlen, "%s is set but no ssl.certificate.location or ssl.certificate.pem: the key needs "
                 "its certificate", s->key_location ? "ssl.key.location" : "ssl.key.pem");
        goto fail;
    }
    if (s->keystore_location && load_keystore(t->ctx, s, errstr, errlen) != 0)
        goto fail;
    if (pem_cert && load_cert_key(t->ctx, s, errstr, errlen) != 0)
        goto fail;
    t->have_cert = pem_cert || s->keystore_location;
    return t;
fail:
    ERR_clear_error();
    kc_tls_ctx_free(t);
    return NULL;
}

void kc_tls_ctx_free(kc_tls_ctx_t *t)
{
    if (!t)
        return;
    /* The context holds the private key; OpenSSL cleanses key material
     * as it frees it. */
    SSL_CTX_free(t->ctx);
    kc_free(t);
}

/* ------------------------------------------------------------------ */
/* Errors the user reads                                               */

/* The names (DNS and IP) a certificate lists in its subject alternative
 * names, "a, b, c". */
static void san_list(X509 *cert, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!cert)
        return;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char one[64] = "";
        if (g->type == GEN_DNS) {
            snprintf(one, sizeof one, "DNS:%.*s", ASN1_STRING_length(g->d.dNSName),
                     (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            const unsigned char *ip = ASN1_STRING_get0_data(g->d.iPAddress);
            char a[INET6_ADDRSTRLEN] = "?";
            int l = ASN1_STRING_length(g->d.iPAddress);
            inet_ntop(l == 4 ? AF_INET : AF_INET6, ip, a, sizeof a);
            snprintf(one, sizeof one, "IP:%s", a);
        } else {
            continue;
        }
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", one);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    GENERAL_NAMES_free(names);
}

static void cert_time(const ASN1_TIME *t, char *buf, size_t len)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b && t && ASN1_TIME_print(b, t) == 1) {
        int n = BIO_read(b, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

/* The failed certificate check, in words. */
static void describe_verify(kc_conn_t *c, tls_sock_t *t, long vr, char *why, size_t whylen)
{
    X509 *cert = t->failed_cert ? t->failed_cert : SSL_get0_peer_certificate(t->ssl);
    char extra[160] = "";
    switch (vr) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        san_list(cert, extra, sizeof extra);
        snprintf(why, whylen, "TLS handshake with %s:%d failed: host name mismatch: the broker's certificate does "
                 "not list %s '%s' (it lists %s)", c->host, c->port,
                 vr == X509_V_ERR_IP_ADDRESS_MISMATCH ? "IP address" : "host name", c->host,
                 extra[0] ? extra : "no subject alternative name");
        return;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        cert_time(cert ? X509_get0_notAfter(cert) : NULL, extra, sizeof extra);
        snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker's certificate (or one of its chain) has "
                 "expired%s%s", c->host, c->port, extra[0] ? " (valid until " : "", extra[0] ? extra : "");
        if (extra[0])
            snprintf(why + strlen(why), whylen - strlen(why), ")");
        return;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker's certificate is not valid yet (check "
                 "the clocks)", c->host, c->port);
        return;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        if (cert)
            X509_NAME_oneline(X509_get_issuer_name(cert), extra, sizeof extra);
        if (vr == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
            snprintf(why, whylen, "TLS handshake with %s:%d failed: unknown CA: the broker's certificate is "
                     "self-signed (%s) and not trusted: set ssl.ca.location", c->host, c->port,
                     extra[0] ? extra : "?");
        else
            snprintf(why, whylen, "TLS handshake with %s:%d failed: unknown CA: the broker's certificate is "
                     "signed by %s, which is not trusted: set ssl.ca.location", c->host, c->port,
                     extra[0] ? extra : "?");
        return;
    case X509_V_ERR_CERT_REVOKED:
        snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker's certificate is revoked (ssl.crl.location)",
                 c->host, c->port);
        return;
    default:
        snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker's certificate did not verify: %s",
                 c->host, c->port, X509_verify_cert_error_string(vr));
    }
}

/* Describes a failed SSL call (handshake, read or write) and returns its
 * error: 0 for "would block" (c->tp_events set), KC_TP_EOF, or an error. */
static int64_t ssl_fail(kc_conn_t *c, tls_sock_t *t, int ret, const char *what, char *why, size_t whylen)
{
    int se = SSL_get_error(t->ssl, ret);
    int saved_errno = errno;
    switch (se) {
    case SSL_ERROR_WANT_READ:
        c->tp_events = POLLIN;
        return 0;
    case SSL_ERROR_WANT_WRITE:
        c->tp_events = POLLOUT;
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        t->fatal = true;
        if (!t->done)
            goto closed_in_handshake;
        return KC_TP_EOF;
    default:
        break;
    }
    t->fatal = true;
    unsigned long e = ERR_peek_last_error();
    int reason = ERR_GET_REASON(e);
    if (se == SSL_ERROR_SYSCALL && e == 0) {
        ERR_clear_error();
        if (!t->done && (saved_errno == 0 || saved_errno == EPIPE || saved_errno == ECONNRESET))
            goto closed_in_handshake;
        if (saved_errno == 0)
            return KC_TP_EOF;
        if (saved_errno == EPIPE || saved_errno == ECONNRESET) {
            /* The broker may have sent an alert before closing (a client
             * certificate it refused, checked after our side of a TLS 1.3
             * handshake finished): read it for its reason. */
            uint8_t scratch[256];
            size_t n = 0;
            ERR_clear_error();
            if (SSL_read_ex(t->ssl, scratch, sizeof scratch, &n) != 1 &&
                SSL_get_error(t->ssl, 0) == SSL_ERROR_SSL &&
                ERR_GET_REASON(ERR_peek_last_error()) > SSL_AD_REASON_OFFSET)
                return ssl_fail(c, t, 0, what, why, whylen);
            ERR_clear_error();
        }
        snprintf(why, whylen, "%s %s:%d: %s", what, c->host, c->port, strerror(saved_errno));
        return KAFKAC_ERR_TRANSPORT;
    }
    if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        if (!t->done)
            goto closed_in_handshake;
        return KC_TP_EOF;
    }
    long vr = SSL_get_verify_result(t->ssl);
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK) {
        ERR_clear_error();
        describe_verify(c, t, vr, why, whylen);
        return KAFKAC_ERR_SSL;
    }
    char text[160];
    if (reason > SSL_AD_REASON_OFFSET) {
        /* The broker sent an alert. */
        int alert = reason - SSL_AD_REASON_OFFSET;
        ssl_errtext(text, sizeof text);
        kc_tls_ctx_t *ctx = c->tls;
        switch (alert) {
        case SSL3_AD_BAD_CERTIFICATE:
        case SSL3_AD_UNSUPPORTED_CERTIFICATE:
        case SSL3_AD_CERTIFICATE_REVOKED:
        case SSL3_AD_CERTIFICATE_EXPIRED:
        case SSL3_AD_CERTIFICATE_UNKNOWN:
        case TLS1_AD_UNKNOWN_CA:
        case TLS1_AD_ACCESS_DENIED:
        case TLS13_AD_CERTIFICATE_REQUIRED:
            if (ctx->have_cert)
                snprintf(why, whylen, "TLS with %s:%d failed: the broker refused our client certificate (its alert: "
                         "%s): is it signed by a CA the broker trusts, and valid?", c->host, c->port, text);
            else
                snprintf(why, whylen, "TLS with %s:%d failed: the broker requires a client certificate (its alert: "
                         "%s): set ssl.keystore.location or ssl.certificate.location", c->host, c->port, text);
            return KAFKAC_ERR_SSL;
        default:
            snprintf(why, whylen, "TLS with %s:%d failed: the broker sent the alert '%s'", c->host, c->port, text);
            return KAFKAC_ERR_SSL;
        }
    }
    if (!t->done && (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
                     reason == SSL_R_RECORD_LENGTH_MISMATCH || reason == SSL_R_UNKNOWN_PROTOCOL ||
                     reason == SSL_R_HTTP_REQUEST)) {
        snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker did not speak TLS (%s): a plaintext "
                 "listener? Use its SSL port or security.protocol=plaintext", c->host, c->port,
                 ssl_errtext(text, sizeof text));
        return KAFKAC_ERR_SSL;
    }
    snprintf(why, whylen, "%s %s:%d failed: %s", t->done ? "TLS with" : "TLS handshake with", c->host, c->port,
             ssl_errtext(text, sizeof text));
    return KAFKAC_ERR_SSL;

closed_in_handshake:
    snprintf(why, whylen, "TLS handshake with %s:%d failed: the broker did not speak TLS (it closed the "
             "connection): a plaintext listener? Use its SSL port or security.protocol=plaintext", c->host, c->port);
    return KAFKAC_ERR_SSL;
}

/* ------------------------------------------------------------------ */
/* The transport                                                       */

static int tls_open(kc_conn_t *c, char *why, size_t whylen)
{
    kc_tls_ctx_t *ctx = c->tls;
    tls_sock_t *t = kc_calloc(1, sizeof(*t));
    char e[160];
    if (!t) {
        snprintf(why, whylen, "TLS with %s:%d: out of memory", c->host, c->port);
        return KAFKAC_ERR_NO_MEMORY;
    }
    ERR_clear_error();
    if (!(t->ssl = SSL_new(ctx->ctx))) {
        snprintf(why, whylen, "TLS with %s:%d: cannot create the connection: %s", c->host, c->port,
                 ssl_errtext(e, sizeof e));
        kc_free(t);
        return KAFKAC_ERR_SSL;
    }
    c->tp_state = t;
    SSL_set_app_data(t->ssl, t);
    SSL_set_fd(t->ssl, c->fd);
    SSL_set_connect_state(t->ssl);
    bool ip = is_ip_literal(c->host);
    /* SNI names a host, never an address (RFC 6066). */
    if (!ip)
        SSL_set_tlsext_host_name(t->ssl, c->host);
    if (ctx->verify_host) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, c->host) : X509_VERIFY_PARAM_set1_host(vp, c->host, 0);
        if (ok != 1) {
            snprintf(why, whylen, "TLS with %s:%d: cannot set the host name to verify: %s", c->host, c->port,
                     ssl_errtext(e, sizeof e));
            return KAFKAC_ERR_SSL;
        }
    }
    c->tp_events = POLLOUT;
    return 0;
}

static int tls_handshake(kc_conn_t *c, char *why, size_t whylen)
{
    tls_sock_t *t = c->tp_state;
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->done = true;
        c->tp_events = 0;
        return 1;
    }
    return (int)ssl_fail(c, t, r, "TLS handshake with", why, whylen);
}

static int64_t tls_read(kc_conn_t *c, uint8_t *buf, size_t cap, char *why, size_t whylen)
{
    tls_sock_t *t = c->tp_state;
    ERR_clear_error();
    errno = 0;
    size_t n = 0;
    if (SSL_read_ex(t->ssl, buf, cap, &n) == 1) {
        c->tp_events &= (short)~POLLOUT;
        return (int64_t)n;
    }
    int64_t rc = ssl_fail(c, t, 0, "receive from", why, whylen);
    if (rc == 0 && c->tp_events == POLLIN)
        c->tp_events = 0;   /* POLLIN is always polled once ready */
    return rc;
}

static int64_t tls_write(kc_conn_t *c, const uint8_t *buf, size_t len, char *why, size_t whylen)
{
    tls_sock_t *t = c->tp_state;
    ERR_clear_error();
    errno = 0;
    size_t n = 0;
    if (SSL_write_ex(t->ssl, buf, len, &n) == 1) {
        c->tp_events = 0;
        return (int64_t)n;
    }
    int64_t rc = ssl_fail(c, t, 0, "send to", why, whylen);
    /* WANT_WRITE: the output buffer waits for POLLOUT anyway. */
    if (rc == 0 && c->tp_events == POLLOUT)
        c->tp_events = 0;
    return rc;
}

static bool tls_pending(const kc_conn_t *c)
{
    const tls_sock_t *t = c->tp_state;
    /* SSL_pending: decrypted bytes not read yet.  Not SSL_has_pending,
     * which also counts the start of a record still arriving: poll()
     * signals its rest, and counting it would spin the loop. */
    return t && t->done && SSL_pending(t->ssl) > 0;
}

static void tls_close(kc_conn_t *c)
{
    tls_sock_t *t = c->tp_state;
    if (!t)
        return;
    /* A polite close_notify, not waited for; none after a fatal error. */
    if (t->done && !t->fatal && c->fd >= 0)
        SSL_shutdown(t->ssl);
    SSL_free(t->ssl);
    X509_free(t->failed_cert);
    ERR_clear_error();
    kc_free(t);
    c->tp_state = NULL;
}

bool kc_tls_ktls_active(const kc_conn_t *c)
{
    const tls_sock_t *t = c->tp && c->tp == &kc_transport_tls ? c->tp_state : NULL;
    return t && BIO_get_ktls_send(SSL_get_wbio(t->ssl));
}

const kc_transport_ops_t kc_transport_tls = {
    .name = "TLS",
    .open = tls_open,
    .handshake = tls_handshake,
    .read = tls_read,
    .write = tls_write,
    .pending = tls_pending,
    .close = tls_close,
};

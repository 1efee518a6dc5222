/* SASL mechanisms with no broker (the real broker is itest_sasl.c):
 * SCRAM-SHA-256 against RFC 7677's test vector (with its fixed client
 * nonce), SCRAM-SHA-512 against a server computed here from scram.c's
 * primitives, every refusal of a bad server message (foreign nonce, wrong
 * server signature, e= errors, iterations out of bounds), saslname
 * escaping, the PLAIN and OAUTHBEARER messages, unsecured tokens, and the
 * configuration errors of SASL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "protocol/net.h"
#include "fakebroker.h"
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/sasl.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static void test_scram_sha256_rfc7677(void **state)
{
    (void)state;
    kc_scram_client_t s = { 0 };
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(kc_scram_client_first(&s, KC_SCRAM_SHA_256, "user", "rOprNGfwEbeRWgbNEkqO", &out, &n), 0);
    assert_int_equal(n, strlen("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    assert_memory_equal(out, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", n);
    kc_sasl_free_secret(out, n);
    char err[200] = "";
    const char *sf = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    assert_int_equal(kc_scram_client_final(&s, "pencil", S(sf), &out, &n, err, sizeof err), 0);
    const char *want = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                       "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        fail_msg("client-final: expected %s, got %.*s", want, (int)n, (const char *)out);
    kc_sasl_free_secret(out, n);
    assert_int_equal(kc_scram_client_verify(&s, S("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), err, sizeof err), 0);
    kc_scram_client_clear(&s);
}

/* The server side of SCRAM-SHA-512, computed here from the primitives:
 * checks the client's proof and returns its server-final. */
static void server_512(const char *password, const char *cfb, const char *sf, const uint8_t *cf, size_t cflen,
                       char *server_final, size_t sflen)
{
    const uint8_t salt[] = "0123456789abcdef";
    uint8_t salted[64], ckey[64], stored[64], skey[64], csig[64], ssig[64], proof[64];
    assert_int_equal(kc_scram_salted_password(KC_SCRAM_SHA_512, password, strlen(password), salt, 16, 4096, salted), 0);
    const char *p = memmem(cf, cflen, ",p=", 3);
    assert_non_null(p);
    size_t without = (size_t)((const uint8_t *)p - cf);   /* before ",p=" */
    p++;
    char auth[1024];
    snprintf(auth, sizeof auth, "%s,%s,%.*s", cfb, sf, (int)without, (const char *)cf);
    kc_scram_hmac(KC_SCRAM_SHA_512, salted, 64, (const uint8_t *)"Client Key", 10, ckey);
    kc_scram_hash(KC_SCRAM_SHA_512, ckey, 64, stored);
    kc_scram_hmac(KC_SCRAM_SHA_512, stored, 64, (const uint8_t *)auth, strlen(auth), csig);
    uint8_t *got = NULL;
    size_t gl = 0;
    const char *p64 = p + 2;
    assert_int_equal(kc_b64_decode(p64, cflen - (size_t)((const uint8_t *)p64 - cf), &got, &gl), 0);
    assert_int_equal(gl, 64);
    for (int i = 0; i < 64; i++)
        proof[i] = got[i] ^ csig[i];   /* = ClientKey if the proof is right */
    kc_free(got);
    kc_scram_hash(KC_SCRAM_SHA_512, proof, 64, proof);
    assert_memory_equal(proof, stored, 64);
    kc_scram_hmac(KC_SCRAM_SHA_512, salted, 64, (const uint8_t *)"Server Key", 10, skey);
    kc_scram_hmac(KC_SCRAM_SHA_512, skey, 64, (const uint8_t *)auth, strlen(auth), ssig);
    char *b = kc_b64_encode(ssig, 64);
    snprintf(server_final, sflen, "v=%s", b);
    kc_free(b);
}

static void test_scram_sha512_round_trip(void **state)
{
    (void)state;
    kc_scram_client_t s = { 0 };
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(kc_scram_client_first(&s, KC_SCRAM_SHA_512, "al=ice,x", NULL, &out, &n), 0);
    /* saslname escaping and a random nonce of 32 base64 characters */
    assert_memory_equal(out, "n,,n=al=3Dice=2Cx,r=", 20);
    assert_int_equal(n, 20 + 32);
    kc_sasl_free_secret(out, n);
    char *salt64 = kc_b64_encode((const uint8_t *)"0123456789abcdef", 16);
    char sf[300];
    snprintf(sf, sizeof sf, "r=%sSERVERPART,s=%s,i=4096", s.nonce, salt64);
    kc_free(salt64);
    char cfb[200];
    snprintf(cfb, sizeof cfb, "%s", s.client_first_bare);
    char err[200] = "";
    assert_int_equal(kc_scram_client_final(&s, "alice-secret", S(sf), &out, &n, err, sizeof err), 0);
    char server_final[200];
    server_512("alice-secret", cfb, sf, out, n, server_final, sizeof server_final);
    kc_sasl_free_secret(out, n);
    assert_int_equal(kc_scram_client_verify(&s, S(server_final), err, sizeof err), 0);
    kc_scram_client_clear(&s);
}

static int first_then_final(const char *sf, char *err, size_t errlen)
{
    kc_scram_client_t s = { 0 };
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(kc_scram_client_first(&s, KC_SCRAM_SHA_256, "user", "abc", &out, &n), 0);
    kc_sasl_free_secret(out, n);
    int rc = kc_scram_client_final(&s, "pencil", S(sf), &out, &n, err, errlen);
    if (rc == 0)
        kc_sasl_free_secret(out, n);
    kc_scram_client_clear(&s);
    return rc;
}

static void test_scram_bad_server_first(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(first_then_final("r=xyzabc,s=QUJD,i=4096", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "nonce"));
    assert_int_equal(first_then_final("r=abc,s=QUJD,i=4096", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "nonce"));   /* must be longer than ours */
    assert_int_equal(first_then_final("r=abcd,s=QUJD,i=4095", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "4095"));
    assert_int_equal(first_then_final("r=abcd,s=QUJD,i=999999999", err, sizeof err),
                     KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(first_then_final("r=abcd,s=Q!JD,i=4096", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "salt"));
    assert_int_equal(first_then_final("r=abcd,i=4096", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(first_then_final("m=ext,r=abcd,s=QUJD,i=4096", err, sizeof err),
                     KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(first_then_final("e=unknown-user", err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "unknown-user"));
    assert_int_equal(first_then_final("r=abcd,s=QUJD,i=4096", err, sizeof err), 0);
}

static void test_scram_bad_server_final(void **state)
{
    (void)state;
    kc_scram_client_t s = { 0 };
    uint8_t *out = NULL;
    size_t n = 0;
    char err[200];
    const char *sf = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    assert_int_equal(kc_scram_client_first(&s, KC_SCRAM_SHA_256, "user", "rOprNGfwEbeRWgbNEkqO", &out, &n), 0);
    kc_sasl_free_secret(out, n);
    assert_int_equal(kc_scram_client_final(&s, "pencil", S(sf), &out, &n, err, sizeof err), 0);
    kc_sasl_free_secret(out, n);
    /* one character changed */
    assert_int_equal(kc_scram_client_verify(&s, S("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), err, sizeof err),
                     KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "signature"));
    assert_int_equal(kc_scram_client_verify(&s, S("e=invalid-proof"), err, sizeof err),
                     KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(err, "invalid-proof"));
    assert_int_equal(kc_scram_client_verify(&s, S("x=1"), err, sizeof err), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    kc_scram_client_clear(&s);
}

static void test_saslname(void **state)
{
    (void)state;
    char *a = kc_scram_saslname("a=b,c");
    assert_string_equal(a, "a=3Db=2Cc");
    kc_free(a);
    a = kc_scram_saslname("plain");
    assert_string_equal(a, "plain");
    kc_free(a);
}

static void test_plain_message(void **state)
{
    (void)state;
    uint8_t *m;
    size_t n;
    assert_int_equal(kc_sasl_plain_message("alice", "alice-secret", &m, &n), 0);
    assert_int_equal(n, 19);
    assert_memory_equal(m, "\0alice\0alice-secret", 19);
    kc_sasl_free_secret(m, n);
}

static void test_oauthbearer_message(void **state)
{
    (void)state;
    uint8_t *m;
    size_t n;
    kc_sasl_ext_t ext[] = { { "traceId", "123" }, { "logicalCluster", "lkc-1" } };
    assert_int_equal(kc_oauthbearer_message("tok.en.", ext, 2, &m, &n), 0);
    const char *want = "n,,\x01" "auth=Bearer tok.en.\x01traceId=123\x01logicalCluster=lkc-1\x01\x01";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(m, want, n);
    kc_sasl_free_secret(m, n);
    assert_int_equal(kc_oauthbearer_message("t", NULL, 0, &m, &n), 0);
    assert_memory_equal(m, "n,,\x01" "auth=Bearer t\x01\x01", n);
    kc_sasl_free_secret(m, n);
    kc_sasl_ext_t bad[] = { { "auth", "x" } };
    assert_int_equal(kc_oauthbearer_message("t", bad, 1, &m, &n), KAFKAC_ERR_INVALID_ARG);
    kc_sasl_ext_t bad2[] = { { "a1", "x" } };
    assert_int_equal(kc_oauthbearer_message("t", bad2, 1, &m, &n), KAFKAC_ERR_INVALID_ARG);
}

static char *b64url_decode(const char *s, size_t n)
{
    char buf[1024];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof buf - 4; i++)
        buf[k++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (k % 4)
        buf[k++] = '=';
    uint8_t *out;
    size_t ol;
    assert_int_equal(kc_b64_decode(buf, k, &out, &ol), 0);
    char *r = kc_strndup((const char *)out, ol);
    kc_free(out);
    return r;
}

static void test_unsecured_token(void **state)
{
    (void)state;
    kc_oauth_token_t t;
    char err[200];
    assert_int_equal(kc_oauthbearer_unsecured("principal=alice lifeSeconds=60 scope=read,write extension_traceId=42",
                                              1700000000123LL, &t, err, sizeof err),
                     0);
    assert_string_equal(t.principal, "alice");
    assert_int_equal(t.expiry_ms, (1700000000LL + 60) * 1000);
    assert_int_equal(t.next, 1);
    assert_string_equal(t.ext[0].key, "traceId");
    assert_string_equal(t.ext[0].value, "42");
    const char *dot1 = strchr(t.value, '.');
    assert_non_null(dot1);
    const char *dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    assert_int_equal(dot2[1], '\0');   /* empty signature */
    char *h = b64url_decode(t.value, (size_t)(dot1 - t.value));
    assert_string_equal(h, "{\"alg\":\"none\"}");
    kc_free(h);
    char *c = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_string_equal(c, "{\"sub\":\"alice\",\"iat\":1700000000,\"exp\":1700000060,\"scope\":[\"read\",\"write\"]}");
    kc_free(c);
    kc_oauth_token_clear(&t);

    assert_int_equal(kc_oauthbearer_unsecured("lifeSeconds=60", 0, &t, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "principal"));
    assert_int_equal(kc_oauthbearer_unsecured("principal=a bogus=1", 0, &t, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "bogus"));
    assert_int_equal(kc_oauthbearer_unsecured("principal=a lifeSeconds=-1", 0, &t, err, sizeof err), KAFKAC_ERR_CONFIG);
}

static int load(const char *const *kv, char *err, size_t errlen)
{
    kafkac_conf_t *conf = kafkac_conf_new();
    kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", NULL, 0);
    for (; *kv; kv += 2)
        assert_int_equal(kafkac_conf_set(conf, kv[0], kv[1], err, errlen), 0);
    kc_settings_t s;
    int rc = kc_settings_load(&s, conf, KC_SCOPE_PRODUCER, err, errlen);
    if (rc == 0)
        kc_settings_free(&s);
    kafkac_conf_destroy(conf);
    return rc;
}

static int warnings;
static char last_warning[512];
static void log_cb(void *opaque, int level, const char *fac, const char *msg)
{
    (void)opaque;
    (void)fac;
    if (level <= KAFKAC_LOG_WARNING) {
        warnings++;
        snprintf(last_warning, sizeof last_warning, "%s", msg);
    }
    assert_null(strstr(msg, "s3cr3t"));
}

static void test_config(void **state)
{
    (void)state;
    char err[300];
    const char *gss[] = { "security.protocol", "sasl_plaintext", NULL };
    assert_int_equal(load(gss, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "GSSAPI"));
    assert_non_null(strstr(err, "Kerberos is not supported"));
    const char *nouser[] = { "security.protocol", "SASL_PLAINTEXT", "sasl.mechanisms", "scram-sha-256", NULL };
    assert_int_equal(load(nouser, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "sasl.username"));
    const char *nopass[] = { "security.protocol", "sasl_plaintext", "sasl_mechanism", "PLAIN", "sasl_plain_username",
                             "alice", NULL };
    assert_int_equal(load(nopass, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "sasl.password"));
    const char *ok[] = { "security.protocol", "sasl_plaintext", "sasl.mechanism", "PLAIN", "sasl.username", "alice",
                         "sasl.password", "s3cr3t", NULL };
    assert_int_equal(load(ok, err, sizeof err), 0);
    const char *oauth_nocfg[] = { "security.protocol", "sasl_plaintext", "sasl.mechanism", "OAUTHBEARER", NULL };
    assert_int_equal(load(oauth_nocfg, err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "sasl.oauthbearer.config"));
    const char *oauth[] = { "security.protocol", "sasl_plaintext", "sasl.mechanism", "OAUTHBEARER",
                            "sasl.oauthbearer.config", "principal=bob", NULL };
    assert_int_equal(load(oauth, err, sizeof err), 0);
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "sasl.mechanism", "KERBEROS", err, sizeof err), KAFKAC_ERR_CONFIG);

    /* sasl.* without a SASL protocol: a warning naming the key, no secret. */
    kafkac_conf_set_log_cb(conf, log_cb, NULL);
    kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", NULL, 0);
    kafkac_conf_set(conf, "sasl.password", "s3cr3t", NULL, 0);
    kc_settings_t s;
    warnings = 0;
    assert_int_equal(kc_settings_load(&s, conf, KC_SCOPE_CONSUMER, err, sizeof err), 0);
    kc_settings_free(&s);
    assert_int_equal(warnings, 1);
    assert_non_null(strstr(last_warning, "sasl.password"));
    assert_non_null(strstr(last_warning, "security.protocol"));
    kafkac_conf_destroy(conf);
}

/* ---- the state machine on the network client, against the fake broker
 * (which answers SaslHandshake and SaslAuthenticate with empty bodies:
 * error 0, no bytes).  The real exchange is itest_sasl.c's. */

static kc_hostport_t hp;
static kc_hostlist_t hosts;

static kc_net_t *sasl_net(int port, int mech, kafkac_oauthbearer_refresh_cb cb, int handshake_ms)
{
    hp.host = "127.0.0.1";
    hp.port = port;
    hosts.v = &hp;
    hosts.n = 1;
    kc_net_opts_t o;
    kc_net_opts_defaults(&o);
    o.bootstrap = &hosts;
    o.reconnect_backoff_ms = 20;
    o.reconnect_backoff_max_ms = 100;
    o.handshake_timeout_ms = handshake_ms;
    o.sasl_mechanism = mech;
    o.sasl_username = "alice";
    o.sasl_password = "alice-secret";
    o.oauth_cb = cb;
    char err[256];
    kc_net_t *net = kc_net_new(&o, err, sizeof err);
    if (!net)
        fail_msg("kc_net_new: %s", err);
    return net;
}

/* An unsecured OAUTHBEARER config that cannot make a token is refused
 * when the network client is created (kc_sasl_init), not at the first
 * connection: the settings only check that a callback or a config is
 * there, since parsing the token is the protocol layer's job. */
static void test_net_oauth_bad_config(void **state)
{
    (void)state;
    kc_hostport_t h = { .host = "127.0.0.1", .port = 1 };
    kc_hostlist_t l = { .v = &h, .n = 1 };
    kc_net_opts_t o;
    kc_net_opts_defaults(&o);
    o.bootstrap = &l;
    o.sasl_mechanism = KC_SASL_OAUTHBEARER;
    char err[256] = "";
    o.sasl_oauthbearer_config = "scope=x";
    kc_net_t *net = kc_net_new(&o, err, sizeof err);
    if (net || !strstr(err, "principal=<name> is required")) {
        kc_net_destroy(net);
        fail_msg("scope=x without principal: expected kc_net_new to refuse it naming principal, got %s (\"%s\")",
                 net ? "a client" : "NULL", err);
    }
    o.sasl_oauthbearer_config = "principal=bob";
    net = kc_net_new(&o, err, sizeof err);
    if (!net)
        fail_msg("principal=bob: kc_net_new refused it: %s", err);
    kc_net_destroy(net);
}

static kc_resp_t *metadata(kc_net_t *net, int timeout_ms)
{
    static kc_metadata_request_t md;
    kc_msg_init(&kc_schema_metadata_request, &md);
    md.topics_count = 0;
    kc_req_t r = { .node_id = KC_NODE_ANY, .api_key = 3, .max_version = -1, .timeout_ms = timeout_ms, .msg = &md };
    kc_resp_t *resp = kc_net_call(net, &r);
    assert_non_null(resp);
    return resp;
}

/* PLAIN: one empty SaslAuthenticate answer means success: requests flow. */
static void test_net_plain_ready(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    assert_non_null(b);
    kc_net_t *net = sasl_net(b->port, KC_SASL_PLAIN, NULL, 5000);
    kc_resp_t *r = metadata(net, 5000);
    if (r->err)
        fail_msg("metadata over SASL PLAIN: %s: %s", kafkac_err_name(r->err), r->errstr);
    assert_int_equal(kc_net_reachability(net, NULL, NULL, 0), 0);
    kc_resp_free(r);
    kc_net_destroy(net);
    fb_stop(b);
}

/* SCRAM: an empty server-first is refused; the call fails at once with
 * SASL_AUTHENTICATION_FAILED (not at its 20 s deadline), reachability says
 * so, and the text holds no secret. */
static void test_net_scram_refused_fast(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_t *net = sasl_net(b->port, KC_SASL_SCRAM_SHA_256, NULL, 5000);
    int64_t t0 = kc_now_ms();
    kc_resp_t *r = metadata(net, 20000);
    int64_t took = kc_now_ms() - t0;
    if (r->err != KAFKAC_ERR_SASL_AUTHENTICATION_FAILED || took > 3000)
        fail_msg("expected SASL_AUTHENTICATION_FAILED at once, got %s after %lld ms: %s", kafkac_err_name(r->err),
                 (long long)took, r->errstr);
    assert_non_null(strstr(r->errstr, "server-first"));
    assert_null(strstr(r->errstr, "alice-secret"));
    kc_resp_free(r);
    char why[256];
    assert_int_equal(kc_net_reachability(net, NULL, why, sizeof why), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);
    assert_non_null(strstr(why, "SCRAM-SHA-256"));
    kc_net_destroy(net);
    fb_stop(b);
}

/* OAUTHBEARER with a callback that never sets a token: the connection
 * waits for it until the handshake deadline, and the timeout names that
 * step. */
static int silent_calls;
static void silent_cb(kafkac_oauthbearer_t *h, const char *cfg, void *opaque)
{
    (void)h;
    (void)cfg;
    (void)opaque;
    silent_calls++;
}

static void test_net_oauth_token_timeout(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_t *net = sasl_net(b->port, KC_SASL_OAUTHBEARER, silent_cb, 300);
    kc_resp_t *r = metadata(net, 1500);
    assert_int_equal(r->err, KAFKAC_ERR_TIMED_OUT);
    if (!strstr(r->errstr, "waiting for an OAUTHBEARER token"))
        fail_msg("the timeout does not name the SASL step: %s", r->errstr);
    kc_resp_free(r);
    kc_net_destroy(net);
    assert_true(silent_calls >= 1 && silent_calls <= 2);   /* asked once, not once per loop turn */
    fb_stop(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scram_sha256_rfc7677),
        cmocka_unit_test(test_scram_sha512_round_trip),
        cmocka_unit_test(test_scram_bad_server_first),
        cmocka_unit_test(test_scram_bad_server_final),
        cmocka_unit_test(test_saslname),
        cmocka_unit_test(test_plain_message),
        cmocka_unit_test(test_oauthbearer_message),
        cmocka_unit_test(test_unsecured_token),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_net_oauth_bad_config),
        cmocka_unit_test(test_net_plain_ready),
        cmocka_unit_test(test_net_scram_refused_fast),
        cmocka_unit_test(test_net_oauth_token_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

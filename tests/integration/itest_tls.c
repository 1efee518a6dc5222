/* TLS against a real broker's secured listeners (see the secured broker
 * contract in tests/run.sh / scripts/kafka.sh): produce, consume in a
 * group and admin over SSL and mutual TLS, with the client identity as
 * PEM files, PEM strings in the configuration, a password-protected key
 * and a PKCS#12 keystore; and each certificate failure as the broker
 * produces it, asserting the error code and the text the user reads.
 *
 * Needs KAFKAC_TEST_SEC_PLAINTEXT, _SSL, _MTLS, _BADNAME, _EXPIRED and
 * KAFKAC_TEST_SEC_CERTS; fails (never skips) without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testenv.h"
#include "common/tnet.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: this test needs the secured broker (KAFKAC_KAFKA_INSTANCE=secure "
                 "scripts/kafka.sh start secure; tests/run.sh exports the KAFKAC_TEST_SEC_* variables)",
                 name);
    return v;
}

static const char *cert(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", env("KAFKAC_TEST_SEC_CERTS"), name);
    return b;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static kafkac_conf_t *ssl_conf(const char *brokers)
{
    kafkac_conf_t *conf = kc_test_conf(brokers);
    kc_test_conf_set(conf, "security.protocol", "SSL");
    kc_test_conf_set(conf, "ssl.ca.location", cert("ca.pem"));
    kc_test_conf_set(conf, "socket.connection.setup.timeout.ms", "5000");
    return conf;
}

/* Produces n records, consumes them back in a group, creates and
 * describes a topic with the admin client: all with conf. */
static void round_trip(const kafkac_conf_t *base, const char *what)
{
    char err[512], topic[128], group[128];
    kc_test_topic(topic, sizeof topic, "tls");
    kc_test_topic(group, sizeof group, "tls-group");

    kafkac_admin_t *adm = kafkac_admin_new(base, err, sizeof err);
    if (!adm)
        fail_msg("%s: admin: %s", what, err);
    kafkac_new_topic_t *nt = kafkac_new_topic_new(topic, 1, 1);
    assert_non_null(nt);
    kafkac_admin_result_t *res = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)&nt, 1, 0, 30000, &res, err,
                                                 sizeof err);
    kafkac_new_topic_destroy(nt);
    if (rc != KAFKAC_OK)
        fail_msg("%s: create topic: %s: %s", what, kafkac_err_name(rc), err);
    assert_int_equal(kafkac_admin_result_error(res, 0), 0);
    kafkac_admin_result_destroy(res);
    /* The broker serves the topic a moment after the controller made it:
     * describe until it does, 15 s at most. */
    const char *names[] = { topic };
    int64_t described_by = kc_test_now_ms() + 15000;
    for (;;) {
        kafkac_topic_desc_t *d = NULL;
        rc = kafkac_admin_describe_topics(adm, names, 1, 30000, &d, err, sizeof err);
        if (rc != KAFKAC_OK)
            fail_msg("%s: describe topic: %s: %s", what, kafkac_err_name(rc), err);
        kafkac_err_t te = kafkac_topic_desc_error(d, 0);
        int parts = kafkac_topic_desc_partition_count(d, 0);
        kafkac_topic_desc_destroy(d);
        if (!te && parts == 1)
            break;
        if (kc_test_now_ms() > described_by)
            fail_msg("%s: describe topic: error %s, %d partitions after 15 s", what, kafkac_err_name(te), parts);
        usleep(100 * 1000);
    }
    kafkac_admin_destroy(adm);

    kafkac_producer_t *p = kafkac_producer_new(base, err, sizeof err);
    if (!p)
        fail_msg("%s: producer: %s", what, err);
    enum { N = 200 };
    for (int i = 0; i < N; i++) {
        char v[64];
        int len = snprintf(v, sizeof v, "%s-%d", what, i);
        rc = kc_test_send_to(p, topic, 0, NULL, 0, v, len, NULL);
        if (rc != KAFKAC_OK) {
            kafkac_producer_send_error(p, err, sizeof err);
            fail_msg("%s: send: %s: %s", what, kafkac_err_name(rc), err);
        }
    }
    rc = kafkac_producer_flush(p, 30000);
    if (rc != KAFKAC_OK)
        fail_msg("%s: flush: %s", what, kafkac_err_name(rc));
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);

    kafkac_conf_t *cc = kafkac_conf_dup(base);
    kc_test_conf_set(cc, "group.id", group);
    kc_test_conf_set(cc, "auto.offset.reset", "earliest");
    kafkac_consumer_t *c = kafkac_consumer_new(cc, err, sizeof err);
    kafkac_conf_destroy(cc);
    if (!c)
        fail_msg("%s: consumer: %s", what, err);
    rc = kafkac_consumer_subscribe(c, names, 1, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("%s: subscribe: %s", what, err);
    int got = 0;
    int64_t deadline = kc_test_now_ms() + 60000;
    while (got < N && kc_test_now_ms() < deadline) {
        kafkac_record_t *r = NULL;
        rc = kafkac_consumer_next(c, 1000, &r, err, sizeof err);
        if (rc == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (rc != KAFKAC_OK)
            fail_msg("%s: consume: %s: %s", what, kafkac_err_name(rc), err);
        size_t len;
        const char *v = kafkac_record_value(r, &len);
        char want[64];
        int wl = snprintf(want, sizeof want, "%s-%d", what, got);
        if ((size_t)wl != len || memcmp(v, want, len))
            fail_msg("%s: record %d is '%.*s', expected '%s'", what, got, (int)len, v, want);
        got++;
        kafkac_record_release(r);
    }
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    if (got != N)
        fail_msg("%s: consumed %d of %d records", what, got, N);
}

static void test_ssl(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_SSL"));
    round_trip(conf, "ssl");
    kafkac_conf_destroy(conf);
}

static void test_mtls_pem_files(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "ssl.certificate.location", cert("client.pem"));
    kc_test_conf_set(conf, "ssl.key.location", cert("client.key"));
    round_trip(conf, "mtls-files");
    kafkac_conf_destroy(conf);
}

static void test_mtls_encrypted_key(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    char *pass = slurp(cert("client-enc.pass"));
    pass[strcspn(pass, "\r\n")] = '\0';
    kc_test_conf_set(conf, "ssl_certfile", cert("client.pem"));
    kc_test_conf_set(conf, "ssl_keyfile", cert("client-enc.key"));
    kc_test_conf_set(conf, "ssl_password", pass);
    free(pass);
    round_trip(conf, "mtls-enc");
    kafkac_conf_destroy(conf);
}

static void test_mtls_pem_strings(void **state)
{
    (void)state;
    kafkac_conf_t *conf = kc_test_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "security.protocol", "ssl");
    char *ca = slurp(cert("ca.pem")), *crt = slurp(cert("client.pem")), *key = slurp(cert("client.key"));
    kc_test_conf_set(conf, "ssl.ca.pem", ca);
    kc_test_conf_set(conf, "ssl.certificate.pem", crt);
    kc_test_conf_set(conf, "ssl.key.pem", key);
    free(ca);
    free(crt);
    free(key);
    round_trip(conf, "mtls-pem");
    kafkac_conf_destroy(conf);
}

static void test_mtls_pkcs12(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "ssl.keystore.location", cert("client.p12"));
    kc_test_conf_set(conf, "ssl.keystore.password", "p12pass");
    round_trip(conf, "mtls-p12");
    kafkac_conf_destroy(conf);
}

/* A client whose every connection fails: the producer's send reports the
 * error within max.block.ms, the admin call returns it, both with the
 * connection's text.  Returns the error seen and its text. */
static kafkac_err_t failing(kafkac_conf_t *conf, char *text, size_t len)
{
    char err[512];
    kc_test_conf_set(conf, "max.block.ms", "8000");
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    if (!p)
        fail_msg("producer creation failed: %s", err);
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t rc = kc_test_send_to(p, "tls-never", 0, NULL, 0, "x", 1, NULL);
    int64_t took = kc_test_now_ms() - t0;
    kafkac_producer_send_error(p, text, len);
    kafkac_producer_destroy(p);
    if (rc == KAFKAC_OK)
        fail_msg("send succeeded over a connection that must fail");
    /* A TLS failure does not mend: reported at once, not at max.block.ms. */
    if (took > 4000)
        fail_msg("send took %lld ms to report %s: %s", (long long)took, kafkac_err_name(rc), text);

    /* The admin client reports it too. */
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    assert_non_null(adm);
    kafkac_topic_desc_t *d = NULL;
    t0 = kc_test_now_ms();
    kafkac_err_t arc = kafkac_admin_list_topics(adm, 0, 8000, &d, err, sizeof err);
    took = kc_test_now_ms() - t0;
    kafkac_admin_destroy(adm);
    if (took > 4000)
        fail_msg("admin list topics took %lld ms to report %s: %s", (long long)took, kafkac_err_name(arc), err);
    if (arc == KAFKAC_OK)
        fail_msg("admin list topics succeeded over a connection that must fail");
    if (!strstr(err, "TLS") && !strstr(err, "ssl"))
        fail_msg("admin error does not say what failed: %s: %s", kafkac_err_name(arc), err);

    /* And a consumer's poll. */
    kafkac_conf_t *cc = kafkac_conf_dup(conf);
    kc_test_conf_set(cc, "group.id", "tls-never-group");
    kafkac_consumer_t *c = kafkac_consumer_new(cc, err, sizeof err);
    kafkac_conf_destroy(cc);
    assert_non_null(c);
    const char *topics[] = { "tls-never" };
    assert_int_equal(kafkac_consumer_subscribe(c, topics, 1, err, sizeof err), 0);
    t0 = kc_test_now_ms();
    kafkac_err_t crc = KAFKAC_ERR_TIMED_OUT;
    while (crc == KAFKAC_ERR_TIMED_OUT && kc_test_now_ms() - t0 < 8000) {
        kafkac_record_t *r = NULL;
        crc = kafkac_consumer_next(c, 500, &r, err, sizeof err);
        if (crc == KAFKAC_OK)
            kafkac_record_release(r);
    }
    took = kc_test_now_ms() - t0;
    kafkac_consumer_destroy(c);
    if (crc != rc || took > 4000)
        fail_msg("consumer poll: expected %s within 4 s, got %s after %lld ms: %s", kafkac_err_name(rc),
                 kafkac_err_name(crc), (long long)took, err);
    return rc;
}

static void expect(kafkac_err_t rc, const char *text, kafkac_err_t code, const char *const *words)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", kafkac_err_name(code), kafkac_err_name(rc), text);
    for (const char *const *w = words; *w; w++)
        if (!strstr(text, *w))
            fail_msg("expected '%s' in: %s", *w, text);
}

static void test_host_name_mismatch(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_BADNAME"));
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "host name mismatch", "127.0.0.1", "wrong.invalid", NULL });
    kafkac_conf_destroy(conf);
}

static void test_unknown_ca(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_SSL"));
    kc_test_conf_set(conf, "ssl.ca.location", cert("ca2.pem"));
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "unknown CA", NULL });
    kafkac_conf_destroy(conf);
}

static void test_expired(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_EXPIRED"));
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "expired", NULL });
    kafkac_conf_destroy(conf);
}

static void test_client_cert_refused(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "ssl.certificate.location", cert("other.pem"));
    kc_test_conf_set(conf, "ssl.key.location", cert("other.key"));
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "refused our client certificate", NULL });
    kafkac_conf_destroy(conf);
    /* An expired one signed by the right CA. */
    conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "ssl.certificate.location", cert("expired-client.pem"));
    kc_test_conf_set(conf, "ssl.key.location", cert("expired-client.key"));
    rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "refused our client certificate", NULL });
    kafkac_conf_destroy(conf);
    /* And none at all. */
    conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "requires a client certificate", NULL });
    kafkac_conf_destroy(conf);
}

static void test_tls_to_plaintext_listener(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_PLAINTEXT"));
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "did not speak TLS", NULL });
    kafkac_conf_destroy(conf);
}

static void test_plaintext_to_tls_listener(void **state)
{
    (void)state;
    kafkac_conf_t *conf = kc_test_conf(env("KAFKAC_TEST_SEC_SSL"));
    kc_test_conf_set(conf, "socket.connection.setup.timeout.ms", "5000");
    char text[512];
    kafkac_err_t rc = failing(conf, text, sizeof text);
    expect(rc, text, KAFKAC_ERR_SSL, (const char *[]){ "TLS listener", "security.protocol=ssl", NULL });
    kafkac_conf_destroy(conf);
}

/* A wrong key password fails at creation, naming the key, not the value. */
static void test_wrong_password_at_creation(void **state)
{
    (void)state;
    kafkac_conf_t *conf = ssl_conf(env("KAFKAC_TEST_SEC_MTLS"));
    kc_test_conf_set(conf, "ssl.keystore.location", cert("client.p12"));
    kc_test_conf_set(conf, "ssl.keystore.password", "not-the-p12-secret");
    char err[512];
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    assert_null(p);
    if (!strstr(err, "ssl.keystore.password") || strstr(err, "not-the-p12-secret"))
        fail_msg("unexpected: %s", err);
    kafkac_conf_destroy(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssl),
        cmocka_unit_test(test_mtls_pem_files),
        cmocka_unit_test(test_mtls_encrypted_key),
        cmocka_unit_test(test_mtls_pem_strings),
        cmocka_unit_test(test_mtls_pkcs12),
        cmocka_unit_test(test_host_name_mismatch),
        cmocka_unit_test(test_unknown_ca),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_client_cert_refused),
        cmocka_unit_test(test_tls_to_plaintext_listener),
        cmocka_unit_test(test_plaintext_to_tls_listener),
        cmocka_unit_test(test_wrong_password_at_creation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

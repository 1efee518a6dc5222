/* Every secured listener of the secured node (scripts/kafka.sh start
 * secure) with every way of authenticating that issue 14 names, through
 * the public API only and the configuration keys users write: the admin
 * client creates and describes a topic, a producer writes records to it,
 * and a consumer in a group reads them all back and commits.
 *
 *   SSL              server authentication (ssl.ca.location)
 *   mTLS             client certificate as PEM files, as a PKCS#12
 *                    keystore, as PEM strings in the configuration, and
 *                    with a password-protected key
 *   SASL_PLAINTEXT   PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER
 *   SASL_SSL         the same four over TLS
 *
 * OAUTHBEARER uses sasl.oauthbearer.config's unsecured token, which the
 * broker's default validator accepts.  Run one case alone with
 * ITEST_FILTER=<case name>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/testenv.h"
#include "kafkac/kafkac.h"

#define RECORDS 20
#define MAX_SETTINGS 8

/* A setting's value: a literal, the path of a file in
 * $KAFKAC_TEST_SEC_CERTS, or that file's contents (PEM strings). */
typedef enum { LIT, PATH, CONTENTS } vkind_t;

typedef struct setting {
    const char *key;
    vkind_t kind;
    const char *value;
} setting_t;

typedef struct sec_case {
    const char *name;
    const char *listener;   /* KAFKAC_TEST_SEC_<listener> */
    setting_t s[MAX_SETTINGS];
} sec_case_t;

#define CA { "ssl.ca.location", PATH, "ca.pem" }
#define SASL(proto, mech) { "security.protocol", LIT, proto }, { "sasl.mechanism", LIT, mech }
#define ALICE { "sasl.username", LIT, "alice" }, { "sasl.password", LIT, "alice-secret" }
#define OAUTH_ALICE { "sasl.oauthbearer.config", LIT, "principal=alice" }

static const sec_case_t cases[] = {
    { "ssl", "SSL", { { "security.protocol", LIT, "ssl" }, CA } },
    { "mtls_pem_files", "MTLS",
      { { "security.protocol", LIT, "ssl" }, CA, { "ssl.certificate.location", PATH, "client.pem" },
        { "ssl.key.location", PATH, "client.key" } } },
    { "mtls_pkcs12_keystore", "MTLS",
      { { "security.protocol", LIT, "ssl" }, CA, { "ssl.keystore.location", PATH, "client.p12" },
        { "ssl.keystore.password", LIT, "p12pass" } } },
    { "mtls_pem_strings", "MTLS",
      { { "security.protocol", LIT, "SSL" }, { "ssl.ca.pem", CONTENTS, "ca.pem" },
        { "ssl.certificate.pem", CONTENTS, "client.pem" }, { "ssl.key.pem", CONTENTS, "client.key" } } },
    { "mtls_encrypted_key", "MTLS",
      { { "security.protocol", LIT, "ssl" }, CA, { "ssl.certificate.location", PATH, "client.pem" },
        { "ssl.key.location", PATH, "client-enc.key" }, { "ssl.key.password", LIT, "keypass" } } },
    { "sasl_plaintext_plain", "SASL_PLAINTEXT", { SASL("sasl_plaintext", "PLAIN"), ALICE } },
    { "sasl_plaintext_scram_sha_256", "SASL_PLAINTEXT", { SASL("sasl_plaintext", "SCRAM-SHA-256"), ALICE } },
    { "sasl_plaintext_scram_sha_512", "SASL_PLAINTEXT", { SASL("SASL_PLAINTEXT", "SCRAM-SHA-512"), ALICE } },
    { "sasl_plaintext_oauthbearer", "SASL_PLAINTEXT", { SASL("sasl_plaintext", "OAUTHBEARER"), OAUTH_ALICE } },
    { "sasl_ssl_plain", "SASL_SSL", { SASL("sasl_ssl", "PLAIN"), ALICE, CA } },
    { "sasl_ssl_scram_sha_256", "SASL_SSL", { SASL("sasl_ssl", "SCRAM-SHA-256"), ALICE, CA } },
    { "sasl_ssl_scram_sha_512", "SASL_SSL", { SASL("SASL_SSL", "SCRAM-SHA-512"), ALICE, CA } },
    { "sasl_ssl_oauthbearer", "SASL_SSL", { SASL("sasl_ssl", "OAUTHBEARER"), OAUTH_ALICE, CA } },
};

/* Reads a whole file (the test fails if it cannot); free() the result. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* A configuration for the case: bootstrap.servers is its listener. */
static kafkac_conf_t *case_conf(const sec_case_t *tc, const char *client_id)
{
    char err[512], path[1024];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    if (kafkac_conf_set(conf, "bootstrap.servers", kc_test_sec_addr(tc->listener), err, sizeof err) ||
        kafkac_conf_set(conf, "client.id", client_id, err, sizeof err))
        fail_msg("%s: %s", tc->name, err);
    for (int i = 0; i < MAX_SETTINGS && tc->s[i].key; i++) {
        const setting_t *s = &tc->s[i];
        char *owned = NULL;
        const char *v = s->value;
        if (s->kind == PATH)
            v = kc_test_sec_file(path, sizeof path, s->value);
        else if (s->kind == CONTENTS)
            v = owned = slurp(kc_test_sec_file(path, sizeof path, s->value));
        kafkac_err_t rc = kafkac_conf_set(conf, s->key, v, err, sizeof err);
        free(owned);
        if (rc)
            fail_msg("%s: kafkac_conf_set(%s): %s: %s", tc->name, s->key, kafkac_err_name(rc), err);
    }
    return conf;
}

static void admin_create_and_describe(const sec_case_t *tc, const char *topic)
{
    char err[512];
    kafkac_conf_t *conf = case_conf(tc, "itest-secmatrix-admin");
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("%s: kafkac_admin_new: %s", tc->name, err);

    kafkac_new_topic_t *t = kafkac_new_topic_new(topic, 2, 1);
    assert_non_null(t);
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)&t, 1, 0, 30000, &r, err,
                                                 sizeof err);
    kafkac_new_topic_destroy(t);
    if (rc)
        fail_msg("%s: create_topics: %s: %s", tc->name, kafkac_err_name(rc), err);
    if (kafkac_admin_result_error(r, 0))
        fail_msg("%s: create_topics %s: %s: %s", tc->name, topic, kafkac_err_name(kafkac_admin_result_error(r, 0)),
                 kafkac_admin_result_message(r, 0));
    kafkac_admin_result_destroy(r);

    /* The broker serves the topic a moment after the controller made it. */
    int64_t deadline = kc_test_now_ms() + 15000;
    for (;;) {
        kafkac_topic_desc_t *d = NULL;
        rc = kafkac_admin_describe_topics(adm, &topic, 1, 10000, &d, err, sizeof err);
        if (rc)
            fail_msg("%s: describe_topics: %s: %s", tc->name, kafkac_err_name(rc), err);
        kafkac_err_t te = kafkac_topic_desc_error(d, 0);
        int parts = kafkac_topic_desc_partition_count(d, 0);
        int32_t leader = kafkac_partition_info_leader(kafkac_topic_desc_partition(d, 0, 0));
        kafkac_topic_desc_destroy(d);
        if (!te && parts == 2 && leader == 1)
            break;
        if (kc_test_now_ms() > deadline)
            fail_msg("%s: describe %s: error %s, %d partitions, leader %d after 15 s", tc->name, topic,
                     kafkac_err_name(te), parts, (int)leader);
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    kafkac_admin_destroy(adm);
}

static void produce(const sec_case_t *tc, const char *topic)
{
    char err[512];
    kafkac_conf_t *conf = case_conf(tc, "itest-secmatrix-producer");
    if (kafkac_conf_set(conf, "linger.ms", "5", err, sizeof err))
        fail_msg("%s", err);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        fail_msg("%s: kafkac_producer_new: %s", tc->name, err);
    kafkac_future_t *fut[RECORDS];
    for (int i = 0; i < RECORDS; i++) {
        char key[32], val[96];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "%s value %d", tc->name, i);
        kafkac_err_t rc = kafkac_producer_send(p, topic, key, (int32_t)strlen(key),
                                               val, (int32_t)strlen(val), &fut[i]);
        if (rc) {
            kafkac_producer_send_error(p, err, sizeof err);
            fail_msg("%s: send %d: %s: %s", tc->name, i, kafkac_err_name(rc), err);
        }
    }
    kafkac_err_t rc = kafkac_producer_flush(p, 30000);
    if (rc)
        fail_msg("%s: flush: %s", tc->name, kafkac_err_name(rc));
    for (int i = 0; i < RECORDS; i++) {
        const kafkac_delivery_t *d = NULL;
        rc = kafkac_future_wait(fut[i], 30000, &d);
        if (rc || kafkac_delivery_err(d))
            fail_msg("%s: record %d: %s", tc->name, i, kafkac_err_name(rc ? rc : kafkac_delivery_err(d)));
        assert_true(kafkac_delivery_offset(d) >= 0);
        kafkac_future_destroy(fut[i]);
    }
    assert_int_equal(kafkac_producer_close(p, 10000), KAFKAC_OK);
    kafkac_producer_destroy(p);
}

static void consume_in_group(const sec_case_t *tc, const char *topic)
{
    char err[512], group[192];
    snprintf(group, sizeof group, "%s-group", topic);
    kafkac_conf_t *conf = case_conf(tc, "itest-secmatrix-consumer");
    if (kafkac_conf_set(conf, "group.id", group, err, sizeof err) ||
        kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err) ||
        kafkac_conf_set(conf, "enable.auto.commit", "false", err, sizeof err))
        fail_msg("%s", err);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c)
        fail_msg("%s: kafkac_consumer_new: %s", tc->name, err);
    if (kafkac_consumer_subscribe(c, &topic, 1, err, sizeof err))
        fail_msg("%s: subscribe: %s", tc->name, err);
    int seen[RECORDS] = { 0 }, got = 0;
    int64_t deadline = kc_test_now_ms() + 30000;
    while (got < RECORDS) {
        if (kc_test_now_ms() > deadline)
            fail_msg("%s: read %d of %d records in 30 s", tc->name, got, RECORDS);
        kafkac_records_t *b = NULL;
        kafkac_err_t rc = kafkac_consumer_poll(c, 500, 100, &b, err, sizeof err);
        if (rc == KAFKAC_ERR_TIMED_OUT)   /* nothing within 500 ms: poll again */
            continue;
        if (rc)
            fail_msg("%s: poll: %s: %s", tc->name, kafkac_err_name(rc), err);
        for (int i = 0; i < kafkac_records_count(b); i++) {
            size_t len;
            const char *v = kafkac_record_value(kafkac_records_at(b, i), &len);
            char want_prefix[96];
            int n = snprintf(want_prefix, sizeof want_prefix, "%s value ", tc->name);
            int idx = -1;
            if (v && len > (size_t)n && !memcmp(v, want_prefix, (size_t)n))
                idx = atoi(v + n);   /* "... value 12": the value ends after the digits */
            if (idx < 0 || idx >= RECORDS)
                fail_msg("%s: unexpected record value '%.*s'", tc->name, (int)len, v ? v : "");
            if (!seen[idx]++)
                got++;
        }
        kafkac_records_destroy(b);
    }
    kafkac_err_t rc = kafkac_consumer_commit_sync(c, NULL, 10000, err, sizeof err);
    if (rc)
        fail_msg("%s: commit_sync: %s: %s", tc->name, kafkac_err_name(rc), err);
    assert_int_equal(kafkac_consumer_close(c, 10000), KAFKAC_OK);
    kafkac_consumer_destroy(c);
}

static void run_case(void **state)
{
    const sec_case_t *tc = *state;
    char topic[160];
    char prefix[64];
    snprintf(prefix, sizeof prefix, "secmatrix-%s", tc->name);
    for (char *p = prefix; *p; p++)
        if (*p == '_')
            *p = '-';
    assert_non_null(kc_test_topic(topic, sizeof topic, prefix));
    admin_create_and_describe(tc, topic);
    produce(tc, topic);
    consume_in_group(tc, topic);
}

int main(void)
{
    struct CMUnitTest tests[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct CMUnitTest t = { cases[i].name, run_case, NULL, NULL, (void *)&cases[i] };
        tests[i] = t;
    }
    return _cmocka_run_group_tests("itest_security_matrix", tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

/* SASL against a real broker (the secured node of scripts/kafka.sh; env
 * KAFKAC_TEST_SEC_SASL_PLAINTEXT, _REAUTH, _SCRAM512_ONLY as tests/run.sh
 * sets them; users alice/alice-secret for PLAIN and SCRAM, any principal
 * for OAUTHBEARER with the broker's unsecured validator):
 *  - admin create + describe, produce, and consume in a group, with each
 *    mechanism over SASL_PLAINTEXT (OAUTHBEARER both from
 *    sasl.oauthbearer.config and from a token refresh callback);
 *  - a wrong password gives SASL_AUTHENTICATION_FAILED with the broker's
 *    text from producer send, consumer poll, an admin call and the
 *    protocol client, each well
 *    before its timeout, and no error string holds the password;
 *  - a mechanism the listener does not enable gives
 *    UNSUPPORTED_SASL_MECHANISM naming what it enables (SCRAM-SHA-512);
 *  - a consumer keeps reading across at least two re-authentications on
 *    the listener with connections.max.reauth.ms=10000 (seen in the log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/testenv.h"
#include "kafkac/kafkac.h"
#include "protocol/sasl.h"

#define WRONG_PASSWORD "wrong-s3cr3t-pw"

static const char *env_or_fail(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: this test needs the secured broker (scripts/kafka.sh start secure; tests/run.sh "
                 "exports it)", name);
    return v;
}

typedef struct logsink {
    pthread_mutex_t m;
    int reauths;
    int connects;     /* "connecting to node" lines: new connections */
    int secret_seen;
} logsink_t;

static void log_cb(void *opaque, int level, const char *fac, const char *msg)
{
    logsink_t *ls = opaque;
    (void)level;
    (void)fac;
    pthread_mutex_lock(&ls->m);
    if (strstr(msg, "re-authenticated"))
        ls->reauths++;
    if (strstr(msg, "connecting to node"))
        ls->connects++;
    if (strstr(msg, "alice-secret") || strstr(msg, WRONG_PASSWORD))
        ls->secret_seen = 1;
    pthread_mutex_unlock(&ls->m);
}

static kafkac_conf_t *sasl_conf(const char *brokers, const char *mech, const char *password, logsink_t *ls)
{
    kafkac_conf_t *conf = kafkac_conf_new();
    char err[256];
    const char *kv[] = { "bootstrap.servers", brokers, "security.protocol", "sasl_plaintext", "sasl.mechanism", mech,
                         "log.level", "7", NULL };
    for (int i = 0; kv[i]; i += 2)
        if (kafkac_conf_set(conf, kv[i], kv[i + 1], err, sizeof err))
            fail_msg("%s", err);
    if (!strcmp(mech, "OAUTHBEARER")) {
        kafkac_conf_set(conf, "sasl.oauthbearer.config", "principal=bob lifeSeconds=600", err, sizeof err);
    } else {
        kafkac_conf_set(conf, "sasl.username", "alice", err, sizeof err);
        kafkac_conf_set(conf, "sasl.password", password, err, sizeof err);
    }
    if (ls)
        kafkac_conf_set_log_cb(conf, log_cb, ls);
    return conf;
}

/* Admin create + describe, produce n, consume n in a group. */
static void round_trip(kafkac_conf_t *conf, const char *label)
{
    char err[512], topic[128], group[128];
    kc_test_topic(topic, sizeof topic, "sasl");
    kc_test_topic(group, sizeof group, "sasl-group");
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    if (!adm)
        fail_msg("%s: admin: %s", label, err);
    kafkac_new_topic_t *nt = kafkac_new_topic_new(topic, 2, 1);
    assert_non_null(nt);
    kafkac_admin_result_t *res = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)&nt, 1, 0, 30000, &res, err,
                                                 sizeof err);
    kafkac_new_topic_destroy(nt);
    if (rc || kafkac_admin_result_error(res, 0))
        fail_msg("%s: create topic: %s %s (%s)", label, kafkac_err_name(rc),
                 res ? kafkac_err_name(kafkac_admin_result_error(res, 0)) : "", err);
    kafkac_admin_result_destroy(res);
    /* The broker serves the topic a moment after the controller made it
     * (seen on 4.4.0 under load): describe until it does, 15 s at most. */
    const char *one[] = { topic };
    int64_t described_by = kc_test_now_ms() + 15000;
    for (;;) {
        kafkac_topic_desc_t *d = NULL;
        rc = kafkac_admin_describe_topics(adm, one, 1, 30000, &d, err, sizeof err);
        if (rc)
            fail_msg("%s: describe topic: %s (%s)", label, kafkac_err_name(rc), err);
        kafkac_err_t te = kafkac_topic_desc_error(d, 0);
        int parts = kafkac_topic_desc_partition_count(d, 0);
        kafkac_topic_desc_destroy(d);
        if (!te && parts == 2)
            break;
        if (kc_test_now_ms() > described_by)
            fail_msg("%s: describe topic: error %s, %d partitions after 15 s", label, kafkac_err_name(te), parts);
        usleep(100 * 1000);
    }
    kafkac_admin_destroy(adm);

    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    if (!p)
        fail_msg("%s: producer: %s", label, err);
    enum { N = 20 };
    kafkac_future_t *f[N];
    for (int i = 0; i < N; i++) {
        char v[32];
        snprintf(v, sizeof v, "v%d", i);
        rc = kafkac_producer_send(p, topic, NULL, -1, v, (int32_t)strlen(v), &f[i]);
        if (rc) {
            kafkac_producer_send_error(p, err, sizeof err);
            fail_msg("%s: send: %s: %s", label, kafkac_err_name(rc), err);
        }
    }
    for (int i = 0; i < N; i++) {
        const kafkac_delivery_t *dr;
        rc = kafkac_future_wait(f[i], 30000, &dr);
        if (rc || kafkac_delivery_err(dr))
            fail_msg("%s: delivery %d: %s / %s", label, i, kafkac_err_name(rc), kafkac_err_name(kafkac_delivery_err(dr)));
        kafkac_future_destroy(f[i]);
    }
    kafkac_producer_destroy(p);

    kafkac_conf_t *cc = kafkac_conf_dup(conf);
    kafkac_conf_set(cc, "group.id", group, err, sizeof err);
    kafkac_conf_set(cc, "auto.offset.reset", "earliest", err, sizeof err);
    kafkac_consumer_t *c = kafkac_consumer_new(cc, err, sizeof err);
    kafkac_conf_destroy(cc);
    if (!c)
        fail_msg("%s: consumer: %s", label, err);
    if (kafkac_consumer_subscribe(c, one, 1, err, sizeof err))
        fail_msg("%s: subscribe: %s", label, err);
    int got = 0;
    int64_t until = kc_test_now_ms() + 30000;
    while (got < N && kc_test_now_ms() < until) {
        kafkac_records_t *b = NULL;
        rc = kafkac_consumer_poll(c, 1000, 100, &b, err, sizeof err);
        if (rc && rc != KAFKAC_ERR_TIMED_OUT)
            fail_msg("%s: poll: %s: %s", label, kafkac_err_name(rc), err);
        if (b) {
            got += kafkac_records_count(b);
            kafkac_records_destroy(b);
        }
    }
    if (got != N)
        fail_msg("%s: consumed %d of %d records", label, got, N);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
}

static void test_each_mechanism(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_SASL_PLAINTEXT");
    const char *mechs[] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER" };
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
        logsink_t ls = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
        kafkac_conf_t *conf = sasl_conf(b, mechs[i], "alice-secret", &ls);
        round_trip(conf, mechs[i]);
        kafkac_conf_destroy(conf);
        if (ls.secret_seen)
            fail_msg("%s: the password appeared in a log line (level 7)", mechs[i]);
    }
}

/* The application's token source: an unsecured JWS made by hand here. */
static int token_calls;
static void token_cb(kafkac_oauthbearer_t *h, const char *config, void *opaque)
{
    (void)opaque;
    __atomic_add_fetch(&token_calls, 1, __ATOMIC_SEQ_CST);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    kc_oauth_token_t t;
    char err[200];
    if (kc_oauthbearer_unsecured("principal=carol lifeSeconds=300", (int64_t)tv.tv_sec * 1000, &t, err, sizeof err)) {
        kafkac_oauthbearer_set_token_failure(h, err);
        return;
    }
    assert_string_equal(config, "ignored-by-this-callback");
    const char *ext[] = { "traceId", "abc" };
    if (kafkac_oauthbearer_set_token(h, t.value, t.expiry_ms, "carol", ext, 2, err, sizeof err))
        fail_msg("set_token: %s", err);
    kc_oauth_token_clear(&t);
}

static void test_oauthbearer_callback(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_SASL_PLAINTEXT");
    kafkac_conf_t *conf = sasl_conf(b, "OAUTHBEARER", NULL, NULL);
    char err[256];
    kafkac_conf_set(conf, "sasl.oauthbearer.config", "ignored-by-this-callback", err, sizeof err);
    kafkac_conf_set_oauthbearer_token_refresh_cb(conf, token_cb, NULL);
    round_trip(conf, "OAUTHBEARER callback");
    kafkac_conf_destroy(conf);
    assert_true(__atomic_load_n(&token_calls, __ATOMIC_SEQ_CST) >= 1);
}

static void check_auth_failed(kafkac_err_t rc, const char *err, int64_t took, const char *what)
{
    if (rc != KAFKAC_ERR_SASL_AUTHENTICATION_FAILED)
        fail_msg("%s: expected SASL_AUTHENTICATION_FAILED, got %s: %s", what, kafkac_err_name(rc), err);
    if (!strstr(err, "invalid credentials"))
        fail_msg("%s: the broker's text is missing: %s", what, err);
    if (strstr(err, WRONG_PASSWORD))
        fail_msg("%s: the password is in the error string: %s", what, err);
    if (took > 5000)
        fail_msg("%s: took %lld ms (timeout 30000): not prompt", what, (long long)took);
}

static void test_wrong_password(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_SASL_PLAINTEXT");
    char err[512];
    logsink_t ls = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
    kafkac_conf_t *conf = sasl_conf(b, "SCRAM-SHA-256", WRONG_PASSWORD, &ls);
    kafkac_conf_set(conf, "max.block.ms", "30000", err, sizeof err);

    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    assert_non_null(p);
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t rc = kafkac_producer_send(p, "sasl-nope", NULL, -1, "x", 1, NULL);
    int64_t took = kc_test_now_ms() - t0;
    err[0] = '\0';
    kafkac_producer_send_error(p, err, sizeof err);
    check_auth_failed(rc, err, took, "producer send");
    kafkac_producer_destroy(p);

    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    assert_non_null(adm);
    kafkac_topic_desc_t *d = NULL;
    t0 = kc_test_now_ms();
    rc = kafkac_admin_list_topics(adm, 0, 30000, &d, err, sizeof err);
    check_auth_failed(rc, err, kc_test_now_ms() - t0, "admin list topics");
    kafkac_topic_desc_destroy(d);
    kafkac_admin_destroy(adm);

    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    assert_non_null(cl);
    kafkac_metadata_t *md = NULL;
    t0 = kc_test_now_ms();
    rc = kafkac_client_metadata(cl, NULL, -1, 30000, &md, err, sizeof err);
    check_auth_failed(rc, err, kc_test_now_ms() - t0, "protocol client metadata");
    kafkac_metadata_destroy(md);
    kafkac_client_destroy(cl);

    kafkac_conf_set(conf, "group.id", "sasl-wrong-password", err, sizeof err);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    assert_non_null(c);
    const char *one[] = { "sasl-nope" };
    assert_int_equal(kafkac_consumer_subscribe(c, one, 1, err, sizeof err), 0);
    t0 = kc_test_now_ms();
    kafkac_records_t *recs = NULL;
    rc = KAFKAC_ERR_TIMED_OUT;
    while (rc == KAFKAC_ERR_TIMED_OUT && kc_test_now_ms() - t0 < 30000)
        rc = kafkac_consumer_poll(c, 1000, 10, &recs, err, sizeof err);
    check_auth_failed(rc, err, kc_test_now_ms() - t0, "consumer poll");
    kafkac_records_destroy(recs);
    kafkac_consumer_destroy(c);
    kafkac_conf_destroy(conf);
    assert_int_equal(ls.secret_seen, 0);
}

/* A token the broker's validator refuses (no "sub" claim): the broker
 * sends its JSON error challenge, we answer 0x01, and the application
 * sees SASL_AUTHENTICATION_FAILED with that JSON. */
static void test_oauthbearer_refused(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_SASL_PLAINTEXT");
    char err[512];
    kafkac_conf_t *conf = sasl_conf(b, "OAUTHBEARER", NULL, NULL);
    kafkac_conf_set(conf, "sasl.oauthbearer.config", "principal=bob principalClaimName=notsub", err, sizeof err);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    assert_non_null(adm);
    kafkac_topic_desc_t *d = NULL;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t rc = kafkac_admin_list_topics(adm, 0, 30000, &d, err, sizeof err);
    if (rc != KAFKAC_ERR_SASL_AUTHENTICATION_FAILED || !strstr(err, "invalid_token"))
        fail_msg("expected SASL_AUTHENTICATION_FAILED with the broker's invalid_token, got %s: %s",
                 kafkac_err_name(rc), err);
    assert_true(kc_test_now_ms() - t0 < 5000);
    kafkac_topic_desc_destroy(d);
    kafkac_admin_destroy(adm);
    kafkac_conf_destroy(conf);
}

/* A re-authentication the broker refuses (the application's second token
 * is invalid) fails the records waiting for that connection with
 * SASL_AUTHENTICATION_FAILED in their delivery reports, promptly and
 * without retrying until delivery.timeout.ms. */
static int flip_calls;
static void flip_cb(kafkac_oauthbearer_t *h, const char *config, void *opaque)
{
    (void)config;
    (void)opaque;
    int n = __atomic_add_fetch(&flip_calls, 1, __ATOMIC_SEQ_CST);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    kc_oauth_token_t t;
    char err[200];
    /* the first token is good for 10 s; the next ones lack the sub claim */
    const char *cfg = n == 1 ? "principal=dave lifeSeconds=10" : "principal=dave principalClaimName=nosub";
    if (kc_oauthbearer_unsecured(cfg, (int64_t)tv.tv_sec * 1000, &t, err, sizeof err) ||
        kafkac_oauthbearer_set_token(h, t.value, t.expiry_ms, "dave", NULL, 0, err, sizeof err))
        kafkac_oauthbearer_set_token_failure(h, err);
    kc_oauth_token_clear(&t);
}

static void test_reauth_refused_fails_deliveries(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_REAUTH");
    char err[512], topic[128];
    kc_test_topic(topic, sizeof topic, "sasl-reauth-refused");
    kafkac_conf_t *conf = sasl_conf(b, "OAUTHBEARER", NULL, NULL);
    kafkac_conf_set_oauthbearer_token_refresh_cb(conf, flip_cb, NULL);
    kafkac_conf_set(conf, "linger.ms", "0", err, sizeof err);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    assert_non_null(p);
    enum { MAXF = 200 };
    kafkac_future_t *f[MAXF];
    int nf = 0, ok = 0, authfail = 0;
    int64_t start = kc_test_now_ms(), first_fail_sent = 0, first_fail_seen = 0;
    while (nf < MAXF && kc_test_now_ms() - start < 20000 && !authfail) {
        kafkac_err_t rc = kafkac_producer_send(p, topic, NULL, -1, "x", 1, &f[nf]);
        if (rc == KAFKAC_ERR_SASL_AUTHENTICATION_FAILED)
            break;   /* metadata refresh failed first: also the error, at send */
        if (rc) {
            kafkac_producer_send_error(p, err, sizeof err);
            fail_msg("send: %s: %s", kafkac_err_name(rc), err);
        }
        int64_t sent_at = kc_test_now_ms();
        const kafkac_delivery_t *dr = NULL;
        rc = kafkac_future_wait(f[nf], 15000, &dr);
        if (rc == KAFKAC_ERR_TIMED_OUT || !dr)
            fail_msg("record %d: no outcome within 15 s (%s)", nf, kafkac_err_name(rc));
        kafkac_err_t de = kafkac_delivery_err(dr);
        assert_int_equal(de, rc);
        if (de == 0) {
            ok++;
        } else if (de == KAFKAC_ERR_SASL_AUTHENTICATION_FAILED) {
            authfail++;
            first_fail_sent = sent_at;
            first_fail_seen = kc_test_now_ms();
        } else {
            fail_msg("record %d: delivery error %s", nf, kafkac_err_name(de));
        }
        kafkac_future_destroy(f[nf]);
        nf++;
        usleep(100000);
    }
    kafkac_producer_destroy(p);
    kafkac_conf_destroy(conf);
    fprintf(stderr, "reauth refused: %d delivered, then SASL_AUTHENTICATION_FAILED after %lld ms (token asked %d "
            "times)\n", ok, (long long)(first_fail_seen - start), __atomic_load_n(&flip_calls, __ATOMIC_SEQ_CST));
    if (ok == 0)
        fail_msg("no record was delivered with the first (good) token");
    if (!authfail)
        fail_msg("no delivery report said SASL_AUTHENTICATION_FAILED within 20 s");
    if (first_fail_seen - first_fail_sent > 5000)
        fail_msg("the failed record took %lld ms to report", (long long)(first_fail_seen - first_fail_sent));
}

static void test_mechanism_not_enabled(void **state)
{
    (void)state;
    const char *b = env_or_fail("KAFKAC_TEST_SEC_SCRAM512_ONLY");
    char err[512];
    kafkac_conf_t *conf = sasl_conf(b, "SCRAM-SHA-256", "alice-secret", NULL);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    assert_non_null(adm);
    kafkac_topic_desc_t *d = NULL;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t rc = kafkac_admin_list_topics(adm, 0, 30000, &d, err, sizeof err);
    if (rc != KAFKAC_ERR_UNSUPPORTED_SASL_MECHANISM || !strstr(err, "SCRAM-SHA-512") || !strstr(err, "SCRAM-SHA-256"))
        fail_msg("expected UNSUPPORTED_SASL_MECHANISM naming SCRAM-SHA-512 (offered) and SCRAM-SHA-256 (asked), got "
                 "%s: %s", kafkac_err_name(rc), err);
    assert_true(kc_test_now_ms() - t0 < 5000);
    kafkac_topic_desc_destroy(d);
    kafkac_admin_destroy(adm);
    kafkac_conf_destroy(conf);
    /* and the mechanism it does enable works there */
    conf = sasl_conf(b, "SCRAM-SHA-512", "alice-secret", NULL);
    adm = kafkac_admin_new(conf, err, sizeof err);
    rc = kafkac_admin_list_topics(adm, 0, 30000, &d, err, sizeof err);
    if (rc)
        fail_msg("SCRAM-SHA-512 on its own listener: %s: %s", kafkac_err_name(rc), err);
    kafkac_topic_desc_destroy(d);
    kafkac_admin_destroy(adm);
    kafkac_conf_destroy(conf);
}

/* connections.max.reauth.ms=10000: over ~26 s every connection
 * re-authenticates at least twice; the consumer must read every record the
 * producer writes meanwhile, with no error. */
static void reauth_run(const char *mech)
{
    const char *b = env_or_fail("KAFKAC_TEST_SEC_REAUTH");
    char err[512], topic[128], group[128];
    kc_test_topic(topic, sizeof topic, "sasl-reauth");
    kc_test_topic(group, sizeof group, "sasl-reauth-group");
    logsink_t pls = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 }, cls = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
    kafkac_conf_t *pc = sasl_conf(b, mech, "alice-secret", &pls);
    kafkac_conf_t *cc = sasl_conf(b, mech, "alice-secret", &cls);
    kafkac_conf_set(cc, "group.id", group, err, sizeof err);
    kafkac_conf_set(cc, "auto.offset.reset", "earliest", err, sizeof err);
    kafkac_producer_t *p = kafkac_producer_new(pc, err, sizeof err);
    assert_non_null(p);
    kafkac_consumer_t *c = kafkac_consumer_new(cc, err, sizeof err);
    assert_non_null(c);
    const char *one[] = { topic };
    assert_int_equal(kafkac_consumer_subscribe(c, one, 1, err, sizeof err), 0);
    int sent = 0, got = 0, connects_before = -1;
    int64_t start = kc_test_now_ms(), next_send = start;
    while (kc_test_now_ms() - start < 26000) {
        if (connects_before < 0 && kc_test_now_ms() - start >= 6000) {
            /* joined and fetching; the first re-authentication is later */
            pthread_mutex_lock(&cls.m);
            connects_before = cls.reauths == 0 ? cls.connects : -2;
            pthread_mutex_unlock(&cls.m);
        }
        if (kc_test_now_ms() >= next_send) {
            char v[32];
            snprintf(v, sizeof v, "r%d", sent);
            kafkac_err_t rc = kafkac_producer_send(p, topic, NULL, -1, v, (int32_t)strlen(v), NULL);
            if (rc) {
                kafkac_producer_send_error(p, err, sizeof err);
                fail_msg("%s: send %d: %s: %s", mech, sent, kafkac_err_name(rc), err);
            }
            sent++;
            next_send += 250;
        }
        kafkac_records_t *recs = NULL;
        kafkac_err_t rc = kafkac_consumer_poll(c, 100, 100, &recs, err, sizeof err);
        if (rc && rc != KAFKAC_ERR_TIMED_OUT)
            fail_msg("%s: poll after %lld ms: %s: %s", mech, (long long)(kc_test_now_ms() - start),
                     kafkac_err_name(rc), err);
        if (recs) {
            got += kafkac_records_count(recs);
            kafkac_records_destroy(recs);
        }
    }
    assert_int_equal(kafkac_producer_flush(p, 30000), KAFKAC_OK);
    int64_t until = kc_test_now_ms() + 20000;
    while (got < sent && kc_test_now_ms() < until) {
        kafkac_records_t *recs = NULL;
        kafkac_err_t rc = kafkac_consumer_poll(c, 500, 100, &recs, err, sizeof err);
        if (rc && rc != KAFKAC_ERR_TIMED_OUT)
            fail_msg("%s: poll: %s: %s", mech, kafkac_err_name(rc), err);
        if (recs) {
            got += kafkac_records_count(recs);
            kafkac_records_destroy(recs);
        }
    }
    if (got != sent)
        fail_msg("%s: consumed %d of %d records across re-authentications", mech, got, sent);
    pthread_mutex_lock(&cls.m);
    int creauth = cls.reauths, connects_after = cls.connects;
    pthread_mutex_unlock(&cls.m);
    if (connects_before == -2)
        fail_msg("%s: the consumer re-authenticated within 6 s of starting: the test cannot tell reconnects apart",
                 mech);
    if (connects_before <= 0)
        fail_msg("%s: no \"connecting to node\" debug line seen: cannot count reconnects", mech);
    if (connects_after != connects_before)
        fail_msg("%s: the consumer opened %d new connection(s) across the re-authentications: it must stay "
                 "connected", mech, connects_after - connects_before);
    pthread_mutex_lock(&pls.m);
    int preauth = pls.reauths;
    pthread_mutex_unlock(&pls.m);
    fprintf(stderr, "%s: %d records; re-authentications: consumer %d, producer %d; consumer connections %d\n", mech,
            got, creauth, preauth, connects_after);
    if (creauth < 2)
        fail_msg("%s: the consumer re-authenticated %d times in 26 s (expected >= 2 with connections.max.reauth.ms="
                 "10000)", mech, creauth);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    kafkac_producer_destroy(p);
    kafkac_conf_destroy(pc);
    kafkac_conf_destroy(cc);
}

static void test_reauth_scram(void **state)
{
    (void)state;
    reauth_run("SCRAM-SHA-512");
}

static void test_reauth_oauthbearer(void **state)
{
    (void)state;
    reauth_run("OAUTHBEARER");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_mechanism),
        cmocka_unit_test(test_oauthbearer_callback),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_oauthbearer_refused),
        cmocka_unit_test(test_mechanism_not_enabled),
        cmocka_unit_test(test_reauth_scram),
        cmocka_unit_test(test_reauth_oauthbearer),
        cmocka_unit_test(test_reauth_refused_fails_deliveries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

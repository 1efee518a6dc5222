/* The one timeout rule of kafkac.h, client by client, against a fake
 * broker (fakebroker.h) that can be made to hold every answer:
 *
 *   KAFKAC_TIMEOUT_DEFAULT   the client's configured default, set small
 *                            here (request.timeout.ms, default.api.timeout.ms,
 *                            delivery.timeout.ms, max.block.ms), and the
 *                            call must take about that long;
 *   KAFKAC_TIMEOUT_INFINITE  outlasts the default: the broker answers only
 *                            after the default has passed, and the call
 *                            succeeds;
 *   0                        returns at once (TIMED_OUT, or an empty poll);
 *                            calls that only wait for an answer send
 *                            nothing;
 *   > 0                      honoured (shorter than the default here);
 *   < -1                     KAFKAC_ERR_INVALID_ARG, and nothing is sent or
 *                            changed -- checked for every public call that
 *                            takes a timeout, with arguments that are
 *                            otherwise valid (the same calls given 0 get
 *                            past the argument checks to TIMED_OUT).
 *
 * Also: out of memory on the library's thread while a transaction ends
 * (EndTxn without a response object) is retried, never fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fakebroker.h"
#include "common/clock.h"
#include "common/mem.h"
#include "kafkac/kafkac.h"
#include "producer/producer_int.h"
#include "producer/txn_int.h"

/* How late a call may return on a loaded machine, and how early a timer
 * may fire (the monotonic clock in ms, rounding). */
#define LATE_MS 700
#define EARLY_MS 20

enum { API_LIST_OFFSETS = 2, API_METADATA = 3, API_OFFSET_COMMIT = 8, API_OFFSET_FETCH = 9,
       API_FIND_COORDINATOR = 10, API_API_VERSIONS = 18, API_INIT_PRODUCER_ID = 22, API_END_TXN = 26 };

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void addr_of(fakebroker_t *b, char *addr, size_t n)
{
    snprintf(addr, n, "127.0.0.1:%d", b->port);
}

static fakebroker_t *broker(const char *topic)
{
    fakebroker_t *b = fb_start();
    if (!b)
        fail_msg("the fake broker could not listen on 127.0.0.1");
    fb_lock(b);
    b->topic = topic;
    fb_unlock(b);
    return b;
}

/* A conf with bootstrap.servers at b and the NULL-terminated key/value
 * pairs that follow. */
static kafkac_conf_t *conf_for(fakebroker_t *b, ...)
{
    char addr[64], err[256];
    addr_of(b, addr, sizeof addr);
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    if (kafkac_conf_set(c, "bootstrap.servers", addr, err, sizeof err) != KAFKAC_OK)
        fail_msg("bootstrap.servers: %s", err);
    va_list ap;
    va_start(ap, b);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
        const char *v = va_arg(ap, const char *);
        if (kafkac_conf_set(c, k, v, err, sizeof err) != KAFKAC_OK)
            fail_msg("%s=%s: %s", k, v, err);
    }
    va_end(ap);
    return c;
}

/* The call took about `want` ms (not before it, not much after). */
static void took_about(const char *what, int64_t elapsed, int want)
{
    if (elapsed < want - EARLY_MS || elapsed > want + LATE_MS)
        fail_msg("%s took %lld ms; expected about %d ms", what, (long long)elapsed, want);
}

/* The call returned at once. */
static void at_once(const char *what, int64_t elapsed)
{
    if (elapsed > 100)
        fail_msg("%s with timeout 0 took %lld ms; expected it to return at once", what, (long long)elapsed);
}

static void expect(const char *what, kafkac_err_t got, kafkac_err_t want, const char *err)
{
    if (got != want)
        fail_msg("%s returned %s (%s); expected %s", what, kafkac_err_name(got), err ? err : "",
                 kafkac_err_name(want));
}

/* Requests the broker has read so far (of one API key, or all with -1). */
static int received(fakebroker_t *b, int key)
{
    fb_lock(b);
    int n = key < 0 ? b->received : b->received_key[key];
    fb_unlock(b);
    return n;
}

/* Nothing of `key` (-1: anything) reached the broker since `before`:
 * waits a little first, so that a request on its way is counted. */
static void sent_nothing(fakebroker_t *b, const char *what, int key, int before)
{
    sleep_ms(60);
    int now = received(b, key);
    if (now != before)
        fail_msg("%s sent %d request(s)%s%s; expected none", what, now - before, key < 0 ? "" : " of API ",
                 key < 0 ? "" : kafkac_api_name((int16_t)key));
}

/* Releases the fake broker's answers after ms, from another thread: an
 * answer that comes after the default timeout has passed. */
typedef struct unhold_arg {
    fakebroker_t *b;
    int ms;
} unhold_arg_t;

static void *unhold_later(void *arg)
{
    unhold_arg_t *u = arg;
    sleep_ms(u->ms);
    fb_set_hold(u->b, 0);
    return NULL;
}

/* ---- the rule itself ------------------------------------------------ */

static void test_rule(void **state)
{
    (void)state;
    int64_t d = 12345;
    assert_int_equal(kc_timeout_deadline(-2, 500, &d), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kc_timeout_deadline(INT32_MIN, 500, &d), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(d, 12345);   /* untouched */
    int64_t t0 = kc_now_ms();
    assert_int_equal(kc_timeout_deadline(KAFKAC_TIMEOUT_DEFAULT, 500, &d), KAFKAC_OK);
    assert_in_range(d, t0 + 500, kc_now_ms() + 500);
    assert_int_equal(kc_timeout_deadline(0, 500, &d), KAFKAC_OK);
    assert_in_range(d, t0, kc_now_ms());
    assert_int_equal(kc_timeout_deadline(250, 500, &d), KAFKAC_OK);
    assert_in_range(d, t0 + 250, kc_now_ms() + 250);
    assert_int_equal(kc_timeout_deadline(KAFKAC_TIMEOUT_INFINITE, 500, &d), KAFKAC_OK);
    assert_true(d == KC_NO_DEADLINE);
    /* A configured default of INT_MAX is "no limit" too. */
    assert_int_equal(kc_timeout_deadline(KAFKAC_TIMEOUT_DEFAULT, INT32_MAX, &d), KAFKAC_OK);
    assert_true(d == KC_NO_DEADLINE);
    assert_int_equal(kc_timeout_deadline(KAFKAC_TIMEOUT_DEFAULT, 0, &d), KAFKAC_OK);
    assert_in_range(d, t0, kc_now_ms());
    assert_int_equal(kc_ms_left(KC_NO_DEADLINE), INT32_MAX);
    assert_int_equal(kc_ms_left(kc_now_ms() - 10), 0);
    assert_in_range(kc_ms_left(kc_now_ms() + 1000), 990, 1000);
}

/* ---- protocol client: default request.timeout.ms -------------------- */

#define CLIENT_DEFAULT_MS 600

typedef enum { C_PROBE, C_METADATA, C_REQUEST } client_call_t;
static const char *const client_names[] = { "kafkac_client_probe", "kafkac_client_metadata", "kafkac_client_request" };

static kafkac_err_t client_call(kafkac_client_t *cl, client_call_t which, int timeout_ms, char *err, size_t n)
{
    kafkac_err_t rc = KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;
    switch (which) {
    case C_PROBE: {
        kafkac_broker_versions_t *v = NULL;
        rc = kafkac_client_probe(cl, -1, timeout_ms, &v, err, n);
        kafkac_broker_versions_destroy(v);
        break;
    }
    case C_METADATA: {
        kafkac_metadata_t *md = NULL;
        rc = kafkac_client_metadata(cl, NULL, -1, timeout_ms, &md, err, n);
        kafkac_metadata_destroy(md);
        break;
    }
    case C_REQUEST: {
        void *body = NULL;
        size_t len = 0;
        rc = kafkac_client_request(cl, -1, API_API_VERSIONS, 0, "", 0, &body, &len, timeout_ms, err, n);
        kafkac_free(body);
        break;
    }
    }
    return rc;
}

static void test_protocol_client(void **state)
{
    (void)state;
    char err[512], what[128];
    fakebroker_t *b = broker(NULL);
    char ms[16];
    snprintf(ms, sizeof ms, "%d", CLIENT_DEFAULT_MS);
    kafkac_conf_t *conf = conf_for(b, "request.timeout.ms", ms, NULL);
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!cl)
        fail_msg("client_new: %s", err);
    /* Connected, and every call works when the broker answers. */
    for (int w = C_PROBE; w <= C_REQUEST; w++)
        expect(client_names[w], client_call(cl, (client_call_t)w, 5000, err, sizeof err), KAFKAC_OK, err);

    for (int w = C_PROBE; w <= C_REQUEST; w++) {
        int before = received(b, -1);
        snprintf(what, sizeof what, "%s(timeout -2)", client_names[w]);
        expect(what, client_call(cl, (client_call_t)w, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
        sent_nothing(b, what, -1, before);
        snprintf(what, sizeof what, "%s(timeout 0)", client_names[w]);
        int64_t t0 = kc_now_ms();
        expect(what, client_call(cl, (client_call_t)w, 0, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
        at_once(what, kc_now_ms() - t0);
        sent_nothing(b, what, -1, before);
    }

    /* The broker stops answering. */
    fb_set_hold(b, 1);
    for (int w = C_PROBE; w <= C_REQUEST; w++) {
        snprintf(what, sizeof what, "%s(KAFKAC_TIMEOUT_DEFAULT, request.timeout.ms %d)", client_names[w],
                 CLIENT_DEFAULT_MS);
        int64_t t0 = kc_now_ms();
        expect(what, client_call(cl, (client_call_t)w, KAFKAC_TIMEOUT_DEFAULT, err, sizeof err),
               KAFKAC_ERR_TIMED_OUT, err);
        took_about(what, kc_now_ms() - t0, CLIENT_DEFAULT_MS);
        snprintf(what, sizeof what, "%s(timeout 150)", client_names[w]);
        t0 = kc_now_ms();
        expect(what, client_call(cl, (client_call_t)w, 150, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
        took_about(what, kc_now_ms() - t0, 150);
    }
    /* No limit: the answer comes after twice the default. */
    for (int w = C_PROBE; w <= C_REQUEST; w++) {
        fb_set_hold(b, 1);
        unhold_arg_t u = { b, 2 * CLIENT_DEFAULT_MS };
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, unhold_later, &u), 0);
        int64_t t0 = kc_now_ms();
        kafkac_err_t rc = client_call(cl, (client_call_t)w, KAFKAC_TIMEOUT_INFINITE, err, sizeof err);
        int64_t el = kc_now_ms() - t0;
        pthread_join(th, NULL);
        snprintf(what, sizeof what, "%s(KAFKAC_TIMEOUT_INFINITE)", client_names[w]);
        expect(what, rc, KAFKAC_OK, err);
        if (el < 2 * CLIENT_DEFAULT_MS - EARLY_MS)
            fail_msg("%s succeeded after %lld ms, before the broker answered (%d ms)", what, (long long)el,
                     2 * CLIENT_DEFAULT_MS);
    }
    kafkac_client_destroy(cl);
    fb_stop(b);
}

/* ---- admin: default default.api.timeout.ms, every operation ---------- */

#define ADMIN_DEFAULT_MS 600
#define ADMIN_CALLS 24

static const char *const admin_names[ADMIN_CALLS] = {
    "create_topics", "delete_topics", "create_partitions", "describe_topics", "list_topics",
    "describe_cluster", "describe_configs", "alter_configs", "incremental_alter_configs",
    "list_consumer_groups", "describe_consumer_groups", "delete_consumer_groups",
    "list_consumer_group_offsets", "alter_consumer_group_offsets", "delete_consumer_group_offsets",
    "delete_records", "list_offsets", "elect_leaders", "describe_log_dirs", "create_acls",
    "describe_acls", "delete_acls", "describe_user_scram_credentials", "alter_user_scram_credentials",
};

/* Admin operation `which`, with arguments that are valid, so that only
 * timeout_ms decides what happens before a request would go out. */
static kafkac_err_t admin_call(kafkac_admin_t *adm, int which, int timeout_ms, char *err, size_t n)
{
    const char *topics[] = { "t" };
    const char *groups[] = { "g" };
    const int32_t counts[] = { 2 };
    const int32_t brokers[] = { 1 };
    kafkac_new_topic_t *nt = kafkac_new_topic_new("t", 1, 1);
    kafkac_config_resource_t *res = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, "t");
    kafkac_config_resource_t *alter = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, "t");
    kafkac_acl_t *acl = kafkac_acl_new(KAFKAC_RESOURCE_TOPIC, "t", KAFKAC_ACL_PATTERN_LITERAL, "User:alice", "*",
                                       KAFKAC_ACL_OP_READ, KAFKAC_ACL_PERMISSION_ALLOW);
    kafkac_scram_alteration_t *scram = kafkac_scram_upsertion_new("alice", KAFKAC_SCRAM_SHA_256, 4096, "secret");
    assert_true(nt && res && alter && acl && scram);
    assert_int_equal(kafkac_config_resource_add(alter, KAFKAC_CONFIG_SET, "retention.ms", "1000"), KAFKAC_OK);
    kafkac_topic_partition_list_t *tpl = kafkac_tpl_new(1);
    assert_non_null(tpl);
    kafkac_topic_partition_t *e = kafkac_tpl_add(tpl, "t", 0);
    assert_non_null(e);
    kafkac_tp_set_offset(e, 5);
    kafkac_admin_result_t *r = NULL;
    kafkac_topic_desc_t *td = NULL;
    kafkac_cluster_desc_t *cd = NULL;
    kafkac_config_desc_t *cfd = NULL;
    kafkac_group_list_t *gl = NULL;
    kafkac_group_desc_t *gd = NULL;
    kafkac_group_offsets_t *go = NULL;
    kafkac_log_dirs_t *ld = NULL;
    kafkac_acl_list_t *al = NULL;
    kafkac_scram_users_t *su = NULL;
    kafkac_err_t rc = KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;
    switch (which) {
    case 0: rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const[]){ nt }, 1, 0, timeout_ms, &r, err, n); break;
    case 1: rc = kafkac_admin_delete_topics(adm, topics, 1, timeout_ms, &r, err, n); break;
    case 2: rc = kafkac_admin_create_partitions(adm, topics, counts, 1, 0, timeout_ms, &r, err, n); break;
    case 3: rc = kafkac_admin_describe_topics(adm, topics, 1, timeout_ms, &td, err, n); break;
    case 4: rc = kafkac_admin_list_topics(adm, 0, timeout_ms, &td, err, n); break;
    case 5: rc = kafkac_admin_describe_cluster(adm, timeout_ms, &cd, err, n); break;
    case 6: rc = kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const[]){ res }, 1, timeout_ms, &cfd, err, n); break;
    case 7: rc = kafkac_admin_alter_configs(adm, (const kafkac_config_resource_t *const[]){ alter }, 1, 0, timeout_ms, &r, err, n); break;
    case 8: rc = kafkac_admin_incremental_alter_configs(adm, (const kafkac_config_resource_t *const[]){ alter }, 1, 0, timeout_ms, &r, err, n); break;
    case 9: rc = kafkac_admin_list_consumer_groups(adm, timeout_ms, &gl, err, n); break;
    case 10: rc = kafkac_admin_describe_consumer_groups(adm, groups, 1, timeout_ms, &gd, err, n); break;
    case 11: rc = kafkac_admin_delete_consumer_groups(adm, groups, 1, timeout_ms, &r, err, n); break;
    case 12: rc = kafkac_admin_list_consumer_group_offsets(adm, "g", tpl, timeout_ms, &go, err, n); break;
    case 13: rc = kafkac_admin_alter_consumer_group_offsets(adm, "g", tpl, timeout_ms, &r, err, n); break;
    case 14: rc = kafkac_admin_delete_consumer_group_offsets(adm, "g", tpl, timeout_ms, &r, err, n); break;
    case 15: rc = kafkac_admin_delete_records(adm, tpl, timeout_ms, &r, err, n); break;
    case 16: rc = kafkac_admin_list_offsets(adm, tpl, timeout_ms, &r, err, n); break;
    case 17: rc = kafkac_admin_elect_leaders(adm, KAFKAC_ELECTION_PREFERRED, tpl, timeout_ms, &r, err, n); break;
    case 18: rc = kafkac_admin_describe_log_dirs(adm, brokers, 1, timeout_ms, &ld, err, n); break;
    case 19: rc = kafkac_admin_create_acls(adm, (const kafkac_acl_t *const[]){ acl }, 1, timeout_ms, &r, err, n); break;
    case 20: rc = kafkac_admin_describe_acls(adm, acl, timeout_ms, &al, err, n); break;
    case 21: rc = kafkac_admin_delete_acls(adm, (const kafkac_acl_t *const[]){ acl }, 1, timeout_ms, &al, err, n); break;
    case 22: rc = kafkac_admin_describe_user_scram_credentials(adm, groups, 1, timeout_ms, &su, err, n); break;
    case 23: rc = kafkac_admin_alter_user_scram_credentials(adm, (const kafkac_scram_alteration_t *const[]){ scram }, 1, timeout_ms, &r, err, n); break;
    }
    kafkac_tpl_destroy(tpl);
    kafkac_new_topic_destroy(nt);
    kafkac_config_resource_destroy(res);
    kafkac_config_resource_destroy(alter);
    kafkac_acl_destroy(acl);
    kafkac_scram_alteration_destroy(scram);
    kafkac_admin_result_destroy(r);
    kafkac_topic_desc_destroy(td);
    kafkac_cluster_desc_destroy(cd);
    kafkac_config_desc_destroy(cfd);
    kafkac_group_list_destroy(gl);
    kafkac_group_desc_destroy(gd);
    kafkac_group_offsets_destroy(go);
    kafkac_log_dirs_destroy(ld);
    kafkac_acl_list_destroy(al);
    kafkac_scram_users_destroy(su);
    return rc;
}

static void test_admin(void **state)
{
    (void)state;
    char err[512], what[160];
    fakebroker_t *b = broker(NULL);
    char ms[16];
    snprintf(ms, sizeof ms, "%d", ADMIN_DEFAULT_MS);
    kafkac_conf_t *conf = conf_for(b, "default.api.timeout.ms", ms, "retry.backoff.ms", "20", NULL);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("admin_new: %s", err);
    expect("list_topics(5000)", admin_call(adm, 4, 5000, err, sizeof err), KAFKAC_OK, err);   /* connected */

    for (int w = 0; w < ADMIN_CALLS; w++) {
        int before = received(b, -1);
        snprintf(what, sizeof what, "kafkac_admin_%s(timeout -2)", admin_names[w]);
        expect(what, admin_call(adm, w, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
        sent_nothing(b, what, -1, before);
        snprintf(what, sizeof what, "kafkac_admin_%s(timeout 0)", admin_names[w]);
        int64_t t0 = kc_now_ms();
        expect(what, admin_call(adm, w, 0, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
        at_once(what, kc_now_ms() - t0);
        sent_nothing(b, what, -1, before);
    }

    fb_set_hold(b, 1);
    snprintf(what, sizeof what, "kafkac_admin_list_topics(KAFKAC_TIMEOUT_DEFAULT, default.api.timeout.ms %d)",
             ADMIN_DEFAULT_MS);
    int64_t t0 = kc_now_ms();
    expect(what, admin_call(adm, 4, KAFKAC_TIMEOUT_DEFAULT, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    took_about(what, kc_now_ms() - t0, ADMIN_DEFAULT_MS);
    t0 = kc_now_ms();
    expect("kafkac_admin_list_topics(150)", admin_call(adm, 4, 150, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    took_about("kafkac_admin_list_topics(150)", kc_now_ms() - t0, 150);

    unhold_arg_t u = { b, 2 * ADMIN_DEFAULT_MS };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, unhold_later, &u), 0);
    t0 = kc_now_ms();
    kafkac_err_t rc = admin_call(adm, 4, KAFKAC_TIMEOUT_INFINITE, err, sizeof err);
    int64_t el = kc_now_ms() - t0;
    pthread_join(th, NULL);
    expect("kafkac_admin_list_topics(KAFKAC_TIMEOUT_INFINITE)", rc, KAFKAC_OK, err);
    if (el < 2 * ADMIN_DEFAULT_MS - EARLY_MS)
        fail_msg("list_topics(KAFKAC_TIMEOUT_INFINITE) succeeded after %lld ms, before the broker answered",
                 (long long)el);
    kafkac_admin_destroy(adm);
    fb_stop(b);
}

/* ---- consumer: default default.api.timeout.ms ------------------------ */

#define CONSUMER_DEFAULT_MS 600

static kafkac_topic_partition_list_t *t0_list(int64_t offset)
{
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    assert_non_null(l);
    kafkac_topic_partition_t *e = kafkac_tpl_add(l, "t", 0);
    assert_non_null(e);
    kafkac_tp_set_offset(e, offset);
    return l;
}

static void test_consumer(void **state)
{
    (void)state;
    char err[512], what[160];
    fakebroker_t *b = broker("t");
    char ms[16];
    snprintf(ms, sizeof ms, "%d", CONSUMER_DEFAULT_MS);
    kafkac_conf_t *conf = conf_for(b, "default.api.timeout.ms", ms, "group.id", "g", "enable.auto.commit", "false",
                                   "retry.backoff.ms", "20", NULL);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c)
        fail_msg("consumer_new: %s", err);
    kafkac_topic_partition_list_t *l = t0_list(0);
    expect("end_offsets(5000)", kafkac_consumer_end_offsets(c, l, 5000, err, sizeof err), KAFKAC_OK, err);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), FB_LIST_OFFSET);
    kafkac_tpl_destroy(l);

    /* Below -1: refused, nothing sent, nothing changed. */
    int lo = received(b, API_LIST_OFFSETS), oc = received(b, API_OFFSET_COMMIT), of = received(b, API_OFFSET_FETCH);
    kafkac_records_t *recs = NULL;
    kafkac_record_t *rec = NULL;
    int64_t pos = -7;
    expect("consumer_close(-2)", kafkac_consumer_close(c, -2), KAFKAC_ERR_INVALID_ARG, NULL);
    expect("consumer_poll(-2)", kafkac_consumer_poll(c, -2, 0, &recs, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    expect("consumer_next(-2)", kafkac_consumer_next(c, -2, &rec, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    expect("consumer_position(-2)", kafkac_consumer_position(c, "t", 0, &pos, -2, err, sizeof err),
           KAFKAC_ERR_INVALID_ARG, err);
    assert_int_equal(pos, -7);
    l = t0_list(0);
    expect("beginning_offsets(-2)", kafkac_consumer_beginning_offsets(c, l, -2, err, sizeof err),
           KAFKAC_ERR_INVALID_ARG, err);
    expect("end_offsets(-2)", kafkac_consumer_end_offsets(c, l, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    expect("offsets_for_times(-2)", kafkac_consumer_offsets_for_times(c, l, -2, err, sizeof err),
           KAFKAC_ERR_INVALID_ARG, err);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), 0);
    kafkac_tpl_destroy(l);
    l = t0_list(5);
    expect("commit_sync(-2)", kafkac_consumer_commit_sync(c, l, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    expect("committed(-2)", kafkac_consumer_committed(c, l, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    kafkac_tpl_destroy(l);
    sent_nothing(b, "the consumer's calls with timeout -2", API_LIST_OFFSETS, lo);
    sent_nothing(b, "commit_sync(-2)", API_OFFSET_COMMIT, oc);
    sent_nothing(b, "committed(-2)", API_OFFSET_FETCH, of);

    /* 0: at once; the lookups send nothing. */
    int64_t t0 = kc_now_ms();
    expect("consumer_poll(0)", kafkac_consumer_poll(c, 0, 0, &recs, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    at_once("consumer_poll", kc_now_ms() - t0);
    assert_null(recs);
    t0 = kc_now_ms();
    expect("consumer_next(0)", kafkac_consumer_next(c, 0, &rec, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    at_once("consumer_next", kc_now_ms() - t0);
    l = t0_list(0);
    t0 = kc_now_ms();
    expect("end_offsets(0)", kafkac_consumer_end_offsets(c, l, 0, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    at_once("end_offsets", kc_now_ms() - t0);
    kafkac_tpl_destroy(l);
    sent_nothing(b, "end_offsets(0)", API_LIST_OFFSETS, lo);

    /* The default: poll waits default.api.timeout.ms, as the lookups do. */
    snprintf(what, sizeof what, "consumer_poll(KAFKAC_TIMEOUT_DEFAULT, default.api.timeout.ms %d)",
             CONSUMER_DEFAULT_MS);
    t0 = kc_now_ms();
    expect(what, kafkac_consumer_poll(c, KAFKAC_TIMEOUT_DEFAULT, 0, &recs, err, sizeof err), KAFKAC_ERR_TIMED_OUT,
           err);
    took_about(what, kc_now_ms() - t0, CONSUMER_DEFAULT_MS);
    t0 = kc_now_ms();
    expect("consumer_next(150)", kafkac_consumer_next(c, 150, &rec, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    took_about("consumer_next(150)", kc_now_ms() - t0, 150);

    fb_set_hold(b, 1);
    l = t0_list(0);
    snprintf(what, sizeof what, "end_offsets(KAFKAC_TIMEOUT_DEFAULT, default.api.timeout.ms %d)",
             CONSUMER_DEFAULT_MS);
    t0 = kc_now_ms();
    expect(what, kafkac_consumer_end_offsets(c, l, KAFKAC_TIMEOUT_DEFAULT, err, sizeof err), KAFKAC_ERR_TIMED_OUT,
           err);
    took_about(what, kc_now_ms() - t0, CONSUMER_DEFAULT_MS);
    t0 = kc_now_ms();
    expect("end_offsets(150)", kafkac_consumer_end_offsets(c, l, 150, err, sizeof err), KAFKAC_ERR_TIMED_OUT, err);
    took_about("end_offsets(150)", kc_now_ms() - t0, 150);

    unhold_arg_t u = { b, 2 * CONSUMER_DEFAULT_MS };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, unhold_later, &u), 0);
    kafkac_tp_set_offset(kafkac_tpl_at(l, 0), 0);
    t0 = kc_now_ms();
    kafkac_err_t rc = kafkac_consumer_end_offsets(c, l, KAFKAC_TIMEOUT_INFINITE, err, sizeof err);
    int64_t el = kc_now_ms() - t0;
    pthread_join(th, NULL);
    expect("end_offsets(KAFKAC_TIMEOUT_INFINITE)", rc, KAFKAC_OK, err);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_at(l, 0)), FB_LIST_OFFSET);
    if (el < 2 * CONSUMER_DEFAULT_MS - EARLY_MS)
        fail_msg("end_offsets(KAFKAC_TIMEOUT_INFINITE) succeeded after %lld ms, before the broker answered",
                 (long long)el);
    kafkac_tpl_destroy(l);

    /* close(-2) above left the consumer open. */
    expect("consumer_close(0)", kafkac_consumer_close(c, 0), KAFKAC_OK, NULL);
    kafkac_consumer_destroy(c);
    fb_stop(b);
}

/* ---- producer: delivery.timeout.ms, and max.block.ms for transactions */

#define DELIVERY_MS 700
#define MAX_BLOCK_MS 1000

static kafkac_producer_t *txn_producer(fakebroker_t *b, const char *txid)
{
    char err[256], dms[16], bms[16];
    snprintf(dms, sizeof dms, "%d", DELIVERY_MS);
    snprintf(bms, sizeof bms, "%d", MAX_BLOCK_MS);
    kafkac_conf_t *conf = conf_for(b, "transactional.id", txid, "request.timeout.ms", "300", "linger.ms", "0",
                                   "delivery.timeout.ms", dms, "max.block.ms", bms, "retry.backoff.ms", "20",
                                   "retry.backoff.max.ms", "100", "log.level", getenv("TLOG") ? getenv("TLOG") : "3", NULL);
    if (getenv("TLOG"))
        kafkac_conf_set_log_cb(conf, kafkac_log_stderr, NULL);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        fail_msg("producer_new: %s", err);
    return p;
}

static void test_producer(void **state)
{
    (void)state;
    char err[512], what[160];
    fakebroker_t *b = broker("t");
    kafkac_producer_t *p = txn_producer(b, "tx-timeouts");
    kafkac_group_metadata_t *gm = kafkac_group_metadata_new("g", 1, "m", NULL);
    kafkac_topic_partition_list_t *l = t0_list(5);

    /* Below -1: refused before the state checks, nothing sent. */
    assert_int_equal(kafkac_producer_poll(p, -2), KAFKAC_ERR_INVALID_ARG);
    expect("producer_flush(-2)", kafkac_producer_flush(p, -2), KAFKAC_ERR_INVALID_ARG, NULL);
    expect("producer_close(-2)", kafkac_producer_close(p, -2), KAFKAC_ERR_INVALID_ARG, NULL);
    expect("init_transactions(-2)", kafkac_producer_init_transactions(p, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG,
           err);
    expect("send_offsets_to_transaction(-2)",
           kafkac_producer_send_offsets_to_transaction(p, l, gm, -2, err, sizeof err), KAFKAC_ERR_INVALID_ARG, err);
    expect("commit_transaction(-2)", kafkac_producer_commit_transaction(p, -2, err, sizeof err),
           KAFKAC_ERR_INVALID_ARG, err);
    expect("abort_transaction(-2)", kafkac_producer_abort_transaction(p, -2, err, sizeof err),
           KAFKAC_ERR_INVALID_ARG, err);
    sent_nothing(b, "init_transactions(-2)", API_FIND_COORDINATOR, 0);
    kafkac_future_t *f = kc_future_new("t", NULL, DELIVERY_MS);
    assert_non_null(f);
    expect("future_wait(-2)", kafkac_future_wait(f, -2, NULL), KAFKAC_ERR_INVALID_ARG, NULL);

    /* 0: at once. */
    int64_t t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_poll(p, 0), 0);
    at_once("producer_poll", kc_now_ms() - t0);
    t0 = kc_now_ms();
    expect("future_wait(0)", kafkac_future_wait(f, 0, NULL), KAFKAC_ERR_TIMED_OUT, NULL);
    at_once("future_wait", kc_now_ms() - t0);

    /* The default of poll and future_wait: delivery.timeout.ms. */
    snprintf(what, sizeof what, "producer_poll(KAFKAC_TIMEOUT_DEFAULT, delivery.timeout.ms %d)", DELIVERY_MS);
    t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_poll(p, KAFKAC_TIMEOUT_DEFAULT), 0);
    took_about(what, kc_now_ms() - t0, DELIVERY_MS);
    t0 = kc_now_ms();
    expect("future_wait(KAFKAC_TIMEOUT_DEFAULT)", kafkac_future_wait(f, KAFKAC_TIMEOUT_DEFAULT, NULL),
           KAFKAC_ERR_TIMED_OUT, NULL);
    took_about("future_wait(KAFKAC_TIMEOUT_DEFAULT)", kc_now_ms() - t0, DELIVERY_MS);
    t0 = kc_now_ms();
    assert_int_equal(kafkac_producer_poll(p, 150), 0);
    took_about("producer_poll(150)", kc_now_ms() - t0, 150);
    kc_future_set(f, KAFKAC_OK, 0, 1, -1);
    kc_future_notify(f);          /* the producer's reference */
    kafkac_future_destroy(f);     /* the caller's */

    /* Transactions: the default is max.block.ms. */
    fb_set_hold(b, 1);
    snprintf(what, sizeof what, "init_transactions(KAFKAC_TIMEOUT_DEFAULT, max.block.ms %d)", MAX_BLOCK_MS);
    t0 = kc_now_ms();
    expect(what, kafkac_producer_init_transactions(p, KAFKAC_TIMEOUT_DEFAULT, err, sizeof err), KAFKAC_ERR_TIMED_OUT,
           err);
    took_about(what, kc_now_ms() - t0, MAX_BLOCK_MS);
    /* 0 only looks at the operation that goes on. */
    t0 = kc_now_ms();
    expect("init_transactions(0)", kafkac_producer_init_transactions(p, 0, err, sizeof err), KAFKAC_ERR_TIMED_OUT,
           err);
    at_once("init_transactions", kc_now_ms() - t0);
    t0 = kc_now_ms();
    expect("init_transactions(150)", kafkac_producer_init_transactions(p, 150, err, sizeof err),
           KAFKAC_ERR_TIMED_OUT, err);
    took_about("init_transactions(150)", kc_now_ms() - t0, 150);
    /* No limit: the coordinator answers after twice max.block.ms. */
    unhold_arg_t u = { b, 2 * MAX_BLOCK_MS };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, unhold_later, &u), 0);
    t0 = kc_now_ms();
    kafkac_err_t rc = kafkac_producer_init_transactions(p, KAFKAC_TIMEOUT_INFINITE, err, sizeof err);
    int64_t el = kc_now_ms() - t0;
    pthread_join(th, NULL);
    expect("init_transactions(KAFKAC_TIMEOUT_INFINITE)", rc, KAFKAC_OK, err);
    if (el < 2 * MAX_BLOCK_MS - EARLY_MS)
        fail_msg("init_transactions(KAFKAC_TIMEOUT_INFINITE) succeeded after %lld ms, before the coordinator "
                 "answered", (long long)el);

    /* close(-2) above left the producer open: a transaction commits. */
    expect("begin_transaction", kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_OK, err);
    expect("send_offsets_to_transaction(5000)",
           kafkac_producer_send_offsets_to_transaction(p, l, gm, 5000, err, sizeof err), KAFKAC_OK, err);
    expect("commit_transaction(5000)", kafkac_producer_commit_transaction(p, 5000, err, sizeof err), KAFKAC_OK, err);
    expect("producer_close(KAFKAC_TIMEOUT_DEFAULT)", kafkac_producer_close(p, KAFKAC_TIMEOUT_DEFAULT), KAFKAC_OK,
           NULL);
    kafkac_producer_destroy(p);
    kafkac_tpl_destroy(l);
    kafkac_group_metadata_destroy(gm);
    fb_stop(b);
}

/* ---- EndTxn without a response object -------------------------------- */

/* Every commit below ends with EndTxn while allocations on the library's
 * thread fail, two in a row, at a different place each round: somewhere
 * the response object itself is not allocated and the callback gets NULL
 * (net.h).  The outcome of that EndTxn is unknown, so it must be asked
 * again: the commit succeeds (perhaps after TIMED_OUT, calling again) and
 * the producer never becomes fatal. */
static void test_end_txn_out_of_memory_is_retried(void **state)
{
    (void)state;
    char err[512], what[96];
    fakebroker_t *b = broker("t");
    kafkac_producer_t *p = txn_producer(b, "tx-oom");
    kafkac_group_metadata_t *gm = kafkac_group_metadata_new("g", 1, "m", NULL);
    kafkac_topic_partition_list_t *l = t0_list(5);
    expect("init_transactions", kafkac_producer_init_transactions(p, 5000, err, sizeof err), KAFKAC_OK, err);
    long failed_before = kc_mem_failures();
    int end_txn_before = received(b, API_END_TXN), rounds = 40;
    for (int n = 0; n < rounds; n++) {
        expect("begin_transaction", kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_OK, err);
        expect("send_offsets_to_transaction",
               kafkac_producer_send_offsets_to_transaction(p, l, gm, 5000, err, sizeof err), KAFKAC_OK, err);
        kc_mem_fail_elsewhere(n / 2, 2);
        kafkac_err_t rc = kafkac_producer_commit_transaction(p, 3000, err, sizeof err);
        kc_mem_fail_elsewhere(-1, 0);
        for (int again = 0; rc == KAFKAC_ERR_TIMED_OUT && again < 3; again++)
            rc = kafkac_producer_commit_transaction(p, 3000, err, sizeof err);
        snprintf(what, sizeof what, "commit_transaction with allocation %d failing", n / 2);
        if (kafkac_producer_txn_fatal(p))
            fail_msg("%s: the producer became fatal (%s: %s); EndTxn's outcome was unknown and should have been "
                     "asked again", what, kafkac_err_name(rc), err);
        expect(what, rc, KAFKAC_OK, err);
    }
    if (kc_mem_failures() == failed_before)
        fail_msg("no allocation failed: the sweep tested nothing");
    print_message("%d commits, %d EndTxn requests, %ld allocations failed\n", rounds,
                  received(b, API_END_TXN) - end_txn_before, kc_mem_failures() - failed_before);
    kafkac_producer_close(p, 0);
    kafkac_producer_destroy(p);
    kafkac_tpl_destroy(l);
    kafkac_group_metadata_destroy(gm);
    fb_stop(b);
}

static void test_no_memory_is_retriable(void **state)
{
    (void)state;
    /* errors.c decides for every client; the transaction manager asks it. */
    assert_int_equal(kafkac_err_retriable(KAFKAC_ERR_NO_MEMORY), 1);
    assert_int_equal(kc_txn_retry_later(KAFKAC_ERR_NO_MEMORY), 1);
    assert_int_equal(kc_txn_fatal_error(KAFKAC_ERR_NO_MEMORY), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_protocol_client),
        cmocka_unit_test(test_admin),
        cmocka_unit_test(test_consumer),
        cmocka_unit_test(test_producer),
        cmocka_unit_test(test_no_memory_is_retriable),
        cmocka_unit_test(test_end_txn_out_of_memory_is_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

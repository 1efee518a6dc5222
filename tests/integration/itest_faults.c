/* Broken brokers: a proxy (tests/common/faultproxy.h) sits between the
 * client and the real broker and spoils one response: garbage, a negative
 * size, half a frame then a close, a wrong correlation id, a body that
 * does not decode, or no answer at all.  Each time the call that hit the
 * fault must fail with the error a user can act on, naming the broker,
 * and the SAME client handle must then go on working.  Also: nothing
 * listening, and a host name that does not resolve.
 *
 * Run by hand: scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:39092 build/tests/integration/itest_faults
 * (ITEST_FILTER=test_negative_size runs one case). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/faultproxy.h"
#include "common/testenv.h"
#include "kafkac/kafkac.h"

#define API_METADATA 3
#define API_VERSIONS 18

static kc_fproxy_t *proxy;
static char broker[256];     /* the first entry of kc_test_brokers() */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    (void)state;
    snprintf(broker, sizeof broker, "%s", kc_test_brokers());
    broker[strcspn(broker, ",")] = '\0';
    proxy = kc_fproxy_new(broker);
    if (!proxy) {
        fprintf(stderr, "cannot start the fault proxy in front of %s\n", broker);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kc_fproxy_destroy(proxy);
    return 0;
}

/* A fault that did not fire must not spill into the next test. */
static int disarm(void **state)
{
    (void)state;
    kc_fproxy_arm(proxy, KC_FAULT_NONE, -1, KC_FAULT_ANYWHERE);
    return 0;
}

static kafkac_client_t *client_for(const char *bootstrap, const char *request_timeout_ms)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    if (kafkac_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != KAFKAC_OK ||
        (request_timeout_ms &&
         (kafkac_conf_set(conf, "request.timeout.ms", request_timeout_ms, err, sizeof err) != KAFKAC_OK ||
          /* the handshake has its own bound, api.version.request.timeout.ms */
          kafkac_conf_set(conf, "api.version.request.timeout.ms", request_timeout_ms, err, sizeof err) !=
              KAFKAC_OK)))
        fail_msg("conf: %s", err);
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!cl)
        fail_msg("kafkac_client_new(%s): %s", bootstrap, err);
    return cl;
}

/* A probe that must succeed; returns the id of the broker that answered. */
static int32_t probe_ok(kafkac_client_t *cl, const char *when)
{
    char err[512] = "";
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 10000, &v, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("probe %s: %s: %s", when, kafkac_err_name(rc), err);
    assert_true(kafkac_broker_versions_count(v) > 10);
    int32_t id = kafkac_broker_versions_broker_id(v);
    kafkac_broker_versions_destroy(v);
    return id;
}

static void metadata_ok(kafkac_client_t *cl, const char *when)
{
    char err[512] = "";
    kafkac_metadata_t *md = NULL;
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, 0, 10000, &md, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("metadata %s: %s: %s", when, kafkac_err_name(rc), err);
    assert_true(kafkac_metadata_broker_count(md) >= 1);
    kafkac_metadata_destroy(md);
}

/* Connected through the proxy, handshake and start-up metadata done, so
 * that the next request of a given API on that connection is the
 * caller's own.  (The start-up metadata request is sent before the
 * caller's metadata request on the one connection, and Kafka answers in
 * order, so once ours is back, it is too.) */
static kafkac_client_t *warm_client(const char *request_timeout_ms)
{
    kafkac_client_t *cl = client_for(kc_fproxy_addr(proxy), request_timeout_ms);
    if (probe_ok(cl, "before the fault") != -1)
        fail_msg("the first probe should be answered by bootstrap entry -1 (the proxy)");
    metadata_ok(cl, "before the fault");
    return cl;
}

static void expect_text(const char *errstr, const char *want, const char *what)
{
    if (!strstr(errstr, want))
        fail_msg("%s: errstr \"%s\" should contain \"%s\"", what, errstr, want);
}

/* Arms `fault` for the next `api` request, makes that call, and checks
 * the error; then the same handle must answer a probe and a metadata
 * request.  Returns the elapsed ms of the failing call. */
static int64_t fault_case(kc_fault_t fault, int16_t api, int timeout_ms, const char *request_timeout_ms,
                          kafkac_err_t want, const char *want_text)
{
    kafkac_client_t *cl = warm_client(request_timeout_ms);
    int fired = kc_fproxy_fired(proxy);
    kc_fproxy_arm(proxy, fault, api, KC_FAULT_NOT_FIRST);
    char err[512] = "";
    int64_t t0 = now_ms();
    kafkac_err_t rc;
    if (api == API_VERSIONS) {
        kafkac_broker_versions_t *v = NULL;
        rc = kafkac_client_probe(cl, -1, timeout_ms, &v, err, sizeof err);
        kafkac_broker_versions_destroy(v);
    } else {
        kafkac_metadata_t *md = NULL;
        rc = kafkac_client_metadata(cl, NULL, 0, timeout_ms, &md, err, sizeof err);
        kafkac_metadata_destroy(md);
    }
    int64_t elapsed = now_ms() - t0;
    if (kc_fproxy_fired(proxy) != fired + 1)
        fail_msg("the proxy did not inject the fault (fired %d times, expected %d)", kc_fproxy_fired(proxy),
                 fired + 1);
    if (rc != want)
        fail_msg("expected %s, got %s: %s", kafkac_err_name(want), kafkac_err_name(rc), err);
    expect_text(err, kc_fproxy_addr(proxy), "the broker's address");
    expect_text(err, want_text, "what went wrong");
    print_message("    %s after %lld ms: %s\n", kafkac_err_name(rc), (long long)elapsed, err);

    /* The same handle carries on (reconnecting, here to the broker the
     * metadata names, or through the proxy, whose fault is spent). */
    probe_ok(cl, "after the fault");
    metadata_ok(cl, "after the fault");
    kafkac_client_destroy(cl);
    return elapsed;
}

/* (a) A size prefix of 2 GiB - 1: refused at once, not waited for. */
static void test_absurd_size(void **state)
{
    (void)state;
    int64_t ms = fault_case(KC_FAULT_GARBAGE, API_VERSIONS, 10000, NULL, KAFKAC_ERR_MALFORMED,
                            "sent a response size of 2147483647 bytes");
    assert_true(ms < 5000);
}

/* (b) A negative size prefix. */
static void test_negative_size(void **state)
{
    (void)state;
    fault_case(KC_FAULT_NEGATIVE_SIZE, API_METADATA, 10000, NULL, KAFKAC_ERR_MALFORMED,
               "sent a response size of -16 bytes");
}

/* (c) Half a frame, then the broker side closes. */
static void test_half_frame_then_close(void **state)
{
    (void)state;
    fault_case(KC_FAULT_HALF_THEN_CLOSE, API_METADATA, 10000, NULL, KAFKAC_ERR_TRANSPORT,
               "closed the connection in the middle of a response");
}

/* (d) A correlation id that is not the one the client sent. */
static void test_wrong_correlation_id(void **state)
{
    (void)state;
    kafkac_client_t *cl = warm_client(NULL);
    kc_fproxy_arm(proxy, KC_FAULT_WRONG_CORR_ID, API_VERSIONS, KC_FAULT_NOT_FIRST);
    char err[512] = "";
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 10000, &v, err, sizeof err);
    assert_null(v);
    if (rc != KAFKAC_ERR_CORRELATION_MISMATCH)
        fail_msg("expected CORRELATION_MISMATCH, got %s: %s", kafkac_err_name(rc), err);
    int16_t key, ver;
    int32_t corr;
    kc_fproxy_last_hit(proxy, &key, &ver, &corr);
    assert_int_equal(key, API_VERSIONS);
    char want[160];
    snprintf(want, sizeof want, "%s answered correlation id %d, expected %d", kc_fproxy_addr(proxy), corr + 1000,
             corr);
    expect_text(err, want, "wrong correlation id");
    print_message("    %s: %s\n", kafkac_err_name(rc), err);
    probe_ok(cl, "after the fault");
    metadata_ok(cl, "after the fault");
    kafkac_client_destroy(cl);
}

/* A response nobody asked for (the same frame twice): the call it
 * answers succeeds, the connection it came on is dropped, and the next
 * call goes to the broker that metadata names (node 1 here, not the
 * bootstrap entry -1 behind the proxy). */
static void test_unsolicited_response(void **state)
{
    (void)state;
    kafkac_client_t *cl = warm_client(NULL);
    int fired = kc_fproxy_fired(proxy);
    kc_fproxy_arm(proxy, KC_FAULT_DUPLICATE, API_VERSIONS, KC_FAULT_NOT_FIRST);
    assert_int_equal(probe_ok(cl, "answered twice"), -1);
    assert_int_equal(kc_fproxy_fired(proxy), fired + 1);
    int32_t id = probe_ok(cl, "after the extra answer");
    if (id < 0)
        fail_msg("after an unsolicited response the next probe was answered by bootstrap entry %d: "
                 "the connection that sent it should have been dropped", id);
    metadata_ok(cl, "after the extra answer");
    kafkac_client_destroy(cl);
}

/* (e) Framing intact, but the body inside is cut in half. */
static void test_body_does_not_decode(void **state)
{
    (void)state;
    fault_case(KC_FAULT_TRUNCATED_BODY, API_VERSIONS, 10000, NULL, KAFKAC_ERR_MALFORMED,
               "ApiVersions v");
    fault_case(KC_FAULT_TRUNCATED_BODY, API_METADATA, 10000, NULL, KAFKAC_ERR_MALFORMED,
               "response that does not decode");
}

/* (f) No answer: the request fails by request.timeout.ms (1500 here: the
 * call is given KAFKAC_TIMEOUT_DEFAULT, which is request.timeout.ms). */
static void test_no_answer_times_out(void **state)
{
    (void)state;
    int64_t ms = fault_case(KC_FAULT_SILENCE, API_METADATA, KAFKAC_TIMEOUT_DEFAULT, "1500", KAFKAC_ERR_TIMED_OUT,
                            "Metadata request to");
    if (ms < 1400 || ms > 3000)
        fail_msg("request.timeout.ms is 1500 but the call failed after %lld ms", (long long)ms);
}

/* A fault on the connection's own ApiVersions handshake is not the
 * caller's request: the client reconnects (through the proxy, the only
 * broker it knows) and the caller's probe succeeds. */
static void test_fault_in_handshake_is_retried(void **state)
{
    (void)state;
    const kc_fault_t faults[] = { KC_FAULT_GARBAGE, KC_FAULT_HALF_THEN_CLOSE, KC_FAULT_WRONG_CORR_ID,
                                  KC_FAULT_TRUNCATED_BODY, KC_FAULT_SILENCE };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        int accepted = kc_fproxy_accepted(proxy), fired = kc_fproxy_fired(proxy);
        /* api.version.request.timeout.ms bounds the handshake (the SILENCE case). */
        /* Armed first: the client connects as soon as it exists. */
        kc_fproxy_arm(proxy, faults[i], API_VERSIONS, KC_FAULT_FIRST_ON_CONN);
        kafkac_client_t *cl = client_for(kc_fproxy_addr(proxy), "1000");
        assert_int_equal(probe_ok(cl, "with a spoiled handshake"), -1);
        assert_int_equal(kc_fproxy_fired(proxy), fired + 1);
        assert_true(kc_fproxy_accepted(proxy) >= accepted + 2);
        kafkac_client_destroy(cl);
    }
}

/* Closing a client whose handshake is still waiting for its answer. */
static void test_destroy_during_handshake(void **state)
{
    (void)state;
    int fired = kc_fproxy_fired(proxy);
    kc_fproxy_arm(proxy, KC_FAULT_SILENCE, API_VERSIONS, KC_FAULT_FIRST_ON_CONN);
    kafkac_client_t *cl = client_for(kc_fproxy_addr(proxy), NULL);
    char err[512] = "";
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 500, &v, err, sizeof err);
    kafkac_broker_versions_destroy(v);
    if (rc != KAFKAC_ERR_TIMED_OUT)
        fail_msg("expected TIMED_OUT while the handshake hangs, got %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kc_fproxy_fired(proxy), fired + 1);
    kafkac_client_destroy(cl);
}

/* bootstrap.servers = "proxy,broker": once the proxy's connection fails,
 * the client carries on with the other entry. */
static void test_carries_on_with_the_other_broker(void **state)
{
    (void)state;
    char bootstrap[600];
    snprintf(bootstrap, sizeof bootstrap, "%s,%s", kc_fproxy_addr(proxy), broker);
    kafkac_client_t *cl = client_for(bootstrap, NULL);
    assert_int_equal(probe_ok(cl, "through the proxy"), -1);
    metadata_ok(cl, "through the proxy");
    int accepted = kc_fproxy_accepted(proxy);
    kc_fproxy_arm(proxy, KC_FAULT_HALF_THEN_CLOSE, API_VERSIONS, KC_FAULT_NOT_FIRST);
    char err[512] = "";
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 10000, &v, err, sizeof err);
    if (rc != KAFKAC_ERR_TRANSPORT)
        fail_msg("expected TRANSPORT, got %s: %s", kafkac_err_name(rc), err);
    /* The next calls go to the second bootstrap entry, not the proxy. */
    assert_int_equal(probe_ok(cl, "after the proxy failed"), -2);
    metadata_ok(cl, "after the proxy failed");
    assert_int_equal(kc_fproxy_accepted(proxy), accepted);
    kafkac_client_destroy(cl);
}

/* (g) Nothing listens: ALL_BROKERS_DOWN when the call's time is up, with
 * the connect error in the message. */
static void test_unreachable_broker(void **state)
{
    (void)state;
    kafkac_client_t *cl = client_for("127.0.0.1:1", NULL);
    char err[512] = "";
    kafkac_broker_versions_t *v = NULL;
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 3000, &v, err, sizeof err);
    int64_t ms = now_ms() - t0;
    if (rc != KAFKAC_ERR_ALL_BROKERS_DOWN)
        fail_msg("expected ALL_BROKERS_DOWN, got %s: %s", kafkac_err_name(rc), err);
    expect_text(err, "connect to 127.0.0.1:1: Connection refused", "refused connection");
    /* Upper bound with slack for a loaded 2-core CI machine: what matters
     * is that the call does not wait past its own timeout by much. */
    if (ms < 2900 || ms > 5000)
        fail_msg("a 3000 ms probe failed after %lld ms", (long long)ms);
    print_message("    %s after %lld ms: %s\n", kafkac_err_name(rc), (long long)ms, err);
    kafkac_client_destroy(cl);
}

/* (h) A host name that does not resolve: RESOLVE, naming it. */
static void test_unresolvable_host(void **state)
{
    (void)state;
    kafkac_client_t *cl = client_for("no-such-host.invalid:9092", NULL);
    char err[512] = "";
    kafkac_metadata_t *md = NULL;
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, 0, 1000, &md, err, sizeof err);
    assert_null(md);
    if (rc != KAFKAC_ERR_RESOLVE)
        fail_msg("expected RESOLVE, got %s: %s", kafkac_err_name(rc), err);
    expect_text(err, "cannot resolve no-such-host.invalid:9092", "unresolvable host");
    print_message("    %s: %s\n", kafkac_err_name(rc), err);
    kafkac_client_destroy(cl);
}

/* A request queued behind one the broker does not answer fails at its
 * own deadline, naming its own API (issue 13, defect 1): ApiVersions with
 * 4 s in flight and unanswered, then Metadata with 1.5 s on the same
 * connection.  Before, the Metadata call waited for the ApiVersions
 * deadline and its error named ApiVersions. */
typedef struct probe_bg {
    kafkac_client_t *cl;
    kafkac_err_t rc;
    char err[512];
    int64_t ms;
} probe_bg_t;

static void *probe_run(void *arg)
{
    probe_bg_t *b = arg;
    kafkac_broker_versions_t *v = NULL;
    int64_t t0 = now_ms();
    b->rc = kafkac_client_probe(b->cl, -1, 4000, &v, b->err, sizeof b->err);
    b->ms = now_ms() - t0;
    kafkac_broker_versions_destroy(v);
    return NULL;
}

static void test_queued_request_own_deadline(void **state)
{
    (void)state;
    kafkac_client_t *cl = warm_client(NULL);
    kc_fproxy_arm(proxy, KC_FAULT_SILENCE, API_VERSIONS, KC_FAULT_NOT_FIRST);
    probe_bg_t bg = { .cl = cl };
    pthread_t th;
    pthread_create(&th, NULL, probe_run, &bg);
    struct timespec ts = { 0, 200 * 1000000L };
    nanosleep(&ts, NULL);
    char err[512] = "";
    kafkac_metadata_t *md = NULL;
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, 0, 1500, &md, err, sizeof err);
    int64_t ms = now_ms() - t0;
    kafkac_metadata_destroy(md);
    if (rc != KAFKAC_ERR_TIMED_OUT)
        fail_msg("the 1500 ms metadata call behind an unanswered probe: expected TIMED_OUT, got %s after %lld ms: %s",
                 kafkac_err_name(rc), (long long)ms, err);
    expect_text(err, "Metadata request to", "the error names the request that timed out");
    if (ms < 1400 || ms > 2500)
        fail_msg("a 1500 ms metadata call failed after %lld ms", (long long)ms);
    print_message("    %s after %lld ms: %s\n", kafkac_err_name(rc), (long long)ms, err);
    pthread_join(th, NULL);
    if (bg.rc != KAFKAC_ERR_TIMED_OUT)
        fail_msg("the unanswered 4000 ms probe: expected TIMED_OUT, got %s: %s", kafkac_err_name(bg.rc), bg.err);
    expect_text(bg.err, "ApiVersions", "the probe's error names ApiVersions");
    if (bg.ms < 3900 || bg.ms > 5000)
        fail_msg("a 4000 ms probe failed after %lld ms", (long long)bg.ms);
    /* The silent connection was closed; the same handle carries on. */
    probe_ok(cl, "after the silent connection");
    metadata_ok(cl, "after the silent connection");
    kafkac_client_destroy(cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_absurd_size, disarm),
        cmocka_unit_test_teardown(test_negative_size, disarm),
        cmocka_unit_test_teardown(test_half_frame_then_close, disarm),
        cmocka_unit_test_teardown(test_wrong_correlation_id, disarm),
        cmocka_unit_test_teardown(test_unsolicited_response, disarm),
        cmocka_unit_test_teardown(test_body_does_not_decode, disarm),
        cmocka_unit_test_teardown(test_no_answer_times_out, disarm),
        cmocka_unit_test_teardown(test_queued_request_own_deadline, disarm),
        cmocka_unit_test_teardown(test_fault_in_handshake_is_retried, disarm),
        cmocka_unit_test_teardown(test_destroy_during_handshake, disarm),
        cmocka_unit_test_teardown(test_carries_on_with_the_other_broker, disarm),
        cmocka_unit_test_teardown(test_unreachable_broker, disarm),
        cmocka_unit_test_teardown(test_unresolvable_host, disarm),
    };
    /* ITEST_FILTER=test_name (or a pattern with *) runs only that case. */
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, setup, teardown);
}

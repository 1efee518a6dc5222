/* The network client's deadlines and connection settings, against a fake
 * broker (fakebroker.h) on 127.0.0.1, no real broker, no DNS:
 *   - a request queued behind a hung one fails at its own deadline,
 *     naming its own API, and the connection carries on (issue 13, 1);
 *   - a hung head of the FIFO closes the connection;
 *   - kc_net_call returns by its deadline even when the I/O thread is
 *     stalled, and the late callback touches no freed memory;
 *   - no broker: RESOLVE, ALL_BROKERS_DOWN or TIMED_OUT, with the last
 *     connection error (issue 13, 5);
 *   - bytes after a response body are tolerated and counted (issue 13, 4);
 *   - connections.max.idle.ms and the growing connect timeout (issue 13, 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "fakebroker.h"
#include "kafkac/error.h"
#include "protocol/net_int.h"

#define API_METADATA 3
#define API_LIST_GROUPS 16
#define API_VERSIONS 18

/* ---- a log that the tests read ---- */
static pthread_mutex_t log_m = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[65536];
static size_t log_len;
static int log_warnings;

static void log_cb(void *opaque, int level, const char *facility, const char *message)
{
    (void)opaque;
    pthread_mutex_lock(&log_m);
    if (level <= KAFKAC_LOG_WARNING)
        log_warnings++;
    int n = snprintf(log_buf + log_len, sizeof log_buf - log_len, "%d %s: %s\n", level, facility, message);
    if (n > 0 && log_len + (size_t)n < sizeof log_buf)
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_m);
}

static kc_logger_t logger = { log_cb, NULL, KAFKAC_LOG_DEBUG };

static void log_reset(void)
{
    pthread_mutex_lock(&log_m);
    log_len = 0;
    log_buf[0] = '\0';
    log_warnings = 0;
    pthread_mutex_unlock(&log_m);
}

/* ---- a net on one bootstrap address ---- */
static kc_hostlist_t hosts;
static kc_hostport_t hp;
static char hostbuf[128];

static kc_net_opts_t opts_for(const char *host, int port)
{
    snprintf(hostbuf, sizeof hostbuf, "%s", host);
    hp.host = hostbuf;
    hp.port = port;
    hosts.v = &hp;
    hosts.n = 1;
    kc_net_opts_t o;
    kc_net_opts_defaults(&o);
    o.bootstrap = &hosts;
    o.logger = &logger;
    o.reconnect_backoff_ms = 20;
    o.reconnect_backoff_max_ms = 100;
    return o;
}

static kc_net_t *net_open(const kc_net_opts_t *o)
{
    char err[256];
    kc_net_t *net = kc_net_new(o, err, sizeof err);
    if (!net)
        fail_msg("kc_net_new: %s", err);
    return net;
}

/* One request of `key` (an empty body) to any broker, waited for. */
static kc_resp_t *call(kc_net_t *net, int16_t key, int timeout_ms)
{
    const kc_api_t *api = kc_api_get(key);
    static _Thread_local union { kc_metadata_request_t md; uint64_t raw[64]; } u;
    void *body = &u;
    assert_true(api->request->size <= sizeof u);
    kc_msg_init(api->request, body);
    if (key == API_METADATA)
        u.md.topics_count = 0;
    kc_req_t r = { .node_id = KC_NODE_ANY, .api_key = key, .max_version = -1, .timeout_ms = timeout_ms, .msg = body };
    kc_resp_t *resp = kc_net_call(net, &r);
    assert_non_null(resp);
    return resp;
}

static void call_ok(kc_net_t *net, int16_t key, const char *when)
{
    kc_resp_t *r = call(net, key, 5000);
    if (r->err)
        fail_msg("%s: %s failed: %s: %s", when, kc_api_get(key)->name, kafkac_err_name(r->err), r->errstr);
    kc_resp_free(r);
}

static void expect_text(const char *got, const char *want, const char *what)
{
    if (!strstr(got, want))
        fail_msg("%s: \"%s\" should contain \"%s\"", what, got, want);
}

typedef struct bg_call {
    kc_net_t *net;
    int16_t key;
    int timeout_ms;
    kc_resp_t *resp;
    int64_t elapsed;
    pthread_t t;
} bg_call_t;

static void *bg_run(void *arg)
{
    bg_call_t *b = arg;
    int64_t t0 = kc_now_ms();
    b->resp = call(b->net, b->key, b->timeout_ms);
    b->elapsed = kc_now_ms() - t0;
    return NULL;
}

static void bg_start(bg_call_t *b, kc_net_t *net, int16_t key, int timeout_ms)
{
    memset(b, 0, sizeof *b);
    b->net = net;
    b->key = key;
    b->timeout_ms = timeout_ms;
    pthread_create(&b->t, NULL, bg_run, b);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Defect 1: a request behind a hung one fails at ITS deadline, with ITS
 * name; its late answer is dropped and the connection stays up. */
static void test_queued_request_has_its_own_deadline(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    assert_non_null(b);
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    fb_set_hold(b, 1);
    bg_call_t head;
    bg_start(&head, net, API_LIST_GROUPS, 4000);
    sleep_ms(100);
    int64_t t0 = kc_now_ms();
    kc_resp_t *r = call(net, API_METADATA, 1500);
    int64_t ms = kc_now_ms() - t0;
    if (r->err != KAFKAC_ERR_TIMED_OUT)
        fail_msg("the 1500 ms Metadata request behind a hung ListGroups: expected TIMED_OUT after 1500 ms, got %s "
                 "after %lld ms: %s", kafkac_err_name(r->err), (long long)ms, r->errstr);
    char want[128];
    snprintf(want, sizeof want, "Metadata request to 127.0.0.1:%d timed out after 1500 ms", b->port);
    expect_text(r->errstr, want, "the queued request's error");
    if (ms < 1400 || ms > 2500)
        fail_msg("a 1500 ms request failed after %lld ms", (long long)ms);
    kc_resp_free(r);
    /* The broker wakes up: the head is answered in time, the dropped
     * request's answer is read and thrown away, on the same connection. */
    fb_set_hold(b, 0);
    pthread_join(head.t, NULL);
    if (head.resp->err)
        fail_msg("the ListGroups request at the head should succeed once the broker answers: %s: %s",
                 kafkac_err_name(head.resp->err), head.resp->errstr);
    kc_resp_free(head.resp);
    call_ok(net, API_METADATA, "after the broker woke up");
    assert_int_equal(fb_get(b, &b->accepted), 1);
    kc_net_destroy(net);
    fb_stop(b);
}

/* The head of the FIFO past its deadline with the broker silent: the
 * connection is closed (the broker is hung); the call behind it fails at
 * once saying why, and the next call reconnects. */
static void test_hung_head_closes_the_connection(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    sleep_ms(200);
    fb_set_hold(b, 1);
    bg_call_t head;
    bg_start(&head, net, API_LIST_GROUPS, 1000);
    sleep_ms(100);
    int64_t t0 = kc_now_ms();
    kc_resp_t *r = call(net, API_METADATA, 5000);
    int64_t ms = kc_now_ms() - t0;
    pthread_join(head.t, NULL);
    assert_int_equal(head.resp->err, KAFKAC_ERR_TIMED_OUT);
    expect_text(head.resp->errstr, "ListGroups request to 127.0.0.1", "the head's error");
    assert_int_equal(r->err, KAFKAC_ERR_TIMED_OUT);
    expect_text(r->errstr, "Metadata request to 127.0.0.1", "the second call names itself");
    expect_text(r->errstr, "did not answer the ListGroups request", "and the request that hung");
    if (ms > 1500)
        fail_msg("the call behind a hung head should fail with it (after ~900 ms), took %lld ms", (long long)ms);
    kc_resp_free(head.resp);
    kc_resp_free(r);
    fb_set_hold(b, 0);
    call_ok(net, API_METADATA, "after the reconnect");
    assert_true(fb_get(b, &b->accepted) >= 2);
    kc_net_destroy(net);
    fb_stop(b);
}

/* kc_net_call waits on the monotonic clock until the request's timeout
 * plus slack, even when the I/O thread is stuck; the late callback then
 * frees what it gets and touches nothing of the returned caller. */
static int stall_now;   /* atomic */
static int64_t stall_service(kc_net_t *net, int64_t now, void *opaque)
{
    (void)net;
    (void)now;
    (void)opaque;
    if (__atomic_exchange_n(&stall_now, 0, __ATOMIC_ACQ_REL)) {
        sleep_ms(2500);
    }
    return INT64_MAX;
}

static void test_call_returns_while_io_thread_stalls(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    kc_net_add_service(net, stall_service, NULL);
    call_ok(net, API_VERSIONS, "warm-up");
    __atomic_store_n(&stall_now, 1, __ATOMIC_RELEASE);
    kc_net_wakeup(net);
    sleep_ms(100);
    int64_t t0 = kc_now_ms();
    kc_resp_t *r = call(net, API_METADATA, 500);
    int64_t ms = kc_now_ms() - t0;
    assert_int_equal(r->err, KAFKAC_ERR_TIMED_OUT);
    expect_text(r->errstr, "Metadata request", "names its API");
    if (ms < 450 || ms > 1500)
        fail_msg("a 500 ms call with the I/O thread stalled returned after %lld ms", (long long)ms);
    kc_resp_free(r);
    sleep_ms(2600); /* the stall ends: the abandoned call is failed unsent */
    call_ok(net, API_METADATA, "after the stall");
    kc_net_destroy(net);
    fb_stop(b);
}

/* Defect 5: no broker.  Each case names what happened. */
static void expect_unreachable(const char *host, int port, int timeout_ms, int want, const char *want_text)
{
    kc_net_opts_t o = opts_for(host, port);
    o.handshake_timeout_ms = 10000;
    kc_net_t *net = net_open(&o);
    int64_t t0 = kc_now_ms();
    kc_resp_t *r = call(net, API_METADATA, timeout_ms);
    int64_t ms = kc_now_ms() - t0;
    if (r->err != want)
        fail_msg("%s:%d: expected %s, got %s: %s", host, port, kafkac_err_name(want), kafkac_err_name(r->err),
                 r->errstr);
    expect_text(r->errstr, want_text, "what happened");
    if (ms < timeout_ms - 100 || ms > timeout_ms + 1000)
        fail_msg("a %d ms call failed after %lld ms", timeout_ms, (long long)ms);
    print_message("    %s after %lld ms: %s\n", kafkac_err_name(r->err), (long long)ms, r->errstr);
    kc_resp_free(r);
    kc_net_destroy(net);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_unresolvable_bootstrap(void **state)
{
    (void)state;
    expect_unreachable("no-such-host.invalid", 9092, 1000, KAFKAC_ERR_RESOLVE,
                       "cannot resolve no-such-host.invalid:9092");
}

static void test_nothing_listening(void **state)
{
    (void)state;
    int port = free_port();
    char want[96];
    snprintf(want, sizeof want, "connect to 127.0.0.1:%d: Connection refused", port);
    expect_unreachable("127.0.0.1", port, 1000, KAFKAC_ERR_ALL_BROKERS_DOWN, want);
}

/* A listener that never accepts or answers: the TCP connect succeeds (the
 * kernel completes it) and the handshake hangs. */
static void test_hung_broker(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 8), 0);
    getsockname(lfd, (struct sockaddr *)&a, &al);
    char want[128];
    snprintf(want, sizeof want, "ApiVersions handshake with 127.0.0.1:%d under way", ntohs(a.sin_port));
    expect_unreachable("127.0.0.1", ntohs(a.sin_port), 1500, KAFKAC_ERR_TIMED_OUT, want);
    close(lfd);
}

/* Defect 4: bytes after the last known field are tolerated (as the Java
 * client and librdkafka do), counted and logged at debug level. */
static void test_trailing_bytes_tolerated(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    log_reset();
    fb_set_trailing(b, 4);
    kc_resp_t *r = call(net, API_METADATA, 3000);
    if (r->err)
        fail_msg("a Metadata response with 4 stray bytes after its body should be accepted: %s: %s",
                 kafkac_err_name(r->err), r->errstr);
    kc_metadata_response_t *m = r->msg;
    assert_int_equal(m->brokers_count, 1);
    assert_int_equal(m->brokers[0].port, b->port);
    kc_resp_free(r);
    assert_true(__atomic_load_n(&net->trailing_frames, __ATOMIC_RELAXED) >= 1);
    pthread_mutex_lock(&log_m);
    expect_text(log_buf, "sent 4 bytes after the last field of a Metadata", "the debug log");
    pthread_mutex_unlock(&log_m);
    assert_int_equal(fb_get(b, &b->accepted), 1); /* no reconnect */
    kc_net_destroy(net);
    fb_stop(b);
}

/* Defect 7: connections.max.idle.ms closes an idle connection quietly;
 * the broker stays "reachable" and the next request reconnects. */
static void test_idle_connection_closed_quietly(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    o.connections_max_idle_ms = 300;
    o.metadata_max_age_ms = 600000;
    kc_net_t *net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    assert_int_equal(kc_net_reachability(net, NULL, NULL, 0), 0);
    log_reset();
    int64_t t0 = kc_now_ms();
    while (fb_get(b, &b->open_conns) > 0 && kc_now_ms() - t0 < 3000)
        sleep_ms(20);
    int64_t ms = kc_now_ms() - t0;
    if (fb_get(b, &b->open_conns) != 0)
        fail_msg("connections.max.idle.ms=300: the idle connection is still open after 3 s");
    if (ms < 200)
        fail_msg("the connection closed after %lld ms, before it was idle for 300 ms", (long long)ms);
    int64_t down = -1;
    char why[200];
    assert_int_equal(kc_net_reachability(net, &down, why, sizeof why), 0);
    assert_int_equal(down, 0);
    pthread_mutex_lock(&log_m);
    int warnings = log_warnings;
    expect_text(log_buf, "idle for", "the debug log");
    pthread_mutex_unlock(&log_m);
    assert_int_equal(warnings, 0);
    t0 = kc_now_ms();
    call_ok(net, API_METADATA, "after the idle close");
    assert_true(kc_now_ms() - t0 < 1000);   /* no backoff */
    assert_int_equal(fb_get(b, &b->accepted), 2);
    kc_net_destroy(net);
    fb_stop(b);
    /* A broker that dies while we are idle: the reconnect fails, and from
     * then on nothing counts as reachable. */
    b = fb_start();
    o = opts_for("127.0.0.1", b->port);
    o.connections_max_idle_ms = 200;
    net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    t0 = kc_now_ms();
    while (fb_get(b, &b->open_conns) > 0 && kc_now_ms() - t0 < 3000)
        sleep_ms(20);
    fb_stop(b);
    kc_resp_t *r = call(net, API_METADATA, 500);
    assert_int_equal(r->err, KAFKAC_ERR_ALL_BROKERS_DOWN);
    kc_resp_free(r);
    assert_int_equal(kc_net_reachability(net, NULL, why, sizeof why), KAFKAC_ERR_ALL_BROKERS_DOWN);
    expect_text(why, "Connection refused", "the reachability reason");
    kc_net_destroy(net);
    /* 0 keeps them open. */
    b = fb_start();
    o = opts_for("127.0.0.1", b->port);
    o.connections_max_idle_ms = 0;
    net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    sleep_ms(500);
    assert_int_equal(fb_get(b, &b->open_conns), 1);
    kc_net_destroy(net);
    fb_stop(b);
}

/* Defect 7: socket.connection.setup.timeout.ms doubles per consecutive
 * failure up to .max.ms (KIP-601), +-20%. */
static void test_connect_timeout_grows(void **state)
{
    (void)state;
    kc_net_opts_t o = opts_for("127.0.0.1", free_port());
    o.connect_timeout_ms = 100;
    o.connect_timeout_max_ms = 400;
    o.reconnect_backoff_ms = 10;
    o.reconnect_backoff_max_ms = 20;
    log_reset();
    kc_net_t *net = net_open(&o);
    kc_resp_t *r = call(net, API_METADATA, 800);
    kc_resp_free(r);
    kc_net_destroy(net);
    /* The attempts' timeouts, in order, from the debug log. */
    int got[64], n = 0;
    pthread_mutex_lock(&log_m);
    for (const char *p = log_buf; n < 64 && (p = strstr(p, "(timeout ")) != NULL; p++)
        got[n++] = atoi(p + 9);
    pthread_mutex_unlock(&log_m);
    if (n < 4)
        fail_msg("only %d connect attempts were logged", n);
    int want[] = { 100, 200, 400, 400 };
    for (int i = 0; i < 4; i++)
        if (got[i] < want[i] * 4 / 5 || got[i] > want[i] * 6 / 5)
            fail_msg("attempt %d: connect timeout %d ms, want %d +-20%%", i + 1, got[i], want[i]);
}

/* Defect 11: kc_net_wakeup(NULL) is a no-op, and a thread holding a
 * reference may go on calling send / wakeup / reachability / cluster
 * while another thread destroys the net (ASan and TSan builds check the
 * memory side). */
typedef struct hammer {
    kc_net_t *net;
    int stop;   /* atomic */
    int destroyed_seen;
} hammer_t;

static void noop_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    (void)net;
    (void)opaque;
    kc_resp_free(resp);
}

static void *hammer_run(void *arg)
{
    hammer_t *h = arg;
    static kc_metadata_request_t md;
    kc_msg_init(&kc_schema_metadata_request, &md);
    md.topics_count = 0;
    while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
        kc_req_t r = { .node_id = KC_NODE_ANY, .api_key = API_METADATA, .max_version = -1, .timeout_ms = 200,
                       .msg = &md, .cb = noop_cb };
        if (kc_net_send(h->net, &r) == KAFKAC_ERR_DESTROYED)
            h->destroyed_seen = 1;
        kc_net_wakeup(h->net);
        kc_net_refresh_metadata(h->net, "test");
        kc_net_reachability(h->net, NULL, NULL, 0);
        kc_cluster_unref(kc_net_cluster(h->net));
    }
    return NULL;
}

static void test_destroy_against_other_threads(void **state)
{
    (void)state;
    kc_net_wakeup(NULL);
    kc_net_unref(NULL);
    kc_net_destroy(NULL);
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    call_ok(net, API_VERSIONS, "warm-up");
    hammer_t h = { .net = kc_net_ref(net) };
    pthread_t t;
    pthread_create(&t, NULL, hammer_run, &h);
    sleep_ms(100);
    kc_net_destroy(net);
    sleep_ms(100);
    __atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    assert_true(h.destroyed_seen);
    kc_resp_t *r = call(h.net, API_METADATA, 500);
    assert_int_equal(r->err, KAFKAC_ERR_DESTROYED);
    kc_resp_free(r);
    kc_cluster_t *c = kc_net_wait_cluster(h.net, 1000000, 5000);
    assert_null(c);
    kc_net_unref(h.net);
    fb_stop(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queued_request_has_its_own_deadline),
        cmocka_unit_test(test_hung_head_closes_the_connection),
        cmocka_unit_test(test_call_returns_while_io_thread_stalls),
        cmocka_unit_test(test_unresolvable_bootstrap),
        cmocka_unit_test(test_nothing_listening),
        cmocka_unit_test(test_hung_broker),
        cmocka_unit_test(test_trailing_bytes_tolerated),
        cmocka_unit_test(test_idle_connection_closed_quietly),
        cmocka_unit_test(test_connect_timeout_grows),
        cmocka_unit_test(test_destroy_against_other_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

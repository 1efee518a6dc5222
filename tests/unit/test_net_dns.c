/* Name resolution off the I/O thread (issue 13, defect 10), with a stub
 * resolver (kc_resolver_fn / kc_nameinfo_fn) instead of real DNS: names
 * ending in .test.invalid are answered by the stub, slowly when asked;
 * nothing here reaches a DNS server.  A fake broker (fakebroker.h) on
 * 127.0.0.1 answers requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "fakebroker.h"
#include "kafkac/error.h"
#include "protocol/net_int.h"
#include "protocol/resolver.h"

#define API_METADATA 3

static pthread_mutex_t stub_m = PTHREAD_MUTEX_INITIALIZER;
static int stub_lookups;     /* [stub_m] */
static int stub_running;     /* [stub_m] lookups inside the stub now */

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* The stub: "slow.test.invalid" answers 127.0.0.1 after 3 s,
 * "multi.test.invalid" answers 127.0.0.2 (nobody listens there) then
 * 127.0.0.1, any other *.test.invalid 127.0.0.1 at once; everything else
 * does not exist. */
static int stub_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                            struct addrinfo **res)
{
    pthread_mutex_lock(&stub_m);
    stub_lookups++;
    stub_running++;
    pthread_mutex_unlock(&stub_m);
    struct addrinfo h = *hints;
    h.ai_flags = AI_NUMERICHOST;
    h.ai_family = AF_INET;
    int rc = EAI_NONAME;
    size_t n = strlen(node);
    if (n > 13 && strcmp(node + n - 13, ".test.invalid") == 0) {
        if (strcmp(node, "slow.test.invalid") == 0)
            sleep_ms(3000);
        if (strcmp(node, "multi.test.invalid") == 0) {
            struct addrinfo *first = NULL, *second = NULL;
            rc = getaddrinfo("127.0.0.2", service, &h, &first);
            if (rc == 0 && (rc = getaddrinfo("127.0.0.1", service, &h, &second)) == 0) {
                struct addrinfo *t = first;
                while (t->ai_next)
                    t = t->ai_next;
                t->ai_next = second;
                *res = first;
            }
        } else {
            rc = getaddrinfo("127.0.0.1", service, &h, res);
        }
    }
    pthread_mutex_lock(&stub_m);
    stub_running--;
    pthread_mutex_unlock(&stub_m);
    return rc;
}

/* 127.0.0.1 has the canonical name broker-a.test.invalid. */
static int stub_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen, char *serv,
                            socklen_t servlen, int flags)
{
    (void)salen;
    (void)serv;
    (void)servlen;
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    if (sa->sa_family == AF_INET && in->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
        snprintf(host, hostlen, "broker-a.test.invalid");
        return 0;
    }
    return (flags & NI_NAMEREQD) ? EAI_NONAME : EAI_FAIL;
}

static int setup(void **state)
{
    (void)state;
    kc_resolver_fn = stub_getaddrinfo;
    kc_nameinfo_fn = stub_getnameinfo;
    return 0;
}

/* Lookups still sleeping in the stub finish before the next test (and
 * before exit, so that no thread outlives the program's checks). */
static int wait_stub_idle(void **state)
{
    (void)state;
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&stub_m);
        int running = stub_running;
        pthread_mutex_unlock(&stub_m);
        if (!running)
            break;
        sleep_ms(20);
    }
    sleep_ms(50);
    return 0;
}

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

static kc_metadata_request_t md_req;

static kc_req_t md_to(int32_t node, int timeout_ms)
{
    kc_msg_init(&kc_schema_metadata_request, &md_req);
    md_req.topics_count = 0;
    kc_req_t r = { .node_id = node, .api_key = API_METADATA, .max_version = -1, .timeout_ms = timeout_ms,
                   .msg = &md_req };
    return r;
}

static void call_ok(kc_net_t *net, int timeout_ms, const char *when)
{
    kc_req_t r = md_to(KC_NODE_ANY, timeout_ms);
    int64_t t0 = kc_now_ms();
    kc_resp_t *resp = kc_net_call(net, &r);
    assert_non_null(resp);
    if (resp->err)
        fail_msg("%s: Metadata failed after %lld ms: %s: %s", when, (long long)(kc_now_ms() - t0),
                 kafkac_err_name(resp->err), resp->errstr);
    kc_resp_free(resp);
}

typedef struct outcome {
    pthread_mutex_t m;
    int done, err;
    char errstr[256];
    int64_t at;
} outcome_t;

static void outcome_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    (void)net;
    outcome_t *o = opaque;
    pthread_mutex_lock(&o->m);
    o->done = 1;
    o->err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    snprintf(o->errstr, sizeof o->errstr, "%s", resp ? resp->errstr : "");
    o->at = kc_now_ms();
    pthread_mutex_unlock(&o->m);
    kc_resp_free(resp);
}

static int outcome_wait(outcome_t *o, int ms)
{
    int64_t end = kc_now_ms() + ms;
    for (;;) {
        pthread_mutex_lock(&o->m);
        int done = o->done;
        pthread_mutex_unlock(&o->m);
        if (done || kc_now_ms() >= end)
            return done;
        sleep_ms(10);
    }
}

/* While broker 2's name takes 3 s to resolve, requests to the ready
 * broker keep completing at once; broker 2's request then goes through. */
static void test_slow_lookup_stalls_nothing(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    fb_set_extra_host(b, "slow.test.invalid");
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    kc_net_t *net = net_open(&o);
    call_ok(net, 3000, "warm-up");
    /* Broker 2 is known from that answer now. */
    outcome_t slow = { .m = PTHREAD_MUTEX_INITIALIZER };
    kc_req_t r = md_to(2, 6000);
    r.cb = outcome_cb;
    r.opaque = &slow;
    int64_t t0 = kc_now_ms();
    assert_int_equal(kc_net_send(net, &r), 0);
    sleep_ms(100);
    for (int i = 0; i < 10; i++) {
        int64_t t1 = kc_now_ms();
        call_ok(net, 500, "while broker 2's name resolves");
        if (kc_now_ms() - t1 > 450)
            fail_msg("a request to the ready broker took %lld ms while another lookup hangs",
                     (long long)(kc_now_ms() - t1));
        sleep_ms(100);
    }
    pthread_mutex_lock(&slow.m);
    int early = slow.done;
    pthread_mutex_unlock(&slow.m);
    assert_false(early);
    assert_true(outcome_wait(&slow, 5000));
    if (slow.err)
        fail_msg("the request to broker 2 should succeed once its name resolves: %s: %s", kafkac_err_name(slow.err),
                 slow.errstr);
    int64_t ms = slow.at - t0;
    if (ms < 2900 || ms > 4500)
        fail_msg("broker 2's request completed after %lld ms; its lookup takes 3000", (long long)ms);
    kc_net_destroy(net);
    fb_stop(b);
}

/* A lookup with no answer within the connect timeout fails the attempt
 * with RESOLVE, naming the host; the calls for that broker fail with it. */
static void test_lookup_bounded_by_connect_timeout(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    fb_set_extra_host(b, "slow.test.invalid");
    kc_net_opts_t o = opts_for("127.0.0.1", b->port);
    o.connect_timeout_ms = 500;
    o.connect_timeout_max_ms = 500;
    kc_net_t *net = net_open(&o);
    call_ok(net, 3000, "warm-up");
    outcome_t slow = { .m = PTHREAD_MUTEX_INITIALIZER };
    kc_req_t r = md_to(2, 5000);
    r.cb = outcome_cb;
    r.opaque = &slow;
    int64_t t0 = kc_now_ms();
    assert_int_equal(kc_net_send(net, &r), 0);
    assert_true(outcome_wait(&slow, 3000));
    int64_t ms = slow.at - t0;
    assert_int_equal(slow.err, KAFKAC_ERR_RESOLVE);
    char want[96];
    snprintf(want, sizeof want, "cannot resolve slow.test.invalid:%d: no answer within", b->port);
    if (!strstr(slow.errstr, want))
        fail_msg("\"%s\" should contain \"%s\"", slow.errstr, want);
    if (ms < 350 || ms > 1200)
        fail_msg("a lookup bounded by a 500 ms (+-20%%) connect timeout failed after %lld ms", (long long)ms);
    call_ok(net, 1000, "the ready broker still answers");
    kc_net_destroy(net);
    fb_stop(b);
}

/* use_all_dns_ips: the first address refuses, the next attempt takes the
 * second address of the same lookup. */
static void test_all_addresses_tried(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("multi.test.invalid", b->port);
    pthread_mutex_lock(&stub_m);
    int before = stub_lookups;
    pthread_mutex_unlock(&stub_m);
    kc_net_t *net = net_open(&o);
    call_ok(net, 3000, "through the second address");
    pthread_mutex_lock(&stub_m);
    int lookups = stub_lookups - before;
    pthread_mutex_unlock(&stub_m);
    assert_int_equal(lookups, 1);
    kc_net_destroy(net);
    fb_stop(b);
}

/* resolve_canonical_bootstrap_servers_only: a bootstrap alias becomes the
 * canonical name of its address; the default keeps the name as given. */
static void test_canonical_bootstrap(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    kc_net_opts_t o = opts_for("alias.test.invalid", b->port);
    o.dns_lookup = KC_DNS_CANONICAL_BOOTSTRAP;
    kc_net_t *net = net_open(&o);
    /* Bootstrap connections are made by kc_net_new and never renamed. */
    assert_int_equal(net->nconns >= 1, 1);
    assert_string_equal(net->conns[0]->host, "broker-a.test.invalid");
    call_ok(net, 3000, "through the canonical name");
    kc_net_destroy(net);

    o = opts_for("alias.test.invalid", b->port);
    net = net_open(&o);
    assert_string_equal(net->conns[0]->host, "alias.test.invalid");
    call_ok(net, 3000, "through the alias");
    kc_net_destroy(net);
    fb_stop(b);
}

/* A client closed while a lookup is still running: the lookup finishes
 * later on its own and touches nothing freed (run under ASan). */
static void test_destroy_during_lookup(void **state)
{
    (void)state;
    kc_net_opts_t o = opts_for("slow.test.invalid", 9);
    kc_net_t *net = net_open(&o);
    kc_req_t r = md_to(KC_NODE_ANY, 300);
    kc_resp_t *resp = kc_net_call(net, &r);
    assert_non_null(resp);
    assert_int_equal(resp->err, KAFKAC_ERR_TIMED_OUT);
    if (!strstr(resp->errstr, "lookup of slow.test.invalid"))
        fail_msg("\"%s\" should say the lookup is under way", resp->errstr);
    kc_resp_free(resp);
    kc_net_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_slow_lookup_stalls_nothing, wait_stub_idle),
        cmocka_unit_test_teardown(test_lookup_bounded_by_connect_timeout, wait_stub_idle),
        cmocka_unit_test_teardown(test_all_addresses_tried, wait_stub_idle),
        cmocka_unit_test_teardown(test_canonical_bootstrap, wait_stub_idle),
        cmocka_unit_test_teardown(test_destroy_during_lookup, wait_stub_idle),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

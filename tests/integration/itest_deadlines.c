/* Every blocking call returns by its own deadline (issue 13, "Proof that
 * stays"): for each client and each call that waits, the call must return
 * within its timeout + 1 s with the broker
 *   hung         a stopped broker: connections are accepted, nothing is
 *                answered (the fault proxy's KC_FPROXY_HUNG: as SIGSTOP);
 *   dead         every connection closed and nothing listening any more
 *                (KC_FPROXY_DEAD: as SIGKILL);
 *   unreachable  bootstrap.servers names a port nothing listens on (for
 *                producer send: a name that does not resolve);
 *   queued       the call's request waits behind another call's request
 *                whose answer never comes; its error names its own request.
 * and a consumer's poll reports a failure that persists past
 * default.api.timeout.ms as an error, not only TIMED_OUT.  With the broker
 * well ("none"): subscribe refuses an invalid topic name, poll reports a
 * subscribed topic that does not exist (auto-creation off), and position
 * learns a partition's position from the (empty) committed offsets.
 *
 * How: a fault proxy (tests/common/faultproxy.h) sits in front of the
 * shared test broker with redirect_self on, so that metadata names the
 * proxy and every connection of the client goes through it; the client is
 * warmed up (connected, metadata known, group joined...) and then the
 * proxy hangs or dies.  The broker itself is never stopped, so the other
 * tests that share it are not disturbed.
 *
 * Each case runs in its own child process (fork), so that a call that
 * never returns cannot take the other cases with it: the parent kills a
 * case after KC_DEADLINE_CAP_S seconds (default 40) and fails it.  Up to
 * KC_DEADLINE_JOBS cases (default 6) run at once; their calls mostly wait,
 * so this costs little accuracy; KC_DEADLINE_JOBS=1 runs them one by one.
 *
 * Every timed call prints one line, pass or fail, for the before/after
 * table:
 *   DEADLINE ok|FAIL <case> <call> fault=<f> timeout=<ms> elapsed=<ms> err=<NAME>: <errstr>
 *
 * Run by hand: scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:31092 build/tests/integration/itest_deadlines
 * (ITEST_FILTER='consumer_close*' runs matching cases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/faultproxy.h"
#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

#define SLACK_MS 1000 /* what "returns by its deadline" allows for scheduling */
#define T_CALL 2000   /* the timeout given to the call under test */

#define API_METADATA 3
#define API_DESCRIBE_CONFIGS 32
#define API_VERSIONS 18

typedef enum fault { F_HUNG, F_DEAD, F_UNREACHABLE, F_QUEUED, F_NONE } fault_t;
static const char *const fault_names[] = { "hung", "dead", "unreachable", "queued", "none" };

typedef struct dl_case {
    const char *name;
    void (*body)(fault_t f);
    fault_t fault;
} dl_case_t;

/* ======================================================================
 * Child side: runs one case, prints its DEADLINE lines, exits 0 (pass),
 * 1 (a call missed its deadline or gave a wrong error) or 2 (the case
 * could not even set up: the broker is not usable, not a deadline result).
 * ==================================================================== */

static const dl_case_t *g_case;
static int g_failed;
static char g_broker[256];   /* first entry of kc_test_brokers() */
static char g_topic[160];    /* 1 partition, a few records; made by the parent */
static kc_fproxy_t *g_px;

static void setup_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void setup_failed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("SETUP FAILED %s: ", g_case->name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    _exit(2);
}

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s: ", g_case->name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    g_failed = 1;
}

/* What a call may return.  ANY_RESULT: only its time is checked;
 * ANY_ERROR: anything but KAFKAC_OK; ERRS(...): one of those. */
#define ANY_RESULT NULL, -1
#define ANY_ERROR NULL, 0
#define ERRS(...) (const kafkac_err_t[]){ __VA_ARGS__ }, \
                  (int)(sizeof((const kafkac_err_t[]){ __VA_ARGS__ }) / sizeof(kafkac_err_t))

/* Checks one timed call and prints its table line.  Returns 1 if it passed. */
static int check_call(const char *call, int timeout_ms, int64_t elapsed, kafkac_err_t rc, const char *errstr,
                      const kafkac_err_t *allowed, int n_allowed)
{
    char why[256] = "";
    if (elapsed > (int64_t)timeout_ms + SLACK_MS)
        snprintf(why, sizeof why, " [past its deadline by %lld ms]", (long long)(elapsed - timeout_ms));
    if (n_allowed == 0 && rc == KAFKAC_OK) {
        snprintf(why + strlen(why), sizeof why - strlen(why), " [expected an error]");
    } else if (n_allowed > 0) {
        int ok = 0;
        for (int i = 0; i < n_allowed; i++)
            ok |= allowed[i] == rc;
        if (!ok) {
            size_t l = strlen(why);
            snprintf(why + l, sizeof why - l, " [expected");
            for (int i = 0; i < n_allowed; i++) {
                l = strlen(why);
                snprintf(why + l, sizeof why - l, "%s%s", i ? " or " : " ", kafkac_err_name(allowed[i]));
            }
            l = strlen(why);
            snprintf(why + l, sizeof why - l, "]");
        }
    }
    int pass = why[0] == '\0';
    printf("DEADLINE %s %s %s fault=%s timeout=%d elapsed=%lld err=%s%s: %s\n", pass ? "ok  " : "FAIL",
           g_case->name, call, fault_names[g_case->fault], timeout_ms, (long long)elapsed, kafkac_err_name(rc),
           why, errstr && *errstr ? errstr : "(no text)");
    fflush(stdout);
    if (!pass)
        g_failed = 1;
    return pass;
}

static int64_t now_ms(void)
{
    return kc_test_now_ms();
}

/* Defect 1: a call's error must be about its own request, not about one
 * of the consumer's background requests (heartbeat, fetch) that happened
 * to be ahead of it.  Fails the case if errstr says "<api> request" for
 * one of the NULL-terminated api names (as a word: "Fetch" does not match
 * "OffsetFetch"). */
static void not_about(const char *call, const char *errstr, ...)
{
    va_list ap;
    va_start(ap, errstr);
    const char *api;
    while ((api = va_arg(ap, const char *)) != NULL) {
        char pat[64];
        snprintf(pat, sizeof pat, "%s request", api);
        for (const char *h = strstr(errstr, pat); h; h = strstr(h + 1, pat)) {
            if (h == errstr || !((h[-1] >= 'A' && h[-1] <= 'Z') || (h[-1] >= 'a' && h[-1] <= 'z'))) {
                failf("%s: the error names another request (%s), not the call's own: \"%s\"", call, api, errstr);
                break;
            }
        }
    }
    va_end(ap);
}

/* Says which call is about to wait, so that a case killed by the cap
 * shows where it was stuck. */
static void calling(const char *call, int timeout_ms)
{
    printf("  calling %s (timeout %d ms)\n", call, timeout_ms);
    fflush(stdout);
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        setup_failed("cannot find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

/* bootstrap.servers for the case: through the proxy, or (unreachable) a
 * port nothing listens on. */
static const char *bootstrap(fault_t f)
{
    static char addr[64];
    if (f == F_UNREACHABLE) {
        snprintf(addr, sizeof addr, "127.0.0.1:%d", free_port());
        return addr;
    }
    g_px = kc_fproxy_new(g_broker);
    if (!g_px)
        setup_failed("cannot start the fault proxy in front of %s", g_broker);
    kc_fproxy_redirect_self(g_px, 1);
    return kc_fproxy_addr(g_px);
}

/* Hangs or kills the broker as the case says (after the warm-up). */
static void inject(fault_t f)
{
    if (f == F_HUNG && kc_fproxy_set_mode(g_px, KC_FPROXY_HUNG) != 0)
        setup_failed("proxy: cannot hang");
    if (f == F_DEAD && kc_fproxy_set_mode(g_px, KC_FPROXY_DEAD) != 0)
        setup_failed("proxy: cannot die");
}

/* A consumer's broker hung for a while: long enough (heartbeat.interval.ms
 * is 1000 here) that a heartbeat or fetch is waiting unanswered when the
 * call under test sends its own request, as with a broker stopped for
 * real.  Defect 1: that request must still get its own deadline. */
static void inject_and_wait(fault_t f)
{
    inject(f);
    if (f == F_HUNG)
        usleep(1500 * 1000);
}

/* A configuration: bootstrap, then NULL-terminated key/value pairs. */
static kafkac_conf_t *conf_of(const char *servers, va_list ap)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf || kafkac_conf_set(conf, "bootstrap.servers", servers, err, sizeof err) != KAFKAC_OK)
        setup_failed("conf bootstrap.servers");
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (kafkac_conf_set(conf, k, v, err, sizeof err) != KAFKAC_OK)
            setup_failed("conf %s=%s: %s", k, v, err);
    }
    return conf;
}

static kafkac_producer_t *producer_new(const char *servers, ...)
{
    char err[512];
    va_list ap;
    va_start(ap, servers);
    kafkac_conf_t *conf = conf_of(servers, ap);
    va_end(ap);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        setup_failed("kafkac_producer_new: %s", err);
    return p;
}

static kafkac_consumer_t *consumer_new(const char *servers, ...)
{
    char err[512];
    va_list ap;
    va_start(ap, servers);
    kafkac_conf_t *conf = conf_of(servers, ap);
    va_end(ap);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c)
        setup_failed("kafkac_consumer_new: %s", err);
    return c;
}

static kafkac_admin_t *admin_new(const char *servers)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf || kafkac_conf_set(conf, "bootstrap.servers", servers, err, sizeof err) != KAFKAC_OK)
        setup_failed("conf");
    kafkac_admin_t *a = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!a)
        setup_failed("kafkac_admin_new: %s", err);
    return a;
}

static kafkac_client_t *client_new(const char *servers)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf || kafkac_conf_set(conf, "bootstrap.servers", servers, err, sizeof err) != KAFKAC_OK)
        setup_failed("conf");
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!cl)
        setup_failed("kafkac_client_new: %s", err);
    return cl;
}

static char *unique(char *buf, size_t size, const char *prefix)
{
    if (!kc_test_topic(buf, size, prefix))
        setup_failed("name too long");
    return buf;
}

static kafkac_topic_partition_list_t *one_partition(int64_t offset);

/* ---- producer ---------------------------------------------------------- */

static void send_one(kafkac_producer_t *p, const char *when)
{
    kafkac_err_t rc = kc_test_send_to(p, g_topic, 0, "k", 1, "v", 1, NULL);
    if (rc != KAFKAC_OK)
        setup_failed("send %s: %s", when, kafkac_err_name(rc));
}

/* A producer through the proxy that has delivered a record (connected,
 * metadata of g_topic known). */
static kafkac_producer_t *warm_producer(const char *servers)
{
    kafkac_producer_t *p = producer_new(servers, "linger.ms", "0", NULL);
    send_one(p, "to warm up");
    kafkac_err_t rc = kafkac_producer_flush(p, 15000);
    if (rc != KAFKAC_OK)
        setup_failed("warm-up flush: %s", kafkac_err_name(rc));
    return p;
}

/* send blocks (max.block.ms) only while the topic's metadata is unknown,
 * so the fault is there from the start.  Defect 5: the error says what
 * happened (TIMED_OUT, ALL_BROKERS_DOWN, RESOLVE), not UNKNOWN_TOPIC. */
static void producer_send(fault_t f)
{
    const char *servers;
    if (f == F_UNREACHABLE) {
        servers = "no-such-broker.invalid:9092";
    } else {
        servers = bootstrap(f);
        inject(f);
    }
    kafkac_producer_t *p = producer_new(servers, "max.block.ms", "2000", NULL);
    char topic[160];
    unique(topic, sizeof topic, "dl-send");
    calling("kafkac_producer_send", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_producer_send(p, topic, "k", 1, "v", 1, NULL);
    int64_t ms = now_ms() - t0;
    if (f == F_HUNG)
        check_call("kafkac_producer_send", 2000, ms, rc, "", ERRS(KAFKAC_ERR_TIMED_OUT));
    else if (f == F_DEAD)
        check_call("kafkac_producer_send", 2000, ms, rc, "", ERRS(KAFKAC_ERR_ALL_BROKERS_DOWN));
    else
        check_call("kafkac_producer_send", 2000, ms, rc, "", ERRS(KAFKAC_ERR_RESOLVE, KAFKAC_ERR_ALL_BROKERS_DOWN));
}

/* flush and close with a record that cannot be delivered.  Unreachable:
 * nothing can be queued (send fails after max.block.ms), so the call
 * only must not wait. */
static void producer_flush_or_close(fault_t f, int close)
{
    kafkac_producer_t *p;
    if (f == F_UNREACHABLE) {
        p = producer_new(bootstrap(f), "max.block.ms", "1000", NULL);
        kc_test_send_to(p, g_topic, 0, "k", 1, "v", 1, NULL);
    } else {
        p = warm_producer(bootstrap(f));
        inject(f);
        send_one(p, "after the fault");
    }
    calling(close ? "kafkac_producer_close" : "kafkac_producer_flush", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = close ? kafkac_producer_close(p, T_CALL) : kafkac_producer_flush(p, T_CALL);
    int64_t ms = now_ms() - t0;
    if (f == F_UNREACHABLE)
        check_call(close ? "kafkac_producer_close" : "kafkac_producer_flush", T_CALL, ms, rc, "", ANY_RESULT);
    else
        check_call(close ? "kafkac_producer_close" : "kafkac_producer_flush", T_CALL, ms, rc, "",
                   ERRS(KAFKAC_ERR_TIMED_OUT));
}

static void producer_flush(fault_t f)
{
    producer_flush_or_close(f, 0);
}

static void producer_close(fault_t f)
{
    producer_flush_or_close(f, 1);
}

static kafkac_producer_t *txn_producer(const char *servers)
{
    char tid[160];
    unique(tid, sizeof tid, "dl-txn");
    return producer_new(servers, "transactional.id", tid, "transaction.timeout.ms", "10000", "linger.ms", "0",
                        NULL);
}

/* init_transactions is the first call, so the fault is there from the start. */
static void producer_init_transactions(fault_t f)
{
    const char *servers = bootstrap(f);
    if (f != F_UNREACHABLE)
        inject(f);
    kafkac_producer_t *p = txn_producer(servers);
    char err[512] = "";
    calling("kafkac_producer_init_transactions", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_producer_init_transactions(p, T_CALL, err, sizeof err);
    int64_t ms = now_ms() - t0;
    check_call("kafkac_producer_init_transactions", T_CALL, ms, rc, err, ANY_ERROR);
}

/* A transactional producer with one committed transaction behind it and
 * a second one open holding a delivered record. */
static kafkac_producer_t *warm_txn_producer(const char *servers)
{
    char err[512] = "";
    kafkac_producer_t *p = txn_producer(servers);
    kafkac_err_t rc = kafkac_producer_init_transactions(p, 15000, err, sizeof err);
    if (rc != KAFKAC_OK)
        setup_failed("init_transactions: %s: %s", kafkac_err_name(rc), err);
    for (int i = 0; i < 2; i++) {
        if ((rc = kafkac_producer_begin_transaction(p, err, sizeof err)) != KAFKAC_OK)
            setup_failed("begin_transaction: %s: %s", kafkac_err_name(rc), err);
        send_one(p, "in a transaction");
        if ((rc = kafkac_producer_flush(p, 15000)) != KAFKAC_OK)
            setup_failed("flush in a transaction: %s", kafkac_err_name(rc));
        if (i == 0 && (rc = kafkac_producer_commit_transaction(p, 15000, err, sizeof err)) != KAFKAC_OK)
            setup_failed("commit_transaction: %s: %s", kafkac_err_name(rc), err);
    }
    return p;
}

/* commit and abort need an initialized producer: no unreachable case
 * (producer_init_transactions_unreachable covers that). */
static void producer_end_transaction(fault_t f, int commit)
{
    kafkac_producer_t *p = warm_txn_producer(bootstrap(f));
    inject(f);
    char err[512] = "";
    calling(commit ? "kafkac_producer_commit_transaction" : "kafkac_producer_abort_transaction", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = commit ? kafkac_producer_commit_transaction(p, T_CALL, err, sizeof err)
                             : kafkac_producer_abort_transaction(p, T_CALL, err, sizeof err);
    int64_t ms = now_ms() - t0;
    check_call(commit ? "kafkac_producer_commit_transaction" : "kafkac_producer_abort_transaction", T_CALL, ms,
               rc, err, ANY_ERROR);
}

/* send_offsets_to_transaction in the open transaction: AddOffsetsToTxn
 * to the transaction coordinator, TxnOffsetCommit to the group's. */
static void producer_send_offsets_to_transaction(fault_t f)
{
    kafkac_producer_t *p = warm_txn_producer(bootstrap(f));
    inject(f);
    char group[160], err[512] = "";
    kafkac_group_metadata_t *gm = kafkac_group_metadata_new(unique(group, sizeof group, "dl-group"), -1, NULL, NULL);
    kafkac_topic_partition_list_t *l = one_partition(1);
    calling("kafkac_producer_send_offsets_to_transaction", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_producer_send_offsets_to_transaction(p, l, gm, T_CALL, err, sizeof err);
    int64_t ms = now_ms() - t0;
    kafkac_tpl_destroy(l);
    kafkac_group_metadata_destroy(gm);
    check_call("kafkac_producer_send_offsets_to_transaction", T_CALL, ms, rc, err, ANY_ERROR);
}

/* future_wait on a record that cannot be delivered: a local wait, but one
 * a user blocks in. */
static void producer_future_wait(fault_t f)
{
    kafkac_producer_t *p = warm_producer(bootstrap(f));
    inject(f);
    kafkac_future_t *fut = NULL;
    if (kc_test_send_to(p, g_topic, 0, "k", 1, "v", 1, &fut) != KAFKAC_OK)
        setup_failed("send after the fault");
    calling("kafkac_future_wait", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_future_wait(fut, T_CALL, NULL);
    check_call("kafkac_future_wait", T_CALL, now_ms() - t0, rc, "", ERRS(KAFKAC_ERR_TIMED_OUT));
}

static void producer_commit_transaction(fault_t f)
{
    producer_end_transaction(f, 1);
}

static void producer_abort_transaction(fault_t f)
{
    producer_end_transaction(f, 0);
}

/* ---- consumer ---------------------------------------------------------- */

static kafkac_topic_partition_list_t *one_partition(int64_t offset)
{
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_topic_partition_t *tp = l ? kafkac_tpl_add(l, g_topic, 0) : NULL;
    if (!tp)
        setup_failed("out of memory");
    kafkac_tp_set_offset(tp, offset);
    return l;
}

/* Polls until a record arrives; returns how many (0: none within ms). */
static int poll_records(kafkac_consumer_t *c, int ms)
{
    int64_t end = now_ms() + ms;
    while (now_ms() < end) {
        kafkac_records_t *rs = NULL;
        char err[512];
        kafkac_err_t rc = kafkac_consumer_poll(c, 200, 0, &rs, err, sizeof err);
        if (rc == KAFKAC_OK) {
            int n = kafkac_records_count(rs);
            kafkac_records_destroy(rs);
            return n;
        }
    }
    return 0;
}

/* A group member of a fresh group, subscribed to g_topic, that has
 * received records (so it is assigned and has positions to commit). */
static kafkac_consumer_t *warm_group_consumer(const char *servers, int auto_commit)
{
    char group[160];
    unique(group, sizeof group, "dl-group");
    kafkac_consumer_t *c = consumer_new(servers, "group.id", group, "auto.offset.reset", "earliest",
                                        "enable.auto.commit", auto_commit ? "true" : "false",
                                        "auto.commit.interval.ms", "600000", "session.timeout.ms", "10000",
                                        "heartbeat.interval.ms", "1000", "default.api.timeout.ms", "2000", NULL);
    char err[512];
    const char *topics[] = { g_topic };
    if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK)
        setup_failed("subscribe: %s", err);
    if (poll_records(c, 20000) == 0)
        setup_failed("the group member received no record of %s in 20 s", g_topic);
    return c;
}

/* An assigned consumer (no group unless group_id) that knows g_topic's
 * metadata, has asked its leader for offsets once, and is fetching
 * g_topic[0] (so that fetches are in flight when the broker hangs). */
static kafkac_consumer_t *warm_assigned_consumer(const char *servers, const char *group_id)
{
    kafkac_consumer_t *c = group_id
        ? consumer_new(servers, "group.id", group_id, "auto.offset.reset", "latest", "enable.auto.commit",
                       "false", "default.api.timeout.ms", "2000", NULL)
        : consumer_new(servers, "auto.offset.reset", "earliest", "default.api.timeout.ms", "2000", NULL);
    kafkac_topic_partition_list_t *l = one_partition(KAFKAC_OFFSET_INVALID);
    char err[512];
    kafkac_err_t rc = kafkac_consumer_end_offsets(c, l, 15000, err, sizeof err);
    kafkac_tpl_destroy(l);
    if (rc != KAFKAC_OK)
        setup_failed("end_offsets to warm up: %s: %s", kafkac_err_name(rc), err);
    l = one_partition(KAFKAC_OFFSET_BEGINNING);
    if (kafkac_consumer_assign(c, l, err, sizeof err) != KAFKAC_OK)
        setup_failed("assign: %s", err);
    kafkac_tpl_destroy(l);
    if (poll_records(c, 15000) == 0)
        setup_failed("no record of %s in 15 s", g_topic);
    return c;
}

static void consumer_poll(fault_t f)
{
    kafkac_consumer_t *c;
    kafkac_topic_partition_list_t *l = one_partition(KAFKAC_OFFSET_BEGINNING);
    char err[512] = "";
    if (f == F_UNREACHABLE) {
        c = consumer_new(bootstrap(f), "default.api.timeout.ms", "2000", NULL);
        if (kafkac_consumer_assign(c, l, err, sizeof err) != KAFKAC_OK)
            setup_failed("assign: %s", err);
    } else {
        c = warm_assigned_consumer(bootstrap(f), NULL);
        inject_and_wait(f);
    }
    kafkac_tpl_destroy(l);
    /* Several polls: the first may return records already buffered. */
    for (int i = 0; i < 3; i++) {
        kafkac_records_t *rs = NULL;
        err[0] = '\0';
        calling("kafkac_consumer_poll", 1000);
        int64_t t0 = now_ms();
        kafkac_err_t rc = kafkac_consumer_poll(c, 1000, 0, &rs, err, sizeof err);
        int64_t ms = now_ms() - t0;
        kafkac_records_destroy(rs);
        check_call("kafkac_consumer_poll", 1000, ms, rc, err, ANY_RESULT);
    }
}

/* Defect 3: with no broker answering, poll reports an error (not only
 * TIMED_OUT) once default.api.timeout.ms (2000 here) has passed; and the
 * consumer keeps trying: once the broker is back it consumes again. */
static void consumer_poll_error(fault_t f)
{
    kafkac_consumer_t *c;
    char err[512] = "";
    int64_t t_fault;
    if (f == F_UNREACHABLE) {
        char group[160];
        c = consumer_new(bootstrap(f), "group.id", unique(group, sizeof group, "dl-group"),
                         "default.api.timeout.ms", "2000", NULL);
        const char *topics[] = { g_topic };
        if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK)
            setup_failed("subscribe: %s", err);
        t_fault = now_ms();
    } else {
        c = warm_group_consumer(bootstrap(f), 0);
        inject_and_wait(f);
        t_fault = now_ms();
    }
    kafkac_err_t got = KAFKAC_ERR_TIMED_OUT;
    int64_t ms = 0;
    calling("kafkac_consumer_poll until an error (no broker)", 2000);
    while (now_ms() - t_fault < 2000 + 4000) {
        kafkac_records_t *rs = NULL;
        err[0] = '\0';
        kafkac_err_t rc = kafkac_consumer_poll(c, 500, 0, &rs, err, sizeof err);
        kafkac_records_destroy(rs);
        if (rc != KAFKAC_OK && rc != KAFKAC_ERR_TIMED_OUT) {
            got = rc;
            break;
        }
    }
    ms = now_ms() - t_fault;
    /* The "call" here is the run of polls since the broker went away;
     * its deadline is default.api.timeout.ms. */
    check_call("kafkac_consumer_poll (error event)", 2000, ms, got, err, ANY_ERROR);
    if (f == F_UNREACHABLE || got == KAFKAC_ERR_TIMED_OUT || ms > 2000 + SLACK_MS)
        return;
    /* It keeps trying: the broker comes back, a new record arrives. */
    if (kc_fproxy_set_mode(g_px, KC_FPROXY_UP) != 0)
        setup_failed("proxy: cannot come back up");
    kafkac_producer_t *p = producer_new(g_broker, NULL);
    send_one(p, "after the broker came back");
    if (kafkac_producer_flush(p, 15000) != KAFKAC_OK)
        setup_failed("flush after the broker came back");
    if (poll_records(c, 20000) == 0)
        failf("after the error event and the broker's return, no record arrived within 20 s: "
              "the consumer stopped trying");
    else
        printf("  the consumer consumed again after the broker came back\n");
}

static void consumer_subscribe_invalid_name(fault_t f)
{
    (void)f;
    char group[160], err[512] = "";
    kafkac_consumer_t *c =
        consumer_new(g_broker, "group.id", unique(group, sizeof group, "dl-group"), NULL);
    const char *topics[] = { "bad topic!" };
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_consumer_subscribe(c, topics, 1, err, sizeof err);
    check_call("kafkac_consumer_subscribe(\"bad topic!\")", 0, now_ms() - t0, rc, err,
               ERRS(KAFKAC_ERR_INVALID_ARG, KAFKAC_ERR_INVALID_TOPIC_EXCEPTION));
    if (rc != KAFKAC_OK && !strstr(err, "bad topic!"))
        failf("the error should name the topic: \"%s\"", err);
}

/* A subscribed topic that does not exist, auto-creation off: poll reports
 * UNKNOWN_TOPIC_OR_PARTITION (within default.api.timeout.ms). */
static void consumer_poll_unknown_topic(fault_t f)
{
    (void)f;
    char group[160], topic[160], err[512] = "";
    kafkac_consumer_t *c = consumer_new(g_broker, "group.id", unique(group, sizeof group, "dl-group"),
                                        "allow.auto.create.topics", "false", "default.api.timeout.ms", "2000",
                                        NULL);
    const char *topics[] = { unique(topic, sizeof topic, "dl-missing") };
    if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK)
        setup_failed("subscribe: %s", err);
    calling("kafkac_consumer_poll until an error (unknown topic)", 2000);
    int64_t t0 = now_ms();
    kafkac_err_t got = KAFKAC_ERR_TIMED_OUT;
    while (now_ms() - t0 < 2000 + 4000) {
        kafkac_records_t *rs = NULL;
        err[0] = '\0';
        kafkac_err_t rc = kafkac_consumer_poll(c, 500, 0, &rs, err, sizeof err);
        kafkac_records_destroy(rs);
        if (rc != KAFKAC_OK && rc != KAFKAC_ERR_TIMED_OUT) {
            got = rc;
            break;
        }
    }
    if (check_call("kafkac_consumer_poll (unknown topic)", 2000, now_ms() - t0, got, err,
                   ERRS(KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION)) &&
        !strstr(err, topic))
        failf("the error should name the topic %s: \"%s\"", topic, err);
}

/* commit_sync, committed, close: a group member that has consumed. */
static void consumer_group_call(fault_t f, int which)
{
    static const char *const names[] = { "kafkac_consumer_commit_sync", "kafkac_consumer_committed",
                                         "kafkac_consumer_close" };
    kafkac_consumer_t *c;
    char err[512] = "";
    if (f == F_UNREACHABLE) {
        char group[160];
        c = consumer_new(bootstrap(f), "group.id", unique(group, sizeof group, "dl-group"),
                         "default.api.timeout.ms", "2000", NULL);
        const char *topics[] = { g_topic };
        if (which == 2) {
            if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK)
                setup_failed("subscribe: %s", err);
        } else {
            kafkac_topic_partition_list_t *l = one_partition(KAFKAC_OFFSET_BEGINNING);
            if (kafkac_consumer_assign(c, l, err, sizeof err) != KAFKAC_OK)
                setup_failed("assign: %s", err);
            kafkac_tpl_destroy(l);
        }
    } else {
        /* close: enable.auto.commit, so that close owes a final commit;
         * when it fails, close returns that error (defect 6). */
        c = warm_group_consumer(bootstrap(f), which == 2);
        inject_and_wait(f);
    }
    kafkac_topic_partition_list_t *l = one_partition(1);
    calling(names[which], T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc;
    if (which == 0)
        rc = kafkac_consumer_commit_sync(c, l, T_CALL, err, sizeof err);
    else if (which == 1)
        rc = kafkac_consumer_committed(c, l, T_CALL, err, sizeof err);
    else
        rc = kafkac_consumer_close(c, T_CALL);
    int64_t ms = now_ms() - t0;
    kafkac_tpl_destroy(l);
    if (which == 2 && f == F_UNREACHABLE)
        check_call(names[which], T_CALL, ms, rc, err, ANY_RESULT); /* owed nothing */
    else
        check_call(names[which], T_CALL, ms, rc, err, ANY_ERROR);
    not_about(names[which], err, "Heartbeat", "Fetch", (const char *)NULL);
}

static void consumer_commit_sync(fault_t f)
{
    consumer_group_call(f, 0);
}

static void consumer_committed(fault_t f)
{
    consumer_group_call(f, 1);
}

static void consumer_close(fault_t f)
{
    consumer_group_call(f, 2);
}

/* unsubscribe has no timeout argument: it may wait up to
 * default.api.timeout.ms (2000 here) for the revoke's commit and the
 * LeaveGroup. */
static void consumer_unsubscribe(fault_t f)
{
    kafkac_consumer_t *c = warm_group_consumer(bootstrap(f), 1);
    inject_and_wait(f);
    calling("kafkac_consumer_unsubscribe", 2000);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_consumer_unsubscribe(c);
    check_call("kafkac_consumer_unsubscribe (default.api.timeout.ms)", 2000, now_ms() - t0, rc, "", ANY_RESULT);
}

/* The ListOffsets calls. */
static void consumer_offsets_call(fault_t f, int which)
{
    static const char *const names[] = { "kafkac_consumer_offsets_for_times", "kafkac_consumer_beginning_offsets",
                                         "kafkac_consumer_end_offsets" };
    kafkac_consumer_t *c;
    if (f == F_UNREACHABLE) {
        c = consumer_new(bootstrap(f), "default.api.timeout.ms", "2000", NULL);
    } else {
        c = warm_assigned_consumer(bootstrap(f), NULL);
        inject_and_wait(f);
    }
    kafkac_topic_partition_list_t *l = one_partition(which == 0 ? (int64_t)1000000 : KAFKAC_OFFSET_INVALID);
    char err[512] = "";
    calling(names[which], T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = which == 0 ? kafkac_consumer_offsets_for_times(c, l, T_CALL, err, sizeof err)
                    : which == 1 ? kafkac_consumer_beginning_offsets(c, l, T_CALL, err, sizeof err)
                                 : kafkac_consumer_end_offsets(c, l, T_CALL, err, sizeof err);
    int64_t ms = now_ms() - t0;
    kafkac_tpl_destroy(l);
    check_call(names[which], T_CALL, ms, rc, err, ANY_ERROR);
    not_about(names[which], err, "Fetch", (const char *)NULL);
}

static void consumer_offsets_for_times(fault_t f)
{
    consumer_offsets_call(f, 0);
}

static void consumer_beginning_offsets(fault_t f)
{
    consumer_offsets_call(f, 1);
}

static void consumer_end_offsets(fault_t f)
{
    consumer_offsets_call(f, 2);
}

/* position waits while the position is unknown: the partition assigned
 * again, with "the committed offset", after the fault. */
static void consumer_position(fault_t f)
{
    char group[160], err[512] = "";
    unique(group, sizeof group, "dl-group");
    kafkac_consumer_t *c;
    if (f == F_UNREACHABLE) {
        c = consumer_new(bootstrap(f), "group.id", group, "default.api.timeout.ms", "2000", NULL);
    } else {
        c = warm_assigned_consumer(bootstrap(f), group);
        inject_and_wait(f);
    }
    /* Unassigned first, so that no position is kept from before. */
    if (kafkac_consumer_assign(c, NULL, err, sizeof err) != KAFKAC_OK)
        setup_failed("unassign: %s", err);
    kafkac_topic_partition_list_t *l = one_partition(KAFKAC_OFFSET_INVALID);
    if (kafkac_consumer_assign(c, l, err, sizeof err) != KAFKAC_OK)
        setup_failed("assign: %s", err);
    kafkac_tpl_destroy(l);
    int64_t pos = -1;
    calling("kafkac_consumer_position", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_consumer_position(c, g_topic, 0, &pos, T_CALL, err, sizeof err);
    int64_t ms = now_ms() - t0;
    check_call("kafkac_consumer_position", T_CALL, ms, rc, err, ANY_ERROR);
    not_about("kafkac_consumer_position", err, "Heartbeat", "Fetch", (const char *)NULL);
}

/* The same with the broker well: a consumer with group.id assigned a
 * partition "at the committed offset" learns its position (nothing is
 * committed for the fresh group: auto.offset.reset=latest).  Found by the
 * cases above: on main this crashes (double free of the awaited list in
 * src/consumer/commit.c while the coordinator is not known yet). */
static void consumer_position_committed(fault_t f)
{
    (void)f;
    char group[160], err[512] = "";
    kafkac_consumer_t *c = consumer_new(g_broker, "group.id", unique(group, sizeof group, "dl-group"),
                                        "auto.offset.reset", "latest", NULL);
    kafkac_topic_partition_list_t *l = one_partition(KAFKAC_OFFSET_INVALID);
    if (kafkac_consumer_assign(c, l, err, sizeof err) != KAFKAC_OK)
        setup_failed("assign: %s", err);
    kafkac_tpl_destroy(l);
    int64_t pos = -1;
    calling("kafkac_consumer_position", 10000);
    int64_t t0 = now_ms();
    kafkac_err_t rc = kafkac_consumer_position(c, g_topic, 0, &pos, 10000, err, sizeof err);
    if (check_call("kafkac_consumer_position (broker well)", 10000, now_ms() - t0, rc, err, ERRS(KAFKAC_OK)) &&
        pos < 5)
        failf("position %lld: the partition holds at least 5 records and latest is its end", (long long)pos);
}

/* ---- admin ------------------------------------------------------------- */

static kafkac_admin_t *warm_admin(const char *servers)
{
    kafkac_admin_t *a = admin_new(servers);
    kafkac_cluster_desc_t *d = NULL;
    char err[512];
    kafkac_err_t rc = kafkac_admin_describe_cluster(a, 15000, &d, err, sizeof err);
    kafkac_cluster_desc_destroy(d);
    if (rc != KAFKAC_OK)
        setup_failed("describe_cluster to warm up: %s: %s", kafkac_err_name(rc), err);
    return a;
}

enum { A_CREATE_TOPICS, A_DESCRIBE_CLUSTER, A_LIST_GROUPS, A_DESCRIBE_CONFIGS, A_DELETE_TOPICS };
static const char *const admin_names[] = { "kafkac_admin_create_topics", "kafkac_admin_describe_cluster",
                                           "kafkac_admin_list_consumer_groups", "kafkac_admin_describe_configs",
                                           "kafkac_admin_delete_topics" };

static kafkac_err_t admin_call(kafkac_admin_t *a, int which, int timeout_ms, char *err, size_t errsz)
{
    char topic[160];
    unique(topic, sizeof topic, "dl-admin");
    kafkac_err_t rc = KAFKAC_ERR_INVALID_ARG;
    switch (which) {
    case A_CREATE_TOPICS: {
        kafkac_new_topic_t *t = kafkac_new_topic_new(topic, 1, 1);
        kafkac_admin_result_t *r = NULL;
        rc = t ? kafkac_admin_create_topics(a, (const kafkac_new_topic_t *const *)&t, 1, 0, timeout_ms, &r, err, errsz)
               : KAFKAC_ERR_NO_MEMORY;
        kafkac_new_topic_destroy(t);
        kafkac_admin_result_destroy(r);
        break;
    }
    case A_DESCRIBE_CLUSTER: {
        kafkac_cluster_desc_t *d = NULL;
        rc = kafkac_admin_describe_cluster(a, timeout_ms, &d, err, errsz);
        kafkac_cluster_desc_destroy(d);
        break;
    }
    case A_LIST_GROUPS: {
        kafkac_group_list_t *l = NULL;
        rc = kafkac_admin_list_consumer_groups(a, timeout_ms, &l, err, errsz);
        kafkac_group_list_destroy(l);
        break;
    }
    case A_DESCRIBE_CONFIGS: {
        kafkac_config_resource_t *res = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, g_topic);
        kafkac_config_desc_t *d = NULL;
        rc = res ? kafkac_admin_describe_configs(a, (const kafkac_config_resource_t *const *)&res, 1, timeout_ms, &d,
                                                 err, errsz)
                 : KAFKAC_ERR_NO_MEMORY;
        kafkac_config_resource_destroy(res);
        kafkac_config_desc_destroy(d);
        break;
    }
    case A_DELETE_TOPICS: {
        const char *topics[] = { topic };
        kafkac_admin_result_t *r = NULL;
        rc = kafkac_admin_delete_topics(a, topics, 1, timeout_ms, &r, err, errsz);
        kafkac_admin_result_destroy(r);
        break;
    }
    }
    return rc;
}

static void admin_case(fault_t f, int which)
{
    kafkac_admin_t *a;
    if (f == F_UNREACHABLE) {
        a = admin_new(bootstrap(f));
    } else {
        a = warm_admin(bootstrap(f));
        inject(f);
    }
    char err[512] = "";
    calling(admin_names[which], T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = admin_call(a, which, T_CALL, err, sizeof err);
    check_call(admin_names[which], T_CALL, now_ms() - t0, rc, err, ANY_ERROR);
}

static void admin_create_topics(fault_t f)
{
    admin_case(f, A_CREATE_TOPICS);
}

static void admin_describe_cluster(fault_t f)
{
    admin_case(f, A_DESCRIBE_CLUSTER);
}

static void admin_list_groups(fault_t f)
{
    admin_case(f, A_LIST_GROUPS);
}

static void admin_describe_configs(fault_t f)
{
    admin_case(f, A_DESCRIBE_CONFIGS);
}

static void admin_delete_topics(fault_t f)
{
    admin_case(f, A_DELETE_TOPICS);
}

/* A call on another thread whose answer never comes. */
typedef struct hung_call {
    pthread_t th;
    kafkac_admin_t *adm;
    kafkac_client_t *cl;
    int32_t broker;
    kafkac_err_t rc;
    int64_t ms;
    char err[512];
    atomic_int done;
} hung_call_t;

/* After the queued call: lets the hung one go (every link closes, a retry
 * gets an answer) and says what it did, waiting at most 5 s for it; it is
 * not joined, the case's process ends anyway. */
static void release_hung(hung_call_t *h, const char *what)
{
    kc_fproxy_set_mode(g_px, KC_FPROXY_DEAD);
    kc_fproxy_set_mode(g_px, KC_FPROXY_UP);
    int64_t end = now_ms() + 5000;
    while (!atomic_load(&h->done) && now_ms() < end)
        usleep(10 * 1000);
    if (atomic_load(&h->done))
        printf("  (the hung %s returned %s after %lld ms, once its connection closed)\n", what,
               kafkac_err_name(h->rc), (long long)h->ms);
    else
        printf("  (the hung %s had not returned 5 s after its connection closed)\n", what);
}

static void *admin_hung_thread(void *arg)
{
    hung_call_t *h = arg;
    int64_t t0 = now_ms();
    h->rc = admin_call(h->adm, A_DESCRIBE_CONFIGS, 30000, h->err, sizeof h->err);
    h->ms = now_ms() - t0;
    atomic_store(&h->done, 1);
    return NULL;
}

/* Waits until the proxy has swallowed the first call's answer. */
static void wait_fired(int before)
{
    int64_t end = now_ms() + 10000;
    while (kc_fproxy_fired(g_px) == before && now_ms() < end)
        usleep(10 * 1000);
    if (kc_fproxy_fired(g_px) == before)
        setup_failed("the first call's request never reached the broker");
}

/* Defect 1: describe_configs (30 s) hangs; describe_cluster (2 s) queued
 * behind it on the same connection must fail at 2 s, naming its own
 * request, not the hung one's. */
static void admin_queued(fault_t f)
{
    (void)f;
    static hung_call_t h; /* outlives the case: its thread is not joined */
    h.adm = warm_admin(bootstrap(F_HUNG));
    int fired = kc_fproxy_fired(g_px);
    kc_fproxy_arm(g_px, KC_FAULT_SILENCE, API_DESCRIBE_CONFIGS, KC_FAULT_NOT_FIRST);
    if (pthread_create(&h.th, NULL, admin_hung_thread, &h) != 0)
        setup_failed("pthread_create");
    pthread_detach(h.th);
    wait_fired(fired);
    char err[512] = "";
    calling("kafkac_admin_describe_cluster behind a hung describe_configs", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc = admin_call(h.adm, A_DESCRIBE_CLUSTER, T_CALL, err, sizeof err);
    if (check_call("kafkac_admin_describe_cluster behind a hung describe_configs", T_CALL, now_ms() - t0, rc, err,
                   ERRS(KAFKAC_ERR_TIMED_OUT))) {
        if (!strstr(err, "DescribeCluster") || strstr(err, "DescribeConfigs"))
            failf("the error should name DescribeCluster (its own request), not DescribeConfigs: \"%s\"", err);
    }
    release_hung(&h, "describe_configs");
}

/* ---- protocol client --------------------------------------------------- */

static int32_t warm_client_broker;

static kafkac_client_t *warm_client(const char *servers)
{
    kafkac_client_t *cl = client_new(servers);
    kafkac_metadata_t *md = NULL;
    char err[512];
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, 0, 15000, &md, err, sizeof err);
    if (rc != KAFKAC_OK || kafkac_metadata_broker_count(md) < 1)
        setup_failed("metadata to warm up: %s: %s", kafkac_err_name(rc), err);
    warm_client_broker = kafkac_node_id(kafkac_metadata_broker(md, 0));
    kafkac_metadata_destroy(md);
    /* And the broker's own connection (not only the bootstrap one). */
    kafkac_broker_versions_t *v = NULL;
    rc = kafkac_client_probe(cl, warm_client_broker, 15000, &v, err, sizeof err);
    kafkac_broker_versions_destroy(v);
    if (rc != KAFKAC_OK)
        setup_failed("probe of broker %d to warm up: %s: %s", warm_client_broker, kafkac_err_name(rc), err);
    return cl;
}

static void client_case(fault_t f, int which)
{
    kafkac_client_t *cl;
    int32_t broker = -1;
    if (f == F_UNREACHABLE) {
        cl = client_new(bootstrap(f));
    } else {
        cl = warm_client(bootstrap(f));
        broker = warm_client_broker;
        inject(f);
    }
    char err[512] = "";
    kafkac_err_t rc;
    const char *name;
    static const char *const names[] = { "kafkac_client_metadata", "kafkac_client_probe",
                                         "kafkac_client_request(ApiVersions v0)" };
    calling(names[which], T_CALL);
    int64_t t0 = now_ms();
    if (which == 0) {
        name = "kafkac_client_metadata";
        kafkac_metadata_t *md = NULL;
        rc = kafkac_client_metadata(cl, NULL, 0, T_CALL, &md, err, sizeof err);
        kafkac_metadata_destroy(md);
    } else if (which == 1) {
        name = "kafkac_client_probe";
        kafkac_broker_versions_t *v = NULL;
        rc = kafkac_client_probe(cl, broker, T_CALL, &v, err, sizeof err);
        kafkac_broker_versions_destroy(v);
    } else {
        name = "kafkac_client_request(ApiVersions v0)";
        void *resp = NULL;
        size_t len = 0;
        rc = kafkac_client_request(cl, broker, API_VERSIONS, 0, "", 0, &resp, &len, T_CALL, err, sizeof err);
        kafkac_free(resp);
    }
    check_call(name, T_CALL, now_ms() - t0, rc, err, ANY_ERROR);
}

static void client_metadata(fault_t f)
{
    client_case(f, 0);
}

static void client_probe(fault_t f)
{
    client_case(f, 1);
}

static void client_request(fault_t f)
{
    client_case(f, 2);
}

static void *client_hung_thread(void *arg)
{
    hung_call_t *h = arg;
    static const uint8_t no_topics[4] = { 0, 0, 0, 0 }; /* Metadata v1: an empty topic array */
    void *resp = NULL;
    size_t len = 0;
    int64_t t0 = now_ms();
    h->rc = kafkac_client_request(h->cl, h->broker, API_METADATA, 1, no_topics, sizeof no_topics, &resp, &len, 30000,
                                  h->err, sizeof h->err);
    h->ms = now_ms() - t0;
    kafkac_free(resp);
    atomic_store(&h->done, 1);
    return NULL;
}

/* Defect 1 on the protocol client: a Metadata request (30 s) hangs; an
 * ApiVersions request (2 s) to the same broker, queued behind it on the
 * same connection, fails at 2 s and names ApiVersions. */
static void client_queued(fault_t f)
{
    (void)f;
    static hung_call_t h;
    h.cl = warm_client(bootstrap(F_HUNG));
    h.broker = warm_client_broker;
    int fired = kc_fproxy_fired(g_px);
    kc_fproxy_arm(g_px, KC_FAULT_SILENCE, API_METADATA, KC_FAULT_NOT_FIRST);
    if (pthread_create(&h.th, NULL, client_hung_thread, &h) != 0)
        setup_failed("pthread_create");
    pthread_detach(h.th);
    wait_fired(fired);
    char err[512] = "";
    void *resp = NULL;
    size_t len = 0;
    calling("kafkac_client_request(ApiVersions) behind a hung Metadata", T_CALL);
    int64_t t0 = now_ms();
    kafkac_err_t rc =
        kafkac_client_request(h.cl, h.broker, API_VERSIONS, 0, "", 0, &resp, &len, T_CALL, err, sizeof err);
    kafkac_free(resp);
    if (check_call("kafkac_client_request(ApiVersions) behind a hung Metadata", T_CALL, now_ms() - t0, rc, err,
                   ERRS(KAFKAC_ERR_TIMED_OUT))) {
        if (!strstr(err, "ApiVersions") || strstr(err, "Metadata"))
            failf("the error should name ApiVersions (its own request), not Metadata: \"%s\"", err);
    }
    release_hung(&h, "Metadata request");
}

/* ---- the case table ---------------------------------------------------- */

#define HDU(fn)                                                                                          \
    { #fn "_hung", fn, F_HUNG }, { #fn "_dead", fn, F_DEAD }, { #fn "_unreachable", fn, F_UNREACHABLE }
#define HD(fn) { #fn "_hung", fn, F_HUNG }, { #fn "_dead", fn, F_DEAD }

static const dl_case_t cases[] = {
    HDU(producer_send),
    HDU(producer_flush),
    HDU(producer_close),
    HDU(producer_init_transactions),
    HD(producer_commit_transaction),
    HD(producer_abort_transaction),
    HD(producer_send_offsets_to_transaction),
    HD(producer_future_wait),
    HDU(consumer_poll),
    HDU(consumer_poll_error),
    { "consumer_poll_unknown_topic", consumer_poll_unknown_topic, F_NONE },
    { "consumer_subscribe_invalid_name", consumer_subscribe_invalid_name, F_NONE },
    HDU(consumer_commit_sync),
    HDU(consumer_committed),
    HDU(consumer_close),
    HD(consumer_unsubscribe),
    HDU(consumer_offsets_for_times),
    HDU(consumer_beginning_offsets),
    HDU(consumer_end_offsets),
    HDU(consumer_position),
    { "consumer_position_committed", consumer_position_committed, F_NONE },
    HDU(admin_create_topics),
    HDU(admin_describe_cluster),
    HDU(admin_list_groups),
    HDU(admin_describe_configs),
    HDU(admin_delete_topics),
    { "admin_queued", admin_queued, F_QUEUED },
    HDU(client_metadata),
    HDU(client_probe),
    HDU(client_request),
    { "client_queued", client_queued, F_QUEUED },
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* ======================================================================
 * Parent side: cmocka runs one test per case; the cases themselves run in
 * child processes, up to `jobs` at once, started ahead of their test.
 * ==================================================================== */

typedef struct slot {
    pid_t pid;          /* 0: not started; -1: finished */
    int64_t started;
    int status;         /* waitpid status */
    int killed;         /* by the cap */
    FILE *out;          /* the child's stdout and stderr */
    int wanted;         /* passes ITEST_FILTER */
} slot_t;

static slot_t slots[N_CASES];
static int jobs = 6, cap_s = 40, next_case;

static int running(void)
{
    int n = 0;
    for (int i = 0; i < N_CASES; i++)
        n += slots[i].pid > 0;
    return n;
}

static void start_case(int i)
{
    slot_t *s = &slots[i];
    s->out = tmpfile();
    if (!s->out) {
        s->pid = -1;
        s->status = 3 << 8;
        return;
    }
    fflush(NULL);
    /* KC_DEADLINE_NOFORK=1 (with ITEST_FILTER naming one case): run it in
     * this process, for a debugger. */
    pid_t pid = getenv("KC_DEADLINE_NOFORK") ? 0 : fork();
    if (pid == 0) {
        /* cmocka's handlers would longjmp into the parent's test loop. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        signal(SIGSYS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        dup2(fileno(s->out), 1);
        dup2(fileno(s->out), 2);
        setvbuf(stdout, NULL, _IOLBF, 0);
        g_case = &cases[i];
        cases[i].body(cases[i].fault);
        fflush(stdout);
        _exit(g_failed ? 1 : 0);
    }
    if (pid < 0) {
        s->pid = -1;
        s->status = 3 << 8;
        return;
    }
    s->pid = pid;
    s->started = now_ms();
}

/* Reaps finished children, kills those past the cap, starts more. */
static void pump(void)
{
    for (int i = 0; i < N_CASES; i++) {
        slot_t *s = &slots[i];
        if (s->pid <= 0)
            continue;
        int st;
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            s->status = st;
            s->pid = -1;
        } else if (now_ms() - s->started > (int64_t)cap_s * 1000) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            s->status = st;
            s->killed = 1;
            s->pid = -1;
        }
    }
    while (running() < jobs && next_case < N_CASES) {
        int i = next_case++;
        if (slots[i].wanted)
            start_case(i);
    }
}

static void run_case(void **state)
{
    const dl_case_t *c = *state;
    int i = (int)(c - cases);
    slot_t *s = &slots[i];
    if (!s->wanted)
        skip();
    for (;;) {
        pump();
        if (s->pid < 0)
            break;
        usleep(20 * 1000);
    }
    int64_t ran = now_ms() - s->started;
    if (s->out) {
        char line[2048];
        rewind(s->out);
        while (fgets(line, sizeof line, s->out))
            printf("    %s", line);
        fclose(s->out);
        s->out = NULL;
    }
    fflush(stdout);
    if (s->killed)
        fail_msg("DEADLINE FAIL %s: still blocked after %d s (killed; KC_DEADLINE_CAP_S raises the cap); "
                 "the last line above says which call it was in",
                 c->name, cap_s);
    if (WIFSIGNALED(s->status))
        fail_msg("%s: the case died of signal %d after %lld ms", c->name, WTERMSIG(s->status), (long long)ran);
    int code = WIFEXITED(s->status) ? WEXITSTATUS(s->status) : 3;
    if (code == 2)
        fail_msg("%s: could not set up (see SETUP FAILED above); not a deadline result", c->name);
    if (code != 0)
        fail_msg("%s failed (see the DEADLINE/FAIL lines above)", c->name);
}

/* One topic with a few records for every case. */
static int group_setup(void **state)
{
    (void)state;
    snprintf(g_broker, sizeof g_broker, "%s", kc_test_brokers());
    g_broker[strcspn(g_broker, ",")] = '\0';
    kc_test_topic(g_topic, sizeof g_topic, "deadlines");
    if (kc_test_create_topic(g_broker, g_topic, 1, 1, NULL) != 0) {
        fprintf(stderr, "cannot create topic %s on %s\n", g_topic, g_broker);
        return -1;
    }
    /* Records to consume, sent by a producer that is destroyed (its
     * thread joined) before any fork. */
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    kafkac_conf_set(conf, "bootstrap.servers", g_broker, err, sizeof err);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        return -1;
    for (int i = 0; i < 5; i++)
        kc_test_send_to(p, g_topic, 0, "k", 1, "v", 1, NULL);
    kafkac_err_t rc = kafkac_producer_flush(p, 30000);
    kafkac_producer_destroy(p);
    if (rc != KAFKAC_OK) {
        fprintf(stderr, "cannot write records to %s: %s\n", g_topic, kafkac_err_name(rc));
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_CASES; i++)
        if (slots[i].pid > 0) {
            kill(slots[i].pid, SIGKILL);
            waitpid(slots[i].pid, NULL, 0);
        }
    return 0;
}

int main(void)
{
    struct CMUnitTest tests[N_CASES];
    const char *filter = getenv("ITEST_FILTER");
    if (getenv("KC_DEADLINE_JOBS") && atoi(getenv("KC_DEADLINE_JOBS")) > 0)
        jobs = atoi(getenv("KC_DEADLINE_JOBS"));
    if (getenv("KC_DEADLINE_CAP_S") && atoi(getenv("KC_DEADLINE_CAP_S")) > 0)
        cap_s = atoi(getenv("KC_DEADLINE_CAP_S"));
    for (int i = 0; i < N_CASES; i++) {
        tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, (void *)&cases[i] };
        slots[i].wanted = !filter || fnmatch(filter, cases[i].name, 0) == 0;
    }
    if (filter)
        cmocka_set_test_filter(filter);
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

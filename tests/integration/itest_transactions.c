/* Producer transactions against a real single-node broker.  What a
 * transaction wrote is read back by consumers that decide visibility
 * themselves: our consumer with isolation.level=read_committed and
 * read_uncommitted, and librdkafka (kcat) with isolation.level=
 * read_committed (shares none of our code).
 *   - committed records are visible, aborted ones are not (but were
 *     written: read_uncommitted sees them);
 *   - consume-transform-produce with send_offsets_to_transaction: the
 *     group's committed offsets move only when the transaction commits;
 *   - fencing: a second producer with the same transactional.id makes
 *     the first one fail with PRODUCER_FENCED, for good;
 *   - transaction.timeout.ms: the coordinator aborts an idle transaction
 *     and the producer reports it at commit;
 *   - state errors (send outside a transaction, begin twice...). */
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
#include <unistd.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

#define B kc_test_brokers()
#define TMO 30000

static void create_topic(const char *topic, int partitions)
{
    assert_int_equal(kc_test_create_topic(B, topic, partitions, 1, NULL), 0);
}

static kafkac_conf_t *base_conf(void)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", B, err, sizeof err), 0);
    return c;
}

static kafkac_producer_t *txn_producer(const char *txn_id, const char *timeout_ms)
{
    char err[256];
    kafkac_conf_t *c = base_conf();
    assert_int_equal(kafkac_conf_set(c, "transactional.id", txn_id, err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "linger.ms", "5", err, sizeof err), 0);
    if (timeout_ms)
        assert_int_equal(kafkac_conf_set(c, "transaction.timeout.ms", timeout_ms, err, sizeof err), 0);
    if (getenv("TXN_DEBUG")) {
        kafkac_conf_set(c, "log.level", "7", err, sizeof err);
        kafkac_conf_set_log_cb(c, kafkac_log_stderr, NULL);
    }
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    if (!p)
        fail_msg("producer_new: %s", err);
    kafkac_conf_destroy(c);
    return p;
}

static void send_str(kafkac_producer_t *p, const char *topic, int32_t part, const char *v)
{
    kafkac_err_t e = kc_test_send_to(p, topic, part, NULL, -1, v, (int32_t)strlen(v), NULL);
    if (e)
        fail_msg("send %s: %s", v, kafkac_err_name(e));
}

static void ok(kafkac_err_t e, const char *what, const char *err)
{
    if (e != KAFKAC_OK)
        fail_msg("%s: %s (%s)", what, kafkac_err_name(e), err);
}

/* The partition's last stable offset (end offset under read_committed). */
static int64_t stable_offset(const char *topic, int32_t partition)
{
    char err[256];
    kafkac_conf_t *c = base_conf();
    assert_int_equal(kafkac_conf_set(c, "isolation.level", "read_committed", err, sizeof err), 0);
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(cons);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, partition);
    ok(kafkac_consumer_end_offsets(cons, l, 10000, err, sizeof err), "end_offsets", err);
    int64_t o = kafkac_tp_offset(kafkac_tpl_at(l, 0));
    kafkac_tpl_destroy(l);
    kafkac_consumer_destroy(cons);
    return o;
}

/* ---- reading back ------------------------------------------------- */

typedef struct seen {
    char **v;
    int n, cap;
} seen_t;

static void seen_add(seen_t *s, const void *v, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, (size_t)s->cap * sizeof(char *));
    }
    s->v[s->n] = strndup(v ? v : "", v ? len : 0);
    s->n++;
}

static int seen_has(const seen_t *s, const char *v)
{
    int k = 0;
    for (int i = 0; i < s->n; i++)
        k += strcmp(s->v[i], v) == 0;
    return k;
}

static void seen_free(seen_t *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Reads partitions 0..parts-1 from the beginning with our consumer until
 * `want` records arrived (or 20 s), then 1.5 s more to catch records that
 * should not be there. */
static void read_all(const char *topic, int parts, const char *isolation, int want, seen_t *out)
{
    char err[256];
    kafkac_conf_t *c = base_conf();
    assert_int_equal(kafkac_conf_set(c, "isolation.level", isolation, err, sizeof err), 0);
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    assert_non_null(cons);
    kafkac_conf_destroy(c);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(parts);
    for (int i = 0; i < parts; i++)
        kafkac_tp_set_offset(kafkac_tpl_add(l, topic, i), KAFKAC_OFFSET_BEGINNING);
    ok(kafkac_consumer_assign(cons, l, err, sizeof err), "assign", err);
    kafkac_tpl_destroy(l);
    int64_t end = kc_test_now_ms() + 20000, extra = 0;
    while (kc_test_now_ms() < end) {
        if (out->n >= want && !extra) {
            extra = 1;
            end = kc_test_now_ms() + 1500;
        }
        kafkac_records_t *rs = NULL;
        if (kafkac_consumer_poll(cons, 200, 0, &rs, err, sizeof err) != KAFKAC_OK)
            continue;
        for (int i = 0; i < kafkac_records_count(rs); i++) {
            size_t len;
            const void *v = kafkac_record_value(kafkac_records_at(rs, i), &len);
            seen_add(out, v, len);
        }
        kafkac_records_destroy(rs);
    }
    kafkac_consumer_close(cons, 5000);
    kafkac_consumer_destroy(cons);
}

/* librdkafka (kcat), isolation.level=read_committed: the values into
 * out, reading again until at least `want` are there (the commit markers
 * may still be on their way when commit returns) or 20 s.
 * (kafka-python 2.0.2, the version installed, has no isolation_level.) */
static void read_kcat(const char *topic, int want, seen_t *out)
{
    int64_t end = kc_test_now_ms() + 20000;
    do {
        seen_free(out);
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "kcat -C -q -b %s -t %s -o beginning -e -X isolation.level=read_committed -f '%%s\\n' 2>/dev/null",
                 B, topic);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        char line[256];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            seen_add(out, line, strlen(line));
        }
        pclose(f);
    } while (out->n < want && kc_test_now_ms() < end && (usleep(300 * 1000), 1));
}

/* ---- commit visible, abort invisible ------------------------------ */

static void test_commit_visible_abort_invisible(void **state)
{
    (void)state;
    char topic[128], txid[160], err[256], v[64];
    const int P = 3;
    kc_test_topic(topic, sizeof topic, "txn-vis");
    snprintf(txid, sizeof txid, "%s-tx", topic);
    create_topic(topic, P);
    kafkac_producer_t *p = txn_producer(txid, NULL);
    int64_t t0 = kc_test_now_ms();
    ok(kafkac_producer_init_transactions(p, TMO, err, sizeof err), "init_transactions", err);
    printf("init_transactions: %lld ms\n", (long long)(kc_test_now_ms() - t0));

    /* c1: committed; ab: written, then aborted; c2: committed after
     * them on every partition, so seeing c2 means the abort is settled. */
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
    for (int i = 0; i < 12; i++) {
        snprintf(v, sizeof v, "c1-%d", i);
        send_str(p, topic, i % P, v);
    }
    t0 = kc_test_now_ms();
    ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit 1", err);
    printf("commit of 12 records: %lld ms\n", (long long)(kc_test_now_ms() - t0));

    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 2", err);
    for (int i = 0; i < 12; i++) {
        snprintf(v, sizeof v, "ab-%d", i);
        send_str(p, topic, i % P, v);
    }
    /* Make sure the records reached the log before aborting. */
    ok(kafkac_producer_flush(p, TMO), "flush", "");
    ok(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), "abort", err);

    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 3", err);
    for (int i = 0; i < 12; i++) {
        snprintf(v, sizeof v, "c2-%d", i);
        send_str(p, topic, i % P, v);
    }
    ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit 3", err);

    /* An empty transaction commits and aborts without the coordinator. */
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 4", err);
    ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "empty commit", err);
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin 5", err);
    ok(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), "empty abort", err);

    seen_t rc = {0}, ru = {0}, kc = {0};
    read_all(topic, P, "read_committed", 24, &rc);
    read_all(topic, P, "read_uncommitted", 36, &ru);
    read_kcat(topic, 24, &kc);
    for (int i = 0; i < 12; i++) {
        char a[32], b[32], c[32];
        snprintf(a, sizeof a, "c1-%d", i);
        snprintf(b, sizeof b, "ab-%d", i);
        snprintf(c, sizeof c, "c2-%d", i);
        if (seen_has(&rc, a) != 1 || seen_has(&rc, c) != 1 || seen_has(&rc, b) != 0)
            fail_msg("read_committed (ours): %s x%d, %s x%d (want 1 each), %s x%d (want 0)", a, seen_has(&rc, a), c,
                     seen_has(&rc, c), b, seen_has(&rc, b));
        if (seen_has(&kc, a) != 1 || seen_has(&kc, c) != 1 || seen_has(&kc, b) != 0)
            fail_msg("read_committed (kcat): %s x%d, %s x%d (want 1 each), %s x%d (want 0)", a, seen_has(&kc, a),
                     c, seen_has(&kc, c), b, seen_has(&kc, b));
        if (seen_has(&ru, b) != 1)
            fail_msg("read_uncommitted: aborted record %s seen %d times, want 1 (it was written)", b, seen_has(&ru, b));
    }
    assert_int_equal(rc.n, 24);
    assert_int_equal(kc.n, 24);
    assert_int_equal(ru.n, 36);
    seen_free(&rc);
    seen_free(&ru);
    seen_free(&kc);
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    assert_int_equal(m.records_sent, 36);       /* the aborted 12 were written too */
    ok(kafkac_producer_close(p, TMO), "close", "");
    kafkac_producer_destroy(p);
}

/* ---- several sending threads ------------------------------------- */

typedef struct sender_arg {
    kafkac_producer_t *p;
    const char *topic;
    int txn, thread, n;
    int failed;
} sender_arg_t;

static void *send_thread(void *arg)
{
    sender_arg_t *a = arg;
    char v[64];
    for (int i = 0; i < a->n; i++) {
        int len = snprintf(v, sizeof v, "t%d-x%d-%d", a->txn, a->thread, i);
        if (kafkac_producer_send(a->p, a->topic, v, len, v, len, NULL))
            a->failed++;
    }
    return NULL;
}

/* Four threads send into each transaction; even transactions commit, odd
 * ones abort.  read_committed sees every record of the committed ones
 * once and nothing of the others. */
static void test_threads_send_into_transactions(void **state)
{
    (void)state;
    char topic[128], txid[160], err[256];
    const int T = 6, TH = 4, PER = 500;
    kc_test_topic(topic, sizeof topic, "txn-threads");
    snprintf(txid, sizeof txid, "%s-tx", topic);
    create_topic(topic, 4);
    kafkac_producer_t *p = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p, TMO, err, sizeof err), "init", err);
    int64_t t0 = kc_test_now_ms();
    for (int t = 0; t < T; t++) {
        ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
        pthread_t th[4];
        sender_arg_t a[4];
        for (int k = 0; k < TH; k++) {
            a[k] = (sender_arg_t){.p = p, .topic = topic, .txn = t, .thread = k, .n = PER};
            pthread_create(&th[k], NULL, send_thread, &a[k]);
        }
        for (int k = 0; k < TH; k++) {
            pthread_join(th[k], NULL);
            assert_int_equal(a[k].failed, 0);
        }
        if (t % 2 == 0)
            ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit", err);
        else
            ok(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), "abort", err);
    }
    printf("%d transactions of %d records from %d threads: %lld ms\n", T, TH * PER, TH,
           (long long)(kc_test_now_ms() - t0));
    kafkac_producer_destroy(p);
    seen_t rc = {0};
    int want = (T + 1) / 2 * TH * PER;
    read_all(topic, 4, "read_committed", want, &rc);
    assert_int_equal(rc.n, want);
    char v[64];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < TH; k++)
            for (int i = 0; i < PER; i += 7) {
                snprintf(v, sizeof v, "t%d-x%d-%d", t, k, i);
                if (seen_has(&rc, v) != (t % 2 == 0))
                    fail_msg("%s seen %d times, want %d", v, seen_has(&rc, v), t % 2 == 0);
            }
    seen_free(&rc);
}

/* ---- consume-transform-produce ------------------------------------ */

/* The group's committed offset of in/partition, as a new reader of the
 * group sees it (KAFKAC_OFFSET_INVALID when none). */
static int64_t committed_of(kafkac_consumer_t *c, const char *topic, int32_t partition)
{
    char err[256];
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, partition);
    ok(kafkac_consumer_committed(c, l, 10000, err, sizeof err), "committed", err);
    int64_t o = kafkac_tp_offset(kafkac_tpl_at(l, 0));
    kafkac_tpl_destroy(l);
    return o;
}

/* Waits (the commit markers reach __consumer_offsets after commit
 * returns) until both partitions' committed offsets are want0/want1. */
static void expect_committed(kafkac_consumer_t *c, const char *topic, int64_t want0, int64_t want1)
{
    int64_t a = 0, b = 0, end = kc_test_now_ms() + 10000;
    do {
        a = committed_of(c, topic, 0);
        b = committed_of(c, topic, 1);
        if (a == want0 && b == want1)
            return;
        usleep(200 * 1000);
    } while (kc_test_now_ms() < end);
    fail_msg("committed offsets %lld/%lld, want %lld/%lld", (long long)a, (long long)b, (long long)want0,
             (long long)want1);
}

static void test_consume_transform_produce(void **state)
{
    (void)state;
    char in[128], out[128], group[160], txid[160], err[256], v[64];
    const int N = 20;
    kc_test_topic(in, sizeof in, "txn-ctp-in");
    kc_test_topic(out, sizeof out, "txn-ctp-out");
    snprintf(group, sizeof group, "%s-g", in);
    snprintf(txid, sizeof txid, "%s-tx", in);
    create_topic(in, 2);
    create_topic(out, 2);
    kafkac_conf_t *c = base_conf();
    kafkac_producer_t *plain = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof v, "in-%d", i);
        send_str(plain, in, i % 2, v);
    }
    ok(kafkac_producer_flush(plain, TMO), "flush input", "");
    kafkac_producer_destroy(plain);

    c = base_conf();
    kafkac_conf_set(c, "group.id", group, err, sizeof err);
    kafkac_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    kafkac_conf_set(c, "isolation.level", "read_committed", err, sizeof err);
    kafkac_conf_set(c, "auto.offset.reset", "earliest", err, sizeof err);
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(cons);
    const char *topics[1] = {in};
    ok(kafkac_consumer_subscribe(cons, topics, 1, err, sizeof err), "subscribe", err);
    kafkac_producer_t *p = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p, TMO, err, sizeof err), "init", err);

    int64_t committed[2] = {KAFKAC_OFFSET_INVALID, KAFKAC_OFFSET_INVALID};
    int done = 0, round = 0, aborted_records = 0, zombie_checked = 0;
    int64_t deadline = kc_test_now_ms() + 45000;
    while (done < N && kc_test_now_ms() < deadline) {
        kafkac_records_t *rs = NULL;
        if (kafkac_consumer_poll(cons, 500, 4, &rs, err, sizeof err) != KAFKAC_OK)
            continue;
        round++;
        int n = kafkac_records_count(rs);
        int64_t next[2] = {-1, -1}, first[2] = {-1, -1};
        ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
        for (int i = 0; i < n; i++) {
            const kafkac_record_t *r = kafkac_records_at(rs, i);
            size_t len;
            const char *val = kafkac_record_value(r, &len);
            int32_t part = kafkac_record_partition(r);
            snprintf(v, sizeof v, "out-%.*s", (int)len, val);
            send_str(p, out, part, v);
            if (first[part] < 0)
                first[part] = kafkac_record_offset(r);
            next[part] = kafkac_record_offset(r) + 1;
        }
        kafkac_records_destroy(rs);
        kafkac_topic_partition_list_t *offs = kafkac_tpl_new(2);
        for (int k = 0; k < 2; k++)
            if (next[k] >= 0)
                kafkac_tp_set_offset(kafkac_tpl_add(offs, in, k), next[k]);
        kafkac_group_metadata_t *gm = kafkac_consumer_group_metadata(cons);
        assert_non_null(gm);
        /* In the rounds that abort, have the records written first (an
         * abortable error drops records not yet sent), so that
         * read_uncommitted shows they were there. */
        if (round <= 2)
            ok(kafkac_producer_flush(p, TMO), "flush", "");

        if (!zombie_checked) {
            /* A member of an older generation (a zombie) may not commit:
             * the group coordinator refuses, and the transaction can only
             * abort. */
            int32_t gen;
            char member[256];
            kafkac_consumer_group_generation(cons, &gen, member, sizeof member);
            assert_true(gen >= 0);
            kafkac_group_metadata_t *old = kafkac_group_metadata_new(group, gen + 7, member, NULL);
            kafkac_err_t e = kafkac_producer_send_offsets_to_transaction(p, offs, old, TMO, err, sizeof err);
            kafkac_group_metadata_destroy(old);
            if (e != KAFKAC_ERR_ILLEGAL_GENERATION)
                fail_msg("send_offsets with a wrong generation: %s (%s), want ILLEGAL_GENERATION",
                         kafkac_err_name(e), err);
            assert_int_equal(kafkac_producer_commit_transaction(p, TMO, err, sizeof err),
                             KAFKAC_ERR_ILLEGAL_GENERATION);
            zombie_checked = 1;
        } else {
            ok(kafkac_producer_send_offsets_to_transaction(p, offs, gm, TMO, err, sizeof err), "send_offsets",
               err);
        }
        kafkac_group_metadata_destroy(gm);
        kafkac_tpl_destroy(offs);

        if (round <= 2) {
            /* Rounds 1 (refused offsets) and 2 (a plain abort): nothing
             * is committed, and the records are processed again. */
            ok(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), "abort", err);
            aborted_records += n;
            expect_committed(cons, in, committed[0], committed[1]);
            for (int k = 0; k < 2; k++)
                if (first[k] >= 0)
                    ok(kafkac_consumer_seek(cons, in, k, first[k]), "seek back", "");
        } else {
            ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit", err);
            for (int k = 0; k < 2; k++)
                if (next[k] >= 0)
                    committed[k] = next[k];
            expect_committed(cons, in, committed[0], committed[1]);
            done += n;
        }
    }
    printf("%d records in %d transactions, %d records aborted and processed again\n", done, round - 2,
           aborted_records);
    assert_int_equal(done, N);
    assert_true(aborted_records > 0);
    expect_committed(cons, in, N / 2, N / 2);

    /* Every input record's output is visible exactly once. */
    seen_t rc = {0}, ru = {0};
    read_all(out, 2, "read_committed", N, &rc);
    read_all(out, 2, "read_uncommitted", N + aborted_records, &ru);
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof v, "out-in-%d", i);
        if (seen_has(&rc, v) != 1)
            fail_msg("%s seen %d times by read_committed, want 1", v, seen_has(&rc, v));
    }
    assert_int_equal(rc.n, N);
    assert_int_equal(ru.n, N + aborted_records);
    seen_free(&rc);
    seen_free(&ru);
    kafkac_producer_destroy(p);
    kafkac_consumer_close(cons, 5000);
    kafkac_consumer_destroy(cons);
}

/* A static member (group.instance.id): its metadata carries the instance
 * id, and the group coordinator takes the offsets. */
static void test_offsets_of_a_static_member(void **state)
{
    (void)state;
    char in[128], group[160], txid[160], inst[160], err[256];
    kc_test_topic(in, sizeof in, "txn-static");
    snprintf(group, sizeof group, "%s-g", in);
    snprintf(txid, sizeof txid, "%s-tx", in);
    snprintf(inst, sizeof inst, "%s-i", in);
    create_topic(in, 1);
    kafkac_conf_t *c = base_conf();
    kafkac_producer_t *plain = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    for (int i = 0; i < 4; i++)
        send_str(plain, in, 0, "static");
    ok(kafkac_producer_flush(plain, TMO), "flush input", "");
    kafkac_producer_destroy(plain);

    c = base_conf();
    kafkac_conf_set(c, "group.id", group, err, sizeof err);
    kafkac_conf_set(c, "group.instance.id", inst, err, sizeof err);
    kafkac_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    kafkac_conf_set(c, "auto.offset.reset", "earliest", err, sizeof err);
    kafkac_consumer_t *cons = kafkac_consumer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(cons);
    const char *topics[1] = {in};
    ok(kafkac_consumer_subscribe(cons, topics, 1, err, sizeof err), "subscribe", err);
    int got = 0;
    for (int64_t end = kc_test_now_ms() + 20000; got < 4 && kc_test_now_ms() < end;) {
        kafkac_records_t *rs = NULL;
        if (kafkac_consumer_poll(cons, 500, 0, &rs, err, sizeof err) == KAFKAC_OK) {
            got += kafkac_records_count(rs);
            kafkac_records_destroy(rs);
        }
    }
    assert_int_equal(got, 4);
    kafkac_group_metadata_t *gm = kafkac_consumer_group_metadata(cons);
    assert_non_null(gm);
    kafkac_producer_t *p = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p, TMO, err, sizeof err), "init", err);
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
    kafkac_topic_partition_list_t *offs = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(offs, in, 0), 4);
    ok(kafkac_producer_send_offsets_to_transaction(p, offs, gm, TMO, err, sizeof err), "send_offsets", err);
    ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit", err);
    kafkac_tpl_destroy(offs);
    kafkac_group_metadata_destroy(gm);
    int64_t off = -1;
    for (int64_t end = kc_test_now_ms() + 10000; (off = committed_of(cons, in, 0)) != 4 && kc_test_now_ms() < end;)
        usleep(200 * 1000);
    assert_int_equal(off, 4);
    kafkac_producer_destroy(p);
    kafkac_consumer_close(cons, 5000);
    kafkac_consumer_destroy(cons);
}

/* ---- fencing ------------------------------------------------------ */

static void test_second_producer_fences_the_first(void **state)
{
    (void)state;
    char topic[128], txid[160], err[256], v[32];
    kc_test_topic(topic, sizeof topic, "txn-fence");
    snprintf(txid, sizeof txid, "%s-tx", topic);
    create_topic(topic, 1);
    kafkac_producer_t *p1 = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p1, TMO, err, sizeof err), "init p1", err);
    ok(kafkac_producer_begin_transaction(p1, err, sizeof err), "begin p1", err);
    for (int i = 0; i < 5; i++) {
        snprintf(v, sizeof v, "zombie-%d", i);
        send_str(p1, topic, 0, v);
    }
    ok(kafkac_producer_flush(p1, TMO), "flush p1", "");

    /* The new instance's InitProducerId aborts p1's open transaction and
     * bumps the epoch. */
    kafkac_producer_t *p2 = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p2, TMO, err, sizeof err), "init p2", err);

    kafkac_err_t e = kafkac_producer_commit_transaction(p1, TMO, err, sizeof err);
    if (e != KAFKAC_ERR_PRODUCER_FENCED)
        fail_msg("p1 commit after p2 started: %s (%s), want PRODUCER_FENCED", kafkac_err_name(e), err);
    printf("fenced producer's commit: %s\n", err);
    assert_int_equal(kafkac_producer_txn_fatal(p1), 1);
    /* Fatal for good: nothing else works. */
    assert_int_equal(kafkac_producer_begin_transaction(p1, err, sizeof err), KAFKAC_ERR_PRODUCER_FENCED);
    assert_int_equal(kafkac_producer_abort_transaction(p1, TMO, err, sizeof err), KAFKAC_ERR_PRODUCER_FENCED);
    assert_int_equal(kc_test_send_to(p1, topic, 0, NULL, -1, "x", 1, NULL), KAFKAC_ERR_FATAL);
    kafkac_producer_close(p1, 1000);
    kafkac_producer_destroy(p1);

    /* The new instance works. */
    assert_int_equal(kafkac_producer_txn_fatal(p2), 0);
    ok(kafkac_producer_begin_transaction(p2, err, sizeof err), "begin p2", err);
    send_str(p2, topic, 0, "p2-0");
    ok(kafkac_producer_commit_transaction(p2, TMO, err, sizeof err), "commit p2", err);

    seen_t rc = {0};
    read_all(topic, 1, "read_committed", 1, &rc);
    assert_int_equal(rc.n, 1);
    assert_int_equal(seen_has(&rc, "p2-0"), 1);
    seen_free(&rc);

    /* A fenced producer that is in the middle of a transaction fails at
     * its next send's delivery too: p3 fences p2 while p2 has records
     * queued but not yet flushed. */
    ok(kafkac_producer_begin_transaction(p2, err, sizeof err), "begin p2 again", err);
    kafkac_producer_t *p3 = txn_producer(txid, NULL);
    ok(kafkac_producer_init_transactions(p3, TMO, err, sizeof err), "init p3", err);
    kafkac_future_t *f = NULL;
    assert_int_equal(kc_test_send_to(p2, topic, 0, NULL, -1, "late", 4, &f), KAFKAC_OK);
    e = kafkac_future_wait(f, TMO, NULL);
    kafkac_future_destroy(f);
    if (e != KAFKAC_ERR_PRODUCER_FENCED)
        fail_msg("record of a fenced producer: %s, want PRODUCER_FENCED", kafkac_err_name(e));
    assert_int_equal(kafkac_producer_commit_transaction(p2, TMO, err, sizeof err), KAFKAC_ERR_PRODUCER_FENCED);
    kafkac_producer_destroy(p2);
    kafkac_producer_destroy(p3);
}

/* ---- transaction.timeout.ms ---------------------------------------- */

/* Two producers leave a transaction idle past transaction.timeout.ms; the
 * coordinator aborts both and fences their epochs.  The one that next
 * commits is told PRODUCER_FENCED, naming the timeout (as the Java client
 * says ProducerFencedException).  The one that next sends a record
 * learns it from the partition leader (INVALID_PRODUCER_EPOCH), which
 * only makes the transaction abortable; abort then asks for a new epoch
 * with the old one (KIP-588), which Kafka 3.9's coordinator refuses after
 * a timeout (PRODUCER_FENCED, fatal) and 4.1's grants (the producer goes
 * on with a new epoch): either way the producer must do what the broker
 * said.  New producers with the same ids start cleanly, and nothing of
 * the expired transactions is visible. */
static void test_transaction_timeout_aborts_and_is_reported(void **state)
{
    (void)state;
    char topic[128], txa[160], txb[160], err[256];
    kc_test_topic(topic, sizeof topic, "txn-timeout");
    snprintf(txa, sizeof txa, "%s-a", topic);
    snprintf(txb, sizeof txb, "%s-b", topic);
    create_topic(topic, 2);
    kafkac_producer_t *pa = txn_producer(txa, "1000"), *pb = txn_producer(txb, "1000");
    ok(kafkac_producer_init_transactions(pa, TMO, err, sizeof err), "init a", err);
    ok(kafkac_producer_init_transactions(pb, TMO, err, sizeof err), "init b", err);
    ok(kafkac_producer_begin_transaction(pa, err, sizeof err), "begin a", err);
    ok(kafkac_producer_begin_transaction(pb, err, sizeof err), "begin b", err);
    send_str(pa, topic, 0, "expired-a");
    send_str(pb, topic, 1, "expired-b");
    ok(kafkac_producer_flush(pa, TMO), "flush a", "");
    ok(kafkac_producer_flush(pb, TMO), "flush b", "");
    /* The coordinator looks for expired transactions every
     * transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s
     * by default): wait until both partitions' stable offsets pass the
     * records (record + abort marker). */
    int64_t t0 = kc_test_now_ms();
    assert_int_equal(stable_offset(topic, 0), 0);    /* held back by the open transaction */
    while ((stable_offset(topic, 0) != 2 || stable_offset(topic, 1) != 2) && kc_test_now_ms() - t0 < 25000)
        usleep(500 * 1000);
    printf("coordinator aborted the idle transactions after %lld ms\n", (long long)(kc_test_now_ms() - t0));
    assert_int_equal(stable_offset(topic, 0), 2);
    assert_int_equal(stable_offset(topic, 1), 2);

    kafkac_err_t e = kafkac_producer_commit_transaction(pa, TMO, err, sizeof err);
    printf("a: commit %lld ms after the transaction began: %s: %s\n", (long long)(kc_test_now_ms() - t0),
           kafkac_err_name(e), err);
    if (e != KAFKAC_ERR_PRODUCER_FENCED || !strstr(err, "transaction.timeout.ms"))
        fail_msg("commit of a timed-out transaction: %s (%s), want PRODUCER_FENCED naming transaction.timeout.ms",
                 kafkac_err_name(e), err);
    assert_int_equal(kafkac_producer_txn_fatal(pa), 1);
    kafkac_producer_destroy(pa);

    kafkac_future_t *f = NULL;
    assert_int_equal(kc_test_send_to(pb, topic, 1, NULL, -1, "late-b", 6, &f), 0);
    e = kafkac_future_wait(f, TMO, NULL);
    kafkac_future_destroy(f);
    if (e != KAFKAC_ERR_INVALID_PRODUCER_EPOCH)
        fail_msg("record sent after the coordinator aborted: %s, want INVALID_PRODUCER_EPOCH", kafkac_err_name(e));
    assert_int_equal(kafkac_producer_commit_transaction(pb, TMO, err, sizeof err), KAFKAC_ERR_INVALID_PRODUCER_EPOCH);
    assert_int_equal(kafkac_producer_txn_fatal(pb), 0);
    e = kafkac_producer_abort_transaction(pb, TMO, err, sizeof err);
    printf("b: abort after INVALID_PRODUCER_EPOCH: %s: %s\n", kafkac_err_name(e), err);
    int recovered = 0;
    if (e == KAFKAC_ERR_PRODUCER_FENCED) {
        assert_int_equal(kafkac_producer_txn_fatal(pb), 1);
    } else if (e == KAFKAC_OK) {
        /* The coordinator gave a new epoch: a transaction with it commits. */
        assert_int_equal(kafkac_producer_txn_fatal(pb), 0);
        ok(kafkac_producer_begin_transaction(pb, err, sizeof err), "begin b after the abort", err);
        send_str(pb, topic, 1, "recovered-b");
        ok(kafkac_producer_commit_transaction(pb, TMO, err, sizeof err), "commit b after the abort", err);
        recovered = 1;
    } else {
        fail_msg("abort of a transaction the coordinator expired: %s (%s), want PRODUCER_FENCED or a new epoch",
                 kafkac_err_name(e), err);
    }
    kafkac_producer_destroy(pb);

    /* Both ids start cleanly in new producers. */
    const char *ids[2] = {txa, txb}, *vals[2] = {"after-a", "after-b"};
    for (int i = 0; i < 2; i++) {
        kafkac_producer_t *p2 = txn_producer(ids[i], NULL);
        ok(kafkac_producer_init_transactions(p2, TMO, err, sizeof err), "init again", err);
        ok(kafkac_producer_begin_transaction(p2, err, sizeof err), "begin again", err);
        send_str(p2, topic, i, vals[i]);
        ok(kafkac_producer_commit_transaction(p2, TMO, err, sizeof err), "commit again", err);
        kafkac_producer_destroy(p2);
    }

    seen_t rc = {0};
    read_all(topic, 2, "read_committed", 2 + recovered, &rc);
    assert_int_equal(rc.n, 2 + recovered);
    assert_int_equal(seen_has(&rc, "after-a"), 1);
    assert_int_equal(seen_has(&rc, "after-b"), 1);
    assert_int_equal(seen_has(&rc, "recovered-b"), recovered);
    seen_free(&rc);
}

/* ---- states ------------------------------------------------------- */

static void test_state_errors(void **state)
{
    (void)state;
    char topic[128], txid[160], err[256];
    kc_test_topic(topic, sizeof topic, "txn-state");
    snprintf(txid, sizeof txid, "%s-tx", topic);
    assert_int_equal(kc_test_create_topic(B, topic, 1, 1, "{'max.message.bytes': '2000'}"), 0);
    kafkac_producer_t *p = txn_producer(txid, NULL);
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    assert_non_null(strstr(err, "init_transactions"));
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "x", 1, NULL), KAFKAC_ERR_STATE);
    ok(kafkac_producer_init_transactions(p, TMO, err, sizeof err), "init", err);
    assert_int_equal(kafkac_producer_init_transactions(p, TMO, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "x", 1, NULL), KAFKAC_ERR_STATE);
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin", err);
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    /* A record the broker refuses (over the topic's max.message.bytes)
     * makes the transaction abortable: commit reports the record's error,
     * sends and begin are refused until abort, then all is well again. */
    static char big[5000];
    memset(big, 'b', sizeof big);
    send_str(p, topic, 0, "with-big");
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, big, sizeof big, NULL), 0);
    kafkac_err_t e = kafkac_producer_commit_transaction(p, TMO, err, sizeof err);
    if (e != KAFKAC_ERR_MESSAGE_TOO_LARGE)
        fail_msg("commit with a refused record: %s (%s), want MESSAGE_TOO_LARGE", kafkac_err_name(e), err);
    assert_int_equal(kafkac_producer_txn_fatal(p), 0);
    assert_int_equal(kc_test_send_to(p, topic, 0, NULL, -1, "x", 1, NULL),
                     KAFKAC_ERR_MESSAGE_TOO_LARGE);
    assert_int_equal(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), KAFKAC_ERR_MESSAGE_TOO_LARGE);
    assert_int_equal(kafkac_producer_begin_transaction(p, err, sizeof err), KAFKAC_ERR_STATE);
    ok(kafkac_producer_abort_transaction(p, TMO, err, sizeof err), "abort", err);
    /* The failed batch had sequence numbers the broker never took: the
     * abort renewed the epoch so the next transaction numbers from 0. */
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    assert_int_equal(m.epoch_bumps, 1);
    ok(kafkac_producer_begin_transaction(p, err, sizeof err), "begin after abort", err);
    send_str(p, topic, 0, "fine");
    ok(kafkac_producer_commit_transaction(p, TMO, err, sizeof err), "commit", err);
    seen_t rc = {0};
    read_all(topic, 1, "read_committed", 1, &rc);
    assert_int_equal(rc.n, 1);
    assert_int_equal(seen_has(&rc, "fine"), 1);
    seen_free(&rc);

    /* A non-transactional producer refuses the calls. */
    kafkac_conf_t *c = base_conf();
    kafkac_producer_t *plain = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_int_equal(kafkac_producer_init_transactions(plain, TMO, err, sizeof err), KAFKAC_ERR_STATE);
    assert_non_null(strstr(err, "transactional.id"));
    kafkac_producer_destroy(plain);

    /* A timeout over the broker's transaction.max.timeout.ms (15 min by
     * default) is refused at init, for good. */
    char txid2[200];
    snprintf(txid2, sizeof txid2, "%s-long", txid);
    kafkac_producer_t *longp = txn_producer(txid2, "3600000");
    kafkac_err_t e2 = kafkac_producer_init_transactions(longp, TMO, err, sizeof err);
    if (e2 != KAFKAC_ERR_INVALID_TRANSACTION_TIMEOUT)
        fail_msg("init with a 1 h timeout: %s (%s), want INVALID_TRANSACTION_TIMEOUT", kafkac_err_name(e2), err);
    assert_int_equal(kafkac_producer_txn_fatal(longp), 1);
    kafkac_producer_destroy(longp);

    /* init_transactions against no broker times out and can be called
     * again; other calls wait for it. */
    c = kafkac_conf_new();
    kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err);
    kafkac_conf_set(c, "transactional.id", "nobody", err, sizeof err);
    kafkac_producer_t *lost = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(lost);
    assert_int_equal(kafkac_producer_init_transactions(lost, 300, err, sizeof err), KAFKAC_ERR_TIMED_OUT);
    assert_int_equal(kafkac_producer_begin_transaction(lost, err, sizeof err), KAFKAC_ERR_STATE);
    assert_int_equal(kafkac_producer_init_transactions(lost, 200, err, sizeof err), KAFKAC_ERR_TIMED_OUT);
    kafkac_producer_destroy(lost);
    kafkac_producer_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_visible_abort_invisible),
        cmocka_unit_test(test_threads_send_into_transactions),
        cmocka_unit_test(test_consume_transform_produce),
        cmocka_unit_test(test_offsets_of_a_static_member),
        cmocka_unit_test(test_second_producer_fences_the_first),
        cmocka_unit_test(test_transaction_timeout_aborts_and_is_reported),
        cmocka_unit_test(test_state_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

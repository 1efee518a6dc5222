/* Configuration: every property of the table accepts its default and
 * rejects a bad value with a message naming the key; unknown keys get a
 * suggestion; kafka-python aliases; the cross-property rules applied when a
 * client loads its settings; bootstrap.servers parsing; scope warnings
 * through the log callback; out-of-memory paths; and the committed
 * docs/CONFIGURATION.md equal to what the table generates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kafkac/kafkac.h"
#include "common/config.h"
#include "common/log.h"
#include "common/mem.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Collects log messages for the assertions. */
typedef struct logbuf {
    int count;
    int levels[32];
    char text[4096];   /* every message, one per line */
} logbuf_t;

static void collect_log(void *opaque, int level, const char *facility, const char *message)
{
    logbuf_t *lb = opaque;
    if (lb->count < 32)
        lb->levels[lb->count] = level;
    lb->count++;
    size_t used = strlen(lb->text);
    snprintf(lb->text + used, sizeof(lb->text) - used, "%d %s: %s\n", level, facility, message);
}

static kafkac_conf_t *conf_with(const char *first_key, ...)
{
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    va_list ap;
    va_start(ap, first_key);
    for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        char err[256];
        if (kafkac_conf_set(c, k, v, err, sizeof err) != KAFKAC_OK)
            fail_msg("setting %s=%s: expected OK, got: %s", k, v, err);
    }
    va_end(ap);
    return c;
}

static void expect_set_ok(kafkac_conf_t *c, const char *k, const char *v)
{
    char err[256] = "";
    kafkac_err_t e = kafkac_conf_set(c, k, v, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("%s=%s: expected OK, got %d: %s", k, v ? v : "(null)", e, err);
}

/* Expects KAFKAC_ERR_CONFIG with an errstr equal to `want`, or (if want
 * starts with '~') containing the rest. */
static void expect_set_fail(kafkac_conf_t *c, const char *k, const char *v, const char *want)
{
    char err[256] = "";
    kafkac_err_t e = kafkac_conf_set(c, k, v, err, sizeof err);
    if (e != KAFKAC_ERR_CONFIG)
        fail_msg("%s=%s: expected KAFKAC_ERR_CONFIG, got %d (%s)", k, v, e, err);
    int ok = want[0] == '~' ? strstr(err, want + 1) != NULL : strcmp(err, want) == 0;
    if (!ok)
        fail_msg("%s=%s: expected message %s\n  got: %s", k, v, want, err);
}

static void expect_get(const kafkac_conf_t *c, const char *k, const char *want)
{
    char buf[512];
    size_t n = sizeof buf;
    kafkac_err_t e = kafkac_conf_get(c, k, buf, &n);
    if (e != KAFKAC_OK)
        fail_msg("get %s: expected OK, got %d", k, e);
    if (strcmp(buf, want))
        fail_msg("get %s: expected '%s', got '%s'", k, want, buf);
    assert_int_equal(n, strlen(want) + 1);
}

/* Loads settings, expecting success. */
static void load_ok(kc_settings_t *s, const kafkac_conf_t *c, kc_scope_t scope)
{
    char err[256] = "";
    int e = kc_settings_load(s, c, scope, err, sizeof err);
    if (e != KAFKAC_OK)
        fail_msg("load: expected OK, got %d: %s", e, err);
}

/* Loads settings, expecting KAFKAC_ERR_CONFIG with every NULL-terminated
 * `needle` in the message (the keys it must name). */
static void load_fail(const kafkac_conf_t *c, kc_scope_t scope, ...)
{
    kc_settings_t s;
    char err[256] = "";
    int e = kc_settings_load(&s, c, scope, err, sizeof err);
    if (e != KAFKAC_ERR_CONFIG)
        fail_msg("load: expected KAFKAC_ERR_CONFIG, got %d (%s)", e, err);
    va_list ap;
    va_start(ap, scope);
    for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *))
        if (!strstr(err, n))
            fail_msg("load error should mention %s; got: %s", n, err);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* The table itself                                                    */

static void test_table_is_consistent(void **state)
{
    (void)state;
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if (!p->doc || !*p->doc)
            fail_msg("%s has no doc", p->name);
        assert_true(p->scopes != 0);
        /* Names and aliases are unique across the table. */
        assert_ptr_equal(kc_prop_find(p->name), p);
        for (size_t a = 0; a < 3 && p->alias[a]; a++)
            if (kc_prop_find(p->alias[a]) != p)
                fail_msg("alias %s of %s resolves elsewhere", p->alias[a], p->name);
        /* The first alias is kafka-python's spelling: dots as underscores. */
        char underscored[128];
        snprintf(underscored, sizeof underscored, "%s", p->name);
        for (char *q = underscored; *q; q++)
            if (*q == '.')
                *q = '_';
        if (strcmp(underscored, p->name) && (!p->alias[0] || strcmp(p->alias[0], underscored)))
            fail_msg("%s: first alias should be %s", p->name, underscored);
        if (p->type == KC_PT_INT)
            assert_true(p->min <= p->max);
    }
}

/* ------------------------------------------------------------------ */
/* kafkac_conf_set / get                                               */

static void test_every_default_accepted(void **state)
{
    (void)state;
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        expect_get(c, p->name, p->def ? p->def : "");
        if (p->def && *p->def)
            expect_set_ok(c, p->name, p->def);
    }
    kafkac_conf_destroy(c);
}

/* A bad value for each type; the configuration keeps its old value. */
static void test_every_property_rejects_bad_value(void **state)
{
    (void)state;
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    int checked = 0;
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        const char *bad[3] = { NULL, NULL, NULL };
        char above[32], below[32];
        switch (p->type) {
        case KC_PT_STRING:
            continue; /* any string is a valid string */
        case KC_PT_INT:
            bad[0] = "abc";
            snprintf(below, sizeof below, "%lld", (long long)p->min - 1);
            bad[1] = below;
            if (p->max != INT64_MAX) {
                snprintf(above, sizeof above, "%lld", (long long)p->max + 1);
                bad[2] = above;
            }
            break;
        case KC_PT_BOOL: bad[0] = "maybe"; bad[1] = ""; break;
        case KC_PT_ENUM:
            bad[0] = "bogus";
            /* ssl.endpoint.identification.algorithm takes "" (Java's "none"). */
            bad[1] = "";
            for (const kc_enum_val_t *e = p->vals; e->name; e++)
                if (!*e->name)
                    bad[1] = NULL;
            break;
        case KC_PT_LIST: bad[0] = p->vals ? "bogus" : "nohost"; bad[1] = ""; break;
        }
        char want[160];
        snprintf(want, sizeof want, "~for '%s': ", p->name);
        for (int b = 0; b < 3 && bad[b]; b++) {
            expect_set_fail(c, p->name, bad[b], want);
            expect_get(c, p->name, p->def ? p->def : "");
            checked++;
        }
    }
    assert_true(checked > 60);
    kafkac_conf_destroy(c);
}

static void test_messages(void **state)
{
    (void)state;
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    expect_set_fail(c, "linger.ms", "abc",
                    "invalid value 'abc' for 'linger.ms': expected an integer between 0 and 900000");
    expect_set_fail(c, "linger.ms", "10ms",
                    "invalid value '10ms' for 'linger.ms': expected an integer between 0 and 900000");
    expect_set_fail(c, "linger.ms", " 10", "~expected an integer");
    expect_set_fail(c, "buffer.memory", "-5",
                    "invalid value '-5' for 'buffer.memory': expected an integer of at least 0");
    /* A request with no time to get an answer can never succeed. */
    expect_set_fail(c, "request.timeout.ms", "0",
                    "invalid value '0' for 'request.timeout.ms': expected an integer between 1 and 2147483647");
    expect_set_ok(c, "request.timeout.ms", "1");
    expect_set_fail(c, "client.dns.lookup", "default",
                    "invalid value 'default' for 'client.dns.lookup': expected one of use_all_dns_ips, "
                    "resolve_canonical_bootstrap_servers_only");
    expect_set_ok(c, "client.dns.lookup", "RESOLVE_CANONICAL_BOOTSTRAP_SERVERS_ONLY");
    expect_set_ok(c, "client.dns.lookup", "use_all_dns_ips");
    expect_set_fail(c, "lingr.ms", "5", "unknown configuration property 'lingr.ms' (did you mean 'linger.ms'?)");
    expect_set_fail(c, "bootstrap.server", "a:1",
                    "unknown configuration property 'bootstrap.server' (did you mean 'bootstrap.servers'?)");
    expect_set_fail(c, "lingerms", "5", "~(did you mean 'linger.ms'?)");
    expect_set_fail(c, "xyzzy", "5", "unknown configuration property 'xyzzy'");
    expect_set_fail(c, "key.serializer", "x", "~'key.serializer' does not apply");
    expect_set_fail(c, "compression.type", "brotli",
                    "invalid value 'brotli' for 'compression.type': expected one of none, gzip, snappy, lz4, zstd");
    expect_set_fail(c, "enable.idempotence", "yes",
                    "invalid value 'yes' for 'enable.idempotence': expected true or false");
    expect_set_fail(c, "security.protocol", "tls", "~invalid value 'tls' for 'security.protocol'");
    expect_set_ok(c, "security.protocol", "SSL");
    expect_set_ok(c, "security.protocol", "Sasl_Ssl");
    expect_set_ok(c, "security.protocol", "sasl_plaintext");
    expect_set_ok(c, "group.protocol", "consumer");
    expect_set_fail(c, "partition.assignment.strategy", "range,foo",
                    "invalid value 'range,foo' for 'partition.assignment.strategy': 'foo' is not one of "
                    "range, roundrobin, sticky, cooperative-sticky");
    expect_set_fail(c, "partition.assignment.strategy", "range, range", "~'range' is listed twice");
    expect_set_fail(c, "partition.assignment.strategy", " , ", "~expected a comma-separated list");

    /* Case-insensitive enum and bool values, Java's upper-case spellings. */
    expect_set_ok(c, "security.protocol", "PLAINTEXT");
    expect_set_ok(c, "enable.idempotence", "TRUE");
    expect_set_ok(c, "acks", "-1");
    expect_set_ok(c, "auto.offset.reset", "smallest");

    /* A truncated errstr is still terminated; NULL errstr is allowed. */
    char tiny[8];
    assert_int_equal(kafkac_conf_set(c, "linger.ms", "abc", tiny, sizeof tiny), KAFKAC_ERR_CONFIG);
    assert_string_equal(tiny, "invalid");
    assert_int_equal(kafkac_conf_set(c, "linger.ms", "abc", NULL, 0), KAFKAC_ERR_CONFIG);
    assert_int_equal(kafkac_conf_set(NULL, "linger.ms", "1", NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_conf_set(c, NULL, "1", NULL, 0), KAFKAC_ERR_INVALID_ARG);
    kafkac_conf_destroy(c);
}

static void test_aliases_and_reset(void **state)
{
    (void)state;
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    expect_set_ok(c, "linger_ms", "10");
    expect_get(c, "linger.ms", "10");
    expect_get(c, "linger_ms", "10");
    expect_set_ok(c, "bootstrap_servers", "k1:9092");
    expect_get(c, "bootstrap.servers", "k1:9092");
    expect_set_ok(c, "send_buffer_bytes", "65536");
    expect_get(c, "socket.send.buffer.bytes", "65536");
    expect_set_ok(c, "api_version_auto_timeout_ms", "2000");
    expect_get(c, "api.version.request.timeout.ms", "2000");
    expect_set_fail(c, "linger_ms", "x", "~for 'linger.ms'");

    /* Every alias of the table reads the same value as the dotted name. */
    for (size_t i = 0; i < kc_props_count; i++)
        for (size_t a = 0; a < 3 && kc_props[i].alias[a]; a++) {
            char by_name[512], by_alias[512];
            size_t n1 = sizeof by_name, n2 = sizeof by_alias;
            assert_int_equal(kafkac_conf_get(c, kc_props[i].name, by_name, &n1), KAFKAC_OK);
            assert_int_equal(kafkac_conf_get(c, kc_props[i].alias[a], by_alias, &n2), KAFKAC_OK);
            assert_string_equal(by_name, by_alias);
        }

    /* NULL value: back to the default, no longer explicit. */
    expect_set_ok(c, "linger.ms", NULL);
    expect_get(c, "linger.ms", "5");
    assert_null(kc_conf_value(c, (size_t)(kc_prop_find("linger.ms") - kc_props)));
    kafkac_conf_destroy(c);
}

static void test_get_sizes(void **state)
{
    (void)state;
    kafkac_conf_t *c = conf_with("client.id", "app-1", NULL);
    size_t n = 0;
    assert_int_equal(kafkac_conf_get(c, "client.id", NULL, &n), KAFKAC_OK);
    assert_int_equal(n, 6);
    char buf[6];
    n = 5;
    assert_int_equal(kafkac_conf_get(c, "client.id", buf, &n), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(n, 6);
    n = sizeof buf;
    assert_int_equal(kafkac_conf_get(c, "client.id", buf, &n), KAFKAC_OK);
    assert_string_equal(buf, "app-1");
    assert_int_equal(kafkac_conf_get(c, "client.idd", buf, &n), KAFKAC_ERR_CONFIG);
    expect_get(c, "group.id", "");
    kafkac_conf_destroy(c);
}

static void test_dup_is_independent(void **state)
{
    (void)state;
    logbuf_t lb = { 0 };
    kafkac_conf_t *a = conf_with("linger.ms", "7", "group.id", "g", NULL);
    kafkac_conf_set_log_cb(a, collect_log, &lb);
    kafkac_conf_t *b = kafkac_conf_dup(a);
    assert_non_null(b);
    expect_set_ok(a, "linger.ms", "8");
    expect_get(b, "linger.ms", "7");
    expect_get(b, "group.id", "g");
    kafkac_conf_destroy(a);
    expect_get(b, "group.id", "g");

    /* The log callback came along too. */
    expect_set_ok(b, "bootstrap.servers", "h:1");
    kc_settings_t s;
    load_ok(&s, b, KC_SCOPE_CONSUMER);
    assert_int_equal(lb.count, 1); /* linger.ms ignored by the consumer */
    kc_settings_free(&s);
    kafkac_conf_destroy(b);
    kafkac_conf_destroy(NULL);
    assert_null(kafkac_conf_dup(NULL));
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */

static void test_load_defaults(void **state)
{
    (void)state;
    kafkac_conf_t *c = conf_with("bootstrap.servers", "localhost:9092", NULL);
    kc_settings_t s;
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_int_equal(s.bootstrap.n, 1);
    assert_string_equal(s.bootstrap.v[0].host, "localhost");
    assert_int_equal(s.bootstrap.v[0].port, 9092);
    assert_string_equal(s.client_id, "libkafkac");
    assert_null(s.client_rack);
    assert_null(s.transactional_id);
    assert_int_equal(s.request_timeout_ms, 30000);
    assert_int_equal(s.metadata_max_age_ms, 300000);
    assert_int_equal(s.retry_backoff_max_ms, 1000);
    assert_int_equal(s.connections_max_idle_ms, 540000);
    assert_int_equal(s.socket_send_buffer_bytes, -1);
    assert_int_equal(s.security_protocol, KC_SEC_PLAINTEXT);
    assert_int_equal(s.acks, KC_ACKS_ALL);
    assert_int_equal(s.linger_ms, 5);
    assert_int_equal(s.batch_size, 16384);
    assert_int_equal(s.buffer_memory, 33554432);
    assert_int_equal(s.compression_type, KC_CODEC_NONE);
    assert_int_equal(s.compression_level, KC_COMPRESSION_LEVEL_DEFAULT);
    assert_int_equal(s.retries, INT32_MAX);
    assert_int_equal(s.delivery_timeout_ms, 120000);
    assert_int_equal(s.max_in_flight, 5);
    assert_true(s.enable_idempotence);
    assert_int_equal(s.partitioner, KC_PARTITIONER_DEFAULT);
    assert_int_equal(s.max_request_size, 1048576);
    assert_int_equal(s.log.level, KAFKAC_LOG_INFO);
    assert_null(s.log.cb);
    kc_settings_free(&s);
    kc_settings_free(&s); /* zeroed: fine again */
    kc_settings_free(NULL);

    load_ok(&s, c, KC_SCOPE_CONSUMER);
    assert_int_equal(s.auto_offset_reset, KC_RESET_LATEST);
    assert_int_equal(s.session_timeout_ms, 45000);
    assert_int_equal(s.heartbeat_interval_ms, 3000);
    assert_int_equal(s.max_poll_records, 500);
    assert_int_equal(s.fetch_max_bytes, 52428800);
    assert_int_equal(s.isolation_level, KC_ISOLATION_READ_UNCOMMITTED);
    assert_int_equal(s.assignors.n, 2);
    assert_int_equal(s.assignors.v[0], KC_ASSIGNOR_RANGE);
    assert_int_equal(s.assignors.v[1], KC_ASSIGNOR_COOPERATIVE_STICKY);
    assert_true(s.check_crcs);
    assert_true(s.exclude_internal_topics);
    assert_false(s.enable_partition_eof);
    assert_false(s.enable_auto_commit); /* no group.id */
    assert_int_equal(s.default_api_timeout_ms, 60000);
    kc_settings_free(&s);

    expect_set_ok(c, "group.id", "g1");
    expect_set_ok(c, "auto.offset.reset", "smallest");
    expect_set_ok(c, "partition.assignment.strategy", " roundrobin ,sticky");
    expect_set_ok(c, "isolation.level", "read_committed");
    load_ok(&s, c, KC_SCOPE_CONSUMER);
    assert_string_equal(s.group_id, "g1");
    assert_true(s.enable_auto_commit);
    assert_int_equal(s.auto_offset_reset, KC_RESET_EARLIEST);
    assert_int_equal(s.isolation_level, KC_ISOLATION_READ_COMMITTED);
    assert_int_equal(s.assignors.n, 2);
    assert_int_equal(s.assignors.v[0], KC_ASSIGNOR_ROUNDROBIN);
    assert_int_equal(s.assignors.v[1], KC_ASSIGNOR_STICKY);
    kc_settings_free(&s);
    kafkac_conf_destroy(c);
}

static void test_bootstrap_parsing(void **state)
{
    (void)state;
    kafkac_conf_t *c = conf_with("bootstrap.servers",
                                 " a.example:1, [::1]:9092,PLAINTEXT://b_2.example:65535,[fe80::1%eth0]:19092,,"
                                 "10.0.0.1:9093 ",
                                 NULL);
    kc_settings_t s;
    load_ok(&s, c, KC_SCOPE_CLIENT);
    assert_int_equal(s.bootstrap.n, 5);
    assert_string_equal(s.bootstrap.v[0].host, "a.example");
    assert_int_equal(s.bootstrap.v[0].port, 1);
    assert_string_equal(s.bootstrap.v[1].host, "::1");
    assert_int_equal(s.bootstrap.v[1].port, 9092);
    assert_string_equal(s.bootstrap.v[2].host, "b_2.example");
    assert_int_equal(s.bootstrap.v[2].port, 65535);
    assert_string_equal(s.bootstrap.v[3].host, "fe80::1%eth0");
    assert_int_equal(s.bootstrap.v[3].port, 19092);
    assert_string_equal(s.bootstrap.v[4].host, "10.0.0.1");
    assert_int_equal(s.bootstrap.v[4].port, 9093);
    kc_settings_free(&s);

    static const struct { const char *v, *why; } bad[] = {
        { "localhost", "entry 'localhost': no port (expected host:port)" },
        { "h:0", "port must be a number from 1 to 65535" },
        { "h:65536", "port must be a number from 1 to 65535" },
        { "h:99999999999999999999", "port must be a number from 1 to 65535" },
        { "h:-1", "port must be a number from 1 to 65535" },
        { "h:x", "port must be a number from 1 to 65535" },
        { "h:", "empty port" },
        { ":9092", "empty host" },
        { "::1:9092", "an IPv6 address must be in brackets, as [::1]:9092" },
        { "[::1]", "no port (expected [address]:port)" },
        { "[::1]:", "empty port" },
        { "[::1:9092", "missing ']'" },
        { "[zz]:1", "not an IPv6 address" },
        { "[1.2.3.4]:1", "not an IPv6 address" },
        { "ho st:1", "invalid character in host name" },
        { "ok:1,bad", "entry 'bad': no port" },
        { "ssl://h:9093", "only plaintext:// is supported" },
        { "", "expected at least one host:port" },
        { " , ", "expected at least one host:port" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[200];
        snprintf(want, sizeof want, "~for 'bootstrap.servers': ");
        expect_set_fail(c, "bootstrap.servers", bad[i].v, want);
        snprintf(want, sizeof want, "~%s", bad[i].why);
        expect_set_fail(c, "bootstrap.servers", bad[i].v, want);
    }

    /* Required at load. */
    kafkac_conf_t *empty = kafkac_conf_new();
    load_fail(empty, KC_SCOPE_PRODUCER, "'bootstrap.servers' is required", NULL);
    load_fail(NULL, KC_SCOPE_ADMIN, "'bootstrap.servers'", NULL);
    kafkac_conf_destroy(empty);
    kafkac_conf_destroy(c);
}

static void test_idempotence_rules(void **state)
{
    (void)state;
    kc_settings_t s;
    logbuf_t lb = { 0 };

    /* Explicit idempotence + conflicting explicit value: both named. */
    kafkac_conf_t *c = conf_with("bootstrap.servers", "h:1", "enable.idempotence", "true", "acks", "1", NULL);
    load_fail(c, KC_SCOPE_PRODUCER, "'enable.idempotence'", "'acks'", "acks=all", NULL);
    kafkac_conf_destroy(c);
    c = conf_with("bootstrap.servers", "h:1", "enable.idempotence", "true",
                  "max.in.flight.requests.per.connection", "6", NULL);
    load_fail(c, KC_SCOPE_PRODUCER, "'enable.idempotence'", "'max.in.flight.requests.per.connection'", NULL);
    kafkac_conf_destroy(c);
    c = conf_with("bootstrap.servers", "h:1", "enable.idempotence", "true", "retries", "0", NULL);
    load_fail(c, KC_SCOPE_PRODUCER, "'enable.idempotence'", "'retries'", NULL);
    kafkac_conf_destroy(c);

    /* Default idempotence + conflicting value: idempotence goes off, with a notice. */
    c = conf_with("bootstrap.servers", "h:1", "acks", "1", NULL);
    kafkac_conf_set_log_cb(c, collect_log, &lb);
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_false(s.enable_idempotence);
    assert_int_equal(s.acks, KC_ACKS_LEADER);
    assert_int_equal(lb.count, 1);
    assert_int_equal(lb.levels[0], KAFKAC_LOG_NOTICE);
    assert_non_null(strstr(lb.text, "'acks'"));
    kc_settings_free(&s);

    /* ... but not with a transactional.id, which needs idempotence. */
    expect_set_ok(c, "transactional.id", "tx-1");
    load_fail(c, KC_SCOPE_PRODUCER, "'transactional.id'", "'acks'", NULL);
    kafkac_conf_destroy(c);
    c = conf_with("bootstrap.servers", "h:1", "transactional.id", "tx-1", "enable.idempotence", "false", NULL);
    load_fail(c, KC_SCOPE_PRODUCER, "'transactional.id'", "'enable.idempotence'", NULL);
    kafkac_conf_destroy(c);

    /* Compatible explicit values are kept; idempotence stays on. */
    c = conf_with("bootstrap.servers", "h:1", "acks", "-1", "max.in.flight.requests.per.connection", "3",
                  "transactional.id", "tx", NULL);
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_true(s.enable_idempotence);
    assert_int_equal(s.max_in_flight, 3);
    assert_string_equal(s.transactional_id, "tx");
    kc_settings_free(&s);
    kafkac_conf_destroy(c);

    /* Idempotence off: anything goes. */
    c = conf_with("bootstrap.servers", "h:1", "enable.idempotence", "false", "acks", "0",
                  "max.in.flight.requests.per.connection", "20", "retries", "0", NULL);
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_false(s.enable_idempotence);
    assert_int_equal(s.acks, KC_ACKS_NONE);
    assert_int_equal(s.max_in_flight, 20);
    assert_int_equal(s.retries, 0);
    kc_settings_free(&s);
    kafkac_conf_destroy(c);
}

static void test_producer_rules(void **state)
{
    (void)state;
    kc_settings_t s;
    logbuf_t lb = { 0 };

    kafkac_conf_t *c = conf_with("bootstrap.servers", "h:1", "delivery.timeout.ms", "20000", NULL);
    load_fail(c, KC_SCOPE_PRODUCER, "'delivery.timeout.ms'", "'linger.ms'", "'request.timeout.ms'", "30005", NULL);
    kafkac_conf_destroy(c);

    /* Not set explicitly: raised, with a warning. */
    c = conf_with("bootstrap.servers", "h:1", "linger.ms", "100000", NULL);
    kafkac_conf_set_log_cb(c, collect_log, &lb);
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_int_equal(s.delivery_timeout_ms, 130000);
    assert_int_equal(lb.count, 1);
    assert_int_equal(lb.levels[0], KAFKAC_LOG_WARNING);
    kc_settings_free(&s);
    kafkac_conf_destroy(c);

    static const struct { const char *type, *level; int ok; } levels[] = {
        { "gzip", "9", 1 }, { "gzip", "1", 1 }, { "gzip", "10", 0 }, { "gzip", "0", 0 },
        { "lz4", "17", 1 }, { "lz4", "18", 0 }, { "zstd", "22", 1 }, { "zstd", "-5", 1 },
        { "zstd", "-131072", 1 }, { "snappy", "1", 0 }, { "none", "3", 0 }, { "snappy", "-1", 1 },
    };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        c = conf_with("bootstrap.servers", "h:1", "compression.type", levels[i].type, "compression.level",
                      levels[i].level, NULL);
        if (levels[i].ok) {
            load_ok(&s, c, KC_SCOPE_PRODUCER);
            long long want = !strcmp(levels[i].level, "-1") ? KC_COMPRESSION_LEVEL_DEFAULT : atoll(levels[i].level);
            assert_int_equal(s.compression_level, want);
            kc_settings_free(&s);
        } else {
            load_fail(c, KC_SCOPE_PRODUCER, "'compression.level'", "'compression.type'", levels[i].type, NULL);
        }
        kafkac_conf_destroy(c);
    }
}

static void test_consumer_rules(void **state)
{
    (void)state;
    kafkac_conf_t *c = conf_with("bootstrap.servers", "h:1", "group.id", "g", "session.timeout.ms", "3000", NULL);
    load_fail(c, KC_SCOPE_CONSUMER, "'heartbeat.interval.ms'", "'session.timeout.ms'", NULL);
    /* The same configuration is fine for a producer, which ignores both
     * (session.timeout.ms with a warning). */
    kc_settings_t s;
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    kc_settings_free(&s);
    kafkac_conf_destroy(c);

    c = conf_with("bootstrap.servers", "h:1", "enable.auto.commit", "true", NULL);
    load_fail(c, KC_SCOPE_CONSUMER, "'enable.auto.commit'", "'group.id'", NULL);
    kafkac_conf_destroy(c);
    c = conf_with("bootstrap.servers", "h:1", "group.instance.id", "i-1", NULL);
    load_fail(c, KC_SCOPE_CONSUMER, "'group.instance.id'", "'group.id'", NULL);
    kafkac_conf_destroy(c);

    /* KIP-848 gives these to the broker: refused with group.protocol=consumer,
     * fine with classic; group.remote.assignor only with consumer. */
    static const char *const broker_side[][2] = {
        {"session.timeout.ms", "10000"}, {"heartbeat.interval.ms", "1000"}, {"partition.assignment.strategy", "range"}};
    for (int i = 0; i < 3; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", broker_side[i][0]);
        c = conf_with("bootstrap.servers", "h:1", "group.id", "g", "group.protocol", "consumer", broker_side[i][0],
                      broker_side[i][1], NULL);
        load_fail(c, KC_SCOPE_CONSUMER, quoted, "group.protocol=consumer", NULL);
        kafkac_conf_destroy(c);
        c = conf_with("bootstrap.servers", "h:1", "group.id", "g", broker_side[i][0], broker_side[i][1], NULL);
        load_ok(&s, c, KC_SCOPE_CONSUMER);
        kc_settings_free(&s);
        kafkac_conf_destroy(c);
    }
    c = conf_with("bootstrap.servers", "h:1", "group.id", "g", "group.remote.assignor", "range", NULL);
    load_fail(c, KC_SCOPE_CONSUMER, "'group.remote.assignor'", "group.protocol=consumer", NULL);
    kafkac_conf_destroy(c);
    c = conf_with("bootstrap.servers", "h:1", "group.id", "g", "group.protocol", "consumer", "group.remote.assignor",
                  "uniform", NULL);
    load_ok(&s, c, KC_SCOPE_CONSUMER);
    assert_int_equal(s.group_protocol, KC_GROUP_PROTOCOL_CONSUMER);
    assert_string_equal(s.group_remote_assignor, "uniform");
    kc_settings_free(&s);
    kafkac_conf_destroy(c);
}

/* A property of another client: a warning through the logger, then
 * ignored; log.level filters it. */
static void test_scope_warnings(void **state)
{
    (void)state;
    logbuf_t lb = { 0 };
    kafkac_conf_t *c = conf_with("bootstrap.servers", "h:1", "linger.ms", "50", "group.id", "g", NULL);
    kafkac_conf_set_log_cb(c, collect_log, &lb);
    kc_settings_t s;
    load_ok(&s, c, KC_SCOPE_CONSUMER);
    assert_int_equal(lb.count, 1);
    assert_int_equal(lb.levels[0], KAFKAC_LOG_WARNING);
    assert_non_null(strstr(lb.text, "config: configuration property 'linger.ms' applies to the producer only"));
    assert_int_equal(s.linger_ms, 5); /* ignored: the default stays */
    kc_settings_free(&s);

    memset(&lb, 0, sizeof lb);
    load_ok(&s, c, KC_SCOPE_PRODUCER);
    assert_int_equal(lb.count, 1);
    assert_non_null(strstr(lb.text, "'group.id' applies to the consumer only"));
    assert_int_equal(s.linger_ms, 50);
    kc_settings_free(&s);

    memset(&lb, 0, sizeof lb);
    load_ok(&s, c, KC_SCOPE_ADMIN);
    assert_int_equal(lb.count, 2);
    kc_settings_free(&s);

    memset(&lb, 0, sizeof lb);
    expect_set_ok(c, "log.level", "3");
    load_ok(&s, c, KC_SCOPE_CONSUMER);
    assert_int_equal(lb.count, 0);
    kc_settings_free(&s);
    kafkac_conf_destroy(c);
}

/* With no callback the library prints nothing: stderr and stdout stay empty. */
static void test_silent_without_callback(void **state)
{
    (void)state;
    char path[] = "/tmp/kc_test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    int save_out = dup(1), save_err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    kafkac_conf_t *c = conf_with("bootstrap.servers", "h:1", "linger.ms", "50", "acks", "1", NULL);
    kc_settings_t s;
    char err[256];
    int e = kc_settings_load(&s, c, KC_SCOPE_CONSUMER, err, sizeof err);
    if (!e)
        kc_settings_free(&s);
    e |= kc_settings_load(&s, c, KC_SCOPE_PRODUCER, err, sizeof err);
    if (!e)
        kc_settings_free(&s);
    kafkac_conf_destroy(c);
    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    assert_int_equal(e, 0);
    assert_int_equal(size, 0);
}

static void test_kc_log(void **state)
{
    (void)state;
    logbuf_t lb = { 0 };
    kc_logger_t lg = { collect_log, &lb, KAFKAC_LOG_NOTICE };
    kc_log(&lg, KAFKAC_LOG_INFO, "x", "filtered %d", 1);
    assert_int_equal(lb.count, 0);
    kc_log(&lg, KAFKAC_LOG_ERR, "broker", "down: %s", "h:1");
    assert_int_equal(lb.count, 1);
    assert_string_equal(lb.text, "3 broker: down: h:1\n");
    kc_log(NULL, KAFKAC_LOG_ERR, "x", "no logger");
    kc_logger_t off = { NULL, NULL, 7 };
    kc_log(&off, KAFKAC_LOG_ERR, "x", "no callback");
    assert_int_equal(lb.count, 1);

    /* Longer than the stack buffer: delivered whole. */
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memset(&lb, 0, sizeof lb);
    kc_log(&lg, KAFKAC_LOG_ERR, "f", "%s!", big);
    assert_int_equal(strlen(lb.text), strlen("3 f: ") + 1999 + 2);
    /* ... or truncated when that allocation fails, but still delivered. */
    memset(&lb, 0, sizeof lb);
    kc_mem_fail_after(0);
    kc_log(&lg, KAFKAC_LOG_ERR, "f", "%s!", big);
    kc_mem_fail_after(-1);
    assert_int_equal(lb.count, 1);
    assert_int_equal(strlen(lb.text), strlen("3 f: ") + 511 + 1);
    assert_string_equal(kc_log_level_name(KAFKAC_LOG_WARNING), "WARNING");
}

/* Every allocation of set, dup, load and docs made to fail in turn: each
 * call reports KAFKAC_ERR_NO_MEMORY (or NULL) and leaks nothing (the
 * sanitizer build checks for leaks). */
static void test_out_of_memory(void **state)
{
    (void)state;
    int succeeded = 0;
    for (long n = 0; n < 200 && !succeeded; n++) {
        kc_mem_fail_after(n);
        kafkac_conf_t *c = kafkac_conf_new();
        kafkac_conf_t *d = NULL;
        kc_settings_t s;
        char *doc = NULL;
        char err[256];
        int e = KAFKAC_ERR_NO_MEMORY;
        if (!c)
            goto next;
        if ((e = kafkac_conf_set(c, "bootstrap.servers", "a:1,[::1]:2,b:3", err, sizeof err)))
            goto next;
        if ((e = kafkac_conf_set(c, "group.id", "g", err, sizeof err)))
            goto next;
        if ((e = kafkac_conf_set(c, "client.rack", "r1", err, sizeof err)))
            goto next;
        d = kafkac_conf_dup(c);
        if (!d) {
            e = KAFKAC_ERR_NO_MEMORY;
            goto next;
        }
        if ((e = kc_settings_load(&s, d, KC_SCOPE_CONSUMER, err, sizeof err)))
            goto next;
        kc_settings_free(&s);
        doc = kc_config_docs();
        if (!doc) {
            e = KAFKAC_ERR_NO_MEMORY;
            goto next;
        }
        succeeded = 1;
    next:
        kc_mem_fail_after(-1);
        if (e != KAFKAC_OK && e != KAFKAC_ERR_NO_MEMORY)
            fail_msg("with %ld allocations allowed: expected OK or NO_MEMORY, got %d", n, e);
        kc_free(doc);
        kafkac_conf_destroy(d);
        kafkac_conf_destroy(c);
    }
    assert_true(succeeded);
}

/* ------------------------------------------------------------------ */
/* docs/CONFIGURATION.md                                               */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The committed file must equal the generator's output, so docs and
 * table cannot drift.  Found via $KAFKAC_SRC_DIR, the current directory,
 * or this source file's own path. */
static void test_docs_match_table(void **state)
{
    (void)state;
    char path[1024];
    char *committed = NULL;
    const char *root = getenv("KAFKAC_SRC_DIR");
    if (root) {
        snprintf(path, sizeof path, "%s/docs/CONFIGURATION.md", root);
        committed = read_file(path);
    }
    if (!committed) {
        snprintf(path, sizeof path, "docs/CONFIGURATION.md");
        committed = read_file(path);
    }
    if (!committed) {
        const char *self = __FILE__;
        const char *tail = strstr(self, "tests/unit/test_config.c");
        if (tail) {
            snprintf(path, sizeof path, "%.*sdocs/CONFIGURATION.md", (int)(tail - self), self);
            committed = read_file(path);
        }
    }
    if (!committed)
        fail_msg("docs/CONFIGURATION.md not found (run from the source tree or set KAFKAC_SRC_DIR)");
    char *generated = kc_config_docs();
    assert_non_null(generated);
    if (strcmp(committed, generated)) {
        size_t i = 0;
        while (committed[i] && committed[i] == generated[i])
            i++;
        size_t line = 1;
        for (size_t k = 0; k < i; k++)
            line += generated[k] == '\n';
        fail_msg("%s differs from the table's output at line %zu; regenerate it with "
                 "`build/bin/kafkac config docs > docs/CONFIGURATION.md`",
                 path, line);
    }
    /* Every property is documented. */
    for (size_t i = 0; i < kc_props_count; i++) {
        char cell[128];
        snprintf(cell, sizeof cell, "| `%s` |", kc_props[i].name);
        if (!strstr(generated, cell))
            fail_msg("%s missing from the docs", kc_props[i].name);
    }
    kc_free(generated);
    free(committed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_every_default_accepted),
        cmocka_unit_test(test_every_property_rejects_bad_value),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_aliases_and_reset),
        cmocka_unit_test(test_get_sizes),
        cmocka_unit_test(test_dup_is_independent),
        cmocka_unit_test(test_load_defaults),
        cmocka_unit_test(test_bootstrap_parsing),
        cmocka_unit_test(test_idempotence_rules),
        cmocka_unit_test(test_producer_rules),
        cmocka_unit_test(test_consumer_rules),
        cmocka_unit_test(test_scope_warnings),
        cmocka_unit_test(test_silent_without_callback),
        cmocka_unit_test(test_kc_log),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_docs_match_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

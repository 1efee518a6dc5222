/* Every way a producer configuration can be wrong, as a user meets it:
 * an unknown key, a bad value for each property the producer reads (the
 * message must name the key and what is allowed), and properties that
 * conflict (creation fails naming both).  No broker is needed: creation
 * never connects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/config.h"
#include "kafkac/kafkac.h"
#include "producer/producer_int.h"

static kafkac_conf_t *base(void)
{
    char err[256];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_non_null(c);
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), KAFKAC_OK);
    return c;
}

static void expect_set_fails(kafkac_conf_t *c, const char *key, const char *val)
{
    char err[512] = "";
    kafkac_err_t e = kafkac_conf_set(c, key, val, err, sizeof err);
    if (e != KAFKAC_ERR_CONFIG)
        fail_msg("%s=%s: expected CONFIG, got %s", key, val, kafkac_err_name(e));
    if (!strstr(err, key))
        fail_msg("%s=%s: message does not name the key: %s", key, val, err);
}

/* Every producer property with a value of the wrong type and, for
 * numbers, just outside its range. */
static void test_every_bad_value(void **state)
{
    (void)state;
    int checked = 0;
    kafkac_conf_t *c = base();
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *pr = &kc_props[i];
        if (!(pr->scopes & KC_SCOPE_PRODUCER))
            continue;
        char v[64];
        switch (pr->type) {
        case KC_PT_INT:
            expect_set_fails(c, pr->name, "abc");
            expect_set_fails(c, pr->name, "12x");
            if (pr->min > INT64_MIN) {
                snprintf(v, sizeof v, "%lld", (long long)pr->min - 1);
                expect_set_fails(c, pr->name, v);
            }
            if (pr->max < INT64_MAX) {
                snprintf(v, sizeof v, "%lld", (long long)pr->max + 1);
                expect_set_fails(c, pr->name, v);
            }
            checked++;
            break;
        case KC_PT_BOOL:
            expect_set_fails(c, pr->name, "maybe");
            checked++;
            break;
        case KC_PT_ENUM:
            expect_set_fails(c, pr->name, "no-such-value");
            checked++;
            break;
        case KC_PT_LIST:
            if (!pr->vals) {
                expect_set_fails(c, pr->name, "host:notaport");
                expect_set_fails(c, pr->name, "host:70000");
                checked++;
            }
            break;
        default:
            break;
        }
    }
    /* The producer's own properties are all in the table. */
    assert_true(checked >= 15);
    /* After all those refusals the configuration is still the valid one. */
    char err[512];
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    if (!p)
        fail_msg("valid configuration refused: %s", err);
    kafkac_producer_destroy(p);
    kafkac_conf_destroy(c);
}

static void test_messages_say_what_is_allowed(void **state)
{
    (void)state;
    kafkac_conf_t *c = base();
    char err[512];
    assert_int_equal(kafkac_conf_set(c, "acks", "2", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "all"));
    assert_int_equal(kafkac_conf_set(c, "compression.type", "brotli", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "zstd"));
    assert_int_equal(kafkac_conf_set(c, "linger.ms", "-1", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "900000"));
    assert_int_equal(kafkac_conf_set(c, "partitioner", "random", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "murmur2_random"));
    /* Unknown keys, with a suggestion for a near miss. */
    assert_int_equal(kafkac_conf_set(c, "lingr.ms", "5", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "lingr.ms"));
    assert_non_null(strstr(err, "linger.ms"));
    assert_int_equal(kafkac_conf_set(c, "no.such.thing", "1", err, sizeof err), KAFKAC_ERR_CONFIG);
    assert_non_null(strstr(err, "no.such.thing"));
    kafkac_conf_destroy(c);
}

static void test_kafka_python_spellings(void **state)
{
    (void)state;
    kafkac_conf_t *c = kafkac_conf_new();
    char err[512];
    const char *kv[] = { "bootstrap_servers", "127.0.0.1:1", "linger_ms", "7", "batch_size", "1234",
                         "buffer_memory", "99999", "max_block_ms", "1500", "compression_type", "gzip",
                         "retry_backoff_ms", "33", "delivery_timeout_ms", "200000", "max_request_size", "55555",
                         "max_in_flight_requests_per_connection", "3", "client_id", "py", NULL };
    for (int i = 0; kv[i]; i += 2)
        if (kafkac_conf_set(c, kv[i], kv[i + 1], err, sizeof err) != KAFKAC_OK)
            fail_msg("alias %s: %s", kv[i], err);
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    if (!kp)
        fail_msg("%s", err);
    kc_producer_t *p = kc_producer_inner(kp);
    assert_int_equal(p->s.linger_ms, 7);
    assert_int_equal(p->s.batch_size, 1234);
    assert_int_equal(p->s.buffer_memory, 99999);
    assert_int_equal(p->s.max_block_ms, 1500);
    assert_int_equal(p->s.compression_type, KC_CODEC_GZIP);
    assert_int_equal(p->s.retry_backoff_ms, 33);
    assert_int_equal(p->s.delivery_timeout_ms, 200000);
    assert_int_equal(p->s.max_request_size, 55555);
    assert_int_equal(p->s.max_in_flight, 3);
    assert_string_equal(p->s.client_id, "py");
    kafkac_producer_destroy(kp);
    kafkac_conf_destroy(c);
}

typedef struct conflict {
    const char *kv[8];
    const char *must_name[3];
} conflict_t;

static void test_conflicts_fail_creation(void **state)
{
    (void)state;
    const conflict_t cases[] = {
        { { "enable.idempotence", "true", "acks", "1", NULL }, { "enable.idempotence", "acks", NULL } },
        { { "enable.idempotence", "true", "acks", "0", NULL }, { "enable.idempotence", "acks", NULL } },
        { { "enable.idempotence", "true", "max.in.flight.requests.per.connection", "6", NULL },
          { "enable.idempotence", "max.in.flight.requests.per.connection", NULL } },
        { { "enable.idempotence", "true", "retries", "0", NULL }, { "enable.idempotence", "retries", NULL } },
        { { "delivery.timeout.ms", "1000", "linger.ms", "500", NULL }, { "delivery.timeout.ms", "linger.ms", NULL } },
        { { "compression.type", "snappy", "compression.level", "3", NULL },
          { "compression.level", "snappy", NULL } },
        { { "compression.type", "gzip", "compression.level", "12", NULL }, { "compression.level", "gzip", NULL } },
        { { "transactional.id", "tx", "enable.idempotence", "false", NULL },
          { "transactional.id", "enable.idempotence", NULL } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kafkac_conf_t *c = base();
        char err[512] = "";
        for (int k = 0; cases[i].kv[k]; k += 2)
            assert_int_equal(kafkac_conf_set(c, cases[i].kv[k], cases[i].kv[k + 1], err, sizeof err), KAFKAC_OK);
        kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
        if (p)
            fail_msg("case %zu (%s=%s): creation succeeded", i, cases[i].kv[0], cases[i].kv[1]);
        for (int k = 0; cases[i].must_name[k]; k++)
            if (!strstr(err, cases[i].must_name[k]))
                fail_msg("case %zu: message does not name '%s': %s", i, cases[i].must_name[k], err);
        kafkac_conf_destroy(c);
    }
}

/* Idempotence only on by default gives way to an explicit acks=1, as in
 * the Java client; the producer then runs without it. */
static void test_default_idempotence_yields(void **state)
{
    (void)state;
    kafkac_conf_t *c = base();
    char err[512];
    assert_int_equal(kafkac_conf_set(c, "acks", "1", err, sizeof err), KAFKAC_OK);
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    assert_non_null(kp);
    assert_false(kc_producer_inner(kp)->s.enable_idempotence);
    assert_int_equal(kc_producer_inner(kp)->s.acks, 1);
    kafkac_producer_destroy(kp);
    kafkac_conf_destroy(c);
    /* And by default: acks=all, idempotent, at most 5 in flight. */
    c = base();
    kp = kafkac_producer_new(c, err, sizeof err);
    assert_non_null(kp);
    assert_true(kc_producer_inner(kp)->s.enable_idempotence);
    assert_int_equal(kc_producer_inner(kp)->s.acks, -1);
    assert_true(kc_producer_inner(kp)->s.max_in_flight <= 5);
    kafkac_producer_destroy(kp);
    kafkac_conf_destroy(c);
}

static void test_no_bootstrap_and_null_args(void **state)
{
    (void)state;
    char err[512] = "";
    kafkac_conf_t *c = kafkac_conf_new();
    assert_null(kafkac_producer_new(c, err, sizeof err));
    assert_non_null(strstr(err, "bootstrap.servers"));
    assert_null(kafkac_producer_new(NULL, err, sizeof err));
    kafkac_conf_destroy(c);
    assert_int_equal(kafkac_producer_flush(NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_close(NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_producer_poll(NULL, 0), 0);
    assert_int_equal(kafkac_producer_send(NULL, "t", NULL, -1, NULL, -1, NULL), KAFKAC_ERR_INVALID_ARG);
    kafkac_producer_record_t *r = kafkac_producer_record_new("t");
    assert_non_null(r);
    kafkac_future_t *f = (kafkac_future_t *)&r;
    assert_int_equal(kafkac_producer_send_record(NULL, r, &f), KAFKAC_ERR_INVALID_ARG);
    assert_null(f);   /* no future on error */
    kafkac_producer_record_destroy(r);
    kafkac_producer_metrics_t m;
    assert_int_equal(kafkac_producer_metrics(NULL, &m, sizeof m), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_future_wait(NULL, 0, NULL), KAFKAC_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_bad_value),
        cmocka_unit_test(test_messages_say_what_is_allowed),
        cmocka_unit_test(test_kafka_python_spellings),
        cmocka_unit_test(test_conflicts_fail_creation),
        cmocka_unit_test(test_default_idempotence_yields),
        cmocka_unit_test(test_no_bootstrap_and_null_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The producer's retries back off exponentially (retry.backoff.ms doubled
 * per attempt up to retry.backoff.max.ms, with +-20% jitter; issue 13,
 * defect 7).  librdkafka's mock cluster (rdkafka_mock.h, loaded with
 * dlopen so that the test links nothing more) answers Produce with an
 * injected retriable error (NOT_ENOUGH_REPLICAS) many times in a row; a
 * record is then retried until delivery.timeout.ms, and the number of
 * retries in that time shows the schedule:
 *   retry.backoff.ms=50, max=50:  a retry about every 50 ms
 *   retry.backoff.ms=50, max=800: waits 50,100,200,400,800,800.. ms
 * Skipped when librdkafka.so.1 is not installed.  Needs no broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "itest_producer_util.h"
#include "kafkac/kafkac.h"

static struct {
    void *lib;
    rd_kafka_conf_t *(*conf_new)(void);
    rd_kafka_conf_res_t (*conf_set)(rd_kafka_conf_t *, const char *, const char *, char *, size_t);
    rd_kafka_t *(*new_)(rd_kafka_type_t, rd_kafka_conf_t *, char *, size_t);
    void (*destroy)(rd_kafka_t *);
    rd_kafka_mock_cluster_t *(*handle_mock)(const rd_kafka_t *);
    const char *(*bootstraps)(const rd_kafka_mock_cluster_t *);
    rd_kafka_resp_err_t (*topic_create)(rd_kafka_mock_cluster_t *, const char *, int, int);
    void (*push_errors)(rd_kafka_mock_cluster_t *, int16_t, size_t, const rd_kafka_resp_err_t *);
    void (*clear_errors)(rd_kafka_mock_cluster_t *, int16_t);
} rd;

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mock;
static char mock_brokers[256];

#define LOAD(field, name)                                   \
    do {                                                    \
        *(void **)&rd.field = dlsym(rd.lib, name);          \
        if (!rd.field) {                                    \
            fprintf(stderr, "librdkafka lacks %s\n", name); \
            return -1;                                      \
        }                                                   \
    } while (0)

static int setup(void **state)
{
    (void)state;
    rd.lib = dlopen("librdkafka.so.1", RTLD_NOW);
    if (!rd.lib)
        return 0;   /* the test skips itself */
    LOAD(conf_new, "rd_kafka_conf_new");
    LOAD(conf_set, "rd_kafka_conf_set");
    LOAD(new_, "rd_kafka_new");
    LOAD(destroy, "rd_kafka_destroy");
    LOAD(handle_mock, "rd_kafka_handle_mock_cluster");
    LOAD(bootstraps, "rd_kafka_mock_cluster_bootstraps");
    LOAD(topic_create, "rd_kafka_mock_topic_create");
    LOAD(push_errors, "rd_kafka_mock_push_request_errors_array");
    LOAD(clear_errors, "rd_kafka_mock_clear_request_errors");
    char err[256];
    rd_kafka_conf_t *conf = rd.conf_new();
    if (rd.conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err) != RD_KAFKA_CONF_OK)
        return -1;
    mock_rk = rd.new_(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!mock_rk || !(mock = rd.handle_mock(mock_rk)))
        return -1;
    snprintf(mock_brokers, sizeof mock_brokers, "%s", rd.bootstraps(mock));
    return rd.topic_create(mock, "backoff", 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (mock_rk)
        rd.destroy(mock_rk);
    return 0;
}

/* Sends one record while every Produce fails with a retriable error;
 * returns the producer's retry count once the record failed. */
static int64_t retries_with(const char *max_ms, int64_t *took)
{
    rd_kafka_resp_err_t errs[200];
    for (int i = 0; i < 200; i++)
        errs[i] = RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;
    rd.clear_errors(mock, 0);
    rd.push_errors(mock, 0 /* Produce */, 200, errs);
    const char *kv[] = { "acks", "all", "retry.backoff.ms", "50", "retry.backoff.max.ms", max_ms,
                         "delivery.timeout.ms", "3000", "request.timeout.ms", "2000", "linger.ms", "0",
                         "enable.idempotence", "false", NULL };
    kafkac_producer_t *p = pu_producer(mock_brokers, kv);
    kafkac_future_t *f;
    int64_t t0 = kc_test_now_ms();
    assert_int_equal(kc_test_send_to(p, "backoff", 0, NULL, -1, "v", 1, &f), KAFKAC_OK);
    kafkac_err_t e = kafkac_future_wait(f, 10000, NULL);
    *took = kc_test_now_ms() - t0;
    if (e != KAFKAC_ERR_NOT_ENOUGH_REPLICAS && e != KAFKAC_ERR_TIMED_OUT)
        fail_msg("expected NOT_ENOUGH_REPLICAS or TIMED_OUT, got %s", kafkac_err_name(e));
    kafkac_producer_metrics_t m;
    assert_int_equal(kafkac_producer_metrics(p, &m, sizeof m), KAFKAC_OK);
    kafkac_future_destroy(f);
    kafkac_producer_destroy(p);
    rd.clear_errors(mock, 0);
    return m.retries;
}

static void test_retries_spread_out(void **state)
{
    (void)state;
    if (!rd.lib)
        fail_msg("librdkafka (its mock cluster) could not be loaded; scripts/deps.sh installs it");
    int64_t took_fixed, took_exp;
    int64_t fixed = retries_with("50", &took_fixed);
    int64_t exp = retries_with("800", &took_exp);
    printf("# max 50 ms: %lld retries in %lld ms; max 800 ms: %lld retries in %lld ms\n", (long long)fixed,
           (long long)took_fixed, (long long)exp, (long long)took_exp);
    if (fixed < 25)
        fail_msg("with retry.backoff.max.ms = retry.backoff.ms = 50, only %lld retries in %lld ms", (long long)fixed,
                 (long long)took_fixed);
    /* 50+100+200+400+800 = 1550 ms for 5 retries, then one per 800 ms
     * (+-20%): 5 to 7 retries before 3 s; a fixed 50 ms would make ~50. */
    if (exp < 4 || exp > 8)
        fail_msg("with retry.backoff.max.ms=800: %lld retries in %lld ms, expected 4..8 (exponential backoff)",
                 (long long)exp, (long long)took_exp);
}

int main(void)
{
    (void)pu_read;
    (void)pu_free;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retries_spread_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

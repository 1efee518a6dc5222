/* Every admin call returns by its own timeout, whatever else is queued,
 * and its error names its own request (issue 13, defect 1).  The broker
 * is hung with SIGSTOP (itest_sigstop.h) and resumed by each teardown.
 *
 * Run by hand: KAFKAC_KAFKA_PORT_BASE=16092 scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:16092 build/tests/integration/itest_admin_deadlines */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "common/testenv.h"
#include "itest_admin_util.h"
#include "itest_sigstop.h"

#define SLACK_MS 1000

/* describe_configs of broker 1's configs. */
static kafkac_err_t describe_broker1(kafkac_admin_t *adm, int timeout_ms, char *err, size_t errlen)
{
    kafkac_config_resource_t *broker1 = config_res(KAFKAC_RESOURCE_BROKER, "1");
    kafkac_config_desc_t *d = NULL;
    kafkac_err_t e = kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const *)&broker1, 1,
                                                   timeout_ms, &d, err, errlen);
    kafkac_config_desc_destroy(d);
    kafkac_config_resource_destroy(broker1);
    return e;
}

/* create_topics of one topic with 1 partition; the handle is freed. */
static kafkac_err_t create_one(kafkac_admin_t *adm, const char *name, int timeout_ms, kafkac_admin_result_t **r,
                               char *err, size_t errlen)
{
    kafkac_new_topic_t *nt = kafkac_new_topic_new(name, 1, 1);
    assert_non_null(nt);
    kafkac_err_t e = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)&nt, 1, 0, timeout_ms, r, err,
                                                errlen);
    kafkac_new_topic_destroy(nt);
    return e;
}

/* An admin handle whose connection to broker 1 is up. */
static kafkac_admin_t *warm_admin(void)
{
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    char err[512];
    kafkac_err_t e = describe_broker1(adm, 30000, err, sizeof err);
    if (e)
        fail_msg("describe_configs: %s (%s)", kafkac_err_name(e), err);
    return adm;
}

/* One call alone, broker hung: back by its timeout, naming itself. */
static void test_create_topics_broker_hung(void **state)
{
    (void)state;
    kafkac_admin_t *adm = warm_admin();
    its_broker_stop();
    char err[512] = "";
    kafkac_admin_result_t *r = NULL;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = create_one(adm, "kc-adm-deadline", 2000, &r, err, sizeof err);
    int64_t took = kc_test_now_ms() - t0;
    printf("# create_topics(2000): %s after %lld ms: %s\n", kafkac_err_name(e), (long long)took, err);
    if (took > 2000 + SLACK_MS)
        fail_msg("create_topics(2000) took %lld ms", (long long)took);
    assert_int_equal(e, KAFKAC_ERR_TIMED_OUT);
    assert_non_null(strstr(err, "CreateTopics"));
    kafkac_admin_result_destroy(r);
    kafkac_admin_destroy(adm);
}

typedef struct first_call {
    kafkac_admin_t *adm;
    kafkac_err_t err;
    int64_t took;
} first_call_t;

static void *long_call(void *arg)
{
    first_call_t *fc = arg;
    char err[512];
    int64_t t0 = kc_test_now_ms();
    fc->err = describe_broker1(fc->adm, 15000, err, sizeof err);
    fc->took = kc_test_now_ms() - t0;
    return NULL;
}

/* A call with a 2 s timeout queued behind one with 15 s on the same
 * connection to a hung broker: back after 2 s, not 15, and its error
 * names CreateTopics, not the DescribeConfigs it was queued behind. */
static void test_short_call_behind_long_one(void **state)
{
    (void)state;
    kafkac_admin_t *adm = warm_admin();
    its_broker_stop();
    first_call_t fc = { adm, 0, 0 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, long_call, &fc), 0);
    sleep_ms(300);
    char err[512] = "";
    kafkac_admin_result_t *r = NULL;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = create_one(adm, "kc-adm-deadline-2", 2000, &r, err, sizeof err);
    int64_t took = kc_test_now_ms() - t0;
    printf("# create_topics(2000) behind describe_configs(15000): %s after %lld ms: %s\n", kafkac_err_name(e),
           (long long)took, err);
    its_resume_broker(NULL);
    pthread_join(th, NULL);
    kafkac_admin_result_destroy(r);
    kafkac_admin_destroy(adm);
    if (took > 2000 + SLACK_MS)
        fail_msg("create_topics(2000) queued behind another call took %lld ms", (long long)took);
    assert_int_equal(e, KAFKAC_ERR_TIMED_OUT);
    if (!strstr(err, "CreateTopics") || strstr(err, "DescribeConfigs"))
        fail_msg("the error should name CreateTopics (and not DescribeConfigs): %s", err);
    if (fc.took > 15000 + SLACK_MS)
        fail_msg("describe_configs(15000) took %lld ms", (long long)fc.took);
}

int main(void)
{
    its_find_broker();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_create_topics_broker_hung, its_resume_broker),
        cmocka_unit_test_teardown(test_short_call_behind_long_one, its_resume_broker),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

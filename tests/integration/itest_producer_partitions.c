/* Partitions added to a topic the producer already writes to are used
 * (issue 13, defect 9): after the next metadata refresh the partitioner
 * chooses among all of them, and a record for an explicit partition the
 * producer has not seen yet makes it refresh at once instead of failing.
 * Partitions are added with our admin client's create_partitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "itest_producer_util.h"
#include "kafkac/kafkac.h"

#define B kc_test_brokers()

static void add_partitions(const char *topic, int32_t n)
{
    char err[512];
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", B, err, sizeof err), KAFKAC_OK);
    kafkac_admin_t *adm = kafkac_admin_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(adm);
    const char *topics[1] = { topic };
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t e = kafkac_admin_create_partitions(adm, topics, &n, 1, 0, 30000, &r, err, sizeof err);
    if (e || kafkac_admin_result_error(r, 0))
        fail_msg("create_partitions: %s %s (%s)", kafkac_err_name(e), kafkac_err_name(kafkac_admin_result_error(r, 0)),
                 err);
    kafkac_admin_result_destroy(r);
    kafkac_admin_destroy(adm);
}

/* Sends a null-keyed record and returns the partition it was written to. */
static int32_t send_one(kafkac_producer_t *p, const char *topic, int32_t partition)
{
    kafkac_future_t *f;
    kafkac_err_t e = kc_test_send_to(p, topic, partition, NULL, -1, "v", 1, &f);
    if (e) {
        char why[512];
        kafkac_producer_send_error(p, why, sizeof why);
        fail_msg("send to partition %d: %s (%s)", partition, kafkac_err_name(e), why);
    }
    const kafkac_delivery_t *d;
    e = kafkac_future_wait(f, 30000, &d);
    if (e)
        fail_msg("delivery: %s", kafkac_err_name(e));
    int32_t got = kafkac_delivery_partition(d);
    kafkac_future_destroy(f);
    return got;
}

static void test_new_partitions_are_used(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "grow");
    assert_int_equal(kc_test_create_topic(B, topic, 2, 1, NULL), 0);
    /* p1: the default partitioner, null keys, metadata refreshed every
     * second.  p2: default refresh (5 minutes), explicit partitions. */
    const char *kv1[] = { "linger.ms", "0", "metadata.max.age.ms", "1000", NULL };
    const char *kv2[] = { "linger.ms", "0", NULL };
    kafkac_producer_t *p1 = pu_producer(B, kv1), *p2 = pu_producer(B, kv2);
    for (int i = 0; i < 20; i++)
        assert_true(send_one(p1, topic, KAFKAC_PARTITION_ANY) < 2);
    assert_int_equal(send_one(p2, topic, 1), 1);

    add_partitions(topic, 4);

    /* p2 has not refreshed since: a record for partition 3 makes it ask. */
    int64_t t0 = kc_test_now_ms();
    assert_int_equal(send_one(p2, topic, 3), 3);
    printf("# explicit partition 3 written %lld ms after the partitions were added\n",
           (long long)(kc_test_now_ms() - t0));
    /* Partition 4 does not exist: refused after one refresh, not after
     * max.block.ms (60 s). */
    t0 = kc_test_now_ms();
    assert_int_equal(kc_test_send_to(p2, topic, 4, NULL, -1, "v", 1, NULL),
                     KAFKAC_ERR_UNKNOWN_PARTITION);
    assert_true(kc_test_now_ms() - t0 < 5000);

    /* p1 spreads null-keyed records over all four within a few seconds. */
    int seen[4] = { 0, 0, 0, 0 };
    t0 = kc_test_now_ms();
    while ((!seen[2] || !seen[3]) && kc_test_now_ms() - t0 < 10000) {
        int32_t got = send_one(p1, topic, KAFKAC_PARTITION_ANY);
        assert_true(got >= 0 && got < 4);
        seen[got]++;
    }
    printf("# after %lld ms: partitions 0..3 got %d %d %d %d records\n", (long long)(kc_test_now_ms() - t0), seen[0],
           seen[1], seen[2], seen[3]);
    if (!seen[2] || !seen[3])
        fail_msg("10 s after partitions 2 and 3 were added the producer still had not used them (%d, %d records)",
                 seen[2], seen[3]);
    kafkac_producer_destroy(p1);
    kafkac_producer_destroy(p2);
}

int main(void)
{
    (void)pu_read;
    (void)pu_free;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_partitions_are_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

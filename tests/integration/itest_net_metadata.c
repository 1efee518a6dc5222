/* Metadata for a topic that is not ready yet (issue 13, defect 2): the
 * network client asks again after retry.backoff.ms (doubling up to
 * retry.backoff.max.ms), not at metadata.max.age.ms (5 minutes), so a
 * topic just created -- by CreateTopics or by auto-creation -- shows its
 * partitions within about a second.  The snapshot keeps each topic's
 * error code (kc_cluster_topic_error).
 *
 * Run by hand: scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:39092 build/tests/integration/itest_net_metadata */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/error.h"
#include "protocol/cluster.h"
#include "protocol/net.h"

/* Waits up to wait_ms for a snapshot in which `topic` has `partitions`
 * partitions, all led; returns the ms it took, or fails naming the last
 * state seen. */
static int64_t wait_ready(kc_net_t *net, const char *topic, int partitions, int wait_ms)
{
    int64_t t0 = kc_now_ms();
    int64_t deadline = t0 + wait_ms;
    int last_err = KAFKAC_ERR_NOT_FOUND, last_parts = -1;
    for (;;) {
        kc_cluster_t *c = kc_net_cluster(net);
        const kc_topic_info_t *t = kc_cluster_topic(c, topic);
        int ready = t && t->err == 0 && t->partition_count == partitions && !kc_cluster_topic_retriable(t);
        last_err = kc_cluster_topic_error(c, topic);
        last_parts = t ? t->partition_count : -1;
        int64_t version = c->version;
        kc_cluster_unref(c);
        if (ready)
            return kc_now_ms() - t0;
        int64_t left = deadline - kc_now_ms();
        if (left <= 0)
            fail_msg("topic %s not ready after %d ms: last metadata said error %d (%s), %d partitions", topic, wait_ms,
                     last_err, last_err >= 0 ? kafkac_err_name(last_err) : "not in the snapshot", last_parts);
        kc_cluster_unref(kc_net_wait_cluster(net, version, (int)left));
    }
}

/* Auto-creation: the first answer for a missing topic is "not ready"
 * (LEADER_NOT_AVAILABLE or UNKNOWN_TOPIC_OR_PARTITION) while the broker
 * creates it. */
static void test_auto_created_topic_seen_at_once(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "net-md-auto");
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "retry.backoff.ms", "50");
    kc_test_conf_set(conf, "retry.backoff.max.ms", "400");
    kc_tnet_t t;
    kc_tnet_open_conf(&t, conf);
    kafkac_conf_destroy(conf);
    const char *names[] = { topic };
    assert_int_equal(kc_net_want_topics(t.net, names, 1, 0), 0);
    int64_t ms = wait_ready(t.net, topic, 1, 4000);
    print_message("    auto-created %s ready after %lld ms\n", topic, (long long)ms);
    kc_tnet_close(&t);
}

/* CreateTopics, then at once the topic's metadata. */
static void test_created_topic_seen_at_once(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "net-md-created");
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "allow.auto.create.topics", "false");
    kc_tnet_t t;
    kc_tnet_open_conf(&t, conf);
    kafkac_conf_destroy(conf);
    kc_tnet_create_topic(&t, topic, 3, 1, NULL, NULL);
    const char *names[] = { topic };
    assert_int_equal(kc_net_want_topics(t.net, names, 1, 0), 0);
    int64_t ms = wait_ready(t.net, topic, 3, 4000);
    print_message("    created %s ready after %lld ms\n", topic, (long long)ms);
    kc_tnet_close(&t);
}

/* A topic that does not exist, with auto-creation off: its error stays
 * in the snapshot (3, UNKNOWN_TOPIC_OR_PARTITION), distinct from "not in
 * the snapshot". */
static void test_missing_topic_error_kept(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "net-md-missing");
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kc_test_conf_set(conf, "allow.auto.create.topics", "false");
    kc_tnet_t t;
    kc_tnet_open_conf(&t, conf);
    kafkac_conf_destroy(conf);
    const char *names[] = { topic };
    assert_int_equal(kc_net_want_topics(t.net, names, 1, 0), 0);
    int64_t deadline = kc_now_ms() + 5000;
    int err = KAFKAC_ERR_NOT_FOUND;
    while (err == KAFKAC_ERR_NOT_FOUND && kc_now_ms() < deadline) {
        kc_cluster_t *c = kc_net_cluster(t.net);
        err = kc_cluster_topic_error(c, topic);
        int64_t v = c->version;
        kc_cluster_unref(c);
        if (err == KAFKAC_ERR_NOT_FOUND)
            kc_cluster_unref(kc_net_wait_cluster(t.net, v, 500));
    }
    assert_int_equal(err, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kc_tnet_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_created_topic_seen_at_once),
        cmocka_unit_test(test_created_topic_seen_at_once),
        cmocka_unit_test(test_missing_topic_error_kept),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

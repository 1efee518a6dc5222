/* Protocol-layer test helpers; see tnet.h. */
#include "common/tnet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "kafkac/error.h"
#include "kc_messages.h"

kafkac_conf_t *kc_test_conf(const char *brokers)
{
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    kc_test_conf_set(conf, "bootstrap.servers", brokers);
    return conf;
}

void kc_test_conf_set(kafkac_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    kafkac_err_t rc = kafkac_conf_set(conf, name, value, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("kafkac_conf_set(%s, %s): expected OK, got %s: %s", name, value, kafkac_err_name(rc), err);
}

void kc_tnet_open_conf(kc_tnet_t *t, const kafkac_conf_t *conf)
{
    char err[512];
    int rc = kc_settings_load(&t->s, conf, KC_SCOPE_CLIENT, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("kc_settings_load: expected OK, got %s: %s", kafkac_err_name(rc), err);
    kc_net_opts_t o;
    kc_net_opts_from_settings(&o, &t->s);
    t->net = kc_net_new(&o, err, sizeof err);
    if (!t->net)
        fail_msg("kc_net_new: expected a client, got NULL: %s", err);
}

void kc_tnet_open(kc_tnet_t *t, const char *brokers)
{
    kafkac_conf_t *conf = kc_test_conf(brokers);
    kc_tnet_open_conf(t, conf);
    kafkac_conf_destroy(conf);
}

void kc_tnet_close(kc_tnet_t *t)
{
    kc_net_destroy(t->net);
    t->net = NULL;
    kc_settings_free(&t->s);
}

void kc_tnet_create_topic(kc_tnet_t *t, const char *name, int partitions, int rf, const char *cfg_name,
                          const char *cfg_value)
{
    kc_create_topics_request_t req;
    kc_create_topics_request_creatable_topic_t ct;
    kc_create_topics_request_creatable_topic_config_t cfg;
    kc_msg_init(&kc_schema_create_topics_request, &req);
    kc_msg_init(&kc_schema_create_topics_request_creatable_topic, &ct);
    kc_msg_init(&kc_schema_create_topics_request_creatable_topic_config, &cfg);
    ct.name = name;
    ct.num_partitions = partitions;
    ct.replication_factor = (int16_t)rf;
    if (cfg_name) {
        cfg.name = cfg_name;
        cfg.value = cfg_value;
        ct.configs = &cfg;
        ct.configs_count = 1;
    }
    req.topics = &ct;
    req.topics_count = 1;
    req.timeout_ms = 15000;
    kc_req_t r = { .node_id = KC_NODE_ANY, .api_key = 19, .max_version = -1, .msg = &req };
    /* A KRaft broker that a test held with SIGSTOP is fenced by its
     * controller and answers "All brokers are currently fenced"
     * (INVALID_REPLICATION_FACTOR) until it has heartbeated again: a few
     * seconds after SIGCONT.  Wait that out (20 s at most) so that the
     * tests after a SIGSTOP test start on a serving broker. */
    int64_t unfenced_by = kc_now_ms() + 20000;
    kc_resp_t *resp;
    const kc_create_topics_response_t *m;
    for (;;) {
        resp = kc_net_call(t->net, &r);
        assert_non_null(resp);
        if (resp->err)
            fail_msg("CreateTopics %s: expected an answer, got %s: %s", name, kafkac_err_name(resp->err),
                     resp->errstr);
        m = resp->msg;
        if (m->topics_count != 1 || m->topics[0].error_code != KAFKAC_ERR_INVALID_REPLICATION_FACTOR ||
            !m->topics[0].error_message || !strstr(m->topics[0].error_message, "fenced") ||
            kc_now_ms() >= unfenced_by)
            break;
        kc_resp_free(resp);
        usleep(200 * 1000);
    }
    assert_int_equal(m->topics_count, 1);
    assert_string_equal(m->topics[0].name, name);
    if (m->topics[0].error_code)
        fail_msg("CreateTopics %s: expected no error, got %s %s", name, kafkac_err_name(m->topics[0].error_code),
                 m->topics[0].error_message ? m->topics[0].error_message : "");
    kc_resp_free(resp);
}

int32_t kc_tnet_leader(kc_tnet_t *t, const char *topic, int32_t partition, int32_t not_this, int wait_ms)
{
    int64_t deadline = kc_now_ms() + wait_ms;
    for (;;) {
        kc_net_want_topics(t->net, (const char *const[]){ topic }, 1, 0);
        kc_cluster_t *c = kc_net_cluster(t->net);
        const kc_partition_info_t *p = c ? kc_cluster_partition(c, topic, partition) : NULL;
        int32_t leader = p && p->leader >= 0 && p->leader != not_this ? p->leader : -1;
        kc_cluster_unref(c);
        if (leader >= 0)
            return leader;
        if (kc_now_ms() > deadline)
            break;
        kc_net_refresh_metadata(t->net, "test waits for a leader");
        usleep(100000);
    }
    fail_msg("%s [%d]: expected a leader (other than %d) within %d ms, got none", topic, (int)partition,
             (int)not_this, wait_ms);
    return -1;
}

/* One Produce request for one batch; the caller's stack holds it. */
typedef struct produce_req {
    kc_produce_request_t req;
    kc_produce_request_topic_produce_data_t td;
    kc_produce_request_partition_produce_data_t pd;
} produce_req_t;

static void produce_req_init(produce_req_t *p, const char *topic, int32_t partition, const uint8_t *batch,
                             size_t len, const char *txn_id)
{
    kc_msg_init(&kc_schema_produce_request, &p->req);
    kc_msg_init(&kc_schema_produce_request_topic_produce_data, &p->td);
    kc_msg_init(&kc_schema_produce_request_partition_produce_data, &p->pd);
    p->pd.index = partition;
    p->pd.records.data = batch;
    p->pd.records.len = (int32_t)len;
    p->td.name = topic;
    p->td.partition_data = &p->pd;
    p->td.partition_data_count = 1;
    p->req.transactional_id = txn_id;
    p->req.acks = -1;
    p->req.timeout_ms = 10000;
    p->req.topic_data = &p->td;
    p->req.topic_data_count = 1;
}

/* Sends it to `leader` (Produce v3-v12: v13 names topics by id). */
static kc_resp_t *produce_call(kc_tnet_t *t, produce_req_t *p, int32_t leader)
{
    kc_req_t r = { .node_id = leader, .api_key = 0, .min_version = 3, .max_version = 12, .msg = &p->req };
    kc_resp_t *resp = kc_net_call(t->net, &r);
    assert_non_null(resp);
    return resp;
}

int64_t kc_tnet_produce(kc_tnet_t *t, const char *topic, int32_t partition, const uint8_t *batch, size_t len,
                        const char *txn_id)
{
    produce_req_t p;
    produce_req_init(&p, topic, partition, batch, len, txn_id);
    /* A just-created partition may not have its leader ready yet: retry
     * the errors that mean "not yet" for a while. */
    for (int attempt = 0;; attempt++) {
        kc_resp_t *resp = produce_call(t, &p, kc_tnet_leader(t, topic, partition, -1, 10000));
        if (resp->err)
            fail_msg("Produce to %s [%d]: expected an answer, got %s: %s", topic, (int)partition,
                     kafkac_err_name(resp->err), resp->errstr);
        const kc_produce_response_t *pm = resp->msg;
        assert_int_equal(pm->responses_count, 1);
        assert_int_equal(pm->responses[0].partition_responses_count, 1);
        int16_t ec = pm->responses[0].partition_responses[0].error_code;
        int64_t base = pm->responses[0].partition_responses[0].base_offset;
        kc_resp_free(resp);
        if (!ec)
            return base;
        if (attempt > 100 || (ec != KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER && ec != KAFKAC_ERR_LEADER_NOT_AVAILABLE &&
                              ec != KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION))
            fail_msg("Produce to %s [%d]: expected no error, got %s", topic, (int)partition, kafkac_err_name(ec));
        kc_net_refresh_metadata(t->net, "test produce retry");
        usleep(100000);
    }
}

void kc_tnet_produce_failover(kc_tnet_t *t, const char *topic, int32_t partition, const uint8_t *batch,
                              size_t len, int32_t avoid, int64_t deadline_ms)
{
    produce_req_t p;
    produce_req_init(&p, topic, partition, batch, len, NULL);
    for (;;) {
        int32_t leader = kc_tnet_leader(t, topic, partition, avoid, 30000);
        kc_resp_t *resp = produce_call(t, &p, leader);
        int ec = resp->err ? resp->err
                           : ((const kc_produce_response_t *)resp->msg)->responses[0].partition_responses[0].error_code;
        kc_resp_free(resp);
        if (ec == 0)
            return;
        if (kc_now_ms() > deadline_ms)
            fail_msg("Produce to %s [%d] through failover: expected success by the deadline, last got %s", topic,
                     (int)partition, kafkac_err_name(ec));
        kc_net_refresh_metadata(t->net, "test produce retry");
        usleep(300000);
    }
}

/* The protocol layer alone against a real broker: version negotiation,
 * metadata, a raw request, pipelining, and a Produce then Fetch round trip
 * built from the generated message structs and the record-batch codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "common/config.h"
#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"
#include "kc_messages.h"
#include "protocol/net.h"
#include "protocol/record_batch.h"
#include "protocol/records.h"

/* "3.9.1" -> "3.9": what kafkac probe must call the broker we started. */
static const char *expected_release(char *buf, size_t n)
{
    const char *v = getenv("KAFKA_VERSION");
    if (!v || !*v)
        v = "3.9.1";
    snprintf(buf, n, "%s", v);
    char *dot = strchr(buf, '.');
    if (dot && (dot = strchr(dot + 1, '.')))
        *dot = '\0';
    return buf;
}

static void test_probe_names_release(void **state)
{
    char err[512], want[32];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(cl);
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 15000, &v, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("probe failed: %s: %s", kafkac_err_name(rc), err);
    assert_string_equal(kafkac_broker_versions_release(v), expected_release(want, sizeof want));
    /* Produce, Fetch, Metadata and ApiVersions must all have a common version. */
    int16_t needed[] = { 0, 1, 3, 18 };
    for (size_t k = 0; k < sizeof needed / sizeof needed[0]; k++) {
        int found = 0;
        for (int i = 0; i < kafkac_broker_versions_count(v); i++) {
            const kafkac_api_version_t *a = kafkac_broker_versions_get(v, i);
            if (kafkac_api_version_key(a) == needed[k]) {
                found = 1;
                assert_in_range(kafkac_api_version_chosen(a), kafkac_api_version_broker_min(a),
                                kafkac_api_version_broker_max(a));
            }
        }
        if (!found)
            fail_msg("broker offers no API key %d", needed[k]);
    }
    assert_null(kafkac_broker_versions_get(v, kafkac_broker_versions_count(v)));
    assert_int_equal(kafkac_api_version_key(NULL), -1);
    kafkac_broker_versions_destroy(v);
    kafkac_client_destroy(cl);
}

static void test_metadata_all_and_missing_topic(void **state)
{
    char err[512], topic[128];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    /* A topic that does not exist must come back as such, not be created. */
    assert_int_equal(kafkac_conf_set(conf, "allow.auto.create.topics", "false", err, sizeof err), KAFKAC_OK);
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(cl);

    kafkac_metadata_t *md = NULL;
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, -1, 15000, &md, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("metadata failed: %s: %s", kafkac_err_name(rc), err);
    assert_in_range(kafkac_metadata_broker_count(md), 1, INT32_MAX);
    assert_in_range(kafkac_metadata_controller_id(md), 0, INT32_MAX);
    assert_non_null(kafkac_metadata_cluster_id(md));
    const kafkac_node_t *b = kafkac_metadata_broker(md, 0);
    assert_string_equal(kafkac_node_host(b), "127.0.0.1");
    assert_in_range(kafkac_node_port(b), 1, 65535);
    assert_in_range(kafkac_node_id(b), 0, INT32_MAX);
    assert_null(kafkac_metadata_broker(md, kafkac_metadata_broker_count(md)));
    /* Topics sorted by name, partitions by id, each with a leader among
     * its replicas. */
    for (int i = 0; i < kafkac_metadata_topic_count(md); i++) {
        if (i > 0)
            assert_true(strcmp(kafkac_metadata_topic_name(md, i - 1), kafkac_metadata_topic_name(md, i)) < 0);
        for (int p = 0; p < kafkac_metadata_topic_partition_count(md, i); p++) {
            const kafkac_partition_info_t *pi = kafkac_metadata_partition(md, i, p);
            assert_int_equal(kafkac_partition_info_id(pi), p);
            int nr = 0, leads = 0;
            const int32_t *reps = kafkac_partition_info_replicas(pi, &nr);
            for (int k = 0; k < nr; k++)
                leads |= reps[k] == kafkac_partition_info_leader(pi);
            if (kafkac_partition_info_error(pi) == KAFKAC_OK && !leads)
                fail_msg("%s[%d]: leader %d is not among its %d replicas", kafkac_metadata_topic_name(md, i), p,
                         (int)kafkac_partition_info_leader(pi), nr);
        }
        assert_null(kafkac_metadata_partition(md, i, kafkac_metadata_topic_partition_count(md, i)));
    }
    kafkac_metadata_destroy(md);

    const char *names[] = { kc_test_topic(topic, sizeof topic, "missing") };
    rc = kafkac_client_metadata(cl, names, 1, 15000, &md, err, sizeof err);
    assert_int_equal(rc, KAFKAC_OK);
    assert_int_equal(kafkac_metadata_topic_count(md), 1);
    assert_string_equal(kafkac_metadata_topic_name(md, 0), topic);
    assert_int_equal(kafkac_metadata_topic_error(md, 0), KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    assert_int_equal(kafkac_metadata_topic_partition_count(md, 0), 0);
    assert_int_equal(kafkac_metadata_topic_error(md, 1), KAFKAC_ERR_INVALID_ARG);   /* out of range */
    kafkac_metadata_destroy(md);
    kafkac_client_destroy(cl);
}

/* ApiVersions v0 has an empty request body; its response starts with an
 * int16 error code (0) and an int32 array count. */
static void test_raw_request(void **state)
{
    char err[512];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    void *body = NULL;
    size_t len = 0;
    kafkac_err_t rc = kafkac_client_request(cl, -1, 18, 0, NULL, 0, &body, &len, 10000, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("raw request failed: %s: %s", kafkac_err_name(rc), err);
    assert_true(len >= 6);
    const uint8_t *b = body;
    assert_int_equal((b[0] << 8) | b[1], 0);
    int32_t n = (int32_t)(((uint32_t)b[2] << 24) | ((uint32_t)b[3] << 16) | ((uint32_t)b[4] << 8) | b[5]);
    assert_true(n > 10);
    assert_int_equal(len, 6 + (size_t)n * 6);
    kafkac_free(body);
    kafkac_client_destroy(cl);
}

/* ---- internal API: many requests in flight, Produce then Fetch ---- */

static int completed;
static int completed_ok;
static char first_error[300];
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;

static void count_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    pthread_mutex_lock(&cmu);
    completed++;
    if (resp && resp->err == 0 && ((kc_api_versions_response_t *)resp->msg)->error_code == 0)
        completed_ok++;
    else if (!first_error[0])
        snprintf(first_error, sizeof first_error, "%s: %s",
                 !resp ? "no response" : kafkac_err_name(resp->err ? resp->err
                                                                  : ((kc_api_versions_response_t *)resp->msg)->error_code),
                 resp ? resp->errstr : "");
    pthread_mutex_unlock(&cmu);
    kc_resp_free(resp);
}

static void test_pipelined_requests(void **state)
{
    kc_tnet_t f;
    kc_tnet_open(&f, kc_test_brokers());
    static kc_api_versions_request_t req;
    kc_msg_init(&kc_schema_api_versions_request, &req);
    /* v3+ brokers validate these (an empty name is INVALID_REQUEST). */
    req.client_software_name = "libkafkac-test";
    req.client_software_version = "1";
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        kc_req_t r = { .node_id = KC_NODE_ANY, .api_key = 18, .max_version = -1, .msg = &req, .cb = count_cb };
        assert_int_equal(kc_net_send(f.net, &r), 0);
    }
    /* Generous for a loaded CI machine; normally done in milliseconds. */
    for (int i = 0; i < 600; i++) {
        pthread_mutex_lock(&cmu);
        int done = completed;
        pthread_mutex_unlock(&cmu);
        if (done == N)
            break;
        usleep(50000);
    }
    pthread_mutex_lock(&cmu);
    int done = completed, ok = completed_ok;
    pthread_mutex_unlock(&cmu);
    if (done != N || ok != N)
        fail_msg("of %d pipelined requests %d completed, %d answered without error; first error: %s", N, done, ok,
                 first_error[0] ? first_error : "none");
    kc_tnet_close(&f);
}

static void test_produce_then_fetch(void **state)
{
    kc_tnet_t f;
    char topic[128];
    kc_tnet_open(&f, kc_test_brokers());
    kc_test_topic(topic, sizeof topic, "proto-rt");
    kc_tnet_create_topic(&f, topic, 1, 1, NULL, NULL);

    /* Three records: a plain one, a null key with a header, binary with NULs. */
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    static const uint8_t bin[] = { 0, 1, 0, 2, 0xff };
    kc_rb_header_t h = { .key = "trace", .key_len = 5, .value = "abc", .value_len = 3 };
    int64_t ts = 1700000000000;
    assert_int_equal(kc_rb_writer_append(w, ts, "k1", 2, "v1", 2, NULL, 0), 0);
    assert_int_equal(kc_rb_writer_append(w, ts + 1, NULL, -1, "second", 6, &h, 1), 0);
    assert_int_equal(kc_rb_writer_append(w, ts + 2, bin, sizeof bin, bin, sizeof bin, NULL, 0), 0);
    const uint8_t *batch;
    size_t batch_len;
    assert_int_equal(kc_rb_writer_close(w, &batch, &batch_len), 0);

    kc_produce_request_t preq;
    kc_produce_request_topic_produce_data_t td;
    kc_produce_request_partition_produce_data_t pd;
    kc_msg_init(&kc_schema_produce_request, &preq);
    kc_msg_init(&kc_schema_produce_request_topic_produce_data, &td);
    kc_msg_init(&kc_schema_produce_request_partition_produce_data, &pd);
    pd.index = 0;
    pd.records.data = batch;
    pd.records.len = (int32_t)batch_len;
    td.name = topic;
    td.partition_data = &pd;
    td.partition_data_count = 1;
    preq.acks = -1;
    preq.timeout_ms = 10000;
    preq.topic_data = &td;
    preq.topic_data_count = 1;

    /* The leader of a just-created topic may take a moment to appear.
     * Topic names in Produce: up to v12 (v13 uses topic ids). */
    kc_req_t pr = { .node_id = kc_tnet_leader(&f, topic, 0, -1, 5000), .api_key = 0, .min_version = 3,
                    .max_version = 12, .msg = &preq };
    kc_resp_t *resp = kc_net_call(f.net, &pr);
    assert_non_null(resp);
    if (resp->err)
        fail_msg("Produce: %s", resp->errstr);
    const kc_produce_response_t *pm = resp->msg;
    assert_int_equal(pm->responses_count, 1);
    assert_int_equal(pm->responses[0].partition_responses[0].error_code, 0);
    assert_int_equal(pm->responses[0].partition_responses[0].base_offset, 0);
    int32_t leader = resp->node_id;
    kc_resp_free(resp);
    kc_rb_writer_destroy(w);

    kc_fetch_request_t freq;
    kc_fetch_request_fetch_topic_t ft;
    kc_fetch_request_fetch_partition_t fp;
    kc_msg_init(&kc_schema_fetch_request, &freq);
    kc_msg_init(&kc_schema_fetch_request_fetch_topic, &ft);
    kc_msg_init(&kc_schema_fetch_request_fetch_partition, &fp);
    fp.partition = 0;
    fp.fetch_offset = 0;
    fp.partition_max_bytes = 1 << 20;
    ft.topic = topic;
    ft.partitions = &fp;
    ft.partitions_count = 1;
    freq.replica_id = -1;
    freq.max_wait_ms = 1000;
    freq.min_bytes = 1;
    freq.topics = &ft;
    freq.topics_count = 1;
    /* Topic names in Fetch: up to v12. */
    kc_req_t r = { .node_id = leader, .api_key = 1, .min_version = 4, .max_version = 12, .msg = &freq };
    resp = kc_net_call(f.net, &r);
    assert_non_null(resp);
    if (resp->err)
        fail_msg("Fetch: %s", resp->errstr);
    const kc_fetch_response_t *fm = resp->msg;
    assert_int_equal(fm->responses_count, 1);
    const kc_fetch_response_partition_data_t *part = &fm->responses[0].partitions[0];
    assert_int_equal(part->error_code, 0);
    assert_int_equal(part->high_watermark, 3);

    kc_records_opts_t ro;
    kc_records_opts_init(&ro);
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, &ro), 0);
    kc_records_iter_reset(it, part->records.data, (size_t)part->records.len);
    kc_record_t rec;
    const kc_batch_t *b;
    assert_int_equal(kc_records_next(it, &rec, &b), 0);
    assert_int_equal(rec.offset, 0);
    assert_int_equal(rec.timestamp, ts);
    assert_memory_equal(rec.key, "k1", 2);
    assert_memory_equal(rec.value, "v1", 2);
    assert_int_equal(kc_records_next(it, &rec, &b), 0);
    assert_int_equal(rec.offset, 1);
    assert_int_equal(rec.key_len, -1);
    assert_int_equal(rec.value_len, 6);
    assert_int_equal(rec.header_count, 1);
    size_t pos = 0;
    const char *hk;
    int32_t hkl, hvl;
    const uint8_t *hv;
    assert_int_equal(kc_record_header_next(&rec, &pos, &hk, &hkl, &hv, &hvl), 1);
    assert_int_equal(hkl, 5);
    assert_memory_equal(hk, "trace", 5);
    assert_memory_equal(hv, "abc", 3);
    assert_int_equal(kc_records_next(it, &rec, &b), 0);
    assert_int_equal(rec.offset, 2);
    assert_int_equal(rec.value_len, (int)sizeof bin);
    assert_memory_equal(rec.value, bin, sizeof bin);
    assert_int_equal(kc_records_next(it, &rec, &b), KAFKAC_ERR_PARTIAL); /* the normal end */
    kc_records_iter_destroy(it);
    kc_resp_free(resp);
    kc_tnet_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_names_release),
        cmocka_unit_test(test_metadata_all_and_missing_topic),
        cmocka_unit_test(test_raw_request),
        cmocka_unit_test(test_pipelined_requests),
        cmocka_unit_test(test_produce_then_fetch),
    };
    return cmocka_run_group_tests_name("protocol layer against a real broker", tests, NULL, NULL);
}

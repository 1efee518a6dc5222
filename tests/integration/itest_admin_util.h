/* Helpers shared by the admin client's integration tests (header-only so
 * each itest_admin*.c stays one binary). */
#ifndef ITEST_ADMIN_UTIL_H
#define ITEST_ADMIN_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

static inline kafkac_admin_t *admin_for(const char *brokers)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "client.id", "itest-admin", err, sizeof err), KAFKAC_OK);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("kafkac_admin_new: %s", err);
    return adm;
}

static inline void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Fails the test unless entry i of r succeeded. */
static inline void expect_ok(const kafkac_admin_result_t *r, int i)
{
    kafkac_err_t e = kafkac_admin_result_error(r, i);
    if (e)
        fail_msg("entry %d (%s[%d]): expected success, got %s: %s", i, kafkac_admin_result_name(r, i),
                 (int)kafkac_admin_result_partition(r, i), kafkac_err_name(e), kafkac_admin_result_message(r, i));
}

static inline void expect_err(const kafkac_admin_result_t *r, int i, kafkac_err_t want)
{
    kafkac_err_t e = kafkac_admin_result_error(r, i);
    if (e != want)
        fail_msg("entry %d (%s): expected %s, got %s: %s", i, kafkac_admin_result_name(r, i), kafkac_err_name(want),
                 kafkac_err_name(e), kafkac_admin_result_message(r, i));
    if (want && !*kafkac_admin_result_message(r, i))
        fail_msg("entry %d (%s): %s without a message", i, kafkac_admin_result_name(r, i), kafkac_err_name(e));
}

static inline kafkac_topic_desc_t *describe_topic(kafkac_admin_t *adm, const char *topic, kafkac_err_t want);

/* Creates topic with n partitions and replication factor rf; asserts it. */
static inline void create_topic(kafkac_admin_t *adm, const char *topic, int n, int rf)
{
    char err[512];
    kafkac_new_topic_t *t = kafkac_new_topic_new(topic, n, (int16_t)rf);
    assert_non_null(t);
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const[]){ t }, 1, 0, 30000, &r, err,
                                                 sizeof err);
    kafkac_new_topic_destroy(t);
    if (rc)
        fail_msg("create_topics %s: %s: %s", topic, kafkac_err_name(rc), err);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    /* The broker serves it a moment after the controller created it. */
    kafkac_topic_desc_destroy(describe_topic(adm, topic, KAFKAC_OK));
}

/* A config resource with no entries (asserted non-NULL), for describe. */
static inline kafkac_config_resource_t *config_res(kafkac_resource_type_t type, const char *name)
{
    kafkac_config_resource_t *r = kafkac_config_resource_new(type, name);
    assert_non_null(r);
    return r;
}

/* Adds an entry to r, asserting it was taken. */
static inline kafkac_config_resource_t *config_add(kafkac_config_resource_t *r, kafkac_config_op_t op,
                                                   const char *name, const char *value)
{
    assert_int_equal(kafkac_config_resource_add(r, op, name, value), KAFKAC_OK);
    return r;
}

static inline void delete_topic(kafkac_admin_t *adm, const char *topic)
{
    char err[512];
    kafkac_admin_result_t *r = NULL;
    if (kafkac_admin_delete_topics(adm, &topic, 1, 30000, &r, err, sizeof err) == KAFKAC_OK)
        kafkac_admin_result_destroy(r);
}

/* Describes one topic, retrying while it is not yet known everywhere (a
 * new topic reaches every broker's metadata a moment after creation). */
static inline kafkac_topic_desc_t *describe_topic(kafkac_admin_t *adm, const char *topic, kafkac_err_t want)
{
    char err[512];
    kafkac_topic_desc_t *d = NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        kafkac_err_t rc = kafkac_admin_describe_topics(adm, &topic, 1, 15000, &d, err, sizeof err);
        if (rc)
            fail_msg("describe_topics %s: %s: %s", topic, kafkac_err_name(rc), err);
        assert_int_equal(kafkac_topic_desc_count(d), 1);
        assert_string_equal(kafkac_topic_desc_name(d, 0), topic);
        if (kafkac_topic_desc_error(d, 0) == want)
            return d;
        kafkac_topic_desc_destroy(d);
        sleep_ms(100);
    }
    fail_msg("describe_topics %s: never got %s", topic, kafkac_err_name(want));
    return NULL;
}

/* Sends n records to topic/partition with our producer and waits for them. */
static inline void produce_own(const char *brokers, const char *topic, int32_t partition, int n)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err), KAFKAC_OK);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        fail_msg("producer: %s", err);
    kafkac_future_t *last = NULL;
    for (int i = 0; i < n; i++) {
        char v[32];
        int len = snprintf(v, sizeof v, "value-%d", i);
        kafkac_future_destroy(last);
        last = NULL;
        kafkac_err_t rc = kc_test_send_to(p, topic, partition, NULL, -1, v, len, &last);
        if (rc)
            fail_msg("send to %s[%d]: %s", topic, (int)partition, kafkac_err_name(rc));
    }
    kafkac_err_t rc = kafkac_future_wait(last, 30000, NULL);
    if (rc)
        fail_msg("delivery to %s[%d]: %s", topic, (int)partition, kafkac_err_name(rc));
    kafkac_future_destroy(last);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
}

/* Test data: n records to topic/partition through kcat (librdkafka), so
 * that these tests depend on the admin client alone. */
static inline void produce(const char *brokers, const char *topic, int32_t partition, int n)
{
    int rc = kc_test_sh("seq 1 %d | kcat -P -b '%s' -t '%s' -p %d -X acks=all", n, brokers, topic, (int)partition);
    if (rc != 0)
        fail_msg("kcat could not produce %d records to %s[%d] (status %d)", n, topic, (int)partition, rc);
}

/* A live consumer group member: kcat's balanced consumer (librdkafka),
 * which also makes this an interop check.  Returns its pid. */
static inline pid_t start_kcat_member(const char *brokers, const char *group, const char *topic, const char *client_id)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        char cid[128];
        snprintf(cid, sizeof cid, "client.id=%s", client_id);
        execlp("kcat", "kcat", "-b", brokers, "-G", group, "-X", cid, "-X", "auto.commit.interval.ms=200",
               "-X", "auto.offset.reset=earliest", "-q", topic, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static inline void stop_child(pid_t pid)
{
    kill(pid, SIGTERM);
    int st;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        sleep_ms(100);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

#endif

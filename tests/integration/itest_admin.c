/* The admin client against a real single-node broker: every operation's
 * effect is read back, not only its return code, and every per-entity
 * error carries Kafka's error name and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/faultproxy.h"
#include "common/testenv.h"
#include "itest_admin_util.h"

static kafkac_config_desc_t *wait_config(kafkac_admin_t *adm, const char *topic, const char *name, const char *value,
                                         int source);

/* A topic to create (asserted non-NULL). */
static kafkac_new_topic_t *new_topic(const char *name, int32_t partitions, int16_t rf)
{
    kafkac_new_topic_t *t = kafkac_new_topic_new(name, partitions, rf);
    assert_non_null(t);
    return t;
}

/* create_topics of n handles, which it destroys; asserts the call ran. */
static kafkac_admin_result_t *create_and_free(kafkac_admin_t *adm, kafkac_new_topic_t **t, int n, int validate_only)
{
    char err[512];
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)t, n, validate_only, 30000,
                                                 &r, err, sizeof err);
    for (int i = 0; i < n; i++)
        kafkac_new_topic_destroy(t[i]);
    if (rc)
        fail_msg("create_topics: %s: %s", kafkac_err_name(rc), err);
    return r;
}

/* A batch of five topics where two are bad fails only those two, each
 * with its own error and message; then existing topic, bad config name,
 * validate_only, describe, delete. */
static void test_create_batch_per_topic_errors(void **state)
{
    char err[512], t0[96], t1[96], t2[128], t3[96], t4[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    kc_test_topic(t0, sizeof t0, "adm-a");
    kc_test_topic(t1, sizeof t1, "adm-b");
    kc_test_topic(t3, sizeof t3, "adm-rf");
    kc_test_topic(t4, sizeof t4, "adm-c");
    snprintf(t2, sizeof t2, "bad name %s", t0);       /* spaces are not allowed */
    kafkac_new_topic_t *topics[5] = {
        new_topic(t0, 3, 1), new_topic(t1, 1, 1), new_topic(t2, 1, 1),
        new_topic(t3, 1, 3),     /* one broker only */
        new_topic(t4, -1, -1),   /* broker defaults */
    };
    /* A config set twice: the second value is the one sent. */
    assert_int_equal(kafkac_new_topic_set_config(topics[0], "retention.ms", "1234"), KAFKAC_OK);
    assert_int_equal(kafkac_new_topic_set_config(topics[0], "retention.ms", "3600000"), KAFKAC_OK);
    kafkac_admin_result_t *r = create_and_free(adm, topics, 5, 0);
    assert_int_equal(kafkac_admin_result_count(r), 5);
    const char *names[5] = { t0, t1, t2, t3, t4 };
    for (int i = 0; i < 5; i++)
        assert_string_equal(kafkac_admin_result_name(r, i), names[i]);
    expect_ok(r, 0);
    expect_ok(r, 1);
    expect_err(r, 2, KAFKAC_ERR_INVALID_TOPIC_EXCEPTION);
    expect_err(r, 3, KAFKAC_ERR_INVALID_REPLICATION_FACTOR);
    expect_ok(r, 4);
    kafkac_admin_result_destroy(r);

    /* Effects: t0 has 3 partitions led by broker 1 with a full ISR. */
    kafkac_topic_desc_t *d = describe_topic(adm, t0, KAFKAC_OK);
    assert_int_equal(kafkac_topic_desc_partition_count(d, 0), 3);
    assert_int_equal(strlen(kafkac_topic_desc_id(d, 0)), 22);
    for (int p = 0; p < 3; p++) {
        const kafkac_partition_info_t *pi = kafkac_topic_desc_partition(d, 0, p);
        int nr, ni;
        const int32_t *reps = kafkac_partition_info_replicas(pi, &nr);
        kafkac_partition_info_isr(pi, &ni);
        assert_int_equal(kafkac_partition_info_id(pi), p);
        assert_int_equal(kafkac_partition_info_error(pi), KAFKAC_OK);
        assert_int_equal(kafkac_partition_info_leader(pi), 1);
        assert_int_equal(nr, 1);
        assert_int_equal(reps[0], 1);
        assert_int_equal(ni, 1);
    }
    kafkac_config_desc_destroy(wait_config(adm, t0, "retention.ms", "3600000", KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG));
    /* Out of range: NULL, read as the defaults. */
    assert_null(kafkac_topic_desc_partition(d, 0, 3));
    assert_int_equal(kafkac_partition_info_id(kafkac_topic_desc_partition(d, 0, 3)), -1);
    kafkac_topic_desc_destroy(d);
    /* The broker default (num.partitions=1 in our test broker). */
    d = describe_topic(adm, t4, KAFKAC_OK);
    assert_int_equal(kafkac_topic_desc_partition_count(d, 0), 1);
    kafkac_topic_desc_destroy(d);
    kafkac_topic_desc_destroy(describe_topic(adm, t3, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION));

    /* Creating it again, and an unknown config name. */
    char t5[96];
    kafkac_new_topic_t *again[2] = { new_topic(t0, 1, 1), new_topic(kc_test_topic(t5, sizeof t5, "adm-badcfg"), 1, 1) };
    assert_int_equal(kafkac_new_topic_set_config(again[1], "no.such.config", "1"), KAFKAC_OK);
    r = create_and_free(adm, again, 2, 0);
    expect_err(r, 0, KAFKAC_ERR_TOPIC_ALREADY_EXISTS);
    expect_err(r, 1, KAFKAC_ERR_INVALID_CONFIG);
    assert_non_null(strstr(kafkac_admin_result_message(r, 1), "no.such.config"));
    kafkac_admin_result_destroy(r);

    /* validate_only checks without creating. */
    char t6[96];
    kafkac_new_topic_t *v = new_topic(kc_test_topic(t6, sizeof t6, "adm-validate"), 2, 1);
    r = create_and_free(adm, &v, 1, 1);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    kafkac_topic_desc_destroy(describe_topic(adm, t6, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION));

    /* An explicit replica assignment (the counts given are not sent).
     * Partition 1's first row names a broker that does not exist and is
     * replaced: had both rows gone out, or the old one, the broker would
     * refuse the topic. */
    char t7[96];
    const int32_t row[] = { 1 }, nobody[] = { 42 };
    kafkac_new_topic_t *as = new_topic(kc_test_topic(t7, sizeof t7, "adm-assign"), 7, 3);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(as, 0, row, 1), KAFKAC_OK);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(as, 1, nobody, 1), KAFKAC_OK);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(as, 1, row, 1), KAFKAC_OK);
    r = create_and_free(adm, &as, 1, 0);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    d = describe_topic(adm, t7, KAFKAC_OK);
    assert_int_equal(kafkac_topic_desc_partition_count(d, 0), 2);
    kafkac_topic_desc_destroy(d);

    /* list_topics shows them, not internal ones unless asked. */
    assert_int_equal(kafkac_admin_list_topics(adm, 0, 15000, &d, err, sizeof err), KAFKAC_OK);
    int seen = 0;
    for (int i = 0; i < kafkac_topic_desc_count(d); i++) {
        seen += !strcmp(kafkac_topic_desc_name(d, i), t0) || !strcmp(kafkac_topic_desc_name(d, i), t1);
        assert_false(kafkac_topic_desc_is_internal(d, i));
    }
    assert_int_equal(seen, 2);
    kafkac_topic_desc_destroy(d);

    /* Delete: three exist, one does not. */
    const char *del[] = { t0, t1, t3, t7 };
    assert_int_equal(kafkac_admin_delete_topics(adm, del, 4, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    expect_ok(r, 1);
    expect_err(r, 2, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    expect_ok(r, 3);
    kafkac_admin_result_destroy(r);
    kafkac_topic_desc_destroy(describe_topic(adm, t0, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION));
    delete_topic(adm, t4);
    kafkac_admin_destroy(adm);
}

/* Partitions added are seen by a producer; shrinking is refused. */
static void test_create_partitions(void **state)
{
    char err[512], topic[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    create_topic(adm, kc_test_topic(topic, sizeof topic, "adm-parts"), 2, 1);
    const char *names[] = { topic, topic };
    int32_t counts[] = { 4 };
    kafkac_admin_result_t *r;
    /* validate_only first: nothing changes. */
    assert_int_equal(kafkac_admin_create_partitions(adm, names, counts, 1, 1, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    kafkac_topic_desc_t *d = describe_topic(adm, topic, KAFKAC_OK);
    assert_int_equal(kafkac_topic_desc_partition_count(d, 0), 2);
    kafkac_topic_desc_destroy(d);

    assert_int_equal(kafkac_admin_create_partitions(adm, names, counts, 1, 0, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    for (int i = 0; i < 50; i++) {
        d = describe_topic(adm, topic, KAFKAC_OK);
        int n = kafkac_topic_desc_partition_count(d, 0);
        kafkac_topic_desc_destroy(d);
        if (n == 4)
            break;
        if (i == 49)
            fail_msg("topic still has %d partitions after create_partitions to 4", n);
        sleep_ms(100);
    }
    /* New producers write to the new partition 3: ours and librdkafka. */
    produce_own(kc_test_brokers(), topic, 3, 3);
    produce(kc_test_brokers(), topic, 3, 3);

    int32_t fewer[] = { 1 };
    assert_int_equal(kafkac_admin_create_partitions(adm, names, fewer, 1, 0, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_err(r, 0, KAFKAC_ERR_INVALID_PARTITIONS);
    kafkac_admin_result_destroy(r);
    delete_topic(adm, topic);
    kafkac_admin_destroy(adm);
}

/* Entry `name` of resource 0 (NULL if absent), its value and source. */
static const kafkac_config_entry_t *find_entry(kafkac_config_desc_t *d, const char *name, const char **value,
                                               kafkac_config_source_t *src)
{
    const kafkac_config_entry_t *e = kafkac_config_desc_find(d, 0, name);
    *value = kafkac_config_entry_value(e);
    *src = kafkac_config_entry_source(e);
    return e;
}

static kafkac_config_desc_t *topic_configs(kafkac_admin_t *adm, const char *topic)
{
    char err[512];
    kafkac_config_resource_t *res = config_res(KAFKAC_RESOURCE_TOPIC, topic);
    kafkac_config_desc_t *d = NULL;
    kafkac_err_t rc = kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const *)&res, 1, 15000, &d,
                                                    err, sizeof err);
    kafkac_config_resource_destroy(res);
    if (rc)
        fail_msg("describe_configs: %s: %s", kafkac_err_name(rc), err);
    kafkac_err_t re = kafkac_config_desc_error(d, 0);
    if (re)
        fail_msg("describe_configs %s: %s: %s", topic, kafkac_err_name(re), kafkac_config_desc_message(d, 0));
    assert_string_equal(kafkac_config_desc_message(d, 0), "");
    return d;
}

/* One incremental change to the topic (or with legacy, AlterConfigs with a
 * SET); asserts the resource's result. */
static void alter_one(kafkac_admin_t *adm, const char *topic, int legacy, kafkac_config_op_t op, const char *name,
                      const char *value)
{
    char err[512];
    kafkac_config_resource_t *res = config_add(config_res(KAFKAC_RESOURCE_TOPIC, topic), op, name, value);
    const kafkac_config_resource_t *const *arr = (const kafkac_config_resource_t *const *)&res;
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = legacy ? kafkac_admin_alter_configs(adm, arr, 1, 0, 15000, &r, err, sizeof err)
                             : kafkac_admin_incremental_alter_configs(adm, arr, 1, 0, 15000, &r, err, sizeof err);
    kafkac_config_resource_destroy(res);
    if (rc)
        fail_msg("alter %s of %s: %s: %s", name, topic, kafkac_err_name(rc), err);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
}

/* Describes the topic's configs until `name` has `value` (and source, if
 * not -1): KRaft applies a change on the broker a moment after the
 * controller accepted it, so a read right after may still see the old one. */
static kafkac_config_desc_t *wait_config(kafkac_admin_t *adm, const char *topic, const char *name, const char *value,
                                         int source)
{
    const char *v = NULL;
    kafkac_config_source_t src = KAFKAC_CONFIG_SOURCE_UNKNOWN;
    for (int i = 0; i < 100; i++) {
        kafkac_config_desc_t *d = topic_configs(adm, topic);
        if (find_entry(d, name, &v, &src) && v && !strcmp(v, value) && (source < 0 || (int)src == source))
            return d;
        kafkac_config_desc_destroy(d);
        sleep_ms(50);
    }
    fail_msg("config %s of %s: expected %s (source %s), last saw %s (%s)", name, topic, value,
             kafkac_config_source_name(source), v ? v : "(null)", kafkac_config_source_name(src));
    return NULL;
}

/* A config set is read back as DYNAMIC_TOPIC_CONFIG and reverts on delete;
 * append/subtract on a list; legacy alter replaces; errors per resource. */
static void test_configs(void **state)
{
    char err[512], topic[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    create_topic(adm, kc_test_topic(topic, sizeof topic, "adm-cfg"), 1, 1);

    kafkac_config_desc_t *d = topic_configs(adm, topic);
    const char *v;
    kafkac_config_source_t src;
    assert_non_null(find_entry(d, "retention.ms", &v, &src));
    /* scripts/kafka.sh sets log.retention.ms=-1 in server.properties. */
    assert_int_equal(src, KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    assert_string_equal(v, "-1");
    kafkac_config_desc_destroy(d);

    kafkac_config_resource_t *set = config_res(KAFKAC_RESOURCE_TOPIC, topic);
    config_add(set, KAFKAC_CONFIG_SET, "retention.ms", "7200000");
    config_add(set, KAFKAC_CONFIG_SET, "cleanup.policy", "delete");
    kafkac_admin_result_t *r;
    assert_int_equal(kafkac_admin_incremental_alter_configs(adm, (const kafkac_config_resource_t *const *)&set, 1, 0,
                                                            15000, &r, err, sizeof err),
                     KAFKAC_OK);
    kafkac_config_resource_destroy(set);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    d = wait_config(adm, topic, "retention.ms", "7200000", -1);
    const kafkac_config_entry_t *e = find_entry(d, "retention.ms", &v, &src);
    assert_string_equal(kafkac_config_entry_name(e), "retention.ms");
    assert_string_equal(v, "7200000");
    assert_int_equal(src, KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_string_equal(kafkac_config_source_name(src), "DYNAMIC_TOPIC_CONFIG");
    /* Synonyms: the topic value first (then any broker setting behind it);
     * a synonym is itself an entry, with none of its own. */
    assert_true(kafkac_config_entry_synonym_count(e) >= 1);
    const kafkac_config_entry_t *syn = kafkac_config_entry_synonym(e, 0);
    assert_string_equal(kafkac_config_entry_name(syn), "retention.ms");
    assert_string_equal(kafkac_config_entry_value(syn), "7200000");
    assert_int_equal(kafkac_config_entry_source(syn), KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_int_equal(kafkac_config_entry_synonym_count(syn), 0);
    assert_null(kafkac_config_entry_synonym(e, kafkac_config_entry_synonym_count(e)));
    assert_false(kafkac_config_entry_is_default(e));
    assert_false(kafkac_config_entry_is_read_only(e));
    assert_false(kafkac_config_entry_is_sensitive(e));
    kafkac_config_desc_destroy(d);

    /* Append / subtract on the list-valued cleanup.policy. */
    alter_one(adm, topic, 0, KAFKAC_CONFIG_APPEND, "cleanup.policy", "compact");
    d = wait_config(adm, topic, "cleanup.policy", "delete,compact", -1);
    kafkac_config_desc_destroy(d);
    alter_one(adm, topic, 0, KAFKAC_CONFIG_SUBTRACT, "cleanup.policy", "delete");
    d = wait_config(adm, topic, "cleanup.policy", "compact", -1);
    kafkac_config_desc_destroy(d);

    /* Delete reverts to the broker's setting. */
    alter_one(adm, topic, 0, KAFKAC_CONFIG_DELETE, "retention.ms", NULL);
    d = wait_config(adm, topic, "retention.ms", "-1", KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    kafkac_config_desc_destroy(d);

    /* Legacy AlterConfigs replaces the whole dynamic config: cleanup.policy
     * (set above) goes back to its default.  It has no operations: any but
     * SET is refused before anything is sent. */
    kafkac_config_resource_t *bad = config_add(config_res(KAFKAC_RESOURCE_TOPIC, topic), KAFKAC_CONFIG_DELETE,
                                               "segment.ms", NULL);
    r = NULL;
    assert_int_equal(kafkac_admin_alter_configs(adm, (const kafkac_config_resource_t *const *)&bad, 1, 0, 15000, &r,
                                                err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_null(r);
    assert_non_null(strstr(err, "segment.ms"));
    kafkac_config_resource_destroy(bad);
    alter_one(adm, topic, 1, KAFKAC_CONFIG_SET, "segment.ms", "3600000");
    d = wait_config(adm, topic, "segment.ms", "3600000", KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    find_entry(d, "cleanup.policy", &v, &src);
    assert_string_equal(v, "delete");
    assert_int_equal(src, KAFKAC_CONFIG_SOURCE_DEFAULT_CONFIG);
    kafkac_config_desc_destroy(d);

    /* Errors per resource: an unknown config name fails its resource only;
     * a missing topic fails describe for itself only. */
    char missing[96];
    kc_test_topic(missing, sizeof missing, "adm-missing");
    kafkac_config_resource_t *al6[2] = {
        config_add(config_res(KAFKAC_RESOURCE_TOPIC, topic), KAFKAC_CONFIG_SET, "no.such.config", "1"),
        config_add(config_res(KAFKAC_RESOURCE_TOPIC, missing), KAFKAC_CONFIG_SET, "segment.ms", "3600000"),
    };
    assert_int_equal(kafkac_admin_incremental_alter_configs(adm, (const kafkac_config_resource_t *const *)al6, 2, 0,
                                                            15000, &r, err, sizeof err),
                     KAFKAC_OK);
    kafkac_config_resource_destroy(al6[0]);
    kafkac_config_resource_destroy(al6[1]);
    expect_err(r, 0, KAFKAC_ERR_INVALID_CONFIG);
    expect_err(r, 1, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafkac_admin_result_destroy(r);
    kafkac_config_resource_t *two[2] = { config_res(KAFKAC_RESOURCE_TOPIC, missing),
                                         config_res(KAFKAC_RESOURCE_BROKER, "1") };
    assert_int_equal(kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const *)two, 2, 15000, &d,
                                                   err, sizeof err),
                     KAFKAC_OK);
    assert_int_equal(kafkac_config_desc_count(d), 2);
    assert_int_equal(kafkac_config_desc_type(d, 0), KAFKAC_RESOURCE_TOPIC);
    assert_string_equal(kafkac_config_desc_name(d, 0), missing);
    assert_int_equal(kafkac_config_desc_error(d, 0), KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    assert_true(*kafkac_config_desc_message(d, 0) != '\0');
    assert_int_equal(kafkac_config_desc_type(d, 1), KAFKAC_RESOURCE_BROKER);
    assert_int_equal(kafkac_config_desc_error(d, 1), KAFKAC_OK);
    /* The broker's static and read-only entries. */
    e = kafkac_config_desc_find(d, 1, "num.io.threads");
    assert_non_null(e);
    assert_string_equal(kafkac_config_entry_value(e), "4");
    assert_int_equal(kafkac_config_entry_source(e), KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    e = kafkac_config_desc_find(d, 1, "log.dirs");
    assert_non_null(e);
    assert_true(kafkac_config_entry_is_read_only(e));
    kafkac_config_desc_destroy(d);

    /* Entries added to a resource name the keys to describe: only those
     * come back. */
    config_add(two[1], KAFKAC_CONFIG_SET, "num.io.threads", NULL);
    config_add(two[1], KAFKAC_CONFIG_SET, "log.dirs", NULL);
    assert_int_equal(kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const *)&two[1], 1, 15000,
                                                   &d, err, sizeof err),
                     KAFKAC_OK);
    assert_int_equal(kafkac_config_desc_entry_count(d, 0), 2);
    assert_non_null(kafkac_config_desc_find(d, 0, "num.io.threads"));
    assert_non_null(kafkac_config_desc_find(d, 0, "log.dirs"));
    assert_null(kafkac_config_desc_entry(d, 0, 2));
    kafkac_config_desc_destroy(d);
    kafkac_config_resource_destroy(two[0]);
    kafkac_config_resource_destroy(two[1]);
    delete_topic(adm, topic);
    kafkac_admin_destroy(adm);
}

/* delete_records moves the low watermark; list_offsets reads it back. */
static void test_delete_records_and_offsets(void **state)
{
    char err[512], topic[96], missing[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    create_topic(adm, kc_test_topic(topic, sizeof topic, "adm-records"), 2, 1);
    produce(kc_test_brokers(), topic, 0, 10);

    kafkac_topic_partition_list_t *l = kafkac_tpl_new(4);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), 4);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 7), 1);     /* no such partition */
    kafkac_tp_set_offset(kafkac_tpl_add(l, kc_test_topic(missing, sizeof missing, "adm-nope"), 0), 1);
    kafkac_admin_result_t *r;
    kafkac_err_t rc = kafkac_admin_delete_records(adm, l, 30000, &r, err, sizeof err);
    if (rc)
        fail_msg("delete_records: %s: %s", kafkac_err_name(rc), err);
    expect_ok(r, 0);
    assert_int_equal(kafkac_admin_result_offset(r, 0), 4);
    expect_err(r, 1, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    expect_err(r, 2, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);

    l = kafkac_tpl_new(4);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_BEGINNING);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_END);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 1), KAFKAC_OFFSET_END);
    assert_int_equal(kafkac_admin_list_offsets(adm, l, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    assert_int_equal(kafkac_admin_result_offset(r, 0), 4);
    assert_int_equal(kafkac_admin_result_offset(r, 1), 10);
    assert_int_equal(kafkac_admin_result_offset(r, 2), 0);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);

    /* Everything: the low watermark reaches the high one. */
    l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_END);
    assert_int_equal(kafkac_admin_delete_records(adm, l, 30000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    assert_int_equal(kafkac_admin_result_offset(r, 0), 10);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);

    /* describe_log_dirs: the partition is in broker 1's log dir. */
    kafkac_log_dirs_t *ld;
    assert_int_equal(kafkac_admin_describe_log_dirs(adm, NULL, 0, 15000, &ld, err, sizeof err), KAFKAC_OK);
    int found = 0;
    for (int i = 0; i < kafkac_log_dirs_count(ld); i++) {
        const kafkac_log_dir_replica_t *rep = kafkac_log_dirs_get(ld, i);
        const char *t = kafkac_log_dir_replica_topic(rep);
        if (t && !strcmp(t, topic)) {
            found |= 1 << kafkac_log_dir_replica_partition(rep);
            assert_int_equal(kafkac_log_dir_replica_broker(rep), 1);
            assert_int_equal(kafkac_log_dir_replica_error(rep), KAFKAC_OK);
            assert_non_null(strstr(kafkac_log_dir_replica_dir(rep), "data"));
            assert_true(kafkac_log_dir_replica_size(rep) >= 0);
            assert_true(kafkac_log_dir_replica_offset_lag(rep) >= 0);
        }
    }
    assert_int_equal(found, 3);   /* partitions 0 and 1 */
    assert_null(kafkac_log_dirs_get(ld, kafkac_log_dirs_count(ld)));
    kafkac_log_dirs_destroy(ld);
    delete_topic(adm, topic);
    kafkac_admin_destroy(adm);
}

/* A live group (kcat's consumer) is described with its member and lag;
 * then offsets are altered and deleted, and the group deleted. */
static void test_groups(void **state)
{
    char err[512], topic[96], group[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    create_topic(adm, kc_test_topic(topic, sizeof topic, "adm-grp"), 2, 1);
    kc_test_topic(group, sizeof group, "adm-group");
    produce(kc_test_brokers(), topic, 0, 6);
    produce(kc_test_brokers(), topic, 1, 4);
    pid_t member = start_kcat_member(kc_test_brokers(), group, topic, "admin-itest-member");

    /* Wait until it is Stable with both partitions and has committed all. */
    const char *groups[] = { group };
    kafkac_group_desc_t *d = NULL;
    int stable = 0;
    for (int i = 0; i < 300 && !stable; i++) {
        kafkac_err_t rc = kafkac_admin_describe_consumer_groups(adm, groups, 1, 15000, &d, err, sizeof err);
        if (rc)
            fail_msg("describe_consumer_groups: %s: %s", kafkac_err_name(rc), err);
        const kafkac_group_info_t *g = kafkac_group_desc_get(d, 0);
        const kafkac_topic_partition_list_t *as = kafkac_member_info_assignment(kafkac_group_info_member(g, 0));
        stable = !strcmp(kafkac_group_info_state(g), "Stable") && kafkac_group_info_member_count(g) == 1 && as &&
                 kafkac_tpl_count(as) == 2;
        if (!stable) {
            kafkac_group_desc_destroy(d);
            d = NULL;
            sleep_ms(100);
        }
    }
    if (!stable) {
        stop_child(member);
        fail_msg("group %s never became Stable with one member holding 2 partitions", group);
    }
    const kafkac_group_info_t *g = kafkac_group_desc_get(d, 0);
    assert_string_equal(kafkac_group_info_id(g), group);
    assert_int_equal(kafkac_group_info_error(g), KAFKAC_OK);
    assert_string_equal(kafkac_group_info_protocol_type(g), "consumer");
    assert_true(*kafkac_group_info_protocol(g));
    assert_int_equal(kafkac_group_info_coordinator(g), 1);
    assert_null(kafkac_group_desc_get(d, 1));
    const kafkac_member_info_t *mi = kafkac_group_info_member(g, 0);
    assert_null(kafkac_group_info_member(g, 1));
    assert_string_equal(kafkac_member_info_client_id(mi), "admin-itest-member");
    assert_non_null(strstr(kafkac_member_info_host(mi), "127.0.0.1"));
    assert_true(strlen(kafkac_member_info_id(mi)) > 0);
    assert_null(kafkac_member_info_instance_id(mi));   /* not a static member */
    const kafkac_topic_partition_list_t *as = kafkac_member_info_assignment(mi);
    assert_non_null(kafkac_tpl_find(as, topic, 0));
    assert_non_null(kafkac_tpl_find(as, topic, 1));
    kafkac_group_desc_destroy(d);

    /* list: the group, Stable, classic. */
    kafkac_group_list_t *gl;
    assert_int_equal(kafkac_admin_list_consumer_groups(adm, 15000, &gl, err, sizeof err), KAFKAC_OK);
    int found = 0;
    for (int i = 0; i < kafkac_group_list_count(gl); i++) {
        const kafkac_group_listing_t *gi = kafkac_group_list_get(gl, i);
        if (strcmp(kafkac_group_listing_id(gi), group))
            continue;
        found = 1;
        assert_string_equal(kafkac_group_listing_protocol_type(gi), "consumer");
        assert_string_equal(kafkac_group_listing_state(gi), "Stable");
        assert_string_equal(kafkac_group_listing_type(gi), "classic");
    }
    kafkac_group_list_destroy(gl);
    assert_true(found);

    /* Offsets: the member consumed and committed everything: lag 0. */
    kafkac_group_offsets_t *o = NULL;
    int caught_up = 0, last_count = 0;
    int64_t last_lag = -1;
    for (int i = 0; i < 200 && !caught_up; i++) {
        assert_int_equal(kafkac_admin_list_consumer_group_offsets(adm, group, NULL, 15000, &o, err, sizeof err),
                         KAFKAC_OK);
        last_count = kafkac_group_offsets_count(o);
        caught_up = last_count == 2;
        for (int k = 0; caught_up && k < 2; k++) {
            last_lag = kafkac_group_offset_lag(kafkac_group_offsets_get(o, k));
            caught_up = last_lag == 0;
        }
        if (!caught_up) {
            kafkac_group_offsets_destroy(o);
            o = NULL;
            sleep_ms(100);
        }
    }
    if (!caught_up) {
        stop_child(member);
        fail_msg("the group never committed up to the end: expected 2 partitions with lag 0, last got %d "
                 "partitions (a lag of %lld)", last_count, (long long)last_lag);
    }
    for (int k = 0; k < 2; k++) {
        const kafkac_group_offset_t *go = kafkac_group_offsets_get(o, k);
        assert_string_equal(kafkac_group_offset_topic(go), topic);
        assert_int_equal(kafkac_group_offset_partition(go), k);
        assert_int_equal(kafkac_group_offset_committed(go), k == 0 ? 6 : 4);
        assert_int_equal(kafkac_group_offset_end(go), kafkac_group_offset_committed(go));
        assert_int_equal(kafkac_group_offset_error(go), KAFKAC_OK);
    }
    kafkac_group_offsets_destroy(o);

    /* Altering offsets of a live group is refused, per partition. */
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(2);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), 1);
    kafkac_admin_result_t *r;
    assert_int_equal(kafkac_admin_alter_consumer_group_offsets(adm, group, l, 15000, &r, err, sizeof err), KAFKAC_OK);
    assert_true(kafkac_admin_result_error(r, 0) == KAFKAC_ERR_UNKNOWN_MEMBER_ID ||
                kafkac_admin_result_error(r, 0) == KAFKAC_ERR_ILLEGAL_GENERATION ||
                kafkac_admin_result_error(r, 0) == KAFKAC_ERR_REBALANCE_IN_PROGRESS);
    kafkac_admin_result_destroy(r);
    /* Deleting a live group is refused too. */
    assert_int_equal(kafkac_admin_delete_consumer_groups(adm, groups, 1, 15000, &r, err, sizeof err), KAFKAC_OK);
    expect_err(r, 0, KAFKAC_ERR_NON_EMPTY_GROUP);
    kafkac_admin_result_destroy(r);

    stop_child(member);
    /* The member left: Empty.  Produce more: the lag shows it. */
    produce(kc_test_brokers(), topic, 0, 5);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(kafkac_admin_describe_consumer_groups(adm, groups, 1, 15000, &d, err, sizeof err), KAFKAC_OK);
        g = kafkac_group_desc_get(d, 0);
        int n = kafkac_group_info_member_count(g);
        char got[32];
        snprintf(got, sizeof got, "%s", kafkac_group_info_state(g));
        int empty = !strcmp(got, "Empty") && n == 0;
        kafkac_group_desc_destroy(d);
        if (empty)
            break;
        if (i == 99)
            fail_msg("after its member stopped: expected the group Empty with no members, got %s with %d", got,
                     (int)n);
        sleep_ms(200);
    }
    assert_int_equal(kafkac_admin_list_consumer_group_offsets(adm, group, NULL, 15000, &o, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_group_offset_end(kafkac_group_offsets_get(o, 0)), 11);
    assert_int_equal(kafkac_group_offset_lag(kafkac_group_offsets_get(o, 0)), 5);
    kafkac_group_offsets_destroy(o);

    /* Now alter works: partition 0 back to 1 (lag 10). */
    assert_int_equal(kafkac_admin_alter_consumer_group_offsets(adm, group, l, 15000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);
    l = kafkac_tpl_new(2);
    kafkac_tpl_add(l, topic, 0);
    assert_int_equal(kafkac_admin_list_consumer_group_offsets(adm, group, l, 15000, &o, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_group_offsets_count(o), 1);
    assert_int_equal(kafkac_group_offset_committed(kafkac_group_offsets_get(o, 0)), 1);
    assert_int_equal(kafkac_group_offset_lag(kafkac_group_offsets_get(o, 0)), 10);
    kafkac_group_offsets_destroy(o);
    kafkac_tpl_destroy(l);

    /* Delete partition 1's offset: only partition 0 remains. */
    l = kafkac_tpl_new(1);
    kafkac_tpl_add(l, topic, 1);
    assert_int_equal(kafkac_admin_delete_consumer_group_offsets(adm, group, l, 15000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);
    assert_int_equal(kafkac_admin_list_consumer_group_offsets(adm, group, NULL, 15000, &o, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_group_offsets_count(o), 1);
    assert_int_equal(kafkac_group_offset_partition(kafkac_group_offsets_get(o, 0)), 0);
    assert_null(kafkac_group_offsets_get(o, 1));
    kafkac_group_offsets_destroy(o);

    /* Delete the group; again is GROUP_ID_NOT_FOUND. */
    char other[96];
    const char *two[] = { group, kc_test_topic(other, sizeof other, "adm-nogroup") };
    assert_int_equal(kafkac_admin_delete_consumer_groups(adm, two, 2, 15000, &r, err, sizeof err), KAFKAC_OK);
    expect_ok(r, 0);
    expect_err(r, 1, KAFKAC_ERR_GROUP_ID_NOT_FOUND);
    kafkac_admin_result_destroy(r);
    assert_int_equal(kafkac_admin_describe_consumer_groups(adm, groups, 1, 15000, &d, err, sizeof err), KAFKAC_OK);
    /* The same answer from Kafka 3.9 (DescribeGroups v5: state Dead, no
     * error) and 4.x (v6: GROUP_ID_NOT_FOUND). */
    g = kafkac_group_desc_get(d, 0);
    assert_string_equal(kafkac_group_info_state(g), "Dead");
    assert_int_equal(kafkac_group_info_error(g), KAFKAC_ERR_GROUP_ID_NOT_FOUND);
    kafkac_group_desc_destroy(d);
    delete_topic(adm, topic);
    kafkac_admin_destroy(adm);
}

/* describe_cluster; elect_leaders on a single node: nothing to elect. */
static void test_cluster_and_election(void **state)
{
    char err[512], topic[96];
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    kafkac_cluster_desc_t *c;
    assert_int_equal(kafkac_admin_describe_cluster(adm, 15000, &c, err, sizeof err), KAFKAC_OK);
    assert_int_equal(strlen(kafkac_cluster_desc_id(c)), 22);
    assert_int_equal(kafkac_cluster_desc_broker_count(c), 1);
    assert_int_equal(kafkac_cluster_desc_controller(c), 1);
    const kafkac_node_t *b = kafkac_cluster_desc_broker(c, 0);
    assert_int_equal(kafkac_node_id(b), 1);
    assert_string_equal(kafkac_node_host(b), "127.0.0.1");
    assert_null(kafkac_node_rack(b));
    assert_null(kafkac_cluster_desc_broker(c, 1));
    char want[96];
    snprintf(want, sizeof want, "127.0.0.1:%d", kafkac_node_port(b));
    assert_non_null(strstr(kc_test_brokers(), want));
    kafkac_cluster_desc_destroy(c);

    create_topic(adm, kc_test_topic(topic, sizeof topic, "adm-elect"), 2, 1);
    kafkac_topic_desc_destroy(describe_topic(adm, topic, KAFKAC_OK));
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(2);
    kafkac_tpl_add(l, topic, 0);
    kafkac_tpl_add(l, topic, 9);
    kafkac_admin_result_t *r;
    kafkac_err_t rc = kafkac_admin_elect_leaders(adm, KAFKAC_ELECTION_PREFERRED, l, 15000, &r, err, sizeof err);
    if (rc)
        fail_msg("elect_leaders: %s: %s", kafkac_err_name(rc), err);
    expect_err(r, 0, KAFKAC_ERR_ELECTION_NOT_NEEDED);
    expect_err(r, 1, KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(l);
    delete_topic(adm, topic);
    kafkac_admin_destroy(adm);
}

/* One deadline for the whole operation, retries included. */
static void test_deadline(void **state)
{
    char err[512];
    kafkac_admin_t *adm = admin_for("127.0.0.1:1");
    kafkac_new_topic_t *t = new_topic("never", 1, 1);
    kafkac_admin_result_t *r = (kafkac_admin_result_t *)t;
    int64_t t0 = kc_test_now_ms();
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const *)&t, 1, 0, 1500, &r, err,
                                                 sizeof err);
    kafkac_new_topic_destroy(t);
    int64_t took = kc_test_now_ms() - t0;
    assert_true(rc < 0);
    assert_null(r);
    assert_true(strlen(err) > 0);
    if (took < 1400 || took > 3500)
        fail_msg("a 1500 ms operation took %lld ms (%s: %s)", (long long)took, kafkac_err_name(rc), err);
    kafkac_admin_destroy(adm);
}

/* An admin handle whose only connection, at first, is through the proxy. */
static kafkac_admin_t *admin_via(kc_fproxy_t *p)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", kc_fproxy_addr(p), err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "request.timeout.ms", "1500", err, sizeof err), KAFKAC_OK);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(adm);
    return adm;
}

/* A connection lost in the middle of an answer, and an answer that never
 * comes, are retried within the one deadline.  A fresh handle's first
 * request after its handshake goes through the proxy's connection (the
 * only one it has), so the fault hits it; the retry may use any. */
static void test_retry_lost_and_silent(void **state)
{
    char err[512];
    kc_fproxy_t *p = kc_fproxy_new(kc_test_brokers());
    assert_non_null(p);
    kafkac_admin_t *adm = admin_via(p);
    kc_fproxy_arm(p, KC_FAULT_HALF_THEN_CLOSE, 60 /* DescribeCluster */, KC_FAULT_NOT_FIRST);
    kafkac_cluster_desc_t *c = NULL;
    kafkac_err_t rc = kafkac_admin_describe_cluster(adm, 10000, &c, err, sizeof err);
    int fired = kc_fproxy_fired(p);
    kafkac_admin_destroy(adm);
    if (rc)
        fail_msg("describe_cluster after a dropped connection: %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kafkac_cluster_desc_broker_count(c), 1);
    kafkac_cluster_desc_destroy(c);
    assert_int_equal(fired, 1);

    adm = admin_via(p);
    kc_fproxy_arm(p, KC_FAULT_SILENCE, 60, KC_FAULT_NOT_FIRST);
    int64_t t0 = kc_test_now_ms();
    rc = kafkac_admin_describe_cluster(adm, 10000, &c, err, sizeof err);
    int64_t took = kc_test_now_ms() - t0;
    fired = kc_fproxy_fired(p);
    kafkac_admin_destroy(adm);
    kc_fproxy_destroy(p);
    if (rc)
        fail_msg("describe_cluster after a silent broker: %s: %s", kafkac_err_name(rc), err);
    kafkac_cluster_desc_destroy(c);
    assert_int_equal(fired, 2);
    /* One request timeout lost, then the answer: well inside the deadline. */
    if (took < 1400 || took > 8000)
        fail_msg("retry after a 1500 ms request timeout took %lld ms", (long long)took);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_batch_per_topic_errors),
        cmocka_unit_test(test_create_partitions),
        cmocka_unit_test(test_configs),
        cmocka_unit_test(test_delete_records_and_offsets),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_cluster_and_election),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_retry_lost_and_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The admin client's input handles and the result getters, with no
 * broker: constructors refuse what they must, setters copy, getters given
 * NULL (or an index out of range) return the defaults their header
 * states, and a call given a bad handle array fails at once with
 * KAFKAC_ERR_INVALID_ARG before anything is sent (the admin handle points
 * at a port nothing listens on, so a call that tried the network would
 * take its whole timeout and fail differently).  What the broker makes of
 * the handles is tested in tests/integration/itest_admin*.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/testenv.h"
#include "kafkac/kafkac.h"

static kafkac_admin_t *admin_nowhere(void)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), KAFKAC_OK);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("kafkac_admin_new: %s", err);
    return adm;
}

static void test_new_topic(void **state)
{
    (void)state;
    assert_null(kafkac_new_topic_new(NULL, 1, 1));
    kafkac_new_topic_destroy(NULL);
    kafkac_new_topic_t *t = kafkac_new_topic_new("t", -1, -1);
    assert_non_null(t);
    const int32_t ids[] = { 1, 2 };
    assert_int_equal(kafkac_new_topic_set_config(NULL, "a", "b"), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_new_topic_set_config(t, NULL, "b"), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(t, -1, ids, 2), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(t, 0, NULL, 2), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_new_topic_set_replica_assignment(t, 0, ids, 0), KAFKAC_ERR_INVALID_ARG);
    /* Many of each: the handle grows; a NULL value is allowed. */
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "config.%d", i);
        assert_int_equal(kafkac_new_topic_set_config(t, name, i % 2 ? NULL : "v"), KAFKAC_OK);
        assert_int_equal(kafkac_new_topic_set_replica_assignment(t, i, ids, 2), KAFKAC_OK);
    }
    kafkac_new_topic_destroy(t);
}

static void test_config_resource(void **state)
{
    (void)state;
    assert_null(kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, NULL));
    kafkac_config_resource_destroy(NULL);
    kafkac_config_resource_t *r = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, "t");
    assert_non_null(r);
    assert_int_equal(kafkac_config_resource_add(NULL, KAFKAC_CONFIG_SET, "a", "b"), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_config_resource_add(r, KAFKAC_CONFIG_SET, NULL, "b"), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_config_resource_add(r, (kafkac_config_op_t)4, "a", "b"), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_config_resource_add(r, (kafkac_config_op_t)-1, "a", "b"), KAFKAC_ERR_INVALID_ARG);
    for (int i = 0; i < 100; i++)
        assert_int_equal(kafkac_config_resource_add(r, KAFKAC_CONFIG_DELETE, "retention.ms", NULL), KAFKAC_OK);
    kafkac_config_resource_destroy(r);
}

static void test_acl(void **state)
{
    (void)state;
    char name[] = "topic-a", principal[] = "User:alice";
    kafkac_acl_t *a = kafkac_acl_new(KAFKAC_RESOURCE_TOPIC, name, KAFKAC_ACL_PATTERN_PREFIXED, principal, NULL,
                                     KAFKAC_ACL_OP_WRITE, KAFKAC_ACL_PERMISSION_DENY);
    assert_non_null(a);
    /* Copies: the caller's buffers may change afterwards. */
    name[0] = principal[0] = 'X';
    assert_int_equal(kafkac_acl_resource_type(a), KAFKAC_RESOURCE_TOPIC);
    assert_string_equal(kafkac_acl_resource_name(a), "topic-a");
    assert_int_equal(kafkac_acl_pattern(a), KAFKAC_ACL_PATTERN_PREFIXED);
    assert_string_equal(kafkac_acl_principal(a), "User:alice");
    assert_null(kafkac_acl_host(a));
    assert_int_equal(kafkac_acl_operation(a), KAFKAC_ACL_OP_WRITE);
    assert_int_equal(kafkac_acl_permission(a), KAFKAC_ACL_PERMISSION_DENY);
    kafkac_acl_destroy(a);
    /* A filter of nothing matches everything. */
    a = kafkac_acl_new(KAFKAC_RESOURCE_ANY, NULL, KAFKAC_ACL_PATTERN_ANY, NULL, NULL, KAFKAC_ACL_OP_ANY,
                       KAFKAC_ACL_PERMISSION_ANY);
    assert_non_null(a);
    assert_null(kafkac_acl_resource_name(a));
    kafkac_acl_destroy(a);
    kafkac_acl_destroy(NULL);
    assert_int_equal(kafkac_acl_resource_type(NULL), KAFKAC_RESOURCE_UNKNOWN);
    assert_null(kafkac_acl_principal(NULL));
    assert_int_equal(kafkac_acl_operation(NULL), 0);
}

static void test_scram_alterations(void **state)
{
    (void)state;
    assert_null(kafkac_scram_upsertion_new(NULL, KAFKAC_SCRAM_SHA_256, 0, "pw"));
    assert_null(kafkac_scram_upsertion_new("", KAFKAC_SCRAM_SHA_256, 0, "pw"));
    assert_null(kafkac_scram_upsertion_new("u", KAFKAC_SCRAM_UNKNOWN, 0, "pw"));
    assert_null(kafkac_scram_upsertion_new("u", (kafkac_scram_mechanism_t)3, 0, "pw"));
    assert_null(kafkac_scram_upsertion_new("u", KAFKAC_SCRAM_SHA_512, 0, NULL));
    assert_null(kafkac_scram_deletion_new("u", KAFKAC_SCRAM_UNKNOWN));
    assert_null(kafkac_scram_deletion_new(NULL, KAFKAC_SCRAM_SHA_256));
    /* Negative iterations are left to the broker to refuse. */
    kafkac_scram_alteration_t *a[] = {
        kafkac_scram_upsertion_new("u", KAFKAC_SCRAM_SHA_256, 0, "pw"),
        kafkac_scram_upsertion_new("u", KAFKAC_SCRAM_SHA_512, -5, "pw"),
        kafkac_scram_deletion_new("u", KAFKAC_SCRAM_SHA_512),
    };
    for (int i = 0; i < 3; i++) {
        assert_non_null(a[i]);
        kafkac_scram_alteration_destroy(a[i]);
    }
    kafkac_scram_alteration_destroy(NULL);
}

/* Every call that takes an array of handles refuses an empty one, or one
 * holding NULL, at once and says which. */
static void test_calls_refuse_bad_arrays(void **state)
{
    (void)state;
    kafkac_admin_t *adm = admin_nowhere();
    char err[256];
    kafkac_admin_result_t *r = (kafkac_admin_result_t *)adm;
    kafkac_acl_list_t *l = (kafkac_acl_list_t *)adm;
    kafkac_config_desc_t *d = (kafkac_config_desc_t *)adm;
    int64_t t0 = kc_test_now_ms();

    const kafkac_new_topic_t *no_topic[2] = { NULL, NULL };
    assert_int_equal(kafkac_admin_create_topics(adm, no_topic, 2, 0, 5000, &r, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_null(r);
    assert_string_equal(err, "create_topics: topic 0 is NULL");
    assert_int_equal(kafkac_admin_create_topics(adm, NULL, 1, 0, 5000, &r, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_admin_create_topics(adm, no_topic, 0, 0, 5000, &r, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);

    kafkac_config_resource_t *res = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, "t");
    assert_non_null(res);
    const kafkac_config_resource_t *two[2] = { res, NULL };
    assert_int_equal(kafkac_admin_describe_configs(adm, two, 2, 5000, &d, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_null(d);
    assert_string_equal(err, "describe_configs: resource 1 is NULL");
    assert_int_equal(kafkac_admin_incremental_alter_configs(adm, two, 2, 0, 5000, &r, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(err, "incremental_alter_configs: resource 1 is NULL");
    /* Legacy AlterConfigs has SET only. */
    assert_int_equal(kafkac_config_resource_add(res, KAFKAC_CONFIG_APPEND, "cleanup.policy", "compact"), KAFKAC_OK);
    assert_int_equal(kafkac_admin_alter_configs(adm, two, 1, 0, 5000, &r, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_null(r);
    assert_non_null(strstr(err, "cleanup.policy"));
    kafkac_config_resource_destroy(res);

    const kafkac_acl_t *no_acl[1] = { NULL };
    assert_int_equal(kafkac_admin_create_acls(adm, no_acl, 1, 5000, &r, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(err, "create_acls: ACL 0 is NULL");
    assert_int_equal(kafkac_admin_delete_acls(adm, no_acl, 1, 5000, &l, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_null(l);
    assert_string_equal(err, "delete_acls: ACL 0 is NULL");

    const kafkac_scram_alteration_t *no_alt[1] = { NULL };
    assert_int_equal(kafkac_admin_alter_user_scram_credentials(adm, no_alt, 1, 5000, &r, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(err, "alter_user_scram_credentials: alteration 0 is NULL");

    const char *names[2] = { "a", NULL };
    assert_int_equal(kafkac_admin_delete_topics(adm, names, 2, 5000, &r, err, sizeof err), KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(err, "delete_topics: name 1 is NULL");

    int64_t took = kc_test_now_ms() - t0;
    if (took > 1000)
        fail_msg("refusing bad arguments took %lld ms: something waited for the network", (long long)took);
    kafkac_admin_destroy(adm);
}

/* Getters given NULL return the defaults the headers state. */
static void test_getters_of_null(void **state)
{
    (void)state;
    int n = 7;
    assert_int_equal(kafkac_node_id(NULL), -1);
    assert_string_equal(kafkac_node_host(NULL), "");
    assert_int_equal(kafkac_node_port(NULL), 0);
    assert_null(kafkac_node_rack(NULL));
    assert_int_equal(kafkac_partition_info_id(NULL), -1);
    assert_int_equal(kafkac_partition_info_error(NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_partition_info_leader(NULL), -1);
    assert_null(kafkac_partition_info_replicas(NULL, &n));
    assert_int_equal(n, 0);
    n = 7;
    assert_null(kafkac_partition_info_isr(NULL, &n));
    assert_int_equal(n, 0);
    assert_null(kafkac_partition_info_offline(NULL, NULL));
    assert_int_equal(kafkac_api_version_chosen(NULL), -1);
    assert_null(kafkac_broker_versions_get(NULL, 0));
    assert_null(kafkac_metadata_broker(NULL, 0));
    assert_null(kafkac_metadata_partition(NULL, 0, 0));
    assert_string_equal(kafkac_metadata_topic_name(NULL, 0), "");
    assert_int_equal(kafkac_metadata_topic_count(NULL), 0);

    assert_null(kafkac_topic_desc_partition(NULL, 0, 0));
    assert_null(kafkac_cluster_desc_broker(NULL, 0));
    assert_null(kafkac_config_desc_entry(NULL, 0, 0));
    assert_null(kafkac_config_desc_find(NULL, 0, "x"));
    assert_int_equal(kafkac_config_desc_error(NULL, 0), KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(kafkac_config_desc_message(NULL, 0), "");
    assert_string_equal(kafkac_config_entry_name(NULL), "");
    assert_null(kafkac_config_entry_value(NULL));
    assert_int_equal(kafkac_config_entry_source(NULL), KAFKAC_CONFIG_SOURCE_UNKNOWN);
    assert_int_equal(kafkac_config_entry_synonym_count(NULL), 0);
    assert_null(kafkac_config_entry_synonym(NULL, 0));
    assert_null(kafkac_group_list_get(NULL, 0));
    assert_string_equal(kafkac_group_listing_id(NULL), "");
    assert_string_equal(kafkac_group_listing_state(NULL), "");
    assert_null(kafkac_group_desc_get(NULL, 0));
    assert_int_equal(kafkac_group_info_error(NULL), KAFKAC_ERR_INVALID_ARG);
    assert_int_equal(kafkac_group_info_coordinator(NULL), -1);
    assert_int_equal(kafkac_group_info_member_count(NULL), 0);
    assert_null(kafkac_group_info_member(NULL, 0));
    assert_string_equal(kafkac_member_info_id(NULL), "");
    assert_null(kafkac_member_info_instance_id(NULL));
    assert_null(kafkac_member_info_assignment(NULL));
    assert_null(kafkac_group_offsets_get(NULL, 0));
    assert_int_equal(kafkac_group_offset_committed(NULL), KAFKAC_OFFSET_INVALID);
    assert_int_equal(kafkac_group_offset_lag(NULL), -1);
    assert_int_equal(kafkac_group_offset_error(NULL), KAFKAC_ERR_INVALID_ARG);
    assert_null(kafkac_log_dirs_get(NULL, 0));
    assert_int_equal(kafkac_log_dir_replica_broker(NULL), -1);
    assert_null(kafkac_log_dir_replica_topic(NULL));
    assert_int_equal(kafkac_log_dir_replica_size(NULL), -1);
    assert_null(kafkac_scram_users_get(NULL, 0));
    assert_null(kafkac_scram_users_find(NULL, "u"));
    assert_string_equal(kafkac_scram_user_name(NULL), "");
    assert_int_equal(kafkac_scram_user_error(NULL), KAFKAC_ERR_INVALID_ARG);
    assert_string_equal(kafkac_scram_user_message(NULL), "");
    assert_int_equal(kafkac_scram_user_mechanism(NULL, 0), KAFKAC_SCRAM_UNKNOWN);
    assert_int_equal(kafkac_scram_user_iterations(NULL, 0), 0);
    assert_null(kafkac_acl_list_get(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_topic),
        cmocka_unit_test(test_config_resource),
        cmocka_unit_test(test_acl),
        cmocka_unit_test(test_scram_alterations),
        cmocka_unit_test(test_calls_refuse_bad_arrays),
        cmocka_unit_test(test_getters_of_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ACLs: created, listed, then deleted, on a broker of its own started with
 * KRaft's StandardAuthorizer (super.users=User:ANONYMOUS, so this plaintext
 * client may still do everything); and the broker without an authorizer
 * says SECURITY_DISABLED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/testenv.h"
#include "itest_admin_util.h"

/* Its own instance and ports, so the shared test brokers are untouched. */
#define ACL_PORT_BASE "31692"

static char acl_brokers[64];

static int start_acl_broker(void **state)
{
    setenv("KAFKAC_KAFKA_INSTANCE", "acl", 1);
    setenv("KAFKAC_KAFKA_PORT_BASE", ACL_PORT_BASE, 1);
    setenv("KAFKAC_KAFKA_EXTRA_PROPS",
           "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n"
           "super.users=User:ANONYMOUS\n", 1);
    if (kc_test_kafka("start single") != 0)
        return -1;
    FILE *f = popen("\"${KAFKAC_SRC_DIR:-.}/scripts/kafka.sh\" brokers single", "r");
    if (!f || !fgets(acl_brokers, sizeof acl_brokers, f)) {
        if (f)
            pclose(f);
        return -1;
    }
    pclose(f);
    acl_brokers[strcspn(acl_brokers, "\n")] = '\0';
    return 0;
}

static int stop_acl_broker(void **state)
{
    kc_test_kafka("stop single");
    unsetenv("KAFKAC_KAFKA_INSTANCE");
    unsetenv("KAFKAC_KAFKA_PORT_BASE");
    unsetenv("KAFKAC_KAFKA_EXTRA_PROPS");
    return 0;
}

static int same_acl(const kafkac_acl_t *a, const kafkac_acl_t *b)
{
    return a->resource_type == b->resource_type && !strcmp(a->resource_name, b->resource_name) &&
           a->pattern == b->pattern && !strcmp(a->principal, b->principal) && !strcmp(a->host, b->host) &&
           a->operation == b->operation && a->permission == b->permission;
}

/* How many ACLs of the list match want. */
static int count_matching(const kafkac_acl_list_t *l, const kafkac_acl_t *want)
{
    int n = 0;
    for (int i = 0; i < kafkac_acl_list_count(l); i++)
        n += same_acl(kafkac_acl_list_get(l, i), want);
    return n;
}

static void test_acls_create_list_delete(void **state)
{
    char err[512], topic[96], group[96];
    kafkac_admin_t *adm = admin_for(acl_brokers);
    kc_test_topic(topic, sizeof topic, "acl-topic");
    kc_test_topic(group, sizeof group, "acl-grp");
    kafkac_acl_t acls[3] = {
        { KAFKAC_RESOURCE_TOPIC, topic, KAFKAC_ACL_PATTERN_LITERAL, "User:alice", "*", KAFKAC_ACL_OP_READ,
          KAFKAC_ACL_PERMISSION_ALLOW },
        { KAFKAC_RESOURCE_GROUP, group, KAFKAC_ACL_PATTERN_PREFIXED, "User:bob", "10.0.0.1", KAFKAC_ACL_OP_DESCRIBE,
          KAFKAC_ACL_PERMISSION_DENY },
        /* A principal without its type is refused, alone. */
        { KAFKAC_RESOURCE_TOPIC, topic, KAFKAC_ACL_PATTERN_LITERAL, "carol", "*", KAFKAC_ACL_OP_WRITE,
          KAFKAC_ACL_PERMISSION_ALLOW },
    };
    kafkac_admin_result_t *r;
    kafkac_err_t rc = kafkac_admin_create_acls(adm, acls, 3, 30000, &r, err, sizeof err);
    if (rc)
        fail_msg("create_acls: %s: %s", kafkac_err_name(rc), err);
    expect_ok(r, 0);
    expect_ok(r, 1);
    if (kafkac_admin_result_error(r, 2) == KAFKAC_OK)
        fail_msg("an ACL for principal 'carol' (no type) was accepted");
    assert_true(*kafkac_admin_result_message(r, 2));
    kafkac_admin_result_destroy(r);

    /* Listed: by a filter on the topic, and in the full list. */
    kafkac_acl_t by_topic = { .resource_type = KAFKAC_RESOURCE_TOPIC, .resource_name = topic };
    kafkac_acl_list_t *l = NULL;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(kafkac_admin_describe_acls(adm, &by_topic, 15000, &l, err, sizeof err), KAFKAC_OK);
        if (kafkac_acl_list_count(l) >= 1)
            break;
        kafkac_acl_list_destroy(l);
        l = NULL;
        sleep_ms(100);
    }
    assert_non_null(l);
    assert_int_equal(kafkac_acl_list_count(l), 1);
    assert_int_equal(count_matching(l, &acls[0]), 1);
    kafkac_acl_list_destroy(l);
    assert_int_equal(kafkac_admin_describe_acls(adm, NULL, 15000, &l, err, sizeof err), KAFKAC_OK);
    assert_int_equal(count_matching(l, &acls[0]), 1);
    assert_int_equal(count_matching(l, &acls[1]), 1);
    kafkac_acl_list_destroy(l);

    /* Delete by filters: each deleted ACL comes back. */
    kafkac_acl_t filters[2] = {
        { .resource_type = KAFKAC_RESOURCE_TOPIC, .resource_name = topic, .principal = "User:alice" },
        { .resource_type = KAFKAC_RESOURCE_GROUP, .resource_name = group, .pattern = KAFKAC_ACL_PATTERN_PREFIXED },
    };
    rc = kafkac_admin_delete_acls(adm, filters, 2, 15000, &l, err, sizeof err);
    if (rc)
        fail_msg("delete_acls: %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kafkac_acl_list_count(l), 2);
    assert_int_equal(count_matching(l, &acls[0]), 1);
    assert_int_equal(count_matching(l, &acls[1]), 1);
    kafkac_acl_list_destroy(l);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(kafkac_admin_describe_acls(adm, NULL, 15000, &l, err, sizeof err), KAFKAC_OK);
        int left = count_matching(l, &acls[0]) + count_matching(l, &acls[1]);
        kafkac_acl_list_destroy(l);
        if (!left)
            break;
        if (i == 99)
            fail_msg("deleted ACLs: expected none listed, still got %d", left);
        sleep_ms(100);
    }
    kafkac_admin_destroy(adm);
}

/* The shared broker runs without an authorizer. */
static void test_acls_without_authorizer(void **state)
{
    char err[512] = "";
    kafkac_admin_t *adm = admin_for(kc_test_brokers());
    kafkac_acl_list_t *l = (kafkac_acl_list_t *)adm;
    kafkac_err_t rc = kafkac_admin_describe_acls(adm, NULL, 15000, &l, err, sizeof err);
    assert_int_equal(rc, KAFKAC_ERR_SECURITY_DISABLED);
    assert_null(l);
    assert_non_null(strstr(err, "SECURITY_DISABLED"));
    kafkac_admin_destroy(adm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_acls_create_list_delete, start_acl_broker, stop_acl_broker),
        cmocka_unit_test(test_acls_without_authorizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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
    return kafkac_acl_resource_type(a) == kafkac_acl_resource_type(b) &&
           !strcmp(kafkac_acl_resource_name(a), kafkac_acl_resource_name(b)) &&
           kafkac_acl_pattern(a) == kafkac_acl_pattern(b) &&
           !strcmp(kafkac_acl_principal(a), kafkac_acl_principal(b)) &&
           !strcmp(kafkac_acl_host(a), kafkac_acl_host(b)) && kafkac_acl_operation(a) == kafkac_acl_operation(b) &&
           kafkac_acl_permission(a) == kafkac_acl_permission(b);
}

/* An ACL handle (asserted non-NULL). */
static kafkac_acl_t *acl(kafkac_resource_type_t type, const char *name, kafkac_acl_pattern_t pattern,
                         const char *principal, const char *host, kafkac_acl_operation_t op,
                         kafkac_acl_permission_t perm)
{
    kafkac_acl_t *a = kafkac_acl_new(type, name, pattern, principal, host, op, perm);
    assert_non_null(a);
    return a;
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
    kafkac_acl_t *acls[3] = {
        acl(KAFKAC_RESOURCE_TOPIC, topic, KAFKAC_ACL_PATTERN_LITERAL, "User:alice", "*", KAFKAC_ACL_OP_READ,
            KAFKAC_ACL_PERMISSION_ALLOW),
        acl(KAFKAC_RESOURCE_GROUP, group, KAFKAC_ACL_PATTERN_PREFIXED, "User:bob", "10.0.0.1", KAFKAC_ACL_OP_DESCRIBE,
            KAFKAC_ACL_PERMISSION_DENY),
        /* A principal without its type is refused, alone. */
        acl(KAFKAC_RESOURCE_TOPIC, topic, KAFKAC_ACL_PATTERN_LITERAL, "carol", "*", KAFKAC_ACL_OP_WRITE,
            KAFKAC_ACL_PERMISSION_ALLOW),
    };
    /* The handle keeps copies and reads back what it was given. */
    assert_int_equal(kafkac_acl_resource_type(acls[1]), KAFKAC_RESOURCE_GROUP);
    assert_string_equal(kafkac_acl_resource_name(acls[1]), group);
    assert_true(kafkac_acl_resource_name(acls[1]) != group);
    assert_int_equal(kafkac_acl_pattern(acls[1]), KAFKAC_ACL_PATTERN_PREFIXED);
    assert_string_equal(kafkac_acl_principal(acls[1]), "User:bob");
    assert_string_equal(kafkac_acl_host(acls[1]), "10.0.0.1");
    assert_int_equal(kafkac_acl_operation(acls[1]), KAFKAC_ACL_OP_DESCRIBE);
    assert_int_equal(kafkac_acl_permission(acls[1]), KAFKAC_ACL_PERMISSION_DENY);
    kafkac_admin_result_t *r;
    kafkac_err_t rc = kafkac_admin_create_acls(adm, (const kafkac_acl_t *const *)acls, 3, 30000, &r, err, sizeof err);
    if (rc)
        fail_msg("create_acls: %s: %s", kafkac_err_name(rc), err);
    expect_ok(r, 0);
    expect_ok(r, 1);
    if (kafkac_admin_result_error(r, 2) == KAFKAC_OK)
        fail_msg("an ACL for principal 'carol' (no type) was accepted");
    assert_true(*kafkac_admin_result_message(r, 2));
    kafkac_admin_result_destroy(r);

    /* Listed: by a filter on the topic, and in the full list. */
    kafkac_acl_t *by_topic = acl(KAFKAC_RESOURCE_TOPIC, topic, 0, NULL, NULL, 0, 0);
    assert_null(kafkac_acl_principal(by_topic));   /* NULL stays NULL: match any */
    kafkac_acl_list_t *l = NULL;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(kafkac_admin_describe_acls(adm, by_topic, 15000, &l, err, sizeof err), KAFKAC_OK);
        if (kafkac_acl_list_count(l) >= 1)
            break;
        kafkac_acl_list_destroy(l);
        l = NULL;
        sleep_ms(100);
    }
    assert_non_null(l);
    assert_int_equal(kafkac_acl_list_count(l), 1);
    assert_int_equal(count_matching(l, acls[0]), 1);
    assert_null(kafkac_acl_list_get(l, 1));
    kafkac_acl_list_destroy(l);
    kafkac_acl_destroy(by_topic);
    assert_int_equal(kafkac_admin_describe_acls(adm, NULL, 15000, &l, err, sizeof err), KAFKAC_OK);
    assert_int_equal(count_matching(l, acls[0]), 1);
    assert_int_equal(count_matching(l, acls[1]), 1);
    kafkac_acl_list_destroy(l);

    /* Delete by filters: each deleted ACL comes back. */
    kafkac_acl_t *filters[2] = {
        acl(KAFKAC_RESOURCE_TOPIC, topic, 0, "User:alice", NULL, 0, 0),
        acl(KAFKAC_RESOURCE_GROUP, group, KAFKAC_ACL_PATTERN_PREFIXED, NULL, NULL, 0, 0),
    };
    rc = kafkac_admin_delete_acls(adm, (const kafkac_acl_t *const *)filters, 2, 15000, &l, err, sizeof err);
    kafkac_acl_destroy(filters[0]);
    kafkac_acl_destroy(filters[1]);
    if (rc)
        fail_msg("delete_acls: %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kafkac_acl_list_count(l), 2);
    assert_int_equal(count_matching(l, acls[0]), 1);
    assert_int_equal(count_matching(l, acls[1]), 1);
    kafkac_acl_list_destroy(l);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(kafkac_admin_describe_acls(adm, NULL, 15000, &l, err, sizeof err), KAFKAC_OK);
        int left = count_matching(l, acls[0]) + count_matching(l, acls[1]);
        kafkac_acl_list_destroy(l);
        if (!left)
            break;
        if (i == 99)
            fail_msg("deleted ACLs: expected none listed, still got %d", left);
        sleep_ms(100);
    }
    for (int i = 0; i < 3; i++)
        kafkac_acl_destroy(acls[i]);
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

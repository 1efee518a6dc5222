/* SCRAM credentials through the admin client (KIP-554), against the
 * secured node's PLAINTEXT listener: alice (made at format time) has both
 * mechanisms; a new user is added, described, logs in with the password we
 * salted (proved by a peer that shares none of our code: kafka-python's
 * SCRAM client, on the SASL_PLAINTEXT listener), is deleted, and is then
 * unknown; our own SASL client logs in with it too.  Also the broker's refusals: too few iterations, deleting what
 * does not exist, describing an unknown user.
 *
 * kafka-python rather than kcat is the peer: the kcat here is built on
 * librdkafka 2.0.2, whose SCRAM client Kafka 4.x refuses (it repeats the
 * client nonce in client-final-message; fixed in librdkafka 2.6.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/testenv.h"
#include "itest_admin_util.h"

static char user_bob[64];

static void unique_user(char *buf, size_t n, const char *prefix)
{
    snprintf(buf, n, "%s-%ld-%lld", prefix, (long)getpid(), (long long)kc_test_now_ms());
}

static kafkac_scram_users_t *describe(kafkac_admin_t *adm, const char *const *users, int n)
{
    char err[512];
    kafkac_scram_users_t *u = NULL;
    kafkac_err_t rc = kafkac_admin_describe_user_scram_credentials(adm, users, n, 30000, &u, err, sizeof err);
    if (rc)
        fail_msg("describe_user_scram_credentials: %s: %s", kafkac_err_name(rc), err);
    assert_non_null(u);
    return u;
}

/* Iterations of user's credential for mech, 0 if it has none. */
static int32_t iterations_of(const kafkac_scram_users_t *u, const char *user, kafkac_scram_mechanism_t mech)
{
    const kafkac_scram_user_t *s = kafkac_scram_users_find(u, user);
    for (int j = 0; j < kafkac_scram_user_credential_count(s); j++)
        if (kafkac_scram_user_mechanism(s, j) == mech)
            return kafkac_scram_user_iterations(s, j);
    return 0;
}

static kafkac_scram_alteration_t *upsertion(const char *user, kafkac_scram_mechanism_t mech, int32_t iterations,
                                            const char *password)
{
    kafkac_scram_alteration_t *a = kafkac_scram_upsertion_new(user, mech, iterations, password);
    assert_non_null(a);
    return a;
}

static kafkac_scram_alteration_t *deletion(const char *user, kafkac_scram_mechanism_t mech)
{
    kafkac_scram_alteration_t *a = kafkac_scram_deletion_new(user, mech);
    assert_non_null(a);
    return a;
}

static kafkac_admin_result_t *alter(kafkac_admin_t *adm, kafkac_scram_alteration_t *const *a, int n)
{
    char err[512];
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_alter_user_scram_credentials(adm, (const kafkac_scram_alteration_t *const *)a, n,
                                                                30000, &r, err, sizeof err);
    if (rc)
        fail_msg("alter_user_scram_credentials: %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kafkac_admin_result_count(r), n);
    return r;
}

/* Logs in to the SASL_PLAINTEXT listener with kafka-python and lists the
 * topics; 0 on success. */
static int peer_login(const char *mech, const char *user, const char *password)
{
    return kc_test_sh("/usr/bin/python3 -c \"from kafka import KafkaAdminClient\n"
                      "a = KafkaAdminClient(bootstrap_servers='%s', security_protocol='SASL_PLAINTEXT',"
                      " sasl_mechanism='%s', sasl_plain_username='%s', sasl_plain_password='%s',"
                      " request_timeout_ms=10000)\n"
                      "a.list_topics()\n"
                      "a.close()\" >/dev/null 2>&1",
                      kc_test_sec_addr("SASL_PLAINTEXT"), mech, user, password);
}

/* Logs in to the SASL_PLAINTEXT listener with our admin client and
 * describes the cluster; returns the call's error. */
static kafkac_err_t own_login(const char *mech, const char *user, const char *password)
{
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    if (kafkac_conf_set(conf, "bootstrap.servers", kc_test_sec_addr("SASL_PLAINTEXT"), err, sizeof err) ||
        kafkac_conf_set(conf, "security.protocol", "sasl_plaintext", err, sizeof err) ||
        kafkac_conf_set(conf, "sasl.mechanism", mech, err, sizeof err) ||
        kafkac_conf_set(conf, "sasl.username", user, err, sizeof err) ||
        kafkac_conf_set(conf, "sasl.password", password, err, sizeof err))
        fail_msg("conf: %s", err);
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!adm)
        fail_msg("kafkac_admin_new: %s", err);
    kafkac_cluster_desc_t *d = NULL;
    kafkac_err_t rc = kafkac_admin_describe_cluster(adm, 10000, &d, err, sizeof err);
    if (rc && rc != KAFKAC_ERR_SASL_AUTHENTICATION_FAILED)
        fail_msg("describe_cluster as %s (%s): %s: %s", user, mech, kafkac_err_name(rc), err);
    kafkac_cluster_desc_destroy(d);
    kafkac_admin_destroy(adm);
    return rc;
}

/* The broker applies a credential change to its login cache a moment
 * after the controller committed it: retry the login for up to 10 s. */
static int peer_login_eventually(const char *mech, const char *user, const char *password, int want_ok)
{
    int64_t deadline = kc_test_now_ms() + 10000;
    for (;;) {
        int ok = peer_login(mech, user, password) == 0;
        if (ok == want_ok || kc_test_now_ms() > deadline)
            return ok;
        sleep_ms(300);
    }
}

static void alice_from_format_has_both_mechanisms(void **state)
{
    (void)state;
    kafkac_admin_t *adm = admin_for(kc_test_sec_addr("PLAINTEXT"));
    const char *alice = "alice";
    kafkac_scram_users_t *u = describe(adm, &alice, 1);
    assert_int_equal(kafkac_scram_users_count(u), 1);
    const kafkac_scram_user_t *s = kafkac_scram_users_get(u, 0);
    assert_string_equal(kafkac_scram_user_name(s), "alice");
    kafkac_err_t e = kafkac_scram_user_error(s);
    if (e)
        fail_msg("alice: %s: %s", kafkac_err_name(e), kafkac_scram_user_message(s));
    assert_string_equal(kafkac_scram_user_message(s), "");
    assert_int_equal(kafkac_scram_user_credential_count(s), 2);
    assert_int_equal(kafkac_scram_user_mechanism(s, 2), KAFKAC_SCRAM_UNKNOWN);   /* out of range */
    assert_null(kafkac_scram_users_get(u, 1));
    assert_int_equal(iterations_of(u, "alice", KAFKAC_SCRAM_SHA_256), 4096);
    assert_int_equal(iterations_of(u, "alice", KAFKAC_SCRAM_SHA_512), 4096);
    kafkac_scram_users_destroy(u);

    /* Every user: alice is among them. */
    u = describe(adm, NULL, 0);
    assert_non_null(kafkac_scram_users_find(u, "alice"));
    assert_null(kafkac_scram_users_find(u, "nobody-has-this-name"));
    kafkac_scram_users_destroy(u);
    kafkac_admin_destroy(adm);
}

static void added_user_logs_in_then_is_deleted(void **state)
{
    (void)state;
    unique_user(user_bob, sizeof user_bob, "bob");
    kafkac_admin_t *adm = admin_for(kc_test_sec_addr("PLAINTEXT"));

    /* Before: unknown, and the peer cannot log in. */
    const char *bob = user_bob;
    kafkac_scram_users_t *u = describe(adm, &bob, 1);
    kafkac_err_t e = kafkac_scram_user_error(kafkac_scram_users_get(u, 0));
    assert_int_equal(e, KAFKAC_ERR_RESOURCE_NOT_FOUND);
    assert_true(*kafkac_scram_user_message(kafkac_scram_users_get(u, 0)));
    kafkac_scram_users_destroy(u);

    /* One change per user and request (see the header): two calls.  The
     * password is hashed when the handle is made; the caller's copy may be
     * wiped at once. */
    char pw[] = "bob-secret";
    kafkac_scram_alteration_t *set[] = {
        upsertion(user_bob, KAFKAC_SCRAM_SHA_256, 0, pw),
        upsertion(user_bob, KAFKAC_SCRAM_SHA_512, 8192, pw),
    };
    memset(pw, 'x', sizeof pw - 1);
    for (int i = 0; i < 2; i++) {
        kafkac_admin_result_t *r = alter(adm, &set[i], 1);
        expect_ok(r, 0);
        assert_string_equal(kafkac_admin_result_name(r, 0), user_bob);
        kafkac_admin_result_destroy(r);
        kafkac_scram_alteration_destroy(set[i]);
    }

    u = describe(adm, &bob, 1);
    assert_int_equal(iterations_of(u, user_bob, KAFKAC_SCRAM_SHA_256), 4096);
    assert_int_equal(iterations_of(u, user_bob, KAFKAC_SCRAM_SHA_512), 8192);
    kafkac_scram_users_destroy(u);

    /* Our salted password is what the broker checks logins against. */
    if (!peer_login_eventually("SCRAM-SHA-256", user_bob, "bob-secret", 1))
        fail_msg("kafka-python could not log in as %s with SCRAM-SHA-256 after our upsert", user_bob);
    if (!peer_login_eventually("SCRAM-SHA-512", user_bob, "bob-secret", 1))
        fail_msg("kafka-python could not log in as %s with SCRAM-SHA-512 after our upsert", user_bob);
    if (peer_login("SCRAM-SHA-256", user_bob, "not-bobs") == 0)
        fail_msg("a wrong password logged in as %s", user_bob);
    /* And our own SASL client, with both mechanisms. */
    assert_int_equal(own_login("SCRAM-SHA-256", user_bob, "bob-secret"), KAFKAC_OK);
    assert_int_equal(own_login("SCRAM-SHA-512", user_bob, "bob-secret"), KAFKAC_OK);
    assert_int_equal(own_login("SCRAM-SHA-512", user_bob, "not-bobs"), KAFKAC_ERR_SASL_AUTHENTICATION_FAILED);

    kafkac_scram_alteration_t *del[] = { deletion(user_bob, KAFKAC_SCRAM_SHA_256),
                                         deletion(user_bob, KAFKAC_SCRAM_SHA_512) };
    /* Both in one request: the controller refuses the pair, and applies neither. */
    kafkac_admin_result_t *r = alter(adm, del, 2);
    expect_err(r, 0, KAFKAC_ERR_DUPLICATE_RESOURCE);
    expect_err(r, 1, KAFKAC_ERR_DUPLICATE_RESOURCE);
    kafkac_admin_result_destroy(r);
    for (int i = 0; i < 2; i++) {
        r = alter(adm, &del[i], 1);
        expect_ok(r, 0);
        kafkac_admin_result_destroy(r);
    }

    kafkac_scram_alteration_destroy(del[0]);
    kafkac_scram_alteration_destroy(del[1]);
    u = describe(adm, &bob, 1);
    e = kafkac_scram_user_error(kafkac_scram_users_get(u, 0));
    if (e != KAFKAC_ERR_RESOURCE_NOT_FOUND)
        fail_msg("after delete: expected RESOURCE_NOT_FOUND for %s, got %s: %s", user_bob, kafkac_err_name(e),
                 kafkac_scram_user_message(kafkac_scram_users_get(u, 0)));
    kafkac_scram_users_destroy(u);
    if (peer_login_eventually("SCRAM-SHA-256", user_bob, "bob-secret", 0))
        fail_msg("%s still logs in after its credentials were deleted", user_bob);
    kafkac_admin_destroy(adm);
}

static void broker_refusals_reach_the_entries(void **state)
{
    (void)state;
    char carol[64], dave[64];
    unique_user(carol, sizeof carol, "carol");
    unique_user(dave, sizeof dave, "dave");
    kafkac_admin_t *adm = admin_for(kc_test_sec_addr("PLAINTEXT"));
    kafkac_scram_alteration_t *a[] = {
        upsertion(carol, KAFKAC_SCRAM_SHA_256, 100, "x"),   /* below Kafka's minimum of 4096 */
        deletion(dave, KAFKAC_SCRAM_SHA_512),               /* nothing to delete */
    };
    kafkac_admin_result_t *r = alter(adm, a, 2);
    expect_err(r, 0, KAFKAC_ERR_UNACCEPTABLE_CREDENTIAL);
    expect_err(r, 1, KAFKAC_ERR_RESOURCE_NOT_FOUND);
    assert_string_equal(kafkac_admin_result_name(r, 1), dave);
    kafkac_admin_result_destroy(r);
    kafkac_scram_alteration_destroy(a[0]);

    /* Bad arguments never reach the broker: the constructors refuse them,
     * and the call refuses a NULL handle. */
    assert_null(kafkac_scram_upsertion_new(carol, KAFKAC_SCRAM_UNKNOWN, 0, "x"));
    assert_null(kafkac_scram_upsertion_new(carol, KAFKAC_SCRAM_SHA_256, 0, NULL));
    assert_null(kafkac_scram_upsertion_new("", KAFKAC_SCRAM_SHA_256, 0, "x"));
    assert_null(kafkac_scram_deletion_new(NULL, KAFKAC_SCRAM_SHA_256));
    assert_null(kafkac_scram_deletion_new(dave, 3));
    char err[256] = "";
    a[0] = NULL;
    r = NULL;
    assert_int_equal(kafkac_admin_alter_user_scram_credentials(adm, (const kafkac_scram_alteration_t *const *)a, 2,
                                                               5000, &r, err, sizeof err),
                     KAFKAC_ERR_INVALID_ARG);
    assert_null(r);
    assert_non_null(strstr(err, "alteration 0 is NULL"));
    kafkac_scram_alteration_destroy(a[1]);
    kafkac_admin_destroy(adm);
}

static void mechanism_names(void **state)
{
    (void)state;
    assert_string_equal(kafkac_scram_mechanism_name(KAFKAC_SCRAM_SHA_256), "SCRAM-SHA-256");
    assert_string_equal(kafkac_scram_mechanism_name(KAFKAC_SCRAM_SHA_512), "SCRAM-SHA-512");
    assert_string_equal(kafkac_scram_mechanism_name(7), "UNKNOWN");
    assert_int_equal(kafkac_scram_mechanism_parse("scram-sha-512"), KAFKAC_SCRAM_SHA_512);
    assert_int_equal(kafkac_scram_mechanism_parse("PLAIN"), KAFKAC_SCRAM_UNKNOWN);
    assert_int_equal(kafkac_scram_mechanism_parse(NULL), KAFKAC_SCRAM_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mechanism_names),
        cmocka_unit_test(alice_from_format_has_both_mechanisms),
        cmocka_unit_test(added_user_logs_in_then_is_deleted),
        cmocka_unit_test(broker_refusals_reach_the_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

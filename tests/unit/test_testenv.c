/* The test helpers themselves: environment overrides, unique topic names,
 * and exit statuses from the shell helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/testenv.h"

static void brokers_follow_environment(void **state)
{
    (void)state;
    setenv("KAFKAC_TEST_BROKERS", "10.1.2.3:9092", 1);
    assert_string_equal(kc_test_brokers(), "10.1.2.3:9092");
    unsetenv("KAFKAC_TEST_BROKERS");
    assert_string_equal(kc_test_brokers(), "127.0.0.1:31092");
    /* An empty value means "not set", not "no brokers". */
    setenv("KAFKAC_TEST_CLUSTER_BROKERS", "", 1);
    assert_string_equal(kc_test_cluster_brokers(),
                        "127.0.0.1:31192,127.0.0.1:31292,127.0.0.1:31392");
    setenv("KAFKAC_TEST_CLUSTER_BROKERS", "h1:1,h2:2", 1);
    assert_string_equal(kc_test_cluster_brokers(), "h1:1,h2:2");
    unsetenv("KAFKAC_TEST_CLUSTER_BROKERS");
}

static void topic_names_are_unique_and_legal(void **state)
{
    (void)state;
    char a[128], b[128];
    assert_non_null(kc_test_topic(a, sizeof a, "produce"));
    assert_non_null(kc_test_topic(b, sizeof b, "produce"));
    assert_string_not_equal(a, b);
    assert_int_equal(strncmp(a, "produce-", 8), 0);
    assert_true(strlen(a) <= 249); /* Kafka's topic name limit */
    for (const char *p = a; *p; p++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p));
}

static void topic_name_that_does_not_fit_is_refused(void **state)
{
    (void)state;
    char small[8];
    assert_null(kc_test_topic(small, sizeof small, "a-long-prefix"));
}

static void shell_status_is_returned(void **state)
{
    (void)state;
    assert_int_equal(kc_test_sh("true"), 0);
    assert_int_equal(kc_test_sh("exit %d", 3), 3);
    assert_int_equal(kc_test_sh("kill -9 $$"), 128 + 9);
    assert_int_equal(kc_test_sh("no-such-command-kc 2>/dev/null"), 127);
}

/* The tests' deadlines: a sleep of 50 ms moves the clock by at least
 * that, and by less than a second even on a loaded machine. */
static void clock_is_monotonic_milliseconds(void **state)
{
    (void)state;
    int64_t t0 = kc_test_now_ms();
    usleep(50 * 1000);
    int64_t t1 = kc_test_now_ms();
    assert_in_range(t1 - t0, 50, 999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(brokers_follow_environment),
        cmocka_unit_test(topic_names_are_unique_and_legal),
        cmocka_unit_test(topic_name_that_does_not_fit_is_refused),
        cmocka_unit_test(shell_status_is_returned),
        cmocka_unit_test(clock_is_monotonic_milliseconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

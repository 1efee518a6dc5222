/* The test helpers themselves: environment overrides, unique topic names,
 * and exit statuses from the shell helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/wait.h>
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

static void secured_listeners_follow_environment(void **state)
{
    (void)state;
    char path[256];
    setenv("KAFKAC_TEST_SEC_SASL_SSL", "127.0.0.1:16596", 1);
    setenv("KAFKAC_TEST_SEC_CERTS", "/tmp/certs", 1);
    assert_string_equal(kc_test_sec_addr("SASL_SSL"), "127.0.0.1:16596");
    assert_string_equal(kc_test_sec_certs(), "/tmp/certs");
    assert_string_equal(kc_test_sec_file(path, sizeof path, "ca.pem"), "/tmp/certs/ca.pem");
    unsetenv("KAFKAC_TEST_SEC_SASL_SSL");
    unsetenv("KAFKAC_TEST_SEC_CERTS");
}

static void secured_listener_unset(void **state)
{
    (void)state;
    unsetenv("KAFKAC_TEST_SEC_MTLS");
    kc_test_sec_addr("MTLS");
    fail_msg("kc_test_sec_addr returned although KAFKAC_TEST_SEC_MTLS is unset");
}

/* A test whose secured broker is missing fails (never skips), and its
 * message names the variable.  Run in a child with its own cmocka group,
 * whose output we read. */
static void missing_secured_listener_fails_the_test(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        const struct CMUnitTest inner[] = { cmocka_unit_test(secured_listener_unset) };
        _exit(cmocka_run_group_tests(inner, NULL, NULL) == 0 ? 0 : 1);
    }
    close(fds[1]);
    char out[8192];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof out - 1 && (n = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = 0;
    close(fds[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    if (!strstr(out, "KAFKAC_TEST_SEC_MTLS is not set") || !strstr(out, "scripts/kafka.sh start secure"))
        fail_msg("expected the failure to name KAFKAC_TEST_SEC_MTLS and how to start the broker; got:\n%s", out);
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
        cmocka_unit_test(secured_listeners_follow_environment),
        cmocka_unit_test(missing_secured_listener_fails_the_test),
        cmocka_unit_test(topic_names_are_unique_and_legal),
        cmocka_unit_test(topic_name_that_does_not_fit_is_refused),
        cmocka_unit_test(shell_status_is_returned),
        cmocka_unit_test(clock_is_monotonic_milliseconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Hang the test broker: SIGSTOP the process listening on the first port
 * of KAFKAC_TEST_BROKERS (found with `ss -ltnp`), and SIGCONT it again.
 * Header-only, for the deadline tests (itest_*_deadlines.c).  Register
 * its_resume_broker as the teardown of every test that stops the broker,
 * so that a failing assertion never leaves it stopped. */
#ifndef ITEST_SIGSTOP_H
#define ITEST_SIGSTOP_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/testenv.h"

static pid_t its_broker_pid;

/* Call once from main, before the tests. */
static void its_find_broker(void)
{
    char first[256];
    snprintf(first, sizeof first, "%s", kc_test_brokers());
    first[strcspn(first, ",")] = '\0';
    const char *colon = strrchr(first, ':');
    if (!colon)
        return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ss -Hltnp 'sport = :%s' 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2",
             colon + 1);
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    pclose(f);
    its_broker_pid = (pid_t)pid;
}

static void its_broker_stop(void)
{
    if (its_broker_pid <= 0)
        fail_msg("no broker process found listening on %s (ss -ltnp)", kc_test_brokers());
    assert_int_equal(kill(its_broker_pid, SIGSTOP), 0);
    kc_test_wait_stopped(its_broker_pid);
}

static int its_resume_broker(void **state)
{
    (void)state;
    if (its_broker_pid > 0) {
        kill(its_broker_pid, SIGCONT);
        kc_test_wait_serving(kc_test_brokers());
    }
    return 0;
}

#endif

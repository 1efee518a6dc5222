/* Test environment helpers; see testenv.h. */
#include "common/testenv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

const char *kc_test_brokers(void)
{
    return env_or("KAFKAC_TEST_BROKERS", "127.0.0.1:31092");
}

const char *kc_test_cluster_brokers(void)
{
    return env_or("KAFKAC_TEST_CLUSTER_BROKERS",
                  "127.0.0.1:31192,127.0.0.1:31292,127.0.0.1:31392");
}

/* A missing variable means the secured node was not started (or its start
 * failed: tests/run.sh then leaves the variables unset and says why). */
static const char *sec_env(const char *var)
{
    const char *v = getenv(var);
    if (!v || !*v)
        fail_msg("%s is not set: this test needs the secured broker. Start it with "
                 "`scripts/kafka.sh start secure` and export its listeners with "
                 "`eval \"$(scripts/kafka.sh env secure)\"` (same KAFKA_VERSION and "
                 "KAFKAC_KAFKA_PORT_BASE); tests/run.sh does both", var);
    return v;
}

const char *kc_test_sec_addr(const char *listener)
{
    char var[64];
    int n = snprintf(var, sizeof var, "KAFKAC_TEST_SEC_%s", listener);
    if (n < 0 || (size_t)n >= sizeof var)
        fail_msg("kc_test_sec_addr: listener name '%s' too long", listener);
    return sec_env(var);
}

const char *kc_test_sec_certs(void)
{
    return sec_env("KAFKAC_TEST_SEC_CERTS");
}

const char *kc_test_sec_file(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", kc_test_sec_certs(), name);
    if (n < 0 || (size_t)n >= size)
        fail_msg("kc_test_sec_file: path of %s does not fit in %zu bytes", name, size);
    return buf;
}

char *kc_test_topic(char *buf, size_t size, const char *prefix)
{
    /* The counter separates names made within one microsecond; the pid
     * separates test binaries running at the same time. */
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long us = (unsigned long long)ts.tv_sec * 1000000ull +
                            (unsigned long long)ts.tv_nsec / 1000u;
    int n = snprintf(buf, size, "%s-%ld-%llu-%u", prefix ? prefix : "kc",
                     (long)getpid(), us, counter++);
    if (n < 0 || (size_t)n >= size)
        return NULL;
    return buf;
}

int64_t kc_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_shell(const char *cmd)
{
    fflush(NULL); /* so our buffered output stays in order with the child's */
    int st = system(cmd);
    if (st == -1)
        return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int kc_test_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return run_shell(cmd);
}

int kc_test_kafka(const char *args)
{
    return kc_test_sh("'%s/scripts/kafka.sh' %s",
                      env_or("KAFKAC_SRC_DIR", "."), args ? args : "");
}

int kc_test_create_topic(const char *brokers, const char *topic, int partitions, int rf, const char *configs)
{
    /* Under a time limit: kafka-python's admin client can wait for ever
     * for a controller (a KRaft broker fenced after SIGSTOP shows none). */
    int rc = kc_test_sh("timeout -k 5 60 /usr/bin/python3 -c \"from kafka.admin import KafkaAdminClient, NewTopic\n"
                        "a = KafkaAdminClient(bootstrap_servers='%s'.split(','), request_timeout_ms=30000)\n"
                        "a.create_topics([NewTopic('%s', %d, %d, topic_configs=%s)])\n"
                        "a.close()\" >/dev/null 2>&1",
                        brokers, topic, partitions, rf, configs ? configs : "{}");
    usleep(500 * 1000);
    return rc;
}

/* kill(SIGSTOP) only queues the signal: a JVM thread already running may
 * answer one more request before it stops.  Wait (3 s at most) until
 * every thread of pid is in state T (stopped), so a test that hangs the
 * broker knows it is hung. */
void kc_test_wait_stopped(pid_t pid)
{
    for (int i = 0; i < 300; i++) {
        char cmd[160];
        /* The state is the field after the name, which is in parentheses
         * and may hold spaces ("VM Thread"): read it after the last ')'.
         * One awk over every thread, not one per thread. */
        snprintf(cmd, sizeof cmd,
                 "awk '{ sub(/.*\\) /, \"\"); print $1 }' /proc/%d/task/*/stat 2>/dev/null | grep -qv '^[Tt]$'",
                 (int)pid);
        if (kc_test_sh("%s", cmd) != 0)   /* no thread left that is not stopped */
            return;
        usleep(10 * 1000);
    }
}

/* A KRaft broker held with SIGSTOP for longer than its heartbeat interval
 * is fenced by its controller and refuses to create topics ("All brokers
 * are currently fenced") until it has heartbeated again, a few seconds
 * after SIGCONT.  Wait (60 s at most; a loaded machine is slow to bring
 * it back) until a probe topic can be created, so the next test starts on
 * a serving broker.  Each probe runs under a time limit of its own: the
 * admin client can wait for ever for a controller. */
void kc_test_wait_serving(const char *brokers)
{
    static int n;
    int64_t until = kc_test_now_ms() + 60000;
    while (kc_test_now_ms() < until) {
        char topic[96];
        snprintf(topic, sizeof topic, "kafkac-serving-probe-%d-%d", (int)getpid(), n++);
        int rc = kc_test_sh("timeout -k 2 10 /usr/bin/python3 -c \"from kafka.admin import KafkaAdminClient, NewTopic\n"
                            "a = KafkaAdminClient(bootstrap_servers='%s'.split(','), request_timeout_ms=5000)\n"
                            "r = a.create_topics([NewTopic('%s', 1, 1)])\n"
                            "a.close()\n"
                            "raise SystemExit(1 if any(e[1] for e in r.topic_errors) else 0)\" >/dev/null 2>&1",
                            brokers, topic);
        if (rc == 0)
            return;
        usleep(500 * 1000);
    }
}

/* Interop: a libkafkac member and a librdkafka member (kcat -G, a process
 * of its own) in one group with the same assignor split the partitions
 * between them: each record produced after the split is consumed by
 * exactly the member that owns its partition, and together they cover
 * the topic.  Once with librdkafka as the group leader (range), once with
 * libkafkac as the leader (cooperative-sticky, KIP-429 on both sides), and
 * once with roundrobin.  (librdkafka 2.0 has no eager "sticky" assignor;
 * its user data layout is checked against Java's bytes in
 * test_consumer_protocol.c instead.) */
#include "itest_group_util.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define NP 6

/* Starts kcat -G in the background; returns its pid.  Everything is
 * prepared before fork(): this process may have threads by then, so the
 * child only calls async-signal-safe functions before exec. */
static pid_t start_kcat(const char *group, const char *topic, const char *assignor, const char *out,
                        const char *errlog)
{
    char strategy[128];
    snprintf(strategy, sizeof strategy, "partition.assignment.strategy=%s", assignor);
    char *const argv[] = {"kcat", "-b", (char *)kc_test_brokers(), "-G", (char *)group, "-X", strategy,
                          "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-o", "beginning",
                          "-u", "-f", "%p %o\\n", (char *)topic, NULL};
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(ofd >= 0 && efd >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execvp("kcat", argv);
        _exit(127);
    }
    close(ofd);
    close(efd);
    return pid;
}

/* Partitions kcat printed records of (lines "P O"). */
static int kcat_partitions(const char *out, int *parts, int *records)
{
    FILE *f = fopen(out, "r");
    memset(parts, 0, NP * sizeof(int));
    *records = 0;
    if (!f)
        return 0;
    int p, n = 0;
    long long o;
    while (fscanf(f, "%d %lld", &p, &o) == 2)
        if (p >= 0 && p < NP) {
            n += !parts[p];
            parts[p] = 1;
            (*records)++;
        }
    fclose(f);
    return n;
}

static void run_split(const char *assignor, int kcat_first)
{
    char topic[128], group[128], out[256], errlog[256], kv[160];
    kc_test_topic(topic, sizeof topic, "interop");
    kc_test_topic(group, sizeof group, "ginterop");
    snprintf(out, sizeof out, "/tmp/%s.out", group);
    snprintf(errlog, sizeof errlog, "/tmp/%s.err", group);
    snprintf(kv, sizeof kv, "partition.assignment.strategy=%s", assignor);
    g_create_topic(topic, NP);

    static g_seen_t seen;
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.m, NULL);
    const char *extra[] = {kv, NULL};
    static g_member_t mb;
    fflush(NULL);
    pid_t kc = -1;
    if (kcat_first) {
        kc = start_kcat(group, topic, assignor, out, errlog);
        sleep(3);  /* let librdkafka form the group and lead it */
        g_member_start(&mb, "libkafkac", group, topic, extra, &seen, 0);
    } else {
        g_member_start(&mb, "libkafkac", group, topic, extra, &seen, 0);
        int o[G_MAXP];
        for (int64_t t0 = kc_test_now_ms(); g_owned(&mb, o) != NP && kc_test_now_ms() - t0 < 30000;)
            usleep(50000);
        assert_int_equal(g_owned(&mb, o), NP);
        kc = start_kcat(group, topic, assignor, out, errlog);
    }

    /* Wait for a split that has been stable for 2 s. */
    int o[G_MAXP], n = 0;
    int64_t t0 = kc_test_now_ms();
    for (;;) {
        n = g_owned(&mb, o);
        pthread_mutex_lock(&mb.m);
        int64_t quiet = kc_test_now_ms() - mb.last_change_ms;
        pthread_mutex_unlock(&mb.m);
        if (n == NP / 2 && quiet > 2000)
            break;
        if (kc_test_now_ms() - t0 > 40000) {
            kill(kc, SIGKILL);
            waitpid(kc, NULL, 0);
            fail_msg("%s: libkafkac owns %d partitions, want %d (see %s)", assignor, n, NP / 2, errlog);
        }
        usleep(100000);
    }

    /* Records written now go to whoever owns their partition. */
    g_produce(topic, NP, 1, 10);
    int kp[NP], krec = 0, ours = 0;
    for (t0 = kc_test_now_ms(); kc_test_now_ms() - t0 < 30000; usleep(200000)) {
        kcat_partitions(out, kp, &krec);
        pthread_mutex_lock(&mb.m);
        ours = mb.records;
        pthread_mutex_unlock(&mb.m);
        if (ours + krec >= NP * 10)
            break;
    }
    kill(kc, SIGTERM);
    waitpid(kc, NULL, 0);
    g_member_stop(&mb);

    char mine[64] = "", theirs[64] = "";
    size_t wm = 0, wt = 0;
    for (int p = 0; p < NP; p++) {
        int we = 0;
        for (int k = 0; k < G_MAXOFF; k++)
            we |= seen.count[p][k] > 0;
        if (we)
            wm += (size_t)snprintf(mine + wm, sizeof mine - wm, "%d ", p);
        if (kp[p])
            wt += (size_t)snprintf(theirs + wt, sizeof theirs - wt, "%d ", p);
        if (we == kp[p])
            fail_msg("%s: partition %d consumed by %s", assignor, p, we ? "both members" : "neither member");
        if (we != o[p])
            fail_msg("%s: partition %d consumed by libkafkac = %d but owned = %d", assignor, p, we, o[p]);
    }
    printf("# %s (%s leads): libkafkac consumed partitions %s(%d records), librdkafka %s(%d records)\n",
           assignor, kcat_first ? "librdkafka" : "libkafkac", mine, ours, theirs, krec);
    assert_int_equal(ours + krec, NP * 10);
    pthread_mutex_destroy(&seen.m);
    unlink(out);
    unlink(errlog);
}

static void test_range_librdkafka_leads(void **state)
{
    (void)state;
    run_split("range", 1);
}

static void test_cooperative_sticky_libkafkac_leads(void **state)
{
    (void)state;
    run_split("cooperative-sticky", 0);
}

static void test_roundrobin_librdkafka_leads(void **state)
{
    (void)state;
    run_split("roundrobin", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_librdkafka_leads),
        cmocka_unit_test(test_cooperative_sticky_libkafkac_leads),
        cmocka_unit_test(test_roundrobin_librdkafka_leads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

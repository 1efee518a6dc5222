/* Three consumers in one group over a 6-partition topic, against a real
 * broker: they own disjoint partitions that cover the topic; one leaves
 * (close) and one is killed (SIGKILL, a separate process), and their
 * partitions move to the others within the session timeout; a restarted
 * member takes its share again; and with commits after processing, every
 * produced record is processed at least once across all of it (counted),
 * and the group's committed offsets end at the end of every partition. */
#include "itest_group_util.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define NP 6
#define PER_ROUND 100

/* ---- the member that gets killed: a process of its own ---- */

static int child_fd = -1;

static void child_write(const char *s)
{
    size_t n = strlen(s);
    /* One write per line on an O_APPEND file: what was written survives
     * the SIGKILL. */
    if (write(child_fd, s, n) != (ssize_t)n)
        _exit(3);
}

static int child_owned[NP];

static void child_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev,
                            const kafkac_topic_partition_list_t *l, void *opaque)
{
    for (int i = 0; i < kafkac_tpl_count(l); i++)
        if (kafkac_tp_partition(kafkac_tpl_at(l, i)) >= 0 && kafkac_tp_partition(kafkac_tpl_at(l, i)) < NP)
            child_owned[kafkac_tp_partition(kafkac_tpl_at(l, i))] = ev == KAFKAC_REBALANCE_ASSIGNED;
    char line[64];
    int w = snprintf(line, sizeof line, "A");
    for (int p = 0; p < NP; p++)
        w += snprintf(line + w, sizeof line - (size_t)w, " %d", child_owned[p]);
    snprintf(line + w, sizeof line - (size_t)w, "\n");
    child_write(line);
}

static void child_main(const char *group, const char *topic, const char *path)
{
    alarm(150);  /* never outlive the test */
    child_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (child_fd < 0)
        _exit(2);
    char err[512];
    kafkac_conf_t *conf = kafkac_conf_new();
    kafkac_conf_set(conf, "bootstrap.servers", kc_test_brokers(), err, sizeof err);
    kafkac_conf_set(conf, "group.id", group, err, sizeof err);
    kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
    kafkac_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    kafkac_conf_set(conf, "session.timeout.ms", "6000", err, sizeof err);
    kafkac_conf_set(conf, "heartbeat.interval.ms", "500", err, sizeof err);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    if (!c)
        _exit(4);
    kafkac_consumer_set_rebalance_cb(c, child_rebalance, NULL);
    const char *t[] = {topic};
    if (kafkac_consumer_subscribe(c, t, 1, err, sizeof err) != 0)
        _exit(5);
    for (;;) {
        kafkac_records_t *b;
        if (kafkac_consumer_poll(c, 100, 0, &b, err, sizeof err) != 0)
            continue;
        for (int i = 0; i < kafkac_records_count(b); i++) {
            const kafkac_record_t *r = kafkac_records_at(b, i);
            char line[64];
            snprintf(line, sizeof line, "R %d %lld\n", (int)kafkac_record_partition(r),
                     (long long)kafkac_record_offset(r));
            child_write(line);
        }
        kafkac_records_destroy(b);
        kafkac_consumer_commit_sync(c, NULL, 10000, err, sizeof err);
    }
}

/* Reads the child's file: its last announced assignment into owned[], and
 * (when seen) the records it processed. */
static void child_read(const char *path, int *owned, g_seen_t *seen)
{
    FILE *f = fopen(path, "r");
    memset(owned, 0, NP * sizeof(int));
    if (!f)
        return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        int p;
        long long o;
        if (line[0] == 'A') {
            int v[NP];
            if (sscanf(line, "A %d %d %d %d %d %d", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == NP)
                memcpy(owned, v, sizeof v);
        } else if (seen && sscanf(line, "R %d %lld", &p, &o) == 2 && p >= 0 && p < NP && o >= 0 && o < G_MAXOFF) {
            seen->count[p][o]++;
        }
    }
    fclose(f);
}

/* Waits until the members (and the child, when alive) own disjoint sets
 * that cover all NP partitions, each with `want[i]` partitions.  Returns
 * the milliseconds it took. */
static int64_t wait_split(g_member_t **mb, int nm, const int *want, const char *child_path, int child_want,
                          int timeout_ms, const char *what)
{
    int64_t t0 = kc_test_now_ms();
    char desc[512];
    for (;;) {
        int cover[NP] = {0}, ok = 1;
        size_t w = 0;
        for (int i = 0; i < nm; i++) {
            int o[G_MAXP];
            int n = g_owned(mb[i], o);
            ok &= n == want[i];
            for (int p = 0; p < NP; p++)
                cover[p] += o[p];
            char s[64];
            g_owned_str(mb[i], s, sizeof s);
            w += (size_t)snprintf(desc + w, sizeof desc - w, "%s={%s} ", mb[i]->name, s);
        }
        if (child_path) {
            int o[NP], n = 0;
            child_read(child_path, o, NULL);
            for (int p = 0; p < NP; p++) {
                cover[p] += o[p];
                n += o[p];
            }
            ok &= n == child_want;
            w += (size_t)snprintf(desc + w, sizeof desc - w, "killable owns %d", n);
        }
        for (int p = 0; p < NP; p++)
            ok &= cover[p] == 1;
        if (ok) {
            printf("# %s: %s after %lld ms\n", what, desc, (long long)(kc_test_now_ms() - t0));
            return kc_test_now_ms() - t0;
        }
        if (kc_test_now_ms() - t0 > timeout_ms)
            fail_msg("%s: no disjoint covering split within %d ms: %s", what, timeout_ms, desc);
        usleep(100000);
    }
}

static void test_three_members_leave_kill_restart(void **state)
{
    (void)state;
    char topic[128], group[128], path[256];
    kc_test_topic(topic, sizeof topic, "grp3");
    kc_test_topic(group, sizeof group, "g3");
    snprintf(path, sizeof path, "/tmp/%s.child", group);
    unlink(path);
    g_create_topic(topic, NP);
    g_produce(topic, NP, 1, PER_ROUND);

    /* The process to be killed first, while this one has no threads. */
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        child_main(group, topic, path);

    static g_seen_t seen;
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.m, NULL);
    const char *extra[] = {"enable.auto.commit=false", NULL};
    static g_member_t m0, m1, m2;
    g_member_start(&m0, "m0", group, topic, extra, &seen, 1);
    g_member_start(&m1, "m1", group, topic, extra, &seen, 1);

    g_member_t *both[] = {&m0, &m1};
    wait_split(both, 2, (const int[]){2, 2}, path, 2, 40000, "three members");

    /* An orderly leave: its partitions move at once (LeaveGroup). */
    g_member_stop(&m1);
    g_member_t *one[] = {&m0};
    int64_t leave_ms = wait_split(one, 1, (const int[]){3}, path, 3, 20000, "after m1 closed");

    /* SIGKILL: no LeaveGroup; the broker notices after session.timeout.ms. */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    int64_t kill_ms = wait_split(one, 1, (const int[]){6}, NULL, 0, 6000 + 15000, "after the SIGKILL");
    printf("# partitions moved %lld ms after a close, %lld ms after a SIGKILL (session.timeout.ms 6000)\n",
           (long long)leave_ms, (long long)kill_ms);
    assert_true(kill_ms < 6000 + 15000);

    /* The killed consumer restarts as a new member and gets its share. */
    g_member_start(&m2, "m2", group, topic, extra, &seen, 1);
    g_member_t *two[] = {&m0, &m2};
    wait_split(two, 2, (const int[]){3, 3}, NULL, 0, 30000, "after the restart");

    g_produce(topic, NP, PER_ROUND + 1, PER_ROUND);
    int64_t t0 = kc_test_now_ms();
    int missing = 0, dups = 0;
    for (;;) {
        g_seen_t all;
        pthread_mutex_lock(&seen.m);
        memcpy(all.count, seen.count, sizeof all.count);
        pthread_mutex_unlock(&seen.m);
        int owned[NP];
        child_read(path, owned, &all);
        missing = dups = 0;
        for (int p = 0; p < NP; p++)
            for (int o = 0; o < 2 * PER_ROUND; o++) {
                missing += all.count[p][o] == 0;
                dups += all.count[p][o] > 1 ? all.count[p][o] - 1 : 0;
            }
        if (missing == 0 || kc_test_now_ms() - t0 > 30000)
            break;
        usleep(200000);
    }
    printf("# %d records produced, %d never processed, %d processed more than once\n", NP * 2 * PER_ROUND,
           missing, dups);
    assert_int_equal(missing, 0);

    g_member_stop(&m0);
    g_member_stop(&m2);

    /* Every partition's committed offset is its end: nothing left behind. */
    kafkac_consumer_t *c = g_consumer(group, NULL);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(NP);
    for (int p = 0; p < NP; p++)
        kafkac_tpl_add(l, topic, p);
    char err[512];
    assert_int_equal(kafkac_consumer_committed(c, l, 10000, err, sizeof err), 0);
    for (int p = 0; p < NP; p++)
        if (kafkac_tp_offset(kafkac_tpl_at(l, p)) != 2 * PER_ROUND)
            fail_msg("partition %d: committed %lld, want %d", p, (long long)kafkac_tp_offset(kafkac_tpl_at(l, p)), 2 * PER_ROUND);
    kafkac_tpl_destroy(l);
    kafkac_consumer_close(c, 5000);
    kafkac_consumer_destroy(c);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_members_leave_kill_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

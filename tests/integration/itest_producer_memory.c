/* The producer's memory follows the data and buffer.memory bounds it, at
 * 2,000 partitions against a real broker: keyed records spread over every
 * partition make thousands of small batches at once (linger.ms expires on
 * each with a handful of records), which is where memory used to run away
 * (every batch started at batch.size: 8x buffer.memory in RSS).
 *
 * What is measured is the process's peak resident memory (VmHWM, reset
 * through /proc/self/clear_refs once the producer is warm), so everything
 * the producer holds counts, not only what its own accounting sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/testenv.h"
#include "common/tsend.h"
#include "kafkac/kafkac.h"

static const char *B;

#define PARTITIONS 2000
#define RECORDS 200000
#define BUFFER_MEMORY (8 * 1024 * 1024)
/* What the producer may hold beyond buffer.memory: Produce requests being
 * written and read (one frame per connection, up to max.request.size),
 * per-partition state and the cluster metadata of 2,000 partitions, and
 * the allocator's own slack.  Measured at 2-6 MB; the bound leaves room
 * for a busy machine. */
#define FIXED_OVERHEAD (12 * 1024 * 1024)

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Makes VmHWM start again from the current RSS (Linux 4.0+). */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        fail_msg("cannot open /proc/self/clear_refs to reset the peak RSS");
    fputs("5", f);
    if (fclose(f) != 0)
        fail_msg("writing 5 to /proc/self/clear_refs failed");
}

static void count_cb(void *opaque, const kafkac_delivery_t *d)
{
    long *c = opaque;
    c[kafkac_delivery_err(d) == KAFKAC_OK ? 0 : 1]++;
}

static void test_rss_within_buffer_memory(void **state)
{
    (void)state;
    char topic[128];
    int64_t t0 = kc_now_ms();
    kc_test_topic(topic, sizeof topic, "prod-mem");
    assert_int_equal(kc_test_create_topic(B, topic, PARTITIONS, 1, NULL), 0);

    char err[512], bm[32];
    snprintf(bm, sizeof bm, "%d", BUFFER_MEMORY);
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", B, err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "buffer.memory", bm, err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "max.block.ms", "120000", err, sizeof err), 0);
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    assert_non_null(p);
    long counts[2] = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, count_cb, counts);

    /* Warm: one record per partition, so metadata, connections and every
     * partition's leader are known before the peak is measured. */
    for (int32_t i = 0; i < PARTITIONS; i++)
        assert_int_equal(kc_test_send_to(p, topic, i, NULL, -1, "w", 1, NULL), KAFKAC_OK);
    assert_int_equal(kafkac_producer_flush(p, 120000), KAFKAC_OK);
    assert_int_equal(counts[0], PARTITIONS);

    int64_t t1 = kc_now_ms();
    reset_peak();
    long base = status_kb("VmRSS");
    assert_true(base > 0);
    char key[32], value[100];
    memset(value, 'v', sizeof value);
    for (int i = 0; i < RECORDS; i++) {
        int kl = snprintf(key, sizeof key, "key-%d", i);
        kafkac_err_t e = kafkac_producer_send(p, topic, key, kl, value, sizeof value, NULL);
        if (e != KAFKAC_OK)
            fail_msg("send %d: %s", i, kafkac_err_name(e));
        if (i % 1000 == 0)
            kafkac_producer_poll(p, 0);
    }
    assert_int_equal(kafkac_producer_flush(p, 120000), KAFKAC_OK);
    long peak = status_kb("VmHWM");
    int64_t t2 = kc_now_ms();
    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    printf("itest_producer_memory: %d records to %d partitions: RSS %ld KB before, peak %ld KB (+%ld KB); "
           "buffer.memory %d KB, fixed allowance %d KB; %lld batches sent; set-up %lld ms, sends %lld ms\n",
           RECORDS, PARTITIONS, base, peak, peak - base, BUFFER_MEMORY / 1024, FIXED_OVERHEAD / 1024,
           (long long)m.batches_sent, (long long)(t1 - t0), (long long)(t2 - t1));
    assert_int_equal(counts[0], PARTITIONS + RECORDS);
    assert_int_equal(counts[1], 0);
    if ((peak - base) * 1024 > BUFFER_MEMORY + FIXED_OVERHEAD)
        fail_msg("peak RSS grew by %ld KB while sending, over buffer.memory (%d KB) + %d KB", peak - base,
                 BUFFER_MEMORY / 1024, FIXED_OVERHEAD / 1024);
    kafkac_producer_destroy(p);
}

int main(void)
{
    B = kc_test_brokers();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss_within_buffer_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* murmur2 and partition choice.  The expected hashes and partitions were
 * computed with Apache Kafka's own org.apache.kafka.common.utils.Utils
 * (kafka-clients 3.9.1): murmur2(bytes) and toPositive(h) % n, so a key
 * placed by libkafkac lands where the Java client (and kafka-python, and
 * librdkafka's murmur2_random) would put it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "producer/producer_int.h"

static const struct {
    const char *key;
    int32_t hash;    /* Utils.murmur2 */
    int32_t p7;      /* toPositive(hash) % 7 */
    int32_t p100;    /* toPositive(hash) % 100 */
} vec[] = {
    { "", 275646681, 2, 81 },
    { "a", -1563381124, 5, 24 },
    { "ab", 316155434, 0, 34 },
    { "abc", 479470107, 4, 7 },
    { "21", -973932308, 3, 40 },
    { "foobar", -790332482, 0, 66 },
    { "a-little-bit-long-string", -985981536, 1, 12 },
    { "a-little-bit-longer-string", -1486304829, 0, 19 },
    { "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 3, 77 },
    { "kafka", -798503068, 3, 80 },
    { "key-1234567", -1390243544, 5, 4 },
};

static void test_murmur2_java_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        size_t len = strlen(vec[i].key);
        int32_t h = kc_murmur2(vec[i].key, len);
        if (h != vec[i].hash)
            fail_msg("murmur2(\"%s\"): expected %d (Java), got %d", vec[i].key, vec[i].hash, h);
        assert_int_equal(kc_murmur2_partition(vec[i].key, len, 7), vec[i].p7);
        assert_int_equal(kc_murmur2_partition(vec[i].key, len, 100), vec[i].p100);
    }
}

static void test_murmur2_all_byte_values(void **state)
{
    (void)state;
    /* Bytes >= 0x80 are negative in Java: the hash must mask them to
     * 0..255 exactly as Java's (data[i] & 0xff) does. */
    uint8_t bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (uint8_t)i;
    assert_int_equal(kc_murmur2(bin, sizeof bin), -1948347274);
}

static void test_partition_always_in_range(void **state)
{
    (void)state;
    char key[32];
    for (int n = 1; n <= 64; n++) {
        for (int i = 0; i < 200; i++) {
            int l = snprintf(key, sizeof key, "k%d", i * 7919);
            int32_t p = kc_murmur2_partition(key, (size_t)l, n);
            assert_true(p >= 0 && p < n);
        }
    }
}

/* The strategies of the `partitioner` property, over a topic that needs
 * no network: a kc_ptopic_t built by hand. */
static void test_strategies(void **state)
{
    (void)state;
    kc_producer_t p;
    memset(&p, 0, sizeof p);
    kc_ptopic_t t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.partition_count = 7;
    atomic_init(&t.sticky, -1);
    atomic_init(&t.rr, 0);

    p.s.partitioner = KC_PARTITIONER_DEFAULT;
    assert_int_equal(kc_partition_choose(&p, &t, "abc", 3), 4);
    assert_int_equal(kc_partition_choose(&p, &t, NULL, -1), KC_PART_STICKY);
    /* An empty key is a key (hashes as ""), not a null key. */
    assert_int_equal(kc_partition_choose(&p, &t, "", 0), 2);
    p.s.partitioner_ignore_keys = true;
    assert_int_equal(kc_partition_choose(&p, &t, "abc", 3), KC_PART_STICKY);
    p.s.partitioner_ignore_keys = false;

    p.s.partitioner = KC_PARTITIONER_MURMUR2;
    assert_int_equal(kc_partition_choose(&p, &t, "foobar", 6), 0);
    assert_int_equal(kc_partition_choose(&p, &t, NULL, -1), 2);   /* all unkeyed: one partition */

    p.s.partitioner = KC_PARTITIONER_MURMUR2_RANDOM;
    assert_int_equal(kc_partition_choose(&p, &t, "kafka", 5), 3);
    int seen[7] = { 0 };
    for (int i = 0; i < 700; i++) {
        int32_t x = kc_partition_choose(&p, &t, NULL, -1);
        assert_true(x >= 0 && x < 7);
        seen[x]++;
    }
    for (int i = 0; i < 7; i++)
        assert_true(seen[i] > 0);

    p.s.partitioner = KC_PARTITIONER_ROUND_ROBIN;
    for (int i = 0; i < 14; i++)
        assert_int_equal(kc_partition_choose(&p, &t, "abc", 3), i % 7);

    p.s.partitioner = KC_PARTITIONER_STICKY;
    assert_int_equal(kc_partition_choose(&p, &t, "abc", 3), KC_PART_STICKY);
}

static int32_t always_five(void *opaque, const char *topic, const void *key, int32_t key_len, int32_t n)
{
    (void)topic;
    (void)key;
    (void)key_len;
    *(int *)opaque += 1;
    return n > 5 ? 5 : 0;
}

static void test_user_callback(void **state)
{
    (void)state;
    kc_producer_t p;
    memset(&p, 0, sizeof p);
    kc_ptopic_t t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.partition_count = 7;
    int calls = 0;
    p.part_cb = always_five;
    p.part_opaque = &calls;
    assert_int_equal(kc_partition_choose(&p, &t, "abc", 3), 5);
    assert_int_equal(kc_partition_choose(&p, &t, NULL, -1), 5);
    assert_int_equal(calls, 2);
}

static void test_random_avoids_current(void **state)
{
    (void)state;
    kc_ptopic_t t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.partition_count = 3;
    for (int i = 0; i < 300; i++) {
        int32_t x = kc_partition_random(&t, NULL, 1);
        assert_true(x == 0 || x == 2);
    }
    t.partition_count = 1;
    assert_int_equal(kc_partition_random(&t, NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur2_java_vectors),
        cmocka_unit_test(test_murmur2_all_byte_values),
        cmocka_unit_test(test_partition_always_in_range),
        cmocka_unit_test(test_strategies),
        cmocka_unit_test(test_user_callback),
        cmocka_unit_test(test_random_avoids_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

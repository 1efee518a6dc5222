/* Naming a broker's release from its ApiVersions maxima: each release's
 * own marker, and the boundaries between neighbours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "protocol/api_names.h"
#include "protocol/release.h"
#include "protocol/schema.h"

/* Maxima of a few APIs as the named releases report them (facts of the
 * protocol's history). -1 = API absent. */
typedef struct { int16_t key, max; } kv_t;

static const char *name(const kv_t *kv, size_t n)
{
    int16_t max[128];
    for (int i = 0; i < 128; i++)
        max[i] = -1;
    for (size_t i = 0; i < n; i++)
        max[kv[i].key] = kv[i].max;
    return kc_release_from_versions(max, 128);
}

#define NAME(arr) name(arr, sizeof(arr) / sizeof(arr[0]))

/* The codecs name their API as Kafka's table does, so that a probe and a
 * request log call one request by one name. */
static void test_codec_names_match_the_key_table(void **state)
{
    (void)state;
    int spoken = 0;
    for (int key = 0; key < 512; key++) {
        const kc_api_t *api = kc_api_get((int16_t)key);
        if (!api)
            continue;
        spoken++;
        const char *name = kc_api_key_name((int16_t)key);
        if (!name || strcmp(name, api->name) != 0)
            fail_msg("API key %d: codec says %s, the key table %s", key, api->name, name ? name : "nothing");
    }
    assert_true(spoken >= 30);
    assert_true(kc_api_key_name_count() >= 95);
    assert_null(kc_api_key_name(-1));
    assert_null(kc_api_key_name((int16_t)kc_api_key_name_count()));
    assert_string_equal(kc_api_key_name(78), "ShareFetch");
}

static void test_known_releases(void **state)
{
    /* key: 0 Produce, 1 Fetch, 2 ListOffsets, 3 Metadata, 9 OffsetFetch, 18 ApiVersions */
    kv_t k0100[] = { { 0, 2 }, { 1, 2 }, { 2, 0 }, { 3, 1 }, { 9, 1 }, { 18, 0 } };
    kv_t k0101[] = { { 0, 2 }, { 1, 3 }, { 2, 1 }, { 3, 2 }, { 9, 1 }, { 18, 0 } };
    kv_t k0102[] = { { 0, 2 }, { 1, 3 }, { 2, 1 }, { 3, 2 }, { 9, 2 }, { 18, 0 } };
    kv_t k011[] = { { 0, 3 }, { 1, 5 }, { 2, 2 }, { 3, 4 }, { 9, 3 }, { 18, 1 } };
    kv_t k10[] = { { 0, 5 }, { 1, 6 }, { 2, 2 }, { 3, 5 }, { 9, 3 }, { 18, 1 } };
    kv_t k11[] = { { 0, 5 }, { 1, 7 }, { 2, 2 }, { 3, 5 }, { 18, 1 } };
    kv_t k20[] = { { 0, 6 }, { 1, 8 }, { 2, 3 }, { 3, 6 }, { 18, 2 } };
    kv_t k28[] = { { 0, 9 }, { 1, 12 }, { 2, 6 }, { 3, 11 }, { 18, 3 } };
    kv_t k30[] = { { 0, 9 }, { 1, 12 }, { 2, 7 }, { 3, 11 }, { 18, 3 } };
    kv_t k39[] = { { 0, 11 }, { 1, 17 }, { 2, 9 }, { 3, 12 }, { 18, 4 } };
    kv_t k40[] = { { 0, 12 }, { 1, 17 }, { 2, 10 }, { 3, 13 }, { 18, 4 } };
    kv_t k41[] = { { 0, 13 }, { 1, 18 }, { 2, 10 }, { 3, 13 }, { 18, 4 } };
    /* 4.2-4.4 as their brokers answered (key 28 TxnOffsetCommit, 35 DescribeLogDirs) */
    kv_t k42[] = { { 0, 13 }, { 1, 18 }, { 2, 11 }, { 3, 13 }, { 18, 4 }, { 28, 5 }, { 35, 4 } };
    kv_t k43[] = { { 0, 13 }, { 1, 18 }, { 2, 11 }, { 3, 13 }, { 18, 4 }, { 28, 5 }, { 35, 5 } };
    kv_t k44[] = { { 0, 13 }, { 1, 18 }, { 2, 11 }, { 3, 13 }, { 18, 5 }, { 28, 6 }, { 35, 5 } };
    assert_string_equal(NAME(k0100), "0.10.0");
    assert_string_equal(NAME(k0101), "0.10.1");
    assert_string_equal(NAME(k0102), "0.10.2");
    assert_string_equal(NAME(k011), "0.11");
    assert_string_equal(NAME(k10), "1.0");
    assert_string_equal(NAME(k11), "1.1");
    assert_string_equal(NAME(k20), "2.0");
    assert_string_equal(NAME(k28), "2.8");
    assert_string_equal(NAME(k30), "3.0");
    assert_string_equal(NAME(k39), "3.9");
    assert_string_equal(NAME(k40), "4.0");
    assert_string_equal(NAME(k41), "4.1");
    assert_string_equal(NAME(k42), "4.2");
    assert_string_equal(NAME(k43), "4.3");
    assert_string_equal(NAME(k44), "4.4");
}

static void test_newer_than_known_is_newest(void **state)
{
    kv_t future[] = { { 0, 20 }, { 1, 25 }, { 2, 14 }, { 3, 15 }, { 28, 9 }, { 35, 8 } };
    assert_string_equal(NAME(future), "4.4");
}

static void test_short_table(void **state)
{
    int16_t max[2] = { 3, 5 };  /* only keys 0 and 1 known: Produce 3, Fetch 5 */
    assert_string_equal(kc_release_from_versions(max, 2), "0.10.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_names_match_the_key_table),
        cmocka_unit_test(test_known_releases),
        cmocka_unit_test(test_newer_than_known_is_newest),
        cmocka_unit_test(test_short_table),
    };
    return cmocka_run_group_tests_name("release naming", tests, NULL, NULL);
}

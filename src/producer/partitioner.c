/* Where a record sent with KAFKAC_PARTITION_ANY goes.
 *
 * Keyed records: murmur2 exactly as the Java client computes it
 * (Utils.murmur2, seed 0x9747b28c, then toPositive = & 0x7fffffff, then
 * modulo the partition count), so that a key lands on the same partition
 * whichever client wrote it.  Unkeyed records: the sticky partition of
 * KIP-480 (accumulator.c switches it when the sticky partition's batch is
 * done), or one of the other strategies of the `partitioner` property. */
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include "producer/producer_int.h"

int32_t kc_murmur2(const void *data, size_t len)
{
    /* Java does this arithmetic on signed 32-bit ints with wrap-around and
     * >>> shifts; unsigned arithmetic gives the same bits without UB. */
    const uint8_t *d = data;
    const uint32_t m = 0x5bd1e995u;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t n4 = len / 4;
    for (size_t i = 0; i < n4; i++) {
        const uint8_t *q = d + i * 4;
        uint32_t k = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t *tail = d + (len & ~(size_t)3);
    switch (len % 4) {
    case 3:
        h ^= (uint32_t)tail[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)tail[1] << 8;
        /* fall through */
    case 1:
        h ^= tail[0];
        h *= m;
        break;
    default:
        break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t kc_murmur2_partition(const void *key, size_t len, int32_t n)
{
    uint32_t pos = (uint32_t)kc_murmur2(key, len) & 0x7fffffffu;
    return (int32_t)(pos % (uint32_t)n);
}

/* A cheap per-thread generator: partition choice needs spread, not
 * quality, and must not take a lock. */
static uint32_t rand32(void)
{
    static _Thread_local uint32_t x;
    if (x == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)&x ^ 0x9e3779b9u;
        if (x == 0)
            x = 1;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

int32_t kc_partition_random(const kc_ptopic_t *t, const kc_cluster_t *c, int32_t avoid)
{
    int32_t n = t->partition_count;
    if (n <= 1)
        return 0;
    /* Prefer partitions with a leader, as Java's sticky partitioner picks
     * among available partitions: count them, then pick the k-th. */
    const kc_topic_info_t *ti = c ? kc_cluster_topic(c, t->name) : NULL;
    int32_t na = 0;
    if (ti)
        for (int32_t i = 0; i < ti->partition_count; i++)
            if (ti->partitions[i].leader >= 0 && ti->partitions[i].id != avoid && ti->partitions[i].id < n)
                na++;
    if (na > 0) {
        int32_t k = (int32_t)(rand32() % (uint32_t)na);
        for (int32_t i = 0; i < ti->partition_count; i++)
            if (ti->partitions[i].leader >= 0 && ti->partitions[i].id != avoid && ti->partitions[i].id < n &&
                k-- == 0)
                return ti->partitions[i].id;
    }
    int32_t r = (int32_t)(rand32() % (uint32_t)(n - 1));
    return (avoid >= 0 && r >= avoid) ? r + 1 : r;
}

int32_t kc_partition_choose(kc_producer_t *p, kc_ptopic_t *t, const void *key, int32_t key_len)
{
    int32_t n = t->partition_count;
    if (p->part_cb)
        return p->part_cb(p->part_opaque, t->name, key, key_len, n);
    int keyed = key_len >= 0;
    switch (p->s.partitioner) {
    case KC_PARTITIONER_DEFAULT:
        if (keyed && !p->s.partitioner_ignore_keys)
            return kc_murmur2_partition(key, (size_t)key_len, n);
        return KC_PART_STICKY;
    case KC_PARTITIONER_MURMUR2:
        /* Unkeyed records all hash as the empty key: one fixed partition. */
        return kc_murmur2_partition(keyed ? key : "", keyed ? (size_t)key_len : 0, n);
    case KC_PARTITIONER_MURMUR2_RANDOM:
        if (keyed)
            return kc_murmur2_partition(key, (size_t)key_len, n);
        return (int32_t)(rand32() % (uint32_t)n);
    case KC_PARTITIONER_STICKY:
        return KC_PART_STICKY;
    case KC_PARTITIONER_ROUND_ROBIN:
    default:
        return (int32_t)(atomic_fetch_add_explicit(&t->rr, 1, memory_order_relaxed) % (uint32_t)n);
    }
}

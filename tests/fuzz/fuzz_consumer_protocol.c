/* libFuzzer target: arbitrary bytes as the consumer protocol blobs other
 * group members send (ConsumerProtocolSubscription in JoinGroup,
 * ConsumerProtocolAssignment in SyncGroup, sticky user data).  Must never
 * crash, leak or read out of bounds; whatever decodes must re-encode (at
 * the version read, capped at the newest we write) and decode again to
 * the same content. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "protocol/consumer_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_topics(const kc_cp_topic_t *a, int32_t na, const kc_cp_topic_t *b, int32_t nb)
{
    if (na != nb)
        abort();
    for (int32_t i = 0; i < na; i++) {
        if (strcmp(a[i].topic, b[i].topic) != 0 || a[i].partition_count != b[i].partition_count)
            abort();
        if (a[i].partition_count &&
            memcmp(a[i].partitions, b[i].partitions, (size_t)a[i].partition_count * sizeof(int32_t)) != 0)
            abort();
    }
}

static int16_t cap(int16_t v)
{
    return v > KC_CP_MAX_VERSION ? KC_CP_MAX_VERSION : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kc_arena_t a;
    kc_arena_init(&a, 1024);
    kc_writer_t w;
    if (kc_writer_init(&w, 0) != 0)
        abort();

    kc_cp_subscription_t s, s2;
    if (kc_cp_subscription_decode(data, size, &a, &s) == 0) {
        kc_writer_reset(&w);
        if (kc_cp_subscription_encode(&w, &s, cap(s.version)) != 0 ||
            kc_cp_subscription_decode(w.buf, w.len, &a, &s2) != 0)
            abort();
        if (s2.topic_count != s.topic_count || s2.user_data.len != s.user_data.len)
            abort();
        for (int32_t i = 0; i < s.topic_count; i++)
            if (strcmp(s.topics[i], s2.topics[i]) != 0)
                abort();
        same_topics(s.owned, s.owned_count, s2.owned, s2.owned_count);
    }

    kc_cp_assignment_t x, x2;
    if (kc_cp_assignment_decode(data, size, &a, &x) == 0) {
        kc_writer_reset(&w);
        if (kc_cp_assignment_encode(&w, &x, cap(x.version)) != 0 ||
            kc_cp_assignment_decode(w.buf, w.len, &a, &x2) != 0)
            abort();
        same_topics(x.assigned, x.assigned_count, x2.assigned, x2.assigned_count);
    }

    kc_cp_sticky_t u, u2;
    if (kc_cp_sticky_decode(data, size, &a, &u) == 0) {
        kc_writer_reset(&w);
        if (kc_cp_sticky_encode(&w, &u) != 0 || kc_cp_sticky_decode(w.buf, w.len, &a, &u2) != 0 ||
            u2.generation != u.generation)
            abort();
        same_topics(u.prev, u.prev_count, u2.prev, u2.prev_count);
    }
    kc_writer_free(&w);
    kc_arena_destroy(&a);
    return 0;
}

/* ConsumerProtocolSubscription / ConsumerProtocolAssignment codecs; the
 * layouts are in consumer_protocol.h. */
#include "protocol/consumer_protocol.h"
#include <string.h>

void kc_cp_subscription_init(kc_cp_subscription_t *s)
{
    memset(s, 0, sizeof(*s));
    s->user_data.len = -1;
    s->generation_id = -1;
}

void kc_cp_assignment_init(kc_cp_assignment_t *a)
{
    memset(a, 0, sizeof(*a));
    a->user_data.len = -1;
}

static void w_str(kc_writer_t *w, const char *s)
{
    kc_w_string(w, 0, s, s ? (int32_t)strlen(s) : -1);
}

static void w_topics(kc_writer_t *w, const kc_cp_topic_t *t, int32_t n)
{
    kc_w_array_len(w, 0, n);
    for (int32_t i = 0; i < n; i++) {
        w_str(w, t[i].topic);
        kc_w_array_len(w, 0, t[i].partition_count);
        for (int32_t j = 0; j < t[i].partition_count; j++)
            kc_w_i32(w, t[i].partitions[j]);
    }
}

int kc_cp_subscription_encode(kc_writer_t *w, const kc_cp_subscription_t *s, int16_t version)
{
    if (version < 0 || version > KC_CP_MAX_VERSION)
        return KAFKAC_ERR_INVALID_ARG;
    kc_w_i16(w, version);
    kc_w_array_len(w, 0, s->topic_count);
    for (int32_t i = 0; i < s->topic_count; i++)
        w_str(w, s->topics[i]);
    kc_w_bytes(w, 0, s->user_data.data, s->user_data.len);
    if (version >= 1)
        w_topics(w, s->owned, s->owned_count);
    if (version >= 2)
        kc_w_i32(w, s->generation_id);
    if (version >= 3)
        w_str(w, s->rack_id);
    return w->err;
}

int kc_cp_assignment_encode(kc_writer_t *w, const kc_cp_assignment_t *a, int16_t version)
{
    if (version < 0 || version > KC_CP_MAX_VERSION)
        return KAFKAC_ERR_INVALID_ARG;
    kc_w_i16(w, version);
    w_topics(w, a->assigned, a->assigned_count);
    kc_w_bytes(w, 0, a->user_data.data, a->user_data.len);
    return w->err;
}

int kc_cp_sticky_encode(kc_writer_t *w, const kc_cp_sticky_t *u)
{
    w_topics(w, u->prev, u->prev_count);
    kc_w_i32(w, u->generation);
    return w->err;
}

/* A non-null string copied into the arena (NUL-terminated). */
static const char *r_str(kc_reader_t *r, kc_arena_t *arena, int nullable, const char *field)
{
    const char *p;
    int32_t len;
    if (kc_r_string(r, 0, &p, &len, field) != 0)
        return NULL;
    if (len < 0) {
        if (!nullable)
            kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
        return NULL;
    }
    char *s = kc_arena_strndup(arena, p, (size_t)len);
    if (!s)
        kc_r_fail(r, KAFKAC_ERR_NO_MEMORY, field);
    return s;
}

/* Array counts: a null array is refused (Kafka's are never nullable here). */
static int32_t r_count(kc_reader_t *r, size_t min_elem, const char *field)
{
    int32_t n = kc_r_array_len(r, 0, min_elem, field);
    if (kc_r_ok(r) && n < 0) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, field);
        return 0;
    }
    return kc_r_ok(r) ? n : 0;
}

static void *r_alloc(kc_reader_t *r, kc_arena_t *arena, size_t n, size_t size, const char *field)
{
    if (!kc_r_ok(r) || n == 0)
        return NULL;
    void *p = kc_arena_alloc(arena, n * size);
    if (!p)
        kc_r_fail(r, KAFKAC_ERR_NO_MEMORY, field);
    return p;
}

static void r_topics(kc_reader_t *r, kc_arena_t *arena, kc_cp_topic_t **out, int32_t *count,
                     const char *field)
{
    /* Smallest element: a 2-byte topic length and a 4-byte count. */
    int32_t n = r_count(r, 6, field);
    kc_cp_topic_t *t = r_alloc(r, arena, (size_t)n, sizeof(*t), field);
    for (int32_t i = 0; i < n && kc_r_ok(r); i++) {
        t[i].topic = r_str(r, arena, 0, "Topic");
        int32_t np = r_count(r, 4, "Partitions");
        t[i].partitions = r_alloc(r, arena, (size_t)np, sizeof(int32_t), "Partitions");
        for (int32_t j = 0; j < np && kc_r_ok(r); j++)
            t[i].partitions[j] = kc_r_i32(r, "Partition");
        t[i].partition_count = kc_r_ok(r) ? np : 0;
    }
    *out = kc_r_ok(r) ? t : NULL;
    *count = kc_r_ok(r) ? n : 0;
}

static void r_user_data(kc_reader_t *r, kc_bytes_t *out)
{
    const uint8_t *p;
    int32_t len;
    if (kc_r_bytes(r, 0, &p, &len, "UserData") == 0) {
        out->data = p;
        out->len = len;
    }
}

/* Versions we know must be read exactly; newer ones may carry more. */
static int finish(kc_reader_t *r, int16_t version, const char *what)
{
    if (kc_r_ok(r) && version <= KC_CP_MAX_VERSION)
        kc_r_expect_end(r, what);
    return r->err;
}

static int16_t r_version(kc_reader_t *r)
{
    int16_t v = kc_r_i16(r, "Version");
    if (kc_r_ok(r) && v < 0)
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, "Version");
    return v;
}

int kc_cp_subscription_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_subscription_t *out)
{
    kc_reader_t r;
    kc_reader_init(&r, buf, len);
    kc_cp_subscription_init(out);
    int16_t v = r_version(&r);
    int32_t n = r_count(&r, 2, "Topics");
    const char **topics = r_alloc(&r, arena, (size_t)n, sizeof(char *), "Topics");
    for (int32_t i = 0; i < n && kc_r_ok(&r); i++)
        topics[i] = r_str(&r, arena, 0, "Topics");
    r_user_data(&r, &out->user_data);
    if (v >= 1)
        r_topics(&r, arena, &out->owned, &out->owned_count, "OwnedPartitions");
    if (v >= 2)
        out->generation_id = kc_r_i32(&r, "GenerationId");
    if (v >= 3)
        out->rack_id = r_str(&r, arena, 1, "RackId");
    out->version = v;
    out->topics = kc_r_ok(&r) ? topics : NULL;
    out->topic_count = kc_r_ok(&r) ? n : 0;
    int err = finish(&r, v, "ConsumerProtocolSubscription");
    if (err)
        kc_cp_subscription_init(out);
    return err;
}

int kc_cp_assignment_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_assignment_t *out)
{
    kc_reader_t r;
    kc_reader_init(&r, buf, len);
    kc_cp_assignment_init(out);
    out->version = r_version(&r);
    r_topics(&r, arena, &out->assigned, &out->assigned_count, "AssignedPartitions");
    r_user_data(&r, &out->user_data);
    int err = finish(&r, out->version, "ConsumerProtocolAssignment");
    if (err)
        kc_cp_assignment_init(out);
    return err;
}

int kc_cp_sticky_decode(const void *buf, size_t len, kc_arena_t *arena, kc_cp_sticky_t *out)
{
    kc_reader_t r;
    kc_reader_init(&r, buf, len);
    memset(out, 0, sizeof(*out));
    out->generation = -1;
    r_topics(&r, arena, &out->prev, &out->prev_count, "PreviousAssignment");
    /* The generation came in a later version of this layout; old writers
     * end right after the assignment. */
    if (kc_r_ok(&r) && kc_r_remaining(&r) >= 4)
        out->generation = kc_r_i32(&r, "Generation");
    if (kc_r_ok(&r))
        kc_r_expect_end(&r, "StickyAssignorUserData");
    if (r.err) {
        memset(out, 0, sizeof(*out));
        out->generation = -1;
    }
    return r.err;
}

/* Record batches against the real broker and two other clients: what
 * libkafkac writes, librdkafka (kcat) and kafka-python read identically,
 * and what they write, libkafkac reads identically -- for every codec and
 * all three message formats (magics).  The protocol layer is driven
 * directly (CreateTopics, Produce, Fetch with generated structs, the
 * record batch and message set writers, the records iterator).
 *
 * One test per (magic, codec).  Each makes a topic of three partitions:
 *   p0  written by libkafkac: a record batch v2 through Produce v3+, or a
 *       magic 1 / magic 0 message set through Produce v2 / v0;
 *   p1  written by kcat -P;
 *   p2  written by kafka-python's KafkaProducer
 * and then every partition is read by
 *   - libkafkac with a modern Fetch, and with the old Fetch versions that
 *     make Kafka 3.x down-convert (v0 and v1: magic 0, v2 and v3: magic 1;
 *     the broker stores v2 whatever it was sent);
 *   - kcat and kafka-python at the protocol level that writes and reads
 *     that magic (kcat_level and LEVEL in records_interop_peer.py; kcat
 *     cannot be held at magic 1, kafka-python cannot fetch zstd).
 * Every reader's view is turned into one text "dump" line per record
 * (partition, offset, timestamp, key, value and headers in hex, "-" for
 * null; records_interop_peer.py describes it) and compared with what was
 * written, as far as the reader's magic and the writer's can carry it
 * (no headers below magic 2, no timestamps in magic 0).  Our own reads
 * also check each batch's magic and codec, so a compressed case really
 * went through the codec.
 *
 * The records: empty key, null key, null value, empty value, null key and
 * value, binary keys and values with NUL bytes, several headers (empty
 * and null values, a repeated name), explicit timestamps (one earlier
 * than the batch's base), and a 1 MiB value (the topic allows 3 MB).
 * What a peer cannot send is left out of its own records, and said where:
 * kafka-python 2.0.2 sends no null header value nor a record with both key
 * and value null; kcat sets no timestamps (its records are checked against
 * the time it ran) and one list of headers per run.
 *
 * test_old_magics_every_produce_version sends magic 0 and 1 through each
 * of Produce v0, v1 and v2 and reads them back at magics 2, 1 and 0.
 *
 * Against Kafka 4.x, which has no Produce v0-2 or Fetch v0-3 (the test
 * asks the broker's ApiVersions), the magic 0 and 1 tests are skipped, not passed, and the v2
 * tests read with a modern Fetch only.
 *
 * ITEST_FILTER=test_magic0_LZ4 runs one test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"
#include "kc_messages.h"
#include "protocol/message_set.h"
#include "protocol/net.h"
#include "protocol/record_batch.h"
#include "protocol/records.h"

#define NPART 3
#define BIG_LEN (1024 * 1024)
#define TOPIC_MAX_MESSAGE "3000000"
#define FETCH_PARTITION_MAX (8 << 20)
/* kcat's -D record delimiter; no test value may contain it. */
#define KCAT_DELIM 0x1e
/* Who writes which partition. */
#define OUR_PARTITION 0
#define KCAT_PARTITION 1
#define PYTHON_PARTITION 2

/* ------------------------------------------------------------------ */
/* Records, as written and as read */

typedef struct {
    char *name;
    uint8_t *val;     /* NULL with len -1: null value */
    int32_t len;
} hdr_t;

typedef struct {
    int64_t ts;       /* -1: none */
    uint8_t *key;     /* NULL with klen -1: null */
    int32_t klen;
    uint8_t *val;
    int32_t vlen;
    hdr_t *hdrs;
    int nh;
} rec_t;

typedef struct {
    rec_t *v;
    size_t n, cap;
} reclist_t;

static uint8_t *dup_bytes(const void *p, int32_t len)
{
    if (len < 0)
        return NULL;
    uint8_t *d = malloc((size_t)len + 1);
    assert_non_null(d);
    if (len)
        memcpy(d, p, (size_t)len);
    return d;
}

static rec_t *reclist_push(reclist_t *l, int64_t ts, const void *key, int32_t klen, const void *val,
                           int32_t vlen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    rec_t *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    r->ts = ts;
    r->key = dup_bytes(key, klen);
    r->klen = klen < 0 ? -1 : klen;
    r->val = dup_bytes(val, vlen);
    r->vlen = vlen < 0 ? -1 : vlen;
    return r;
}

static void rec_add_header(rec_t *r, const char *name, size_t name_len, const void *val, int32_t len)
{
    r->hdrs = realloc(r->hdrs, (size_t)(r->nh + 1) * sizeof *r->hdrs);
    assert_non_null(r->hdrs);
    hdr_t *h = &r->hdrs[r->nh++];
    h->name = (char *)dup_bytes(name, (int32_t)name_len);
    h->name[name_len] = '\0';
    h->val = dup_bytes(val, len);
    h->len = len < 0 ? -1 : len;
}

static void reclist_free(reclist_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        rec_t *r = &l->v[i];
        for (int k = 0; k < r->nh; k++) {
            free(r->hdrs[k].name);
            free(r->hdrs[k].val);
        }
        free(r->hdrs);
        free(r->key);
        free(r->val);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------ */
/* Dumps: text a human can diff, binary-safe through hex */

typedef struct {
    char *p;
    size_t n, cap;
} sb_t;

static void sb_reserve(sb_t *s, size_t more)
{
    if (s->n + more + 1 <= s->cap)
        return;
    while (s->n + more + 1 > s->cap)
        s->cap = s->cap ? s->cap * 2 : 4096;
    s->p = realloc(s->p, s->cap);
    assert_non_null(s->p);
}

static void sb_printf(sb_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(s, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(s->p + s->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)n;
}

static void sb_hex(sb_t *s, const uint8_t *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    sb_reserve(s, 2 * len);
    for (size_t i = 0; i < len; i++) {
        s->p[s->n++] = hex[p[i] >> 4];
        s->p[s->n++] = hex[p[i] & 15];
    }
    s->p[s->n] = '\0';
}

static void sb_clear(sb_t *s)
{
    s->n = 0;
    if (s->p)
        s->p[0] = '\0';
}

/* "-" for null, else "=" and lowercase hex. */
static void sb_field(sb_t *s, const uint8_t *p, int32_t len)
{
    if (len < 0) {
        sb_printf(s, "-");
        return;
    }
    sb_printf(s, "=");
    sb_hex(s, p, (size_t)len);
}

/* What a reader at magic `magic` can see of a record stored at magic
 * `written`: headers only when both are 2, a timestamp only when neither
 * is 0. */
static void dump_rec(sb_t *s, int partition, int64_t offset, const rec_t *r, int keep_headers,
                     int keep_ts)
{
    sb_printf(s, "%d %lld %lld ", partition, (long long)offset, (long long)(keep_ts ? r->ts : -1));
    sb_field(s, r->key, r->klen);
    sb_printf(s, " ");
    sb_field(s, r->val, r->vlen);
    sb_printf(s, " ");
    if (!keep_headers || r->nh == 0)
        sb_printf(s, ".");
    for (int k = 0; keep_headers && k < r->nh; k++) {
        const hdr_t *h = &r->hdrs[k];
        if (k)
            sb_printf(s, ",");
        sb_hex(s, (const uint8_t *)h->name, strlen(h->name));
        sb_field(s, h->val, h->len);
    }
    sb_printf(s, "\n");
}

/* A reader's view of records from..from+n-1 of a list, whose index is
 * the record's offset (every partition starts at 0). */
static void dump_range(sb_t *s, int partition, const reclist_t *l, size_t from, size_t n, int written,
                       int read_magic)
{
    int m = written < read_magic ? written : read_magic;
    for (size_t i = from; i < from + n && i < l->n; i++)
        dump_rec(s, partition, (int64_t)i, &l->v[i], m >= 2, m >= 1);
}

static void dump_list(sb_t *s, int partition, const reclist_t *l, int written, int read_magic)
{
    dump_range(s, partition, l, 0, l->n, written, read_magic);
}

/* Lines can be 2 MB (the big value in hex): prints the line's start
 * (partition, offset, timestamp) and up to 160 characters from `from`. */
static void print_excerpt(const char *label, const char *line, size_t from)
{
    size_t len = strcspn(line, "\n");
    size_t at = from < len ? from : len;
    size_t n = len - at > 160 ? 160 : len - at;
    print_error("  %s %.40s ...[column %zu]... %.*s%s\n", label, line, at, (int)n, line + at,
                at + n < len ? "..." : "");
}

/* Fails with the first line where got differs from want. */
static void expect_same(const char *who, const char *want, const char *got)
{
    if (strcmp(want, got) == 0)
        return;
    size_t line = 1, i = 0, start = 0;
    while (want[i] && want[i] == got[i]) {
        if (want[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    size_t col = i - start;
    print_excerpt("want:", want + start, col > 60 ? col - 60 : 0);
    print_excerpt("got: ", got + start, col > 60 ? col - 60 : 0);
    fail_msg("%s: line %zu differs at column %zu (lines: partition offset timestamp key value headers)", who,
             line, col);
}

/* ------------------------------------------------------------------ */
/* The records every writer sends (as far as it can) */

static uint8_t *big_value;
static const uint8_t bin_key[] = { 0x00, 'K', 0x00, 0xff, 0x01 };
static const uint8_t bin_val[] = { 0x00, 0x00, 'v', 0x00, 0xfe, 0x80, 0x00, 0x7f };
#define T0 1700000000000LL

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void make_big_value(void)
{
    if (big_value)
        return;
    big_value = malloc(BIG_LEN);
    assert_non_null(big_value);
    /* 64-byte rows picked at random from 256 random rows: every codec
     * shrinks it (librdkafka sends a batch uncompressed when compressing
     * does not make it smaller, and the test checks that each batch is
     * compressed), yet the rows differ and hold NULs and high bytes.  No
     * byte is kcat's delimiter. */
    uint8_t rows[256][64];
    uint32_t x = 2463534242u;
    for (int r = 0; r < 256; r++)
        for (int c = 0; c < 64; c++) {
            uint8_t b = (uint8_t)(xorshift(&x) >> 11);
            rows[r][c] = c == 7 ? 0 : b == KCAT_DELIM ? 'x' : b;
        }
    for (size_t i = 0; i < BIG_LEN; i += 64)
        memcpy(big_value + i, rows[xorshift(&x) & 255], 64);
}

#define S(str) (const uint8_t *)(str), (int32_t)(sizeof(str) - 1)

/* The full set, written by libkafkac.  `for_kafka_python` leaves out
 * what kafka-python 2.0.2's KafkaProducer.send refuses: a null header
 * value (header values must be bytes) and a record whose key and value
 * are both null. */
static void spec_full(reclist_t *l, int for_kafka_python)
{
    rec_t *r = reclist_push(l, T0, S("k0"), S("plain value"));
    rec_add_header(r, "h1", 2, "v1", 2);
    rec_add_header(r, "empty", 5, "", 0);
    if (!for_kafka_python)
        rec_add_header(r, "nullv", 5, NULL, -1);
    rec_add_header(r, "h1", 2, "dup", 3);
    reclist_push(l, T0 + 1, S(""), S("empty key"));
    r = reclist_push(l, T0 + 2, NULL, -1, S("null key"));
    rec_add_header(r, "only", 4, "x", 1);
    reclist_push(l, T0 + 3, S("tomb"), NULL, -1);
    reclist_push(l, T0 - 7, S("emptyvalue"), S("")); /* before the base timestamp */
    reclist_push(l, T0 + 5, bin_key, (int32_t)sizeof bin_key, bin_val, (int32_t)sizeof bin_val);
    reclist_push(l, T0 + 6, S("big"), big_value, BIG_LEN);
    if (!for_kafka_python)
        reclist_push(l, T0 + 7, NULL, -1, NULL, -1);
}

/* What kcat writes: the same keys and values, but kcat sets one list of
 * headers (-H) for a whole run and -Z (empty means null) for a whole run,
 * so run A carries the headers and run B the null values, without
 * headers.  Timestamps are kcat's (filled in after reading, see below). */
static void spec_kcat(reclist_t *l, int with_headers)
{
    static const struct {
        const uint8_t *k;
        int32_t kl;
        const uint8_t *v;
        int32_t vl;
    } a[] = {
        { S("k0"), S("plain value") },     { S(""), S("empty key") },
        { NULL, -1, S("null key") },       { S("emptyvalue"), S("") },
        { bin_key, (int32_t)sizeof bin_key, bin_val, (int32_t)sizeof bin_val },
    };
    for (size_t i = 0; i <= sizeof a / sizeof a[0]; i++) {
        rec_t *r = i < sizeof a / sizeof a[0] ? reclist_push(l, -1, a[i].k, a[i].kl, a[i].v, a[i].vl)
                                              : reclist_push(l, -1, S("big"), big_value, BIG_LEN);
        if (with_headers) {
            rec_add_header(r, "h1", 2, "v1", 2);
            rec_add_header(r, "empty", 5, "", 0);
            rec_add_header(r, "nullv", 5, NULL, -1);
            rec_add_header(r, "h1", 2, "dup", 3);
        }
    }
    reclist_push(l, -1, S("tomb"), NULL, -1);
    reclist_push(l, -1, NULL, -1, NULL, -1);
}

/* ------------------------------------------------------------------ */
/* Protocol layer: topic, Produce, Fetch */

/* The leader of every partition of a new topic (one broker: the same). */
static int32_t wait_leader(kc_tnet_t *f, const char *topic)
{
    int32_t leader = kc_tnet_leader(f, topic, 0, -1, 10000);
    for (int p = 1; p < NPART; p++)
        assert_int_equal(kc_tnet_leader(f, topic, p, -1, 10000), leader);
    return leader;
}

/* Writes the list to partition 0: a v2 batch through Produce v3+, or a
 * message set of magic 0 or 1 through Produce `version` (0-2, the
 * versions that carry those formats), and checks that the broker put it
 * at `base_offset`. */
static void produce_ours(kc_tnet_t *f, int32_t leader, const char *topic, int magic, kc_codec_t codec,
                         int16_t version, int64_t base_offset, const reclist_t *l)
{
    const uint8_t *data;
    size_t len;
    kc_rb_writer_t *w = NULL;
    kc_writer_t ms = { 0 };
    if (magic == 2) {
        kc_rb_writer_opts_t o;
        kc_rb_writer_opts_init(&o);
        o.codec = codec;
        o.compression_level = KC_COMPRESSION_LEVEL_DEFAULT;
        assert_int_equal(kc_rb_writer_new(&w, 0), 0);
        assert_int_equal(kc_rb_writer_reset(w, &o), 0);
        for (size_t i = 0; i < l->n; i++) {
            const rec_t *r = &l->v[i];
            kc_rb_header_t h[8];
            assert_true(r->nh <= 8);
            for (int k = 0; k < r->nh; k++) {
                h[k].key = r->hdrs[k].name;
                h[k].key_len = (int32_t)strlen(r->hdrs[k].name);
                h[k].value = r->hdrs[k].val;
                h[k].value_len = r->hdrs[k].len;
            }
            assert_int_equal(kc_rb_writer_append(w, r->ts, r->key, r->klen, r->val, r->vlen, h, (size_t)r->nh), 0);
        }
        assert_int_equal(kc_rb_writer_close(w, &data, &len), 0);
    } else {
        kc_ms_record_t recs[16];
        assert_true(l->n <= 16);
        for (size_t i = 0; i < l->n; i++) {
            recs[i] = (kc_ms_record_t){ .timestamp = l->v[i].ts, .key = l->v[i].key, .key_len = l->v[i].klen,
                                        .value = l->v[i].val, .value_len = l->v[i].vlen };
        }
        assert_int_equal(kc_writer_init(&ms, 0), 0);
        assert_int_equal(kc_ms_write(&ms, magic, codec, KC_COMPRESSION_LEVEL_DEFAULT, KC_TS_CREATE_TIME, 0, recs, l->n), 0);
        data = ms.buf;
        len = ms.len;
    }

    kc_produce_request_t req;
    kc_produce_request_topic_produce_data_t td;
    kc_produce_request_partition_produce_data_t pd;
    kc_msg_init(&kc_schema_produce_request, &req);
    kc_msg_init(&kc_schema_produce_request_topic_produce_data, &td);
    kc_msg_init(&kc_schema_produce_request_partition_produce_data, &pd);
    pd.index = 0;
    pd.records.data = data;
    pd.records.len = (int32_t)len;
    td.name = topic;
    td.partition_data = &pd;
    td.partition_data_count = 1;
    req.acks = -1;
    req.timeout_ms = 10000;
    req.topic_data = &td;
    req.topic_data_count = 1;
    int16_t v = magic == 2 ? 3 : version;
    kc_req_t r = { .node_id = leader, .api_key = 0, .min_version = v, .max_version = magic == 2 ? 12 : v, .msg = &req };
    kc_resp_t *resp = NULL;
    const kc_produce_response_partition_produce_response_t *pr = NULL;
    /* A partition just created may not be led yet where metadata says it
     * is: retry while the broker answers UNKNOWN_TOPIC_OR_PARTITION (3),
     * LEADER_NOT_AVAILABLE (5) or NOT_LEADER_OR_FOLLOWER (6). */
    for (int attempt = 0; attempt < 50; attempt++) {
        kc_resp_free(resp);
        resp = kc_net_call(f->net, &r);
        assert_non_null(resp);
        if (resp->err)
            fail_msg("Produce magic %d: %s", magic, resp->errstr);
        const kc_produce_response_t *pm = resp->msg;
        assert_int_equal(pm->responses_count, 1);
        pr = &pm->responses[0].partition_responses[0];
        if (pr->error_code != 3 && pr->error_code != 5 && pr->error_code != 6)
            break;
        usleep(100000);
    }
    if (pr->error_code)
        fail_msg("Produce v%d (magic %d, %s): error %d %s", resp->version, magic, kc_codec_name(codec),
                 pr->error_code, pr->error_message ? pr->error_message : "");
    if (magic < 2)
        assert_int_equal(resp->version, v);
    assert_int_equal(pr->base_offset, base_offset);
    kc_resp_free(resp);
    kc_rb_writer_destroy(w);
    kc_writer_free(&ms);
}

/* Reads `want[p]` records of every partition with Fetch version exactly
 * `version` (-1: the highest up to 12, the last naming topics), checking
 * that every batch the broker returned has magic `want_magic` and codec
 * `codec` (the broker keeps the producer's codec when it converts).
 * librdkafka and kafka-python send a batch uncompressed when compressing
 * does not make it smaller (a batch of one small record), so their
 * partitions may also hold uncompressed batches, but not only those; ours
 * must be compressed as asked.  codec ANY_CODEC: not checked. */
#define ANY_CODEC (-1)
static void fetch_ours(kc_tnet_t *f, int32_t leader, const char *topic, int version, int want_magic,
                       int codec, const size_t want[NPART], reclist_t out[NPART])
{
    int64_t next[NPART] = { 0 };
    size_t in_codec[NPART] = { 0 };
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), 0);
    for (int round = 0; round < 20; round++) {
        kc_fetch_request_t req;
        kc_fetch_request_fetch_topic_t ft;
        kc_fetch_request_fetch_partition_t fp[NPART];
        kc_msg_init(&kc_schema_fetch_request, &req);
        kc_msg_init(&kc_schema_fetch_request_fetch_topic, &ft);
        size_t n = 0;
        for (int p = 0; p < NPART; p++) {
            if (out[p].n >= want[p])
                continue;
            kc_msg_init(&kc_schema_fetch_request_fetch_partition, &fp[n]);
            fp[n].partition = p;
            fp[n].fetch_offset = next[p];
            fp[n].partition_max_bytes = FETCH_PARTITION_MAX;
            n++;
        }
        if (n == 0)
            break;
        ft.topic = topic;
        ft.partitions = fp;
        ft.partitions_count = (int32_t)n;
        req.replica_id = -1;
        req.max_wait_ms = 500;
        req.min_bytes = 1;
        req.max_bytes = 3 * FETCH_PARTITION_MAX;
        req.topics = &ft;
        req.topics_count = 1;
        kc_req_t r = { .node_id = leader, .api_key = 1, .min_version = version < 0 ? 4 : (int16_t)version,
                       .max_version = version < 0 ? 12 : (int16_t)version, .msg = &req };
        kc_resp_t *resp = kc_net_call(f->net, &r);
        assert_non_null(resp);
        if (resp->err)
            fail_msg("Fetch v%d: %s", version, resp->errstr);
        const kc_fetch_response_t *m = resp->msg;
        for (int32_t t = 0; t < m->responses_count; t++) {
            for (int32_t i = 0; i < m->responses[t].partitions_count; i++) {
                const kc_fetch_response_partition_data_t *pd = &m->responses[t].partitions[i];
                int p = pd->partition_index;
                assert_true(p >= 0 && p < NPART);
                if (pd->error_code)
                    fail_msg("Fetch v%d partition %d: error %d", resp->version, p, pd->error_code);
                kc_records_iter_reset(it, pd->records.data, pd->records.len > 0 ? (size_t)pd->records.len : 0);
                kc_record_t rec;
                const kc_batch_t *b;
                kafkac_err_t rc;
                while ((rc = kc_records_next(it, &rec, &b)) == 0) {
                    if (b->magic != want_magic ||
                        (codec != ANY_CODEC && b->codec != codec && (p == OUR_PARTITION || b->codec != 0)))
                        fail_msg("Fetch v%d partition %d offset %lld: batch of magic %d, codec %s; want magic %d, %s",
                                 resp->version, p, (long long)rec.offset, b->magic, kc_codec_name(b->codec),
                                 want_magic, kc_codec_name(codec));
                    if (b->codec == codec)
                        in_codec[p]++;
                    if (rec.offset != (int64_t)out[p].n)
                        fail_msg("Fetch v%d partition %d: offset %lld where %zu was due", resp->version, p,
                                 (long long)rec.offset, out[p].n);
                    rec_t *r2 = reclist_push(&out[p], rec.timestamp, rec.key, rec.key_len, rec.value, rec.value_len);
                    size_t pos = 0;
                    const char *hk;
                    int32_t hkl, hvl;
                    const uint8_t *hv;
                    while (kc_record_header_next(&rec, &pos, &hk, &hkl, &hv, &hvl))
                        rec_add_header(r2, hk, (size_t)hkl, hv, hvl);
                    assert_int_equal(r2->nh, rec.header_count);
                }
                if (rc != KAFKAC_ERR_PARTIAL) {
                    const char *field = NULL;
                    kc_records_iter_error(it, &field, NULL);
                    fail_msg("Fetch v%d partition %d: reading records: %s at %s", resp->version, p,
                             kafkac_err_name(rc), field ? field : "?");
                }
                if (kc_records_iter_next_offset(it) >= 0)
                    next[p] = kc_records_iter_next_offset(it);
            }
        }
        kc_resp_free(resp);
    }
    kc_records_iter_destroy(it);
    for (int p = 0; p < NPART; p++) {
        if (out[p].n != want[p])
            fail_msg("Fetch v%d partition %d: %zu records, want %zu", version, p, out[p].n, want[p]);
        if (codec != ANY_CODEC && want[p] > 0 && in_codec[p] == 0)
            fail_msg("Fetch v%d partition %d: no record came in a %s batch", version, p, kc_codec_name(codec));
    }
}

/* ------------------------------------------------------------------ */
/* The peers */

static char tmpdir[64];

static const char *src_dir(void)
{
    const char *d = getenv("KAFKAC_SRC_DIR");
    return d && *d ? d : ".";
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    sb_t s = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        sb_reserve(&s, n);
        memcpy(s.p + s.n, chunk, n);
        s.n += n;
    }
    fclose(fp);
    sb_reserve(&s, 0);
    s.p[s.n] = '\0';
    *len = s.n;
    return s.p;
}

static void write_file(const char *path, const void *p, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The protocol level each peer uses for a magic.  librdkafka speaks
 * magic 0 when told the broker is 0.9 and ApiVersions is off; for any
 * fallback >= 0.10 it asks ApiVersions anyway and goes to magic 2, so
 * kcat cannot be held at magic 1: in the magic 1 tests it writes and
 * reads v2, and our magic 1 reader still reads its records (the broker
 * down-converts them). */
static int kcat_magic(int magic) { return magic == 0 ? 0 : 2; }
static const char *kcat_level(int magic)
{
    return magic == 0 ? "-X api.version.request=false -X broker.version.fallback=0.9.0.1" : "";
}

static const char *kcat_codec(kc_codec_t c)
{
    static char buf[32];
    if (c == KC_CODEC_NONE)
        return "";
    snprintf(buf, sizeof buf, "-z %s", kc_codec_name(c));
    return buf;
}

static double now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* kcat -P into KCAT_PARTITION: "key:value" messages split at KCAT_DELIM;
 * no ':' means a null key.  Run A with the headers (magic 2 only: older
 * formats have none), run B with -Z (an empty key or value is null): the
 * records with a null value. */
static void produce_kcat(const char *topic, int magic, kc_codec_t codec, const reclist_t *l)
{
    sb_t a = { 0 }, b = { 0 };
    for (size_t i = 0; i < l->n; i++) {
        const rec_t *r = &l->v[i];
        sb_t *s = r->vlen < 0 ? &b : &a;
        sb_reserve(s, (size_t)(r->klen > 0 ? r->klen : 0) + (size_t)(r->vlen > 0 ? r->vlen : 0) + 2);
        /* In run B an empty key is null (-Z), and a message must not be
         * empty (kcat skips those): a null key is written as an empty one. */
        if (r->klen > 0) {
            memcpy(s->p + s->n, r->key, (size_t)r->klen);
            s->n += (size_t)r->klen;
        }
        if (r->klen >= 0 || s == &b)
            s->p[s->n++] = ':';
        if (r->vlen > 0) {
            assert_null(memchr(r->val, KCAT_DELIM, (size_t)r->vlen));
            memcpy(s->p + s->n, r->val, (size_t)r->vlen);
            s->n += (size_t)r->vlen;
        }
        s->p[s->n++] = KCAT_DELIM;
    }
    char pa[128], pb[128];
    snprintf(pa, sizeof pa, "%s/kcat-a.in", tmpdir);
    snprintf(pb, sizeof pb, "%s/kcat-b.in", tmpdir);
    write_file(pa, a.p, a.n);
    write_file(pb, b.p, b.n);
    free(a.p);
    free(b.p);
    const char *hdrs = kcat_magic(magic) >= 2 ? "-H h1=v1 -H empty= -H nullv -H h1=dup" : "";
    int rc = kc_test_sh("timeout 60 kcat -P -q -b %s -t %s -p %d -K: -D '\\x%02x' %s %s %s "
                        "-X message.max.bytes=" TOPIC_MAX_MESSAGE " < %s",
                        kc_test_brokers(), topic, KCAT_PARTITION, KCAT_DELIM, kcat_codec(codec), kcat_level(magic),
                        hdrs, pa);
    if (rc != 0)
        fail_msg("kcat -P (run A) exited %d", rc);
    rc = kc_test_sh("timeout 60 kcat -P -q -b %s -t %s -p %d -K: -D '\\x%02x' -Z %s %s < %s", kc_test_brokers(),
                    topic, KCAT_PARTITION, KCAT_DELIM, kcat_codec(codec), kcat_level(magic), pb);
    if (rc != 0)
        fail_msg("kcat -P (run B) exited %d", rc);
}

/* kcat -C of every partition, binary-safe: a text line with partition,
 * offset, timestamp, key and value lengths (-1 null) and headers, then
 * exactly that many key and value bytes and a newline. */
static void consume_kcat(const char *topic, int magic, reclist_t out[NPART])
{
    char path[128];
    snprintf(path, sizeof path, "%s/kcat.out", tmpdir);
    int rc = kc_test_sh("timeout 60 kcat -C -q -b %s -t %s -o beginning -e -X check.crcs=true "
                        "-X fetch.message.max.bytes=%d -X fetch.max.bytes=%d -X receive.message.max.bytes=%d %s "
                        "-f '%%p %%o %%T %%K %%S %%h\\n%%k%%s\\n' > %s",
                        kc_test_brokers(), topic, FETCH_PARTITION_MAX, 3 * FETCH_PARTITION_MAX, 4 * FETCH_PARTITION_MAX,
                        kcat_level(magic), path);
    if (rc != 0)
        fail_msg("kcat -C exited %d", rc);
    size_t len;
    char *buf = read_file(path, &len);
    size_t pos = 0;
    while (pos < len) {
        int p, kl, vl, used = 0;
        long long off, ts;
        /* (No blank after the last %d: it would swallow the newline that
         * ends a line without headers.) */
        if (sscanf(buf + pos, "%d %lld %lld %d %d%n", &p, &off, &ts, &kl, &vl, &used) != 5 || used == 0 ||
            buf[pos + (size_t)used] != ' ')
            fail_msg("kcat output at byte %zu: cannot parse \"%.60s\"", pos, buf + pos);
        pos += (size_t)used + 1;
        char *eol = memchr(buf + pos, '\n', len - pos);
        assert_non_null(eol);
        *eol = '\0';
        char *hdrs = buf + pos;
        pos = (size_t)(eol - buf) + 1;
        size_t need = (size_t)(kl > 0 ? kl : 0) + (size_t)(vl > 0 ? vl : 0) + 1;
        if (p < 0 || p >= NPART || len - pos < need || buf[pos + need - 1] != '\n')
            fail_msg("kcat output: record p%d o%lld does not have %zu bytes after its line", p, off, need);
        if (off != (long long)out[p].n)
            fail_msg("kcat: partition %d offset %lld where %zu was due", p, off, out[p].n);
        /* librdkafka has no timestamp in magic 0; kcat prints 0 for it. */
        if (magic == 0 && ts == 0)
            ts = -1;
        rec_t *r = reclist_push(&out[p], ts, buf + pos, kl, buf + pos + (kl > 0 ? kl : 0), vl);
        pos += need;
        /* %h: name=value,...; a null value is printed NULL.  The test's
         * header names and values hold no ',' or '=', and none is "NULL". */
        for (char *save = NULL, *h = strtok_r(hdrs, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(h, '=');
            assert_non_null(eq);
            if (strcmp(eq + 1, "NULL") == 0)
                rec_add_header(r, h, (size_t)(eq - h), NULL, -1);
            else
                rec_add_header(r, h, (size_t)(eq - h), eq + 1, (int32_t)strlen(eq + 1));
        }
    }
    free(buf);
}

/* kafka-python writes PYTHON_PARTITION (the list, as dump lines in a file)
 * and then, if `read`, reads every partition; its output is already a
 * dump (empty when it does not read). */
static char *python_roundtrip(const char *topic, int magic, kc_codec_t codec, const reclist_t *l,
                              const size_t want[NPART], int read)
{
    sb_t spec = { 0 };
    dump_list(&spec, PYTHON_PARTITION, l, 2, 2);
    char in[128], outp[128];
    snprintf(in, sizeof in, "%s/py.in", tmpdir);
    snprintf(outp, sizeof outp, "%s/py.out", tmpdir);
    write_file(in, spec.p, spec.n);
    free(spec.p);
    char counts[96] = "''";
    if (read)
        snprintf(counts, sizeof counts, "0=%zu,1=%zu,2=%zu", want[0], want[1], want[2]);
    int rc = kc_test_sh("timeout 90 /usr/bin/python3 '%s/tests/integration/records_interop_peer.py' %s %s %d %s %s "
                        "%s > %s",
                        src_dir(), kc_test_brokers(), topic, magic, kc_codec_name(codec), in, counts, outp);
    if (rc != 0)
        fail_msg("kafka-python (records_interop_peer.py) exited %d", rc);
    size_t len;
    return read_file(outp, &len);
}

/* ------------------------------------------------------------------ */

/* Whether the broker still takes the pre-magic-2 versions, asked of the
 * broker rather than taken from KAFKA_VERSION (a 4.x broker may be given
 * by KAFKAC_TEST_BROKERS alone).  Kafka 4.x (KIP-896) takes Fetch v4+
 * only; it still lists Produce v0-2 in ApiVersions, refusing them when
 * sent, so the Fetch range is the one that tells. */
static int broker_fetch_min = -1;
static char broker_release[32] = "?";

static int old_versions_gone(void)
{
    if (broker_fetch_min >= 0)
        return broker_fetch_min > 3;
    char err[256];
    kafkac_conf_t *conf = kc_test_conf(kc_test_brokers());
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!cl)
        fail_msg("kafkac_client_new: %s", err);
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 15000, &v, err, sizeof err);
    if (rc != KAFKAC_OK) {
        kafkac_client_destroy(cl);
        fail_msg("probe: %s: %s", kafkac_err_name(rc), err);
    }
    snprintf(broker_release, sizeof broker_release, "%s", kafkac_broker_versions_release(v));
    for (int i = 0; i < kafkac_broker_versions_count(v); i++) {
        const kafkac_api_version_t *a = kafkac_broker_versions_get(v, i);
        if (kafkac_api_version_key(a) == 1)
            broker_fetch_min = kafkac_api_version_broker_min(a);
    }
    kafkac_broker_versions_destroy(v);
    kafkac_client_destroy(cl);
    if (broker_fetch_min < 0)
        fail_msg("the broker (release %s) lists no Fetch versions", broker_release);
    return broker_fetch_min > 3;
}

/* What every reader at read_magic must see of the three partitions. */
static void want_dump(sb_t *s, const reclist_t sent[NPART], const int written[NPART], int read_magic)
{
    for (int p = 0; p < NPART; p++)
        dump_list(s, p, &sent[p], written[p], read_magic);
}

static void run_case(int magic, kc_codec_t codec)
{
    if (magic < 2 && old_versions_gone()) {
        print_message("SKIPPED: Kafka %s has no Produce v0-2 / Fetch v0-3 (its Fetch starts at v%d), so no magic %d\n",
                      broker_release, broker_fetch_min, magic);
        skip();
    }
    make_big_value();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kc-rinterop-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));

    double t_start = now_ms();
    kc_tnet_t f;
    kc_tnet_open(&f, kc_test_brokers());
    char topic[128], prefix[32];
    snprintf(prefix, sizeof prefix, "rinterop-m%d-%s", magic, kc_codec_name(codec));
    kc_test_topic(topic, sizeof topic, prefix);
    kc_tnet_create_topic(&f, topic, NPART, 1, "max.message.bytes", TOPIC_MAX_MESSAGE);
    int32_t leader = wait_leader(&f, topic);

    /* What each partition was sent, and at which magic. */
    reclist_t sent[NPART] = { { 0 } };
    spec_full(&sent[OUR_PARTITION], 0);
    spec_kcat(&sent[KCAT_PARTITION], kcat_magic(magic) >= 2);
    spec_full(&sent[PYTHON_PARTITION], 1);
    int written[NPART];
    written[OUR_PARTITION] = written[PYTHON_PARTITION] = magic;
    written[KCAT_PARTITION] = kcat_magic(magic);
    size_t want[NPART] = { sent[0].n, sent[1].n, sent[2].n };

    /* Magic 1 through Produce v2, magic 0 through v0 (the other pairs:
     * test_old_magics_every_produce_version). */
    produce_ours(&f, leader, topic, magic, codec, magic == 1 ? 2 : 0, 0, &sent[OUR_PARTITION]);
    double kcat_t0 = now_ms();
    produce_kcat(topic, magic, codec, &sent[KCAT_PARTITION]);
    double kcat_t1 = now_ms();
    /* kafka-python 2.0.2 fetches with Fetch v4 at most, and Kafka refuses
     * zstd batches to Fetch below v10 (UNSUPPORTED_COMPRESSION_TYPE; the
     * client gets no records at all), so it cannot read zstd from Kafka.
     * It still writes zstd, which libkafkac and kcat read. */
    int python_reads = codec != KC_CODEC_ZSTD;
    char *py = python_roundtrip(topic, magic, codec, &sent[PYTHON_PARTITION], want, python_reads);

    /* Our modern read first: kcat's timestamps are whatever its producer
     * took, so they are checked against when it ran and then become the
     * expected values for every other reader. */
    reclist_t got[NPART] = { { 0 } };
    fetch_ours(&f, leader, topic, -1, 2, codec, want, got);
    if (written[KCAT_PARTITION] >= 1) {
        for (size_t i = 0; i < got[KCAT_PARTITION].n; i++) {
            int64_t ts = got[KCAT_PARTITION].v[i].ts;
            if (ts < (int64_t)kcat_t0 - 1000 || ts > (int64_t)kcat_t1 + 1000)
                fail_msg("kcat record %zu: timestamp %lld outside the time kcat ran (%.0f..%.0f)", i,
                         (long long)ts, kcat_t0, kcat_t1);
            sent[KCAT_PARTITION].v[i].ts = ts;
        }
    }

    sb_t want_s = { 0 }, got_s = { 0 };
    char who[96];

    want_dump(&want_s, sent, written, 2);
    for (int p = 0; p < NPART; p++)
        dump_list(&got_s, p, &got[p], 2, 2);
    snprintf(who, sizeof who, "libkafkac, Fetch v4+ (magic 2)");
    expect_same(who, want_s.p, got_s.p);

    /* Old Fetch versions: the broker down-converts to magic 0 (v0, v1) or
     * 1 (v2, v3).  The old-magic tests read at their own magic with both
     * versions; the v2 tests read at both old magics too (Kafka 3.x), except
     * zstd, which Kafka refuses to Fetch below v10 (UNSUPPORTED_COMPRESSION_TYPE). */
    int old_fetch[2], old_count = 0;
    if (magic == 0) {
        old_fetch[old_count++] = 0;
        old_fetch[old_count++] = 1;
    } else if (magic == 1) {
        old_fetch[old_count++] = 2;
        old_fetch[old_count++] = 3;
    } else if (codec != KC_CODEC_ZSTD && !old_versions_gone()) {
        old_fetch[old_count++] = 1;
        old_fetch[old_count++] = 3;
    } else if (codec != KC_CODEC_ZSTD) {
        print_message("not reading at magics 0 and 1: Kafka %s has no Fetch v0-3\n", broker_release);
    }
    for (int k = 0; k < old_count; k++) {
        int v = old_fetch[k], read_magic = v <= 1 ? 0 : 1;
        reclist_t old[NPART] = { { 0 } };
        fetch_ours(&f, leader, topic, v, read_magic, codec, want, old);
        sb_clear(&want_s);
        sb_clear(&got_s);
        want_dump(&want_s, sent, written, read_magic);
        for (int p = 0; p < NPART; p++) {
            dump_list(&got_s, p, &old[p], read_magic, read_magic);
            reclist_free(&old[p]);
        }
        snprintf(who, sizeof who, "libkafkac, Fetch v%d (magic %d)", v, read_magic);
        expect_same(who, want_s.p, got_s.p);
    }

    reclist_t kc[NPART] = { { 0 } };
    consume_kcat(topic, magic, kc);
    sb_clear(&want_s);
    sb_clear(&got_s);
    want_dump(&want_s, sent, written, kcat_magic(magic));
    for (int p = 0; p < NPART; p++) {
        dump_list(&got_s, p, &kc[p], 2, kcat_magic(magic));
        reclist_free(&kc[p]);
    }
    snprintf(who, sizeof who, "kcat -C (magic %d)", kcat_magic(magic));
    expect_same(who, want_s.p, got_s.p);

    if (python_reads) {
        sb_clear(&want_s);
        want_dump(&want_s, sent, written, magic);
        snprintf(who, sizeof who, "kafka-python (magic %d)", magic);
        expect_same(who, want_s.p, py);
    }

    print_message("magic %d %-6s: libkafkac, kcat, kafka-python wrote %zu/%zu/%zu records; read identically by "
                  "libkafkac (Fetch v%s), kcat (magic %d)%s (%.1f s)\n",
                  magic, kc_codec_name(codec), want[0], want[1], want[2],
                  magic == 0 ? "0, 1, 4+" : magic == 1 ? "2, 3, 4+" : old_count ? "1, 3, 4+" : "4+", kcat_magic(magic),
                  python_reads ? ", kafka-python" : "; NOT read by kafka-python (no zstd fetch)",
                  (now_ms() - t_start) / 1000.0);
    free(want_s.p);
    free(got_s.p);
    free(py);
    for (int p = 0; p < NPART; p++) {
        reclist_free(&sent[p]);
        reclist_free(&got[p]);
    }
    kc_tnet_close(&f);
}

/* Runs after every test, passed or failed: the peers' files go. */
static int remove_tmpdir(void **state)
{
    if (tmpdir[0])
        kc_test_sh("rm -rf '%s'", tmpdir);
    tmpdir[0] = '\0';
    return 0;
}

/* Magic 0 and 1 message sets through each Produce version that takes
 * them (v0, v1, v2), a few small records each, codecs in turn, all into
 * one partition; then the partition read whole at magic 2, 1 and 0. */
static void test_old_magics_every_produce_version(void **state)
{
    if (old_versions_gone()) {
        print_message("SKIPPED: Kafka %s has no Produce v0-2 / Fetch v0-3 (its Fetch starts at v%d)\n", broker_release,
                      broker_fetch_min);
        skip();
    }
    kc_tnet_t f;
    kc_tnet_open(&f, kc_test_brokers());
    char topic[128];
    kc_test_topic(topic, sizeof topic, "rinterop-produce-versions");
    kc_tnet_create_topic(&f, topic, NPART, 1, "max.message.bytes", TOPIC_MAX_MESSAGE);
    int32_t leader = wait_leader(&f, topic);

    reclist_t sent = { 0 };
    int chunk_magic[6];
    size_t chunk_at[7];
    int nchunks = 0;
    for (int magic = 0; magic <= 1; magic++) {
        for (int16_t v = 0; v <= 2; v++) {
            kc_codec_t codec = (kc_codec_t)(nchunks % 4); /* none, gzip, snappy, lz4 */
            int64_t ts = T0 + 1000 * nchunks;
            reclist_t chunk = { 0 };
            reclist_push(&chunk, ts, S("pv"), S("first"));
            reclist_push(&chunk, ts + 1, NULL, -1, bin_val, (int32_t)sizeof bin_val);
            reclist_push(&chunk, ts - 1, bin_key, (int32_t)sizeof bin_key, S(""));
            reclist_push(&chunk, ts + 2, S("tomb"), NULL, -1);
            chunk_at[nchunks] = sent.n;
            chunk_magic[nchunks] = magic;
            produce_ours(&f, leader, topic, magic, codec, v, (int64_t)sent.n, &chunk);
            for (size_t i = 0; i < chunk.n; i++)
                reclist_push(&sent, chunk.v[i].ts, chunk.v[i].key, chunk.v[i].klen, chunk.v[i].val, chunk.v[i].vlen);
            reclist_free(&chunk);
            nchunks++;
        }
    }
    chunk_at[nchunks] = sent.n;

    static const struct {
        int version, magic;
    } reads[] = { { -1, 2 }, { 3, 1 }, { 0, 0 } };
    for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++) {
        reclist_t got[NPART] = { { 0 } };
        size_t want[NPART] = { sent.n, 0, 0 };
        fetch_ours(&f, leader, topic, reads[k].version, reads[k].magic, ANY_CODEC, want, got);
        sb_t want_s = { 0 }, got_s = { 0 };
        for (int c = 0; c < nchunks; c++) {
            dump_range(&want_s, 0, &sent, chunk_at[c], chunk_at[c + 1] - chunk_at[c], chunk_magic[c],
                       reads[k].magic);
            dump_range(&got_s, 0, &got[0], chunk_at[c], chunk_at[c + 1] - chunk_at[c], 2, 2);
        }
        char who[64];
        snprintf(who, sizeof who, "libkafkac, Fetch v%d (magic %d)", reads[k].version, reads[k].magic);
        expect_same(who, want_s.p, got_s.p);
        free(want_s.p);
        free(got_s.p);
        reclist_free(&got[0]);
    }
    print_message("magic 0 and 1 through Produce v0, v1, v2: %zu records read back at magics 2, 1, 0\n", sent.n);
    reclist_free(&sent);
    kc_tnet_close(&f);
}

#define CASE(m, c)                                                                                \
    static void test_magic##m##_##c(void **state) { run_case(m, KC_CODEC_##c); }
CASE(2, NONE)
CASE(2, GZIP)
CASE(2, SNAPPY)
CASE(2, LZ4)
CASE(2, ZSTD)
CASE(1, NONE)
CASE(1, GZIP)
CASE(1, SNAPPY)
CASE(1, LZ4)
CASE(0, NONE)
CASE(0, GZIP)
CASE(0, SNAPPY)
CASE(0, LZ4)

int main(void)
{
    /* zstd exists only from magic 2 (Kafka 2.1): no magic 0/1 zstd cases. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_magic2_NONE, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic2_GZIP, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic2_SNAPPY, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic2_LZ4, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic2_ZSTD, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic1_NONE, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic1_GZIP, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic1_SNAPPY, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic1_LZ4, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic0_NONE, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic0_GZIP, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic0_SNAPPY, remove_tmpdir),
        cmocka_unit_test_teardown(test_magic0_LZ4, remove_tmpdir),
        cmocka_unit_test_teardown(test_old_magics_every_produce_version, remove_tmpdir),
    };
    /* ITEST_FILTER=test_magic0_LZ4 (or a pattern with *) runs only that. */
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    int rc = cmocka_run_group_tests_name("record batches: libkafkac, kcat and kafka-python through a real broker",
                                         tests, NULL, NULL);
    free(big_value);
    return rc;
}

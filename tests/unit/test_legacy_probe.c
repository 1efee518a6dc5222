/* The ApiVersions handshake against brokers that do not speak our
 * version of it, on a fake broker on loopback.
 *
 * Brokers before Kafka 0.10 have no ApiVersions: they close the
 * connection on any request they do not know.  The fake, knowing only
 * some APIs, checks that the client probes as kafka-python does (one
 * request per connection, newest API first), names the release and uses
 * that release's versions; and that something that closes on everything
 * gets a clear error.
 *
 * Brokers with an older ApiVersions answer a version they do not speak
 * with UNSUPPORTED_VERSION in a v0 body that lists their own range
 * (KIP-511): the client must ask again at the broker's highest version,
 * and fail clearly when the broker offers none lower than it asked.
 * Brokers before 2.4 (0.10.0 to 2.3) refuse with an EMPTY list instead:
 * the client must then ask at v0, which every broker with ApiVersions
 * speaks, as kcat and kafka-python do.
 *
 * A fake Kafka 0.10.2 (ApiVersions refused with an empty list, Produce
 * v0-v2, no InitProducerId) also takes records from a producer: Produce v2
 * with a magic-1 message set, idempotence (on by default) turned off with
 * one warning, and refused when asked for explicitly.  A fake Kafka 0.10.0
 * (ListOffsets v0, Fetch v0-v2) gives a consumer its records from a v1
 * message set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/tsend.h"
#include "protocol/message_set.h"
#include "kafkac/kafkac.h"
#include "kafkac/consumer.h"
#include "kafkac/producer.h"

typedef struct fake {
    int lfd;
    int port;
    const int16_t *known;   /* API keys it answers (v0 only) */
    int nknown;
    pthread_t th;
    int stop;
    int requests_seen[64];
    /* ApiVersions: av_max is the highest version answered, higher ones
     * are refused with UNSUPPORTED_VERSION offering 0..av_offer (normally
     * av_max); av_offer -1: no ApiVersions at all (a pre-0.10 broker). */
    int16_t av_max, av_offer;
    int av_empty;           /* refuse with an empty list (before 2.4) */
    int16_t av_asked[8];    /* versions ApiVersions was asked at, in order */
    int nav_asked;
    /* When set, what ApiVersions lists ({key, min, max}), and Metadata
     * v0 names topic "t" with partition 0 led by node 0. */
    const int16_t (*apis)[3];
    int napis;
    /* Produce requests seen: version, and the magic of the records. */
    int produce_seen;
    int16_t produce_version;
    int produce_magic;
    /* Fetch and ListOffsets: versions asked at (-1: never). */
    _Atomic int16_t fetch_version, list_offsets_version;   /* written by the fake broker thread, read by the test */
} fake_t;

static int read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The response body for each API the fake knows: v0, except for
 * ApiVersions. */
static int32_t be32(const uint8_t *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
}

/* Produce v0-v2 body after the header: acks, timeout, [topic, [partition,
 * records]].  Notes the magic of the first partition's records and
 * answers every partition with success at offset 0 (v2 layout). */
static void produce_answer(fake_t *f, const uint8_t *b, size_t len, int16_t version, kc_writer_t *w)
{
    size_t pos = 6;
    if (len < pos + 4)
        return;
    int32_t nt = be32(b + pos);
    pos += 4;
    kc_w_i32(w, nt);
    for (int32_t t = 0; t < nt && pos + 2 <= len; t++) {
        int16_t nl = (int16_t)((b[pos] << 8) | b[pos + 1]);
        kc_w_string(w, 0, (const char *)b + pos + 2, nl);
        pos += 2 + (size_t)nl;
        int32_t np = be32(b + pos);
        pos += 4;
        kc_w_i32(w, np);
        for (int32_t i = 0; i < np && pos + 8 <= len; i++) {
            int32_t part = be32(b + pos);
            int32_t rl = be32(b + pos + 4);
            if (rl > 16 && pos + 8 + 17 <= len)
                f->produce_magic = b[pos + 8 + 16];
            pos += 8 + (size_t)(rl > 0 ? rl : 0);
            kc_w_i32(w, part);
            kc_w_i16(w, 0);
            kc_w_i64(w, 0);
            if (version >= 2)
                kc_w_i64(w, -1);
        }
    }
    if (version >= 1)
        kc_w_i32(w, 0);
    f->produce_version = version;
    __atomic_add_fetch(&f->produce_seen, 1, __ATOMIC_SEQ_CST);
}

/* Skips a request's topic name (int16 length + bytes) and returns the
 * position after it, copying the name into out. */
static size_t take_name(const uint8_t *b, size_t pos, char *out, size_t outlen)
{
    int16_t nl = (int16_t)((b[pos] << 8) | b[pos + 1]);
    snprintf(out, outlen, "%.*s", nl, (const char *)b + pos + 2);
    return pos + 2 + (size_t)nl;
}

/* ListOffsets v0 for one partition: earliest 0, latest 3. */
static void list_offsets_answer(fake_t *f, const uint8_t *b, int16_t version, kc_writer_t *w)
{
    char name[64];
    size_t pos = take_name(b, 8, name, sizeof name);
    int32_t part = be32(b + pos + 4);
    int64_t ts = (int64_t)(((uint64_t)(uint32_t)be32(b + pos + 8) << 32) | (uint32_t)be32(b + pos + 12));
    f->list_offsets_version = version;
    kc_w_i32(w, 1);
    kc_w_string(w, 0, name, (int32_t)strlen(name));
    kc_w_i32(w, 1);
    kc_w_i32(w, part);
    kc_w_i16(w, 0);
    kc_w_i32(w, 1);                 /* old_style_offsets */
    kc_w_i64(w, ts == -2 ? 0 : 3);
}

/* Fetch v0-v2 of one partition: messages 0..2 as a magic-1 set from the
 * fetch offset; nothing (after a short wait) past the end. */
static void fetch_answer(fake_t *f, const uint8_t *b, int16_t version, kc_writer_t *w)
{
    char name[64];
    size_t pos = take_name(b, 16, name, sizeof name);
    int32_t part = be32(b + pos + 4);
    int64_t off = (int64_t)(((uint64_t)(uint32_t)be32(b + pos + 8) << 32) | (uint32_t)be32(b + pos + 12));
    f->fetch_version = version;
    kc_writer_t ms;
    kc_writer_init(&ms, 0);
    static const char *vals[] = { "zero", "one", "two" };
    for (int64_t i = off < 0 ? 0 : off; i < 3; i++) {
        kc_ms_record_t r = { 1700000000000LL + i, "k", 1, vals[i], (int32_t)strlen(vals[i]) };
        assert_int_equal(kc_ms_write(&ms, 1, KC_CODEC_NONE, 0, KC_TS_CREATE_TIME, i, &r, 1), 0);
    }
    if (ms.len == 0)
        usleep(50000);
    if (version >= 1)
        kc_w_i32(w, 0);
    kc_w_i32(w, 1);
    kc_w_string(w, 0, name, (int32_t)strlen(name));
    kc_w_i32(w, 1);
    kc_w_i32(w, part);
    kc_w_i16(w, 0);
    kc_w_i64(w, 3);
    kc_w_i32(w, (int32_t)ms.len);
    if (ms.len)
        kc_w_raw(w, ms.buf, ms.len);
    kc_writer_free(&ms);
}

static void body_for(fake_t *f, int16_t key, int16_t version, kc_writer_t *w)
{
    if (key == 18 && f->apis && version <= f->av_max) {
        kc_w_i16(w, 0);
        kc_w_i32(w, f->napis);
        for (int i = 0; i < f->napis; i++) {
            kc_w_i16(w, f->apis[i][0]);
            kc_w_i16(w, f->apis[i][1]);
            kc_w_i16(w, f->apis[i][2]);
        }
        if (version >= 1)
            kc_w_i32(w, 0);
        return;
    }
    if (key == 3 && f->apis) {
        kc_w_i32(w, 1);
        kc_w_i32(w, 0);
        kc_w_string(w, 0, "127.0.0.1", 9);
        kc_w_i32(w, f->port);
        kc_w_i32(w, 1);          /* topic t: partition 0, leader 0 */
        kc_w_i16(w, 0);
        kc_w_string(w, 0, "t", 1);
        kc_w_i32(w, 1);
        kc_w_i16(w, 0);
        kc_w_i32(w, 0);
        kc_w_i32(w, 0);
        kc_w_i32(w, 1);
        kc_w_i32(w, 0);
        kc_w_i32(w, 1);
        kc_w_i32(w, 0);
        return;
    }
    switch (key) {
    case 18: /* ApiVersions: error, api_keys[key, min, max], throttle (v1+) */
        if (version > f->av_max && f->av_empty) {
            kc_w_i16(w, 35);  /* UNSUPPORTED_VERSION, nothing offered */
            kc_w_i32(w, 0);
            break;
        }
        if (version > f->av_max) {
            kc_w_i16(w, 35);  /* UNSUPPORTED_VERSION, in a v0 body */
            kc_w_i32(w, 1);
            kc_w_i16(w, 18);
            kc_w_i16(w, 0);
            kc_w_i16(w, f->av_offer);
            break;
        }
        kc_w_i16(w, 0);
        kc_w_i32(w, 2);
        kc_w_i16(w, 18);
        kc_w_i16(w, 0);
        kc_w_i16(w, f->av_max);
        kc_w_i16(w, 3);
        kc_w_i16(w, 0);
        kc_w_i16(w, 0);
        if (version >= 1)
            kc_w_i32(w, 0);
        break;
    case 16: /* ListGroups v0: error, groups[] */
        kc_w_i16(w, 0);
        kc_w_i32(w, 0);
        break;
    case 10: /* GroupCoordinator v0: error, node id, host, port */
        kc_w_i16(w, 0);
        kc_w_i32(w, 0);
        kc_w_string(w, 0, "127.0.0.1", 9);
        kc_w_i32(w, f->port);
        break;
    case 9: /* OffsetFetch v0: topics[] */
        kc_w_i32(w, 0);
        break;
    case 3: /* Metadata v0: brokers[node 0 at our port], topics[] */
        kc_w_i32(w, 1);
        kc_w_i32(w, 0);
        kc_w_string(w, 0, "127.0.0.1", 9);
        kc_w_i32(w, f->port);
        kc_w_i32(w, 0);
        break;
    }
}

static void serve_conn(fake_t *f, int fd)
{
    for (;;) {
        uint8_t hdr[4];
        if (read_full(fd, hdr, 4) != 0)
            break;
        uint32_t size = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
        if (size < 8 || size > 65536)
            break;
        uint8_t req[65536];
        if (read_full(fd, req, size) != 0)
            break;
        int16_t key = (int16_t)((req[0] << 8) | req[1]);
        int16_t version = (int16_t)((req[2] << 8) | req[3]);
        if (key == 18 && f->nav_asked < 8)
            f->av_asked[f->nav_asked++] = version;
        int32_t corr = (int32_t)(((uint32_t)req[4] << 24) | ((uint32_t)req[5] << 16) | ((uint32_t)req[6] << 8) | req[7]);
        if (key >= 0 && key < 64)
            __atomic_add_fetch(&f->requests_seen[key], 1, __ATOMIC_SEQ_CST);
        int known = key == 18 && f->av_offer >= 0;
        for (int i = 0; i < f->nknown; i++)
            known |= f->known[i] == key;
        if (!known)
            break;  /* what a pre-0.10 broker does with an unknown API */
        kc_writer_t w;
        kc_writer_init(&w, 256);
        size_t off = kc_w_reserve(&w, 4);
        kc_w_i32(&w, corr);
        /* after the header: client id (int16 length + bytes) */
        int16_t cl = (int16_t)((req[8] << 8) | req[9]);
        size_t body = 10 + (size_t)(cl > 0 ? cl : 0);
        if (key == 0) {
            produce_answer(f, req + body, size > body ? size - body : 0, version, &w);
        } else if (key == 1 && f->apis) {
            fetch_answer(f, req + body, version, &w);
        } else if (key == 2 && f->apis) {
            list_offsets_answer(f, req + body, version, &w);
        } else {
            body_for(f, key, version, &w);
        }
        kc_w_patch_i32(&w, off, (int32_t)(w.len - 4));
        ssize_t n = send(fd, w.buf, w.len, MSG_NOSIGNAL);
        kc_writer_free(&w);
        if (n < 0)
            break;
    }
    close(fd);
}

static void *fake_main(void *arg)
{
    fake_t *f = arg;
    while (!__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        serve_conn(f, fd);
    }
    return NULL;
}

static void fake_start(fake_t *f, const int16_t *known, int n)
{
    memset(f, 0, sizeof *f);
    f->av_max = f->av_offer = -1;
    f->known = known;
    f->nknown = n;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(f->lfd, (struct sockaddr *)&a, &len);
    f->port = ntohs(a.sin_port);
    assert_int_equal(listen(f->lfd, 16), 0);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); /* accept wakes to see stop */
    assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(fake_t *f)
{
    __atomic_store_n(&f->stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(f->th, NULL);
    close(f->lfd);
}

static kafkac_client_t *client_for(fake_t *f)
{
    char err[256], addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f->port);
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "reconnect.backoff.ms", "10", err, sizeof err), KAFKAC_OK);
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(cl);
    return cl;
}

static int16_t chosen_version(const kafkac_broker_versions_t *v, int16_t want)
{
    for (int i = 0; i < kafkac_broker_versions_count(v); i++) {
        const kafkac_api_version_t *a = kafkac_broker_versions_get(v, i);
        if (kafkac_api_version_key(a) == want)
            return kafkac_api_version_chosen(a);
    }
    return -2;
}

/* Probes the bootstrap broker; fails the test unless that works. */
static kafkac_broker_versions_t *probe_ok(kafkac_client_t *cl)
{
    kafkac_broker_versions_t *v = NULL;
    char err[512];
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 10000, &v, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("probe: %s: %s", kafkac_err_name(rc), err);
    return v;
}

/* A probe that must fail, with an error that says `why`. */
static void probe_fails(kafkac_client_t *cl, const char *why)
{
    kafkac_broker_versions_t *v = NULL;
    char err[512];
    kafkac_err_t rc = kafkac_client_probe(cl, -1, 3000, &v, err, sizeof err);
    assert_int_not_equal(rc, KAFKAC_OK);
    assert_null(v);
    if (!strstr(err, why))
        fail_msg("error does not say \"%s\": %s", why, err);
}

/* After the probe the client works normally: Metadata v0 names the one
 * broker. */
static void metadata_names_one_broker(kafkac_client_t *cl)
{
    kafkac_metadata_t *md = NULL;
    char err[512];
    kafkac_err_t rc = kafkac_client_metadata(cl, NULL, -1, 10000, &md, err, sizeof err);
    if (rc != KAFKAC_OK)
        fail_msg("metadata: %s: %s", kafkac_err_name(rc), err);
    assert_int_equal(kafkac_metadata_broker_count(md), 1);
    kafkac_metadata_destroy(md);
}

static void test_kafka_0_9(void **state)
{
    static const int16_t known[] = { 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    fake_t f;
    fake_start(&f, known, sizeof known / sizeof known[0]);
    kafkac_client_t *cl = client_for(&f);
    kafkac_broker_versions_t *v = probe_ok(cl);
    assert_string_equal(kafkac_broker_versions_release(v), "0.9");
    assert_int_equal(chosen_version(v, 0), 1);   /* Produce v1 */
    assert_int_equal(chosen_version(v, 11), 0);  /* JoinGroup v0 */
    assert_int_equal(chosen_version(v, 18), -2); /* no ApiVersions */
    kafkac_broker_versions_destroy(v);
    /* The client then works normally: Metadata v0 through the same broker. */
    metadata_names_one_broker(cl);
    kafkac_client_destroy(cl);
    assert_true(f.requests_seen[18] >= 2);  /* ApiVersions tried twice first */
    fake_stop(&f);
}

static void test_kafka_0_8_2(void **state)
{
    static const int16_t known[] = { 0, 1, 2, 3, 8, 9, 10 };
    fake_t f;
    fake_start(&f, known, sizeof known / sizeof known[0]);
    kafkac_client_t *cl = client_for(&f);
    kafkac_broker_versions_t *v = probe_ok(cl);
    assert_string_equal(kafkac_broker_versions_release(v), "0.8.2");
    assert_int_equal(chosen_version(v, 0), 0);
    assert_int_equal(chosen_version(v, 16), -2); /* no ListGroups before 0.9 */
    assert_true(f.requests_seen[16] >= 1);       /* it was tried and refused */
    kafkac_broker_versions_destroy(v);
    kafkac_client_destroy(cl);
    fake_stop(&f);
}

static void test_not_kafka(void **state)
{
    fake_t f;
    fake_start(&f, NULL, 0);
    kafkac_client_t *cl = client_for(&f);
    probe_fails(cl, "closed the connection");
    kafkac_client_destroy(cl);
    fake_stop(&f);
}

/* KIP-511: asked at our version, the broker refuses and offers up to v2;
 * the client asks again at v2 and takes the broker's table from that. */
static void test_api_versions_fallback(void **state)
{
    fake_t f;
    fake_start(&f, (const int16_t[]){ 3 }, 1);
    f.av_max = f.av_offer = 2;
    kafkac_client_t *cl = client_for(&f);
    kafkac_broker_versions_t *v = probe_ok(cl);
    assert_true(f.nav_asked >= 2);
    assert_true(f.av_asked[0] > 2);      /* our own highest first */
    assert_int_equal(f.av_asked[1], 2);  /* then the broker's */
    assert_int_equal(chosen_version(v, 18), 2);
    assert_int_equal(chosen_version(v, 3), 0);   /* Metadata: the broker has v0 only */
    assert_int_equal(chosen_version(v, 0), -2);  /* Produce: the broker did not list it */
    kafkac_broker_versions_destroy(v);
    metadata_names_one_broker(cl);
    kafkac_client_destroy(cl);
    fake_stop(&f);
}

/* A refusal that offers no lower version is the end of it, said plainly. */
static void test_api_versions_refused_without_lower(void **state)
{
    fake_t f;
    fake_start(&f, NULL, 0);
    f.av_max = -2;      /* known, but every version refused... */
    f.av_offer = 99;    /* ...offering one no lower than asked */
    kafkac_client_t *cl = client_for(&f);
    probe_fails(cl, "without offering a lower version");
    kafkac_client_destroy(cl);
    fake_stop(&f);
}

/* Kafka 0.10.2 to 2.3: asked at our version, the broker refuses with an
 * empty list; the client asks again at v0 and takes the table from that
 * (the broker's ApiVersions range 0..1 in it). */
static void test_api_versions_empty_refusal(void **state)
{
    fake_t f;
    fake_start(&f, (const int16_t[]){ 3 }, 1);
    f.av_max = f.av_offer = 1;
    f.av_empty = 1;
    kafkac_client_t *cl = client_for(&f);
    kafkac_broker_versions_t *v = probe_ok(cl);
    assert_true(f.nav_asked >= 2);
    assert_true(f.av_asked[0] > 1);      /* our own highest first */
    assert_int_equal(f.av_asked[1], 0);  /* then v0 */
    assert_int_equal(chosen_version(v, 18), 1);
    assert_int_equal(chosen_version(v, 3), 0);
    kafkac_broker_versions_destroy(v);
    metadata_names_one_broker(cl);
    kafkac_client_destroy(cl);
    fake_stop(&f);
}

/* Refused with an empty list even at v0: a clear error, not a loop. */
static void test_api_versions_empty_refusal_at_v0(void **state)
{
    fake_t f;
    fake_start(&f, NULL, 0);
    f.av_max = -2;
    f.av_offer = 0;
    f.av_empty = 1;
    kafkac_client_t *cl = client_for(&f);
    probe_fails(cl, "refused ApiVersions v0");
    kafkac_client_destroy(cl);
    /* Our version, then v0 once per connection attempt: never a lower one. */
    for (int i = 0; i < f.nav_asked; i++)
        assert_true(f.av_asked[i] >= 0);
    assert_true(f.nav_asked >= 2);
    assert_int_equal(f.av_asked[1], 0);
    fake_stop(&f);
}

/* Kafka 0.10.2 as far as a producer sees it. */
static const int16_t kafka_0_10_2_apis[][3] = {
    { 0, 0, 2 }, { 1, 0, 3 }, { 2, 0, 1 }, { 3, 0, 0 }, { 18, 0, 0 },
};

static int warnings_about_idempotence;

static void count_log(void *opaque, int level, const char *facility, const char *message)
{
    (void)opaque;
    (void)facility;
    if (level == KAFKAC_LOG_WARNING && strstr(message, "without idempotence"))
        __atomic_add_fetch(&warnings_about_idempotence, 1, __ATOMIC_SEQ_CST);
}

static kafkac_producer_t *producer_for(fake_t *f, const char *idempotence)
{
    char err[256], addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f->port);
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "reconnect.backoff.ms", "10", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "delivery.timeout.ms", "5000", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "request.timeout.ms", "3000", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "linger.ms", "0", err, sizeof err), KAFKAC_OK);
    if (idempotence)
        assert_int_equal(kafkac_conf_set(conf, "enable.idempotence", idempotence, err, sizeof err), KAFKAC_OK);
    kafkac_conf_set_log_cb(conf, count_log, NULL);
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(p);
    return p;
}

static void fake_0_10_2_start(fake_t *f)
{
    static const int16_t known[] = { 0, 3 };
    fake_start(f, known, 2);
    f->av_max = f->av_offer = 0;
    f->av_empty = 1;
    f->apis = kafka_0_10_2_apis;
    f->napis = (int)(sizeof kafka_0_10_2_apis / sizeof kafka_0_10_2_apis[0]);
}

/* Default idempotence against a broker without InitProducerId: delivered
 * at Produce v2 in message format v1, with one warning.  Before, the
 * producer asked for a producer id forever and the record timed out. */
static void test_produce_to_0_10_falls_back(void **state)
{
    fake_t f;
    fake_0_10_2_start(&f);
    __atomic_store_n(&warnings_about_idempotence, 0, __ATOMIC_SEQ_CST);
    kafkac_producer_t *p = producer_for(&f, NULL);
    kafkac_future_t *fut = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kc_test_send_to(p, "t", 0, "k", 1, "value", 5, i == 2 ? &fut : NULL),
                         KAFKAC_OK);
        assert_int_equal(kafkac_producer_flush(p, 5000), KAFKAC_OK);
    }
    const kafkac_delivery_t *d = NULL;
    assert_int_equal(kafkac_future_wait(fut, 1000, &d), KAFKAC_OK);
    assert_int_equal(kafkac_delivery_err(d), KAFKAC_OK);
    kafkac_future_destroy(fut);
    assert_true(__atomic_load_n(&f.produce_seen, __ATOMIC_SEQ_CST) >= 1);
    assert_int_equal(f.produce_version, 2);
    assert_int_equal(f.produce_magic, 1);
    assert_int_equal(__atomic_load_n(&warnings_about_idempotence, __ATOMIC_SEQ_CST), 1);
    assert_int_equal(kafkac_producer_close(p, 3000), KAFKAC_OK);
    kafkac_producer_destroy(p);
    fake_stop(&f);
}

/* enable.idempotence=true set by the user: the record fails with
 * UNSUPPORTED_FEATURE, well before its delivery timeout, and nothing is
 * sent without the idempotence that was asked for. */
static void test_explicit_idempotence_to_0_10_fails(void **state)
{
    fake_t f;
    fake_0_10_2_start(&f);
    kafkac_producer_t *p = producer_for(&f, "true");
    kafkac_future_t *fut = NULL;
    kafkac_err_t rc = kc_test_send_to(p, "t", 0, "k", 1, "v", 1, &fut);
    if (rc == KAFKAC_OK) {
        const kafkac_delivery_t *d = NULL;
        rc = kafkac_future_wait(fut, 4000, &d);   /* the delivery's error */
        assert_int_not_equal(rc, KAFKAC_ERR_TIMED_OUT);
        if (rc == KAFKAC_OK)
            rc = kafkac_delivery_err(d);
        kafkac_future_destroy(fut);
    }
    assert_true(rc == KAFKAC_ERR_UNSUPPORTED_FEATURE || rc == KAFKAC_ERR_FATAL);
    assert_int_equal(__atomic_load_n(&f.produce_seen, __ATOMIC_SEQ_CST), 0);
    kafkac_producer_close(p, 1000);
    kafkac_producer_destroy(p);
    fake_stop(&f);
}

/* Kafka 0.10.0 as far as a consumer without a group sees it. */
static const int16_t kafka_0_10_0_apis[][3] = {
    { 0, 0, 2 }, { 1, 0, 2 }, { 2, 0, 0 }, { 3, 0, 0 }, { 18, 0, 0 },
};

/* Reset to the earliest offset with ListOffsets v0, then Fetch v2 and a
 * v1 message set.  Before, the consumer required ListOffsets v1 and
 * Fetch v4 and got nothing from 0.10.x. */
static void test_consume_from_0_10_0(void **state)
{
    static const int16_t known[] = { 1, 2, 3 };
    fake_t f;
    fake_start(&f, known, 3);
    f.av_max = f.av_offer = 0;
    f.av_empty = 1;
    f.apis = kafka_0_10_0_apis;
    f.napis = (int)(sizeof kafka_0_10_0_apis / sizeof kafka_0_10_0_apis[0]);
    f.fetch_version = f.list_offsets_version = -1;
    char err[256], addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f.port);
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(conf, "bootstrap.servers", addr, err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err), KAFKAC_OK);
    assert_int_equal(kafkac_conf_set(conf, "fetch.max.wait.ms", "100", err, sizeof err), KAFKAC_OK);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(c);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, "t", 0), KAFKAC_OFFSET_INVALID);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
    kafkac_tpl_destroy(l);
    static const char *want[] = { "zero", "one", "two" };
    for (int i = 0; i < 3; i++) {
        kafkac_record_t *r = NULL;
        kafkac_err_t rc = kafkac_consumer_next(c, 5000, &r, err, sizeof err);
        if (rc != KAFKAC_OK)
            fail_msg("record %d: %s: %s", i, kafkac_err_name(rc), err);
        assert_int_equal(kafkac_record_offset(r), i);
        size_t len;
        const void *v = kafkac_record_value(r, &len);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(v, want[i], len);
        int type;
        assert_int_equal(kafkac_record_timestamp(r, &type), 1700000000000LL + i);
        kafkac_record_release(r);
    }
    assert_int_equal(f.list_offsets_version, 0);
    assert_int_equal(f.fetch_version, 2);
    kafkac_consumer_close(c, 1000);
    kafkac_consumer_destroy(c);
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kafka_0_9),
        cmocka_unit_test(test_kafka_0_8_2),
        cmocka_unit_test(test_not_kafka),
        cmocka_unit_test(test_api_versions_fallback),
        cmocka_unit_test(test_api_versions_refused_without_lower),
        cmocka_unit_test(test_api_versions_empty_refusal),
        cmocka_unit_test(test_api_versions_empty_refusal_at_v0),
        cmocka_unit_test(test_produce_to_0_10_falls_back),
        cmocka_unit_test(test_explicit_idempotence_to_0_10_fails),
        cmocka_unit_test(test_consume_from_0_10_0),
    };
    return cmocka_run_group_tests_name("ApiVersions fallbacks and probing brokers without it", tests, NULL, NULL);
}

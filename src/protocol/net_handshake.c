/* The ApiVersions handshake, the first exchange on every connection,
 * and the probing of brokers too old to have ApiVersions.
 *
 * We ask with the highest ApiVersions version we know.  A broker that does
 * not speak it answers UNSUPPORTED_VERSION in a version-0 body listing its
 * own range (KIP-511), so on that error, or when the body does not decode
 * as the version we asked, we read the body as v0, take the broker's
 * highest ApiVersions version and ask again.  Brokers before 2.4 (KIP-511
 * came with it) refuse with an empty list instead; then we ask at v0,
 * which every broker that has ApiVersions speaks.  The answer fills the
 * connection's per-API version table that every later request's version
 * is chosen from. */
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "kafkac/version.h"
#include "kc_messages.h"
#include "protocol/net_int.h"

#define CLIENT_SOFTWARE_NAME "libkafkac"
#define CLIENT_SOFTWARE_VERSION KAFKAC_VERSION_STR

static void handshake_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                           size_t body_off);
static void legacy_probe_send(kc_net_t *net, kc_conn_t *c);

void kc_handshake_send(kc_net_t *net, kc_conn_t *c)
{
    if (c->legacy_mode) {
        legacy_probe_send(net, c);
        return;
    }
    kc_api_versions_request_t req;
    kc_msg_init(&kc_schema_api_versions_request, &req);
    req.client_software_name = CLIENT_SOFTWARE_NAME;
    req.client_software_version = CLIENT_SOFTWARE_VERSION;

    kc_net_send_setup_call(net, c, KC_API_API_VERSIONS, c->handshake_version, &req, handshake_done,
                           "starting the handshake");
}

int kc_net_send_setup_call(kc_net_t *net, kc_conn_t *c, int16_t key, int16_t version, void *msg,
                           kc_internal_fn fn, const char *what)
{
    kc_call_t *call = kc_calloc(1, sizeof(*call));
    if (!call) {
        char why[128];
        snprintf(why, sizeof why, "out of memory %s", what);
        kc_net_conn_failed(net, c, KAFKAC_ERR_NO_MEMORY, why);
        return -1;
    }
    call->req.api_key = key;
    call->req.msg = msg;    /* encoded right below; not kept */
    call->req.timeout_ms = net->o.handshake_timeout_ms;
    call->deadline = c->state_deadline;
    call->node_id = c->node_id;
    call->version = version;
    call->internal = fn;
    char why[256];
    int rc = kc_net_encode_call(net, c, call, why, sizeof why);
    call->req.msg = NULL;
    if (rc != 0) {
        kc_free(call);
        kc_net_conn_failed(net, c, rc, why);
        return -1;
    }
    kc_call_list_push(&c->inflight_head, &c->inflight_tail, call);
    c->inflight_count++;
    return 0;
}

static int decode_as(kc_arena_t *arena, const uint8_t *body, size_t len, int16_t version,
                     kc_api_versions_response_t *out)
{
    const kc_api_t *api = kc_api_get(KC_API_API_VERSIONS);
    kc_reader_t r;
    kc_reader_init(&r, body, len);
    memset(out, 0, sizeof *out);
    int rc = kc_msg_decode(&r, api->response, out, version, kc_api_flexible(api, version), arena);
    if (rc == 0 && kc_r_remaining(&r) != 0)
        rc = KAFKAC_ERR_MALFORMED;
    return rc;
}

static void handshake_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                           size_t body_off)
{
    kc_arena_t arena;
    kc_arena_init(&arena, 4096);
    kc_api_versions_response_t resp;
    int16_t asked = call->version;
    int rc = decode_as(&arena, frame + body_off, len - body_off, asked, &resp);
    if (rc != 0 || resp.error_code == KAFKAC_ERR_UNSUPPORTED_VERSION) {
        kc_arena_reset(&arena);
        rc = decode_as(&arena, frame + body_off, len - body_off, 0, &resp);
    }
    kc_free(call);
    char why[256];
    if (rc != 0 && asked > 0 && len - body_off >= 2 &&
        (int16_t)((frame[body_off] << 8) | frame[body_off + 1]) == KAFKAC_ERR_UNSUPPORTED_VERSION) {
        /* The error code comes first at every version, so a refusal can be
         * read even when the rest of the body is neither our version nor a
         * valid v0 (librdkafka's mock cluster answers v3 that way).  v0 is
         * the version every broker with ApiVersions speaks. */
        kc_free(frame);
        kc_arena_destroy(&arena);
        c->handshake_version = 0;
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker",
               "%s:%d refused ApiVersions v%d in a body that does not decode; asking with v0", c->host, c->port,
               asked);
        kc_handshake_send(net, c);
        return;
    }
    if (rc != 0) {
        snprintf(why, sizeof why, "%s:%d sent an ApiVersions response that does not decode (%s)", c->host, c->port,
                 kafkac_err_name(rc));
        kc_free(frame);
        kc_arena_destroy(&arena);
        kc_net_conn_failed(net, c, KAFKAC_ERR_MALFORMED, why);
        return;
    }
    if (resp.error_code == KAFKAC_ERR_UNSUPPORTED_VERSION) {
        int16_t bmax = -1;
        for (int32_t i = 0; i < resp.api_keys_count; i++)
            if (resp.api_keys[i].api_key == KC_API_API_VERSIONS)
                bmax = resp.api_keys[i].max_version;
        kc_free(frame);
        kc_arena_destroy(&arena);
        if (bmax < 0 && asked > 0) {
            /* 0.10.0 to 2.3: the refusal lists nothing. */
            c->handshake_version = 0;
            kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker",
                   "%s:%d refused ApiVersions v%d offering no version (a broker before 2.4); asking with v0",
                   c->host, c->port, asked);
            kc_handshake_send(net, c);
            return;
        }
        if (bmax < 0 || bmax >= asked) {
            snprintf(why, sizeof why, "%s:%d refused ApiVersions v%d without offering a lower version", c->host,
                     c->port, asked);
            kc_net_conn_failed(net, c, KAFKAC_ERR_UNSUPPORTED_FEATURE, why);
            return;
        }
        c->handshake_version = bmax;
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "%s:%d speaks ApiVersions up to v%d; asking again",
               c->host, c->port, bmax);
        kc_handshake_send(net, c);
        return;
    }
    if (resp.error_code != 0) {
        snprintf(why, sizeof why, "%s:%d answered ApiVersions with %s", c->host, c->port,
                 kafkac_err_name(resp.error_code));
        kc_free(frame);
        kc_arena_destroy(&arena);
        kc_net_conn_failed(net, c, resp.error_code, why);
        return;
    }
    for (int i = 0; i < KC_API_KEY_SLOTS; i++)
        c->api_min[i] = c->api_max[i] = -1;
    for (int32_t i = 0; i < resp.api_keys_count; i++) {
        int16_t k = resp.api_keys[i].api_key;
        if (k >= 0 && k < KC_API_KEY_SLOTS) {
            c->api_min[k] = resp.api_keys[i].min_version;
            c->api_max[k] = resp.api_keys[i].max_version;
        }
    }
    kc_free(frame);
    kc_arena_destroy(&arena);
    c->versions_known = true;
    /* With SASL configured the connection authenticates first (net_sasl.c
     * makes it READY). */
    if (kc_sasl_start(net, c))
        return;
    c->ever_connected = true;
    c->failures = 0;
    c->state = KC_CONN_READY;
    c->last_err[0] = '\0';
    kc_net_conn_now_ready(net, c);
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "node %d (%s:%d) ready", c->node_id, c->host, c->port);
}

/* ------------------------------------------------------------------ */
/* Brokers before 0.10: no ApiVersions.                                 */
/*
 * Such a broker closes the connection on a request it does not know.  So,
 * like kafka-python's check_version, we send one request per connection,
 * starting with the API the newest of those releases added; the first one
 * answered names the release, and the versions that release speaks are
 * known facts of the protocol's history. */

typedef struct { int16_t key, min, max; } api_range_t;

static const api_range_t v0_9[] = { { KC_API_PRODUCE, 0, 1 }, { KC_API_FETCH, 0, 1 },
                                    { KC_API_LIST_OFFSETS, 0, 0 }, { KC_API_METADATA, 0, 0 },
                                    { KC_API_OFFSET_COMMIT, 0, 2 }, { KC_API_OFFSET_FETCH, 0, 1 },
                                    { KC_API_FIND_COORDINATOR, 0, 0 }, { KC_API_JOIN_GROUP, 0, 0 },
                                    { KC_API_HEARTBEAT, 0, 0 }, { KC_API_LEAVE_GROUP, 0, 0 },
                                    { KC_API_SYNC_GROUP, 0, 0 }, { KC_API_DESCRIBE_GROUPS, 0, 0 },
                                    { KC_API_LIST_GROUPS, 0, 0 } };
static const api_range_t v0_8_2[] = { { KC_API_PRODUCE, 0, 0 }, { KC_API_FETCH, 0, 0 },
                                      { KC_API_LIST_OFFSETS, 0, 0 }, { KC_API_METADATA, 0, 0 },
                                      { KC_API_OFFSET_COMMIT, 0, 1 }, { KC_API_OFFSET_FETCH, 0, 1 },
                                      { KC_API_FIND_COORDINATOR, 0, 0 } };
static const api_range_t v0_8_1[] = { { KC_API_PRODUCE, 0, 0 }, { KC_API_FETCH, 0, 0 },
                                      { KC_API_LIST_OFFSETS, 0, 0 }, { KC_API_METADATA, 0, 0 },
                                      { KC_API_OFFSET_COMMIT, 0, 0 }, { KC_API_OFFSET_FETCH, 0, 0 } };
static const api_range_t v0_8_0[] = { { KC_API_PRODUCE, 0, 0 }, { KC_API_FETCH, 0, 0 },
                                      { KC_API_LIST_OFFSETS, 0, 0 }, { KC_API_METADATA, 0, 0 } };

static const struct {
    const char *release;
    int16_t probe_key;          /* the API whose answer proves the release */
    const api_range_t *apis;
    size_t napis;
} legacy[] = {
    { "0.9", KC_API_LIST_GROUPS, v0_9, sizeof v0_9 / sizeof v0_9[0] },
    { "0.8.2", KC_API_FIND_COORDINATOR /* GroupCoordinator then */, v0_8_2, sizeof v0_8_2 / sizeof v0_8_2[0] },
    { "0.8.1", KC_API_OFFSET_FETCH, v0_8_1, sizeof v0_8_1 / sizeof v0_8_1[0] },
    { "0.8.0", KC_API_METADATA, v0_8_0, sizeof v0_8_0 / sizeof v0_8_0[0] },
};
#define NLEGACY ((int)(sizeof legacy / sizeof legacy[0]))
#define PROBE_GROUP "libkafkac-version-probe"

static void legacy_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len, size_t body_off)
{
    /* Any answer with our correlation id means the broker knows the API;
     * its content does not matter. */
    kc_free(call);
    kc_free(frame);
    int step = c->legacy_step;
    for (int i = 0; i < KC_API_KEY_SLOTS; i++)
        c->api_min[i] = c->api_max[i] = -1;
    for (size_t i = 0; i < legacy[step].napis; i++) {
        c->api_min[legacy[step].apis[i].key] = legacy[step].apis[i].min;
        c->api_max[legacy[step].apis[i].key] = legacy[step].apis[i].max;
    }
    c->legacy_release = legacy[step].release;
    c->versions_known = true;
    c->ever_connected = true;
    c->failures = 0;
    c->state = KC_CONN_READY;
    c->last_err[0] = '\0';
    kc_net_conn_now_ready(net, c);
    kc_log(net->o.logger, KAFKAC_LOG_INFO, "broker",
           "node %d (%s:%d) has no ApiVersions; it answered %s v0, so it runs Kafka %s", c->node_id, c->host,
           c->port, kc_api_get(legacy[step].probe_key)->name, legacy[step].release);
}

static void legacy_probe_send(kc_net_t *net, kc_conn_t *c)
{
    int step = c->legacy_step;
    union {
        kc_list_groups_request_t list_groups;
        kc_find_coordinator_request_t find_coordinator;
        kc_offset_fetch_request_t offset_fetch;
        kc_metadata_request_t metadata;
    } u;
    int16_t key = legacy[step].probe_key;
    const kc_api_t *api = kc_api_get(key);
    kc_msg_init(api->request, &u);
    if (key == KC_API_FIND_COORDINATOR)
        u.find_coordinator.key = PROBE_GROUP;
    else if (key == KC_API_OFFSET_FETCH)
        u.offset_fetch.group_id = PROBE_GROUP;
    kc_net_send_setup_call(net, c, key, 0, &u, legacy_done, "probing an old broker");
}

int kc_legacy_after_close(kc_net_t *net, kc_conn_t *c, int closed_in_handshake, char *reason, size_t reasonlen)
{
    if (!closed_in_handshake || c->ever_connected) {
        c->handshake_closes = 0;
        return 0;
    }
    if (!c->legacy_mode) {
        /* A 0.10+ broker never closes on ApiVersions, but one shutting
         * down might: only a second close in a row starts probing. */
        if (++c->handshake_closes < 2)
            return 0;
        c->legacy_mode = 1;
        c->legacy_step = 0;
        kc_log(net->o.logger, KAFKAC_LOG_INFO, "broker",
               "%s:%d closed the connection on ApiVersions twice: probing for a Kafka before 0.10", c->host,
               c->port);
        return 1;
    }
    if (++c->legacy_step < NLEGACY)
        return 1;
    /* Nothing answered: not a Kafka broker we can speak to. */
    c->legacy_mode = 0;
    c->legacy_step = 0;
    c->handshake_closes = 0;
    snprintf(reason, reasonlen, "%s:%d closed the connection on ApiVersions and on every older request: "
             "not a Kafka broker, or a listener expecting TLS/SASL", c->host, c->port);
    return 0;
}

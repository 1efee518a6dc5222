/* The ApiVersions handshake, the first exchange on every connection.
 *
 * We ask with the highest ApiVersions version we know.  A broker that does
 * not speak it answers UNSUPPORTED_VERSION in a version-0 body listing its
 * own range (KIP-511), so on that error, or when the body does not decode
 * as the version we asked, we read the body as v0, take the broker's
 * highest ApiVersions version and ask again.  The answer fills the
 * connection's per-API version table that every later request's version
 * is chosen from. */
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/net_internal.h"

#define CLIENT_SOFTWARE_NAME "libkafkac"
#define CLIENT_SOFTWARE_VERSION "0.1.0"

static void handshake_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                           size_t body_off);

void kc_handshake_send(kc_net_t *net, kc_conn_t *c)
{
    kc_api_versions_request_t req;
    kc_msg_init(&kc_schema_api_versions_request, &req);
    req.client_software_name = CLIENT_SOFTWARE_NAME;
    req.client_software_version = CLIENT_SOFTWARE_VERSION;

    kc_call_t *call = kc_calloc(1, sizeof(*call));
    if (!call) {
        kc_net_conn_failed(net, c, KAFKAC_ERR_NO_MEMORY, "out of memory starting the handshake");
        return;
    }
    call->req.api_key = KC_API_VERSIONS_KEY;
    call->req.msg = &req;    /* encoded right below; not kept */
    call->req.timeout_ms = net->o.handshake_timeout_ms;
    call->deadline = c->state_deadline;
    call->node_id = c->node_id;
    call->version = c->handshake_version;
    call->internal = handshake_done;
    char why[256];
    int rc = kc_net_encode_call(net, c, call, why, sizeof why);
    call->req.msg = NULL;
    if (rc != 0) {
        kc_free(call);
        kc_net_conn_failed(net, c, rc, why);
        return;
    }
    c->inflight_head = c->inflight_tail = call;
    c->inflight_count = 1;
}

static int decode_as(kc_arena_t *arena, const uint8_t *body, size_t len, int16_t version,
                     kc_api_versions_response_t *out)
{
    const kc_api_t *api = kc_api_get(KC_API_VERSIONS_KEY);
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
            if (resp.api_keys[i].api_key == KC_API_VERSIONS_KEY)
                bmax = resp.api_keys[i].max_version;
        kc_free(frame);
        kc_arena_destroy(&arena);
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
    c->ever_connected = true;
    c->failures = 0;
    c->state = KC_CONN_READY;
    c->last_err[0] = '\0';
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "node %d (%s:%d) ready", c->node_id, c->host, c->port);
}

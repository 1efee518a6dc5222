/* The network client: the I/O thread, its poll loop, request routing,
 * timeouts, and the ApiVersions handshake.  See net.h for the contract
 * and docs/ARCHITECTURE.md for where it sits.
 *
 * Life of a request (a "call"):
 *   kc_net_send (any thread) -> submit queue (under lock) -> the loop moves
 *   it to `pending` -> once its broker's connection is READY it is encoded
 *   straight into that connection's output buffer and moves to the
 *   connection's in-flight FIFO -> the response frame comes back, its
 *   correlation id must match the FIFO head (Kafka answers in order on a
 *   connection), the body is decoded and the callback runs.
 * Every call ends in exactly one callback: a response, or an error
 * (timeout, connection lost, no common version, client closing). */
#include "protocol/net.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "protocol/conn.h"
#include "protocol/header.h"
#include "protocol/net_internal.h"

int64_t kc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kc_net_opts_defaults(kc_net_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->client_id = "libkafkac";
    o->request_timeout_ms = 30000;
    o->connect_timeout_ms = 10000;
    o->handshake_timeout_ms = 10000;
    o->reconnect_backoff_ms = 50;
    o->reconnect_backoff_max_ms = 1000;
    o->metadata_max_age_ms = 300000;
    o->retry_backoff_ms = 100;
    o->allow_auto_create_topics = 1;
    o->max_response_bytes = 256LL * 1024 * 1024;
}

void kc_resp_free(kc_resp_t *r)
{
    if (!r)
        return;
    kc_arena_destroy(&r->arena);
    kc_free(r->frame);
    kc_free(r);
}

/* ------------------------------------------------------------------ */
/* Call bookkeeping                                                    */

static kc_resp_t *resp_new(const kc_call_t *call)
{
    kc_resp_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    kc_arena_init(&r->arena, 4096);
    r->api_key = call->req.api_key;
    r->version = call->version;
    r->node_id = call->node_id;
    return r;
}

/* Completes a call with an error.  The callback always runs, even when the
 * response object cannot be allocated: then it gets a static one. */
void kc_call_fail(kc_net_t *net, kc_call_t *call, int err, const char *fmt, ...)
{
    /* The handshake's own call has no callback (nobody waits on it): the
     * connection's failure is what gets logged and retried. */
    if (!call->req.cb) {
        kc_free(call);
        return;
    }
    kc_resp_t *r = resp_new(call);
    static __thread kc_resp_t oom;
    if (!r) {
        memset(&oom, 0, sizeof oom);
        r = &oom;
        r->api_key = call->req.api_key;
    }
    r->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr, sizeof r->errstr, fmt, ap);
    va_end(ap);
    const kc_api_t *api = kc_api_get(call->req.api_key);
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "request", "%s request to node %d failed: %s: %s",
           api ? api->name : "?", call->node_id, kafkac_err_name(err), r->errstr);
    call->req.cb(net, r == &oom ? NULL : r, call->req.opaque);
    kc_free(call);
}

static void list_push(kc_call_t **head, kc_call_t **tail, kc_call_t *c)
{
    c->next = NULL;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

kc_conn_t *kc_net_conn_for(kc_net_t *net, int32_t node_id)
{
    for (int i = 0; i < net->nconns; i++)
        if (net->conns[i]->node_id == node_id)
            return net->conns[i];
    /* Not connected before: look the broker up in metadata. */
    const kc_broker_info_t *b = kc_cluster_broker(net->cluster, KC_NODE_BROKER_OF(node_id));
    if (!b)
        return NULL;
    return kc_net_add_conn(net, node_id, b->host, b->port);
}

kc_conn_t *kc_net_add_conn(kc_net_t *net, int32_t node_id, const char *host, int port)
{
    if (net->nconns == net->conns_cap) {
        int cap = net->conns_cap ? net->conns_cap * 2 : 8;
        kc_conn_t **nc = kc_realloc(net->conns, (size_t)cap * sizeof(*nc));
        if (!nc)
            return NULL;
        net->conns = nc;
        net->conns_cap = cap;
    }
    kc_conn_t *c = kc_conn_new(node_id, host, port);
    if (!c)
        return NULL;
    net->conns[net->nconns++] = c;
    return c;
}

static int64_t backoff_ms(kc_net_t *net, int failures)
{
    int64_t b = net->o.reconnect_backoff_ms;
    for (int i = 1; i < failures && b < net->o.reconnect_backoff_max_ms; i++)
        b *= 2;
    if (b > net->o.reconnect_backoff_max_ms)
        b = net->o.reconnect_backoff_max_ms;
    /* +-20% jitter so that many clients do not reconnect in lockstep. */
    int64_t j = b / 5;
    if (j > 0)
        b += (rand_r(&net->seed) % (2 * j + 1)) - j;
    return b;
}

/* Fails everything in flight on c, closes it, and schedules the retry. */
void kc_net_conn_failed(kc_net_t *net, kc_conn_t *c, int err, const char *why)
{
    char reason[200];
    snprintf(reason, sizeof reason, "%s", why ? why : c->last_err);
    /* The connection may already have closed its socket (a read saw the
     * peer close): then the state it was in is in closed_from. */
    kc_conn_state_t st = c->fd >= 0 ? c->state : c->closed_from;
    int was_ready = st == KC_CONN_READY;
    /* Only a clean close, before any byte of an answer, is what a broker
     * that does not know ApiVersions does. */
    int retry_now = kc_legacy_after_close(net, c,
                                          st == KC_CONN_HANDSHAKE && err == KAFKAC_ERR_TRANSPORT && c->fd < 0 &&
                                              c->closed_clean,
                                          reason, sizeof reason);
    kc_conn_close(c, reason);
    c->failures++;
    c->backoff_until = retry_now ? kc_now_ms() : kc_now_ms() + backoff_ms(net, c->failures);
    kc_log(net->o.logger, was_ready ? KAFKAC_LOG_WARNING : KAFKAC_LOG_INFO, "broker",
           "node %d (%s:%d): %s", c->node_id, c->host, c->port, reason);
    kc_call_t *call = c->inflight_head;
    c->inflight_head = c->inflight_tail = NULL;
    c->inflight_count = 0;
    while (call) {
        kc_call_t *next = call->next;
        kc_call_fail(net, call, err, "%s", reason);
        call = next;
    }
    /* A broker that went away may have lost leadership: refresh (as the
     * Java client does on disconnect). */
    if (was_ready)
        kc_net_md_request(net, "connection lost");
}

/* Starts connecting if c is down and out of backoff. */
static void conn_start(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    if (c->state != KC_CONN_DOWN || now < c->backoff_until)
        return;
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "connecting to node %d at %s:%d", c->node_id, c->host,
           c->port);
    int rc = kc_conn_connect(c, now, net->o.connect_timeout_ms);
    if (rc != 0)
        kc_net_conn_failed(net, c, rc, NULL);
}

/* Connected: the first request on every connection is ApiVersions. */
static void conn_connected(kc_net_t *net, kc_conn_t *c)
{
    c->state = KC_CONN_HANDSHAKE;
    c->state_deadline = kc_now_ms() + net->o.handshake_timeout_ms;
    if (c->handshake_version < 0 || !c->ever_connected)
        c->handshake_version = kc_api_get(KC_API_VERSIONS_KEY)->max_ver;
    kc_handshake_send(net, c);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/* Chooses the version for call on c; 0 or KAFKAC_ERR_UNSUPPORTED_FEATURE. */
static int choose_version(kc_conn_t *c, kc_call_t *call, const kc_api_t *api, char *why, size_t whylen)
{
    int16_t key = call->req.api_key;
    int16_t bmin = key < KC_API_KEY_SLOTS ? c->api_min[key] : -1;
    int16_t bmax = key < KC_API_KEY_SLOTS ? c->api_max[key] : -1;
    if (bmax < 0) {
        snprintf(why, whylen, "broker %d (%s:%d) does not offer %s (API key %d)", c->node_id, c->host, c->port,
                 api->name, key);
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    int16_t hi = api->max_ver;
    if (bmax < hi)
        hi = bmax;
    if (call->req.max_version >= 0 && call->req.max_version < hi)
        hi = call->req.max_version;
    int16_t lo = api->min_ver;
    if (bmin > lo)
        lo = bmin;
    if (call->req.min_version > lo)
        lo = call->req.min_version;
    if (hi < lo) {
        snprintf(why, whylen, "no common %s version: broker %d speaks %d-%d, libkafkac %d-%d, request needs %d-%d",
                 api->name, c->node_id, bmin, bmax, api->min_ver, api->max_ver, call->req.min_version,
                 call->req.max_version < 0 ? api->max_ver : call->req.max_version);
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    call->version = hi;
    return 0;
}

int kc_net_encode_call(kc_net_t *net, kc_conn_t *c, kc_call_t *call, char *why, size_t whylen)
{
    const kc_api_t *api = kc_api_get(call->req.api_key);
    int flexible = kc_api_flexible(api, call->version);
    size_t start = c->out.len;
    size_t size_off = kc_w_reserve(&c->out, 4);
    call->corr_id = c->next_corr_id++;
    if (c->next_corr_id < 0)
        c->next_corr_id = 1;
    kc_req_header_t h = {
        .api_key = call->req.api_key,
        .api_version = call->version,
        .correlation_id = call->corr_id,
        .client_id = net->o.client_id,
    };
    kc_req_header_encode(&c->out, &h, kc_req_header_version(call->req.api_key, call->version, flexible));
    const char *field = NULL;
    int rc = 0;
    if (call->req.raw_body)
        kc_w_raw(&c->out, call->req.raw_body, call->req.raw_len);
    else
        rc = kc_msg_encode(&c->out, api->request, call->req.msg, call->version, flexible, &field);
    if (rc == 0 && c->out.err)
        rc = c->out.err;
    if (rc != 0) {
        /* Drop the half-written frame; the buffer stays usable. */
        c->out.len = start;
        c->out.err = 0;
        snprintf(why, whylen, "cannot encode %s v%d%s%s", api->name, call->version, field ? ": field " : "",
                 field ? field : "");
        return rc;
    }
    kc_w_patch_i32(&c->out, size_off, (int32_t)(c->out.len - size_off - 4));
    return 0;
}

/* Puts a call on a ready connection.  Returns 1 if it was consumed (sent
 * or failed), 0 if it must wait. */
static int dispatch(kc_net_t *net, kc_conn_t *c, kc_call_t *call)
{
    char why[256];
    const kc_api_t *api = kc_api_get(call->req.api_key);
    call->node_id = c->node_id;
    why[0] = '\0';
    int rc = 0;
    if (call->req.api_key == KC_PSEUDO_BROKER_VERSIONS) {
        kc_resp_t *r = resp_new(call);
        kc_broker_versions_t *v = r ? kc_arena_alloc(&r->arena, sizeof(*v)) : NULL;
        if (!v) {
            kc_resp_free(r);
            kc_call_fail(net, call, KAFKAC_ERR_NO_MEMORY, "out of memory");
            return 1;
        }
        memcpy(v->min, c->api_min, sizeof v->min);
        memcpy(v->max, c->api_max, sizeof v->max);
        v->legacy_release = c->legacy_release;
        r->msg = v;
        call->req.cb(net, r, call->req.opaque);
        kc_free(call);
        return 1;
    }
    if (call->req.raw_body)
        call->version = call->req.max_version; /* raw: exactly what the caller encoded */
    else
        rc = choose_version(c, call, api, why, sizeof why);
    if (rc == 0 && call->req.build)
        rc = call->req.build(net, call->version, call->req.msg, call->req.opaque);
    if (rc == 0)
        rc = kc_net_encode_call(net, c, call, why, sizeof why);
    if (rc != 0) {
        if (rc != KAFKAC_ERR_UNSUPPORTED_FEATURE && why[0] == '\0')
            snprintf(why, sizeof why, "%s", kafkac_err_str(rc));
        kc_call_fail(net, call, rc, "%s", why);
        return 1;
    }
    if (call->req.no_response) {
        /* Nothing will come back (Produce acks=0): done once queued. */
        kc_resp_t *r = resp_new(call);
        call->req.cb(net, r, call->req.opaque);
        kc_free(call);
        return 1;
    }
    list_push(&c->inflight_head, &c->inflight_tail, call);
    c->inflight_count++;
    return 1;
}

/* The ready connection with the fewest requests in flight, or NULL. */
static kc_conn_t *least_loaded_ready(kc_net_t *net)
{
    kc_conn_t *best = NULL;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if (KC_NODE_IS_GROUP_CONN(c->node_id))
            continue;  /* may be held by a JoinGroup */
        if (c->state == KC_CONN_READY && (!best || c->inflight_count < best->inflight_count))
            best = c;
    }
    return best;
}

/* With nothing ready: start one connection, the one out of backoff that
 * failed least recently (real brokers before bootstrap entries). */
static void connect_some(kc_net_t *net, int64_t now)
{
    kc_conn_t *best = NULL;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if (c->state == KC_CONN_CONNECTING || c->state == KC_CONN_HANDSHAKE)
            return; /* one attempt at a time */
        if (c->state == KC_CONN_DOWN && now >= c->backoff_until && !KC_NODE_IS_GROUP_CONN(c->node_id) &&
            (!best || c->failures < best->failures))
            best = c;
    }
    /* Brokers from metadata that have no connection object yet. */
    if (!best || best->failures > 0) {
        for (int i = 0; i < net->cluster->broker_count; i++) {
            const kc_broker_info_t *b = &net->cluster->brokers[i];
            int known = 0;
            for (int j = 0; j < net->nconns; j++)
                known |= net->conns[j]->node_id == b->id;
            if (!known) {
                best = kc_net_add_conn(net, b->id, b->host, b->port);
                break;
            }
        }
    }
    if (best)
        conn_start(net, best, now);
}

static const char *call_name(const kc_call_t *call)
{
    const kc_api_t *api = kc_api_get(call->req.api_key);
    return api ? api->name : "broker versions";
}

/* Builds the message for a call that could not get a connection. */
static void fail_unreachable(kc_net_t *net, kc_call_t *call, int32_t target)
{
    char detail[200] = "";
    int all_down = 1;
    int n = 0;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if (target != KC_NODE_ANY && target != KC_NODE_CONTROLLER && c->node_id != target)
            continue;
        if (c->state != KC_CONN_DOWN || !c->last_err[0])
            all_down = 0;
        if (c->last_err[0] && n++ == 0)
            snprintf(detail, sizeof detail, "%s", c->last_err);
    }
    if (target == KC_NODE_ANY && all_down && n > 0)
        kc_call_fail(net, call, KAFKAC_ERR_ALL_BROKERS_DOWN,
                     "%s: no broker reachable within %d ms (last error: %s)", call_name(call), call->req.timeout_ms,
                     detail);
    else if (target == KC_NODE_CONTROLLER && net->cluster->controller_id < 0)
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s: controller not known within %d ms", call_name(call),
                     call->req.timeout_ms);
    else
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s to node %s: no connection within %d ms%s%s", call_name(call),
                     target == KC_NODE_ANY ? "any" : (target == KC_NODE_CONTROLLER ? "controller" : "given"),
                     call->req.timeout_ms, detail[0] ? ": " : "", detail);
}

/* Tries to place every pending call.  Returns the earliest deadline. */
static int64_t route_pending(kc_net_t *net, int64_t now)
{
    kc_call_t *keep_head = NULL, *keep_tail = NULL;
    kc_call_t *call = net->pending_head;
    net->pending_head = net->pending_tail = NULL;
    int64_t next = INT64_MAX;
    int need_any = 0;
    while (call) {
        kc_call_t *nextc = call->next;
        int32_t target = call->req.node_id;
        if (target == KC_NODE_CONTROLLER)
            target = net->cluster->controller_id >= 0 ? net->cluster->controller_id : KC_NODE_CONTROLLER;
        kc_conn_t *c = NULL;
        if (target == KC_NODE_ANY)
            c = least_loaded_ready(net);
        else if (target != KC_NODE_CONTROLLER)
            c = kc_net_conn_for(net, target);
        if (c && c->state == KC_CONN_READY) {
            dispatch(net, c, call);
        } else if (now >= call->deadline) {
            fail_unreachable(net, call, call->req.node_id);
        } else {
            if (c)
                conn_start(net, c, now);
            else if (target == KC_NODE_ANY)
                need_any = 1;
            else
                kc_net_md_request(net, "request for an unknown broker or controller");
            list_push(&keep_head, &keep_tail, call);
            if (call->deadline < next)
                next = call->deadline;
        }
        call = nextc;
    }
    /* Calls placed after this scan joined net->pending meanwhile (from
     * callbacks); keep them after the ones kept here. */
    if (keep_head) {
        keep_tail->next = net->pending_head;
        if (!net->pending_head)
            net->pending_tail = keep_tail;
        net->pending_head = keep_head;
    }
    if (need_any)
        connect_some(net, now);
    return next;
}

void kc_net_enqueue_local(kc_net_t *net, kc_call_t *call)
{
    list_push(&net->pending_head, &net->pending_tail, call);
}

int kc_net_send(kc_net_t *net, const kc_req_t *req)
{
    if (!net || !req || !req->cb)
        return KAFKAC_ERR_INVALID_ARG;
    if (!kc_api_get(req->api_key) && req->api_key != KC_PSEUDO_BROKER_VERSIONS)
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    kc_call_t *call = kc_calloc(1, sizeof(*call));
    if (!call)
        return KAFKAC_ERR_NO_MEMORY;
    call->req = *req;
    if (call->req.timeout_ms <= 0)
        call->req.timeout_ms = net->o.request_timeout_ms;
    call->deadline = kc_now_ms() + call->req.timeout_ms;
    call->node_id = req->node_id;
    call->version = -1;
    pthread_mutex_lock(&net->lock);
    if (net->terminating) {
        pthread_mutex_unlock(&net->lock);
        kc_free(call);
        return KAFKAC_ERR_DESTROYED;
    }
    list_push(&net->submit_head, &net->submit_tail, call);
    pthread_mutex_unlock(&net->lock);
    kc_net_wakeup(net);
    return 0;
}

void kc_net_wakeup(kc_net_t *net)
{
    uint64_t one = 1;
    /* A full eventfd counter already means "woken"; nothing to do. */
    ssize_t n = write(net->wake_fd, &one, sizeof one);
    (void)n;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

static void handle_frame(kc_net_t *net, kc_conn_t *c, uint8_t *frame, size_t len)
{
    kc_call_t *call = c->inflight_head;
    kc_reader_t r;
    kc_reader_init(&r, frame, len);
    if (!call) {
        char why[200];
        snprintf(why, sizeof why, "%s:%d sent a response nobody asked for", c->host, c->port);
        kc_free(frame);
        kc_net_conn_failed(net, c, KAFKAC_ERR_CORRELATION_MISMATCH, why);
        return;
    }
    const kc_api_t *api = kc_api_get(call->req.api_key);
    int32_t corr = 0;
    kc_resp_header_decode(&r, &corr, kc_resp_header_version(call->req.api_key, call->version,
                                                            kc_api_flexible(api, call->version)));
    if (!kc_r_ok(&r) || corr != call->corr_id) {
        char why[200];
        snprintf(why, sizeof why, "%s:%d answered correlation id %d, expected %d: closing the connection", c->host,
                 c->port, corr, call->corr_id);
        kc_free(frame);
        kc_net_conn_failed(net, c, KAFKAC_ERR_CORRELATION_MISMATCH, why);
        return;
    }
    c->inflight_head = call->next;
    if (!c->inflight_head)
        c->inflight_tail = NULL;
    c->inflight_count--;

    if (call->internal) {
        /* The handshake parses its own response. */
        call->internal(net, c, call, frame, len, r.pos);
        return;
    }
    kc_resp_t *resp = resp_new(call);
    if (!resp) {
        kc_free(frame);
        kc_call_fail(net, call, KAFKAC_ERR_NO_MEMORY, "out of memory for the %s response", api->name);
        return;
    }
    resp->frame = frame;
    resp->frame_len = len;
    resp->body_off = r.pos;
    if (call->req.raw_body) {
        c->failures = 0;
        call->req.cb(net, resp, call->req.opaque);
        kc_free(call);
        return;
    }
    resp->msg = kc_arena_alloc(&resp->arena, api->response->size);
    int rc = resp->msg ? kc_msg_decode(&r, api->response, resp->msg, call->version, kc_api_flexible(api, call->version),
                                       &resp->arena)
                       : KAFKAC_ERR_NO_MEMORY;
    if (rc == 0 && kc_r_remaining(&r) != 0)
        kc_r_fail(&r, rc = KAFKAC_ERR_MALFORMED, "(bytes after the message)");
    if (rc != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s:%d sent a %s v%d response that does not decode: %s at %s", c->host, c->port,
                 api->name, call->version, kafkac_err_name(rc), r.err_field ? r.err_field : "?");
        kc_resp_free(resp);
        /* The stream itself is intact (framing held) but we can no longer
         * trust this broker's bytes: fail this call, drop the connection. */
        kc_call_fail(net, call, KAFKAC_ERR_MALFORMED, "%s", why);
        kc_net_conn_failed(net, c, KAFKAC_ERR_TRANSPORT, why);
        return;
    }
    c->failures = 0;
    call->req.cb(net, resp, call->req.opaque);
    kc_free(call);
}

static void conn_readable(kc_net_t *net, kc_conn_t *c)
{
    for (int i = 0; i < 64 && c->fd >= 0; i++) {
        uint8_t *frame;
        size_t len;
        int rc = kc_conn_read_frame(c, net->o.max_response_bytes, &frame, &len);
        if (rc == 0)
            return;
        if (rc < 0) {
            /* TRANSPORT (closed, reset), MALFORMED (impossible size prefix) or
             * NO_MEMORY, as kc_conn_read_frame said. */
            kc_net_conn_failed(net, c, rc, NULL);
            return;
        }
        handle_frame(net, c, frame, len);
    }
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static void take_submitted(kc_net_t *net)
{
    pthread_mutex_lock(&net->lock);
    kc_call_t *h = net->submit_head;
    net->submit_head = net->submit_tail = NULL;
    pthread_mutex_unlock(&net->lock);
    while (h) {
        kc_call_t *n = h->next;
        kc_net_enqueue_local(net, h);
        h = n;
    }
}

static int64_t check_timeouts(kc_net_t *net, int64_t now)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if ((c->state == KC_CONN_CONNECTING || c->state == KC_CONN_HANDSHAKE)) {
            if (now >= c->state_deadline) {
                char why[200];
                snprintf(why, sizeof why, "%s to %s:%d timed out after %d ms",
                         c->state == KC_CONN_CONNECTING ? "connecting" : "ApiVersions handshake", c->host, c->port,
                         c->state == KC_CONN_CONNECTING ? net->o.connect_timeout_ms : net->o.handshake_timeout_ms);
                kc_net_conn_failed(net, c, KAFKAC_ERR_TIMED_OUT, why);
            } else if (c->state_deadline < next) {
                next = c->state_deadline;
            }
        }
        /* Responses come in order, so a late head blocks all behind it:
         * like the Java client, give up on the connection. */
        if (c->state == KC_CONN_READY && c->inflight_head) {
            if (now >= c->inflight_head->deadline) {
                char why[200];
                const kc_api_t *api = kc_api_get(c->inflight_head->req.api_key);
                snprintf(why, sizeof why, "%s request to %s:%d timed out after %d ms", api->name, c->host, c->port,
                         c->inflight_head->req.timeout_ms);
                kc_net_conn_failed(net, c, KAFKAC_ERR_TIMED_OUT, why);
            } else if (c->inflight_head->deadline < next) {
                next = c->inflight_head->deadline;
            }
        }
        if (c->state == KC_CONN_DOWN && c->backoff_until > now && c->backoff_until < next && net->pending_head)
            next = c->backoff_until;
    }
    return next;
}

static void *io_thread(void *arg)
{
    kc_net_t *net = arg;
    struct pollfd *pfds = NULL;
    int pfds_cap = 0;
    for (;;) {
        pthread_mutex_lock(&net->lock);
        int stop = net->terminating;
        pthread_mutex_unlock(&net->lock);
        if (stop)
            break;
        int64_t now = kc_now_ms();
        take_submitted(net);
        int64_t next = kc_net_metadata_serve(net, now);
        /* Services may still be registering (kc_net_add_service reallocs
         * the array under the lock) while this thread already runs: copy
         * each entry under the lock, call it outside. */
        for (int i = 0;; i++) {
            pthread_mutex_lock(&net->lock);
            kc_service_t svc = { 0 };
            if (i < net->nservices)
                svc = net->services[i];
            pthread_mutex_unlock(&net->lock);
            if (!svc.fn)
                break;
            int64_t t = svc.fn(net, now, svc.opaque);
            if (t < next)
                next = t;
        }
        take_submitted(net);
        int64_t t = route_pending(net, now);
        if (t < next)
            next = t;
        t = check_timeouts(net, now);
        if (t < next)
            next = t;
        /* Write what is queued before sleeping. */
        for (int i = 0; i < net->nconns; i++) {
            kc_conn_t *c = net->conns[i];
            if ((c->state == KC_CONN_READY || c->state == KC_CONN_HANDSHAKE) && kc_conn_wants_write(c) &&
                kc_conn_flush(c) != 0)
                kc_net_conn_failed(net, c, KAFKAC_ERR_TRANSPORT, NULL);
        }

        if (pfds_cap < net->nconns + 1) {
            struct pollfd *np = kc_realloc(pfds, (size_t)(net->nconns + 1) * sizeof(*np));
            if (!np) {
                /* Cannot poll everything: sleep briefly and retry. */
                usleep(10000);
                continue;
            }
            pfds = np;
            pfds_cap = net->nconns + 1;
        }
        int n = 0;
        pfds[n].fd = net->wake_fd;
        pfds[n].events = POLLIN;
        n++;
        for (int i = 0; i < net->nconns; i++) {
            kc_conn_t *c = net->conns[i];
            if (c->fd < 0)
                continue;
            pfds[n].fd = c->fd;
            pfds[n].events = c->state == KC_CONN_CONNECTING ? POLLOUT
                                                            : (short)(POLLIN | (kc_conn_wants_write(c) ? POLLOUT : 0));
            pfds[n].revents = 0;
            n++;
        }
        now = kc_now_ms();
        int timeout = next == INT64_MAX ? 1000 : (next <= now ? 0 : (int)(next - now > 1000 ? 1000 : next - now));
        int rc = poll(pfds, (nfds_t)n, timeout);
        if (rc < 0 && errno != EINTR)
            usleep(1000);
        if (rc <= 0)
            continue;
        if (pfds[0].revents & POLLIN) {
            uint64_t v;
            ssize_t rd = read(net->wake_fd, &v, sizeof v);
            (void)rd;
        }
        /* Match pollfds back to connections by fd (conns may have closed
         * meanwhile; a closed one simply has no match). */
        for (int k = 1; k < n; k++) {
            if (!pfds[k].revents)
                continue;
            kc_conn_t *c = NULL;
            for (int i = 0; i < net->nconns; i++)
                if (net->conns[i]->fd == pfds[k].fd)
                    c = net->conns[i];
            if (!c)
                continue;
            if (c->state == KC_CONN_CONNECTING) {
                if (kc_conn_finish_connect(c) == 0)
                    conn_connected(net, c);
                else
                    kc_net_conn_failed(net, c, KAFKAC_ERR_TRANSPORT, NULL);
                continue;
            }
            if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR))
                conn_readable(net, c);
            if (c->fd >= 0 && (pfds[k].revents & POLLOUT) && kc_conn_flush(c) != 0)
                kc_net_conn_failed(net, c, KAFKAC_ERR_TRANSPORT, NULL);
        }
    }
    kc_free(pfds);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Create / destroy                                                    */

void kc_net_opts_from_settings(kc_net_opts_t *o, const kc_settings_t *s)
{
    kc_net_opts_defaults(o);
    o->bootstrap = &s->bootstrap;
    o->client_id = s->client_id;
    o->request_timeout_ms = (int)s->request_timeout_ms;
    o->connect_timeout_ms = (int)s->socket_connection_setup_timeout_ms;
    o->handshake_timeout_ms = (int)s->api_version_request_timeout_ms;
    o->reconnect_backoff_ms = (int)s->reconnect_backoff_ms;
    o->reconnect_backoff_max_ms = (int)s->reconnect_backoff_max_ms;
    o->metadata_max_age_ms = (int)s->metadata_max_age_ms;
    o->retry_backoff_ms = (int)s->retry_backoff_ms;
    o->allow_auto_create_topics = s->allow_auto_create_topics;
    o->logger = &s->log;
}

kc_net_t *kc_net_new(const kc_net_opts_t *opts, char *errstr, size_t errlen)
{
    kc_net_t *net = kc_calloc(1, sizeof(*net));
    if (!net) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    net->o = *opts;
    net->client_id = kc_strdup(opts->client_id ? opts->client_id : "libkafkac");
    net->o.client_id = net->client_id;
    net->wake_fd = -1;
    net->seed = (unsigned)kc_now_ms() ^ (unsigned)(uintptr_t)net;
    pthread_mutex_init(&net->lock, NULL);
    pthread_cond_init(&net->cluster_cond, NULL);
    net->cluster = kc_cluster_empty();
    if (!net->client_id || !net->cluster) {
        snprintf(errstr, errlen, "out of memory");
        goto fail;
    }
    if (!opts->bootstrap || opts->bootstrap->n == 0) {
        snprintf(errstr, errlen, "bootstrap.servers is empty: name at least one host:port");
        goto fail;
    }
    for (size_t i = 0; i < opts->bootstrap->n; i++) {
        if (!kc_net_add_conn(net, -1 - (int32_t)i, opts->bootstrap->v[i].host, opts->bootstrap->v[i].port)) {
            snprintf(errstr, errlen, "out of memory");
            goto fail;
        }
    }
    net->o.bootstrap = NULL; /* copied into connections; not kept */
    net->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (net->wake_fd < 0) {
        snprintf(errstr, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    kc_net_metadata_init(net);
    if (pthread_create(&net->thread, NULL, io_thread, net) != 0) {
        snprintf(errstr, errlen, "cannot start the I/O thread");
        goto fail;
    }
    net->thread_started = 1;
    return net;
fail:
    kc_net_destroy(net);
    return NULL;
}

static void fail_list(kc_net_t *net, kc_call_t *call, const char *why)
{
    while (call) {
        kc_call_t *n = call->next;
        kc_call_fail(net, call, KAFKAC_ERR_DESTROYED, "%s", why);
        call = n;
    }
}

void kc_net_destroy(kc_net_t *net)
{
    if (!net)
        return;
    if (net->thread_started) {
        pthread_mutex_lock(&net->lock);
        net->terminating = 1;
        pthread_mutex_unlock(&net->lock);
        kc_net_wakeup(net);
        pthread_join(net->thread, NULL);
    }
    /* The thread has stopped: everything below is ours alone. */
    fail_list(net, net->submit_head, "client closed before the request was sent");
    fail_list(net, net->pending_head, "client closed before the request was sent");
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        fail_list(net, c->inflight_head, "client closed while the request was in flight");
        kc_conn_free(c);
    }
    kc_free(net->conns);
    kc_net_metadata_free(net);
    kc_cluster_unref(net->cluster);
    kc_free(net->services);
    if (net->wake_fd >= 0)
        close(net->wake_fd);
    pthread_cond_destroy(&net->cluster_cond);
    pthread_mutex_destroy(&net->lock);
    kc_free(net->client_id);
    kc_free(net);
}

int kc_net_add_service(kc_net_t *net, kc_service_fn fn, void *opaque)
{
    pthread_mutex_lock(&net->lock);
    kc_service_t *s = kc_realloc(net->services, (size_t)(net->nservices + 1) * sizeof(*s));
    if (!s) {
        pthread_mutex_unlock(&net->lock);
        return KAFKAC_ERR_NO_MEMORY;
    }
    net->services = s;
    s[net->nservices].fn = fn;
    s[net->nservices].opaque = opaque;
    net->nservices++;
    pthread_mutex_unlock(&net->lock);
    kc_net_wakeup(net);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Synchronous calls                                                   */

typedef struct waiter {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int done;
    kc_resp_t *resp;
    int err;       /* when the callback got no response object (out of memory) */
    kc_build_cb build;   /* the caller's, with its own opaque */
    void *opaque;
} waiter_t;

/* kc_net_call takes over req.opaque for the waiter; the caller's build
 * callback must still see the caller's opaque. */
static int waiter_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    waiter_t *w = opaque;
    return w->build(net, version, msg, w->opaque);
}

static void waiter_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    waiter_t *w = opaque;
    pthread_mutex_lock(&w->m);
    w->resp = resp;
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->m);
}

kc_resp_t *kc_net_call(kc_net_t *net, const kc_req_t *req)
{
    waiter_t w;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.m, NULL);
    pthread_cond_init(&w.cv, NULL);
    kc_req_t r = *req;
    r.cb = waiter_cb;
    r.opaque = &w;
    w.build = req->build;
    w.opaque = req->opaque;
    if (req->build)
        r.build = waiter_build;
    int rc = kc_net_send(net, &r);
    kc_resp_t *resp;
    if (rc != 0) {
        resp = kc_calloc(1, sizeof(*resp));
        if (resp) {
            kc_arena_init(&resp->arena, 256);
            resp->err = rc;
            resp->api_key = req->api_key;
            resp->version = -1;
            snprintf(resp->errstr, sizeof resp->errstr, "%s", kafkac_err_str(rc));
        }
    } else {
        pthread_mutex_lock(&w.m);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.m);
        pthread_mutex_unlock(&w.m);
        resp = w.resp;
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.m);
    return resp;
}

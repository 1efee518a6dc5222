/* The network client's connections (see net.c for the whole picture):
 * finding or adding the connection for a broker, starting a connect,
 * failing a connection (its in-flight calls fail, it backs off and
 * reconnects), and reading frames off it into responses. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "protocol/conn.h"
#include "protocol/header.h"
#include "protocol/net_int.h"
#include "protocol/transport.h"

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
    if (kc_array_room(&net->conns, &net->conns_cap, net->nconns, sizeof(*net->conns), 8) != 0)
        return NULL;
    kc_conn_t *c = kc_conn_new(node_id, host, port);
    if (!c)
        return NULL;
    c->tls = net->tls;
    net->conns[net->nconns++] = c;
    return c;
}

int64_t kc_net_backoff_ms(int64_t base, int64_t max, int failures, unsigned *seed)
{
    int64_t b = base;
    for (int i = 1; i < failures && b < max; i++)
        b *= 2;
    if (b > max)
        b = max;
    int64_t j = b / 5;
    if (j > 0)
        b += (rand_r(seed) % (2 * j + 1)) - j;
    return b;
}

/* Fails everything in flight on c, closes it, and schedules the retry. */
/* Fails the pending calls addressed to node_id (not those for any broker
 * or for the controller, which can go elsewhere). */
static void fail_waiting_for(kc_net_t *net, int32_t node_id, int err, const char *reason)
{
    kc_call_t *keep_head = NULL, *keep_tail = NULL, *fail_head = NULL, *fail_tail = NULL;
    kc_call_t *call = net->pending_head;
    net->pending_head = net->pending_tail = NULL;
    while (call) {
        kc_call_t *next = call->next;
        if (call->req.node_id == node_id)
            kc_call_list_push(&fail_head, &fail_tail, call);
        else
            kc_call_list_push(&keep_head, &keep_tail, call);
        call = next;
    }
    net->pending_head = keep_head;
    net->pending_tail = keep_tail;
    /* Callbacks may queue new calls: only after the list is whole again. */
    while (fail_head) {
        kc_call_t *next = fail_head->next;
        kc_call_fail(net, fail_head, err, "%s", reason);
        fail_head = next;
    }
}

/* Whether a connection other than c is ready or being set up. */
static bool other_hope(kc_net_t *net, const kc_conn_t *c)
{
    for (int i = 0; i < net->nconns; i++) {
        const kc_conn_t *o = net->conns[i];
        if (o != c && o->state != KC_CONN_DOWN)
            return true;
    }
    return false;
}

void kc_net_conn_failed(kc_net_t *net, kc_conn_t *c, int err, const char *why)
{
    char reason[200];
    snprintf(reason, sizeof reason, "%s", why ? why : c->last_err);
    /* The connection may already have closed its socket (a read saw the
     * peer close): then the state it was in is in closed_from. */
    kc_conn_state_t st = c->fd >= 0 || c->state == KC_CONN_RESOLVING ? c->state : c->closed_from;
    /* A connection re-authenticating (KIP-368) still counts as ready. */
    int was_ready = st == KC_CONN_READY || (st == KC_CONN_AUTH && c->reauth);
    kc_sasl_conn_reset(c);
    /* Only a clean close, before any byte of an answer, is what a broker
     * that does not know ApiVersions does. */
    int retry_now = kc_legacy_after_close(net, c,
                                          st == KC_CONN_HANDSHAKE && err == KAFKAC_ERR_TRANSPORT && c->fd < 0 &&
                                              c->closed_clean,
                                          reason, sizeof reason);
    kc_conn_close(c, reason);
    c->failures++;
    c->last_err_code = err;
    pthread_mutex_lock(&net->lock);
    if (was_ready)
        net->nready--;
    /* Connections closed for idleness count as reachable only until an
     * attempt fails: from then on only a ready connection does, so that a
     * broker that died while we were idle is noticed. */
    int lost = was_ready || net->nidle > 0;
    if (net->nidle > 0) {
        for (int i = 0; i < net->nconns; i++)
            net->conns[i]->idle_closed = false;
        net->nidle = 0;
    }
    if (lost && net->nready == 0)
        net->down_since = kc_now_ms();
    net->reach_err = err;
    snprintf(net->reach_why, sizeof net->reach_why, "%s", reason);
    pthread_mutex_unlock(&net->lock);
    int64_t wait = retry_now ? 0
                             : kc_net_backoff_ms(net->o.reconnect_backoff_ms, net->o.reconnect_backoff_max_ms,
                                                 c->failures, &net->seed);
    c->backoff_until = kc_now_ms() + wait;
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
    /* Calls still waiting for this very broker fail too, rather than sit
     * until their deadline: the layer that chose the broker (a partition's
     * leader, a coordinator) retries with fresh metadata, as Java's
     * clients fail unsent requests on a disconnect.  Not while probing an
     * old broker, which reconnects at once on purpose. */
    if (!retry_now)
        fail_waiting_for(net, c->node_id, err, reason);
    /* A TLS failure does not mend by retrying (a certificate check, TLS
     * against a plaintext listener): when no other connection is up or on
     * its way, calls for any broker fail now with it rather than at their
     * deadlines.  The client keeps reconnecting in the background. */
    if (err == KAFKAC_ERR_SSL && !other_hope(net, c)) {
        fail_waiting_for(net, KC_NODE_ANY, err, reason);
        fail_waiting_for(net, KC_NODE_CONTROLLER, err, reason);
    }
    /* A broker that went away may have lost leadership: refresh (as the
     * Java client does on disconnect). */
    if (was_ready)
        kc_net_md_request(net, "connection lost");
}

void kc_net_conn_now_ready(kc_net_t *net, kc_conn_t *c)
{
    c->last_recv_ms = c->last_used_ms = kc_now_ms();
    pthread_mutex_lock(&net->lock);
    net->nready++;
    if (c->idle_closed) {
        c->idle_closed = false;
        net->nidle--;
    }
    pthread_mutex_unlock(&net->lock);
}

/* connections.max.idle.ms: a ready connection with nothing in flight or
 * queued that carried nothing for that long is closed.  That is not a
 * failure: no warning, no backoff, no metadata refresh, and until a
 * reconnect to it fails the broker still counts as reachable (nidle).
 * The next request for the broker reconnects.  Returns when to look
 * again. */
int64_t kc_net_check_idle(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    if (net->o.connections_max_idle_ms <= 0 || c->inflight_head || kc_conn_wants_write(c))
        return INT64_MAX;   /* busy: looked at again once its answer is in */
    int64_t at = c->last_used_ms + net->o.connections_max_idle_ms;
    if (now < at)
        return at;
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "node %d (%s:%d): closing the connection, idle for %lld ms",
           c->node_id, c->host, c->port, (long long)(now - c->last_used_ms));
    kc_conn_close(c, NULL);
    c->idle_closed = true;
    c->backoff_until = 0;
    pthread_mutex_lock(&net->lock);
    net->nready--;
    net->nidle++;
    pthread_mutex_unlock(&net->lock);
    return INT64_MAX;
}

int kc_net_reachability(kc_net_t *net, int64_t *down_ms, char *why, size_t whylen)
{
    pthread_mutex_lock(&net->lock);
    int ready = net->nready + net->nidle > 0;
    int err = net->reach_err;
    int64_t since = net->down_since;
    if (why && whylen)
        snprintf(why, whylen, "%s", ready ? "" : net->reach_why);
    pthread_mutex_unlock(&net->lock);
    if (down_ms)
        *down_ms = ready ? 0 : kc_now_ms() - since;
    if (ready)
        return 0;
    if (err == KAFKAC_ERR_RESOLVE || err == KAFKAC_ERR_TIMED_OUT || err == KAFKAC_ERR_SSL || kc_net_auth_error(err))
        return err;
    return err == 0 ? KAFKAC_ERR_TIMED_OUT : KAFKAC_ERR_ALL_BROKERS_DOWN;
}

/* Connects to the next address of c's last lookup. */
static void connect_next(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    const kc_addr_t *a = &c->addrs.v[c->addr_index++];
    int rc = kc_conn_connect_addr(c, now, c->connect_timeout_ms, a);
    if (rc != 0)
        kc_net_conn_failed(net, c, rc, NULL);
}

/* Starts connecting if c is down and out of backoff: to the next address
 * of its last lookup (client.dns.lookup=use_all_dns_ips tries each in turn
 * across attempts), else after a new lookup -- at once for a literal
 * address, on a resolver thread for a name (state RESOLVING, bounded by
 * the connect timeout). */
void kc_net_conn_start(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    if (c->state != KC_CONN_DOWN || now < c->backoff_until)
        return;
    /* KIP-601: the setup timeout doubles per consecutive failure, from
     * socket.connection.setup.timeout.ms up to its .max.ms, +-20% jitter. */
    int timeout = (int)kc_net_backoff_ms(net->o.connect_timeout_ms, net->o.connect_timeout_max_ms, c->failures + 1,
                                         &net->seed);
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "connecting to node %d at %s:%d (timeout %d ms)", c->node_id,
           c->host, c->port, timeout);
    c->sndbuf = net->o.socket_send_buffer_bytes;
    c->rcvbuf = net->o.socket_receive_buffer_bytes;
    c->connect_timeout_ms = timeout;
    c->attempt_started_ms = now;
    if (c->addr_index < c->addrs.n) {
        connect_next(net, c, now);
        return;
    }
    kc_addrs_free(&c->addrs);
    c->addr_index = 0;
    const char *why = NULL;
    if (kc_resolve_now(c->host, c->port, 1, &c->addrs, &why) == 0) {
        connect_next(net, c, now);
        return;
    }
    if (!c->lookup_pending) {
        c->lookup_gen++;
        int rc = kc_resolver_start(net->resolver, c, c->lookup_gen, c->host, c->port);
        if (rc != 0) {
            snprintf(c->last_err, sizeof c->last_err, "cannot resolve %s:%d: no resolver thread", c->host, c->port);
            kc_net_conn_failed(net, c, KAFKAC_ERR_RESOLVE, NULL);
            return;
        }
        c->lookup_pending = true;
    }
    c->state = KC_CONN_RESOLVING;
    c->state_deadline = now + timeout;
}

void kc_net_take_lookups(kc_net_t *net, int64_t now)
{
    kc_lookup_t l;
    while (kc_resolver_take(net->resolver, &l)) {
        kc_conn_t *c = NULL;
        for (int i = 0; i < net->nconns && !c; i++)
            if (net->conns[i] == l.owner)
                c = net->conns[i];
        if (!c || l.gen != c->lookup_gen) {
            kc_addrs_free(&l.addrs);
            continue;
        }
        c->lookup_pending = false;
        if (l.rc != 0) {
            /* Only an attempt still waiting fails; one that timed out
             * already counted its failure and will look up again. */
            if (c->state == KC_CONN_RESOLVING) {
                snprintf(c->last_err, sizeof c->last_err, "cannot resolve %s:%d: %s", c->host, c->port, l.err);
                kc_net_conn_failed(net, c, KAFKAC_ERR_RESOLVE, NULL);
            }
            continue;
        }
        /* Kept for the next attempt if this one gave up waiting. */
        kc_addrs_free(&c->addrs);
        c->addrs = l.addrs;
        c->addr_index = 0;
        if (c->state == KC_CONN_RESOLVING) {
            c->state = KC_CONN_DOWN;
            connect_next(net, c, now);
        }
    }
}

static void start_api_versions(kc_net_t *net, kc_conn_t *c);

/* Connected: the transport's own handshake (TLS) first, within the
 * connect's deadline (state_deadline stays); then the first request on
 * every connection is ApiVersions. */
void kc_net_conn_connected(kc_net_t *net, kc_conn_t *c)
{
    if (kc_conn_needs_handshake(c)) {
        c->state = KC_CONN_TLS;
        kc_net_conn_tls_step(net, c);
        return;
    }
    start_api_versions(net, c);
}

void kc_net_conn_tls_step(kc_net_t *net, kc_conn_t *c)
{
    int rc = kc_conn_handshake(c);
    if (rc == 0)
        return;
    if (rc < 0) {
        kc_net_conn_failed(net, c, rc, NULL);
        return;
    }
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "node %d (%s:%d): TLS handshake done in %lld ms%s", c->node_id,
           c->host, c->port, (long long)(kc_now_ms() - c->attempt_started_ms),
           kc_tls_ktls_active(c) ? " (kernel TLS sends)" : "");
    start_api_versions(net, c);
}

static void start_api_versions(kc_net_t *net, kc_conn_t *c)
{
    c->state = KC_CONN_HANDSHAKE;
    c->state_deadline = kc_now_ms() + net->o.handshake_timeout_ms;
    if (c->handshake_version < 0 || !c->ever_connected)
        c->handshake_version = kc_api_get(KC_API_API_VERSIONS)->max_ver;
    kc_handshake_send(net, c);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

static void handle_frame(kc_net_t *net, kc_conn_t *c, uint8_t *frame, size_t len)
{
    kc_call_t *call = c->inflight_head;
    c->last_recv_ms = c->last_used_ms = kc_now_ms();
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

    if (call->tomb) {
        /* Its caller already got TIMED_OUT: the late answer is dropped. */
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "request", "%s:%d answered %s (correlation id %d) after it had timed "
               "out: dropped", c->host, c->port, api ? api->name : "?", corr);
        kc_free(frame);
        kc_free(call);
        return;
    }
    if (call->internal) {
        /* The handshake parses its own response. */
        call->internal(net, c, call, frame, len, r.pos);
        return;
    }
    kc_resp_t *resp = kc_resp_new(call);
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
    if (rc == 0 && kc_r_remaining(&r) != 0) {
        /* Bytes after the last field we know: tolerated, as the Java
         * client and librdkafka do (a newer broker may append fields to
         * an old version, librdkafka's mock cluster sends 4 extra bytes
         * after ListOffsets v4/v5).  Counted and logged at debug level. */
        __atomic_add_fetch(&net->trailing_frames, 1, __ATOMIC_RELAXED);
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "request", "%s:%d sent %zu bytes after the last field of a %s v%d "
               "response: ignored", c->host, c->port, kc_r_remaining(&r), api->name, call->version);
    }
    if (rc == KAFKAC_ERR_NO_MEMORY) {
        /* Our memory failed, not the broker's bytes: the frame was read
         * whole, so the connection stays; the caller sees NO_MEMORY. */
        kc_resp_free(resp);
        kc_call_fail(net, call, KAFKAC_ERR_NO_MEMORY, "out of memory decoding the %s v%d response", api->name,
                     call->version);
        return;
    }
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

void kc_net_conn_readable(kc_net_t *net, kc_conn_t *c)
{
    /* Until no whole frame is left, with no cap: frames already in the
     * staging buffer raise no further POLLIN, so stopping early (as a cap
     * of 64 frames did) left the rest unhandled until their requests timed
     * out.  The loop is bounded anyway: a broker sends only answers to
     * requests in flight. */
    while (c->fd >= 0) {
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

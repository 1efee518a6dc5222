/* The network client's routing (see net.c for the whole picture): a call
 * waits in `pending` until its broker's connection is ready; then its
 * version is chosen from the broker's ApiVersions answer and it is encoded
 * straight into that connection's output buffer. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "protocol/conn.h"
#include "protocol/header.h"
#include "protocol/net_int.h"

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
    if (call->req.sensitive)
        c->out_sensitive = true;
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
        kc_resp_t *r = kc_resp_new(call);
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
    /* A kc_net_call whose caller gave up owns no msg any more: never read
     * it; while the caller waits, it cannot give up until the body is
     * encoded (kc_waiter_hold .. _release). */
    if (call->waiter && !kc_waiter_hold(call->waiter)) {
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s request: the caller stopped waiting before it was sent",
                     kc_call_name(call));
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
    if (call->waiter)
        kc_waiter_release(call->waiter);
    c->last_used_ms = kc_now_ms();
    if (rc != 0) {
        if (rc != KAFKAC_ERR_UNSUPPORTED_FEATURE && why[0] == '\0')
            snprintf(why, sizeof why, "%s", kafkac_err_str(rc));
        kc_call_fail(net, call, rc, "%s", why);
        return 1;
    }
    if (call->req.no_response) {
        /* Nothing will come back (Produce acks=0): done once queued. */
        kc_resp_t *r = kc_resp_new(call);
        call->req.cb(net, r, call->req.opaque);
        kc_free(call);
        return 1;
    }
    kc_call_list_push(&c->inflight_head, &c->inflight_tail, call);
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
        if (c->state == KC_CONN_RESOLVING || c->state == KC_CONN_CONNECTING || c->state == KC_CONN_HANDSHAKE ||
            (c->state == KC_CONN_AUTH && !c->reauth))
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
        kc_net_conn_start(net, best, now);
}

/* An attempt under way for this long is reported as what held the call
 * up, rather than an earlier failure of another attempt. */
#define HUNG_ATTEMPT_MS 1000

/* Fails a call that got no ready connection by its deadline, with what
 * happened: for any broker, the last connection failure's own error
 * (RESOLVE, TIMED_OUT for a connect or handshake that timed out, else
 * ALL_BROKERS_DOWN) and text, or TIMED_OUT naming the attempt still under
 * way (a broker that accepts but never answers, a connect that hangs). */
static void fail_unreachable(kc_net_t *net, kc_call_t *call, int32_t target, int64_t now)
{
    const char *name = kc_call_name(call);
    int timeout = call->req.timeout_ms;
    if (target == KC_NODE_CONTROLLER && net->cluster->controller_id < 0) {
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s: controller not known within %d ms", name, timeout);
        return;
    }
    if (target == KC_NODE_CONTROLLER)
        target = net->cluster->controller_id;
    kc_conn_t *trying = NULL, *own = NULL;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if (target != KC_NODE_ANY && c->node_id != target)
            continue;
        if (target == KC_NODE_ANY && KC_NODE_IS_GROUP_CONN(c->node_id))
            continue;
        if (target != KC_NODE_ANY)
            own = c;
        if ((c->state == KC_CONN_RESOLVING || c->state == KC_CONN_CONNECTING || c->state == KC_CONN_HANDSHAKE ||
             (c->state == KC_CONN_AUTH && !c->reauth)) &&
            (!trying || c->attempt_started_ms < trying->attempt_started_ms))
            trying = c;
    }
    int err;
    char last[200];
    if (target == KC_NODE_ANY) {
        pthread_mutex_lock(&net->lock);
        err = net->reach_err;
        snprintf(last, sizeof last, "%s", net->reach_why);
        pthread_mutex_unlock(&net->lock);
    } else {
        err = own ? own->last_err_code : 0;
        snprintf(last, sizeof last, "%s", own && own->last_err[0] ? own->last_err : "");
    }
    if (trying && (err == 0 || now - trying->attempt_started_ms >= HUNG_ATTEMPT_MS)) {
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s: no connection to %s within %d ms: %s %s:%d under way for "
                     "%lld ms%s%s%s", name, target == KC_NODE_ANY ? "any broker" : "the broker", timeout,
                     trying->state == KC_CONN_RESOLVING    ? "lookup of"
                     : trying->state == KC_CONN_CONNECTING ? "connect to"
                     : trying->state == KC_CONN_TLS        ? "TLS handshake with"
                     : trying->state == KC_CONN_AUTH       ? "SASL authentication with"
                                                           : "ApiVersions handshake with",
                     trying->host,
                     trying->port, (long long)(now - trying->attempt_started_ms), last[0] ? " (last error: " : "",
                     last, last[0] ? ")" : "");
        return;
    }
    if (err == 0) {
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s: no connection to %s within %d ms (no attempt finished)",
                     name, target == KC_NODE_ANY ? "any broker" : "the broker", timeout);
        return;
    }
    if (target != KC_NODE_ANY) {
        /* A given broker: its failures already failed the calls waiting
         * for it (fail_waiting_for); what is left waited out a backoff. */
        kc_call_fail(net, call, KAFKAC_ERR_TIMED_OUT, "%s to node %d: no connection within %d ms: %s", name, target,
                     timeout, last);
        return;
    }
    int code = err == KAFKAC_ERR_RESOLVE || err == KAFKAC_ERR_TIMED_OUT || kc_net_auth_error(err)
                   ? err
                   : KAFKAC_ERR_ALL_BROKERS_DOWN;
    kc_call_fail(net, call, code, "%s: no broker reachable within %d ms (last error: %s)", name, timeout, last);
}

/* Tries to place every pending call.  Returns the earliest deadline. */
int64_t kc_net_route_pending(kc_net_t *net, int64_t now)
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
        } else if (net->auth_err && (!c || !c->reauth)) {
            /* The last SASL attempt failed (wrong password, mechanism not
             * enabled): persistent, so the call fails now with it rather
             * than at its deadline (Java fails calls with its
             * AuthenticationException).  Reconnecting goes on with backoff;
             * a success clears auth_err. */
            kc_call_fail(net, call, net->auth_err, "%s: %s", kc_call_name(call), net->auth_why);
            if (c)
                kc_net_conn_start(net, c, now);
            else
                need_any = 1;
        } else if (now >= call->deadline) {
            fail_unreachable(net, call, call->req.node_id, now);
        } else {
            if (c)
                kc_net_conn_start(net, c, now);
            else if (target == KC_NODE_ANY)
                need_any = 1;
            else
                kc_net_md_request(net, "request for an unknown broker or controller");
            kc_call_list_push(&keep_head, &keep_tail, call);
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
    kc_call_list_push(&net->pending_head, &net->pending_tail, call);
}

int kc_net_send(kc_net_t *net, const kc_req_t *req)
{
    return kc_net_submit(net, req, NULL);
}

int kc_net_submit(kc_net_t *net, const kc_req_t *req, kc_waiter_t *waiter)
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
    call->waiter = waiter;
    pthread_mutex_lock(&net->lock);
    if (net->terminating) {
        pthread_mutex_unlock(&net->lock);
        kc_free(call);
        return KAFKAC_ERR_DESTROYED;
    }
    kc_call_list_push(&net->submit_head, &net->submit_tail, call);
    pthread_mutex_unlock(&net->lock);
    kc_net_wakeup(net);
    return 0;
}

void kc_net_wakeup(kc_net_t *net)
{
    if (!net)
        return;
    uint64_t one = 1;
    /* A full eventfd counter already means "woken"; nothing to do. */
    ssize_t n = write(net->wake_fd, &one, sizeof one);
    (void)n;
}

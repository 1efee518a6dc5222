/* A blocking request with the caller's deadline (consumer_int.h,
 * kc_consumer_call).  kc_net_call waits for the callback, however long the
 * network client takes to give one; a consumer call that promised to
 * return by its timeout must not depend on that.  So the wait here is on
 * the monotonic clock up to the call's own deadline, and when it passes
 * the request is left to the network client: its callback, whenever it
 * runs, frees what the request borrowed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"
#include "consumer/consumer_int.h"

typedef struct waiter {
    pthread_mutex_t m;
    pthread_cond_t cv;      /* CLOCK_MONOTONIC */
    int refs;               /* the caller's and the callback's */
    int done, abandoned;
    kc_resp_t *resp;
    kc_build_cb build;      /* the caller's build callback and opaque */
    void *opaque;
    void (*free_ctx)(void *);
    void *ctx;
} waiter_t;

static void waiter_unref(waiter_t *w)
{
    pthread_mutex_lock(&w->m);
    int left = --w->refs;
    pthread_mutex_unlock(&w->m);
    if (left)
        return;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->m);
    kc_free(w);
}

static int waiter_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    waiter_t *w = opaque;
    return w->build(net, version, msg, w->opaque);
}

static void waiter_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    (void)net;
    waiter_t *w = opaque;
    pthread_mutex_lock(&w->m);
    int abandoned = w->abandoned;
    if (!abandoned) {
        w->resp = resp;
        w->done = 1;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->m);
    if (abandoned) {
        /* The caller gave up at its deadline: what the request borrowed
         * is ours to free now that the network client is done with it. */
        kc_resp_free(resp);
        if (w->free_ctx)
            w->free_ctx(w->ctx);
    }
    waiter_unref(w);
}

static kc_resp_t *resp_error(const kc_req_t *req, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kc_resp_t *resp_error(const kc_req_t *req, int err, const char *fmt, ...)
{
    kc_resp_t *resp = kc_calloc(1, sizeof(*resp));
    if (!resp)
        return NULL;
    kc_arena_init(&resp->arena, 256);
    resp->err = err;
    resp->node_id = req->node_id;
    resp->api_key = req->api_key;
    resp->version = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->errstr, sizeof resp->errstr, fmt, ap);
    va_end(ap);
    return resp;
}

kc_resp_t *kc_consumer_call(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                            void *ctx, int *gave_up)
{
    *gave_up = 0;
    const kc_api_t *api = kc_api_get(req->api_key);
    const char *name = api ? api->name : "request";
    int64_t now = kc_now_ms();
    if (now >= deadline_ms)
        return resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s not sent: the call's timeout had passed", name);
    waiter_t *w = kc_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->m, NULL);
    kc_cond_init(&w->cv);
    w->refs = 2;
    w->build = req->build;
    w->opaque = req->opaque;
    w->free_ctx = free_ctx;
    w->ctx = ctx;
    kc_req_t r = *req;
    r.cb = waiter_cb;
    r.opaque = w;
    if (req->build)
        r.build = waiter_build;
    /* The request's own deadline is the call's: it must not outlive it
     * in the network client's queues either. */
    int64_t left = deadline_ms - now;
    if (r.timeout_ms <= 0 || r.timeout_ms > left)
        r.timeout_ms = (int)(left > 0 ? left : 1);
    int rc = kc_net_send(net, &r);
    if (rc != 0) {
        w->refs = 1;
        waiter_unref(w);
        return resp_error(req, rc, "%s not sent: %s", name, kafkac_err_str(rc));
    }
    pthread_mutex_lock(&w->m);
    while (!w->done) {
        if (kc_cond_wait_until(&w->cv, &w->m, deadline_ms) != 0)
            break;
    }
    kc_resp_t *resp = w->resp;
    if (!w->done) {
        w->abandoned = 1;
        *gave_up = 1;
    }
    pthread_mutex_unlock(&w->m);
    waiter_unref(w);
    if (*gave_up) {
        if (req->node_id < 0)
            return resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s request got no answer within the call's timeout", name);
        return resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s request to broker %d got no answer within the call's timeout",
                          name, (int)KC_NODE_BROKER_OF(req->node_id));
    }
    return resp;
}

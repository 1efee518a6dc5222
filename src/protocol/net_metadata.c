/* Keeping cluster metadata fresh: one Metadata request at a time, sent
 * at start, every metadata.max.age.ms, and soon after anyone asks
 * (kc_net_refresh_metadata: a NOT_LEADER_OR_FOLLOWER, an unknown topic,
 * a lost connection).  Requests made while one is in flight coalesce
 * into the next.  Each answer becomes a new immutable kc_cluster_t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/net_int.h"

void kc_net_metadata_init(kc_net_t *net)
{
    kc_arena_init(&net->md_arena, 4096);
    net->md_requested = 1;
    snprintf(net->md_reason, sizeof net->md_reason, "start-up");
}

void kc_net_metadata_free(kc_net_t *net)
{
    for (int i = 0; i < net->want.count; i++)
        kc_free(net->want.names[i]);
    kc_free(net->want.names);
    net->want.names = NULL;
    net->want.count = net->want.cap = 0;
    kc_arena_destroy(&net->md_arena);
}

void kc_net_md_request(kc_net_t *net, const char *reason)
{
    pthread_mutex_lock(&net->lock);
    if (!net->md_requested)
        snprintf(net->md_reason, sizeof net->md_reason, "%s", reason);
    net->md_requested = 1;
    pthread_mutex_unlock(&net->lock);
}

void kc_net_refresh_metadata(kc_net_t *net, const char *reason)
{
    kc_net_md_request(net, reason ? reason : "asked");
    kc_net_wakeup(net);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int kc_net_want_topics(kc_net_t *net, const char *const *topics, int n, int all)
{
    int added = 0;
    pthread_mutex_lock(&net->lock);
    if (all && !net->want_all) {
        net->want_all = 1;
        added = 1;
    }
    for (int i = 0; i < n; i++) {
        char *key = (char *)topics[i];
        if (net->want.count && bsearch(&key, net->want.names, (size_t)net->want.count, sizeof(char *), cmp_str))
            continue;
        if (kc_array_room(&net->want.names, &net->want.cap, net->want.count, sizeof(*net->want.names), 16) != 0) {
            pthread_mutex_unlock(&net->lock);
            return KAFKAC_ERR_NO_MEMORY;
        }
        char *copy = kc_strdup(topics[i]);
        if (!copy) {
            pthread_mutex_unlock(&net->lock);
            return KAFKAC_ERR_NO_MEMORY;
        }
        net->want.names[net->want.count++] = copy;
        qsort(net->want.names, (size_t)net->want.count, sizeof(char *), cmp_str);
        added = 1;
    }
    if (added) {
        net->md_requested = 1;
        snprintf(net->md_reason, sizeof net->md_reason, "new topics of interest");
    }
    pthread_mutex_unlock(&net->lock);
    if (added)
        kc_net_wakeup(net);
    return 0;
}

kc_cluster_t *kc_net_cluster(kc_net_t *net)
{
    pthread_mutex_lock(&net->lock);
    kc_cluster_t *c = kc_cluster_ref(net->cluster);
    pthread_mutex_unlock(&net->lock);
    return c;
}

kc_cluster_t *kc_net_wait_cluster(kc_net_t *net, int64_t after_version, int timeout_ms)
{
    int64_t deadline = kc_now_ms() + timeout_ms;
    kc_cluster_t *c = NULL;
    pthread_mutex_lock(&net->lock);
    while (net->cluster->version <= after_version && !net->terminating) {
        if (kc_cond_wait_until(&net->cluster_cond, &net->lock, deadline) != 0)
            break;
    }
    if (net->cluster->version > after_version)
        c = kc_cluster_ref(net->cluster);
    pthread_mutex_unlock(&net->lock);
    return c;
}

/* Metadata v0 has no null topic list ("every topic" is the empty list). */
static int md_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_metadata_request_t *req = msg;
    if (version == 0 && req->topics_count < 0)
        req->topics_count = 0;
    return 0;
}

/* The wait before the next metadata retry: retry.backoff.ms doubled per
 * retry in a row up to retry.backoff.max.ms, +-20% jitter (Java's
 * exponential retry backoff, KIP-580). */
static int64_t md_backoff(kc_net_t *net)
{
    net->md_retries++;
    return kc_net_backoff_ms(net->o.retry_backoff_ms, net->o.retry_backoff_max_ms, net->md_retries, &net->seed);
}

/* A topic we asked for whose answer says "not yet" (being created, no
 * leader yet): its name, else NULL.  Such a topic is asked about again
 * after the retry backoff, not at metadata.max.age.ms, so that a group
 * member does not see 0 partitions of a new topic for minutes. */
static const char *md_not_ready(kc_net_t *net, const kc_cluster_t *next, int16_t *err)
{
    const char *found = NULL;
    pthread_mutex_lock(&net->lock);
    if (net->want_all) {
        /* Every topic: only topic-level "not yet" errors, so that one
         * long-leaderless partition somewhere does not keep us asking. */
        for (int32_t i = 0; !found && i < next->topic_count; i++)
            if (next->topics[i].err == KAFKAC_ERR_LEADER_NOT_AVAILABLE) {
                found = next->topics[i].name;
                *err = next->topics[i].err;
            }
    }
    for (int i = 0; !found && i < net->want.count; i++) {
        const kc_topic_info_t *t = kc_cluster_topic(next, net->want.names[i]);
        if (t && kc_cluster_topic_retriable(t)) {
            found = t->name;
            *err = t->err ? t->err : KAFKAC_ERR_LEADER_NOT_AVAILABLE;
        }
    }
    pthread_mutex_unlock(&net->lock);
    return found;
}

static void md_done(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    int keep_unmentioned = (int)(intptr_t)opaque;
    int64_t now = kc_now_ms();
    net->md_inflight = 0;
    kc_arena_reset(&net->md_arena);
    net->md_msg = NULL;
    if (!resp || resp->err) {
        kc_log(net->o.logger, KAFKAC_LOG_INFO, "metadata", "metadata refresh failed: %s",
               resp ? resp->errstr : "out of memory");
        net->md_retry_at = now + md_backoff(net);
        pthread_mutex_lock(&net->lock);
        net->md_requested = 1;
        pthread_mutex_unlock(&net->lock);
        kc_resp_free(resp);
        return;
    }
    const kc_metadata_response_t *m = resp->msg;
    kc_cluster_t *next = kc_cluster_from_response(net->cluster, m, keep_unmentioned, now);
    if (!next) {
        net->md_retry_at = now + md_backoff(net);
        pthread_mutex_lock(&net->lock);
        net->md_requested = 1;
        pthread_mutex_unlock(&net->lock);
        kc_resp_free(resp);
        return;
    }
    /* Brokers may have moved to new addresses: update idle connections. */
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        const kc_broker_info_t *b = c->node_id >= 0 ? kc_cluster_broker(next, KC_NODE_BROKER_OF(c->node_id)) : NULL;
        if (b && (strcmp(b->host, c->host) != 0 || b->port != c->port) && c->state == KC_CONN_DOWN) {
            char *h = kc_strdup(b->host);
            if (h) {
                kc_free(c->host);
                c->host = h;
                c->port = b->port;
                /* The old name's addresses and any lookup under way for
                 * it no longer apply. */
                kc_addrs_free(&c->addrs);
                c->addr_index = 0;
                c->lookup_gen++;
                c->lookup_pending = false;
            }
        }
    }
    pthread_mutex_lock(&net->lock);
    kc_cluster_t *old = net->cluster;
    net->cluster = next;
    pthread_cond_broadcast(&net->cluster_cond);
    pthread_mutex_unlock(&net->lock);
    kc_cluster_unref(old);
    net->md_next = now + net->o.metadata_max_age_ms;
    int16_t terr = 0;
    const char *not_ready = md_not_ready(net, next, &terr);
    if (not_ready) {
        int64_t wait = md_backoff(net);
        net->md_retry_at = now + wait;
        pthread_mutex_lock(&net->lock);
        if (!net->md_requested)
            snprintf(net->md_reason, sizeof net->md_reason, "topic %s not ready (%s)", not_ready,
                     kafkac_err_name(terr));
        net->md_requested = 1;
        pthread_mutex_unlock(&net->lock);
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "metadata", "topic %s: %s; asking again in %lld ms", not_ready,
               kafkac_err_name(terr), (long long)wait);
    } else {
        net->md_retries = 0;
    }
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "metadata", "metadata v%lld: %d brokers, %d topics, controller %d",
           (long long)next->version, next->broker_count, next->topic_count, next->controller_id);
    kc_resp_free(resp);
}

int64_t kc_net_metadata_serve(kc_net_t *net, int64_t now)
{
    if (net->md_inflight)
        return INT64_MAX;
    pthread_mutex_lock(&net->lock);
    int due = net->md_requested || now >= net->md_next;
    if (!due || now < net->md_retry_at) {
        /* md_requested is set by other threads: read it under the lock. */
        int64_t t = net->md_requested ? net->md_retry_at : net->md_next;
        pthread_mutex_unlock(&net->lock);
        return t;
    }
    net->md_requested = 0;
    /* Build the request from the interest set while we hold the lock. */
    kc_metadata_request_t *req = kc_arena_alloc(&net->md_arena, sizeof(*req));
    int ok = req != NULL;
    int all = net->want_all;
    if (ok) {
        kc_msg_init(&kc_schema_metadata_request, req);
        req->allow_auto_topic_creation = net->o.allow_auto_create_topics ? true : false;
        if (all) {
            req->topics = NULL;
            req->topics_count = -1;
        } else {
            req->topics_count = net->want.count;
            req->topics = net->want.count
                              ? kc_arena_alloc(&net->md_arena, (size_t)net->want.count * sizeof(*req->topics))
                              : NULL;
            ok = !net->want.count || req->topics;
            for (int i = 0; ok && i < net->want.count; i++) {
                kc_msg_init(&kc_schema_metadata_request_metadata_request_topic, &req->topics[i]);
                req->topics[i].name = kc_arena_strndup(&net->md_arena, net->want.names[i], strlen(net->want.names[i]));
                ok = req->topics[i].name != NULL;
            }
        }
    }
    pthread_mutex_unlock(&net->lock);
    if (!ok) {
        kc_arena_reset(&net->md_arena);
        net->md_retry_at = now + md_backoff(net);
        return net->md_retry_at;
    }
    kc_req_t r = {
        .node_id = KC_NODE_ANY,
        .api_key = KC_API_METADATA,
        .max_version = -1,
        .msg = req,
        .build = md_build,
        .cb = md_done,
        /* A full answer replaces the topic list; a partial one merges. */
        .opaque = (void *)(intptr_t)(all ? 0 : 1),
    };
    /* Metadata v0 cannot say "no topics": an empty list means all.  A
     * client that wants none then simply keeps all it is told. */
    kc_call_t *call = kc_calloc(1, sizeof(*call));
    if (!call) {
        kc_arena_reset(&net->md_arena);
        net->md_retry_at = now + md_backoff(net);
        return net->md_retry_at;
    }
    call->req = r;
    call->req.timeout_ms = net->o.request_timeout_ms;
    call->deadline = now + call->req.timeout_ms;
    call->node_id = KC_NODE_ANY;
    call->version = -1;
    net->md_msg = req;
    net->md_inflight = 1;
    kc_net_enqueue_local(net, call);
    return INT64_MAX;
}

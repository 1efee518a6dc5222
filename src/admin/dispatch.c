/* The admin handle and its dispatcher: every admin operation is one or
 * more kc_admin_rpc_t run here, each sent to the broker that must answer
 * it and repeated, within the operation's single deadline, while the
 * answer says "ask again" (NOT_CONTROLLER, NOT_COORDINATOR, a coordinator
 * still loading, a lost connection).  Calls block the caller's thread on
 * kc_net_call; the I/O thread does the rest. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/admin_int.h"
#include "common/mem.h"
#include "protocol/find_coordinator.h"


kafkac_admin_t *kafkac_admin_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size)
{
    char tmp[512];
    kafkac_admin_t *adm = kc_calloc(1, sizeof(*adm));
    if (!adm) {
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (kc_settings_load(&adm->settings, conf, KC_SCOPE_ADMIN, tmp, sizeof tmp) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_free(adm);
        return NULL;
    }
    kc_net_opts_t o;
    kc_net_opts_from_settings(&o, &adm->settings);
    /* An admin client must see a missing topic as missing, never create it
     * by asking for its metadata. */
    o.allow_auto_create_topics = 0;
    adm->net = kc_net_new(&o, tmp, sizeof tmp);
    if (!adm->net) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_settings_free(&adm->settings);
        kc_free(adm);
        return NULL;
    }
    return adm;
}

void kafkac_admin_destroy(kafkac_admin_t *adm)
{
    if (!adm)
        return;
    kc_net_destroy(adm->net);
    kc_settings_free(&adm->settings);
    kc_free(adm);
}

kafkac_err_t kc_admin_deadline(const kafkac_admin_t *adm, int timeout_ms, int64_t *deadline, char *errstr,
                              size_t errlen)
{
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, adm->settings.default_api_timeout_ms, deadline);
    if (err != KAFKAC_OK)
        kc_errstr_set(errstr, errlen, "timeout_ms %d: below KAFKAC_TIMEOUT_DEFAULT (-1)", timeout_ms);
    return err;
}

int kc_admin_remaining(int64_t deadline)
{
    int64_t left = deadline - kc_now_ms();
    if (left < 1)
        return 1;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

int kc_admin_retriable(int err)
{
    switch (err) {
    case KAFKAC_ERR_NOT_CONTROLLER:
    case KAFKAC_ERR_NOT_COORDINATOR:
    case KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE:
    case KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER:
    case KAFKAC_ERR_LEADER_NOT_AVAILABLE:
    /* Not REQUEST_TIMED_OUT: a create or delete the broker gave up waiting
     * for may still complete, and sending it again would turn its answer
     * into TOPIC_ALREADY_EXISTS; the broker's word stands. */
    case KAFKAC_ERR_NETWORK_EXCEPTION:
    case KAFKAC_ERR_TRANSPORT:
    case KAFKAC_ERR_ALL_BROKERS_DOWN:
    case KAFKAC_ERR_RESOLVE:   /* a lookup that failed may succeed next time; the call's deadline bounds it */
        return 1;
    default:
        return 0;
    }
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Waits for the next backoff, never past the deadline. */
void kc_admin_backoff(kafkac_admin_t *adm, int attempt, int64_t deadline)
{
    /* Jitter only needs to differ between callers and calls. */
    unsigned seed = (unsigned)kc_now_ms() ^ (unsigned)(uintptr_t)&seed ^ (unsigned)attempt * 2654435761u;
    int64_t wait = kc_net_backoff_ms(adm->settings.retry_backoff_ms, adm->settings.retry_backoff_max_ms,
                                     attempt < 1 ? 1 : attempt, &seed);
    int64_t left = deadline - kc_now_ms();
    sleep_ms(wait < left ? wait : left);
}

/* The network client routes KC_NODE_CONTROLLER by its own snapshot: make
 * it fetch a newer one before the request goes again. */
static void refresh_and_wait(kafkac_admin_t *adm, int64_t deadline, const char *why)
{
    kc_cluster_t *c = kc_net_cluster(adm->net);
    int64_t v = c->version;
    kc_cluster_unref(c);
    kc_net_refresh_metadata(adm->net, why);
    kc_cluster_unref(kc_net_wait_cluster(adm->net, v, kc_admin_remaining(deadline)));
}

static int request_timeout(const kafkac_admin_t *adm, int64_t deadline)
{
    int rem = kc_admin_remaining(deadline);
    int64_t rt = adm->settings.request_timeout_ms;
    return rt > 0 && rt < rem ? (int)rt : rem;
}

/* Finds the coordinator of `group` (find_coordinator.c): 0 with *node
 * set, or an error with errstr filled. */
static int find_coordinator(kafkac_admin_t *adm, const char *group, int64_t deadline, int32_t *node, char *errstr,
                            size_t errlen)
{
    return kc_find_coordinator_call(adm->net, KC_COORD_GROUP, group, request_timeout(adm, deadline), node, errstr,
                                    errlen);
}

int kc_admin_run(kafkac_admin_t *adm, kc_admin_rpc_t *rpc, int64_t deadline, char *errstr, size_t errlen)
{
    const kc_api_t *api = kc_api_get(rpc->api_key);
    const char *name = api ? api->name : "request";
    char last[300] = "";
    int last_err = 0;
    int32_t coordinator = -1;
    for (int attempt = 0;; attempt++) {
        /* Attempt 0 too: a call given 0 ms (or whose earlier steps used up
         * its time) sends nothing, as the answer cannot be there at once. */
        if (kc_now_ms() >= deadline) {
            if (attempt == 0)
                kc_errstr_set(errstr, errlen, "%s not sent: the call's timeout had passed", name);
            else
                kc_errstr_set(errstr, errlen, "%s timed out after %d attempt(s)%s%s", name, attempt,
                              last[0] ? "; last error: " : "", last);
            return KAFKAC_ERR_TIMED_OUT;
        }
        int32_t node = KC_NODE_ANY;
        switch (rpc->target) {
        case KC_ADMIN_TO_CONTROLLER:
            node = KC_NODE_CONTROLLER;
            break;
        case KC_ADMIN_TO_ANY:
            node = KC_NODE_ANY;
            break;
        case KC_ADMIN_TO_NODE:
            node = rpc->node_id;
            break;
        case KC_ADMIN_TO_GROUP:
            if (coordinator < 0) {
                int err = find_coordinator(adm, rpc->group, deadline, &coordinator, last, sizeof last);
                if (err) {
                    coordinator = -1;
                    last_err = err;
                    if (!kc_admin_retriable(err) && err != KAFKAC_ERR_TIMED_OUT) {
                        kc_errstr_set(errstr, errlen, "%s", last);
                        return err;
                    }
                    kc_admin_backoff(adm, attempt + 1, deadline);
                    continue;
                }
            }
            node = coordinator;
            break;
        }
        kc_arena_t arena;
        kc_arena_init(&arena, 1024);
        void *msg = rpc->build(rpc, &arena, kc_admin_remaining(deadline));
        if (!msg) {
            kc_arena_destroy(&arena);
            kc_errstr_set(errstr, errlen, "%s: out of memory", name);
            return KAFKAC_ERR_NO_MEMORY;
        }
        kc_req_t req = {
            .node_id = node,
            .api_key = rpc->api_key,
            .max_version = rpc->max_version,
            .timeout_ms = request_timeout(adm, deadline),
            .msg = msg,
            .sensitive = rpc->sensitive,
            .build = rpc->build_version,
            .opaque = rpc,
        };
        kc_resp_t *resp = kc_net_call(adm->net, &req);
        kc_arena_destroy(&arena);   /* the request is encoded and answered */
        if (!resp) {
            kc_errstr_set(errstr, errlen, "%s: out of memory", name);
            return KAFKAC_ERR_NO_MEMORY;
        }
        if (resp->err) {
            int err = resp->err;
            snprintf(last, sizeof last, "%s", resp->errstr);
            kc_resp_free(resp);
            if (kc_admin_retriable(err) || err == KAFKAC_ERR_TIMED_OUT) {
                /* The broker may be gone or the coordinator moved. */
                last_err = err;
                coordinator = -1;
                refresh_and_wait(adm, deadline, "admin request failed");
                kc_admin_backoff(adm, attempt + 1, deadline);
                continue;
            }
            /* Name this request first: the text may be about the
             * connection it shared with others. */
            if (strncmp(last, name, strlen(name)) == 0)
                kc_errstr_set(errstr, errlen, "%s", last);
            else
                kc_errstr_set(errstr, errlen, "%s: %s", name, last);
            return err;
        }
        int rc = rpc->parse(rpc, resp);
        kc_resp_free(resp);
        if (rc == 0)
            return 0;
        if (!kc_admin_retriable(rc)) {
            kc_errstr_set(errstr, errlen, "%s: %s", name, kafkac_err_str(rc));
            return rc;
        }
        last_err = rc;
        snprintf(last, sizeof last, "%s", kafkac_err_name(rc));
        if (rc == KAFKAC_ERR_NOT_COORDINATOR || rc == KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE)
            coordinator = -1;
        if (rc == KAFKAC_ERR_NOT_CONTROLLER || rc == KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER ||
            rc == KAFKAC_ERR_LEADER_NOT_AVAILABLE)
            refresh_and_wait(adm, deadline, kafkac_err_name(rc));
        kc_admin_backoff(adm, attempt + 1, deadline);
    }
    (void)last_err;
}

/* ---- metadata of our own ---- */

typedef struct md_ctx {
    const char *const *topics;
    int n;
    kc_cluster_t *out;
} md_ctx_t;

static void *md_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    md_ctx_t *x = rpc->opaque;
    kc_metadata_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_metadata_request, m);
    m->allow_auto_topic_creation = false;
    if (!x->topics) {
        m->topics = NULL;
        m->topics_count = -1;
        return m;
    }
    m->topics_count = x->n;
    m->topics = kc_arena_alloc(a, (size_t)(x->n > 0 ? x->n : 1) * sizeof(*m->topics));
    if (!m->topics)
        return NULL;
    for (int i = 0; i < x->n; i++) {
        kc_msg_init(&kc_schema_metadata_request_metadata_request_topic, &m->topics[i]);
        m->topics[i].name = x->topics[i];
    }
    return m;
}

static int md_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    md_ctx_t *x = rpc->opaque;
    kc_cluster_t *empty = kc_cluster_empty();
    if (!empty)
        return KAFKAC_ERR_NO_MEMORY;
    x->out = kc_cluster_from_response(empty, resp->msg, 0, kc_now_ms());
    kc_cluster_unref(empty);
    if (!x->out)
        return KAFKAC_ERR_NO_MEMORY;
    /* A partition without a leader right after a create or a broker loss:
     * ask again rather than report a stale view. */
    for (int t = 0; t < x->out->topic_count; t++)
        if (x->out->topics[t].err == KAFKAC_ERR_LEADER_NOT_AVAILABLE) {
            kc_cluster_unref(x->out);
            x->out = NULL;
            return KAFKAC_ERR_LEADER_NOT_AVAILABLE;
        }
    return 0;
}

/* Our own Metadata request (not the network client's shared interest set,
 * which merges partial answers and so may remember deleted topics). */
kc_cluster_t *kc_admin_metadata(kafkac_admin_t *adm, const char *const *topics, int n, int64_t deadline,
                                char *errstr, size_t errlen, int *err)
{
    md_ctx_t x = { topics, n, NULL };
    kc_admin_rpc_t rpc = {
        .api_key = KC_API_METADATA,
        .max_version = -1,
        .target = KC_ADMIN_TO_ANY,
        .build = md_build,
        .parse = md_parse,
        .opaque = &x,
    };
    int rc = kc_admin_run(adm, &rpc, deadline, errstr, errlen);
    if (err)
        *err = rc;
    if (rc) {
        kc_cluster_unref(x.out);
        return NULL;
    }
    return x.out;
}

int kc_admin_leader_of(const kc_cluster_t *c, const char *topic, int32_t partition, int *err)
{
    const kc_topic_info_t *t = kc_cluster_topic(c, topic);
    if (!t) {
        *err = KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return -1;
    }
    if (t->err) {
        *err = t->err;
        return -1;
    }
    const kc_partition_info_t *p = kc_cluster_partition(c, topic, partition);
    if (!p) {
        *err = KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return -1;
    }
    if (p->leader < 0) {
        *err = KAFKAC_ERR_LEADER_NOT_AVAILABLE;
        return -1;
    }
    *err = 0;
    return p->leader;
}

/* The public protocol-level client (include/kafkac/protocol.h): thin
 * wrappers that turn the network client's asynchronous calls into the
 * blocking calls a user (or `kafkac probe`) wants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/mem.h"
#include "common/errstr.h"
#include "kafkac/protocol.h"
#include "kafkac/version.h"
#include "kc_messages.h"
#include "protocol/api_names.h"
#include "protocol/cluster.h"
#include "protocol/net.h"
#include "protocol/release.h"

struct kafkac_client {
    kc_settings_t settings;  /* owned; net's logger points into it */
    kc_net_t *net;
};

kafkac_client_t *kafkac_client_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size)
{
    char tmp[512];
    if (!conf) {
        kc_errstr_set(errstr, errstr_size, "%s", "conf is NULL");
        return NULL;
    }
    kafkac_client_t *cl = kc_calloc(1, sizeof(*cl));
    if (!cl) {
        kc_errstr_set(errstr, errstr_size, "%s", "out of memory");
        return NULL;
    }
    if (kc_settings_load(&cl->settings, conf, KC_SCOPE_CLIENT, tmp, sizeof tmp) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_free(cl);
        return NULL;
    }
    kc_net_opts_t o;
    kc_net_opts_from_settings(&o, &cl->settings);
    cl->net = kc_net_new(&o, tmp, sizeof tmp);
    if (!cl->net) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_settings_free(&cl->settings);
        kc_free(cl);
        return NULL;
    }
    return cl;
}

void kafkac_client_destroy(kafkac_client_t *cl)
{
    if (!cl)
        return;
    kc_net_destroy(cl->net);
    kc_settings_free(&cl->settings);
    kc_free(cl);
}

const char *kafkac_api_name(int16_t api_key)
{
    return kc_api_key_name(api_key);
}

void kafkac_free(void *p)
{
    kc_free(p);
}

static int32_t node_of(int32_t broker_id)
{
    return broker_id < 0 ? KC_NODE_ANY : broker_id;
}

/* Turns a failed response into the caller's error. */
static kafkac_err_t resp_error(kc_resp_t *r, char *errstr, size_t n)
{
    if (!r) {
        kc_errstr_set(errstr, n, "%s", "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    kafkac_err_t err = (kafkac_err_t)r->err;
    kc_errstr_set(errstr, n, "%s", r->errstr[0] ? r->errstr : kafkac_err_str(r->err));
    kc_resp_free(r);
    return err;
}

/* The call's deadline from timeout_ms (kafkac.h's rule;
 * KAFKAC_TIMEOUT_DEFAULT: request.timeout.ms). */
static kafkac_err_t deadline_of(const kafkac_client_t *cl, int timeout_ms, int64_t *deadline, char *errstr,
                                size_t n)
{
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, cl->settings.request_timeout_ms, deadline);
    if (err != KAFKAC_OK)
        kc_errstr_set(errstr, n, "timeout_ms %d: below KAFKAC_TIMEOUT_DEFAULT (-1)", timeout_ms);
    return err;
}

/* Sends r and waits for its answer until deadline.  The request's own
 * timeout is what is left of the call's, so the I/O thread fails it at the
 * deadline with the precise reason (which broker, unreachable or silent);
 * kc_net_call waits a little past that only if that thread is stalled.  A
 * deadline already past (timeout_ms 0) sends nothing: KAFKAC_ERR_TIMED_OUT.
 * KC_NO_DEADLINE waits for the answer however long it takes. */
static kc_resp_t *call(kafkac_client_t *cl, const kc_req_t *r, int64_t deadline)
{
    if (deadline == KC_NO_DEADLINE) {
        int gave_up = 0;
        return kc_net_call_until(cl->net, r, deadline, NULL, NULL, &gave_up);
    }
    int left = kc_ms_left(deadline);
    if (left == 0) {
        const kc_api_t *api = kc_api_get(r->api_key);
        return kc_resp_error(r, KAFKAC_ERR_TIMED_OUT, "%s not sent: the call's timeout had passed",
                             api ? api->name : "broker versions");
    }
    kc_req_t timed = *r;
    timed.timeout_ms = left;
    return kc_net_call(cl->net, &timed);
}

/* ---- probe ------------------------------------------------------- */

/* The element handle kafkac_broker_versions_get() hands out. */
typedef struct kafkac_api_version {
    int16_t key, min, max, chosen;
} api_row_t;

struct kafkac_broker_versions {
    int32_t broker_id;
    const char *release;   /* static */
    int count;
    api_row_t rows[];
};

/* Fills v's rows and release from a broker's version table. */
static kafkac_broker_versions_t *versions_from_table(const int16_t *min, const int16_t *max,
                                                    const char *legacy_release, int32_t node)
{
    int n = 0;
    for (int k = 0; k < 128; k++)
        n += max[k] >= 0;
    kafkac_broker_versions_t *v = kc_calloc(1, sizeof(*v) + (size_t)n * sizeof(api_row_t));
    if (!v)
        return NULL;
    for (int k = 0; k < 128; k++) {
        if (max[k] < 0)
            continue;
        api_row_t *row = &v->rows[v->count++];
        row->key = (int16_t)k;
        row->min = min[k];
        row->max = max[k];
        row->chosen = -1;
        const kc_api_t *api = kc_api_get(row->key);
        if (api) {
            int16_t hi = api->max_ver < row->max ? api->max_ver : row->max;
            int16_t lo = api->min_ver > row->min ? api->min_ver : row->min;
            row->chosen = hi >= lo ? hi : -1;
        }
    }
    v->broker_id = node;
    v->release = legacy_release ? legacy_release : kc_release_from_versions(max, 128);
    return v;
}

kafkac_err_t kafkac_client_probe(kafkac_client_t *cl, int32_t broker_id, int timeout_ms,
                                 kafkac_broker_versions_t **out, char *errstr, size_t errstr_size)
{
    if (!cl || !out)
        return KAFKAC_ERR_INVALID_ARG;
    *out = NULL;
    int64_t deadline;
    if (deadline_of(cl, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    /* First what the connection's handshake learned (ApiVersions, or the
     * probes of a broker before 0.10)... */
    kc_req_t r = {
        .node_id = node_of(broker_id),
        .api_key = KC_PSEUDO_BROKER_VERSIONS,
    };
    kc_resp_t *resp = call(cl, &r, deadline);
    if (!resp || resp->err)
        return resp_error(resp, errstr, errstr_size);
    const kc_broker_versions_t *bv = resp->msg;
    int32_t node = resp->node_id;
    kafkac_broker_versions_t *v = NULL;
    if (bv->legacy_release || bv->max[18] < 0) {
        v = versions_from_table(bv->min, bv->max, bv->legacy_release, node);
        kc_resp_free(resp);
        if (!v)
            return KAFKAC_ERR_NO_MEMORY;
        *out = v;
        return KAFKAC_OK;
    }
    kc_resp_free(resp);
    /* ...then, for brokers that have it, a fresh ApiVersions answer from
     * that same broker (what it says now, over the normal request path). */
    kc_api_versions_request_t req;
    kc_msg_init(&kc_schema_api_versions_request, &req);
    req.client_software_name = "libkafkac";
    req.client_software_version = KAFKAC_VERSION_STR;
    kc_req_t r2 = {
        .node_id = node,
        .api_key = KC_API_API_VERSIONS,
        .max_version = -1,
        .msg = &req,
    };
    resp = call(cl, &r2, deadline);
    if (!resp || resp->err)
        return resp_error(resp, errstr, errstr_size);
    const kc_api_versions_response_t *m = resp->msg;
    if (m->error_code) {
        kc_errstr_set(errstr, errstr_size, "broker answered ApiVersions with %s", kafkac_err_name(m->error_code));
        kafkac_err_t e = m->error_code;
        kc_resp_free(resp);
        return e;
    }
    int16_t min[128], max[128];
    for (int k = 0; k < 128; k++)
        min[k] = max[k] = -1;
    for (int32_t i = 0; i < m->api_keys_count; i++) {
        int16_t k = m->api_keys[i].api_key;
        if (k >= 0 && k < 128) {
            min[k] = m->api_keys[i].min_version;
            max[k] = m->api_keys[i].max_version;
        }
    }
    v = versions_from_table(min, max, NULL, resp->node_id);
    kc_resp_free(resp);
    if (!v)
        return KAFKAC_ERR_NO_MEMORY;
    *out = v;
    return KAFKAC_OK;
}

const char *kafkac_broker_versions_release(const kafkac_broker_versions_t *v)
{
    return v ? v->release : NULL;
}

int32_t kafkac_broker_versions_broker_id(const kafkac_broker_versions_t *v)
{
    return v ? v->broker_id : -1;
}

int kafkac_broker_versions_count(const kafkac_broker_versions_t *v)
{
    return v ? v->count : 0;
}

const kafkac_api_version_t *kafkac_broker_versions_get(const kafkac_broker_versions_t *v, int i)
{
    return v && i >= 0 && i < v->count ? &v->rows[i] : NULL;
}

int16_t kafkac_api_version_key(const kafkac_api_version_t *a) { return a ? a->key : -1; }
int16_t kafkac_api_version_broker_min(const kafkac_api_version_t *a) { return a ? a->min : -1; }
int16_t kafkac_api_version_broker_max(const kafkac_api_version_t *a) { return a ? a->max : -1; }
int16_t kafkac_api_version_chosen(const kafkac_api_version_t *a) { return a ? a->chosen : -1; }

void kafkac_broker_versions_destroy(kafkac_broker_versions_t *v)
{
    kc_free(v);
}

/* ---- metadata ---------------------------------------------------- */

/* Metadata v0 has no null topic list: there "every topic" is the empty
 * list.  Adapts the request once the version is known. */
static int metadata_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_metadata_request_t *req = msg;
    if (version == 0 && req->topics_count < 0)
        req->topics_count = 0;
    return 0;
}

/* A snapshot built from the response as the network client builds its
 * own (brokers sorted by id, topics by name, partitions by id), so that
 * its elements are the same kc_broker_info_t / kc_partition_info_t the
 * admin client's results hand out, read by the same getters. */
struct kafkac_metadata {
    kc_cluster_t *c;
};

kafkac_err_t kafkac_client_metadata(kafkac_client_t *cl, const char *const *topics, int topic_count,
                                    int timeout_ms, kafkac_metadata_t **out, char *errstr, size_t errstr_size)
{
    if (!cl || !out || (topic_count > 0 && !topics))
        return KAFKAC_ERR_INVALID_ARG;
    *out = NULL;
    int64_t deadline;
    if (deadline_of(cl, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_metadata_t *md = kc_calloc(1, sizeof(*md));
    kc_metadata_request_t req;
    kc_msg_init(&kc_schema_metadata_request, &req);
    kc_metadata_request_metadata_request_topic_t *t = NULL;
    if (topic_count > 0)
        t = kc_calloc((size_t)topic_count, sizeof(*t));
    if (!md || (topic_count > 0 && !t)) {
        kc_free(md);
        kc_free(t);
        return KAFKAC_ERR_NO_MEMORY;
    }
    for (int i = 0; i < topic_count; i++) {
        kc_msg_init(&kc_schema_metadata_request_metadata_request_topic, &t[i]);
        t[i].name = topics[i];
    }
    req.topics = t;
    req.topics_count = topic_count < 0 ? -1 : topic_count;
    req.allow_auto_topic_creation = cl->settings.allow_auto_create_topics;
    kc_req_t r = {
        .node_id = KC_NODE_ANY,
        .api_key = KC_API_METADATA,
        .max_version = -1,
        /* v0 cannot ask for "no topics" (empty means all) */
        .min_version = topic_count == 0 ? 1 : 0,
        .msg = &req,
        .build = metadata_build,
    };
    kc_resp_t *resp = call(cl, &r, deadline);
    kc_free(t);
    if (!resp || resp->err) {
        kc_free(md);
        return resp_error(resp, errstr, errstr_size);
    }
    md->c = kc_cluster_from_response(NULL, resp->msg, 0, kc_now_ms());
    kc_resp_free(resp);
    if (!md->c) {
        kc_free(md);
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    *out = md;
    return KAFKAC_OK;
}

void kafkac_metadata_destroy(kafkac_metadata_t *md)
{
    if (!md)
        return;
    kc_cluster_unref(md->c);
    kc_free(md);
}

const char *kafkac_metadata_cluster_id(const kafkac_metadata_t *md) { return md ? md->c->cluster_id : NULL; }
int32_t kafkac_metadata_controller_id(const kafkac_metadata_t *md) { return md ? md->c->controller_id : -1; }
int kafkac_metadata_broker_count(const kafkac_metadata_t *md) { return md ? md->c->broker_count : 0; }
int kafkac_metadata_topic_count(const kafkac_metadata_t *md) { return md ? md->c->topic_count : 0; }

const kafkac_node_t *kafkac_metadata_broker(const kafkac_metadata_t *md, int i)
{
    return md && i >= 0 && i < md->c->broker_count ? &md->c->brokers[i] : NULL;
}

static const kc_topic_info_t *md_topic(const kafkac_metadata_t *md, int i)
{
    return md && i >= 0 && i < md->c->topic_count ? &md->c->topics[i] : NULL;
}

const char *kafkac_metadata_topic_name(const kafkac_metadata_t *md, int i)
{
    const kc_topic_info_t *t = md_topic(md, i);
    return t ? t->name : "";
}

kafkac_err_t kafkac_metadata_topic_error(const kafkac_metadata_t *md, int i)
{
    const kc_topic_info_t *t = md_topic(md, i);
    return t ? (kafkac_err_t)t->err : KAFKAC_ERR_INVALID_ARG;
}

int kafkac_metadata_topic_is_internal(const kafkac_metadata_t *md, int i)
{
    const kc_topic_info_t *t = md_topic(md, i);
    return t ? t->internal : 0;
}

int kafkac_metadata_topic_partition_count(const kafkac_metadata_t *md, int i)
{
    const kc_topic_info_t *t = md_topic(md, i);
    return t ? t->partition_count : 0;
}

const kafkac_partition_info_t *kafkac_metadata_partition(const kafkac_metadata_t *md, int i, int p)
{
    const kc_topic_info_t *t = md_topic(md, i);
    return t && p >= 0 && p < t->partition_count ? &t->partitions[p] : NULL;
}

/* ---- raw --------------------------------------------------------- */

kafkac_err_t kafkac_client_request(kafkac_client_t *cl, int32_t broker_id, int16_t api_key, int16_t api_version,
                                   const void *body, size_t body_len, void **resp_body, size_t *resp_len,
                                   int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!cl || !resp_body || !resp_len || (body_len && !body) || api_version < 0)
        return KAFKAC_ERR_INVALID_ARG;
    *resp_body = NULL;
    *resp_len = 0;
    int64_t deadline;
    if (deadline_of(cl, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    if (!kc_api_get(api_key)) {
        kc_errstr_set(errstr, errstr_size, "%s", "API key unknown to libkafkac");
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    static const uint8_t empty[1];
    kc_req_t r = {
        .node_id = node_of(broker_id),
        .api_key = api_key,
        .max_version = api_version,
        .raw_body = body_len ? body : empty,
        .raw_len = body_len,
    };
    kc_resp_t *resp = call(cl, &r, deadline);
    if (!resp || resp->err)
        return resp_error(resp, errstr, errstr_size);
    size_t n = resp->frame_len - resp->body_off;
    uint8_t *copy = kc_malloc(n);
    if (!copy) {
        kc_resp_free(resp);
        return KAFKAC_ERR_NO_MEMORY;
    }
    memcpy(copy, resp->frame + resp->body_off, n);
    kc_resp_free(resp);
    *resp_body = copy;
    *resp_len = n;
    return KAFKAC_OK;
}

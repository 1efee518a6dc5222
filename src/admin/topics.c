/* Topic operations: create, delete, add partitions (all answered by the
 * controller), and describe / list (a Metadata request of our own). */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"


/* ---- the kafkac_new_topic_t input ---- */

typedef struct topic_config {
    const char *name, *value;
} topic_config_t;

typedef struct replica_row {
    int32_t partition;
    const int32_t *brokers;
    int count;
} replica_row_t;

struct kafkac_new_topic {
    const char *name;
    int32_t partitions;
    int16_t replication_factor;
    topic_config_t *configs;
    int config_count, config_cap;
    replica_row_t *rows;          /* replica assignment, in the order set */
    int row_count, row_cap;
    kc_arena_t arena;             /* name, config strings, broker id arrays */
};

kafkac_new_topic_t *kafkac_new_topic_new(const char *name, int32_t partitions, int16_t replication_factor)
{
    if (!name)
        return NULL;
    kafkac_new_topic_t *t = kc_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    kc_arena_init(&t->arena, 512);
    t->name = kc_admin_strdup(&t->arena, name);
    t->partitions = partitions;
    t->replication_factor = replication_factor;
    if (!t->name) {
        kafkac_new_topic_destroy(t);
        return NULL;
    }
    return t;
}

kafkac_err_t kafkac_new_topic_set_config(kafkac_new_topic_t *t, const char *name, const char *value)
{
    if (!t || !name)
        return KAFKAC_ERR_INVALID_ARG;
    const char *v = kc_admin_strdup(&t->arena, value);
    if (value && !v)
        return KAFKAC_ERR_NO_MEMORY;
    for (int k = 0; k < t->config_count; k++)
        if (!strcmp(t->configs[k].name, name)) {
            t->configs[k].value = v;   /* the old copy stays in the arena until destroy */
            return KAFKAC_OK;
        }
    topic_config_t *c = kc_admin_rows_grow(t->configs, t->config_count, &t->config_cap, sizeof *c);
    if (!c)
        return KAFKAC_ERR_NO_MEMORY;
    t->configs = c;
    c = &t->configs[t->config_count];
    c->name = kc_admin_strdup(&t->arena, name);
    c->value = v;
    if (!c->name)
        return KAFKAC_ERR_NO_MEMORY;
    t->config_count++;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_new_topic_set_replica_assignment(kafkac_new_topic_t *t, int32_t partition,
                                                     const int32_t *brokers, int count)
{
    if (!t || partition < 0 || !brokers || count < 1)
        return KAFKAC_ERR_INVALID_ARG;
    int32_t *copy = kc_arena_alloc(&t->arena, (size_t)count * sizeof(*copy));
    if (!copy)
        return KAFKAC_ERR_NO_MEMORY;
    memcpy(copy, brokers, (size_t)count * sizeof(*copy));
    int k = 0;
    while (k < t->row_count && t->rows[k].partition != partition)
        k++;
    if (k == t->row_count) {
        replica_row_t *rows = kc_admin_rows_grow(t->rows, t->row_count, &t->row_cap, sizeof *rows);
        if (!rows)
            return KAFKAC_ERR_NO_MEMORY;
        t->rows = rows;
        t->row_count++;
    }
    t->rows[k] = (replica_row_t){ partition, copy, count };
    return KAFKAC_OK;
}

void kafkac_new_topic_destroy(kafkac_new_topic_t *t)
{
    if (!t)
        return;
    kc_free(t->configs);
    kc_free(t->rows);
    kc_arena_destroy(&t->arena);
    kc_free(t);
}

/* ---- create_topics ---- */

typedef struct create_ctx {
    const kafkac_new_topic_t *const *topics;
    int validate_only;
    kafkac_admin_result_t *res;
    char *pending;
} create_ctx_t;

static int fill_topic(kc_arena_t *a, kc_create_topics_request_creatable_topic_t *ct, const kafkac_new_topic_t *t)
{
    kc_msg_init(&kc_schema_create_topics_request_creatable_topic, ct);
    ct->name = t->name;
    ct->num_partitions = t->partitions;
    ct->replication_factor = t->replication_factor;
    if (t->row_count > 0) {
        /* With an assignment both counts must be -1: the rows say it all. */
        ct->num_partitions = -1;
        ct->replication_factor = -1;
        ct->assignments_count = t->row_count;
        ct->assignments = kc_arena_alloc(a, (size_t)t->row_count * sizeof(*ct->assignments));
        if (!ct->assignments)
            return -1;
        for (int p = 0; p < t->row_count; p++) {
            kc_msg_init(&kc_schema_create_topics_request_creatable_replica_assignment, &ct->assignments[p]);
            ct->assignments[p].partition_index = t->rows[p].partition;
            ct->assignments[p].broker_ids = (int32_t *)t->rows[p].brokers;
            ct->assignments[p].broker_ids_count = t->rows[p].count;
        }
    }
    if (t->config_count > 0) {
        ct->configs_count = t->config_count;
        ct->configs = kc_arena_alloc(a, (size_t)t->config_count * sizeof(*ct->configs));
        if (!ct->configs)
            return -1;
        for (int c = 0; c < t->config_count; c++) {
            kc_msg_init(&kc_schema_create_topics_request_creatable_topic_config, &ct->configs[c]);
            ct->configs[c].name = t->configs[c].name;
            ct->configs[c].value = t->configs[c].value;
        }
    }
    return 0;
}

static void *create_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    create_ctx_t *x = rpc->opaque;
    kc_create_topics_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_create_topics_request, m);
    m->validate_only = x->validate_only ? true : false;
    /* Leave the broker time to answer before our own deadline. */
    m->timeout_ms = remaining_ms > 1000 ? remaining_ms - 500 : remaining_ms;
    m->topics = kc_arena_alloc(a, (size_t)x->res->count * sizeof(*m->topics));
    if (!m->topics)
        return NULL;
    m->topics_count = 0;
    for (int i = 0; i < x->res->count; i++) {
        if (!x->pending[i])
            continue;
        if (fill_topic(a, &m->topics[m->topics_count++], x->topics[i]))
            return NULL;
    }
    return m;
}

static int create_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    create_ctx_t *x = rpc->opaque;
    const kc_create_topics_response_t *m = resp->msg;
    int retry = 0;
    for (int i = 0; i < m->topics_count; i++) {
        const kc_create_topics_response_creatable_topic_result_t *t = &m->topics[i];
        if (kc_admin_answer(x->res, x->pending, t->name, -1, t->error_code, t->error_message, &retry))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return kc_admin_round_end(x->res, x->pending, retry);
}

/* Prepares a result named after `names` with every entry pending. */
static int start_result(kafkac_admin_result_t **res, char **pending, int count, const char *(*name_of)(const void *, int),
                        const void *arg)
{
    *res = kc_admin_result_new(count);
    *pending = kc_calloc((size_t)(count > 0 ? count : 1), 1);
    if (!*res || !*pending)
        return KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < count; i++) {
        (*pending)[i] = 1;
        if (kc_admin_result_name(*res, i, name_of(arg, i), -1))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return 0;
}

static const char *new_topic_name(const void *arg, int i)
{
    return ((const kafkac_new_topic_t *const *)arg)[i]->name;
}

static const char *string_at(const void *arg, int i)
{
    return ((const char *const *)arg)[i];
}

/* Runs rpc and hands the result over, or frees it on failure. */
static kafkac_err_t finish(kafkac_admin_t *adm, kc_admin_rpc_t *rpc, int64_t deadline, kafkac_admin_result_t *res,
                           char *pending, kafkac_admin_result_t **out, char *errstr, size_t errlen)
{
    int rc = kc_admin_run(adm, rpc, deadline, errstr, errlen);
    kc_free(pending);
    if (rc) {
        kafkac_admin_result_destroy(res);
        return (kafkac_err_t)rc;
    }
    *out = res;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_create_topics(kafkac_admin_t *adm, const kafkac_new_topic_t *const *topics, int count,
                                        int validate_only, int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                        size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int rc = kc_admin_check_inputs("create_topics", (const void *const *)topics, count, "topic", errstr, errstr_size);
    if (rc)
        return rc;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    create_ctx_t x = { topics, validate_only, NULL, NULL };
    if (start_result(&x.res, &x.pending, count, new_topic_name, topics)) {
        kafkac_admin_result_destroy(x.res);
        kc_free(x.pending);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_admin_rpc_t rpc = {
        .api_key = KC_API_CREATE_TOPICS, .max_version = -1, .target = KC_ADMIN_TO_CONTROLLER,
        .build = create_build, .parse = create_parse, .opaque = &x,
    };
    return finish(adm, &rpc, deadline, x.res, x.pending, out, errstr, errstr_size);
}

/* ---- delete_topics ---- */

typedef struct names_ctx {
    const char *const *names;
    const int32_t *counts;
    int validate_only;
    kafkac_admin_result_t *res;
    char *pending;
} names_ctx_t;

static void *delete_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    names_ctx_t *x = rpc->opaque;
    kc_delete_topics_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_delete_topics_request, m);
    m->timeout_ms = remaining_ms > 1000 ? remaining_ms - 500 : remaining_ms;
    m->topic_names = kc_arena_alloc(a, (size_t)x->res->count * sizeof(char *));
    m->topics = kc_arena_alloc(a, (size_t)x->res->count * sizeof(*m->topics));
    if (!m->topic_names || !m->topics)
        return NULL;
    int n = 0;
    for (int i = 0; i < x->res->count; i++) {
        if (!x->pending[i])
            continue;
        kc_msg_init(&kc_schema_delete_topics_request_delete_topic_state, &m->topics[n]);
        m->topics[n].name = x->names[i];
        m->topic_names[n++] = x->names[i];
    }
    m->topic_names_count = n;
    m->topics_count = n;
    return m;
}

/* v6 names topics in Topics, older versions in TopicNames: clear the other. */
static int delete_version(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_delete_topics_request_t *m = msg;
    if (version >= 6) {
        m->topic_names = NULL;
        m->topic_names_count = 0;
    } else {
        m->topics = NULL;
        m->topics_count = 0;
    }
    return 0;
}

static int delete_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    names_ctx_t *x = rpc->opaque;
    const kc_delete_topics_response_t *m = resp->msg;
    int retry = 0;
    for (int i = 0; i < m->responses_count; i++) {
        const kc_delete_topics_response_deletable_topic_result_t *t = &m->responses[i];
        if (kc_admin_answer(x->res, x->pending, t->name, -1, t->error_code, t->error_message, &retry))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return kc_admin_round_end(x->res, x->pending, retry);
}

static int check_names(const char *op, const char *const *names, int count, char *errstr, size_t errlen)
{
    return kc_admin_check_inputs(op, (const void *const *)names, count, "name", errstr, errlen);
}

kafkac_err_t kafkac_admin_delete_topics(kafkac_admin_t *adm, const char *const *topics, int count, int timeout_ms,
                                        kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int rc = check_names("delete_topics", topics, count, errstr, errstr_size);
    if (rc)
        return rc;
    names_ctx_t x = { topics, NULL, 0, NULL, NULL };
    if (start_result(&x.res, &x.pending, count, string_at, topics)) {
        kafkac_admin_result_destroy(x.res);
        kc_free(x.pending);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_admin_rpc_t rpc = {
        .api_key = KC_API_DELETE_TOPICS, .max_version = -1, .target = KC_ADMIN_TO_CONTROLLER,
        .build = delete_build, .build_version = delete_version, .parse = delete_parse, .opaque = &x,
    };
    return finish(adm, &rpc, deadline, x.res, x.pending, out, errstr, errstr_size);
}

/* ---- create_partitions ---- */

static void *partitions_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    names_ctx_t *x = rpc->opaque;
    kc_create_partitions_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_create_partitions_request, m);
    m->timeout_ms = remaining_ms > 1000 ? remaining_ms - 500 : remaining_ms;
    m->validate_only = x->validate_only ? true : false;
    m->topics = kc_arena_alloc(a, (size_t)x->res->count * sizeof(*m->topics));
    if (!m->topics)
        return NULL;
    int n = 0;
    for (int i = 0; i < x->res->count; i++) {
        if (!x->pending[i])
            continue;
        kc_msg_init(&kc_schema_create_partitions_request_create_partitions_topic, &m->topics[n]);
        m->topics[n].name = x->names[i];
        m->topics[n].count = x->counts[i];
        m->topics[n].assignments = NULL;
        m->topics[n].assignments_count = -1;
        n++;
    }
    m->topics_count = n;
    return m;
}

static int partitions_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    names_ctx_t *x = rpc->opaque;
    const kc_create_partitions_response_t *m = resp->msg;
    int retry = 0;
    for (int i = 0; i < m->results_count; i++) {
        const kc_create_partitions_response_create_partitions_topic_result_t *t = &m->results[i];
        if (kc_admin_answer(x->res, x->pending, t->name, -1, t->error_code, t->error_message, &retry))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return kc_admin_round_end(x->res, x->pending, retry);
}

kafkac_err_t kafkac_admin_create_partitions(kafkac_admin_t *adm, const char *const *topics, const int32_t *new_counts,
                                            int count, int validate_only, int timeout_ms, kafkac_admin_result_t **out,
                                            char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !new_counts)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int rc = check_names("create_partitions", topics, count, errstr, errstr_size);
    if (rc)
        return rc;
    names_ctx_t x = { topics, new_counts, validate_only, NULL, NULL };
    if (start_result(&x.res, &x.pending, count, string_at, topics)) {
        kafkac_admin_result_destroy(x.res);
        kc_free(x.pending);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_admin_rpc_t rpc = {
        .api_key = KC_API_CREATE_PARTITIONS, .max_version = -1, .target = KC_ADMIN_TO_CONTROLLER,
        .build = partitions_build, .parse = partitions_parse, .opaque = &x,
    };
    return finish(adm, &rpc, deadline, x.res, x.pending, out, errstr, errstr_size);
}

/* ---- describe / list ---- */

struct kafkac_topic_desc {
    kc_cluster_t *cluster;             /* owned reference: the topics live here */
    int count;
    const kc_topic_info_t **topics;
    char (*ids)[24];                   /* base64url of each topic id */
};

/* Kafka prints a topic id as the unpadded URL-safe base64 of its 16 bytes. */
static void uuid_b64(const kc_uuid_t *u, char out[24])
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int zero = 1;
    for (int i = 0; i < 16; i++)
        zero &= u->b[i] == 0;
    if (zero) {
        out[0] = '\0';
        return;
    }
    int o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)u->b[i] << 16;
        int n = 16 - i >= 3 ? 3 : 16 - i;
        if (n > 1)
            v |= (uint32_t)u->b[i + 1] << 8;
        if (n > 2)
            v |= u->b[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (n > 1)
            out[o++] = tab[(v >> 6) & 63];
        if (n > 2)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

static kafkac_err_t describe(kafkac_admin_t *adm, const char *const *names, int count, int list_mode,
                             int include_internal, int timeout_ms, kafkac_topic_desc_t **out, char *errstr,
                             size_t errlen)
{
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errlen) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int mrc = 0;
    kc_cluster_t *c = kc_admin_metadata(adm, count < 0 ? NULL : names, count, deadline, errstr, errlen, &mrc);
    if (!c)
        return mrc ? mrc : KAFKAC_ERR_TIMED_OUT;
    kafkac_topic_desc_t *d = kc_calloc(1, sizeof(*d));
    int cap = count < 0 ? c->topic_count : count;
    if (d) {
        d->cluster = c;
        d->topics = kc_calloc((size_t)(cap > 0 ? cap : 1), sizeof(*d->topics));
        d->ids = kc_calloc((size_t)(cap > 0 ? cap : 1), sizeof(*d->ids));
    }
    if (!d || !d->topics || !d->ids) {
        if (!d)
            kc_cluster_unref(c);
        kafkac_topic_desc_destroy(d);
        kc_errstr_set(errstr, errlen, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    if (count < 0) {
        for (int i = 0; i < c->topic_count; i++) {
            if (list_mode && c->topics[i].internal && !include_internal)
                continue;
            d->topics[d->count++] = &c->topics[i];
        }
    } else {
        /* In the order asked (Metadata answers every topic named, a
         * missing one with UNKNOWN_TOPIC_OR_PARTITION). */
        for (int i = 0; i < count; i++) {
            const kc_topic_info_t *t = kc_cluster_topic(c, names[i]);
            if (t)
                d->topics[d->count++] = t;
        }
    }
    for (int i = 0; i < d->count; i++)
        uuid_b64(&d->topics[i]->id, d->ids[i]);
    *out = d;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_describe_topics(kafkac_admin_t *adm, const char *const *topics, int count, int timeout_ms,
                                          kafkac_topic_desc_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    if (!topics)
        count = -1;
    if (count >= 0) {
        int rc = check_names("describe_topics", topics, count, errstr, errstr_size);
        if (rc)
            return rc;
    }
    return describe(adm, topics, count, 0, 1, timeout_ms, out, errstr, errstr_size);
}

kafkac_err_t kafkac_admin_list_topics(kafkac_admin_t *adm, int include_internal, int timeout_ms,
                                      kafkac_topic_desc_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    return describe(adm, NULL, -1, 1, include_internal, timeout_ms, out, errstr, errstr_size);
}

void kafkac_topic_desc_destroy(kafkac_topic_desc_t *d)
{
    if (!d)
        return;
    kc_cluster_unref(d->cluster);
    kc_free(d->topics);
    kc_free(d->ids);
    kc_free(d);
}

static const kc_topic_info_t *topic_at(const kafkac_topic_desc_t *d, int i)
{
    return d && i >= 0 && i < d->count ? d->topics[i] : NULL;
}

int kafkac_topic_desc_count(const kafkac_topic_desc_t *d) { return d ? d->count : 0; }

const char *kafkac_topic_desc_name(const kafkac_topic_desc_t *d, int i)
{
    const kc_topic_info_t *t = topic_at(d, i);
    return t ? t->name : "";
}

kafkac_err_t kafkac_topic_desc_error(const kafkac_topic_desc_t *d, int i)
{
    const kc_topic_info_t *t = topic_at(d, i);
    return t ? (kafkac_err_t)t->err : KAFKAC_ERR_INVALID_ARG;
}

const char *kafkac_topic_desc_id(const kafkac_topic_desc_t *d, int i)
{
    return topic_at(d, i) ? d->ids[i] : "";
}

int kafkac_topic_desc_is_internal(const kafkac_topic_desc_t *d, int i)
{
    const kc_topic_info_t *t = topic_at(d, i);
    return t ? t->internal : 0;
}

int kafkac_topic_desc_partition_count(const kafkac_topic_desc_t *d, int i)
{
    const kc_topic_info_t *t = topic_at(d, i);
    return t ? t->partition_count : 0;
}

const kafkac_partition_info_t *kafkac_topic_desc_partition(const kafkac_topic_desc_t *d, int i, int p)
{
    const kc_topic_info_t *t = topic_at(d, i);
    return t && p >= 0 && p < t->partition_count ? &t->partitions[p] : NULL;
}

/* Configs: describe (each entry's value, source, flags and synonyms),
 * alter (legacy: replace a resource's dynamic config) and incremental
 * alter (set, delete, append, subtract).  A broker resource must be asked
 * of that broker itself; topics and the cluster-wide broker default go to
 * any broker (KRaft forwards them to the controller). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"


const char *kafkac_config_source_name(int source)
{
    switch (source) {
    case KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG: return "DYNAMIC_TOPIC_CONFIG";
    case KAFKAC_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG: return "DYNAMIC_BROKER_CONFIG";
    case KAFKAC_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG: return "STATIC_BROKER_CONFIG";
    case KAFKAC_CONFIG_SOURCE_DEFAULT_CONFIG: return "DEFAULT_CONFIG";
    case KAFKAC_CONFIG_SOURCE_DYNAMIC_BROKER_LOGGER_CONFIG: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case KAFKAC_CONFIG_SOURCE_CLIENT_METRICS_CONFIG: return "CLIENT_METRICS_CONFIG";
    default: return "UNKNOWN";
    }
}

/* ---- the kafkac_config_resource_t input ---- */

typedef struct cfg_change {
    kafkac_config_op_t op;
    const char *name, *value;
} cfg_change_t;

struct kafkac_config_resource {
    kafkac_resource_type_t type;
    const char *name;
    cfg_change_t *e;            /* in the order added */
    int n, cap;
    kc_arena_t arena;           /* name, entry strings */
};

kafkac_config_resource_t *kafkac_config_resource_new(kafkac_resource_type_t type, const char *name)
{
    if (!name)
        return NULL;
    kafkac_config_resource_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    kc_arena_init(&r->arena, 512);
    r->type = type;
    r->name = kc_admin_strdup(&r->arena, name);
    if (!r->name) {
        kafkac_config_resource_destroy(r);
        return NULL;
    }
    return r;
}

kafkac_err_t kafkac_config_resource_add(kafkac_config_resource_t *r, kafkac_config_op_t op, const char *name,
                                        const char *value)
{
    if (!r || !name || op < KAFKAC_CONFIG_SET || op > KAFKAC_CONFIG_SUBTRACT)
        return KAFKAC_ERR_INVALID_ARG;
    cfg_change_t *e = kc_admin_rows_grow(r->e, r->n, &r->cap, sizeof *e);
    if (!e)
        return KAFKAC_ERR_NO_MEMORY;
    r->e = e;
    e = &r->e[r->n];
    e->op = op;
    e->name = kc_admin_strdup(&r->arena, name);
    e->value = kc_admin_strdup(&r->arena, value);
    if (!e->name || (value && !e->value))
        return KAFKAC_ERR_NO_MEMORY;
    r->n++;
    return KAFKAC_OK;
}

void kafkac_config_resource_destroy(kafkac_config_resource_t *r)
{
    if (!r)
        return;
    kc_free(r->e);
    kc_arena_destroy(&r->arena);
    kc_free(r);
}

/* Which broker must answer for a resource: a specific broker's configs
 * (or its loggers) only that broker knows. */
static void route(const kafkac_config_resource_t *r, kc_admin_rpc_t *rpc)
{
    char *end = NULL;
    long id = -1;
    if ((r->type == KAFKAC_RESOURCE_BROKER || r->type == KAFKAC_RESOURCE_BROKER_LOGGER) && *r->name)
        id = strtol(r->name, &end, 10);
    if (id >= 0 && end && !*end) {
        rpc->target = KC_ADMIN_TO_NODE;
        rpc->node_id = (int32_t)id;
    } else {
        rpc->target = KC_ADMIN_TO_ANY;
    }
}

/* Same destination for resources a and b? */
static int same_route(const kafkac_config_resource_t *a, const kafkac_config_resource_t *b)
{
    kc_admin_rpc_t x = { 0 }, y = { 0 };
    route(a, &x);
    route(b, &y);
    return x.target == y.target && (x.target != KC_ADMIN_TO_NODE || x.node_id == y.node_id);
}

/* ---- describe ---- */

/* A described entry, and each of its synonyms: the element handle
 * kafkac_config_desc_entry() hands out (the tag is the public name). */
typedef struct kafkac_config_entry {
    const char *name, *value;
    int source, read_only, sensitive;
    int nsyn;
    struct kafkac_config_entry *syn;   /* a synonym has none */
} cfg_entry_t;

typedef struct cfg_res {
    int type;
    const char *name;
    int err;
    const char *message;
    int n;
    cfg_entry_t *e;
} cfg_res_t;

struct kafkac_config_desc {
    int count;
    cfg_res_t *r;
    kc_arena_t arena;
};

typedef struct dc_ctx {
    const kafkac_config_resource_t *const *res;
    kafkac_config_desc_t *d;
    char *pending;     /* only the resources of this destination */
} dc_ctx_t;

static void *dc_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    dc_ctx_t *x = rpc->opaque;
    kc_describe_configs_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_describe_configs_request, m);
    m->include_synonyms = true;
    m->resources = kc_arena_alloc(a, (size_t)x->d->count * sizeof(*m->resources));
    if (!m->resources)
        return NULL;
    for (int i = 0; i < x->d->count; i++) {
        if (!x->pending[i])
            continue;
        kc_describe_configs_request_describe_configs_resource_t *r = &m->resources[m->resources_count++];
        kc_msg_init(&kc_schema_describe_configs_request_describe_configs_resource, r);
        const kafkac_config_resource_t *in = x->res[i];
        r->resource_type = (int8_t)in->type;
        r->resource_name = in->name;
        r->configuration_keys = NULL;
        r->configuration_keys_count = -1;   /* null: every key */
        if (in->n > 0) {
            r->configuration_keys = kc_arena_alloc(a, (size_t)in->n * sizeof(*r->configuration_keys));
            if (!r->configuration_keys)
                return NULL;
            for (int j = 0; j < in->n; j++)
                r->configuration_keys[j] = in->e[j].name;
            r->configuration_keys_count = in->n;
        }
    }
    return m;
}

/* v0 has IsDefault instead of a source: derive one. */
static int v0_source(const kc_describe_configs_response_describe_configs_resource_result_t *c, int type)
{
    if (c->is_default)
        return KAFKAC_CONFIG_SOURCE_DEFAULT_CONFIG;
    return type == KAFKAC_RESOURCE_TOPIC ? KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG
                                          : KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG;
}

static int dc_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    dc_ctx_t *x = rpc->opaque;
    const kc_describe_configs_response_t *m = resp->msg;
    kc_arena_t *a = &x->d->arena;
    int retry = 0;
    for (int k = 0; k < m->results_count; k++) {
        const kc_describe_configs_response_describe_configs_result_t *rr = &m->results[k];
        for (int i = 0; i < x->d->count; i++) {
            cfg_res_t *cr = &x->d->r[i];
            if (!x->pending[i] || cr->type != rr->resource_type || strcmp(cr->name, rr->resource_name ? rr->resource_name : ""))
                continue;
            cr->err = rr->error_code;
            cr->message = kc_admin_strdup(a, rr->error_message);
            if (kc_admin_retriable(cr->err)) {
                retry = cr->err;
                continue;
            }
            x->pending[i] = 0;
            int n = rr->configs_count > 0 ? rr->configs_count : 0;
            cr->e = kc_arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*cr->e));
            if (!cr->e)
                return KAFKAC_ERR_NO_MEMORY;
            cr->n = n;
            for (int j = 0; j < n; j++) {
                const kc_describe_configs_response_describe_configs_resource_result_t *c = &rr->configs[j];
                cfg_entry_t *e = &cr->e[j];
                e->name = kc_admin_strdup(a, c->name);
                e->value = kc_admin_strdup(a, c->value);
                e->source = resp->version >= 1 ? c->config_source : v0_source(c, cr->type);
                e->read_only = c->read_only;
                e->sensitive = c->is_sensitive;
                e->nsyn = c->synonyms_count > 0 ? c->synonyms_count : 0;
                e->syn = kc_arena_alloc(a, (size_t)(e->nsyn ? e->nsyn : 1) * sizeof(*e->syn));
                if (!e->name || !e->syn)
                    return KAFKAC_ERR_NO_MEMORY;
                for (int s = 0; s < e->nsyn; s++) {
                    e->syn[s] = (cfg_entry_t){ .name = kc_admin_strdup(a, c->synonyms[s].name),
                                               .value = kc_admin_strdup(a, c->synonyms[s].value),
                                               .source = c->synonyms[s].source,
                                               .read_only = e->read_only, .sensitive = e->sensitive };
                    if (!e->syn[s].name)
                        return KAFKAC_ERR_NO_MEMORY;
                }
            }
        }
    }
    if (retry)
        return retry;
    for (int i = 0; i < x->d->count; i++)
        if (x->pending[i]) {
            x->pending[i] = 0;
            x->d->r[i].err = KAFKAC_ERR_UNKNOWN_SERVER_ERROR;
            x->d->r[i].message = "the broker's answer did not mention it";
        }
    return 0;
}

/* Checks the resources given to describe or alter: 0, or INVALID_ARG with
 * errstr filled. */
static int check_resources(const char *op, const kafkac_config_resource_t *const *res, int count, char *errstr,
                           size_t errlen)
{
    return kc_admin_check_inputs(op, (const void *const *)res, count, "resource", errstr, errlen);
}

kafkac_err_t kafkac_admin_describe_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *const *res, int count,
                                           int timeout_ms, kafkac_config_desc_t **out, char *errstr,
                                           size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int crc = check_resources("describe_configs", res, count, errstr, errstr_size);
    if (crc)
        return crc;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_config_desc_t *d = kc_calloc(1, sizeof(*d));
    char *pending = kc_calloc((size_t)count, 1);
    char *done = kc_calloc((size_t)count, 1);
    if (d) {
        kc_arena_init(&d->arena, 8192);
        d->r = kc_calloc((size_t)count, sizeof(*d->r));
        d->count = count;
    }
    int rc = (!d || !d->r || !pending || !done) ? KAFKAC_ERR_NO_MEMORY : 0;
    for (int i = 0; !rc && i < count; i++) {
        d->r[i].type = res[i]->type;
        d->r[i].name = kc_admin_strdup(&d->arena, res[i]->name);
        if (!d->r[i].name)
            rc = KAFKAC_ERR_NO_MEMORY;
    }
    /* One request per destination. */
    for (int i = 0; !rc && i < count; i++) {
        if (done[i])
            continue;
        memset(pending, 0, (size_t)count);
        for (int j = i; j < count; j++)
            if (!done[j] && same_route(res[i], res[j]))
                pending[j] = done[j] = 1;
        dc_ctx_t x = { res, d, pending };
        kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_CONFIGS, .max_version = -1, .build = dc_build,
                               .parse = dc_parse, .opaque = &x };
        route(res[i], &rpc);
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    }
    kc_free(pending);
    kc_free(done);
    if (rc) {
        if (rc == KAFKAC_ERR_NO_MEMORY)
            kc_errstr_set(errstr, errstr_size, "out of memory");
        kafkac_config_desc_destroy(d);
        return rc;
    }
    *out = d;
    return KAFKAC_OK;
}

void kafkac_config_desc_destroy(kafkac_config_desc_t *d)
{
    if (!d)
        return;
    kc_arena_destroy(&d->arena);
    kc_free(d->r);
    kc_free(d);
}

int kafkac_config_desc_count(const kafkac_config_desc_t *d) { return d ? d->count : 0; }

static const cfg_res_t *res_at(const kafkac_config_desc_t *d, int i)
{
    return d && i >= 0 && i < d->count ? &d->r[i] : NULL;
}

kafkac_resource_type_t kafkac_config_desc_type(const kafkac_config_desc_t *d, int i)
{
    const cfg_res_t *r = res_at(d, i);
    return r ? (kafkac_resource_type_t)r->type : KAFKAC_RESOURCE_UNKNOWN;
}

const char *kafkac_config_desc_name(const kafkac_config_desc_t *d, int i)
{
    const cfg_res_t *r = res_at(d, i);
    return r ? r->name : "";
}

kafkac_err_t kafkac_config_desc_error(const kafkac_config_desc_t *d, int i)
{
    const cfg_res_t *r = res_at(d, i);
    return r ? (kafkac_err_t)r->err : KAFKAC_ERR_INVALID_ARG;
}

const char *kafkac_config_desc_message(const kafkac_config_desc_t *d, int i)
{
    const cfg_res_t *r = res_at(d, i);
    return !r || !r->err ? "" : (r->message && *r->message ? r->message : kafkac_err_str(r->err));
}

int kafkac_config_desc_entry_count(const kafkac_config_desc_t *d, int i)
{
    const cfg_res_t *r = res_at(d, i);
    return r ? r->n : 0;
}

const kafkac_config_entry_t *kafkac_config_desc_entry(const kafkac_config_desc_t *d, int i, int j)
{
    const cfg_res_t *r = res_at(d, i);
    return r && j >= 0 && j < r->n ? &r->e[j] : NULL;
}

const kafkac_config_entry_t *kafkac_config_desc_find(const kafkac_config_desc_t *d, int i, const char *name)
{
    const cfg_res_t *r = res_at(d, i);
    for (int j = 0; r && name && j < r->n; j++)
        if (r->e[j].name && !strcmp(r->e[j].name, name))
            return &r->e[j];
    return NULL;
}

const char *kafkac_config_entry_name(const kafkac_config_entry_t *e) { return e && e->name ? e->name : ""; }
const char *kafkac_config_entry_value(const kafkac_config_entry_t *e) { return e ? e->value : NULL; }
kafkac_config_source_t kafkac_config_entry_source(const kafkac_config_entry_t *e)
{
    return e ? (kafkac_config_source_t)e->source : KAFKAC_CONFIG_SOURCE_UNKNOWN;
}
int kafkac_config_entry_is_default(const kafkac_config_entry_t *e)
{
    return e && e->source == KAFKAC_CONFIG_SOURCE_DEFAULT_CONFIG;
}
int kafkac_config_entry_is_read_only(const kafkac_config_entry_t *e) { return e ? e->read_only : 0; }
int kafkac_config_entry_is_sensitive(const kafkac_config_entry_t *e) { return e ? e->sensitive : 0; }
int kafkac_config_entry_synonym_count(const kafkac_config_entry_t *e) { return e ? e->nsyn : 0; }
const kafkac_config_entry_t *kafkac_config_entry_synonym(const kafkac_config_entry_t *e, int k)
{
    return e && k >= 0 && k < e->nsyn ? &e->syn[k] : NULL;
}

/* ---- alter / incremental alter ---- */

typedef struct ac_ctx {
    const kafkac_config_resource_t *const *alters;
    int incremental, validate_only;
    kafkac_admin_result_t *res;
    char *pending;
} ac_ctx_t;

/* The pending alterations as IncrementalAlterConfigs carries them: the one
 * walk over the caller's entries. */
static kc_incremental_alter_configs_request_t *ac_build_incremental(const ac_ctx_t *x, kc_arena_t *a)
{
    int n = x->res->count;
    kc_incremental_alter_configs_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_incremental_alter_configs_request, m);
    m->validate_only = x->validate_only ? true : false;
    m->resources = kc_arena_alloc(a, (size_t)n * sizeof(*m->resources));
    if (!m->resources)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (!x->pending[i])
            continue;
        const kafkac_config_resource_t *al = x->alters[i];
        kc_incremental_alter_configs_request_alter_configs_resource_t *r = &m->resources[m->resources_count++];
        kc_msg_init(&kc_schema_incremental_alter_configs_request_alter_configs_resource, r);
        r->resource_type = (int8_t)al->type;
        r->resource_name = al->name;
        r->configs_count = al->n;
        r->configs = kc_arena_alloc(a, (size_t)(al->n > 0 ? al->n : 1) * sizeof(*r->configs));
        if (!r->configs)
            return NULL;
        for (int j = 0; j < al->n; j++) {
            kc_msg_init(&kc_schema_incremental_alter_configs_request_alterable_config, &r->configs[j]);
            r->configs[j].name = al->e[j].name;
            r->configs[j].value = al->e[j].value;
            r->configs[j].config_operation = (int8_t)al->e[j].op;
        }
    }
    return m;
}

/* AlterConfigs carries the same resources and entries without the
 * operation (every entry sets; what is left out goes back to default). */
static kc_alter_configs_request_t *ac_legacy_of(const kc_incremental_alter_configs_request_t *in, kc_arena_t *a)
{
    kc_alter_configs_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_alter_configs_request, m);
    m->validate_only = in->validate_only;
    m->resources_count = in->resources_count;
    m->resources = kc_arena_alloc(a, (size_t)(in->resources_count + 1) * sizeof(*m->resources));
    for (int i = 0; m->resources && i < in->resources_count; i++) {
        const kc_incremental_alter_configs_request_alter_configs_resource_t *ir = &in->resources[i];
        kc_alter_configs_request_alter_configs_resource_t *r = &m->resources[i];
        kc_msg_init(&kc_schema_alter_configs_request_alter_configs_resource, r);
        r->resource_type = ir->resource_type;
        r->resource_name = ir->resource_name;
        r->configs_count = ir->configs_count;
        r->configs = kc_arena_alloc(a, (size_t)(ir->configs_count + 1) * sizeof(*r->configs));
        if (!r->configs)
            return NULL;
        for (int j = 0; j < ir->configs_count; j++) {
            kc_msg_init(&kc_schema_alter_configs_request_alterable_config, &r->configs[j]);
            r->configs[j].name = ir->configs[j].name;
            r->configs[j].value = ir->configs[j].value;
        }
    }
    return m->resources ? m : NULL;
}

static void *ac_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    ac_ctx_t *x = rpc->opaque;
    kc_incremental_alter_configs_request_t *m = ac_build_incremental(x, a);
    if (!m || x->incremental)
        return m;
    return ac_legacy_of(m, a);
}

static int ac_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    ac_ctx_t *x = rpc->opaque;
    int retry = 0;
    /* Both responses have the same shape. */
    if (x->incremental) {
        const kc_incremental_alter_configs_response_t *m = resp->msg;
        for (int k = 0; k < m->responses_count; k++) {
            const kc_incremental_alter_configs_response_alter_configs_resource_response_t *r = &m->responses[k];
            if (kc_admin_answer(x->res, x->pending, r->resource_name, -1, r->error_code, r->error_message, &retry))
                return KAFKAC_ERR_NO_MEMORY;
        }
    } else {
        const kc_alter_configs_response_t *m = resp->msg;
        for (int k = 0; k < m->responses_count; k++) {
            const kc_alter_configs_response_alter_configs_resource_response_t *r = &m->responses[k];
            if (kc_admin_answer(x->res, x->pending, r->resource_name, -1, r->error_code, r->error_message, &retry))
                return KAFKAC_ERR_NO_MEMORY;
        }
    }
    return kc_admin_round_end(x->res, x->pending, retry);
}

static kafkac_err_t alter(kafkac_admin_t *adm, const kafkac_config_resource_t *const *alters, int count,
                          int incremental, int validate_only, int timeout_ms, kafkac_admin_result_t **out,
                          char *errstr, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    const char *op = incremental ? "incremental_alter_configs" : "alter_configs";
    int crc = check_resources(op, alters, count, errstr, errlen);
    if (crc)
        return crc;
    /* AlterConfigs has no operation: it sets what it is given. */
    for (int i = 0; !incremental && i < count; i++)
        for (int j = 0; j < alters[i]->n; j++)
            if (alters[i]->e[j].op != KAFKAC_CONFIG_SET) {
                kc_errstr_set(errstr, errlen, "alter_configs: resource %d entry %s: only SET (use "
                              "incremental_alter_configs to delete, append or subtract)", i, alters[i]->e[j].name);
                return KAFKAC_ERR_INVALID_ARG;
            }
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errlen) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_admin_result_t *res = kc_admin_result_new(count);
    char *pending = kc_calloc((size_t)count, 1);
    char *done = kc_calloc((size_t)count, 1);
    int rc = (!res || !pending || !done) ? KAFKAC_ERR_NO_MEMORY : 0;
    for (int i = 0; !rc && i < count; i++)
        rc = kc_admin_result_name(res, i, alters[i]->name, -1);
    for (int i = 0; !rc && i < count; i++) {
        if (done[i])
            continue;
        memset(pending, 0, (size_t)count);
        for (int j = i; j < count; j++)
            if (!done[j] && same_route(alters[i], alters[j]))
                pending[j] = done[j] = 1;
        ac_ctx_t x = { alters, incremental, validate_only, res, pending };
        kc_admin_rpc_t rpc = { .api_key = incremental ? KC_API_INCREMENTAL_ALTER_CONFIGS : KC_API_ALTER_CONFIGS,
                               .max_version = -1, .build = ac_build, .parse = ac_parse, .opaque = &x };
        route(alters[i], &rpc);
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errlen);
    }
    kc_free(pending);
    kc_free(done);
    if (rc) {
        kafkac_admin_result_destroy(res);
        return rc;
    }
    *out = res;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_alter_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *const *alters, int count,
                                        int validate_only, int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                        size_t errstr_size)
{
    return alter(adm, alters, count, 0, validate_only, timeout_ms, out, errstr, errstr_size);
}

kafkac_err_t kafkac_admin_incremental_alter_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *const *alters,
                                                    int count, int validate_only, int timeout_ms,
                                                    kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    return alter(adm, alters, count, 1, validate_only, timeout_ms, out, errstr, errstr_size);
}

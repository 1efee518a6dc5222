/* ACLs: create, describe, delete (any broker answers; KRaft forwards
 * changes to the controller).  A filter left at Kafka's zero values
 * (UNKNOWN) makes a broker drop the connection, so unset filter fields
 * are sent as ANY. */
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"


/* A binding or filter.  One made by kafkac_acl_new owns its strings (they
 * follow it in the same allocation); one in a list points into the
 * list's arena. */
struct kafkac_acl {
    kafkac_resource_type_t resource_type;
    const char *resource_name;
    kafkac_acl_pattern_t pattern;
    const char *principal;
    const char *host;
    kafkac_acl_operation_t operation;
    kafkac_acl_permission_t permission;
};

/* Copies s (NULL stays NULL) to *at, moving *at past it. */
static const char *put(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = memcpy(*at, s, n);
    *at += n;
    return d;
}

kafkac_acl_t *kafkac_acl_new(kafkac_resource_type_t resource_type, const char *resource_name,
                             kafkac_acl_pattern_t pattern, const char *principal, const char *host,
                             kafkac_acl_operation_t operation, kafkac_acl_permission_t permission)
{
    size_t len = sizeof(kafkac_acl_t);
    const char *str[3] = { resource_name, principal, host };
    for (int i = 0; i < 3; i++)
        len += str[i] ? strlen(str[i]) + 1 : 0;
    kafkac_acl_t *acl = kc_malloc(len);
    if (!acl)
        return NULL;
    char *at = (char *)(acl + 1);
    *acl = (kafkac_acl_t){ resource_type, put(&at, resource_name), pattern, NULL, NULL, operation, permission };
    acl->principal = put(&at, principal);
    acl->host = put(&at, host);
    return acl;
}

void kafkac_acl_destroy(kafkac_acl_t *acl)
{
    kc_free(acl);
}

kafkac_resource_type_t kafkac_acl_resource_type(const kafkac_acl_t *acl)
{
    return acl ? acl->resource_type : KAFKAC_RESOURCE_UNKNOWN;
}
const char *kafkac_acl_resource_name(const kafkac_acl_t *acl) { return acl ? acl->resource_name : NULL; }
kafkac_acl_pattern_t kafkac_acl_pattern(const kafkac_acl_t *acl) { return acl ? acl->pattern : 0; }
const char *kafkac_acl_principal(const kafkac_acl_t *acl) { return acl ? acl->principal : NULL; }
const char *kafkac_acl_host(const kafkac_acl_t *acl) { return acl ? acl->host : NULL; }
kafkac_acl_operation_t kafkac_acl_operation(const kafkac_acl_t *acl) { return acl ? acl->operation : 0; }
kafkac_acl_permission_t kafkac_acl_permission(const kafkac_acl_t *acl) { return acl ? acl->permission : 0; }

struct kafkac_acl_list {
    int count, cap;
    kafkac_acl_t *a;
    kc_arena_t arena;
};

static int8_t or_any(int v)
{
    return (int8_t)(v > 0 ? v : 1);
}

/* ---- create ---- */

typedef struct ca_ctx {
    const kafkac_acl_t *const *acls;
    kafkac_admin_result_t *res;
} ca_ctx_t;

static void *ca_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    ca_ctx_t *x = rpc->opaque;
    kc_create_acls_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_create_acls_request, m);
    int n = x->res->count;
    m->creations = kc_arena_alloc(a, (size_t)n * sizeof(*m->creations));
    if (!m->creations)
        return NULL;
    m->creations_count = n;
    for (int i = 0; i < n; i++) {
        const kafkac_acl_t *acl = x->acls[i];
        kc_create_acls_request_acl_creation_t *c = &m->creations[i];
        kc_msg_init(&kc_schema_create_acls_request_acl_creation, c);
        c->resource_type = (int8_t)acl->resource_type;
        c->resource_name = acl->resource_name ? acl->resource_name : "";
        c->resource_pattern_type = (int8_t)(acl->pattern ? acl->pattern : KAFKAC_ACL_PATTERN_LITERAL);
        c->principal = acl->principal ? acl->principal : "";
        c->host = acl->host ? acl->host : "*";
        c->operation = (int8_t)acl->operation;
        c->permission_type = (int8_t)acl->permission;
    }
    return m;
}

static int ca_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    ca_ctx_t *x = rpc->opaque;
    const kc_create_acls_response_t *m = resp->msg;
    /* Results come in the order of the creations. */
    if (m->results_count != x->res->count)
        return KAFKAC_ERR_MALFORMED;
    for (int i = 0; i < m->results_count; i++)
        if (kc_admin_result_set(x->res, i, m->results[i].error_code, m->results[i].error_message))
            return KAFKAC_ERR_NO_MEMORY;
    return 0;
}

/* Checks an array of ACL handles: 0, or INVALID_ARG with errstr filled. */
static int check_acls(const char *op, const kafkac_acl_t *const *acls, int count, char *errstr, size_t errlen)
{
    return kc_admin_check_inputs(op, (const void *const *)acls, count, "ACL", errstr, errlen);
}

kafkac_err_t kafkac_admin_create_acls(kafkac_admin_t *adm, const kafkac_acl_t *const *acls, int count,
                                      int timeout_ms, kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int crc = check_acls("create_acls", acls, count, errstr, errstr_size);
    if (crc)
        return crc;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    ca_ctx_t x = { acls, kc_admin_result_new(count) };
    if (!x.res)
        return KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < count; i++)
        if (kc_admin_result_name(x.res, i, acls[i]->resource_name, -1)) {
            kafkac_admin_result_destroy(x.res);
            return KAFKAC_ERR_NO_MEMORY;
        }
    kc_admin_rpc_t rpc = { .api_key = KC_API_CREATE_ACLS, .max_version = -1, .target = KC_ADMIN_TO_ANY,
                           .build = ca_build, .parse = ca_parse, .opaque = &x };
    int rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    if (rc) {
        kafkac_admin_result_destroy(x.res);
        return rc;
    }
    *out = x.res;
    return KAFKAC_OK;
}

/* ---- list building ---- */

static int list_add(kafkac_acl_list_t *l, int rtype, const char *rname, int pattern, const char *principal,
                    const char *host, int op, int perm)
{
    if (kc_array_room(&l->a, &l->cap, l->count, sizeof(*l->a), 16) != 0)
        return KAFKAC_ERR_NO_MEMORY;
    kafkac_acl_t *a = &l->a[l->count];
    a->resource_type = (kafkac_resource_type_t)rtype;
    a->resource_name = kc_admin_strdup(&l->arena, rname ? rname : "");
    a->pattern = (kafkac_acl_pattern_t)pattern;
    a->principal = kc_admin_strdup(&l->arena, principal ? principal : "");
    a->host = kc_admin_strdup(&l->arena, host ? host : "");
    a->operation = (kafkac_acl_operation_t)op;
    a->permission = (kafkac_acl_permission_t)perm;
    if (!a->resource_name || !a->principal || !a->host)
        return KAFKAC_ERR_NO_MEMORY;
    l->count++;
    return 0;
}

static kafkac_acl_list_t *list_new(void)
{
    kafkac_acl_list_t *l = kc_calloc(1, sizeof(*l));
    if (l)
        kc_arena_init(&l->arena, 2048);
    return l;
}

/* ---- describe ---- */

typedef struct da_ctx {
    const kafkac_acl_t *f;
    kafkac_acl_list_t *l;
    char *errstr;
    size_t errlen;
} da_ctx_t;

static void *da_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    da_ctx_t *x = rpc->opaque;
    kc_describe_acls_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_describe_acls_request, m);
    m->resource_type_filter = or_any(x->f ? x->f->resource_type : 0);
    m->resource_name_filter = x->f ? x->f->resource_name : NULL;
    m->pattern_type_filter = or_any(x->f ? x->f->pattern : 0);
    m->principal_filter = x->f ? x->f->principal : NULL;
    m->host_filter = x->f ? x->f->host : NULL;
    m->operation = or_any(x->f ? x->f->operation : 0);
    m->permission_type = or_any(x->f ? x->f->permission : 0);
    return m;
}

static int da_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    da_ctx_t *x = rpc->opaque;
    const kc_describe_acls_response_t *m = resp->msg;
    if (m->error_code) {
        kc_errstr_set(x->errstr, x->errlen, "DescribeAcls: %s: %s", kafkac_err_name(m->error_code),
                      m->error_message ? m->error_message : kafkac_err_str(m->error_code));
        return m->error_code;
    }
    x->l->count = 0;
    for (int r = 0; r < m->resources_count; r++) {
        const kc_describe_acls_response_describe_acls_resource_t *res = &m->resources[r];
        for (int k = 0; k < res->acls_count; k++)
            if (list_add(x->l, res->resource_type, res->resource_name, res->pattern_type, res->acls[k].principal,
                         res->acls[k].host, res->acls[k].operation, res->acls[k].permission_type))
                return KAFKAC_ERR_NO_MEMORY;
    }
    return 0;
}

/* Describe and delete both answer with a list of ACLs: runs rpc, whose
 * parse fills l and, on a Kafka error, writes a message naming it and the
 * broker's words into ferr.  On success *out takes l; else l is freed. */
static kafkac_err_t run_for_list(kafkac_admin_t *adm, kc_admin_rpc_t *rpc, int64_t deadline, kafkac_acl_list_t *l,
                                 const char *ferr, kafkac_acl_list_t **out, char *errstr, size_t errstr_size)
{
    char tmp[512] = "";
    int rc = kc_admin_run(adm, rpc, deadline, tmp, sizeof tmp);
    if (rc) {
        kc_errstr_set(errstr, errstr_size, "%s", ferr[0] ? ferr : tmp);
        kafkac_acl_list_destroy(l);
        return rc;
    }
    *out = l;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_describe_acls(kafkac_admin_t *adm, const kafkac_acl_t *filter, int timeout_ms,
                                        kafkac_acl_list_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    char ferr[512] = "";
    da_ctx_t x = { filter, list_new(), ferr, sizeof ferr };
    if (!x.l)
        return KAFKAC_ERR_NO_MEMORY;
    kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_ACLS, .max_version = -1, .target = KC_ADMIN_TO_ANY,
                           .build = da_build, .parse = da_parse, .opaque = &x };
    return run_for_list(adm, &rpc, deadline, x.l, ferr, out, errstr, errstr_size);
}

/* ---- delete ---- */

typedef struct dl_ctx {
    const kafkac_acl_t *const *f;
    int n;
    kafkac_acl_list_t *l;
    char *errstr;
    size_t errlen;
} dl_ctx_t;

static void *dl_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    dl_ctx_t *x = rpc->opaque;
    kc_delete_acls_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_delete_acls_request, m);
    m->filters = kc_arena_alloc(a, (size_t)x->n * sizeof(*m->filters));
    if (!m->filters)
        return NULL;
    m->filters_count = x->n;
    for (int i = 0; i < x->n; i++) {
        const kafkac_acl_t *f = x->f[i];
        kc_delete_acls_request_delete_acls_filter_t *d = &m->filters[i];
        kc_msg_init(&kc_schema_delete_acls_request_delete_acls_filter, d);
        d->resource_type_filter = or_any(f->resource_type);
        d->resource_name_filter = f->resource_name;
        d->pattern_type_filter = or_any(f->pattern);
        d->principal_filter = f->principal;
        d->host_filter = f->host;
        d->operation = or_any(f->operation);
        d->permission_type = or_any(f->permission);
    }
    return m;
}

static int dl_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    dl_ctx_t *x = rpc->opaque;
    const kc_delete_acls_response_t *m = resp->msg;
    x->l->count = 0;
    for (int i = 0; i < m->filter_results_count; i++) {
        const kc_delete_acls_response_delete_acls_filter_result_t *fr = &m->filter_results[i];
        if (fr->error_code) {
            kc_errstr_set(x->errstr, x->errlen, "DeleteAcls filter %d: %s: %s", i, kafkac_err_name(fr->error_code),
                          fr->error_message ? fr->error_message : kafkac_err_str(fr->error_code));
            return fr->error_code;
        }
        for (int k = 0; k < fr->matching_acls_count; k++) {
            const kc_delete_acls_response_delete_acls_matching_acl_t *a = &fr->matching_acls[k];
            if (a->error_code)
                continue;
            if (list_add(x->l, a->resource_type, a->resource_name, a->pattern_type, a->principal, a->host,
                         a->operation, a->permission_type))
                return KAFKAC_ERR_NO_MEMORY;
        }
    }
    return 0;
}

kafkac_err_t kafkac_admin_delete_acls(kafkac_admin_t *adm, const kafkac_acl_t *const *filters, int count,
                                      int timeout_ms, kafkac_acl_list_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int crc = check_acls("delete_acls", filters, count, errstr, errstr_size);
    if (crc)
        return crc;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    char ferr[512] = "";
    dl_ctx_t x = { filters, count, list_new(), ferr, sizeof ferr };
    if (!x.l)
        return KAFKAC_ERR_NO_MEMORY;
    kc_admin_rpc_t rpc = { .api_key = KC_API_DELETE_ACLS, .max_version = -1, .target = KC_ADMIN_TO_ANY,
                           .build = dl_build, .parse = dl_parse, .opaque = &x };
    return run_for_list(adm, &rpc, deadline, x.l, ferr, out, errstr, errstr_size);
}

int kafkac_acl_list_count(const kafkac_acl_list_t *l) { return l ? l->count : 0; }

const kafkac_acl_t *kafkac_acl_list_get(const kafkac_acl_list_t *l, int i)
{
    return l && i >= 0 && i < l->count ? &l->a[i] : NULL;
}

void kafkac_acl_list_destroy(kafkac_acl_list_t *l)
{
    if (!l)
        return;
    kc_arena_destroy(&l->arena);
    kc_free(l->a);
    kc_free(l);
}

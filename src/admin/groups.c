/* Consumer groups: list (every broker coordinates some groups, so all are
 * asked and their answers gathered), describe, delete, and the group's
 * offsets: list (with end offsets and lag), alter, delete.  Each group's
 * requests go to its coordinator (FindCoordinator key type 0). */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"
#include "protocol/consumer_protocol.h"


/* ---- list ---- */

/* The rows of the results below are the element handles their _get
 * functions hand out (the struct tags are the public names). */
typedef struct kafkac_group_listing {
    const char *id, *protocol_type, *state, *type;
} listed_t;

struct kafkac_group_list {
    int count, cap;
    listed_t *g;
    kc_arena_t arena;
};

static void *lg_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    kc_list_groups_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (m)
        kc_msg_init(&kc_schema_list_groups_request, m);
    return m;
}

static int lg_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    kafkac_group_list_t *l = rpc->opaque;
    const kc_list_groups_response_t *m = resp->msg;
    if (m->error_code)
        return m->error_code;
    for (int i = 0; i < m->groups_count; i++) {
        const kc_list_groups_response_listed_group_t *g = &m->groups[i];
        int dup = 0;
        for (int k = 0; k < l->count && !dup; k++)
            dup = !strcmp(l->g[k].id, g->group_id);
        if (dup)
            continue;
        listed_t *rows = kc_admin_rows_grow(l->g, l->count, &l->cap, sizeof *rows);
        if (!rows)
            return KAFKAC_ERR_NO_MEMORY;
        l->g = rows;
        listed_t *e = &l->g[l->count];
        e->id = kc_admin_strdup(&l->arena, g->group_id);
        e->protocol_type = kc_admin_strdup(&l->arena, g->protocol_type ? g->protocol_type : "");
        e->state = kc_admin_strdup(&l->arena, g->group_state ? g->group_state : "");
        e->type = kc_admin_strdup(&l->arena, g->group_type ? g->group_type : "");
        if (!e->id || !e->protocol_type || !e->state || !e->type)
            return KAFKAC_ERR_NO_MEMORY;
        l->count++;
    }
    return 0;
}

static int cmp_listed(const void *a, const void *b)
{
    return strcmp(((const listed_t *)a)->id, ((const listed_t *)b)->id);
}

kafkac_err_t kafkac_admin_list_consumer_groups(kafkac_admin_t *adm, int timeout_ms, kafkac_group_list_t **out,
                                               char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    const char *none[1] = { NULL };
    int mrc = 0;
    kc_cluster_t *c = kc_admin_metadata(adm, none, 0, deadline, errstr, errstr_size, &mrc);
    if (!c)
        return mrc ? mrc : KAFKAC_ERR_TIMED_OUT;
    kafkac_group_list_t *l = kc_calloc(1, sizeof(*l));
    if (!l) {
        kc_cluster_unref(c);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_arena_init(&l->arena, 4096);
    int rc = 0;
    for (int b = 0; !rc && b < c->broker_count; b++) {
        kc_admin_rpc_t rpc = { .api_key = KC_API_LIST_GROUPS, .max_version = -1, .target = KC_ADMIN_TO_NODE,
                               .node_id = c->brokers[b].id, .build = lg_build, .parse = lg_parse, .opaque = l };
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    }
    kc_cluster_unref(c);
    if (rc) {
        kafkac_group_list_destroy(l);
        return rc;
    }
    if (l->count > 1)
        qsort(l->g, (size_t)l->count, sizeof(*l->g), cmp_listed);
    *out = l;
    return KAFKAC_OK;
}

int kafkac_group_list_count(const kafkac_group_list_t *l) { return l ? l->count : 0; }

const kafkac_group_listing_t *kafkac_group_list_get(const kafkac_group_list_t *l, int i)
{
    return l ? kc_admin_row(l->g, l->count, i, sizeof(listed_t), NULL) : NULL;
}

const char *kafkac_group_listing_id(const kafkac_group_listing_t *g) { return g ? g->id : ""; }
const char *kafkac_group_listing_protocol_type(const kafkac_group_listing_t *g) { return g ? g->protocol_type : ""; }
const char *kafkac_group_listing_state(const kafkac_group_listing_t *g) { return g ? g->state : ""; }
const char *kafkac_group_listing_type(const kafkac_group_listing_t *g) { return g ? g->type : ""; }

void kafkac_group_list_destroy(kafkac_group_list_t *l)
{
    if (l)
        kc_admin_rows_destroy(l, l->g, &l->arena);
}

/* ---- describe ---- */

typedef struct kafkac_member_info {
    const char *id, *instance_id, *client_id, *host;
    kafkac_topic_partition_list_t *assignment;
} member_t;

typedef struct kafkac_group_info {
    const char *id;
    int err;
    const char *state, *protocol_type, *protocol;
    int32_t coordinator;
    int n;
    member_t *m;
} described_t;

struct kafkac_group_desc {
    int count;
    described_t *g;
    kc_arena_t arena;
};

typedef struct dg_ctx {
    kafkac_group_desc_t *d;
    int i;                 /* the group this rpc asks about */
    int32_t node;
} dg_ctx_t;

/* DescribeGroups and DeleteGroups carry nothing but a list of group
 * names: here the one group this rpc is about. */
static void *one_group_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    const char **names = (const char **)&rpc->group;
    if (rpc->api_key == KC_API_DELETE_GROUPS) {
        kc_delete_groups_request_t *d = kc_msg_array(a, &kc_schema_delete_groups_request, 1);
        if (d) {
            d->groups_names = names;
            d->groups_names_count = 1;
        }
        return d;
    }
    kc_describe_groups_request_t *m = kc_msg_array(a, &kc_schema_describe_groups_request, 1);
    if (m) {
        m->groups = names;
        m->groups_count = 1;
    }
    return m;
}

static kafkac_topic_partition_list_t *decode_assignment(kc_bytes_t b)
{
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(4);
    if (!l || b.len <= 0)
        return l;
    kc_arena_t a;
    kc_arena_init(&a, 1024);
    kc_cp_assignment_t as;
    if (kc_cp_assignment_decode(b.data, (size_t)b.len, &a, &as) == 0) {
        for (int t = 0; t < as.assigned_count; t++)
            for (int p = 0; p < as.assigned[t].partition_count; p++)
                if (!kafkac_tpl_add(l, as.assigned[t].topic, as.assigned[t].partitions[p])) {
                    kafkac_tpl_destroy(l);
                    l = NULL;
                    goto out;
                }
        kafkac_tpl_sort(l);
    }
out:
    kc_arena_destroy(&a);
    return l;
}

static int dg_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    dg_ctx_t *x = rpc->opaque;
    const kc_describe_groups_response_t *m = resp->msg;
    described_t *g = &x->d->g[x->i];
    kc_arena_t *a = &x->d->arena;
    if (m->groups_count < 1)
        return KAFKAC_ERR_MALFORMED;
    const kc_describe_groups_response_described_group_t *r = &m->groups[0];
    g->err = r->error_code;
    if (kc_admin_retriable(g->err))
        return g->err;
    g->coordinator = resp->node_id;
    g->state = kc_admin_strdup(a, r->group_state ? r->group_state : "");
    g->protocol_type = kc_admin_strdup(a, r->protocol_type ? r->protocol_type : "");
    g->protocol = kc_admin_strdup(a, r->protocol_data ? r->protocol_data : "");
    if (!g->state || !g->protocol_type || !g->protocol)
        return KAFKAC_ERR_NO_MEMORY;
    /* From v6 (Kafka 4.0, KIP-1043) the coordinator answers a group it
     * does not have with GROUP_ID_NOT_FOUND (and state "Dead"); before,
     * with state "Dead" and no error.  Report both alike, whichever
     * version the broker speaks. */
    if (g->err == 0 && resp->version < 6 && strcmp(g->state, "Dead") == 0)
        g->err = KAFKAC_ERR_GROUP_ID_NOT_FOUND;
    int n = r->members_count > 0 ? r->members_count : 0;
    g->m = kc_arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*g->m));
    if (!g->m)
        return KAFKAC_ERR_NO_MEMORY;
    int consumer = !strcmp(g->protocol_type, "consumer");
    for (int k = 0; k < n; k++) {
        const kc_describe_groups_response_described_group_member_t *mm = &r->members[k];
        member_t *me = &g->m[k];
        me->id = kc_admin_strdup(a, mm->member_id);
        me->instance_id = kc_admin_strdup(a, mm->group_instance_id);
        me->client_id = kc_admin_strdup(a, mm->client_id);
        me->host = kc_admin_strdup(a, mm->client_host);
        if (!me->id || !me->client_id || !me->host)
            return KAFKAC_ERR_NO_MEMORY;
        if (consumer) {
            me->assignment = decode_assignment(mm->member_assignment);
            if (!me->assignment)
                return KAFKAC_ERR_NO_MEMORY;
        }
        g->n = k + 1;
    }
    return 0;
}

kafkac_err_t kafkac_admin_describe_consumer_groups(kafkac_admin_t *adm, const char *const *groups, int count,
                                                   int timeout_ms, kafkac_group_desc_t **out, char *errstr,
                                                   size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !groups || count < 1)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_group_desc_t *d = kc_calloc(1, sizeof(*d));
    if (!d)
        return KAFKAC_ERR_NO_MEMORY;
    kc_arena_init(&d->arena, 4096);
    d->g = kc_calloc((size_t)count, sizeof(*d->g));
    d->count = count;
    int rc = d->g ? 0 : KAFKAC_ERR_NO_MEMORY;
    /* One request per group: groups may have different coordinators. */
    for (int i = 0; !rc && i < count; i++) {
        d->g[i].id = kc_admin_strdup(&d->arena, groups[i] ? groups[i] : "");
        d->g[i].coordinator = -1;
        if (!d->g[i].id) {
            rc = KAFKAC_ERR_NO_MEMORY;
            break;
        }
        dg_ctx_t x = { d, i, -1 };
        kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_GROUPS, .max_version = -1, .target = KC_ADMIN_TO_GROUP,
                               .group = d->g[i].id, .build = one_group_build, .parse = dg_parse, .opaque = &x };
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
        if (rc > 0) {
            /* FindCoordinator refused the group (e.g. INVALID_GROUP_ID):
             * that is this group's answer, not the call's. */
            d->g[i].err = rc;
            rc = 0;
        }
    }
    if (rc) {
        kafkac_group_desc_destroy(d);
        return rc;
    }
    for (int i = 0; i < count; i++) {
        if (!d->g[i].state)
            d->g[i].state = "";
        if (!d->g[i].protocol_type)
            d->g[i].protocol_type = "";
        if (!d->g[i].protocol)
            d->g[i].protocol = "";
    }
    *out = d;
    return KAFKAC_OK;
}

int kafkac_group_desc_count(const kafkac_group_desc_t *d) { return d ? d->count : 0; }

const kafkac_group_info_t *kafkac_group_desc_get(const kafkac_group_desc_t *d, int i)
{
    return d ? kc_admin_row(d->g, d->count, i, sizeof(described_t), NULL) : NULL;
}

const char *kafkac_group_info_id(const kafkac_group_info_t *g) { return g ? g->id : ""; }
kafkac_err_t kafkac_group_info_error(const kafkac_group_info_t *g)
{
    return g ? (kafkac_err_t)g->err : KAFKAC_ERR_INVALID_ARG;
}
const char *kafkac_group_info_state(const kafkac_group_info_t *g) { return g ? g->state : ""; }
const char *kafkac_group_info_protocol_type(const kafkac_group_info_t *g) { return g ? g->protocol_type : ""; }
const char *kafkac_group_info_protocol(const kafkac_group_info_t *g) { return g ? g->protocol : ""; }
int32_t kafkac_group_info_coordinator(const kafkac_group_info_t *g) { return g ? g->coordinator : -1; }
int kafkac_group_info_member_count(const kafkac_group_info_t *g) { return g ? g->n : 0; }

const kafkac_member_info_t *kafkac_group_info_member(const kafkac_group_info_t *g, int m)
{
    return g ? kc_admin_row(g->m, g->n, m, sizeof(member_t), NULL) : NULL;
}

const char *kafkac_member_info_id(const kafkac_member_info_t *m) { return m ? m->id : ""; }
const char *kafkac_member_info_instance_id(const kafkac_member_info_t *m) { return m ? m->instance_id : NULL; }
const char *kafkac_member_info_client_id(const kafkac_member_info_t *m) { return m ? m->client_id : ""; }
const char *kafkac_member_info_host(const kafkac_member_info_t *m) { return m ? m->host : ""; }
const kafkac_topic_partition_list_t *kafkac_member_info_assignment(const kafkac_member_info_t *m)
{
    return m ? m->assignment : NULL;
}

void kafkac_group_desc_destroy(kafkac_group_desc_t *d)
{
    if (!d)
        return;
    for (int i = 0; d->g && i < d->count; i++)
        for (int k = 0; k < d->g[i].n; k++)
            kafkac_tpl_destroy(d->g[i].m[k].assignment);
    kc_admin_rows_destroy(d, d->g, &d->arena);
}

/* ---- delete groups ---- */

typedef struct one_ctx {
    kafkac_admin_result_t *res;
    int i;
} one_ctx_t;

static int delg_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    one_ctx_t *x = rpc->opaque;
    const kc_delete_groups_response_t *m = resp->msg;
    int err = m->results_count > 0 ? m->results[0].error_code : KAFKAC_ERR_MALFORMED;
    kc_admin_result_set(x->res, x->i, err, NULL);
    return kc_admin_retriable(err) ? err : 0;
}

kafkac_err_t kafkac_admin_delete_consumer_groups(kafkac_admin_t *adm, const char *const *groups, int count,
                                                 int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                 size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !groups || count < 1)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_admin_result_t *res = kc_admin_result_new(count);
    if (!res)
        return KAFKAC_ERR_NO_MEMORY;
    int rc = 0;
    for (int i = 0; !rc && i < count; i++) {
        rc = kc_admin_result_name(res, i, groups[i], -1);
        if (rc)
            break;
        one_ctx_t x = { res, i };
        kc_admin_rpc_t rpc = { .api_key = KC_API_DELETE_GROUPS, .max_version = -1, .target = KC_ADMIN_TO_GROUP,
                               .group = res->e[i].name, .build = one_group_build, .parse = delg_parse, .opaque = &x };
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
        if (rc > 0) {
            kc_admin_result_set(res, i, rc, errstr);
            rc = 0;
        }
    }
    if (rc) {
        kafkac_admin_result_destroy(res);
        return rc;
    }
    *out = res;
    return KAFKAC_OK;
}

/* ---- offsets ---- */

typedef struct kafkac_group_offset {
    const char *topic;
    int32_t partition;
    int64_t committed, end, lag;
    const char *metadata;
    int err;
} goff_t;

struct kafkac_group_offsets {
    int count, cap;
    goff_t *o;
    kc_arena_t arena;
};

typedef struct of_ctx {
    const kafkac_topic_partition_list_t *want;
    kafkac_group_offsets_t *o;
} of_ctx_t;

static void *of_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    of_ctx_t *x = rpc->opaque;
    kc_offset_fetch_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_offset_fetch_request, m);
    m->group_id = rpc->group;
    if (!x->want) {
        m->topics = NULL;       /* v2+: every partition with an offset */
        m->topics_count = -1;
        return m;
    }
    /* One entry per distinct topic. */
    m->topics = kc_arena_alloc(a, (size_t)(x->want->count ? x->want->count : 1) * sizeof(*m->topics));
    if (!m->topics)
        return NULL;
    m->topics_count = 0;
    for (int i = 0; i < x->want->count; i++) {
        const kafkac_topic_partition_t *tp = &x->want->elems[i];
        kc_offset_fetch_request_offset_fetch_request_topic_t *t = NULL;
        for (int k = 0; k < m->topics_count && !t; k++)
            if (!strcmp(m->topics[k].name, tp->topic))
                t = &m->topics[k];
        if (!t) {
            t = &m->topics[m->topics_count++];
            kc_msg_init(&kc_schema_offset_fetch_request_offset_fetch_request_topic, t);
            t->name = tp->topic;
            t->partition_indexes = kc_arena_alloc(a, (size_t)x->want->count * sizeof(int32_t));
            if (!t->partition_indexes)
                return NULL;
            t->partition_indexes_count = 0;
        }
        t->partition_indexes[t->partition_indexes_count++] = tp->partition;
    }
    return m;
}

static int of_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    of_ctx_t *x = rpc->opaque;
    const kc_offset_fetch_response_t *m = resp->msg;
    if (kc_admin_retriable(m->error_code))
        return m->error_code;
    if (m->error_code)
        return m->error_code;
    kafkac_group_offsets_t *o = x->o;
    o->count = 0;
    for (int t = 0; t < m->topics_count; t++)
        for (int p = 0; p < m->topics[t].partitions_count; p++) {
            const kc_offset_fetch_response_offset_fetch_response_partition_t *pp = &m->topics[t].partitions[p];
            if (kc_admin_retriable(pp->error_code))
                return pp->error_code;
            goff_t *rows = kc_admin_rows_grow(o->o, o->count, &o->cap, sizeof *rows);
            if (!rows)
                return KAFKAC_ERR_NO_MEMORY;
            o->o = rows;
            goff_t *g = &o->o[o->count++];
            g->topic = kc_admin_strdup(&o->arena, m->topics[t].name);
            g->partition = pp->partition_index;
            g->committed = pp->committed_offset >= 0 ? pp->committed_offset : KAFKAC_OFFSET_INVALID;
            g->metadata = kc_admin_strdup(&o->arena, pp->metadata);
            g->err = pp->error_code;
            g->end = -1;
            g->lag = -1;
            if (!g->topic)
                return KAFKAC_ERR_NO_MEMORY;
        }
    return 0;
}

static int cmp_goff(const void *a, const void *b)
{
    const goff_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

kafkac_err_t kafkac_admin_list_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                      const kafkac_topic_partition_list_t *partitions, int timeout_ms,
                                                      kafkac_group_offsets_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !group)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_group_offsets_t *o = kc_calloc(1, sizeof(*o));
    if (!o)
        return KAFKAC_ERR_NO_MEMORY;
    kc_arena_init(&o->arena, 4096);
    of_ctx_t x = { partitions, o };
    /* v8+ batches groups and, on 3.9, hangs when asked for every partition:
     * v7 says all we need. */
    kc_admin_rpc_t rpc = { .api_key = KC_API_OFFSET_FETCH, .max_version = KC_OFFSET_FETCH_SINCE_GROUP_BATCHES - 1,
                           .target = KC_ADMIN_TO_GROUP,
                           .group = group, .build = of_build, .parse = of_parse, .opaque = &x };
    int rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    if (rc) {
        kafkac_group_offsets_destroy(o);
        return rc;
    }
    if (o->count > 1)
        qsort(o->o, (size_t)o->count, sizeof(*o->o), cmp_goff);
    /* End offsets from the partitions' leaders, for the lag. */
    if (o->count > 0) {
        kafkac_topic_partition_list_t *q = kafkac_tpl_new(o->count);
        kafkac_admin_result_t *ends = NULL;
        int ok = q != NULL;
        for (int i = 0; ok && i < o->count; i++) {
            kafkac_topic_partition_t *tp = kafkac_tpl_add(q, o->o[i].topic, o->o[i].partition);
            ok = tp != NULL;
            if (ok)
                tp->offset = KAFKAC_OFFSET_END;
        }
        if (ok && kafkac_admin_list_offsets(adm, q, kc_admin_remaining(deadline), &ends, NULL, 0) == KAFKAC_OK) {
            for (int i = 0; i < o->count; i++) {
                goff_t *g = &o->o[i];
                if (ends->e[i].err) {
                    if (!g->err)
                        g->err = ends->e[i].err;
                    continue;
                }
                g->end = ends->e[i].offset;
                if (g->committed >= 0 && g->end >= 0)
                    g->lag = g->end > g->committed ? g->end - g->committed : 0;
            }
        }
        kafkac_admin_result_destroy(ends);
        kafkac_tpl_destroy(q);
    }
    *out = o;
    return KAFKAC_OK;
}

int kafkac_group_offsets_count(const kafkac_group_offsets_t *o) { return o ? o->count : 0; }

const kafkac_group_offset_t *kafkac_group_offsets_get(const kafkac_group_offsets_t *o, int i)
{
    return o ? kc_admin_row(o->o, o->count, i, sizeof(goff_t), NULL) : NULL;
}

const char *kafkac_group_offset_topic(const kafkac_group_offset_t *e) { return e ? e->topic : ""; }
int32_t kafkac_group_offset_partition(const kafkac_group_offset_t *e) { return e ? e->partition : -1; }
int64_t kafkac_group_offset_committed(const kafkac_group_offset_t *e)
{
    return e ? e->committed : KAFKAC_OFFSET_INVALID;
}
const char *kafkac_group_offset_metadata(const kafkac_group_offset_t *e) { return e ? e->metadata : NULL; }
int64_t kafkac_group_offset_end(const kafkac_group_offset_t *e) { return e ? e->end : -1; }
int64_t kafkac_group_offset_lag(const kafkac_group_offset_t *e) { return e ? e->lag : -1; }
kafkac_err_t kafkac_group_offset_error(const kafkac_group_offset_t *e)
{
    return e ? (kafkac_err_t)e->err : KAFKAC_ERR_INVALID_ARG;
}

void kafkac_group_offsets_destroy(kafkac_group_offsets_t *o)
{
    if (o)
        kc_admin_rows_destroy(o, o->o, &o->arena);
}

/* ---- alter / delete offsets: one entry per partition ---- */

typedef struct oc_ctx {
    const kafkac_topic_partition_list_t *tpl;
    kafkac_admin_result_t *res;
    char *pending;
} oc_ctx_t;

static void *oc_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    oc_ctx_t *x = rpc->opaque;
    kc_admin_topic_rows_t *g;
    int nt = kc_admin_by_topic(x->res, x->pending, a, &g);
    kc_offset_commit_request_t *m = nt < 0 ? NULL : kc_msg_array(a, &kc_schema_offset_commit_request, 1);
    if (!m || !(m->topics = kc_msg_array(a, &kc_schema_offset_commit_request_offset_commit_request_topic, nt)))
        return NULL;
    m->group_id = rpc->group;
    /* generation -1 and no member: an admin commit, accepted only while the
     * group has no members. */
    m->generation_id_or_member_epoch = -1;
    m->member_id = "";
    for (m->topics_count = 0; m->topics_count < nt; m->topics_count++) {
        const kc_admin_topic_rows_t *gt = &g[m->topics_count];
        kc_offset_commit_request_offset_commit_request_topic_t *t = &m->topics[m->topics_count];
        t->name = gt->name;
        t->partitions_count = gt->n;
        t->partitions = kc_msg_array(a, &kc_schema_offset_commit_request_offset_commit_request_partition, gt->n);
        for (int j = 0; t->partitions && j < gt->n; j++) {
            const kafkac_topic_partition_t *tp = &x->tpl->elems[gt->rows[j]];
            t->partitions[j].partition_index = tp->partition;
            t->partitions[j].committed_offset = tp->offset;
            t->partitions[j].committed_leader_epoch = tp->leader_epoch;
            t->partitions[j].committed_metadata = tp->metadata ? tp->metadata : "";
        }
        if (!t->partitions)
            return NULL;
    }
    return m;
}

static int oc_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    oc_ctx_t *x = rpc->opaque;
    const kc_offset_commit_response_t *m = resp->msg;
    int retry = 0;
    for (int t = 0; t < m->topics_count; t++)
        for (int p = 0; p < m->topics[t].partitions_count; p++)
            if (kc_admin_answer(x->res, x->pending, m->topics[t].name, m->topics[t].partitions[p].partition_index,
                                m->topics[t].partitions[p].error_code, NULL, &retry))
                return KAFKAC_ERR_NO_MEMORY;
    return kc_admin_round_end(x->res, x->pending, retry);
}

static void *od_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    oc_ctx_t *x = rpc->opaque;
    kc_admin_topic_rows_t *g;
    int nt = kc_admin_by_topic(x->res, x->pending, a, &g);
    kc_offset_delete_request_t *m = nt < 0 ? NULL : kc_msg_array(a, &kc_schema_offset_delete_request, 1);
    if (!m || !(m->topics = kc_msg_array(a, &kc_schema_offset_delete_request_offset_delete_request_topic, nt)))
        return NULL;
    m->group_id = rpc->group;
    for (m->topics_count = 0; m->topics_count < nt; m->topics_count++) {
        const kc_admin_topic_rows_t *gt = &g[m->topics_count];
        kc_offset_delete_request_offset_delete_request_topic_t *t = &m->topics[m->topics_count];
        t->name = gt->name;
        t->partitions_count = gt->n;
        t->partitions = kc_msg_array(a, &kc_schema_offset_delete_request_offset_delete_request_partition, gt->n);
        for (int j = 0; t->partitions && j < gt->n; j++)
            t->partitions[j].partition_index = x->res->e[gt->rows[j]].partition;
        if (!t->partitions)
            return NULL;
    }
    return m;
}

static int od_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    oc_ctx_t *x = rpc->opaque;
    const kc_offset_delete_response_t *m = resp->msg;
    int retry = 0;
    if (m->error_code) {
        /* A group-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP...)
         * is every partition's answer. */
        if (kc_admin_retriable(m->error_code))
            return m->error_code;
        for (int i = 0; i < x->res->count; i++)
            if (x->pending[i]) {
                kc_admin_result_set(x->res, i, m->error_code, NULL);
                x->pending[i] = 0;
            }
        return 0;
    }
    for (int t = 0; t < m->topics_count; t++)
        for (int p = 0; p < m->topics[t].partitions_count; p++)
            if (kc_admin_answer(x->res, x->pending, m->topics[t].name, m->topics[t].partitions[p].partition_index,
                                m->topics[t].partitions[p].error_code, NULL, &retry))
                return KAFKAC_ERR_NO_MEMORY;
    return kc_admin_round_end(x->res, x->pending, retry);
}

static kafkac_err_t group_partitions_op(kafkac_admin_t *adm, const char *group,
                                        const kafkac_topic_partition_list_t *tpl, int16_t key, int timeout_ms,
                                        kafkac_admin_result_t **out, char *errstr, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !group || !tpl || tpl->count < 1) {
        kc_errstr_set(errstr, errlen, "no group or no partitions");
        return KAFKAC_ERR_INVALID_ARG;
    }
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errlen) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_admin_result_t *res = kc_admin_result_new(tpl->count);
    char *pending = kc_calloc((size_t)tpl->count, 1);
    int rc = res && pending ? 0 : KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; !rc && i < tpl->count; i++) {
        pending[i] = 1;
        rc = kc_admin_result_name(res, i, tpl->elems[i].topic, tpl->elems[i].partition);
    }
    if (!rc) {
        oc_ctx_t x = { tpl, res, pending };
        kc_admin_rpc_t rpc = { .api_key = key, .max_version = -1, .target = KC_ADMIN_TO_GROUP, .group = group,
                               .build = key == KC_API_OFFSET_COMMIT ? oc_build : od_build,
                               .parse = key == KC_API_OFFSET_COMMIT ? oc_parse : od_parse, .opaque = &x };
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errlen);
    }
    kc_free(pending);
    if (rc) {
        kafkac_admin_result_destroy(res);
        return rc;
    }
    *out = res;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_alter_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                       const kafkac_topic_partition_list_t *offsets, int timeout_ms,
                                                       kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    return group_partitions_op(adm, group, offsets, KC_API_OFFSET_COMMIT, timeout_ms, out, errstr, errstr_size);
}

kafkac_err_t kafkac_admin_delete_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                        const kafkac_topic_partition_list_t *partitions,
                                                        int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                        size_t errstr_size)
{
    return group_partitions_op(adm, group, partitions, KC_API_OFFSET_DELETE, timeout_ms, out, errstr, errstr_size);
}

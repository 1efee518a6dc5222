/* The cluster and its partitions: describe_cluster, delete_records and
 * list_offsets (each partition's leader answers), elect_leaders (the
 * controller), describe_log_dirs (each broker about itself). */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"


/* ---- describe_cluster ---- */

struct kafkac_cluster_desc {
    const char *id;
    int32_t controller;
    int n;
    kc_broker_info_t *b;   /* sorted by id; handed out as kafkac_node_t */
    kc_arena_t arena;
};

static void *dcl_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    kc_describe_cluster_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (m)
        kc_msg_init(&kc_schema_describe_cluster_request, m);
    return m;
}

static int dcl_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    kafkac_cluster_desc_t *d = rpc->opaque;
    const kc_describe_cluster_response_t *m = resp->msg;
    if (m->error_code)
        return m->error_code;
    d->id = kc_admin_strdup(&d->arena, m->cluster_id ? m->cluster_id : "");
    d->controller = m->controller_id;
    int n = m->brokers_count > 0 ? m->brokers_count : 0;
    d->b = kc_arena_alloc(&d->arena, (size_t)(n ? n : 1) * sizeof(*d->b));
    if (!d->id || !d->b)
        return KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < n; i++) {
        /* Sorted by id, as users expect. */
        int k = d->n++;
        while (k > 0 && d->b[k - 1].id > m->brokers[i].broker_id) {
            d->b[k] = d->b[k - 1];
            k--;
        }
        d->b[k].id = m->brokers[i].broker_id;
        d->b[k].host = (char *)kc_admin_strdup(&d->arena, m->brokers[i].host);
        d->b[k].port = m->brokers[i].port;
        d->b[k].rack = (char *)kc_admin_strdup(&d->arena, m->brokers[i].rack);
    }
    return 0;
}

kafkac_err_t kafkac_admin_describe_cluster(kafkac_admin_t *adm, int timeout_ms, kafkac_cluster_desc_t **out,
                                           char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_cluster_desc_t *d = kc_calloc(1, sizeof(*d));
    if (!d)
        return KAFKAC_ERR_NO_MEMORY;
    kc_arena_init(&d->arena, 1024);
    kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_CLUSTER, .max_version = -1, .target = KC_ADMIN_TO_ANY,
                           .build = dcl_build, .parse = dcl_parse, .opaque = d };
    int rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    if (rc) {
        kafkac_cluster_desc_destroy(d);
        return rc;
    }
    *out = d;
    return KAFKAC_OK;
}

const char *kafkac_cluster_desc_id(const kafkac_cluster_desc_t *c)
{
    return c && c->id ? c->id : "";
}

int32_t kafkac_cluster_desc_controller(const kafkac_cluster_desc_t *c)
{
    return c ? c->controller : -1;
}

int kafkac_cluster_desc_broker_count(const kafkac_cluster_desc_t *c) { return c ? c->n : 0; }

const kafkac_node_t *kafkac_cluster_desc_broker(const kafkac_cluster_desc_t *c, int i)
{
    return c && i >= 0 && i < c->n ? &c->b[i] : NULL;
}

void kafkac_cluster_desc_destroy(kafkac_cluster_desc_t *c)
{
    if (!c)
        return;
    kc_arena_destroy(&c->arena);
    kc_free(c);
}

/* ---- per-leader partition operations ---- */

typedef struct pl_ctx {
    const kafkac_topic_partition_list_t *tpl;
    kafkac_admin_result_t *res;
    char *outer;          /* 1: not answered yet (a leader moved or was unknown) */
    char *inner;          /* 1: sent to this rpc's leader */
} pl_ctx_t;

static int leader_moved(int err)
{
    return err == KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER || err == KAFKAC_ERR_LEADER_NOT_AVAILABLE ||
           err == KAFKAC_ERR_UNKNOWN_LEADER_EPOCH || err == KAFKAC_ERR_FENCED_LEADER_EPOCH ||
           err == KAFKAC_ERR_REQUEST_TIMED_OUT;
}

/* Records one partition's answer; a moved leader leaves it for the next
 * outer round (after a metadata refresh), not for this leader again. */
static void pl_answer(pl_ctx_t *x, const char *topic, int32_t partition, int err, int64_t offset)
{
    for (int i = 0; i < x->res->count; i++) {
        if (!x->inner[i] || x->res->e[i].partition != partition || strcmp(x->res->e[i].name, topic))
            continue;
        x->inner[i] = 0;
        kc_admin_result_set(x->res, i, err, NULL);
        x->res->e[i].offset = err ? -1 : offset;
        if (!leader_moved(err))
            x->outer[i] = 0;
    }
}

/* The entries to send to this rpc's leader, grouped by topic. */
typedef kc_admin_topic_rows_t pl_topic_t;

static int pl_group(const pl_ctx_t *x, kc_arena_t *a, pl_topic_t **out)
{
    return kc_admin_by_topic(x->res, x->inner, a, out);
}

static void *dr_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    pl_ctx_t *x = rpc->opaque;
    pl_topic_t *g;
    int nt = pl_group(x, a, &g);
    kc_delete_records_request_t *m = nt < 0 ? NULL : kc_msg_array(a, &kc_schema_delete_records_request, 1);
    if (!m || !(m->topics = kc_msg_array(a, &kc_schema_delete_records_request_delete_records_topic, nt)))
        return NULL;
    m->timeout_ms = remaining_ms > 1000 ? remaining_ms - 500 : remaining_ms;
    for (m->topics_count = 0; m->topics_count < nt; m->topics_count++) {
        const pl_topic_t *gt = &g[m->topics_count];
        kc_delete_records_request_delete_records_topic_t *t = &m->topics[m->topics_count];
        t->name = gt->name;
        t->partitions_count = gt->n;
        t->partitions = kc_msg_array(a, &kc_schema_delete_records_request_delete_records_partition, gt->n);
        for (int j = 0; t->partitions && j < gt->n; j++) {
            int64_t off = x->tpl->elems[gt->rows[j]].offset;
            t->partitions[j].partition_index = x->res->e[gt->rows[j]].partition;
            t->partitions[j].offset = off == KAFKAC_OFFSET_END ? -1 : off;   /* -1: the high watermark */
        }
        if (!t->partitions)
            return NULL;
    }
    return m;
}

static int dr_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    pl_ctx_t *x = rpc->opaque;
    const kc_delete_records_response_t *m = resp->msg;
    for (int t = 0; t < m->topics_count; t++)
        for (int p = 0; p < m->topics[t].partitions_count; p++) {
            const kc_delete_records_response_delete_records_partition_result_t *r = &m->topics[t].partitions[p];
            pl_answer(x, m->topics[t].name, r->partition_index, r->error_code, r->low_watermark);
        }
    return 0;
}

static void *lo_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    pl_ctx_t *x = rpc->opaque;
    pl_topic_t *g;
    int nt = pl_group(x, a, &g);
    kc_list_offsets_request_t *m = nt < 0 ? NULL : kc_msg_array(a, &kc_schema_list_offsets_request, 1);
    if (!m || !(m->topics = kc_msg_array(a, &kc_schema_list_offsets_request_list_offsets_topic, nt)))
        return NULL;
    m->replica_id = -1;
    m->timeout_ms = remaining_ms; /* v10+: the broker's own bound (tiered storage reads) */
    m->topics_count = nt;
    for (int ti = 0; ti < nt; ti++) {
        kc_list_offsets_request_list_offsets_topic_t *t = &m->topics[ti];
        t->name = g[ti].name;
        t->partitions_count = g[ti].n;
        t->partitions = kc_msg_array(a, &kc_schema_list_offsets_request_list_offsets_partition, g[ti].n);
        if (!t->partitions)
            return NULL;
        for (int j = 0; j < g[ti].n; j++) {
            int row = g[ti].rows[j];
            t->partitions[j].partition_index = x->res->e[row].partition;
            t->partitions[j].timestamp = x->tpl->elems[row].offset;   /* -1 latest, -2 earliest, or a time */
        }
    }
    return m;
}

static int lo_version(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_list_offsets_request_t *m = msg;
    if (version >= 10)
        m->timeout_ms = 30000;
    return 0;
}

static int lo_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    pl_ctx_t *x = rpc->opaque;
    const kc_list_offsets_response_t *m = resp->msg;
    for (int t = 0; t < m->topics_count; t++)
        for (int p = 0; p < m->topics[t].partitions_count; p++) {
            const kc_list_offsets_response_list_offsets_partition_response_t *r = &m->topics[t].partitions[p];
            int64_t off = r->offset;
            if (resp->version == 0)
                off = r->old_style_offsets_count > 0 ? r->old_style_offsets[0] : -1;
            pl_answer(x, m->topics[t].name, r->partition_index, r->error_code, off);
        }
    return 0;
}

/* Is entry j's partition already in this request? */
static int already_in(const pl_ctx_t *x, int j)
{
    for (int i = 0; i < j; i++)
        if (x->inner[i] && x->res->e[i].partition == x->res->e[j].partition &&
            !strcmp(x->res->e[i].name, x->res->e[j].name))
            return 1;
    return 0;
}

static kafkac_err_t per_leader(kafkac_admin_t *adm, const kafkac_topic_partition_list_t *tpl, int16_t key,
                               int timeout_ms, kafkac_admin_result_t **out, char *errstr, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!adm || !out || !tpl || tpl->count < 1) {
        kc_errstr_set(errstr, errlen, "no partitions given");
        return KAFKAC_ERR_INVALID_ARG;
    }
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errlen) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int n = tpl->count;
    kafkac_admin_result_t *res = kc_admin_result_new(n);
    char *outer = kc_calloc((size_t)n, 1), *inner = kc_calloc((size_t)n, 1);
    int32_t *leader = kc_calloc((size_t)n, sizeof(int32_t));
    const char **topics = kc_calloc((size_t)n, sizeof(char *));
    int rc = res && outer && inner && leader && topics ? 0 : KAFKAC_ERR_NO_MEMORY;
    int ntopics = 0;
    for (int i = 0; !rc && i < n; i++) {
        outer[i] = 1;
        rc = kc_admin_result_name(res, i, tpl->elems[i].topic, tpl->elems[i].partition);
        int dup = 0;
        for (int k = 0; k < ntopics && !dup; k++)
            dup = !strcmp(topics[k], tpl->elems[i].topic);
        if (!dup)
            topics[ntopics++] = tpl->elems[i].topic;
    }
    pl_ctx_t x = { tpl, res, outer, inner };
    for (int round = 0; !rc; round++) {
        int left = 0;
        for (int i = 0; i < n; i++)
            left += outer[i];
        if (!left)
            break;
        if (round > 0 && kc_now_ms() >= deadline) {
            /* Entries still waiting keep the last error they got. */
            for (int i = 0; i < n; i++)
                if (outer[i] && !res->e[i].err)
                    kc_admin_result_set(res, i, KAFKAC_ERR_TIMED_OUT, "no leader answered in time");
            break;
        }
        int mrc = 0;
        kc_cluster_t *c = kc_admin_metadata(adm, topics, ntopics, deadline, errstr, errlen, &mrc);
        if (!c) {
            rc = mrc ? mrc : KAFKAC_ERR_TIMED_OUT;
            break;
        }
        for (int i = 0; i < n; i++) {
            leader[i] = -1;
            if (!outer[i])
                continue;
            int err = 0;
            leader[i] = kc_admin_leader_of(c, tpl->elems[i].topic, tpl->elems[i].partition, &err);
            if (err) {
                kc_admin_result_set(res, i, err, NULL);
                if (!leader_moved(err))
                    outer[i] = 0;
            }
        }
        kc_cluster_unref(c);
        for (int i = 0; !rc && i < n; i++) {
            if (!outer[i] || leader[i] < 0)
                continue;
            int32_t node = leader[i];
            memset(inner, 0, (size_t)n);
            /* A partition named twice (earliest and latest, say) goes in
             * a request of its own: brokers refuse duplicates with
             * INVALID_REQUEST.  It stays for the next pass of this loop. */
            for (int j = i; j < n; j++)
                if (outer[j] && leader[j] == node && !already_in(&x, j)) {
                    inner[j] = 1;
                    leader[j] = -1;
                }
            kc_admin_rpc_t rpc = { .api_key = key, .max_version = -1, .target = KC_ADMIN_TO_NODE, .node_id = node,
                                   .build = key == KC_API_DELETE_RECORDS ? dr_build : lo_build,
                                   .build_version = key == KC_API_DELETE_RECORDS ? NULL : lo_version,
                                   .parse = key == KC_API_DELETE_RECORDS ? dr_parse : lo_parse, .opaque = &x };
            int r = kc_admin_run(adm, &rpc, deadline, errstr, errlen);
            if (r == KAFKAC_ERR_NO_MEMORY)
                rc = r;
        }
        int again = 0;
        for (int i = 0; i < n; i++)
            again |= outer[i];
        if (again)
            kc_admin_backoff(adm, round + 1, deadline);   /* a new leader takes a moment to be elected */
    }
    kc_free(outer);
    kc_free(inner);
    kc_free(leader);
    kc_free(topics);
    if (rc) {
        kafkac_admin_result_destroy(res);
        return rc;
    }
    *out = res;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_admin_delete_records(kafkac_admin_t *adm, const kafkac_topic_partition_list_t *offsets,
                                         int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                         size_t errstr_size)
{
    return per_leader(adm, offsets, KC_API_DELETE_RECORDS, timeout_ms, out, errstr, errstr_size);
}

kafkac_err_t kafkac_admin_list_offsets(kafkac_admin_t *adm, const kafkac_topic_partition_list_t *partitions,
                                       int timeout_ms, kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    return per_leader(adm, partitions, KC_API_LIST_OFFSETS, timeout_ms, out, errstr, errstr_size);
}

/* ---- elect_leaders ---- */

typedef struct el_ctx {
    int type;
    const kafkac_topic_partition_list_t *tpl;
    kafkac_admin_result_t *res;
} el_ctx_t;

static void *el_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    el_ctx_t *x = rpc->opaque;
    kc_elect_leaders_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_elect_leaders_request, m);
    m->election_type = (int8_t)x->type;
    m->timeout_ms = remaining_ms > 1000 ? remaining_ms - 500 : remaining_ms;
    if (!x->tpl) {
        m->topic_partitions = NULL;
        m->topic_partitions_count = -1;
        return m;
    }
    int n = x->tpl->count;
    m->topic_partitions = kc_arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*m->topic_partitions));
    if (!m->topic_partitions)
        return NULL;
    for (int i = 0; i < n; i++) {
        const kafkac_topic_partition_t *tp = &x->tpl->elems[i];
        kc_elect_leaders_request_topic_partitions_t *t = NULL;
        for (int k = 0; k < m->topic_partitions_count && !t; k++)
            if (!strcmp(m->topic_partitions[k].topic, tp->topic))
                t = &m->topic_partitions[k];
        if (!t) {
            t = &m->topic_partitions[m->topic_partitions_count++];
            kc_msg_init(&kc_schema_elect_leaders_request_topic_partitions, t);
            t->topic = tp->topic;
            t->partitions = kc_arena_alloc(a, (size_t)n * sizeof(int32_t));
            if (!t->partitions)
                return NULL;
        }
        t->partitions[t->partitions_count++] = tp->partition;
    }
    return m;
}

static int el_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    el_ctx_t *x = rpc->opaque;
    const kc_elect_leaders_response_t *m = resp->msg;
    if (m->error_code)
        return m->error_code;
    if (!x->res) {
        int n = 0;
        for (int t = 0; t < m->replica_election_results_count; t++)
            n += m->replica_election_results[t].partition_result_count;
        x->res = kc_admin_result_new(n);
        if (!x->res)
            return KAFKAC_ERR_NO_MEMORY;
        int i = 0;
        for (int t = 0; t < m->replica_election_results_count; t++)
            for (int p = 0; p < m->replica_election_results[t].partition_result_count; p++, i++) {
                const kc_elect_leaders_response_partition_result_t *r = &m->replica_election_results[t].partition_result[p];
                if (kc_admin_result_name(x->res, i, m->replica_election_results[t].topic, r->partition_id) ||
                    kc_admin_result_set(x->res, i, r->error_code, r->error_message))
                    return KAFKAC_ERR_NO_MEMORY;
            }
        return 0;
    }
    for (int t = 0; t < m->replica_election_results_count; t++)
        for (int p = 0; p < m->replica_election_results[t].partition_result_count; p++) {
            const kc_elect_leaders_response_partition_result_t *r = &m->replica_election_results[t].partition_result[p];
            int i = kc_admin_result_find(x->res, m->replica_election_results[t].topic, r->partition_id);
            if (i >= 0 && kc_admin_result_set(x->res, i, r->error_code, r->error_message))
                return KAFKAC_ERR_NO_MEMORY;
        }
    return 0;
}

kafkac_err_t kafkac_admin_elect_leaders(kafkac_admin_t *adm, kafkac_election_type_t type,
                                        const kafkac_topic_partition_list_t *partitions, int timeout_ms,
                                        kafkac_admin_result_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    el_ctx_t x = { type, partitions, NULL };
    if (partitions) {
        x.res = kc_admin_result_new(partitions->count);
        if (!x.res)
            return KAFKAC_ERR_NO_MEMORY;
        for (int i = 0; i < partitions->count; i++)
            if (kc_admin_result_name(x.res, i, partitions->elems[i].topic, partitions->elems[i].partition)) {
                kafkac_admin_result_destroy(x.res);
                return KAFKAC_ERR_NO_MEMORY;
            }
    }
    kc_admin_rpc_t rpc = { .api_key = KC_API_ELECT_LEADERS, .max_version = -1, .target = KC_ADMIN_TO_CONTROLLER,
                           .build = el_build, .parse = el_parse, .opaque = &x };
    int rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    if (rc) {
        kafkac_admin_result_destroy(x.res);
        return rc;
    }
    *out = x.res;
    return KAFKAC_OK;
}

/* ---- describe_log_dirs ---- */

/* A row is the element handle kafkac_log_dirs_get() hands out. */
typedef struct kafkac_log_dir_replica {
    int32_t broker;
    const char *dir;
    int err;
    const char *topic;
    int32_t partition;
    int64_t size, lag;
} ld_row_t;

struct kafkac_log_dirs {
    int count, cap;
    ld_row_t *r;
    kc_arena_t arena;
    int32_t node;          /* the broker being asked */
};

static void *ld_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    kc_describe_log_dirs_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_describe_log_dirs_request, m);
    m->topics = NULL;
    m->topics_count = -1;   /* every partition */
    return m;
}

static ld_row_t *ld_add(kafkac_log_dirs_t *l)
{
    ld_row_t *rows = kc_admin_rows_grow(l->r, l->count, &l->cap, sizeof *rows);
    if (!rows)
        return NULL;
    l->r = rows;
    ld_row_t *r = &l->r[l->count++];
    r->broker = l->node;
    r->partition = -1;
    return r;
}

static int ld_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    kafkac_log_dirs_t *l = rpc->opaque;
    const kc_describe_log_dirs_response_t *m = resp->msg;
    if (m->error_code)
        return m->error_code;
    for (int d = 0; d < m->results_count; d++) {
        const kc_describe_log_dirs_response_describe_log_dirs_result_t *dr = &m->results[d];
        const char *dir = kc_admin_strdup(&l->arena, dr->log_dir);
        if (!dir)
            return KAFKAC_ERR_NO_MEMORY;
        int rows = 0;
        for (int t = 0; t < dr->topics_count; t++) {
            const char *topic = kc_admin_strdup(&l->arena, dr->topics[t].name);
            for (int p = 0; p < dr->topics[t].partitions_count; p++) {
                ld_row_t *r = ld_add(l);
                if (!r || !topic)
                    return KAFKAC_ERR_NO_MEMORY;
                r->dir = dir;
                r->err = dr->error_code;
                r->topic = topic;
                r->partition = dr->topics[t].partitions[p].partition_index;
                r->size = dr->topics[t].partitions[p].partition_size;
                r->lag = dr->topics[t].partitions[p].offset_lag;
                rows++;
            }
        }
        if (!rows) {
            ld_row_t *r = ld_add(l);
            if (!r)
                return KAFKAC_ERR_NO_MEMORY;
            r->dir = dir;
            r->err = dr->error_code;
        }
    }
    return 0;
}

kafkac_err_t kafkac_admin_describe_log_dirs(kafkac_admin_t *adm, const int32_t *broker_ids, int count, int timeout_ms,
                                            kafkac_log_dirs_t **out, char *errstr, size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    kafkac_log_dirs_t *l = kc_calloc(1, sizeof(*l));
    if (!l)
        return KAFKAC_ERR_NO_MEMORY;
    kc_arena_init(&l->arena, 4096);
    kc_cluster_t *c = NULL;
    if (!broker_ids || count < 1) {
        const char *none[1] = { NULL };
        int mrc = 0;
        c = kc_admin_metadata(adm, none, 0, deadline, errstr, errstr_size, &mrc);
        if (!c) {
            kafkac_log_dirs_destroy(l);
            return mrc ? mrc : KAFKAC_ERR_TIMED_OUT;
        }
        count = c->broker_count;
    }
    int rc = 0;
    for (int i = 0; !rc && i < count; i++) {
        l->node = c ? c->brokers[i].id : broker_ids[i];
        kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_LOG_DIRS, .max_version = -1, .target = KC_ADMIN_TO_NODE,
                               .node_id = l->node, .build = ld_build, .parse = ld_parse, .opaque = l };
        rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
    }
    kc_cluster_unref(c);
    if (rc) {
        kafkac_log_dirs_destroy(l);
        return rc;
    }
    *out = l;
    return KAFKAC_OK;
}

int kafkac_log_dirs_count(const kafkac_log_dirs_t *l) { return l ? l->count : 0; }

const kafkac_log_dir_replica_t *kafkac_log_dirs_get(const kafkac_log_dirs_t *l, int i)
{
    return l ? kc_admin_row(l->r, l->count, i, sizeof(ld_row_t), NULL) : NULL;
}

int32_t kafkac_log_dir_replica_broker(const kafkac_log_dir_replica_t *r) { return r ? r->broker : -1; }
const char *kafkac_log_dir_replica_dir(const kafkac_log_dir_replica_t *r) { return r ? r->dir : ""; }
kafkac_err_t kafkac_log_dir_replica_error(const kafkac_log_dir_replica_t *r)
{
    return r ? (kafkac_err_t)r->err : KAFKAC_ERR_INVALID_ARG;
}
const char *kafkac_log_dir_replica_topic(const kafkac_log_dir_replica_t *r) { return r ? r->topic : NULL; }
int32_t kafkac_log_dir_replica_partition(const kafkac_log_dir_replica_t *r) { return r ? r->partition : -1; }
int64_t kafkac_log_dir_replica_size(const kafkac_log_dir_replica_t *r) { return r ? r->size : -1; }
int64_t kafkac_log_dir_replica_offset_lag(const kafkac_log_dir_replica_t *r) { return r ? r->lag : -1; }

void kafkac_log_dirs_destroy(kafkac_log_dirs_t *l)
{
    if (l)
        kc_admin_rows_destroy(l, l->r, &l->arena);
}

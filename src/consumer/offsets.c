/* Offset lookups with ListOffsets: the asynchronous resets the fetcher
 * needs (auto.offset.reset, seek_to_beginning/end) and the blocking
 * beginning_offsets / end_offsets / offsets_for_times of the public API.
 *
 * ListOffsets goes to each partition's leader.  Timestamps -2 and -1 ask
 * for the log start and the end (the high watermark, or under
 * read_committed the last stable offset: the request carries the
 * isolation level); a timestamp >= 0 asks for the first record at or
 * after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/mem.h"
#include "common/errstr.h"
#include "consumer/consumer_int.h"
#include "kc_messages.h"


/* Errors after which the answer may differ once metadata is refreshed. */
static int retriable_leader_error(int code)
{
    switch (code) {
    case KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER:
    case KAFKAC_ERR_LEADER_NOT_AVAILABLE:
    case KAFKAC_ERR_FENCED_LEADER_EPOCH:
    case KAFKAC_ERR_UNKNOWN_LEADER_EPOCH:
    case KAFKAC_ERR_REPLICA_NOT_AVAILABLE:
    case KAFKAC_ERR_KAFKA_STORAGE_ERROR:
    case KAFKAC_ERR_OFFSET_NOT_AVAILABLE:
    case KAFKAC_ERR_BROKER_NOT_AVAILABLE:
    case KAFKAC_ERR_REQUEST_TIMED_OUT:
    case KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION: /* may just be created */
        return 1;
    default:
        return 0;
    }
}

/* One ListOffsets request: the body and its arrays in one arena. */
typedef struct lo_call {
    kafkac_consumer_t *c;
    kc_arena_t arena;
    kc_list_offsets_request_t req;
    int32_t node;
    /* The partitions asked, with the position generation asked for. */
    int n;
    struct lo_item {
        const char *topic;    /* in arena */
        int32_t partition;
        uint32_t pos_gen;
    } *items;
} lo_call_t;

static void lo_call_free(void *p)
{
    lo_call_t *call = p;
    if (call) {
        kc_arena_destroy(&call->arena);
        kc_free(call);
    }
}

/* Fills the request from items[0..n) sorted by topic; 0 or NO_MEMORY. */
static int lo_fill(kc_arena_t *a, kc_list_offsets_request_t *r, const struct lo_item *items, const int64_t *ts,
                   int n, int isolation, int64_t timeout_ms)
{
    kc_msg_init(&kc_schema_list_offsets_request, r);
    r->replica_id = -1;
    /* v10+: how long the broker may take (reading tiered storage); 0 would
     * make such a lookup time out at once. */
    r->timeout_ms = (int32_t)timeout_ms;
    r->isolation_level = (int8_t)isolation;
    kc_list_offsets_request_list_offsets_topic_t *topics = kc_arena_alloc(a, (size_t)n * sizeof(*topics));
    kc_list_offsets_request_list_offsets_partition_t *parts = kc_arena_alloc(a, (size_t)n * sizeof(*parts));
    if (!topics || !parts)
        return KAFKAC_ERR_NO_MEMORY;
    int nt = 0;
    for (int i = 0; i < n; i++) {
        if (nt == 0 || strcmp(topics[nt - 1].name, items[i].topic)) {
            kc_msg_init(&kc_schema_list_offsets_request_list_offsets_topic, &topics[nt]);
            topics[nt].name = items[i].topic;
            topics[nt].partitions = &parts[i];
            topics[nt].partitions_count = 0;
            nt++;
        }
        kc_msg_init(&kc_schema_list_offsets_request_list_offsets_partition, &parts[i]);
        parts[i].partition_index = items[i].partition;
        parts[i].current_leader_epoch = -1;
        parts[i].timestamp = ts[i];
        parts[i].max_num_offsets = 1;
        topics[nt - 1].partitions_count++;
    }
    r->topics = topics;
    r->topics_count = nt;
    return 0;
}

/* The offset and epoch a v0 or v1+ partition answer carries. */
static void lo_answer(const kc_list_offsets_response_list_offsets_partition_response_t *pr, int16_t version,
                      int64_t *offset, int32_t *epoch)
{
    if (version == 0)
        *offset = pr->old_style_offsets_count > 0 ? pr->old_style_offsets[0] : -1;
    else
        *offset = pr->offset;
    *epoch = pr->leader_epoch;
}

/* ---- Asynchronous resets (I/O thread) ------------------------------ */

static void reset_done(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    lo_call_t *call = opaque;
    kafkac_consumer_t *c = call->c;
    int64_t now = kc_now_ms();
    pthread_mutex_lock(&c->lock);
    const kc_list_offsets_response_t *m = resp && !resp->err ? resp->msg : NULL;
    for (int i = 0; i < call->n; i++) {
        kc_part_t *p = kc_parts_find(&c->parts, call->items[i].topic, call->items[i].partition);
        if (!p || p->pos_gen != call->items[i].pos_gen || p->state != KC_PS_AWAIT_RESET)
            continue;
        p->busy = 0;
        const kc_list_offsets_response_list_offsets_partition_response_t *pr = NULL;
        for (int t = 0; m && !pr && t < m->topics_count; t++) {
            if (!m->topics[t].name || strcmp(m->topics[t].name, p->topic))
                continue;
            for (int k = 0; k < m->topics[t].partitions_count; k++)
                if (m->topics[t].partitions[k].partition_index == p->partition)
                    pr = &m->topics[t].partitions[k];
        }
        if (!pr || pr->error_code) {
            int code = pr ? pr->error_code : (resp ? resp->err : KAFKAC_ERR_NO_MEMORY);
            if (code == KAFKAC_ERR_DESTROYED)
                continue;
            if (!pr || retriable_leader_error(code)) {
                /* Worth another try, but not in silence: the log says
                 * what failed the first time, and a failure that lasts
                 * default.api.timeout.ms reaches poll (then again at most
                 * that often); the lookup goes on meanwhile. */
                char what[400];
                if (resp && resp->err)
                    snprintf(what, sizeof what, "ListOffsets to broker %d failed: %s: %.250s", (int)call->node,
                             kafkac_err_name(code), resp->errstr);
                else if (!pr)
                    snprintf(what, sizeof what, "ListOffsets to broker %d: the answer does not mention the partition",
                             (int)call->node);
                else
                    snprintf(what, sizeof what, "ListOffsets to broker %d: %s", (int)call->node,
                             kafkac_err_name(code));
                if (!p->lookup_fail_since) {
                    p->lookup_fail_since = now;
                    kc_log(&c->settings.log, KAFKAC_LOG_WARNING, "offsets", "%s [%d]: offset lookup: %s; retrying",
                           p->topic, (int)p->partition, what);
                } else {
                    kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "offsets", "%s [%d]: offset lookup: %s", p->topic,
                           (int)p->partition, what);
                }
                int64_t limit = c->settings.default_api_timeout_ms;
                if (now - p->lookup_fail_since >= limit &&
                    (!p->stuck_reported_ms || now - p->stuck_reported_ms >= limit)) {
                    p->stuck_reported_ms = now;
                    kc_consumer_queue_event(c, p, (kafkac_err_t)code,
                                            "offset lookup failing for %lld ms (default.api.timeout.ms %lld): %s",
                                            (long long)(now - p->lookup_fail_since), (long long)limit, what);
                }
                kc_net_refresh_metadata(net, "list offsets failed");
                kc_part_backoff(c, p, now);
            } else {
                p->state = KC_PS_ERROR;
                p->err = (kafkac_err_t)code;
                kc_consumer_queue_event(c, p, (kafkac_err_t)code, "offset lookup failed: %s",
                                        kafkac_err_str(code));
            }
            continue;
        }
        int64_t off;
        int32_t ep;
        lo_answer(pr, resp->version, &off, &ep);
        if (off < 0) {
            kc_part_backoff(c, p, now);
            continue;
        }
        p->state = KC_PS_FETCHING;
        p->fetch_pos = off;
        p->fetch_epoch = ep;
        p->lookup_fail_since = 0;
        kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "offsets", "%s [%d]: position reset to %lld", p->topic,
               (int)p->partition, (long long)off);
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kc_resp_free(resp);
    kc_arena_destroy(&call->arena);
    kc_free(call);
    kc_net_wakeup(net);
}

static int cmp_leader_idx(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

int64_t kc_offsets_serve(kafkac_consumer_t *c, int64_t now, const kc_cluster_t *cl)
{
    int n = 0, need_md = 0;
    int64_t next_run = INT64_MAX;
    /* (leader << 32 | index) pairs; partitions are already sorted by topic. */
    int64_t *lead_idx = NULL;
    for (int i = 0; i < c->parts.n; i++) {
        kc_part_t *p = c->parts.v[i];
        if (p->state != KC_PS_AWAIT_RESET || p->busy)
            continue;
        if (p->retry_at_ms > now) {
            if (p->retry_at_ms < next_run)
                next_run = p->retry_at_ms;
            continue;
        }
        if (p->reset_to == KC_RESET_FROM_POLICY) {
            if (c->settings.auto_offset_reset == KC_RESET_NONE) {
                p->state = KC_PS_ERROR;
                p->err = KAFKAC_ERR_AUTO_OFFSET_RESET;
                kc_consumer_queue_event(c, p, KAFKAC_ERR_AUTO_OFFSET_RESET,
                                        "no offset to start from and auto.offset.reset is none");
                continue;
            }
            p->reset_to = c->settings.auto_offset_reset == KC_RESET_EARLIEST ? KAFKAC_OFFSET_BEGINNING
                                                                             : KAFKAC_OFFSET_END;
        }
        const kc_partition_info_t *pi = kc_cluster_partition(cl, p->topic, p->partition);
        if (!pi && kc_part_missing(c, p, cl))
            continue;
        if (!pi || pi->leader < 0) {
            need_md = 1;
            kc_part_backoff(c, p, now);
            if (p->retry_at_ms < next_run)
                next_run = p->retry_at_ms;
            continue;
        }
        if (!lead_idx && !(lead_idx = kc_calloc((size_t)c->parts.n, 2 * sizeof(int64_t))))
            return now + 100;
        lead_idx[2 * n] = pi->leader;
        lead_idx[2 * n + 1] = i;
        n++;
    }
    if (need_md)
        kc_net_refresh_metadata(c->net, "list offsets: partition without a known leader");
    if (!n) {
        kc_free(lead_idx);
        return next_run;
    }
    qsort(lead_idx, (size_t)n, 2 * sizeof(int64_t), cmp_leader_idx);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && lead_idx[2 * j] == lead_idx[2 * i])
            j++;
        lo_call_t *call = kc_calloc(1, sizeof(*call));
        if (!call)
            break;
        call->c = c;
        call->node = (int32_t)lead_idx[2 * i];
        kc_arena_init(&call->arena, 1024);
        int k = j - i;
        call->items = kc_arena_alloc(&call->arena, (size_t)k * sizeof(*call->items));
        int64_t *ts = kc_arena_alloc(&call->arena, (size_t)k * sizeof(int64_t));
        int ok = call->items && ts;
        for (int q = 0; ok && q < k; q++) {
            kc_part_t *p = c->parts.v[lead_idx[2 * (i + q) + 1]];
            call->items[q].topic = kc_arena_strndup(&call->arena, p->topic, strlen(p->topic));
            call->items[q].partition = p->partition;
            call->items[q].pos_gen = p->pos_gen;
            ts[q] = p->reset_to == KAFKAC_OFFSET_BEGINNING ? -2 : -1;
            ok = call->items[q].topic != NULL;
        }
        call->n = k;
        if (ok)
            ok = lo_fill(&call->arena, &call->req, call->items, ts, k, c->settings.isolation_level,
                         c->settings.request_timeout_ms) == 0;
        kc_req_t req = {
            .node_id = call->node,
            .api_key = KC_API_LIST_OFFSETS,
            /* v0 (Kafka 0.10.0) answers -1/-2 alike; lo_answer reads it. */
            .min_version = 0,
            .max_version = -1,
            .msg = &call->req,
            .cb = reset_done,
            .opaque = call,
        };
        if (ok && kc_net_send(c->net, &req) == 0) {
            for (int q = 0; q < k; q++)
                c->parts.v[lead_idx[2 * (i + q) + 1]]->busy = 1;
        } else {
            kc_arena_destroy(&call->arena);
            kc_free(call);
        }
        i = j;
    }
    kc_free(lead_idx);
    return next_run;
}

/* ---- Blocking lookups (application thread) ------------------------- */

kafkac_err_t kc_offsets_lookup(kafkac_consumer_t *c, kafkac_topic_partition_list_t *tpl, int64_t ts,
                               int timeout_ms, char *errstr, size_t errstr_size)
{
    if (!tpl)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int n = tpl->count;
    if (n == 0)
        return KAFKAC_OK;
    /* Per element: the timestamp asked and whether it is answered. */
    int64_t *want = kc_calloc((size_t)n, sizeof(int64_t));
    char *done = kc_calloc((size_t)n, 1);
    const char **names = kc_calloc((size_t)n, sizeof(char *));
    if (!want || !done || !names) {
        kc_free(want);
        kc_free(done);
        kc_free(names);
        return KAFKAC_ERR_NO_MEMORY;
    }
    for (int i = 0; i < n; i++) {
        want[i] = ts == KC_TS_FROM_LIST ? tpl->elems[i].offset : ts;
        tpl->elems[i].err = KAFKAC_ERR_TIMED_OUT;
        names[i] = tpl->elems[i].topic;
        if (!names[i] || (ts == KC_TS_FROM_LIST && want[i] < 0)) {
            tpl->elems[i].err = KAFKAC_ERR_INVALID_ARG;
            done[i] = 1;
            names[i] = NULL;
        }
    }
    int nn = 0;
    for (int i = 0; i < n; i++)
        if (names[i])
            names[nn++] = names[i];
    kc_net_want_topics(c->net, names, nn, 0);
    kc_free(names);

    int left = 0;
    for (int i = 0; i < n; i++)
        left += !done[i];
    int64_t seen_version = -1;
    while (left > 0) {
        kc_cluster_t *cl = kc_net_cluster(c->net);
        int waiting_md = 0;
        int32_t leader = -1;
        /* One leader per round trip: pick the first unanswered partition's
         * leader and ask it about all of its partitions. */
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            kafkac_topic_partition_t *e = &tpl->elems[i];
            const kc_topic_info_t *ti = kc_cluster_topic(cl, e->topic);
            if (ti && ti->err && !retriable_leader_error(ti->err)) {
                e->err = (kafkac_err_t)ti->err;
                done[i] = 1;
                left--;
                continue;
            }
            if (ti && !ti->err && (e->partition < 0 || e->partition >= ti->partition_count)) {
                e->err = KAFKAC_ERR_UNKNOWN_PARTITION;
                done[i] = 1;
                left--;
                continue;
            }
            const kc_partition_info_t *pi = kc_cluster_partition(cl, e->topic, e->partition);
            if (!pi || pi->leader < 0) {
                waiting_md = 1;
                continue;
            }
            if (leader < 0)
                leader = pi->leader;
        }
        if (leader >= 0) {
            lo_call_t *call = kc_calloc(1, sizeof(*call));
            if (!call) {
                kc_cluster_unref(cl);
                kc_free(want);
                kc_free(done);
                return KAFKAC_ERR_NO_MEMORY;
            }
            kc_arena_init(&call->arena, 1024);
            struct lo_item *items = kc_arena_alloc(&call->arena, (size_t)n * sizeof(*items));
            int64_t *its = kc_arena_alloc(&call->arena, (size_t)n * sizeof(int64_t));
            /* Which element of tpl each item answers: the caller's own, not
             * in the call's arena, which goes with the request when the
             * deadline comes first (the I/O thread frees it then). */
            int *idx = kc_calloc((size_t)n, sizeof(int));
            int k = 0;
            for (int i = 0; items && its && idx && i < n; i++) {
                if (done[i])
                    continue;
                const kc_partition_info_t *pi = kc_cluster_partition(cl, tpl->elems[i].topic, tpl->elems[i].partition);
                if (!pi || pi->leader != leader)
                    continue;
                /* Copied: an abandoned request may be encoded after
                 * the caller's list is gone. */
                items[k].topic = kc_arena_strndup(&call->arena, tpl->elems[i].topic, strlen(tpl->elems[i].topic));
                if (!items[k].topic)
                    continue;
                items[k].partition = tpl->elems[i].partition;
                its[k] = want[i];
                idx[k] = i;
                k++;
            }
            /* lo_fill groups by topic; keep same-topic items adjacent. */
            for (int a = 1; a < k; a++)
                for (int b = a; b > 0 && strcmp(items[b - 1].topic, items[b].topic) > 0; b--) {
                    struct lo_item ti = items[b];
                    items[b] = items[b - 1];
                    items[b - 1] = ti;
                    int64_t tt = its[b];
                    its[b] = its[b - 1];
                    its[b - 1] = tt;
                    int ix = idx[b];
                    idx[b] = idx[b - 1];
                    idx[b - 1] = ix;
                }
            int body_timeout = kc_ms_left(deadline);
            if (k == 0 || lo_fill(&call->arena, &call->req, items, its, k, c->settings.isolation_level,
                                  body_timeout > 0 ? body_timeout : 1)) {
                lo_call_free(call);
                kc_free(idx);
                kc_cluster_unref(cl);
                kc_free(want);
                kc_free(done);
                return KAFKAC_ERR_NO_MEMORY;
            }
            kc_req_t req = {
                .node_id = leader,
                .api_key = KC_API_LIST_OFFSETS,
                .min_version = KC_LIST_OFFSETS_SINCE_SINGLE_OFFSET,
                .max_version = -1,
                .msg = &call->req,
            };
            int gave_up = 0;
            kc_resp_t *resp = kc_consumer_call(c->net, &req, deadline, lo_call_free, call, &gave_up);
            if (gave_up)
                call = NULL;   /* it went with the request */
            const kc_list_offsets_response_t *m = resp && !resp->err ? resp->msg : NULL;
            int retry = !m;
            for (int q = 0; q < k; q++) {
                kafkac_topic_partition_t *e = &tpl->elems[idx[q]];
                const kc_list_offsets_response_list_offsets_partition_response_t *pr = NULL;
                for (int t = 0; m && !pr && t < m->topics_count; t++) {
                    if (!m->topics[t].name || strcmp(m->topics[t].name, e->topic))
                        continue;
                    for (int x = 0; x < m->topics[t].partitions_count; x++)
                        if (m->topics[t].partitions[x].partition_index == e->partition)
                            pr = &m->topics[t].partitions[x];
                }
                if (!pr) {
                    if (resp)
                        e->err = (kafkac_err_t)resp->err;
                    continue;
                }
                if (pr->error_code) {
                    e->err = (kafkac_err_t)pr->error_code;
                    if (retriable_leader_error(pr->error_code)) {
                        retry = 1;
                        continue;
                    }
                } else {
                    lo_answer(pr, resp->version, &e->offset, &e->leader_epoch);
                    if (e->offset < 0)
                        e->offset = KAFKAC_OFFSET_END;
                    e->err = KAFKAC_OK;
                }
                done[idx[q]] = 1;
                left--;
            }
            if (resp && resp->err)
                kc_errstr_set(errstr, errstr_size, "%s", resp->errstr);
            kc_resp_free(resp);
            lo_call_free(call);
            kc_free(idx);
            if (retry)
                waiting_md = 1;
        }
        seen_version = cl->version;
        kc_cluster_unref(cl);
        if (left == 0)
            break;
        int64_t now = kc_now_ms();
        if (now >= deadline)
            break;
        if (waiting_md || leader < 0) {
            kc_net_refresh_metadata(c->net, "offset lookup");
            int w = kc_ms_left(deadline);
            kc_cluster_t *nc = kc_net_wait_cluster(c->net, seen_version, w < 1000 ? w : 1000);
            kc_cluster_unref(nc);
        }
    }
    kafkac_err_t first = KAFKAC_OK;
    for (int i = 0; i < n && !first; i++) {
        if (tpl->elems[i].err) {
            first = tpl->elems[i].err;
            kc_errstr_set(errstr, errstr_size, "%s [%d]: %s", tpl->elems[i].topic, tpl->elems[i].partition,
                          kafkac_err_str(first));
        }
    }
    kc_free(want);
    kc_free(done);
    return first;
}

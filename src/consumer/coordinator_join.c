/* Joining: JoinGroup with one protocol per configured assignor (the
 * ConsumerProtocolSubscription bytes as metadata), the leader's
 * assignment, and SyncGroup.  Runs on the I/O thread under co->lock. */
#include "consumer/coordinator.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "common/mem.h"
#include "protocol/consumer_protocol.h"
#include "kc_messages.h"

/* Groups a topic-partition list by topic into kc_cp_topic_t, allocated
 * from arena (strings borrowed from l).  Returns the topic count or -1. */
static int32_t group_tpl(const kafkac_topic_partition_list_t *l, kc_arena_t *arena, kc_cp_topic_t **out)
{
    *out = NULL;
    if (!l || l->count == 0)
        return 0;
    kc_cp_topic_t *t = kc_arena_alloc(arena, (size_t)l->count * sizeof(*t));
    int32_t *parts = kc_arena_alloc(arena, (size_t)l->count * sizeof(int32_t));
    if (!t || !parts)
        return -1;
    int32_t nt = 0;
    for (int i = 0; i < l->count; i++) {
        int32_t k = 0;
        while (k < nt && strcmp(t[k].topic, l->elems[i].topic) != 0)
            k++;
        if (k == nt) {
            /* Partitions of one topic are contiguous once the list is
             * sorted; callers keep their lists sorted. */
            t[nt].topic = l->elems[i].topic;
            t[nt].partitions = parts + i;
            t[nt].partition_count = 0;
            nt++;
        }
        t[k].partitions[t[k].partition_count++] = l->elems[i].partition;
    }
    *out = t;
    return nt;
}

/* ------------------------------------------------------------------ */
/* JoinGroup                                                           */

typedef struct join_ctx {
    kc_coordinator_t *co;
    uint32_t epoch;
    kc_join_group_request_t msg;
    kc_join_group_request_join_group_request_protocol_t protos[4];
    kc_writer_t meta[4];
    char *member_id;
    kc_arena_t arena;
} join_ctx_t;

static void join_ctx_free(join_ctx_t *x)
{
    for (int i = 0; i < 4; i++)
        kc_writer_free(&x->meta[i]);
    kc_arena_destroy(&x->arena);
    kc_free(x->member_id);
    kc_free(x);
}

typedef struct sync_ctx {
    kc_coordinator_t *co;
    uint32_t epoch;
    int32_t generation;
    kc_sync_group_request_t msg;
    kc_sync_group_request_sync_group_request_assignment_t *asg;
    kc_writer_t *bufs;
    int n;
    char *member_id;
    char *protocol;
    kc_resp_t *join;   /* the JoinGroup answer the member ids point into */
} sync_ctx_t;

static void sync_ctx_free(sync_ctx_t *x)
{
    for (int i = 0; i < x->n; i++)
        kc_writer_free(&x->bufs[i]);
    kc_free(x->bufs);
    kc_free(x->asg);
    kc_free(x->member_id);
    kc_free(x->protocol);
    kc_resp_free(x->join);
    kc_free(x);
}

static void send_sync(kc_coordinator_t *co, sync_ctx_t *x);

static void set_str(char **dst, const char *src)
{
    char *d = kc_strdup(src ? src : "");
    if (d) {
        kc_free(*dst);
        *dst = d;
    }
}

/* Back to JOIN_READY after a failed join or sync, with a pause. */
static void retry_join(kc_coordinator_t *co, int64_t delay_ms)
{
    co->state = KC_CO_UNJOINED;
    co->join_after = kc_now_ms() + delay_ms;
    kc_co_request_rejoin(co, 0, "retrying the join");
}

static void join_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    join_ctx_t *x = opaque;
    kc_coordinator_t *co = x->co;
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    const kc_join_group_response_t *r = resp && !resp->err ? resp->msg : NULL;
    if (r)
        err = r->error_code;
    int64_t now = kc_now_ms();
    int keep = 0;
    pthread_mutex_lock(&co->lock);
    if (co->state != KC_CO_JOINING || x->epoch != co->epoch || co->closed) {
        /* Superseded (reset, close): nothing to do. */
    } else if (err == 0) {
        set_str(&co->member_id, r->member_id);
        co->generation = r->generation_id;
        set_str(&co->protocol, r->protocol_name);
        co->is_leader = r->leader && strcmp(r->leader, r->member_id) == 0;
        co->state = KC_CO_SYNCING;
        co->hb_next = now + co->s->heartbeat_interval_ms;
        co->hb_last_ok = now;
        kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: joined generation %d as %s%s (assignor %s, %d members)",
               co->s->group_id, co->generation, co->member_id, co->is_leader ? ", leader" : "",
               co->protocol, r->members_count);
        if (co->is_leader && !r->skip_assignment) {
            co->pending_join = resp;
            co->pending_join_until = now + 5000;
            keep = 1;
            kc_co_try_leader_assign(co, now);
        } else {
            /* A follower, or a static leader rejoining without a
             * rebalance (KIP-814: skip_assignment), sends no assignment. */
            sync_ctx_t *s = kc_calloc(1, sizeof(*s));
            if (s)
                send_sync(co, s);
            else
                retry_join(co, co->s->retry_backoff_ms);
        }
    } else {
        kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: JoinGroup: %s%s%s", co->s->group_id,
               kafkac_err_name(err), resp && resp->err ? ": " : "", resp && resp->err ? resp->errstr : "");
        switch (err) {
        case KAFKAC_ERR_MEMBER_ID_REQUIRED:
            /* KIP-394: the broker names us; join again with that id at once. */
            set_str(&co->member_id, r->member_id);
            retry_join(co, 0);
            break;
        case KAFKAC_ERR_UNKNOWN_MEMBER_ID:
            kc_co_reset_member(co, 1);
            retry_join(co, 0);
            break;
        case KAFKAC_ERR_ILLEGAL_GENERATION:
            kc_co_reset_member(co, 0);
            retry_join(co, 0);
            break;
        case KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case KAFKAC_ERR_REBALANCE_IN_PROGRESS:
            retry_join(co, co->s->retry_backoff_ms);
            break;
        case KAFKAC_ERR_FENCED_INSTANCE_ID:
            co->fatal = KAFKAC_ERR_FENCED_INSTANCE_ID;
            co->state = KC_CO_UNJOINED;
            kc_consumer_post_error(co->c, KAFKAC_ERR_FENCED_INSTANCE_ID,
                                   "another consumer with the same group.instance.id is in the group");
            break;
        default:
            if (kc_co_is_coord_error(err)) {
                kc_co_coordinator_dead(co, kafkac_err_name(err));
                retry_join(co, co->s->retry_backoff_ms);
            } else {
                /* INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
                 * GROUP_AUTHORIZATION_FAILED, GROUP_MAX_SIZE_REACHED...:
                 * tell the application, try again slowly. */
                char why[160];
                snprintf(why, sizeof why, "joining group %s failed: %s", co->s->group_id, kafkac_err_str(err));
                kc_consumer_post_error(co->c, (kafkac_err_t)err, why);
                retry_join(co, 1000);
            }
            break;
        }
    }
    pthread_mutex_unlock(&co->lock);
    kc_net_wakeup(net);
    if (!keep)
        kc_resp_free(resp);
    join_ctx_free(x);
}

void kc_co_send_join(kc_coordinator_t *co, int64_t now)
{
    join_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x)
        return;
    x->co = co;
    x->epoch = co->epoch;
    kc_arena_init(&x->arena, 1024);
    x->member_id = kc_strdup(co->member_id);
    kc_cp_subscription_t sub;
    kc_cp_subscription_init(&sub);
    sub.topics = (const char **)co->topics;
    sub.topic_count = co->ntopics;
    kafkac_tpl_sort(co->owned);
    sub.owned_count = group_tpl(co->owned, &x->arena, &sub.owned);
    sub.generation_id = co->generation;
    sub.rack_id = co->s->client_rack;
    int err = x->member_id && sub.owned_count >= 0 ? 0 : KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < co->nalgos && !err; i++) {
        kc_bytes_t ud = {NULL, -1};
        kc_writer_t udw;
        int have_ud = 0;
        if (strcmp(co->algos[i]->name, "sticky") == 0 && co->sticky_prev) {
            /* Eager sticky members have revoked everything by now; what
             * they owned travels in the user data, as Java's does. */
            kc_cp_sticky_t st = {NULL, 0, co->sticky_prev_gen};
            kafkac_tpl_sort(co->sticky_prev);
            st.prev_count = group_tpl(co->sticky_prev, &x->arena, &st.prev);
            if (kc_writer_init(&udw, 64) == 0) {
                have_ud = 1;
                if (st.prev_count >= 0 && kc_cp_sticky_encode(&udw, &st) == 0)
                    ud = (kc_bytes_t){udw.buf, (int32_t)udw.len};
            }
        }
        sub.user_data = ud;
        err = kc_writer_init(&x->meta[i], 128);
        if (!err)
            err = kc_cp_subscription_encode(&x->meta[i], &sub, KC_CP_MAX_VERSION);
        if (have_ud)
            kc_writer_free(&udw);
        kc_msg_init(&kc_schema_join_group_request_join_group_request_protocol, &x->protos[i]);
        x->protos[i].name = co->algos[i]->name;
        x->protos[i].metadata = (kc_bytes_t){x->meta[i].buf, (int32_t)x->meta[i].len};
    }
    if (err) {
        join_ctx_free(x);
        co->join_after = now + co->s->retry_backoff_ms;
        return;
    }
    kc_msg_init(&kc_schema_join_group_request, &x->msg);
    x->msg.group_id = co->s->group_id;
    x->msg.session_timeout_ms = (int32_t)co->s->session_timeout_ms;
    x->msg.rebalance_timeout_ms = (int32_t)co->s->max_poll_interval_ms;
    x->msg.member_id = x->member_id;
    x->msg.group_instance_id = co->s->group_instance_id;
    x->msg.protocol_type = "consumer";
    x->msg.protocols = x->protos;
    x->msg.protocols_count = co->nalgos;
    /* The broker holds JoinGroup until every member has rejoined or the
     * rebalance timeout passes; Java waits that long plus 5 s. */
    int64_t to = co->s->max_poll_interval_ms + 5000;
    kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_join_group.key, .max_version = -1,
                    .msg = &x->msg, .cb = join_cb, .opaque = x, .timeout_ms = to > INT_MAX ? INT_MAX : (int)to};
    if (kc_co_note_joined_topics(co) != 0 || kc_net_send(co->net, &req) != 0) {
        join_ctx_free(x);
        co->join_after = now + co->s->retry_backoff_ms;
        return;
    }
    co->state = KC_CO_JOINING;
}

/* ------------------------------------------------------------------ */
/* The leader's assignment                                             */

static int has_topic(const kc_asg_topic_t *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return 1;
    return 0;
}

/* Flattens kc_cp_topic_t lists into kc_tp_t (arena). */
static kc_tp_t *flatten(const kc_cp_topic_t *t, int32_t nt, kc_arena_t *a, int *count)
{
    int n = 0;
    for (int32_t i = 0; i < nt; i++)
        n += t[i].partition_count;
    *count = n;
    if (n == 0)
        return NULL;
    kc_tp_t *v = kc_arena_alloc(a, (size_t)n * sizeof(*v));
    if (!v) {
        *count = 0;
        return NULL;
    }
    int k = 0;
    for (int32_t i = 0; i < nt; i++)
        for (int32_t j = 0; j < t[i].partition_count; j++)
            v[k++] = (kc_tp_t){t[i].topic, t[i].partitions[j]};
    return v;
}

int kc_co_try_leader_assign(kc_coordinator_t *co, int64_t now)
{
    kc_resp_t *resp = co->pending_join;
    const kc_join_group_response_t *r = resp->msg;
    int nm = r->members_count;
    kc_arena_t a;
    kc_arena_init(&a, 4096);
    kc_asg_member_t *m = kc_arena_alloc(&a, (size_t)(nm ? nm : 1) * sizeof(*m));
    int16_t *ver = kc_arena_alloc(&a, (size_t)(nm ? nm : 1) * sizeof(int16_t));
    const char **want = NULL;
    int nwant = 0, err = (m && ver) ? 0 : KAFKAC_ERR_NO_MEMORY;
    int sticky = co->protocol && strcmp(co->protocol, "sticky") == 0;
    for (int i = 0; i < nm && !err; i++) {
        const kc_join_group_response_join_group_response_member_t *jm = &r->members[i];
        kc_cp_subscription_t s;
        m[i].member_id = jm->member_id;
        m[i].instance_id = jm->group_instance_id;
        m[i].generation = -1;
        ver[i] = 0;
        if (!jm->metadata.data || jm->metadata.len < 0 ||
            kc_cp_subscription_decode(jm->metadata.data, (size_t)jm->metadata.len, &a, &s) != 0) {
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: member %s sent a subscription we cannot read",
                   co->s->group_id, jm->member_id);
            continue;
        }
        ver[i] = s.version > KC_CP_MAX_VERSION ? KC_CP_MAX_VERSION : s.version;
        m[i].topics = s.topics;
        m[i].topic_count = s.topic_count;
        m[i].owned = flatten(s.owned, s.owned_count, &a, &m[i].owned_count);
        m[i].generation = s.generation_id;
        if (sticky && s.user_data.len > 0) {
            kc_cp_sticky_t st;
            if (kc_cp_sticky_decode(s.user_data.data, (size_t)s.user_data.len, &a, &st) == 0) {
                m[i].owned = flatten(st.prev, st.prev_count, &a, &m[i].owned_count);
                m[i].generation = st.generation;
            }
        }
        nwant += s.topic_count;
    }
    /* The union of the members' topics, whose metadata the leader needs. */
    kc_asg_topic_t *topics = err ? NULL : kc_arena_alloc(&a, (size_t)(nwant ? nwant : 1) * sizeof(*topics));
    want = err ? NULL : kc_arena_alloc(&a, (size_t)(nwant ? nwant : 1) * sizeof(char *));
    if (!err && (!topics || !want))
        err = KAFKAC_ERR_NO_MEMORY;
    int nt = 0, missing = 0;
    kc_cluster_t *cl = kc_net_cluster(co->net);
    for (int i = 0; i < nm && !err; i++)
        for (int k = 0; k < m[i].topic_count; k++) {
            const char *name = m[i].topics[k];
            if (has_topic(topics, nt, name))
                continue;
            const kc_topic_info_t *ti = kc_cluster_topic(cl, name);
            /* A topic being created is not known yet, rather than a topic
             * with no partitions: wait for it a little (the metadata is
             * asked again meanwhile), and if it takes longer, the members
             * rejoin once it shows partitions (check_joined). */
            if (!ti || ti->err == KAFKAC_ERR_LEADER_NOT_AVAILABLE ||
                (ti->err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION && co->s->allow_auto_create_topics) ||
                (!ti->err && ti->partition_count == 0))
                missing++;
            want[nt] = name;
            topics[nt++] = (kc_asg_topic_t){name, ti && !ti->err ? ti->partition_count : 0};
        }
    kc_cluster_unref(cl);
    if (!err && missing && now < co->pending_join_until) {
        /* Metadata for other members' topics is on its way. */
        kc_net_want_topics(co->net, want, nt, 0);
        kc_net_refresh_metadata(co->net, "group leader needs the members' topics");
        kc_arena_destroy(&a);
        return 0;
    }
    const kc_asg_algo_t *algo = co->protocol ? kc_asg_find(co->protocol) : NULL;
    if (!algo)
        algo = co->algos[0];
    if (!err)
        err = algo->assign(m, nm, topics, nt);

    sync_ctx_t *x = err ? NULL : kc_calloc(1, sizeof(*x));
    if (x) {
        x->asg = kc_calloc((size_t)(nm ? nm : 1), sizeof(*x->asg));
        x->bufs = kc_calloc((size_t)(nm ? nm : 1), sizeof(*x->bufs));
        if (!x->asg || !x->bufs)
            err = KAFKAC_ERR_NO_MEMORY;
    } else if (!err) {
        err = KAFKAC_ERR_NO_MEMORY;
    }
    for (int i = 0; i < nm && !err; i++) {
        kc_cp_assignment_t asg;
        kc_cp_assignment_init(&asg);
        kc_cp_topic_t *t = kc_arena_alloc(&a, (size_t)(m[i].assigned.n ? m[i].assigned.n : 1) * sizeof(*t));
        int32_t *parts = kc_arena_alloc(&a, (size_t)(m[i].assigned.n ? m[i].assigned.n : 1) * sizeof(int32_t));
        if (!t || !parts) {
            err = KAFKAC_ERR_NO_MEMORY;
            break;
        }
        for (int k = 0; k < m[i].assigned.n; k++) {  /* sorted: topics contiguous */
            const kc_tp_t *tp = &m[i].assigned.v[k];
            if (asg.assigned_count == 0 || strcmp(t[asg.assigned_count - 1].topic, tp->topic) != 0)
                t[asg.assigned_count++] = (kc_cp_topic_t){tp->topic, parts + k, 0};
            kc_cp_topic_t *cur = &t[asg.assigned_count - 1];
            cur->partitions[cur->partition_count++] = tp->partition;
        }
        asg.assigned = t;
        err = kc_writer_init(&x->bufs[i], 64);
        x->n = i + 1;
        if (!err)
            err = kc_cp_assignment_encode(&x->bufs[i], &asg, ver[i]);
        kc_msg_init(&kc_schema_sync_group_request_sync_group_request_assignment, &x->asg[i]);
        x->asg[i].member_id = r->members[i].member_id;
        x->asg[i].assignment = (kc_bytes_t){x->bufs[i].buf, (int32_t)x->bufs[i].len};
        char buf[256];
        size_t o = 0;
        buf[0] = 0;
        for (int k = 0; k < m[i].assigned.n && o < sizeof buf; k++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s[%d]", k ? " " : "", m[i].assigned.v[k].topic,
                                  m[i].assigned.v[k].partition);
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: %s assigns %s: %s", co->s->group_id, algo->name,
               m[i].member_id, buf);
    }
    if (m)
        kc_asg_reset(m, nm);
    kc_arena_destroy(&a);
    co->pending_join = NULL;
    if (err) {
        kc_log(co->log, KAFKAC_LOG_ERR, "cgrp", "group %s: assignment failed: %s", co->s->group_id,
               kafkac_err_str(err));
        if (x)
            sync_ctx_free(x);
        kc_resp_free(resp);
        retry_join(co, co->s->retry_backoff_ms);
        return 1;
    }
    x->join = resp;  /* member ids point into it */
    x->msg.assignments = x->asg;
    x->msg.assignments_count = nm;
    send_sync(co, x);
    return 1;
}

/* ------------------------------------------------------------------ */
/* SyncGroup                                                           */

static void sync_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    sync_ctx_t *x = opaque;
    kc_coordinator_t *co = x->co;
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    const kc_sync_group_response_t *r = resp && !resp->err ? resp->msg : NULL;
    if (r)
        err = r->error_code;
    int64_t now = kc_now_ms();
    pthread_mutex_lock(&co->lock);
    if (co->state != KC_CO_SYNCING || x->epoch != co->epoch || x->generation != co->generation || co->closed) {
        /* Superseded. */
    } else if (err == 0) {
        kafkac_topic_partition_list_t *tpl = kafkac_tpl_new(8);
        kc_arena_t a;
        kc_arena_init(&a, 1024);
        kc_cp_assignment_t asg;
        int derr = r->assignment.len > 0
                       ? kc_cp_assignment_decode(r->assignment.data, (size_t)r->assignment.len, &a, &asg)
                       : (kc_cp_assignment_init(&asg), 0);
        if (derr)
            kc_log(co->log, KAFKAC_LOG_ERR, "cgrp", "group %s: unreadable assignment from the leader: %s",
                   co->s->group_id, kafkac_err_name(derr));
        for (int32_t i = 0; tpl && !derr && i < asg.assigned_count; i++)
            for (int32_t j = 0; tpl && j < asg.assigned[i].partition_count; j++)
                if (!kafkac_tpl_add(tpl, asg.assigned[i].topic, asg.assigned[i].partitions[j])) {
                    kafkac_tpl_destroy(tpl);
                    tpl = NULL;
                }
        kc_arena_destroy(&a);
        if (!tpl) {
            retry_join(co, co->s->retry_backoff_ms);
        } else {
            kafkac_tpl_sort(tpl);
            co->state = KC_CO_STABLE;
            co->hb_last_ok = now;
            kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: generation %d: %d partition(s) assigned to us",
                   co->s->group_id, co->generation, tpl->count);
            kc_co_post_assignment(co, tpl, co->generation);
        }
    } else {
        kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: SyncGroup: %s", co->s->group_id, kafkac_err_name(err));
        switch (err) {
        case KAFKAC_ERR_REBALANCE_IN_PROGRESS:
            retry_join(co, 0);
            break;
        case KAFKAC_ERR_UNKNOWN_MEMBER_ID:
        case KAFKAC_ERR_ILLEGAL_GENERATION:
            kc_co_reset_member(co, err == KAFKAC_ERR_UNKNOWN_MEMBER_ID);
            co->state = KC_CO_UNJOINED;
            kc_co_request_rejoin(co, 1, kafkac_err_name(err));
            break;
        case KAFKAC_ERR_FENCED_INSTANCE_ID:
            co->fatal = KAFKAC_ERR_FENCED_INSTANCE_ID;
            co->state = KC_CO_UNJOINED;
            kc_consumer_post_error(co->c, KAFKAC_ERR_FENCED_INSTANCE_ID,
                                   "another consumer with the same group.instance.id is in the group");
            break;
        default:
            if (kc_co_is_coord_error(err))
                kc_co_coordinator_dead(co, kafkac_err_name(err));
            retry_join(co, co->s->retry_backoff_ms);
            break;
        }
    }
    pthread_mutex_unlock(&co->lock);
    kc_net_wakeup(net);
    kc_resp_free(resp);
    sync_ctx_free(x);
}

/* Fills the common fields of x->msg and sends it (under co->lock). */
static void send_sync(kc_coordinator_t *co, sync_ctx_t *x)
{
    kc_sync_group_request_sync_group_request_assignment_t *asg = x->msg.assignments;
    int32_t n = x->msg.assignments_count;
    kc_msg_init(&kc_schema_sync_group_request, &x->msg);
    x->msg.assignments = asg;
    x->msg.assignments_count = asg ? n : 0;
    x->co = co;
    x->epoch = co->epoch;
    x->generation = co->generation;
    x->member_id = kc_strdup(co->member_id);
    x->protocol = kc_strdup(co->protocol ? co->protocol : "");
    if (!x->member_id || !x->protocol) {
        sync_ctx_free(x);
        retry_join(co, co->s->retry_backoff_ms);
        return;
    }
    x->msg.group_id = co->s->group_id;
    x->msg.generation_id = co->generation;
    x->msg.member_id = x->member_id;
    x->msg.group_instance_id = co->s->group_instance_id;
    x->msg.protocol_type = "consumer";
    x->msg.protocol_name = x->protocol;
    /* Followers wait in SyncGroup for the leader's assignment. */
    int64_t to = co->s->max_poll_interval_ms + 5000;
    kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_sync_group.key, .max_version = -1,
                    .msg = &x->msg, .cb = sync_cb, .opaque = x, .timeout_ms = to > INT_MAX ? INT_MAX : (int)to};
    if (co->coord_id < 0 || kc_net_send(co->net, &req) != 0) {
        sync_ctx_free(x);
        retry_join(co, co->s->retry_backoff_ms);
    }
}

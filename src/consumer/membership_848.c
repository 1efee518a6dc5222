/* group.protocol=consumer (KIP-848): membership through
 * ConsumerGroupHeartbeat instead of JoinGroup/SyncGroup/Heartbeat.
 *
 * The broker assigns.  Every heartbeat tells it who we are (member id,
 * epoch), what we subscribe to and which partitions we own; its answer
 * gives our epoch, the heartbeat interval and, when it changed, the target
 * assignment (topic ids).  We reconcile towards that target the way the
 * Java consumer's membership manager does: on the application's thread,
 * revoke what is no longer ours (commit first under enable.auto.commit,
 * the REVOKED callback, stop fetching), then take what is new (fetch from
 * the committed offsets, the ASSIGNED callback), then acknowledge by
 * sending the partitions we now own in the next heartbeat, at once.  The
 * broker gives a partition to its next owner only after the previous
 * owner stopped reporting it, so no partition is owned twice.
 *
 * What is shared with the classic path (coordinator.h): the coordinator
 * lookup, co->member_id (our own UUID here, kept for the consumer's life
 * as KIP-848 v1 wants), co->generation (the member epoch, which commits
 * carry as GenerationIdOrMemberEpoch), co->owned, the app-thread events
 * of coordinator_rebalance.c (lost partitions) and commit.c.
 *
 * Epochs: 0 joins; -1 leaves; -2 leaves as a static member that will be
 * back (group.instance.id).  UNKNOWN_MEMBER_ID and FENCED_MEMBER_EPOCH
 * mean the broker has given our partitions away: they are lost (the LOST
 * callback, no commit) and we join again with epoch 0.
 *
 * Threads: kc_m848_serve and the heartbeat callback run on the I/O
 * thread under co->lock; the reconcile event on the application's thread
 * without it (it takes it briefly). */
#include "consumer/membership_848.h"
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "common/errstr.h"
#include "common/mem.h"
#include "kc_messages.h"

struct kc_m848 {
    char uuid[24];                 /* our member id: 16 random bytes, base64url as Java's Uuid */
    int hb_inflight;
    int64_t hb_next;               /* when the next heartbeat is due */
    int send_now;                  /* subscription changed, or an acknowledgement is due */
    int32_t interval_ms;           /* the broker's heartbeat interval; 0 until it said */
    /* The latest target assignment from the broker (topic ids), owned. */
    kc_uuid_t *tgt_ids;
    int32_t **tgt_parts;
    int32_t *tgt_counts;
    int ntgt;
    int tgt_pending;               /* a target not reconciled yet */
    int reconciling;               /* its event is queued on the app thread */
    int reported;                  /* the fatal error has been posted */
};

/* ------------------------------------------------------------------ */
/* Member id                                                           */

static void make_uuid(char out[24])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[18] = {0};
    if (getrandom(r, 16, 0) != 16) {
        /* No entropy source: time and address still differ per process. */
        int64_t t = kc_now_ms();
        uintptr_t a = (uintptr_t)out;
        memcpy(r, &t, sizeof t);
        memcpy(r + 8, &a, sizeof a < 8 ? sizeof a : 8);
    }
    int o = 0;
    for (int i = 0; i < 18; i += 3) {
        uint32_t v = ((uint32_t)r[i] << 16) | ((uint32_t)r[i + 1] << 8) | r[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    out[22] = '\0';  /* 16 bytes are 22 characters unpadded */
}

kafkac_err_t kc_m848_new(kc_coordinator_t *co)
{
    kc_m848_t *m = kc_calloc(1, sizeof(*m));
    if (!m)
        return KAFKAC_ERR_NO_MEMORY;
    make_uuid(m->uuid);
    char *id = kc_strdup(m->uuid);
    if (!id) {
        kc_free(m);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_free(co->member_id);
    co->member_id = id;
    co->m848 = m;
    return 0;
}

static void free_target(kc_m848_t *m)
{
    for (int i = 0; i < m->ntgt; i++)
        kc_free(m->tgt_parts[i]);
    kc_free(m->tgt_parts);
    kc_free(m->tgt_ids);
    kc_free(m->tgt_counts);
    m->tgt_parts = NULL;
    m->tgt_ids = NULL;
    m->tgt_counts = NULL;
    m->ntgt = 0;
    m->tgt_pending = 0;
}

void kc_m848_destroy(kc_m848_t *m)
{
    if (!m)
        return;
    free_target(m);
    kc_free(m);
}

/* Our member id must survive resets (KIP-848 v1: the client's own, for
 * the consumer's whole life); kc_co_reset_member clears co->member_id. */
static int restore_member_id(kc_coordinator_t *co)
{
    if (co->member_id[0])
        return 0;
    char *id = kc_strdup(co->m848->uuid);
    if (!id)
        return -1;
    kc_free(co->member_id);
    co->member_id = id;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The heartbeat                                                       */

typedef struct hb848_ctx {
    kc_coordinator_t *co;
    uint32_t epoch;                /* co->epoch when sent */
    int leaving;
    kc_consumer_group_heartbeat_request_t msg;
    kc_arena_t arena;
    /* A subscription of patterns only: the broker evaluates them (v1+),
     * and the names sent are none; v0 gets the topics they match here. */
    const char *regex;
    const char **resolved;
    int nresolved;
} hb848_ctx_t;

static void hb848_free(hb848_ctx_t *x)
{
    if (x) {
        kc_arena_destroy(&x->arena);
        kc_free(x);
    }
}

static void hb848_free_v(void *x)
{
    hb848_free(x);
}

static char *arena_strdup(kc_arena_t *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = kc_arena_alloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* The partitions we own, by topic id (TopicPartitions).  Topics whose id
 * the metadata does not give are left out: the broker then thinks we do
 * not own them yet, which only delays their hand-over.  Returns -1 on OOM. */
static int fill_owned(kc_coordinator_t *co, hb848_ctx_t *x, const kc_cluster_t *cl)
{
    const kafkac_topic_partition_list_t *o = co->owned;
    int n = o ? o->count : 0;
    kc_consumer_group_heartbeat_request_topic_partitions_t *t =
        kc_arena_alloc(&x->arena, (size_t)(n ? n : 1) * sizeof(*t));
    int32_t *parts = kc_arena_alloc(&x->arena, (size_t)(n ? n : 1) * sizeof(int32_t));
    if (!t || !parts)
        return -1;
    int nt = 0, np = 0;
    for (int i = 0; i < n; i++) {
        const char *name = o->elems[i].topic;
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(o->elems[k].topic, name) == 0;
        if (seen)
            continue;
        const kc_topic_info_t *ti = kc_cluster_topic(cl, name);
        static const kc_uuid_t zero;
        if (!ti || !memcmp(&ti->id, &zero, sizeof zero))
            continue;
        kc_msg_init(&kc_schema_consumer_group_heartbeat_request_topic_partitions, &t[nt]);
        t[nt].topic_id = ti->id;
        t[nt].partitions = parts + np;
        t[nt].partitions_count = 0;
        for (int k = i; k < n; k++)
            if (strcmp(o->elems[k].topic, name) == 0) {
                parts[np++] = o->elems[k].partition;
                t[nt].partitions_count++;
            }
        nt++;
    }
    x->msg.topic_partitions = t;
    x->msg.topic_partitions_count = nt;
    return 0;
}

/* A subscription made only of patterns (entries starting with '^') as
 * one regular expression for the broker, which matches it against whole
 * topic names in RE2J syntax: "(?:p1)|(?:p2)".  A subscription that mixes
 * plain names and patterns is sent by name instead, the patterns resolved
 * here (Java cannot mix them at all).  NULL on OOM. */
static const char *regex_of(const kc_coordinator_t *co, kc_arena_t *a)
{
    size_t len = 1;
    for (int i = 0; i < co->nsub; i++)
        len += strlen(co->sub[i]) + 6;
    char *re = kc_arena_alloc(a, len);
    if (!re)
        return NULL;
    size_t w = 0;
    for (int i = 0; i < co->nsub; i++) {
        if (co->nsub == 1) {
            w += (size_t)snprintf(re + w, len - w, "%s", co->sub[i]);
            break;
        }
        w += (size_t)snprintf(re + w, len - w, "%s(?:%s)", i ? "|" : "", co->sub[i]);
    }
    return re;
}

/* The broker's version decides who evaluates the patterns. */
static int hb848_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    hb848_ctx_t *x = opaque;
    if (x->regex && version >= 1) {
        x->msg.subscribed_topic_regex = x->regex;
        x->msg.subscribed_topic_names_count = 0;
    } else {
        x->msg.subscribed_topic_regex = NULL;
        x->msg.subscribed_topic_names = x->resolved;
        x->msg.subscribed_topic_names_count = x->nresolved;
    }
    return 0;
}

/* Builds a heartbeat for the current state (under co->lock); epoch is the
 * member epoch to send.  Every field is sent in full each time: the broker
 * takes a non-null field as the current value, and this keeps a lost
 * heartbeat from leaving it with a stale view.  NULL on OOM. */
static hb848_ctx_t *hb848_new(kc_coordinator_t *co, int32_t epoch, const kc_cluster_t *cl)
{
    hb848_ctx_t *x = kc_calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    kc_arena_init(&x->arena, 512);
    x->co = co;
    x->epoch = co->epoch;
    x->leaving = epoch < 0;
    kc_consumer_group_heartbeat_request_t *r = &x->msg;
    kc_msg_init(&kc_schema_consumer_group_heartbeat_request, r);
    r->group_id = co->s->group_id;
    r->member_id = arena_strdup(&x->arena, co->member_id);
    r->member_epoch = epoch;
    r->instance_id = co->s->group_instance_id;
    if (!r->member_id)
        goto oom;
    if (!x->leaving) {
        r->rack_id = co->s->client_rack;
        int64_t rt = co->s->max_poll_interval_ms;
        r->rebalance_timeout_ms = rt > INT32_MAX ? INT32_MAX : (int32_t)rt;
        const char **names = kc_arena_alloc(&x->arena, (size_t)(co->ntopics ? co->ntopics : 1) * sizeof(char *));
        if (!names)
            goto oom;
        for (int i = 0; i < co->ntopics; i++)
            if (!(names[i] = arena_strdup(&x->arena, co->topics[i])))
                goto oom;
        r->subscribed_topic_names = names;
        r->subscribed_topic_names_count = co->ntopics;
        x->resolved = names;
        x->nresolved = co->ntopics;
        int all_re = co->nsub > 0;
        for (int i = 0; i < co->nsub; i++)
            all_re &= co->is_re[i] != 0;
        if (all_re && !(x->regex = regex_of(co, &x->arena)))
            goto oom;
        r->server_assignor = co->s->group_remote_assignor;
        if (fill_owned(co, x, cl) != 0)
            goto oom;
    }
    return x;
oom:
    hb848_free(x);
    return NULL;
}

static int is_unsupported(int err)
{
    return err == KAFKAC_ERR_UNSUPPORTED_VERSION || err == KAFKAC_ERR_UNSUPPORTED_FEATURE;
}

/* An error the Java consumer treats as fatal for the membership: no more
 * heartbeats, and poll reports it (once). */
static void fatal(kc_coordinator_t *co, int err, const char *what, const char *brokermsg)
{
    char why[512];
    if (is_unsupported(err))
        snprintf(why, sizeof why,
                 "group.protocol=consumer: broker %d does not support ConsumerGroupHeartbeat (KIP-848 needs Kafka 4.0 "
                 "or later with the consumer rebalance protocol enabled); use group.protocol=classic",
                 co->coord_id);
    else
        snprintf(why, sizeof why, "group %s: ConsumerGroupHeartbeat: %s%s%s", co->s->group_id, what,
                 brokermsg ? ": " : "", brokermsg ? brokermsg : "");
    co->fatal = is_unsupported(err) ? KAFKAC_ERR_UNSUPPORTED_VERSION : (kafkac_err_t)err;
    kc_log(co->log, KAFKAC_LOG_ERR, "cgrp", "%s", why);
    if (!co->m848->reported) {
        co->m848->reported = 1;
        kc_consumer_post_error(co->c, co->fatal, why);
    }
    pthread_cond_broadcast(&co->cond);
}

/* Our partitions were given away: drop them as lost on the app thread,
 * then join again with epoch 0 (kc_co_post_prepare leads to JOIN_READY). */
static void fenced(kc_coordinator_t *co, const char *why)
{
    kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: member %s fenced (%s): partitions lost, rejoining",
           co->s->group_id, co->member_id, why);
    free_target(co->m848);
    kc_co_reset_member(co, 0);
    co->state = KC_CO_UNJOINED;
    kc_co_post_prepare(co, 1);
}

static void store_target(kc_coordinator_t *co, const kc_consumer_group_heartbeat_response_assignment_t *a)
{
    kc_m848_t *m = co->m848;
    free_target(m);
    int n = a->topic_partitions_count > 0 ? a->topic_partitions_count : 0;
    m->tgt_ids = kc_calloc((size_t)(n ? n : 1), sizeof(kc_uuid_t));
    m->tgt_parts = kc_calloc((size_t)(n ? n : 1), sizeof(int32_t *));
    m->tgt_counts = kc_calloc((size_t)(n ? n : 1), sizeof(int32_t));
    if (!m->tgt_ids || !m->tgt_parts || !m->tgt_counts)
        goto oom;
    for (int i = 0; i < n; i++) {
        const kc_consumer_group_heartbeat_response_topic_partitions_t *t = &a->topic_partitions[i];
        int np = t->partitions_count > 0 ? t->partitions_count : 0;
        m->tgt_ids[i] = t->topic_id;
        if (!(m->tgt_parts[i] = kc_calloc((size_t)(np ? np : 1), sizeof(int32_t))))
            goto oom;
        if (np)
            memcpy(m->tgt_parts[i], t->partitions, (size_t)np * sizeof(int32_t));
        m->tgt_counts[i] = np;
        m->ntgt = i + 1;
    }
    m->ntgt = n;
    m->tgt_pending = 1;
    return;
oom:
    /* Out of memory: this target is dropped and we keep what we own
     * until the broker sends another (it does when the assignment next
     * changes); said in the log, since nothing else would show it. */
    free_target(m);
    kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: out of memory: the assignment the broker sent is dropped",
           co->s->group_id);
}

static void hb848_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    hb848_ctx_t *x = opaque;
    kc_coordinator_t *co = x->co;
    const kc_consumer_group_heartbeat_response_t *r = resp && !resp->err ? resp->msg : NULL;
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    if (r)
        err = r->error_code;
    int64_t now = kc_now_ms();
    pthread_mutex_lock(&co->lock);
    kc_m848_t *m = co->m848;
    if (x->leaving) {
        /* Nothing to learn from a leave's answer. */
    } else if (x->epoch != co->epoch || co->closed || co->closing) {
        m->hb_inflight = 0;
    } else if (err == 0) {
        m->hb_inflight = 0;
        co->hb_last_ok = now;
        if (r->member_id && r->member_id[0] && strcmp(r->member_id, co->member_id) != 0) {
            /* v0: the broker chose the id. */
            char *id = kc_strdup(r->member_id);
            if (id) {
                kc_free(co->member_id);
                co->member_id = id;
            }
        }
        if (r->member_epoch != co->generation)
            kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: member %s epoch %d", co->s->group_id,
                   co->member_id, r->member_epoch);
        co->generation = r->member_epoch;
        if (r->heartbeat_interval_ms > 0)
            m->interval_ms = r->heartbeat_interval_ms;
        if (co->state != KC_CO_STABLE && co->state != KC_CO_PREPARING) {
            co->state = KC_CO_STABLE;
            pthread_cond_broadcast(&co->cond);
        }
        if (!r->assignment_null)
            store_target(co, &r->assignment);
        m->hb_next = now + (m->interval_ms > 0 ? m->interval_ms : co->s->heartbeat_interval_ms);
    } else {
        m->hb_inflight = 0;
        m->hb_next = now + co->s->retry_backoff_ms;
        const char *bmsg = r ? r->error_message : (resp && resp->errstr[0] ? resp->errstr : NULL);
        kc_log(co->log, KAFKAC_LOG_DEBUG, "cgrp", "group %s: ConsumerGroupHeartbeat: %s%s%s", co->s->group_id,
               kafkac_err_name(err), bmsg ? ": " : "", bmsg ? bmsg : "");
        switch (err) {
        case KAFKAC_ERR_UNKNOWN_MEMBER_ID:
            fenced(co, "the coordinator does not know this member");
            break;
        case KAFKAC_ERR_FENCED_MEMBER_EPOCH:
            fenced(co, "our member epoch is no longer the group's");
            break;
        case KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS:
            break;  /* the same coordinator, later */
        case KAFKAC_ERR_UNRELEASED_INSTANCE_ID:
        case KAFKAC_ERR_FENCED_INSTANCE_ID:
        case KAFKAC_ERR_GROUP_MAX_SIZE_REACHED:
        case KAFKAC_ERR_INVALID_REQUEST:
        case KAFKAC_ERR_UNSUPPORTED_ASSIGNOR:
        case KAFKAC_ERR_GROUP_AUTHORIZATION_FAILED:
        case KAFKAC_ERR_TOPIC_AUTHORIZATION_FAILED:
        case KAFKAC_ERR_GROUP_ID_NOT_FOUND:
        case KAFKAC_ERR_INVALID_REGULAR_EXPRESSION:
        case KAFKAC_ERR_UNSUPPORTED_VERSION:
        case KAFKAC_ERR_UNSUPPORTED_FEATURE:
            fatal(co, err, kafkac_err_name(err), bmsg);
            break;
        default:
            if (kc_co_is_coord_error(err))
                kc_co_coordinator_dead(co, kafkac_err_name(err));
            else if (err != KAFKAC_ERR_NO_MEMORY && err != KAFKAC_ERR_DESTROYED)
                /* Java: any other error is fatal for the member too. */
                fatal(co, err, kafkac_err_name(err), bmsg);
            break;
        }
    }
    pthread_mutex_unlock(&co->lock);
    kc_resp_free(resp);
    hb848_free(x);
    kc_net_wakeup(net);
}

static void send_hb848(kc_coordinator_t *co, int32_t epoch, int64_t now)
{
    kc_m848_t *m = co->m848;
    kc_cluster_t *cl = kc_net_cluster(co->net);
    hb848_ctx_t *x = restore_member_id(co) == 0 ? hb848_new(co, epoch, cl) : NULL;
    kc_cluster_unref(cl);
    if (!x) {
        m->hb_next = now + co->s->retry_backoff_ms;
        return;
    }
    kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_consumer_group_heartbeat.key,
                    .max_version = -1, .msg = &x->msg, .build = hb848_build, .cb = hb848_cb, .opaque = x};
    if (kc_net_send(co->net, &req) != 0) {
        hb848_free(x);
        m->hb_next = now + co->s->retry_backoff_ms;
        return;
    }
    m->hb_inflight = 1;
    m->send_now = 0;
}

/* ------------------------------------------------------------------ */
/* Reconciliation                                                      */

typedef struct recon_ev {
    kc_coordinator_t *co;
    uint32_t epoch;
    kafkac_topic_partition_list_t *target;  /* owned */
} recon_ev_t;

static void recon_run(kafkac_consumer_t *c, void *arg, int run)
{
    recon_ev_t *ev = arg;
    kc_coordinator_t *co = ev->co;
    if (!run)
        goto done;
    pthread_mutex_lock(&co->lock);
    int stale = ev->epoch != co->epoch || co->closing || co->closed;
    kafkac_topic_partition_list_t *owned = stale ? NULL : kafkac_tpl_copy(co->owned);
    if (stale || !owned)
        co->m848->reconciling = 0;
    pthread_mutex_unlock(&co->lock);
    if (!owned)
        goto done;
    kafkac_topic_partition_list_t *revoked = kc_co_tpl_minus(owned, ev->target);
    kafkac_topic_partition_list_t *added = kc_co_tpl_minus(ev->target, owned);
    if (!revoked || !added) {
        pthread_mutex_lock(&co->lock);
        co->m848->reconciling = 0;
        co->m848->tgt_pending = 1;  /* try again */
        pthread_mutex_unlock(&co->lock);
    } else {
        if (revoked->count > 0) {
            char why[256];
            kc_co_commit_revoked(co, revoked, kc_now_ms() + kc_co_revoke_timeout(co), why, sizeof why);
            kc_co_rebalance_cb(co, KAFKAC_REBALANCE_REVOKED, revoked);
            kc_consumer_assign_remove(c, revoked);
        }
        if (added->count > 0) {
            kc_consumer_assign_add(c, added);
            kc_co_rebalance_cb(co, KAFKAC_REBALANCE_ASSIGNED, added);
        }
        /* Acknowledge, as Java does once the callbacks are done: the next
         * heartbeat, sent at once, reports what we own now. */
        pthread_mutex_lock(&co->lock);
        kafkac_tpl_destroy(co->owned);
        co->owned = kafkac_tpl_copy(ev->target);
        if (!co->owned)
            co->owned = kafkac_tpl_new(0);
        co->m848->reconciling = 0;
        co->m848->send_now = 1;
        pthread_mutex_unlock(&co->lock);
        kc_net_wakeup(co->net);
    }
    kafkac_tpl_destroy(revoked);
    kafkac_tpl_destroy(added);
    kafkac_tpl_destroy(owned);
done:
    kafkac_tpl_destroy(ev->target);
    kc_free(ev);
}

/* The target by topic names, or NULL while a topic id is not in the
 * metadata yet (or on OOM); *missing says which. */
static kafkac_topic_partition_list_t *resolve_target(kc_m848_t *m, const kc_cluster_t *cl, int *missing)
{
    *missing = 0;
    int total = 0;
    for (int i = 0; i < m->ntgt; i++)
        total += m->tgt_counts[i];
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(total);
    for (int i = 0; l && i < m->ntgt; i++) {
        const kc_topic_info_t *ti = NULL;
        for (int t = 0; t < cl->topic_count && !ti; t++)
            if (!memcmp(&cl->topics[t].id, &m->tgt_ids[i], sizeof(kc_uuid_t)))
                ti = &cl->topics[t];
        if (!ti) {
            *missing = 1;
            kafkac_tpl_destroy(l);
            return NULL;
        }
        for (int j = 0; j < m->tgt_counts[i]; j++)
            if (!kafkac_tpl_add(l, ti->name, m->tgt_parts[i][j])) {
                kafkac_tpl_destroy(l);
                return NULL;
            }
    }
    return l;
}

/* Under co->lock: posts the reconcile event for a pending target. */
static void maybe_reconcile(kc_coordinator_t *co)
{
    kc_m848_t *m = co->m848;
    if (!m->tgt_pending || m->reconciling || co->state != KC_CO_STABLE)
        return;
    kc_cluster_t *cl = kc_net_cluster(co->net);
    int missing = 0;
    kafkac_topic_partition_list_t *tpl = resolve_target(m, cl, &missing);
    int64_t md_version = cl->version;
    kc_cluster_unref(cl);
    if (!tpl) {
        if (missing && co->md_seen == md_version) {
            /* An assigned topic id the metadata has not shown us yet: ask
             * again (a topic created after our last refresh). */
            kc_net_refresh_metadata(co->net, "a topic id in the group's assignment is unknown");
            co->md_seen = md_version - 1;
        }
        return;
    }
    recon_ev_t *ev = kc_calloc(1, sizeof(*ev));
    if (!ev) {
        kafkac_tpl_destroy(tpl);
        return;
    }
    ev->co = co;
    ev->epoch = co->epoch;
    ev->target = tpl;
    if (kc_consumer_post(co->c, recon_run, ev) != 0) {
        kafkac_tpl_destroy(tpl);
        kc_free(ev);
        return;
    }
    m->tgt_pending = 0;
    m->reconciling = 1;
}

/* ------------------------------------------------------------------ */
/* The service and the hand-over points                                */

int64_t kc_m848_serve(kc_coordinator_t *co, int64_t now)
{
    kc_m848_t *m = co->m848;
    int64_t next = INT64_MAX;
    if (co->coord_id < 0 || !co->subscribed || co->closing || co->closed || co->fatal)
        return next;
    /* Processing that takes longer than max.poll.interval.ms gives the
     * partitions up, as the Java consumer does: leave (epoch -1, or -2
     * for a static member), lose the partitions, join again at the next
     * poll. */
    if (now - co->last_poll > co->s->max_poll_interval_ms) {
        if (co->state == KC_CO_STABLE) {
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp",
                   "group %s: no poll for %lld ms (max.poll.interval.ms %lld): leaving the group", co->s->group_id,
                   (long long)(now - co->last_poll), (long long)co->s->max_poll_interval_ms);
            kc_cluster_t *cl = kc_net_cluster(co->net);
            hb848_ctx_t *x = hb848_new(co, co->s->group_instance_id ? -2 : -1, cl);
            kc_cluster_unref(cl);
            kc_req_t req = {.node_id = kc_co_node(co->coord_id), .api_key = kc_api_consumer_group_heartbeat.key,
                            .max_version = -1, .msg = x ? &x->msg : NULL, .cb = hb848_cb, .opaque = x};
            if (x && kc_net_send(co->net, &req) != 0)
                hb848_free(x);
            fenced(co, "consumer poll timeout has expired");
        }
        return next;
    }
    if (co->state == KC_CO_PREPARING)
        return next;  /* lost partitions are being dropped on the app thread */
    if (co->state != KC_CO_STABLE && co->state != KC_CO_JOINING) {
        /* UNJOINED or JOIN_READY: join with epoch 0. */
        co->state = KC_CO_JOINING;
        co->generation = 0;
        m->hb_next = now;
    }
    if (co->state == KC_CO_STABLE && now - co->hb_last_ok > co->s->session_timeout_ms) {
        kc_co_coordinator_dead(co, "no heartbeat answer within session.timeout.ms");
        return next;
    }
    maybe_reconcile(co);
    if (!m->hb_inflight) {
        if (now >= m->hb_next || m->send_now)
            send_hb848(co, co->generation < 0 ? 0 : co->generation, now);
        else
            next = m->hb_next;
    }
    return next;
}

void kc_m848_heartbeat_now(kc_coordinator_t *co)
{
    co->m848->send_now = 1;
    kc_net_wakeup(co->net);
}

kafkac_err_t kc_m848_leave(kc_coordinator_t *co, const char *reason, int wait_ms)
{
    pthread_mutex_lock(&co->lock);
    int32_t node = co->coord_id;
    hb848_ctx_t *x = NULL;
    /* A member that sent its join (epoch 0) may be in the group already,
     * holding partitions until its session ends: leave then too.  After a
     * fence (epoch -1) the broker has removed it; after a fatal error it
     * never was a member (or is no longer one), as Java sees it too. */
    if (node >= 0 && co->generation >= 0 && !co->fatal) {
        kc_cluster_t *cl = kc_net_cluster(co->net);
        x = hb848_new(co, co->s->group_instance_id ? -2 : -1, cl);
        kc_cluster_unref(cl);
    }
    co->generation = -1;
    co->epoch++;  /* answers to heartbeats still in flight are stale now */
    co->m848->hb_inflight = 0;
    free_target(co->m848);
    pthread_mutex_unlock(&co->lock);
    if (!x)
        return 0;
    kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: member %s leaves (epoch %d): %s", co->s->group_id,
           x->msg.member_id, x->msg.member_epoch, reason);
    kc_req_t req = {.node_id = kc_co_node(node), .api_key = kc_api_consumer_group_heartbeat.key, .max_version = -1,
                    .msg = &x->msg, .opaque = x, .timeout_ms = wait_ms > 0 ? wait_ms : 0};
    if (wait_ms <= 0) {
        req.cb = hb848_cb;
        if (kc_net_send(co->net, &req) != 0)
            hb848_free(x);
        return 0;
    }
    int gave_up = 0;
    kc_resp_t *resp = kc_consumer_call(co->net, &req, kc_now_ms() + wait_ms, hb848_free_v, x, &gave_up);
    int err = resp ? resp->err : KAFKAC_ERR_NO_MEMORY;
    if (!err)
        err = ((const kc_consumer_group_heartbeat_response_t *)resp->msg)->error_code;
    kc_resp_free(resp);
    if (!gave_up)
        hb848_free(x);
    return (kafkac_err_t)err;
}

/* The fetcher (kafka-python's fetcher.py, in C): a service on the I/O
 * thread that keeps one Fetch request in flight per partition leader for
 * every assigned, unpaused partition with a known position and nothing
 * buffered, and turns the responses into chunks of records that poll
 * hands out without copying.
 *
 * Fetch sessions (KIP-227, Fetch v7+).  A full fetch (epoch 0) lists
 * every partition and asks the broker to open a session; afterwards an
 * incremental fetch (epoch 1, 2, ...) lists only partitions that are new
 * or whose fetch offset / leader epoch changed, and names in
 * ForgottenTopicsData those to drop.  The broker keeps each partition's
 * offset as last sent, and answers only partitions with something to say.
 * As in the Java client, a partition with buffered records is left out of
 * the next request (and so dropped from the session) until poll has taken
 * them; this is what bounds the prefetch.  A session error
 * (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) or a failed
 * request makes the next request full again.
 *
 * Prefetch: no new request starts while the bytes waiting for poll
 * exceed fetch.max.bytes (a response is itself bounded by it), so the
 * next batch is ready while the application works but memory stays
 * bounded.
 *
 * The chunks themselves (parsing a partition's records out of a response,
 * their memory and the decompression buffer pool) are fetch_chunk.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/errstr.h"
#include "common/log.h"
#include "common/mem.h"
#include "consumer/consumer_int.h"
#include "kc_messages.h"

/* Versions from fetch.def: v2/v3 for brokers 0.10.0 to 0.10.2 (v1 message
 * sets; no isolation level, which needs v4, and nothing transactional to
 * isolate on them); topics by name, as v13+ would need topic ids. */
#define FETCH_MIN_VERSION KC_FETCH_SINCE_MESSAGE_FORMAT_V1
#define FETCH_MAX_VERSION (KC_FETCH_SINCE_TOPIC_IDS - 1)

typedef struct sess_part {
    char *topic;          /* owned */
    int32_t partition;
    int64_t offset;       /* fetch offset the broker holds for it */
    int32_t epoch;        /* current leader epoch sent */
    uint32_t pos_gen;
} sess_part_t;

typedef struct broker_fs {
    int32_t node;
    int32_t session_id;   /* 0: none */
    int32_t epoch;        /* next epoch to send; 0: full fetch */
    sess_part_t *parts;   /* the session as of the last request sent, sorted */
    int n, cap;
    int in_flight;
    int64_t sent_ms;      /* when the Fetch in flight was sent */
    int64_t fail_since;   /* first failed Fetch since the last answer; 0: answering */
    char last_err[256];   /* why the last Fetch failed */
} broker_fs_t;

struct kc_fetcher {
    kafkac_consumer_t *c;
    broker_fs_t *b;
    int nb, capb;
    kc_records_iter_t *it;       /* I/O thread only */
    kc_aborted_txns_t *ab;       /* I/O thread only */
    kc_bufpool_t *pool;          /* shared with the chunks */
};

/* One Fetch in flight: the request body (borrowed by the network client
 * until the callback) and which broker it went to. */
typedef struct fetch_call {
    kc_fetcher_t *f;
    int32_t node;
    int full;
    int64_t sent_ms;
    kc_arena_t arena;
    kc_fetch_request_t req;
} fetch_call_t;

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

static broker_fs_t *broker_get(kc_fetcher_t *f, int32_t node)
{
    for (int i = 0; i < f->nb; i++)
        if (f->b[i].node == node)
            return &f->b[i];
    if (kc_array_room(&f->b, &f->capb, f->nb, sizeof(*f->b), 8) != 0)
        return NULL;
    broker_fs_t *b = &f->b[f->nb++];
    memset(b, 0, sizeof(*b));
    b->node = node;
    return b;
}

static void sess_clear(broker_fs_t *b)
{
    for (int i = 0; i < b->n; i++)
        kc_free(b->parts[i].topic);
    b->n = 0;
}

/* After an error: the next request is full; keeping the id asks the
 * broker to close the old session when it opens the new one. */
static void sess_reset(broker_fs_t *b, int forget_id)
{
    b->epoch = 0;
    if (forget_id)
        b->session_id = 0;
}

static int cmp_sess(const void *a, const void *b)
{
    const sess_part_t *x = a, *y = b;
    int r = strcmp(x->topic, y->topic);
    return r ? r : (x->partition < y->partition ? -1 : x->partition > y->partition);
}

static sess_part_t *sess_find(broker_fs_t *b, const char *topic, int32_t partition)
{
    sess_part_t key = { .topic = (char *)topic, .partition = partition };
    return b->n ? bsearch(&key, b->parts, (size_t)b->n, sizeof(*b->parts), cmp_sess) : NULL;
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

static void queue_chunk(kafkac_consumer_t *c, kc_chunk_t *ch, kc_part_t *p)
{
    ch->next = NULL;
    if (c->ready_tail)
        c->ready_tail->next = ch;
    else
        c->ready_head = ch;
    c->ready_tail = ch;
    c->ready_bytes += ch->bytes;
    if (p)
        p->buffered++;
}

void kc_consumer_queue_event(kafkac_consumer_t *c, kc_part_t *p, kafkac_err_t err, const char *fmt, ...)
{
    char msg[512];
    int k = snprintf(msg, sizeof msg, "%s [%d]: ", p->topic, (int)p->partition);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    kc_chunk_t *ch = kc_chunk_event(p->topic, p->partition, p->pos_gen, err, msg);
    if (ch)
        queue_chunk(c, ch, NULL);
    kc_log(&c->settings.log, KAFKAC_LOG_WARNING, "fetch", "%s", msg);
}

int kc_part_missing(kafkac_consumer_t *c, kc_part_t *p, const kc_cluster_t *cl)
{
    const kc_topic_info_t *ti = kc_cluster_topic(cl, p->topic);
    /* Metadata from before the assignment may predate partitions added
     * since (a group leader may have assigned from fresher metadata): only
     * a snapshot taken after it is believed.  The caller asks for one. */
    if (ti && !ti->err)
        p->md_err_reported = 0;
    int64_t grace = ti && ti->err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION && c->settings.allow_auto_create_topics
                        ? KC_AUTO_CREATE_GRACE_MS
                        : 0;
    if (ti && ti->err && cl->updated_ms > p->added_ms + grace && ti->err != KAFKAC_ERR_LEADER_NOT_AVAILABLE &&
        ti->err != p->md_err_reported) {
        /* The topic's own error (unknown, not authorized, invalid name):
         * poll hears it once; the partition keeps waiting for the topic. */
        p->md_err_reported = ti->err;
        kc_consumer_queue_event(c, p, (kafkac_err_t)ti->err, "topic metadata: %s%s", kafkac_err_str(ti->err),
                                ti->err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION ? " (waiting for it to be created)"
                                                                                : "");
    }
    if (!ti || ti->err || p->partition < ti->partition_count || cl->updated_ms <= p->added_ms)
        return 0;
    p->state = KC_PS_ERROR;
    p->err = KAFKAC_ERR_UNKNOWN_PARTITION;
    kc_consumer_queue_event(c, p, KAFKAC_ERR_UNKNOWN_PARTITION, "the topic has %d partitions",
                            (int)ti->partition_count);
    return 1;
}

void kc_part_check_stuck(kafkac_consumer_t *c, kc_part_t *p, int64_t since, int64_t now, const char *what)
{
    int64_t limit = c->settings.default_api_timeout_ms;
    if (!since || now - since < limit)
        return;
    if (p->stuck_reported_ms && now - p->stuck_reported_ms < limit)
        return;
    p->stuck_reported_ms = now;
    kc_consumer_queue_event(c, p, KAFKAC_ERR_LEADER_NOT_AVAILABLE, "%s (default.api.timeout.ms %lld)", what,
                            (long long)limit);
}

void kc_part_backoff(kafkac_consumer_t *c, kc_part_t *p, int64_t now)
{
    int64_t d = c->settings.retry_backoff_ms;
    if (d < 50)
        d = 50;
    p->retry_at_ms = now + d;
}

/* An error for one partition of a Fetch response. */
static void part_error(kc_fetcher_t *f, kc_part_t *p, int16_t code, int64_t now)
{
    kafkac_consumer_t *c = f->c;
    switch (code) {
    case KAFKAC_ERR_OFFSET_OUT_OF_RANGE:
        if (c->settings.auto_offset_reset == KC_RESET_NONE) {
            p->state = KC_PS_ERROR;
            p->err = KAFKAC_ERR_OFFSET_OUT_OF_RANGE;
            kc_consumer_queue_event(c, p, KAFKAC_ERR_OFFSET_OUT_OF_RANGE,
                        "offset %lld is out of range and auto.offset.reset is none", (long long)p->fetch_pos);
        } else {
            kc_log(&c->settings.log, KAFKAC_LOG_INFO, "fetch", "%s [%d]: offset %lld out of range, resetting",
                   p->topic, (int)p->partition, (long long)p->fetch_pos);
            p->state = KC_PS_AWAIT_RESET;
            p->reset_to = KC_RESET_FROM_POLICY;
            p->pos_gen++;
        }
        break;
    case KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER:
    case KAFKAC_ERR_LEADER_NOT_AVAILABLE:
    case KAFKAC_ERR_FENCED_LEADER_EPOCH:
    case KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION:
    case KAFKAC_ERR_UNKNOWN_TOPIC_ID:
    case KAFKAC_ERR_REPLICA_NOT_AVAILABLE:
    case KAFKAC_ERR_KAFKA_STORAGE_ERROR:
    case KAFKAC_ERR_BROKER_NOT_AVAILABLE:
        /* The leader moved or our metadata is stale: ask again, retry. */
        kc_net_refresh_metadata(c->net, "fetch: leader changed");
        kc_part_backoff(c, p, now);
        break;
    case KAFKAC_ERR_UNKNOWN_LEADER_EPOCH:
    case KAFKAC_ERR_OFFSET_NOT_AVAILABLE:
    case KAFKAC_ERR_UNKNOWN_SERVER_ERROR:
        /* The broker is behind us; it catches up on its own. */
        kc_part_backoff(c, p, now);
        break;
    default:
        /* Not expected to heal soon (authorization, corrupt data on the
         * broker...): report it, and retry at the slowest backoff so that
         * poll is not flooded with the same error. */
        kc_consumer_queue_event(c, p, (kafkac_err_t)code, "fetch failed: %s", kafkac_err_str(code));
        p->retry_at_ms = now + (c->settings.retry_backoff_max_ms > 0 ? c->settings.retry_backoff_max_ms : 1000);
        break;
    }
}

/* The end of a partition as the last fetch response reported it. */
static int64_t end_of(const kafkac_consumer_t *c, const kc_part_t *p)
{
    return c->settings.isolation_level == KC_ISOLATION_READ_COMMITTED && p->lso >= 0 ? p->lso : p->hwm;
}

/* enable.partition.eof: once everything fetched was handed to poll and the
 * position is at the end the last response reported.  (An incremental
 * fetch session answers a partition only when something changed, so this
 * is also checked when the fetcher looks at the partition again.) */
static void check_eof(kafkac_consumer_t *c, kc_part_t *p)
{
    if (!c->settings.enable_partition_eof || p->eof_reported || p->buffered || p->state != KC_PS_FETCHING)
        return;
    int64_t end = end_of(c, p);
    if (end >= 0 && p->fetch_pos >= end) {
        p->eof_reported = 1;
        kc_consumer_queue_event(c, p, KAFKAC_ERR_PARTITION_EOF, "reached the end at offset %lld",
                                (long long)p->fetch_pos);
    }
}

/* One partition's records of a response, cut into a chunk outside
 * c->lock: decompressing and checking the CRCs of a large response takes
 * long, and poll, seek and commit must not wait behind it. */
typedef struct parse_job {
    kc_chunk_t *ch;
    const kc_fetch_response_partition_data_t *pd;
    const char *topic;        /* into the response */
    uint32_t pos_gen;         /* the position it was fetched for ... */
    int64_t fetch_pos;        /* ... must still be the partition's when it is handed over */
    int64_t budget;           /* decompressed bytes it may take (prefetch room), set before parsing */
    int64_t next;
    kafkac_err_t err;
    char why[256];
} parse_job_t;

/* Under c->lock: what one partition of a response says.  Errors and
 * watermarks are applied at once; records become a job (returns 1) that
 * is parsed without the lock and handed over by finish_partition. */
static int start_partition(kc_fetcher_t *f, broker_fs_t *b, kc_fetch_ref_t *ref, const char *topic,
                           const kc_fetch_response_partition_data_t *pd, int64_t now, int64_t *room,
                           parse_job_t *job)
{
    kafkac_consumer_t *c = f->c;
    kc_part_t *p = kc_parts_find(&c->parts, topic, pd->partition_index);
    sess_part_t *sp = sess_find(b, topic, pd->partition_index);
    /* Only data for the position we asked for is used: anything else was
     * overtaken by a seek, a reset, an unassign or another response. */
    if (!p || !sp || p->state != KC_PS_FETCHING || p->pos_gen != sp->pos_gen || p->fetch_pos != sp->offset ||
        p->buffered)
        return 0;
    if (pd->error_code) {
        part_error(f, p, pd->error_code, now);
        return 0;
    }
    p->hwm = pd->high_watermark;
    if (pd->last_stable_offset >= 0)
        p->lso = pd->last_stable_offset;
    if (pd->log_start_offset >= 0)
        p->log_start = pd->log_start_offset;
    p->stuck_reported_ms = 0;
    if (pd->records.len <= 0) {
        check_eof(c, p);
        return 0;
    }
    kc_chunk_t *ch = kc_calloc(1, sizeof(*ch));
    if (!ch) {
        kc_part_backoff(c, p, now);
        return 0;
    }
    atomic_init(&ch->refs, 1);
    atomic_fetch_add(&ref->refs, 1);
    ch->ref = ref;
    ch->pool = kc_bufpool_ref(f->pool);
    ch->topic = topic;
    ch->partition = p->partition;
    ch->pos_gen = p->pos_gen;
    ch->bytes = pd->records.len;
    memset(job, 0, sizeof(*job));
    job->ch = ch;
    job->pd = pd;
    job->topic = topic;
    job->pos_gen = p->pos_gen;
    job->fetch_pos = p->fetch_pos;
    /* The response's compressed bytes count against the prefetch bound
     * (they are in ch->bytes); what decompression adds is counted as the
     * jobs are parsed (fetch_done). */
    *room -= ch->bytes;
    return 1;
}

/* Without c->lock, on the I/O thread (f->it and f->ab are its own). */
static void parse_partition(kc_fetcher_t *f, parse_job_t *job)
{
    kafkac_consumer_t *c = f->c;
    const kc_fetch_response_partition_data_t *pd = job->pd;
    int rc = c->settings.isolation_level == KC_ISOLATION_READ_COMMITTED;
    kc_aborted_txn_t *abl = NULL;
    size_t abn = 0;
    if (rc && pd->aborted_transactions_count > 0) {
        abl = kc_calloc((size_t)pd->aborted_transactions_count, sizeof(*abl));
        if (!abl) {
            job->err = KAFKAC_ERR_NO_MEMORY;
            return;
        }
        for (int i = 0; i < pd->aborted_transactions_count; i++) {
            abl[i].producer_id = pd->aborted_transactions[i].producer_id;
            abl[i].first_offset = pd->aborted_transactions[i].first_offset;
        }
        abn = (size_t)pd->aborted_transactions_count;
    }
    job->next = job->fetch_pos;
    job->err = kc_chunk_parse_upto(job->ch, f->it, rc ? f->ab : NULL, abl, abn, pd->records.data,
                                   (size_t)pd->records.len, job->fetch_pos, job->budget, &job->next, job->why,
                                   sizeof job->why);
    kc_free(abl);
}

/* Under c->lock again: hands the parsed records over, unless the
 * partition moved meanwhile (a seek during parsing wins: its chunk is
 * dropped). */
static void finish_partition(kc_fetcher_t *f, parse_job_t *job, int64_t now)
{
    kafkac_consumer_t *c = f->c;
    kc_chunk_t *ch = job->ch;
    kc_part_t *p = kc_parts_find(&c->parts, job->topic, ch->partition);
    if (!p || p->state != KC_PS_FETCHING || p->pos_gen != job->pos_gen || p->fetch_pos != job->fetch_pos ||
        p->buffered) {
        kc_chunk_unref(ch);
        return;
    }
    if (job->err == KAFKAC_ERR_NO_MEMORY) {
        kc_chunk_unref(ch);
        kc_part_backoff(c, p, now);
        return;
    }
    if (ch->n > 0) {
        p->eof_reported = 0;
        p->fetch_pos = ch->recs[ch->n - 1].offset + 1;
        p->fetch_epoch = ch->recs[ch->n - 1].leader_epoch;
        ch->next_offset = p->fetch_pos;
        queue_chunk(c, ch, p);
    } else {
        kc_chunk_unref(ch);
    }
    if (job->err) {
        /* Corrupt data: stop here; the application may seek past it. */
        p->state = KC_PS_ERROR;
        p->err = job->err;
        kc_consumer_queue_event(c, p, job->err, "%s", job->why);
        return;
    }
    /* Skipped control/aborted batches at the end move the position on. */
    if (job->next > p->fetch_pos)
        p->fetch_pos = job->next;
    check_eof(c, p);
}

static void fetch_done(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    fetch_call_t *call = opaque;
    kc_fetcher_t *f = call->f;
    kafkac_consumer_t *c = f->c;
    int64_t now = kc_now_ms();
    kc_fetch_ref_t *ref = NULL;

    pthread_mutex_lock(&c->lock);
    broker_fs_t *b = broker_get(f, call->node);
    if (b)
        b->in_flight = 0;
    if (!b || !resp || resp->err || !resp->msg) {
        if (b) {
            sess_reset(b, 0);
            if (!b->fail_since)
                b->fail_since = call->sent_ms;
            snprintf(b->last_err, sizeof b->last_err, "%s", resp ? resp->errstr : "out of memory");
        }
        if (resp && resp->err != KAFKAC_ERR_DESTROYED) {
            kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "fetch from broker %d failed: %s", (int)call->node,
                   resp->errstr);
            kc_net_refresh_metadata(net, "fetch failed");
        }
        /* Retry the partitions of that broker after a backoff. */
        for (int i = 0; b && i < b->n; i++) {
            kc_part_t *p = kc_parts_find(&c->parts, b->parts[i].topic, b->parts[i].partition);
            if (p)
                kc_part_backoff(c, p, now);
        }
        goto out;
    }
    const kc_fetch_response_t *m = resp->msg;
    b->fail_since = 0;
    if (m->error_code) {
        kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "broker %d: fetch session %d epoch %d: %s",
               (int)call->node, (int)b->session_id, (int)b->epoch, kafkac_err_name(m->error_code));
        sess_reset(b, m->error_code == KAFKAC_ERR_FETCH_SESSION_ID_NOT_FOUND ||
                          m->error_code == KAFKAC_ERR_INVALID_FETCH_SESSION_EPOCH);
        goto out;
    }
    if (call->full) {
        b->session_id = m->session_id;
        b->epoch = m->session_id ? 1 : 0;
        if (m->session_id)
            kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "broker %d: fetch session %d opened with %d partitions",
                   (int)call->node, (int)m->session_id, b->n);
    } else {
        if (b->epoch == 1)
            kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "broker %d: fetch session %d: incremental fetches answered",
                   (int)call->node, (int)b->session_id);
        b->epoch = b->epoch == INT32_MAX ? 1 : b->epoch + 1;
    }
    if (c->settings.log.level >= KAFKAC_LOG_DEBUG) {
        int np = 0;
        int64_t bytes = 0;
        for (int t = 0; t < m->responses_count; t++)
            for (int i = 0; i < m->responses[t].partitions_count; i++, np++)
                bytes += m->responses[t].partitions[i].records.len > 0 ? m->responses[t].partitions[i].records.len : 0;
        kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "broker %d: answered in %lld ms: %d partitions, %lld bytes",
               (int)call->node, (long long)(now - call->sent_ms), np, (long long)bytes);
    }
    ref = kc_calloc(1, sizeof(*ref));
    if (!ref) {
        sess_reset(b, 0);
        goto out;
    }
    atomic_init(&ref->refs, 1);
    ref->resp = resp;
    resp = NULL;
    int np = 0;
    for (int t = 0; t < m->responses_count; t++)
        np += m->responses[t].partitions_count;
    parse_job_t *jobs = np ? kc_calloc((size_t)np, sizeof(*jobs)) : NULL;
    if (np && !jobs) {
        sess_reset(b, 0);
        goto out;
    }
    int nj = 0;
    int64_t room = c->settings.fetch_max_bytes - c->ready_bytes;
    for (int t = 0; t < m->responses_count; t++) {
        const kc_fetch_response_fetchable_topic_response_t *tr = &m->responses[t];
        if (!tr->topic)
            continue;
        for (int i = 0; i < tr->partitions_count; i++)
            nj += start_partition(f, b, ref, tr->topic, &tr->partitions[i], now, &room, &jobs[nj]);
    }
    if (nj) {
        /* The expensive part (decompression, CRCs, cutting records) runs
         * with the lock released; the partitions' busy-ness is carried
         * by their session state and position checks. */
        pthread_mutex_unlock(&c->lock);
        for (int j = 0; j < nj; j++) {
            /* What poll may still be given before the prefetch bound. */
            jobs[j].budget = room > 0 ? room : 0;
            parse_partition(f, &jobs[j]);
            room -= jobs[j].ch->bytes - jobs[j].pd->records.len;
        }
        pthread_mutex_lock(&c->lock);
        now = kc_now_ms();
        for (int j = 0; j < nj; j++)
            finish_partition(f, &jobs[j], now);
    }
    kc_free(jobs);
out:
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kc_fetch_ref_unref(ref);   /* the chunks hold their own references */
    kc_resp_free(resp);
    kc_arena_destroy(&call->arena);
    kc_free(call);
    kc_net_wakeup(net);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static int fetch_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    (void)net;
    (void)opaque;
    kc_fetch_request_t *r = msg;
    if (version < 7) {
        /* No sessions before v7: a plain full fetch. */
        r->session_id = 0;
        r->session_epoch = -1;
        r->forgotten_topics_data = NULL;
        r->forgotten_topics_data_count = 0;
    }
    return 0;
}

typedef struct want {
    kc_part_t *p;
    int32_t leader;
    int32_t epoch;
} want_t;

static int cmp_want(const void *a, const void *b)
{
    const want_t *x = a, *y = b;
    if (x->leader != y->leader)
        return x->leader < y->leader ? -1 : 1;
    int r = strcmp(x->p->topic, y->p->topic);
    return r ? r : (x->p->partition < y->p->partition ? -1 : x->p->partition > y->p->partition);
}

/* Builds and sends one Fetch to broker b for w[0..n) (sorted by topic). */
static void send_fetch(kc_fetcher_t *f, broker_fs_t *b, want_t *w, int n)
{
    kafkac_consumer_t *c = f->c;
    const kc_settings_t *s = &c->settings;
    fetch_call_t *call = kc_calloc(1, sizeof(*call));
    if (!call)
        return;
    call->f = f;
    call->node = b->node;
    call->full = b->epoch == 0;
    kc_arena_init(&call->arena, 4096);
    kc_fetch_request_t *r = &call->req;
    kc_msg_init(&kc_schema_fetch_request, r);
    r->max_wait_ms = (int32_t)s->fetch_max_wait_ms;
    r->min_bytes = (int32_t)s->fetch_min_bytes;
    r->max_bytes = (int32_t)s->fetch_max_bytes;
    r->isolation_level = (int8_t)s->isolation_level;
    r->session_id = b->session_id;
    r->session_epoch = b->epoch;
    r->rack_id = s->client_rack ? s->client_rack : "";

    /* Which partitions go in the request: all (full) or the changed ones. */
    int *send = kc_arena_alloc(&call->arena, (size_t)(n ? n : 1) * sizeof(int));
    kc_fetch_request_fetch_topic_t *topics =
        kc_arena_alloc(&call->arena, (size_t)(n ? n : 1) * sizeof(*topics));
    kc_fetch_request_fetch_partition_t *fps = kc_arena_alloc(&call->arena, (size_t)(n ? n : 1) * sizeof(*fps));
    /* Forgotten: session partitions not wanted now (at most b->n). */
    kc_fetch_request_forgotten_topic_t *forg =
        kc_arena_alloc(&call->arena, (size_t)(b->n ? b->n : 1) * sizeof(*forg));
    int32_t *forg_parts = kc_arena_alloc(&call->arena, (size_t)(b->n ? b->n : 1) * sizeof(int32_t));
    sess_part_t *next = kc_calloc((size_t)(n ? n : 1), sizeof(*next));
    if (!send || !topics || !fps || !forg || !forg_parts || !next) {
        kc_free(next);
        kc_arena_destroy(&call->arena);
        kc_free(call);
        return;
    }
    int ns = 0;
    for (int i = 0; i < n; i++) {
        kc_part_t *p = w[i].p;
        next[i].topic = kc_strdup(p->topic);
        if (!next[i].topic) {
            for (int j = 0; j < i; j++)
                kc_free(next[j].topic);
            kc_free(next);
            kc_arena_destroy(&call->arena);
            kc_free(call);
            return;
        }
        next[i].partition = p->partition;
        next[i].offset = p->fetch_pos;
        next[i].epoch = w[i].epoch;
        next[i].pos_gen = p->pos_gen;
        sess_part_t *old = call->full ? NULL : sess_find(b, p->topic, p->partition);
        if (!old || old->offset != p->fetch_pos || old->epoch != w[i].epoch)
            send[ns++] = i;
    }
    int nt = 0;
    for (int k = 0; k < ns; k++) {
        kc_part_t *p = w[send[k]].p;
        if (nt == 0 || strcmp(topics[nt - 1].topic, p->topic)) {
            kc_msg_init(&kc_schema_fetch_request_fetch_topic, &topics[nt]);
            topics[nt].topic = next[send[k]].topic;   /* lives until the session forgets it */
            topics[nt].partitions = &fps[k];
            topics[nt].partitions_count = 0;
            nt++;
        }
        kc_fetch_request_fetch_partition_t *fp = &fps[k];
        kc_msg_init(&kc_schema_fetch_request_fetch_partition, fp);
        fp->partition = p->partition;
        fp->current_leader_epoch = w[send[k]].epoch;
        fp->fetch_offset = p->fetch_pos;
        fp->log_start_offset = -1;
        fp->partition_max_bytes = (int32_t)s->max_partition_fetch_bytes;
        topics[nt - 1].partitions_count++;
    }
    r->topics = topics;
    r->topics_count = nt;
    int nf = 0, nfp = 0;
    if (!call->full) {
        for (int i = 0; i < b->n; i++) {
            sess_part_t *sp = &b->parts[i];
            int wanted = 0;
            for (int j = 0; j < n && !wanted; j++)
                wanted = next[j].partition == sp->partition && !strcmp(next[j].topic, sp->topic);
            if (wanted)
                continue;
            if (nf == 0 || strcmp(forg[nf - 1].topic, sp->topic)) {
                kc_msg_init(&kc_schema_fetch_request_forgotten_topic, &forg[nf]);
                forg[nf].topic = kc_arena_strndup(&call->arena, sp->topic, strlen(sp->topic));
                forg[nf].partitions = &forg_parts[nfp];
                forg[nf].partitions_count = 0;
                if (!forg[nf].topic)
                    continue;
                nf++;
            }
            forg_parts[nfp++] = sp->partition;
            forg[nf - 1].partitions_count++;
        }
    }
    r->forgotten_topics_data = forg;
    r->forgotten_topics_data_count = nf;

    /* Topic names in the request must outlive the old session list. */
    for (int t = 0; t < nt; t++) {
        char *copy = kc_arena_strndup(&call->arena, topics[t].topic, strlen(topics[t].topic));
        if (copy)
            topics[t].topic = copy;
    }
    sess_clear(b);
    kc_free(b->parts);
    b->parts = next;
    b->n = b->cap = n;
    kc_req_t req = {
        .node_id = b->node,
        .api_key = KC_API_FETCH,
        .min_version = FETCH_MIN_VERSION,
        .max_version = FETCH_MAX_VERSION,
        .timeout_ms = (int)(s->request_timeout_ms + s->fetch_max_wait_ms),
        .msg = r,
        .build = fetch_build,
        .cb = fetch_done,
        .opaque = call,
    };
    b->in_flight = 1;
    call->sent_ms = kc_now_ms();
    b->sent_ms = call->sent_ms;
    kc_log(&c->settings.log, KAFKAC_LOG_DEBUG, "fetch", "broker %d: %s fetch (session %d, epoch %d): %d of %d partitions sent, %d forgotten",
           (int)b->node, call->full ? "full" : "incremental", (int)b->session_id, (int)b->epoch, ns, n, nfp);
    if (kc_net_send(c->net, &req) != 0) {
        b->in_flight = 0;
        sess_reset(b, 0);
        kc_arena_destroy(&call->arena);
        kc_free(call);
    }
}

static int64_t fetcher_serve(kc_net_t *net, int64_t now, void *opaque)
{
    kc_fetcher_t *f = opaque;
    kafkac_consumer_t *c = f->c;
    int64_t next_run = INT64_MAX;
    kc_cluster_t *cl = kc_net_cluster(net);
    pthread_mutex_lock(&c->lock);
    if (c->closed || c->parts.n == 0)
        goto out;
    next_run = kc_offsets_serve(c, now, cl);
    if (c->ready_bytes >= c->settings.fetch_max_bytes)
        goto out;   /* poll frees room, then wakes us */
    want_t *w = kc_calloc((size_t)c->parts.n, sizeof(*w));
    if (!w)
        goto out;
    int n = 0, need_md = 0, app_has_data = 0;
    for (int i = 0; i < c->parts.n; i++) {
        kc_part_t *p = c->parts.v[i];
        if (p->buffered && !p->paused)
            app_has_data = 1;
        if (p->state != KC_PS_FETCHING || p->paused || p->buffered)
            continue;
        check_eof(c, p);
        if (p->retry_at_ms > now) {
            if (p->retry_at_ms < next_run)
                next_run = p->retry_at_ms;
            continue;
        }
        const kc_partition_info_t *pi = kc_cluster_partition(cl, p->topic, p->partition);
        if (!pi && kc_part_missing(c, p, cl))
            continue;
        if (!pi || pi->leader < 0 || !kc_cluster_broker(cl, pi->leader)) {
            need_md = 1;
            if (!p->no_leader_since)
                p->no_leader_since = now;
            char what[64];
            snprintf(what, sizeof what, "no leader known for %lld ms", (long long)(now - p->no_leader_since));
            kc_part_check_stuck(c, p, p->no_leader_since, now, what);
            kc_part_backoff(c, p, now);
            if (p->retry_at_ms < next_run)
                next_run = p->retry_at_ms;
            continue;
        }
        p->no_leader_since = 0;
        /* The leader is known but does not answer: failed fetches, or one
         * in flight far longer than a fetch waits. */
        broker_fs_t *lb = broker_get(f, pi->leader);
        if (lb && lb->fail_since) {
            char what[320];
            snprintf(what, sizeof what, "no answer from leader %d for %lld ms (%.250s)", (int)pi->leader,
                     (long long)(now - lb->fail_since), lb->last_err);
            kc_part_check_stuck(c, p, lb->fail_since, now, what);
        } else if (lb && lb->in_flight && now - lb->sent_ms > c->settings.fetch_max_wait_ms) {
            char what[96];
            snprintf(what, sizeof what, "no answer from leader %d to a Fetch sent %lld ms ago", (int)pi->leader,
                     (long long)(now - lb->sent_ms));
            kc_part_check_stuck(c, p, lb->sent_ms + c->settings.fetch_max_wait_ms, now, what);
        }
        w[n].p = p;
        w[n].leader = pi->leader;
        w[n].epoch = pi->leader_epoch;
        n++;
    }
    if (need_md)
        kc_net_refresh_metadata(net, "fetch: partition without a known leader");
    qsort(w, (size_t)n, sizeof(*w), cmp_want);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && w[j].leader == w[i].leader)
            j++;
        /* Only one Fetch per broker can be in flight (the session's
         * epochs are sequential).  If every partition it would carry is
         * known to be at its end, the broker would hold it for
         * fetch.max.wait.ms, and the partitions poll is draining now could
         * not be fetched meanwhile: wait until they can go along. */
        int all_at_end = 1;
        for (int k = i; k < j && all_at_end; k++)
            all_at_end = w[k].p->hwm >= 0 && w[k].p->fetch_pos >= end_of(c, w[k].p);
        broker_fs_t *b = broker_get(f, w[i].leader);
        if (b && !b->in_flight && !(all_at_end && app_has_data))
            send_fetch(f, b, &w[i], j - i);
        i = j;
    }
    kc_free(w);
out:
    pthread_mutex_unlock(&c->lock);
    kc_cluster_unref(cl);
    return next_run;
}

kafkac_err_t kc_fetcher_new(kafkac_consumer_t *c, kc_fetcher_t **out)
{
    *out = NULL;
    kc_fetcher_t *f = kc_calloc(1, sizeof(*f));
    if (!f)
        return KAFKAC_ERR_NO_MEMORY;
    f->c = c;
    kc_records_opts_t o;
    kc_records_opts_init(&o);
    o.check_crc = c->settings.check_crcs;
    kafkac_err_t err = kc_records_iter_new(&f->it, &o);
    if (!err)
        err = kc_aborted_txns_new(&f->ab);
    if (!err && !(f->pool = kc_bufpool_new()))
        err = KAFKAC_ERR_NO_MEMORY;
    if (!err)
        err = kc_net_add_service(c->net, fetcher_serve, f);
    if (err) {
        kc_records_iter_destroy(f->it);
        kc_aborted_txns_destroy(f->ab);
        kc_bufpool_unref(f->pool);
        kc_free(f);
        return err;
    }
    *out = f;
    return 0;
}

void kc_fetcher_destroy(kc_fetcher_t *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nb; i++) {
        sess_clear(&f->b[i]);
        kc_free(f->b[i].parts);
    }
    kc_free(f->b);
    kc_records_iter_destroy(f->it);
    kc_aborted_txns_destroy(f->ab);
    kc_bufpool_unref(f->pool);
    kc_free(f);
}

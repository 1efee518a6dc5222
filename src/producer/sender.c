/* The sender (kafka-python's sender.py): a service on the network
 * client's I/O thread.  Every loop turn it
 *   - gets a producer id and epoch first when idempotent (InitProducerId),
 *     and renews the epoch when sequences can no longer be resolved;
 *   - moves batches that have lingered long enough (or all of them while
 *     flushing or closing) from `open` to the partition's queue;
 *   - expires queued batches past delivery.timeout.ms;
 *   - drains the head batch of every sendable partition into one Produce
 *     request per leader, respecting max.in.flight.requests.per.connection;
 * and its response callback completes, retries or fails each batch.
 *
 * Ordering with idempotence: a batch gets its sequence numbers the first
 * time it is drained and keeps them across retries.  A batch that has to
 * be retried goes back to the head of its partition's queue (sorted by
 * sequence), and a retried batch is only sent when nothing else of its
 * partition is in flight, so the broker sees the sequences in order
 * again.  When the broker reports a sequence gap we cannot explain
 * (OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for the oldest
 * unacknowledged batch), or a sequenced batch failed for good, the
 * sender waits until nothing is in flight, bumps the epoch with
 * InitProducerId (v3+ passes the current id and epoch; older brokers hand
 * out a new id) and numbers every partition from 0 again, as the Java
 * client does. */
#include <string.h>
#include "common/mem.h"
#include "kc_messages.h"
#include "producer/legacy_produce.h"
#include "producer/producer_int.h"

typedef struct kc_preq {
    kc_producer_t *p;
    int32_t node;
    int64_t sent_ms;
    int nb;
    kc_pbatch_t **b;
    kc_produce_request_t msg;
    kc_legacy_produce_t *legacy;   /* magic-1 bodies for Produce v2 */
} kc_preq_t;

/* Per-broker in-flight Produce requests (I/O thread).  A handful of
 * brokers: a small array searched linearly. */
typedef struct node_slot {
    int32_t id;
    int state;                 /* NODE_* */
    int64_t probe_after;       /* NODE_DOWN: when to try connecting again */
    int inflight;
    kc_pbatch_t *head, *tail;  /* batches collected this turn */
    int nb;
    int64_t bytes;
} node_slot_t;

typedef struct sender_scratch {
    node_slot_t *nodes;
    int nnodes, cap;
} sender_scratch_t;

/* Whether a broker's connection is up, as the sender saw it last.
 * Batches are only drained to a broker known to be ready, as the Java
 * sender does: a request queued for a dead broker would wait out its
 * whole timeout, while a batch still in its queue follows the partition
 * to its new leader as soon as metadata names one. */
enum { NODE_DOWN, NODE_PROBING, NODE_READY };

static sender_scratch_t *scratch_of(kc_producer_t *p)
{
    return (sender_scratch_t *)p->sender_scratch;
}

static node_slot_t *node_slot(sender_scratch_t *s, int32_t id)
{
    for (int i = 0; i < s->nnodes; i++)
        if (s->nodes[i].id == id)
            return &s->nodes[i];
    if (kc_array_room(&s->nodes, &s->cap, s->nnodes, sizeof(*s->nodes), 8) != 0)
        return NULL;
    node_slot_t *ns = &s->nodes[s->nnodes++];
    memset(ns, 0, sizeof(*ns));
    ns->id = id;
    return ns;
}

static void node_down(kc_producer_t *p, int32_t node, int64_t now);

/* ---- completion --------------------------------------------------- */

void kc_pbatch_complete(kc_producer_t *p, kc_pbatch_t *b, int err, int64_t base_offset, int64_t log_append_time)
{
    /* Before the records count as done, so that a commit's flush sees
     * the transaction already abortable. */
    if (err && p->txn)
        kc_txn_batch_failed(p->txn, err);
    b->err = err;
    b->base_offset = base_offset;
    b->log_append_time = log_append_time;
    int32_t part = b->part ? b->part->id : -1;
    for (int32_t i = 0; i < b->count; i++) {
        kc_prec_t *r = &b->recs[i];
        if (r->fut) {
            int64_t off = (err == 0 && base_offset >= 0) ? base_offset + i : -1;
            kc_future_set(r->fut, err, part, off, log_append_time >= 0 ? log_append_time : r->timestamp);
        }
    }
    for (int32_t i = 0; i < b->count; i++) {   /* see future.c: one wake-up per batch */
        kc_prec_t *r = &b->recs[i];
        if (r->fut) {
            kc_future_notify(r->fut);
            r->fut = NULL;
        }
    }
    if (err == 0) {
        atomic_fetch_add(&p->m_records, b->count);
        atomic_fetch_add(&p->m_bytes, (long long)b->len);
        atomic_fetch_add(&p->m_batches, 1);
    } else {
        atomic_fetch_add(&p->m_rec_errors, b->count);
    }
    kc_pbatch_retire(p, b);
    int32_t n = b->count;
    pthread_mutex_lock(&p->dq_mu);
    int queued = p->dr_cb != NULL;
    if (queued) {
        b->next = NULL;
        if (p->dq_tail)
            p->dq_tail->next = b;
        else
            p->dq_head = b;
        p->dq_tail = b;
    }
    atomic_fetch_sub(&p->outstanding, n);
    pthread_cond_broadcast(&p->dq_cv);
    pthread_mutex_unlock(&p->dq_mu);
    if (!queued)
        kc_pbatch_put(p, b);
}

/* ---- producer id -------------------------------------------------- */

static int pid_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    (void)net;
    (void)opaque;
    kc_init_producer_id_request_t *rq = msg;
    if (version < 3) {
        /* Cannot bump an epoch on an old broker: ask for a new id. */
        rq->producer_id = -1;
        rq->producer_epoch = -1;
    }
    return 0;
}

typedef struct pid_call {
    kc_producer_t *p;
    kc_init_producer_id_request_t req;
} pid_call_t;

void kc_sender_reset_sequences(kc_producer_t *p)
{
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    for (int i = 0; i < n; i++) {
        kc_ptopic_t *t = arr[i];
        for (int32_t j = 0; j < t->partition_count; j++) {
            kc_ppart_t *pp = t->parts[j];
            pp->next_seq = 0;
            pp->acked_seq = 0;
            pthread_mutex_lock(&pp->mu);
            for (kc_pbatch_t *b = pp->qhead; b; b = b->next)
                b->base_seq = -1;
            pthread_mutex_unlock(&pp->mu);
        }
    }
}

static void pid_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    pid_call_t *pc = opaque;
    kc_producer_t *p = pc->p;
    kc_free(pc);
    int err = kc_resp_err(resp);   /* resp may be NULL: net.h */
    if (err == KAFKAC_ERR_DESTROYED) {
        kc_resp_free(resp);
        return;
    }
    const kc_init_producer_id_response_t *r = err ? NULL : resp->msg;
    if (!err && r)
        err = r->error_code;
    /* With no response object (resp NULL: out of memory on the I/O
     * thread) the outcome is unknown; asking again is safe, since an
     * idempotent producer's InitProducerId only hands out an id. */
    const char *why = resp ? resp->errstr : "no memory for the response";
    if (err == 0) {
        int bump = p->pid >= 0;
        p->pid = r->producer_id;
        p->epoch = r->producer_epoch;
        p->pid_state = KC_PID_READY;
        p->pid_failures = 0;
        p->need_bump = 0;
        kc_sender_reset_sequences(p);
        if (bump)
            atomic_fetch_add(&p->m_bumps, 1);
        kc_log(&p->s.log, KAFKAC_LOG_DEBUG, "producer", "producer id %lld epoch %d", (long long)p->pid, p->epoch);
    } else if (err == KAFKAC_ERR_UNSUPPORTED_FEATURE && !p->s.enable_idempotence_set) {
        /* A broker before 0.11 has no InitProducerId.  Idempotence is on
         * only by default: go on without it and say so once.  Set explicitly, it is the fatal error below. */
        p->s.enable_idempotence = false;
        p->pid_state = KC_PID_NONE;
        kc_log(&p->s.log, KAFKAC_LOG_WARNING, "producer",
               "the broker has no InitProducerId (Kafka before 0.11): producing without idempotence "
               "(set enable.idempotence=true to make this an error): %s", why);
    } else if (kafkac_err_retriable(err)) {   /* errors.c decides, for local errors too (NO_MEMORY for !resp) */
        p->pid_state = KC_PID_NONE;
        p->pid_retry_ms = kc_now_ms() + kc_sender_backoff(p, ++p->pid_failures);
        kc_log(&p->s.log, KAFKAC_LOG_INFO, "producer", "InitProducerId failed (%s), retrying: %s",
               kafkac_err_name(err), why);
    } else {
        kc_log(&p->s.log, KAFKAC_LOG_ERR, "producer", "InitProducerId failed: %s%s%s", kafkac_err_name(err),
               why[0] ? ": " : "", why);
        p->pid_state = KC_PID_NONE;
        p->pid_retry_ms = INT64_MAX;
        int zero = 0;
        atomic_compare_exchange_strong(&p->fatal, &zero, err);
    }
    kc_resp_free(resp);
    kc_net_wakeup(net);
}

static void send_init_pid(kc_producer_t *p)
{
    pid_call_t *pc = kc_calloc(1, sizeof(*pc));
    if (!pc)
        return;
    pc->p = p;
    kc_msg_init(&kc_schema_init_producer_id_request, &pc->req);
    pc->req.transactional_id = NULL;
    pc->req.transaction_timeout_ms = (int32_t)p->s.transaction_timeout_ms;
    pc->req.producer_id = p->pid;
    pc->req.producer_epoch = p->pid >= 0 ? p->epoch : -1;
    kc_req_t rq = {
        .node_id = KC_NODE_ANY, .api_key = KC_API_INIT_PRODUCER_ID, .min_version = 0, .max_version = -1,
        .msg = &pc->req, .build = pid_build, .cb = pid_cb, .opaque = pc,
    };
    if (kc_net_send(p->net, &rq) != 0) {
        kc_free(pc);
        p->pid_retry_ms = kc_now_ms() + kc_sender_backoff(p, ++p->pid_failures);
        return;
    }
    p->pid_state = KC_PID_REQUESTED;
}

int64_t kc_sender_backoff(kc_producer_t *p, int attempt)
{
    return kc_net_backoff_ms(p->s.retry_backoff_ms, p->s.retry_backoff_max_ms, attempt < 1 ? 1 : attempt,
                             &p->backoff_seed);
}

/* ---- retries ------------------------------------------------------ */

static void inflight_remove(kc_ppart_t *pp, kc_pbatch_t *b)
{
    kc_pbatch_t **pb = &pp->ifhead, *prev = NULL;
    while (*pb && *pb != b) {
        prev = *pb;
        pb = &(*pb)->next;
    }
    if (*pb) {
        *pb = b->next;
        if (pp->iftail == b)
            pp->iftail = prev;
        pp->inflight--;
    }
    b->next = NULL;
}

/* Back to the queue: before fresh batches, after retried ones with a
 * lower sequence (or, without sequences, after earlier retries). */
static void requeue(kc_ppart_t *pp, kc_pbatch_t *b)
{
    pthread_mutex_lock(&pp->mu);
    kc_pbatch_t **pos = &pp->qhead;
    while (*pos) {
        kc_pbatch_t *q = *pos;
        if (b->base_seq >= 0 ? (q->base_seq < 0 || q->base_seq > b->base_seq) : q->attempts == 0)
            break;
        pos = &q->next;
    }
    b->next = *pos;
    *pos = b;
    if (!b->next)
        pp->qtail = b;
    pthread_mutex_unlock(&pp->mu);
}

static int leader_error(int err)
{
    return err == KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER || err == KAFKAC_ERR_LEADER_NOT_AVAILABLE ||
           err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION || err == KAFKAC_ERR_FENCED_LEADER_EPOCH ||
           err == KAFKAC_ERR_UNKNOWN_LEADER_EPOCH || err == KAFKAC_ERR_NOT_ENOUGH_REPLICAS ||
           err == KAFKAC_ERR_TRANSPORT || err == KAFKAC_ERR_TIMED_OUT || err == KAFKAC_ERR_NETWORK_EXCEPTION ||
           err == KAFKAC_ERR_KAFKA_STORAGE_ERROR || err == KAFKAC_ERR_ALL_BROKERS_DOWN ||
           /* Produce v13+ (Kafka 4.1) names the topic by id: the topic was
            * deleted and made again, and metadata has its new id. */
           err == KAFKAC_ERR_UNKNOWN_TOPIC_ID || err == KAFKAC_ERR_INCONSISTENT_TOPIC_ID;
}

static void refresh_metadata(kc_producer_t *p, const char *why)
{
    int64_t now = kc_now_ms();
    if (now - p->md_refresh_ms < p->s.retry_backoff_ms)
        return;
    p->md_refresh_ms = now;
    kc_net_refresh_metadata(p->net, why);
}

/* Appends records [from, to) of the decoded batch into a new batch. */
static kc_pbatch_t *rebatch(kc_producer_t *p, const kc_pbatch_t *b, const kc_batch_t *dec, int32_t from, int32_t to)
{
    kc_pbatch_t *nb = kc_pbatch_get(p);
    if (!nb)
        return NULL;
    nb->part = b->part;
    nb->created_ms = b->created_ms;
    nb->deadline_ms = b->deadline_ms;
    nb->attempts = b->attempts;
    if (nb->recs_cap < to - from) {
        kc_prec_t *r = kc_realloc(nb->recs, (size_t)(to - from) * sizeof(*r));
        if (!r)
            goto fail;
        nb->recs = r;
        nb->recs_cap = to - from;
    }
    kc_reader_t rd;
    kc_reader_init(&rd, dec->records, dec->records_len);
    for (int32_t i = 0; i < to; i++) {
        kc_record_t rec;
        if (kc_rb_read_record(&rd, dec, &rec) != KAFKAC_OK)
            goto fail;
        if (i < from)
            continue;
        kc_rb_header_t hs[16];
        kc_rb_header_t *h = hs;
        if (rec.header_count > 16 && !(h = kc_calloc((size_t)rec.header_count, sizeof(*h))))
            goto fail;
        size_t pos = 0;
        int32_t nh = 0;
        const uint8_t *hv;
        while (nh < rec.header_count &&
               kc_record_header_next(&rec, &pos, &h[nh].key, &h[nh].key_len, &hv, &h[nh].value_len)) {
            h[nh].value = hv;
            nh++;
        }
        int err = kc_rb_writer_append(nb->w, rec.timestamp, rec.key, rec.key_len, rec.value, rec.value_len, h,
                                      (size_t)nh);
        if (h != hs)
            kc_free(h);
        if (err)
            goto fail;
        nb->recs[nb->count++] = b->recs[i];
    }
    kc_pbatch_recharge(p, nb);   /* the I/O thread does not wait for room */
    return nb;
fail:
    kc_pbatch_retire(p, nb);
    kc_pbatch_put(p, nb);
    return NULL;
}

/* MESSAGE_TOO_LARGE for a batch of several records: the broker's limit
 * (max.message.bytes) is on the whole batch, so, as the Java client does,
 * split it (in halves, again if need be) until each part fits or is a
 * single record that really is too large.  Returns 1 if split. */
static int split_batch(kc_producer_t *p, kc_pbatch_t *b)
{
    if (b->count < 2 || !b->closed)
        return 0;
    kc_writer_t scratch;
    if (kc_writer_init(&scratch, 0) != 0)
        return 0;
    kc_batch_t dec;
    const char *field = NULL;
    int ok = 0;
    kc_pbatch_t *h1 = NULL, *h2 = NULL;
    if (kc_rb_open(b->data, b->len, 0, (size_t)INT32_MAX, &scratch, &dec, &field) == KAFKAC_OK &&
        dec.record_count == b->count) {
        int32_t half = b->count / 2;
        h1 = rebatch(p, b, &dec, 0, half);
        h2 = h1 ? rebatch(p, b, &dec, half, b->count) : NULL;
        ok = h1 && h2;
    }
    kc_writer_free(&scratch);
    if (!ok) {
        if (h1) {
            h1->count = 0;
            kc_pbatch_retire(p, h1);
            kc_pbatch_put(p, h1);
        }
        return 0;
    }
    /* Keep the halves where the batch was: retried batches sort by
     * sequence (renumbered after the epoch renewal this forces), others
     * by retry order. */
    h1->base_seq = b->base_seq;
    h2->base_seq = b->base_seq >= 0 ? b->base_seq + h1->count : -1;
    h1->retry_at_ms = h2->retry_at_ms = 0;
    /* One half at a time: were both in flight together, the second could
     * be written while the first is refused and split again (the epoch
     * renewal below renumbers their sequences, so sequence order alone
     * does not hold them back). */
    h1->after_split = h2->after_split = 1;
    kc_ppart_t *pp = b->part;
    requeue(pp, h1);
    requeue(pp, h2);
    if (p->s.enable_idempotence && b->base_seq >= 0)
        p->need_bump = 1;   /* the broker never took b's sequences */
    kc_log(&p->s.log, KAFKAC_LOG_INFO, "producer", "%s [%d]: batch of %d records too large for the broker; split in two",
           pp->topic->name, pp->id, b->count);
    /* Its records now belong to the halves. */
    b->count = 0;
    kc_pbatch_retire(p, b);
    kc_pbatch_put(p, b);
    atomic_fetch_add(&p->m_retries, 1);
    return 1;
}

/* Is a batch of pp with a lower sequence than b still in flight or
 * waiting to be retried? */
static int earlier_unresolved(kc_ppart_t *pp, const kc_pbatch_t *b)
{
    for (const kc_pbatch_t *x = pp->ifhead; x; x = x->next)
        if (x->base_seq >= 0 && x->base_seq < b->base_seq)
            return 1;
    int found = 0;
    pthread_mutex_lock(&pp->mu);
    for (const kc_pbatch_t *x = pp->qhead; x && !found; x = x->next)
        if (x->base_seq >= 0 && x->base_seq < b->base_seq)
            found = 1;
    pthread_mutex_unlock(&pp->mu);
    return found;
}

/* One batch's answer (I/O thread). */
static void batch_result(kc_producer_t *p, kc_pbatch_t *b, int err, int64_t base_offset, int64_t log_append_time,
                         int destroyed)
{
    kc_ppart_t *pp = b->part;
    int idem = p->s.enable_idempotence;
    inflight_remove(pp, b);
    if (err == 0 || (idem && err == KAFKAC_ERR_DUPLICATE_SEQUENCE_NUMBER)) {
        if (idem && b->base_seq >= 0 && b->base_seq + b->count > pp->acked_seq)
            pp->acked_seq = b->base_seq + b->count;
        kc_pbatch_complete(p, b, 0, err == 0 ? base_offset : -1, err == 0 ? log_append_time : -1);
        return;
    }
    if (destroyed) {
        kc_pbatch_complete(p, b, KAFKAC_ERR_PURGED, -1, -1);
        return;
    }
    if ((err == KAFKAC_ERR_MESSAGE_TOO_LARGE || err == KAFKAC_ERR_RECORD_LIST_TOO_LARGE) && split_batch(p, b))
        return;
    int64_t now = kc_now_ms();
    if (p->txn && kc_txn_produce_error(p, err)) {
        kc_pbatch_complete(p, b, err, -1, -1);   /* no retry inside a transaction (txn.c) */
        return;
    }
    int retriable = kafkac_err_retriable(err);   /* errors.c decides, for local errors too */
    if (idem && (err == KAFKAC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER || err == KAFKAC_ERR_UNKNOWN_PRODUCER_ID ||
                 err == KAFKAC_ERR_INVALID_PRODUCER_EPOCH)) {
        /* If an earlier batch of the partition is still unresolved this
         * one was refused because of it: retry in order.  If it is the
         * oldest one, the broker has no sequence state that fits ours
         * (lost it, or we left a gap): renew. */
        if (!earlier_unresolved(pp, b) || err == KAFKAC_ERR_INVALID_PRODUCER_EPOCH) {
            p->need_bump = 1;
            kc_log(&p->s.log, KAFKAC_LOG_WARNING, "producer", "%s [%d]: %s at sequence %d: renewing producer epoch",
                   pp->topic->name, pp->id, kafkac_err_name(err), b->base_seq);
        }
        retriable = 1;
    }
    if (retriable && atomic_load(&p->fatal) == 0 && b->attempts <= p->s.retries && now < b->deadline_ms) {
        b->last_err = err;
        b->retry_at_ms = now + kc_sender_backoff(p, b->attempts);
        atomic_fetch_add(&p->m_retries, 1);
        requeue(pp, b);
        if (leader_error(err))
            refresh_metadata(p, "produce error");
        kc_log(&p->s.log, KAFKAC_LOG_DEBUG, "producer", "%s [%d]: retrying batch of %d after %s", pp->topic->name,
               pp->id, b->count, kafkac_err_name(err));
        return;
    }
    if (retriable && now >= b->deadline_ms)
        err = KAFKAC_ERR_TIMED_OUT;
    if (idem && b->base_seq >= 0)
        p->need_bump = 1;   /* a hole in the sequence: later batches need new numbers */
    kc_log(&p->s.log, KAFKAC_LOG_WARNING, "producer", "%s [%d]: %d records failed: %s", pp->topic->name, pp->id,
           b->count, kafkac_err_name(err));
    kc_pbatch_complete(p, b, err, -1, -1);
}

static int uuid_zero(const kc_uuid_t *u)
{
    for (int i = 0; i < 16; i++)
        if (u->b[i])
            return 0;
    return 1;
}

static void produce_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    kc_preq_t *rq = opaque;
    kc_producer_t *p = rq->p;
    int rerr = kc_resp_err(resp);   /* resp may be NULL: net.h */
    int destroyed = rerr == KAFKAC_ERR_DESTROYED;
    int64_t lat = kc_now_ms() - rq->sent_ms;
    atomic_fetch_add(&p->m_requests, 1);
    atomic_fetch_add(&p->m_lat_sum, lat);
    long long mx = atomic_load(&p->m_lat_max);
    while (lat > mx && !atomic_compare_exchange_weak(&p->m_lat_max, &mx, lat))
        ;
    if (!atomic_load(&p->net_gone)) {
        node_slot_t *ns = node_slot(scratch_of(p), rq->node);
        if (ns)
            ns->inflight--;
    }
    p->total_inflight--;
    atomic_store(&p->m_inflight, p->total_inflight);
    if (!destroyed && (rerr == KAFKAC_ERR_TRANSPORT || rerr == KAFKAC_ERR_TIMED_OUT))
        node_down(p, rq->node, kc_now_ms());

    if (rerr) {
        if (!destroyed)
            kc_log(&p->s.log, KAFKAC_LOG_INFO, "producer", "Produce to broker %d failed: %s", rq->node,
                   resp ? resp->errstr : "out of memory for the response");
        for (int i = 0; i < rq->nb; i++)
            batch_result(p, rq->b[i], rerr, -1, -1, destroyed);
    } else if (!resp->msg) {
        /* acks=0: done once written; the broker says nothing. */
        for (int i = 0; i < rq->nb; i++)
            batch_result(p, rq->b[i], 0, -1, -1, 0);
    } else {
        const kc_produce_response_t *r = resp->msg;
        for (int ti = 0; ti < r->responses_count; ti++) {
            const kc_produce_response_topic_produce_response_t *tr = &r->responses[ti];
            for (int pi = 0; pi < tr->partition_responses_count; pi++) {
                const kc_produce_response_partition_produce_response_t *pr = &tr->partition_responses[pi];
                for (int i = 0; i < rq->nb; i++) {
                    kc_pbatch_t *b = rq->b[i];
                    if (!b || b->part->id != pr->index)
                        continue;
                    kc_ptopic_t *t = b->part->topic;
                    /* v13+ names topics by id (KIP-516); the decoder
                     * leaves the absent name at its default, "". */
                    int match = resp->version >= KC_PRODUCE_SINCE_TOPIC_IDS
                                    ? (!uuid_zero(&tr->topic_id) && memcmp(&tr->topic_id, &t->id, 16) == 0)
                                    : (tr->name && strcmp(tr->name, t->name) == 0);
                    if (!match)
                        continue;
                    if (pr->error_code && pr->error_message)
                        kc_log(&p->s.log, KAFKAC_LOG_INFO, "producer", "%s [%d]: %s: %s", t->name, pr->index,
                               kafkac_err_name(pr->error_code), pr->error_message);
                    rq->b[i] = NULL;
                    batch_result(p, b, pr->error_code, pr->base_offset, pr->log_append_time_ms, 0);
                    break;
                }
            }
        }
        for (int i = 0; i < rq->nb; i++)
            if (rq->b[i])   /* the broker did not answer for it: try again */
                batch_result(p, rq->b[i], KAFKAC_ERR_NETWORK_EXCEPTION, -1, -1, 0);
    }
    kc_resp_free(resp);
    kc_legacy_produce_free(rq->legacy);
    kc_free(rq);
    if (!destroyed)
        kc_net_wakeup(net);
}

/* Brokers before 0.11 (Produce v2) take message format v1, not v2
 * batches: legacy_produce.c rewrites the body for them. */
static int produce_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_preq_t *rq = opaque;
    (void)net;
    return kc_legacy_produce_build(&rq->legacy, msg, version, (int)rq->p->s.compression_level, &rq->p->s.log);
}

/* ---- broker readiness --------------------------------------------- */

typedef struct probe {
    kc_producer_t *p;
    int32_t node;
} probe_t;

static void node_down(kc_producer_t *p, int32_t node, int64_t now)
{
    node_slot_t *ns = node_slot(scratch_of(p), node);
    if (ns && ns->state != NODE_PROBING) {
        ns->state = NODE_DOWN;
        ns->probe_after = now;
    }
}

/* The pseudo request completes as soon as the broker's connection is
 * ready (the network client connects for it), or fails. */
static void probe_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    probe_t *pr = opaque;
    kc_producer_t *p = pr->p;
    int32_t node = pr->node;
    kc_free(pr);
    int err = kc_resp_err(resp);   /* resp may be NULL: net.h */
    kc_resp_free(resp);
    if (err == KAFKAC_ERR_DESTROYED || atomic_load(&p->net_gone))
        return;
    node_slot_t *ns = node_slot(scratch_of(p), node);
    if (ns) {
        if (err == 0) {
            ns->state = NODE_READY;
        } else {
            ns->state = NODE_DOWN;
            ns->probe_after = kc_now_ms() + p->s.retry_backoff_ms;
            refresh_metadata(p, "broker unreachable");
        }
    }
    kc_net_wakeup(net);
}

static void probe_node(kc_producer_t *p, node_slot_t *ns)
{
    probe_t *pr = kc_calloc(1, sizeof(*pr));
    if (!pr)
        return;
    pr->p = p;
    pr->node = ns->id;
    int64_t t = p->s.socket_connection_setup_timeout_ms;
    if (t <= 0 || t > p->s.request_timeout_ms)
        t = p->s.request_timeout_ms;
    kc_req_t rq = {
        .node_id = ns->id, .api_key = KC_PSEUDO_BROKER_VERSIONS, .timeout_ms = (int)t, .cb = probe_cb,
        .opaque = pr,
    };
    if (kc_net_send(p->net, &rq) != 0) {
        kc_free(pr);
        ns->probe_after = kc_now_ms() + p->s.retry_backoff_ms;
        return;
    }
    ns->state = NODE_PROBING;
}

/* ---- draining ----------------------------------------------------- */

static int build_and_send(kc_producer_t *p, node_slot_t *ns, int64_t now)
{
    int nb = ns->nb;
    size_t sz = sizeof(kc_preq_t) + (size_t)nb * (sizeof(kc_pbatch_t *) + sizeof(kc_produce_request_topic_produce_data_t) +
                                                  sizeof(kc_produce_request_partition_produce_data_t));
    kc_preq_t *rq = kc_calloc(1, sz);
    kc_pbatch_t *b;
    if (!rq)
        goto requeue_all;
    kc_produce_request_topic_produce_data_t *tds = (void *)(rq + 1);
    kc_produce_request_partition_produce_data_t *pds = (void *)(tds + nb);
    rq->b = (void *)(pds + nb);
    rq->p = p;
    rq->node = ns->id;
    rq->sent_ms = now;
    int i = 0;
    for (b = ns->head; b; b = b->next)
        rq->b[i++] = b;
    rq->nb = nb;
    /* Group by topic: batches were collected topic by topic, so equal
     * topics are already adjacent. */
    int ntd = 0, id_missing = 0;
    for (i = 0; i < nb; i++) {
        kc_ptopic_t *t = rq->b[i]->part->topic;
        id_missing |= uuid_zero(&t->id);
        if (ntd == 0 || tds[ntd - 1].name != t->name) {
            tds[ntd].name = t->name;
            tds[ntd].topic_id = t->id;
            tds[ntd].partition_data = &pds[i];
            tds[ntd].partition_data_count = 0;
            ntd++;
        }
        pds[i].index = rq->b[i]->part->id;
        pds[i].records.data = rq->b[i]->data;
        pds[i].records.len = (int32_t)rq->b[i]->len;
        tds[ntd - 1].partition_data_count++;
    }
    kc_msg_init(&kc_schema_produce_request, &rq->msg);
    rq->msg.transactional_id = p->s.transactional_id;
    rq->msg.acks = (int16_t)p->s.acks;
    rq->msg.timeout_ms = (int32_t)p->s.request_timeout_ms;
    rq->msg.topic_data = tds;
    rq->msg.topic_data_count = ntd;
    kc_req_t req = {
        /* Produce v12+ tells the broker we speak transactions v2 (KIP-890),
         * where it adds partitions itself; we add them (txn.c). */
        .node_id = ns->id, .api_key = KC_API_PRODUCE, .min_version = KC_PRODUCE_SINCE_MESSAGE_FORMAT_V1,
        .build = produce_build,
        /* v13+ has no topic names, only ids: without an id stay below. */
        .max_version = p->txn        ? KC_PRODUCE_SINCE_TXN_V2 - 1
                       : id_missing ? KC_PRODUCE_SINCE_TOPIC_IDS - 1
                                    : -1,
        .no_response = p->s.acks == KC_ACKS_NONE, .msg = &rq->msg, .cb = produce_cb, .opaque = rq,
    };
    /* Bookkeeping before sending: with acks=0 the callback may run
     * before kc_net_send returns on another turn of this thread. */
    for (i = 0; i < nb; i++) {
        kc_pbatch_t *x = rq->b[i];
        kc_ppart_t *pp = x->part;
        x->next = NULL;
        if (pp->iftail)
            pp->iftail->next = x;
        else
            pp->ifhead = x;
        pp->iftail = x;
        pp->inflight++;
        x->attempts++;
    }
    ns->inflight++;
    p->total_inflight++;
    atomic_store(&p->m_inflight, p->total_inflight);
    if (kc_net_send(p->net, &req) != 0) {
        ns->inflight--;
        p->total_inflight--;
        for (i = 0; i < nb; i++) {
            inflight_remove(rq->b[i]->part, rq->b[i]);
            rq->b[i]->attempts--;
            requeue(rq->b[i]->part, rq->b[i]);
        }
        kc_free(rq);
        return -1;
    }
    return 0;
requeue_all:
    b = ns->head;
    while (b) {
        kc_pbatch_t *n = b->next;
        requeue(b->part, b);
        b = n;
    }
    return -1;
}

static void expire_and_fail(kc_producer_t *p, kc_pbatch_t *list, int err)
{
    while (list) {
        kc_pbatch_t *n = list->next;
        if (p->s.enable_idempotence && list->base_seq >= 0)
            p->need_bump = 1;
        kc_pbatch_complete(p, list, err, -1, -1);
        list = n;
    }
}

int64_t kc_sender_serve(kc_net_t *net, int64_t now, void *opaque)
{
    kc_producer_t *p = opaque;
    sender_scratch_t *sc = scratch_of(p);
    int64_t next = INT64_MAX;
    int idem = p->s.enable_idempotence;
    int fatal = atomic_load(&p->fatal);
    int can_send = !fatal;
    if (idem && !fatal && p->txn) {
        /* The transaction manager (txn.c) owns the producer id. */
        if (p->pid_state != KC_PID_READY)
            can_send = 0;
    } else if (idem && !fatal) {
        if (p->need_bump && p->total_inflight == 0 && p->pid_state == KC_PID_READY)
            p->pid_state = KC_PID_NONE;
        if (p->pid_state == KC_PID_NONE && p->total_inflight == 0) {
            if (now >= p->pid_retry_ms)
                send_init_pid(p);
            else if (p->pid_retry_ms < next)
                next = p->pid_retry_ms;
        }
        if (p->pid_state != KC_PID_READY || p->need_bump)
            can_send = 0;
    }
    if (can_send && p->txn_hooks.may_send && !p->txn_hooks.may_send(p->txn_hooks.opaque))
        can_send = 0;
    int flushing = atomic_load(&p->flushing) > 0 || atomic_load(&p->closing);
    kc_cluster_t *c = kc_net_cluster(net);
    for (int i = 0; i < sc->nnodes; i++) {
        sc->nodes[i].head = sc->nodes[i].tail = NULL;
        sc->nodes[i].nb = 0;
        sc->nodes[i].bytes = 0;
    }
    int more = 0;
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    for (int ti = 0; ti < n; ti++) {
        kc_ptopic_t *t = arr[ti];
        const kc_topic_info_t *tinfo = kc_cluster_topic(c, t->name);
        /* A topic made again under the same name gets a new id, which
         * Produce v13+ must carry.  Only this thread reads t->id. */
        if (tinfo && !uuid_zero(&tinfo->id) && memcmp(&tinfo->id, &t->id, sizeof t->id) != 0)
            t->id = tinfo->id;
        /* Partitions added since the topic was first seen: from the next
         * record on, the partitioner may choose them. */
        if (tinfo && tinfo->err == 0 && tinfo->partition_count > atomic_load(&t->partition_count))
            kc_acc_topic_grow(p, t, tinfo->partition_count);
        for (int32_t pi = 0; pi < t->partition_count; pi++) {
            kc_ppart_t *pp = t->parts[pi];
            kc_pbatch_t *expired = NULL, **etail = &expired;
            pthread_mutex_lock(&pp->mu);
            kc_pbatch_t *o = pp->open;
            if (o && (flushing || fatal || now - o->created_ms >= p->s.linger_ms)) {
                o->next = NULL;
                if (pp->qtail)
                    pp->qtail->next = o;
                else
                    pp->qhead = o;
                pp->qtail = o;
                pp->open = NULL;
            } else if (o && o->created_ms + p->s.linger_ms < next) {
                next = o->created_ms + p->s.linger_ms;
            }
            /* Expire (or, after a fatal error, fail) queued batches. */
            kc_pbatch_t **pq = &pp->qhead, *prev = NULL;
            while (*pq) {
                kc_pbatch_t *q = *pq;
                if (fatal || now >= q->deadline_ms) {
                    *pq = q->next;
                    if (pp->qtail == q)
                        pp->qtail = prev;
                    q->next = NULL;
                    *etail = q;
                    etail = &q->next;
                } else {
                    if (q->deadline_ms < next)
                        next = q->deadline_ms;
                    prev = q;
                    pq = &q->next;
                }
            }
            kc_pbatch_t *head = pp->qhead;
            pthread_mutex_unlock(&pp->mu);
            if (expired)
                expire_and_fail(p, expired, fatal ? fatal : KAFKAC_ERR_TIMED_OUT);
            if (!head || !can_send)
                continue;
            if (head->retry_at_ms > now) {
                if (head->retry_at_ms < next)
                    next = head->retry_at_ms;
                continue;
            }
            const kc_partition_info_t *pinfo =
                (tinfo && pi < tinfo->partition_count && tinfo->partitions[pi].id == pi) ? &tinfo->partitions[pi] : NULL;
            if (!pinfo || pinfo->leader < 0 || !kc_cluster_broker(c, pinfo->leader)) {
                refresh_metadata(p, "partition without leader");
                int64_t t2 = now + p->s.retry_backoff_ms;
                if (t2 < next)
                    next = t2;
                continue;
            }
            node_slot_t *ns = node_slot(sc, pinfo->leader);
            if (!ns)
                continue;
            if (ns->state != NODE_READY) {
                if (ns->state == NODE_DOWN && now >= ns->probe_after)
                    probe_node(p, ns);
                else if (ns->state == NODE_DOWN && ns->probe_after < next)
                    next = ns->probe_after;
                continue;
            }
            if (ns->inflight >= p->s.max_in_flight)
                continue;   /* a response will wake us */
            if (idem && ((head->base_seq >= 0 && pp->inflight > 0) || pp->inflight >= 5))
                continue;
            if (head->after_split && pp->inflight > 0)
                continue;   /* a response will wake us */
            if (p->txn_hooks.before_drain && p->txn_hooks.before_drain(p->txn_hooks.opaque, pp))
                continue;
            if (!head->closed) {
                /* In the queue nobody appends to it any more: compress
                 * and seal it without holding the partition lock. */
                if (kc_rb_writer_close(head->w, &head->data, &head->len) != KAFKAC_OK) {
                    pthread_mutex_lock(&pp->mu);
                    pp->qhead = head->next;
                    if (!pp->qhead)
                        pp->qtail = NULL;
                    pthread_mutex_unlock(&pp->mu);
                    head->next = NULL;
                    expire_and_fail(p, head, KAFKAC_ERR_COMPRESSION);
                    continue;
                }
                head->closed = 1;
                kc_pbatch_recharge(p, head);   /* the compressed copy, if any */
            }
            if (ns->nb > 0 && ns->bytes + (int64_t)head->len + 128 > p->s.max_request_size) {
                more = 1;   /* next request */
                continue;
            }
            pthread_mutex_lock(&pp->mu);
            pp->qhead = head->next;
            if (!pp->qhead)
                pp->qtail = NULL;
            if (pp->qhead)
                more = 1;
            pthread_mutex_unlock(&pp->mu);
            head->next = NULL;
            if (idem && head->base_seq < 0) {
                head->base_seq = pp->next_seq;
                pp->next_seq += head->count;
            }
            if (idem)
                kc_rb_set_producer_state((uint8_t *)head->data, head->len, p->pid, p->epoch, head->base_seq);
            if (ns->tail)
                ns->tail->next = head;
            else
                ns->head = head;
            ns->tail = head;
            ns->nb++;
            ns->bytes += (int64_t)head->len;
        }
    }
    kc_cluster_unref(c);
    for (int i = 0; i < sc->nnodes; i++)
        if (sc->nodes[i].nb > 0)
            build_and_send(p, &sc->nodes[i], now);
    if (more)
        next = now;
    return next;
}

void kc_sender_fail_all(kc_producer_t *p, int err)
{
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    for (int ti = 0; ti < n; ti++) {
        kc_ptopic_t *t = arr[ti];
        for (int32_t pi = 0; pi < t->partition_count; pi++) {
            kc_ppart_t *pp = t->parts[pi];
            pthread_mutex_lock(&pp->mu);
            kc_pbatch_t *list = pp->qhead;
            pp->qhead = pp->qtail = NULL;
            kc_pbatch_t *o = pp->open;
            pp->open = NULL;
            pthread_mutex_unlock(&pp->mu);
            if (o) {
                o->next = list;
                list = o;
            }
            while (list) {
                kc_pbatch_t *nx = list->next;
                kc_pbatch_complete(p, list, err, -1, -1);
                list = nx;
            }
            while (pp->ifhead) {
                kc_pbatch_t *b = pp->ifhead;
                pp->ifhead = b->next;
                kc_pbatch_complete(p, b, err, -1, -1);
            }
            pp->iftail = NULL;
            pp->inflight = 0;
        }
    }
}

/* The producer holds the scratch as a void * so that producer_int.h
 * need not know this file's types. */
void *kc_sender_scratch_new(void)
{
    return kc_calloc(1, sizeof(sender_scratch_t));
}

void kc_sender_scratch_free(void *s)
{
    sender_scratch_t *sc = s;
    if (!sc)
        return;
    kc_free(sc->nodes);
    kc_free(sc);
}

/* The record accumulator (kafka-python's record_accumulator.py): one
 * open batch per partition that records are appended to, under that
 * partition's lock, straight into the batch writer's buffer; full
 * batches move to the partition's queue for the sender.  Batches come
 * from a pool, so once the pool and the writers' buffers have grown,
 * appending allocates nothing.
 *
 * buffer.memory bounds the memory of the batches: every batch that holds
 * records not yet completed (queued_bytes) and every spare batch kept for
 * reuse (pooled_bytes) counts with its real size, struct and buffers
 * (batch_footprint).  A batch's buffers start small and grow as records
 * arrive, up to about batch.size, so 10,000 partitions with a record each
 * cost 10,000 small batches, not 10,000 x batch.size.  Send charges the
 * growth a record causes before making it, under the partition's lock;
 * when there is no room it lets go of the lock, frees spare batches, and
 * then waits up to max.block.ms before failing with KAFKAC_ERR_QUEUE_FULL.
 * A batch stops counting as queued when it completes; completed batches
 * waiting for poll to run their delivery callbacks are the application's
 * to drain, and count again (as spares) once poll returns them.  The I/O
 * thread never waits: what it adds (the compressed copy made when a batch
 * is sent, the halves of a split batch) is charged as it happens. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "common/mem.h"
#include "producer/producer_int.h"

/* ---- topics ------------------------------------------------------- */

kc_ptopic_t *kc_acc_topic(kc_producer_t *p, const char *name)
{
    /* Load the count first: the array it was published with is at least
     * that long (arrays only grow, and old ones stay allocated). */
    int n = atomic_load_explicit(&p->ntopics, memory_order_acquire);
    kc_ptopic_t **arr = atomic_load_explicit(&p->topics, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (strcmp(arr[i]->name, name) == 0)
            return arr[i];
    return NULL;
}

static void topic_free(kc_ptopic_t *t)
{
    if (!t)
        return;
    kc_ppart_t **parts = atomic_load(&t->parts);
    if (parts)
        for (int32_t i = 0; i < atomic_load(&t->partition_count); i++) {
            pthread_mutex_destroy(&parts[i]->mu);
            kc_free(parts[i]);
        }
    kc_free(parts);
    for (int i = 0; i < t->nold_parts; i++)
        kc_free(t->old_parts[i]);
    kc_free(t->old_parts);
    kc_free(t->name);
    kc_free(t);
}

/* A new array of n partitions: those of `old` (count `have`), then new
 * ones.  NULL on out of memory. */
static kc_ppart_t **parts_extend(kc_ptopic_t *t, kc_ppart_t **old, int32_t have, int32_t n)
{
    kc_ppart_t **a = kc_calloc((size_t)n, sizeof(*a));
    if (!a)
        return NULL;
    if (have > 0)
        memcpy(a, old, (size_t)have * sizeof(*a));
    for (int32_t i = have; i < n; i++) {
        kc_ppart_t *pp = kc_calloc(1, sizeof(*pp));
        if (!pp) {
            for (int32_t j = have; j < i; j++) {
                pthread_mutex_destroy(&a[j]->mu);
                kc_free(a[j]);
            }
            kc_free(a);
            return NULL;
        }
        pthread_mutex_init(&pp->mu, NULL);
        pp->topic = t;
        pp->id = i;
        a[i] = pp;
    }
    return a;
}

kafkac_err_t kc_acc_topic_grow(kc_producer_t *p, kc_ptopic_t *t, int32_t n)
{
    if (n <= atomic_load(&t->partition_count))
        return KAFKAC_OK;
    pthread_mutex_lock(&p->topics_mu);
    int32_t have = atomic_load(&t->partition_count);
    if (n <= have) {
        pthread_mutex_unlock(&p->topics_mu);
        return KAFKAC_OK;
    }
    kc_ppart_t **old = atomic_load(&t->parts);
    kc_ppart_t ***olds = kc_realloc(t->old_parts, (size_t)(t->nold_parts + 1) * sizeof(*olds));
    if (!olds) {
        pthread_mutex_unlock(&p->topics_mu);
        return KAFKAC_ERR_NO_MEMORY;
    }
    t->old_parts = olds;
    kc_ppart_t **a = parts_extend(t, old, have, n);
    if (!a) {
        pthread_mutex_unlock(&p->topics_mu);
        return KAFKAC_ERR_NO_MEMORY;
    }
    /* Readers may still be walking the old array: keep it. */
    t->old_parts[t->nold_parts++] = old;
    atomic_store_explicit(&t->parts, a, memory_order_release);
    atomic_store_explicit(&t->partition_count, n, memory_order_release);
    pthread_mutex_unlock(&p->topics_mu);
    kc_log(&p->s.log, KAFKAC_LOG_INFO, "producer", "topic %s: %d partitions now (was %d)", t->name, (int)n,
           (int)have);
    return KAFKAC_OK;
}

kafkac_err_t kc_acc_topic_add(kc_producer_t *p, const kc_topic_info_t *ti, kc_ptopic_t **out)
{
    pthread_mutex_lock(&p->topics_mu);
    kc_ptopic_t *t = kc_acc_topic(p, ti->name);
    if (t) {
        pthread_mutex_unlock(&p->topics_mu);
        *out = t;
        return KAFKAC_OK;
    }
    t = kc_calloc(1, sizeof(*t));
    if (!t || !(t->name = kc_strdup(ti->name)))
        goto oom;
    kc_ppart_t **parts = parts_extend(t, NULL, 0, ti->partition_count);
    if (!parts)
        goto oom;
    atomic_init(&t->parts, parts);
    t->id = ti->id;
    atomic_init(&t->partition_count, ti->partition_count);
    atomic_init(&t->sticky, -1);
    atomic_init(&t->rr, 0);
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    if (n == p->topics_cap) {
        int cap = p->topics_cap ? p->topics_cap * 2 : 8;
        kc_ptopic_t **na = kc_calloc((size_t)cap, sizeof(*na));
        kc_ptopic_t ***olds = kc_realloc(p->old_arrays, (size_t)(p->nold + 1) * sizeof(*olds));
        if (!na || !olds) {
            kc_free(na);
            if (olds)
                p->old_arrays = olds;
            goto oom;
        }
        p->old_arrays = olds;
        if (arr)
            memcpy(na, arr, (size_t)n * sizeof(*na));
        /* Readers may still be walking the old array: keep it until destroy. */
        if (arr)
            p->old_arrays[p->nold++] = arr;
        arr = na;
        p->topics_cap = cap;
        atomic_store_explicit(&p->topics, arr, memory_order_release);
    }
    arr[n] = t;
    atomic_store_explicit(&p->ntopics, n + 1, memory_order_release);
    pthread_mutex_unlock(&p->topics_mu);
    *out = t;
    return KAFKAC_OK;
oom:
    pthread_mutex_unlock(&p->topics_mu);
    topic_free(t);
    return KAFKAC_ERR_NO_MEMORY;
}

/* ---- batches ------------------------------------------------------ */

/* The first buffer of a new batch: room for the batch header and a few
 * small records; it doubles as records arrive. */
#define BATCH_FIRST_CAP (KC_RB_HEADER_SIZE + 192)
#define RECS_FIRST_CAP 8

static int64_t batch_footprint(const kc_pbatch_t *b)
{
    return (int64_t)sizeof(*b) + (int64_t)kc_rb_writer_footprint(b->w) + (int64_t)b->recs_cap * (int64_t)sizeof(kc_prec_t);
}

static void mem_wake(kc_producer_t *p)
{
    if (atomic_load(&p->mem_waiters) > 0) {
        pthread_mutex_lock(&p->mem_mu);
        pthread_cond_broadcast(&p->mem_cv);
        pthread_mutex_unlock(&p->mem_mu);
    }
}

kc_pbatch_t *kc_pbatch_get(kc_producer_t *p)
{
    pthread_mutex_lock(&p->pool_mu);
    kc_pbatch_t *b = p->pool;
    if (b) {
        /* A spare's memory moves from pooled to queued: the total the
         * budget sees does not change. */
        p->pool = b->next;
        atomic_fetch_sub(&p->pooled_bytes, b->charged);
        atomic_fetch_add(&p->queued_bytes, b->charged);
    }
    pthread_mutex_unlock(&p->pool_mu);
    if (!b) {
        b = kc_calloc(1, sizeof(*b));
        if (!b)
            return NULL;
        if (kc_rb_writer_new(&b->w, BATCH_FIRST_CAP) != KAFKAC_OK) {
            kc_free(b);
            return NULL;
        }
        b->charged = 0;   /* charged by the append that uses it */
    }
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.codec = (kc_codec_t)p->s.compression_type;
    o.compression_level = (int)p->s.compression_level;
    /* A transaction's markers only hide (or release) batches that carry
     * the transactional attribute. */
    o.transactional = p->s.transactional_id != NULL;
    if (kc_rb_writer_reset(b->w, &o) != KAFKAC_OK) {
        kc_pbatch_retire(p, b);
        kc_pbatch_put(p, b);
        return NULL;
    }
    b->next = NULL;
    b->part = NULL;
    b->count = 0;
    b->attempts = 0;
    b->base_seq = -1;
    b->closed = 0;
    b->after_split = 0;
    b->data = NULL;
    b->len = 0;
    b->retry_at_ms = 0;
    b->last_err = 0;
    b->err = 0;
    b->base_offset = -1;
    b->log_append_time = -1;
    return b;
}

static void batch_free(kc_pbatch_t *b)
{
    kc_rb_writer_destroy(b->w);
    kc_free(b->recs);
    kc_free(b);
}

void kc_pbatch_retire(kc_producer_t *p, kc_pbatch_t *b)
{
    kc_acc_release(p, b->charged);
    b->charged = 0;
}

void kc_pbatch_recharge(kc_producer_t *p, kc_pbatch_t *b)
{
    int64_t fp = batch_footprint(b);
    if (fp > b->charged)
        atomic_fetch_add(&p->queued_bytes, fp - b->charged);
    else if (fp < b->charged)
        kc_acc_release(p, b->charged - fp);
    b->charged = fp;
}

void kc_pbatch_put(kc_producer_t *p, kc_pbatch_t *b)
{
    /* Kept as a spare only while the budget has room for it: spares count
     * against buffer.memory like batches in use. */
    int64_t fp = batch_footprint(b);
    pthread_mutex_lock(&p->pool_mu);
    int keep = atomic_load(&p->queued_bytes) + atomic_load(&p->pooled_bytes) + fp <= p->s.buffer_memory;
    if (keep) {
        b->charged = fp;
        atomic_fetch_add(&p->pooled_bytes, fp);
        b->next = p->pool;
        p->pool = b;
    }
    pthread_mutex_unlock(&p->pool_mu);
    if (keep)
        mem_wake(p);   /* a waiting send may free it for room */
    else
        batch_free(b);
}

/* Frees one spare; 0 if there was none. */
static int pool_trim_one(kc_producer_t *p)
{
    pthread_mutex_lock(&p->pool_mu);
    kc_pbatch_t *b = p->pool;
    if (b) {
        p->pool = b->next;
        atomic_fetch_sub(&p->pooled_bytes, b->charged);
    }
    pthread_mutex_unlock(&p->pool_mu);
    if (!b)
        return 0;
    batch_free(b);
    return 1;
}

/* ---- buffer.memory ------------------------------------------------ */

int64_t kc_acc_record_cost(int32_t key_len, int32_t value_len, const kc_rb_header_t *h, size_t hn)
{
    /* The record's bytes plus its varint framing and bookkeeping: close
     * enough to what it occupies, and cheap to compute. */
    int64_t c = 32 + (int64_t)sizeof(kc_prec_t) + (key_len > 0 ? key_len : 0) + (value_len > 0 ? value_len : 0);
    for (size_t i = 0; i < hn; i++)
        c += 10 + (int64_t)h[i].key_len + (h[i].value_len > 0 ? h[i].value_len : 0);
    return c;
}

/* Room for `bytes` more: everything in use plus the spares, or nothing in
 * use at all (a first batch always fits, so a buffer.memory smaller than one
 * batch still lets records through one batch at a time). */
static int has_room(kc_producer_t *p, int64_t bytes)
{
    long long used = atomic_load(&p->queued_bytes) + atomic_load(&p->pooled_bytes);
    return used == 0 || used + bytes <= p->s.buffer_memory;
}

/* Takes `bytes` of the budget at once if there is room; never waits. */
static int try_charge(kc_producer_t *p, int64_t bytes)
{
    long long cur = atomic_load(&p->queued_bytes);
    for (;;) {
        long long used = cur + atomic_load(&p->pooled_bytes);
        if (!(used == 0 || used + bytes <= p->s.buffer_memory))
            return 0;
        if (atomic_compare_exchange_weak(&p->queued_bytes, &cur, cur + bytes))
            return 1;
    }
}

kafkac_err_t kc_acc_wait_room(kc_producer_t *p, int64_t bytes, int64_t deadline_ms)
{
    for (;;) {
        if (has_room(p, bytes))
            return KAFKAC_OK;
        if (pool_trim_one(p))
            continue;
        if (atomic_load(&p->closing))
            return KAFKAC_ERR_DESTROYED;
        if (kc_now_ms() >= deadline_ms)
            return KAFKAC_ERR_QUEUE_FULL;
        pthread_mutex_lock(&p->mem_mu);
        atomic_fetch_add(&p->mem_waiters, 1);
        if (!has_room(p, bytes) && !p->pool && !atomic_load(&p->closing))
            kc_cond_wait_until(&p->mem_cv, &p->mem_mu, deadline_ms);
        atomic_fetch_sub(&p->mem_waiters, 1);
        pthread_mutex_unlock(&p->mem_mu);
    }
}

void kc_acc_release(kc_producer_t *p, int64_t bytes)
{
    if (bytes == 0)
        return;
    atomic_fetch_sub(&p->queued_bytes, bytes);
    mem_wake(p);
}

/* ---- append ------------------------------------------------------- */

static void queue_push(kc_ppart_t *pp, kc_pbatch_t *b)
{
    b->next = NULL;
    if (pp->qtail)
        pp->qtail->next = b;
    else
        pp->qhead = b;
    pp->qtail = b;
}

/* headers are already in the batch writer's form: the record handle
 * (record.c) keeps them that way, so a send converts and allocates
 * nothing for them. */
kafkac_err_t kc_acc_append(kc_producer_t *p, kc_ptopic_t *t, int32_t partition, int sticky, int64_t ts,
                           const void *key, int32_t key_len, const void *value, int32_t value_len,
                           const kc_rb_header_t *hdrs, size_t header_count, void *opaque,
                           kafkac_future_t *fut, int64_t deadline_ms)
{
    int wake = 0, switched = 0;
    kafkac_err_t err = KAFKAC_OK;
    if (sticky) {
        partition = atomic_load_explicit(&t->sticky, memory_order_relaxed);
        if (partition < 0) {
            kc_cluster_t *c = kc_net_cluster(p->net);
            int32_t np = kc_partition_random(t, c, -1);
            kc_cluster_unref(c);
            int expect = -1;
            if (!atomic_compare_exchange_strong(&t->sticky, &expect, np))
                np = expect;
            partition = np;
        }
    }
    kc_ppart_t *pp;
    kc_pbatch_t *b;
again:
    pp = t->parts[partition];
    pthread_mutex_lock(&pp->mu);
    b = pp->open;
    if (b && b->count > 0 &&
        kc_rb_writer_size(b->w) + kc_rb_writer_record_size(b->w, ts, key_len, value_len, hdrs, header_count) >
            (size_t)p->s.batch_size) {
        /* Full: hand it to the sender and start another. */
        queue_push(pp, b);
        pp->open = b = NULL;
        wake = 1;
    }
    if (!b) {
        if (sticky && !switched && t->partition_count > 1) {
            /* KIP-480: the sticky partition's batch is done, so records
             * move on to another partition and start a batch there. */
            pthread_mutex_unlock(&pp->mu);
            switched = 1;
            kc_cluster_t *c = kc_net_cluster(p->net);
            int32_t np = kc_partition_random(t, c, partition);
            kc_cluster_unref(c);
            int expect = partition;
            if (!atomic_compare_exchange_strong(&t->sticky, &expect, np))
                np = expect;   /* another thread switched first: follow it */
            partition = np;
            goto again;
        }
        b = kc_pbatch_get(p);
        if (!b) {
            err = KAFKAC_ERR_NO_MEMORY;
            goto out;
        }
        b->part = pp;
        b->created_ms = kc_now_ms();
        b->deadline_ms = b->created_ms + p->s.delivery_timeout_ms;
        pp->open = b;
        wake = 1;   /* the sender must learn the linger deadline */
    }
    /* Charge what this record makes the batch grow by, before it grows. */
    size_t rsize = kc_rb_writer_record_size(b->w, ts, key_len, value_len, hdrs, header_count);
    int32_t recs_cap = b->count == b->recs_cap ? (b->recs_cap ? b->recs_cap * 2 : RECS_FIRST_CAP) : b->recs_cap;
    int64_t grown = (int64_t)sizeof(*b) + (int64_t)kc_rb_writer_footprint_after(b->w, rsize) +
                    (int64_t)recs_cap * (int64_t)sizeof(kc_prec_t);
    int64_t need = grown - b->charged;
    if (need > 0 && !try_charge(p, need)) {
        /* No room: let go of the partition (a batch just started goes
         * back), free spares or wait for room, and try again. */
        if (b->count == 0 && pp->open == b) {
            pp->open = NULL;
            kc_pbatch_retire(p, b);
            kc_pbatch_put(p, b);
        }
        b = NULL;
        pthread_mutex_unlock(&pp->mu);
        if (wake) {
            kc_net_wakeup(p->net);
            wake = 0;
        }
        if ((err = kc_acc_wait_room(p, need, deadline_ms)) != KAFKAC_OK)
            goto done;
        switched = 1;   /* this partition stays the choice */
        goto again;
    }
    if (need > 0)
        b->charged += need;
    if (b->count == b->recs_cap) {
        kc_prec_t *nr = kc_realloc(b->recs, (size_t)recs_cap * sizeof(*nr));
        if (!nr) {
            err = KAFKAC_ERR_NO_MEMORY;
            kc_pbatch_recharge(p, b);
            goto out;
        }
        b->recs = nr;
        b->recs_cap = recs_cap;
    }
    err = kc_rb_writer_append(b->w, ts, key, key_len, value, value_len, hdrs, header_count);
    if (err) {
        kc_pbatch_recharge(p, b);   /* a failed grow charged too much */
        goto out;
    }
    kc_prec_t *r = &b->recs[b->count++];
    r->opaque = opaque;
    r->fut = fut;
    r->timestamp = ts;
    if (kc_rb_writer_size(b->w) >= (size_t)p->s.batch_size) {
        queue_push(pp, b);
        pp->open = NULL;
        wake = 1;
    }
out:
    if (err && b && b->count == 0 && pp->open == b) {
        pp->open = NULL;
        kc_pbatch_retire(p, b);
        kc_pbatch_put(p, b);
    }
    pthread_mutex_unlock(&pp->mu);
done:
    if (wake)
        kc_net_wakeup(p->net);
    return err;
}

void kc_acc_free(kc_producer_t *p)
{
    int n = atomic_load(&p->ntopics);
    kc_ptopic_t **arr = atomic_load(&p->topics);
    for (int i = 0; i < n; i++)
        topic_free(arr[i]);
    kc_free(arr);
    for (int i = 0; i < p->nold; i++)
        kc_free(p->old_arrays[i]);
    kc_free(p->old_arrays);
    while (p->pool) {
        kc_pbatch_t *b = p->pool;
        p->pool = b->next;
        batch_free(b);
    }
}

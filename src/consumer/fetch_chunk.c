/* Fetched records' memory: chunks (the records of one partition from one
 * fetch response, handed out by poll without copying), the response they
 * point into (kc_fetch_ref_t, freed with the last chunk), and the pool of
 * decompression buffers that freed chunks give back for the next
 * response.  The fetcher (fetcher.c) makes chunks with kc_chunk_parse_upto
 * on the I/O thread; poll and record release free them on application
 * threads, so every count here is atomic or under c->lock as noted in
 * consumer_int.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errstr.h"
#include "common/mem.h"
#include "consumer/consumer_int.h"

void kc_fetch_ref_unref(kc_fetch_ref_t *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        kc_resp_free(r->resp);
        kc_free(r);
    }
}

struct kc_bufpool {
    atomic_int refs;
    pthread_mutex_t lock;
    int n;
    struct kc_chunk_buf v[KC_BUFPOOL_MAX];
};

kc_bufpool_t *kc_bufpool_new(void)
{
    kc_bufpool_t *bp = kc_calloc(1, sizeof(*bp));
    if (!bp)
        return NULL;
    atomic_init(&bp->refs, 1);
    pthread_mutex_init(&bp->lock, NULL);
    return bp;
}

kc_bufpool_t *kc_bufpool_ref(kc_bufpool_t *bp)
{
    if (bp)
        atomic_fetch_add(&bp->refs, 1);
    return bp;
}

void kc_bufpool_unref(kc_bufpool_t *bp)
{
    if (!bp || atomic_fetch_sub(&bp->refs, 1) != 1)
        return;
    for (int i = 0; i < bp->n; i++)
        kc_free(bp->v[i].p);
    pthread_mutex_destroy(&bp->lock);
    kc_free(bp);
}

static void pool_put(kc_bufpool_t *bp, uint8_t *p, size_t cap)
{
    pthread_mutex_lock(&bp->lock);
    if (bp->n < KC_BUFPOOL_MAX) {
        bp->v[bp->n].p = p;
        bp->v[bp->n].cap = cap;
        bp->n++;
        p = NULL;
    }
    pthread_mutex_unlock(&bp->lock);
    kc_free(p);
}

static uint8_t *pool_get(kc_bufpool_t *bp, size_t *cap)
{
    uint8_t *p = NULL;
    pthread_mutex_lock(&bp->lock);
    if (bp->n > 0) {
        bp->n--;
        p = bp->v[bp->n].p;
        *cap = bp->v[bp->n].cap;
    }
    pthread_mutex_unlock(&bp->lock);
    return p;
}

void kc_chunk_unref(kc_chunk_t *ch)
{
    if (!ch || atomic_fetch_sub(&ch->refs, 1) != 1)
        return;
    for (int i = 0; i < ch->nbufs; i++) {
        if (ch->pool)
            pool_put(ch->pool, ch->bufs[i].p, ch->bufs[i].cap);
        else
            kc_free(ch->bufs[i].p);
    }
    kc_bufpool_unref(ch->pool);
    kc_free(ch->bufs);
    kc_free(ch->recs);
    kc_free(ch->topic_owned);
    kc_free(ch->errstr);
    kc_fetch_ref_unref(ch->ref);
    kc_free(ch);
}

kc_chunk_t *kc_chunk_event(const char *topic, int32_t partition, uint32_t pos_gen, kafkac_err_t err,
                           const char *errstr)
{
    kc_chunk_t *ch = kc_calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    atomic_init(&ch->refs, 1);
    ch->topic_owned = kc_strdup(topic ? topic : "");
    ch->errstr = kc_strdup(errstr ? errstr : "");
    if (!ch->topic_owned || !ch->errstr) {
        kc_chunk_unref(ch);
        return NULL;
    }
    ch->topic = ch->topic_owned;
    ch->partition = partition;
    ch->pos_gen = pos_gen;
    ch->err = err;
    ch->next_offset = -1;
    return ch;
}

static int chunk_push(kc_chunk_t *ch, const kc_record_t *r, int32_t leader_epoch)
{
    if (kc_array_room(&ch->recs, &ch->cap, ch->n, sizeof(*ch->recs), 64) != 0)
        return KAFKAC_ERR_NO_MEMORY;
    kafkac_record_t *o = &ch->recs[ch->n++];
    o->chunk = ch;
    o->offset = r->offset;
    o->timestamp = r->timestamp;
    o->ts_type = (int8_t)r->timestamp_type;
    o->key = r->key;
    o->key_len = r->key_len;
    o->value = r->value;
    o->value_len = r->value_len;
    o->headers = r->headers;
    o->headers_len = (uint32_t)r->headers_len;
    o->header_count = r->header_count;
    o->leader_epoch = leader_epoch;
    return 0;
}

kafkac_err_t kc_chunk_parse(kc_chunk_t *ch, kc_records_iter_t *it, kc_aborted_txns_t *aborted,
                            const kc_aborted_txn_t *ab_list, size_t ab_count, const uint8_t *data, size_t len,
                            int64_t fetch_offset, int64_t *next_offset, char *errstr, size_t errstr_size)
{
    return kc_chunk_parse_upto(ch, it, aborted, ab_list, ab_count, data, len, fetch_offset, -1, next_offset, errstr,
                               errstr_size);
}

kafkac_err_t kc_chunk_parse_upto(kc_chunk_t *ch, kc_records_iter_t *it, kc_aborted_txns_t *aborted,
                                 const kc_aborted_txn_t *ab_list, size_t ab_count, const uint8_t *data, size_t len,
                                 int64_t fetch_offset, int64_t budget, int64_t *next_offset, char *errstr,
                                 size_t errstr_size)
{
    kafkac_err_t err;
    *next_offset = fetch_offset;
    if (aborted) {
        if ((err = kc_aborted_txns_reset(aborted, ab_list, ab_count)) != 0)
            return err;
    }
    kc_records_iter_set_aborted(it, aborted);
    kc_records_iter_reset(it, data, len);
    kc_record_t rec;
    const kc_batch_t *b;
    /* The compressed batch whose buffer the chunk took last. */
    const uint8_t *copy_from = NULL;
    int64_t copy_base = -1;
    int64_t decompressed = 0;
    while ((err = kc_records_next(it, &rec, &b)) == 0) {
        int new_compressed = b->codec != KC_CODEC_NONE && (copy_base != b->base_offset || copy_from != b->records);
        if (new_compressed && budget >= 0 && ch->nbufs > 0 && decompressed >= budget) {
            /* Out of room: this batch (decompressed already, its buffer
             * stays with the iterator) is fetched again later. */
            *next_offset = b->base_offset > *next_offset ? b->base_offset : *next_offset;
            return 0;
        }
        if (rec.offset >= *next_offset)
            *next_offset = rec.offset + 1;
        if (rec.is_control || rec.offset < fetch_offset)
            continue;
        if (new_compressed) {
            /* A new compressed batch: the iterator would reuse its
             * decompression buffer for the next one, so the chunk takes
             * that buffer over (no copy) and keeps it with the records. */
            struct kc_chunk_buf *nb = kc_realloc(ch->bufs, (size_t)(ch->nbufs + 1) * sizeof(*nb));
            if (!nb)
                return KAFKAC_ERR_NO_MEMORY;
            ch->bufs = nb;
            size_t cap = 0;
            uint8_t *own = kc_records_iter_detach_scratch(it, &cap);
            if (!own)
                return KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;   /* decompressed, so it must be there */
            ch->bufs[ch->nbufs].p = own;
            ch->bufs[ch->nbufs].cap = cap;
            ch->nbufs++;
            /* The next compressed batch goes into a recycled buffer, or a
             * new one as large as this (growing one costs copies). */
            size_t ncap = 0;
            uint8_t *next = ch->pool ? pool_get(ch->pool, &ncap) : NULL;
            if (!next && (next = kc_malloc(cap)) != NULL)
                ncap = cap;
            kc_records_iter_give_scratch(it, next, ncap);
            ch->bytes += (int64_t)b->records_len;
            decompressed += (int64_t)b->records_len;
            copy_from = b->records;
            copy_base = b->base_offset;
        }
        if ((err = chunk_push(ch, &rec, b->partition_leader_epoch)) != 0)
            return err;
    }
    /* Batches skipped whole (aborted, control) still move the position. */
    int64_t after = kc_records_iter_next_offset(it);
    if (after > *next_offset)
        *next_offset = after;
    if (err == KAFKAC_ERR_PARTIAL)
        return 0;
    const char *field = NULL;
    int64_t base = -1;
    kc_records_iter_error(it, &field, &base);
    kc_errstr_set(errstr, errstr_size, "%s in the batch at offset %lld (field %s)", kafkac_err_str(err),
                  (long long)base, field ? field : "?");
    return err;
}


/* Futures and delivery reports.  A future is completed once, by the
 * producer (once per record, on the I/O thread or the closing thread),
 * and waited on by any number of threads.
 *
 * Each waiting thread sleeps on a condition variable of its own, linked
 * on the future it waits for, so completing a future wakes only the
 * threads waiting for that one: ten threads blocked on ten records are
 * not woken for every other record the sender acknowledges.  The sender
 * sets every future of a batch first (kc_future_set) and wakes their
 * waiters after (kc_future_notify), so a thread waiting on several
 * records of one batch in turn sleeps once for the batch, not once per
 * record.  A completion
 * nobody waits for takes no lock at all: it sets done, sees nwaiters == 0
 * and is finished.  That is safe because done and nwaiters are both
 * sequentially consistent atomics: a waiter raises nwaiters before it
 * looks at done, the completer sets done before it looks at nwaiters, so
 * at least one of them sees the other.  The lock is the future's own, so
 * a future stays usable after its producer is gone. */
#include <string.h>
#include "common/clock.h"
#include "common/mem.h"
#include "producer/producer_int.h"

static atomic_long wakeups;

long kc_future_wakeups(void)
{
    return atomic_load(&wakeups);
}

kafkac_err_t kafkac_delivery_err(const kafkac_delivery_t *d) { return d ? (kafkac_err_t)d->err : KAFKAC_ERR_INVALID_ARG; }
const char *kafkac_delivery_topic(const kafkac_delivery_t *d) { return d ? d->topic : NULL; }
int32_t kafkac_delivery_partition(const kafkac_delivery_t *d) { return d ? d->partition : -1; }
int64_t kafkac_delivery_offset(const kafkac_delivery_t *d) { return d ? d->offset : -1; }
int64_t kafkac_delivery_timestamp(const kafkac_delivery_t *d) { return d ? d->timestamp : -1; }
void *kafkac_delivery_opaque(const kafkac_delivery_t *d) { return d ? d->opaque : NULL; }

kafkac_future_t *kc_future_new(const char *topic, void *opaque, int64_t default_wait_ms)
{
    size_t tl = strlen(topic);
    kafkac_future_t *f = kc_malloc(sizeof(*f) + tl + 1);
    if (!f)
        return NULL;
    if (pthread_mutex_init(&f->mu, NULL) != 0) {
        kc_free(f);
        return NULL;
    }
    memcpy(f->topic, topic, tl + 1);
    f->d.topic = f->topic;
    f->d.partition = -1;
    f->d.offset = -1;
    f->d.timestamp = -1;
    f->d.opaque = opaque;
    f->d.err = 0;
    f->waiters = NULL;
    f->default_wait_ms = default_wait_ms;
    atomic_init(&f->done, 0);
    atomic_init(&f->refs, 2);
    atomic_init(&f->nwaiters, 0);
    return f;
}

void kc_future_release(kafkac_future_t *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1) {
        pthread_mutex_destroy(&f->mu);
        kc_free(f);
    }
}

void kc_future_set(kafkac_future_t *f, int err, int32_t partition, int64_t offset, int64_t timestamp)
{
    f->d.err = err;
    f->d.partition = partition;
    f->d.offset = offset;
    f->d.timestamp = timestamp;
    atomic_store(&f->done, 1);   /* publishes d */
}

void kc_future_notify(kafkac_future_t *f)
{
    if (atomic_load(&f->nwaiters) > 0) {
        pthread_mutex_lock(&f->mu);
        for (kc_fwaiter_t *w = f->waiters; w; w = w->next)
            pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&f->mu);
    }
    kc_future_release(f);
}

void kc_future_complete(kafkac_future_t *f, int err, int32_t partition, int64_t offset, int64_t timestamp)
{
    kc_future_set(f, err, partition, offset, timestamp);
    kc_future_notify(f);
}

int kafkac_future_done(const kafkac_future_t *f)
{
    return f ? atomic_load(&((kafkac_future_t *)f)->done) : 0;
}

kafkac_err_t kafkac_future_wait(kafkac_future_t *f, int timeout_ms, const kafkac_delivery_t **out)
{
    if (!f)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, f->default_wait_ms, &deadline);
    if (err != KAFKAC_OK)
        return err;
    if (!atomic_load(&f->done) && timeout_ms != 0) {
        kc_fwaiter_t w;
        if (kc_cond_init(&w.cv) != 0)
            return KAFKAC_ERR_NO_MEMORY;
        pthread_mutex_lock(&f->mu);
        w.next = f->waiters;
        f->waiters = &w;
        atomic_fetch_add(&f->nwaiters, 1);
        while (!atomic_load(&f->done)) {
            int rc = kc_cond_wait_until(&w.cv, &f->mu, deadline);
            atomic_fetch_add_explicit(&wakeups, 1, memory_order_relaxed);
            if (rc != 0)
                break;
        }
        atomic_fetch_sub(&f->nwaiters, 1);
        for (kc_fwaiter_t **pp = &f->waiters; *pp; pp = &(*pp)->next)
            if (*pp == &w) {
                *pp = w.next;
                break;
            }
        pthread_mutex_unlock(&f->mu);
        pthread_cond_destroy(&w.cv);
    }
    if (!atomic_load(&f->done))
        return KAFKAC_ERR_TIMED_OUT;
    if (out)
        *out = &f->d;
    return (kafkac_err_t)f->d.err;
}

void kafkac_future_destroy(kafkac_future_t *f)
{
    kc_future_release(f);
}

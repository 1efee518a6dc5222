/* Futures and delivery reports.  A future is completed once, by the
 * producer, and waited on by any number of threads.  All futures share
 * one mutex and condition variable: completions are per batch, waits
 * are rare next to sends, and a future must stay usable after its
 * producer is gone, so it cannot borrow the producer's. */
#include <string.h>
#include <time.h>
#include "common/mem.h"
#include "producer/producer_int.h"

static pthread_mutex_t fut_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fut_cv;
static pthread_once_t fut_once = PTHREAD_ONCE_INIT;

static void fut_init(void)
{
    kc_cond_init(&fut_cv);
}

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

kafkac_future_t *kc_future_new(const char *topic, void *opaque)
{
    size_t tl = strlen(topic);
    kafkac_future_t *f = kc_malloc(sizeof(*f) + tl + 1);
    if (!f)
        return NULL;
    memcpy(f->topic, topic, tl + 1);
    f->d.topic = f->topic;
    f->d.partition = -1;
    f->d.offset = -1;
    f->d.timestamp = -1;
    f->d.opaque = opaque;
    f->d.err = 0;
    atomic_init(&f->done, 0);
    atomic_init(&f->refs, 2);
    return f;
}

void kc_future_release(kafkac_future_t *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1)
        kc_free(f);
}

void kc_future_complete(kafkac_future_t *f, int err, int32_t partition, int64_t offset, int64_t timestamp)
{
    pthread_once(&fut_once, fut_init);
    pthread_mutex_lock(&fut_mu);
    f->d.err = err;
    f->d.partition = partition;
    f->d.offset = offset;
    f->d.timestamp = timestamp;
    atomic_store(&f->done, 1);
    pthread_cond_broadcast(&fut_cv);
    pthread_mutex_unlock(&fut_mu);
    kc_future_release(f);
}

int kafkac_future_done(const kafkac_future_t *f)
{
    return f ? atomic_load(&((kafkac_future_t *)f)->done) : 0;
}

kafkac_err_t kafkac_future_wait(kafkac_future_t *f, int timeout_ms, const kafkac_delivery_t **out)
{
    if (!f)
        return KAFKAC_ERR_INVALID_ARG;
    pthread_once(&fut_once, fut_init);
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : kc_now_ms() + timeout_ms;
    pthread_mutex_lock(&fut_mu);
    while (!atomic_load(&f->done) && timeout_ms != 0) {
        int rc = kc_cond_wait_until(&fut_cv, &fut_mu, deadline);
        atomic_fetch_add_explicit(&wakeups, 1, memory_order_relaxed);
        if (rc != 0)
            break;
    }
    int done = atomic_load(&f->done);
    pthread_mutex_unlock(&fut_mu);
    if (!done)
        return KAFKAC_ERR_TIMED_OUT;
    if (out)
        *out = &f->d;
    return (kafkac_err_t)f->d.err;
}

void kafkac_future_destroy(kafkac_future_t *f)
{
    kc_future_release(f);
}

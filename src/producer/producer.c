/* The public producer (include/kafkac/producer.h): creation from a
 * configuration, send (topic metadata, partition choice, buffer.memory,
 * append), poll/flush/close, metrics.  The work behind it is in
 * accumulator.c and sender.c. */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common/errstr.h"
#include "common/mem.h"
#include "producer/producer_int.h"

struct kafkac_producer {
    kc_producer_t p;
    atomic_int active_sends;   /* sends between their closing check and their append */
    int closed;
    pthread_mutex_t close_mu;
};

kc_producer_t *kc_producer_inner(kafkac_producer_t *kp)
{
    return kp ? &kp->p : NULL;
}

int kc_producer_use(kc_producer_t *p)
{
    pthread_mutex_lock(&p->use_mu);
    int ok = !atomic_load(&p->stopping);
    if (ok)
        p->users++;
    pthread_mutex_unlock(&p->use_mu);
    return ok;
}

void kc_producer_unuse(kc_producer_t *p)
{
    pthread_mutex_lock(&p->use_mu);
    if (--p->users == 0)
        pthread_cond_broadcast(&p->use_cv);
    pthread_mutex_unlock(&p->use_mu);
}

/* Records why a send was refused, for kafkac_producer_send_error. */
static void set_send_error(kc_producer_t *p, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_send_error(kc_producer_t *p, int err, const char *fmt, ...)
{
    char buf[sizeof p->send_errstr];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->err_mu);
    p->send_err = err;
    memcpy(p->send_errstr, buf, sizeof buf);
    pthread_mutex_unlock(&p->err_mu);
}

kafkac_err_t kafkac_producer_send_error(kafkac_producer_t *kp, char *errstr, size_t errstr_size)
{
    if (!kp) {
        kc_errstr_set(errstr, errstr_size, "%s", "producer is NULL");
        return KAFKAC_ERR_INVALID_ARG;
    }
    kc_producer_t *p = &kp->p;
    pthread_mutex_lock(&p->err_mu);
    int err = p->send_err;
    kc_errstr_set(errstr, errstr_size, "%s", p->send_errstr);
    pthread_mutex_unlock(&p->err_mu);
    return (kafkac_err_t)err;
}

/* "host:port[,host:port...]" of bootstrap.servers, for error texts. */
static void bootstrap_text(const kc_producer_t *p, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->s.bootstrap.n && at + 1 < len; i++) {
        const kc_hostport_t *h = &p->s.bootstrap.v[i];
        int n = snprintf(buf + at, len - at, strchr(h->host, ':') ? "%s[%s]:%d" : "%s%s:%d", i ? "," : "", h->host,
                         h->port);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

static void producer_free(kafkac_producer_t *kp)
{
    kc_producer_t *p = &kp->p;
    kc_net_destroy(p->net);
    kc_txn_destroy(p->txn);   /* after the I/O thread: its callbacks use it */
    kc_acc_free(p);
    kc_sender_scratch_free(p->sender_scratch);
    pthread_mutex_destroy(&p->topics_mu);
    pthread_mutex_destroy(&p->pool_mu);
    pthread_mutex_destroy(&p->mem_mu);
    pthread_cond_destroy(&p->mem_cv);
    pthread_mutex_destroy(&p->dq_mu);
    pthread_cond_destroy(&p->dq_cv);
    pthread_mutex_destroy(&kp->close_mu);
    pthread_mutex_destroy(&p->use_mu);
    pthread_cond_destroy(&p->use_cv);
    pthread_mutex_destroy(&p->err_mu);
    kc_settings_free(&p->s);
    kc_free(kp);
}

kafkac_producer_t *kafkac_producer_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size)
{
    char tmp[512];
    if (!conf) {
        kc_errstr_set(errstr, errstr_size, "%s", "conf is NULL");
        return NULL;
    }
    kafkac_producer_t *kp = kc_calloc(1, sizeof(*kp));
    if (!kp) {
        kc_errstr_set(errstr, errstr_size, "%s", "out of memory");
        return NULL;
    }
    kc_producer_t *p = &kp->p;
    if (kc_settings_load(&p->s, conf, KC_SCOPE_PRODUCER, tmp, sizeof tmp) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_free(kp);
        return NULL;
    }
    pthread_mutex_init(&p->topics_mu, NULL);
    pthread_mutex_init(&p->pool_mu, NULL);
    pthread_mutex_init(&p->mem_mu, NULL);
    kc_cond_init(&p->mem_cv);
    pthread_mutex_init(&p->dq_mu, NULL);
    kc_cond_init(&p->dq_cv);
    pthread_mutex_init(&kp->close_mu, NULL);
    pthread_mutex_init(&p->use_mu, NULL);
    kc_cond_init(&p->use_cv);
    pthread_mutex_init(&p->err_mu, NULL);
    p->pid = -1;
    p->epoch = -1;
    p->pid_state = KC_PID_NONE;
    p->backoff_seed = (unsigned)kc_wall_ms() ^ (unsigned)(uintptr_t)p;
    p->sender_scratch = kc_sender_scratch_new();
    if (!p->sender_scratch) {
        kc_errstr_set(errstr, errstr_size, "%s", "out of memory");
        producer_free(kp);
        return NULL;
    }
    kc_net_opts_t o;
    kc_net_opts_from_settings(&o, &p->s);
    p->net = kc_net_new(&o, tmp, sizeof tmp);
    if (!p->net) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        producer_free(kp);
        return NULL;
    }
    /* The transaction manager first: registering the sender publishes
     * p->txn and its hooks to the I/O thread, which is already running. */
    if (p->s.transactional_id && kc_txn_new(p) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "%s", "out of memory");
        producer_free(kp);
        return NULL;
    }
    if (kc_net_add_service(p->net, kc_sender_serve, p) != 0) {
        kc_errstr_set(errstr, errstr_size, "%s", "out of memory");
        producer_free(kp);
        return NULL;
    }
    return kp;
}

void kafkac_producer_set_delivery_cb(kafkac_producer_t *kp, kafkac_delivery_cb cb, void *opaque)
{
    if (!kp)
        return;
    pthread_mutex_lock(&kp->p.dq_mu);
    kp->p.dr_cb = cb;
    kp->p.dr_opaque = opaque;
    pthread_mutex_unlock(&kp->p.dq_mu);
}

void kafkac_producer_set_partitioner(kafkac_producer_t *kp, kafkac_partitioner_cb cb, void *opaque)
{
    if (!kp)
        return;
    kp->p.part_opaque = opaque;
    kp->p.part_cb = cb;
}

/* Why no metadata came within max.block.ms: when no broker could be
 * reached, what happened (ALL_BROKERS_DOWN, RESOLVE or TIMED_OUT) with
 * the last connection error; else UNKNOWN_TOPIC, with the topic's error
 * if the broker gave one. */
static kafkac_err_t no_metadata(kc_producer_t *p, const char *topic, int topic_err)
{
    char why[256], boot[256];
    int64_t down_ms = 0;
    int err = kc_net_reachability(p->net, &down_ms, why, sizeof why);
    bootstrap_text(p, boot, sizeof boot);
    /* With max.block.ms=0 nothing was waited for: "no connection is up
     * yet" is not news, but a connection that failed is. */
    if (err == KAFKAC_ERR_TIMED_OUT && p->s.max_block_ms <= 0)
        err = 0;
    if (err) {
        char text[sizeof p->send_errstr];
        kc_errstr_set(text, sizeof text,   /* truncation is fine */
                      "%s: no broker of %s could be reached within max.block.ms (%lld ms) to get metadata for topic '%s'%s%s",
                      kafkac_err_name(err), boot, (long long)p->s.max_block_ms, topic,
                      why[0] ? "; last connection error: " : " (no connection attempt has finished yet)", why);
        set_send_error(p, err, "%s", text);
        kc_log(&p->s.log, KAFKAC_LOG_WARNING, "producer", "%s", text);
        return (kafkac_err_t)err;
    }
    set_send_error(p, KAFKAC_ERR_UNKNOWN_TOPIC, "no metadata for topic '%s' within max.block.ms (%lld ms)%s%s", topic,
                   (long long)p->s.max_block_ms, topic_err ? "; the broker says " : "",
                   topic_err ? kafkac_err_name(topic_err) : "");
    return KAFKAC_ERR_UNKNOWN_TOPIC;
}

/* The topic's entry, waiting (up to deadline) for its metadata. */
static kafkac_err_t topic_wait(kc_producer_t *p, const char *topic, int64_t deadline, kc_ptopic_t **out)
{
    const char *one[1] = { topic };
    int err = kc_net_want_topics(p->net, one, 1, 0);
    if (err)
        return (kafkac_err_t)err;
    int asked = 0;
    for (;;) {
        kc_cluster_t *c = kc_net_cluster(p->net);
        const kc_topic_info_t *ti = kc_cluster_topic(c, topic);
        if (ti && ti->err == 0 && ti->partition_count > 0) {
            err = kc_acc_topic_add(p, ti, out);
            kc_cluster_unref(c);
            return (kafkac_err_t)err;
        }
        if (ti && (ti->err == KAFKAC_ERR_TOPIC_AUTHORIZATION_FAILED || ti->err == KAFKAC_ERR_INVALID_TOPIC_EXCEPTION)) {
            err = ti->err;
            kc_cluster_unref(c);
            set_send_error(p, err, "topic '%s': %s", topic, kafkac_err_str(err));
            return (kafkac_err_t)err;
        }
        int topic_err = ti ? ti->err : 0;
        int64_t ver = c->version;
        kc_cluster_unref(c);
        int64_t now = kc_now_ms();
        if (now >= deadline)
            return no_metadata(p, topic, topic_err);
        /* A TLS failure (a certificate check, TLS against a plaintext
         * listener) with no broker reachable will not mend by waiting:
         * report it now rather than at max.block.ms. */
        if (kc_net_reachability(p->net, NULL, NULL, 0) == KAFKAC_ERR_SSL)
            return no_metadata(p, topic, topic_err);
        if (atomic_load(&p->closing))
            return KAFKAC_ERR_DESTROYED;
        /* SASL refused us (wrong password, mechanism not enabled): that
         * will not change by waiting out max.block.ms. */
        char why[256];
        int reach = kc_net_reachability(p->net, NULL, why, sizeof why);
        if (kc_net_auth_error(reach)) {
            set_send_error(p, reach, "no metadata for topic '%s': %s", topic, why);
            return (kafkac_err_t)reach;
        }
        if (asked)
            kc_net_refresh_metadata(p->net, "waiting for a topic's metadata");
        asked = 1;
        int64_t wait = deadline - now;
        if (wait > p->s.retry_backoff_ms + 100)
            wait = p->s.retry_backoff_ms + 100;
        c = kc_net_wait_cluster(p->net, ver, (int)wait);
        kc_cluster_unref(c);
    }
}

/* How long a partition the metadata does not list yet is looked for
 * before it is refused.  One refresh is not enough: an answer already on
 * its way when the partitions were added, or a broker whose metadata lags
 * the controller by a moment (seen on 4.4.0 under load), still says the
 * old count.  Java waits max.block.ms (60 s) for a partition that does
 * not exist; a couple of seconds of refreshes tells added from absent. */
#define PARTITION_GRACE_MS 2000

/* A record for partition `partition` of t, which had fewer partitions
 * when the producer last looked: partitions may have been added.  Grows
 * t from the current metadata, or else from fresh refreshes for
 * PARTITION_GRACE_MS (never past the deadline, max.block.ms); a partition
 * still unknown then does not exist. */
static kafkac_err_t partition_wait(kc_producer_t *p, kc_ptopic_t *t, int32_t partition, int64_t deadline)
{
    int64_t asked_after = -1;   /* the snapshot version when we last asked for a refresh */
    int64_t give_up = kc_now_ms() + PARTITION_GRACE_MS;
    if (give_up > deadline)
        give_up = deadline;
    for (;;) {
        kc_cluster_t *c = kc_net_cluster(p->net);
        const kc_topic_info_t *ti = kc_cluster_topic(c, t->name);
        int32_t n = ti && ti->err == 0 ? ti->partition_count : 0;
        int64_t ver = c->version;
        kc_cluster_unref(c);
        if (n > atomic_load(&t->partition_count)) {
            kafkac_err_t err = kc_acc_topic_grow(p, t, n);
            if (err)
                return err;
        }
        if (partition < atomic_load(&t->partition_count))
            return KAFKAC_OK;
        int64_t now = kc_now_ms();
        if ((asked_after >= 0 && ver > asked_after && now >= give_up) || now >= deadline) {
            set_send_error(p, KAFKAC_ERR_UNKNOWN_PARTITION, "topic '%s' has %d partitions: no partition %d", t->name,
                           (int)atomic_load(&t->partition_count), (int)partition);
            return KAFKAC_ERR_UNKNOWN_PARTITION;
        }
        if (atomic_load(&p->closing))
            return KAFKAC_ERR_DESTROYED;
        if (asked_after < 0 || ver > asked_after) {
            /* Ask again each time an answer came without the partition. */
            kc_net_refresh_metadata(p->net, "a partition the producer does not know");
            asked_after = ver;
        }
        int64_t wait = deadline - kc_now_ms();
        if (wait > p->s.retry_backoff_ms + 100)
            wait = p->s.retry_backoff_ms + 100;
        c = kc_net_wait_cluster(p->net, ver, (int)(wait > 0 ? wait : 0));
        kc_cluster_unref(c);
    }
}

/* The text of a refusal that needs no more than its context. */
static void note_refusal(kc_producer_t *p, kafkac_err_t err, const char *topic, int32_t partition, int64_t cost)
{
    switch (err) {
    case KAFKAC_ERR_DESTROYED:
        set_send_error(p, err, "the producer is closed");
        break;
    case KAFKAC_ERR_UNKNOWN_PARTITION:
        set_send_error(p, err, "topic '%s' has no partition %d", topic, (int)partition);
        break;
    case KAFKAC_ERR_MSG_SIZE_TOO_LARGE:
        set_send_error(p, err, "a record of about %lld bytes is larger than max.request.size (%lld) or buffer.memory (%lld)",
                       (long long)cost, (long long)p->s.max_request_size, (long long)p->s.buffer_memory);
        break;
    case KAFKAC_ERR_QUEUE_FULL: {
        char why[256] = "";
        int64_t down_ms = 0;
        int r = kc_net_reachability(p->net, &down_ms, why, sizeof why);
        set_send_error(p, err, "buffer.memory (%lld bytes) stayed full for max.block.ms (%lld ms)%s%s%s%s",
                       (long long)p->s.buffer_memory, (long long)p->s.max_block_ms,
                       r ? "; no broker reachable: " : "", r ? kafkac_err_name(r) : "", r && why[0] ? ": " : "",
                       r ? why : "");
        break;
    }
    default:
        set_send_error(p, err, "%s", kafkac_err_str(err));
        break;
    }
}

/* The one send path behind kafkac_producer_send and
 * kafkac_producer_send_record.  headers come from a record handle, which
 * checked each one when it was added. */
static kafkac_err_t send_one(kafkac_producer_t *kp, const char *topic, int32_t partition, const void *key,
                             int32_t key_len, const void *value, int32_t value_len, const kc_rb_header_t *headers,
                             size_t header_count, int64_t timestamp, void *msg_opaque, kafkac_future_t **future)
{
    if (future)
        *future = NULL;
    if (!kp || !topic || !*topic || key_len < -1 || value_len < -1 || (key_len > 0 && !key) ||
        (value_len > 0 && !value) || partition < KAFKAC_PARTITION_ANY || timestamp < KAFKAC_TIMESTAMP_NONE)
        return KAFKAC_ERR_INVALID_ARG;
    kc_producer_t *p = &kp->p;
    if (!kc_producer_use(p)) {
        set_send_error(p, KAFKAC_ERR_DESTROYED, "the producer is closed");
        return KAFKAC_ERR_DESTROYED;
    }
    atomic_fetch_add(&kp->active_sends, 1);
    kafkac_err_t err;
    kafkac_future_t *fut = NULL;
    int64_t cost = 0;
    int noted = 0;   /* the error's text is already recorded */
    if (atomic_load(&p->closing)) {
        err = KAFKAC_ERR_DESTROYED;
        goto out;
    }
    if (atomic_load(&p->fatal)) {
        err = KAFKAC_ERR_FATAL;
        goto out;
    }
    if (p->txn && (err = kc_txn_check_send(p->txn)) != KAFKAC_OK)
        goto out;   /* outside a transaction, or it can only abort */
    int64_t deadline = kc_now_ms() + p->s.max_block_ms;
    kc_ptopic_t *t = kc_acc_topic(p, topic);
    if (!t && (err = topic_wait(p, topic, deadline, &t)) != KAFKAC_OK) {
        noted = err != KAFKAC_ERR_DESTROYED && err != KAFKAC_ERR_NO_MEMORY;
        goto out;
    }
    int sticky = 0;
    if (partition == KAFKAC_PARTITION_ANY) {
        partition = kc_partition_choose(p, t, key_len >= 0 ? key : NULL, key_len);
        if (partition == KC_PART_STICKY) {
            sticky = 1;
            partition = 0;
        }
    }
    if (partition >= t->partition_count && (err = partition_wait(p, t, partition, deadline)) != KAFKAC_OK) {
        noted = err != KAFKAC_ERR_DESTROYED;
        goto out;
    }
    if (partition < 0) {
        err = KAFKAC_ERR_UNKNOWN_PARTITION;
        goto out;
    }
    cost = kc_acc_record_cost(key_len, value_len, headers, header_count);
    if (cost > p->s.max_request_size || (cost > p->s.buffer_memory && p->s.buffer_memory > 0)) {
        err = KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
        goto out;
    }
    if (future && !(fut = kc_future_new(topic, msg_opaque, p->s.delivery_timeout_ms))) {
        err = KAFKAC_ERR_NO_MEMORY;
        goto out;
    }
    atomic_fetch_add(&p->outstanding, 1);
    err = kc_acc_append(p, t, partition, sticky, timestamp == KAFKAC_TIMESTAMP_NONE ? kc_wall_ms() : timestamp, key, key_len, value,
                        value_len, headers, header_count, msg_opaque, fut, deadline);
    if (err) {
        atomic_fetch_sub(&p->outstanding, 1);
        goto out;
    }
    if (future)
        *future = fut;
    atomic_fetch_sub(&kp->active_sends, 1);
    kc_producer_unuse(p);
    return KAFKAC_OK;
out:
    if (fut) {
        kc_future_release(fut);
        kc_future_release(fut);
    }
    atomic_fetch_sub(&kp->active_sends, 1);
    if (!noted)
        note_refusal(p, err, topic, partition, cost);
    kc_producer_unuse(p);
    return err;
}

kafkac_err_t kafkac_producer_send(kafkac_producer_t *kp, const char *topic, const void *key, int32_t key_len,
                                  const void *value, int32_t value_len, kafkac_future_t **future)
{
    return send_one(kp, topic, KAFKAC_PARTITION_ANY, key, key_len, value, value_len, NULL, 0, KAFKAC_TIMESTAMP_NONE,
                    NULL, future);
}

kafkac_err_t kafkac_producer_send_record(kafkac_producer_t *kp, const kafkac_producer_record_t *r,
                                         kafkac_future_t **future)
{
    if (!r) {
        if (future)
            *future = NULL;
        return KAFKAC_ERR_INVALID_ARG;
    }
    return send_one(kp, r->topic, r->partition, r->key, r->key_len, r->value, r->value_len, r->headers,
                    r->header_count, r->timestamp, r->opaque, future);
}

/* Runs the callbacks of completed batches, waiting up to wait_ms for the
 * first.  Returns the number of records reported. */
static int run_callbacks(kc_producer_t *p, int wait_ms)
{
    pthread_mutex_lock(&p->dq_mu);
    if (!p->dq_head && wait_ms != 0) {
        if (wait_ms < 0) {
            pthread_cond_wait(&p->dq_cv, &p->dq_mu);
        } else {
            kc_cond_wait_until(&p->dq_cv, &p->dq_mu, kc_now_ms() + wait_ms);
        }
    }
    kc_pbatch_t *list = p->dq_head;
    p->dq_head = p->dq_tail = NULL;
    kafkac_delivery_cb cb = p->dr_cb;
    void *op = p->dr_opaque;
    pthread_mutex_unlock(&p->dq_mu);
    int n = 0;
    while (list) {
        kc_pbatch_t *b = list;
        list = b->next;
        kafkac_delivery_t d;
        d.topic = b->part->topic->name;
        d.partition = b->part->id;
        d.err = b->err;
        for (int32_t i = 0; i < b->count; i++) {
            d.offset = (b->err == 0 && b->base_offset >= 0) ? b->base_offset + i : -1;
            d.timestamp = b->log_append_time >= 0 ? b->log_append_time : b->recs[i].timestamp;
            d.opaque = b->recs[i].opaque;
            if (cb)
                cb(op, &d);
            n++;
        }
        kc_pbatch_put(p, b);
    }
    return n;
}

int kafkac_producer_poll(kafkac_producer_t *kp, int timeout_ms)
{
    if (!kp)
        return 0;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, kp->p.s.delivery_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    for (;;) {
        /* Waits in slices of at most a second, so that no int overflows
         * however far away the deadline is. */
        int left = kc_ms_left(deadline);
        int n = run_callbacks(&kp->p, left > 1000 ? 1000 : left);
        if (n > 0 || left == 0)
            return n;
    }
}

/* Waits until nothing is outstanding and every outcome was reported.
 * With leave_on_stop (flush), returns KAFKAC_ERR_DESTROYED as soon as
 * close starts stopping the I/O thread. */
static kafkac_err_t wait_all(kc_producer_t *p, int64_t deadline, int leave_on_stop)
{
    for (;;) {
        run_callbacks(p, 0);
        if (leave_on_stop && atomic_load(&p->stopping))
            return KAFKAC_ERR_DESTROYED;
        pthread_mutex_lock(&p->dq_mu);
        int done = atomic_load(&p->outstanding) == 0 && !p->dq_head;
        pthread_mutex_unlock(&p->dq_mu);
        if (done)
            return KAFKAC_OK;
        int left = kc_ms_left(deadline);
        if (left == 0)
            return KAFKAC_ERR_TIMED_OUT;
        run_callbacks(p, left > 100 ? 100 : left);
    }
}

kafkac_err_t kafkac_producer_flush(kafkac_producer_t *kp, int timeout_ms)
{
    if (!kp)
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, kp->p.s.delivery_timeout_ms, &deadline);
    if (err != KAFKAC_OK)
        return err;
    return kc_producer_flush_until(kp, deadline);
}

kafkac_err_t kc_producer_flush_until(kafkac_producer_t *kp, int64_t deadline)
{
    kc_producer_t *p = &kp->p;
    if (!kc_producer_use(p)) {
        /* Closed: close completed every record; report what is left.
         * Still closing: close will. */
        run_callbacks(p, 0);
        return atomic_load(&p->net_gone) ? KAFKAC_OK : KAFKAC_ERR_DESTROYED;
    }
    atomic_fetch_add(&p->flushing, 1);
    kc_net_wakeup(p->net);
    kafkac_err_t err = wait_all(p, deadline, 1);
    atomic_fetch_sub(&p->flushing, 1);
    kc_producer_unuse(p);
    if (err == KAFKAC_ERR_DESTROYED) {
        /* close purged what was left; those outcomes are reported by
         * close itself, or by this call. */
        run_callbacks(p, 0);
    }
    return err;
}

kafkac_err_t kafkac_producer_close(kafkac_producer_t *kp, int timeout_ms)
{
    if (!kp)
        return KAFKAC_ERR_INVALID_ARG;
    kc_producer_t *p = &kp->p;
    int64_t deadline;
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, p->s.delivery_timeout_ms, &deadline);
    if (err != KAFKAC_OK)
        return err;
    pthread_mutex_lock(&kp->close_mu);
    if (kp->closed) {
        pthread_mutex_unlock(&kp->close_mu);
        return KAFKAC_OK;
    }
    atomic_store(&p->closing, 1);
    pthread_mutex_lock(&p->mem_mu);
    pthread_cond_broadcast(&p->mem_cv);
    pthread_mutex_unlock(&p->mem_mu);
    /* Sends that passed their closing check finish appending (or fail)
     * first, so that nothing is added after the final sweep below. */
    while (atomic_load(&kp->active_sends) > 0)
        sched_yield();
    kc_net_wakeup(p->net);
    err = wait_all(p, deadline, 0);
    /* Calls on other threads that may use the network client (flush, a
     * transactional call, a send waiting for metadata) leave first: they
     * see `stopping` and are woken here; new ones are refused.  Their
     * waits wake at least every 200 ms, so this wait is short. */
    pthread_mutex_lock(&p->use_mu);
    atomic_store(&p->stopping, 1);
    pthread_mutex_unlock(&p->use_mu);
    kc_txn_wake(p->txn);
    pthread_mutex_lock(&p->dq_mu);
    pthread_cond_broadcast(&p->dq_cv);
    pthread_mutex_unlock(&p->dq_mu);
    pthread_mutex_lock(&p->mem_mu);
    pthread_cond_broadcast(&p->mem_cv);
    pthread_mutex_unlock(&p->mem_mu);
    pthread_mutex_lock(&p->use_mu);
    while (p->users > 0)
        pthread_cond_wait(&p->use_cv, &p->use_mu);
    pthread_mutex_unlock(&p->use_mu);
    /* Stopping the I/O thread fails whatever is still in flight, then
     * what never left the queue fails here. */
    kc_net_destroy(p->net);
    p->net = NULL;
    atomic_store(&p->net_gone, 1);
    kc_txn_closed(p->txn);
    kc_sender_fail_all(p, KAFKAC_ERR_PURGED);
    run_callbacks(p, 0);
    kp->closed = 1;
    pthread_mutex_unlock(&kp->close_mu);
    return err;
}

void kafkac_producer_destroy(kafkac_producer_t *kp)
{
    if (!kp)
        return;
    kafkac_producer_close(kp, 0);
    producer_free(kp);
}

kafkac_err_t kafkac_producer_metrics(kafkac_producer_t *kp, kafkac_producer_metrics_t *out, size_t m_size)
{
    if (!kp || !out)
        return KAFKAC_ERR_INVALID_ARG;
    kc_producer_t *p = &kp->p;
    kafkac_producer_metrics_t m;
    memset(&m, 0, sizeof m);
    m.records_sent = atomic_load(&p->m_records);
    m.bytes_sent = atomic_load(&p->m_bytes);
    m.batches_sent = atomic_load(&p->m_batches);
    m.batch_size_avg = m.batches_sent ? (double)m.bytes_sent / (double)m.batches_sent : 0.0;
    m.records_per_batch_avg = m.batches_sent ? (double)m.records_sent / (double)m.batches_sent : 0.0;
    m.requests_sent = atomic_load(&p->m_requests);
    m.request_latency_avg_ms = m.requests_sent ? (double)atomic_load(&p->m_lat_sum) / (double)m.requests_sent : 0.0;
    m.request_latency_max_ms = atomic_load(&p->m_lat_max);
    m.retries = atomic_load(&p->m_retries);
    m.record_errors = atomic_load(&p->m_rec_errors);
    m.queued_records = atomic_load(&p->outstanding);
    m.queued_bytes = atomic_load(&p->queued_bytes);
    m.in_flight_requests = atomic_load(&p->m_inflight);
    m.epoch_bumps = atomic_load(&p->m_bumps);
    m.pooled_bytes = atomic_load(&p->pooled_bytes);
    memcpy(out, &m, m_size < sizeof m ? m_size : sizeof m);
    return KAFKAC_OK;
}

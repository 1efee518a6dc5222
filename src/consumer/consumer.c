/* The consumer handle (include/kafkac/consumer.h): creation and close,
 * poll and the record accessors, the assignment (assign, and the
 * functions the group coordinator uses to change it, consumer_int.h).
 * Positions, pause/resume, offset lookups and stored offsets are in
 * positions.c.
 *
 * The fetcher (fetcher.c) fills c->ready_head..ready_tail on the I/O
 * thread; poll takes records from it under c->lock and hands them out as
 * pointers into the fetch responses, each record holding a reference on
 * its chunk. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"
#include "common/errstr.h"
#include "consumer/consumer_int.h"

#define KC_POLL_MAX (1 << 20)

struct kafkac_records {
    int n;
    kafkac_record_t *v[];
};

/* ------------------------------------------------------------------ */
/* Records                                                             */

const char *kafkac_record_topic(const kafkac_record_t *r) { return r->chunk->topic; }
int32_t kafkac_record_partition(const kafkac_record_t *r) { return r->chunk->partition; }
int64_t kafkac_record_offset(const kafkac_record_t *r) { return r->offset; }
int32_t kafkac_record_leader_epoch(const kafkac_record_t *r) { return r->leader_epoch; }
int kafkac_record_header_count(const kafkac_record_t *r) { return r->header_count; }

int64_t kafkac_record_timestamp(const kafkac_record_t *r, int *type)
{
    if (type)
        *type = r->ts_type;
    return r->timestamp;
}

const void *kafkac_record_key(const kafkac_record_t *r, size_t *len)
{
    if (len)
        *len = r->key_len > 0 ? (size_t)r->key_len : 0;
    return r->key_len >= 0 ? (const void *)r->key : NULL;
}

const void *kafkac_record_value(const kafkac_record_t *r, size_t *len)
{
    if (len)
        *len = r->value_len > 0 ? (size_t)r->value_len : 0;
    return r->value_len >= 0 ? (const void *)r->value : NULL;
}

kafkac_err_t kafkac_record_header(const kafkac_record_t *r, int i, const char **key, size_t *key_len,
                                  const void **value, int32_t *value_len)
{
    if (!r || i < 0 || i >= r->header_count)
        return KAFKAC_ERR_NOT_FOUND;
    kc_record_t kr;
    memset(&kr, 0, sizeof kr);
    kr.header_count = r->header_count;
    kr.headers = r->headers;
    kr.headers_len = r->headers_len;
    size_t pos = 0;
    const char *k = NULL;
    const uint8_t *v = NULL;
    int32_t kl = 0, vl = -1;
    for (int j = 0; j <= i; j++)
        if (!kc_record_header_next(&kr, &pos, &k, &kl, &v, &vl))
            return KAFKAC_ERR_NOT_FOUND;
    if (key)
        *key = k;
    if (key_len)
        *key_len = kl > 0 ? (size_t)kl : 0;
    if (value)
        *value = v;
    if (value_len)
        *value_len = vl;
    return KAFKAC_OK;
}

void kafkac_record_release(kafkac_record_t *r)
{
    if (r)
        kc_chunk_unref(r->chunk);
}

int kafkac_records_count(const kafkac_records_t *b) { return b ? b->n : 0; }

const kafkac_record_t *kafkac_records_at(const kafkac_records_t *b, int i)
{
    return b && i >= 0 && i < b->n ? b->v[i] : NULL;
}

void kafkac_records_destroy(kafkac_records_t *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++)
        kc_chunk_unref(b->v[i]->chunk);
    kc_free(b);
}

/* ------------------------------------------------------------------ */
/* The ready queue (under c->lock)                                     */

static void unlink_chunk(kafkac_consumer_t *c, kc_chunk_t **pp, kc_chunk_t *prev)
{
    kc_chunk_t *ch = *pp;
    *pp = ch->next;
    if (c->ready_tail == ch)
        c->ready_tail = prev;
    ch->next = NULL;
    c->ready_bytes -= ch->bytes;
    if (ch->n > 0) {
        kc_part_t *p = kc_parts_find(&c->parts, ch->topic, ch->partition);
        if (p && p->buffered > 0)
            p->buffered--;
    }
}

void kc_consumer_drop_buffered(kafkac_consumer_t *c, const char *topic, int32_t partition)
{
    kc_chunk_t **pp = &c->ready_head, *prev = NULL;
    while (*pp) {
        kc_chunk_t *ch = *pp;
        int match = topic ? (ch->partition == partition && !strcmp(ch->topic, topic))
                          : !kc_parts_find(&c->parts, ch->topic, ch->partition);
        if (match) {
            unlink_chunk(c, pp, prev);
            kc_chunk_unref(ch);
        } else {
            prev = ch;
            pp = &ch->next;
        }
    }
}

/* See consumer_int.h. */
int64_t kc_consumer_part_position(kafkac_consumer_t *c, kc_part_t *p, int32_t *epoch)
{
    if (epoch)
        *epoch = -1;
    if (p->buffered) {
        for (kc_chunk_t *ch = c->ready_head; ch; ch = ch->next)
            if (ch->n > 0 && ch->partition == p->partition && !strcmp(ch->topic, p->topic)) {
                if (epoch)
                    *epoch = ch->recs[ch->pos].leader_epoch;
                return ch->recs[ch->pos].offset;
            }
    }
    if (p->state == KC_PS_FETCHING) {
        if (epoch)
            *epoch = p->fetch_epoch;
        return p->fetch_pos;
    }
    if (p->consumed >= 0 && epoch)
        *epoch = p->consumed_epoch;
    return p->consumed;
}

/* Takes up to max records (or one event) from the queue.  Returns 0 with
 * *got records in v, or the error of an event at the head when no record
 * was taken. */
static kafkac_err_t take_locked(kafkac_consumer_t *c, int max, kafkac_record_t **v, int *got, char *errstr,
                                size_t errstr_size)
{
    *got = 0;
    kc_chunk_t **pp = &c->ready_head, *prev = NULL;
    while (*pp && *got < max) {
        kc_chunk_t *ch = *pp;
        kc_part_t *p = kc_parts_find(&c->parts, ch->topic, ch->partition);
        if (!p || p->pos_gen != ch->pos_gen) {
            unlink_chunk(c, pp, prev);
            kc_chunk_unref(ch);
            continue;
        }
        if (ch->n == 0) {
            if (*got > 0)
                break;      /* report it next time, after these records */
            kafkac_err_t err = ch->err;
            kc_errstr_set(errstr, errstr_size, "%s", ch->errstr ? ch->errstr : kafkac_err_str(err));
            unlink_chunk(c, pp, prev);
            kc_chunk_unref(ch);
            return err;
        }
        if (p->paused) {
            prev = ch;
            pp = &ch->next;
            continue;
        }
        while (ch->pos < ch->n && *got < max) {
            kafkac_record_t *r = &ch->recs[ch->pos++];
            atomic_fetch_add(&ch->refs, 1);
            v[(*got)++] = r;
            p->consumed = r->offset + 1;
            p->consumed_epoch = r->leader_epoch;
        }
        if (ch->pos == ch->n) {
            unlink_chunk(c, pp, prev);
            kc_chunk_unref(ch);
        }
    }
    return KAFKAC_OK;
}

/* ------------------------------------------------------------------ */
/* Application-thread events                                           */

typedef struct err_event {
    kafkac_err_t err;
    char msg[512];
} err_event_t;

kafkac_err_t kc_consumer_post(kafkac_consumer_t *c, kc_app_fn fn, void *arg)
{
    kc_app_event_t *ev = kc_calloc(1, sizeof(*ev));
    if (!ev)
        return KAFKAC_ERR_NO_MEMORY;
    ev->fn = fn;
    ev->arg = arg;
    pthread_mutex_lock(&c->lock);
    if (c->ev_tail)
        c->ev_tail->next = ev;
    else
        c->ev_head = ev;
    c->ev_tail = ev;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return KAFKAC_OK;
}

kafkac_err_t kc_consumer_post_error(kafkac_consumer_t *c, kafkac_err_t err, const char *errstr)
{
    err_event_t *e = kc_calloc(1, sizeof(*e));
    if (!e)
        return KAFKAC_ERR_NO_MEMORY;
    e->err = err;
    snprintf(e->msg, sizeof e->msg, "%s", errstr ? errstr : kafkac_err_str(err));
    kafkac_err_t r = kc_consumer_post(c, NULL, e);
    if (r)
        kc_free(e);
    return r;
}

kafkac_err_t kc_consumer_run_events(kafkac_consumer_t *c, char *errstr, size_t errstr_size)
{
    for (;;) {
        pthread_mutex_lock(&c->lock);
        kc_app_event_t *ev = c->ev_head;
        if (ev) {
            c->ev_head = ev->next;
            if (!c->ev_head)
                c->ev_tail = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        if (!ev)
            return KAFKAC_OK;
        if (ev->fn) {
            ev->fn(c, ev->arg, 1);
            kc_free(ev);
            continue;
        }
        err_event_t *e = ev->arg;
        kafkac_err_t err = e->err;
        kc_errstr_set(errstr, errstr_size, "%s", e->msg);
        kc_free(e);
        kc_free(ev);
        return err;
    }
}

static void free_events(kafkac_consumer_t *c)
{
    kc_app_event_t *ev = c->ev_head;
    while (ev) {
        kc_app_event_t *next = ev->next;
        if (ev->fn)
            ev->fn(c, ev->arg, 0);
        else
            kc_free(ev->arg);
        kc_free(ev);
        ev = next;
    }
    c->ev_head = c->ev_tail = NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

kafkac_consumer_t *kafkac_consumer_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size)
{
    char tmp[512];
    kafkac_consumer_t *c = kc_calloc(1, sizeof(*c));
    if (!c) {
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (kc_settings_load(&c->settings, conf, KC_SCOPE_CONSUMER, tmp, sizeof tmp) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        kc_free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    kc_cond_init(&c->cond);
    kc_net_opts_t o;
    kc_net_opts_from_settings(&o, &c->settings);
    c->net = kc_net_new(&o, tmp, sizeof tmp);
    if (!c->net) {
        kc_errstr_set(errstr, errstr_size, "%s", tmp);
        goto fail;
    }
    if (kc_fetcher_new(c, &c->fetcher) != KAFKAC_OK) {
        kc_errstr_set(errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (c->settings.group_id) {
        if (kc_coordinator_new(c, &c->coord, tmp, sizeof tmp) != KAFKAC_OK) {
            kc_errstr_set(errstr, errstr_size, "%s", tmp);
            goto fail;
        }
    }
    return c;
fail:
    kc_net_destroy(c->net);
    if (c->coord)
        kc_coordinator_destroy(c->coord);
    kc_fetcher_destroy(c->fetcher);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    kc_settings_free(&c->settings);
    kc_free(c);
    return NULL;
}

kafkac_err_t kafkac_consumer_close(kafkac_consumer_t *c, int timeout_ms)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    int was = c->closed;
    pthread_mutex_unlock(&c->lock);
    if (was)
        return KAFKAC_ERR_STATE;
    int64_t deadline;
    kafkac_err_t err = kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline);
    if (err != KAFKAC_OK)
        return err;
    if (c->coord)
        err = kc_coordinator_close(c->coord, deadline);
    kc_consumer_run_events(c, NULL, 0);
    pthread_mutex_lock(&c->lock);
    c->closed = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kc_net_wakeup(c->net);
    return err;
}

void kafkac_consumer_destroy(kafkac_consumer_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    int was = c->closed;
    pthread_mutex_unlock(&c->lock);
    if (!was)
        kafkac_consumer_close(c, KAFKAC_TIMEOUT_DEFAULT);
    /* The network client first: every callback of ours has run after it. */
    kc_net_destroy(c->net);
    if (c->coord)
        kc_coordinator_destroy(c->coord);
    kc_fetcher_destroy(c->fetcher);
    free_events(c);
    while (c->ready_head) {
        kc_chunk_t *ch = c->ready_head;
        c->ready_head = ch->next;
        kc_chunk_unref(ch);
    }
    kc_parts_clear(&c->parts);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    kc_settings_free(&c->settings);
    kc_free(c);
}

void kafkac_consumer_wakeup(kafkac_consumer_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->wakeup = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------------------ */
/* Poll                                                                */

/* "No broker reachable" as an error for poll: once no connection has been
 * ready for default.api.timeout.ms while the consumer has something to
 * read, and again at most every default.api.timeout.ms while it lasts (the
 * network client keeps trying meanwhile).  Application thread. */
static kafkac_err_t check_reachable(kafkac_consumer_t *c, int64_t now, char *errstr, size_t errstr_size)
{
    int64_t limit = c->settings.default_api_timeout_ms;
    if (c->unreach_reported_ms && now - c->unreach_reported_ms < limit)
        return KAFKAC_OK;
    int64_t down = 0;
    char why[256];
    int err = kc_net_reachability(c->net, &down, why, sizeof why);
    if (!err) {
        c->unreach_reported_ms = 0;
        return KAFKAC_OK;
    }
    /* A SASL failure (wrong password, mechanism not enabled) is reported at
     * once, and again at most every default.api.timeout.ms while it lasts. */
    if (kc_net_auth_error(err)) {
        c->unreach_reported_ms = now;
        kc_errstr_set(errstr, errstr_size, "%s", why);
        return (kafkac_err_t)err;
    }
    /* Only failures count: no ready connection with no failed attempt
     * (none needed yet, or one still under way) is not an outage. */
    /* A TLS failure is persistent (see kc_net_reachability): no need to
     * wait out the limit before saying so. */
    if ((down < limit && err != KAFKAC_ERR_SSL) || !why[0])
        return KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    int busy = c->parts.n > 0, queued = c->ready_head != NULL;
    pthread_mutex_unlock(&c->lock);
    if (queued)
        return KAFKAC_OK;   /* what arrived before goes first */
    if (!busy && !(c->coord && kc_coordinator_subscribed(c->coord)))
        return KAFKAC_OK;
    c->unreach_reported_ms = now;
    kafkac_err_t e = err == KAFKAC_ERR_RESOLVE || err == KAFKAC_ERR_SSL ? err : KAFKAC_ERR_ALL_BROKERS_DOWN;
    kc_errstr_set(errstr, errstr_size, "no broker reachable for %lld ms (default.api.timeout.ms %lld)%s%s",
                  (long long)down, (long long)limit, why[0] ? ": " : "", why);
    kc_log(&c->settings.log, KAFKAC_LOG_WARNING, "consumer", "no broker reachable for %lld ms%s%s", (long long)down,
           why[0] ? ": " : "", why);
    return e;
}

/* Waits for records; on KAFKAC_OK *got > 0 records are in v. */
static kafkac_err_t poll_common(kafkac_consumer_t *c, int64_t deadline, int max, kafkac_record_t **v, int *got,
                                char *errstr, size_t errstr_size)
{
    *got = 0;
    int64_t start = kc_now_ms();
    kafkac_err_t err;
    for (;;) {
        /* Waiting inside poll is polling: tell the coordinator on every
         * turn (at least each second, see the wait below), so that a long
         * poll does not count against max.poll.interval.ms. */
        if (c->coord)
            kc_coordinator_poll(c->coord, kc_now_ms());
        if ((err = kc_consumer_run_events(c, errstr, errstr_size)) != KAFKAC_OK)
            return err;
        if ((err = check_reachable(c, kc_now_ms(), errstr, errstr_size)) != KAFKAC_OK)
            return err;
        pthread_mutex_lock(&c->lock);
        if (c->closed) {
            pthread_mutex_unlock(&c->lock);
            kc_errstr_set(errstr, errstr_size, "the consumer is closed");
            return KAFKAC_ERR_STATE;
        }
        int64_t before = c->ready_bytes;
        err = take_locked(c, max, v, got, errstr, errstr_size);
        int freed = c->ready_bytes < before;
        if (err || *got) {
            pthread_mutex_unlock(&c->lock);
            if (freed)
                kc_net_wakeup(c->net);   /* room to prefetch again */
            return err;
        }
        if (c->wakeup) {
            c->wakeup = 0;
            pthread_mutex_unlock(&c->lock);
            kc_errstr_set(errstr, errstr_size, "woken up");
            return KAFKAC_ERR_TIMED_OUT;
        }
        int64_t now = kc_now_ms();
        if (now >= deadline || c->ev_head) {
            int again = c->ev_head != NULL;
            pthread_mutex_unlock(&c->lock);
            if (again)
                continue;
            kc_errstr_set(errstr, errstr_size, "no record within %lld ms", (long long)(now - start));
            return KAFKAC_ERR_TIMED_OUT;
        }
        /* At most a second, so that the loop checks reachability. */
        kc_cond_wait_until(&c->cond, &c->lock, deadline - now < 1000 ? deadline : now + 1000);
        pthread_mutex_unlock(&c->lock);
    }
}

kafkac_err_t kafkac_consumer_poll(kafkac_consumer_t *c, int timeout_ms, int max_records, kafkac_records_t **out,
                                  char *errstr, size_t errstr_size)
{
    if (!c || !out)
        return KAFKAC_ERR_INVALID_ARG;
    *out = NULL;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int max = max_records > 0 ? max_records : (int)c->settings.max_poll_records;
    if (max > KC_POLL_MAX)
        max = KC_POLL_MAX;   /* the batch's array is allocated up front */
    kafkac_records_t *b = kc_malloc(sizeof(*b) + (size_t)max * sizeof(kafkac_record_t *));
    if (!b)
        return KAFKAC_ERR_NO_MEMORY;
    int got = 0;
    kafkac_err_t err = poll_common(c, deadline, max, b->v, &got, errstr, errstr_size);
    if (err || got == 0) {
        kc_free(b);
        return err ? err : KAFKAC_ERR_TIMED_OUT;
    }
    b->n = got;
    *out = b;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_consumer_next(kafkac_consumer_t *c, int timeout_ms, kafkac_record_t **out, char *errstr,
                                  size_t errstr_size)
{
    if (!c || !out)
        return KAFKAC_ERR_INVALID_ARG;
    *out = NULL;
    int64_t deadline;
    if (kc_timeout_deadline(timeout_ms, c->settings.default_api_timeout_ms, &deadline) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    int got = 0;
    kafkac_err_t err = poll_common(c, deadline, 1, out, &got, errstr, errstr_size);
    if (!err && got == 0)
        return KAFKAC_ERR_TIMED_OUT;
    return err;
}

/* ------------------------------------------------------------------ */
/* Assignment                                                          */

/* Asks the network client to keep metadata for the assigned topics. */
static void want_topics(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    if (!tpl || tpl->count == 0)
        return;
    const char **names = kc_calloc((size_t)tpl->count, sizeof(char *));
    if (!names)
        return;
    for (int i = 0; i < tpl->count; i++)
        names[i] = tpl->elems[i].topic;
    kc_net_want_topics(c->net, names, tpl->count, 0);
    kc_free(names);
}

static kafkac_err_t add_locked(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    for (int i = 0; tpl && i < tpl->count; i++) {
        const kafkac_topic_partition_t *e = &tpl->elems[i];
        if (!e->topic || e->partition < 0)
            return KAFKAC_ERR_INVALID_ARG;
        if (!kc_parts_add(&c->parts, e->topic, e->partition, e->offset, c->coord != NULL))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return KAFKAC_OK;
}

kafkac_err_t kc_consumer_assign_set(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    pthread_mutex_lock(&c->lock);
    /* Drop partitions not in the new list, then add the new ones. */
    for (int i = c->parts.n - 1; i >= 0; i--) {
        kc_part_t *p = c->parts.v[i];
        if (!tpl || !kafkac_tpl_find(tpl, p->topic, p->partition)) {
            kc_consumer_drop_buffered(c, p->topic, p->partition);
            kc_parts_remove(&c->parts, p->topic, p->partition);
        }
    }
    kafkac_err_t err = add_locked(c, tpl);
    pthread_mutex_unlock(&c->lock);
    want_topics(c, tpl);
    kc_net_wakeup(c->net);
    return err;
}

kafkac_err_t kc_consumer_assign_add(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    pthread_mutex_lock(&c->lock);
    kafkac_err_t err = add_locked(c, tpl);
    pthread_mutex_unlock(&c->lock);
    want_topics(c, tpl);
    kc_net_wakeup(c->net);
    return err;
}

kafkac_err_t kc_consumer_assign_remove(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    pthread_mutex_lock(&c->lock);
    for (int i = 0; tpl && i < tpl->count; i++) {
        kc_consumer_drop_buffered(c, tpl->elems[i].topic, tpl->elems[i].partition);
        kc_parts_remove(&c->parts, tpl->elems[i].topic, tpl->elems[i].partition);
    }
    pthread_mutex_unlock(&c->lock);
    return KAFKAC_OK;
}

kafkac_err_t kc_consumer_awaiting_committed(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    *out = NULL;
    kafkac_err_t err = KAFKAC_OK;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->parts.n && !err; i++) {
        kc_part_t *p = c->parts.v[i];
        if (p->state != KC_PS_AWAIT_COMMITTED)
            continue;
        if (!*out && !(*out = kafkac_tpl_new(8)))
            err = KAFKAC_ERR_NO_MEMORY;
        else if (!kafkac_tpl_add(*out, p->topic, p->partition))
            err = KAFKAC_ERR_NO_MEMORY;
    }
    pthread_mutex_unlock(&c->lock);
    if (err) {
        kafkac_tpl_destroy(*out);
        *out = NULL;
    }
    return err;
}

void kc_consumer_set_committed(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *tpl)
{
    pthread_mutex_lock(&c->lock);
    for (int i = 0; tpl && i < tpl->count; i++) {
        const kafkac_topic_partition_t *e = &tpl->elems[i];
        kc_part_t *p = kc_parts_find(&c->parts, e->topic, e->partition);
        if (!p || p->state != KC_PS_AWAIT_COMMITTED || e->err)
            continue;
        p->pos_gen++;
        if (e->offset >= 0) {
            p->state = KC_PS_FETCHING;
            p->fetch_pos = e->offset;
            p->fetch_epoch = e->leader_epoch;
        } else {
            p->state = KC_PS_AWAIT_RESET;
            p->reset_to = KC_RESET_FROM_POLICY;
        }
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    kc_net_wakeup(c->net);
}

static kafkac_err_t list_locked(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out, int positions,
                                int only_commit)
{
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(c->parts.n ? c->parts.n : 1);
    if (!l)
        return KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < c->parts.n; i++) {
        kc_part_t *p = c->parts.v[i];
        int64_t off = KAFKAC_OFFSET_INVALID;
        int32_t ep = -1;
        if (only_commit && c->parts.store_used) {
            off = p->stored;
            ep = p->stored_epoch;
        } else if (positions) {
            off = kc_consumer_part_position(c, p, &ep);
        }
        if (only_commit && off < 0)
            continue;
        kafkac_topic_partition_t *e = kafkac_tpl_add(l, p->topic, p->partition);
        if (!e) {
            kafkac_tpl_destroy(l);
            return KAFKAC_ERR_NO_MEMORY;
        }
        e->offset = off;
        e->leader_epoch = ep;
    }
    if (only_commit && l->count == 0) {
        kafkac_tpl_destroy(l);
        l = NULL;
    }
    *out = l;
    return KAFKAC_OK;
}

kafkac_err_t kc_consumer_commit_offsets(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    pthread_mutex_lock(&c->lock);
    kafkac_err_t err = list_locked(c, out, 1, 1);
    pthread_mutex_unlock(&c->lock);
    return err;
}

kafkac_err_t kc_consumer_assignment_list(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    pthread_mutex_lock(&c->lock);
    kafkac_err_t err = list_locked(c, out, 0, 0);
    pthread_mutex_unlock(&c->lock);
    return err;
}

kafkac_err_t kafkac_consumer_assign(kafkac_consumer_t *c, const kafkac_topic_partition_list_t *partitions,
                                    char *errstr, size_t errstr_size)
{
    if (!c)
        return KAFKAC_ERR_INVALID_ARG;
    if (c->coord && kc_coordinator_subscribed(c->coord)) {
        kc_errstr_set(errstr, errstr_size, "assign() while subscribed: unsubscribe first");
        return KAFKAC_ERR_STATE;
    }
    for (int i = 0; partitions && i < partitions->count; i++) {
        const kafkac_topic_partition_t *e = &partitions->elems[i];
        if (!e->topic || !e->topic[0] || e->partition < 0) {
            kc_errstr_set(errstr, errstr_size, "element %d: a topic and a partition >= 0 are needed", i);
            return KAFKAC_ERR_INVALID_ARG;
        }
        if (e->offset < 0 && e->offset != KAFKAC_OFFSET_BEGINNING && e->offset != KAFKAC_OFFSET_END &&
            e->offset != KAFKAC_OFFSET_INVALID) {
            kc_errstr_set(errstr, errstr_size, "%s [%d]: offset %lld is not a valid start", e->topic,
                          (int)e->partition, (long long)e->offset);
            return KAFKAC_ERR_INVALID_ARG;
        }
    }
    kafkac_err_t err = kc_consumer_assign_set(c, partitions);
    if (err)
        kc_errstr_set(errstr, errstr_size, "%s", kafkac_err_str(err));
    return err;
}

kafkac_err_t kafkac_consumer_assignment(kafkac_consumer_t *c, kafkac_topic_partition_list_t **out)
{
    if (!c || !out)
        return KAFKAC_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    kafkac_err_t err = list_locked(c, out, 1, 0);
    pthread_mutex_unlock(&c->lock);
    return err;
}

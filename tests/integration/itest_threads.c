/* Threads, as applications use them; tests/run.sh also runs this program
 * under ThreadSanitizer (build/tests/integration-tsan/), where a data race
 * fails it.
 *
 *  - test_producer_threads_flush_close: four threads send while a fifth
 *    flushes now and then; the main thread closes once the senders are
 *    done.  Every record gets exactly one outcome.
 *  - test_records_released_on_other_threads: two group members, each
 *    driven by its own thread, with rebalance callbacks; the second joins
 *    midway (a rebalance).  Every record poll returns is handed to one of
 *    three worker threads, which read it and release it there (and whole
 *    batches are destroyed on the workers too).  Every record written is
 *    seen.
 *
 * Run by hand: scripts/kafka.sh start single, then
 *   KAFKAC_TEST_BROKERS=127.0.0.1:31092 build/tests/integration/itest_threads */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testenv.h"
#include "kafkac/kafkac.h"

#define SENDERS 4
#define PER_SENDER 500
#define RECORDS (SENDERS * PER_SENDER)
#define PARTITIONS 2

static kafkac_conf_t *conf_with(const char *k1, const char *v1, const char *k2, const char *v2)
{
    char err[256];
    kafkac_conf_t *conf = kafkac_conf_new();
    assert_non_null(conf);
    if (kafkac_conf_set(conf, "bootstrap.servers", kc_test_brokers(), err, sizeof err) != KAFKAC_OK ||
        (k1 && kafkac_conf_set(conf, k1, v1, err, sizeof err) != KAFKAC_OK) ||
        (k2 && kafkac_conf_set(conf, k2, v2, err, sizeof err) != KAFKAC_OK))
        fail_msg("conf: %s", err);
    return conf;
}

/* ---- producer: senders, a flusher, close -------------------------------- */

typedef struct prod_run {
    kafkac_producer_t *p;
    const char *topic;
    int id;
    atomic_int senders_left;
    atomic_int delivered, failed;
    atomic_int send_errors;
} prod_run_t;

typedef struct sender_arg {
    prod_run_t *run;
    int id;
} sender_arg_t;

static void on_delivery(void *opaque, const kafkac_delivery_t *d)
{
    prod_run_t *r = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_OK)
        atomic_fetch_add(&r->delivered, 1);
    else
        atomic_fetch_add(&r->failed, 1);
}

static void *sender(void *arg)
{
    sender_arg_t *a = arg;
    char value[64];
    for (int i = 0; i < PER_SENDER; i++) {
        int n = snprintf(value, sizeof value, "%d-%d", a->id, i);
        if (kafkac_producer_send(a->run->p, a->run->topic, value, n, value, n, NULL) != KAFKAC_OK)
            atomic_fetch_add(&a->run->send_errors, 1);
        if (i % 100 == 0)
            kafkac_producer_poll(a->run->p, 0); /* callbacks on this thread too */
    }
    atomic_fetch_sub(&a->run->senders_left, 1);
    return NULL;
}

static void *flusher(void *arg)
{
    prod_run_t *r = arg;
    while (atomic_load(&r->senders_left) > 0) {
        kafkac_producer_flush(r->p, 5000);
        usleep(5 * 1000);
    }
    return NULL;
}

/* Writes RECORDS records to topic from SENDERS threads, with a flusher
 * thread running, then closes; returns after checking every outcome. */
static void produce_threaded(const char *topic)
{
    char err[256];
    kafkac_conf_t *conf = conf_with("linger.ms", "5", "batch.size", "4096");
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p)
        fail_msg("producer: %s", err);
    prod_run_t run = { .p = p, .topic = topic };
    atomic_init(&run.senders_left, SENDERS);
    atomic_init(&run.delivered, 0);
    atomic_init(&run.failed, 0);
    atomic_init(&run.send_errors, 0);
    kafkac_producer_set_delivery_cb(p, on_delivery, &run);
    pthread_t th[SENDERS], fl;
    sender_arg_t args[SENDERS];
    assert_int_equal(pthread_create(&fl, NULL, flusher, &run), 0);
    for (int i = 0; i < SENDERS; i++) {
        args[i] = (sender_arg_t){ &run, i };
        assert_int_equal(pthread_create(&th[i], NULL, sender, &args[i]), 0);
    }
    for (int i = 0; i < SENDERS; i++)
        pthread_join(th[i], NULL);
    pthread_join(fl, NULL);
    kafkac_err_t rc = kafkac_producer_close(p, 30000);
    kafkac_producer_destroy(p);
    if (rc != KAFKAC_OK || atomic_load(&run.send_errors) || atomic_load(&run.failed) ||
        atomic_load(&run.delivered) != RECORDS)
        fail_msg("close %s; %d sends refused, %d delivered, %d failed (of %d)", kafkac_err_name(rc),
                 atomic_load(&run.send_errors), atomic_load(&run.delivered), atomic_load(&run.failed), RECORDS);
}

static void test_producer_threads_flush_close(void **state)
{
    (void)state;
    char topic[128];
    kc_test_topic(topic, sizeof topic, "threads-prod");
    if (kc_test_create_topic(kc_test_brokers(), topic, PARTITIONS, 1, NULL) != 0)
        fail_msg("cannot create %s", topic);
    produce_threaded(topic);
}

/* ---- consumers: records released on worker threads ---------------------- */

/* A work queue of records and batches for the workers. */
typedef struct item {
    kafkac_record_t *rec;     /* or */
    kafkac_records_t *batch;
    struct item *next;
} item_t;

typedef struct shared {
    pthread_mutex_t m;
    pthread_cond_t cv;
    item_t *head, *tail;
    int stop;
    unsigned char seen[PARTITIONS][RECORDS]; /* by offset */
    int unique;
    int bad_values;
    const char *topic;
} shared_t;

static void push(shared_t *s, kafkac_record_t *rec, kafkac_records_t *batch)
{
    item_t *it = calloc(1, sizeof *it);
    assert_non_null(it);
    it->rec = rec;
    it->batch = batch;
    pthread_mutex_lock(&s->m);
    if (s->tail)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->m);
}

static void note_record(shared_t *s, const kafkac_record_t *r)
{
    size_t klen = 0, vlen = 0;
    const void *k = kafkac_record_key(r, &klen);
    const void *v = kafkac_record_value(r, &vlen);
    int32_t part = kafkac_record_partition(r);
    int64_t off = kafkac_record_offset(r);
    int ok = k && v && klen == vlen && memcmp(k, v, vlen) == 0 && strcmp(kafkac_record_topic(r), s->topic) == 0;
    pthread_mutex_lock(&s->m);
    if (!ok)
        s->bad_values++;
    if (part >= 0 && part < PARTITIONS && off >= 0 && off < RECORDS && !s->seen[part][off]) {
        s->seen[part][off] = 1;
        s->unique++;
    }
    pthread_mutex_unlock(&s->m);
}

static void *worker(void *arg)
{
    shared_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->m);
        while (!s->head && !s->stop)
            pthread_cond_wait(&s->cv, &s->m);
        item_t *it = s->head;
        if (it) {
            s->head = it->next;
            if (!s->head)
                s->tail = NULL;
        }
        pthread_mutex_unlock(&s->m);
        if (!it)
            return NULL; /* stop, and the queue is empty */
        if (it->rec) {
            note_record(s, it->rec);
            kafkac_record_release(it->rec);
        } else {
            for (int i = 0; i < kafkac_records_count(it->batch); i++)
                note_record(s, kafkac_records_at(it->batch, i));
            kafkac_records_destroy(it->batch);
        }
        free(it);
    }
}

typedef struct member {
    shared_t *s;
    const char *group;
    pthread_t th;
    atomic_int assigned_events, revoked_events;
    atomic_int stop;
    atomic_int errors;
} member_t;

static void on_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev,
                         const kafkac_topic_partition_list_t *parts, void *opaque)
{
    (void)c;
    (void)parts;
    member_t *m = opaque;
    if (ev == KAFKAC_REBALANCE_ASSIGNED)
        atomic_fetch_add(&m->assigned_events, 1);
    else
        atomic_fetch_add(&m->revoked_events, 1);
}

/* The member's own thread: it creates, drives and closes its consumer. */
static void *member_thread(void *arg)
{
    member_t *m = arg;
    char err[256];
    kafkac_conf_t *conf = conf_with("group.id", m->group, "auto.offset.reset", "earliest");
    kafkac_conf_set(conf, "max.poll.records", "50", err, sizeof err);
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c) {
        atomic_fetch_add(&m->errors, 1);
        return NULL;
    }
    kafkac_consumer_set_rebalance_cb(c, on_rebalance, m);
    const char *topics[] = { m->s->topic };
    if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK)
        atomic_fetch_add(&m->errors, 1);
    int n = 0;
    while (!atomic_load(&m->stop)) {
        if (n++ % 2 == 0) {
            kafkac_records_t *b = NULL;
            if (kafkac_consumer_poll(c, 100, 0, &b, err, sizeof err) == KAFKAC_OK)
                push(m->s, NULL, b);
        } else {
            kafkac_record_t *r = NULL;
            if (kafkac_consumer_next(c, 100, &r, err, sizeof err) == KAFKAC_OK)
                push(m->s, r, NULL);
        }
    }
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    return NULL;
}

static int unique_seen(shared_t *s)
{
    pthread_mutex_lock(&s->m);
    int n = s->unique;
    pthread_mutex_unlock(&s->m);
    return n;
}

static void test_records_released_on_other_threads(void **state)
{
    (void)state;
    char topic[128], group[128];
    kc_test_topic(topic, sizeof topic, "threads-cons");
    kc_test_topic(group, sizeof group, "threads-group");
    if (kc_test_create_topic(kc_test_brokers(), topic, PARTITIONS, 1, NULL) != 0)
        fail_msg("cannot create %s", topic);
    produce_threaded(topic);

    shared_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->topic = topic;
    pthread_t workers[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&workers[i], NULL, worker, s), 0);

    member_t a = { .s = s, .group = group }, b = { .s = s, .group = group };
    assert_int_equal(pthread_create(&a.th, NULL, member_thread, &a), 0);
    /* The second member joins once the first is consuming: a rebalance. */
    int64_t end = kc_test_now_ms() + 30000;
    while (unique_seen(s) < RECORDS / 4 && kc_test_now_ms() < end)
        usleep(10 * 1000);
    assert_int_equal(pthread_create(&b.th, NULL, member_thread, &b), 0);
    end = kc_test_now_ms() + 60000;
    while ((unique_seen(s) < RECORDS || atomic_load(&b.assigned_events) < 1) && kc_test_now_ms() < end)
        usleep(20 * 1000);
    atomic_store(&a.stop, 1);
    atomic_store(&b.stop, 1);
    pthread_join(a.th, NULL);
    pthread_join(b.th, NULL);
    pthread_mutex_lock(&s->m);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->m);
    for (int i = 0; i < 3; i++)
        pthread_join(workers[i], NULL);

    int unique = s->unique, bad = s->bad_values;
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->m);
    free(s);
    if (atomic_load(&a.errors) || atomic_load(&b.errors))
        fail_msg("a member could not start or subscribe");
    if (bad)
        fail_msg("%d records read on a worker thread had a wrong key, value or topic", bad);
    if (unique != RECORDS)
        fail_msg("saw %d distinct records of %d", unique, RECORDS);
    if (atomic_load(&a.assigned_events) + atomic_load(&a.revoked_events) < 2)
        fail_msg("the first member saw %d assignments and %d revocations: the second member's join should "
                 "have rebalanced it",
                 atomic_load(&a.assigned_events), atomic_load(&a.revoked_events));
    if (atomic_load(&b.assigned_events) < 1)
        fail_msg("the second member was never assigned");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producer_threads_flush_close),
        cmocka_unit_test(test_records_released_on_other_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

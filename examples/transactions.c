/* Exactly-once consume-transform-produce: read records from one topic as
 * a member of a consumer group, write an upper-cased copy of each to
 * another topic, and commit the consumed offsets in the same transaction
 * as the records written.  Either both happen or neither does, so a
 * crash or a rebalance at any point neither loses nor duplicates output
 * for read_committed readers.
 *
 *   transactions BROKERS IN_TOPIC OUT_TOPIC GROUP TRANSACTIONAL_ID [IDLE_MS]
 *
 * Stops after IDLE_MS (default 5000) without input and prints
 * "processed N records in T transactions (A aborted)".
 *
 * What each error means for the loop (see include/kafkac/producer.h):
 *   fatal (PRODUCER_FENCED: another instance took over the transactional
 *   id)  -> stop; this instance must not write any more;
 *   abortable (a record or the offsets failed) -> abort, rewind the
 *   consumer to the committed offsets, and process those records again;
 *   TIMED_OUT -> call the same function again. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kafkac/kafkac.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After an abort: go back to what the group committed, so the records of
 * the aborted transaction are read (and transformed) again. */
static void rewind_to_committed(kafkac_consumer_t *c)
{
    char err[512];
    kafkac_topic_partition_list_t *a = NULL;
    if (kafkac_consumer_assignment(c, &a) != KAFKAC_OK || !a)
        return;
    if (kafkac_consumer_committed(c, a, 10000, err, sizeof err) == KAFKAC_OK)
        for (int i = 0; i < kafkac_tpl_count(a); i++) {
            const kafkac_topic_partition_t *tp = kafkac_tpl_at(a, i);
            int64_t off = kafkac_tp_offset(tp);
            kafkac_consumer_seek(c, kafkac_tp_topic(tp), kafkac_tp_partition(tp),
                                 off >= 0 ? off : KAFKAC_OFFSET_BEGINNING);
        }
    kafkac_tpl_destroy(a);
}

/* Retries a transactional call while it times out (it goes on in the
 * background; calling it again waits for the same work). */
#define TXN_TIMEOUT_MS 10000
static kafkac_err_t commit(kafkac_producer_t *p, char *err, size_t n)
{
    kafkac_err_t e;
    while ((e = kafkac_producer_commit_transaction(p, TXN_TIMEOUT_MS, err, n)) == KAFKAC_ERR_TIMED_OUT)
        ;
    return e;
}

static kafkac_err_t abort_txn(kafkac_producer_t *p, char *err, size_t n)
{
    kafkac_err_t e;
    while ((e = kafkac_producer_abort_transaction(p, TXN_TIMEOUT_MS, err, n)) == KAFKAC_ERR_TIMED_OUT)
        ;
    return e;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 6) {
        fprintf(stderr, "usage: %s BROKERS IN_TOPIC OUT_TOPIC GROUP TRANSACTIONAL_ID [IDLE_MS]\n", argv[0]);
        return 2;
    }
    const char *brokers = argv[1], *in = argv[2], *out = argv[3], *group = argv[4], *txid = argv[5];
    long long idle_ms = argc > 6 ? atoll(argv[6]) : 5000;

    /* The consumer: a group member that reads only committed records
     * (the input may itself come from transactions) and never commits by
     * itself: offsets are committed by the producer's transactions. */
    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
        kafkac_conf_set(conf, "group.id", group, err, sizeof err) ||
        kafkac_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        kafkac_conf_set(conf, "isolation.level", "read_committed", err, sizeof err) ||
        kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c) {
        fprintf(stderr, "consumer: %s\n", err);
        return 1;
    }
    const char *topics[1] = {in};
    if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "subscribe: %s\n", err);
        return 1;
    }

    /* The producer: transactional.id makes it transactional (and
     * idempotent); a restarted instance with the same id fences this
     * one. */
    conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
        kafkac_conf_set(conf, "transactional.id", txid, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p) {
        fprintf(stderr, "producer: %s\n", err);
        return 1;
    }
    kafkac_err_t e;
    while ((e = kafkac_producer_init_transactions(p, TXN_TIMEOUT_MS, err, sizeof err)) == KAFKAC_ERR_TIMED_OUT)
        ;
    if (e != KAFKAC_OK) {
        fprintf(stderr, "init_transactions: %s\n", err);
        return 1;
    }

    long processed = 0, txns = 0, aborted = 0;
    int rc = 0;
    long long last_input = now_ms();
    while (now_ms() - last_input < idle_ms) {
        kafkac_records_t *rs = NULL;
        if (kafkac_consumer_poll(c, 500, 100, &rs, err, sizeof err) != KAFKAC_OK)
            continue;   /* nothing yet (or a partition-level error: poll again) */
        last_input = now_ms();
        int n = kafkac_records_count(rs);

        if ((e = kafkac_producer_begin_transaction(p, err, sizeof err)) != KAFKAC_OK) {
            fprintf(stderr, "begin: %s\n", err);
            kafkac_records_destroy(rs);
            rc = 1;
            break;
        }
        kafkac_topic_partition_list_t *offsets = kafkac_tpl_new(8);
        e = KAFKAC_OK;
        for (int i = 0; i < n && e == KAFKAC_OK; i++) {
            const kafkac_record_t *r = kafkac_records_at(rs, i);
            size_t klen, vlen;
            const char *key = kafkac_record_key(r, &klen);
            const char *val = kafkac_record_value(r, &vlen);
            char *up = malloc(vlen + 1);
            for (size_t j = 0; j < vlen; j++)
                up[j] = (char)toupper((unsigned char)val[j]);
            e = kafkac_producer_send(p, out, key, key ? (int32_t)klen : -1, up, val ? (int32_t)vlen : -1, NULL);
            free(up);
            /* The offset to commit is the next one to read. */
            const char *t = kafkac_record_topic(r);
            int32_t part = kafkac_record_partition(r);
            kafkac_topic_partition_t *tp = kafkac_tpl_find(offsets, t, part);
            if (!tp)
                tp = kafkac_tpl_add(offsets, t, part);
            kafkac_tp_set_offset(tp, kafkac_record_offset(r) + 1);
        }
        kafkac_records_destroy(rs);
        if (e == KAFKAC_OK) {
            /* The group metadata lets the coordinator refuse these
             * offsets if this member was already replaced (a zombie). */
            kafkac_group_metadata_t *gm = kafkac_consumer_group_metadata(c);
            e = kafkac_producer_send_offsets_to_transaction(p, offsets, gm, TXN_TIMEOUT_MS, err, sizeof err);
            kafkac_group_metadata_destroy(gm);
        }
        kafkac_tpl_destroy(offsets);
        if (e == KAFKAC_OK)
            e = commit(p, err, sizeof err);
        if (e == KAFKAC_OK) {
            processed += n;
            txns++;
            continue;
        }
        if (kafkac_producer_txn_fatal(p)) {
            fprintf(stderr, "fatal, stopping: %s\n", err);
            rc = 1;
            break;
        }
        /* Abortable: nothing of this transaction happened. */
        fprintf(stderr, "aborting: %s\n", err[0] ? err : kafkac_err_str(e));
        if (abort_txn(p, err, sizeof err) != KAFKAC_OK) {
            fprintf(stderr, "abort: %s\n", err);
            rc = 1;
            break;
        }
        aborted++;
        rewind_to_committed(c);
    }
    printf("processed %ld records in %ld transactions (%ld aborted)\n", processed, txns, aborted);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    return rc;
}

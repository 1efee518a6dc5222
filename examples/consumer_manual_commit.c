/* At-least-once with commits after processing: automatic commits are off,
 * each batch is processed completely, and only then are the positions
 * after it committed (synchronously).  If this process dies between the
 * two, the batch is read again by whoever gets its partitions: a record
 * may be processed twice, never lost.  Before partitions are revoked in a
 * rebalance, the callback commits what was processed.
 *
 *   consumer_manual_commit BROKERS GROUP TOPIC [COUNT]
 *
 * Processes COUNT records (default: until Ctrl-C); "processing" here is
 * adding up the values' lengths. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <kafkac/kafkac.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev,
                         const kafkac_topic_partition_list_t *parts, void *opaque)
{
    (void)opaque;
    (void)parts;
    if (ev == KAFKAC_REBALANCE_REVOKED) {
        /* Everything poll returned has been processed by now (we commit
         * per batch), so commit the positions before they move away.  Not
         * on LOST: another member may own those partitions already. */
        char err[256];
        if (kafkac_consumer_commit_sync(c, NULL, 10000, err, sizeof err) != KAFKAC_OK)
            fprintf(stderr, "%% commit on revoke: %s\n", err);
    }
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 4) {
        fprintf(stderr, "usage: %s BROKERS GROUP TOPIC [COUNT]\n", argv[0]);
        return 2;
    }
    long want = argc > 4 ? atol(argv[4]) : -1;
    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "group.id", argv[2], err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_consumer_set_rebalance_cb(c, on_rebalance, NULL);
    const char *topics[] = {argv[3]};
    if (kafkac_consumer_subscribe(c, topics, 1, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "subscribe: %s\n", err);
        return 1;
    }
    signal(SIGINT, on_signal);

    long processed = 0;
    unsigned long long bytes = 0;
    while (!stop && (want < 0 || processed < want)) {
        kafkac_records_t *batch;
        kafkac_err_t e = kafkac_consumer_poll(c, 1000, 0, &batch, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e != KAFKAC_OK) {
            fprintf(stderr, "%% %s\n", err);
            continue;
        }
        for (int i = 0; i < kafkac_records_count(batch); i++) {
            size_t len;
            kafkac_record_value(kafkac_records_at(batch, i), &len);
            bytes += len;  /* the processing */
            processed++;
        }
        kafkac_records_destroy(batch);
        /* Processed: now commit the positions after this batch. */
        e = kafkac_consumer_commit_sync(c, NULL, 10000, err, sizeof err);
        if (e != KAFKAC_OK)
            fprintf(stderr, "%% commit: %s (the batch may be read again)\n", err);
    }
    printf("processed %ld records, %llu value bytes\n", processed, bytes);
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
    return 0;
}

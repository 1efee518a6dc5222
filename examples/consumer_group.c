/* The group model as an iterator loop: join a consumer group, share the
 * topics' partitions with the group's other members, and print records
 * one at a time.  Positions are committed automatically (every
 * auto.commit.interval.ms, only for records already returned), and on
 * Ctrl-C the consumer closes: it commits, runs the revoke callback and
 * leaves the group so that the others take its partitions at once.
 *
 *   consumer_group BROKERS GROUP TOPIC|^REGEX [TOPIC...] [-X key=value]...
 *
 * e.g. consumer_group 127.0.0.1:9092 billing orders payments
 *      consumer_group 127.0.0.1:9092 audit '^audit-.*' -X partition.assignment.strategy=cooperative-sticky
 *      consumer_group 127.0.0.1:9092 billing orders -X group.protocol=consumer   (Kafka 4: the broker assigns) */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <kafkac/kafkac.h>

static volatile sig_atomic_t stop;
static kafkac_consumer_t *consumer;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
    kafkac_consumer_wakeup(consumer);  /* make a waiting next() return */
}

/* Runs on this thread, inside kafkac_consumer_next. */
static void on_rebalance(kafkac_consumer_t *c, kafkac_rebalance_event_t ev,
                         const kafkac_topic_partition_list_t *parts, void *opaque)
{
    (void)c;
    (void)opaque;
    const char *what = ev == KAFKAC_REBALANCE_ASSIGNED ? "assigned" : ev == KAFKAC_REBALANCE_REVOKED ? "revoked" : "lost";
    fprintf(stderr, "%% %s:", what);
    for (int i = 0; i < kafkac_tpl_count(parts); i++)
        fprintf(stderr, " %s[%d]", kafkac_tp_topic(kafkac_tpl_at(parts, i)),
                (int)kafkac_tp_partition(kafkac_tpl_at(parts, i)));
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 4) {
        fprintf(stderr, "usage: %s BROKERS GROUP TOPIC|^REGEX [TOPIC...] [-X key=value]...\n", argv[0]);
        return 2;
    }
    kafkac_conf_t *conf = kafkac_conf_new();
    const char *topics[64];
    int ntopics = 0;
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "group.id", argv[2], err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "-X") && i + 1 < argc) {
            char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "-X %s: expected key=value\n", kv);
                return 2;
            }
            *eq = 0;
            if (kafkac_conf_set(conf, kv, eq + 1, err, sizeof err) != KAFKAC_OK) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
        } else if (ntopics < 64) {
            topics[ntopics++] = argv[i];
        }
    }
    consumer = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);  /* the consumer keeps its own copy */
    if (!consumer) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_consumer_set_rebalance_cb(consumer, on_rebalance, NULL);
    if (kafkac_consumer_subscribe(consumer, topics, ntopics, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "subscribe: %s\n", err);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    while (!stop) {
        kafkac_record_t *r;
        kafkac_err_t e = kafkac_consumer_next(consumer, 1000, &r, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT)
            continue;
        if (e != KAFKAC_OK) {
            /* Partition errors and group errors; the consumer carries on. */
            fprintf(stderr, "%% %s\n", err);
            continue;
        }
        size_t len;
        const void *value = kafkac_record_value(r, &len);
        printf("%s[%d]@%lld: %.*s\n", kafkac_record_topic(r), (int)kafkac_record_partition(r),
               (long long)kafkac_record_offset(r), (int)len, value ? (const char *)value : "");
        kafkac_record_release(r);  /* the value stays valid until here */
    }
    kafkac_err_t e = kafkac_consumer_close(consumer, 10000);
    if (e != KAFKAC_OK)
        fprintf(stderr, "close: %s\n", kafkac_err_str(e));
    kafkac_consumer_destroy(consumer);
    return 0;
}

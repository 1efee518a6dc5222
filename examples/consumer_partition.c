/* The partition model: read chosen partitions of a topic from chosen
 * offsets, no consumer group.
 *
 *   consumer_partition BROKERS TOPIC PARTITION[,PARTITION...] [OFFSET|beginning|end]
 *
 * Prints "partition offset: value" for each record until every listed
 * partition has been read to the end it had at start (its end offset, as
 * end_offsets reports it), then exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kafkac/kafkac.h>

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 4) {
        fprintf(stderr, "usage: %s BROKERS TOPIC PARTITION[,PARTITION...] [OFFSET|beginning|end]\n", argv[0]);
        return 2;
    }
    int64_t start = KAFKAC_OFFSET_BEGINNING;
    if (argc > 4 && !strcmp(argv[4], "end"))
        start = KAFKAC_OFFSET_END;
    else if (argc > 4 && strcmp(argv[4], "beginning"))
        start = strtoll(argv[4], NULL, 10);

    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);   /* the consumer keeps its own copy */
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    /* The partitions, each with where to start. */
    kafkac_topic_partition_list_t *parts = kafkac_tpl_new(4);
    for (char *p = strtok(argv[3], ","); p; p = strtok(NULL, ","))
        kafkac_tp_set_offset(kafkac_tpl_add(parts, argv[2], (int32_t)atoi(p)), start);

    /* Where each partition ends now: we stop there. */
    kafkac_topic_partition_list_t *ends = kafkac_tpl_copy(parts);
    if (kafkac_consumer_end_offsets(c, ends, 10000, err, sizeof err) != KAFKAC_OK ||
        kafkac_consumer_assign(c, parts, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    int done = 0;
    while (!done) {
        kafkac_records_t *batch;
        kafkac_err_t e = kafkac_consumer_poll(c, 1000, 0, &batch, err, sizeof err);
        if (e != KAFKAC_OK && e != KAFKAC_ERR_TIMED_OUT) {
            fprintf(stderr, "poll: %s\n", err);
            break;
        }
        for (int i = 0; e == KAFKAC_OK && i < kafkac_records_count(batch); i++) {
            const kafkac_record_t *r = kafkac_records_at(batch, i);
            size_t len;
            const char *v = kafkac_record_value(r, &len);   /* points into the fetched bytes */
            printf("%d %lld: %.*s\n", (int)kafkac_record_partition(r), (long long)kafkac_record_offset(r),
                   (int)len, v ? v : "");
        }
        kafkac_records_destroy(batch);   /* the records' memory goes back now */

        /* Done when every partition's position reached its end offset. */
        done = 1;
        for (int i = 0; i < kafkac_tpl_count(ends); i++) {
            int64_t pos;
            const kafkac_topic_partition_t *end = kafkac_tpl_at(ends, i);
            if (kafkac_consumer_position(c, argv[2], kafkac_tp_partition(end), &pos, 1000, err, sizeof err) ||
                pos < kafkac_tp_offset(end))
                done = 0;
        }
    }
    kafkac_tpl_destroy(parts);
    kafkac_tpl_destroy(ends);
    kafkac_consumer_close(c, 5000);
    kafkac_consumer_destroy(c);
    return 0;
}

/* kafkac produce: one record per input line, from files or stdin, as
 * kcat -P does.  With -K the text before the first DELIM is the key.  At
 * the end it prints "delivered N, failed M" to stderr and exits 1 if any
 * record failed.  Every line counts: a line the producer refuses (too
 * large, no such partition) is a failure and the lines after it are still
 * sent; when nothing more can be sent (no broker reachable, unknown
 * topic) the remaining lines are read and counted as failed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kafkac/kafkac.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kafkac produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM]\n"
            "                      [-z none|gzip|snappy|lz4|zstd] [-X key=value]... [FILE...]\n"
            "  one record per line of the FILEs (default: stdin); the newline is not part of it\n"
            "  -p  partition (default: the partitioner chooses)\n"
            "  -K  the text before the first DELIM is the key (no DELIM in a line: null key)\n"
            "  -z  compression.type\n"
            "  -X  any producer property (see `kafkac config list`)\n");
}

typedef struct tally {
    long delivered, failed;   /* failed: delivery failures, refusals, lines never tried */
    long lines;               /* lines handed to send */
    long refused;             /* refused by send */
    long unsent;              /* never tried: an earlier error stopped sending */
    int stopped;
    int first_err;
} tally_t;

static void on_delivery(void *opaque, const kafkac_delivery_t *d)
{
    tally_t *t = opaque;
    kafkac_err_t e = kafkac_delivery_err(d);
    if (e == KAFKAC_OK) {
        t->delivered++;
        return;
    }
    if (t->failed++ == 0)
        t->first_err = e;
    if (t->failed <= 10)
        fprintf(stderr, "kafkac produce: record to %s [%d] failed: %s (%s)\n", kafkac_delivery_topic(d),
                kafkac_delivery_partition(d), kafkac_err_name(e), kafkac_err_str(e));
}

/* Errors that refuse one record for what it is (its size, its
 * partition): the lines after it may well go through. */
static int refuses_only_this_record(kafkac_err_t e)
{
    return e == KAFKAC_ERR_MSG_SIZE_TOO_LARGE || e == KAFKAC_ERR_UNKNOWN_PARTITION || e == KAFKAC_ERR_INVALID_ARG ||
           e == KAFKAC_ERR_QUEUE_FULL;
}

/* Sends every line of f.  A line the producer refuses counts as failed
 * and the next lines are still sent; after an error no later line can
 * escape (no broker reachable, unknown topic, fatal), each remaining line
 * is read and counted as failed without trying it.  Returns 0, or -1
 * once such an error stopped sending (t->stopped is set, and later files
 * are counted the same way). */
static int send_lines(kafkac_producer_t *p, FILE *f, const char *topic, int32_t partition, const char *delim,
                      tally_t *t)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t dl = delim ? strlen(delim) : 0;
    /* One handle for every line: it points at the line buffer, which the
     * send copies before it returns. */
    kafkac_producer_record_t *rec = kafkac_producer_record_new(topic);
    if (!rec) {
        fprintf(stderr, "kafkac produce: out of memory\n");
        if (!t->first_err)
            t->first_err = KAFKAC_ERR_NO_MEMORY;
        t->stopped = 1;
    } else {
        kafkac_producer_record_set_partition(rec, partition);
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (t->stopped) {
            t->failed++;
            t->unsent++;
            continue;
        }
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        const char *key = NULL, *val = line;
        int32_t klen = -1, vlen = (int32_t)len;
        if (dl) {
            char *at = strstr(line, delim);
            if (at) {
                key = line;
                klen = (int32_t)(at - line);
                val = at + dl;
                vlen = (int32_t)(len - klen - (ssize_t)dl);
            }
        }
        t->lines++;
        kafkac_producer_record_set_key(rec, key, klen);
        kafkac_producer_record_set_value(rec, val, vlen);
        kafkac_err_t e = kafkac_producer_send_record(p, rec, NULL);
        if (e != KAFKAC_OK) {
            char why[512];
            kafkac_producer_send_error(p, why, sizeof why);
            if (t->failed++ == 0)
                t->first_err = e;
            t->refused++;
            if (t->refused <= 10)
                fprintf(stderr, "kafkac produce: line %ld refused: %s: %s\n", t->lines, kafkac_err_name(e), why);
            if (!refuses_only_this_record(e)) {
                fprintf(stderr, "kafkac produce: nothing more can be sent; counting the remaining lines as failed\n");
                t->stopped = 1;
            }
        }
        kafkac_producer_poll(p, 0);
    }
    free(line);
    kafkac_producer_record_destroy(rec);
    return t->stopped ? -1 : 0;
}

int kc_cli_produce(int argc, char **argv)
{
    const char *brokers = NULL, *topic = NULL, *delim = NULL, *codec = NULL;
    int32_t partition = KAFKAC_PARTITION_ANY;
    char err[512];
    kafkac_conf_t *conf = kc_cli_conf_new("kafkac produce");
    if (!conf)
        return 2;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "b:t:p:K:z:X:h")) != -1) {
        switch (opt) {
        case 't':
            topic = optarg;
            break;
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > INT32_MAX) {
                fprintf(stderr, "kafkac produce: bad partition '%s'\n", optarg);
                kafkac_conf_destroy(conf);
                return 2;
            }
            partition = (int32_t)v;
            break;
        }
        case 'K':
            delim = optarg;
            break;
        case 'z':
            codec = optarg;
            break;
        default: {
            int rc = kc_cli_common_opt(opt, optarg, &brokers, conf, "kafkac produce", usage);
            if (rc >= 0) {
                kafkac_conf_destroy(conf);
                return rc;
            }
        }
        }
    }
    if (!brokers || !topic || (delim && !*delim)) {
        usage(stderr);
        kafkac_conf_destroy(conf);
        return 2;
    }
    if (kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != KAFKAC_OK ||
        (codec && kafkac_conf_set(conf, "compression.type", codec, err, sizeof err) != KAFKAC_OK)) {
        fprintf(stderr, "kafkac produce: %s\n", err);
        kafkac_conf_destroy(conf);
        return 2;
    }
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p) {
        fprintf(stderr, "kafkac produce: %s\n", err);
        return 2;
    }
    tally_t t;
    memset(&t, 0, sizeof t);
    kafkac_producer_set_delivery_cb(p, on_delivery, &t);
    if (optind >= argc) {
        send_lines(p, stdin, topic, partition, delim, &t);
    } else {
        for (int i = optind; i < argc; i++) {
            FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
            if (!f) {
                perror(argv[i]);
                t.failed++;   /* its lines are unknown: one failure for the file */
                continue;
            }
            send_lines(p, f, topic, partition, delim, &t);
            if (f != stdin)
                fclose(f);
        }
    }
    /* Everything accepted gets its outcome: delivered, or failed by the
     * delivery timeout (close waits for that long at most). */
    kafkac_producer_close(p, KAFKAC_TIMEOUT_DEFAULT);
    kafkac_producer_destroy(p);
    fprintf(stderr, "delivered %ld, failed %ld\n", t.delivered, t.failed);
    if (t.refused || t.unsent)
        fprintf(stderr, "(of the failed: %ld refused by the producer, %ld never sent after it could not go on)\n",
                t.refused, t.unsent);
    return t.failed ? 1 : 0;
}

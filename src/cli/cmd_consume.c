/* kafkac consume: read records from topics and print each one with a
 * format, as kcat -C does.  Without -G it assigns partitions itself (the
 * partition model); with -G it joins a group subscribed to the topics. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kafkac/kafkac.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kafkac consume -b BROKERS -t TOPIC [-t TOPIC...] [-p PARTITION]\n"
            "                      [-o beginning|end|OFFSET|@TIMESTAMP_MS] [-G GROUP] [-c COUNT] [-e]\n"
            "                      [-f FORMAT] [-X key=value]...\n"
            "  -t  topic to read (repeatable); with -G a name starting with ^ is a regex\n"
            "  -p  only this partition (without -G)\n"
            "  -o  where to start: beginning, end, an offset, or @ms for the first record at or after a\n"
            "      timestamp (default: end; with -G the committed offset, else this as auto.offset.reset)\n"
            "  -G  join consumer group GROUP (subscribe to the -t topics); errors are printed to stderr;\n"
            "      when no broker answers for default.api.timeout.ms (-X), it exits with status 1\n"
            "  -c  exit after COUNT records\n"
            "  -e  exit once every assigned partition is at its end\n"
            "  -f  output format: %%t topic, %%p partition, %%o offset, %%k key, %%s value, %%T timestamp,\n"
            "      %%h headers (k=v,...), \\n newline, \\t tab, %%%% percent (default: \"%%s\\n\")\n"
            "  -X  any consumer property (see `kafkac config list`)\n");
}

static void put_bytes(const void *p, size_t n)
{
    if (p && n)
        fwrite(p, 1, n, stdout);
}

static void print_record(const kafkac_record_t *r, const char *fmt)
{
    for (const char *f = fmt; *f; f++) {
        if (*f == '\\' && f[1]) {
            f++;
            putchar(*f == 'n' ? '\n' : *f == 't' ? '\t' : *f);
            continue;
        }
        if (*f != '%' || !f[1]) {
            putchar(*f);
            continue;
        }
        size_t n;
        const void *p;
        switch (*++f) {
        case 't':
            fputs(kafkac_record_topic(r), stdout);
            break;
        case 'p':
            printf("%" PRId32, kafkac_record_partition(r));
            break;
        case 'o':
            printf("%" PRId64, kafkac_record_offset(r));
            break;
        case 'k':
            p = kafkac_record_key(r, &n);
            put_bytes(p, n);
            break;
        case 's':
            p = kafkac_record_value(r, &n);
            put_bytes(p, n);
            break;
        case 'T':
            printf("%" PRId64, kafkac_record_timestamp(r, NULL));
            break;
        case 'h':
            for (int i = 0; i < kafkac_record_header_count(r); i++) {
                const char *k;
                size_t kl;
                const void *v;
                int32_t vl;
                if (kafkac_record_header(r, i, &k, &kl, &v, &vl) != KAFKAC_OK)
                    break;
                if (i)
                    putchar(',');
                put_bytes(k, kl);
                putchar('=');
                if (vl > 0)
                    put_bytes(v, (size_t)vl);
            }
            break;
        case '%':
            putchar('%');
            break;
        default:
            putchar('%');
            putchar(*f);
            break;
        }
    }
}

/* A whole decimal number >= min, or -1 (and a message naming the option). */
static int parse_num(char opt, const char *s, long min, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || !end || *end || errno || v < min) {
        fprintf(stderr, "kafkac consume: -%c '%s': expected a whole number >= %ld\n", opt, s, min);
        return -1;
    }
    *out = v;
    return 0;
}

/* Poll errors after which the consumer goes on by itself: a topic that may
 * still be created, a leader that may come back.  Others end the run. */
static int poll_error_passes(kafkac_err_t e)
{
    return e == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION || e == KAFKAC_ERR_LEADER_NOT_AVAILABLE ||
           e == KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER;
}

/* Every partition of the topics (or just `partition`), from metadata. */
static kafkac_err_t partitions_of(const kafkac_conf_t *conf, char **topics, int nt, int32_t partition,
                                  kafkac_topic_partition_list_t *out, char *err, size_t errlen)
{
    kafkac_client_t *cl = kafkac_client_new(conf, err, errlen);
    if (!cl)
        return KAFKAC_ERR_CONFIG;
    kafkac_metadata_t *md = NULL;
    kafkac_err_t rc = kafkac_client_metadata(cl, (const char *const *)topics, nt, 10000, &md, err, errlen);
    for (int i = 0; !rc && i < kafkac_metadata_topic_count(md); i++) {
        const char *name = kafkac_metadata_topic_name(md, i);
        kafkac_err_t terr = kafkac_metadata_topic_error(md, i);
        int pc = kafkac_metadata_topic_partition_count(md, i);
        if (terr) {
            snprintf(err, errlen, "topic %s: %s", name, kafkac_err_str(terr));
            rc = terr;
            break;
        }
        for (int p = 0; p < pc; p++) {
            int32_t id = kafkac_partition_info_id(kafkac_metadata_partition(md, i, p));
            if (partition < 0 || id == partition)
                kafkac_tpl_add(out, name, id);
        }
    }
    if (!rc && kafkac_tpl_count(out) == 0) {
        snprintf(err, errlen, "no such partition");
        rc = KAFKAC_ERR_UNKNOWN_PARTITION;
    }
    kafkac_metadata_destroy(md);
    kafkac_client_destroy(cl);
    return rc;
}

/* -e: every assigned partition's position has reached its high watermark. */
static int all_at_end(kafkac_consumer_t *c)
{
    kafkac_topic_partition_list_t *a = NULL;
    if (kafkac_consumer_assignment(c, &a) != KAFKAC_OK)
        return 0;
    int done = kafkac_tpl_count(a) > 0;
    for (int i = 0; done && i < kafkac_tpl_count(a); i++) {
        int64_t lo, hi;
        const kafkac_topic_partition_t *tp = kafkac_tpl_at(a, i);
        if (kafkac_consumer_watermarks(c, kafkac_tp_topic(tp), kafkac_tp_partition(tp), &lo, &hi) != KAFKAC_OK ||
            kafkac_tp_offset(tp) < hi)
            done = 0;
    }
    kafkac_tpl_destroy(a);
    return done;
}

int kc_cli_consume(int argc, char **argv)
{
    char err[512];
    char *topics[64];
    int nt = 0;
    const char *brokers = NULL, *group = NULL, *start = NULL, *fmt = "%s\n";
    long partition = -1, count = -1;
    int exit_at_end = 0, rc = 1;
    kafkac_conf_t *conf = kc_cli_conf_new("kafkac consume");
    kafkac_consumer_t *c = NULL;
    kafkac_topic_partition_list_t *tpl = NULL;
    if (!conf)
        return 1;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "b:t:p:o:G:c:ef:X:h")) != -1) {
        switch (opt) {
        case 't':
            if (nt == (int)(sizeof topics / sizeof topics[0])) {
                fprintf(stderr, "kafkac consume: too many -t\n");
                goto out2;
            }
            topics[nt++] = optarg;
            break;
        case 'p':
            if (parse_num('p', optarg, 0, &partition))
                goto out2;
            break;
        case 'o':
            start = optarg;
            break;
        case 'G':
            group = optarg;
            break;
        case 'c':
            if (parse_num('c', optarg, 0, &count))
                goto out2;
            break;
        case 'e':
            exit_at_end = 1;
            break;
        case 'f':
            fmt = optarg;
            break;
        default:
            rc = kc_cli_common_opt(opt, optarg, &brokers, conf, "kafkac consume", usage);
            if (rc >= 0)
                goto out2;
            rc = 1;
            break;
        }
    }
    if (!brokers || nt == 0) {
        usage(stderr);
        goto out2;
    }
    int64_t start_off = KAFKAC_OFFSET_END, start_ts = -1;
    if (start) {
        char *end = NULL;
        if (!strcmp(start, "beginning"))
            start_off = KAFKAC_OFFSET_BEGINNING;
        else if (!strcmp(start, "end"))
            start_off = KAFKAC_OFFSET_END;
        else if (start[0] == '@' && (start_ts = strtoll(start + 1, &end, 10)) >= 0 && end && !*end)
            start_off = KAFKAC_OFFSET_INVALID;
        else if ((start_off = strtoll(start, &end, 10)) < 0 || !end || *end) {
            fprintf(stderr, "kafkac consume: bad -o '%s'\n", start);
            goto out2;
        }
    }
    if (kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
        (group && kafkac_conf_set(conf, "group.id", group, err, sizeof err)) ||
        (start_off == KAFKAC_OFFSET_BEGINNING &&
         kafkac_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err))) {
        fprintf(stderr, "kafkac consume: %s\n", err);
        goto out2;
    }
    if (!group) {
        tpl = kafkac_tpl_new(16);
        if (!tpl || partitions_of(conf, topics, nt, (int32_t)partition, tpl, err, sizeof err)) {
            fprintf(stderr, "kafkac consume: %s\n", tpl ? err : "out of memory");
            goto out2;
        }
    }
    c = kafkac_consumer_new(conf, err, sizeof err);
    if (!c) {
        fprintf(stderr, "kafkac consume: %s\n", err);
        goto out2;
    }
    if (group) {
        if (kafkac_consumer_subscribe(c, (const char *const *)topics, nt, err, sizeof err)) {
            fprintf(stderr, "kafkac consume: %s\n", err);
            goto out;
        }
    } else {
        for (int i = 0; i < kafkac_tpl_count(tpl); i++)
            kafkac_tp_set_offset(kafkac_tpl_at(tpl, i), start_ts >= 0 ? start_ts : start_off);
        if (start_ts >= 0 && kafkac_consumer_offsets_for_times(c, tpl, -1, err, sizeof err)) {
            fprintf(stderr, "kafkac consume: %s\n", err);
            goto out;
        }
        if (kafkac_consumer_assign(c, tpl, err, sizeof err)) {
            fprintf(stderr, "kafkac consume: %s\n", err);
            goto out;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    long seen = 0;
    rc = 0;
    while (!stop_flag && (count < 0 || seen < count)) {
        kafkac_records_t *b = NULL;
        int max = count >= 0 && count - seen < 500 ? (int)(count - seen) : 500;
        kafkac_err_t e = kafkac_consumer_poll(c, 200, max, &b, err, sizeof err);
        if (e == KAFKAC_ERR_TIMED_OUT || e == KAFKAC_ERR_PARTITION_EOF) {
            if (exit_at_end && all_at_end(c))
                break;
            continue;
        }
        if (e && poll_error_passes(e)) {
            /* Said, and waited out: the consumer keeps trying. */
            fprintf(stderr, "kafkac consume: %s: %s (still waiting)\n", kafkac_err_name(e), err);
            continue;
        }
        if (e) {
            /* Nothing more can come (no broker for default.api.timeout.ms,
             * not authorized, corrupt data...): say so and fail. */
            fprintf(stderr, "kafkac consume: %s: %s\n", kafkac_err_name(e), err);
            rc = 1;
            break;
        }
        for (int i = 0; i < kafkac_records_count(b); i++)
            print_record(kafkac_records_at(b, i), fmt);
        seen += kafkac_records_count(b);
        kafkac_records_destroy(b);
        if (ferror(stdout)) {
            rc = 1;
            break;
        }
        if (exit_at_end && all_at_end(c))
            break;
    }
    fflush(stdout);
out:
    kafkac_consumer_close(c, 10000);
    kafkac_consumer_destroy(c);
out2:
    kafkac_tpl_destroy(tpl);
    kafkac_conf_destroy(conf);
    return rc;
}

/* Helpers for the producer's integration tests: read a topic back with
 * kcat (a librdkafka consumer), so that what the producer wrote is checked
 * by a client that shares none of our code (topics are made the same way,
 * with kafka-python: kc_test_create_topic in tests/common/testenv.h). */
#ifndef ITEST_PRODUCER_UTIL_H
#define ITEST_PRODUCER_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/testenv.h"
#include "kafkac/kafkac.h"

/* One record read back. */
typedef struct pu_rec {
    int32_t partition;
    int64_t offset;
    char *key;      /* "" for a null key */
    char *value;
    char *headers;  /* kcat's %h rendering */
} pu_rec_t;

static int pu_cmp(const void *a, const void *b)
{
    const pu_rec_t *x = a, *y = b;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Reads the whole topic with kcat; retries until at least `want` records
 * are there (or 30 s).  Returns the count and sets *out (sorted by
 * partition then offset; free with pu_free). */
static long pu_read(const char *brokers, const char *topic, long want, pu_rec_t **out)
{
    pu_rec_t *v = NULL;
    long n = 0;
    *out = NULL;
    for (int attempt = 0; attempt < 15; attempt++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "kcat -C -q -b %s -t %s -o beginning -e -X check.crcs=true -f '%%p\\t%%o\\t%%k\\t%%h\\t%%s\\n' 2>/dev/null",
                 brokers, topic);
        FILE *f = popen(cmd, "r");
        if (!f)
            return -1;
        for (long i = 0; i < n; i++) {
            free(v[i].key);
            free(v[i].value);
            free(v[i].headers);
        }
        n = 0;
        long cap = 1024;
        free(v);
        v = malloc((size_t)cap * sizeof *v);
        char *line = NULL;
        size_t lcap = 0;
        ssize_t len;
        while ((len = getline(&line, &lcap, f)) > 0) {
            if (line[len - 1] == '\n')
                line[--len] = '\0';
            char *f1 = line, *f2 = strchr(f1, '\t');
            if (!f2)
                continue;
            *f2++ = '\0';
            char *f3 = strchr(f2, '\t');
            if (!f3)
                continue;
            *f3++ = '\0';
            char *f4 = strchr(f3, '\t');
            if (!f4)
                continue;
            *f4++ = '\0';
            char *f5 = strchr(f4, '\t');
            if (!f5)
                continue;
            *f5++ = '\0';
            if (n == cap) {
                cap *= 2;
                v = realloc(v, (size_t)cap * sizeof *v);
            }
            v[n].partition = atoi(f1);
            v[n].offset = atoll(f2);
            v[n].key = strdup(f3);
            v[n].headers = strdup(f4);
            v[n].value = strdup(f5);
            n++;
        }
        free(line);
        pclose(f);
        if (n >= want)
            break;
        sleep(2);
    }
    qsort(v, (size_t)n, sizeof *v, pu_cmp);
    *out = v;
    return n;
}

static void pu_free(pu_rec_t *v, long n)
{
    for (long i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].value);
        free(v[i].headers);
    }
    free(v);
}

static kafkac_producer_t *pu_producer(const char *brokers, const char *const *kv)
{
    char err[512];
    kafkac_conf_t *c = kafkac_conf_new();
    if (kafkac_conf_set(c, "bootstrap.servers", brokers, err, sizeof err) != 0) {
        fprintf(stderr, "bootstrap.servers: %s\n", err);
        exit(2);
    }
    if (getenv("KAFKAC_TEST_LOG"))
        kafkac_conf_set_log_cb(c, kafkac_log_stderr, NULL);
    for (; kv && kv[0]; kv += 2)
        if (kafkac_conf_set(c, kv[0], kv[1], err, sizeof err) != 0) {
            fprintf(stderr, "%s=%s: %s\n", kv[0], kv[1], err);
            exit(2);
        }
    kafkac_producer_t *p = kafkac_producer_new(c, err, sizeof err);
    if (!p) {
        fprintf(stderr, "kafkac_producer_new: %s\n", err);
        exit(2);
    }
    kafkac_conf_destroy(c);
    return p;
}

#endif

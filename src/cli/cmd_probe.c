/* kafkac probe -b HOST:PORT: which Kafka release a broker runs, and the
 * version of every API it offers that libkafkac would use. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kafkac/kafkac.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: kafkac probe -b HOST:PORT[,HOST:PORT...] [-T TIMEOUT_MS] [-X key=value]...\n"
               "Prints `release: X.Y` on the first line, then one line per API the broker offers:\n"
               "key, name, the broker's min-max versions, and the version libkafkac uses ('-': none).\n");
}

int kc_cli_probe(int argc, char **argv)
{
    const char *brokers = NULL;
    int timeout_ms = 10000;
    char err[512];
    kafkac_conf_t *conf = kc_cli_conf_new("kafkac probe");
    if (!conf)
        return 1;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "b:T:X:h")) != -1) {
        switch (opt) {
        case 'T':
            timeout_ms = atoi(optarg);
            break;
        default: {
            int rc = kc_cli_common_opt(opt, optarg, &brokers, conf, "kafkac probe", usage);
            if (rc >= 0) {
                kafkac_conf_destroy(conf);
                return rc;
            }
        }
        }
    }
    if (brokers && kafkac_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "kafkac probe: %s\n", err);
        kafkac_conf_destroy(conf);
        return 2;
    }
    kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!cl) {
        fprintf(stderr, "kafkac probe: %s\n", err);
        return 2;
    }
    kafkac_broker_versions_t *v = NULL;
    kafkac_err_t rc = kafkac_client_probe(cl, -1, timeout_ms, &v, err, sizeof err);
    if (rc != KAFKAC_OK) {
        fprintf(stderr, "kafkac probe: %s: %s\n", kafkac_err_name(rc), err);
        kafkac_client_destroy(cl);
        return 1;
    }
    printf("release: %s\n", kafkac_broker_versions_release(v));
    printf("%4s  %-32s %-9s %s\n", "key", "api", "broker", "libkafkac");
    for (int i = 0; i < kafkac_broker_versions_count(v); i++) {
        const kafkac_api_version_t *a = kafkac_broker_versions_get(v, i);
        int16_t key = kafkac_api_version_key(a), lo = kafkac_api_version_broker_min(a);
        int16_t hi = kafkac_api_version_broker_max(a), use = kafkac_api_version_chosen(a);
        const char *name = kafkac_api_name(key);
        char range[16], used[8];
        snprintf(range, sizeof range, "%d-%d", lo, hi);
        if (use >= 0)
            snprintf(used, sizeof used, "%d", use);
        else
            snprintf(used, sizeof used, "-");
        printf("%4d  %-32s %-9s %s\n", key, name ? name : "(a key newer than libkafkac)", range, used);
    }
    kafkac_broker_versions_destroy(v);
    kafkac_client_destroy(cl);
    return 0;
}

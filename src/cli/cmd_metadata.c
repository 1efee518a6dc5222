/* kafkac metadata: the cluster as the admin client sees it: cluster id,
 * controller, brokers, and every topic with its partitions' leaders. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: kafkac metadata [-t TOPIC]... [--internal]\n" KC_CLI_ADMIN_OPTS_HELP);
}

int kc_cli_metadata(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "topic", required_argument, NULL, 't' },
        { "internal", no_argument, NULL, 'i' },
        { "bootstrap-server", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    kc_cli_admin_t c;
    if (kc_cli_admin_init(&c, "kafkac metadata"))
        return 2;
    const char *topics[64];
    int nt = 0, internal = 0, rc = 2, opt;
    char err[512];
    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:b:X:T:h", longopts, NULL)) != -1) {
        int h = kc_cli_admin_opt(&c, opt, optarg);
        if (h < 0)
            goto out;
        if (h)
            continue;
        if (opt == 't' && nt < 64)
            topics[nt++] = optarg;
        else if (opt == 'i')
            internal = 1;
        else if (opt == 'h') {
            usage(stdout);
            rc = 0;
            goto out;
        } else {
            usage(stderr);
            goto out;
        }
    }
    kafkac_admin_t *adm = kc_cli_admin_open(&c);
    if (!adm)
        goto out;
    kafkac_cluster_desc_t *cd;
    kafkac_err_t e = kafkac_admin_describe_cluster(adm, c.timeout_ms, &cd, err, sizeof err);
    if (e) {
        rc = kc_cli_admin_fail(&c, e, err);
        kafkac_admin_destroy(adm);
        goto out;
    }
    printf("Cluster id: %s\nController: %d\n%d broker(s):\n", kafkac_cluster_desc_id(cd),
           (int)kafkac_cluster_desc_controller(cd), kafkac_cluster_desc_broker_count(cd));
    for (int i = 0; i < kafkac_cluster_desc_broker_count(cd); i++) {
        const kafkac_node_t *b = kafkac_cluster_desc_broker(cd, i);
        const char *rack = kafkac_node_rack(b);
        printf("  broker %d at %s:%d%s%s%s\n", (int)kafkac_node_id(b), kafkac_node_host(b), kafkac_node_port(b),
               rack ? " (rack " : "", rack ? rack : "", rack ? ")" : "");
    }
    kafkac_cluster_desc_destroy(cd);
    kafkac_topic_desc_t *d;
    e = nt ? kafkac_admin_describe_topics(adm, topics, nt, c.timeout_ms, &d, err, sizeof err)
           : kafkac_admin_list_topics(adm, internal, c.timeout_ms, &d, err, sizeof err);
    if (e) {
        rc = kc_cli_admin_fail(&c, e, err);
        kafkac_admin_destroy(adm);
        goto out;
    }
    rc = 0;
    printf("%d topic(s):\n", kafkac_topic_desc_count(d));
    for (int i = 0; i < kafkac_topic_desc_count(d); i++) {
        kafkac_err_t te = kafkac_topic_desc_error(d, i);
        printf("  topic \"%s\" with %d partition(s)%s%s\n", kafkac_topic_desc_name(d, i),
               kafkac_topic_desc_partition_count(d, i), te ? ": " : "", te ? kafkac_err_name(te) : "");
        if (te)
            rc = 1;
        for (int p = 0; p < kafkac_topic_desc_partition_count(d, i); p++) {
            const kafkac_partition_info_t *pi = kafkac_topic_desc_partition(d, i, p);
            int nr, ni;
            const int32_t *reps = kafkac_partition_info_replicas(pi, &nr), *isr = kafkac_partition_info_isr(pi, &ni);
            printf("    partition %d, leader %d, replicas:", (int)kafkac_partition_info_id(pi),
                   (int)kafkac_partition_info_leader(pi));
            for (int k = 0; k < nr; k++)
                printf("%s%d", k ? "," : " ", (int)reps[k]);
            printf(", isrs:");
            for (int k = 0; k < ni; k++)
                printf("%s%d", k ? "," : " ", (int)isr[k]);
            printf("\n");
        }
    }
    kafkac_topic_desc_destroy(d);
    kafkac_admin_destroy(adm);
out:
    kc_cli_admin_free(&c);
    return rc;
}

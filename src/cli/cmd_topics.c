/* kafkac topics list|describe|create|delete|add-partitions|alter: topic
 * administration through the admin client; describe prints
 * kafka-topics.sh --describe's layout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"

#define MAX_ITEMS 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kafkac topics list [--internal]\n"
            "       kafkac topics describe [-t NAME]...\n"
            "       kafkac topics create -t NAME [--partitions N] [--replication-factor R]\n"
            "                            [--replica-assignment 1:2,2:3,...] [--config k=v]... [--validate-only]\n"
            "       kafkac topics delete -t NAME...\n"
            "       kafkac topics add-partitions -t NAME --partitions N\n"
            "       kafkac topics alter -t NAME [--partitions N] [--config k=v]... [--delete-config k]...\n"
            "common options:\n" KC_CLI_ADMIN_OPTS_HELP
            "Exits 1 with the Kafka error name when the operation (or any topic) fails.\n");
}

enum { O_PARTITIONS = 1000, O_RF, O_CONFIG, O_DELETE_CONFIG, O_VALIDATE, O_INTERNAL, O_ASSIGN };

static const struct option longopts[] = {
    { "topic", required_argument, NULL, 't' },
    { "bootstrap-server", required_argument, NULL, 'b' },
    { "partitions", required_argument, NULL, O_PARTITIONS },
    { "replication-factor", required_argument, NULL, O_RF },
    { "replica-assignment", required_argument, NULL, O_ASSIGN },
    { "config", required_argument, NULL, O_CONFIG },
    { "delete-config", required_argument, NULL, O_DELETE_CONFIG },
    { "validate-only", no_argument, NULL, O_VALIDATE },
    { "internal", no_argument, NULL, O_INTERNAL },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

typedef struct args {
    const char *topics[MAX_ITEMS];
    int ntopics;
    int partitions, rf, validate_only, internal;
    kc_cli_configs_t configs;
    const char *assignment;
} args_t;

static void print_ids(const int32_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", (int)ids[i]);
}

static int do_list(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_topic_desc_t *d;
    kafkac_err_t rc = kafkac_admin_list_topics(adm, a->internal, c->timeout_ms, &d, err, sizeof err);
    if (rc)
        return kc_cli_admin_fail(c, rc, err);
    for (int i = 0; i < kafkac_topic_desc_count(d); i++)
        printf("%s\n", kafkac_topic_desc_name(d, i));
    kafkac_topic_desc_destroy(d);
    return 0;
}

/* "k=v,k2=v2" of the topic's dynamic configs, as kafka-topics.sh shows. */
static void print_configs(kafkac_admin_t *adm, const char *topic, int timeout_ms)
{
    char err[512];
    kafkac_config_resource_t *r = kc_cli_config_resource(KAFKAC_RESOURCE_TOPIC, topic, NULL);
    kafkac_config_desc_t *d = NULL;
    kafkac_err_t e = r ? kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const[]){ r }, 1,
                                                       timeout_ms, &d, err, sizeof err)
                       : KAFKAC_ERR_NO_MEMORY;
    kafkac_config_resource_destroy(r);
    if (e != KAFKAC_OK)
        return;
    int first = 1;
    for (int j = 0; j < kafkac_config_desc_entry_count(d, 0); j++) {
        const kafkac_config_entry_t *en = kafkac_config_desc_entry(d, 0, j);
        const char *value = kafkac_config_entry_value(en);
        if (kafkac_config_entry_source(en) != KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
            continue;
        printf("%s%s=%s", first ? "" : ",", kafkac_config_entry_name(en), value ? value : "");
        first = 0;
    }
    kafkac_config_desc_destroy(d);
}

static int do_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_topic_desc_t *d;
    kafkac_err_t rc = a->ntopics ? kafkac_admin_describe_topics(adm, a->topics, a->ntopics, c->timeout_ms, &d, err,
                                                                 sizeof err)
                                 : kafkac_admin_list_topics(adm, 0, c->timeout_ms, &d, err, sizeof err);
    if (rc)
        return kc_cli_admin_fail(c, rc, err);
    int failed = 0;
    for (int i = 0; i < kafkac_topic_desc_count(d); i++) {
        const char *name = kafkac_topic_desc_name(d, i);
        kafkac_err_t te = kafkac_topic_desc_error(d, i);
        if (te) {
            fprintf(stderr, "%s: %s: %s: %s\n", c->cmd, name, kafkac_err_name(te), kafkac_err_str(te));
            failed++;
            continue;
        }
        int np = kafkac_topic_desc_partition_count(d, i);
        int rf = 0;
        kafkac_partition_info_replicas(kafkac_topic_desc_partition(d, i, 0), &rf);
        printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", name,
               kafkac_topic_desc_id(d, i), np, rf);
        print_configs(adm, name, c->timeout_ms);
        printf("\n");
        for (int p = 0; p < np; p++) {
            const kafkac_partition_info_t *pi = kafkac_topic_desc_partition(d, i, p);
            int32_t leader = kafkac_partition_info_leader(pi);
            int nr, ni, no;
            const int32_t *reps = kafkac_partition_info_replicas(pi, &nr), *isr = kafkac_partition_info_isr(pi, &ni);
            const int32_t *off = kafkac_partition_info_offline(pi, &no);
            printf("\tTopic: %s\tPartition: %d\tLeader: ", name, (int)kafkac_partition_info_id(pi));
            if (leader >= 0)
                printf("%d", (int)leader);
            else
                printf("none");
            printf("\tReplicas: ");
            print_ids(reps, nr);
            printf("\tIsr: ");
            print_ids(isr, ni);
            if (no > 0) {
                printf("\tOffline: ");
                print_ids(off, no);
            }
            printf("\n");
        }
    }
    kafkac_topic_desc_destroy(d);
    return failed ? 1 : 0;
}

/* "1:2,2:3" (partition 0 on brokers 1 and 2, partition 1 on 2 and 3) ->
 * the topic's replica assignment.  0, or -1 when malformed. */
static int parse_assignment(const char *s, kafkac_new_topic_t *t)
{
    const char *p = s;
    for (int32_t part = 0; *p; part++) {
        int32_t row[16];
        int n = 0;
        for (;;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || n >= 16)
                return -1;
            row[n++] = (int32_t)v;
            p = end;
            if (*p != ':')
                break;
            p++;
        }
        if (kafkac_new_topic_set_replica_assignment(t, part, row, n))
            return -1;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return p == s ? -1 : 0;
}

/* The topic the options describe; NULL after printing why. */
static kafkac_new_topic_t *new_topic_of(const kc_cli_admin_t *c, const args_t *a)
{
    kafkac_new_topic_t *t = kafkac_new_topic_new(a->topics[0], a->partitions, (int16_t)a->rf);
    int ok = t != NULL;
    for (int i = 0; ok && i < a->configs.n; i++)
        ok = kafkac_new_topic_set_config(t, a->configs.keys[i], a->configs.values[i]) == KAFKAC_OK;
    if (!ok) {
        fprintf(stderr, "%s: out of memory\n", c->cmd);
    } else if (a->assignment && parse_assignment(a->assignment, t)) {
        fprintf(stderr, "%s: bad --replica-assignment '%s' (want e.g. 1:2,2:3)\n", c->cmd, a->assignment);
        ok = 0;
    }
    if (!ok)
        kafkac_new_topic_destroy(t);
    return ok ? t : NULL;
}

static int do_create(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (a->ntopics != 1) {
        fprintf(stderr, "%s: give exactly one -t NAME\n", c->cmd);
        return 2;
    }
    kafkac_new_topic_t *t = new_topic_of(c, a);
    if (!t)
        return 2;
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const[]){ t }, 1, a->validate_only,
                                                 c->timeout_ms, &r, err, sizeof err);
    kafkac_new_topic_destroy(t);
    return kc_cli_admin_outcome(c, rc, err, r, a->validate_only ? "Validated topic %s.\n" : "Created topic %s.\n", 0);
}

static int do_delete(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (!a->ntopics) {
        fprintf(stderr, "%s: give -t NAME\n", c->cmd);
        return 2;
    }
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_delete_topics(adm, a->topics, a->ntopics, c->timeout_ms, &r, err, sizeof err);
    return kc_cli_admin_outcome(c, rc, err, r, "Deleted topic %s.\n", 0);
}

static int add_partitions(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    int32_t counts[MAX_ITEMS];
    for (int i = 0; i < a->ntopics; i++)
        counts[i] = a->partitions;
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t rc = kafkac_admin_create_partitions(adm, a->topics, counts, a->ntopics, a->validate_only,
                                                     c->timeout_ms, &r, err, sizeof err);
    return kc_cli_admin_outcome(c, rc, err, r, "Topic %s now has %d partitions.\n", a->partitions);
}

static int do_add_partitions(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    if (!a->ntopics || a->partitions <= 0) {
        fprintf(stderr, "%s: give -t NAME and --partitions N\n", c->cmd);
        return 2;
    }
    return add_partitions(c, adm, a);
}

static int do_alter(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (!a->ntopics || (a->partitions <= 0 && !a->configs.n)) {
        fprintf(stderr, "%s: give -t NAME and --partitions N and/or --config / --delete-config\n", c->cmd);
        return 2;
    }
    int rc = 0;
    if (a->partitions > 0)
        rc = add_partitions(c, adm, a);
    if (rc || !a->configs.n)
        return rc;
    kafkac_config_resource_t *al[MAX_ITEMS];
    int n = 0;
    while (n < a->ntopics && (al[n] = kc_cli_config_resource(KAFKAC_RESOURCE_TOPIC, a->topics[n], &a->configs)))
        n++;
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t e = n < a->ntopics ? KAFKAC_ERR_NO_MEMORY
                                    : kafkac_admin_incremental_alter_configs(adm, (const kafkac_config_resource_t *const *)al,
                                                                             n, a->validate_only, c->timeout_ms, &r,
                                                                             err, sizeof err);
    if (e == KAFKAC_ERR_NO_MEMORY && n < a->ntopics)
        snprintf(err, sizeof err, "out of memory");
    for (int i = 0; i < n; i++)
        kafkac_config_resource_destroy(al[i]);
    return kc_cli_admin_outcome(c, e, err, r, "Altered configs of topic %s.\n", 0);
}

/* This command's own options (cli_admin.h: 0 taken, -1 bad, 1 unknown). */
static int opt_of(int opt, char *arg, void *args, const char *cmdname)
{
    args_t *a = args;
    (void)cmdname;
    switch (opt) {
    case 't':
        if (a->ntopics < MAX_ITEMS)
            a->topics[a->ntopics++] = arg;
        break;
    case O_PARTITIONS:
        a->partitions = atoi(arg);
        break;
    case O_RF:
        a->rf = atoi(arg);
        break;
    case O_ASSIGN:
        a->assignment = arg;
        break;
    case O_CONFIG:
        return kc_cli_configs_add(&a->configs, KAFKAC_CONFIG_SET, arg, cmdname);
    case O_DELETE_CONFIG:
        return kc_cli_configs_add(&a->configs, KAFKAC_CONFIG_DELETE, arg, cmdname);
    case O_VALIDATE:
        a->validate_only = 1;
        break;
    case O_INTERNAL:
        a->internal = 1;
        break;
    default:
        return 1;
    }
    return 0;
}

int kc_cli_topics(int argc, char **argv)
{
    static const kc_cli_sub_t subs[] = {
        { "list", do_list, NULL }, { "describe", do_describe, NULL }, { "create", do_create, NULL },
        { "delete", do_delete, NULL }, { "add-partitions", do_add_partitions, NULL }, { "alter", do_alter, NULL },
    };
    static const kc_cli_cmd_t cmd = {"topics", subs, sizeof subs / sizeof subs[0], "t:b:X:T:h", longopts, usage, opt_of};
    args_t a;
    memset(&a, 0, sizeof a);
    a.partitions = -1;
    a.rf = -1;
    return kc_cli_admin_main(&cmd, &a, argc, argv);
}

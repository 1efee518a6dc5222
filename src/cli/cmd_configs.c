/* kafkac configs describe|alter: a topic's or a broker's configuration,
 * with each entry's source and flags (describe), changed incrementally
 * (alter --add-config k=v --delete-config k). */
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
            "usage: kafkac configs describe --entity-type topics|brokers --entity-name NAME [--all] [--synonyms]\n"
            "       kafkac configs alter --entity-type topics|brokers --entity-name NAME\n"
            "                            [--add-config k=v]... [--delete-config k]...\n"
            "                            [--append-config k=v]... [--subtract-config k=v]...\n"
            "describe prints one line per entry: name=value, its source and flags; without --all only\n"
            "entries not at their default.  A broker's name is its id.\n"
            "common options:\n" KC_CLI_ADMIN_OPTS_HELP);
}

enum { O_TYPE = 1000, O_NAME, O_ADD, O_DEL, O_APPEND, O_SUB, O_ALL, O_SYN };

static const struct option longopts[] = {
    { "entity-type", required_argument, NULL, O_TYPE },
    { "entity-name", required_argument, NULL, O_NAME },
    { "add-config", required_argument, NULL, O_ADD },
    { "delete-config", required_argument, NULL, O_DEL },
    { "append-config", required_argument, NULL, O_APPEND },
    { "subtract-config", required_argument, NULL, O_SUB },
    { "all", no_argument, NULL, O_ALL },
    { "synonyms", no_argument, NULL, O_SYN },
    { "bootstrap-server", required_argument, NULL, 'b' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

typedef struct args {
    kafkac_config_resource_t res;
    kafkac_config_entry_t entries[MAX_ITEMS];
    kafkac_config_op_t ops[MAX_ITEMS];
    int n, all, syn;
} args_t;

/* This command's own options (cli_admin.h: 0 taken, -1 bad, 1 unknown). */
static int opt_of(int opt, char *arg, void *args, const char *cmdname)
{
    args_t *a = args;
    switch (opt) {
    case O_TYPE:
        if (!strcmp(arg, "topics") || !strcmp(arg, "topic"))
            a->res.type = KAFKAC_RESOURCE_TOPIC;
        else if (!strcmp(arg, "brokers") || !strcmp(arg, "broker"))
            a->res.type = KAFKAC_RESOURCE_BROKER;
        else if (!strcmp(arg, "broker-loggers"))
            a->res.type = KAFKAC_RESOURCE_BROKER_LOGGER;
        else {
            fprintf(stderr, "%s: --entity-type must be topics or brokers\n", cmdname);
            return -1;
        }
        break;
    case O_NAME:
        a->res.name = arg;
        break;
    case O_ADD:
    case O_APPEND:
    case O_SUB: {
        char *value = a->n < MAX_ITEMS ? kc_cli_split_kv(arg) : NULL;
        if (!value) {
            fprintf(stderr, "%s: config changes need key=value\n", cmdname);
            return -1;
        }
        a->entries[a->n].name = arg;
        a->entries[a->n].value = value;
        a->ops[a->n++] = opt == O_ADD ? KAFKAC_CONFIG_SET : opt == O_APPEND ? KAFKAC_CONFIG_APPEND : KAFKAC_CONFIG_SUBTRACT;
        break;
    }
    case O_DEL:
        if (a->n >= MAX_ITEMS)
            return -1;
        a->entries[a->n].name = arg;
        a->entries[a->n].value = NULL;
        a->ops[a->n++] = KAFKAC_CONFIG_DELETE;
        break;
    case O_ALL:
        a->all = 1;
        break;
    case O_SYN:
        a->syn = 1;
        break;
    default:
        return 1;
    }
    return 0;
}

static int check_describe(const void *args, const char *cmdname)
{
    const args_t *a = args;
    if (!a->res.name) {
        fprintf(stderr, "%s: give --entity-name\n", cmdname);
        return 2;
    }
    return 0;
}

static int check_alter(const void *args, const char *cmdname)
{
    const args_t *a = args;
    if (check_describe(args, cmdname))
        return 2;
    if (!a->n) {
        fprintf(stderr, "%s: nothing to change\n", cmdname);
        return 2;
    }
    return 0;
}

static int do_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_config_desc_t *d;
    kafkac_err_t e = kafkac_admin_describe_configs(adm, &a->res, 1, c->timeout_ms, &d, err, sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = 0;
    kafkac_err_t re;
    const char *msg;
    kafkac_config_desc_resource(d, 0, NULL, NULL, &re, &msg);
    if (re) {
        rc = kc_cli_admin_fail(c, re, msg);
    } else {
        printf("Configs for %s %s:\n", a->res.type == KAFKAC_RESOURCE_TOPIC ? "topic" : "broker", a->res.name);
        for (int j = 0; j < kafkac_config_desc_entry_count(d, 0); j++) {
            const char *name, *value;
            kafkac_config_source_t src;
            int def, ro, sens;
            kafkac_config_desc_entry(d, 0, j, &name, &value, &src, &def, &ro, &sens);
            if (def && !a->all)
                continue;
            printf("  %s=%s\tsource=%s%s%s%s\n", name, sens ? "(sensitive)" : value ? value : "(null)",
                   kafkac_config_source_name(src), def ? " default" : "", ro ? " read-only" : "",
                   sens ? " sensitive" : "");
            for (int k = 0; a->syn && k < kafkac_config_desc_synonym_count(d, 0, j); k++) {
                const char *sn, *sv;
                kafkac_config_source_t ss;
                kafkac_config_desc_synonym(d, 0, j, k, &sn, &sv, &ss);
                printf("    synonym %s=%s (%s)\n", sn, sv ? sv : "(null)", kafkac_config_source_name(ss));
            }
        }
    }
    kafkac_config_desc_destroy(d);
    return rc;
}

static int do_alter(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_config_alter_t al = { a->res, a->entries, a->ops, a->n };
    kafkac_admin_result_t *r;
    kafkac_err_t e = kafkac_admin_incremental_alter_configs(adm, &al, 1, 0, c->timeout_ms, &r, err, sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = kc_cli_admin_report(c, r) ? 1 : 0;
    if (!rc)
        printf("Completed updating config for %s %s.\n", a->res.type == KAFKAC_RESOURCE_TOPIC ? "topic" : "broker",
               a->res.name);
    kafkac_admin_result_destroy(r);
    return rc;
}

int kc_cli_configs(int argc, char **argv)
{
    static const kc_cli_sub_t subs[] = {
        { "describe", do_describe, check_describe }, { "alter", do_alter, check_alter },
    };
    static const kc_cli_cmd_t cmd = {"configs", subs, sizeof subs / sizeof subs[0], "b:X:T:h", longopts, usage, opt_of};
    args_t a;
    memset(&a, 0, sizeof a);
    a.res.type = KAFKAC_RESOURCE_TOPIC;
    return kc_cli_admin_main(&cmd, &a, argc, argv);
}

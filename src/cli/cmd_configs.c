/* kafkac configs describe|alter: a topic's or a broker's configuration,
 * with each entry's source and flags (describe), changed incrementally
 * (alter --add-config k=v --delete-config k). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"

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
    kafkac_resource_type_t type;
    const char *name;
    kc_cli_configs_t changes;
    int all, syn;
} args_t;

/* This command's own options (cli_admin.h: 0 taken, -1 bad, 1 unknown). */
static int opt_of(int opt, char *arg, void *args, const char *cmdname)
{
    args_t *a = args;
    switch (opt) {
    case O_TYPE:
        if (!strcmp(arg, "topics") || !strcmp(arg, "topic"))
            a->type = KAFKAC_RESOURCE_TOPIC;
        else if (!strcmp(arg, "brokers") || !strcmp(arg, "broker"))
            a->type = KAFKAC_RESOURCE_BROKER;
        else if (!strcmp(arg, "broker-loggers"))
            a->type = KAFKAC_RESOURCE_BROKER_LOGGER;
        else {
            fprintf(stderr, "%s: --entity-type must be topics or brokers\n", cmdname);
            return -1;
        }
        break;
    case O_NAME:
        a->name = arg;
        break;
    case O_ADD:
        return kc_cli_configs_add(&a->changes, KAFKAC_CONFIG_SET, arg, cmdname);
    case O_APPEND:
        return kc_cli_configs_add(&a->changes, KAFKAC_CONFIG_APPEND, arg, cmdname);
    case O_SUB:
        return kc_cli_configs_add(&a->changes, KAFKAC_CONFIG_SUBTRACT, arg, cmdname);
    case O_DEL:
        return kc_cli_configs_add(&a->changes, KAFKAC_CONFIG_DELETE, arg, cmdname);
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
    if (!a->name) {
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
    if (!a->changes.n) {
        fprintf(stderr, "%s: nothing to change\n", cmdname);
        return 2;
    }
    return 0;
}

static const char *type_name(kafkac_resource_type_t t)
{
    return t == KAFKAC_RESOURCE_TOPIC ? "topic" : t == KAFKAC_RESOURCE_BROKER ? "broker" : "broker-logger";
}

/* Prints entry e of a described resource, and its synonyms if asked. */
static void print_entry(const kafkac_config_entry_t *e, int synonyms)
{
    const char *value = kafkac_config_entry_value(e);
    int sens = kafkac_config_entry_is_sensitive(e), def = kafkac_config_entry_is_default(e);
    printf("  %s=%s\tsource=%s%s%s%s\n", kafkac_config_entry_name(e),
           sens ? "(sensitive)" : value ? value : "(null)", kafkac_config_source_name(kafkac_config_entry_source(e)),
           def ? " default" : "", kafkac_config_entry_is_read_only(e) ? " read-only" : "", sens ? " sensitive" : "");
    for (int k = 0; synonyms && k < kafkac_config_entry_synonym_count(e); k++) {
        const kafkac_config_entry_t *syn = kafkac_config_entry_synonym(e, k);
        const char *sv = kafkac_config_entry_value(syn);
        printf("    synonym %s=%s (%s)\n", kafkac_config_entry_name(syn), sv ? sv : "(null)",
               kafkac_config_source_name(kafkac_config_entry_source(syn)));
    }
}

static int do_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_config_desc_t *d;
    kafkac_config_resource_t *res = kc_cli_config_resource(a->type, a->name, NULL);
    if (!res)
        return kc_cli_admin_fail(c, KAFKAC_ERR_NO_MEMORY, "out of memory");
    kafkac_err_t e = kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const[]){ res }, 1,
                                                   c->timeout_ms, &d, err, sizeof err);
    kafkac_config_resource_destroy(res);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = 0;
    kafkac_err_t re = kafkac_config_desc_error(d, 0);
    if (re) {
        rc = kc_cli_admin_fail(c, re, kafkac_config_desc_message(d, 0));
    } else {
        printf("Configs for %s %s:\n", type_name(a->type), a->name);
        for (int j = 0; j < kafkac_config_desc_entry_count(d, 0); j++) {
            const kafkac_config_entry_t *en = kafkac_config_desc_entry(d, 0, j);
            if (a->all || !kafkac_config_entry_is_default(en))
                print_entry(en, a->syn);
        }
    }
    kafkac_config_desc_destroy(d);
    return rc;
}

static int do_alter(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    kafkac_config_resource_t *res = kc_cli_config_resource(a->type, a->name, &a->changes);
    if (!res)
        return kc_cli_admin_fail(c, KAFKAC_ERR_NO_MEMORY, "out of memory");
    kafkac_admin_result_t *r;
    kafkac_err_t e = kafkac_admin_incremental_alter_configs(adm, (const kafkac_config_resource_t *const[]){ res }, 1,
                                                            0, c->timeout_ms, &r, err, sizeof err);
    kafkac_config_resource_destroy(res);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = kc_cli_admin_report(c, r) ? 1 : 0;
    if (!rc)
        printf("Completed updating config for %s %s.\n", type_name(a->type), a->name);
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
    a.type = KAFKAC_RESOURCE_TOPIC;
    return kc_cli_admin_main(&cmd, &a, argc, argv);
}

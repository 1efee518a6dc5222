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

int kc_cli_configs(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int describe = !strcmp(sub, "describe");
    if (!describe && strcmp(sub, "alter")) {
        fprintf(stderr, "kafkac configs: unknown subcommand '%s'\n", sub);
        usage(stderr);
        return 2;
    }
    char cmdname[64], err[512];
    snprintf(cmdname, sizeof cmdname, "kafkac configs %s", sub);
    kc_cli_admin_t c;
    if (kc_cli_admin_init(&c, cmdname))
        return 2;
    kafkac_config_resource_t res = { KAFKAC_RESOURCE_TOPIC, NULL };
    kafkac_config_entry_t entries[MAX_ITEMS];
    kafkac_config_op_t ops[MAX_ITEMS];
    int n = 0, all = 0, syn = 0, rc = 2;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "b:X:T:h", longopts, NULL)) != -1) {
        int h = kc_cli_admin_opt(&c, opt, optarg);
        if (h < 0)
            goto out;
        if (h)
            continue;
        switch (opt) {
        case O_TYPE:
            if (!strcmp(optarg, "topics") || !strcmp(optarg, "topic"))
                res.type = KAFKAC_RESOURCE_TOPIC;
            else if (!strcmp(optarg, "brokers") || !strcmp(optarg, "broker"))
                res.type = KAFKAC_RESOURCE_BROKER;
            else if (!strcmp(optarg, "broker-loggers"))
                res.type = KAFKAC_RESOURCE_BROKER_LOGGER;
            else {
                fprintf(stderr, "%s: --entity-type must be topics or brokers\n", cmdname);
                goto out;
            }
            break;
        case O_NAME:
            res.name = optarg;
            break;
        case O_ADD:
        case O_APPEND:
        case O_SUB: {
            char *value = n < MAX_ITEMS ? kc_cli_split_kv(optarg) : NULL;
            if (!value) {
                fprintf(stderr, "%s: config changes need key=value\n", cmdname);
                goto out;
            }
            entries[n].name = optarg;
            entries[n].value = value;
            ops[n++] = opt == O_ADD ? KAFKAC_CONFIG_SET : opt == O_APPEND ? KAFKAC_CONFIG_APPEND : KAFKAC_CONFIG_SUBTRACT;
            break;
        }
        case O_DEL:
            if (n >= MAX_ITEMS)
                goto out;
            entries[n].name = optarg;
            entries[n].value = NULL;
            ops[n++] = KAFKAC_CONFIG_DELETE;
            break;
        case O_ALL:
            all = 1;
            break;
        case O_SYN:
            syn = 1;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    if (!res.name) {
        fprintf(stderr, "%s: give --entity-name\n", cmdname);
        goto out;
    }
    if (!describe && !n) {
        fprintf(stderr, "%s: nothing to change\n", cmdname);
        goto out;
    }
    kafkac_admin_t *adm = kc_cli_admin_open(&c);
    if (!adm)
        goto out;
    if (describe) {
        kafkac_config_desc_t *d;
        kafkac_err_t e = kafkac_admin_describe_configs(adm, &res, 1, c.timeout_ms, &d, err, sizeof err);
        if (e) {
            rc = kc_cli_admin_fail(&c, e, err);
        } else {
            kafkac_err_t re;
            const char *msg;
            kafkac_config_desc_resource(d, 0, NULL, NULL, &re, &msg);
            if (re) {
                rc = kc_cli_admin_fail(&c, re, msg);
            } else {
                printf("Configs for %s %s:\n", res.type == KAFKAC_RESOURCE_TOPIC ? "topic" : "broker", res.name);
                for (int j = 0; j < kafkac_config_desc_entry_count(d, 0); j++) {
                    const char *name, *value;
                    kafkac_config_source_t src;
                    int def, ro, sens;
                    kafkac_config_desc_entry(d, 0, j, &name, &value, &src, &def, &ro, &sens);
                    if (def && !all)
                        continue;
                    printf("  %s=%s\tsource=%s%s%s%s\n", name, sens ? "(sensitive)" : value ? value : "(null)",
                           kafkac_config_source_name(src), def ? " default" : "", ro ? " read-only" : "",
                           sens ? " sensitive" : "");
                    for (int k = 0; syn && k < kafkac_config_desc_synonym_count(d, 0, j); k++) {
                        const char *sn, *sv;
                        kafkac_config_source_t ss;
                        kafkac_config_desc_synonym(d, 0, j, k, &sn, &sv, &ss);
                        printf("    synonym %s=%s (%s)\n", sn, sv ? sv : "(null)", kafkac_config_source_name(ss));
                    }
                }
                rc = 0;
            }
            kafkac_config_desc_destroy(d);
        }
    } else {
        kafkac_config_alter_t al = { res, entries, ops, n };
        kafkac_admin_result_t *r;
        kafkac_err_t e = kafkac_admin_incremental_alter_configs(adm, &al, 1, 0, c.timeout_ms, &r, err, sizeof err);
        if (e) {
            rc = kc_cli_admin_fail(&c, e, err);
        } else {
            rc = kc_cli_admin_report(&c, r) ? 1 : 0;
            if (!rc)
                printf("Completed updating config for %s %s.\n",
                       res.type == KAFKAC_RESOURCE_TOPIC ? "topic" : "broker", res.name);
            kafkac_admin_result_destroy(r);
        }
    }
    kafkac_admin_destroy(adm);
out:
    kc_cli_admin_free(&c);
    return rc;
}

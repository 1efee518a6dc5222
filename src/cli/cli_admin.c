/* Shared plumbing of the admin commands: see cli_admin.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"

int kc_cli_admin_init(kc_cli_admin_t *c, const char *cmd)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->timeout_ms = 30000;
    c->conf = kafkac_conf_new();
    if (!c->conf) {
        fprintf(stderr, "%s: out of memory\n", cmd);
        return 2;
    }
    return 0;
}

int kc_cli_admin_opt(kc_cli_admin_t *c, int opt, char *arg)
{
    switch (opt) {
    case 'b':
        c->brokers = arg;
        return 1;
    case 'T':
        c->timeout_ms = atoi(arg);
        if (c->timeout_ms <= 0) {
            fprintf(stderr, "%s: -T needs a positive number of milliseconds\n", c->cmd);
            return -1;
        }
        return 1;
    case 'X':
        return kc_cli_conf_set_kv(c->conf, c->cmd, arg) ? -1 : 1;
    default:
        return 0;
    }
}

kafkac_admin_t *kc_cli_admin_open(kc_cli_admin_t *c)
{
    char err[512];
    const char *b = c->brokers;
    if (!b)
        b = getenv("KAFKAC_BROKERS");
    if (!b || !*b)
        b = "127.0.0.1:9092";
    if (kafkac_conf_set(c->conf, "bootstrap.servers", b, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s: %s\n", c->cmd, err);
        return NULL;
    }
    kafkac_admin_t *adm = kafkac_admin_new(c->conf, err, sizeof err);
    if (!adm)
        fprintf(stderr, "%s: %s\n", c->cmd, err);
    return adm;
}

void kc_cli_admin_free(kc_cli_admin_t *c)
{
    kafkac_conf_destroy(c->conf);
    c->conf = NULL;
}

int kc_cli_admin_report(const kc_cli_admin_t *c, const kafkac_admin_result_t *r)
{
    int failed = 0;
    for (int i = 0; i < kafkac_admin_result_count(r); i++) {
        kafkac_err_t e = kafkac_admin_result_error(r, i);
        if (!e)
            continue;
        failed++;
        int32_t p = kafkac_admin_result_partition(r, i);
        if (p >= 0)
            fprintf(stderr, "%s: %s[%d]: %s: %s\n", c->cmd, kafkac_admin_result_name(r, i), (int)p,
                    kafkac_err_name(e), kafkac_admin_result_message(r, i));
        else
            fprintf(stderr, "%s: %s: %s: %s\n", c->cmd, kafkac_admin_result_name(r, i), kafkac_err_name(e),
                    kafkac_admin_result_message(r, i));
    }
    return failed;
}

int kc_cli_admin_fail(const kc_cli_admin_t *c, kafkac_err_t err, const char *errstr)
{
    fprintf(stderr, "%s: %s: %s\n", c->cmd, kafkac_err_name(err), errstr && *errstr ? errstr : kafkac_err_str(err));
    return 1;
}

int kc_cli_admin_main(const kc_cli_cmd_t *cmd, void *args, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        cmd->usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const kc_cli_sub_t *sub = NULL;
    for (size_t i = 0; i < cmd->nsubs; i++)
        if (!strcmp(argv[1], cmd->subs[i].name))
            sub = &cmd->subs[i];
    if (!sub) {
        fprintf(stderr, "kafkac %s: unknown subcommand '%s'\n", cmd->name, argv[1]);
        cmd->usage(stderr);
        return 2;
    }
    char cmdname[64];
    snprintf(cmdname, sizeof cmdname, "kafkac %s %s", cmd->name, sub->name);
    kc_cli_admin_t c;
    if (kc_cli_admin_init(&c, cmdname))
        return 2;
    int opt, rc = 2;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, cmd->shortopts, cmd->longopts, NULL)) != -1) {
        int h = kc_cli_admin_opt(&c, opt, optarg);
        if (h < 0)
            goto out;
        if (h)
            continue;
        if (opt == 'h') {
            cmd->usage(stdout);
            rc = 0;
            goto out;
        }
        h = cmd->opt(opt, optarg, args, cmdname);
        if (h == 0)
            continue;
        if (h > 0)
            cmd->usage(stderr);
        goto out;
    }
    if (sub->check && sub->check(args, cmdname))
        goto out;
    kafkac_admin_t *adm = kc_cli_admin_open(&c);
    if (adm) {
        rc = sub->run(&c, adm, args);
        kafkac_admin_destroy(adm);
    }
out:
    kc_cli_admin_free(&c);
    return rc;
}

int kc_cli_configs_add(kc_cli_configs_t *cc, kafkac_config_op_t op, char *arg, const char *cmdname)
{
    if (cc->n >= KC_CLI_MAX_CONFIGS) {
        fprintf(stderr, "%s: more than %d config changes\n", cmdname, KC_CLI_MAX_CONFIGS);
        return -1;
    }
    char *value = NULL;
    if (op != KAFKAC_CONFIG_DELETE && !(value = kc_cli_split_kv(arg))) {
        fprintf(stderr, "%s: config changes need key=value\n", cmdname);
        return -1;
    }
    cc->keys[cc->n] = arg;
    cc->values[cc->n] = value;
    cc->ops[cc->n++] = op;
    return 0;
}

kafkac_config_resource_t *kc_cli_config_resource(kafkac_resource_type_t type, const char *name,
                                                 const kc_cli_configs_t *cc)
{
    kafkac_config_resource_t *r = kafkac_config_resource_new(type, name);
    for (int i = 0; r && cc && i < cc->n; i++)
        if (kafkac_config_resource_add(r, cc->ops[i], cc->keys[i], cc->values[i])) {
            kafkac_config_resource_destroy(r);
            r = NULL;
        }
    return r;
}

int kc_cli_admin_outcome(const kc_cli_admin_t *c, kafkac_err_t e, const char *errstr, kafkac_admin_result_t *r,
                         const char *done_fmt, int arg)
{
    if (e)
        return kc_cli_admin_fail(c, e, errstr);
    int failed = kc_cli_admin_report(c, r);
    for (int i = 0; done_fmt && i < kafkac_admin_result_count(r); i++)
        if (!kafkac_admin_result_error(r, i))
            printf(done_fmt, kafkac_admin_result_name(r, i), arg);
    kafkac_admin_result_destroy(r);
    return failed ? 1 : 0;
}

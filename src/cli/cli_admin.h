/* What the admin commands (topics, configs, groups, metadata) share:
 * the connection options -b, -X and -T, opening an admin client, and
 * reporting per-entity failures with the Kafka error name. */
#ifndef KC_CLI_ADMIN_H
#define KC_CLI_ADMIN_H

#include <getopt.h>
#include <stdio.h>
#include "kafkac/kafkac.h"

typedef struct kc_cli_admin {
    const char *cmd;          /* "kafkac topics create", for messages */
    const char *brokers;      /* -b; NULL: $KAFKAC_BROKERS, else 127.0.0.1:9092 */
    int timeout_ms;           /* -T */
    kafkac_conf_t *conf;      /* owned; -X key=value collects here */
} kc_cli_admin_t;

/* Returns 0, or 2 after printing why (out of memory). */
int kc_cli_admin_init(kc_cli_admin_t *c, const char *cmd);
/* Handles the common options b, X, T; returns 1 if handled, 0 if not
 * ours, -1 on a bad value (message printed). */
int kc_cli_admin_opt(kc_cli_admin_t *c, int opt, char *arg);
/* Opens the client (NULL after printing why). */
kafkac_admin_t *kc_cli_admin_open(kc_cli_admin_t *c);
void kc_cli_admin_free(kc_cli_admin_t *c);
/* Prints every failed entry of r as "cmd: NAME[p]: ERROR_NAME: message" on
 * stderr; returns how many failed. */
int kc_cli_admin_report(const kc_cli_admin_t *c, const kafkac_admin_result_t *r);
/* The end of an operation with per-entity results: after a call-level
 * failure e (r NULL), prints it and returns 1; else reports r's failed
 * entries (kc_cli_admin_report), prints done_fmt for each entry that
 * succeeded (its arguments: the entry's name, then arg; NULL: nothing),
 * frees r, and returns 1 if any entry failed, else 0. */
int kc_cli_admin_outcome(const kc_cli_admin_t *c, kafkac_err_t e, const char *errstr, kafkac_admin_result_t *r,
                         const char *done_fmt, int arg);
/* Prints a call-level failure; returns 1. */
int kc_cli_admin_fail(const kc_cli_admin_t *c, kafkac_err_t err, const char *errstr);

/* Config changes given on the command line (topics alter --config /
 * --delete-config, configs alter --add-config ...), kept as strings
 * borrowed from argv until the command runs. */
#define KC_CLI_MAX_CONFIGS 64
typedef struct kc_cli_configs {
    const char *keys[KC_CLI_MAX_CONFIGS], *values[KC_CLI_MAX_CONFIGS];
    kafkac_config_op_t ops[KC_CLI_MAX_CONFIGS];
    int n;
} kc_cli_configs_t;
/* Adds a change: "key=value" for SET, APPEND and SUBTRACT (arg is split in
 * place), "key" for DELETE.  0, or -1 after printing why (no '=', too
 * many). */
int kc_cli_configs_add(kc_cli_configs_t *cc, kafkac_config_op_t op, char *arg, const char *cmdname);
/* A resource holding the changes (describe: none); NULL on out of memory. */
kafkac_config_resource_t *kc_cli_config_resource(kafkac_resource_type_t type, const char *name,
                                                 const kc_cli_configs_t *cc);

/* An admin command made of subcommands ("kafkac groups list ..."): the
 * driver both topics and groups (and later ones) run.  It looks the
 * subcommand up, names it in messages ("kafkac groups list"), parses the
 * common options and hands the command's own to opt(), which returns 0
 * when it took the option, -1 on a bad value (message printed) and 1 for
 * an option it does not know; then opens the admin client and runs the
 * subcommand with args.  Returns the exit status: the subcommand's, 0
 * after -h, 2 on a usage error. */
typedef struct kc_cli_sub {
    const char *name;
    int (*run)(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args);
    /* Optional: checks the parsed args before a client is opened; returns
     * 0, or 2 after printing why. */
    int (*check)(const void *args, const char *cmdname);
} kc_cli_sub_t;

typedef struct kc_cli_cmd {
    const char *name;                 /* "groups" */
    const kc_cli_sub_t *subs;
    size_t nsubs;
    const char *shortopts;            /* the command's and "b:X:T:h" */
    const struct option *longopts;
    void (*usage)(FILE *f);
    int (*opt)(int opt, char *arg, void *args, const char *cmdname);
} kc_cli_cmd_t;

int kc_cli_admin_main(const kc_cli_cmd_t *cmd, void *args, int argc, char **argv);

/* The common options' help lines. */
#define KC_CLI_ADMIN_OPTS_HELP \
    "  -b HOST:PORT[,...]   bootstrap servers (default $KAFKAC_BROKERS or 127.0.0.1:9092)\n" \
    "  -X key=value         any client property (see `kafkac config list`)\n" \
    "  -T MS                timeout of the whole operation (default 30000)\n"

#endif

/* The `kafkac` command: one file per subcommand (cmd_<name>.c), each
 * exporting one entry point listed in main.c's table. */
#ifndef KC_CLI_H
#define KC_CLI_H

#include <stdio.h>
#include "kafkac/kafkac.h"

/* argv[0] is the subcommand name.  Return the process exit code. */
typedef int (*kc_cli_fn)(int argc, char **argv);

int kc_cli_probe(int argc, char **argv);
int kc_cli_config(int argc, char **argv);
int kc_cli_topics(int argc, char **argv);
int kc_cli_configs(int argc, char **argv);
int kc_cli_groups(int argc, char **argv);
int kc_cli_metadata(int argc, char **argv);
int kc_cli_consume(int argc, char **argv);
int kc_cli_produce(int argc, char **argv);
int kc_cli_users(int argc, char **argv);

/* cli_common.c.  Splits "key=value" in place at the first '=': arg keeps
 * the key, the value is returned (NULL if there is no '=', arg untouched). */
char *kc_cli_split_kv(char *arg);
/* -X key=value: splits kv in place and sets it on conf.  Returns 0, or -1
 * after printing why on stderr prefixed with cmd ("kafkac produce"). */
int kc_cli_conf_set_kv(kafkac_conf_t *conf, const char *cmd, char *kv);
/* A new configuration for command cmd ("kafkac probe"), or NULL after
 * saying "out of memory" on stderr. */
kafkac_conf_t *kc_cli_conf_new(const char *cmd);
/* The options probe, produce and consume share, for the default: branch of
 * their getopt switch: -b HOST:PORT (sets *brokers), -X key=value (set on
 * conf), -h.  Returns -1 when opt was -b or -X and was taken; otherwise the
 * exit code to return now: 0 after -h (usage on stdout), 2 after a bad -X
 * or an option the command does not know (usage on stderr). */
int kc_cli_common_opt(int opt, char *arg, const char **brokers, kafkac_conf_t *conf, const char *cmd,
                      void (*usage)(FILE *));

#endif

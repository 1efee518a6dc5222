/* The `kafkac` command: one file per subcommand (cmd_<name>.c), each
 * exporting one entry point listed in main.c's table. */
#ifndef KC_CLI_H
#define KC_CLI_H

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

#endif

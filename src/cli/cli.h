/* The `kafkac` command: one file per subcommand (cmd_<name>.c), each
 * exporting one entry point listed in main.c's table. */
#ifndef KC_CLI_H
#define KC_CLI_H

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

#endif

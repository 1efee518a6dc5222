/* kafkac: command-line tool over libkafkac.  Usage: kafkac COMMAND [ARGS]. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "kafkac/version.h"

static const struct {
    const char *name;
    kc_cli_fn fn;
    const char *help;
} commands[] = {
    { "probe", kc_cli_probe, "name a broker's Kafka release and list its API versions" },
    { "config", kc_cli_config, "list the configuration properties (-X keys) and their docs" },
    { "topics", kc_cli_topics, "list, describe, create, delete, add partitions to, alter topics" },
    { "configs", kc_cli_configs, "describe or alter a topic's or broker's configuration" },
    { "groups", kc_cli_groups, "list, describe, delete consumer groups; reset their offsets" },
    { "users", kc_cli_users, "list, describe, set or delete users' SCRAM credentials" },
    { "metadata", kc_cli_metadata, "brokers, controller and topics of the cluster" },
    { "consume", kc_cli_consume, "read records from topics (partitions or a group) and print them" },
    { "produce", kc_cli_produce, "send one record per line of files or stdin, optionally keyed" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: kafkac COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`kafkac COMMAND -h` describes one command; `kafkac --version` the versions.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        /* The command's own version and the library's it runs on (the
         * same unless the library was swapped under a shared build). */
        printf("kafkac %s (libkafkac %s)\n", KAFKAC_VERSION_STR, kafkac_version_str());
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kafkac: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}

/* What every `kafkac` command shares: reading "key=value" arguments. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

char *kc_cli_split_kv(char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq)
        return NULL;
    *eq = '\0';
    return eq + 1;
}

int kc_cli_conf_set_kv(kafkac_conf_t *conf, const char *cmd, char *kv)
{
    char err[512];
    char *value = kc_cli_split_kv(kv);
    if (!value) {
        fprintf(stderr, "%s: -X needs key=value, got '%s'\n", cmd, kv);
        return -1;
    }
    if (kafkac_conf_set(conf, kv, value, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

int kc_cli_common_opt(int opt, char *arg, const char **brokers, kafkac_conf_t *conf, const char *cmd,
                      void (*usage)(FILE *))
{
    switch (opt) {
    case 'b':
        *brokers = arg;
        return -1;
    case 'X':
        return kc_cli_conf_set_kv(conf, cmd, arg) ? 2 : -1;
    case 'h':
        usage(stdout);
        return 0;
    default:
        usage(stderr);
        return 2;
    }
}

kafkac_conf_t *kc_cli_conf_new(const char *cmd)
{
    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf)
        fprintf(stderr, "%s: out of memory\n", cmd);
    return conf;
}

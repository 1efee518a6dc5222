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

/* `kafkac config`: the property table for humans.
 *   kafkac config list [producer|consumer|admin]   one entry per property
 *   kafkac config docs                             docs/CONFIGURATION.md */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "common/config.h"
#include "common/mem.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kafkac config list [producer|consumer|admin]\n"
            "       kafkac config docs\n"
            "\n"
            "list: every configuration property (only those a client reads, if one is named)\n"
            "      with its type, default, allowed values and description.\n"
            "docs: the Markdown of docs/CONFIGURATION.md, generated from the same table.\n");
}

static void list(unsigned scope)
{
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if (!(p->scopes & scope))
            continue;
        char allowed[512];
        kc_prop_describe(p, allowed, sizeof(allowed));
        printf("%s\n", p->name);
        printf("    type: %s   default: %s", kc_prop_type_name(p->type),
               !p->def ? "(required)" : *p->def ? p->def : "(empty)");
        if (*allowed)
            printf("   allowed: %s", allowed);
        printf("\n");
        if (p->alias[0]) {
            printf("    alias:");
            for (size_t a = 0; a < sizeof(p->alias) / sizeof(p->alias[0]) && p->alias[a]; a++)
                printf(" %s", p->alias[a]);
            printf("\n");
        }
        printf("    %s\n\n", p->doc);
    }
}

int kc_cli_config(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "docs") && argc == 2) {
        char *doc = kc_config_docs();
        if (!doc) {
            fprintf(stderr, "kafkac config: out of memory\n");
            return 1;
        }
        fputs(doc, stdout);
        kc_free(doc);
        return ferror(stdout) ? 1 : 0;
    }
    if (!strcmp(argv[1], "list") && argc <= 3) {
        unsigned scope = KC_SCOPE_ALL;
        if (argc == 3) {
            if (!strcmp(argv[2], "producer"))
                scope = KC_SCOPE_PRODUCER;
            else if (!strcmp(argv[2], "consumer"))
                scope = KC_SCOPE_CONSUMER;
            else if (!strcmp(argv[2], "admin"))
                scope = KC_SCOPE_ADMIN;
            else {
                fprintf(stderr, "kafkac config: unknown client type '%s' (producer, consumer or admin)\n",
                        argv[2]);
                return 2;
            }
        }
        list(scope);
        return ferror(stdout) ? 1 : 0;
    }
    usage(stderr);
    return 2;
}

/* kafkac groups list|describe|delete|reset-offsets: consumer groups and
 * their committed offsets, in kafka-consumer-groups.sh's layout. */
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
            "usage: kafkac groups list\n"
            "       kafkac groups describe -g GROUP...\n"
            "       kafkac groups delete -g GROUP...\n"
            "       kafkac groups reset-offsets -g GROUP -t TOPIC[:PARTITION]...\n"
            "                                   (--to-earliest | --to-latest | --to-offset N) [--dry-run]\n"
            "reset-offsets needs the group to have no active members.\n"
            "common options:\n" KC_CLI_ADMIN_OPTS_HELP);
}

enum { O_EARLIEST = 1000, O_LATEST, O_OFFSET, O_DRY };

static const struct option longopts[] = {
    { "group", required_argument, NULL, 'g' },
    { "topic", required_argument, NULL, 't' },
    { "to-earliest", no_argument, NULL, O_EARLIEST },
    { "to-latest", no_argument, NULL, O_LATEST },
    { "to-offset", required_argument, NULL, O_OFFSET },
    { "dry-run", no_argument, NULL, O_DRY },
    { "bootstrap-server", required_argument, NULL, 'b' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

typedef struct args {
    const char *groups[MAX_ITEMS];
    int ngroups;
    char *topics[MAX_ITEMS];
    int ntopics;
    int mode;             /* O_EARLIEST, O_LATEST, O_OFFSET */
    long long to_offset;
    int dry_run;
} args_t;

static int do_list(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    char err[512];
    kafkac_group_list_t *l;
    kafkac_err_t e = kafkac_admin_list_consumer_groups(adm, c->timeout_ms, &l, err, sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    printf("%-40s %-12s %-10s %s\n", "GROUP", "STATE", "TYPE", "PROTOCOL-TYPE");
    for (int i = 0; i < kafkac_group_list_count(l); i++) {
        const kafkac_group_listing_t *g = kafkac_group_list_get(l, i);
        const char *id = kafkac_group_listing_id(g), *pt = kafkac_group_listing_protocol_type(g);
        const char *st = kafkac_group_listing_state(g), *ty = kafkac_group_listing_type(g);
        printf("%-40s %-12s %-10s %s\n", id, *st ? st : "-", *ty ? ty : "-", *pt ? pt : "-");
    }
    kafkac_group_list_destroy(l);
    return 0;
}

/* The member a partition is assigned to, or NULL. */
static const kafkac_member_info_t *owner(const kafkac_group_info_t *g, const char *topic, int32_t partition)
{
    for (int m = 0; m < kafkac_group_info_member_count(g); m++) {
        const kafkac_topic_partition_list_t *as = kafkac_member_info_assignment(kafkac_group_info_member(g, m));
        if (as && kafkac_tpl_find(as, topic, partition))
            return kafkac_group_info_member(g, m);
    }
    return NULL;
}

static int do_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (!a->ngroups) {
        fprintf(stderr, "%s: give -g GROUP\n", c->cmd);
        return 2;
    }
    kafkac_group_desc_t *d;
    kafkac_err_t e = kafkac_admin_describe_consumer_groups(adm, a->groups, a->ngroups, c->timeout_ms, &d, err,
                                                           sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = 0;
    for (int g = 0; g < kafkac_group_desc_count(d); g++) {
        const kafkac_group_info_t *gi = kafkac_group_desc_get(d, g);
        const char *id = kafkac_group_info_id(gi), *ptype = kafkac_group_info_protocol_type(gi);
        const char *proto = kafkac_group_info_protocol(gi);
        kafkac_err_t ge = kafkac_group_info_error(gi);
        int nm = kafkac_group_info_member_count(gi);
        if (ge) {
            fprintf(stderr, "%s: %s: %s: %s\n", c->cmd, id, kafkac_err_name(ge), kafkac_err_str(ge));
            rc = 1;
            continue;
        }
        printf("Group %s: state %s, protocol type %s, protocol %s, coordinator %d, %d member(s)\n", id,
               kafkac_group_info_state(gi), *ptype ? ptype : "-", *proto ? proto : "-",
               (int)kafkac_group_info_coordinator(gi), nm);
        for (int m = 0; m < nm; m++) {
            const kafkac_member_info_t *mi = kafkac_group_info_member(gi, m);
            const char *iid = kafkac_member_info_instance_id(mi);
            const kafkac_topic_partition_list_t *as = kafkac_member_info_assignment(mi);
            printf("  member %s client-id %s host %s%s%s, %d partition(s)\n", kafkac_member_info_id(mi),
                   kafkac_member_info_client_id(mi), kafkac_member_info_host(mi), iid ? " instance " : "",
                   iid ? iid : "", as ? kafkac_tpl_count(as) : 0);
        }
        kafkac_group_offsets_t *o;
        e = kafkac_admin_list_consumer_group_offsets(adm, id, NULL, c->timeout_ms, &o, err, sizeof err);
        if (e) {
            rc = kc_cli_admin_fail(c, e, err);
            continue;
        }
        printf("\n%-30s %-30s %-9s %-15s %-15s %-6s %-40s %-20s %s\n", "GROUP", "TOPIC", "PARTITION",
               "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
        for (int i = 0; i < kafkac_group_offsets_count(o); i++) {
            const kafkac_group_offset_t *go = kafkac_group_offsets_get(o, i);
            const char *topic = kafkac_group_offset_topic(go);
            int32_t p = kafkac_group_offset_partition(go);
            int64_t committed = kafkac_group_offset_committed(go), end = kafkac_group_offset_end(go);
            int64_t lag = kafkac_group_offset_lag(go);
            const kafkac_member_info_t *mi = owner(gi, topic, p);
            const char *mid = mi ? kafkac_member_info_id(mi) : "-", *host = mi ? kafkac_member_info_host(mi) : "-";
            const char *cid = mi ? kafkac_member_info_client_id(mi) : "-";
            char cs[24] = "-", es[24] = "-", ls[24] = "-";
            if (committed >= 0)
                snprintf(cs, sizeof cs, "%lld", (long long)committed);
            if (end >= 0)
                snprintf(es, sizeof es, "%lld", (long long)end);
            if (lag >= 0)
                snprintf(ls, sizeof ls, "%lld", (long long)lag);
            printf("%-30s %-30s %-9d %-15s %-15s %-6s %-40s %-20s %s\n", id, topic, (int)p, cs, es, ls, mid, host,
                   cid);
        }
        kafkac_group_offsets_destroy(o);
    }
    kafkac_group_desc_destroy(d);
    return rc;
}

static int do_delete(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (!a->ngroups) {
        fprintf(stderr, "%s: give -g GROUP\n", c->cmd);
        return 2;
    }
    kafkac_admin_result_t *r = NULL;
    kafkac_err_t e = kafkac_admin_delete_consumer_groups(adm, a->groups, a->ngroups, c->timeout_ms, &r, err,
                                                         sizeof err);
    return kc_cli_admin_outcome(c, e, err, r, "Deleted group %s.\n", 0);
}

static int do_reset(kc_cli_admin_t *c, kafkac_admin_t *adm, const void *args)
{
    const args_t *a = args;
    char err[512];
    if (a->ngroups != 1 || !a->ntopics || !a->mode) {
        fprintf(stderr, "%s: give one -g GROUP, -t TOPIC[:P] and --to-earliest, --to-latest or --to-offset N\n",
                c->cmd);
        return 2;
    }
    kafkac_topic_partition_list_t *tpl = kafkac_tpl_new(16);
    int rc = 1;
    kafkac_admin_result_t *r = NULL;
    if (!tpl)
        return kc_cli_admin_fail(c, KAFKAC_ERR_NO_MEMORY, NULL);
    for (int i = 0; i < a->ntopics; i++) {
        char *colon = strchr(a->topics[i], ':');
        if (colon) {
            *colon = '\0';
            kafkac_tpl_add(tpl, a->topics[i], atoi(colon + 1));
            continue;
        }
        /* Every partition of the topic. */
        kafkac_topic_desc_t *d;
        const char *name = a->topics[i];
        kafkac_err_t e = kafkac_admin_describe_topics(adm, &name, 1, c->timeout_ms, &d, err, sizeof err);
        if (e) {
            kc_cli_admin_fail(c, e, err);
            goto out;
        }
        if (kafkac_topic_desc_error(d, 0)) {
            kc_cli_admin_fail(c, kafkac_topic_desc_error(d, 0), name);
            kafkac_topic_desc_destroy(d);
            goto out;
        }
        for (int p = 0; p < kafkac_topic_desc_partition_count(d, 0); p++) {
            kafkac_tpl_add(tpl, name, kafkac_partition_info_id(kafkac_topic_desc_partition(d, 0, p)));
        }
        kafkac_topic_desc_destroy(d);
    }
    if (a->mode == O_OFFSET) {
        for (int i = 0; i < kafkac_tpl_count(tpl); i++)
            kafkac_tp_set_offset(kafkac_tpl_at(tpl, i), a->to_offset);
    } else {
        for (int i = 0; i < kafkac_tpl_count(tpl); i++)
            kafkac_tp_set_offset(kafkac_tpl_at(tpl, i),
                                 a->mode == O_EARLIEST ? KAFKAC_OFFSET_BEGINNING : KAFKAC_OFFSET_END);
        kafkac_err_t e = kafkac_admin_list_offsets(adm, tpl, c->timeout_ms, &r, err, sizeof err);
        if (e) {
            kc_cli_admin_fail(c, e, err);
            goto out;
        }
        if (kc_cli_admin_report(c, r))
            goto out;
        for (int i = 0; i < kafkac_tpl_count(tpl); i++)
            kafkac_tp_set_offset(kafkac_tpl_at(tpl, i), kafkac_admin_result_offset(r, i));
        kafkac_admin_result_destroy(r);
        r = NULL;
    }
    if (!a->dry_run) {
        kafkac_err_t e = kafkac_admin_alter_consumer_group_offsets(adm, a->groups[0], tpl, c->timeout_ms, &r, err,
                                                                   sizeof err);
        if (e) {
            kc_cli_admin_fail(c, e, err);
            goto out;
        }
        if (kc_cli_admin_report(c, r))
            goto out;
    }
    printf("%-30s %-30s %-9s %s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (int i = 0; i < kafkac_tpl_count(tpl); i++) {
        const kafkac_topic_partition_t *tp = kafkac_tpl_at(tpl, i);
        printf("%-30s %-30s %-9d %lld\n", a->groups[0], kafkac_tp_topic(tp), (int)kafkac_tp_partition(tp),
               (long long)kafkac_tp_offset(tp));
    }
    rc = 0;
out:
    kafkac_admin_result_destroy(r);
    kafkac_tpl_destroy(tpl);
    return rc;
}

/* This command's own options (cli_admin.h: 0 taken, -1 bad, 1 unknown). */
static int opt_of(int opt, char *arg, void *args, const char *cmdname)
{
    args_t *a = args;
    (void)cmdname;
    switch (opt) {
    case 'g':
        if (a->ngroups < MAX_ITEMS)
            a->groups[a->ngroups++] = arg;
        break;
    case 't':
        if (a->ntopics < MAX_ITEMS)
            a->topics[a->ntopics++] = arg;
        break;
    case O_EARLIEST:
    case O_LATEST:
        a->mode = opt;
        break;
    case O_OFFSET:
        a->mode = O_OFFSET;
        a->to_offset = atoll(arg);
        break;
    case O_DRY:
        a->dry_run = 1;
        break;
    default:
        return 1;
    }
    return 0;
}

int kc_cli_groups(int argc, char **argv)
{
    static const kc_cli_sub_t subs[] = {
        { "list", do_list, NULL }, { "describe", do_describe, NULL }, { "delete", do_delete, NULL },
        { "reset-offsets", do_reset, NULL },
    };
    static const kc_cli_cmd_t cmd = {"groups", subs, sizeof subs / sizeof subs[0], "g:t:b:X:T:h", longopts, usage, opt_of};
    args_t a;
    memset(&a, 0, sizeof a);
    return kc_cli_admin_main(&cmd, &a, argc, argv);
}

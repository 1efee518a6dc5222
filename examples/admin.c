/* The admin client walk-through: create the topic 'bankbranch' with 2
 * partitions and replication factor 1, describe its configs, list the
 * topics, delete it.
 *
 *   build/examples/admin [BOOTSTRAP]      (default 127.0.0.1:9092)
 *
 * Exits 1 with the Kafka error name if any step fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kafkac/kafkac.h"

#define TOPIC "bankbranch"

static int failed(const char *step, kafkac_err_t err, const char *msg)
{
    fprintf(stderr, "%s failed: %s: %s\n", step, kafkac_err_name(err), msg);
    return 1;
}

int main(int argc, char **argv)
{
    const char *bootstrap = argc > 1 ? argv[1] : "127.0.0.1:9092";
    char err[512] = "out of memory";   /* what a failed constructor means */
    int rc = 1;

    kafkac_conf_t *conf = kafkac_conf_new();
    if (!conf || kafkac_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "configuration: %s\n", conf ? err : "out of memory");
        kafkac_conf_destroy(conf);
        return 1;
    }
    kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);   /* the client keeps its own copy */
    if (!adm) {
        fprintf(stderr, "admin client: %s\n", err);
        return 1;
    }

    /* 1. Create the topic.  The call succeeds as a whole; the topic's own
     * result says whether it was created. */
    kafkac_new_topic_t *topic = kafkac_new_topic_new(TOPIC, 2, 1);
    kafkac_admin_result_t *res = NULL;
    kafkac_err_t e = topic ? kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const[]){ topic }, 1, 0, 30000,
                                                        &res, err, sizeof err)
                           : KAFKAC_ERR_NO_MEMORY;
    kafkac_new_topic_destroy(topic);   /* the call is done with it */
    if (e) {
        failed("create_topics", e, err);
        goto out;
    }
    e = kafkac_admin_result_error(res, 0);
    if (e) {
        failed("create_topics", e, kafkac_admin_result_message(res, 0));
        kafkac_admin_result_destroy(res);
        goto out;
    }
    kafkac_admin_result_destroy(res);
    printf("created topic %s with 2 partitions, replication factor 1\n", TOPIC);

    /* 2. Describe its configs: every entry, where its value comes from. */
    kafkac_config_resource_t *r = kafkac_config_resource_new(KAFKAC_RESOURCE_TOPIC, TOPIC);
    kafkac_config_desc_t *cfg;
    e = r ? kafkac_admin_describe_configs(adm, (const kafkac_config_resource_t *const[]){ r }, 1, 30000, &cfg, err,
                                          sizeof err)
          : KAFKAC_ERR_NO_MEMORY;
    kafkac_config_resource_destroy(r);
    if (e) {
        failed("describe_configs", e, err);
        goto out;
    }
    printf("configs of %s:\n", TOPIC);
    for (int j = 0; j < kafkac_config_desc_entry_count(cfg, 0); j++) {
        const kafkac_config_entry_t *en = kafkac_config_desc_entry(cfg, 0, j);
        const char *value = kafkac_config_entry_value(en);
        printf("  %-45s %-25s (%s)\n", kafkac_config_entry_name(en),
               kafkac_config_entry_is_sensitive(en) ? "(sensitive)" : value ? value : "(null)",
               kafkac_config_source_name(kafkac_config_entry_source(en)));
    }
    kafkac_config_desc_destroy(cfg);

    /* 3. List the topics. */
    kafkac_topic_desc_t *topics;
    e = kafkac_admin_list_topics(adm, 0, 30000, &topics, err, sizeof err);
    if (e) {
        failed("list_topics", e, err);
        goto out;
    }
    printf("topics:\n");
    for (int i = 0; i < kafkac_topic_desc_count(topics); i++)
        printf("  %s (%d partitions)\n", kafkac_topic_desc_name(topics, i), kafkac_topic_desc_partition_count(topics, i));
    kafkac_topic_desc_destroy(topics);

    /* 4. Delete it. */
    const char *names[] = { TOPIC };
    e = kafkac_admin_delete_topics(adm, names, 1, 30000, &res, err, sizeof err);
    if (e) {
        failed("delete_topics", e, err);
        goto out;
    }
    e = kafkac_admin_result_error(res, 0);
    if (e)
        failed("delete_topics", e, kafkac_admin_result_message(res, 0));
    else
        printf("deleted topic %s\n", TOPIC);
    kafkac_admin_result_destroy(res);
    rc = e ? 1 : 0;
out:
    kafkac_admin_destroy(adm);
    return rc;
}

/* The consumer group metadata handle (Java's ConsumerGroupMetadata) that
 * kafkac_producer_send_offsets_to_transaction (producer/txn_api.c) takes.
 * The struct is in protocol/group_member.h, which both clients read. */
#include <stdio.h>
#include <string.h>
#include "common/mem.h"
#include "consumer/consumer_int.h"
#include "protocol/group_member.h"

kafkac_group_metadata_t *kafkac_group_metadata_new(const char *group_id, int32_t generation_id,
                                                   const char *member_id, const char *group_instance_id)
{
    if (!group_id)
        return NULL;
    kafkac_group_metadata_t *gm = kc_calloc(1, sizeof(*gm));
    if (!gm)
        return NULL;
    gm->generation = generation_id;
    gm->group_id = kc_strdup(group_id);
    gm->member_id = kc_strdup(member_id ? member_id : "");
    gm->instance_id = group_instance_id ? kc_strdup(group_instance_id) : NULL;
    if (!gm->group_id || !gm->member_id || (group_instance_id && !gm->instance_id)) {
        kafkac_group_metadata_destroy(gm);
        return NULL;
    }
    return gm;
}

kafkac_group_metadata_t *kafkac_consumer_group_metadata(kafkac_consumer_t *c)
{
    if (!c || !c->settings.group_id || !*c->settings.group_id)
        return NULL;
    char member[512];
    int32_t gen = -1;
    if (kafkac_consumer_group_generation(c, &gen, member, sizeof member) != KAFKAC_OK) {
        gen = -1;
        member[0] = '\0';
    }
    const char *inst = c->settings.group_instance_id;
    return kafkac_group_metadata_new(c->settings.group_id, gen, member, inst && *inst ? inst : NULL);
}

void kafkac_group_metadata_destroy(kafkac_group_metadata_t *gm)
{
    if (!gm)
        return;
    kc_free(gm->group_id);
    kc_free(gm->member_id);
    kc_free(gm->instance_id);
    kc_free(gm);
}

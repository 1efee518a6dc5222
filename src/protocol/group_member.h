/* A consumer group member's identity as OffsetCommit and TxnOffsetCommit
 * send it: the public kafkac_group_metadata_t (consumer.h).  The handle's
 * functions live with the consumer (consumer/group_metadata.c); the
 * transactional producer reads the fields to build TxnOffsetCommit
 * (producer/txn_api.c).  It is defined at the protocol level so that
 * neither client includes the other's internals. */
#ifndef KC_GROUP_MEMBER_H
#define KC_GROUP_MEMBER_H

#include <stdint.h>
#include "kafkac/consumer.h"

struct kafkac_group_metadata {
    char *group_id;       /* owned */
    char *member_id;      /* owned; "" outside a generation */
    char *instance_id;    /* owned; NULL: not a static member */
    int32_t generation;   /* -1: no generation check */
};

#endif

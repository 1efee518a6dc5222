/* The inside of the public topic-partition list (include/kafkac/types.h).
 * Library code reads and writes the fields directly; everything outside
 * src/ (CLI included) goes through the kafkac_tpl_* / kafkac_tp_*
 * functions, so the layout can change without breaking programs. */
#ifndef KC_TPL_INT_H
#define KC_TPL_INT_H

#include "kafkac/types.h"

struct kafkac_topic_partition {
    char *topic;          /* owned by the list */
    int32_t partition;
    int64_t offset;       /* KAFKAC_OFFSET_INVALID when not set */
    int32_t leader_epoch; /* -1 when unknown */
    char *metadata;       /* commit metadata, owned by the list; NULL if none */
    kafkac_err_t err;     /* per-partition result of an operation */
};

struct kafkac_topic_partition_list {
    kafkac_topic_partition_t *elems;
    int count;
    int size;             /* allocated */
};

#endif

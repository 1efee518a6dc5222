/* The getters of the element handles that protocol.h declares for the
 * elements of a cluster snapshot (a broker, a partition), shared by the
 * protocol client's metadata and the admin client's describe results:
 * the handles are the snapshot's own kc_broker_info_t / kc_partition_info_t
 * (their struct tags are the public names). */
#include <stddef.h>

#include "kafkac/protocol.h"
#include "protocol/cluster.h"

int32_t kafkac_node_id(const kafkac_node_t *n) { return n ? n->id : -1; }
const char *kafkac_node_host(const kafkac_node_t *n) { return n && n->host ? n->host : ""; }
int kafkac_node_port(const kafkac_node_t *n) { return n ? n->port : 0; }
const char *kafkac_node_rack(const kafkac_node_t *n) { return n ? n->rack : NULL; }

int32_t kafkac_partition_info_id(const kafkac_partition_info_t *p) { return p ? p->id : -1; }
kafkac_err_t kafkac_partition_info_error(const kafkac_partition_info_t *p)
{
    return p ? (kafkac_err_t)p->err : KAFKAC_ERR_INVALID_ARG;
}
int32_t kafkac_partition_info_leader(const kafkac_partition_info_t *p) { return p ? p->leader : -1; }

/* One id list of a partition with its count; NULL and 0 when empty. */
static const int32_t *ids(const int32_t *list, int32_t n, int *count)
{
    if (count)
        *count = list && n > 0 ? n : 0;
    return n > 0 ? list : NULL;
}

const int32_t *kafkac_partition_info_replicas(const kafkac_partition_info_t *p, int *count)
{
    return ids(p ? p->replicas : NULL, p ? p->replicas_count : 0, count);
}

const int32_t *kafkac_partition_info_isr(const kafkac_partition_info_t *p, int *count)
{
    return ids(p ? p->isr : NULL, p ? p->isr_count : 0, count);
}

const int32_t *kafkac_partition_info_offline(const kafkac_partition_info_t *p, int *count)
{
    return ids(p ? p->offline : NULL, p ? p->offline_count : 0, count);
}

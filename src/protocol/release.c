/* Which Kafka release is this broker?  Each release added at least one
 * API version the one before lacked; checking from the newest release
 * down, the first whose marker the broker has names it.  The markers are
 * facts of the protocol's history (checked against brokers of each
 * release; the ones we run in tests are 3.9.1 and 4.4.0, and 4.1.1,
 * 4.2.0 and 4.3.0 were probed to find their markers). */
#include "protocol/release.h"

#include <stddef.h>

enum { PRODUCE = 0, FETCH = 1, LIST_OFFSETS = 2, METADATA = 3, STOP_REPLICA = 5, OFFSET_FETCH = 9,
       JOIN_GROUP = 11, LIST_GROUPS = 16, ADD_PARTITIONS_TO_TXN = 24, TXN_OFFSET_COMMIT = 28,
       DESCRIBE_ACLS = 29, DESCRIBE_LOG_DIRS = 35 };

static const struct {
    const char *release;
    int16_t api_key;
    int16_t min_max_version;   /* the broker's max version must be at least this */
} markers[] = {
    { "4.4", TXN_OFFSET_COMMIT, 6 },     /* also ApiVersions 5, DeleteGroups 3 */
    { "4.3", DESCRIBE_LOG_DIRS, 5 },
    { "4.2", LIST_OFFSETS, 11 },         /* also OffsetCommit and OffsetFetch 10 */
    { "4.1", PRODUCE, 13 },              /* topic ids in Produce (KIP-516) */
    { "4.0", PRODUCE, 12 },              /* KIP-890 transactions v2 */
    { "3.9", FETCH, 17 },                /* KIP-853 replica directory ids */
    { "3.8", PRODUCE, 11 },
    { "3.7", FETCH, 16 },
    { "3.6", ADD_PARTITIONS_TO_TXN, 4 },
    { "3.5", FETCH, 15 },
    { "3.4", STOP_REPLICA, 4 },
    { "3.3", DESCRIBE_ACLS, 3 },
    { "3.2", JOIN_GROUP, 9 },
    { "3.1", FETCH, 13 },
    { "3.0", LIST_OFFSETS, 7 },
    { "2.8", PRODUCE, 9 },
    { "2.7", FETCH, 12 },
    { "2.6", LIST_GROUPS, 4 },
    { "2.5", JOIN_GROUP, 7 },
    { "2.4", PRODUCE, 8 },
    { "2.3", FETCH, 11 },
    { "2.2", LIST_OFFSETS, 5 },
    { "2.1", FETCH, 10 },
    { "2.0", FETCH, 8 },
    { "1.1", FETCH, 7 },
    { "1.0", METADATA, 5 },
    { "0.11", METADATA, 4 },
    { "0.10.2", OFFSET_FETCH, 2 },
    { "0.10.1", METADATA, 2 },
};

const char *kc_release_from_versions(const int16_t *max, int n)
{
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        int16_t k = markers[i].api_key;
        if (k < n && max[k] >= markers[i].min_max_version)
            return markers[i].release;
    }
    /* ApiVersions itself exists only from 0.10.0 on. */
    return "0.10.0";
}

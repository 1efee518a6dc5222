/* The range assignor: topic by topic, the subscribed members (in
 * MemberInfo order) get consecutive runs of partitions; the first
 * (partitions % members) of them get one more.  Co-partitioned topics
 * thus land on the same member, which is what range is chosen for. */
#include "consumer/assignor.h"
#include "common/mem.h"
#include "kafkac/error.h"

int kc_assign_range(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    int *order = kc_asg_member_order(m, nm);
    int *sub = kc_calloc(nm ? (size_t)nm : 1, sizeof(int));
    int err = (order && sub) ? 0 : KAFKAC_ERR_NO_MEMORY;
    for (int ti = 0; ti < nt && !err; ti++) {
        int n = 0;
        for (int k = 0; k < nm; k++)
            if (kc_asg_subscribes(&m[order[k]], t[ti].name))
                sub[n++] = order[k];
        if (n == 0)
            continue;
        int32_t per = t[ti].partitions / n, extra = t[ti].partitions % n;
        int32_t p = 0;
        for (int k = 0; k < n && !err; k++) {
            int32_t len = per + (k < extra ? 1 : 0);
            for (int32_t j = 0; j < len && !err; j++)
                err = kc_tps_push(&m[sub[k]].assigned, t[ti].name, p++);
        }
    }
    kc_free(order);
    kc_free(sub);
    if (err) {
        kc_asg_reset(m, nm);
        return err;
    }
    for (int i = 0; i < nm; i++)
        kc_tps_sort(&m[i].assigned);
    return 0;
}

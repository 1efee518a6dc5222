/* The roundrobin assignor: every partition of every subscribed topic,
 * sorted by topic then partition, dealt to the members in MemberInfo
 * order as around a table; a member not subscribed to a partition's
 * topic is skipped for that partition (the turn moves on to the next one
 * that is). */
#include "consumer/assignor.h"
#include "common/mem.h"
#include "kafkac/error.h"

int kc_assign_roundrobin(kc_asg_member_t *m, int nm, const kc_asg_topic_t *t, int nt)
{
    if (nm == 0 || nt == 0)
        return 0;
    int *order = kc_asg_member_order(m, nm);
    int *torder = kc_asg_topic_order(t, nt);
    int err = (order && torder) ? 0 : KAFKAC_ERR_NO_MEMORY;
    int next = 0;  /* position in order of the member whose turn it is */
    for (int k = 0; k < nt && !err; k++) {
        const kc_asg_topic_t *tp = &t[torder[k]];
        int any = 0;
        for (int i = 0; i < nm && !any; i++)
            any = kc_asg_subscribes(&m[order[i]], tp->name);
        if (!any)
            continue;
        for (int32_t p = 0; p < tp->partitions && !err; p++) {
            while (!kc_asg_subscribes(&m[order[next]], tp->name))
                next = (next + 1) % nm;
            err = kc_tps_push(&m[order[next]].assigned, tp->name, p);
            next = (next + 1) % nm;
        }
    }
    kc_free(order);
    kc_free(torder);
    if (err) {
        kc_asg_reset(m, nm);
        return err;
    }
    return 0;
}

/* group.protocol=consumer (KIP-848): the membership that replaces
 * JoinGroup/SyncGroup/Heartbeat with ConsumerGroupHeartbeat; how it works
 * is told at the top of membership_848.c.  The coordinator (coordinator.c)
 * keeps finding the coordinator, the subscription, commits and close, and
 * hands over to these functions where the classic protocol would join,
 * heartbeat or leave. */
#ifndef KC_MEMBERSHIP_848_H
#define KC_MEMBERSHIP_848_H

#include "consumer/coordinator.h"

/* Creates co->m848 and gives co a member id of its own (a random UUID,
 * kept for the consumer's life).  0 or KAFKAC_ERR_NO_MEMORY. */
kafkac_err_t kc_m848_new(kc_coordinator_t *co);
void kc_m848_destroy(kc_m848_t *m);   /* NULL is a no-op */

/* I/O thread, under co->lock, every service turn while the coordinator
 * is known: joins (epoch 0), heartbeats at the broker's interval, starts
 * the reconciliation of a new target assignment, leaves after
 * max.poll.interval.ms without a poll.  Returns when it wants to run
 * again (INT64_MAX: no wish). */
int64_t kc_m848_serve(kc_coordinator_t *co, int64_t now);

/* Under co->lock: the next heartbeat goes out at once (the subscription
 * changed: no rejoin, the broker reassigns on what the heartbeat says; or
 * a new coordinator should learn where we stand). */
void kc_m848_heartbeat_now(kc_coordinator_t *co);

/* Leaves the group: a heartbeat with epoch -1 (-2 for a static member,
 * group.instance.id, whose partitions then wait for it until the session
 * times out).  wait_ms > 0 waits for the answer (app thread, without
 * co->lock); else it is sent and forgotten.  Returns the error. */
kafkac_err_t kc_m848_leave(kc_coordinator_t *co, const char *reason, int wait_ms);

#endif

/* FindCoordinator for one key, as the consumer group, the transaction
 * manager and the admin client each ask it.  From v4 on (KIP-699) the
 * request carries its keys as a list and the answer comes back as a list
 * of coordinators; v0-3 carry one key and answer at the top level.  These
 * two functions keep that version difference in one place. */
#ifndef KC_FIND_COORDINATOR_H
#define KC_FIND_COORDINATOR_H

#include <stdint.h>
#include "kc_messages.h"

/* For a kc_req_t.build callback: puts keys[0] where `version` carries it
 * (a one-element CoordinatorKeys from v4, Key before).  m keeps pointing
 * at keys, which must live as long as the request. */
void kc_find_coordinator_set_key(kc_find_coordinator_request_t *m, int16_t version, const char **keys);

/* The answer about the one key asked: returns its error code
 * (KAFKAC_ERR_MALFORMED when a v4+ answer lists no coordinator); *node
 * gets the coordinator's broker id and *msg the broker's message (may be
 * NULL) when there is an answer to take them from.  msg may be NULL. */
int kc_find_coordinator_answer(const kc_find_coordinator_response_t *r, int16_t version, int32_t *node,
                               const char **msg);

#endif

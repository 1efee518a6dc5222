/* FindCoordinator for one key: the one path by which the consumer group,
 * the transaction manager and the admin client ask it.  From v4 on
 * (KIP-699) the request carries its keys as a list and the answer comes
 * back as a list of coordinators; v0-3 carry one key and answer at the
 * top level.  This file keeps that version difference, the request's
 * memory and the reading of the answer in one place; the callers keep
 * only what they do with the answer (their cache, backoff and retry). */
#ifndef KC_FIND_COORDINATOR_H
#define KC_FIND_COORDINATOR_H

#include <stddef.h>
#include <stdint.h>
#include "kc_messages.h"
#include "protocol/net.h"

#define KC_COORD_GROUP       0   /* key_type: a consumer group id */
#define KC_COORD_TRANSACTION 1   /* key_type: a transactional id (v1+) */

/* The answer: err is 0 or the error (the request's own, e.g. a timeout,
 * KAFKAC_ERR_DESTROYED while the client closes, or the broker's code for
 * the key); node is the coordinator's broker id when err is 0; errmsg is
 * what the broker or the network client said, or NULL.  Runs once, on the
 * I/O thread; errmsg lives only during the call. */
typedef void (*kc_find_coordinator_cb)(kc_net_t *net, int err, int32_t node, const char *errmsg, void *opaque);

/* Asks any ready broker for the coordinator of `key` (copied).  timeout_ms
 * as in kc_req_t.  Returns 0, or an error (then cb never runs). */
int kc_find_coordinator_send(kc_net_t *net, int8_t key_type, const char *key, int timeout_ms,
                             kc_find_coordinator_cb cb, void *opaque);

/* The same, waiting for the answer (not on the I/O thread): returns 0 with
 * *node set, or the error with errstr saying what went wrong. */
int kc_find_coordinator_call(kc_net_t *net, int8_t key_type, const char *key, int timeout_ms, int32_t *node,
                             char *errstr, size_t errlen);

#endif

/* libkafkac: a native Apache Kafka client in C.  Include this one header.
 *
 * Read in this order: conf.h (configuration), then the client you need:
 * producer.h, consumer.h, admin.h, or protocol.h (the protocol-level
 * client they stand on).  types.h holds what they share (special values
 * and the topic-partition list), error.h the error codes, version.h the
 * library's version.
 *
 * What every part of the API has in common (each header gives the details
 * of its own calls):
 *
 *  - Errors.  A function that can fail returns kafkac_err_t: 0 is success,
 *    positive values are Kafka's error codes, negative ones the client's
 *    own (error.h).  A call that has more to say takes `char *errstr,
 *    size_t errstr_size`: on failure it writes a NUL-terminated sentence
 *    there, truncated to fit; pass NULL and 0 to do without it.  The
 *    client constructors (kafkac_producer_new, kafkac_consumer_new,
 *    kafkac_admin_new, kafkac_client_new) return NULL on failure instead,
 *    with errstr filled.
 *  - Ownership.  Handles are opaque.  What a call gives you (a _new object,
 *    an *out result or list) is yours, freed with the matching _destroy
 *    (raw bytes with kafkac_free); every _destroy accepts NULL and does
 *    nothing.  Inputs are borrowed for the duration of the call unless the
 *    function says it copies or keeps them.  A client only reads the
 *    kafkac_conf_t it was made from: destroy that whenever you like.
 *  - Timeouts.  Every call that waits takes `int timeout_ms`, and it means
 *    the same everywhere:
 *      KAFKAC_TIMEOUT_DEFAULT (-1)  the call's configured default (below);
 *      KAFKAC_TIMEOUT_INFINITE      no limit (INT_MAX);
 *      0                            do not wait: do what can be done now,
 *                                   and return KAFKAC_ERR_TIMED_OUT if the
 *                                   answer is not there yet (poll-like
 *                                   calls: nothing to return; a call that
 *                                   returns a count returns 0);
 *      > 0                          that many milliseconds;
 *      < -1                         KAFKAC_ERR_INVALID_ARG, nothing done.
 *    A call returns by its timeout, however many requests, retries and
 *    reconnections it takes.  The configured default of each client:
 *      producer        poll, flush, close, kafkac_future_wait:
 *                      delivery.timeout.ms (every record has its outcome
 *                      by then); init/commit/abort_transaction and
 *                      send_offsets_to_transaction: max.block.ms (as in
 *                      the Java client);
 *      consumer        every call that waits, poll, next and close
 *                      included: default.api.timeout.ms;
 *      admin           default.api.timeout.ms, one deadline for the whole
 *                      operation;
 *      protocol client metadata, request, probe: request.timeout.ms.
 *    With 0, calls whose work goes on in the background start it (flush
 *    sends what is queued; a transactional call starts its operation, to
 *    be waited for by calling it again); calls that only wait for a
 *    broker's answer send nothing: admin operations and the protocol
 *    client's calls, and the consumer's offset lookups, commit_sync and
 *    committed (which at most start finding the coordinator or refreshing
 *    metadata, for a later call).  A call that returns a count
 *    (kafkac_producer_poll) returns KAFKAC_ERR_INVALID_ARG, negative, for
 *    a timeout below -1.  Every wait is measured on the monotonic clock: a
 *    step of the time of day neither stretches nor cuts it.  The two
 *    macros are in types.h.
 *  - Stability.  Every function declared KAFKAC_API is stable for 1.0:
 *    within a major version it keeps its name, arguments and meaning.
 *    The one marked KAFKAC_API_EXPERIMENTAL (kafkac_client_request) may
 *    still change in a minor release; a stable function that is to go is
 *    marked KAFKAC_DEPRECATED first.  docs/API.md has the whole policy.
 *  - Callbacks you install (delivery, rebalance, commit) run on your own
 *    thread, inside the calls their header names (poll, flush, close...),
 *    never inside the call that installed them.  The log callback (conf.h)
 *    is the exception: it may run on the library's own threads. */
#ifndef KAFKAC_H
#define KAFKAC_H
#include "kafkac/export.h"
#include "kafkac/version.h"
#include "kafkac/error.h"
#include "kafkac/types.h"
#include "kafkac/protocol.h"
#include "kafkac/conf.h"
#include "kafkac/consumer.h"
#include "kafkac/producer.h"
#include "kafkac/admin.h"
#endif

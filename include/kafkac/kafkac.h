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
 *  - Timeouts are int milliseconds.  What -1 (or 0) means depends on the
 *    client:
 *      producer, transactions  -1: no limit; 0: only look (poll, future_wait)
 *      consumer poll / next    -1: wait for ever; 0: only look
 *      consumer, other waits   -1: default.api.timeout.ms
 *      admin                   <= 0: default.api.timeout.ms, one deadline for
 *                              the whole operation
 *      protocol client         metadata and request: <= 0: request.timeout.ms
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

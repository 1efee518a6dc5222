/* Produce to brokers without v2 record batches (Kafka 0.10.x: Produce v2
 * at most, message format v1).
 *
 * The accumulator always builds v2 record batches; the broker's Produce
 * version is only known when the request is encoded.  At Produce < v3
 * the build callback calls kc_legacy_produce_build, which replaces each
 * partition's records by the same records as a magic-1 message set
 * (message_set.h), compressed with the batch's own codec.  Magic 1 has no
 * record headers and no zstd: a batch with either fails the request
 * (UNSUPPORTED_FEATURE, UNSUPPORTED_COMPRESSION) with a log line naming
 * the partition, rather than losing headers in silence.  Producer ids and
 * sequences have no place in magic 1 either; the sender only gets here
 * non-idempotent (the broker lacks InitProducerId, see sender.c). */
#ifndef KC_LEGACY_PRODUCE_H
#define KC_LEGACY_PRODUCE_H

#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"
#include "common/log.h"
#include "kc_messages.h"

typedef struct kc_legacy_produce kc_legacy_produce_t;

/* Converts one closed v2 record batch (batch[0..len)) into a magic-1
 * message set appended to out.  Returns 0 or an error, with why filled. */
int kc_legacy_batch_to_v1(const uint8_t *batch, size_t len, int compression_level, kc_writer_t *out, char *why,
                          size_t whylen);

/* For a Produce request's build callback.  version < 3: every
 * partition's records become a magic-1 message set kept in *state (made
 * on the first call); version >= 3: the original batches are put back (a
 * request can be encoded again for another broker).  Returns 0 or an
 * error that fails the request; the reason is logged to log. */
int kc_legacy_produce_build(kc_legacy_produce_t **state, kc_produce_request_t *msg, int16_t version,
                            int compression_level, const kc_logger_t *log);

/* Frees what kc_legacy_produce_build kept.  NULL is a no-op. */
void kc_legacy_produce_free(kc_legacy_produce_t *state);

#endif

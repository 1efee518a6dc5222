/* Which fetched batches belong to aborted transactions, for a consumer
 * with isolation.level=read_committed.
 *
 * A FetchResponse partition lists the aborted transactions that overlap
 * the returned data as (producer id, first offset).  Walking the batches
 * in offset order, Kafka's rule is:
 *   - before looking at a batch, every listed transaction whose first
 *     offset is <= the batch's last offset becomes "ongoing aborted" for
 *     its producer;
 *   - a control batch whose marker is ABORT ends its producer's ongoing
 *     aborted transaction (the marker itself is never user data);
 *   - any other transactional batch of a producer with an ongoing aborted
 *     transaction is dropped.
 *
 * Self-contained: no I/O, no knowledge of topics.  One per partition
 * being read; one thread at a time. */
#ifndef KC_ABORTED_TXNS_H
#define KC_ABORTED_TXNS_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/error.h"
#include "protocol/record_batch.h"

typedef struct kc_aborted_txn {
    int64_t producer_id;
    int64_t first_offset;
} kc_aborted_txn_t;

typedef struct kc_aborted_txns kc_aborted_txns_t;

/* *out is the caller's; free with kc_aborted_txns_destroy. */
kafkac_err_t kc_aborted_txns_new(kc_aborted_txns_t **out);
void kc_aborted_txns_destroy(kc_aborted_txns_t *t);   /* NULL: no-op */

/* Forgets all state and loads one fetch response's list (copied; n may be
 * 0).  Returns 0 or KAFKAC_ERR_NO_MEMORY (state then empty). */
kafkac_err_t kc_aborted_txns_reset(kc_aborted_txns_t *t, const kc_aborted_txn_t *list, size_t n);

/* Call once for every batch, in offset order (control batches included;
 * b->control_type must be set for them, as records.h does).  Returns 1 if
 * the batch's records must be dropped as aborted, else 0. */
int kc_aborted_txns_skip_batch(kc_aborted_txns_t *t, const kc_batch_t *b);

/* Producers with an ongoing aborted transaction right now (for tests). */
size_t kc_aborted_txns_ongoing(const kc_aborted_txns_t *t);

#endif

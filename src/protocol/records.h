/* One reader over a fetched records blob, whatever the magic of its
 * batches: v2 record batches and v0/v1 message sets (plain or compressed
 * wrappers) may follow each other, as they do in a log that was upgraded.
 *
 *   kc_records_iter_t *it;  kc_records_iter_new(&it, NULL);
 *   kc_records_iter_reset(it, fetched, fetched_len);
 *   kc_record_t rec;  const kc_batch_t *b;
 *   while ((err = kc_records_next(it, &rec, &b)) == 0) ...use rec...
 *   if (err != KAFKAC_ERR_PARTIAL) ...a real error: kc_records_iter_error()...
 *
 * KAFKAC_ERR_PARTIAL is the normal end: no whole batch is left.  A broker
 * may cut the last batch short at the fetch size limit; those bytes are
 * not an error, and kc_records_iter_trailing() says how many they were
 * (a consumer seeing 0 records and trailing bytes must fetch more).
 *
 * Errors (bad CRC, malformed fields, decompression over the limit) are
 * sticky: every later call returns the same error.  kc_records_iter_error
 * gives the field at fault and the base offset of the batch, which the
 * consumer reports with its topic and partition.
 *
 * Lifetimes: the iterator borrows the blob; records point into it, or
 * into the iterator's one decompression buffer, which is reused for the
 * next compressed batch.  So a record of a compressed batch is valid
 * until the next batch starts; copy what must outlive that. */
#ifndef KC_RECORDS_H
#define KC_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "protocol/record_batch.h"
#include "protocol/aborted_txns.h"

typedef struct kc_records_opts {
    int check_crc;            /* 1 (default): verify CRC32C / CRC32, as check.crcs=true */
    size_t max_decompressed;  /* per batch; default 64 MiB */
} kc_records_opts_t;

void kc_records_opts_init(kc_records_opts_t *o);

typedef struct kc_records_iter kc_records_iter_t;

/* opts NULL: defaults.  *out is the caller's; free with kc_records_iter_destroy. */
kafkac_err_t kc_records_iter_new(kc_records_iter_t **out, const kc_records_opts_t *opts);
void kc_records_iter_destroy(kc_records_iter_t *it);   /* NULL: no-op */

/* Starts reading a new blob (borrowed) and clears any error.  Keeps the
 * decompression buffer and the aborted-transaction tracker. */
void kc_records_iter_reset(kc_records_iter_t *it, const void *buf, size_t len);

/* read_committed: batches that t says are aborted are skipped (records
 * not yielded).  t is borrowed; NULL turns it off.  The caller loads t
 * with the same fetch response's list before iterating. */
void kc_records_iter_set_aborted(kc_records_iter_t *it, kc_aborted_txns_t *t);

/* Advances to the next batch (skipping what is left of the current one).
 * Returns 0 and sets *b (valid until the next batch), KAFKAC_ERR_PARTIAL
 * at the end, or an error. */
kafkac_err_t kc_records_next_batch(kc_records_iter_t *it, const kc_batch_t **b);

/* Yields the next record, moving through batches as needed; *b (may be
 * NULL) is set to its batch.  Returns 0, KAFKAC_ERR_PARTIAL at the end,
 * or an error.  Control records are yielded with rec->is_control set. */
kafkac_err_t kc_records_next(kc_records_iter_t *it, kc_record_t *rec, const kc_batch_t **b);

/* Hands the buffer holding the current batch's decompressed records to
 * the caller (free with kc_free; *cap, if not NULL, is its allocated
 * size), so that its records stay valid after the iterator moves on; NULL
 * when the current batch was not decompressed.  The iterator is left
 * without a buffer: give it one with kc_records_iter_give_scratch, or it
 * grows a new one.  (A consumer keeps fetched records without copying
 * them this way, and recycles the buffers once they are released.) */
uint8_t *kc_records_iter_detach_scratch(kc_records_iter_t *it, size_t *cap);
/* Gives the iterator a buffer of cap bytes (from kc_malloc; the iterator
 * owns it from now on) to decompress the next batches into, in place of
 * its current one.  Only between batches or right after a detach: the
 * current batch's records must not point into the buffer it replaces. */
void kc_records_iter_give_scratch(kc_records_iter_t *it, uint8_t *buf, size_t cap);

/* Offset after the last batch opened, skipped ones included (its last
 * offset + 1), or -1 before any: where the next fetch starts even when
 * the batches at the end were aborted or control batches. */
int64_t kc_records_iter_next_offset(const kc_records_iter_t *it);

/* Bytes at the end that did not hold a whole batch (0 when none). */
size_t kc_records_iter_trailing(const kc_records_iter_t *it);

/* The sticky error (0 if none), the field at fault and the base offset of
 * the batch it was in (-1 if not known); out pointers may be NULL. */
kafkac_err_t kc_records_iter_error(const kc_records_iter_t *it, const char **field,
                                   int64_t *base_offset);

#endif

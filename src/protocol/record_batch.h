/* Kafka RecordBatch v2 (magic 2): the writer a producer fills, and the
 * reader a consumer walks.  The byte layout, with the offset of every
 * header field, is documented at the top of record_batch.c.
 *
 * Both sides are built for the produce/consume hot path:
 *   - the writer appends every record into ONE growing buffer (no
 *     allocation per record once the buffer has grown), writes the batch
 *     header as placeholders and patches it at close, compresses the
 *     records part once, and computes the CRC32C last;
 *   - the reader never copies a key, value or header: pointers go into the
 *     caller's fetched buffer, or into the one buffer a compressed batch is
 *     decompressed into.
 *
 * kc_batch_t and kc_record_t are shared with legacy message sets
 * (message_set.h) so that records.h can yield records of any magic.
 *
 * Threading: a writer, or a batch being read, belongs to one thread. */
#ifndef KC_RECORD_BATCH_H
#define KC_RECORD_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/error.h"
#include "common/buf.h"
#include "protocol/compress.h"

/* Batch header size, fixed for magic 2: records start at this offset. */
#define KC_RB_HEADER_SIZE 61
/* base offset + batch length: the bytes the batch length does not count. */
#define KC_RB_LOG_OVERHEAD 12

/* Attribute bits (int16 in v2, int8 in v0/v1 where only codec and, in v1,
 * the timestamp type exist). */
#define KC_RB_ATTR_CODEC_MASK 0x07
#define KC_RB_ATTR_LOG_APPEND_TIME 0x08
#define KC_RB_ATTR_TRANSACTIONAL 0x10
#define KC_RB_ATTR_CONTROL 0x20

/* Timestamp types, as Kafka numbers them. */
#define KC_TS_NONE (-1)          /* magic 0: records carry no timestamp */
#define KC_TS_CREATE_TIME 0
#define KC_TS_LOG_APPEND_TIME 1

/* Control record types (key = int16 version, int16 type). */
#define KC_CONTROL_ABORT 0
#define KC_CONTROL_COMMIT 1

/* "No value" for producer id / epoch / base sequence / leader epoch. */
#define KC_NO_PRODUCER_ID (-1)
#define KC_NO_TIMESTAMP (-1)

/* ------------------------------------------------------------------ */
/* What a reader knows about one batch (v2) or one top-level message
 * (v0/v1, where a compressed wrapper is the "batch" of its inner
 * messages).  Plain data; records/records_len point into either the
 * caller's input or the reader's decompression buffer. */
typedef struct kc_batch {
    int64_t base_offset;
    int32_t batch_length;            /* v2 field; v0/v1: message size */
    int32_t partition_leader_epoch;  /* -1 for v0/v1 */
    int8_t magic;
    uint32_t crc;                    /* as stored */
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;           /* log-append time when that is the type */
    int64_t producer_id;             /* -1 for v0/v1 */
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
    /* Derived from attributes. */
    int codec;                       /* kc_codec_t */
    int timestamp_type;              /* KC_TS_* */
    int is_transactional;
    int is_control;
    /* For a control batch, the type of its first control record
     * (KC_CONTROL_ABORT / KC_CONTROL_COMMIT, or another value a newer
     * broker defines); -1 otherwise.  Filled by records.h. */
    int control_type;
    /* The uncompressed records (v2) or message set (v0/v1 wrapper). */
    const uint8_t *records;
    size_t records_len;
} kc_batch_t;

static inline int64_t kc_batch_last_offset(const kc_batch_t *b)
{
    /* Wrapping arithmetic: hostile input must not be undefined behaviour. */
    return (int64_t)((uint64_t)b->base_offset + (uint64_t)(int64_t)b->last_offset_delta);
}

/* One record.  key/value are NULL with length -1 when null; they point
 * into the batch's records (zero copy) and live as long as they do. */
typedef struct kc_record {
    int64_t offset;
    int64_t timestamp;       /* max_timestamp of the batch under log-append time */
    int timestamp_type;      /* KC_TS_* */
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
    int32_t header_count;
    const uint8_t *headers;  /* raw, already validated: walk with kc_record_header_next */
    size_t headers_len;
    int is_control;          /* from a control batch: not user data */
    int control_type;        /* KC_CONTROL_*, or -1 when not a control record */
} kc_record_t;

/* Walks a record's headers.  *pos starts at 0.  Returns 1 and sets the
 * out parameters (value NULL with length -1 for a null value; key is not
 * NUL-terminated), or 0 when there are no more. */
int kc_record_header_next(const kc_record_t *rec, size_t *pos, const char **key, int32_t *key_len,
                          const uint8_t **value, int32_t *value_len);

/* ------------------------------------------------------------------ */
/* Writer */

typedef struct kc_rb_header {
    const char *key;     /* UTF-8, not NUL-terminated necessarily */
    int32_t key_len;
    const void *value;   /* NULL with value_len -1 for a null value */
    int32_t value_len;
} kc_rb_header_t;

typedef struct kc_rb_writer_opts {
    int64_t base_offset;             /* 0 when producing: the broker assigns */
    int32_t partition_leader_epoch;  /* -1 when producing */
    kc_codec_t codec;
    int compression_level;           /* KC_COMPRESSION_LEVEL_DEFAULT */
    int timestamp_type;              /* KC_TS_CREATE_TIME or KC_TS_LOG_APPEND_TIME */
    int64_t log_append_time;         /* used as max timestamp under log-append time */
    int transactional;
    int control;                     /* control batches are written by brokers (and tests) */
    int64_t producer_id;             /* -1: not idempotent */
    int16_t producer_epoch;
    int32_t base_sequence;
} kc_rb_writer_opts_t;

/* Defaults: base offset 0, leader epoch -1, no compression, create time,
 * producer id/epoch/sequence -1. */
void kc_rb_writer_opts_init(kc_rb_writer_opts_t *o);

typedef struct kc_rb_writer kc_rb_writer_t;

/* Creates a writer with room for initial_cap bytes (0 = a small default)
 * and begins a batch with default options.  *out is the caller's; free it
 * with kc_rb_writer_destroy. */
kafkac_err_t kc_rb_writer_new(kc_rb_writer_t **out, size_t initial_cap);
void kc_rb_writer_destroy(kc_rb_writer_t *w);   /* NULL: no-op */

/* Starts a new batch, keeping the buffers (the hot path reuses one
 * writer).  opts NULL means defaults.  Any previous output is invalidated. */
kafkac_err_t kc_rb_writer_reset(kc_rb_writer_t *w, const kc_rb_writer_opts_t *opts);

/* Appends one record with the next offset delta (0, 1, 2...).  key/value
 * length -1 means null (the pointer is then ignored).  The first record's
 * timestamp becomes the base timestamp.  Returns 0, KAFKAC_ERR_NO_MEMORY,
 * KAFKAC_ERR_INVALID_ARG (a length below -1 or a NULL pointer with a
 * positive length) or KAFKAC_ERR_STATE (batch already closed).  On error
 * the batch is unchanged. */
kafkac_err_t kc_rb_writer_append(kc_rb_writer_t *w, int64_t timestamp, const void *key,
                                 int32_t key_len, const void *value, int32_t value_len,
                                 const kc_rb_header_t *headers, size_t header_count);

/* Bytes the record above would add to the batch (before compression), so
 * a producer can stop at batch.size before appending. */
size_t kc_rb_writer_record_size(const kc_rb_writer_t *w, int64_t timestamp, int32_t key_len,
                                int32_t value_len, const kc_rb_header_t *headers,
                                size_t header_count);

/* Current size of the batch including its 61-byte header, uncompressed:
 * an upper estimate for a compressed batch before close; the exact size
 * once closed. */
size_t kc_rb_writer_size(const kc_rb_writer_t *w);
/* Bytes of memory the writer holds (its struct and both buffers'
 * capacity), and what it would hold after appending a record of
 * record_size bytes (kc_rb_writer_record_size). */
size_t kc_rb_writer_footprint(const kc_rb_writer_t *w);
size_t kc_rb_writer_footprint_after(const kc_rb_writer_t *w, size_t record_size);
int32_t kc_rb_writer_count(const kc_rb_writer_t *w);

/* Finishes the batch: compresses the records once (if a codec is set),
 * patches the header and computes the CRC32C.  *out points into the
 * writer and stays valid until the next reset or destroy.  Closing twice
 * returns the same bytes. */
kafkac_err_t kc_rb_writer_close(kc_rb_writer_t *w, const uint8_t **out, size_t *out_len);

/* After close: hands the batch buffer to the caller (free with kc_free);
 * the writer allocates a new one at its next reset. */
kafkac_err_t kc_rb_writer_detach(kc_rb_writer_t *w, uint8_t **out, size_t *out_len);

/* Rewrites producer id, epoch and base sequence of a closed v2 batch in
 * place and recomputes its CRC, as an idempotent producer does when it
 * assigns sequences at send time or bumps its epoch. */
kafkac_err_t kc_rb_set_producer_state(uint8_t *batch, size_t len, int64_t producer_id,
                                      int16_t producer_epoch, int32_t base_sequence);

/* ------------------------------------------------------------------ */
/* Reader */

/* Parses the v2 batch occupying exactly buf[0..len) (the caller sized it
 * from the batch length), checks magic, sizes and, if check_crc, the
 * CRC32C; decompresses the records into *scratch (reset first, at most
 * max_decompressed bytes) when compressed.  On error returns the code and
 * sets *err_field to the name of the field at fault. */
kafkac_err_t kc_rb_open(const uint8_t *buf, size_t len, int check_crc, size_t max_decompressed,
                        kc_writer_t *scratch, kc_batch_t *b, const char **err_field);

/* Reads the next record of batch b from r (a reader over b->records).
 * Checks that the record's declared length is exactly what its fields
 * took.  Returns 0 or the reader's error (field name in r->err_field). */
kafkac_err_t kc_rb_read_record(kc_reader_t *r, const kc_batch_t *b, kc_record_t *rec);

#endif

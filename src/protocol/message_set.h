/* Legacy message sets: message format v0 (magic 0) and v1 (magic 1, adds a
 * timestamp), which brokers still return for old data and which
 * pre-0.11 brokers require.
 *
 * Message layout (big-endian):
 *    0  int64  offset
 *    8  int32  message_size      bytes after this field
 *   12  uint32 crc               CRC32 (IEEE) of bytes 16..end
 *   16  int8   magic
 *   17  int8   attributes        bits 0-2 codec, v1 bit 3 log-append time
 *  [18  int64  timestamp]        v1 only
 *       int32  key length (-1 null), key, int32 value length (-1 null), value
 *
 * A compressed message ("wrapper") has a null key and, as value, the
 * compressed bytes of an inner message set.  In v0 the inner offsets are
 * absolute.  In v1 they are relative (0..n-1) and the wrapper carries the
 * absolute offset of the LAST inner message, so
 *   absolute = wrapper_offset - last_inner_offset + inner_offset.
 * LZ4 in magic 0 uses Kafka's old frame header checksum (legacy_lz4). */
#ifndef KC_MESSAGE_SET_H
#define KC_MESSAGE_SET_H

#include <stddef.h>
#include <stdint.h>
#include "protocol/record_batch.h"

#define KC_MS_LOG_OVERHEAD 12
/* crc + magic + attributes + key and value lengths (+ timestamp in v1). */
#define KC_MS_MIN_SIZE_V0 14
#define KC_MS_MIN_SIZE_V1 22

/* One message as stored; key/value point into the reader's buffer. */
typedef struct kc_ms_message {
    int64_t offset;
    int32_t size;
    uint32_t crc;
    int8_t magic;
    int8_t attributes;
    int64_t timestamp;       /* -1 for magic 0 */
    const uint8_t *key;
    int32_t key_len;         /* -1 null */
    const uint8_t *value;
    int32_t value_len;       /* -1 null */
} kc_ms_message_t;

/* Reads one whole message from r (which must hold all of it), checking
 * its magic (0 or 1), that its size is exactly what its fields took, and,
 * if check_crc, its CRC32.  Errors are r's (field name in r->err_field). */
kafkac_err_t kc_ms_read_message(kc_reader_t *r, int check_crc, kc_ms_message_t *m);

/* What to write: one record (v0/v1 have no headers). */
typedef struct kc_ms_record {
    int64_t timestamp;       /* ignored for magic 0 */
    const void *key;
    int32_t key_len;         /* -1 null */
    const void *value;
    int32_t value_len;       /* -1 null */
} kc_ms_record_t;

/* Appends a message set of n records to out, with offsets base_offset..
 * base_offset+n-1.  With a codec, writes one wrapper message around the
 * compressed inner set (offsets as described above; a v1 wrapper's
 * timestamp is the largest inner timestamp).  timestamp_type
 * KC_TS_LOG_APPEND_TIME sets attribute bit 3 (v1 only).  Returns 0 or an
 * error; on error out may hold a partial set and should be discarded. */
kafkac_err_t kc_ms_write(kc_writer_t *out, int magic, kc_codec_t codec, int compression_level,
                         int timestamp_type, int64_t base_offset, const kc_ms_record_t *recs,
                         size_t n);

/* Opens the top-level message in buf[0..len) (exactly one message) as a
 * batch: an uncompressed message is a batch of itself; a wrapper's value
 * is decompressed into *scratch (reset first; at most max_decompressed
 * bytes) and every inner message is checked.  b->records then holds the
 * (inner) message set to read with kc_ms_read_record, and *offset_fix
 * what to add to each inner offset.  On error sets *err_field. */
kafkac_err_t kc_ms_open(const uint8_t *buf, size_t len, int check_crc, size_t max_decompressed,
                        kc_writer_t *scratch, kc_batch_t *b, int64_t *offset_fix,
                        const char **err_field);

/* Reads the next message of a batch opened by kc_ms_open as a record. */
kafkac_err_t kc_ms_read_record(kc_reader_t *r, const kc_batch_t *b, int64_t offset_fix,
                               kc_record_t *rec);

#endif

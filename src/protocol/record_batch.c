/* RecordBatch v2 (magic 2, KIP-98) writer and reader.
 *
 * Batch layout (all integers big-endian; offsets from the batch start):
 *
 *    0  int64   base_offset
 *    8  int32   batch_length            bytes after this field (total - 12)
 *   12  int32   partition_leader_epoch
 *   16  int8    magic                   2
 *   17  uint32  crc                     CRC32C of bytes 21..end
 *   21  int16   attributes              bits 0-2 codec, 3 timestamp type
 *                                       (1 = log-append), 4 transactional,
 *                                       5 control
 *   23  int32   last_offset_delta
 *   27  int64   base_timestamp          first record's timestamp
 *   35  int64   max_timestamp
 *   43  int64   producer_id
 *   51  int16   producer_epoch
 *   53  int32   base_sequence
 *   57  int32   records_count
 *   61  records ...                     compressed as one block when the
 *                                       codec bits are non-zero
 *
 * Record (the varints are zigzag-encoded, signed):
 *   varint  length                      bytes after this field
 *   int8    attributes                  unused, 0
 *   varlong timestamp_delta             from base_timestamp
 *   varint  offset_delta                from base_offset
 *   varint  key_length                  -1 = null
 *   bytes   key
 *   varint  value_length                -1 = null
 *   bytes   value
 *   varint  header_count
 *   header: varint key_length, key (UTF-8), varint value_length (-1 = null), value
 *
 * The CRC covers attributes onwards and deliberately not the partition
 * leader epoch, which the broker rewrites without recomputing it. */
#include "protocol/record_batch.h"
#include "protocol/crc32c.h"
#include "common/mem.h"

#define OFF_BASE_OFFSET 0
#define OFF_BATCH_LENGTH 8
#define OFF_LEADER_EPOCH 12
#define OFF_MAGIC 16
#define OFF_CRC 17
#define OFF_ATTRIBUTES 21
#define OFF_LAST_OFFSET_DELTA 23
#define OFF_BASE_TIMESTAMP 27
#define OFF_MAX_TIMESTAMP 35
#define OFF_PRODUCER_ID 43
#define OFF_PRODUCER_EPOCH 51
#define OFF_BASE_SEQUENCE 53
#define OFF_RECORDS_COUNT 57

/* Smallest possible record: a 1-byte length and six 1-byte fields.  Used
 * to reject a records_count that the bytes cannot hold. */
#define MIN_RECORD_SIZE 7

struct kc_rb_writer {
    kc_writer_t buf;        /* header placeholder + uncompressed records */
    kc_writer_t zbuf;       /* header copy + compressed records, if a codec is set */
    kc_rb_writer_opts_t o;
    int64_t base_ts;
    int64_t max_ts;
    int32_t count;
    int state;              /* OPEN, CLOSED or DETACHED */
    kc_writer_t *out;       /* buf or zbuf once closed */
};

enum { ST_OPEN, ST_CLOSED, ST_DETACHED };

void kc_rb_writer_opts_init(kc_rb_writer_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->partition_leader_epoch = -1;
    o->codec = KC_CODEC_NONE;
    o->compression_level = KC_COMPRESSION_LEVEL_DEFAULT;
    o->timestamp_type = KC_TS_CREATE_TIME;
    o->producer_id = KC_NO_PRODUCER_ID;
    o->producer_epoch = -1;
    o->base_sequence = -1;
}

kafkac_err_t kc_rb_writer_new(kc_rb_writer_t **out, size_t initial_cap)
{
    *out = NULL;
    kc_rb_writer_t *w = kc_calloc(1, sizeof *w);
    if (!w)
        return KAFKAC_ERR_NO_MEMORY;
    if (kc_writer_init(&w->buf, initial_cap ? initial_cap : 1024) != 0) {
        kc_free(w);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_writer_init(&w->zbuf, 0); /* cannot fail with 0 */
    kafkac_err_t err = kc_rb_writer_reset(w, NULL);
    if (err) {
        kc_rb_writer_destroy(w);
        return err;
    }
    *out = w;
    return KAFKAC_OK;
}

void kc_rb_writer_destroy(kc_rb_writer_t *w)
{
    if (!w)
        return;
    kc_writer_free(&w->buf);
    kc_writer_free(&w->zbuf);
    kc_free(w);
}

kafkac_err_t kc_rb_writer_reset(kc_rb_writer_t *w, const kc_rb_writer_opts_t *opts)
{
    if (opts) {
        if (opts->codec < KC_CODEC_NONE || opts->codec > KC_CODEC_ZSTD)
            return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
        w->o = *opts;
    } else {
        kc_rb_writer_opts_init(&w->o);
    }
    w->base_ts = KC_NO_TIMESTAMP;
    w->max_ts = KC_NO_TIMESTAMP;
    w->count = 0;
    w->state = ST_OPEN;
    w->out = NULL;
    kc_writer_reset(&w->buf);
    kc_writer_reset(&w->zbuf);
    (void)kc_w_reserve(&w->buf, KC_RB_HEADER_SIZE);
    return w->buf.err ? w->buf.err : KAFKAC_OK;
}

/* Writes a zigzag-free (already unsigned) varint at d; returns the end. */
static inline uint8_t *put_uvarint(uint8_t *d, uint64_t v)
{
    while (v >= 0x80) {
        *d++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *d++ = (uint8_t)v;
    return d;
}

static inline uint8_t *put_varint(uint8_t *d, int64_t v) { return put_uvarint(d, kc_zigzag64(v)); }

static inline uint8_t *put_lenbytes(uint8_t *d, const void *p, int32_t len)
{
    d = put_varint(d, len);
    if (len > 0) {
        memcpy(d, p, (size_t)len);
        d += len;
    }
    return d;
}

static inline size_t lenbytes_size(int32_t len) { return kc_varint_size(len) + (len > 0 ? (size_t)len : 0); }

/* Timestamp delta with wrap-around arithmetic: the varlong carries any
 * int64 difference, and signed overflow would be undefined. */
static inline int64_t ts_delta(int64_t ts, int64_t base) { return (int64_t)((uint64_t)ts - (uint64_t)base); }

/* Size of a record after its length varint; 0 for invalid arguments. */
static size_t record_body_size(int64_t delta, int32_t offset_delta, int32_t key_len,
                               int32_t value_len, const kc_rb_header_t *headers,
                               size_t header_count)
{
    size_t n = 1 + kc_varint_size(delta) + kc_varint_size(offset_delta) + lenbytes_size(key_len) +
               lenbytes_size(value_len) + kc_varint_size((int64_t)header_count);
    for (size_t i = 0; i < header_count; i++)
        n += lenbytes_size(headers[i].key_len) + lenbytes_size(headers[i].value_len);
    return n;
}

static int args_valid(const void *key, int32_t key_len, const void *value, int32_t value_len,
                      const kc_rb_header_t *headers, size_t header_count)
{
    if (key_len < -1 || value_len < -1 || (key_len > 0 && !key) || (value_len > 0 && !value))
        return 0;
    if (header_count > INT32_MAX || (header_count && !headers))
        return 0;
    for (size_t i = 0; i < header_count; i++) {
        const kc_rb_header_t *h = &headers[i];
        if (h->key_len < 0 || (h->key_len > 0 && !h->key) || h->value_len < -1 ||
            (h->value_len > 0 && !h->value))
            return 0;
    }
    return 1;
}

size_t kc_rb_writer_record_size(const kc_rb_writer_t *w, int64_t timestamp, int32_t key_len,
                                int32_t value_len, const kc_rb_header_t *headers,
                                size_t header_count)
{
    int64_t delta = w->count ? ts_delta(timestamp, w->base_ts) : 0;
    size_t body = record_body_size(delta, w->count, key_len, value_len, headers, header_count);
    return kc_uvarint_size(kc_zigzag64((int64_t)body)) + body;
}

kafkac_err_t kc_rb_writer_append(kc_rb_writer_t *w, int64_t timestamp, const void *key,
                                 int32_t key_len, const void *value, int32_t value_len,
                                 const kc_rb_header_t *headers, size_t header_count)
{
    if (w->state != ST_OPEN)
        return KAFKAC_ERR_STATE;
    if (!args_valid(key, key_len, value, value_len, headers, header_count))
        return KAFKAC_ERR_INVALID_ARG;
    if (w->count == INT32_MAX)
        return KAFKAC_ERR_MSG_SIZE_TOO_LARGE;

    int64_t delta = w->count ? ts_delta(timestamp, w->base_ts) : 0;
    size_t body = record_body_size(delta, w->count, key_len, value_len, headers, header_count);
    if (body > INT32_MAX)
        return KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
    size_t total = kc_varint_size((int64_t)body) + body;

    uint8_t *start = kc_w_ensure(&w->buf, total);
    if (!start) {
        /* A failed grow leaves the old buffer intact, so the batch stays
         * usable: clear the sticky error and report this record only. */
        kafkac_err_t err = w->buf.err;
        w->buf.err = 0;
        return err;
    }
    uint8_t *d = put_varint(start, (int64_t)body);
    *d++ = 0; /* record attributes */
    d = put_varint(d, delta);
    d = put_varint(d, w->count);
    d = put_lenbytes(d, key, key_len);
    d = put_lenbytes(d, value, value_len);
    d = put_varint(d, (int64_t)header_count);
    for (size_t i = 0; i < header_count; i++) {
        d = put_lenbytes(d, headers[i].key, headers[i].key_len);
        d = put_lenbytes(d, headers[i].value, headers[i].value_len);
    }
    if ((size_t)(d - start) != total)
        return KAFKAC_ERR_UNKNOWN_CLIENT_ERROR; /* sizing and writing disagree: a bug */
    kc_w_advance(&w->buf, total);

    if (w->count == 0) {
        w->base_ts = timestamp;
        w->max_ts = timestamp;
    } else if (timestamp > w->max_ts) {
        w->max_ts = timestamp;
    }
    w->count++;
    return KAFKAC_OK;
}

size_t kc_rb_writer_size(const kc_rb_writer_t *w)
{
    if (w->state == ST_CLOSED)
        return w->out->len;
    return w->buf.len;
}

int32_t kc_rb_writer_count(const kc_rb_writer_t *w) { return w->count; }

size_t kc_rb_writer_footprint(const kc_rb_writer_t *w)
{
    return sizeof *w + w->buf.cap + w->zbuf.cap;
}

size_t kc_rb_writer_footprint_after(const kc_rb_writer_t *w, size_t record_size)
{
    return sizeof *w + kc_w_cap_after(&w->buf, record_size) + w->zbuf.cap;
}

static void patch_crc(uint8_t *batch, size_t len)
{
    kc_be32(batch + OFF_CRC, kc_crc32c(0, batch + OFF_ATTRIBUTES, len - OFF_ATTRIBUTES));
}

kafkac_err_t kc_rb_writer_close(kc_rb_writer_t *w, const uint8_t **out, size_t *out_len)
{
    if (w->state == ST_CLOSED) {
        *out = w->out->buf;
        *out_len = w->out->len;
        return KAFKAC_OK;
    }
    if (w->state != ST_OPEN)
        return KAFKAC_ERR_STATE;
    if (w->buf.err)
        return w->buf.err;

    kc_writer_t *o = &w->buf;
    if (w->o.codec != KC_CODEC_NONE) {
        o = &w->zbuf;
        kc_writer_reset(o);
        kc_w_raw(o, w->buf.buf, KC_RB_HEADER_SIZE);
        if (o->err)
            return o->err;
        kafkac_err_t err = kc_compress(w->o.codec, w->o.compression_level, 0,
                                       w->buf.buf + KC_RB_HEADER_SIZE,
                                       w->buf.len - KC_RB_HEADER_SIZE, o);
        if (err)
            return err;
        if (o->err)
            return o->err;
    }
    if (o->len - KC_RB_LOG_OVERHEAD > INT32_MAX)
        return KAFKAC_ERR_MSG_SIZE_TOO_LARGE;

    int16_t attrs = (int16_t)(w->o.codec & KC_RB_ATTR_CODEC_MASK);
    if (w->o.timestamp_type == KC_TS_LOG_APPEND_TIME)
        attrs |= KC_RB_ATTR_LOG_APPEND_TIME;
    if (w->o.transactional)
        attrs |= KC_RB_ATTR_TRANSACTIONAL;
    if (w->o.control)
        attrs |= KC_RB_ATTR_CONTROL;
    int64_t max_ts = w->o.timestamp_type == KC_TS_LOG_APPEND_TIME ? w->o.log_append_time : w->max_ts;

    uint8_t *h = o->buf;
    kc_be64(h + OFF_BASE_OFFSET, (uint64_t)w->o.base_offset);
    kc_be32(h + OFF_BATCH_LENGTH, (uint32_t)(o->len - KC_RB_LOG_OVERHEAD));
    kc_be32(h + OFF_LEADER_EPOCH, (uint32_t)w->o.partition_leader_epoch);
    h[OFF_MAGIC] = 2;
    kc_be16(h + OFF_ATTRIBUTES, (uint16_t)attrs);
    /* An empty batch gets -1, so that last offset + 1 is its base offset. */
    kc_be32(h + OFF_LAST_OFFSET_DELTA, (uint32_t)(w->count - 1));
    kc_be64(h + OFF_BASE_TIMESTAMP, (uint64_t)w->base_ts);
    kc_be64(h + OFF_MAX_TIMESTAMP, (uint64_t)max_ts);
    kc_be64(h + OFF_PRODUCER_ID, (uint64_t)w->o.producer_id);
    kc_be16(h + OFF_PRODUCER_EPOCH, (uint16_t)w->o.producer_epoch);
    kc_be32(h + OFF_BASE_SEQUENCE, (uint32_t)w->o.base_sequence);
    kc_be32(h + OFF_RECORDS_COUNT, (uint32_t)w->count);
    patch_crc(h, o->len); /* last: it covers everything patched above */

    w->out = o;
    w->state = ST_CLOSED;
    *out = o->buf;
    *out_len = o->len;
    return KAFKAC_OK;
}

kafkac_err_t kc_rb_writer_detach(kc_rb_writer_t *w, uint8_t **out, size_t *out_len)
{
    if (w->state != ST_CLOSED)
        return KAFKAC_ERR_STATE;
    *out = kc_writer_detach(w->out, out_len);
    w->out = NULL;
    w->state = ST_DETACHED;
    return KAFKAC_OK;
}

kafkac_err_t kc_rb_set_producer_state(uint8_t *batch, size_t len, int64_t producer_id,
                                      int16_t producer_epoch, int32_t base_sequence)
{
    if (!batch || len < KC_RB_HEADER_SIZE || batch[OFF_MAGIC] != 2)
        return KAFKAC_ERR_INVALID_ARG;
    kc_be64(batch + OFF_PRODUCER_ID, (uint64_t)producer_id);
    kc_be16(batch + OFF_PRODUCER_EPOCH, (uint16_t)producer_epoch);
    kc_be32(batch + OFF_BASE_SEQUENCE, (uint32_t)base_sequence);
    patch_crc(batch, len);
    return KAFKAC_OK;
}

/* ------------------------------------------------------------------ */
/* Reader */

kafkac_err_t kc_rb_open(const uint8_t *buf, size_t len, int check_crc, size_t max_decompressed,
                        kc_writer_t *scratch, kc_batch_t *b, const char **err_field)
{
    if (len < KC_RB_HEADER_SIZE) {
        /* buf is exactly the batch, so its length field is what is short. */
        *err_field = "batch_length";
        return KAFKAC_ERR_MALFORMED;
    }
    kc_reader_t r;
    kc_reader_init(&r, buf, len);
    b->base_offset = kc_r_i64(&r, "base_offset");
    b->batch_length = kc_r_i32(&r, "batch_length");
    b->partition_leader_epoch = kc_r_i32(&r, "partition_leader_epoch");
    b->magic = kc_r_i8(&r, "magic");
    b->crc = kc_r_u32(&r, "crc");
    b->attributes = kc_r_i16(&r, "attributes");
    b->last_offset_delta = kc_r_i32(&r, "last_offset_delta");
    b->base_timestamp = kc_r_i64(&r, "base_timestamp");
    b->max_timestamp = kc_r_i64(&r, "max_timestamp");
    b->producer_id = kc_r_i64(&r, "producer_id");
    b->producer_epoch = kc_r_i16(&r, "producer_epoch");
    b->base_sequence = kc_r_i32(&r, "base_sequence");
    b->record_count = kc_r_i32(&r, "records_count");
    if (!kc_r_ok(&r)) {
        *err_field = r.err_field;
        return r.err;
    }
    if (b->magic != 2) {
        *err_field = "magic";
        return KAFKAC_ERR_MALFORMED;
    }
    if (b->batch_length < KC_RB_HEADER_SIZE - KC_RB_LOG_OVERHEAD ||
        (size_t)b->batch_length != len - KC_RB_LOG_OVERHEAD) {
        *err_field = "batch_length";
        return KAFKAC_ERR_MALFORMED;
    }
    if (check_crc && kc_crc32c(0, buf + OFF_ATTRIBUTES, len - OFF_ATTRIBUTES) != b->crc) {
        *err_field = "crc";
        return KAFKAC_ERR_BAD_CRC;
    }
    if (b->record_count < 0) {
        *err_field = "records_count";
        return KAFKAC_ERR_MALFORMED;
    }
    /* Every offset in the batch, and the one after its last, must be a
     * log offset (0 .. INT64_MAX): the consumer's position is last + 1.
     * An empty batch's last_offset_delta is -1, as the writer above writes it. */
    if (b->last_offset_delta < -1) {
        *err_field = "last_offset_delta";
        return KAFKAC_ERR_MALFORMED;
    }
    if (b->base_offset < 0 || b->base_offset > INT64_MAX - 1 - b->last_offset_delta) {
        *err_field = "base_offset";
        return KAFKAC_ERR_MALFORMED;
    }
    b->codec = b->attributes & KC_RB_ATTR_CODEC_MASK;
    b->timestamp_type = (b->attributes & KC_RB_ATTR_LOG_APPEND_TIME) ? KC_TS_LOG_APPEND_TIME
                                                                      : KC_TS_CREATE_TIME;
    b->is_transactional = (b->attributes & KC_RB_ATTR_TRANSACTIONAL) != 0;
    b->is_control = (b->attributes & KC_RB_ATTR_CONTROL) != 0;
    b->control_type = -1;
    b->records = buf + KC_RB_HEADER_SIZE;
    b->records_len = len - KC_RB_HEADER_SIZE;

    if (b->codec != KC_CODEC_NONE) {
        if (b->codec > KC_CODEC_ZSTD) {
            *err_field = "attributes";
            return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
        }
        kc_writer_reset(scratch);
        kafkac_err_t err = kc_decompress((kc_codec_t)b->codec, 0, b->records, b->records_len,
                                         max_decompressed, scratch);
        if (!err && scratch->err)
            err = scratch->err;
        if (err) {
            *err_field = "records";
            return err;
        }
        b->records = scratch->buf;
        b->records_len = scratch->len;
    }
    if ((uint64_t)b->record_count * MIN_RECORD_SIZE > b->records_len) {
        *err_field = "records_count";
        return KAFKAC_ERR_MALFORMED;
    }
    return KAFKAC_OK;
}

/* Varint reads with a fast path for the common one-byte case; the slow
 * path is buf.h's, which bounds length and width. */
static inline int32_t rd_varint(kc_reader_t *r, const char *field)
{
    if (r->err == 0 && r->pos < r->len && r->buf[r->pos] < 0x80) {
        uint32_t u = r->buf[r->pos++];
        return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
    }
    return kc_r_varint(r, field);
}

static inline int64_t rd_varlong(kc_reader_t *r, const char *field)
{
    if (r->err == 0 && r->pos < r->len && r->buf[r->pos] < 0x80) {
        uint64_t u = r->buf[r->pos++];
        return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
    }
    return kc_r_varlong(r, field);
}

/* varint length (-1 = null) then the bytes; *p NULL for null. */
static inline void rd_lenbytes(kc_reader_t *r, const uint8_t **p, int32_t *len, int nullable,
                               const char *len_field, const char *field)
{
    int32_t n = rd_varint(r, len_field);
    *p = NULL;
    *len = -1;
    if (n < (nullable ? -1 : 0)) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, len_field);
        return;
    }
    if (n >= 0) {
        *p = kc_r_raw(r, (size_t)n, field);
        if (*p)
            *len = n;
    }
}

kafkac_err_t kc_rb_read_record(kc_reader_t *r, const kc_batch_t *b, kc_record_t *rec)
{
    int32_t len = rd_varint(r, "record_length");
    if (r->err)
        return r->err;
    if (len < 0) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, "record_length");
        return r->err;
    }
    kc_reader_t s = kc_r_sub(r, (size_t)len, "record");
    (void)kc_r_i8(&s, "record_attributes");
    int64_t delta = rd_varlong(&s, "timestamp_delta");
    int32_t offset_delta = rd_varint(&s, "offset_delta");
    rd_lenbytes(&s, &rec->key, &rec->key_len, 1, "key_length", "key");
    rd_lenbytes(&s, &rec->value, &rec->value_len, 1, "value_length", "value");
    int32_t hc = rd_varint(&s, "header_count");
    /* A header takes at least two bytes (two empty lengths). */
    if (s.err == 0 && (hc < 0 || (size_t)hc > kc_r_remaining(&s) / 2))
        kc_r_fail(&s, KAFKAC_ERR_MALFORMED, "header_count");
    size_t hstart = s.pos;
    for (int32_t i = 0; i < hc && s.err == 0; i++) {
        const uint8_t *p;
        int32_t n;
        rd_lenbytes(&s, &p, &n, 0, "header_key_length", "header_key");
        rd_lenbytes(&s, &p, &n, 1, "header_value_length", "header_value");
    }
    rec->headers = s.buf ? s.buf + hstart : NULL;
    rec->headers_len = s.pos - hstart;
    rec->header_count = hc;
    kc_r_expect_end(&s, "record_length");
    /* Within the batch's range, which kc_rb_open checked; a compacted
     * batch has gaps but no record past its last offset. */
    if (s.err == 0 && (offset_delta < 0 || offset_delta > b->last_offset_delta))
        kc_r_fail(&s, KAFKAC_ERR_MALFORMED, "offset_delta");
    if (s.err) {
        kc_r_fail(r, s.err, s.err_field);
        return r->err;
    }
    rec->offset = b->base_offset + offset_delta;
    rec->timestamp_type = b->timestamp_type;
    rec->timestamp = b->timestamp_type == KC_TS_LOG_APPEND_TIME
                         ? b->max_timestamp
                         : (int64_t)((uint64_t)b->base_timestamp + (uint64_t)delta);
    rec->is_control = b->is_control;
    rec->control_type = -1;
    if (b->is_control && rec->key_len >= 4)
        rec->control_type = (int16_t)((rec->key[2] << 8) | rec->key[3]);
    return KAFKAC_OK;
}

int kc_record_header_next(const kc_record_t *rec, size_t *pos, const char **key, int32_t *key_len,
                          const uint8_t **value, int32_t *value_len)
{
    if (*pos >= rec->headers_len)
        return 0;
    kc_reader_t r;
    kc_reader_init(&r, rec->headers, rec->headers_len);
    r.pos = *pos;
    const uint8_t *k;
    rd_lenbytes(&r, &k, key_len, 0, "header_key_length", "header_key");
    rd_lenbytes(&r, value, value_len, 1, "header_value_length", "header_value");
    if (r.err)
        return 0; /* cannot happen for a record kc_rb_read_record accepted */
    *key = (const char *)k;
    *pos = r.pos;
    return 1;
}

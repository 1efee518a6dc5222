/* Legacy message sets v0/v1: layout in message_set.h. */
#include "protocol/message_set.h"
#include "protocol/crc32c.h"
#include "common/mem.h"

#define OFF_CRC 12
#define OFF_MAGIC 16

kafkac_err_t kc_ms_read_message(kc_reader_t *r, int check_crc, kc_ms_message_t *m)
{
    m->offset = kc_r_i64(r, "offset");
    m->size = kc_r_i32(r, "message_size");
    if (r->err)
        return r->err;
    if (m->size < KC_MS_MIN_SIZE_V0) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, "message_size");
        return r->err;
    }
    kc_reader_t s = kc_r_sub(r, (size_t)m->size, "message");
    m->crc = kc_r_u32(&s, "crc");
    m->magic = kc_r_i8(&s, "magic");
    m->attributes = kc_r_i8(&s, "attributes");
    if (s.err == 0 && m->magic != 0 && m->magic != 1)
        kc_r_fail(&s, KAFKAC_ERR_MALFORMED, "magic");
    m->timestamp = m->magic == 1 ? kc_r_i64(&s, "timestamp") : KC_NO_TIMESTAMP;
    kc_r_bytes(&s, 0, &m->key, &m->key_len, "key");
    kc_r_bytes(&s, 0, &m->value, &m->value_len, "value");
    kc_r_expect_end(&s, "message_size");
    if (s.err == 0 && check_crc && kc_crc32(0, s.buf + 4, s.len - 4) != m->crc)
        kc_r_fail(&s, KAFKAC_ERR_BAD_CRC, "crc");
    if (s.err)
        kc_r_fail(r, s.err, s.err_field);
    return r->err;
}

/* One message with placeholders for size and CRC, patched at the end. */
static void write_message(kc_writer_t *w, int magic, int64_t offset, int8_t attributes,
                          int64_t timestamp, const void *key, int32_t key_len, const void *value,
                          int32_t value_len)
{
    size_t start = w->len;
    kc_w_i64(w, offset);
    size_t size_at = kc_w_reserve(w, 4);
    (void)kc_w_reserve(w, 4); /* crc */
    kc_w_i8(w, (int8_t)magic);
    kc_w_i8(w, attributes);
    if (magic == 1)
        kc_w_i64(w, timestamp);
    kc_w_bytes(w, 0, key, key_len);
    kc_w_bytes(w, 0, value, value_len);
    if (w->err)
        return;
    kc_w_patch_i32(w, size_at, (int32_t)(w->len - start - KC_MS_LOG_OVERHEAD));
    kc_w_patch_u32(w, start + OFF_CRC,
                   kc_crc32(0, w->buf + start + OFF_MAGIC, w->len - start - OFF_MAGIC));
}

static int records_valid(const kc_ms_record_t *recs, size_t n)
{
    if (n && !recs)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const kc_ms_record_t *x = &recs[i];
        if (x->key_len < -1 || x->value_len < -1 || (x->key_len > 0 && !x->key) ||
            (x->value_len > 0 && !x->value))
            return 0;
    }
    return 1;
}

kafkac_err_t kc_ms_write(kc_writer_t *out, int magic, kc_codec_t codec, int compression_level,
                         int timestamp_type, int64_t base_offset, const kc_ms_record_t *recs,
                         size_t n)
{
    if ((magic != 0 && magic != 1) || !records_valid(recs, n))
        return KAFKAC_ERR_INVALID_ARG;
    if (codec < KC_CODEC_NONE || codec > KC_CODEC_LZ4)
        return KAFKAC_ERR_UNSUPPORTED_COMPRESSION; /* zstd needs magic 2 */
    int8_t ts_bit = (magic == 1 && timestamp_type == KC_TS_LOG_APPEND_TIME) ? KC_RB_ATTR_LOG_APPEND_TIME : 0;

    if (codec == KC_CODEC_NONE) {
        for (size_t i = 0; i < n; i++)
            write_message(out, magic, base_offset + (int64_t)i, ts_bit, recs[i].timestamp,
                          recs[i].key, recs[i].key_len, recs[i].value, recs[i].value_len);
        return out->err;
    }
    if (n == 0)
        return KAFKAC_ERR_INVALID_ARG; /* a wrapper must hold at least one message */

    kc_writer_t inner, packed;
    kc_writer_init(&inner, 0);
    kc_writer_init(&packed, 0);
    int64_t max_ts = KC_NO_TIMESTAMP;
    for (size_t i = 0; i < n; i++) {
        int64_t off = magic == 1 ? (int64_t)i : base_offset + (int64_t)i;
        write_message(&inner, magic, off, 0, recs[i].timestamp, recs[i].key, recs[i].key_len,
                      recs[i].value, recs[i].value_len);
        if (i == 0 || recs[i].timestamp > max_ts)
            max_ts = recs[i].timestamp;
    }
    kafkac_err_t err = inner.err;
    if (!err)
        err = kc_compress(codec, compression_level, magic == 0, inner.buf, inner.len, &packed);
    if (!err && packed.err)
        err = packed.err;
    if (!err && packed.len > INT32_MAX)
        err = KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
    if (!err) {
        write_message(out, magic, base_offset + (int64_t)n - 1, (int8_t)(codec | ts_bit), max_ts,
                      NULL, -1, packed.buf ? packed.buf : (const uint8_t *)"", (int32_t)packed.len);
        err = out->err;
    }
    kc_writer_free(&inner);
    kc_writer_free(&packed);
    return err;
}

kafkac_err_t kc_ms_open(const uint8_t *buf, size_t len, int check_crc, size_t max_decompressed,
                        kc_writer_t *scratch, kc_batch_t *b, int64_t *offset_fix,
                        const char **err_field)
{
    kc_reader_t r;
    kc_reader_init(&r, buf, len);
    kc_ms_message_t m;
    if (kc_ms_read_message(&r, check_crc, &m) == 0)
        kc_r_expect_end(&r, "message_size");
    if (r.err) {
        *err_field = r.err_field;
        return r.err;
    }
    /* The offset after this message must be a log offset too. */
    if (m.offset < 0 || m.offset == INT64_MAX) {
        *err_field = "offset";
        return KAFKAC_ERR_MALFORMED;
    }
    memset(b, 0, sizeof *b);
    b->base_offset = m.offset;
    b->batch_length = m.size;
    b->partition_leader_epoch = -1;
    b->magic = m.magic;
    b->crc = m.crc;
    b->attributes = m.attributes;
    b->base_timestamp = m.timestamp;
    b->max_timestamp = m.timestamp;
    b->producer_id = KC_NO_PRODUCER_ID;
    b->producer_epoch = -1;
    b->base_sequence = -1;
    b->record_count = 1;
    b->codec = m.attributes & KC_RB_ATTR_CODEC_MASK;
    b->timestamp_type = m.magic == 0 ? KC_TS_NONE
                        : (m.attributes & KC_RB_ATTR_LOG_APPEND_TIME) ? KC_TS_LOG_APPEND_TIME
                                                                       : KC_TS_CREATE_TIME;
    b->control_type = -1;
    b->records = buf;
    b->records_len = len;
    *offset_fix = 0;
    if (b->codec == KC_CODEC_NONE)
        return KAFKAC_OK;

    if (b->codec > KC_CODEC_LZ4) {
        *err_field = "attributes";
        return KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
    }
    if (m.value_len < 0) {
        *err_field = "value";
        return KAFKAC_ERR_MALFORMED;
    }
    kc_writer_reset(scratch);
    kafkac_err_t err = kc_decompress((kc_codec_t)b->codec, m.magic == 0, m.value,
                                     (size_t)m.value_len, max_decompressed, scratch);
    if (!err && scratch->err)
        err = scratch->err;
    if (err) {
        *err_field = "value";
        return err;
    }
    /* Check every inner message once here, so that reading them later
     * cannot fail, and learn the count and the last inner offset that v1
     * offsets are relative to. */
    kc_reader_t in;
    kc_reader_init(&in, scratch->buf, scratch->len);
    int32_t count = 0;
    int64_t first = 0, last = 0;
    while (kc_r_remaining(&in) > 0) {
        kc_ms_message_t im;
        if (kc_ms_read_message(&in, check_crc, &im) != 0)
            break;
        if (im.attributes & KC_RB_ATTR_CODEC_MASK) {
            /* Kafka never nests wrappers; refusing bounds the work too. */
            kc_r_fail(&in, KAFKAC_ERR_MALFORMED, "inner_attributes");
            break;
        }
        if (count == INT32_MAX) {
            kc_r_fail(&in, KAFKAC_ERR_MALFORMED, "inner_count");
            break;
        }
        /* Kafka writes inner offsets in order (absolute in v0, from 0 in
         * v1); in order and within an int32 of each other, the records'
         * offsets stay inside the wrapper's range. */
        if (im.offset < 0 || im.offset == INT64_MAX ||
            (count > 0 && (im.offset <= last || im.offset - first > INT32_MAX))) {
            kc_r_fail(&in, KAFKAC_ERR_MALFORMED, "inner_offset");
            break;
        }
        if (count == 0)
            first = im.offset;
        last = im.offset;
        count++;
    }
    if (!in.err && count == 0)
        kc_r_fail(&in, KAFKAC_ERR_MALFORMED, "value");
    if (in.err) {
        *err_field = in.err_field;
        /* A truncated inner set is corruption, not "more to come". */
        return in.err == KAFKAC_ERR_TRUNCATED ? KAFKAC_ERR_MALFORMED : in.err;
    }
    /* v1: the wrapper's offset is the last inner message's.  (A wrapper
     * a producer wrote, offset 0 over inner 0..n-1, starts below 0, as it
     * does for Java's reader; a broker's never does.)  No overflow: both
     * are at least 0, and first <= last.  v0: the inner offsets are the
     * log's. */
    if (m.magic == 1)
        *offset_fix = m.offset - last;
    b->base_offset = first + *offset_fix;
    b->last_offset_delta = (int32_t)(last - first);
    b->record_count = count;
    b->records = scratch->buf;
    b->records_len = scratch->len;
    return KAFKAC_OK;
}

kafkac_err_t kc_ms_read_record(kc_reader_t *r, const kc_batch_t *b, int64_t offset_fix,
                               kc_record_t *rec)
{
    kc_ms_message_t m;
    /* CRCs were checked by kc_ms_open for inner messages, and for a plain
     * message the record is the message kc_ms_open already checked. */
    if (kc_ms_read_message(r, 0, &m) != 0)
        return r->err;
    rec->offset = m.offset + offset_fix;   /* in range: kc_ms_open checked every inner offset */
    rec->timestamp_type = b->timestamp_type;
    rec->timestamp = b->timestamp_type == KC_TS_LOG_APPEND_TIME ? b->max_timestamp : m.timestamp;
    rec->key = m.key;
    rec->key_len = m.key_len;
    rec->value = m.value;
    rec->value_len = m.value_len;
    rec->header_count = 0;
    rec->headers = NULL;
    rec->headers_len = 0;
    rec->is_control = 0;
    rec->control_type = -1;
    return KAFKAC_OK;
}

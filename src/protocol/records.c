/* The all-magic records iterator (see records.h).
 *
 * Every batch format starts the same way, which is how one reader walks
 * them all:  int64 base offset / offset, int32 length of the rest, then
 * 4 bytes (v2: partition leader epoch; v0/v1: CRC), then the magic byte
 * at offset 16. */
#include "protocol/records.h"
#include "protocol/message_set.h"
#include "common/mem.h"

#define MAGIC_OFFSET 16
/* A length smaller than this cannot even reach the magic byte. */
#define MIN_LENGTH_TO_MAGIC 5

struct kc_records_iter {
    kc_records_opts_t o;
    const uint8_t *buf;     /* borrowed blob */
    size_t len;
    size_t pos;             /* start of the next batch */
    kc_writer_t scratch;    /* owned: one decompressed batch at a time */
    kc_aborted_txns_t *aborted; /* borrowed, may be NULL */
    kc_batch_t batch;
    int in_batch;
    int32_t idx;            /* records read from the current batch */
    kc_reader_t rr;         /* over batch.records */
    int64_t offset_fix;     /* v1 wrappers: added to inner offsets */
    int64_t next_offset;
    size_t trailing;
    kafkac_err_t err;
    const char *err_field;
    int64_t err_offset;
};

void kc_records_opts_init(kc_records_opts_t *o)
{
    o->check_crc = 1;
    o->max_decompressed = (size_t)64 << 20;
}

kafkac_err_t kc_records_iter_new(kc_records_iter_t **out, const kc_records_opts_t *opts)
{
    kc_records_iter_t *it = kc_calloc(1, sizeof *it);
    *out = NULL;
    if (!it)
        return KAFKAC_ERR_NO_MEMORY;
    if (opts)
        it->o = *opts;
    else
        kc_records_opts_init(&it->o);
    kc_writer_init(&it->scratch, 0);
    kc_records_iter_reset(it, NULL, 0);
    *out = it;
    return KAFKAC_OK;
}

void kc_records_iter_destroy(kc_records_iter_t *it)
{
    if (!it)
        return;
    kc_writer_free(&it->scratch);
    kc_free(it);
}

void kc_records_iter_reset(kc_records_iter_t *it, const void *buf, size_t len)
{
    it->buf = buf;
    it->len = buf ? len : 0;
    it->pos = 0;
    it->in_batch = 0;
    it->idx = 0;
    it->next_offset = -1;
    it->trailing = 0;
    it->err = KAFKAC_OK;
    it->err_field = NULL;
    it->err_offset = -1;
}

void kc_records_iter_set_aborted(kc_records_iter_t *it, kc_aborted_txns_t *t) { it->aborted = t; }

static kafkac_err_t fail(kc_records_iter_t *it, kafkac_err_t err, const char *field, int64_t offset)
{
    it->err = err;
    it->err_field = field;
    it->err_offset = offset;
    it->in_batch = 0;
    return err;
}

static int64_t be64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

/* A control batch's marker type is in its first record's key; the
 * aborted-transaction rule needs it before any record is read. */
static void peek_control_type(kc_records_iter_t *it)
{
    kc_reader_t r = it->rr;
    kc_record_t rec;
    if (it->batch.record_count > 0 && kc_rb_read_record(&r, &it->batch, &rec) == 0)
        it->batch.control_type = rec.control_type;
}

kafkac_err_t kc_records_next_batch(kc_records_iter_t *it, const kc_batch_t **b)
{
    if (it->err)
        return it->err;
    it->in_batch = 0;
    for (;;) {
        size_t rem = it->len - it->pos;
        if (rem <= MAGIC_OFFSET) {
            it->trailing = rem;
            return KAFKAC_ERR_PARTIAL;
        }
        const uint8_t *p = it->buf + it->pos;
        int64_t base_offset = be64_at(p);
        int32_t length = (int32_t)(((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) |
                                   ((uint32_t)p[10] << 8) | p[11]);
        if (length < MIN_LENGTH_TO_MAGIC)
            return fail(it, KAFKAC_ERR_MALFORMED, "batch_length", base_offset);
        size_t total = KC_RB_LOG_OVERHEAD + (size_t)length;
        if (total > rem) {
            /* Cut short by the fetch size limit: the end, not an error. */
            it->trailing = rem;
            return KAFKAC_ERR_PARTIAL;
        }
        int8_t magic = (int8_t)p[MAGIC_OFFSET];
        const char *field = NULL;
        kafkac_err_t err;
        it->offset_fix = 0;
        if (magic == 2)
            err = kc_rb_open(p, total, it->o.check_crc, it->o.max_decompressed, &it->scratch,
                             &it->batch, &field);
        else if (magic == 0 || magic == 1)
            err = kc_ms_open(p, total, it->o.check_crc, it->o.max_decompressed, &it->scratch,
                             &it->batch, &it->offset_fix, &field);
        else {
            err = KAFKAC_ERR_MALFORMED;
            field = "magic";
        }
        if (err)
            return fail(it, err, field, base_offset);
        it->pos += total;
        kc_reader_init(&it->rr, it->batch.records, it->batch.records_len);
        it->idx = 0;
        if (it->batch.is_control)
            peek_control_type(it);
        it->next_offset = (int64_t)((uint64_t)kc_batch_last_offset(&it->batch) + 1);
        if (it->aborted && kc_aborted_txns_skip_batch(it->aborted, &it->batch))
            continue;
        it->in_batch = 1;
        if (b)
            *b = &it->batch;
        return KAFKAC_OK;
    }
}

kafkac_err_t kc_records_next(kc_records_iter_t *it, kc_record_t *rec, const kc_batch_t **b)
{
    if (it->err)
        return it->err;
    for (;;) {
        if (it->in_batch && it->idx < it->batch.record_count) {
            kafkac_err_t err = it->batch.magic == 2
                                   ? kc_rb_read_record(&it->rr, &it->batch, rec)
                                   : kc_ms_read_record(&it->rr, &it->batch, it->offset_fix, rec);
            if (err) {
                /* The batch was whole, so running out of bytes inside it
                 * means its count or lengths lie. */
                if (err == KAFKAC_ERR_TRUNCATED)
                    err = KAFKAC_ERR_MALFORMED;
                return fail(it, err, it->rr.err_field, it->batch.base_offset);
            }
            it->idx++;
            if (b)
                *b = &it->batch;
            return KAFKAC_OK;
        }
        if (it->in_batch && kc_r_remaining(&it->rr) != 0)
            return fail(it, KAFKAC_ERR_MALFORMED, "records_count", it->batch.base_offset);
        kafkac_err_t err = kc_records_next_batch(it, NULL);
        if (err)
            return err;
    }
}

int64_t kc_records_iter_next_offset(const kc_records_iter_t *it) { return it->next_offset; }

size_t kc_records_iter_trailing(const kc_records_iter_t *it) { return it->trailing; }

kafkac_err_t kc_records_iter_error(const kc_records_iter_t *it, const char **field,
                                   int64_t *base_offset)
{
    if (field)
        *field = it->err_field;
    if (base_offset)
        *base_offset = it->err_offset;
    return it->err;
}

uint8_t *kc_records_iter_detach_scratch(kc_records_iter_t *it, size_t *cap)
{
    const uint8_t *r = it->batch.records;
    kc_writer_t *w = &it->scratch;
    if (!it->in_batch || !w->buf || r < w->buf || r >= w->buf + w->len)
        return NULL;
    if (cap)
        *cap = w->cap;
    size_t len;
    return kc_writer_detach(w, &len);
}

void kc_records_iter_give_scratch(kc_records_iter_t *it, uint8_t *buf, size_t cap)
{
    kc_writer_free(&it->scratch);
    kc_writer_init(&it->scratch, 0);
    it->scratch.buf = buf;
    it->scratch.cap = buf ? cap : 0;
}

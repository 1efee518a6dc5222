/* Produce v2 bodies for brokers before 0.11: see legacy_produce.h. */
#include "producer/legacy_produce.h"

#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "protocol/compress.h"
#include "protocol/message_set.h"
#include "protocol/record_batch.h"

/* Produce v3 (Kafka 0.11) is the first to carry v2 record batches. */
#define FIRST_V2_PRODUCE 3

typedef struct slot {
    kc_bytes_t orig;      /* the v2 batch the sender put there */
    kc_writer_t conv;     /* its magic-1 form, once made */
    int converted;
} slot_t;

struct kc_legacy_produce {
    int n;
    slot_t s[];
};

int kc_legacy_batch_to_v1(const uint8_t *batch, size_t len, int compression_level, kc_writer_t *out, char *why,
                          size_t whylen)
{
    kc_writer_t scratch;
    kc_writer_init(&scratch, 0);
    kc_batch_t b;
    const char *field = NULL;
    kc_ms_record_t *recs = NULL;
    int err = kc_rb_open(batch, len, 0, (size_t)INT32_MAX, &scratch, &b, &field);
    if (err) {
        snprintf(why, whylen, "cannot read our own record batch (%s at %s)", kafkac_err_name(err),
                 field ? field : "?");
        goto out;
    }
    if (b.codec == KC_CODEC_ZSTD) {
        err = KAFKAC_ERR_UNSUPPORTED_COMPRESSION;
        snprintf(why, whylen, "zstd needs Produce v7 (Kafka 2.1); this broker has message format v1");
        goto out;
    }
    if (b.record_count <= 0) {
        err = KAFKAC_ERR_INVALID_ARG;
        snprintf(why, whylen, "empty record batch");
        goto out;
    }
    recs = kc_calloc((size_t)b.record_count, sizeof(*recs));
    if (!recs) {
        err = KAFKAC_ERR_NO_MEMORY;
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    kc_reader_t r;
    kc_reader_init(&r, b.records, b.records_len);
    for (int32_t i = 0; i < b.record_count; i++) {
        kc_record_t rec;
        err = kc_rb_read_record(&r, &b, &rec);
        if (err) {
            snprintf(why, whylen, "cannot read record %d of our own batch (%s)", (int)i, kafkac_err_name(err));
            goto out;
        }
        if (rec.header_count > 0) {
            err = KAFKAC_ERR_UNSUPPORTED_FEATURE;
            snprintf(why, whylen, "record headers need Produce v3 (Kafka 0.11); this broker has message format v1");
            goto out;
        }
        recs[i] = (kc_ms_record_t){ rec.timestamp, rec.key, rec.key_len, rec.value, rec.value_len };
    }
    /* The broker assigns the offsets; relative ones from 0 as Java sends. */
    err = kc_ms_write(out, 1, (kc_codec_t)b.codec, compression_level, KC_TS_CREATE_TIME, 0, recs,
                      (size_t)b.record_count);
    if (err)
        snprintf(why, whylen, "cannot write a v1 message set (%s)", kafkac_err_name(err));
out:
    kc_free(recs);
    kc_writer_free(&scratch);
    return err;
}

static int partitions_of(const kc_produce_request_t *msg)
{
    int n = 0;
    for (int t = 0; t < msg->topic_data_count; t++)
        n += msg->topic_data[t].partition_data_count;
    return n;
}

int kc_legacy_produce_build(kc_legacy_produce_t **state, kc_produce_request_t *msg, int16_t version,
                            int compression_level, const kc_logger_t *log)
{
    kc_legacy_produce_t *st = *state;
    if (version >= FIRST_V2_PRODUCE && !st)
        return 0;
    int n = partitions_of(msg);
    if (!st) {
        st = kc_calloc(1, sizeof(*st) + (size_t)n * sizeof(slot_t));
        if (!st)
            return KAFKAC_ERR_NO_MEMORY;
        st->n = n;
        int i = 0;
        for (int t = 0; t < msg->topic_data_count; t++)
            for (int k = 0; k < msg->topic_data[t].partition_data_count; k++) {
                st->s[i].orig = msg->topic_data[t].partition_data[k].records;
                kc_writer_init(&st->s[i].conv, 0);
                i++;
            }
        *state = st;
    }
    if (n != st->n)
        return KAFKAC_ERR_INVALID_ARG;
    int i = 0;
    for (int t = 0; t < msg->topic_data_count; t++) {
        kc_produce_request_topic_produce_data_t *td = &msg->topic_data[t];
        for (int k = 0; k < td->partition_data_count; k++, i++) {
            slot_t *sl = &st->s[i];
            kc_produce_request_partition_produce_data_t *pd = &td->partition_data[k];
            if (version >= FIRST_V2_PRODUCE) {
                pd->records = sl->orig;
                continue;
            }
            if (!sl->converted) {
                char why[200];
                int err = kc_legacy_batch_to_v1(sl->orig.data, (size_t)sl->orig.len, compression_level, &sl->conv,
                                                why, sizeof why);
                if (!err && sl->conv.len > INT32_MAX)
                    err = KAFKAC_ERR_MSG_SIZE_TOO_LARGE;
                if (err) {
                    kc_log(log, KAFKAC_LOG_ERR, "producer", "%s [%d]: cannot send at Produce v%d: %s", td->name,
                           pd->index, version, why);
                    return err;
                }
                sl->converted = 1;
            }
            pd->records.data = sl->conv.buf;
            pd->records.len = (int32_t)sl->conv.len;
        }
    }
    return 0;
}

void kc_legacy_produce_free(kc_legacy_produce_t *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++)
        kc_writer_free(&st->s[i].conv);
    kc_free(st);
}

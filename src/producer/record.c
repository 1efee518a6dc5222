/* kafkac_producer_record_t (include/kafkac/producer.h): what one send
 * carries besides the producer.  The setters only store pointers and
 * numbers, so an application reuses one handle for any number of sends
 * and pays no allocation per record; the only allocation is the header
 * array, which grows by doubling and is kept across _clear_headers. */
#include <string.h>

#include "common/mem.h"
#include "producer/producer_int.h"

kafkac_producer_record_t *kafkac_producer_record_new(const char *topic)
{
    kafkac_producer_record_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->topic = topic;
    r->partition = KAFKAC_PARTITION_ANY;
    r->key_len = -1;
    r->value_len = -1;
    r->timestamp = KAFKAC_TIMESTAMP_NONE;
    return r;
}

void kafkac_producer_record_destroy(kafkac_producer_record_t *r)
{
    if (!r)
        return;
    kc_free(r->headers);
    kc_free(r);
}

void kafkac_producer_record_set_topic(kafkac_producer_record_t *r, const char *topic)
{
    r->topic = topic;
}

void kafkac_producer_record_set_partition(kafkac_producer_record_t *r, int32_t partition)
{
    r->partition = partition;
}

void kafkac_producer_record_set_key(kafkac_producer_record_t *r, const void *key, int32_t key_len)
{
    r->key = key;
    r->key_len = key_len;
}

void kafkac_producer_record_set_value(kafkac_producer_record_t *r, const void *value, int32_t value_len)
{
    r->value = value;
    r->value_len = value_len;
}

void kafkac_producer_record_set_timestamp(kafkac_producer_record_t *r, int64_t timestamp)
{
    r->timestamp = timestamp;
}

void kafkac_producer_record_set_opaque(kafkac_producer_record_t *r, void *msg_opaque)
{
    r->opaque = msg_opaque;
}

kafkac_err_t kafkac_producer_record_add_header(kafkac_producer_record_t *r, const char *key, const void *value,
                                               int32_t value_len)
{
    if (!r || !key || value_len < -1 || (value_len > 0 && !value))
        return KAFKAC_ERR_INVALID_ARG;
    size_t key_len = strlen(key);
    if (key_len > INT32_MAX)
        return KAFKAC_ERR_INVALID_ARG;
    if (r->header_count == r->header_cap) {
        size_t cap = r->header_cap ? r->header_cap * 2 : 4;
        kc_rb_header_t *h = kc_realloc(r->headers, cap * sizeof(*h));
        if (!h)
            return KAFKAC_ERR_NO_MEMORY;
        r->headers = h;
        r->header_cap = cap;
    }
    kc_rb_header_t *h = &r->headers[r->header_count++];
    h->key = key;
    h->key_len = (int32_t)key_len;
    h->value = value_len >= 0 ? value : NULL;
    h->value_len = value_len;
    return KAFKAC_OK;
}

void kafkac_producer_record_clear_headers(kafkac_producer_record_t *r)
{
    r->header_count = 0;
}

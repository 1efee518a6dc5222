#include "common/tsend.h"

kafkac_err_t kc_test_send_to(kafkac_producer_t *p, const char *topic, int32_t partition, const void *key,
                             int32_t key_len, const void *value, int32_t value_len, kafkac_future_t **future)
{
    kafkac_producer_record_t *r = kafkac_producer_record_new(topic);
    if (!r) {
        if (future)
            *future = NULL;
        return KAFKAC_ERR_NO_MEMORY;
    }
    kafkac_producer_record_set_partition(r, partition);
    kafkac_producer_record_set_key(r, key, key_len);
    kafkac_producer_record_set_value(r, value, value_len);
    kafkac_err_t e = kafkac_producer_send_record(p, r, future);
    kafkac_producer_record_destroy(r);
    return e;
}

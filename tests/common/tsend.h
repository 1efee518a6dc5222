/* Sending to a chosen partition from tests, through the public record
 * handle (kafkac_producer_record_t): the one-line kafkac_producer_send
 * always lets the partitioner choose, and many tests need partition 0. */
#ifndef KC_TSEND_H
#define KC_TSEND_H
#include <stdint.h>
#include "kafkac/producer.h"

/* kafkac_producer_send_record with topic, partition, key and value set
 * and everything else at its default.  Returns what the send returned,
 * or KAFKAC_ERR_NO_MEMORY if the handle could not be made (then *future,
 * when future is not NULL, is NULL). */
kafkac_err_t kc_test_send_to(kafkac_producer_t *p, const char *topic, int32_t partition, const void *key,
                             int32_t key_len, const void *value, int32_t value_len, kafkac_future_t **future);
#endif

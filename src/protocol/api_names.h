/* The name of every request type Kafka defines, spoken by libkafkac or not. */
#ifndef KC_API_NAMES_H
#define KC_API_NAMES_H

#include <stdint.h>

/* Kafka's name for API key `key` ("Produce", "ShareFetch"...), or NULL for
 * a key no Kafka release we know of defines.  Static storage. */
const char *kc_api_key_name(int16_t key);
/* One past the highest key named. */
int kc_api_key_name_count(void);

#endif

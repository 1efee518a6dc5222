/* Naming a broker's Apache Kafka release from its ApiVersions answer. */
#ifndef KC_RELEASE_H
#define KC_RELEASE_H
#include <stdint.h>

/* max[k] is the broker's highest version of API key k, or -1 when it does
 * not offer k; n entries.  Returns a static string such as "3.9" or
 * "0.10.1": the newest release whose distinguishing API version the
 * broker has (so a broker newer than every release we know is named as
 * the newest we know). */
const char *kc_release_from_versions(const int16_t *max, int n);

#endif

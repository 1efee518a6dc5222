/* Request and response headers: the few bytes before every message body.
 *
 *   request header v0:  ApiKey int16, ApiVersion int16, CorrelationId int32
 *   request header v1:  v0 + ClientId (nullable string, int16 length --
 *                       never compact, even in flexible versions)
 *   request header v2:  v1 + tagged fields (uvarint count, ...)
 *   response header v0: CorrelationId int32
 *   response header v1: v0 + tagged fields
 *
 * Which header a message uses follows from its API and version: flexible
 * versions use request v2 / response v1, except that ApiVersions responses
 * always use response header v0 (a client must be able to read it whatever
 * version it asked for).  Everything else uses request v1 / response v0.
 * (Kafka's one other exception, ControlledShutdown v0 with request header
 * v0, is a broker's request; libkafkac defines no such message, so it
 * never sends one.)
 *
 * The 4-byte frame size that precedes the header is not written here. */
#ifndef KC_HEADER_H
#define KC_HEADER_H

#include <stdint.h>
#include "common/arena.h"
#include "common/buf.h"

typedef struct kc_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    const char *client_id;   /* NULL is null; borrowed when encoding */
} kc_req_header_t;

/* Header versions for an API key and version; `flexible` is whether that
 * version is flexible (kc_api_flexible). */
int kc_req_header_version(int16_t api_key, int16_t api_version, int flexible);
int kc_resp_header_version(int16_t api_key, int16_t api_version, int flexible);

/* Encoders return 0 or the writer's error; KAFKAC_ERR_INVALID_ARG for a
 * header version other than 0-2 (request) / 0-1 (response) or a client id
 * longer than 32767 bytes. */
int kc_req_header_encode(kc_writer_t *w, const kc_req_header_t *h, int hver);
int kc_resp_header_encode(kc_writer_t *w, int32_t correlation_id, int hver);

/* Decoders: unknown tagged fields are skipped; client_id is copied into
 * `arena` (NUL-terminated).  Return 0 or the reader's sticky error. */
int kc_req_header_decode(kc_reader_t *r, kc_req_header_t *h, int hver, kc_arena_t *arena);
int kc_resp_header_decode(kc_reader_t *r, int32_t *correlation_id, int hver);

#endif

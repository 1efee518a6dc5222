/* Request/response headers; layouts and version rules in header.h. */
#include <string.h>
#include "protocol/header.h"
#include "kafkac/error.h"
#include "kc_messages.h"

int kc_req_header_version(int16_t api_key, int16_t api_version, int flexible)
{
    /* No ControlledShutdown v0 exception: see header.h. */
    return flexible ? 2 : 1;
}

int kc_resp_header_version(int16_t api_key, int16_t api_version, int flexible)
{
    (void)api_version;
    if (api_key == KC_API_API_VERSIONS)
        return 0;
    return flexible ? 1 : 0;
}

int kc_req_header_encode(kc_writer_t *w, const kc_req_header_t *h, int hver)
{
    if (hver < 0 || hver > 2)
        return KAFKAC_ERR_INVALID_ARG;
    kc_w_i16(w, h->api_key);
    kc_w_i16(w, h->api_version);
    kc_w_i32(w, h->correlation_id);
    if (hver >= 1) {
        size_t len = h->client_id ? strlen(h->client_id) : 0;
        if (len > INT16_MAX)
            return KAFKAC_ERR_INVALID_ARG;
        kc_w_string(w, 0, h->client_id, h->client_id ? (int32_t)len : -1);
    }
    if (hver >= 2)
        kc_w_uvarint(w, 0);  /* no tagged fields */
    return w->err;
}

int kc_resp_header_encode(kc_writer_t *w, int32_t correlation_id, int hver)
{
    if (hver < 0 || hver > 1)
        return KAFKAC_ERR_INVALID_ARG;
    kc_w_i32(w, correlation_id);
    if (hver >= 1)
        kc_w_uvarint(w, 0);
    return w->err;
}

/* No header tag is defined yet; every one is skipped, bounded by its size. */
static void skip_tags(kc_reader_t *r)
{
    uint32_t n = kc_r_uvarint(r, "TaggedFields");
    for (uint32_t i = 0; i < n && !r->err; i++) {
        (void)kc_r_uvarint(r, "TaggedFields");
        uint32_t size = kc_r_uvarint(r, "TaggedFields");
        kc_r_skip(r, size, "TaggedFields");
    }
}

int kc_req_header_decode(kc_reader_t *r, kc_req_header_t *h, int hver, kc_arena_t *arena)
{
    if (hver < 0 || hver > 2) {
        kc_r_fail(r, KAFKAC_ERR_INVALID_ARG, "RequestHeader");
        return r->err;
    }
    h->api_key = kc_r_i16(r, "RequestApiKey");
    h->api_version = kc_r_i16(r, "RequestApiVersion");
    h->correlation_id = kc_r_i32(r, "CorrelationId");
    h->client_id = NULL;
    if (hver >= 1) {
        const char *s;
        int32_t len;
        if (kc_r_string(r, 0, &s, &len, "ClientId") == 0 && len >= 0) {
            h->client_id = kc_arena_strndup(arena, s, (size_t)len);
            if (!h->client_id)
                kc_r_fail(r, KAFKAC_ERR_NO_MEMORY, "ClientId");
        }
    }
    if (hver >= 2)
        skip_tags(r);
    return r->err;
}

int kc_resp_header_decode(kc_reader_t *r, int32_t *correlation_id, int hver)
{
    if (hver < 0 || hver > 1) {
        kc_r_fail(r, KAFKAC_ERR_INVALID_ARG, "ResponseHeader");
        return r->err;
    }
    *correlation_id = kc_r_i32(r, "CorrelationId");
    if (hver >= 1)
        skip_tags(r);
    return r->err;
}

/* See find_coordinator.h. */
#include "kafkac/error.h"
#include "protocol/find_coordinator.h"

void kc_find_coordinator_set_key(kc_find_coordinator_request_t *m, int16_t version, const char **keys)
{
    if (version >= 4) {
        m->coordinator_keys = keys;
        m->coordinator_keys_count = 1;
    } else {
        m->key = keys[0];
    }
}

int kc_find_coordinator_answer(const kc_find_coordinator_response_t *r, int16_t version, int32_t *node,
                               const char **msg)
{
    if (version < 4) {
        *node = r->node_id;
        if (msg)
            *msg = r->error_message;
        return r->error_code;
    }
    if (r->coordinators_count < 1)
        return KAFKAC_ERR_MALFORMED;
    *node = r->coordinators[0].node_id;
    if (msg)
        *msg = r->coordinators[0].error_message;
    return r->coordinators[0].error_code;
}

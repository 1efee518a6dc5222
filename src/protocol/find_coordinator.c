/* See find_coordinator.h. */
#include <stdio.h>
#include <string.h>
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/find_coordinator.h"

typedef struct find_ctx {
    kc_find_coordinator_cb cb;
    void *opaque;
    kc_find_coordinator_request_t msg;
    const char *keys[1];
    char key[];
} find_ctx_t;

/* Puts keys[0] where `version` carries it: a one-element CoordinatorKeys
 * from v4, Key before.  A kc_req_t.build callback. */
static int find_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    (void)net;
    (void)msg;
    find_ctx_t *x = opaque;
    if (version >= 4) {
        x->msg.coordinator_keys = x->keys;
        x->msg.coordinator_keys_count = 1;
    } else {
        x->msg.key = x->keys[0];
    }
    return 0;
}

/* The answer about the one key asked.  resp may be NULL (net.h: no memory
 * for the response). */
static int find_answer(const kc_resp_t *resp, int32_t *node, const char **msg)
{
    *node = -1;
    *msg = NULL;
    int err = kc_resp_err(resp);
    if (err) {
        *msg = resp ? resp->errstr : "out of memory for the response";
        return err;
    }
    const kc_find_coordinator_response_t *r = resp->msg;
    if (resp->version < 4) {
        *node = r->node_id;
        *msg = r->error_message;
        return r->error_code;
    }
    if (r->coordinators_count < 1) {
        *msg = "the answer lists no coordinator";
        return KAFKAC_ERR_MALFORMED;
    }
    *node = r->coordinators[0].node_id;
    *msg = r->coordinators[0].error_message;
    return r->coordinators[0].error_code;
}

static void find_done(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    find_ctx_t *x = opaque;
    int32_t node;
    const char *msg;
    int err = find_answer(resp, &node, &msg);
    x->cb(net, err, node, msg, x->opaque);
    kc_resp_free(resp);
    kc_free(x);
}

static find_ctx_t *find_ctx_new(int8_t key_type, const char *key)
{
    size_t kl = strlen(key);
    find_ctx_t *x = kc_calloc(1, sizeof(*x) + kl + 1);
    if (!x)
        return NULL;
    memcpy(x->key, key, kl + 1);
    x->keys[0] = x->key;
    kc_msg_init(&kc_schema_find_coordinator_request, &x->msg);
    x->msg.key_type = key_type;
    return x;
}

static kc_req_t find_req(find_ctx_t *x, int timeout_ms)
{
    /* KeyType (transactions) came in v1. */
    kc_req_t rq = {.node_id = KC_NODE_ANY, .api_key = kc_api_find_coordinator.key,
                   .min_version = x->msg.key_type != KC_COORD_GROUP ? 1 : 0, .max_version = -1,
                   .timeout_ms = timeout_ms, .msg = &x->msg, .build = find_build, .opaque = x};
    return rq;
}

int kc_find_coordinator_send(kc_net_t *net, int8_t key_type, const char *key, int timeout_ms,
                             kc_find_coordinator_cb cb, void *opaque)
{
    find_ctx_t *x = find_ctx_new(key_type, key);
    if (!x)
        return KAFKAC_ERR_NO_MEMORY;
    x->cb = cb;
    x->opaque = opaque;
    kc_req_t rq = find_req(x, timeout_ms);
    rq.cb = find_done;
    int rc = kc_net_send(net, &rq);
    if (rc != 0)
        kc_free(x);
    return rc;
}

int kc_find_coordinator_call(kc_net_t *net, int8_t key_type, const char *key, int timeout_ms, int32_t *node,
                             char *errstr, size_t errlen)
{
    find_ctx_t *x = find_ctx_new(key_type, key);
    if (!x) {
        snprintf(errstr, errlen, "FindCoordinator(%s): out of memory", key);
        return KAFKAC_ERR_NO_MEMORY;
    }
    kc_req_t rq = find_req(x, timeout_ms);
    kc_resp_t *resp = kc_net_call(net, &rq);
    const char *msg;
    int err = find_answer(resp, node, &msg);
    if (err && kc_resp_err(resp))   /* the request failed: its text says how */
        snprintf(errstr, errlen, "FindCoordinator(%s): %s", key, msg);
    else if (err)                   /* the broker's answer for the key */
        snprintf(errstr, errlen, "FindCoordinator(%s): %s: %s", key, kafkac_err_name(err),
                 msg ? msg : kafkac_err_str(err));
    kc_resp_free(resp);
    kc_free(x);
    return err;
}

/* A blocking request with the caller's deadline (consumer_int.h,
 * kc_consumer_call): the network client's kc_net_call_until, which waits
 * on the monotonic clock up to the call's own deadline and, when it
 * passes, leaves the request to the network client (its callback frees
 * what the request borrowed).  Kept as the consumer's name for it. */
#include "consumer/consumer_int.h"

kc_resp_t *kc_consumer_call(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                            void *ctx, int *gave_up)
{
    return kc_net_call_until(net, req, deadline_ms, free_ctx, ctx, gave_up);
}

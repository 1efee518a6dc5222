/* libFuzzer target for the generic codec.  Input: [api key int16 BE]
 * [version int16 BE][message body...].  The body is decoded as both the
 * response and the request of that API version (responses come from the
 * network; requests are decoded by tests and tools).  Whatever decodes is
 * re-encoded, decoded again and re-encoded again: the two encodings must
 * be identical (decode and encode agree on every field), and dumped as
 * JSON.  Never crashes, never leaks, never reads out of bounds.
 *
 * Seeds: tests/fuzz/corpus/fuzz_responses/, one per API, kind and version,
 * made from Kafka's golden vectors (tests/fuzz/make_corpus.py).
 *   make build/fuzz/fuzz_responses
 *   build/fuzz/fuzz_responses -max_total_time=60 tests/fuzz/corpus/fuzz_responses */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kc_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aligned scratch for any generated message struct. */
static _Alignas(16) uint8_t msg1[8192], msg2[8192];

static void one(const kc_schema_t *s, int16_t ver, int flex, const uint8_t *body, size_t len)
{
    if (s->size > sizeof msg1)
        abort();  /* a generated struct outgrew the scratch: fix the harness */
    kc_arena_t arena;
    kc_arena_init(&arena, 1024);
    kc_reader_t r;
    kc_reader_init(&r, body, len);
    char path[KC_PATH_MAX];
    if (kc_msg_decode_path(&r, s, msg1, ver, flex, &arena, path, sizeof path) == 0) {
        kc_writer_t w1, w2;
        kc_writer_init(&w1, 0);
        kc_writer_init(&w2, 0);
        if (kc_msg_encode(&w1, s, msg1, ver, flex, NULL) == 0) {
            kc_reader_t r2;
            kc_reader_init(&r2, w1.buf, w1.len);
            if (kc_msg_decode(&r2, s, msg2, ver, flex, &arena) != 0 || r2.pos != w1.len)
                abort();  /* our own encoding must decode, exactly */
            if (kc_msg_encode(&w2, s, msg2, ver, flex, NULL) != 0)
                abort();
            if (w1.len != w2.len || (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))
                abort();  /* encode(decode(x)) must be a fixed point */
        }
        kc_writer_reset(&w2);
        kc_msg_to_json(&w2, s, msg1, ver);
        kc_writer_free(&w1);
        kc_writer_free(&w2);
    }
    kc_arena_destroy(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int16_t key = (int16_t)((data[0] << 8) | data[1]);
    int16_t ver = (int16_t)((data[2] << 8) | data[3]);
    const kc_api_t *api = kc_api_get(key);
    if (!api)
        return 0;
    int flex = kc_api_flexible(api, ver);
    one(api->response, ver, flex, data + 4, size - 4);
    one(api->request, ver, flex, data + 4, size - 4);
    return 0;
}

/* Per-thread codec contexts (codec_cache.h).  One pthread key holds a
 * small array of contexts; its destructor frees them when the thread ends. */
#include "protocol/codec_cache.h"

#include <lz4frame.h>
#include <pthread.h>
#include <zstd.h>

#include "common/mem.h"

typedef struct ctx_set {
    void *ctx[KC_CTX_KINDS];
} ctx_set_t;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void free_set(void *p)
{
    ctx_set_t *s = p;
    if (!s)
        return;
    if (s->ctx[KC_CTX_LZ4_COMPRESS])
        LZ4F_freeCompressionContext(s->ctx[KC_CTX_LZ4_COMPRESS]);
    if (s->ctx[KC_CTX_LZ4_DECOMPRESS])
        LZ4F_freeDecompressionContext(s->ctx[KC_CTX_LZ4_DECOMPRESS]);
    ZSTD_freeCCtx(s->ctx[KC_CTX_ZSTD_COMPRESS]);
    ZSTD_freeDCtx(s->ctx[KC_CTX_ZSTD_DECOMPRESS]);
    kc_free(s);
}

static void make_key(void)
{
    key_ok = pthread_key_create(&key, free_set) == 0;
}

static void *create(kc_ctx_kind_t kind)
{
    switch (kind) {
    case KC_CTX_LZ4_COMPRESS: {
        LZ4F_cctx *c = NULL;
        return LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)) ? NULL : c;
    }
    case KC_CTX_LZ4_DECOMPRESS: {
        LZ4F_dctx *d = NULL;
        return LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)) ? NULL : d;
    }
    case KC_CTX_ZSTD_COMPRESS:
        return ZSTD_createCCtx();
    case KC_CTX_ZSTD_DECOMPRESS:
        return ZSTD_createDCtx();
    default:
        return NULL;
    }
}

void *kc_codec_ctx(kc_ctx_kind_t kind)
{
    pthread_once(&once, make_key);
    if (!key_ok || kind < 0 || kind >= KC_CTX_KINDS)
        return NULL;
    ctx_set_t *s = pthread_getspecific(key);
    if (!s) {
        s = kc_calloc(1, sizeof(*s));
        if (!s)
            return NULL;
        if (pthread_setspecific(key, s) != 0) {
            kc_free(s);
            return NULL;
        }
    }
    if (!s->ctx[kind])
        s->ctx[kind] = create(kind);
    return s->ctx[kind];
}

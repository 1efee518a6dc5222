/* Per-thread codec contexts, reused from one batch to the next.
 *
 * Creating an lz4 or zstd context per batch costs an allocation of tens to
 * hundreds of KiB, and fresh memory means page faults: on the consume path
 * that was most of the CPU spent on a compressed batch.  Each thread (the
 * I/O thread of a client, or an application thread) keeps one context of
 * each kind, freed when the thread exits.  The caller resets a context
 * before use, so an earlier error cannot leak into the next batch. */
#ifndef KC_CODEC_CACHE_H
#define KC_CODEC_CACHE_H

typedef enum kc_ctx_kind {
    KC_CTX_LZ4_COMPRESS,
    KC_CTX_LZ4_DECOMPRESS,
    KC_CTX_ZSTD_COMPRESS,
    KC_CTX_ZSTD_DECOMPRESS,
    KC_CTX_KINDS
} kc_ctx_kind_t;

/* This thread's context of that kind (LZ4F_cctx *, LZ4F_dctx *, ZSTD_CCtx *,
 * ZSTD_DCtx *), created on first use; NULL on out of memory. */
void *kc_codec_ctx(kc_ctx_kind_t kind);

#endif

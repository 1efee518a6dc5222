/* A bump allocator for everything one decoded message needs (arrays,
 * strings): many small allocations, one free.  Memory comes from chunks
 * that are never moved, so pointers stay valid until kc_arena_destroy or
 * kc_arena_reset. */
#ifndef KC_ARENA_H
#define KC_ARENA_H
#include <stddef.h>

typedef struct kc_arena_chunk kc_arena_chunk_t;
typedef struct kc_arena {
    kc_arena_chunk_t *head;   /* owned chunk list, newest first */
    size_t chunk_size;        /* default size of a new chunk */
} kc_arena_t;

void  kc_arena_init(kc_arena_t *a, size_t chunk_size);
void  kc_arena_destroy(kc_arena_t *a);          /* frees every chunk */
void  kc_arena_reset(kc_arena_t *a);            /* frees all but keeps one chunk for reuse */
/* Zeroed, 8-byte aligned; NULL on out of memory. */
void *kc_arena_alloc(kc_arena_t *a, size_t n);
/* Copies n bytes and appends a NUL. */
char *kc_arena_strndup(kc_arena_t *a, const char *s, size_t n);

#endif

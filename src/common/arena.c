#include "common/arena.h"
#include "common/mem.h"
#include <stdint.h>
#include <string.h>

struct kc_arena_chunk {
    kc_arena_chunk_t *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;
    _Alignas(8) unsigned char data[];
};

void kc_arena_init(kc_arena_t *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
}

void kc_arena_destroy(kc_arena_t *a)
{
    kc_arena_chunk_t *c = a->head;
    while (c) {
        kc_arena_chunk_t *n = c->next;
        kc_free(c);
        c = n;
    }
    a->head = NULL;
}

void kc_arena_reset(kc_arena_t *a)
{
    if (!a->head)
        return;
    kc_arena_chunk_t *keep = a->head;
    kc_arena_chunk_t *c = keep->next;
    while (c) {
        kc_arena_chunk_t *n = c->next;
        kc_free(c);
        c = n;
    }
    keep->next = NULL;
    keep->used = 0;
}

void *kc_arena_alloc(kc_arena_t *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        return NULL;
    kc_arena_chunk_t *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        if (size > SIZE_MAX - sizeof(*c))
            return NULL;
        c = kc_malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *kc_arena_strndup(kc_arena_t *a, const char *s, size_t n)
{
    char *d = kc_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

#include "common/mem.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* -1: never fail.  >= 0: allocations left before failures begin.
 * Atomic because the I/O thread (and resolver threads) allocate while a
 * test sets it from the main thread. */
static _Atomic long fail_after = -1;

static int should_fail(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    for (;;) {
        if (n < 0)
            return 0;
        if (n == 0)
            return 1;
        if (atomic_compare_exchange_weak_explicit(&fail_after, &n, n - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 0;
    }
}

void kc_mem_fail_after(long n) { atomic_store_explicit(&fail_after, n, memory_order_relaxed); }

void *kc_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *kc_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *kc_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void kc_free(void *p) { free(p); }

char *kc_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = kc_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *kc_strdup(const char *s)
{
    return s ? kc_strndup(s, strlen(s)) : NULL;
}

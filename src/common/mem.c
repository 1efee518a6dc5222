#include "common/mem.h"
#include "kafkac/error.h"
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

/* -1: never fail.  >= 0: allocations left before failures begin.
 * Atomic because the I/O thread (and resolver threads) allocate while a
 * test sets it from the main thread. */
static _Atomic long fail_after = -1;
/* kc_mem_fail_elsewhere: -1 off, else skip * RUN_MAX + run: allocations
 * (on other threads) to let through, then how many to fail.  One atomic
 * word, so that threads racing for it count each allocation once. */
#define RUN_MAX 65536L
static _Atomic long fail_other = -1;
static _Atomic long failures;
/* Set on the thread that armed fail_other: its allocations never count. */
static __thread int other_exempt;
/* Set by kc_mem_exempt_thread: never counts, armed or not. */
static __thread int helper_exempt;

/* fail_after: n > 0 lets one through, 0 fails (and stays 0). */
static int count_after(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    while (n > 0) {
        if (atomic_compare_exchange_weak_explicit(&fail_after, &n, n - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 0;
    }
    return n == 0;
}

static int count_other(void)
{
    long s = atomic_load_explicit(&fail_other, memory_order_relaxed);
    for (;;) {
        if (s < 0)
            return 0;
        long skip = s / RUN_MAX, run = s % RUN_MAX;
        long next = skip > 0 ? s - RUN_MAX : run > 1 ? s - 1 : -1;
        if (atomic_compare_exchange_weak_explicit(&fail_other, &s, next, memory_order_relaxed,
                                                  memory_order_relaxed))
            return skip == 0 && run > 0;
    }
}

static int should_fail(void)
{
    int f = count_after() || (!other_exempt && !helper_exempt && count_other());
    if (f)
        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
    return f;
}

void kc_mem_fail_after(long n)
{
    if (n < 0) {
        atomic_store_explicit(&fail_other, -1, memory_order_relaxed);
        other_exempt = 0;
    }
    atomic_store_explicit(&fail_after, n, memory_order_relaxed);
}

void kc_mem_fail_elsewhere(long n, long run)
{
    if (run < 1)
        run = 1;
    if (run >= RUN_MAX)
        run = RUN_MAX - 1;
    other_exempt = n >= 0;
    atomic_store_explicit(&fail_other, n >= 0 && n < LONG_MAX / RUN_MAX ? n * RUN_MAX + run : -1,
                          memory_order_relaxed);
}

void kc_mem_exempt_thread(int on)
{
    helper_exempt = on;
}

long kc_mem_failures(void) { return atomic_load_explicit(&failures, memory_order_relaxed); }

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

int kc_array_room(void *items, int *cap, int n, size_t elem_size, int first)
{
    if (n < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : first;
    if (*cap > INT_MAX / 2 || (size_t)ncap > SIZE_MAX / elem_size)
        return KAFKAC_ERR_NO_MEMORY;
    /* items points at a T *; pointers to objects share one representation
     * here, so it is read and written as bytes. */
    void *old;
    memcpy(&old, items, sizeof old);
    void *grown = kc_realloc(old, (size_t)ncap * elem_size);
    if (!grown)
        return KAFKAC_ERR_NO_MEMORY;
    memcpy(items, &grown, sizeof grown);
    *cap = ncap;
    return 0;
}

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

void kc_secure_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

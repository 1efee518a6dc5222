#include "common/mem.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* -1: never fail.  >= 0: allocations left before failures begin.
 * Atomic because the I/O thread (and resolver threads) allocate while a
 * test sets it from the main thread. */
static _Atomic long fail_after = -1;
/* kc_mem_fail_nth_elsewhere: -1 off, else allocations (on other threads)
 * to let through before the one that fails. */
static _Atomic long fail_nth = -1;
static _Atomic long failures;
/* Set on the thread that armed fail_nth: its allocations never count. */
static __thread int nth_exempt;

/* Takes one from *counter if it is above 0; returns 1 when it was 0. */
static int count_down(_Atomic long *counter, int once)
{
    long n = atomic_load_explicit(counter, memory_order_relaxed);
    for (;;) {
        if (n < 0)
            return 0;
        long next = n > 0 ? n - 1 : (once ? -1 : 0);
        if (n == 0 && !once)
            return 1;
        if (atomic_compare_exchange_weak_explicit(counter, &n, next, memory_order_relaxed, memory_order_relaxed))
            return n == 0;
    }
}

static int should_fail(void)
{
    int f = count_down(&fail_after, 0) || (!nth_exempt && count_down(&fail_nth, 1));
    if (f)
        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
    return f;
}

void kc_mem_fail_after(long n)
{
    if (n < 0) {
        atomic_store_explicit(&fail_nth, -1, memory_order_relaxed);
        nth_exempt = 0;
    }
    atomic_store_explicit(&fail_after, n, memory_order_relaxed);
}

void kc_mem_fail_nth_elsewhere(long n)
{
    nth_exempt = n >= 0;
    atomic_store_explicit(&fail_nth, n, memory_order_relaxed);
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

#include "common/mem.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* -1: never fail.  >= 0: allocations left before failures begin. */
static long fail_after = -1;

static int should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    return 0;
}

void kc_mem_fail_after(long n) { fail_after = n; }

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

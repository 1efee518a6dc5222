/* Allocation through one place, so that tests can make any allocation fail
 * (kc_mem_fail_after) and check that every path returns KAFKAC_ERR_NO_MEMORY
 * instead of crashing.  Never assert on allocation failure. */
#ifndef KC_MEM_H
#define KC_MEM_H
#include <stddef.h>

void *kc_malloc(size_t n);
void *kc_calloc(size_t count, size_t size);  /* checks count*size overflow */
void *kc_realloc(void *p, size_t n);
void  kc_free(void *p);
char *kc_strdup(const char *s);               /* NULL in -> NULL out */
char *kc_strndup(const char *s, size_t n);    /* always NUL-terminates */

/* Test hook: the next `n` allocations succeed, then every one fails until
 * kc_mem_fail_after(-1) restores normal behaviour.  Not thread-safe; for
 * single-threaded unit tests only. */
void kc_mem_fail_after(long n);

#endif

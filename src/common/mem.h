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
/* Room for element n of a growable array: `items` is the address of the
 * array pointer (any T **), *cap its slots.  When n == *cap the array is
 * reallocated to twice the slots (`first` the first time).  0, or
 * KAFKAC_ERR_NO_MEMORY (negative) with the array and *cap unchanged.  The
 * one growth rule for the library's arrays. */
int   kc_array_room(void *items, int *cap, int n, size_t elem_size, int first);
/* Overwrites n bytes in a way the compiler may not drop (secrets: the
 * configuration's passwords, SASL and SCRAM state).  NULL is a no-op. */
void  kc_secure_wipe(void *p, size_t n);

/* Test hooks (atomic: any thread may allocate while a test arms them).
 *
 * kc_mem_fail_after: on every thread, the next `n` allocations succeed,
 * then every one fails until kc_mem_fail_after(-1) restores normal
 * behaviour (which also disarms kc_mem_fail_elsewhere).
 *
 * kc_mem_fail_elsewhere: on every thread but the caller's (the library's
 * own threads: the I/O thread, resolvers), the next `n` allocations
 * succeed, the `run` (1..65535) after them fail, then allocations succeed
 * again.  The calling thread keeps allocating normally, so a test can
 * sweep n over the I/O thread's allocations (response objects, frames,
 * decode arenas) while it drives the client; run 2 also fails the
 * allocation that would report the first failure.  n -1 disarms. */
void kc_mem_fail_after(long n);
void kc_mem_fail_elsewhere(long n, long run);
/* Exempts the calling thread from kc_mem_fail_elsewhere (on: 1) for good:
 * a test's own helper thread, such as a fake broker, that must keep
 * working while the library's threads fail. */
void kc_mem_exempt_thread(int on);
/* How many allocations a hook has failed since the process started. */
long kc_mem_failures(void);

#endif

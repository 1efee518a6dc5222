/* The errstr + size convention of the public API (include/kafkac/):
 * a call that can fail with detail takes a caller's buffer and its size,
 * either of which may be NULL / 0, and writes a NUL-terminated message
 * there, cut to fit.  One helper so that every module writes it the same
 * way. */
#ifndef KC_ERRSTR_H
#define KC_ERRSTR_H

#include <stddef.h>

/* printf into errstr (size n), truncating; nothing when errstr is NULL or
 * n is 0. */
void kc_errstr_set(char *errstr, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

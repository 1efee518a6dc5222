/* See errstr.h. */
#include <stdarg.h>
#include <stdio.h>

#include "common/errstr.h"

void kc_errstr_set(char *errstr, size_t n, const char *fmt, ...)
{
    if (!errstr || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, n, fmt, ap);
    va_end(ap);
}

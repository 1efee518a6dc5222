#include "common/log.h"

#include <stdio.h>
#include "common/mem.h"

const char *kc_log_level_name(int level)
{
    static const char *const names[] = {
        "EMERG", "ALERT", "CRIT", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG",
    };
    if (level < 0 || level > 7)
        return "LOG";
    return names[level];
}

void kc_vlog(const kc_logger_t *lg, int level, const char *facility, const char *fmt, va_list ap)
{
    if (!kc_log_enabled(lg, level))
        return;
    char stackbuf[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
    char *msg = stackbuf;
    char *heap = NULL;
    if (n < 0) {
        stackbuf[0] = '\0';
    } else if ((size_t)n >= sizeof(stackbuf)) {
        heap = kc_malloc((size_t)n + 1);
        if (heap) {
            vsnprintf(heap, (size_t)n + 1, fmt, ap2);
            msg = heap;
        }
    }
    va_end(ap2);
    lg->cb(lg->opaque, level, facility ? facility : "", msg);
    kc_free(heap);
}

void kc_log(const kc_logger_t *lg, int level, const char *facility, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kc_vlog(lg, level, facility, fmt, ap);
    va_end(ap);
}

/* One line per message, written with a single fprintf so that lines from
 * several threads do not interleave mid-line (stdio locks the stream for
 * the duration of one call). */
void kafkac_log_stderr(void *opaque, int level, const char *facility, const char *message)
{
    (void)opaque;
    fprintf(stderr, "kafkac: %s %s: %s\n", kc_log_level_name(level), facility, message);
}

/* Internal logging: every message of the library goes through a kc_logger_t
 * to the callback the user installed with kafkac_conf_set_log_cb().  With
 * no callback nothing is printed anywhere (the library never writes to
 * stdout/stderr on its own).
 *
 * A logger is three plain fields copied out of the configuration when a
 * client is created, so it is cheap to embed in any handle and needs no
 * _destroy.  kc_log() formats the message only when the level passes, so a
 * debug line on a hot path costs one comparison when debug is off. */
#ifndef KC_LOG_H
#define KC_LOG_H

#include <stdarg.h>
#include "kafkac/conf.h"

typedef struct kc_logger {
    kafkac_log_cb cb;   /* NULL: log nothing */
    void *opaque;       /* passed back to cb; not owned */
    int level;          /* highest level delivered (log.level) */
} kc_logger_t;

/* True when a message of `level` would reach the callback. */
static inline int kc_log_enabled(const kc_logger_t *lg, int level)
{
    return lg && lg->cb && level <= lg->level;
}

/* Formats and delivers one message.  `lg` may be NULL (nothing happens).
 * `facility` is a short static word naming the subsystem ("config",
 * "broker", "fetch"...).  Messages longer than the stack buffer are
 * formatted on the heap; if that allocation fails the message is
 * delivered truncated rather than dropped. */
void kc_log(const kc_logger_t *lg, int level, const char *facility, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kc_vlog(const kc_logger_t *lg, int level, const char *facility, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* "ERROR", "WARNING", ... for the syslog levels 0..7; "LOG" otherwise. */
const char *kc_log_level_name(int level);

#endif

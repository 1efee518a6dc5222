/* docs/CONFIGURATION.md, generated from the property table so that the
 * documentation cannot drift from what kafkac_conf_set() accepts.  A unit
 * test compares the committed file with this output. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/buf.h"
#include "common/config.h"
#include "common/mem.h"

static void put(kc_writer_t *w, const char *s)
{
    kc_w_raw(w, s, strlen(s));
}

static void putf(kc_writer_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(kc_writer_t *w, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(buf)) {
        kc_w_raw(w, buf, (size_t)n);
        return;
    }
    uint8_t *d = kc_w_ensure(w, (size_t)n + 1);
    if (!d)
        return;
    va_start(ap, fmt);
    vsnprintf((char *)d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kc_w_advance(w, (size_t)n);
}

/* Table cells: a '|' would end the cell. */
static void put_cell(kc_writer_t *w, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            put(w, "\\|");
        else
            kc_w_raw(w, s, 1);
    }
}

static void put_row(kc_writer_t *w, const kc_prop_t *p)
{
    char allowed[512];
    kc_prop_describe(p, allowed, sizeof(allowed));
    putf(w, "| `%s` | %s | ", p->name, kc_prop_type_name(p->type));
    if (!p->def)
        put(w, "*(required)*");
    else if (!*p->def)
        put(w, "*(empty)*");
    else {
        put(w, "`");
        put_cell(w, p->def);
        put(w, "`");
    }
    put(w, " | ");
    put_cell(w, allowed);
    put(w, " | ");
    put_cell(w, p->doc);
    int first = 1;
    for (size_t a = 0; a < sizeof(p->alias) / sizeof(p->alias[0]) && p->alias[a]; a++) {
        putf(w, "%s`%s`", first ? " Alias: " : ", ", p->alias[a]);
        first = 0;
    }
    put(w, " |\n");
}

static void put_section(kc_writer_t *w, const char *title, const char *intro, unsigned want, unsigned skip)
{
    putf(w, "\n## %s\n\n%s\n\n", title, intro);
    put(w, "| Property | Type | Default | Allowed values | Description |\n");
    put(w, "|---|---|---|---|---|\n");
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if ((p->scopes & want) && !(p->scopes & skip))
            put_row(w, p);
    }
}

char *kc_config_docs(void)
{
    kc_writer_t w;
    if (kc_writer_init(&w, 16384) != 0)
        return NULL;
    put(&w,
        "# libkafkac configuration properties\n"
        "\n"
        "<!-- Generated from src/common/config_table.c by `kafkac config docs`; do not edit by hand. -->\n"
        "\n"
        "Properties are set as strings with `kafkac_conf_set(conf, key, value, errstr, errstr_size)`,\n"
        "using the Java client's names. Each value is checked when it is set: an unknown key or a\n"
        "bad value fails with `KAFKAC_ERR_CONFIG` and a message naming the key. kafka-python's\n"
        "underscore spellings (`linger_ms`) are accepted as aliases. Enum and bool values are\n"
        "case-insensitive. `kafkac config list [producer|consumer|admin]` prints the same table.\n"
        "\n"
        "One configuration may serve several kinds of client. A property given to a client it does\n"
        "not apply to (say `linger.ms` to a consumer) is logged as a warning and ignored.\n"
        "\n"
        "Logging: the library prints nothing unless a log callback is installed with\n"
        "`kafkac_conf_set_log_cb()` (`kafkac_log_stderr` is a ready-made one); `log.level` filters.\n");

    put_section(&w, "Common properties", "Read by the producer, the consumer and the admin client.",
                KC_SCOPE_CLIENT, 0);
    put_section(&w, "Producer properties", "Read by the producer only (unless noted under another client too).",
                KC_SCOPE_PRODUCER, KC_SCOPE_CLIENT);
    put_section(&w, "Consumer properties", "Read by the consumer.", KC_SCOPE_CONSUMER, KC_SCOPE_CLIENT);
    put_section(&w, "Admin client properties", "Read by the admin client.", KC_SCOPE_ADMIN, KC_SCOPE_CLIENT);

    put(&w,
        "\n## Rules between properties\n"
        "\n"
        "Checked when a client is created from the configuration, not by `kafkac_conf_set()`:\n"
        "\n"
        "- `bootstrap.servers` is required, each entry `host:port` (or `[IPv6]:port`) with a port from 1 to 65535.\n"
        "- `enable.idempotence` needs `acks=all`, `retries` > 0 and `max.in.flight.requests.per.connection` <= 5.\n"
        "  If `enable.idempotence` (or `transactional.id`) is set explicitly, a conflicting explicit value is an\n"
        "  error naming both keys. If idempotence is only on by default, a conflicting explicit value turns it\n"
        "  off (logged as a notice), as the Java client does.\n"
        "- `transactional.id` needs idempotence.\n"
        "- `delivery.timeout.ms` must be at least `linger.ms` + `request.timeout.ms`: an error if set explicitly,\n"
        "  otherwise it is raised to that sum (logged as a warning).\n"
        "- `compression.level` must be -1 or within the range of `compression.type`'s codec:\n"
        "  gzip 1..9, lz4 1..17, zstd -131072..22; none and snappy take no level.\n"
        "- `heartbeat.interval.ms` must be lower than `session.timeout.ms`.\n"
        "- Without `group.id`, `enable.auto.commit` is turned off (an error if it was set to true explicitly),\n"
        "  and `group.instance.id` is an error.\n"
        "- A `*.backoff.max.ms` or `socket.connection.setup.timeout.max.ms` below its initial value is raised to it.\n");

    if (!kc_w_ok(&w)) {
        kc_writer_free(&w);
        return NULL;
    }
    kc_w_raw(&w, "", 1); /* the terminating NUL */
    if (!kc_w_ok(&w)) {
        kc_writer_free(&w);
        return NULL;
    }
    size_t len;
    return (char *)kc_writer_detach(&w, &len);
}

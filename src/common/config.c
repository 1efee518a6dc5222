/* Configuration objects (kafkac_conf_t), value parsing and validation
 * driven by the property table, and resolution into kc_settings_t. */
#include "common/config.h"
#include "common/errstr.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zstd.h>
#include "common/mem.h"

/* Values are kept as the strings the user gave, indexed like kc_props;
 * NULL means "not set", which is different from "set to the default"
 * (the cross-property rules treat explicit settings as the user's intent,
 * as the Java client does). */
struct kafkac_conf {
    char **values;           /* kc_props_count entries, each owned or NULL */
    kafkac_log_cb log_cb;
    void *log_opaque;        /* not owned */
    kafkac_oauthbearer_refresh_cb oauth_cb;
    void *oauth_opaque;      /* not owned */
};

/* "invalid value 'V' for 'KEY': <detail>", always KAFKAC_ERR_CONFIG. */
static int bad_value(const kc_prop_t *p, const char *value, char *errstr, size_t errlen,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int bad_value(const kc_prop_t *p, const char *value, char *errstr, size_t errlen,
                     const char *fmt, ...)
{
    if (errstr && errlen) {
        int n = snprintf(errstr, errlen, "invalid value '%.200s' for '%s': ", value, p->name);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(errstr + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return KAFKAC_ERR_CONFIG;
}

/* Frees a string, first wiping it if it may hold a secret. */
static void free_value(const kc_prop_t *p, char *v)
{
    if (v && (p->flags & KC_PROP_SECRET))
        kc_secure_wipe(v, strlen(v));
    kc_free(v);
}

/* ------------------------------------------------------------------ */
/* Table look-ups                                                      */

const kc_prop_t *kc_prop_find(const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if (!strcmp(p->name, key))
            return p;
        for (size_t a = 0; a < sizeof(p->alias) / sizeof(p->alias[0]) && p->alias[a]; a++)
            if (!strcmp(p->alias[a], key))
                return p;
    }
    return NULL;
}

/* Edit distance, capped: strings longer than the buffer get no suggestion. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[129];
    if (la > 128 || lb > 128)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *kc_prop_suggest(const char *key)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        size_t d = edit_distance(key, p->name);
        for (size_t a = 0; a < sizeof(p->alias) / sizeof(p->alias[0]) && p->alias[a]; a++) {
            size_t da = edit_distance(key, p->alias[a]);
            if (da < d)
                d = da;
        }
        if (d < best_d) {
            best_d = d;
            best = p->name;
        }
    }
    /* Close enough to be a typo: two edits, or a third of the key. */
    size_t len = strlen(key);
    if (best && (best_d <= 2 || best_d * 3 <= len))
        return best;
    return NULL;
}

/* Java client properties that have no meaning here, with the reason, so
 * that someone porting a Java configuration learns why instead of just
 * "unknown". */
static const struct {
    const char *name;
    const char *why;
} not_applicable[] = {
    { "key.serializer", "records are bytes in libkafkac; serialize in the application" },
    { "value.serializer", "records are bytes in libkafkac; serialize in the application" },
    { "key.deserializer", "records are bytes in libkafkac; deserialize in the application" },
    { "value.deserializer", "records are bytes in libkafkac; deserialize in the application" },
    { "partitioner.class", "choose a built-in partitioner with 'partitioner'" },
    { "interceptor.classes", "Java interceptors do not exist in libkafkac" },
};

static int unknown_key(const char *key, char *errstr, size_t errlen)
{
    for (size_t i = 0; i < sizeof(not_applicable) / sizeof(not_applicable[0]); i++)
        if (!strcmp(key, not_applicable[i].name)) {
            kc_errstr_set(errstr, errlen, "configuration property '%s' does not apply: %s", key,
                          not_applicable[i].why);
            return KAFKAC_ERR_CONFIG;
        }
    const char *s = kc_prop_suggest(key);
    if (s)
        kc_errstr_set(errstr, errlen, "unknown configuration property '%.200s' (did you mean '%s'?)", key, s);
    else
        kc_errstr_set(errstr, errlen, "unknown configuration property '%.200s'", key);
    return KAFKAC_ERR_CONFIG;
}

const char *kc_prop_type_name(kc_prop_type_t t)
{
    switch (t) {
    case KC_PT_STRING: return "string";
    case KC_PT_INT: return "int";
    case KC_PT_BOOL: return "bool";
    case KC_PT_ENUM: return "enum";
    case KC_PT_LIST: return "list";
    }
    return "?";
}

/* Appends the visible names of an enum, separated by `sep`. */
static void list_vals(const kc_enum_val_t *v, const char *sep, char *buf, size_t len)
{
    size_t used = strlen(buf);
    int first = 1;
    for (; v->name; v++) {
        if (v->flags & KC_EV_HIDDEN)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", first ? "" : sep, v->name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
        first = 0;
    }
}

static void describe_int(const kc_prop_t *p, char *buf, size_t len)
{
    if (p->max == INT64_MAX)
        snprintf(buf, len, "%lld ..", (long long)p->min);
    else
        snprintf(buf, len, "%lld .. %lld", (long long)p->min, (long long)p->max);
}

void kc_prop_describe(const kc_prop_t *p, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    switch (p->type) {
    case KC_PT_STRING:
        break;
    case KC_PT_INT:
        describe_int(p, buf, len);
        break;
    case KC_PT_BOOL:
        snprintf(buf, len, "true, false");
        break;
    case KC_PT_ENUM:
        list_vals(p->vals, ", ", buf, len);
        break;
    case KC_PT_LIST:
        if (p->vals) {
            snprintf(buf, len, "any of: ");
            list_vals(p->vals, ", ", buf, len);
        } else {
            snprintf(buf, len, "host:port, ...");
        }
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Value parsers.  Each checks one value; with `out` non-NULL it also
 * stores the parsed form into the settings struct at p->offset. */

static int parse_int(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    long long x = (*v && !isspace((unsigned char)*v)) ? strtoll(v, &end, 10) : 0;
    if (!end || *end || errno || x < p->min || x > p->max) {
        if (p->max == INT64_MAX)
            return bad_value(p, v, errstr, errlen, "expected an integer of at least %lld", (long long)p->min);
        return bad_value(p, v, errstr, errlen, "expected an integer between %lld and %lld",
                         (long long)p->min, (long long)p->max);
    }
    if (out)
        *(int64_t *)((char *)out + p->offset) = x;
    return KAFKAC_OK;
}

static int parse_bool(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr, size_t errlen)
{
    bool b;
    if (!strcasecmp(v, "true"))
        b = true;
    else if (!strcasecmp(v, "false"))
        b = false;
    else
        return bad_value(p, v, errstr, errlen, "expected true or false");
    if (out)
        *(bool *)((char *)out + p->offset) = b;
    return KAFKAC_OK;
}

/* Finds `v` (n bytes, case-insensitive) among p->vals. */
static int enum_lookup(const kc_prop_t *p, const char *v, size_t n, const kc_enum_val_t **found,
                       char *errstr, size_t errlen, const char *whole)
{
    for (const kc_enum_val_t *e = p->vals; e->name; e++) {
        if (strlen(e->name) == n && !strncasecmp(e->name, v, n)) {
            if (e->flags & KC_EV_UNSUPPORTED) {
                char supported[256] = "";
                size_t used = 0;
                for (const kc_enum_val_t *s = p->vals; s->name; s++) {
                    if (s->flags & (KC_EV_UNSUPPORTED | KC_EV_HIDDEN))
                        continue;
                    int k = snprintf(supported + used, sizeof(supported) - used, "%s%s",
                                     used ? ", " : "", s->name);
                    if (k < 0 || (size_t)k >= sizeof(supported) - used)
                        break;
                    used += (size_t)k;
                }
                return bad_value(p, whole, errstr, errlen, "%s is not supported yet (supported: %s)",
                                 e->name, supported);
            }
            *found = e;
            return KAFKAC_OK;
        }
    }
    char allowed[256] = "";
    list_vals(p->vals, ", ", allowed, sizeof(allowed));
    if (n != strlen(whole))
        return bad_value(p, whole, errstr, errlen, "'%.*s' is not one of %s", (int)n, v, allowed);
    return bad_value(p, whole, errstr, errlen, "expected one of %s", allowed);
}

static int parse_enum(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr, size_t errlen)
{
    const kc_enum_val_t *e = NULL;
    int err = enum_lookup(p, v, strlen(v), &e, errstr, errlen, v);
    if (err)
        return err;
    if (out)
        *(int *)((char *)out + p->offset) = e->value;
    return KAFKAC_OK;
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && isspace((unsigned char)*s))
        s++;
    return s;
}

static const char *trim_end(const char *s, const char *end)
{
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    return end;
}

/* Comma-separated enum values; empty items (",,") are skipped, but the
 * list must name at least one value and none twice. */
static int parse_enum_list(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr,
                           size_t errlen)
{
    kc_enum_list_t list = { .n = 0 };
    const char *s = v;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *end = comma ? comma : s + strlen(s);
        const char *b = skip_space(s, end);
        const char *e = trim_end(b, end);
        if (e > b) {
            const kc_enum_val_t *ev = NULL;
            int err = enum_lookup(p, b, (size_t)(e - b), &ev, errstr, errlen, v);
            if (err)
                return err;
            for (size_t i = 0; i < list.n; i++)
                if (list.v[i] == ev->value)
                    return bad_value(p, v, errstr, errlen, "'%s' is listed twice", ev->name);
            if (list.n == sizeof(list.v) / sizeof(list.v[0]))
                return bad_value(p, v, errstr, errlen, "too many entries");
            list.v[list.n++] = ev->value;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    if (list.n == 0) {
        char allowed[256] = "";
        list_vals(p->vals, ", ", allowed, sizeof(allowed));
        return bad_value(p, v, errstr, errlen, "expected a comma-separated list of %s", allowed);
    }
    if (out)
        *(kc_enum_list_t *)((char *)out + p->offset) = list;
    return KAFKAC_OK;
}

static int is_host_char(int c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_';
}

static int is_ipv6_char(int c)
{
    return isxdigit(c) || c == ':' || c == '.';
}

/* One bootstrap entry, already trimmed: host:port, [ipv6]:port, with an
 * optional plaintext:// prefix (as listener URLs are often copied).  On
 * success sets [*host, *host+*hostlen) and *port. */
static int parse_hostport(const kc_prop_t *p, const char *whole, const char *b, const char *e,
                          const char **host, size_t *hostlen, int *port, char *errstr, size_t errlen)
{
    int n = (int)(e - b);
    const char *entry = b;
    static const char scheme[] = "plaintext://";
    if ((size_t)(e - b) >= sizeof(scheme) - 1 && !strncasecmp(b, scheme, sizeof(scheme) - 1))
        b += sizeof(scheme) - 1;
    for (const char *q = b; q + 2 < e; q++)
        if (q[0] == ':' && q[1] == '/' && q[2] == '/')
            return bad_value(p, whole, errstr, errlen, "entry '%.*s': only plaintext:// is supported",
                             n, entry);
    const char *colon;
    if (b < e && *b == '[') {
        const char *close = memchr(b, ']', (size_t)(e - b));
        if (!close)
            return bad_value(p, whole, errstr, errlen, "entry '%.*s': missing ']'", n, entry);
        *host = b + 1;
        *hostlen = (size_t)(close - b - 1);
        int has_colon = 0;
        for (const char *q = *host; q < close; q++) {
            if (*q == '%') /* zone id: fe80::1%eth0 */
                break;
            if (!is_ipv6_char((unsigned char)*q))
                return bad_value(p, whole, errstr, errlen, "entry '%.*s': not an IPv6 address", n, entry);
            has_colon |= *q == ':';
        }
        if (!has_colon)
            return bad_value(p, whole, errstr, errlen, "entry '%.*s': not an IPv6 address", n, entry);
        if (close + 1 >= e || close[1] != ':')
            return bad_value(p, whole, errstr, errlen, "entry '%.*s': no port (expected [address]:port)",
                             n, entry);
        colon = close + 1;
    } else {
        colon = NULL;
        for (const char *q = b; q < e; q++)
            if (*q == ':') {
                if (colon)
                    return bad_value(p, whole, errstr, errlen,
                                     "entry '%.*s': an IPv6 address must be in brackets, as [::1]:9092",
                                     n, entry);
                colon = q;
            }
        if (!colon)
            return bad_value(p, whole, errstr, errlen, "entry '%.*s': no port (expected host:port)", n, entry);
        *host = b;
        *hostlen = (size_t)(colon - b);
        for (const char *q = b; q < colon; q++)
            if (!is_host_char((unsigned char)*q))
                return bad_value(p, whole, errstr, errlen, "entry '%.*s': invalid character in host name",
                                 n, entry);
    }
    if (*hostlen == 0)
        return bad_value(p, whole, errstr, errlen, "entry '%.*s': empty host", n, entry);
    long portv = 0;
    const char *d = colon + 1;
    if (d == e)
        return bad_value(p, whole, errstr, errlen, "entry '%.*s': empty port", n, entry);
    for (; d < e; d++) {
        if (!isdigit((unsigned char)*d) || portv > 65535)
            break;
        portv = portv * 10 + (*d - '0');
    }
    if (d != e || portv < 1 || portv > 65535)
        return bad_value(p, whole, errstr, errlen, "entry '%.*s': port must be a number from 1 to 65535",
                         n, entry);
    *port = (int)portv;
    return KAFKAC_OK;
}

static void hostlist_free(kc_hostlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        kc_free(l->v[i].host);
    kc_free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int parse_hostlist(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr,
                          size_t errlen)
{
    kc_hostlist_t list = { NULL, 0 };
    size_t cap = 1;
    for (const char *q = v; *q; q++)
        cap += *q == ',';
    if (out) {
        list.v = kc_calloc(cap, sizeof(*list.v));
        if (!list.v) {
            kc_errstr_set(errstr, errlen, "out of memory parsing '%s'", p->name);
            return KAFKAC_ERR_NO_MEMORY;
        }
    }
    const char *s = v;
    size_t count = 0;
    int err = KAFKAC_OK;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *end = comma ? comma : s + strlen(s);
        const char *b = skip_space(s, end);
        const char *e = trim_end(b, end);
        if (e > b) {
            /* Initialized only to quiet gcc -O2; parse_hostport sets all
             * three whenever it returns OK. */
            const char *host = NULL;
            size_t hostlen = 0;
            int port = 0;
            err = parse_hostport(p, v, b, e, &host, &hostlen, &port, errstr, errlen);
            if (err)
                break;
            if (out) {
                list.v[list.n].host = kc_strndup(host, hostlen);
                if (!list.v[list.n].host) {
                    kc_errstr_set(errstr, errlen, "out of memory parsing '%s'", p->name);
                    err = KAFKAC_ERR_NO_MEMORY;
                    break;
                }
                list.v[list.n++].port = port;
            }
            count++;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    if (!err && count == 0)
        err = bad_value(p, v, errstr, errlen, "expected at least one host:port");
    if (err) {
        hostlist_free(&list);
        return err;
    }
    if (out) {
        kc_hostlist_t *dst = (kc_hostlist_t *)((char *)out + p->offset);
        hostlist_free(dst);
        *dst = list;
    }
    return KAFKAC_OK;
}

static int parse_string(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr, size_t errlen)
{
    if (!out)
        return KAFKAC_OK;
    char **dst = (char **)((char *)out + p->offset);
    char *copy = NULL;
    if (*v) {
        copy = kc_strdup(v);
        if (!copy) {
            kc_errstr_set(errstr, errlen, "out of memory copying '%s'", p->name);
            return KAFKAC_ERR_NO_MEMORY;
        }
    }
    free_value(p, *dst);
    *dst = copy;
    return KAFKAC_OK;
}

static int parse_value(const kc_prop_t *p, const char *v, kc_settings_t *out, char *errstr, size_t errlen)
{
    switch (p->type) {
    case KC_PT_STRING: return parse_string(p, v, out, errstr, errlen);
    case KC_PT_INT: return parse_int(p, v, out, errstr, errlen);
    case KC_PT_BOOL: return parse_bool(p, v, out, errstr, errlen);
    case KC_PT_ENUM: return parse_enum(p, v, out, errstr, errlen);
    case KC_PT_LIST:
        return p->vals ? parse_enum_list(p, v, out, errstr, errlen) : parse_hostlist(p, v, out, errstr, errlen);
    }
    kc_errstr_set(errstr, errlen, "'%s': unknown property type", p->name);
    return KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;
}

/* ------------------------------------------------------------------ */
/* kafkac_conf_t                                                       */

kafkac_conf_t *kafkac_conf_new(void)
{
    kafkac_conf_t *c = kc_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->values = kc_calloc(kc_props_count, sizeof(*c->values));
    if (!c->values) {
        kc_free(c);
        return NULL;
    }
    return c;
}

void kafkac_conf_destroy(kafkac_conf_t *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < kc_props_count; i++)
        free_value(&kc_props[i], conf->values[i]);
    kc_free(conf->values);
    kc_free(conf);
}

kafkac_conf_t *kafkac_conf_dup(const kafkac_conf_t *conf)
{
    if (!conf)
        return NULL;
    kafkac_conf_t *c = kafkac_conf_new();
    if (!c)
        return NULL;
    for (size_t i = 0; i < kc_props_count; i++) {
        if (!conf->values[i])
            continue;
        c->values[i] = kc_strdup(conf->values[i]);
        if (!c->values[i]) {
            kafkac_conf_destroy(c);
            return NULL;
        }
    }
    c->log_cb = conf->log_cb;
    c->log_opaque = conf->log_opaque;
    c->oauth_cb = conf->oauth_cb;
    c->oauth_opaque = conf->oauth_opaque;
    return c;
}

kafkac_err_t kafkac_conf_set(kafkac_conf_t *conf, const char *key, const char *value, char *errstr,
                             size_t errstr_size)
{
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!conf || !key) {
        kc_errstr_set(errstr, errstr_size, "kafkac_conf_set: conf and key must not be NULL");
        return KAFKAC_ERR_INVALID_ARG;
    }
    const kc_prop_t *p = kc_prop_find(key);
    if (!p)
        return (kafkac_err_t)unknown_key(key, errstr, errstr_size);
    size_t i = (size_t)(p - kc_props);
    char *copy = NULL;
    if (value) {
        int err = parse_value(p, value, NULL, errstr, errstr_size);
        if (err)
            return (kafkac_err_t)err;
        copy = kc_strdup(value);
        if (!copy) {
            kc_errstr_set(errstr, errstr_size, "out of memory setting '%s'", p->name);
            return KAFKAC_ERR_NO_MEMORY;
        }
    }
    free_value(p, conf->values[i]);
    conf->values[i] = copy;
    return KAFKAC_OK;
}

kafkac_err_t kafkac_conf_get(const kafkac_conf_t *conf, const char *key, char *dest, size_t *dest_size)
{
    if (!conf || !key || !dest_size)
        return KAFKAC_ERR_INVALID_ARG;
    const kc_prop_t *p = kc_prop_find(key);
    if (!p)
        return KAFKAC_ERR_CONFIG;
    const char *v = conf->values[p - kc_props];
    if (!v)
        v = p->def ? p->def : "";
    size_t need = strlen(v) + 1;
    size_t have = *dest_size;
    *dest_size = need;
    if (!dest)
        return KAFKAC_OK;
    if (have < need)
        return KAFKAC_ERR_INVALID_ARG;
    memcpy(dest, v, need);
    return KAFKAC_OK;
}

void kafkac_conf_set_log_cb(kafkac_conf_t *conf, kafkac_log_cb cb, void *opaque)
{
    if (!conf)
        return;
    conf->log_cb = cb;
    conf->log_opaque = opaque;
}

void kafkac_conf_set_oauthbearer_token_refresh_cb(kafkac_conf_t *conf, kafkac_oauthbearer_refresh_cb cb,
                                                  void *opaque)
{
    if (!conf)
        return;
    conf->oauth_cb = cb;
    conf->oauth_opaque = opaque;
}

const char *kc_conf_value(const kafkac_conf_t *conf, size_t i)
{
    return conf && i < kc_props_count ? conf->values[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */

void kc_settings_free(kc_settings_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if (p->type == KC_PT_STRING)
            free_value(p, *(char **)((char *)s + p->offset));
        else if (p->type == KC_PT_LIST && !p->vals)
            hostlist_free((kc_hostlist_t *)((char *)s + p->offset));
    }
    memset(s, 0, sizeof(*s));
}

/* The value the user set for `name`, or NULL. */
static const char *user_value(const kafkac_conf_t *conf, const char *name)
{
    const kc_prop_t *p = kc_prop_find(name);
    return p ? kc_conf_value(conf, (size_t)(p - kc_props)) : NULL;
}

static const char *scope_words(unsigned scopes, char *buf, size_t len)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { KC_SCOPE_PRODUCER, "producer" }, { KC_SCOPE_CONSUMER, "consumer" }, { KC_SCOPE_ADMIN, "admin" },
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(scopes & names[i].bit))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? " and " : "", names[i].name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

static const char *scope_name(kc_scope_t scope)
{
    switch (scope) {
    case KC_SCOPE_PRODUCER: return "producer";
    case KC_SCOPE_CONSUMER: return "consumer";
    case KC_SCOPE_ADMIN: return "admin client";
    case KC_SCOPE_CLIENT: return "protocol client";
    }
    return "client";
}

/* The name of an enum property's value, from the table ("?" if none). */
static const char *enum_name(const char *prop, int value)
{
    const kc_prop_t *p = kc_prop_find(prop);
    for (const kc_enum_val_t *v = p ? p->vals : NULL; v && v->name; v++)
        if (v->value == value && !(v->flags & KC_EV_HIDDEN))
            return v->name;
    return "?";
}

/* The ranges are Kafka's (KIP-390): gzip 1..9 plus zlib's -1 default,
 * lz4 1..17 (liblz4 treats 12..17 as its maximum, 12), zstd from this
 * libzstd's minimum (negative = faster) to its maximum. */
int kc_codec_level_valid(kc_codec_t codec, int level, const char **why)
{
    const char *msg = NULL;
    if (level != KC_COMPRESSION_LEVEL_DEFAULT) {
        switch (codec) {
        case KC_CODEC_NONE:
            msg = "compression.type none takes no compression.level";
            break;
        case KC_CODEC_GZIP:
            if (level != -1 && (level < 1 || level > 9))
                msg = "gzip compression.level must be 1..9, or -1 for zlib's default";
            break;
        case KC_CODEC_SNAPPY:
            msg = "snappy has no compression levels";
            break;
        case KC_CODEC_LZ4:
            if (level < 1 || level > 17)
                msg = "lz4 compression.level must be 1..17";
            break;
        case KC_CODEC_ZSTD:
            if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
                msg = "zstd compression.level must be between libzstd's minimum (-131072) and "
                      "maximum (22)";
            break;
        default:
            msg = "unknown compression codec";
            break;
        }
    } else if ((unsigned)codec > KC_CODEC_ZSTD) {
        msg = "unknown compression codec";
    }
    if (why)
        *why = msg;
    return msg ? KAFKAC_ERR_CONFIG : 0;
}

/* Backoff maxima below their initial values would make the backoff shrink;
 * raise them to the initial value instead of failing. */
static void check_common(kc_settings_t *s)
{
    if (s->reconnect_backoff_max_ms < s->reconnect_backoff_ms)
        s->reconnect_backoff_max_ms = s->reconnect_backoff_ms;
    if (s->retry_backoff_max_ms < s->retry_backoff_ms)
        s->retry_backoff_max_ms = s->retry_backoff_ms;
    if (s->socket_connection_setup_timeout_max_ms < s->socket_connection_setup_timeout_ms)
        s->socket_connection_setup_timeout_max_ms = s->socket_connection_setup_timeout_ms;
}

/* As the Java client does: ssl.* keys set while security.protocol does
 * not use TLS are a mistake worth a warning (the keys are ignored). */
static void check_security(kc_settings_t *s, const kafkac_conf_t *conf)
{
    if (s->security_protocol == KC_SEC_SSL || s->security_protocol == KC_SEC_SASL_SSL)
        return;
    char keys[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < kc_props_count; i++) {
        if (strncmp(kc_props[i].name, "ssl.", 4) || !kc_conf_value(conf, i))
            continue;
        int n = snprintf(keys + used, sizeof keys - used, "%s%s", used ? ", " : "", kc_props[i].name);
        if (n < 0 || (size_t)n >= sizeof keys - used)
            break;
        used += (size_t)n;
    }
    if (used)
        kc_log(&s->log, KAFKAC_LOG_WARNING, "config",
               "%s set but security.protocol is %s, which does not use TLS: they are ignored (set "
               "security.protocol=ssl or sasl_ssl to use them)",
               keys, s->security_protocol == KC_SEC_SASL_PLAINTEXT ? "sasl_plaintext" : "plaintext");
}

/* SASL: a mechanism we implement, with what it needs; sasl.* keys without
 * a SASL protocol are only a warning (as the Java client gives). */
static int check_sasl(kc_settings_t *s, const kafkac_conf_t *conf, char *errstr, size_t errlen)
{
    int sasl = s->security_protocol == KC_SEC_SASL_PLAINTEXT || s->security_protocol == KC_SEC_SASL_SSL;
    if (!sasl) {
        static const char *const keys[] = { "sasl.mechanism", "sasl.username", "sasl.password",
                                            "sasl.oauthbearer.config", "sasl.oauthbearer.method" };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (user_value(conf, keys[i]))
                kc_log(&s->log, KAFKAC_LOG_WARNING, "config",
                       "'%s' is set but security.protocol does not use SASL: it is ignored", keys[i]);
        if (s->oauth_cb)
            kc_log(&s->log, KAFKAC_LOG_WARNING, "config",
                   "an OAUTHBEARER token refresh callback is set but security.protocol does not use SASL: it is "
                   "never called");
        return KAFKAC_OK;
    }
    switch (s->sasl_mechanism) {
    case KC_SASL_GSSAPI:
        kc_errstr_set(errstr, errlen, "sasl.mechanism GSSAPI%s: Kerberos is not supported by libkafkac; use PLAIN, "
                      "SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER",
                      user_value(conf, "sasl.mechanism") ? "" : " (the default)");
        return KAFKAC_ERR_CONFIG;
    case KC_SASL_PLAIN:
    case KC_SASL_SCRAM_SHA_256:
    case KC_SASL_SCRAM_SHA_512:
        if (!s->sasl_username || !s->sasl_password) {
            kc_errstr_set(errstr, errlen, "sasl.mechanism %s needs '%s'", enum_name("sasl.mechanism", s->sasl_mechanism),
                          !s->sasl_username ? "sasl.username" : "sasl.password");
            return KAFKAC_ERR_CONFIG;
        }
        return KAFKAC_OK;
    case KC_SASL_OAUTHBEARER:
        if (s->sasl_oauthbearer_method != 0) {
            kc_errstr_set(errstr, errlen, "'sasl.oauthbearer.method' oidc is not supported");
            return KAFKAC_ERR_CONFIG;
        }
        /* Whether the unsecured token can be made from the config is
         * checked when the network client is created (kc_sasl_init),
         * before the first connection. */
        if (!s->oauth_cb && !s->sasl_oauthbearer_config) {
            kc_errstr_set(errstr, errlen, "sasl.mechanism OAUTHBEARER needs a token refresh callback "
                          "(kafkac_conf_set_oauthbearer_token_refresh_cb) or 'sasl.oauthbearer.config' "
                          "(principal=<name> for an unsecured test token)");
            return KAFKAC_ERR_CONFIG;
        }
        return KAFKAC_OK;
    }
    return KAFKAC_OK;
}

/* Idempotence needs acks=all, retries > 0 and at most 5 requests in
 * flight (the broker keeps sequence state for the last 5 batches).  As in
 * the Java client: if the user asked for idempotence (or transactions)
 * and also set a conflicting value, that is an error naming both; if
 * idempotence is only on by default, a conflicting explicit setting turns
 * it off. */
static int check_idempotence(kc_settings_t *s, const kafkac_conf_t *conf, char *errstr, size_t errlen)
{
    const char *key = NULL, *val = NULL, *need = NULL;
    if ((val = user_value(conf, "acks")) && s->acks != KC_ACKS_ALL) {
        key = "acks";
        need = "acks=all";
    } else if ((val = user_value(conf, "max.in.flight.requests.per.connection")) && s->max_in_flight > 5) {
        key = "max.in.flight.requests.per.connection";
        need = "max.in.flight.requests.per.connection <= 5";
    } else if ((val = user_value(conf, "retries")) && s->retries == 0) {
        key = "retries";
        need = "retries > 0";
    }
    if (!key) {
        /* Nothing set against it: make sure the values it relies on hold. */
        s->acks = KC_ACKS_ALL;
        if (s->max_in_flight > 5)
            s->max_in_flight = 5;
        if (s->retries == 0)
            s->retries = INT32_MAX;
        return KAFKAC_OK;
    }
    if (user_value(conf, "enable.idempotence")) {
        kc_errstr_set(errstr, errlen, "'enable.idempotence' is true, which needs %s, but '%s' is set to '%s'",
                      need, key, val);
        return KAFKAC_ERR_CONFIG;
    }
    if (s->transactional_id) {
        kc_errstr_set(errstr, errlen,
                      "'transactional.id' needs idempotence, which needs %s, but '%s' is set to '%s'", need, key, val);
        return KAFKAC_ERR_CONFIG;
    }
    s->enable_idempotence = false;
    kc_log(&s->log, KAFKAC_LOG_NOTICE, "config",
           "idempotence turned off because '%s' is set to '%s' (set enable.idempotence=true to make this an error)",
           key, val);
    return KAFKAC_OK;
}

static int check_producer(kc_settings_t *s, const kafkac_conf_t *conf, char *errstr, size_t errlen)
{
    s->enable_idempotence_set = user_value(conf, "enable.idempotence") != NULL;
    if (s->enable_idempotence) {
        int err = check_idempotence(s, conf, errstr, errlen);
        if (err)
            return err;
    }
    if (s->transactional_id && !s->enable_idempotence) {
        kc_errstr_set(errstr, errlen, "'transactional.id' is set but 'enable.idempotence' is false; transactions need idempotence");
        return KAFKAC_ERR_CONFIG;
    }

    /* A record may wait linger.ms and then a full request timeout; a
     * delivery timeout shorter than that would expire records that never
     * had a chance.  Java fails if the user set it, else raises it. */
    int64_t floor = s->linger_ms + s->request_timeout_ms;
    if (s->delivery_timeout_ms < floor) {
        if (user_value(conf, "delivery.timeout.ms")) {
            kc_errstr_set(errstr, errlen,
                          "'delivery.timeout.ms' (%lld) must be at least 'linger.ms' + 'request.timeout.ms' (%lld)",
                          (long long)s->delivery_timeout_ms, (long long)floor);
            return KAFKAC_ERR_CONFIG;
        }
        kc_log(&s->log, KAFKAC_LOG_WARNING, "config",
               "delivery.timeout.ms raised from %lld to linger.ms + request.timeout.ms = %lld",
               (long long)s->delivery_timeout_ms, (long long)floor);
        s->delivery_timeout_ms = floor;
    }

    /* compression.level is one property for every codec, so its range
     * depends on compression.type and can only be checked here (the codecs
     * check it again when compressing). */
    if (s->compression_level == -1)
        s->compression_level = KC_COMPRESSION_LEVEL_DEFAULT;
    const char *why = NULL;
    if (kc_codec_level_valid((kc_codec_t)s->compression_type, (int)s->compression_level, &why) != 0) {
        const char *codec = enum_name("compression.type", s->compression_type);
        kc_errstr_set(errstr, errlen, "'compression.level' %lld is not valid with 'compression.type' %s: %s",
                      (long long)s->compression_level, codec, why ? why : "out of range");
        return KAFKAC_ERR_CONFIG;
    }
    return KAFKAC_OK;
}

static int check_consumer(kc_settings_t *s, const kafkac_conf_t *conf, char *errstr, size_t errlen)
{
    if (s->heartbeat_interval_ms >= s->session_timeout_ms) {
        kc_errstr_set(errstr, errlen, "'heartbeat.interval.ms' (%lld) must be lower than 'session.timeout.ms' (%lld)",
                      (long long)s->heartbeat_interval_ms, (long long)s->session_timeout_ms);
        return KAFKAC_ERR_CONFIG;
    }
    /* Offsets are committed to a group; without one, auto-commit can only
     * be off.  Asking for it explicitly is a mistake worth reporting. */
    if (!s->group_id && s->enable_auto_commit) {
        if (user_value(conf, "enable.auto.commit")) {
            kc_errstr_set(errstr, errlen, "'enable.auto.commit' is true but 'group.id' is not set; offsets are committed to a group");
            return KAFKAC_ERR_CONFIG;
        }
        s->enable_auto_commit = false;
    }
    if (s->group_instance_id && !s->group_id) {
        kc_errstr_set(errstr, errlen, "'group.instance.id' is set but 'group.id' is not; static membership is within a group");
        return KAFKAC_ERR_CONFIG;
    }
    /* KIP-848 moves these to the broker (group.consumer.*); the Java
     * consumer refuses them too rather than silently ignore them. */
    static const char *const broker_side[] = {"session.timeout.ms", "heartbeat.interval.ms",
                                              "partition.assignment.strategy"};
    for (size_t i = 0; s->group_protocol == KC_GROUP_PROTOCOL_CONSUMER && i < 3; i++)
        if (user_value(conf, broker_side[i])) {
            kc_errstr_set(errstr, errlen,
                          "'%s' cannot be set with group.protocol=consumer: the broker decides it (group.consumer.* "
                          "broker settings)",
                          broker_side[i]);
            return KAFKAC_ERR_CONFIG;
        }
    if (s->group_remote_assignor && s->group_protocol != KC_GROUP_PROTOCOL_CONSUMER) {
        kc_errstr_set(errstr, errlen, "'group.remote.assignor' applies only with group.protocol=consumer");
        return KAFKAC_ERR_CONFIG;
    }
    return KAFKAC_OK;
}

int kc_settings_load(kc_settings_t *out, const kafkac_conf_t *conf, kc_scope_t scope, char *errstr,
                     size_t errlen)
{
    if (errstr && errlen)
        errstr[0] = '\0';
    if (!out) {
        kc_errstr_set(errstr, errlen, "kc_settings_load: out must not be NULL");
        return KAFKAC_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    int err = KAFKAC_OK;

    /* Every field gets its default; then the user's value if the property
     * applies to this kind of client.  Values were checked by
     * kafkac_conf_set, but parse again: this is also where they are
     * stored, and the defaults pass through the same checks. */
    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        const char *user = kc_conf_value(conf, i);
        const char *v = (user && (p->scopes & scope)) ? user : p->def;
        if (!v)
            continue;
        err = parse_value(p, v, out, errstr, errlen);
        if (err)
            goto fail;
    }
    if (conf) {
        out->log.cb = conf->log_cb;
        out->log.opaque = conf->log_opaque;
        out->oauth_cb = conf->oauth_cb;
        out->oauth_opaque = conf->oauth_opaque;
    }
    out->log.level = (int)out->log_level;

    for (size_t i = 0; i < kc_props_count; i++) {
        const kc_prop_t *p = &kc_props[i];
        if (kc_conf_value(conf, i) && !(p->scopes & scope)) {
            char words[64];
            kc_log(&out->log, KAFKAC_LOG_WARNING, "config",
                   "configuration property '%s' applies to the %s only; the %s ignores it", p->name,
                   scope_words(p->scopes, words, sizeof(words)), scope_name(scope));
        }
    }

    if (out->bootstrap.n == 0) {
        kc_errstr_set(errstr, errlen, "'bootstrap.servers' is required: set it to one or more host:port brokers");
        err = KAFKAC_ERR_CONFIG;
        goto fail;
    }
    check_common(out);
    check_security(out, conf);
    err = check_sasl(out, conf, errstr, errlen);
    if (err)
        goto fail;
    if (scope == KC_SCOPE_PRODUCER)
        err = check_producer(out, conf, errstr, errlen);
    else if (scope == KC_SCOPE_CONSUMER)
        err = check_consumer(out, conf, errstr, errlen);
    if (err)
        goto fail;
    return KAFKAC_OK;

fail:
    kc_settings_free(out);
    return err;
}

/* The generic per-entity admin result: one entry per topic, partition,
 * group, resource or ACL an operation was given, each with its own error
 * and the broker's message. */
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"

kafkac_admin_result_t *kc_admin_result_new(int n)
{
    kafkac_admin_result_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    kc_arena_init(&r->arena, 1024);
    r->count = n;
    r->e = kc_calloc((size_t)(n > 0 ? n : 1), sizeof(*r->e));
    if (!r->e) {
        kafkac_admin_result_destroy(r);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        r->e[i].partition = -1;
        r->e[i].offset = -1;
    }
    return r;
}

void kafkac_admin_result_destroy(kafkac_admin_result_t *r)
{
    if (!r)
        return;
    kc_arena_destroy(&r->arena);
    kc_free(r->e);
    kc_free(r);
}

int kc_admin_check_inputs(const char *op, const void *const *items, int count, const char *what, char *errstr,
                          size_t errlen)
{
    if (!items || count < 1) {
        kc_errstr_set(errstr, errlen, "%s: nothing to do", op);
        return KAFKAC_ERR_INVALID_ARG;
    }
    for (int i = 0; i < count; i++)
        if (!items[i]) {
            kc_errstr_set(errstr, errlen, "%s: %s %d is NULL", op, what, i);
            return KAFKAC_ERR_INVALID_ARG;
        }
    return 0;
}

int kc_admin_by_topic(const kafkac_admin_result_t *r, const char *which, kc_arena_t *a, kc_admin_topic_rows_t **out)
{
    int n = r->count, nt = 0;
    kc_admin_topic_rows_t *g = kc_arena_alloc(a, (size_t)n * sizeof(*g) + 1);
    char *seen = kc_arena_alloc(a, (size_t)n + 1);
    if (!g || !seen)
        return -1;
    memset(seen, 0, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (!which[i] || seen[i])
            continue;
        kc_admin_topic_rows_t *t = &g[nt++];
        t->name = r->e[i].name;
        t->n = 0;
        t->rows = kc_arena_alloc(a, (size_t)n * sizeof(int));
        if (!t->rows)
            return -1;
        for (int k = i; k < n; k++)
            if (which[k] && !strcmp(r->e[k].name, t->name)) {
                t->rows[t->n++] = k;
                seen[k] = 1;
            }
    }
    *out = g;
    return nt;
}

const char *kc_admin_strdup(kc_arena_t *a, const char *s)
{
    if (!s)
        return NULL;
    return kc_arena_strndup(a, s, strlen(s));
}

int kc_admin_result_name(kafkac_admin_result_t *r, int i, const char *name, int32_t partition)
{
    r->e[i].partition = partition;
    r->e[i].name = (char *)kc_admin_strdup(&r->arena, name ? name : "");
    return r->e[i].name ? 0 : KAFKAC_ERR_NO_MEMORY;
}

int kc_admin_result_set(kafkac_admin_result_t *r, int i, int err, const char *message)
{
    r->e[i].err = err;
    r->e[i].message = NULL;
    if (err && message && *message) {
        r->e[i].message = (char *)kc_admin_strdup(&r->arena, message);
        if (!r->e[i].message)
            return KAFKAC_ERR_NO_MEMORY;
    }
    return 0;
}

int kc_admin_result_find(const kafkac_admin_result_t *r, const char *name, int32_t partition)
{
    for (int i = 0; i < r->count; i++)
        if (r->e[i].partition == partition && r->e[i].name && name && !strcmp(r->e[i].name, name))
            return i;
    return -1;
}

static const kc_admin_entry_t *entry(const kafkac_admin_result_t *r, int i)
{
    return r && i >= 0 && i < r->count ? &r->e[i] : NULL;
}

int kafkac_admin_result_count(const kafkac_admin_result_t *r)
{
    return r ? r->count : 0;
}

const char *kafkac_admin_result_name(const kafkac_admin_result_t *r, int i)
{
    const kc_admin_entry_t *e = entry(r, i);
    return e && e->name ? e->name : "";
}

int32_t kafkac_admin_result_partition(const kafkac_admin_result_t *r, int i)
{
    const kc_admin_entry_t *e = entry(r, i);
    return e ? e->partition : -1;
}

kafkac_err_t kafkac_admin_result_error(const kafkac_admin_result_t *r, int i)
{
    const kc_admin_entry_t *e = entry(r, i);
    return e ? (kafkac_err_t)e->err : KAFKAC_ERR_INVALID_ARG;
}

const char *kafkac_admin_result_message(const kafkac_admin_result_t *r, int i)
{
    const kc_admin_entry_t *e = entry(r, i);
    if (!e || !e->err)
        return "";
    return e->message ? e->message : kafkac_err_str(e->err);
}

int64_t kafkac_admin_result_offset(const kafkac_admin_result_t *r, int i)
{
    const kc_admin_entry_t *e = entry(r, i);
    return e ? e->offset : -1;
}

/* ---- answering pending entries round by round ---- */

int kc_admin_answer(kafkac_admin_result_t *r, char *pending, const char *name, int32_t partition, int err,
                    const char *message, int *retry_err)
{
    int found = 0;
    for (int i = 0; i < r->count; i++) {
        if (!pending[i] || r->e[i].partition != partition || !name || strcmp(r->e[i].name, name) != 0)
            continue;
        found = 1;
        if (kc_admin_result_set(r, i, err, message))
            return KAFKAC_ERR_NO_MEMORY;
        if (kc_admin_retriable(err))
            *retry_err = err;
        else
            pending[i] = 0;
    }
    (void)found;
    return 0;
}

int kc_admin_round_end(kafkac_admin_result_t *r, char *pending, int retry_err)
{
    if (retry_err)
        return retry_err;
    for (int i = 0; i < r->count; i++)
        if (pending[i]) {
            pending[i] = 0;
            kc_admin_result_set(r, i, KAFKAC_ERR_UNKNOWN_SERVER_ERROR, "the broker's answer did not mention it");
        }
    return 0;
}

const void *kc_admin_row(const void *rows, int count, int i, size_t row_size, const void *none)
{
    if (!rows || i < 0 || i >= count)
        return none;
    return (const char *)rows + (size_t)i * row_size;
}

void kc_admin_rows_destroy(void *result, void *rows, kc_arena_t *arena)
{
    if (!result)
        return;
    kc_arena_destroy(arena);
    kc_free(rows);
    kc_free(result);
}

void *kc_admin_rows_grow(void *rows, int count, int *cap, size_t row_size)
{
    if (count >= *cap) {
        int n = *cap ? *cap * 2 : 16;
        void *r = kc_realloc(rows, (size_t)n * row_size);
        if (!r)
            return NULL;
        rows = r;
        *cap = n;
    }
    memset((char *)rows + (size_t)count * row_size, 0, row_size);
    return rows;
}

/* The generic codec: encodes, decodes, initialises and dumps any Kafka
 * message by walking the kc_field_t rows that scripts/gen_protocol.py
 * generates from our .def files (see schema.h for the C representation).
 *
 * Wire facts this file relies on (Kafka protocol guide, KIP-482):
 *   - Fields are written in definition order; a field absent from the
 *     version is not written at all.
 *   - Flexible versions use "compact" strings, bytes and arrays (unsigned
 *     varint length + 1, 0 meaning null) and end every struct, the message
 *     body included, with a tagged-field section: uvarint count, then per
 *     field uvarint tag, uvarint size, and the value in `size` bytes.
 *     Tagged fields are written in ascending tag order and only when they
 *     differ from their default; unknown tags are skipped by a reader.
 *   - Nested structs carry no length or null marker of their own.
 *
 * Decoding never trusts a count or a length: array counts go through
 * kc_r_array_len (count x smallest element size must fit in what is
 * left), lengths through the bounded reader, and each tagged field is
 * decoded from a sub-reader of exactly its declared size.  Nesting depth
 * is that of the (non-recursive) schemas, so input cannot drive recursion.
 * Memory comes from the caller's arena only, one allocation per array. */
#include <stdio.h>
#include <string.h>
#include "protocol/schema.h"
#include "kafkac/error.h"

/* Error codes (KC_F_ERRCODE) between wire and memory: Kafka's
 * UNKNOWN_SERVER_ERROR is -1 on the wire and KAFKAC_ERR_UNKNOWN_SERVER_ERROR
 * (32767) in memory.  The map swaps the two values, so it is its own
 * inverse and every int16 decodes and re-encodes to the same bytes (the
 * golden vectors hold 32767 too); 32767 is no code Kafka will reach. */
static int16_t errcode_swap(int16_t v)
{
    return v == -1 ? (int16_t)KAFKAC_ERR_UNKNOWN_SERVER_ERROR
                   : v == (int16_t)KAFKAC_ERR_UNKNOWN_SERVER_ERROR ? (int16_t)-1 : v;
}

/* ------------------------------------------------------------------ */
/* Where we are, for error messages like "Topics[2].Partitions[0].Records".
 * Kept as a stack of (field, array index) while walking; rendered into the
 * caller's buffer only when something fails. */

#define PATH_DEPTH 16

typedef struct walk {
    int16_t v;
    int flex;
    kc_arena_t *arena;
    int err;                      /* encode: first validation error */
    const char *err_field;        /* encode: its field */
    const char *names[PATH_DEPTH];
    int32_t idx[PATH_DEPTH];      /* -1: not an array element */
    int depth;
    char *path;                   /* caller's buffer, may be NULL */
    size_t path_size;
    int path_done;
} walk_t;

static void path_set(walk_t *c, int depth, const char *name)
{
    if (depth < PATH_DEPTH) {
        c->names[depth] = name;
        c->idx[depth] = -1;
    }
}

static void path_idx(walk_t *c, int depth, int32_t i)
{
    if (depth < PATH_DEPTH)
        c->idx[depth] = i;
}

/* Renders the stack up to and including `depth`, once: the innermost
 * failure is the one worth reporting. */
static void path_render(walk_t *c, int depth)
{
    if (c->path_done || !c->path || c->path_size == 0)
        return;
    c->path_done = 1;
    size_t n = 0;
    c->path[0] = '\0';
    for (int d = 0; d <= depth && d < PATH_DEPTH; d++) {
        int k;
        if (c->idx[d] >= 0)
            k = snprintf(c->path + n, c->path_size - n, "%s%s[%d]", d ? "." : "", c->names[d],
                         (int)c->idx[d]);
        else
            k = snprintf(c->path + n, c->path_size - n, "%s%s", d ? "." : "", c->names[d]);
        if (k < 0 || (size_t)k >= c->path_size - n)
            return;  /* truncated; snprintf left it NUL-terminated */
        n += (size_t)k;
    }
}

/* ------------------------------------------------------------------ */
/* Field predicates. */

static inline int in_version(const kc_field_t *f, int16_t v)
{
    return v >= f->ver_min && v <= f->ver_max;
}

static inline int nullable(const kc_field_t *f, int16_t v)
{
    return f->null_min >= 0 && v >= f->null_min && v <= f->null_max;
}

/* A single struct that some version lets be null has a bool flag beside
 * it (count_offset; see schema.h); p points at the struct. */
static inline bool *struct_null_flag(const kc_field_t *f, const uint8_t *p)
{
    if (f->type != KC_T_STRUCT || f->null_min < 0)
        return NULL;
    return (bool *)(uintptr_t)(p - f->offset + f->count_offset);
}

/* Sent in the tagged-field section in this version. */
static int tagged(const kc_field_t *f, const walk_t *c)
{
    return c->flex && f->tag >= 0 && c->v >= f->tag_min && c->v <= f->tag_max;
}

static size_t elem_size(const kc_field_t *f)
{
    switch (f->elem_type) {
    case KC_T_BOOL: return sizeof(bool);
    case KC_T_INT8: return 1;
    case KC_T_INT16: case KC_T_UINT16: return 2;
    case KC_T_INT32: case KC_T_UINT32: return 4;
    case KC_T_INT64: return 8;
    case KC_T_FLOAT64: return sizeof(double);
    case KC_T_STRING: return sizeof(const char *);
    case KC_T_BYTES: case KC_T_RECORDS: return sizeof(kc_bytes_t);
    case KC_T_UUID: return sizeof(kc_uuid_t);
    case KC_T_STRUCT: return f->schema->size;
    default: return 0;
    }
}

static size_t struct_min_wire(const kc_schema_t *s, const walk_t *c);

/* The fewest bytes one value can take on the wire; bounds a hostile array
 * count before anything is allocated, so that n elements of C size
 * elem_size() never cost more than a small multiple of the input size. */
static size_t elem_min_wire(uint8_t t, const kc_field_t *f, const walk_t *c)
{
    int compact = c->flex;
    switch (t) {
    case KC_T_BOOL: case KC_T_INT8: return 1;
    case KC_T_ARRAY: return compact ? 1 : 4;
    case KC_T_STRUCT: return t == f->type && nullable(f, c->v) ? 1 : struct_min_wire(f->schema, c);
    case KC_T_INT16: case KC_T_UINT16: return 2;
    case KC_T_INT32: case KC_T_UINT32: return 4;
    case KC_T_INT64: case KC_T_FLOAT64: return 8;
    case KC_T_UUID: return 16;
    case KC_T_STRING: return compact ? 1 : 2;
    case KC_T_BYTES: case KC_T_RECORDS: return compact ? 1 : 4;
    default: return 1;
    }
}

static int tagged(const kc_field_t *f, const walk_t *c);

/* At least 1: an empty struct would let any count through. */
static size_t struct_min_wire(const kc_schema_t *s, const walk_t *c)
{
    size_t n = c->flex ? 1 : 0;  /* the tagged-field count */
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kc_field_t *f = &s->fields[i];
        if (c->v >= f->ver_min && c->v <= f->ver_max && !tagged(f, c))
            n += elem_min_wire(f->type, f, c);
    }
    return n ? n : 1;
}

/* ------------------------------------------------------------------ */
/* Defaults. */

static void set_default(const kc_field_t *f, uint8_t *p)
{
    switch (f->type) {
    case KC_T_BOOL: *(bool *)p = f->def_int != 0; break;
    case KC_T_INT8: *(int8_t *)p = (int8_t)f->def_int; break;
    case KC_T_INT16: *(int16_t *)p = (int16_t)f->def_int; break;
    case KC_T_UINT16: *(uint16_t *)p = (uint16_t)f->def_int; break;
    case KC_T_INT32: *(int32_t *)p = (int32_t)f->def_int; break;
    case KC_T_UINT32: *(uint32_t *)p = (uint32_t)f->def_int; break;
    case KC_T_INT64: *(int64_t *)p = f->def_int; break;
    case KC_T_FLOAT64: *(double *)p = f->def_f64; break;
    case KC_T_STRING:
        *(const char **)p = f->def_null ? NULL : (f->def_str ? f->def_str : "");
        break;
    case KC_T_BYTES: case KC_T_RECORDS: {
        kc_bytes_t *b = (kc_bytes_t *)p;
        b->data = NULL;
        b->len = f->def_null ? -1 : 0;
        break;
    }
    case KC_T_UUID: memset(p, 0, sizeof(kc_uuid_t)); break;
    case KC_T_STRUCT: {
        kc_msg_init(f->schema, p);
        bool *isnull = struct_null_flag(f, p);
        if (isnull)
            *isnull = f->def_null;
        break;
    }
    case KC_T_ARRAY: {
        *(void **)p = NULL;
        *(int32_t *)((uint8_t *)p - f->offset + f->count_offset) = f->def_null ? -1 : 0;
        break;
    }
    default: break;
    }
}

void kc_msg_init(const kc_schema_t *s, void *msg)
{
    uint8_t *base = msg;
    for (uint16_t i = 0; i < s->nfields; i++)
        set_default(&s->fields[i], base + s->fields[i].offset);
}

void *kc_msg_array(kc_arena_t *a, const kc_schema_t *s, int n)
{
    uint8_t *arr = kc_arena_alloc(a, (size_t)(n > 0 ? n : 1) * s->size);
    for (int i = 0; arr && i < n; i++)
        kc_msg_init(s, arr + (size_t)i * s->size);
    return arr;
}

static int struct_is_default(const kc_schema_t *s, const uint8_t *base, int lenient);

/* Whether the value equals the field's default.  lenient (used for fields
 * the version lacks) treats null and empty alike: neither carries data
 * that dropping the field would lose. */
static int is_default(const kc_field_t *f, const uint8_t *p, int lenient)
{
    switch (f->type) {
    case KC_T_BOOL: return *(const bool *)p == (f->def_int != 0);
    case KC_T_INT8: return *(const int8_t *)p == (int8_t)f->def_int;
    case KC_T_INT16: return *(const int16_t *)p == (int16_t)f->def_int;
    case KC_T_UINT16: return *(const uint16_t *)p == (uint16_t)f->def_int;
    case KC_T_INT32: return *(const int32_t *)p == (int32_t)f->def_int;
    case KC_T_UINT32: return *(const uint32_t *)p == (uint32_t)f->def_int;
    case KC_T_INT64: return *(const int64_t *)p == f->def_int;
    case KC_T_FLOAT64: return *(const double *)p == f->def_f64;
    case KC_T_STRING: {
        const char *s = *(const char *const *)p;
        const char *d = f->def_str ? f->def_str : "";
        if (lenient && (s == NULL || s[0] == '\0'))
            return f->def_null || d[0] == '\0';
        return s == NULL ? f->def_null : (!f->def_null && strcmp(s, d) == 0);
    }
    case KC_T_BYTES: case KC_T_RECORDS: {
        int32_t len = ((const kc_bytes_t *)p)->len;
        if (lenient)
            return len <= 0;
        return f->def_null ? len == -1 : len == 0;
    }
    case KC_T_UUID: {
        static const kc_uuid_t zero;
        return memcmp(p, &zero, sizeof zero) == 0;
    }
    case KC_T_STRUCT: {
        const bool *isnull = struct_null_flag(f, p);
        if (isnull && *isnull)
            return f->def_null || lenient;
        return struct_is_default(f->schema, p, lenient);
    }
    case KC_T_ARRAY: {
        int32_t n = *(const int32_t *)(p - f->offset + f->count_offset);
        if (lenient)
            return n <= 0;
        return f->def_null ? n == -1 : n == 0;
    }
    default: return 1;
    }
}

static int struct_is_default(const kc_schema_t *s, const uint8_t *base, int lenient)
{
    for (uint16_t i = 0; i < s->nfields; i++)
        if (!is_default(&s->fields[i], base + s->fields[i].offset, lenient))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Decoding. */

static int decode_struct(walk_t *c, kc_reader_t *r, const kc_schema_t *s, uint8_t *base, int depth);

/* One value of type t at p; f gives name, nullability and schema. */
static void decode_value(walk_t *c, kc_reader_t *r, const kc_field_t *f, uint8_t t, uint8_t *p,
                         int depth)
{
    switch (t) {
    case KC_T_BOOL: *(bool *)p = kc_r_i8(r, f->name) != 0; break;
    case KC_T_INT8: *(int8_t *)p = kc_r_i8(r, f->name); break;
    case KC_T_INT16: {
        int16_t v = kc_r_i16(r, f->name);
        *(int16_t *)p = (f->flags & KC_F_ERRCODE) ? errcode_swap(v) : v;
        break;
    }
    case KC_T_UINT16: *(uint16_t *)p = kc_r_u16(r, f->name); break;
    case KC_T_INT32: *(int32_t *)p = kc_r_i32(r, f->name); break;
    case KC_T_UINT32: *(uint32_t *)p = kc_r_u32(r, f->name); break;
    case KC_T_INT64: *(int64_t *)p = kc_r_i64(r, f->name); break;
    case KC_T_FLOAT64: *(double *)p = kc_r_f64(r, f->name); break;
    case KC_T_UUID: {
        const uint8_t *d = kc_r_raw(r, 16, f->name);
        if (d)
            memcpy(p, d, 16);
        break;
    }
    case KC_T_STRING: {
        const char *s;
        int32_t len;
        if (kc_r_string(r, c->flex, &s, &len, f->name) != 0)
            break;
        if (len < 0) {
            if (!nullable(f, c->v))
                kc_r_fail(r, KAFKAC_ERR_MALFORMED, f->name);
            *(const char **)p = NULL;
            break;
        }
        char *copy = kc_arena_strndup(c->arena, s, (size_t)len);
        if (!copy)
            kc_r_fail(r, KAFKAC_ERR_NO_MEMORY, f->name);
        *(const char **)p = copy;
        break;
    }
    case KC_T_BYTES: case KC_T_RECORDS: {
        kc_bytes_t *b = (kc_bytes_t *)p;
        if (kc_r_bytes(r, c->flex, &b->data, &b->len, f->name) != 0)
            break;
        if (b->len < 0 && !nullable(f, c->v))
            kc_r_fail(r, KAFKAC_ERR_MALFORMED, f->name);
        break;
    }
    case KC_T_STRUCT: {
        bool *isnull = struct_null_flag(f, p);
        if (isnull) {
            *isnull = false;
            /* Nullable in this version: an int8 marker, -1 null, 1 present. */
            if (nullable(f, c->v) && kc_r_i8(r, f->name) < 0) {
                *isnull = true;
                break;
            }
        }
        decode_struct(c, r, f->schema, p, depth + 1);
        break;
    }
    default:
        kc_r_fail(r, KAFKAC_ERR_UNKNOWN_CLIENT_ERROR, f->name);
        break;
    }
}

static void decode_array(walk_t *c, kc_reader_t *r, const kc_field_t *f, uint8_t *p, int depth)
{
    int32_t *count = (int32_t *)(p - f->offset + f->count_offset);
    void **elems = (void **)p;
    *elems = NULL;
    *count = 0;
    int32_t n = kc_r_array_len(r, c->flex, elem_min_wire(f->elem_type, f, c), f->name);
    if (r->err)
        return;
    if (n < 0) {
        if (!nullable(f, c->v))
            kc_r_fail(r, KAFKAC_ERR_MALFORMED, f->name);
        *count = -1;
        return;
    }
    if (n == 0)
        return;
    size_t esz = elem_size(f);
    if (esz == 0 || (size_t)n > SIZE_MAX / esz) {
        kc_r_fail(r, KAFKAC_ERR_MALFORMED, f->name);
        return;
    }
    uint8_t *arr = kc_arena_alloc(c->arena, (size_t)n * esz);
    if (!arr) {
        kc_r_fail(r, KAFKAC_ERR_NO_MEMORY, f->name);
        return;
    }
    *elems = arr;
    *count = n;
    for (int32_t i = 0; i < n && !r->err; i++) {
        path_idx(c, depth, i);
        if (f->elem_type == KC_T_STRUCT)
            decode_struct(c, r, f->schema, arr + (size_t)i * esz, depth + 1);
        else
            decode_value(c, r, f, f->elem_type, arr + (size_t)i * esz, depth);
    }
    if (r->err)
        *count = 0;  /* never hand out half-filled elements as valid */
    else
        path_idx(c, depth, -1);
}

static void decode_field(walk_t *c, kc_reader_t *r, const kc_field_t *f, uint8_t *p, int depth)
{
    path_set(c, depth, f->name);
    if (f->type == KC_T_ARRAY)
        decode_array(c, r, f, p, depth);
    else
        decode_value(c, r, f, f->type, p, depth);
    if (r->err)
        path_render(c, depth);
}

static const kc_field_t *find_tag(const kc_schema_t *s, uint32_t tag, const walk_t *c)
{
    for (uint16_t i = 0; i < s->ntagged; i++) {
        const kc_field_t *f = &s->fields[s->tag_order[i]];
        if ((uint32_t)f->tag == tag)
            return tagged(f, c) ? f : NULL;
        if ((uint32_t)f->tag > tag)
            break;
    }
    return NULL;
}

static int decode_tagged(walk_t *c, kc_reader_t *r, const kc_schema_t *s, uint8_t *base, int depth)
{
    path_set(c, depth, "TaggedFields");
    uint32_t n = kc_r_uvarint(r, "TaggedFields");
    for (uint32_t i = 0; i < n && !r->err; i++) {
        uint32_t tag = kc_r_uvarint(r, "TaggedFields");
        uint32_t size = kc_r_uvarint(r, "TaggedFields");
        kc_reader_t sub = kc_r_sub(r, size, "TaggedFields");
        if (r->err)
            break;
        const kc_field_t *f = find_tag(s, tag, c);
        if (!f)
            continue;  /* unknown tag: a newer peer's field, skipped */
        decode_field(c, &sub, f, base + f->offset, depth);
        kc_r_expect_end(&sub, f->name);
        if (sub.err) {
            kc_r_fail(r, sub.err, sub.err_field);
            path_set(c, depth, f->name);
            path_render(c, depth);
            return r->err;
        }
        path_set(c, depth, "TaggedFields");
    }
    if (r->err)
        path_render(c, depth);
    return r->err;
}

static int decode_struct(walk_t *c, kc_reader_t *r, const kc_schema_t *s, uint8_t *base, int depth)
{
    for (uint16_t i = 0; i < s->nfields && !r->err; i++) {
        const kc_field_t *f = &s->fields[i];
        uint8_t *p = base + f->offset;
        if (!in_version(f, c->v) || tagged(f, c)) {
            set_default(f, p);  /* tagged ones are overwritten if present */
            continue;
        }
        decode_field(c, r, f, p, depth);
    }
    if (c->flex && !r->err)
        decode_tagged(c, r, s, base, depth);
    return r->err;
}

int kc_msg_decode_path(kc_reader_t *r, const kc_schema_t *s, void *msg, int16_t version,
                       int flexible, kc_arena_t *arena, char *path, size_t path_size)
{
    walk_t c;
    memset(&c, 0, sizeof c);
    c.v = version;
    c.flex = flexible;
    c.arena = arena;
    c.path = path;
    c.path_size = path_size;
    if (path && path_size)
        path[0] = '\0';
    if (r->err)
        return r->err;
    if (version < s->min_ver || version > s->max_ver) {
        kc_r_fail(r, KAFKAC_ERR_UNSUPPORTED_FEATURE, s->name);
        if (path && path_size)
            snprintf(path, path_size, "%s", s->name);
        return r->err;
    }
    return decode_struct(&c, r, s, msg, 0);
}

int kc_msg_decode(kc_reader_t *r, const kc_schema_t *s, void *msg, int16_t version, int flexible,
                  kc_arena_t *arena)
{
    return kc_msg_decode_path(r, s, msg, version, flexible, arena, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Encoding. */

static int encode_struct(walk_t *c, kc_writer_t *w, const kc_schema_t *s, const uint8_t *base,
                         int depth);

static int enc_fail(walk_t *c, int err, const kc_field_t *f, int depth)
{
    if (!c->err) {
        c->err = err;
        c->err_field = f->name;
        path_render(c, depth);
    }
    return err;
}

/* An int16 as it goes on the wire. */
static int16_t wire_i16(const kc_field_t *f, const uint8_t *p)
{
    int16_t v = *(const int16_t *)p;
    return (f->flags & KC_F_ERRCODE) ? errcode_swap(v) : v;
}

static int encode_value(walk_t *c, kc_writer_t *w, const kc_field_t *f, uint8_t t,
                        const uint8_t *p, int depth)
{
    switch (t) {
    case KC_T_BOOL: kc_w_i8(w, *(const bool *)p ? 1 : 0); break;
    case KC_T_INT8: kc_w_i8(w, *(const int8_t *)p); break;
    case KC_T_INT16: kc_w_i16(w, wire_i16(f, p)); break;
    case KC_T_UINT16: kc_w_u16(w, *(const uint16_t *)p); break;
    case KC_T_INT32: kc_w_i32(w, *(const int32_t *)p); break;
    case KC_T_UINT32: kc_w_u32(w, *(const uint32_t *)p); break;
    case KC_T_INT64: kc_w_i64(w, *(const int64_t *)p); break;
    case KC_T_FLOAT64: kc_w_f64(w, *(const double *)p); break;
    case KC_T_UUID: kc_w_raw(w, p, 16); break;
    case KC_T_STRING: {
        const char *s = *(const char *const *)p;
        if (!s) {
            if (!nullable(f, c->v))
                return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
            kc_w_string(w, c->flex, NULL, -1);
            break;
        }
        size_t len = strlen(s);
        if (len > INT16_MAX)  /* Kafka's string length is an int16 */
            return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
        kc_w_string(w, c->flex, s, (int32_t)len);
        break;
    }
    case KC_T_BYTES: case KC_T_RECORDS: {
        const kc_bytes_t *b = (const kc_bytes_t *)p;
        if (b->len < -1 || (b->len > 0 && !b->data))
            return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
        if (b->len == -1 && !nullable(f, c->v))
            return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
        kc_w_bytes(w, c->flex, b->data, b->len);
        break;
    }
    case KC_T_STRUCT: {
        const bool *isnull = struct_null_flag(f, p);
        if (isnull && nullable(f, c->v)) {
            kc_w_i8(w, *isnull ? -1 : 1);
            if (*isnull)
                break;
        } else if (isnull && *isnull) {
            return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
        }
        return encode_struct(c, w, f->schema, p, depth + 1);
    }
    default:
        return enc_fail(c, KAFKAC_ERR_UNKNOWN_CLIENT_ERROR, f, depth);
    }
    return w->err;
}

static int encode_array(walk_t *c, kc_writer_t *w, const kc_field_t *f, const uint8_t *p, int depth)
{
    int32_t n = *(const int32_t *)(p - f->offset + f->count_offset);
    const uint8_t *arr = *(const uint8_t *const *)p;
    if (n < -1 || (n > 0 && !arr))
        return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
    if (n == -1 && !nullable(f, c->v))
        return enc_fail(c, KAFKAC_ERR_INVALID_ARG, f, depth);
    kc_w_array_len(w, c->flex, n);
    size_t esz = elem_size(f);
    for (int32_t i = 0; i < n; i++) {
        path_idx(c, depth, i);
        int rc;
        if (f->elem_type == KC_T_STRUCT)
            rc = encode_struct(c, w, f->schema, arr + (size_t)i * esz, depth + 1);
        else
            rc = encode_value(c, w, f, f->elem_type, arr + (size_t)i * esz, depth);
        if (rc)
            return rc;
    }
    path_idx(c, depth, -1);
    return w->err;
}

static int encode_field(walk_t *c, kc_writer_t *w, const kc_field_t *f, const uint8_t *p, int depth)
{
    path_set(c, depth, f->name);
    if (f->type == KC_T_ARRAY)
        return encode_array(c, w, f, p, depth);
    return encode_value(c, w, f, f->type, p, depth);
}

/* Tagged fields: count, then (tag, size, value) by ascending tag.  The
 * size precedes the value but is known only after writing it, so the
 * value is written first and moved up by the size's varint width. */
static int encode_tagged(walk_t *c, kc_writer_t *w, const kc_schema_t *s, const uint8_t *base,
                         int depth)
{
    uint32_t n = 0;
    for (uint16_t i = 0; i < s->ntagged; i++) {
        const kc_field_t *f = &s->fields[s->tag_order[i]];
        if (in_version(f, c->v) && tagged(f, c) && !is_default(f, base + f->offset, 0))
            n++;
    }
    kc_w_uvarint(w, n);
    for (uint16_t i = 0; i < s->ntagged && n; i++) {
        const kc_field_t *f = &s->fields[s->tag_order[i]];
        if (!in_version(f, c->v) || !tagged(f, c) || is_default(f, base + f->offset, 0))
            continue;
        kc_w_uvarint(w, (uint32_t)f->tag);
        size_t start = w->len;
        int rc = encode_field(c, w, f, base + f->offset, depth);
        if (rc)
            return rc;
        size_t len = w->len - start;
        if (len > UINT32_MAX)
            return enc_fail(c, KAFKAC_ERR_MSG_SIZE_TOO_LARGE, f, depth);
        size_t vn = kc_uvarint_size(len);
        if (!kc_w_ensure(w, vn))
            return w->err;
        memmove(w->buf + start + vn, w->buf + start, len);
        uint8_t *d = w->buf + start;
        size_t v = len;
        while (v >= 0x80) {
            *d++ = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        *d = (uint8_t)v;
        w->len += vn;
    }
    return w->err;
}

static int encode_struct(walk_t *c, kc_writer_t *w, const kc_schema_t *s, const uint8_t *base,
                         int depth)
{
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kc_field_t *f = &s->fields[i];
        const uint8_t *p = base + f->offset;
        if (!in_version(f, c->v)) {
            /* Kafka fails rather than silently dropping data the version
             * cannot carry, unless the field is marked ignorable. */
            if (!(f->flags & KC_F_IGNORABLE) && !is_default(f, p, 1)) {
                path_set(c, depth, f->name);
                return enc_fail(c, KAFKAC_ERR_UNSUPPORTED_FEATURE, f, depth);
            }
            continue;
        }
        if (tagged(f, c))
            continue;
        int rc = encode_field(c, w, f, p, depth);
        if (rc)
            return rc;
    }
    if (c->flex)
        return encode_tagged(c, w, s, base, depth);
    return w->err;
}

int kc_msg_encode_path(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version,
                       int flexible, char *path, size_t path_size)
{
    walk_t c;
    memset(&c, 0, sizeof c);
    c.v = version;
    c.flex = flexible;
    c.path = path;
    c.path_size = path_size;
    if (path && path_size)
        path[0] = '\0';
    if (w->err)
        return w->err;
    if (version < s->min_ver || version > s->max_ver) {
        if (path && path_size)
            snprintf(path, path_size, "%s", s->name);
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    int rc = encode_struct(&c, w, s, msg, 0);
    return rc ? rc : w->err;
}

int kc_msg_encode(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version,
                  int flexible, const char **err_field)
{
    walk_t c;
    memset(&c, 0, sizeof c);
    c.v = version;
    c.flex = flexible;
    if (err_field)
        *err_field = NULL;
    if (w->err)
        return w->err;
    if (version < s->min_ver || version > s->max_ver) {
        if (err_field)
            *err_field = s->name;
        return KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    int rc = encode_struct(&c, w, s, msg, 0);
    if (rc && err_field)
        *err_field = c.err_field;
    return rc ? rc : w->err;
}

/* ------------------------------------------------------------------ */
/* JSON dump. */

static void json_str(kc_writer_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    kc_w_raw(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = { '\\', (char)ch };
            kc_w_raw(w, e, 2);
        } else if (ch < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
            kc_w_raw(w, e, 6);
        } else {
            kc_w_raw(w, &s[i], 1);
        }
    }
    kc_w_raw(w, "\"", 1);
}

/* url: Kafka prints uuids in the URL-safe alphabet without padding. */
static void json_base64(kc_writer_t *w, const uint8_t *p, size_t n, int url)
{
    const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    kc_w_raw(w, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t k = n - i;
        if (k > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (k > 2)
            v |= p[i + 2];
        char o[4] = { abc[(v >> 18) & 63], abc[(v >> 12) & 63], abc[(v >> 6) & 63], abc[v & 63] };
        size_t out = k >= 3 ? 4 : k + 1;
        kc_w_raw(w, o, out);
        if (!url)
            for (size_t j = out; j < 4; j++)
                kc_w_raw(w, "=", 1);
    }
    kc_w_raw(w, "\"", 1);
}

static void json_printf_i64(kc_writer_t *w, long long v)
{
    char b[32];
    int k = snprintf(b, sizeof b, "%lld", v);
    kc_w_raw(w, b, (size_t)k);
}

static void json_struct(kc_writer_t *w, const kc_schema_t *s, const uint8_t *base, int16_t v);

static void json_value(kc_writer_t *w, const kc_field_t *f, uint8_t t, const uint8_t *p, int16_t v)
{
    switch (t) {
    case KC_T_BOOL: kc_w_raw(w, *(const bool *)p ? "true" : "false", *(const bool *)p ? 4 : 5); break;
    case KC_T_INT8: json_printf_i64(w, *(const int8_t *)p); break;
    case KC_T_INT16: json_printf_i64(w, wire_i16(f, p)); break;
    case KC_T_UINT16: json_printf_i64(w, *(const uint16_t *)p); break;
    case KC_T_INT32: json_printf_i64(w, *(const int32_t *)p); break;
    case KC_T_UINT32: json_printf_i64(w, *(const uint32_t *)p); break;
    case KC_T_INT64: json_printf_i64(w, (long long)*(const int64_t *)p); break;
    case KC_T_FLOAT64: {
        char b[40];
        int k = snprintf(b, sizeof b, "%.17g", *(const double *)p);
        kc_w_raw(w, b, (size_t)k);
        break;
    }
    case KC_T_UUID: json_base64(w, p, 16, 1); break;
    case KC_T_STRING: {
        const char *s = *(const char *const *)p;
        if (s)
            json_str(w, s, strlen(s));
        else
            kc_w_raw(w, "null", 4);
        break;
    }
    case KC_T_BYTES: case KC_T_RECORDS: {
        const kc_bytes_t *b = (const kc_bytes_t *)p;
        if (b->len < 0)
            kc_w_raw(w, "null", 4);
        else if (t == KC_T_RECORDS)
            json_printf_i64(w, b->len);  /* size only: batches have their own dumper */
        else
            json_base64(w, b->data, (size_t)b->len, 0);
        break;
    }
    case KC_T_STRUCT: {
        const bool *isnull = struct_null_flag(f, p);
        if (isnull && *isnull)
            kc_w_raw(w, "null", 4);
        else
            json_struct(w, f->schema, p, v);
        break;
    }
    default: kc_w_raw(w, "null", 4); break;
    }
}

static void json_struct(kc_writer_t *w, const kc_schema_t *s, const uint8_t *base, int16_t v)
{
    int first = 1;
    kc_w_raw(w, "{", 1);
    for (uint16_t i = 0; i < s->nfields; i++) {
        const kc_field_t *f = &s->fields[i];
        const uint8_t *p = base + f->offset;
        if (!in_version(f, v))
            continue;
        if (!first)
            kc_w_raw(w, ",", 1);
        first = 0;
        /* Kafka's JSON converters lower the first letter: "throttleTimeMs". */
        char c0 = f->name[0];
        if (c0 >= 'A' && c0 <= 'Z')
            c0 = (char)(c0 - 'A' + 'a');
        kc_w_raw(w, "\"", 1);
        kc_w_raw(w, &c0, 1);
        kc_w_raw(w, f->name + 1, strlen(f->name + 1));
        kc_w_raw(w, "\":", 2);
        if (f->type != KC_T_ARRAY) {
            json_value(w, f, f->type, p, v);
            continue;
        }
        int32_t n = *(const int32_t *)(p - f->offset + f->count_offset);
        const uint8_t *arr = *(const uint8_t *const *)p;
        if (n < 0 || (n > 0 && !arr)) {
            kc_w_raw(w, "null", 4);
            continue;
        }
        size_t esz = elem_size(f);
        kc_w_raw(w, "[", 1);
        for (int32_t j = 0; j < n; j++) {
            if (j)
                kc_w_raw(w, ",", 1);
            json_value(w, f, f->elem_type, arr + (size_t)j * esz, v);
        }
        kc_w_raw(w, "]", 1);
    }
    kc_w_raw(w, "}", 1);
}

int kc_msg_to_json(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version)
{
    json_struct(w, s, msg, version);
    return w->err;
}

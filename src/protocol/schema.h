/* The tables that describe every Kafka protocol message, and the generic
 * codec that walks them.
 *
 * scripts/gen_protocol.py turns src/protocol/messages/NAME.def (our own
 * definitions, one file per API; format in src/protocol/messages/README.md)
 * into build/gen/kc_messages.{c,h}: one C struct per message and nested
 * struct, and one kc_schema_t per struct whose kc_field_t rows give each
 * field's type, versions, nullability, tag and offsetof().  Encoding,
 * decoding, initialising to defaults and dumping all walk the same rows,
 * so they cannot drift apart, and adding a version is a change to one
 * .def line.
 *
 * C representation of each Kafka type inside a generated struct:
 *   bool -> bool;  int8/int16/uint16/int32/uint32/int64 -> intN_t/uintN_t;
 *   float64 -> double;  uuid -> kc_uuid_t;
 *   string -> const char * (NUL-terminated; NULL is null);
 *   bytes, records -> kc_bytes_t (len -1 is null);
 *   struct -> the nested struct, embedded by value (a nullable one has a
 *             `bool name_null` beside it: on the wire an int8 -1 / 1);
 *   [T] -> `T *name; int32_t name_count;` (count -1 is a null array).
 * Decoded strings and arrays live in the kc_arena_t passed to the decoder;
 * bytes/records point into the decoded input buffer (no copy), so that
 * buffer must outlive the decoded message. */
#ifndef KC_SCHEMA_H
#define KC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/arena.h"
#include "common/buf.h"

typedef struct kc_uuid { uint8_t b[16]; } kc_uuid_t;
typedef struct kc_bytes { const uint8_t *data; int32_t len; } kc_bytes_t;

typedef enum kc_type {
    KC_T_BOOL = 1, KC_T_INT8, KC_T_INT16, KC_T_UINT16, KC_T_INT32, KC_T_UINT32,
    KC_T_INT64, KC_T_FLOAT64, KC_T_STRING, KC_T_BYTES, KC_T_RECORDS, KC_T_UUID,
    KC_T_STRUCT, KC_T_ARRAY
} kc_type_t;

#define KC_VER_MAX INT16_MAX   /* "vN+" : no upper bound */

/* kc_field_t.flags */
#define KC_F_IGNORABLE 0x01    /* Kafka drops a non-default value in versions
                                * without the field instead of failing */
#define KC_F_ERRCODE   0x02    /* an int16 error code: -1 on the wire is
                                * KAFKAC_ERR_UNKNOWN_SERVER_ERROR in memory
                                * (kafkac/error.h; codec.c swaps the two
                                * values); the generator sets it on int16
                                * fields named ...ErrorCode */

typedef struct kc_schema kc_schema_t;

typedef struct kc_field {
    const char *name;          /* Kafka's name, e.g. "TopicData" (errors, dumps) */
    uint8_t type;              /* kc_type_t */
    uint8_t elem_type;         /* KC_T_ARRAY: element type (KC_T_STRUCT for structs) */
    uint8_t flags;             /* KC_F_* */
    int16_t ver_min, ver_max;  /* versions the field exists in */
    int16_t null_min, null_max;/* versions where it may be null; null_min -1: never */
    int32_t tag;               /* tagged-field tag, or -1 */
    int16_t tag_min, tag_max;  /* versions in which it is sent as a tagged field */
    uint32_t offset;           /* offsetof the value (arrays: the element pointer) */
    uint32_t count_offset;     /* arrays: offsetof the int32_t count; a struct that
                                * may be null: offsetof its bool NAME_null flag */
    const kc_schema_t *schema; /* KC_T_STRUCT, or arrays of structs */
    int64_t def_int;           /* default for integers and bool */
    double def_f64;            /* default for float64 */
    bool def_null;             /* default is null (string/bytes/array) */
    const char *def_str;       /* default string when not null ("" usually) */
} kc_field_t;

struct kc_schema {
    const char *name;          /* e.g. "ProduceRequest", "ProduceRequest.TopicData" */
    uint32_t size;             /* sizeof the C struct */
    uint16_t nfields;
    const kc_field_t *fields;  /* in wire order */
    int16_t min_ver, max_ver;  /* the API's versions (checked by encode/decode) */
    uint16_t ntagged;          /* fields that have a tag */
    const uint16_t *tag_order; /* their indexes in fields[], by ascending tag */
};

typedef struct kc_api {
    int16_t key;
    const char *name;          /* "Produce" */
    int16_t min_ver, max_ver;  /* versions libkafkac can speak */
    int16_t flex_min;          /* first flexible version; KC_VER_MAX if none */
    const kc_schema_t *request;
    const kc_schema_t *response;
} kc_api_t;

/* Generated in build/gen/kc_messages.c: every API we define, by key. */
const kc_api_t *kc_api_get(int16_t key);           /* NULL if unknown */
const kc_api_t *kc_api_by_name(const char *name);  /* "Produce"; NULL if unknown */
extern const kc_api_t *const kc_apis[];            /* NULL-terminated */

static inline int kc_api_flexible(const kc_api_t *api, int16_t version)
{
    return version >= api->flex_min;
}

/* ------------------------------------------------------------------ */
/* Generic codec (src/protocol/codec.c).                                */

/* Sets every field of *msg to its default (as Kafka's generated classes
 * do): integers to def_int, strings/bytes/arrays to null or empty. */
void kc_msg_init(const kc_schema_t *s, void *msg);
/* An array of n structs of schema s in the arena, each kc_msg_init'ed (a
 * request builder's array field); NULL on no memory.  n may be 0. */
void *kc_msg_array(kc_arena_t *a, const kc_schema_t *s, int n);

/* Encodes msg as `version` of the API (body only, no header).  Returns 0
 * or an error: KAFKAC_ERR_UNSUPPORTED_FEATURE when msg sets a field the
 * version cannot carry to a non-default value, KAFKAC_ERR_INVALID_ARG for
 * a null where the version forbids it; `err_field` (if not NULL) gets the
 * failing field's name. */
int kc_msg_encode(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version,
                  int flexible, const char **err_field);

/* Decodes `version` of a message body from r into msg (a struct of
 * s->size bytes; fields the version lacks get their defaults), allocating
 * arrays and strings from `arena`.  Unknown tagged fields are skipped.  It
 * reads exactly the message; bytes left after it are the caller's to
 * judge (kc_r_expect_end).  On failure returns the error; r->err_field
 * names the field that failed.  A version outside s->min_ver..max_ver is
 * KAFKAC_ERR_UNSUPPORTED_FEATURE.  Safe on any input: every count and
 * length is checked against the bytes left before it is used, and nesting
 * is bounded by the schema. */
int kc_msg_decode(kc_reader_t *r, const kc_schema_t *s, void *msg, int16_t version, int flexible,
                  kc_arena_t *arena);

/* As kc_msg_encode / kc_msg_decode, and on failure also writes the path of
 * the failing field into path (NUL-terminated, truncated to path_size),
 * e.g. "Responses[2].PartitionResponses[0].Records".  path may be NULL. */
#define KC_PATH_MAX 192
int kc_msg_encode_path(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version,
                       int flexible, char *path, size_t path_size);
int kc_msg_decode_path(kc_reader_t *r, const kc_schema_t *s, void *msg, int16_t version,
                       int flexible, kc_arena_t *arena, char *path, size_t path_size);

/* Writes a JSON rendering of msg (field names as in Kafka, camelCase
 * first letter lowered, as Kafka's JSON converters do) to w: only the
 * fields `version` has; bytes as base64, records as their size, uuids in
 * Kafka's base64url form.  For logs, tests and `kafkac` debugging.
 * Returns 0 or the writer's error. */
int kc_msg_to_json(kc_writer_t *w, const kc_schema_t *s, const void *msg, int16_t version);

#endif

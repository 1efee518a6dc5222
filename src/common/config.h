/* Internal side of the configuration: the property table and the typed
 * settings the clients read.
 *
 * One table (config_table.c) describes every property: name, aliases,
 * type, default, range or allowed values, which clients it applies to, a
 * one-line doc, and where its parsed value goes in kc_settings_t.  From
 * that table come kafkac_conf_set()'s checks, kc_settings_load(), `kafkac
 * config list` and docs/CONFIGURATION.md, so they cannot disagree.
 *
 * A client calls kc_settings_load() once when it is created and then reads
 * plain fields (int64 milliseconds and sizes, C enums, parsed host lists)
 * on its hot paths, never strings. */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "common/config_values.h"
#include "common/log.h"

/* Which kind of client reads the settings.  As bits they also form each
 * property's scope mask.  KC_SCOPE_CLIENT is the protocol-level client
 * under all three (connections, metadata), which reads only the common
 * properties. */
typedef enum kc_scope {
    KC_SCOPE_PRODUCER = 1,
    KC_SCOPE_CONSUMER = 2,
    KC_SCOPE_ADMIN = 4,
    KC_SCOPE_CLIENT = 8,
} kc_scope_t;
#define KC_SCOPE_ALL (KC_SCOPE_PRODUCER | KC_SCOPE_CONSUMER | KC_SCOPE_ADMIN | KC_SCOPE_CLIENT)

typedef enum kc_prop_type {
    KC_PT_STRING,
    KC_PT_INT,
    KC_PT_BOOL,
    KC_PT_ENUM,
    KC_PT_LIST,     /* comma-separated: of `vals` if set, else of host:port */
} kc_prop_type_t;

/* One accepted spelling of an enum value and the C value it means. */
typedef struct kc_enum_val {
    const char *name;
    int value;
    unsigned flags;
} kc_enum_val_t;
#define KC_EV_UNSUPPORTED 1u  /* a valid Kafka value this library does not implement yet */
#define KC_EV_HIDDEN      2u  /* an accepted legacy spelling, not listed in docs */

typedef struct kc_prop {
    const char *name;              /* dotted Kafka name */
    const char *alias[3];          /* other accepted spellings (kafka-python's); NULL-padded */
    kc_prop_type_t type;
    const char *def;               /* default, as a user would write it; NULL: none */
    int64_t min, max;              /* KC_PT_INT only */
    const kc_enum_val_t *vals;     /* KC_PT_ENUM / enum lists: terminated by a NULL name */
    unsigned scopes;               /* kc_scope_t bits of the clients that read it */
    const char *doc;               /* one line, our own words */
    size_t offset;                 /* where the parsed value goes in kc_settings_t */
    unsigned flags;                /* KC_PROP_* */
} kc_prop_t;
/* A secret (a password, a private key): never logged or echoed in an
 * error, and wiped from memory when the conf or the settings are freed. */
#define KC_PROP_SECRET 1u

/* The table, in documentation order. */
extern const kc_prop_t kc_props[];
extern const size_t kc_props_count;

/* The row for a dotted name or alias (exact match), or NULL. */
const kc_prop_t *kc_prop_find(const char *key);
/* The closest known name to a misspelled key, or NULL if none is close. */
const char *kc_prop_suggest(const char *key);

/* Writes the allowed values or range of a property as text ("0 .. 900000",
 * "none, gzip, snappy, lz4, zstd") into buf (always NUL-terminated). */
void kc_prop_describe(const kc_prop_t *p, char *buf, size_t len);
/* "string", "int", "bool", "enum", "list". */
const char *kc_prop_type_name(kc_prop_type_t t);

/* docs/CONFIGURATION.md's full text, generated from the table.  Caller
 * frees with kc_free(); NULL when out of memory. */
char *kc_config_docs(void);

/* ------------------------------------------------------------------ */
/* Typed settings                                                      */



/* acks keeps Kafka's wire numbers: -1 (all), 0, 1. */

typedef enum kc_acks { KC_ACKS_ALL = -1, KC_ACKS_NONE = 0, KC_ACKS_LEADER = 1 } kc_acks_t;

typedef enum kc_partitioner {
    KC_PARTITIONER_DEFAULT,         /* murmur2 for keyed, sticky for unkeyed (Java's) */
    KC_PARTITIONER_MURMUR2,         /* murmur2 for keyed, one fixed partition for unkeyed */
    KC_PARTITIONER_MURMUR2_RANDOM,  /* murmur2 for keyed, a random partition per unkeyed record */
    KC_PARTITIONER_STICKY,          /* keys ignored; sticky partition for every record */
    KC_PARTITIONER_ROUND_ROBIN,     /* keys ignored; records cycle through partitions */
} kc_partitioner_t;

typedef enum kc_offset_reset {
    KC_RESET_LATEST, KC_RESET_EARLIEST, KC_RESET_NONE
} kc_offset_reset_t;

/* The wire values of the Fetch request's IsolationLevel field. */
typedef enum kc_isolation {
    KC_ISOLATION_READ_UNCOMMITTED = 0, KC_ISOLATION_READ_COMMITTED = 1
} kc_isolation_t;

typedef enum kc_assignor {
    KC_ASSIGNOR_RANGE, KC_ASSIGNOR_ROUNDROBIN, KC_ASSIGNOR_STICKY, KC_ASSIGNOR_COOPERATIVE_STICKY
} kc_assignor_t;



typedef enum kc_group_protocol { KC_GROUP_PROTOCOL_CLASSIC, KC_GROUP_PROTOCOL_CONSUMER } kc_group_protocol_t;

/* Every property, parsed.  Durations are milliseconds, sizes bytes.
 * Strings are owned by the struct; an empty string is stored as NULL
 * (so `transactional_id != NULL` means "transactional").  Fields of
 * properties outside the loaded scope hold their defaults. */
typedef struct kc_settings {
    kc_logger_t log;                         /* callback + log.level */

    /* common */
    kc_hostlist_t bootstrap;                 /* bootstrap.servers, never empty after load */
    char *client_id;
    int64_t request_timeout_ms;
    int64_t metadata_max_age_ms;
    int64_t reconnect_backoff_ms;
    int64_t reconnect_backoff_max_ms;
    int64_t retry_backoff_ms;
    int64_t retry_backoff_max_ms;
    int64_t socket_connection_setup_timeout_ms;
    int64_t socket_connection_setup_timeout_max_ms;
    int64_t connections_max_idle_ms;
    int64_t socket_send_buffer_bytes;        /* -1: leave the OS default */
    int64_t socket_receive_buffer_bytes;     /* -1: leave the OS default */
    int client_dns_lookup;                   /* kc_dns_lookup_t */
    int security_protocol;                   /* kc_security_protocol_t */
    kc_tls_settings_t tls;                   /* ssl.* */
    int64_t log_level;
    int64_t api_version_request_timeout_ms;
    bool allow_auto_create_topics;
    char *client_rack;
    int sasl_mechanism;                      /* kc_sasl_mech_t */
    char *sasl_username;
    char *sasl_password;                     /* secret: wiped by kc_settings_free */
    char *sasl_oauthbearer_config;
    int sasl_oauthbearer_method;             /* 0 default */
    kafkac_oauthbearer_refresh_cb oauth_cb;  /* from the conf; NULL: unsecured tokens */
    void *oauth_opaque;

    /* producer */
    int acks;                                /* kc_acks_t */
    int64_t linger_ms;
    int64_t batch_size;
    int64_t buffer_memory;
    int64_t max_block_ms;
    int compression_type;                    /* kc_codec_t */
    int64_t compression_level;               /* KC_COMPRESSION_LEVEL_DEFAULT when -1 */
    int64_t retries;
    int64_t delivery_timeout_ms;
    int64_t max_in_flight;                   /* max.in.flight.requests.per.connection */
    bool enable_idempotence;                 /* after the cross-property rules */
    bool enable_idempotence_set;             /* set explicitly: a broker without it is an error */
    char *transactional_id;
    int64_t transaction_timeout_ms;
    int partitioner;                         /* kc_partitioner_t */
    bool partitioner_ignore_keys;
    int64_t max_request_size;

    /* consumer */
    char *group_id;
    char *group_instance_id;
    char *group_remote_assignor;             /* group.protocol=consumer; NULL: the broker's default */
    int auto_offset_reset;                   /* kc_offset_reset_t */
    bool enable_auto_commit;                 /* false when there is no group.id */
    int64_t auto_commit_interval_ms;
    int64_t session_timeout_ms;
    int64_t heartbeat_interval_ms;
    int64_t max_poll_interval_ms;
    int64_t max_poll_records;
    int64_t fetch_min_bytes;
    int64_t fetch_max_wait_ms;
    int64_t fetch_max_bytes;
    int64_t max_partition_fetch_bytes;
    int isolation_level;                     /* kc_isolation_t */
    kc_enum_list_t assignors;                /* partition.assignment.strategy: kc_assignor_t, by preference */
    bool check_crcs;
    bool exclude_internal_topics;
    int group_protocol;                      /* kc_group_protocol_t */
    bool enable_partition_eof;

    /* consumer and admin */
    int64_t default_api_timeout_ms;
} kc_settings_t;

/* Resolves `conf` (NULL: all defaults) for one kind of client: parses every
 * property, applies the cross-property rules, and fills *out, which the
 * caller then owns and frees with kc_settings_free().  A property that
 * applies only to other kinds of client is logged as a warning through
 * conf's logger and ignored.  Returns KAFKAC_OK, KAFKAC_ERR_CONFIG (errstr
 * names the keys involved) or KAFKAC_ERR_NO_MEMORY; on error *out holds
 * nothing to free. */
int kc_settings_load(kc_settings_t *out, const kafkac_conf_t *conf, kc_scope_t scope,
                     char *errstr, size_t errlen);
/* Frees what *s owns and zeroes it.  NULL, and a zeroed struct, are fine. */
void kc_settings_free(kc_settings_t *s);

/* The value set for the property at table index i, or NULL if it was not
 * set explicitly. */
const char *kc_conf_value(const kafkac_conf_t *conf, size_t i);

#endif

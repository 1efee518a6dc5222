/* libkafkac: the admin client (what kafka-python's KafkaAdminClient and
 * the Java Admin do): topics, partitions, configs, consumer groups and
 * their offsets, records, ACLs, the cluster, leader elections, log dirs,
 * SCRAM credentials.
 *
 *   kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
 *   kafkac_new_topic_t t = { .name = "bankbranch", .partitions = 2, .replication_factor = 1 };
 *   kafkac_admin_result_t *res;
 *   if (kafkac_admin_create_topics(adm, &t, 1, 0, 30000, &res, err, sizeof err) == KAFKAC_OK) {
 *       if (kafkac_admin_result_error(res, 0))
 *           printf("%s: %s\n", kafkac_err_name(kafkac_admin_result_error(res, 0)),
 *                  kafkac_admin_result_message(res, 0));
 *       kafkac_admin_result_destroy(res);
 *   }
 *   kafkac_admin_destroy(adm);
 *
 * Every operation blocks the calling thread until it has an answer for
 * every entity it was given, or until timeout_ms has passed: one deadline
 * for the whole operation, retries and redirections included.
 * timeout_ms: see kafkac.h; the default is default.api.timeout.ms, and
 * with 0 nothing is sent (KAFKAC_ERR_TIMED_OUT at once).  It sends each request to the broker
 * that must answer it (the controller, a group's coordinator, a
 * partition's leader, or every broker), and retries NOT_CONTROLLER,
 * NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS and lost connections after
 * refreshing what it knows about the cluster.
 *
 * Return value: KAFKAC_OK when the operation ran, even if some entities
 * failed: each entity carries its own error and message in the result (one
 * bad topic name in a batch of five fails only itself).  Any other value is
 * a call-level failure (bad argument, no broker reachable, timed out...),
 * described in errstr, and *out is NULL.
 *
 * Ownership: inputs are borrowed for the duration of the call.  Results
 * are owned by the caller and freed with their _destroy function (NULL is
 * a no-op); strings and arrays read from a result live as long as it.
 * Threads: one admin handle may be used from several threads at once. */
#ifndef KAFKAC_ADMIN_H
#define KAFKAC_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "kafkac/error.h"
#include "kafkac/export.h"
#include "kafkac/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kafkac_admin kafkac_admin_t;

/* conf is only read (the caller keeps it).  NULL with errstr filled on bad
 * configuration. */
KAFKAC_API kafkac_admin_t *kafkac_admin_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size);
/* Closes the connections.  NULL is a no-op. */
KAFKAC_API void kafkac_admin_destroy(kafkac_admin_t *adm);

/* ---- Per-entity results ------------------------------------------
 * The answer of every operation that changes something: one entry per
 * topic, partition, group, resource or ACL it was given, in the order
 * given (delete_records, list_offsets and the group offset calls: one per
 * partition; elect_leaders with no partitions given: one per partition the
 * controller reports). */
typedef struct kafkac_admin_result kafkac_admin_result_t;

KAFKAC_API int kafkac_admin_result_count(const kafkac_admin_result_t *r);
/* Topic, group or resource name of entry i. */
KAFKAC_API const char *kafkac_admin_result_name(const kafkac_admin_result_t *r, int i);
/* Partition of entry i, or -1 when the entry is not a partition. */
KAFKAC_API int32_t kafkac_admin_result_partition(const kafkac_admin_result_t *r, int i);
KAFKAC_API kafkac_err_t kafkac_admin_result_error(const kafkac_admin_result_t *r, int i);
/* The broker's message for entry i's error, else the error's description;
 * "" when the entry succeeded.  Never NULL. */
KAFKAC_API const char *kafkac_admin_result_message(const kafkac_admin_result_t *r, int i);
/* delete_records: the new low watermark; list_offsets: the offset found;
 * -1 elsewhere. */
KAFKAC_API int64_t kafkac_admin_result_offset(const kafkac_admin_result_t *r, int i);
KAFKAC_API void kafkac_admin_result_destroy(kafkac_admin_result_t *r);

/* ---- Topics -------------------------------------------------------- */

typedef struct kafkac_config_entry {
    const char *name;
    const char *value;      /* NULL: the default (create) / delete (incremental) */
} kafkac_config_entry_t;

/* A topic to create.  Give either partitions and replication_factor
 * (-1 each for the broker's defaults), or an explicit assignment:
 * assignment[p] lists the broker ids of partition p's replicas, the first
 * being the preferred leader (then partitions is the count of rows and
 * replication_factor is ignored). */
typedef struct kafkac_new_topic {
    const char *name;
    int32_t partitions;
    int16_t replication_factor;
    const int32_t *const *assignment;  /* NULL, or `partitions` rows */
    const int *assignment_count;       /* replicas in each row */
    const kafkac_config_entry_t *configs;
    int config_count;
} kafkac_new_topic_t;

/* validate_only: ask the controller to check the request without creating. */
KAFKAC_API kafkac_err_t kafkac_admin_create_topics(kafkac_admin_t *adm, const kafkac_new_topic_t *topics, int count,
                                                   int validate_only, int timeout_ms, kafkac_admin_result_t **out,
                                                   char *errstr, size_t errstr_size);
KAFKAC_API kafkac_err_t kafkac_admin_delete_topics(kafkac_admin_t *adm, const char *const *topics, int count,
                                                   int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                   size_t errstr_size);
/* Raises topics[i]'s partition count to new_counts[i] (the controller
 * places the new replicas). */
KAFKAC_API kafkac_err_t kafkac_admin_create_partitions(kafkac_admin_t *adm, const char *const *topics,
                                                       const int32_t *new_counts, int count, int validate_only,
                                                       int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                       size_t errstr_size);

/* Topic descriptions: what kafka-topics.sh --describe shows. */
typedef struct kafkac_topic_desc kafkac_topic_desc_t;

/* topics NULL / count -1: every topic (internal ones included, flagged).
 * A topic that does not exist gets UNKNOWN_TOPIC_OR_PARTITION. */
KAFKAC_API kafkac_err_t kafkac_admin_describe_topics(kafkac_admin_t *adm, const char *const *topics, int count,
                                                     int timeout_ms, kafkac_topic_desc_t **out, char *errstr,
                                                     size_t errstr_size);
/* Every topic's name; internal topics only when include_internal. */
KAFKAC_API kafkac_err_t kafkac_admin_list_topics(kafkac_admin_t *adm, int include_internal, int timeout_ms,
                                                 kafkac_topic_desc_t **out, char *errstr, size_t errstr_size);
KAFKAC_API int kafkac_topic_desc_count(const kafkac_topic_desc_t *d);
KAFKAC_API const char *kafkac_topic_desc_name(const kafkac_topic_desc_t *d, int i);
KAFKAC_API kafkac_err_t kafkac_topic_desc_error(const kafkac_topic_desc_t *d, int i);
/* The topic id as Kafka prints it (base64url, 22 chars), "" if unknown. */
KAFKAC_API const char *kafkac_topic_desc_id(const kafkac_topic_desc_t *d, int i);
KAFKAC_API int kafkac_topic_desc_is_internal(const kafkac_topic_desc_t *d, int i);
KAFKAC_API int kafkac_topic_desc_partition_count(const kafkac_topic_desc_t *d, int i);
/* Partition p of topic i (p-th in id order): its id, error, leader (-1:
 * none) and replica / in-sync / offline replica lists (broker ids; arrays
 * live as long as d; any out pointer may be NULL). */
KAFKAC_API void kafkac_topic_desc_partition(const kafkac_topic_desc_t *d, int i, int p, int32_t *id,
                                            kafkac_err_t *err, int32_t *leader, const int32_t **replicas,
                                            int *replica_count, const int32_t **isr, int *isr_count,
                                            const int32_t **offline, int *offline_count);
KAFKAC_API void kafkac_topic_desc_destroy(kafkac_topic_desc_t *d);

/* ---- Cluster ------------------------------------------------------- */

typedef struct kafkac_cluster_desc kafkac_cluster_desc_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_cluster(kafkac_admin_t *adm, int timeout_ms, kafkac_cluster_desc_t **out,
                                                      char *errstr, size_t errstr_size);
KAFKAC_API const char *kafkac_cluster_desc_id(const kafkac_cluster_desc_t *c);
KAFKAC_API int32_t kafkac_cluster_desc_controller(const kafkac_cluster_desc_t *c);   /* -1 unknown */
KAFKAC_API int kafkac_cluster_desc_broker_count(const kafkac_cluster_desc_t *c);
/* Broker i (sorted by id); rack is NULL when it has none. */
KAFKAC_API void kafkac_cluster_desc_broker(const kafkac_cluster_desc_t *c, int i, int32_t *id, const char **host,
                                           int *port, const char **rack);
KAFKAC_API void kafkac_cluster_desc_destroy(kafkac_cluster_desc_t *c);

/* ---- Configs ------------------------------------------------------- */

/* Kafka's resource types.  ACLs use ResourceType (TOPIC, GROUP, CLUSTER,
 * TRANSACTIONAL_ID, ...); configs use ConfigResource.Type, whose values
 * agree for TOPIC, BROKER and BROKER_LOGGER, the ones the config calls take. */
typedef enum kafkac_resource_type {
    KAFKAC_RESOURCE_UNKNOWN = 0,
    KAFKAC_RESOURCE_ANY = 1,
    KAFKAC_RESOURCE_TOPIC = 2,
    KAFKAC_RESOURCE_GROUP = 3,
    KAFKAC_RESOURCE_BROKER = 4,     /* also ACL type CLUSTER */
    KAFKAC_RESOURCE_CLUSTER = 4,
    KAFKAC_RESOURCE_TRANSACTIONAL_ID = 5,
    KAFKAC_RESOURCE_DELEGATION_TOKEN = 6,
    KAFKAC_RESOURCE_USER = 7,
    KAFKAC_RESOURCE_BROKER_LOGGER = 8,
} kafkac_resource_type_t;

/* Where a config value comes from (DescribeConfigs ConfigSource). */
typedef enum kafkac_config_source {
    KAFKAC_CONFIG_SOURCE_UNKNOWN = 0,
    KAFKAC_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG = 1,
    KAFKAC_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG = 2,
    KAFKAC_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
    KAFKAC_CONFIG_SOURCE_STATIC_BROKER_CONFIG = 4,
    KAFKAC_CONFIG_SOURCE_DEFAULT_CONFIG = 5,
    KAFKAC_CONFIG_SOURCE_DYNAMIC_BROKER_LOGGER_CONFIG = 6,
    KAFKAC_CONFIG_SOURCE_CLIENT_METRICS_CONFIG = 7,
} kafkac_config_source_t;
/* "DYNAMIC_TOPIC_CONFIG" etc.; never NULL. */
KAFKAC_API const char *kafkac_config_source_name(int source);

/* A resource to describe or alter: a topic, or a broker (name = its id
 * in decimal; "" means the cluster-wide default for alter). */
typedef struct kafkac_config_resource {
    kafkac_resource_type_t type;
    const char *name;
} kafkac_config_resource_t;

typedef struct kafkac_config_desc kafkac_config_desc_t;
/* Every entry of each resource, with synonyms. */
KAFKAC_API kafkac_err_t kafkac_admin_describe_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *res,
                                                      int count, int timeout_ms, kafkac_config_desc_t **out,
                                                      char *errstr, size_t errstr_size);
KAFKAC_API int kafkac_config_desc_count(const kafkac_config_desc_t *d);     /* resources */
KAFKAC_API void kafkac_config_desc_resource(const kafkac_config_desc_t *d, int i, kafkac_resource_type_t *type,
                                            const char **name, kafkac_err_t *err, const char **message);
KAFKAC_API int kafkac_config_desc_entry_count(const kafkac_config_desc_t *d, int i);
/* Entry j of resource i.  value is NULL when unset or sensitive;
 * is_default is 1 when source is DEFAULT_CONFIG. */
KAFKAC_API void kafkac_config_desc_entry(const kafkac_config_desc_t *d, int i, int j, const char **name,
                                         const char **value, kafkac_config_source_t *source, int *is_default,
                                         int *is_read_only, int *is_sensitive);
KAFKAC_API int kafkac_config_desc_synonym_count(const kafkac_config_desc_t *d, int i, int j);
KAFKAC_API void kafkac_config_desc_synonym(const kafkac_config_desc_t *d, int i, int j, int k, const char **name,
                                           const char **value, kafkac_config_source_t *source);
/* The entry of resource i named `name`, or -1. */
KAFKAC_API int kafkac_config_desc_find(const kafkac_config_desc_t *d, int i, const char *name);
KAFKAC_API void kafkac_config_desc_destroy(kafkac_config_desc_t *d);

/* One change for alter_configs (legacy AlterConfigs: the resource's whole
 * dynamic config is replaced by the entries given) or
 * incremental_alter_configs (each entry applies `op`). */
typedef enum kafkac_config_op {
    KAFKAC_CONFIG_SET = 0,
    KAFKAC_CONFIG_DELETE = 1,      /* revert to the default */
    KAFKAC_CONFIG_APPEND = 2,      /* list-valued configs */
    KAFKAC_CONFIG_SUBTRACT = 3,
} kafkac_config_op_t;

typedef struct kafkac_config_alter {
    kafkac_config_resource_t resource;
    const kafkac_config_entry_t *entries;
    const kafkac_config_op_t *ops;  /* incremental only; NULL: all SET */
    int entry_count;
} kafkac_config_alter_t;

KAFKAC_API kafkac_err_t kafkac_admin_alter_configs(kafkac_admin_t *adm, const kafkac_config_alter_t *alters, int count,
                                                   int validate_only, int timeout_ms, kafkac_admin_result_t **out,
                                                   char *errstr, size_t errstr_size);
KAFKAC_API kafkac_err_t kafkac_admin_incremental_alter_configs(kafkac_admin_t *adm, const kafkac_config_alter_t *alters,
                                                               int count, int validate_only, int timeout_ms,
                                                               kafkac_admin_result_t **out, char *errstr,
                                                               size_t errstr_size);

/* ---- Consumer groups ---------------------------------------------- */

typedef struct kafkac_group_list kafkac_group_list_t;
/* Groups known to every broker (each coordinates some). */
KAFKAC_API kafkac_err_t kafkac_admin_list_consumer_groups(kafkac_admin_t *adm, int timeout_ms,
                                                          kafkac_group_list_t **out, char *errstr,
                                                          size_t errstr_size);
KAFKAC_API int kafkac_group_list_count(const kafkac_group_list_t *l);
/* Group i: id, protocol type ("consumer", "" for a group with only
 * offsets), state ("Stable", "Empty"...; "" if the broker is older than
 * ListGroups v4) and type ("classic", "consumer"; "" before v5). */
KAFKAC_API void kafkac_group_list_get(const kafkac_group_list_t *l, int i, const char **group_id,
                                      const char **protocol_type, const char **state, const char **type);
KAFKAC_API void kafkac_group_list_destroy(kafkac_group_list_t *l);

typedef struct kafkac_group_desc kafkac_group_desc_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_consumer_groups(kafkac_admin_t *adm, const char *const *groups,
                                                              int count, int timeout_ms, kafkac_group_desc_t **out,
                                                              char *errstr, size_t errstr_size);
KAFKAC_API int kafkac_group_desc_count(const kafkac_group_desc_t *d);
/* Group i: id, error, state, protocol type, protocol (assignor name, e.g.
 * "range"), coordinator broker id, member count.  A group the coordinator
 * does not have: GROUP_ID_NOT_FOUND with state "Dead", from any broker
 * version. */
KAFKAC_API void kafkac_group_desc_get(const kafkac_group_desc_t *d, int i, const char **group_id, kafkac_err_t *err,
                                      const char **state, const char **protocol_type, const char **protocol,
                                      int32_t *coordinator, int *member_count);
/* Member m of group i.  assignment: the partitions assigned to it (decoded
 * from the consumer protocol; NULL for other protocol types), owned by d. */
KAFKAC_API void kafkac_group_desc_member(const kafkac_group_desc_t *d, int i, int m, const char **member_id,
                                         const char **instance_id, const char **client_id, const char **host,
                                         const kafkac_topic_partition_list_t **assignment);
KAFKAC_API void kafkac_group_desc_destroy(kafkac_group_desc_t *d);

KAFKAC_API kafkac_err_t kafkac_admin_delete_consumer_groups(kafkac_admin_t *adm, const char *const *groups, int count,
                                                            int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                            size_t errstr_size);

/* A group's committed offsets with each partition's end offset and lag. */
typedef struct kafkac_group_offsets kafkac_group_offsets_t;
/* partitions NULL: every partition the group has an offset for. */
KAFKAC_API kafkac_err_t kafkac_admin_list_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                                 const kafkac_topic_partition_list_t *partitions,
                                                                 int timeout_ms, kafkac_group_offsets_t **out,
                                                                 char *errstr, size_t errstr_size);
KAFKAC_API int kafkac_group_offsets_count(const kafkac_group_offsets_t *o);
/* Entry i, sorted by topic and partition: committed is
 * KAFKAC_OFFSET_INVALID when none; end is the high watermark (-1 when it
 * could not be read); lag = end - committed (-1 when either is unknown).
 * metadata may be NULL.  err: the partition's error (fetch or end offset). */
KAFKAC_API void kafkac_group_offsets_get(const kafkac_group_offsets_t *o, int i, const char **topic,
                                         int32_t *partition, int64_t *committed, const char **metadata, int64_t *end,
                                         int64_t *lag, kafkac_err_t *err);
KAFKAC_API void kafkac_group_offsets_destroy(kafkac_group_offsets_t *o);

/* Commits offsets[i].offset (and .metadata) for the group, which must have
 * no active members (else UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS for each
 * partition, as Kafka answers). */
KAFKAC_API kafkac_err_t kafkac_admin_alter_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                                  const kafkac_topic_partition_list_t *offsets,
                                                                  int timeout_ms, kafkac_admin_result_t **out,
                                                                  char *errstr, size_t errstr_size);
KAFKAC_API kafkac_err_t kafkac_admin_delete_consumer_group_offsets(kafkac_admin_t *adm, const char *group,
                                                                   const kafkac_topic_partition_list_t *partitions,
                                                                   int timeout_ms, kafkac_admin_result_t **out,
                                                                   char *errstr, size_t errstr_size);

/* ---- Records and offsets ------------------------------------------- */

/* Deletes every record before offsets[i].offset (KAFKAC_OFFSET_END: all of
 * them) in each partition; the result's offset is the new low watermark. */
KAFKAC_API kafkac_err_t kafkac_admin_delete_records(kafkac_admin_t *adm, const kafkac_topic_partition_list_t *offsets,
                                                    int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                    size_t errstr_size);
/* For each partition, the offset that partitions[i].offset asks for:
 * KAFKAC_OFFSET_BEGINNING (low watermark), KAFKAC_OFFSET_END (high
 * watermark) or a timestamp in ms (the first offset at or after it). */
KAFKAC_API kafkac_err_t kafkac_admin_list_offsets(kafkac_admin_t *adm, const kafkac_topic_partition_list_t *partitions,
                                                  int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                  size_t errstr_size);

/* ---- Leader election and log dirs ---------------------------------- */

typedef enum kafkac_election_type {
    KAFKAC_ELECTION_PREFERRED = 0,
    KAFKAC_ELECTION_UNCLEAN = 1,
} kafkac_election_type_t;
/* partitions NULL: every partition whose leader is not its preferred
 * replica.  ELECTION_NOT_NEEDED in an entry means it already had it. */
KAFKAC_API kafkac_err_t kafkac_admin_elect_leaders(kafkac_admin_t *adm, kafkac_election_type_t type,
                                                   const kafkac_topic_partition_list_t *partitions, int timeout_ms,
                                                   kafkac_admin_result_t **out, char *errstr, size_t errstr_size);

typedef struct kafkac_log_dirs kafkac_log_dirs_t;
/* Every log dir of each broker in broker_ids (NULL / count 0: all
 * brokers), and the partitions it holds with their size. */
KAFKAC_API kafkac_err_t kafkac_admin_describe_log_dirs(kafkac_admin_t *adm, const int32_t *broker_ids, int count,
                                                       int timeout_ms, kafkac_log_dirs_t **out, char *errstr,
                                                       size_t errstr_size);
/* One row per (broker, dir, partition); a dir holding nothing has one row
 * with topic NULL. */
KAFKAC_API int kafkac_log_dirs_count(const kafkac_log_dirs_t *l);
KAFKAC_API void kafkac_log_dirs_get(const kafkac_log_dirs_t *l, int i, int32_t *broker, const char **dir,
                                    kafkac_err_t *err, const char **topic, int32_t *partition, int64_t *size,
                                    int64_t *offset_lag);
KAFKAC_API void kafkac_log_dirs_destroy(kafkac_log_dirs_t *l);

/* ---- ACLs ---------------------------------------------------------- */

typedef enum kafkac_acl_pattern {
    KAFKAC_ACL_PATTERN_ANY = 1,       /* filters only */
    KAFKAC_ACL_PATTERN_MATCH = 2,     /* filters only */
    KAFKAC_ACL_PATTERN_LITERAL = 3,
    KAFKAC_ACL_PATTERN_PREFIXED = 4,
} kafkac_acl_pattern_t;

typedef enum kafkac_acl_operation {
    KAFKAC_ACL_OP_ANY = 1, KAFKAC_ACL_OP_ALL = 2, KAFKAC_ACL_OP_READ = 3, KAFKAC_ACL_OP_WRITE = 4,
    KAFKAC_ACL_OP_CREATE = 5, KAFKAC_ACL_OP_DELETE = 6, KAFKAC_ACL_OP_ALTER = 7, KAFKAC_ACL_OP_DESCRIBE = 8,
    KAFKAC_ACL_OP_CLUSTER_ACTION = 9, KAFKAC_ACL_OP_DESCRIBE_CONFIGS = 10, KAFKAC_ACL_OP_ALTER_CONFIGS = 11,
    KAFKAC_ACL_OP_IDEMPOTENT_WRITE = 12,
} kafkac_acl_operation_t;

typedef enum kafkac_acl_permission {
    KAFKAC_ACL_PERMISSION_ANY = 1, KAFKAC_ACL_PERMISSION_DENY = 2, KAFKAC_ACL_PERMISSION_ALLOW = 3,
} kafkac_acl_permission_t;

/* An ACL binding, or (describe/delete) a filter where NULL strings and the
 * ANY values match everything.  Plain input/output values. */
typedef struct kafkac_acl {
    kafkac_resource_type_t resource_type;  /* TOPIC, GROUP, CLUSTER, ... */
    const char *resource_name;
    kafkac_acl_pattern_t pattern;
    const char *principal;                 /* "User:alice" */
    const char *host;                      /* "*" for any host */
    kafkac_acl_operation_t operation;
    kafkac_acl_permission_t permission;
} kafkac_acl_t;

/* One result entry per ACL, named by its resource. */
KAFKAC_API kafkac_err_t kafkac_admin_create_acls(kafkac_admin_t *adm, const kafkac_acl_t *acls, int count,
                                                 int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                 size_t errstr_size);

typedef struct kafkac_acl_list kafkac_acl_list_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_acls(kafkac_admin_t *adm, const kafkac_acl_t *filter, int timeout_ms,
                                                   kafkac_acl_list_t **out, char *errstr, size_t errstr_size);
/* Deletes the ACLs matching each filter; *out lists those deleted.  A
 * filter's own failure makes the call return it with errstr. */
KAFKAC_API kafkac_err_t kafkac_admin_delete_acls(kafkac_admin_t *adm, const kafkac_acl_t *filters, int count,
                                                 int timeout_ms, kafkac_acl_list_t **out, char *errstr,
                                                 size_t errstr_size);
KAFKAC_API int kafkac_acl_list_count(const kafkac_acl_list_t *l);
/* ACL i; its strings live as long as l. */
KAFKAC_API const kafkac_acl_t *kafkac_acl_list_get(const kafkac_acl_list_t *l, int i);
KAFKAC_API void kafkac_acl_list_destroy(kafkac_acl_list_t *l);

/* ---- SCRAM credentials (KIP-554) ---------------------------------- */

/* Kafka's ScramMechanism types. */
typedef enum kafkac_scram_mechanism {
    KAFKAC_SCRAM_UNKNOWN = 0,
    KAFKAC_SCRAM_SHA_256 = 1,
    KAFKAC_SCRAM_SHA_512 = 2,
} kafkac_scram_mechanism_t;
/* "SCRAM-SHA-256", "SCRAM-SHA-512", "UNKNOWN"; never NULL. */
KAFKAC_API const char *kafkac_scram_mechanism_name(int mechanism);
/* "SCRAM-SHA-256" / "scram-sha-512" -> the mechanism; KAFKAC_SCRAM_UNKNOWN
 * for anything else. */
KAFKAC_API kafkac_scram_mechanism_t kafkac_scram_mechanism_parse(const char *name);

/* Which users have SCRAM credentials, for which mechanisms and with how
 * many iterations (never the salt or the salted password: the broker does
 * not give them out).  users NULL / count 0: every user that has any.  A
 * named user without credentials gets RESOURCE_NOT_FOUND in its entry. */
typedef struct kafkac_scram_users kafkac_scram_users_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_user_scram_credentials(kafkac_admin_t *adm, const char *const *users,
                                                                     int count, int timeout_ms,
                                                                     kafkac_scram_users_t **out, char *errstr,
                                                                     size_t errstr_size);
/* Users, in the broker's order. */
KAFKAC_API int kafkac_scram_users_count(const kafkac_scram_users_t *u);
/* User i: name, error (0, or e.g. RESOURCE_NOT_FOUND) and the broker's
 * message ("" when none).  Any out pointer may be NULL. */
KAFKAC_API void kafkac_scram_users_get(const kafkac_scram_users_t *u, int i, const char **user, kafkac_err_t *err,
                                       const char **message);
/* Credentials of user i, and credential j's mechanism and iterations. */
KAFKAC_API int kafkac_scram_users_credential_count(const kafkac_scram_users_t *u, int i);
KAFKAC_API void kafkac_scram_users_credential(const kafkac_scram_users_t *u, int i, int j,
                                              kafkac_scram_mechanism_t *mechanism, int32_t *iterations);
/* The index of user `user`, or -1. */
KAFKAC_API int kafkac_scram_users_find(const kafkac_scram_users_t *u, const char *user);
KAFKAC_API void kafkac_scram_users_destroy(kafkac_scram_users_t *u);

typedef enum kafkac_scram_op {
    KAFKAC_SCRAM_UPSERT = 0,   /* create or replace the user's credential for the mechanism */
    KAFKAC_SCRAM_DELETE = 1,   /* delete it */
} kafkac_scram_op_t;

/* One change.  For an upsert the password is salted and hashed here, as the
 * Java admin does (a random 32-byte salt, PBKDF2 with the mechanism's HMAC,
 * `iterations` rounds; 0 means 4096, Kafka's minimum; Kafka refuses more
 * than 16384): only the salt and the salted password are sent, and our
 * copies of them are wiped when the call returns.  The password is
 * borrowed, never copied, logged or kept. */
typedef struct kafkac_scram_alteration {
    kafkac_scram_op_t op;
    const char *user;
    kafkac_scram_mechanism_t mechanism;
    int32_t iterations;        /* upsert only */
    const char *password;      /* upsert only; UTF-8 */
} kafkac_scram_alteration_t;

/* Applies the changes in one request.  The result has one entry per
 * alteration, in order, named by its user (the broker answers per user,
 * so the alterations of one user share that user's error: e.g.
 * UNACCEPTABLE_CREDENTIAL for too few or too many iterations,
 * RESOURCE_NOT_FOUND for deleting a credential that does not exist).
 * A KRaft controller takes one change per user per request: a second
 * change of the same user, even for the other mechanism, fails both with
 * DUPLICATE_RESOURCE, so change a user's two mechanisms in two calls. */
KAFKAC_API kafkac_err_t kafkac_admin_alter_user_scram_credentials(kafkac_admin_t *adm,
                                                                  const kafkac_scram_alteration_t *alterations,
                                                                  int count, int timeout_ms,
                                                                  kafkac_admin_result_t **out, char *errstr,
                                                                  size_t errstr_size);

#ifdef __cplusplus
}
#endif
#endif

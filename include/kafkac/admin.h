/* libkafkac: the admin client (what kafka-python's KafkaAdminClient and
 * the Java Admin do): topics, partitions, configs, consumer groups and
 * their offsets, records, ACLs, the cluster, leader elections, log dirs,
 * SCRAM credentials.
 *
 *   kafkac_admin_t *adm = kafkac_admin_new(conf, err, sizeof err);
 *   kafkac_new_topic_t *t = kafkac_new_topic_new("bankbranch", 2, 1);
 *   kafkac_admin_result_t *res;
 *   if (kafkac_admin_create_topics(adm, (const kafkac_new_topic_t *const[]){ t }, 1, 0, 30000, &res,
 *                                  err, sizeof err) == KAFKAC_OK) {
 *       if (kafkac_admin_result_error(res, 0))
 *           printf("%s: %s\n", kafkac_err_name(kafkac_admin_result_error(res, 0)),
 *                  kafkac_admin_result_message(res, 0));
 *       kafkac_admin_result_destroy(res);
 *   }
 *   kafkac_new_topic_destroy(t);
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
 * Inputs and results are opaque handles, so that they can grow without
 * breaking programs compiled against an older libkafkac: an input (a topic
 * to create, a config resource, an ACL, a SCRAM change) is made with its
 * _new function, completed with setters, passed as an array of handles,
 * and freed with its _destroy.  A result is read with getters that return
 * one value each; where an element has several fields the result hands
 * out an element handle (const, owned by the result, valid as long as it)
 * read with the element's getters.  An element handle asked for out of
 * range is NULL; a getter given NULL, or an index out of range, returns
 * the default its comment names (it never crashes).  A call given an
 * array with a NULL handle fails with KAFKAC_ERR_INVALID_ARG, naming it in
 * errstr, before anything is sent.
 *
 * Ownership: inputs are borrowed for the duration of the call; the caller
 * may reuse them for later calls, and destroys them.  Results are owned by
 * the caller and freed with their _destroy function (NULL is a no-op);
 * strings, arrays and element handles read from a result live as long as
 * it.  Threads: one admin handle may be used from several threads at
 * once.  An input may be read by several calls at once while no thread
 * changes it; a result may be read by several threads at once. */
#ifndef KAFKAC_ADMIN_H
#define KAFKAC_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "kafkac/error.h"
#include "kafkac/export.h"
#include "kafkac/protocol.h"
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

/* A topic to create (CreateTopics).  Name and everything set are copied
 * into the handle.  partitions and replication_factor: -1 each for the
 * broker's defaults (num.partitions, default.replication.factor).
 * NULL when name is NULL or on out of memory. */
typedef struct kafkac_new_topic kafkac_new_topic_t;
KAFKAC_API kafkac_new_topic_t *kafkac_new_topic_new(const char *name, int32_t partitions, int16_t replication_factor);
/* Sets a topic config (e.g. "cleanup.policy" = "compact"); value NULL
 * means the broker's default.  Setting a name again replaces its value.
 * 0, KAFKAC_ERR_INVALID_ARG (t or name NULL) or KAFKAC_ERR_NO_MEMORY. */
KAFKAC_API kafkac_err_t kafkac_new_topic_set_config(kafkac_new_topic_t *t, const char *name, const char *value);
/* Places partition `partition` on brokers[0..count) (broker ids, copied),
 * the first being the preferred leader.  Once any partition has an
 * assignment the topic is created from the assignments alone: give one
 * for every partition 0..n-1 (the broker refuses gaps with
 * INVALID_REPLICA_ASSIGNMENT), and partitions and replication_factor are
 * not sent (Kafka wants -1 for both).  Setting a partition again replaces
 * its row.  0, KAFKAC_ERR_INVALID_ARG (t NULL, partition < 0, count < 1
 * or brokers NULL) or KAFKAC_ERR_NO_MEMORY. */
KAFKAC_API kafkac_err_t kafkac_new_topic_set_replica_assignment(kafkac_new_topic_t *t, int32_t partition,
                                                                const int32_t *brokers, int count);
/* NULL is a no-op. */
KAFKAC_API void kafkac_new_topic_destroy(kafkac_new_topic_t *t);

/* validate_only: ask the controller to check the request without creating. */
KAFKAC_API kafkac_err_t kafkac_admin_create_topics(kafkac_admin_t *adm, const kafkac_new_topic_t *const *topics,
                                                   int count, int validate_only, int timeout_ms,
                                                   kafkac_admin_result_t **out, char *errstr, size_t errstr_size);
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
/* Partition p of topic i (p-th in id order), read with the
 * kafkac_partition_info_* getters of protocol.h (id, error, leader,
 * replicas, in-sync and offline replicas); NULL when out of range. */
KAFKAC_API const kafkac_partition_info_t *kafkac_topic_desc_partition(const kafkac_topic_desc_t *d, int i, int p);
KAFKAC_API void kafkac_topic_desc_destroy(kafkac_topic_desc_t *d);

/* ---- Cluster ------------------------------------------------------- */

typedef struct kafkac_cluster_desc kafkac_cluster_desc_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_cluster(kafkac_admin_t *adm, int timeout_ms, kafkac_cluster_desc_t **out,
                                                      char *errstr, size_t errstr_size);
KAFKAC_API const char *kafkac_cluster_desc_id(const kafkac_cluster_desc_t *c);
KAFKAC_API int32_t kafkac_cluster_desc_controller(const kafkac_cluster_desc_t *c);   /* -1 unknown */
KAFKAC_API int kafkac_cluster_desc_broker_count(const kafkac_cluster_desc_t *c);
/* Broker i (sorted by id), read with the kafkac_node_* getters of
 * protocol.h; NULL when out of range. */
KAFKAC_API const kafkac_node_t *kafkac_cluster_desc_broker(const kafkac_cluster_desc_t *c, int i);
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

/* How incremental_alter_configs changes one entry. */
typedef enum kafkac_config_op {
    KAFKAC_CONFIG_SET = 0,
    KAFKAC_CONFIG_DELETE = 1,      /* revert to the default */
    KAFKAC_CONFIG_APPEND = 2,      /* list-valued configs */
    KAFKAC_CONFIG_SUBTRACT = 3,
} kafkac_config_op_t;

/* A resource whose configs to describe or alter: a topic, or a broker
 * (name = its id in decimal; "" means the cluster-wide default for
 * alter), or a broker's loggers.  A broker's own resource is asked of that
 * broker; the others of any broker.  Name and entries are copied into the
 * handle.  NULL when name is NULL or on out of memory. */
typedef struct kafkac_config_resource kafkac_config_resource_t;
KAFKAC_API kafkac_config_resource_t *kafkac_config_resource_new(kafkac_resource_type_t type, const char *name);
/* Adds an entry, in order:
 * - describe_configs: names a config to describe (value and op are
 *   ignored); a resource with no entry describes every config.
 * - incremental_alter_configs: applies op to config `name` (value: the
 *   new value, or the list items to append / subtract; NULL for DELETE).
 * - alter_configs (legacy AlterConfigs): every op must be SET: the
 *   resource's whole dynamic config is replaced by its entries, value NULL
 *   meaning the default; the call fails with KAFKAC_ERR_INVALID_ARG
 *   otherwise.
 * 0, KAFKAC_ERR_INVALID_ARG (r or name NULL, op unknown) or
 * KAFKAC_ERR_NO_MEMORY. */
KAFKAC_API kafkac_err_t kafkac_config_resource_add(kafkac_config_resource_t *r, kafkac_config_op_t op,
                                                   const char *name, const char *value);
/* NULL is a no-op. */
KAFKAC_API void kafkac_config_resource_destroy(kafkac_config_resource_t *r);

typedef struct kafkac_config_desc kafkac_config_desc_t;
/* Each resource's entries (those it names, or all), with synonyms. */
KAFKAC_API kafkac_err_t kafkac_admin_describe_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *const *res,
                                                      int count, int timeout_ms, kafkac_config_desc_t **out,
                                                      char *errstr, size_t errstr_size);
/* Resources, in the order given. */
KAFKAC_API int kafkac_config_desc_count(const kafkac_config_desc_t *d);
/* Resource i: its type (KAFKAC_RESOURCE_UNKNOWN out of range), name (""),
 * error (KAFKAC_ERR_INVALID_ARG out of range) and the broker's message for
 * it ("" when it succeeded; never NULL). */
KAFKAC_API kafkac_resource_type_t kafkac_config_desc_type(const kafkac_config_desc_t *d, int i);
KAFKAC_API const char *kafkac_config_desc_name(const kafkac_config_desc_t *d, int i);
KAFKAC_API kafkac_err_t kafkac_config_desc_error(const kafkac_config_desc_t *d, int i);
KAFKAC_API const char *kafkac_config_desc_message(const kafkac_config_desc_t *d, int i);
KAFKAC_API int kafkac_config_desc_entry_count(const kafkac_config_desc_t *d, int i);

/* One config of a described resource, or one of its synonyms (the values
 * it would take from elsewhere: Kafka lists the one in effect first). */
typedef struct kafkac_config_entry kafkac_config_entry_t;
/* Entry j of resource i; NULL when out of range. */
KAFKAC_API const kafkac_config_entry_t *kafkac_config_desc_entry(const kafkac_config_desc_t *d, int i, int j);
/* The entry of resource i named `name`, or NULL. */
KAFKAC_API const kafkac_config_entry_t *kafkac_config_desc_find(const kafkac_config_desc_t *d, int i,
                                                                const char *name);
KAFKAC_API const char *kafkac_config_entry_name(const kafkac_config_entry_t *e);     /* "" for NULL e */
/* NULL when unset or sensitive. */
KAFKAC_API const char *kafkac_config_entry_value(const kafkac_config_entry_t *e);
KAFKAC_API kafkac_config_source_t kafkac_config_entry_source(const kafkac_config_entry_t *e);
/* 1 when the source is DEFAULT_CONFIG. */
KAFKAC_API int kafkac_config_entry_is_default(const kafkac_config_entry_t *e);
/* A synonym's read-only and sensitive flags are those of its entry. */
KAFKAC_API int kafkac_config_entry_is_read_only(const kafkac_config_entry_t *e);
KAFKAC_API int kafkac_config_entry_is_sensitive(const kafkac_config_entry_t *e);
/* Synonyms of an entry (a synonym has none). */
KAFKAC_API int kafkac_config_entry_synonym_count(const kafkac_config_entry_t *e);
KAFKAC_API const kafkac_config_entry_t *kafkac_config_entry_synonym(const kafkac_config_entry_t *e, int k);
KAFKAC_API void kafkac_config_desc_destroy(kafkac_config_desc_t *d);

/* alter_configs (legacy AlterConfigs: each resource's whole dynamic config
 * is replaced by its entries) and incremental_alter_configs (each entry
 * applies its op).  One result entry per resource, named by it. */
KAFKAC_API kafkac_err_t kafkac_admin_alter_configs(kafkac_admin_t *adm, const kafkac_config_resource_t *const *res,
                                                   int count, int validate_only, int timeout_ms,
                                                   kafkac_admin_result_t **out, char *errstr, size_t errstr_size);
KAFKAC_API kafkac_err_t kafkac_admin_incremental_alter_configs(kafkac_admin_t *adm,
                                                               const kafkac_config_resource_t *const *res, int count,
                                                               int validate_only, int timeout_ms,
                                                               kafkac_admin_result_t **out, char *errstr,
                                                               size_t errstr_size);

/* ---- Consumer groups ---------------------------------------------- */

typedef struct kafkac_group_list kafkac_group_list_t;
/* Groups known to every broker (each coordinates some). */
KAFKAC_API kafkac_err_t kafkac_admin_list_consumer_groups(kafkac_admin_t *adm, int timeout_ms,
                                                          kafkac_group_list_t **out, char *errstr,
                                                          size_t errstr_size);
/* Groups, sorted by id. */
KAFKAC_API int kafkac_group_list_count(const kafkac_group_list_t *l);
/* One listed group. */
typedef struct kafkac_group_listing kafkac_group_listing_t;
/* Group i; NULL when out of range. */
KAFKAC_API const kafkac_group_listing_t *kafkac_group_list_get(const kafkac_group_list_t *l, int i);
/* Its id, protocol type ("consumer", "" for a group with only offsets),
 * state ("Stable", "Empty"...; "" if the broker is older than ListGroups
 * v4) and type ("classic", "consumer"; "" before v5).  Never NULL ("" for
 * a NULL g). */
KAFKAC_API const char *kafkac_group_listing_id(const kafkac_group_listing_t *g);
KAFKAC_API const char *kafkac_group_listing_protocol_type(const kafkac_group_listing_t *g);
KAFKAC_API const char *kafkac_group_listing_state(const kafkac_group_listing_t *g);
KAFKAC_API const char *kafkac_group_listing_type(const kafkac_group_listing_t *g);
KAFKAC_API void kafkac_group_list_destroy(kafkac_group_list_t *l);

typedef struct kafkac_group_desc kafkac_group_desc_t;
KAFKAC_API kafkac_err_t kafkac_admin_describe_consumer_groups(kafkac_admin_t *adm, const char *const *groups,
                                                              int count, int timeout_ms, kafkac_group_desc_t **out,
                                                              char *errstr, size_t errstr_size);
/* Groups, in the order given. */
KAFKAC_API int kafkac_group_desc_count(const kafkac_group_desc_t *d);
/* One described group, and one of its members. */
typedef struct kafkac_group_info kafkac_group_info_t;
typedef struct kafkac_member_info kafkac_member_info_t;
/* Group i; NULL when out of range. */
KAFKAC_API const kafkac_group_info_t *kafkac_group_desc_get(const kafkac_group_desc_t *d, int i);
/* Its id, error, state, protocol type, protocol (assignor name, e.g.
 * "range"), coordinator broker id and members.  A group the coordinator
 * does not have: GROUP_ID_NOT_FOUND with state "Dead", from any broker
 * version.  Strings are never NULL; for a NULL g: "", error
 * KAFKAC_ERR_INVALID_ARG, coordinator -1, no members. */
KAFKAC_API const char *kafkac_group_info_id(const kafkac_group_info_t *g);
KAFKAC_API kafkac_err_t kafkac_group_info_error(const kafkac_group_info_t *g);
KAFKAC_API const char *kafkac_group_info_state(const kafkac_group_info_t *g);
KAFKAC_API const char *kafkac_group_info_protocol_type(const kafkac_group_info_t *g);
KAFKAC_API const char *kafkac_group_info_protocol(const kafkac_group_info_t *g);
KAFKAC_API int32_t kafkac_group_info_coordinator(const kafkac_group_info_t *g);
KAFKAC_API int kafkac_group_info_member_count(const kafkac_group_info_t *g);
/* Member m; NULL when out of range. */
KAFKAC_API const kafkac_member_info_t *kafkac_group_info_member(const kafkac_group_info_t *g, int m);
/* Member id, client id and host ("" for a NULL m), and the static
 * member's instance id (NULL when it has none). */
KAFKAC_API const char *kafkac_member_info_id(const kafkac_member_info_t *m);
KAFKAC_API const char *kafkac_member_info_instance_id(const kafkac_member_info_t *m);
KAFKAC_API const char *kafkac_member_info_client_id(const kafkac_member_info_t *m);
KAFKAC_API const char *kafkac_member_info_host(const kafkac_member_info_t *m);
/* The partitions assigned to it (decoded from the consumer protocol; NULL
 * for other protocol types), owned by the result. */
KAFKAC_API const kafkac_topic_partition_list_t *kafkac_member_info_assignment(const kafkac_member_info_t *m);
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
/* One partition's committed offset. */
typedef struct kafkac_group_offset kafkac_group_offset_t;
/* Entry i, sorted by topic and partition; NULL when out of range. */
KAFKAC_API const kafkac_group_offset_t *kafkac_group_offsets_get(const kafkac_group_offsets_t *o, int i);
/* topic ("" for a NULL e), partition (-1); committed is
 * KAFKAC_OFFSET_INVALID when none; metadata may be NULL; end is the high
 * watermark (-1 when it could not be read); lag = end - committed (-1 when
 * either is unknown); error: the partition's error (fetch or end offset). */
KAFKAC_API const char *kafkac_group_offset_topic(const kafkac_group_offset_t *e);
KAFKAC_API int32_t kafkac_group_offset_partition(const kafkac_group_offset_t *e);
KAFKAC_API int64_t kafkac_group_offset_committed(const kafkac_group_offset_t *e);
KAFKAC_API const char *kafkac_group_offset_metadata(const kafkac_group_offset_t *e);
KAFKAC_API int64_t kafkac_group_offset_end(const kafkac_group_offset_t *e);
KAFKAC_API int64_t kafkac_group_offset_lag(const kafkac_group_offset_t *e);
KAFKAC_API kafkac_err_t kafkac_group_offset_error(const kafkac_group_offset_t *e);
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
typedef struct kafkac_log_dir_replica kafkac_log_dir_replica_t;
/* Row i; NULL when out of range. */
KAFKAC_API const kafkac_log_dir_replica_t *kafkac_log_dirs_get(const kafkac_log_dirs_t *l, int i);
/* The broker (-1 for a NULL r), the dir ("") and its error, the topic
 * (NULL: the dir holds nothing) and partition (-1), the replica's size in
 * bytes and how far it lags behind the leader (-1 when unknown). */
KAFKAC_API int32_t kafkac_log_dir_replica_broker(const kafkac_log_dir_replica_t *r);
KAFKAC_API const char *kafkac_log_dir_replica_dir(const kafkac_log_dir_replica_t *r);
KAFKAC_API kafkac_err_t kafkac_log_dir_replica_error(const kafkac_log_dir_replica_t *r);
KAFKAC_API const char *kafkac_log_dir_replica_topic(const kafkac_log_dir_replica_t *r);
KAFKAC_API int32_t kafkac_log_dir_replica_partition(const kafkac_log_dir_replica_t *r);
KAFKAC_API int64_t kafkac_log_dir_replica_size(const kafkac_log_dir_replica_t *r);
KAFKAC_API int64_t kafkac_log_dir_replica_offset_lag(const kafkac_log_dir_replica_t *r);
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

/* An ACL binding (create_acls, and what describe / delete give back), or
 * a filter (describe_acls, delete_acls) where NULL strings and the ANY
 * values match everything.  Strings are copied into the handle.
 * resource_type: TOPIC, GROUP, CLUSTER, ...; principal: "User:alice";
 * host: "*" for any host.  For a binding, a NULL host is sent as "*", a
 * NULL name or principal as "", pattern 0 as LITERAL.  NULL on out of
 * memory. */
typedef struct kafkac_acl kafkac_acl_t;
KAFKAC_API kafkac_acl_t *kafkac_acl_new(kafkac_resource_type_t resource_type, const char *resource_name,
                                        kafkac_acl_pattern_t pattern, const char *principal, const char *host,
                                        kafkac_acl_operation_t operation, kafkac_acl_permission_t permission);
/* NULL is a no-op.  Never pass an ACL read from a kafkac_acl_list_t: the
 * list owns those. */
KAFKAC_API void kafkac_acl_destroy(kafkac_acl_t *acl);
/* The fields as given (or as the broker listed them).  For a NULL acl:
 * KAFKAC_RESOURCE_UNKNOWN, NULL strings and 0. */
KAFKAC_API kafkac_resource_type_t kafkac_acl_resource_type(const kafkac_acl_t *acl);
KAFKAC_API const char *kafkac_acl_resource_name(const kafkac_acl_t *acl);
KAFKAC_API kafkac_acl_pattern_t kafkac_acl_pattern(const kafkac_acl_t *acl);
KAFKAC_API const char *kafkac_acl_principal(const kafkac_acl_t *acl);
KAFKAC_API const char *kafkac_acl_host(const kafkac_acl_t *acl);
KAFKAC_API kafkac_acl_operation_t kafkac_acl_operation(const kafkac_acl_t *acl);
KAFKAC_API kafkac_acl_permission_t kafkac_acl_permission(const kafkac_acl_t *acl);

/* One result entry per ACL, named by its resource. */
KAFKAC_API kafkac_err_t kafkac_admin_create_acls(kafkac_admin_t *adm, const kafkac_acl_t *const *acls, int count,
                                                 int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                 size_t errstr_size);

typedef struct kafkac_acl_list kafkac_acl_list_t;
/* filter NULL: every ACL. */
KAFKAC_API kafkac_err_t kafkac_admin_describe_acls(kafkac_admin_t *adm, const kafkac_acl_t *filter, int timeout_ms,
                                                   kafkac_acl_list_t **out, char *errstr, size_t errstr_size);
/* Deletes the ACLs matching each filter; *out lists those deleted.  A
 * filter's own failure makes the call return it with errstr. */
KAFKAC_API kafkac_err_t kafkac_admin_delete_acls(kafkac_admin_t *adm, const kafkac_acl_t *const *filters, int count,
                                                 int timeout_ms, kafkac_acl_list_t **out, char *errstr,
                                                 size_t errstr_size);
KAFKAC_API int kafkac_acl_list_count(const kafkac_acl_list_t *l);
/* ACL i, read with the kafkac_acl_* getters (strings never NULL), owned
 * by l; NULL when out of range. */
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
typedef struct kafkac_scram_user kafkac_scram_user_t;
/* User i; NULL when out of range. */
KAFKAC_API const kafkac_scram_user_t *kafkac_scram_users_get(const kafkac_scram_users_t *u, int i);
/* The user named `user`, or NULL. */
KAFKAC_API const kafkac_scram_user_t *kafkac_scram_users_find(const kafkac_scram_users_t *u, const char *user);
/* Its name ("" for a NULL s), error (0, or e.g. RESOURCE_NOT_FOUND;
 * KAFKAC_ERR_INVALID_ARG for a NULL s) and the broker's message ("" when
 * it succeeded, else the error's description when the broker gave none). */
KAFKAC_API const char *kafkac_scram_user_name(const kafkac_scram_user_t *s);
KAFKAC_API kafkac_err_t kafkac_scram_user_error(const kafkac_scram_user_t *s);
KAFKAC_API const char *kafkac_scram_user_message(const kafkac_scram_user_t *s);
/* Its credentials, and credential j's mechanism (KAFKAC_SCRAM_UNKNOWN out
 * of range) and iterations (0 out of range). */
KAFKAC_API int kafkac_scram_user_credential_count(const kafkac_scram_user_t *s);
KAFKAC_API kafkac_scram_mechanism_t kafkac_scram_user_mechanism(const kafkac_scram_user_t *s, int j);
KAFKAC_API int32_t kafkac_scram_user_iterations(const kafkac_scram_user_t *s, int j);
KAFKAC_API void kafkac_scram_users_destroy(kafkac_scram_users_t *u);

/* One change of a user's SCRAM credential, to pass to
 * alter_user_scram_credentials.
 *
 * An upsertion creates or replaces the user's credential for the
 * mechanism.  The password (UTF-8) is salted and hashed here, as the Java
 * admin does (a random 32-byte salt, PBKDF2 with the mechanism's HMAC,
 * `iterations` rounds; 0 means 4096, Kafka's minimum; Kafka refuses more
 * than 16384, and fewer than its minimum, with UNACCEPTABLE_CREDENTIAL in
 * the result): the handle keeps only the user, the salt and the salted
 * password, and wipes them when destroyed.  The password is never copied,
 * logged or kept.  A deletion removes the user's credential for the
 * mechanism.  Both return NULL when user is NULL or "", the mechanism is
 * not SCRAM-SHA-256 or SCRAM-SHA-512, the password is NULL, no random
 * bytes could be read, or on out of memory. */
typedef struct kafkac_scram_alteration kafkac_scram_alteration_t;
KAFKAC_API kafkac_scram_alteration_t *kafkac_scram_upsertion_new(const char *user, kafkac_scram_mechanism_t mechanism,
                                                                 int32_t iterations, const char *password);
KAFKAC_API kafkac_scram_alteration_t *kafkac_scram_deletion_new(const char *user, kafkac_scram_mechanism_t mechanism);
/* Wipes and frees.  NULL is a no-op. */
KAFKAC_API void kafkac_scram_alteration_destroy(kafkac_scram_alteration_t *a);

/* Applies the changes in one request.  The result has one entry per
 * alteration, in order, named by its user (the broker answers per user,
 * so the alterations of one user share that user's error: e.g.
 * UNACCEPTABLE_CREDENTIAL for too few or too many iterations,
 * RESOURCE_NOT_FOUND for deleting a credential that does not exist).
 * A KRaft controller takes one change per user per request: a second
 * change of the same user, even for the other mechanism, fails both with
 * DUPLICATE_RESOURCE, so change a user's two mechanisms in two calls. */
KAFKAC_API kafkac_err_t kafkac_admin_alter_user_scram_credentials(kafkac_admin_t *adm,
                                                                  const kafkac_scram_alteration_t *const *alterations,
                                                                  int count, int timeout_ms,
                                                                  kafkac_admin_result_t **out, char *errstr,
                                                                  size_t errstr_size);

#ifdef __cplusplus
}
#endif
#endif

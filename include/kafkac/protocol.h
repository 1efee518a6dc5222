/* libkafkac: the protocol-level client.
 *
 * What the producer, consumer and admin client stand on, usable on its
 * own (as kafka-python users call KafkaClient): it connects to the
 * brokers of bootstrap.servers, negotiates API versions with each
 * (ApiVersions), keeps cluster metadata, and sends requests.
 *
 *   kafkac_conf_t *conf = kafkac_conf_new();
 *   kafkac_conf_set(conf, "bootstrap.servers", "127.0.0.1:9092", err, sizeof err);
 *   kafkac_client_t *cl = kafkac_client_new(conf, err, sizeof err);
 *   kafkac_conf_destroy(conf);               // the client keeps its own copy
 *   kafkac_broker_versions_t *v;
 *   if (kafkac_client_probe(cl, -1, 10000, &v, err, sizeof err) == KAFKAC_OK) {
 *       printf("release: %s\n", kafkac_broker_versions_release(v));
 *       kafkac_broker_versions_destroy(v);
 *   }
 *   kafkac_client_destroy(cl);
 *
 * Threads: every function here may be called from any thread; the calls
 * that wait (probe, metadata, request) block only the calling thread.
 * Errors: functions return kafkac_err_t; where errstr is given, a failing
 * call fills it with what went wrong (NUL-terminated, truncated to fit;
 * errstr may be NULL when errstr_size is 0).  Timeouts: timeout_ms of
 * probe, metadata and request: see kafkac.h; the default is
 * request.timeout.ms, and with 0 nothing is sent (KAFKAC_ERR_TIMED_OUT at
 * once: each call needs a broker's answer).  Each call returns by its own
 * timeout, counted from the call (probe's two steps share it),
 * whatever else is queued on the same broker: KAFKAC_ERR_TIMED_OUT naming
 * the request that timed out.  When no broker can be reached by then the
 * error says what happened: KAFKAC_ERR_RESOLVE (a host name did not
 * resolve), KAFKAC_ERR_ALL_BROKERS_DOWN (refused, reset) or
 * KAFKAC_ERR_TIMED_OUT (a broker that does not answer), with the last
 * connection error in errstr. */
#ifndef KAFKAC_PROTOCOL_H
#define KAFKAC_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/conf.h"
#include "kafkac/error.h"
#include "kafkac/export.h"
#include "kafkac/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kafkac_client kafkac_client_t;

/* Creates a client and starts its I/O thread.  conf is only read: the
 * caller keeps ownership.  Connections open on first use.  Returns NULL
 * with errstr filled on bad configuration (e.g. no bootstrap.servers). */
KAFKAC_API kafkac_client_t *kafkac_client_new(const kafkac_conf_t *conf, char *errstr, size_t errstr_size);

/* Closes every connection; requests still waiting fail.  NULL is a no-op. */
KAFKAC_API void kafkac_client_destroy(kafkac_client_t *client);

/* Kafka's name for an API key ("Produce", "Fetch", "ShareFetch"...), for
 * every key Kafka defines up to the newest release libkafkac is tested
 * against, including the ones it does not speak (inter-broker and
 * controller requests); NULL for a key newer than that.  Static storage. */
KAFKAC_API const char *kafkac_api_name(int16_t api_key);

/* ---- Elements of results ------------------------------------------
 * Results (here and in admin.h) are opaque, read with getters that
 * return one value each, so that they can grow without breaking callers.
 * An element with several fields is handed out as a const element handle
 * owned by its result (valid as long as the result), read with the
 * element's getters below.  A getter given NULL returns the default its
 * comment names. */

/* A broker: kafkac_metadata_broker(), kafkac_cluster_desc_broker(). */
typedef struct kafkac_node kafkac_node_t;
KAFKAC_API int32_t kafkac_node_id(const kafkac_node_t *n);          /* -1 for NULL */
KAFKAC_API const char *kafkac_node_host(const kafkac_node_t *n);    /* "" for NULL */
KAFKAC_API int kafkac_node_port(const kafkac_node_t *n);            /* 0 for NULL */
KAFKAC_API const char *kafkac_node_rack(const kafkac_node_t *n);    /* NULL when it has none */

/* A topic's partition: kafkac_metadata_partition(),
 * kafkac_topic_desc_partition(). */
typedef struct kafkac_partition_info kafkac_partition_info_t;
KAFKAC_API int32_t kafkac_partition_info_id(const kafkac_partition_info_t *p);          /* -1 for NULL */
/* The partition's error (e.g. LEADER_NOT_AVAILABLE); KAFKAC_ERR_INVALID_ARG
 * for NULL. */
KAFKAC_API kafkac_err_t kafkac_partition_info_error(const kafkac_partition_info_t *p);
KAFKAC_API int32_t kafkac_partition_info_leader(const kafkac_partition_info_t *p);      /* -1: none */
/* The broker ids of its replicas (preferred leader first), of its in-sync
 * replicas, and of its offline replicas (Metadata v5+), with their count
 * in *count (count may be NULL).  NULL with *count 0 when empty. */
KAFKAC_API const int32_t *kafkac_partition_info_replicas(const kafkac_partition_info_t *p, int *count);
KAFKAC_API const int32_t *kafkac_partition_info_isr(const kafkac_partition_info_t *p, int *count);
KAFKAC_API const int32_t *kafkac_partition_info_offline(const kafkac_partition_info_t *p, int *count);

/* ---- Which Kafka release does a broker run? ---------------------- */

typedef struct kafkac_broker_versions kafkac_broker_versions_t;

/* Asks one broker (broker_id, or -1 for any) for its API versions and
 * names its release.  On KAFKAC_OK *out is a new object to release with
 * kafkac_broker_versions_destroy. */
KAFKAC_API kafkac_err_t kafkac_client_probe(kafkac_client_t *client, int32_t broker_id, int timeout_ms,
                                            kafkac_broker_versions_t **out, char *errstr, size_t errstr_size);

/* "3.9", "4.1", "0.10.2"...: the newest release whose API versions the
 * broker has (a broker newer than every release libkafkac knows is named
 * as the newest it knows). */
KAFKAC_API const char *kafkac_broker_versions_release(const kafkac_broker_versions_t *v);
/* Broker id that answered; negative for a bootstrap server that has no
 * id yet (-1 is the first entry of bootstrap.servers). */
KAFKAC_API int32_t kafkac_broker_versions_broker_id(const kafkac_broker_versions_t *v);
/* Number of APIs the broker offers, sorted by key. */
KAFKAC_API int kafkac_broker_versions_count(const kafkac_broker_versions_t *v);
/* One API the broker offers. */
typedef struct kafkac_api_version kafkac_api_version_t;
/* Entry i; NULL when out of range. */
KAFKAC_API const kafkac_api_version_t *kafkac_broker_versions_get(const kafkac_broker_versions_t *v, int i);
/* The API key, the broker's min and max version, and the version
 * libkafkac would use (-1: no common version, or an API libkafkac does
 * not implement).  -1 each for NULL. */
KAFKAC_API int16_t kafkac_api_version_key(const kafkac_api_version_t *a);
KAFKAC_API int16_t kafkac_api_version_broker_min(const kafkac_api_version_t *a);
KAFKAC_API int16_t kafkac_api_version_broker_max(const kafkac_api_version_t *a);
KAFKAC_API int16_t kafkac_api_version_chosen(const kafkac_api_version_t *a);
/* NULL is a no-op. */
KAFKAC_API void kafkac_broker_versions_destroy(kafkac_broker_versions_t *v);

/* ---- Cluster metadata -------------------------------------------- */

typedef struct kafkac_metadata kafkac_metadata_t;

/* Fetches metadata for `topics` (topic_count of them), or for every
 * topic when topic_count is -1.  Topics that do not exist come back
 * with their error (UNKNOWN_TOPIC_OR_PARTITION) unless the broker
 * auto-creates them (allow.auto.create.topics).  On KAFKAC_OK *out is a
 * snapshot to release with kafkac_metadata_destroy. */
KAFKAC_API kafkac_err_t kafkac_client_metadata(kafkac_client_t *client, const char *const *topics, int topic_count,
                                               int timeout_ms, kafkac_metadata_t **out, char *errstr,
                                               size_t errstr_size);
/* NULL is a no-op. */
KAFKAC_API void kafkac_metadata_destroy(kafkac_metadata_t *md);

/* Strings, arrays and element handles returned below live as long as the
 * snapshot. */
KAFKAC_API const char *kafkac_metadata_cluster_id(const kafkac_metadata_t *md);   /* NULL if unknown */
KAFKAC_API int32_t kafkac_metadata_controller_id(const kafkac_metadata_t *md);    /* -1 if unknown */
/* Brokers, sorted by id. */
KAFKAC_API int kafkac_metadata_broker_count(const kafkac_metadata_t *md);
/* Broker i; NULL when out of range. */
KAFKAC_API const kafkac_node_t *kafkac_metadata_broker(const kafkac_metadata_t *md, int i);
/* Topics, sorted by name. */
KAFKAC_API int kafkac_metadata_topic_count(const kafkac_metadata_t *md);
/* Topic i: name ("" out of range), error (KAFKAC_OK or e.g.
 * UNKNOWN_TOPIC_OR_PARTITION; KAFKAC_ERR_INVALID_ARG out of range),
 * whether it is internal, and its partition count. */
KAFKAC_API const char *kafkac_metadata_topic_name(const kafkac_metadata_t *md, int i);
KAFKAC_API kafkac_err_t kafkac_metadata_topic_error(const kafkac_metadata_t *md, int i);
KAFKAC_API int kafkac_metadata_topic_is_internal(const kafkac_metadata_t *md, int i);
KAFKAC_API int kafkac_metadata_topic_partition_count(const kafkac_metadata_t *md, int i);
/* Partition p of topic i (sorted by id), read with the
 * kafkac_partition_info_* getters; NULL when out of range. */
KAFKAC_API const kafkac_partition_info_t *kafkac_metadata_partition(const kafkac_metadata_t *md, int i, int p);

/* ---- Raw requests ------------------------------------------------ */

/* Sends body (an already encoded request body, without size prefix or
 * header) as `api_version` of `api_key` to broker_id (-1: any), and
 * returns the response body (without size prefix or header) in
 * *resp_body, which the caller frees with kafkac_free().  The API must be
 * one libkafkac speaks (`kafkac probe` shows a version for it in its
 * libkafkac column).
 * Experimental: its eleven arguments are to become a request handle that
 * can grow (headers, flexible-version tags), so it may change in a minor
 * release. */
KAFKAC_API_EXPERIMENTAL kafkac_err_t kafkac_client_request(kafkac_client_t *client, int32_t broker_id, int16_t api_key,
                                              int16_t api_version, const void *body, size_t body_len,
                                              void **resp_body, size_t *resp_len, int timeout_ms, char *errstr,
                                              size_t errstr_size);

/* Frees memory that libkafkac handed to the caller.  NULL is a no-op. */
KAFKAC_API void kafkac_free(void *p);

#ifdef __cplusplus
}
#endif
#endif

/* Protocol-layer helpers for the integration tests: a kc_net_t opened
 * from a conf, a topic made with CreateTopics, a partition's leader
 * waited for, and a closed record batch written with Produce.  Every
 * helper fails the running cmocka test (naming what it expected and what
 * it got) instead of returning an error, so a test reads as its steps.
 *
 * Linked into every test binary (tests/common); only integration tests
 * call the functions that need a broker. */
#ifndef KC_TNET_H
#define KC_TNET_H
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "kafkac/conf.h"
#include "protocol/net.h"

/* A new conf with bootstrap.servers = brokers; the caller destroys it. */
kafkac_conf_t *kc_test_conf(const char *brokers);

/* Sets one property of conf, failing the test with kafkac_conf_set's
 * message if it refuses. */
void kc_test_conf_set(kafkac_conf_t *conf, const char *name, const char *value);

typedef struct kc_tnet {
    kc_settings_t s;
    kc_net_t *net;
} kc_tnet_t;

/* Opens t's network client with conf's settings; conf stays the
 * caller's.  kc_tnet_close frees what this made. */
void kc_tnet_open_conf(kc_tnet_t *t, const kafkac_conf_t *conf);
/* The same with only bootstrap.servers = brokers set. */
void kc_tnet_open(kc_tnet_t *t, const char *brokers);
void kc_tnet_close(kc_tnet_t *t);

/* Creates topic `name` (partitions, replication factor rf, and one topic
 * config when cfg_name is not NULL) and checks the answer names it with
 * no error.  Sent to any broker: a KRaft cluster forwards it to its
 * controller, and Kafka 4.x has no controller id in Metadata to aim at. */
void kc_tnet_create_topic(kc_tnet_t *t, const char *name, int partitions, int rf, const char *cfg_name,
                          const char *cfg_value);

/* The leader of topic/partition, other than broker not_this (-1: any),
 * refreshing metadata every 100 ms for up to wait_ms. */
int32_t kc_tnet_leader(kc_tnet_t *t, const char *topic, int32_t partition, int32_t not_this, int wait_ms);

/* Writes one closed batch (of transaction txn_id, or NULL) with Produce
 * v3-v12 (topic names) and acks=all to the partition's leader; returns
 * the base offset the broker gave it.  Retries for ~10 s while the
 * broker says the partition is not led yet (UNKNOWN_TOPIC_OR_PARTITION,
 * LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER); any other error, or a
 * request that fails, fails the test. */
int64_t kc_tnet_produce(kc_tnet_t *t, const char *topic, int32_t partition, const uint8_t *batch, size_t len,
                        const char *txn_id);

/* The same for a cluster losing a broker: never to broker avoid (-1:
 * any), and every failure (a request cut off, any error code) retried
 * until deadline_ms (kc_now_ms() clock).  A retry may write the batch
 * twice when an answer was lost: the caller's checks must allow that. */
void kc_tnet_produce_failover(kc_tnet_t *t, const char *topic, int32_t partition, const uint8_t *batch,
                              size_t len, int32_t avoid, int64_t deadline_ms);

#endif

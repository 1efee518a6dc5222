/* Names, descriptions and retriable flags for every kafkac_err_t.
 * ERR() pastes the name onto KAFKAC_ERR_, so a row whose name is not in
 * the public enum does not compile: names cannot drift from the header. */
#include "kafkac/error.h"
#include <stddef.h>

typedef struct { int code; const char *name; int retriable; const char *desc; } err_row_t;

#define ERR(name, retriable, desc) { KAFKAC_ERR_##name, #name, retriable, desc }

static const err_row_t rows[] = {
    { KAFKAC_OK, "NO_ERROR", 0, "Success" },
    ERR(UNKNOWN_CLIENT_ERROR, 0, "Should not happen; a bug"),
    /* Retriable: an allocation that failed may succeed later, and a
     * response the I/O thread had no memory to hold (a NULL response,
     * net.h) leaves the request's outcome unknown, as a lost connection
     * does: an EndTxn or InitProducerId is asked again, not given up. */
    ERR(NO_MEMORY, 1, "An allocation failed"),
    ERR(INVALID_ARG, 0, "An argument was NULL or out of range"),
    ERR(CONFIG, 0, "Unknown configuration key or bad value"),
    ERR(TRUNCATED, 0, "Input ended before the field it had to hold"),
    ERR(MALFORMED, 0, "Bytes that cannot be what the protocol says"),
    ERR(BAD_CRC, 0, "Record batch or message CRC mismatch"),
    ERR(TIMED_OUT, 1, "The operation's own deadline passed"),
    ERR(TRANSPORT, 1, "Connection refused, reset or closed"),
    ERR(ALL_BROKERS_DOWN, 1, "No broker of bootstrap.servers/metadata reachable"),
    ERR(RESOLVE, 1, "Host name did not resolve"),
    ERR(UNSUPPORTED_FEATURE, 0, "No version both broker and client speak"),
    ERR(DESTROYED, 0, "The handle is being closed"),
    ERR(QUEUE_FULL, 1, "Buffer.memory exhausted for max.block.ms"),
    ERR(MSG_SIZE_TOO_LARGE, 0, "Larger than max.request.size / batch limits"),
    ERR(UNKNOWN_PARTITION, 0, "Partition not in the topic's metadata"),
    ERR(UNKNOWN_TOPIC, 0, "Topic not in metadata"),
    ERR(COMPRESSION, 0, "A codec failed to compress or decompress"),
    ERR(DECOMPRESSION_LIMIT, 0, "Decompressed size over the allowed bound"),
    ERR(UNSUPPORTED_COMPRESSION, 0, "Codec unknown to this build"),
    ERR(STATE, 0, "Call not valid in the handle's current state"),
    ERR(CORRELATION_MISMATCH, 0, "Response correlation id matched no request"),
    ERR(NOT_FOUND, 0, "Looked-up item does not exist"),
    ERR(PARTIAL, 0, "More input is needed (not an error at end of stream)"),
    ERR(FENCED, 0, "Producer fenced; must be closed"),
    ERR(FATAL, 0, "The handle hit an unrecoverable error"),
    ERR(PURGED, 0, "Record dropped by close/purge before delivery"),
    ERR(AUTO_OFFSET_RESET, 0, "No committed offset and auto.offset.reset=none"),
    ERR(PARTITION_EOF, 0, "Consumer reached the end of a partition"),
    ERR(SSL, 0, "TLS failed: a certificate check, the handshake, or TLS spoken to a plaintext listener (or the reverse)"),
    ERR(UNKNOWN_SERVER_ERROR, 0, "The broker hit an unexpected error while handling the request"),
    ERR(OFFSET_OUT_OF_RANGE, 0, "The requested offset is outside the range the partition holds"),
    ERR(CORRUPT_MESSAGE, 1, "A record failed its CRC check, is malformed, or is too small"),
    ERR(UNKNOWN_TOPIC_OR_PARTITION, 1, "The broker does not host this topic or partition"),
    ERR(INVALID_FETCH_SIZE, 0, "The requested fetch size is invalid"),
    ERR(LEADER_NOT_AVAILABLE, 1, "The partition has no leader right now (election under way)"),
    ERR(NOT_LEADER_OR_FOLLOWER, 1, "This broker is not the leader (or a follower) for the partition; metadata is stale"),
    ERR(REQUEST_TIMED_OUT, 1, "The broker did not finish the request within its timeout"),
    ERR(BROKER_NOT_AVAILABLE, 0, "The broker is not available"),
    ERR(REPLICA_NOT_AVAILABLE, 1, "The replica is not available for the requested partition"),
    ERR(MESSAGE_TOO_LARGE, 0, "The request included a message larger than the broker accepts"),
    ERR(STALE_CONTROLLER_EPOCH, 0, "The controller moved to another broker"),
    ERR(OFFSET_METADATA_TOO_LARGE, 0, "The metadata string of the committed offset is too large"),
    ERR(NETWORK_EXCEPTION, 1, "The server disconnected before a response was received"),
    ERR(COORDINATOR_LOAD_IN_PROGRESS, 1, "The coordinator is still loading its state"),
    ERR(COORDINATOR_NOT_AVAILABLE, 1, "The coordinator is not available"),
    ERR(NOT_COORDINATOR, 1, "This broker is not the coordinator for the group or transaction"),
    ERR(INVALID_TOPIC_EXCEPTION, 0, "The topic name is invalid or the operation is not allowed on an internal topic"),
    ERR(RECORD_LIST_TOO_LARGE, 0, "The record batch is larger than the broker's segment size"),
    ERR(NOT_ENOUGH_REPLICAS, 1, "Fewer in-sync replicas than min.insync.replicas; the write was refused"),
    ERR(NOT_ENOUGH_REPLICAS_AFTER_APPEND, 1, "Written to the leader, but fewer in-sync replicas than required acknowledged it"),
    ERR(INVALID_REQUIRED_ACKS, 0, "The acks value is not one the broker accepts"),
    ERR(ILLEGAL_GENERATION, 0, "The group generation id is not the current one"),
    ERR(INCONSISTENT_GROUP_PROTOCOL, 0, "The member's protocol type or protocols do not match the group's"),
    ERR(INVALID_GROUP_ID, 0, "The group id is empty or invalid"),
    ERR(UNKNOWN_MEMBER_ID, 0, "The coordinator does not know this member id"),
    ERR(INVALID_SESSION_TIMEOUT, 0, "session.timeout.ms is outside the broker's allowed range"),
    ERR(REBALANCE_IN_PROGRESS, 0, "The group is rebalancing; rejoin it"),
    ERR(INVALID_COMMIT_OFFSET_SIZE, 0, "The committed offset metadata is too large"),
    ERR(TOPIC_AUTHORIZATION_FAILED, 0, "Not authorized to access the topic"),
    ERR(GROUP_AUTHORIZATION_FAILED, 0, "Not authorized to access the group"),
    ERR(CLUSTER_AUTHORIZATION_FAILED, 0, "The cluster refused this principal for the operation"),
    ERR(INVALID_TIMESTAMP, 0, "A record timestamp is outside the broker's accepted range"),
    ERR(UNSUPPORTED_SASL_MECHANISM, 0, "The broker does not support the requested SASL mechanism"),
    ERR(ILLEGAL_SASL_STATE, 0, "This request is not valid in the current SASL state"),
    ERR(UNSUPPORTED_VERSION, 0, "The broker does not support this API version"),
    ERR(TOPIC_ALREADY_EXISTS, 0, "A topic with this name already exists"),
    ERR(INVALID_PARTITIONS, 0, "The number of partitions is invalid"),
    ERR(INVALID_REPLICATION_FACTOR, 0, "The replication factor is invalid (more than the live brokers, or below 1)"),
    ERR(INVALID_REPLICA_ASSIGNMENT, 0, "The replica assignment is invalid"),
    ERR(INVALID_CONFIG, 0, "A configuration name or value is invalid"),
    ERR(NOT_CONTROLLER, 1, "This broker is not the active controller"),
    ERR(INVALID_REQUEST, 0, "The broker could not parse the request or it violates the protocol"),
    ERR(UNSUPPORTED_FOR_MESSAGE_FORMAT, 0, "The topic's message format version does not support the request"),
    ERR(POLICY_VIOLATION, 0, "The request was rejected by a broker policy"),
    ERR(OUT_OF_ORDER_SEQUENCE_NUMBER, 0, "The broker received an out of order sequence number from the idempotent producer"),
    ERR(DUPLICATE_SEQUENCE_NUMBER, 0, "The broker received a duplicate sequence number"),
    ERR(INVALID_PRODUCER_EPOCH, 0, "The producer epoch is older than the current one (fenced)"),
    ERR(INVALID_TXN_STATE, 0, "The operation is not valid in the transaction's current state"),
    ERR(INVALID_PRODUCER_ID_MAPPING, 0, "The producer id is not mapped to this transactional id"),
    ERR(INVALID_TRANSACTION_TIMEOUT, 0, "transaction.timeout.ms exceeds the broker's transaction.max.timeout.ms"),
    ERR(CONCURRENT_TRANSACTIONS, 1, "Another transaction operation on this transactional id is still completing"),
    ERR(TRANSACTION_COORDINATOR_FENCED, 0, "The transaction coordinator is no longer the current one"),
    ERR(TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 0, "Not authorized for this transactional id"),
    ERR(SECURITY_DISABLED, 0, "Security features are disabled on the broker"),
    ERR(OPERATION_NOT_ATTEMPTED, 0, "The broker did not attempt the operation because another part of the request failed"),
    ERR(KAFKA_STORAGE_ERROR, 1, "The broker's disk for this partition is offline"),
    ERR(LOG_DIR_NOT_FOUND, 0, "The named log directory does not exist"),
    ERR(SASL_AUTHENTICATION_FAILED, 0, "SASL authentication failed"),
    ERR(UNKNOWN_PRODUCER_ID, 0, "The broker no longer knows this producer id (its state expired)"),
    ERR(REASSIGNMENT_IN_PROGRESS, 0, "A partition reassignment is in progress"),
    ERR(DELEGATION_TOKEN_AUTH_DISABLED, 0, "Delegation token authentication is disabled"),
    ERR(DELEGATION_TOKEN_NOT_FOUND, 0, "The delegation token was not found"),
    ERR(DELEGATION_TOKEN_OWNER_MISMATCH, 0, "The principal does not own the delegation token"),
    ERR(DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, 0, "Delegation token requests are not allowed on this connection"),
    ERR(DELEGATION_TOKEN_AUTHORIZATION_FAILED, 0, "Not authorized for the delegation token"),
    ERR(DELEGATION_TOKEN_EXPIRED, 0, "The delegation token has expired"),
    ERR(INVALID_PRINCIPAL_TYPE, 0, "The principal type is not supported"),
    ERR(NON_EMPTY_GROUP, 0, "The group still has members"),
    ERR(GROUP_ID_NOT_FOUND, 0, "The group does not exist"),
    ERR(FETCH_SESSION_ID_NOT_FOUND, 1, "The fetch session was not found on the broker"),
    ERR(INVALID_FETCH_SESSION_EPOCH, 1, "The fetch session epoch is not the one the broker expects"),
    ERR(LISTENER_NOT_FOUND, 1, "The leader has no endpoint on the listener this request came in on"),
    ERR(TOPIC_DELETION_DISABLED, 0, "Topic deletion is disabled on the broker"),
    ERR(FENCED_LEADER_EPOCH, 1, "The leader epoch in the request is older than the broker's"),
    ERR(UNKNOWN_LEADER_EPOCH, 1, "The leader epoch in the request is newer than the broker's"),
    ERR(UNSUPPORTED_COMPRESSION_TYPE, 0, "The consumer does not support the compression type of the data"),
    ERR(STALE_BROKER_EPOCH, 0, "The broker epoch has changed"),
    ERR(OFFSET_NOT_AVAILABLE, 1, "The leader's high watermark is not yet past the requested offset"),
    ERR(MEMBER_ID_REQUIRED, 0, "The group requires a member id; rejoin with the one given"),
    ERR(PREFERRED_LEADER_NOT_AVAILABLE, 1, "The preferred leader was not available"),
    ERR(GROUP_MAX_SIZE_REACHED, 0, "The group has reached group.max.size"),
    ERR(FENCED_INSTANCE_ID, 0, "Another member with the same group.instance.id fenced this one"),
    ERR(ELIGIBLE_LEADERS_NOT_AVAILABLE, 1, "No eligible replica can be elected leader"),
    ERR(ELECTION_NOT_NEEDED, 1, "The partition already has the preferred leader"),
    ERR(NO_REASSIGNMENT_IN_PROGRESS, 0, "No partition reassignment is in progress"),
    ERR(GROUP_SUBSCRIBED_TO_TOPIC, 0, "The group is still subscribed to the topic; its offsets cannot be deleted"),
    ERR(INVALID_RECORD, 0, "The broker rejected a record in the batch"),
    ERR(UNSTABLE_OFFSET_COMMIT, 1, "A transaction with pending offsets for this partition is still open"),
    ERR(THROTTLING_QUOTA_EXCEEDED, 1, "The throttling quota was exceeded"),
    ERR(PRODUCER_FENCED, 0, "A newer producer with the same transactional id fenced this one"),
    ERR(RESOURCE_NOT_FOUND, 0, "The resource does not exist"),
    ERR(DUPLICATE_RESOURCE, 0, "The request names the same resource more than once"),
    ERR(UNACCEPTABLE_CREDENTIAL, 0, "The credential does not meet the broker's requirements"),
    ERR(INCONSISTENT_VOTER_SET, 0, "The voter set differs from the receiver's"),
    ERR(INVALID_UPDATE_VERSION, 0, "The update version is invalid"),
    ERR(FEATURE_UPDATE_FAILED, 0, "The feature update could not be applied"),
    ERR(PRINCIPAL_DESERIALIZATION_FAILURE, 0, "The forwarded principal could not be deserialized"),
    ERR(SNAPSHOT_NOT_FOUND, 0, "The requested snapshot does not exist"),
    ERR(POSITION_OUT_OF_RANGE, 0, "The requested position is outside the snapshot"),
    ERR(UNKNOWN_TOPIC_ID, 1, "The broker does not know this topic id"),
    ERR(DUPLICATE_BROKER_REGISTRATION, 0, "A broker with this id is already registered"),
    ERR(BROKER_ID_NOT_REGISTERED, 0, "The broker id is not registered"),
    ERR(INCONSISTENT_TOPIC_ID, 1, "The topic id does not match the one the broker holds"),
    ERR(INCONSISTENT_CLUSTER_ID, 0, "The cluster id does not match"),
    ERR(TRANSACTIONAL_ID_NOT_FOUND, 0, "The transactional id does not exist"),
    ERR(FETCH_SESSION_TOPIC_ID_ERROR, 1, "The fetch session saw topic id inconsistencies"),
    ERR(INELIGIBLE_REPLICA, 0, "The new ISR contains an ineligible replica"),
    ERR(NEW_LEADER_ELECTED, 0, "A new leader was elected while the request was pending"),
    ERR(OFFSET_MOVED_TO_TIERED_STORAGE, 0, "The offset has moved to tiered storage"),
    ERR(FENCED_MEMBER_EPOCH, 0, "The member epoch is fenced by the group coordinator"),
    ERR(UNRELEASED_INSTANCE_ID, 0, "The instance id is still used by another member"),
    ERR(UNSUPPORTED_ASSIGNOR, 0, "The assignor is not supported by the group"),
    ERR(STALE_MEMBER_EPOCH, 0, "The member epoch is stale"),
    ERR(MISMATCHED_ENDPOINT_TYPE, 0, "The request was sent to an endpoint of the wrong type"),
    ERR(UNSUPPORTED_ENDPOINT_TYPE, 0, "This endpoint type does not support the request"),
    ERR(UNKNOWN_CONTROLLER_ID, 0, "The controller id is unknown"),
    ERR(UNKNOWN_SUBSCRIPTION_ID, 0, "The client telemetry subscription id is unknown"),
    ERR(TELEMETRY_TOO_LARGE, 0, "The client telemetry payload is too large"),
    ERR(INVALID_REGISTRATION, 0, "The controller rejected the broker registration"),
    ERR(TRANSACTION_ABORTABLE, 0, "The transaction must be aborted; the producer may continue after that"),
    ERR(INVALID_RECORD_STATE, 0, "The record state is invalid for the acknowledgement"),
    ERR(SHARE_SESSION_NOT_FOUND, 1, "The share session was not found"),
    ERR(INVALID_SHARE_SESSION_EPOCH, 1, "The share session epoch is invalid"),
    ERR(FENCED_STATE_EPOCH, 0, "The share coordinator state epoch is fenced"),
    ERR(INVALID_VOTER_KEY, 0, "The voter key does not match the receiver's"),
    ERR(DUPLICATE_VOTER, 0, "The voter is already in the voter set"),
    ERR(VOTER_NOT_FOUND, 0, "The voter is not in the voter set"),
    ERR(INVALID_REGULAR_EXPRESSION, 0, "The regular expression is invalid"),
    ERR(REBOOTSTRAP_REQUIRED, 0, "The client must rebootstrap its metadata"),
    ERR(STREAMS_INVALID_TOPOLOGY, 0, "The Streams group member's topology is not valid"),
    ERR(STREAMS_INVALID_TOPOLOGY_EPOCH, 0, "The Streams group member's topology epoch is not valid"),
    ERR(STREAMS_TOPOLOGY_FENCED, 0, "The Streams group member's topology was fenced by a newer one"),
    ERR(SHARE_SESSION_LIMIT_REACHED, 1, "The broker holds as many share sessions as it allows"),
    ERR(GROUP_DELETION_FAILED, 0, "The group could not be deleted"),
    ERR(STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED, 0, "The Streams group's topology description could not be updated"),
    ERR(CONTROLLER_ID_NOT_REGISTERED, 0, "The controller id is not registered with the quorum"),
};

static const err_row_t *find(int err)
{
    /* Linear scan: about 160 rows, only on error paths. */
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].code == err)
            return &rows[i];
    return NULL;
}

const char *kafkac_err_name(int err)
{
    const err_row_t *r = find(err);
    return r ? r->name : "UNKNOWN_ERROR_CODE";
}

const char *kafkac_err_str(int err)
{
    const err_row_t *r = find(err);
    return r ? r->desc : "Error code not known to this version of libkafkac";
}

kafkac_err_t kafkac_err_from_wire(int wire_code)
{
    return wire_code == -1 ? KAFKAC_ERR_UNKNOWN_SERVER_ERROR : (kafkac_err_t)wire_code;
}

/* The one answer to "may retrying succeed?" for every kafkac_err_t, local
 * or Kafka's: the producer, the transaction manager, the consumer and
 * admin ask this table and keep no list of their own. */
int kafkac_err_retriable(int err)
{
    const err_row_t *r = find(err);
    return r ? r->retriable : 0;
}

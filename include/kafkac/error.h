/* libkafkac: error codes.
 *
 * One convention for the whole API: functions that can fail return a
 * kafkac_err_t.  0 (KAFKAC_OK) is success.  Positive values are Apache
 * Kafka's protocol error codes, as a broker sends them; negative values
 * are errors the client itself detected (no broker reachable, a timeout,
 * a malformed response, bad configuration...), and only those.
 *
 * The one exception to "as a broker sends them": Kafka's
 * UNKNOWN_SERVER_ERROR is -1 on the wire, which would read as a local
 * error here.  The library reports it as KAFKAC_ERR_UNKNOWN_SERVER_ERROR
 * = 32767, the top of Kafka's int16 code space (Kafka numbers its errors
 * upward from 1 and is at 136), so "negative = local" holds without an
 * exception.  kafkac_err_from_wire() converts a code read from the wire
 * by other means (a dump, the Java client's Errors enum).
 *
 * kafkac_err_name() gives the constant's name without the prefix
 * ("NOT_LEADER_OR_FOLLOWER"), kafkac_err_str() a one-line description, and
 * kafkac_err_retriable() whether retrying the same operation may succeed.
 * All three accept any int and never return NULL.
 */
#ifndef KAFKAC_ERROR_H
#define KAFKAC_ERROR_H

#include "kafkac/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kafkac_err {
    /* --- Errors found by the client (negative) --- */
    /* Codes added since -100 take the next lower number. */
    KAFKAC_ERR_SSL                    = -101, /* TLS failed: certificate check, handshake, or a TLS/plaintext mismatch */
    KAFKAC_ERR_UNKNOWN_CLIENT_ERROR   = -100, /* should not happen; a bug */
    KAFKAC_ERR_NO_MEMORY              = -99,  /* an allocation failed */
    KAFKAC_ERR_INVALID_ARG            = -98,  /* an argument was NULL or out of range */
    KAFKAC_ERR_CONFIG                 = -97,  /* unknown configuration key or bad value */
    KAFKAC_ERR_TRUNCATED              = -96,  /* input ended before the field it had to hold */
    KAFKAC_ERR_MALFORMED              = -95,  /* bytes that cannot be what the protocol says */
    KAFKAC_ERR_BAD_CRC                = -94,  /* record batch or message CRC mismatch */
    KAFKAC_ERR_TIMED_OUT              = -93,  /* the operation's own deadline passed */
    KAFKAC_ERR_TRANSPORT              = -92,  /* connection refused, reset or closed */
    KAFKAC_ERR_ALL_BROKERS_DOWN       = -91,  /* no broker of bootstrap.servers/metadata reachable */
    KAFKAC_ERR_RESOLVE                = -90,  /* host name did not resolve */
    KAFKAC_ERR_UNSUPPORTED_FEATURE    = -89,  /* no version both broker and client speak */
    KAFKAC_ERR_DESTROYED              = -88,  /* the handle is being closed */
    KAFKAC_ERR_QUEUE_FULL             = -87,  /* buffer.memory exhausted for max.block.ms */
    KAFKAC_ERR_MSG_SIZE_TOO_LARGE     = -86,  /* larger than max.request.size / batch limits */
    KAFKAC_ERR_UNKNOWN_PARTITION      = -85,  /* partition not in the topic's metadata */
    KAFKAC_ERR_UNKNOWN_TOPIC          = -84,  /* topic not in metadata */
    KAFKAC_ERR_COMPRESSION            = -83,  /* a codec failed to compress or decompress */
    KAFKAC_ERR_DECOMPRESSION_LIMIT    = -82,  /* decompressed size over the allowed bound */
    KAFKAC_ERR_UNSUPPORTED_COMPRESSION= -81,  /* codec unknown to this build */
    KAFKAC_ERR_STATE                  = -80,  /* call not valid in the handle's current state */
    KAFKAC_ERR_CORRELATION_MISMATCH   = -79,  /* response correlation id matched no request */
    KAFKAC_ERR_NOT_FOUND              = -78,  /* looked-up item does not exist */
    KAFKAC_ERR_PARTIAL                = -77,  /* more input is needed (not an error at end of stream) */
    KAFKAC_ERR_FENCED                 = -76,  /* producer fenced; must be closed */
    KAFKAC_ERR_FATAL                  = -75,  /* the handle hit an unrecoverable error */
    KAFKAC_ERR_PURGED                 = -74,  /* record dropped by close/purge before delivery */
    KAFKAC_ERR_AUTO_OFFSET_RESET      = -73,  /* no committed offset and auto.offset.reset=none */
    KAFKAC_ERR_PARTITION_EOF          = -72,  /* consumer reached the end of a partition */

    KAFKAC_OK = 0,

    /* --- Apache Kafka protocol errors, as on the wire, all positive.
     * Kafka's UNKNOWN_SERVER_ERROR is -1 on the wire: see above. --- */
    KAFKAC_ERR_UNKNOWN_SERVER_ERROR = 32767,
    KAFKAC_ERR_OFFSET_OUT_OF_RANGE = 1,
    KAFKAC_ERR_CORRUPT_MESSAGE = 2,
    KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    KAFKAC_ERR_INVALID_FETCH_SIZE = 4,
    KAFKAC_ERR_LEADER_NOT_AVAILABLE = 5,
    KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER = 6,
    KAFKAC_ERR_REQUEST_TIMED_OUT = 7,
    KAFKAC_ERR_BROKER_NOT_AVAILABLE = 8,
    KAFKAC_ERR_REPLICA_NOT_AVAILABLE = 9,
    KAFKAC_ERR_MESSAGE_TOO_LARGE = 10,
    KAFKAC_ERR_STALE_CONTROLLER_EPOCH = 11,
    KAFKAC_ERR_OFFSET_METADATA_TOO_LARGE = 12,
    KAFKAC_ERR_NETWORK_EXCEPTION = 13,
    KAFKAC_ERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
    KAFKAC_ERR_COORDINATOR_NOT_AVAILABLE = 15,
    KAFKAC_ERR_NOT_COORDINATOR = 16,
    KAFKAC_ERR_INVALID_TOPIC_EXCEPTION = 17,
    KAFKAC_ERR_RECORD_LIST_TOO_LARGE = 18,
    KAFKAC_ERR_NOT_ENOUGH_REPLICAS = 19,
    KAFKAC_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
    KAFKAC_ERR_INVALID_REQUIRED_ACKS = 21,
    KAFKAC_ERR_ILLEGAL_GENERATION = 22,
    KAFKAC_ERR_INCONSISTENT_GROUP_PROTOCOL = 23,
    KAFKAC_ERR_INVALID_GROUP_ID = 24,
    KAFKAC_ERR_UNKNOWN_MEMBER_ID = 25,
    KAFKAC_ERR_INVALID_SESSION_TIMEOUT = 26,
    KAFKAC_ERR_REBALANCE_IN_PROGRESS = 27,
    KAFKAC_ERR_INVALID_COMMIT_OFFSET_SIZE = 28,
    KAFKAC_ERR_TOPIC_AUTHORIZATION_FAILED = 29,
    KAFKAC_ERR_GROUP_AUTHORIZATION_FAILED = 30,
    KAFKAC_ERR_CLUSTER_AUTHORIZATION_FAILED = 31,
    KAFKAC_ERR_INVALID_TIMESTAMP = 32,
    KAFKAC_ERR_UNSUPPORTED_SASL_MECHANISM = 33,
    KAFKAC_ERR_ILLEGAL_SASL_STATE = 34,
    KAFKAC_ERR_UNSUPPORTED_VERSION = 35,
    KAFKAC_ERR_TOPIC_ALREADY_EXISTS = 36,
    KAFKAC_ERR_INVALID_PARTITIONS = 37,
    KAFKAC_ERR_INVALID_REPLICATION_FACTOR = 38,
    KAFKAC_ERR_INVALID_REPLICA_ASSIGNMENT = 39,
    KAFKAC_ERR_INVALID_CONFIG = 40,
    KAFKAC_ERR_NOT_CONTROLLER = 41,
    KAFKAC_ERR_INVALID_REQUEST = 42,
    KAFKAC_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
    KAFKAC_ERR_POLICY_VIOLATION = 44,
    KAFKAC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
    KAFKAC_ERR_DUPLICATE_SEQUENCE_NUMBER = 46,
    KAFKAC_ERR_INVALID_PRODUCER_EPOCH = 47,
    KAFKAC_ERR_INVALID_TXN_STATE = 48,
    KAFKAC_ERR_INVALID_PRODUCER_ID_MAPPING = 49,
    KAFKAC_ERR_INVALID_TRANSACTION_TIMEOUT = 50,
    KAFKAC_ERR_CONCURRENT_TRANSACTIONS = 51,
    KAFKAC_ERR_TRANSACTION_COORDINATOR_FENCED = 52,
    KAFKAC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
    KAFKAC_ERR_SECURITY_DISABLED = 54,
    KAFKAC_ERR_OPERATION_NOT_ATTEMPTED = 55,
    KAFKAC_ERR_KAFKA_STORAGE_ERROR = 56,
    KAFKAC_ERR_LOG_DIR_NOT_FOUND = 57,
    KAFKAC_ERR_SASL_AUTHENTICATION_FAILED = 58,
    KAFKAC_ERR_UNKNOWN_PRODUCER_ID = 59,
    KAFKAC_ERR_REASSIGNMENT_IN_PROGRESS = 60,
    KAFKAC_ERR_DELEGATION_TOKEN_AUTH_DISABLED = 61,
    KAFKAC_ERR_DELEGATION_TOKEN_NOT_FOUND = 62,
    KAFKAC_ERR_DELEGATION_TOKEN_OWNER_MISMATCH = 63,
    KAFKAC_ERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED = 64,
    KAFKAC_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED = 65,
    KAFKAC_ERR_DELEGATION_TOKEN_EXPIRED = 66,
    KAFKAC_ERR_INVALID_PRINCIPAL_TYPE = 67,
    KAFKAC_ERR_NON_EMPTY_GROUP = 68,
    KAFKAC_ERR_GROUP_ID_NOT_FOUND = 69,
    KAFKAC_ERR_FETCH_SESSION_ID_NOT_FOUND = 70,
    KAFKAC_ERR_INVALID_FETCH_SESSION_EPOCH = 71,
    KAFKAC_ERR_LISTENER_NOT_FOUND = 72,
    KAFKAC_ERR_TOPIC_DELETION_DISABLED = 73,
    KAFKAC_ERR_FENCED_LEADER_EPOCH = 74,
    KAFKAC_ERR_UNKNOWN_LEADER_EPOCH = 75,
    KAFKAC_ERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
    KAFKAC_ERR_STALE_BROKER_EPOCH = 77,
    KAFKAC_ERR_OFFSET_NOT_AVAILABLE = 78,
    KAFKAC_ERR_MEMBER_ID_REQUIRED = 79,
    KAFKAC_ERR_PREFERRED_LEADER_NOT_AVAILABLE = 80,
    KAFKAC_ERR_GROUP_MAX_SIZE_REACHED = 81,
    KAFKAC_ERR_FENCED_INSTANCE_ID = 82,
    KAFKAC_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE = 83,
    KAFKAC_ERR_ELECTION_NOT_NEEDED = 84,
    KAFKAC_ERR_NO_REASSIGNMENT_IN_PROGRESS = 85,
    KAFKAC_ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86,
    KAFKAC_ERR_INVALID_RECORD = 87,
    KAFKAC_ERR_UNSTABLE_OFFSET_COMMIT = 88,
    KAFKAC_ERR_THROTTLING_QUOTA_EXCEEDED = 89,
    KAFKAC_ERR_PRODUCER_FENCED = 90,
    KAFKAC_ERR_RESOURCE_NOT_FOUND = 91,
    KAFKAC_ERR_DUPLICATE_RESOURCE = 92,
    KAFKAC_ERR_UNACCEPTABLE_CREDENTIAL = 93,
    KAFKAC_ERR_INCONSISTENT_VOTER_SET = 94,
    KAFKAC_ERR_INVALID_UPDATE_VERSION = 95,
    KAFKAC_ERR_FEATURE_UPDATE_FAILED = 96,
    KAFKAC_ERR_PRINCIPAL_DESERIALIZATION_FAILURE = 97,
    KAFKAC_ERR_SNAPSHOT_NOT_FOUND = 98,
    KAFKAC_ERR_POSITION_OUT_OF_RANGE = 99,
    KAFKAC_ERR_UNKNOWN_TOPIC_ID = 100,
    KAFKAC_ERR_DUPLICATE_BROKER_REGISTRATION = 101,
    KAFKAC_ERR_BROKER_ID_NOT_REGISTERED = 102,
    KAFKAC_ERR_INCONSISTENT_TOPIC_ID = 103,
    KAFKAC_ERR_INCONSISTENT_CLUSTER_ID = 104,
    KAFKAC_ERR_TRANSACTIONAL_ID_NOT_FOUND = 105,
    KAFKAC_ERR_FETCH_SESSION_TOPIC_ID_ERROR = 106,
    KAFKAC_ERR_INELIGIBLE_REPLICA = 107,
    KAFKAC_ERR_NEW_LEADER_ELECTED = 108,
    KAFKAC_ERR_OFFSET_MOVED_TO_TIERED_STORAGE = 109,
    KAFKAC_ERR_FENCED_MEMBER_EPOCH = 110,
    KAFKAC_ERR_UNRELEASED_INSTANCE_ID = 111,
    KAFKAC_ERR_UNSUPPORTED_ASSIGNOR = 112,
    KAFKAC_ERR_STALE_MEMBER_EPOCH = 113,
    KAFKAC_ERR_MISMATCHED_ENDPOINT_TYPE = 114,
    KAFKAC_ERR_UNSUPPORTED_ENDPOINT_TYPE = 115,
    KAFKAC_ERR_UNKNOWN_CONTROLLER_ID = 116,
    KAFKAC_ERR_UNKNOWN_SUBSCRIPTION_ID = 117,
    KAFKAC_ERR_TELEMETRY_TOO_LARGE = 118,
    KAFKAC_ERR_INVALID_REGISTRATION = 119,
    KAFKAC_ERR_TRANSACTION_ABORTABLE = 120,
    KAFKAC_ERR_INVALID_RECORD_STATE = 121,
    KAFKAC_ERR_SHARE_SESSION_NOT_FOUND = 122,
    KAFKAC_ERR_INVALID_SHARE_SESSION_EPOCH = 123,
    KAFKAC_ERR_FENCED_STATE_EPOCH = 124,
    KAFKAC_ERR_INVALID_VOTER_KEY = 125,
    KAFKAC_ERR_DUPLICATE_VOTER = 126,
    KAFKAC_ERR_VOTER_NOT_FOUND = 127,
    KAFKAC_ERR_INVALID_REGULAR_EXPRESSION = 128,
    KAFKAC_ERR_REBOOTSTRAP_REQUIRED = 129,
    KAFKAC_ERR_STREAMS_INVALID_TOPOLOGY = 130,
    KAFKAC_ERR_STREAMS_INVALID_TOPOLOGY_EPOCH = 131,
    KAFKAC_ERR_STREAMS_TOPOLOGY_FENCED = 132,
    KAFKAC_ERR_SHARE_SESSION_LIMIT_REACHED = 133,
    KAFKAC_ERR_GROUP_DELETION_FAILED = 134,
    KAFKAC_ERR_STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED = 135,
    KAFKAC_ERR_CONTROLLER_ID_NOT_REGISTERED = 136,
} kafkac_err_t;

KAFKAC_API const char *kafkac_err_name(int err);
KAFKAC_API const char *kafkac_err_str(int err);
KAFKAC_API int kafkac_err_retriable(int err);

/* The kafkac_err_t for an error code as Kafka puts it on the wire: the
 * same number, except -1 (UNKNOWN_SERVER_ERROR), which becomes
 * KAFKAC_ERR_UNKNOWN_SERVER_ERROR.  Responses decoded by the library are
 * already converted. */
KAFKAC_API kafkac_err_t kafkac_err_from_wire(int wire_code);

#ifdef __cplusplus
}
#endif
#endif

/* The property table: the single description of every configuration
 * property.  Defaults follow the Java client (checked against the
 * ConfigDef of kafka-clients 3.9.1, except linger.ms, whose default of 5
 * is the one Java adopted in 4.0 (KIP-1030)).  Docs are one line each, in
 * our own words; docs/CONFIGURATION.md is generated from them. */
#include <stddef.h>
#include <stdint.h>
#include "common/config.h"

#define OFF(field) offsetof(kc_settings_t, field)
#define I32MAX INT32_MAX
#define P KC_SCOPE_PRODUCER
#define C KC_SCOPE_CONSUMER
#define A KC_SCOPE_ADMIN
#define ALL KC_SCOPE_ALL

static const kc_enum_val_t security_vals[] = {
    { "plaintext", KC_SEC_PLAINTEXT, 0 },
    { "ssl", KC_SEC_SSL, 0 },
    { "sasl_plaintext", KC_SEC_SASL_PLAINTEXT, 0 },
    { "sasl_ssl", KC_SEC_SASL_SSL, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t tls_version_vals[] = {
    { "TLSv1.2", KC_TLS_1_2, 0 },
    { "TLSv1.3", KC_TLS_1_3, 0 },
    { "TLSv1", 0, KC_EV_UNSUPPORTED },
    { "TLSv1.1", 0, KC_EV_UNSUPPORTED },
    { NULL, 0, 0 },
};

/* Java spells "no host name check" as an empty string. */
static const kc_enum_val_t endpoint_id_vals[] = {
    { "https", 1, 0 },
    { "none", 0, 0 },
    { "", 0, KC_EV_HIDDEN },
    { NULL, 0, 0 },
};

/* GSSAPI parses (it is Java's default) so that creating a SASL client can
 * refuse it by name: Kerberos is not supported. */
static const kc_enum_val_t sasl_mech_vals[] = {
    { "GSSAPI", KC_SASL_GSSAPI, 0 },
    { "PLAIN", KC_SASL_PLAIN, 0 },
    { "SCRAM-SHA-256", KC_SASL_SCRAM_SHA_256, 0 },
    { "SCRAM-SHA-512", KC_SASL_SCRAM_SHA_512, 0 },
    { "OAUTHBEARER", KC_SASL_OAUTHBEARER, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t oauth_method_vals[] = {
    { "default", 0, 0 },
    { "oidc", 1, KC_EV_UNSUPPORTED },
    { NULL, 0, 0 },
};

static const kc_enum_val_t dns_lookup_vals[] = {
    { "use_all_dns_ips", KC_DNS_USE_ALL_IPS, 0 },
    { "resolve_canonical_bootstrap_servers_only", KC_DNS_CANONICAL_BOOTSTRAP, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t acks_vals[] = {
    { "all", KC_ACKS_ALL, 0 },
    { "-1", KC_ACKS_ALL, 0 },
    { "0", KC_ACKS_NONE, 0 },
    { "1", KC_ACKS_LEADER, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t compression_vals[] = {
    { "none", KC_CODEC_NONE, 0 },
    { "gzip", KC_CODEC_GZIP, 0 },
    { "snappy", KC_CODEC_SNAPPY, 0 },
    { "lz4", KC_CODEC_LZ4, 0 },
    { "zstd", KC_CODEC_ZSTD, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t partitioner_vals[] = {
    { "default", KC_PARTITIONER_DEFAULT, 0 },
    { "murmur2", KC_PARTITIONER_MURMUR2, 0 },
    { "murmur2_random", KC_PARTITIONER_MURMUR2_RANDOM, 0 },
    { "sticky", KC_PARTITIONER_STICKY, 0 },
    { "round_robin", KC_PARTITIONER_ROUND_ROBIN, 0 },
    { NULL, 0, 0 },
};

/* smallest/largest: the pre-0.9 spellings, still accepted by kafka-python. */
static const kc_enum_val_t reset_vals[] = {
    { "latest", KC_RESET_LATEST, 0 },
    { "earliest", KC_RESET_EARLIEST, 0 },
    { "none", KC_RESET_NONE, 0 },
    { "largest", KC_RESET_LATEST, KC_EV_HIDDEN },
    { "smallest", KC_RESET_EARLIEST, KC_EV_HIDDEN },
    { NULL, 0, 0 },
};

static const kc_enum_val_t isolation_vals[] = {
    { "read_uncommitted", KC_ISOLATION_READ_UNCOMMITTED, 0 },
    { "read_committed", KC_ISOLATION_READ_COMMITTED, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t assignor_vals[] = {
    { "range", KC_ASSIGNOR_RANGE, 0 },
    { "roundrobin", KC_ASSIGNOR_ROUNDROBIN, 0 },
    { "sticky", KC_ASSIGNOR_STICKY, 0 },
    { "cooperative-sticky", KC_ASSIGNOR_COOPERATIVE_STICKY, 0 },
    { NULL, 0, 0 },
};

static const kc_enum_val_t group_protocol_vals[] = {
    { "classic", KC_GROUP_PROTOCOL_CLASSIC, 0 },
    { "consumer", KC_GROUP_PROTOCOL_CONSUMER, 0 },
    { NULL, 0, 0 },
};

#define STR(name, al, def, scopes, field, doc) \
    { name, al, KC_PT_STRING, def, 0, 0, NULL, scopes, doc, OFF(field), 0 }
#define INT(name, al, def, lo, hi, scopes, field, doc) \
    { name, al, KC_PT_INT, def, lo, hi, NULL, scopes, doc, OFF(field), 0 }
#define BOOL(name, al, def, scopes, field, doc) \
    { name, al, KC_PT_BOOL, def, 0, 0, NULL, scopes, doc, OFF(field), 0 }
#define ENUM(name, al, def, vals, scopes, field, doc) \
    { name, al, KC_PT_ENUM, def, 0, 0, vals, scopes, doc, OFF(field), 0 }
#define LIST(name, al, def, vals, scopes, field, doc) \
    { name, al, KC_PT_LIST, def, 0, 0, vals, scopes, doc, OFF(field), 0 }
#define SECRET(name, al, scopes, field, doc) \
    { name, al, KC_PT_STRING, "", 0, 0, NULL, scopes, doc, OFF(field), KC_PROP_SECRET }
#define AL(...) { __VA_ARGS__ }

const kc_prop_t kc_props[] = {
    /* ---- common ---- */
    LIST("bootstrap.servers", AL("bootstrap_servers"), NULL, NULL, ALL, bootstrap,
         "Required. Comma-separated host:port list of brokers to fetch the cluster metadata from; write IPv6 addresses in brackets, e.g. [::1]:9092."),
    STR("client.id", AL("client_id"), "libkafkac", ALL, client_id,
        "Name sent with every request, so that broker logs, metrics and quotas can tell this application apart."),
    INT("request.timeout.ms", AL("request_timeout_ms"), "30000", 1, I32MAX, ALL, request_timeout_ms,
        "How long to wait for a broker's response to one request before failing it (and retrying if allowed); each request has its own deadline, also when queued behind others; also the timeout of the protocol client's probe, metadata and request calls given KAFKAC_TIMEOUT_DEFAULT."),
    INT("metadata.max.age.ms", AL("metadata_max_age_ms"), "300000", 0, I32MAX, ALL, metadata_max_age_ms,
        "Refresh the cluster metadata at least this often, even when nothing suggests it changed."),
    INT("reconnect.backoff.ms", AL("reconnect_backoff_ms"), "50", 0, I32MAX, ALL, reconnect_backoff_ms,
        "Initial wait before reconnecting to a broker after a failed or lost connection."),
    INT("reconnect.backoff.max.ms", AL("reconnect_backoff_max_ms"), "1000", 0, I32MAX, ALL, reconnect_backoff_max_ms,
        "Upper bound of the reconnect wait, which doubles (with jitter) after each consecutive failure."),
    INT("retry.backoff.ms", AL("retry_backoff_ms"), "100", 0, I32MAX, ALL, retry_backoff_ms,
        "Initial wait before retrying a failed request."),
    INT("retry.backoff.max.ms", AL("retry_backoff_max_ms"), "1000", 0, I32MAX, ALL, retry_backoff_max_ms,
        "Upper bound of the retry wait, which grows exponentially (with jitter) after each failure of the same request."),
    INT("socket.connection.setup.timeout.ms", AL("socket_connection_setup_timeout_ms"), "10000", 1, I32MAX, ALL,
        socket_connection_setup_timeout_ms,
        "How long a TCP connection attempt may take before it is abandoned."),
    INT("socket.connection.setup.timeout.max.ms", AL("socket_connection_setup_timeout_max_ms"), "30000", 1, I32MAX, ALL,
        socket_connection_setup_timeout_max_ms,
        "Upper bound of the connection setup timeout, which doubles (with +-20% jitter) after each consecutive failure to connect (KIP-601)."),
    INT("connections.max.idle.ms", AL("connections_max_idle_ms"), "540000", 0, I32MAX, ALL, connections_max_idle_ms,
        "Close a broker connection that carried no request for this long (it reconnects when next needed, with no backoff); 0 keeps idle connections open."),
    ENUM("client.dns.lookup", AL("client_dns_lookup"), "use_all_dns_ips", dns_lookup_vals, ALL, client_dns_lookup,
         "use_all_dns_ips: try each address a broker's name resolves to in turn; resolve_canonical_bootstrap_servers_only: also replace each bootstrap name by the canonical names of its addresses. Names are resolved off the I/O thread."),
    INT("socket.send.buffer.bytes", AL("socket_send_buffer_bytes", "send_buffer_bytes"), "-1", -1, I32MAX, ALL,
        socket_send_buffer_bytes,
        "SO_SNDBUF for broker sockets; -1 leaves the operating system's default."),
    INT("socket.receive.buffer.bytes", AL("socket_receive_buffer_bytes", "receive_buffer_bytes"), "-1", -1, I32MAX, ALL,
        socket_receive_buffer_bytes,
        "SO_RCVBUF for broker sockets; -1 leaves the operating system's default."),
    ENUM("security.protocol", AL("security_protocol"), "plaintext", security_vals, ALL, security_protocol,
         "How to talk to brokers: plaintext, ssl (TLS, see ssl.*), sasl_plaintext (SASL authentication, see sasl.mechanism, on plain TCP) or sasl_ssl (SASL over TLS)."),
    STR("ssl.ca.location", AL("ssl_ca_location", "ssl_cafile"), "", ALL, tls.ca_location,
        "CA certificates that sign the brokers' certificates: a PEM file, or a directory hashed with `openssl rehash`. Default: the system trust store."),
    STR("ssl.ca.pem", AL("ssl_ca_pem"), "", ALL, tls.ca_pem,
        "CA certificates as PEM text, instead of ssl.ca.location."),
    STR("ssl.certificate.location", AL("ssl_certificate_location", "ssl_certfile"), "", ALL, tls.cert_location,
        "This client's certificate (PEM file, may hold its chain) for brokers that require one (mutual TLS)."),
    STR("ssl.certificate.pem", AL("ssl_certificate_pem"), "", ALL, tls.cert_pem,
        "This client's certificate as PEM text, instead of ssl.certificate.location."),
    STR("ssl.key.location", AL("ssl_key_location", "ssl_keyfile"), "", ALL, tls.key_location,
        "The private key of ssl.certificate.* (PEM file, encrypted or not)."),
    SECRET("ssl.key.pem", AL("ssl_key_pem"), ALL, tls.key_pem,
           "The private key as PEM text, instead of ssl.key.location. Secret: never logged, wiped on close."),
    SECRET("ssl.key.password", AL("ssl_key_password", "ssl_password"), ALL, tls.key_password,
           "Password of an encrypted private key. Secret: never logged, wiped on close."),
    STR("ssl.keystore.location", AL("ssl_keystore_location"), "", ALL, tls.keystore_location,
        "A PKCS#12 file with this client's certificate and key, instead of ssl.certificate.* and ssl.key.*."),
    SECRET("ssl.keystore.password", AL("ssl_keystore_password"), ALL, tls.keystore_password,
           "Password of ssl.keystore.location. Secret: never logged, wiped on close."),
    ENUM("ssl.endpoint.identification.algorithm", AL("ssl_endpoint_identification_algorithm"), "https", endpoint_id_vals, ALL, tls.verify_host,
         "https: check that the broker's certificate lists the host name or IP address we connected to (its subject alternative names); none: do not (the CA is still checked)."),
    STR("ssl.cipher.suites", AL("ssl_cipher_suites", "ssl_ciphers"), "", ALL, tls.cipher_suites,
        "Allowed cipher suites, comma- or colon-separated, in IANA's spelling as Java takes them (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256) or OpenSSL's. Default: OpenSSL's."),
    LIST("ssl.enabled.protocols", AL("ssl_enabled_protocols"), "TLSv1.2,TLSv1.3", tls_version_vals, ALL, tls.enabled_protocols,
         "TLS versions to offer: TLSv1.2, TLSv1.3 (older versions are refused)."),
    STR("ssl.crl.location", AL("ssl_crl_location", "ssl_crlfile"), "", ALL, tls.crl_location,
        "A PEM file of certificate revocation lists; when set, the broker's chain is checked against it."),
    ENUM("sasl.mechanism", AL("sasl_mechanism", "sasl.mechanisms"), "GSSAPI", sasl_mech_vals, ALL, sasl_mechanism,
         "SASL mechanism used when security.protocol is sasl_*: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. GSSAPI (Kerberos, the Java default) is not supported and is refused when the client is created."),
    STR("sasl.username", AL("sasl_username", "sasl_plain_username"), "", ALL, sasl_username,
        "User name for PLAIN and SCRAM-SHA-*."),
    SECRET("sasl.password", AL("sasl_password", "sasl_plain_password"), ALL, sasl_password,
           "Password for PLAIN and SCRAM-SHA-*. Secret: never logged or shown, wiped on close."),
    STR("sasl.oauthbearer.config", AL("sasl_oauthbearer_config"), "", ALL, sasl_oauthbearer_config,
        "Passed to the OAUTHBEARER token refresh callback; without a callback, makes an unsecured test token (JWS alg none) from space-separated principal=<name> lifeSeconds=<n> scope=<a,b> extension_<NAME>=<value>, which only brokers with the unsecured validator accept."),
    ENUM("sasl.oauthbearer.method", AL("sasl_oauthbearer_method"), "default", oauth_method_vals, ALL,
         sasl_oauthbearer_method,
         "default: tokens come from the refresh callback (or sasl.oauthbearer.config); oidc (client credentials from a token endpoint) is not supported yet."),
    INT("log.level", AL("log_level"), "6", 0, 7, ALL, log_level,
        "Highest syslog level passed to the log callback: 3 error, 4 warning, 5 notice, 6 info, 7 debug."),
    INT("api.version.request.timeout.ms", AL("api_version_request_timeout_ms", "api_version_auto_timeout_ms"), "10000",
        1, I32MAX, ALL, api_version_request_timeout_ms,
        "How long to wait for a broker's ApiVersions answer when a connection opens."),
    BOOL("allow.auto.create.topics", AL("allow_auto_create_topics"), "true", ALL, allow_auto_create_topics,
         "Let metadata requests create a missing topic, if the broker's auto.create.topics.enable allows it."),
    STR("client.rack", AL("client_rack"), "", ALL, client_rack,
        "Rack of this client; consumers send it so that brokers can serve fetches from a replica in the same rack (KIP-392)."),

    /* ---- producer ---- */
    ENUM("acks", AL(NULL), "all", acks_vals, P, acks,
         "Replicas that must have a batch before the broker acknowledges it: all (-1) = every in-sync replica, 1 = leader only, 0 = no response at all."),
    INT("linger.ms", AL("linger_ms"), "5", 0, 900000, P, linger_ms,
        "How long a partition's batch may wait for more records before it is sent; larger batches, more latency."),
    INT("batch.size", AL("batch_size"), "16384", 0, I32MAX, P, batch_size,
        "Target size in bytes of one partition's batch; a batch is sent as soon as it is full. A record larger than this gets a batch of its own."),
    INT("buffer.memory", AL("buffer_memory"), "33554432", 0, INT64_MAX, P, buffer_memory,
        "Bytes of memory the producer's batches may take: those holding records waiting to be sent or acknowledged, and spare batches kept for reuse. Batches start small and grow to batch.size. When it is used up, produce calls block for up to max.block.ms."),
    INT("max.block.ms", AL("max_block_ms"), "60000", 0, I32MAX, P, max_block_ms,
        "How long a produce call may block waiting for buffer space or for the topic's metadata; also the timeout of the transactional calls given KAFKAC_TIMEOUT_DEFAULT."),
    ENUM("compression.type", AL("compression_type"), "none", compression_vals, P, compression_type,
         "Codec applied to each record batch."),
    INT("compression.level", AL("compression_level"), "-1", -131072, 22, P, compression_level,
        "Codec level: -1 uses the codec's default; otherwise gzip 1..9, lz4 1..17, zstd -131072..22 (zstd's level -1 is therefore not selectable); not allowed with none or snappy."),
    INT("retries", AL(NULL), "2147483647", 0, I32MAX, P | A, retries,
        "How many times a failed, retriable request is retried; in practice the producer is bounded by delivery.timeout.ms."),
    INT("delivery.timeout.ms", AL("delivery_timeout_ms"), "120000", 0, I32MAX, P, delivery_timeout_ms,
        "Deadline for a record from the produce call to its acknowledgement, retries included; must be at least linger.ms + request.timeout.ms; also the timeout of producer poll, flush, close and future waits given KAFKAC_TIMEOUT_DEFAULT."),
    INT("max.in.flight.requests.per.connection", AL("max_in_flight_requests_per_connection"), "5", 1, I32MAX, P,
        max_in_flight,
        "Unacknowledged produce requests allowed per broker connection; at most 5 with idempotence, which keeps order across retries."),
    BOOL("enable.idempotence", AL("enable_idempotence"), "true", P, enable_idempotence,
         "Give records producer ids and sequence numbers so that retries write each record exactly once and in order; needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5."),
    STR("transactional.id", AL("transactional_id"), "", P, transactional_id,
        "Stable id that makes the producer transactional and fences older instances with the same id; requires idempotence."),
    INT("transaction.timeout.ms", AL("transaction_timeout_ms"), "60000", 1, I32MAX, P, transaction_timeout_ms,
        "How long the transaction coordinator lets a transaction stay open before aborting it."),
    ENUM("partitioner", AL(NULL), "default", partitioner_vals, P, partitioner,
         "How records without an explicit partition are placed. default: keyed records by murmur2(key), exactly as the Java client; unkeyed records to a sticky partition that changes when a batch is sent (KIP-480). murmur2: keyed by murmur2; unkeyed all to one partition. murmur2_random: keyed by murmur2; each unkeyed record to a random partition. sticky: keys ignored, every record to the sticky partition. round_robin: keys ignored, records cycle through the partitions one by one."),
    BOOL("partitioner.ignore.keys", AL("partitioner_ignore_keys"), "false", P, partitioner_ignore_keys,
         "With the default partitioner, place keyed records like unkeyed ones (sticky) instead of by key hash."),
    INT("max.request.size", AL("max_request_size"), "1048576", 1, I32MAX, P, max_request_size,
        "Largest produce request, and so the largest record batch, the producer will send."),

    /* ---- consumer ---- */
    STR("group.id", AL("group_id"), "", C, group_id,
        "Consumer group to join; needed for subscribe() and for committing offsets."),
    STR("group.instance.id", AL("group_instance_id"), "", C, group_instance_id,
        "Makes this consumer a static group member (KIP-345): a restart within session.timeout.ms does not trigger a rebalance."),
    ENUM("auto.offset.reset", AL("auto_offset_reset"), "latest", reset_vals, C, auto_offset_reset,
         "Where to start when a partition has no committed offset or it is out of range: latest, earliest, or none (fail with an error)."),
    BOOL("enable.auto.commit", AL("enable_auto_commit"), "true", C, enable_auto_commit,
         "Commit the offsets of consumed records in the background every auto.commit.interval.ms; forced off when there is no group.id."),
    INT("auto.commit.interval.ms", AL("auto_commit_interval_ms"), "5000", 0, I32MAX, C, auto_commit_interval_ms,
        "Interval between automatic offset commits."),
    INT("session.timeout.ms", AL("session_timeout_ms"), "45000", 1, I32MAX, C, session_timeout_ms,
        "The coordinator removes a member it has not heard a heartbeat from for this long; the broker bounds it with group.min/max.session.timeout.ms."),
    INT("heartbeat.interval.ms", AL("heartbeat_interval_ms"), "3000", 1, I32MAX, C, heartbeat_interval_ms,
        "Interval between heartbeats to the group coordinator; must be below session.timeout.ms (a third of it or less is usual)."),
    INT("max.poll.interval.ms", AL("max_poll_interval_ms"), "300000", 1, I32MAX, C, max_poll_interval_ms,
        "Longest allowed gap between poll calls; a consumer that exceeds it leaves the group so its partitions are reassigned."),
    INT("max.poll.records", AL("max_poll_records"), "500", 1, I32MAX, C, max_poll_records,
        "Most records one poll call returns."),
    INT("fetch.min.bytes", AL("fetch_min_bytes"), "1", 0, I32MAX, C, fetch_min_bytes,
        "A broker answers a fetch once it has this many bytes, or after fetch.max.wait.ms."),
    INT("fetch.max.wait.ms", AL("fetch_max_wait_ms"), "500", 0, I32MAX, C, fetch_max_wait_ms,
        "Longest time a broker holds a fetch waiting for fetch.min.bytes."),
    INT("fetch.max.bytes", AL("fetch_max_bytes"), "52428800", 0, I32MAX, C, fetch_max_bytes,
        "Soft upper bound of one fetch response; a first batch larger than it is still returned so that the consumer can progress."),
    INT("max.partition.fetch.bytes", AL("max_partition_fetch_bytes"), "1048576", 0, I32MAX, C, max_partition_fetch_bytes,
        "Soft upper bound of the data returned per partition in one fetch (same exception as fetch.max.bytes)."),
    ENUM("isolation.level", AL("isolation_level"), "read_uncommitted", isolation_vals, C, isolation_level,
         "read_committed returns only records of committed transactions (and non-transactional ones); read_uncommitted returns everything."),
    LIST("partition.assignment.strategy", AL("partition_assignment_strategy"), "range,cooperative-sticky", assignor_vals,
         C, assignors,
         "Assignors this member supports, in order of preference; the group uses the first one every member supports."),
    BOOL("check.crcs", AL("check_crcs"), "true", C, check_crcs,
         "Verify the CRC32C of every fetched record batch, which catches corruption on the wire or on disk."),
    BOOL("exclude.internal.topics", AL("exclude_internal_topics"), "true", C, exclude_internal_topics,
         "Never match internal topics (such as __consumer_offsets) in a pattern subscription."),
    ENUM("group.protocol", AL("group_protocol"), "classic", group_protocol_vals, C, group_protocol,
         "Rebalance protocol: classic (JoinGroup/SyncGroup, assignment by the group leader) or consumer (KIP-848: ConsumerGroupHeartbeat, assignment by the broker; needs Kafka 4.0 or later). Under consumer, session.timeout.ms, heartbeat.interval.ms and partition.assignment.strategy are the broker's and may not be set; see group.remote.assignor."),
    STR("group.remote.assignor", AL("group_remote_assignor"), "", C, group_remote_assignor,
        "group.protocol=consumer only: the broker-side assignor to ask for (uniform or range in Kafka 4.x); empty lets the broker use its default (group.consumer.assignors)."),
    BOOL("enable.partition.eof", AL("enable_partition_eof"), "false", C, enable_partition_eof,
         "Report KAFKAC_ERR_PARTITION_EOF from poll each time the consumer reaches the end of a partition."),

    /* ---- consumer and admin ---- */
    INT("default.api.timeout.ms", AL("default_api_timeout_ms"), "60000", 0, I32MAX, C | A, default_api_timeout_ms,
        "Timeout of every consumer call that waits (poll, next and close included) and of every admin operation, when given KAFKAC_TIMEOUT_DEFAULT."),
};

const size_t kc_props_count = sizeof(kc_props) / sizeof(kc_props[0]);

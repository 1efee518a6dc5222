/* The parsed values of the properties that the layers below the clients
 * act on: host lists, the security protocol and TLS settings, DNS lookup,
 * the SASL mechanism and the compression codec.  The network client
 * (protocol/net.h), SASL (protocol/sasl.h) and the codecs
 * (protocol/compress.h) include this header rather than config.h, so
 * that they do not see the producer's and consumer's settings. */
#ifndef KC_CONFIG_VALUES_H
#define KC_CONFIG_VALUES_H

#include <stddef.h>

typedef struct kc_hostport {
    char *host;        /* owned; IPv6 literals without brackets ("::1") */
    int port;          /* 1..65535 */
} kc_hostport_t;

typedef struct kc_hostlist {
    kc_hostport_t *v;  /* owned array */
    size_t n;
} kc_hostlist_t;

typedef enum kc_security_protocol {
    KC_SEC_PLAINTEXT, KC_SEC_SSL, KC_SEC_SASL_PLAINTEXT, KC_SEC_SASL_SSL
} kc_security_protocol_t;

typedef enum kc_dns_lookup { KC_DNS_USE_ALL_IPS, KC_DNS_CANONICAL_BOOTSTRAP } kc_dns_lookup_t;

/* A parsed list of enum values (KC_PT_LIST with `vals`), in the order
 * given, without duplicates. */
typedef struct kc_enum_list {
    int v[8];
    size_t n;
} kc_enum_list_t;

/* ssl.enabled.protocols values. */
typedef enum kc_tls_version { KC_TLS_1_2, KC_TLS_1_3 } kc_tls_version_t;

/* The ssl.* properties (read by protocol/tls.c when security.protocol is
 * ssl or sasl_ssl).  Strings owned, NULL when not set; the secrets
 * (key_password, key_pem, keystore_password) are wiped by
 * kc_settings_free. */
typedef struct kc_tls_settings {
    char *ca_location;                 /* PEM file or hashed directory; NULL: the system store */
    char *ca_pem;
    char *cert_location;
    char *cert_pem;
    char *key_location;
    char *key_pem;
    char *key_password;
    char *keystore_location;           /* PKCS#12 */
    char *keystore_password;
    char *crl_location;
    char *cipher_suites;
    kc_enum_list_t enabled_protocols;  /* kc_tls_version_t */
    int verify_host;                   /* ssl.endpoint.identification.algorithm: 1 https, 0 none */
} kc_tls_settings_t;

/* sasl.mechanism.  The names are in the property table (config_table.c);
 * protocol/sasl_plain.c spells them for the wire. */
typedef enum kc_sasl_mech {
    KC_SASL_NONE = 0,
    KC_SASL_PLAIN,
    KC_SASL_SCRAM_SHA_256,
    KC_SASL_SCRAM_SHA_512,
    KC_SASL_OAUTHBEARER,
    KC_SASL_GSSAPI            /* recognised only to be refused by name */
} kc_sasl_mech_t;

/* compression.type: the codec numbers of the record batch attribute bits
 * (protocol/compress.h acts on them). */
typedef enum kc_codec {
    KC_CODEC_NONE = 0, KC_CODEC_GZIP = 1, KC_CODEC_SNAPPY = 2, KC_CODEC_LZ4 = 3, KC_CODEC_ZSTD = 4
} kc_codec_t;

#define KC_COMPRESSION_LEVEL_DEFAULT (-1000) /* the codec library's default */

/* Checks a compression.level for a codec: 0 or an error naming the range
 * in `why` (static string; may be NULL).  The ranges are a property rule
 * (config.c, which checks them when settings are loaded), and the codecs
 * check them again when compressing. */
int kc_codec_level_valid(kc_codec_t codec, int level, const char **why);

#endif

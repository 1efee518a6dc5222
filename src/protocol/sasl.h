/* SASL on Kafka connections: the mechanisms (pure functions over bytes,
 * no I/O: sasl_plain.c, sasl_scram.c, sasl_oauthbearer.c) and the state
 * machine that runs them on the I/O thread after ApiVersions and before a
 * connection is READY (net_sasl.c).
 *
 * Every buffer that holds a secret (password, token, SCRAM salted
 * password and keys, the PLAIN and client-final messages) is wiped with
 * kc_secure_wipe before it is freed. */
#ifndef KC_SASL_H
#define KC_SASL_H

#include <stddef.h>
#include <stdint.h>
#include "common/config_values.h"  /* kc_sasl_mech_t */
#include "protocol/scram.h"


/* "PLAIN", "SCRAM-SHA-256"... */
const char *kc_sasl_mech_name(kc_sasl_mech_t m);
/* Case-insensitive; KC_SASL_NONE when unknown. */
kc_sasl_mech_t kc_sasl_mech_parse(const char *name);

/* Frees a buffer that held a secret after wiping it.  NULL is a no-op. */
void kc_sasl_free_secret(void *p, size_t len);
/* A copy of s (NULL for NULL) to be freed with kc_sasl_free_str. */
char *kc_sasl_strdup(const char *s);
void kc_sasl_free_str(char *s);

/* ---- PLAIN (RFC 4616): authzid NUL authcid NUL passwd, authzid empty. */
/* Returns 0 and a malloc'd message (free with kc_sasl_free_secret), or
 * KAFKAC_ERR_NO_MEMORY. */
int kc_sasl_plain_message(const char *user, const char *password, uint8_t **out, size_t *outlen);

/* ---- SCRAM (RFC 5802, RFC 7677) */
#define KC_SCRAM_NONCE_MAX 64
#define KC_SCRAM_MSG_MAX 2048          /* bound of any SCRAM message we accept or build */
#define KC_SCRAM_MIN_ITERATIONS 4096   /* Java's ScramMechanism minimum */
#define KC_SCRAM_MAX_ITERATIONS 16384  /* Kafka's maximum for stored credentials */

typedef struct kc_scram_client {
    kc_scram_mech_t mech;
    char nonce[KC_SCRAM_NONCE_MAX + 1];      /* our nonce (printable, no ',') */
    char *client_first_bare;                  /* "n=<saslname>,r=<nonce>" */
    uint8_t server_signature[KC_SCRAM_MAX_HASH];   /* expected in server-final */
    int step;                                 /* 0 new, 1 first sent, 2 final sent, 3 verified */
} kc_scram_client_t;

/* Starts an exchange: writes client-first ("n,,n=<saslname>,r=<nonce>")
 * to *out (malloc'd, kc_sasl_free_secret).  nonce NULL: 24 random bytes,
 * base64; otherwise that nonce (tests).  Returns 0 or an error. */
int kc_scram_client_first(kc_scram_client_t *s, kc_scram_mech_t m, const char *user, const char *nonce,
                          uint8_t **out, size_t *outlen);
/* Reads server-first and writes client-final with the proof.  Errors
 * (KAFKAC_ERR_SASL_AUTHENTICATION_FAILED with `err` naming what is wrong,
 * never a secret): an e= error, a malformed message, a nonce that does not
 * extend ours, iterations outside 4096..16384. */
int kc_scram_client_final(kc_scram_client_t *s, const char *password, const uint8_t *server_first, size_t len,
                          uint8_t **out, size_t *outlen, char *err, size_t errlen);
/* Checks server-final: "v=<ServerSignature>" must match; "e=<error>" is
 * reported.  Returns 0 or KAFKAC_ERR_SASL_AUTHENTICATION_FAILED. */
int kc_scram_client_verify(kc_scram_client_t *s, const uint8_t *server_final, size_t len, char *err, size_t errlen);
/* Wipes and frees what the exchange holds; s may be reused. */
void kc_scram_client_clear(kc_scram_client_t *s);
/* RFC 5802 saslname: '=' -> "=3D", ',' -> "=2C".  Returns a malloc'd
 * string or NULL. */
char *kc_scram_saslname(const char *user);

/* ---- OAUTHBEARER (RFC 7628) */
typedef struct kc_sasl_ext {
    char *key, *value;
} kc_sasl_ext_t;

/* "n,,\x01auth=Bearer <token>\x01key=value\x01...\x01".  Returns 0 or an
 * error; *out is freed with kc_sasl_free_secret. */
int kc_oauthbearer_message(const char *token, const kc_sasl_ext_t *ext, size_t next, uint8_t **out, size_t *outlen);

/* An unsecured JWS (alg none) as librdkafka and Kafka's
 * OAuthBearerUnsecuredLoginCallbackHandler make it, from
 * sasl.oauthbearer.config: space-separated principal=<name> (required),
 * lifeSeconds=<n> (default 3600), scope=<a,b>, scopeClaimName=,
 * principalClaimName=, extension_<NAME>=<value>.  now_ms is the wall
 * clock.  On success *token (malloc'd), *lifetime_ms (absolute wall-clock
 * expiry), *principal and the extensions (kc_oauthbearer_unsecured_free)
 * are set.  Returns 0 or KAFKAC_ERR_CONFIG with err naming the problem. */
typedef struct kc_oauth_token {
    char *value;              /* the token (secret) */
    int64_t expiry_ms;        /* wall clock, ms since the epoch */
    char *principal;
    kc_sasl_ext_t *ext;
    size_t next;
} kc_oauth_token_t;
int kc_oauthbearer_unsecured(const char *config, int64_t now_ms, kc_oauth_token_t *tok, char *err, size_t errlen);
void kc_oauth_token_clear(kc_oauth_token_t *tok);

/* The broker's OAUTHBEARER error challenge (a JSON document, RFC 7628
 * 3.2.2) as text for an error string: at most outlen-1 bytes, every byte
 * that is not printable ASCII replaced by '?'. */
void kc_oauthbearer_error_text(const uint8_t *b, size_t n, char *out, size_t outlen);
/* SaslHandshake's list of enabled mechanisms as "A, B, C" (truncated to
 * outlen; NULL entries shown as "?"; "none" when empty). */
void kc_sasl_offers_text(const char *const *names, int32_t n, char *out, size_t outlen);

/* Base64 (RFC 4648) with OpenSSL's encoder.  Returns a malloc'd string. */
char *kc_b64_encode(const uint8_t *p, size_t n);
/* Decodes; returns 0 and *out (malloc'd, *outlen) or -1. */
int kc_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);

#endif

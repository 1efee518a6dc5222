/* SCRAM's cryptography (RFC 5802, RFC 7677), all of it from OpenSSL's
 * libcrypto: the SASL client (SCRAM-SHA-256/512 logins) and the admin
 * client (AlterUserScramCredentials, which sends the salted password, as
 * the Java admin does) both compute through these few functions. */
#ifndef KC_SCRAM_H
#define KC_SCRAM_H

#include <stddef.h>
#include <stdint.h>

typedef enum kc_scram_mech {
    KC_SCRAM_SHA_256 = 1,   /* Kafka's ScramMechanism type 1 */
    KC_SCRAM_SHA_512 = 2    /* type 2 */
} kc_scram_mech_t;

#define KC_SCRAM_MAX_HASH 64   /* SHA-512's output; SHA-256 uses the first 32 */

/* Bytes of the mechanism's hash (32 or 64); 0 for an unknown mechanism. */
size_t kc_scram_hash_len(kc_scram_mech_t m);
/* "SCRAM-SHA-256" / "SCRAM-SHA-512"; NULL for an unknown mechanism. */
const char *kc_scram_mech_name(kc_scram_mech_t m);
/* Parses a mechanism name (case-insensitive); 0 if it is not SCRAM. */
kc_scram_mech_t kc_scram_mech_parse(const char *name);

/* SaltedPassword := Hi(password, salt, iterations), PBKDF2 with the
 * mechanism's HMAC.  out must hold kc_scram_hash_len(m) bytes.  Returns 0,
 * or -1 if OpenSSL failed (iterations < 1 fails too). */
int kc_scram_salted_password(kc_scram_mech_t m, const char *password, size_t password_len,
                             const uint8_t *salt, size_t salt_len, int iterations, uint8_t *out);
/* HMAC(key, data) with the mechanism's hash; out holds kc_scram_hash_len(m). */
int kc_scram_hmac(kc_scram_mech_t m, const uint8_t *key, size_t key_len, const uint8_t *data,
                  size_t data_len, uint8_t *out);
/* H(data) with the mechanism's hash; out holds kc_scram_hash_len(m). */
int kc_scram_hash(kc_scram_mech_t m, const uint8_t *data, size_t len, uint8_t *out);
/* n cryptographically random bytes (nonces, salts).  Returns 0 or -1. */
int kc_scram_random(uint8_t *out, size_t n);

#endif

/* SCRAM's primitives over OpenSSL (see scram.h).  No cryptography of our
 * own: PBKDF2, HMAC and the hashes are libcrypto's. */
#include "protocol/scram.h"

#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static const EVP_MD *md_of(kc_scram_mech_t m)
{
    switch (m) {
    case KC_SCRAM_SHA_256: return EVP_sha256();
    case KC_SCRAM_SHA_512: return EVP_sha512();
    }
    return NULL;
}

size_t kc_scram_hash_len(kc_scram_mech_t m)
{
    return m == KC_SCRAM_SHA_256 ? 32 : m == KC_SCRAM_SHA_512 ? 64 : 0;
}

const char *kc_scram_mech_name(kc_scram_mech_t m)
{
    return m == KC_SCRAM_SHA_256 ? "SCRAM-SHA-256" : m == KC_SCRAM_SHA_512 ? "SCRAM-SHA-512" : NULL;
}

kc_scram_mech_t kc_scram_mech_parse(const char *name)
{
    if (name && strcasecmp(name, "SCRAM-SHA-256") == 0)
        return KC_SCRAM_SHA_256;
    if (name && strcasecmp(name, "SCRAM-SHA-512") == 0)
        return KC_SCRAM_SHA_512;
    return 0;
}

int kc_scram_salted_password(kc_scram_mech_t m, const char *password, size_t password_len,
                             const uint8_t *salt, size_t salt_len, int iterations, uint8_t *out)
{
    const EVP_MD *md = md_of(m);
    if (!md || iterations < 1 || password_len > 0x7fffffff || salt_len > 0x7fffffff)
        return -1;
    return PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len, iterations, md,
                             (int)kc_scram_hash_len(m), out) == 1 ? 0 : -1;
}

int kc_scram_hmac(kc_scram_mech_t m, const uint8_t *key, size_t key_len, const uint8_t *data,
                  size_t data_len, uint8_t *out)
{
    const EVP_MD *md = md_of(m);
    unsigned int len = 0;
    if (!md || key_len > 0x7fffffff)
        return -1;
    return HMAC(md, key, (int)key_len, data, data_len, out, &len) && len == kc_scram_hash_len(m) ? 0 : -1;
}

int kc_scram_hash(kc_scram_mech_t m, const uint8_t *data, size_t len, uint8_t *out)
{
    const EVP_MD *md = md_of(m);
    unsigned int n = 0;
    if (!md)
        return -1;
    return EVP_Digest(data, len, out, &n, md, NULL) == 1 && n == kc_scram_hash_len(m) ? 0 : -1;
}

int kc_scram_random(uint8_t *out, size_t n)
{
    return n <= 0x7fffffff && RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

/* The client side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as
 * Kafka speaks it: no channel binding (GS2 header "n,,"), no authzid.
 *
 *   client-first  n,,n=<saslname>,r=<c-nonce>
 *   server-first  r=<c-nonce><s-nonce>,s=<base64 salt>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<base64 ClientProof>
 *   server-final  v=<base64 ServerSignature>   or   e=<error>
 *
 *   SaltedPassword  = PBKDF2-HMAC(password, salt, i)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key");  StoredKey = H(ClientKey)
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
 *   ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage)
 *
 * The cryptography is scram.c's (libcrypto).  Everything read from the
 * server is bounded (KC_SCRAM_MSG_MAX) and checked before use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/errstr.h"
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/sasl.h"

#define FAIL KAFKAC_ERR_SASL_AUTHENTICATION_FAILED

char *kc_scram_saslname(const char *user)
{
    size_t n = 0;
    for (const char *p = user; *p; p++)
        n += (*p == '=' || *p == ',') ? 3 : 1;
    char *out = kc_malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = user; *p; p++) {
        if (*p == '=') {
            memcpy(o, "=3D", 3);
            o += 3;
        } else if (*p == ',') {
            memcpy(o, "=2C", 3);
            o += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

void kc_scram_client_clear(kc_scram_client_t *s)
{
    kc_sasl_free_str(s->client_first_bare);
    kc_secure_wipe(s, sizeof *s);
    memset(s, 0, sizeof *s);
}

int kc_scram_client_first(kc_scram_client_t *s, kc_scram_mech_t m, const char *user, const char *nonce,
                          uint8_t **out, size_t *outlen)
{
    kc_scram_client_clear(s);
    if (!kc_scram_hash_len(m))
        return KAFKAC_ERR_INVALID_ARG;
    s->mech = m;
    if (nonce) {
        if (strlen(nonce) > KC_SCRAM_NONCE_MAX || !*nonce || strchr(nonce, ','))
            return KAFKAC_ERR_INVALID_ARG;
        snprintf(s->nonce, sizeof s->nonce, "%s", nonce);
    } else {
        uint8_t rnd[24];
        if (kc_scram_random(rnd, sizeof rnd) != 0)
            return KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;
        char *b = kc_b64_encode(rnd, sizeof rnd);   /* 32 chars, no ',' */
        if (!b)
            return KAFKAC_ERR_NO_MEMORY;
        snprintf(s->nonce, sizeof s->nonce, "%s", b);
        kc_free(b);
    }
    char *name = kc_scram_saslname(user);
    if (!name)
        return KAFKAC_ERR_NO_MEMORY;
    size_t need = strlen(name) + strlen(s->nonce) + 8;
    s->client_first_bare = kc_malloc(need);
    char *msg = kc_malloc(need + 3);
    if (!s->client_first_bare || !msg) {
        kc_free(name);
        kc_free(msg);
        return KAFKAC_ERR_NO_MEMORY;
    }
    snprintf(s->client_first_bare, need, "n=%s,r=%s", name, s->nonce);
    kc_free(name);
    int n = snprintf(msg, need + 3, "n,,%s", s->client_first_bare);
    *out = (uint8_t *)msg;
    *outlen = (size_t)n;
    s->step = 1;
    return 0;
}

/* An "e=" server error, shown as the server wrote it (bounded, printable). */
static int server_error(const uint8_t *m, size_t len, char *err, size_t errlen)
{
    char text[128];
    size_t n = 0;
    for (size_t i = 2; i < len && n + 1 < sizeof text; i++)
        text[n++] = (m[i] >= 0x20 && m[i] < 0x7f) ? (char)m[i] : '?';
    text[n] = '\0';
    kc_errstr_set(err, errlen, "the broker refused the SCRAM exchange: %s", text);
    return FAIL;
}

/* Finds attribute `a` ("r", "s", "i") among the comma-separated a=value
 * attributes of m; returns its value span. */
static int attr(const char *m, char a, const char **v, size_t *vlen)
{
    const char *p = m;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        if (seg >= 2 && p[0] == a && p[1] == '=') {
            *v = p + 2;
            *vlen = seg - 2;
            return 0;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return -1;
}

int kc_scram_client_final(kc_scram_client_t *s, const char *password, const uint8_t *sf, size_t len,
                          uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    if (s->step != 1) {
        kc_errstr_set(err, errlen, "SCRAM: server-first out of order");
        return FAIL;
    }
    if (len >= 2 && sf[0] == 'e' && sf[1] == '=')
        return server_error(sf, len, err, errlen);
    if (len == 0 || len > KC_SCRAM_MSG_MAX || memchr(sf, 0, len)) {
        kc_errstr_set(err, errlen, "SCRAM: server-first message of %zu bytes is malformed", len);
        return FAIL;
    }
    if (len >= 2 && sf[0] == 'm' && sf[1] == '=') {
        kc_errstr_set(err, errlen, "SCRAM: server-first asks for a mandatory extension (m=) we do not know");
        return FAIL;
    }
    char *m = kc_strndup((const char *)sf, len);
    if (!m)
        return KAFKAC_ERR_NO_MEMORY;
    const char *r, *salt64, *it;
    size_t rl, sl, il;
    int rc = FAIL;
    uint8_t *salt = NULL;
    size_t saltlen = 0;
    char *final = NULL, *auth = NULL, *proof64 = NULL;
    size_t auth_len = 0, final_cap = 0;
    uint8_t salted[KC_SCRAM_MAX_HASH], ckey[KC_SCRAM_MAX_HASH], skey[KC_SCRAM_MAX_HASH],
        stored[KC_SCRAM_MAX_HASH], csig[KC_SCRAM_MAX_HASH], proof[KC_SCRAM_MAX_HASH];
    size_t hl = kc_scram_hash_len(s->mech);
    if (strncmp(m, "r=", 2) != 0 || attr(m, 'r', &r, &rl) || attr(m, 's', &salt64, &sl) || attr(m, 'i', &it, &il)) {
        kc_errstr_set(err, errlen, "SCRAM: server-first lacks r=, s= or i=");
        goto out;
    }
    size_t cn = strlen(s->nonce);
    if (rl <= cn || memcmp(r, s->nonce, cn) != 0) {
        kc_errstr_set(err, errlen, "SCRAM: the server's nonce does not extend ours");
        goto out;
    }
    for (size_t i = 0; i < rl; i++)
        if (r[i] < 0x21 || r[i] > 0x7e) {
            kc_errstr_set(err, errlen, "SCRAM: the server's nonce has a non-printable character");
            goto out;
        }
    long iters = 0;
    if (il == 0 || il > 9) {
        kc_errstr_set(err, errlen, "SCRAM: bad iteration count");
        goto out;
    }
    for (size_t i = 0; i < il; i++) {
        if (it[i] < '0' || it[i] > '9') {
            kc_errstr_set(err, errlen, "SCRAM: bad iteration count");
            goto out;
        }
        iters = iters * 10 + (it[i] - '0');
    }
    if (iters < KC_SCRAM_MIN_ITERATIONS || iters > KC_SCRAM_MAX_ITERATIONS) {
        kc_errstr_set(err, errlen, "SCRAM: the server asks for %ld iterations, outside %d..%d", iters,
                      KC_SCRAM_MIN_ITERATIONS, KC_SCRAM_MAX_ITERATIONS);
        goto out;
    }
    if (kc_b64_decode(salt64, sl, &salt, &saltlen) != 0 || saltlen == 0) {
        kc_errstr_set(err, errlen, "SCRAM: the salt is not valid base64");
        goto out;
    }
    /* client-final-without-proof, then AuthMessage. */
    final_cap = rl + 128 + 4 * ((hl + 2) / 3);
    final = kc_malloc(final_cap);
    auth_len = strlen(s->client_first_bare) + 1 + len + 1 + 9 + rl;
    auth = kc_malloc(auth_len + 1);
    if (!final || !auth) {
        rc = KAFKAC_ERR_NO_MEMORY;
        goto out;
    }
    int fl = snprintf(final, final_cap, "c=biws,r=%.*s", (int)rl, r);
    snprintf(auth, auth_len + 1, "%s,%s,%s", s->client_first_bare, m, final);
    auth_len = strlen(auth);
    if (kc_scram_salted_password(s->mech, password, strlen(password), salt, saltlen, (int)iters, salted) ||
        kc_scram_hmac(s->mech, salted, hl, (const uint8_t *)"Client Key", 10, ckey) ||
        kc_scram_hash(s->mech, ckey, hl, stored) ||
        kc_scram_hmac(s->mech, stored, hl, (const uint8_t *)auth, auth_len, csig) ||
        kc_scram_hmac(s->mech, salted, hl, (const uint8_t *)"Server Key", 10, skey) ||
        kc_scram_hmac(s->mech, skey, hl, (const uint8_t *)auth, auth_len, s->server_signature)) {
        kc_errstr_set(err, errlen, "SCRAM: the cryptographic library failed");
        rc = KAFKAC_ERR_UNKNOWN_CLIENT_ERROR;
        goto out;
    }
    for (size_t i = 0; i < hl; i++)
        proof[i] = ckey[i] ^ csig[i];
    proof64 = kc_b64_encode(proof, hl);
    if (!proof64) {
        rc = KAFKAC_ERR_NO_MEMORY;
        goto out;
    }
    fl += snprintf(final + fl, final_cap - (size_t)fl, ",p=%s", proof64);
    *out = (uint8_t *)final;
    *outlen = (size_t)fl;
    final = NULL;
    s->step = 2;
    rc = 0;
out:
    kc_secure_wipe(salted, sizeof salted);
    kc_secure_wipe(ckey, sizeof ckey);
    kc_secure_wipe(skey, sizeof skey);
    kc_secure_wipe(stored, sizeof stored);
    kc_secure_wipe(csig, sizeof csig);
    kc_secure_wipe(proof, sizeof proof);
    kc_sasl_free_str(proof64);
    if (final)
        kc_sasl_free_secret(final, final_cap);
    kc_free(auth);
    kc_free(salt);
    kc_free(m);
    return rc;
}

int kc_scram_client_verify(kc_scram_client_t *s, const uint8_t *sf, size_t len, char *err, size_t errlen)
{
    if (s->step != 2) {
        kc_errstr_set(err, errlen, "SCRAM: server-final out of order");
        return FAIL;
    }
    if (len >= 2 && sf[0] == 'e' && sf[1] == '=')
        return server_error(sf, len, err, errlen);
    if (len < 3 || len > KC_SCRAM_MSG_MAX || sf[0] != 'v' || sf[1] != '=') {
        kc_errstr_set(err, errlen, "SCRAM: server-final message is malformed");
        return FAIL;
    }
    size_t vl = 2;
    while (vl < len && sf[vl] != ',')
        vl++;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    size_t hl = kc_scram_hash_len(s->mech);
    if (kc_b64_decode((const char *)sf + 2, vl - 2, &sig, &siglen) != 0 || siglen != hl ||
        CRYPTO_memcmp(sig, s->server_signature, hl) != 0) {
        kc_free(sig);
        kc_errstr_set(err, errlen, "SCRAM: the broker's server signature is wrong (not the broker that holds our "
                                   "credentials?)");
        return FAIL;
    }
    kc_free(sig);
    s->step = 3;
    return 0;
}

/* SASL PLAIN (RFC 4616) and the helpers every mechanism shares: names,
 * secret-wiping frees, base64 through OpenSSL. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/sasl.h"

static const struct {
    kc_sasl_mech_t m;
    const char *name;
} mechs[] = {
    { KC_SASL_PLAIN, "PLAIN" },
    { KC_SASL_SCRAM_SHA_256, "SCRAM-SHA-256" },
    { KC_SASL_SCRAM_SHA_512, "SCRAM-SHA-512" },
    { KC_SASL_OAUTHBEARER, "OAUTHBEARER" },
    { KC_SASL_GSSAPI, "GSSAPI" },
};

const char *kc_sasl_mech_name(kc_sasl_mech_t m)
{
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
        if (mechs[i].m == m)
            return mechs[i].name;
    return "none";
}

kc_sasl_mech_t kc_sasl_mech_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof mechs / sizeof mechs[0]; i++)
        if (!strcasecmp(mechs[i].name, name))
            return mechs[i].m;
    return KC_SASL_NONE;
}

void kc_sasl_free_secret(void *p, size_t len)
{
    if (!p)
        return;
    kc_secure_wipe(p, len);
    kc_free(p);
}

char *kc_sasl_strdup(const char *s)
{
    return kc_strdup(s);
}

void kc_sasl_free_str(char *s)
{
    if (s)
        kc_sasl_free_secret(s, strlen(s));
}

char *kc_b64_encode(const uint8_t *p, size_t n)
{
    if (n > (size_t)1 << 28)
        return NULL;
    char *out = kc_malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

int kc_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    /* EVP_DecodeBlock wants a multiple of 4 and counts padding as zero
     * bytes, which we take off again. */
    if (n % 4 != 0 || n > (size_t)1 << 28)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
                 ch == '/' || (ch == '=' && i >= n - 2);
        if (!ok)
            return -1;
    }
    if (n >= 2 && s[n - 2] == '=' && s[n - 1] != '=')
        return -1;
    uint8_t *buf = kc_malloc(n / 4 * 3 + 1);
    if (!buf)
        return -1;
    int got = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
    if (got < 0) {
        kc_free(buf);
        return -1;
    }
    size_t pad = n >= 1 && s[n - 1] == '=' ? (n >= 2 && s[n - 2] == '=' ? 2 : 1) : 0;
    *out = buf;
    *outlen = (size_t)got - pad;
    return 0;
}

void kc_sasl_offers_text(const char *const *names, int32_t n, char *out, size_t outlen)
{
    if (!outlen)
        return;
    size_t used = 0;
    out[0] = '\0';
    for (int32_t i = 0; i < n && used + 1 < outlen; i++) {
        int k = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", names[i] ? names[i] : "?");
        if (k < 0)
            break;
        used += (size_t)k;
        if (used >= outlen)
            used = outlen - 1;
    }
    if (!out[0])
        snprintf(out, outlen, "none");
}

int kc_sasl_plain_message(const char *user, const char *password, uint8_t **out, size_t *outlen)
{
    size_t ul = strlen(user), pl = strlen(password);
    uint8_t *m = kc_malloc(ul + pl + 2);
    if (!m)
        return KAFKAC_ERR_NO_MEMORY;
    m[0] = 0;
    memcpy(m + 1, user, ul);
    m[1 + ul] = 0;
    memcpy(m + 2 + ul, password, pl);
    *out = m;
    *outlen = ul + pl + 2;
    return 0;
}

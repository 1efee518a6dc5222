/* SASL OAUTHBEARER (RFC 7628) as Kafka speaks it, and the unsecured test
 * tokens of sasl.oauthbearer.config.
 *
 * Client message: GS2 header "n,," then kvpairs each ended by 0x01, then a
 * final 0x01:   n,,\x01auth=Bearer <token>\x01[key=value\x01...]\x01
 * On failure the broker answers with a JSON error document instead of
 * failing at once; the client must then send a lone 0x01 and the broker
 * fails the exchange (net_sasl.c does that).
 *
 * An unsecured token is a JWS with {"alg":"none"} and an empty signature:
 * base64url(header) "." base64url(claims) "." -- what Kafka's
 * OAuthBearerUnsecuredLoginCallbackHandler makes and its default
 * unsecured validator accepts (tests only: anyone can forge one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errstr.h"
#include "common/mem.h"
#include "kafkac/error.h"
#include "protocol/sasl.h"

/* RFC 7628 key: 1*ALPHA; value: *(VCHAR / SP / HTAB / CR / LF). */
static int ext_ok(const char *k, const char *v)
{
    if (!k || !*k || !strcmp(k, "auth"))
        return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 0x21 && *p <= 0x7e) || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            return 0;
    return 1;
}

int kc_oauthbearer_message(const char *token, const kc_sasl_ext_t *ext, size_t next, uint8_t **out, size_t *outlen)
{
    if (!token || !*token)
        return KAFKAC_ERR_INVALID_ARG;
    size_t need = 3 + 1 + 12 + strlen(token) + 1 + 1 + 1;
    for (size_t i = 0; i < next; i++) {
        if (!ext_ok(ext[i].key, ext[i].value))
            return KAFKAC_ERR_INVALID_ARG;
        need += strlen(ext[i].key) + 1 + strlen(ext[i].value) + 1;
    }
    char *m = kc_malloc(need);
    if (!m)
        return KAFKAC_ERR_NO_MEMORY;
    int n = snprintf(m, need, "n,,\x01" "auth=Bearer %s\x01", token);
    for (size_t i = 0; i < next; i++)
        n += snprintf(m + n, need - (size_t)n, "%s=%s\x01", ext[i].key, ext[i].value);
    n += snprintf(m + n, need - (size_t)n, "\x01");
    *out = (uint8_t *)m;
    *outlen = (size_t)n;
    return 0;
}

void kc_oauth_token_clear(kc_oauth_token_t *t)
{
    kc_sasl_free_str(t->value);
    kc_free(t->principal);
    for (size_t i = 0; i < t->next; i++) {
        kc_free(t->ext[i].key);
        kc_sasl_free_str(t->ext[i].value);
    }
    kc_free(t->ext);
    memset(t, 0, sizeof *t);
}

void kc_oauthbearer_error_text(const uint8_t *b, size_t n, char *out, size_t outlen)
{
    if (!outlen)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (b[i] >= 0x20 && b[i] < 0x7f) ? (char)b[i] : '?';
    out[k] = '\0';
}

/* base64url without padding (RFC 7515). */
static char *b64url(const char *s)
{
    char *b = kc_b64_encode((const uint8_t *)s, strlen(s));
    if (!b)
        return NULL;
    size_t n = strlen(b);
    while (n && b[n - 1] == '=')
        b[--n] = '\0';
    for (char *p = b; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return b;
}

/* Appends s as a JSON string. */
static int json_str(char *o, size_t cap, size_t *n, const char *s)
{
    if (*n + 2 >= cap)
        return -1;
    o[(*n)++] = '"';
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (*n + 7 >= cap)
            return -1;
        if (ch == '"' || ch == '\\') {
            o[(*n)++] = '\\';
            o[(*n)++] = (char)ch;
        } else if (ch < 0x20) {
            *n += (size_t)snprintf(o + *n, cap - *n, "\\u%04x", ch);
        } else {
            o[(*n)++] = (char)ch;
        }
    }
    o[(*n)++] = '"';
    o[*n] = '\0';
    return 0;
}

int kc_oauthbearer_unsecured(const char *config, int64_t now_ms, kc_oauth_token_t *tok, char *err, size_t errlen)
{
    memset(tok, 0, sizeof *tok);
    char *cfg = kc_strdup(config ? config : "");
    if (!cfg)
        return KAFKAC_ERR_NO_MEMORY;
    const char *principal = NULL, *scope = NULL, *scope_claim = "scope", *principal_claim = "sub";
    long long life = 3600;
    int rc = KAFKAC_ERR_CONFIG;
    char *save = NULL;
    for (char *kv = strtok_r(cfg, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            kc_errstr_set(err, errlen, "sasl.oauthbearer.config: '%s' is not key=value", kv);
            goto fail;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(kv, "principal")) {
            principal = v;
        } else if (!strcmp(kv, "lifeSeconds")) {
            char *end;
            life = strtoll(v, &end, 10);
            if (*end || life <= 0 || life > 100LL * 365 * 86400) {
                kc_errstr_set(err, errlen, "sasl.oauthbearer.config: lifeSeconds must be a positive number of seconds");
                goto fail;
            }
        } else if (!strcmp(kv, "scope")) {
            scope = v;
        } else if (!strcmp(kv, "scopeClaimName")) {
            scope_claim = v;
        } else if (!strcmp(kv, "principalClaimName")) {
            principal_claim = v;
        } else if (!strncmp(kv, "extension_", 10)) {
            if (!ext_ok(kv + 10, v)) {
                kc_errstr_set(err, errlen, "sasl.oauthbearer.config: extension '%s' needs a name of letters and a "
                              "printable value", kv + 10);
                goto fail;
            }
            kc_sasl_ext_t *ne = kc_realloc(tok->ext, (tok->next + 1) * sizeof *ne);
            if (!ne) {
                rc = KAFKAC_ERR_NO_MEMORY;
                goto fail;
            }
            tok->ext = ne;
            ne[tok->next].key = kc_strdup(kv + 10);
            ne[tok->next].value = kc_strdup(v);
            tok->next++;
            if (!ne[tok->next - 1].key || !ne[tok->next - 1].value) {
                rc = KAFKAC_ERR_NO_MEMORY;
                goto fail;
            }
        } else {
            kc_errstr_set(err, errlen, "sasl.oauthbearer.config: unknown key '%s' (principal, lifeSeconds, scope, "
                          "scopeClaimName, principalClaimName, extension_<name>)", kv);
            goto fail;
        }
    }
    if (!principal || !*principal) {
        kc_errstr_set(err, errlen, "sasl.oauthbearer.config: principal=<name> is required for an unsecured token");
        goto fail;
    }
    long long iat = now_ms / 1000;
    size_t cap = 512 + 8 * (strlen(principal) + (scope ? strlen(scope) : 0) + strlen(scope_claim) +
                            strlen(principal_claim));
    char *claims = kc_malloc(cap);
    if (!claims) {
        rc = KAFKAC_ERR_NO_MEMORY;
        goto fail;
    }
    size_t n = 0;
    claims[n++] = '{';
    json_str(claims, cap, &n, principal_claim);
    claims[n++] = ':';
    json_str(claims, cap, &n, principal);
    n += (size_t)snprintf(claims + n, cap - n, ",\"iat\":%lld,\"exp\":%lld", iat, iat + life);
    if (scope && *scope) {
        claims[n++] = ',';
        json_str(claims, cap, &n, scope_claim);
        claims[n++] = ':';
        claims[n++] = '[';
        char *sc = kc_strdup(scope), *s2 = NULL;
        int first = 1;
        for (char *one = sc ? strtok_r(sc, ",", &s2) : NULL; one; one = strtok_r(NULL, ",", &s2)) {
            if (!first)
                claims[n++] = ',';
            first = 0;
            json_str(claims, cap, &n, one);
        }
        kc_free(sc);
        claims[n++] = ']';
    }
    claims[n++] = '}';
    claims[n] = '\0';
    char *h = b64url("{\"alg\":\"none\"}"), *p = b64url(claims);
    kc_free(claims);
    tok->principal = kc_strdup(principal);
    if (!h || !p || !tok->principal) {
        kc_free(h);
        kc_free(p);
        rc = KAFKAC_ERR_NO_MEMORY;
        goto fail;
    }
    size_t tl = strlen(h) + strlen(p) + 3;
    tok->value = kc_malloc(tl);
    if (tok->value)
        snprintf(tok->value, tl, "%s.%s.", h, p);
    kc_free(h);
    kc_free(p);
    if (!tok->value) {
        rc = KAFKAC_ERR_NO_MEMORY;
        goto fail;
    }
    tok->expiry_ms = (iat + life) * 1000;
    kc_free(cfg);
    return 0;
fail:
    kc_oauth_token_clear(tok);
    kc_free(cfg);
    return rc;
}

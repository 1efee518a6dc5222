/* libFuzzer target for what a SASL broker sends us: SCRAM server-first and
 * server-final messages (sasl_scram.c), SaslHandshake and SaslAuthenticate
 * response bodies at every version (the generated codec, then what
 * net_sasl.c does with them: the list of mechanisms, the OAUTHBEARER JSON
 * error challenge), and base64 / sasl.oauthbearer.config parsing.
 *
 * Input: [selector byte][payload...].
 *   0: payload is server-first for a client whose nonce is "fyko+d2lbbFgONRv9qkxdawL"
 *      (SHA-256 when the next byte is even, else SHA-512); if it is
 *      accepted, the rest after the first 0x00 byte is server-final.
 *   1: server-final straight after a valid server-first (RFC 7677's).
 *   2: SaslHandshake response, v0 and v1.
 *   3: SaslAuthenticate response, v0..v2; its auth bytes then go through
 *      the SCRAM parsers and the OAUTHBEARER error rendering.
 *   4: base64 decoding.
 *   5: sasl.oauthbearer.config for an unsecured token.
 * Never crashes, leaks or reads out of bounds; error strings stay
 * NUL-terminated within their buffers.
 *   make build/fuzz/fuzz_sasl
 *   build/fuzz/fuzz_sasl -max_total_time=120 tests/fuzz/corpus/fuzz_sasl */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CNONCE "fyko+d2lbbFgONRv9qkxdawL"
#define RFC_SF "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"

static void check_str(const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        abort();
}

static void scram(kc_scram_mech_t m, const char *nonce, const uint8_t *sf, size_t sflen, const uint8_t *fin,
                  size_t finlen)
{
    kc_scram_client_t s;
    memset(&s, 0, sizeof s);
    uint8_t *out = NULL;
    size_t n = 0;
    char err[200];
    if (kc_scram_client_first(&s, m, "user", nonce, &out, &n) != 0)
        abort();
    kc_sasl_free_secret(out, n);
    err[0] = '\0';
    if (kc_scram_client_final(&s, "pencil", sf, sflen, &out, &n, err, sizeof err) == 0) {
        kc_sasl_free_secret(out, n);
        err[0] = '\0';
        kc_scram_client_verify(&s, fin, finlen, err, sizeof err);
    }
    check_str(err, sizeof err);
    kc_scram_client_clear(&s);
}

static void decode_resp(int16_t key, int16_t ver, const uint8_t *body, size_t len)
{
    const kc_api_t *api = kc_api_get(key);
    static _Alignas(16) uint8_t msg[512];
    if (api->response->size > sizeof msg)
        abort();
    kc_arena_t arena;
    kc_arena_init(&arena, 512);
    kc_reader_t r;
    kc_reader_init(&r, body, len);
    if (kc_msg_decode(&r, api->response, msg, ver, kc_api_flexible(api, ver), &arena) == 0) {
        char text[160];
        if (key == 17) {
            kc_sasl_handshake_response_t *h = (void *)msg;
            kc_sasl_offers_text(h->mechanisms, h->mechanisms_count, text, sizeof text);
            check_str(text, sizeof text);
        } else {
            kc_sasl_authenticate_response_t *a = (void *)msg;
            const uint8_t *b = a->auth_bytes.data;
            size_t bl = a->auth_bytes.len > 0 ? (size_t)a->auth_bytes.len : 0;
            kc_oauthbearer_error_text(b, bl, text, sizeof text);
            check_str(text, sizeof text);
            scram(KC_SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO", b ? b : (const uint8_t *)"", bl, b ? b : (const uint8_t *)"",
                  bl);
        }
    }
    kc_arena_destroy(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0: {
        if (n < 1)
            return 0;
        kc_scram_mech_t m = (p[0] & 1) ? KC_SCRAM_SHA_512 : KC_SCRAM_SHA_256;
        p++;
        n--;
        const uint8_t *z = memchr(p, 0, n);
        size_t sflen = z ? (size_t)(z - p) : n;
        const uint8_t *fin = z ? z + 1 : p + n;
        size_t finlen = z ? n - sflen - 1 : 0;
        scram(m, CNONCE, p, sflen, fin, finlen);
        break;
    }
    case 1:
        scram(KC_SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO", (const uint8_t *)RFC_SF, strlen(RFC_SF), p, n);
        break;
    case 2:
        decode_resp(17, 0, p, n);
        decode_resp(17, 1, p, n);
        break;
    case 3:
        for (int16_t v = 0; v <= 2; v++)
            decode_resp(36, v, p, n);
        break;
    case 4: {
        uint8_t *out = NULL;
        size_t ol = 0;
        if (kc_b64_decode((const char *)p, n, &out, &ol) == 0) {
            if (ol > n)
                abort();
            kc_free(out);
        }
        break;
    }
    case 5: {
        char *cfg = kc_strndup((const char *)p, n);
        if (!cfg)
            return 0;
        kc_oauth_token_t t;
        char err[200];
        err[0] = '\0';
        if (kc_oauthbearer_unsecured(cfg, 1700000000000LL, &t, err, sizeof err) == 0)
            kc_oauth_token_clear(&t);
        check_str(err, sizeof err);
        kc_free(cfg);
        break;
    }
    }
    return 0;
}

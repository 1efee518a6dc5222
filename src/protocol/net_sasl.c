/* SASL on the network client's connections: after the ApiVersions
 * handshake and before a connection is READY (state KC_CONN_AUTH), on the
 * I/O thread, through the ordinary framed request path (so the transport
 * underneath, TCP or TLS, does not matter):
 *
 *   SaslHandshake v1 (mechanism)  ->  error 33 lists what the broker enables
 *   SaslAuthenticate v0..v2, one round per mechanism step:
 *     PLAIN        1 round
 *     SCRAM-SHA-*  2 rounds (client-first, client-final), then the server
 *                  signature is checked
 *     OAUTHBEARER  1 round; a JSON error challenge is answered with 0x01,
 *                  after which the broker fails the exchange
 *
 * The exchange is bounded by the handshake deadline
 * (api.version.request.timeout.ms from the start of SASL); a timeout names
 * the step.  A broker error ends the attempt with the broker's code
 * (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM) and message;
 * such failures are persistent (kc_net_auth_error): net_route.c fails the
 * calls it cannot place at once while they last.
 *
 * KIP-368: SaslAuthenticate v1+ gives session_lifetime_ms; before it runs
 * out (at a random point between 85% and 95% of it, as the Java client
 * does) the connection stops taking requests (state AUTH, reauth), waits
 * until every request in flight is answered, runs SaslHandshake +
 * SaslAuthenticate again and goes back to READY.  Requests queued meanwhile
 * wait in `pending` and are sent after; nothing fails.
 *
 * OAUTHBEARER tokens: the application's refresh callback (conf.h) or an
 * unsecured token from sasl.oauthbearer.config, refreshed at 80% of its
 * lifetime; both run on this thread (kc_sasl_net_tick). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/errstr.h"
#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/net_int.h"
#include "protocol/sasl.h"

#define TOKEN_RETRY_MS 10000

/* Net-wide SASL state; also the application's kafkac_oauthbearer_t. */
struct kc_sasl {
    kc_net_t *net;
    kc_sasl_mech_t mech;
    char *username, *password, *oauth_config;
    kafkac_oauthbearer_refresh_cb oauth_cb;
    void *oauth_opaque;
    unsigned seed;                 /* [I/O] re-auth jitter */

    pthread_mutex_t lock;          /* the token, set from any thread */
    kc_oauth_token_t token;        /* [lock] value NULL: none yet */
    char token_err[200];           /* [lock] the application's failure report */
    int64_t token_gen;             /* [lock] bumped per set_token / failure */
    int64_t refresh_at;            /* [I/O] monotonic ms of the next refresh; 0 none planned */
    int64_t asked_at;              /* [I/O] when the last refresh was asked for; 0 never */
    int64_t seen_gen;              /* [I/O] */
};
struct kafkac_oauthbearer { struct kc_sasl s; };

enum { STEP_HANDSHAKE = 1, STEP_WAIT_TOKEN, STEP_AUTH, STEP_OAUTH_ERR };

struct kc_sasl_conn {
    int step;
    int round;                     /* SaslAuthenticate rounds sent */
    int16_t auth_version;
    kc_scram_client_t scram;
    char oauth_err[160];           /* the broker's JSON error challenge (no secret) */
};

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int kc_sasl_init(kc_net_t *net, const kc_net_opts_t *o, char *errstr, size_t errlen)
{
    net->o.sasl_username = net->o.sasl_password = net->o.sasl_oauthbearer_config = NULL;
    if (o->sasl_mechanism == KC_SASL_NONE)
        return 0;
    struct kafkac_oauthbearer *h = kc_calloc(1, sizeof *h);
    if (!h) {
        kc_errstr_set(errstr, errlen, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    struct kc_sasl *s = &h->s;
    s->net = net;
    s->mech = (kc_sasl_mech_t)o->sasl_mechanism;
    s->username = kc_strdup(o->sasl_username);
    s->password = kc_strdup(o->sasl_password);
    s->oauth_config = kc_strdup(o->sasl_oauthbearer_config ? o->sasl_oauthbearer_config : "");
    s->oauth_cb = o->oauth_cb;
    s->oauth_opaque = o->oauth_opaque;
    s->seed = (unsigned)kc_now_ms() ^ (unsigned)(uintptr_t)s;
    pthread_mutex_init(&s->lock, NULL);
    net->sasl = s;
    if ((o->sasl_username && !s->username) || (o->sasl_password && !s->password) || !s->oauth_config) {
        kc_errstr_set(errstr, errlen, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    if (s->mech == KC_SASL_GSSAPI || s->mech == KC_SASL_NONE) {
        kc_errstr_set(errstr, errlen, "sasl.mechanism %s is not supported", kc_sasl_mech_name(s->mech));
        return KAFKAC_ERR_CONFIG;
    }
    if (s->mech == KC_SASL_OAUTHBEARER && !s->oauth_cb) {
        /* The unsecured token must be makeable now, when the client is
         * created, not at the first connection. */
        kc_oauth_token_t t;
        int rc = kc_oauthbearer_unsecured(s->oauth_config, 0, &t, errstr, errlen);
        kc_oauth_token_clear(&t);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void kc_sasl_free(kc_net_t *net)
{
    struct kc_sasl *s = net->sasl;
    if (!s)
        return;
    kc_free(s->username);
    kc_sasl_free_str(s->password);
    kc_free(s->oauth_config);
    kc_oauth_token_clear(&s->token);
    pthread_mutex_destroy(&s->lock);
    kc_secure_wipe(s, sizeof *s);
    kc_free(s);
    net->sasl = NULL;
}

void kc_sasl_conn_reset(kc_conn_t *c)
{
    if (c->sasl) {
        /* The output buffer held our SASL frames (a PLAIN password, a
         * SCRAM proof, a token) and, in state AUTH, nothing else: wipe it
         * whether the exchange ended well or the connection is failing. */
        if (c->out.buf)
            kc_secure_wipe(c->out.buf, c->out.cap);
        kc_scram_client_clear(&c->sasl->scram);
        kc_secure_wipe(c->sasl, sizeof *c->sasl);
        kc_free(c->sasl);
        c->sasl = NULL;
    }
    c->reauth = false;
    c->reauth_at = 0;
}

/* ------------------------------------------------------------------ */
/* OAUTHBEARER tokens                                                   */

kafkac_err_t kafkac_oauthbearer_set_token(kafkac_oauthbearer_t *h, const char *token, int64_t expiry_ms,
                                          const char *principal, const char *const *ext, size_t next,
                                          char *errstr, size_t errlen)
{
    if (errstr && errlen)
        errstr[0] = '\0';
    if (!h || !token || !*token) {
        kc_errstr_set(errstr, errlen, "kafkac_oauthbearer_set_token: the handle and a non-empty token are required");
        return KAFKAC_ERR_INVALID_ARG;
    }
    if (expiry_ms <= wall_ms()) {
        kc_errstr_set(errstr, errlen, "kafkac_oauthbearer_set_token: the token's expiry is in the past");
        return KAFKAC_ERR_INVALID_ARG;
    }
    if (next % 2 != 0) {
        kc_errstr_set(errstr, errlen, "kafkac_oauthbearer_set_token: extensions come in key, value pairs");
        return KAFKAC_ERR_INVALID_ARG;
    }
    kc_oauth_token_t t = { 0 };
    t.value = kc_strdup(token);
    t.principal = kc_strdup(principal ? principal : "");
    t.expiry_ms = expiry_ms;
    if (next) {
        t.ext = kc_calloc(next / 2, sizeof *t.ext);
        for (size_t i = 0; t.ext && i < next / 2; i++) {
            t.ext[i].key = kc_strdup(ext[2 * i]);
            t.ext[i].value = kc_strdup(ext[2 * i + 1]);
            t.next = i + 1;
        }
    }
    uint8_t *probe = NULL;
    size_t plen = 0;
    int rc = t.value && t.principal && (!next || t.ext) ? kc_oauthbearer_message(t.value, t.ext, t.next, &probe, &plen)
                                                        : KAFKAC_ERR_NO_MEMORY;
    kc_sasl_free_secret(probe, plen);
    if (rc != 0) {
        kc_oauth_token_clear(&t);
        if (rc == KAFKAC_ERR_INVALID_ARG)
            kc_errstr_set(errstr, errlen, "kafkac_oauthbearer_set_token: an extension key is not letters only (or "
                          "is \"auth\"), or a value has a character RFC 7628 does not allow");
        return (kafkac_err_t)rc;
    }
    struct kc_sasl *s = &h->s;
    pthread_mutex_lock(&s->lock);
    kc_oauth_token_clear(&s->token);
    s->token = t;
    s->token_err[0] = '\0';
    s->token_gen++;
    pthread_mutex_unlock(&s->lock);
    kc_net_wakeup(s->net);
    return KAFKAC_OK;
}

kafkac_err_t kafkac_oauthbearer_set_token_failure(kafkac_oauthbearer_t *h, const char *why)
{
    if (!h)
        return KAFKAC_ERR_INVALID_ARG;
    struct kc_sasl *s = &h->s;
    pthread_mutex_lock(&s->lock);
    snprintf(s->token_err, sizeof s->token_err, "%s", why && *why ? why : "no reason given");
    s->token_gen++;
    pthread_mutex_unlock(&s->lock);
    kc_net_wakeup(s->net);
    return KAFKAC_OK;
}

/* Asks for a token: the application's callback, or an unsecured one. */
static void refresh_token(kc_net_t *net, struct kc_sasl *s, int64_t now)
{
    s->refresh_at = now + TOKEN_RETRY_MS;   /* until a token says otherwise */
    s->asked_at = now;
    if (s->oauth_cb) {
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "sasl", "asking the application for an OAUTHBEARER token");
        s->oauth_cb((kafkac_oauthbearer_t *)s, s->oauth_config, s->oauth_opaque);
        return;
    }
    kc_oauth_token_t t;
    char err[200];
    if (kc_oauthbearer_unsecured(s->oauth_config, wall_ms(), &t, err, sizeof err) != 0) {
        kafkac_oauthbearer_set_token_failure((kafkac_oauthbearer_t *)s, err);
        return;
    }
    const char **ext = t.next ? kc_calloc(2 * t.next, sizeof *ext) : NULL;
    for (size_t i = 0; ext && i < t.next; i++) {
        ext[2 * i] = t.ext[i].key;
        ext[2 * i + 1] = t.ext[i].value;
    }
    if (t.next && !ext)
        kafkac_oauthbearer_set_token_failure((kafkac_oauthbearer_t *)s, "out of memory");
    else
        kafkac_oauthbearer_set_token((kafkac_oauthbearer_t *)s, t.value, t.expiry_ms, t.principal, ext, 2 * t.next,
                                     err, sizeof err);
    kc_free(ext);
    kc_oauth_token_clear(&t);
}

int64_t kc_sasl_net_tick(kc_net_t *net, int64_t now)
{
    struct kc_sasl *s = net->sasl;
    if (!s || s->mech != KC_SASL_OAUTHBEARER)
        return INT64_MAX;
    pthread_mutex_lock(&s->lock);
    int64_t gen = s->token_gen;
    int64_t expiry = s->token.value ? s->token.expiry_ms : 0;
    pthread_mutex_unlock(&s->lock);
    if (gen != s->seen_gen) {
        /* A new token (or failure) arrived: refresh at 80% of what is left. */
        s->seen_gen = gen;
        if (expiry)
            s->refresh_at = now + (expiry - wall_ms()) * 8 / 10;
    }
    /* The first token is asked for when a connection needs it (refresh_at 0
     * and a connection in STEP_WAIT_TOKEN sets it to now). */
    if (s->refresh_at > 0 && now >= s->refresh_at)
        refresh_token(net, s, now);
    return s->refresh_at > 0 ? s->refresh_at : INT64_MAX;
}

/* ------------------------------------------------------------------ */
/* The exchange                                                         */

static void auth_failed(kc_net_t *net, kc_conn_t *c, int err, const char *why)
{
    if (kc_net_auth_error(err)) {
        net->auth_err = err;
        snprintf(net->auth_why, sizeof net->auth_why, "%s", why);
    }
    kc_log(net->o.logger, KAFKAC_LOG_ERR, "sasl", "%s", why);
    kc_net_conn_failed(net, c, err, why);
}

static void now_authenticated(kc_net_t *net, kc_conn_t *c, int64_t lifetime_ms)
{
    int was_reauth = c->reauth;
    kc_sasl_conn_reset(c);    /* wipes the frames sent; clears reauth and reauth_at */
    int64_t now = kc_now_ms();
    if (lifetime_ms > 0) {
        /* KIP-368, as Java's client: a random point in 85%..95% of it. */
        double f = 0.85 + 0.10 * ((double)rand_r(&net->sasl->seed) / RAND_MAX);
        c->reauth_at = now + (int64_t)((double)lifetime_ms * f);
    }
    net->auth_err = 0;
    c->state = KC_CONN_READY;
    c->last_err[0] = '\0';
    if (was_reauth) {
        c->last_used_ms = now;
        kc_log(net->o.logger, KAFKAC_LOG_INFO, "sasl",
               "node %d (%s:%d) re-authenticated (%s); session lifetime %lld ms", c->node_id, c->host, c->port,
               kc_sasl_mech_name(net->sasl->mech), (long long)lifetime_ms);
        return;
    }
    c->ever_connected = true;
    c->failures = 0;
    kc_net_conn_now_ready(net, c);
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "node %d (%s:%d) ready, authenticated with %s%s", c->node_id,
           c->host, c->port, kc_sasl_mech_name(net->sasl->mech),
           lifetime_ms > 0 ? " (the broker limits the session: will re-authenticate)" : "");
}


static void authenticate_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                              size_t body_off);

/* Sends one SaslAuthenticate round; takes ownership of bytes (a secret). */
static void send_auth(kc_net_t *net, kc_conn_t *c, uint8_t *bytes, size_t n, int step)
{
    kc_sasl_authenticate_request_t req;
    kc_msg_init(&kc_schema_sasl_authenticate_request, &req);
    req.auth_bytes.data = bytes;
    req.auth_bytes.len = (int32_t)n;
    c->sasl->step = step;
    c->sasl->round++;
    kc_net_send_setup_call(net, c, KC_API_SASL_AUTHENTICATE, c->sasl->auth_version, &req, authenticate_done,
                           "during SASL");
    kc_sasl_free_secret(bytes, n);
}

/* The mechanism's first message; for OAUTHBEARER waits for a token. */
static void first_round(kc_net_t *net, kc_conn_t *c)
{
    struct kc_sasl *s = net->sasl;
    uint8_t *msg = NULL;
    size_t n = 0;
    int rc = 0;
    char why[256];
    switch (s->mech) {
    case KC_SASL_PLAIN:
        rc = kc_sasl_plain_message(s->username, s->password, &msg, &n);
        break;
    case KC_SASL_SCRAM_SHA_256:
    case KC_SASL_SCRAM_SHA_512:
        rc = kc_scram_client_first(&c->sasl->scram, s->mech == KC_SASL_SCRAM_SHA_256 ? KC_SCRAM_SHA_256 : KC_SCRAM_SHA_512,
                                   s->username, NULL, &msg, &n);
        break;
    case KC_SASL_OAUTHBEARER: {
        pthread_mutex_lock(&s->lock);
        if (s->token.value && s->token.expiry_ms > wall_ms())
            rc = kc_oauthbearer_message(s->token.value, s->token.ext, s->token.next, &msg, &n);
        else if (s->token_err[0])
            rc = -2;
        else
            rc = -1;
        if (rc == -2)
            snprintf(why, sizeof why, "SASL OAUTHBEARER with %s:%d: no token: the token refresh failed: %.150s", c->host,
                     c->port, s->token_err);
        pthread_mutex_unlock(&s->lock);
        if (rc == -1) {
            /* No valid token: ask for one now (unless a request is already
             * out, answered within TOKEN_RETRY_MS) and wait (kc_sasl_tick). */
            c->sasl->step = STEP_WAIT_TOKEN;
            int64_t now = kc_now_ms();
            if (!s->asked_at || now - s->asked_at >= TOKEN_RETRY_MS) {
                s->refresh_at = now;
                kc_net_wakeup(net);
            }
            return;
        }
        if (rc == -2) {
            auth_failed(net, c, KAFKAC_ERR_SASL_AUTHENTICATION_FAILED, why);
            return;
        }
        break;
    }
    default:
        rc = KAFKAC_ERR_UNSUPPORTED_FEATURE;
    }
    if (rc != 0) {
        snprintf(why, sizeof why, "SASL %s with %s:%d: cannot build the first message (%s)", kc_sasl_mech_name(s->mech),
                 c->host, c->port, kafkac_err_name(rc));
        kc_net_conn_failed(net, c, rc, why);
        return;
    }
    send_auth(net, c, msg, n, STEP_AUTH);
}

static int decode(const uint8_t *frame, size_t len, size_t off, int16_t key, int16_t version, void *out,
                  kc_arena_t *arena)
{
    const kc_api_t *api = kc_api_get(key);
    kc_reader_t r;
    kc_reader_init(&r, frame + off, len - off);
    memset(out, 0, api->response->size);
    int rc = kc_msg_decode(&r, api->response, out, version, kc_api_flexible(api, version), arena);
    return rc;
}

static void handshake_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len, size_t body_off)
{
    struct kc_sasl *s = net->sasl;
    kc_arena_t arena;
    kc_arena_init(&arena, 1024);
    kc_sasl_handshake_response_t resp;
    int rc = decode(frame, len, body_off, KC_API_SASL_HANDSHAKE, call->version, &resp, &arena);
    kc_free(call);
    char why[256];
    if (rc != 0) {
        snprintf(why, sizeof why, "%s:%d sent a SaslHandshake response that does not decode (%s)", c->host, c->port,
                 kafkac_err_name(rc));
        kc_net_conn_failed(net, c, KAFKAC_ERR_MALFORMED, why);
    } else if (resp.error_code != 0) {
        char offers[160];
        kc_sasl_offers_text(resp.mechanisms, resp.mechanisms_count, offers, sizeof offers);
        if (resp.error_code == KAFKAC_ERR_UNSUPPORTED_SASL_MECHANISM)
            snprintf(why, sizeof why, "SASL mechanism %s is not enabled on %s:%d; the broker offers: %s",
                     kc_sasl_mech_name(s->mech), c->host, c->port, offers);
        else
            snprintf(why, sizeof why, "SaslHandshake with %s:%d failed: %s", c->host, c->port,
                     kafkac_err_name(resp.error_code));
        auth_failed(net, c, resp.error_code, why);
    } else {
        kc_free(frame);
        kc_arena_destroy(&arena);
        first_round(net, c);
        return;
    }
    kc_free(frame);
    kc_arena_destroy(&arena);
}

static void authenticate_done(kc_net_t *net, kc_conn_t *c, kc_call_t *call, uint8_t *frame, size_t len,
                              size_t body_off)
{
    struct kc_sasl *s = net->sasl;
    struct kc_sasl_conn *sc = c->sasl;
    kc_arena_t arena;
    kc_arena_init(&arena, 1024);
    kc_sasl_authenticate_response_t resp;
    int16_t version = call->version;
    int rc = decode(frame, len, body_off, KC_API_SASL_AUTHENTICATE, version, &resp, &arena);
    kc_free(call);
    char why[256], err[200];
    const char *mech = kc_sasl_mech_name(s->mech);
    if (rc != 0) {
        snprintf(why, sizeof why, "%s:%d sent a SaslAuthenticate response that does not decode (%s)", c->host,
                 c->port, kafkac_err_name(rc));
        kc_net_conn_failed(net, c, KAFKAC_ERR_MALFORMED, why);
        goto out;
    }
    if (resp.error_code != 0) {
        /* The broker's own message is what the user needs ("invalid
         * credentials"...); it holds no secret of ours. */
        const char *bmsg =
            resp.error_message && *resp.error_message ? resp.error_message : kafkac_err_name(resp.error_code);
        /* The OAUTHBEARER challenge, when the broker's message lacks it. */
        int add = sc->oauth_err[0] && !strstr(bmsg, sc->oauth_err);
        snprintf(why, sizeof why, "SASL %s authentication with %s:%d failed: %s%s%s%s", mech, c->host, c->port, bmsg,
                 add ? " (" : "", add ? sc->oauth_err : "", add ? ")" : "");
        auth_failed(net, c, resp.error_code, why);
        goto out;
    }
    const uint8_t *b = resp.auth_bytes.data;
    size_t bl = resp.auth_bytes.len > 0 ? (size_t)resp.auth_bytes.len : 0;
    int64_t life = version >= 1 ? resp.session_lifetime_ms : 0;
    switch (s->mech) {
    case KC_SASL_PLAIN:
        now_authenticated(net, c, life);
        break;
    case KC_SASL_SCRAM_SHA_256:
    case KC_SASL_SCRAM_SHA_512:
        if (sc->round == 1) {
            uint8_t *m = NULL;
            size_t n = 0;
            rc = kc_scram_client_final(&sc->scram, s->password, b, bl, &m, &n, err, sizeof err);
            if (rc != 0) {
                snprintf(why, sizeof why, "SASL %s with %s:%d: %s", mech, c->host, c->port, err);
                auth_failed(net, c, rc == KAFKAC_ERR_NO_MEMORY ? rc : KAFKAC_ERR_SASL_AUTHENTICATION_FAILED, why);
                break;
            }
            send_auth(net, c, m, n, STEP_AUTH);
        } else {
            rc = kc_scram_client_verify(&sc->scram, b, bl, err, sizeof err);
            if (rc != 0) {
                snprintf(why, sizeof why, "SASL %s with %s:%d: %s", mech, c->host, c->port, err);
                auth_failed(net, c, KAFKAC_ERR_SASL_AUTHENTICATION_FAILED, why);
                break;
            }
            now_authenticated(net, c, life);
        }
        break;
    case KC_SASL_OAUTHBEARER:
        if (bl > 0 && sc->step != STEP_OAUTH_ERR) {
            /* RFC 7628 3.2.2: an error challenge (JSON); answer 0x01 and
             * the broker fails the exchange with its message. */
            kc_oauthbearer_error_text(b, bl, sc->oauth_err, sizeof sc->oauth_err);
            uint8_t *one = kc_malloc(1);
            if (!one) {
                kc_net_conn_failed(net, c, KAFKAC_ERR_NO_MEMORY, "out of memory during SASL");
                break;
            }
            one[0] = 0x01;
            send_auth(net, c, one, 1, STEP_OAUTH_ERR);
        } else if (sc->step == STEP_OAUTH_ERR) {
            snprintf(why, sizeof why, "SASL OAUTHBEARER authentication with %s:%d failed: %s", c->host, c->port,
                     sc->oauth_err);
            auth_failed(net, c, KAFKAC_ERR_SASL_AUTHENTICATION_FAILED, why);
        } else {
            now_authenticated(net, c, life);
        }
        break;
    default:
        kc_net_conn_failed(net, c, KAFKAC_ERR_UNSUPPORTED_FEATURE, "unknown SASL mechanism");
    }
out:
    kc_free(frame);
    kc_arena_destroy(&arena);
}

/* SaslHandshake v1: v0 would send the tokens unframed, which we do not do. */
static void begin(kc_net_t *net, kc_conn_t *c)
{
    char why[256];
    int16_t hmax = c->api_max[KC_API_SASL_HANDSHAKE], amax = c->api_max[KC_API_SASL_AUTHENTICATE];
    if (hmax < 1 || amax < 0) {
        snprintf(why, sizeof why, "%s:%d does not offer SaslHandshake v1 and SaslAuthenticate (Kafka 1.0+): not a "
                 "SASL listener, or too old a broker", c->host, c->port);
        kc_net_conn_failed(net, c, KAFKAC_ERR_UNSUPPORTED_FEATURE, why);
        return;
    }
    c->sasl = kc_calloc(1, sizeof *c->sasl);
    if (!c->sasl) {
        kc_net_conn_failed(net, c, KAFKAC_ERR_NO_MEMORY, "out of memory starting SASL");
        return;
    }
    int16_t av = kc_api_get(KC_API_SASL_AUTHENTICATE)->max_ver;
    c->sasl->auth_version = amax < av ? amax : av;
    c->sasl->step = STEP_HANDSHAKE;
    c->state_deadline = kc_now_ms() + net->o.handshake_timeout_ms;
    kc_sasl_handshake_request_t req;
    kc_msg_init(&kc_schema_sasl_handshake_request, &req);
    req.mechanism = kc_sasl_mech_name(net->sasl->mech);
    kc_net_send_setup_call(net, c, KC_API_SASL_HANDSHAKE, 1, &req, handshake_done, "during SASL");
}

int kc_sasl_start(kc_net_t *net, kc_conn_t *c)
{
    if (!net->sasl)
        return 0;
    kc_sasl_conn_reset(c);
    c->state = KC_CONN_AUTH;
    begin(net, c);
    return 1;
}

static const char *step_name(const kc_conn_t *c)
{
    if (!c->sasl)
        return "waiting for the requests in flight before re-authenticating";
    switch (c->sasl->step) {
    case STEP_HANDSHAKE: return "SaslHandshake";
    case STEP_WAIT_TOKEN: return "waiting for an OAUTHBEARER token";
    case STEP_OAUTH_ERR: return "SaslAuthenticate (OAUTHBEARER error)";
    default: return c->sasl->round > 1 ? "SaslAuthenticate (second round)" : "SaslAuthenticate";
    }
}

int64_t kc_sasl_tick(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    if (!net->sasl)
        return INT64_MAX;
    if (c->state == KC_CONN_READY) {
        if (!c->reauth_at)
            return INT64_MAX;
        if (now < c->reauth_at)
            return c->reauth_at;
        /* Due: stop taking requests; the ones in flight are answered first
         * (each within its own deadline, checked by net.c). */
        kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "sasl", "node %d (%s:%d): re-authenticating (KIP-368)", c->node_id,
               c->host, c->port);
        c->state = KC_CONN_AUTH;
        c->reauth = true;
        c->reauth_at = 0;
        c->state_deadline = now + net->o.request_timeout_ms + net->o.handshake_timeout_ms;
    }
    if (c->state != KC_CONN_AUTH)
        return INT64_MAX;
    if (c->reauth && !c->sasl && !c->inflight_head) {
        begin(net, c);
        if (c->state != KC_CONN_AUTH)
            return INT64_MAX;
    }
    if (c->sasl && c->sasl->step == STEP_WAIT_TOKEN) {
        struct kc_sasl *s = net->sasl;
        pthread_mutex_lock(&s->lock);
        int have = (s->token.value && s->token.expiry_ms > wall_ms()) || s->token_err[0];
        pthread_mutex_unlock(&s->lock);
        if (have)
            first_round(net, c);
        if (c->state != KC_CONN_AUTH)
            return INT64_MAX;
    }
    if (now >= c->state_deadline) {
        char why[256];
        snprintf(why, sizeof why, "SASL %s with %s:%d timed out (%s)", kc_sasl_mech_name(net->sasl->mech), c->host,
                 c->port, step_name(c));
        kc_net_conn_failed(net, c, KAFKAC_ERR_TIMED_OUT, why);
        return INT64_MAX;
    }
    return c->state_deadline;
}

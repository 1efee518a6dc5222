/* SCRAM credentials (KIP-554): DescribeUserScramCredentials (any broker
 * answers) and AlterUserScramCredentials (sent to the controller; KRaft
 * brokers forward it too).
 *
 * An upsert carries the salt, the iteration count and SaltedPassword =
 * Hi(password, salt, iterations) (RFC 5802), computed here as the Java
 * admin does; the broker derives StoredKey and ServerKey from it.  The
 * password never leaves this process. */
#include <string.h>

#include "admin/admin_int.h"
#include "common/mem.h"
#include "protocol/scram.h"


/* Kafka's ScramMechanism minimum; kafka-configs uses it as the default. */
#define DEFAULT_ITERATIONS 4096
/* As many salt bytes as SHA-512's output; any length is valid. */
#define SALT_LEN 32

const char *kafkac_scram_mechanism_name(int mechanism)
{
    const char *n = kc_scram_mech_name((kc_scram_mech_t)mechanism);
    return n ? n : "UNKNOWN";
}

kafkac_scram_mechanism_t kafkac_scram_mechanism_parse(const char *name)
{
    return name ? (kafkac_scram_mechanism_t)kc_scram_mech_parse(name) : KAFKAC_SCRAM_UNKNOWN;
}

/* ---- describe ---- */

typedef struct scram_cred {
    kafkac_scram_mechanism_t mechanism;
    int32_t iterations;
} scram_cred_t;

/* A user is the element handle kafkac_scram_users_get() hands out. */
typedef struct kafkac_scram_user {
    const char *name;
    int err;
    const char *message;
    scram_cred_t *creds;
    int cred_count;
} scram_user_t;

struct kafkac_scram_users {
    scram_user_t *u;
    int count;
    kc_arena_t arena;   /* names, messages, credential arrays */
};

typedef struct du_ctx {
    const char *const *users;
    int n;
    kafkac_scram_users_t *out;
    char *errstr;
    size_t errlen;
} du_ctx_t;

static void *du_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    du_ctx_t *x = rpc->opaque;
    kc_describe_user_scram_credentials_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_describe_user_scram_credentials_request, m);
    if (x->n <= 0) {
        m->users = NULL;     /* null: every user */
        m->users_count = -1;
        return m;
    }
    m->users = kc_arena_alloc(a, (size_t)x->n * sizeof(*m->users));
    if (!m->users)
        return NULL;
    m->users_count = x->n;
    for (int i = 0; i < x->n; i++) {
        kc_msg_init(&kc_schema_describe_user_scram_credentials_request_user_name, &m->users[i]);
        m->users[i].name = x->users[i];
    }
    return m;
}

static int du_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    du_ctx_t *x = rpc->opaque;
    const kc_describe_user_scram_credentials_response_t *m = resp->msg;
    kafkac_scram_users_t *o = x->out;
    if (m->error_code) {
        kc_errstr_set(x->errstr, x->errlen, "DescribeUserScramCredentials: %s: %s", kafkac_err_name(m->error_code),
                      m->error_message ? m->error_message : kafkac_err_str(m->error_code));
        return m->error_code;
    }
    /* A retried round starts over (the arena keeps the old strings until
     * destroy; they are few). */
    o->count = 0;
    int n = m->results_count > 0 ? m->results_count : 0;
    o->u = n ? kc_arena_alloc(&o->arena, (size_t)n * sizeof(*o->u)) : NULL;
    if (n && !o->u)
        return KAFKAC_ERR_NO_MEMORY;
    for (int i = 0; i < n; i++) {
        const kc_describe_user_scram_credentials_response_describe_user_scram_credentials_result_t *r =
            &m->results[i];
        scram_user_t *u = &o->u[i];
        memset(u, 0, sizeof(*u));
        u->name = kc_admin_strdup(&o->arena, r->user ? r->user : "");
        u->err = r->error_code;
        u->message = r->error_message ? kc_admin_strdup(&o->arena, r->error_message) : "";
        if (!u->name || !u->message)
            return KAFKAC_ERR_NO_MEMORY;
        int c = r->credential_infos_count > 0 ? r->credential_infos_count : 0;
        if (c) {
            u->creds = kc_arena_alloc(&o->arena, (size_t)c * sizeof(*u->creds));
            if (!u->creds)
                return KAFKAC_ERR_NO_MEMORY;
            for (int j = 0; j < c; j++) {
                u->creds[j].mechanism = (kafkac_scram_mechanism_t)r->credential_infos[j].mechanism;
                u->creds[j].iterations = r->credential_infos[j].iterations;
            }
        }
        u->cred_count = c;
        o->count = i + 1;
    }
    return 0;
}

kafkac_err_t kafkac_admin_describe_user_scram_credentials(kafkac_admin_t *adm, const char *const *users, int count,
                                                          int timeout_ms, kafkac_scram_users_t **out, char *errstr,
                                                          size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out || (count > 0 && !users))
        return KAFKAC_ERR_INVALID_ARG;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    for (int i = 0; i < count; i++)
        if (!users[i] || !*users[i]) {
            kc_errstr_set(errstr, errstr_size, "user %d is empty", i);
            return KAFKAC_ERR_INVALID_ARG;
        }
    kafkac_scram_users_t *o = kc_calloc(1, sizeof(*o));
    if (!o)
        return KAFKAC_ERR_NO_MEMORY;
    kc_arena_init(&o->arena, 1024);
    char ferr[512] = "", tmp[512] = "";
    du_ctx_t x = { users, count, o, ferr, sizeof ferr };
    kc_admin_rpc_t rpc = { .api_key = KC_API_DESCRIBE_USER_SCRAM_CREDENTIALS, .max_version = -1,
                           .target = KC_ADMIN_TO_ANY, .build = du_build, .parse = du_parse, .opaque = &x };
    int rc = kc_admin_run(adm, &rpc, deadline, tmp, sizeof tmp);
    if (rc) {
        kc_errstr_set(errstr, errstr_size, "%s", ferr[0] ? ferr : tmp);
        kafkac_scram_users_destroy(o);
        return rc;
    }
    *out = o;
    return KAFKAC_OK;
}

int kafkac_scram_users_count(const kafkac_scram_users_t *u) { return u ? u->count : 0; }

const kafkac_scram_user_t *kafkac_scram_users_get(const kafkac_scram_users_t *u, int i)
{
    return u && i >= 0 && i < u->count ? &u->u[i] : NULL;
}

const kafkac_scram_user_t *kafkac_scram_users_find(const kafkac_scram_users_t *u, const char *user)
{
    for (int i = 0; user && i < kafkac_scram_users_count(u); i++)
        if (!strcmp(u->u[i].name, user))
            return &u->u[i];
    return NULL;
}

const char *kafkac_scram_user_name(const kafkac_scram_user_t *s) { return s ? s->name : ""; }
kafkac_err_t kafkac_scram_user_error(const kafkac_scram_user_t *s)
{
    return s ? (kafkac_err_t)s->err : KAFKAC_ERR_INVALID_ARG;
}
const char *kafkac_scram_user_message(const kafkac_scram_user_t *s)
{
    if (!s)
        return "";
    return s->message[0] || !s->err ? s->message : kafkac_err_str(s->err);
}
int kafkac_scram_user_credential_count(const kafkac_scram_user_t *s) { return s ? s->cred_count : 0; }

kafkac_scram_mechanism_t kafkac_scram_user_mechanism(const kafkac_scram_user_t *s, int j)
{
    return s && j >= 0 && j < s->cred_count ? s->creds[j].mechanism : KAFKAC_SCRAM_UNKNOWN;
}

int32_t kafkac_scram_user_iterations(const kafkac_scram_user_t *s, int j)
{
    return s && j >= 0 && j < s->cred_count ? s->creds[j].iterations : 0;
}

void kafkac_scram_users_destroy(kafkac_scram_users_t *u)
{
    if (!u)
        return;
    kc_arena_destroy(&u->arena);
    kc_free(u);
}

/* ---- the kafkac_scram_alteration_t input ---- */

/* What an alteration keeps: for an upsert, the salt and salted password
 * made when it was created (every round of every call sends the same
 * ones), wiped on destroy; never the password. */
struct kafkac_scram_alteration {
    int upsert;
    kafkac_scram_mechanism_t mechanism;
    int32_t iterations;
    uint8_t salt[SALT_LEN];
    uint8_t salted_password[KC_SCRAM_MAX_HASH];
    char user[];                 /* NUL-terminated */
};

static kafkac_scram_alteration_t *alteration_new(const char *user, kafkac_scram_mechanism_t mechanism, int upsert)
{
    if (!user || !*user || (mechanism != KAFKAC_SCRAM_SHA_256 && mechanism != KAFKAC_SCRAM_SHA_512))
        return NULL;
    size_t n = strlen(user) + 1;
    kafkac_scram_alteration_t *a = kc_calloc(1, sizeof(*a) + n);
    if (!a)
        return NULL;
    a->upsert = upsert;
    a->mechanism = mechanism;
    memcpy(a->user, user, n);
    return a;
}

kafkac_scram_alteration_t *kafkac_scram_deletion_new(const char *user, kafkac_scram_mechanism_t mechanism)
{
    return alteration_new(user, mechanism, 0);
}

kafkac_scram_alteration_t *kafkac_scram_upsertion_new(const char *user, kafkac_scram_mechanism_t mechanism,
                                                      int32_t iterations, const char *password)
{
    if (!password)
        return NULL;
    kafkac_scram_alteration_t *a = alteration_new(user, mechanism, 1);
    if (!a)
        return NULL;
    /* Negative counts are left to the broker to refuse
     * (UNACCEPTABLE_CREDENTIAL), like too small or too large ones; PBKDF2
     * cannot run with them, so they are sent with a zero hash. */
    a->iterations = iterations ? iterations : DEFAULT_ITERATIONS;
    if (kc_scram_random(a->salt, SALT_LEN) != 0 ||
        (a->iterations > 0 &&
         kc_scram_salted_password((kc_scram_mech_t)mechanism, password, strlen(password), a->salt, SALT_LEN,
                                  a->iterations, a->salted_password) != 0)) {
        kafkac_scram_alteration_destroy(a);
        return NULL;
    }
    return a;
}

void kafkac_scram_alteration_destroy(kafkac_scram_alteration_t *a)
{
    if (!a)
        return;
    kc_secure_wipe(a, sizeof(*a) + strlen(a->user));
    kc_free(a);
}

/* ---- alter ---- */

typedef struct au_ctx {
    const kafkac_scram_alteration_t *const *alts;
    int n;
    kafkac_admin_result_t *res;
    char *pending;
} au_ctx_t;

static void *au_build(kc_admin_rpc_t *rpc, kc_arena_t *a, int remaining_ms)
{
    au_ctx_t *x = rpc->opaque;
    kc_alter_user_scram_credentials_request_t *m = kc_arena_alloc(a, sizeof(*m));
    if (!m)
        return NULL;
    kc_msg_init(&kc_schema_alter_user_scram_credentials_request, m);
    int nd = 0, nu = 0;
    for (int i = 0; i < x->n; i++) {
        if (!x->pending[i])
            continue;
        if (x->alts[i]->upsert)
            nu++;
        else
            nd++;
    }
    m->deletions = kc_arena_alloc(a, (size_t)(nd ? nd : 1) * sizeof(*m->deletions));
    m->upsertions = kc_arena_alloc(a, (size_t)(nu ? nu : 1) * sizeof(*m->upsertions));
    if (!m->deletions || !m->upsertions)
        return NULL;
    m->deletions_count = 0;
    m->upsertions_count = 0;
    for (int i = 0; i < x->n; i++) {
        const kafkac_scram_alteration_t *alt = x->alts[i];
        if (!x->pending[i])
            continue;
        if (!alt->upsert) {
            kc_alter_user_scram_credentials_request_scram_credential_deletion_t *d =
                &m->deletions[m->deletions_count++];
            kc_msg_init(&kc_schema_alter_user_scram_credentials_request_scram_credential_deletion, d);
            d->name = alt->user;
            d->mechanism = (int8_t)alt->mechanism;
        } else {
            kc_alter_user_scram_credentials_request_scram_credential_upsertion_t *u =
                &m->upsertions[m->upsertions_count++];
            kc_msg_init(&kc_schema_alter_user_scram_credentials_request_scram_credential_upsertion, u);
            u->name = alt->user;
            u->mechanism = (int8_t)alt->mechanism;
            u->iterations = alt->iterations;
            u->salt.data = alt->salt;
            u->salt.len = SALT_LEN;
            u->salted_password.data = alt->salted_password;
            u->salted_password.len = (int32_t)kc_scram_hash_len((kc_scram_mech_t)alt->mechanism);
        }
    }
    return m;
}

static int au_parse(kc_admin_rpc_t *rpc, const kc_resp_t *resp)
{
    au_ctx_t *x = rpc->opaque;
    const kc_alter_user_scram_credentials_response_t *m = resp->msg;
    int retry = 0;
    /* One result per user: it answers every alteration of that user. */
    for (int i = 0; i < m->results_count; i++) {
        const kc_alter_user_scram_credentials_response_alter_user_scram_credentials_result_t *r = &m->results[i];
        if (kc_admin_answer(x->res, x->pending, r->user, -1, r->error_code, r->error_message, &retry))
            return KAFKAC_ERR_NO_MEMORY;
    }
    return kc_admin_round_end(x->res, x->pending, retry);
}

kafkac_err_t kafkac_admin_alter_user_scram_credentials(kafkac_admin_t *adm,
                                                       const kafkac_scram_alteration_t *const *alterations, int count,
                                                       int timeout_ms, kafkac_admin_result_t **out, char *errstr,
                                                       size_t errstr_size)
{
    if (out)
        *out = NULL;
    if (!adm || !out)
        return KAFKAC_ERR_INVALID_ARG;
    int rc = kc_admin_check_inputs("alter_user_scram_credentials", (const void *const *)alterations, count,
                                   "alteration", errstr, errstr_size);
    if (rc)
        return rc;
    int64_t deadline;
    if (kc_admin_deadline(adm, timeout_ms, &deadline, errstr, errstr_size) != KAFKAC_OK)
        return KAFKAC_ERR_INVALID_ARG;
    au_ctx_t x = { alterations, count, kc_admin_result_new(count), kc_malloc((size_t)count) };
    rc = KAFKAC_ERR_NO_MEMORY;
    if (!x.res || !x.pending)
        goto done;
    memset(x.pending, 1, (size_t)count);
    for (int i = 0; i < count; i++)
        if (kc_admin_result_name(x.res, i, alterations[i]->user, -1))
            goto done;
    kc_admin_rpc_t rpc = { .api_key = KC_API_ALTER_USER_SCRAM_CREDENTIALS, .max_version = -1,
                           .target = KC_ADMIN_TO_CONTROLLER, .build = au_build, .parse = au_parse, .opaque = &x,
                           .sensitive = true };
    rc = kc_admin_run(adm, &rpc, deadline, errstr, errstr_size);
done:
    kc_free(x.pending);
    if (rc) {
        kafkac_admin_result_destroy(x.res);
        return rc;
    }
    *out = x.res;
    return KAFKAC_OK;
}

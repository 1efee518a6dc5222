/* libkafkac: configuration and logging.
 *
 * A kafkac_conf_t is a set of string key/value pairs, the same keys the
 * Java client uses ("bootstrap.servers", "linger.ms", "group.id"...).  One
 * configuration object can serve a producer, a consumer or an admin
 * client; each client reads the properties that apply to it.  The full
 * list, with types, defaults and allowed values, is docs/CONFIGURATION.md
 * (also printed by `kafkac config list`).
 *
 * Every value is checked when it is set, so a typo is reported at the line
 * that made it, with a message naming the key:
 *
 *     char err[256];
 *     kafkac_conf_t *conf = kafkac_conf_new();
 *     if (kafkac_conf_set(conf, "bootstrap.servers", "localhost:9092", err, sizeof err) ||
 *         kafkac_conf_set(conf, "linger.ms", "10", err, sizeof err))
 *         fprintf(stderr, "%s\n", err);
 *
 * Checks that involve several properties (enable.idempotence needs
 * acks=all, heartbeat.interval.ms below session.timeout.ms...) run when a
 * client is created from the configuration, and that call reports them.
 *
 * kafka-python's spellings (linger_ms, bootstrap_servers...) are accepted as
 * aliases of the dotted names.
 *
 * Thread safety: a kafkac_conf_t is not locked; do not modify one from
 * two threads at once.  Clients copy what they need when they are created,
 * so a configuration may be changed or destroyed afterwards without
 * affecting them. */
#ifndef KAFKAC_CONF_H
#define KAFKAC_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "kafkac/export.h"
#include "kafkac/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kafkac_conf kafkac_conf_t;

/* A new configuration with every property at its default.  Returns NULL
 * only when out of memory.  The caller owns it: free it with
 * kafkac_conf_destroy(). */
KAFKAC_API kafkac_conf_t *kafkac_conf_new(void);

/* Frees the configuration and every string it holds.  NULL is a no-op. */
KAFKAC_API void kafkac_conf_destroy(kafkac_conf_t *conf);

/* A deep copy (values and log callback), owned by the caller; NULL when
 * out of memory or when `conf` is NULL. */
KAFKAC_API kafkac_conf_t *kafkac_conf_dup(const kafkac_conf_t *conf);

/* Sets property `key` to `value`, checking both at once.  The value is
 * copied.  `value` NULL resets the property to its default (and it no
 * longer counts as set explicitly).
 *
 * Returns KAFKAC_OK, KAFKAC_ERR_CONFIG (unknown key or bad value; the
 * configuration is unchanged), KAFKAC_ERR_INVALID_ARG (conf or key NULL)
 * or KAFKAC_ERR_NO_MEMORY.  On error a one-line, NUL-terminated
 * explanation is written to errstr (truncated to errstr_size; errstr may
 * be NULL when errstr_size is 0), for example
 *     unknown configuration property 'lingr.ms' (did you mean 'linger.ms'?)
 *     invalid value 'abc' for 'linger.ms': expected an integer between 0 and 900000 */
KAFKAC_API kafkac_err_t kafkac_conf_set(kafkac_conf_t *conf, const char *key, const char *value,
                                        char *errstr, size_t errstr_size);

/* Reads property `key` (dotted name or alias): the value as it was set,
 * or the default ("" for a property with no default, such as group.id).
 *
 * On entry *dest_size is the size of dest; on return it is the size the
 * value needs, including the terminating NUL.  With dest NULL only the
 * size is reported.  Returns KAFKAC_OK, KAFKAC_ERR_CONFIG (unknown key),
 * KAFKAC_ERR_INVALID_ARG (NULL conf/key/dest_size, or dest non-NULL but
 * too small: nothing is copied then). */
KAFKAC_API kafkac_err_t kafkac_conf_get(const kafkac_conf_t *conf, const char *key, char *dest,
                                        size_t *dest_size);

/* Log levels, as syslog numbers.  Property `log.level` (default 6, INFO)
 * is the highest level delivered; 7 adds debug messages. */
#define KAFKAC_LOG_ERR     3
#define KAFKAC_LOG_WARNING 4
#define KAFKAC_LOG_NOTICE  5
#define KAFKAC_LOG_INFO    6
#define KAFKAC_LOG_DEBUG   7

/* Receives one log message.  `facility` names the subsystem ("config",
 * "broker"...).  Both strings are valid only during the call.  The
 * callback may be called from library-internal threads as well as from
 * the application's own calls (including kafkac_*_new, which logs
 * configuration warnings), possibly from several threads at once, so it
 * must be thread-safe and must not call back into libkafkac. */
typedef void (*kafkac_log_cb)(void *opaque, int level, const char *facility, const char *message);

/* Installs the log callback; `opaque` is passed back to it and is not
 * owned by the library.  cb NULL turns logging off.  By default there is
 * no callback and the library prints nothing at all. */
KAFKAC_API void kafkac_conf_set_log_cb(kafkac_conf_t *conf, kafkac_log_cb cb, void *opaque);

/* A ready-made callback that writes "kafkac: LEVEL facility: message" lines
 * to stderr; install it with kafkac_conf_set_log_cb(conf, kafkac_log_stderr, NULL). */
KAFKAC_API void kafkac_log_stderr(void *opaque, int level, const char *facility, const char *message);

/* ---- SASL OAUTHBEARER tokens (security.protocol=sasl_*, sasl.mechanism=OAUTHBEARER)
 *
 * The handle through which the application hands a client its token.  It
 * belongs to the client (producer, consumer, admin or protocol client) and
 * is valid from the first refresh callback until that client is destroyed. */
typedef struct kafkac_oauthbearer kafkac_oauthbearer_t;

/* Asks the application for a token: it must call
 * kafkac_oauthbearer_set_token() (or _set_token_failure()) on `handle`,
 * from within the callback or later from any thread.  `oauthbearer_config`
 * is the value of sasl.oauthbearer.config ("" when unset).
 *
 * When it is called: once when the client first needs a token (its first
 * SASL connection), then again when 80% of the current token's lifetime
 * has passed, and 10 seconds after a reported failure.  Connections that
 * need a token meanwhile wait for it, for at most the connection's
 * handshake deadline.
 *
 * Which thread: the client's network I/O thread.  Unlike other callbacks
 * (which run inside kafkac_*_poll/flush/close on the application's
 * thread), a token must be refreshed while an application only sends and
 * never polls, and while the connection is waiting for it; so the callback
 * must not block for long: start a fetch on a thread of your own and call
 * kafkac_oauthbearer_set_token() from there when it finishes.  It must not
 * call other libkafkac functions than the two below. */
typedef void (*kafkac_oauthbearer_refresh_cb)(kafkac_oauthbearer_t *handle, const char *oauthbearer_config,
                                              void *opaque);

/* Installs the token refresh callback (cb NULL removes it).  Without one,
 * OAUTHBEARER uses an unsecured test token made from
 * sasl.oauthbearer.config (principal=<name> [lifeSeconds=<n>]
 * [scope=<a,b>] [extension_<NAME>=<value>]...), which only a broker with
 * Kafka's unsecured validator accepts. */
KAFKAC_API void kafkac_conf_set_oauthbearer_token_refresh_cb(kafkac_conf_t *conf, kafkac_oauthbearer_refresh_cb cb,
                                                            void *opaque);

/* Sets the token.  `token` is the bearer token (copied; wiped when
 * replaced and when the client is destroyed); `expiry_ms` the wall-clock
 * time at which it expires, in ms since the epoch (librdkafka's
 * md_lifetime_ms); `principal` the name it authenticates (for logs; may be
 * NULL); `extensions` holds extension_count strings, alternately key and
 * value (RFC 7628 SASL extensions; keys are letters only, "auth" is
 * reserved).  Any thread.  Returns KAFKAC_OK, KAFKAC_ERR_INVALID_ARG
 * (errstr says why: empty token, expiry in the past, bad extension) or
 * KAFKAC_ERR_NO_MEMORY. */
KAFKAC_API kafkac_err_t kafkac_oauthbearer_set_token(kafkac_oauthbearer_t *handle, const char *token,
                                                     int64_t expiry_ms, const char *principal,
                                                     const char *const *extensions, size_t extension_count,
                                                     char *errstr, size_t errstr_size);

/* Reports that no token could be obtained: connections waiting for one
 * fail with KAFKAC_ERR_SASL_AUTHENTICATION_FAILED and `why` (which must
 * hold no secret); the callback is asked again 10 seconds later.  Any
 * thread. */
KAFKAC_API kafkac_err_t kafkac_oauthbearer_set_token_failure(kafkac_oauthbearer_t *handle, const char *why);

#ifdef __cplusplus
}
#endif
#endif

/* The network client: the I/O thread, its poll loop, request routing,
 * timeouts, and the ApiVersions handshake.  See net.h for the contract
 * and docs/ARCHITECTURE.md for where it sits.
 *
 * Life of a request (a "call"):
 *   kc_net_send (any thread) -> submit queue (under lock) -> the loop moves
 *   it to `pending` -> once its broker's connection is READY it is encoded
 *   straight into that connection's output buffer and moves to the
 *   connection's in-flight FIFO -> the response frame comes back, its
 *   correlation id must match the FIFO head (Kafka answers in order on a
 *   connection), the body is decoded and the callback runs.
 * Every call ends in exactly one callback: a response, or an error
 * (timeout, connection lost, no common version, client closing).
 *
 * This file: the thread and its loop, life cycle, call bookkeeping and
 * blocking calls.  net_route.c places calls on connections (versions,
 * encoding, routing); net_conns.c opens, fails and reads connections. */
#include "protocol/net.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/mem.h"
#include "protocol/conn.h"
#include "protocol/header.h"
#include "protocol/net_int.h"
#include "protocol/resolver.h"
#include "protocol/transport.h"
#include <signal.h>

void kc_net_opts_defaults(kc_net_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->client_id = "libkafkac";
    o->request_timeout_ms = 30000;
    o->connect_timeout_ms = 10000;
    o->connect_timeout_max_ms = 30000;
    o->connections_max_idle_ms = 540000;
    o->socket_send_buffer_bytes = -1;
    o->socket_receive_buffer_bytes = -1;
    o->handshake_timeout_ms = 10000;
    o->reconnect_backoff_ms = 50;
    o->reconnect_backoff_max_ms = 1000;
    o->metadata_max_age_ms = 300000;
    o->retry_backoff_ms = 100;
    o->retry_backoff_max_ms = 1000;
    o->allow_auto_create_topics = 1;
    o->max_response_bytes = 256LL * 1024 * 1024;
}

void kc_resp_free(kc_resp_t *r)
{
    if (!r)
        return;
    kc_arena_destroy(&r->arena);
    kc_free(r->frame);
    kc_free(r);
}

/* ------------------------------------------------------------------ */
/* Call bookkeeping                                                    */

kc_resp_t *kc_resp_new(const kc_call_t *call)
{
    kc_resp_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    kc_arena_init(&r->arena, 4096);
    r->api_key = call->req.api_key;
    r->version = call->version;
    r->node_id = call->node_id;
    return r;
}

/* Runs the call's callback with an error.  When even the response object
 * cannot be allocated the callback gets NULL, which net.h's contract reads
 * as KAFKAC_ERR_NO_MEMORY. */
static void call_complete_err(kc_net_t *net, kc_call_t *call, int err, const char *fmt, va_list ap)
{
    kc_resp_t *r = kc_resp_new(call);
    char why[256];
    vsnprintf(why, sizeof why, fmt, ap);
    kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "request", "%s request to node %d failed: %s: %s%s", kc_call_name(call),
           call->node_id, kafkac_err_name(err), why, r ? "" : " (no memory for the response: reported as such)");
    if (r) {
        r->err = err;
        memcpy(r->errstr, why, sizeof r->errstr);
    }
    kc_resp_cb cb = call->req.cb;
    call->req.cb = NULL;
    cb(net, r, call->req.opaque);
}

/* Completes a call with an error; its callback always runs (with NULL when
 * out of memory, as net.h says). */
void kc_call_fail(kc_net_t *net, kc_call_t *call, int err, const char *fmt, ...)
{
    /* The handshake's own call has no callback (nobody waits on it): the
     * connection's failure is what gets logged and retried.  Nor has a
     * tombstone: its caller already had its answer. */
    if (call->req.cb) {
        va_list ap;
        va_start(ap, fmt);
        call_complete_err(net, call, err, fmt, ap);
        va_end(ap);
    }
    kc_free(call);
}

void kc_call_expire(kc_net_t *net, kc_call_t *call, int err, const char *fmt, ...)
{
    if (call->req.cb) {
        va_list ap;
        va_start(ap, fmt);
        call_complete_err(net, call, err, fmt, ap);
        va_end(ap);
    }
    call->tomb = 1;
}

const char *kc_call_name(const kc_call_t *call)
{
    const kc_api_t *api = kc_api_get(call->req.api_key);
    return api ? api->name : "broker versions";
}

void kc_call_list_push(kc_call_t **head, kc_call_t **tail, kc_call_t *c)
{
    c->next = NULL;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static void take_submitted(kc_net_t *net)
{
    pthread_mutex_lock(&net->lock);
    kc_call_t *h = net->submit_head;
    net->submit_head = net->submit_tail = NULL;
    pthread_mutex_unlock(&net->lock);
    while (h) {
        kc_call_t *n = h->next;
        kc_net_enqueue_local(net, h);
        h = n;
    }
}

/* Deadlines of the calls in flight on a ready connection (see
 * docs/ARCHITECTURE.md, "Deadlines").  Every call fails at its own
 * deadline with its own name, wherever it is in the FIFO; one that was
 * sent stays as a tombstone so that its late answer is read and dropped
 * and the connection carries on.  The connection itself is given up (as
 * the Java client does) only when its head is past its deadline AND the
 * broker has sent nothing for that request's whole timeout: a broker that
 * answers slowly but answers keeps its connection, a hung one loses it. */
static int64_t check_inflight(kc_net_t *net, kc_conn_t *c, int64_t now)
{
    int64_t next = INT64_MAX;
    for (kc_call_t *call = c->inflight_head; call; call = call->next) {
        if (call->tomb)
            continue;
        if (now >= call->deadline)
            kc_call_expire(net, call, KAFKAC_ERR_TIMED_OUT, "%s request to %s:%d timed out after %d ms",
                           kc_call_name(call), c->host, c->port, call->req.timeout_ms);
        else if (call->deadline < next)
            next = call->deadline;
    }
    kc_call_t *h = c->inflight_head;
    if (!h)
        return next;
    int64_t hung_at = c->last_recv_ms + h->req.timeout_ms;
    if (hung_at < h->deadline)
        hung_at = h->deadline;
    if (now < hung_at)
        return hung_at < next ? hung_at : next;
    char why[200];
    snprintf(why, sizeof why, "%s:%d did not answer the %s request at the head of the connection within %d ms: "
             "closing the connection", c->host, c->port, kc_call_name(h), h->req.timeout_ms);
    /* The calls behind it have not reached their own deadlines; they fail
     * now because their answers can only come after the hung one's. */
    for (kc_call_t *call = h->next; call; call = call->next)
        if (!call->tomb)
            kc_call_expire(net, call, KAFKAC_ERR_TIMED_OUT, "%s request to %s:%d: %s", kc_call_name(call), c->host,
                           c->port, why);
    kc_net_conn_failed(net, c, KAFKAC_ERR_TIMED_OUT, why);
    return next;
}

static int64_t check_timeouts(kc_net_t *net, int64_t now)
{
    int64_t next = kc_sasl_net_tick(net, now);
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        if (c->state == KC_CONN_RESOLVING) {
            if (now >= c->state_deadline) {
                /* The lookup goes on; a later attempt takes its answer. */
                char why[200];
                snprintf(why, sizeof why, "cannot resolve %s:%d: no answer within %d ms", c->host, c->port,
                         c->connect_timeout_ms);
                kc_net_conn_failed(net, c, KAFKAC_ERR_RESOLVE, why);
            } else if (c->state_deadline < next) {
                next = c->state_deadline;
            }
        }
        if ((c->state == KC_CONN_CONNECTING || c->state == KC_CONN_TLS || c->state == KC_CONN_HANDSHAKE)) {
            if (now >= c->state_deadline) {
                /* The TLS handshake shares the connect's deadline. */
                char why[200];
                snprintf(why, sizeof why, "%s %s:%d timed out after %d ms",
                         c->state == KC_CONN_CONNECTING ? "connecting to"
                         : c->state == KC_CONN_TLS      ? "TLS handshake with"
                                                        : "ApiVersions handshake with",
                         c->host, c->port,
                         c->state == KC_CONN_HANDSHAKE ? net->o.handshake_timeout_ms : c->connect_timeout_ms);
                kc_net_conn_failed(net, c, KAFKAC_ERR_TIMED_OUT, why);
            } else if (c->state_deadline < next) {
                next = c->state_deadline;
            }
        }
        if ((c->state == KC_CONN_READY || kc_sasl_draining(c)) && c->inflight_head) {
            int64_t t = check_inflight(net, c, now);
            if (t < next)
                next = t;
        }
        if (c->state == KC_CONN_READY || c->state == KC_CONN_AUTH) {
            /* SASL: its deadline, a re-authentication that is due. */
            int64_t t = kc_sasl_tick(net, c, now);
            if (t < next)
                next = t;
        }
        if (c->state == KC_CONN_READY) {
            int64_t t = kc_net_check_idle(net, c, now);
            if (t < next)
                next = t;
        }
        if (c->state == KC_CONN_DOWN && c->backoff_until > now && c->backoff_until < next && net->pending_head)
            next = c->backoff_until;
    }
    return next;
}

static void *io_thread(void *arg)
{
    kc_net_t *net = arg;
    /* OpenSSL writes with write(), not send(MSG_NOSIGNAL): a peer that
     * closed must give EPIPE on this thread, never kill the process. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    struct pollfd *pfds = NULL;
    int pfds_cap = 0;
    for (;;) {
        pthread_mutex_lock(&net->lock);
        int stop = net->terminating;
        pthread_mutex_unlock(&net->lock);
        if (stop)
            break;
        int64_t now = kc_now_ms();
        take_submitted(net);
        kc_net_take_lookups(net, now);
        int64_t next = kc_net_metadata_serve(net, now);
        /* Services may still be registering (kc_net_add_service reallocs
         * the array under the lock) while this thread already runs: copy
         * each entry under the lock, call it outside. */
        for (int i = 0;; i++) {
            pthread_mutex_lock(&net->lock);
            kc_service_t svc = { 0 };
            if (i < net->nservices)
                svc = net->services[i];
            pthread_mutex_unlock(&net->lock);
            if (!svc.fn)
                break;
            int64_t t = svc.fn(net, now, svc.opaque);
            if (t < next)
                next = t;
        }
        take_submitted(net);
        int64_t t = kc_net_route_pending(net, now);
        if (t < next)
            next = t;
        t = check_timeouts(net, now);
        if (t < next)
            next = t;
        /* Write what is queued before sleeping. */
        for (int i = 0; i < net->nconns; i++) {
            kc_conn_t *c = net->conns[i];
            if ((c->state == KC_CONN_READY || c->state == KC_CONN_HANDSHAKE || c->state == KC_CONN_AUTH) &&
                kc_conn_wants_write(c)) {
                int rc = kc_conn_flush(c);
                if (rc != 0)
                    kc_net_conn_failed(net, c, rc, NULL);
            }
        }

        if (pfds_cap < net->nconns + 1) {
            struct pollfd *np = kc_realloc(pfds, (size_t)(net->nconns + 1) * sizeof(*np));
            if (!np) {
                /* Cannot poll everything: sleep briefly and retry. */
                usleep(10000);
                continue;
            }
            pfds = np;
            pfds_cap = net->nconns + 1;
        }
        int n = 0;
        pfds[n].fd = net->wake_fd;
        pfds[n].events = POLLIN;
        n++;
        for (int i = 0; i < net->nconns; i++) {
            kc_conn_t *c = net->conns[i];
            if (c->fd < 0)
                continue;
            pfds[n].fd = c->fd;
            pfds[n].events = kc_conn_poll_events(c);
            pfds[n].revents = 0;
            /* Bytes the transport holds already (TLS records decrypted
             * ahead) raise no POLLIN: do not sleep on them. */
            if (kc_conn_pending(c))
                next = 0;
            n++;
        }
        now = kc_now_ms();
        int timeout = next == INT64_MAX ? 1000 : (next <= now ? 0 : (int)(next - now > 1000 ? 1000 : next - now));
        int rc = poll(pfds, (nfds_t)n, timeout);
        if (rc < 0 && errno != EINTR)
            usleep(1000);
        if (rc < 0)
            continue;
        for (int k = 1; k < n; k++)
            for (int i = 0; i < net->nconns; i++)
                if (net->conns[i]->fd == pfds[k].fd && kc_conn_pending(net->conns[i]))
                    pfds[k].revents |= POLLIN;
        if (pfds[0].revents & POLLIN) {
            uint64_t v;
            ssize_t rd = read(net->wake_fd, &v, sizeof v);
            (void)rd;
        }
        /* Match pollfds back to connections by fd (conns may have closed
         * meanwhile; a closed one simply has no match). */
        for (int k = 1; k < n; k++) {
            if (!pfds[k].revents)
                continue;
            kc_conn_t *c = NULL;
            for (int i = 0; i < net->nconns; i++)
                if (net->conns[i]->fd == pfds[k].fd)
                    c = net->conns[i];
            if (!c)
                continue;
            if (c->state == KC_CONN_CONNECTING) {
                int frc = kc_conn_finish_connect(c);
                if (frc == 0)
                    kc_net_conn_connected(net, c);
                else
                    kc_net_conn_failed(net, c, frc, NULL);
                continue;
            }
            if (c->state == KC_CONN_TLS) {
                kc_net_conn_tls_step(net, c);
                continue;
            }
            /* A transport may need to write to finish a read (tp_events). */
            if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR) || c->tp_events)
                kc_net_conn_readable(net, c);
            if (c->fd >= 0 && (pfds[k].revents & (POLLOUT | POLLIN)) && kc_conn_wants_write(c)) {
                int wrc = kc_conn_flush(c);
                if (wrc != 0)
                    kc_net_conn_failed(net, c, wrc, NULL);
            }
        }
    }
    kc_free(pfds);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Create / destroy                                                    */

void kc_net_opts_from_settings(kc_net_opts_t *o, const struct kc_settings *s)
{
    kc_net_opts_defaults(o);
    o->bootstrap = &s->bootstrap;
    o->client_id = s->client_id;
    o->request_timeout_ms = (int)s->request_timeout_ms;
    o->connect_timeout_ms = (int)s->socket_connection_setup_timeout_ms;
    o->connect_timeout_max_ms = (int)s->socket_connection_setup_timeout_max_ms;
    o->connections_max_idle_ms = (int)s->connections_max_idle_ms;
    o->socket_send_buffer_bytes = (int)s->socket_send_buffer_bytes;
    o->socket_receive_buffer_bytes = (int)s->socket_receive_buffer_bytes;
    o->dns_lookup = s->client_dns_lookup;
    o->handshake_timeout_ms = (int)s->api_version_request_timeout_ms;
    o->reconnect_backoff_ms = (int)s->reconnect_backoff_ms;
    o->reconnect_backoff_max_ms = (int)s->reconnect_backoff_max_ms;
    o->metadata_max_age_ms = (int)s->metadata_max_age_ms;
    o->retry_backoff_ms = (int)s->retry_backoff_ms;
    o->retry_backoff_max_ms = (int)s->retry_backoff_max_ms;
    o->allow_auto_create_topics = s->allow_auto_create_topics;
    o->logger = &s->log;
    o->security_protocol = s->security_protocol;
    o->tls = &s->tls;
    if (s->security_protocol == KC_SEC_SASL_PLAINTEXT || s->security_protocol == KC_SEC_SASL_SSL) {
        o->sasl_mechanism = s->sasl_mechanism;
        o->sasl_username = s->sasl_username;
        o->sasl_password = s->sasl_password;
        o->sasl_oauthbearer_config = s->sasl_oauthbearer_config;
        o->oauth_cb = s->oauth_cb;
        o->oauth_opaque = s->oauth_opaque;
    }
}

/* One bootstrap.servers entry becomes one bootstrap connection, or with
 * client.dns.lookup=resolve_canonical_bootstrap_servers_only one per
 * canonical name of its addresses (as Java does, e.g. for Kerberos
 * principals behind a DNS alias).  That lookup runs here, on the thread
 * creating the client, not on the I/O thread.  An entry that does not
 * resolve or has no canonical name stays as given, so that its error
 * surfaces on the first connection attempt.  Returns 0 or NO_MEMORY. */
static int add_bootstrap(kc_net_t *net, const kc_hostport_t *hp, int32_t *nboot)
{
    int added = 0;
    if (net->o.dns_lookup == KC_DNS_CANONICAL_BOOTSTRAP) {
        kc_addrs_t addrs;
        const char *why = NULL;
        if (kc_resolve_now(hp->host, hp->port, 0, &addrs, &why) == 0) {
            for (int i = 0; i < addrs.n; i++) {
                char name[NI_MAXHOST];
                if (kc_nameinfo_fn((const struct sockaddr *)&addrs.v[i].sa, addrs.v[i].len, name, sizeof name, NULL,
                                   0, NI_NAMEREQD) != 0)
                    continue;
                int dup = 0;
                for (int k = 0; k < net->nconns; k++)
                    dup |= net->conns[k]->node_id < 0 && net->conns[k]->port == hp->port &&
                           strcmp(net->conns[k]->host, name) == 0;
                if (dup)
                    continue;
                if (!kc_net_add_conn(net, -1 - (*nboot)++, name, hp->port)) {
                    kc_addrs_free(&addrs);
                    return KAFKAC_ERR_NO_MEMORY;
                }
                added++;
                kc_log(net->o.logger, KAFKAC_LOG_DEBUG, "broker", "bootstrap %s:%d: canonical name %s", hp->host,
                       hp->port, name);
            }
            kc_addrs_free(&addrs);
        }
    }
    if (added)
        return 0;
    return kc_net_add_conn(net, -1 - (*nboot)++, hp->host, hp->port) ? 0 : KAFKAC_ERR_NO_MEMORY;
}

kc_net_t *kc_net_new(const kc_net_opts_t *opts, char *errstr, size_t errlen)
{
    kc_net_t *net = kc_calloc(1, sizeof(*net));
    if (!net) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    net->o = *opts;
    net->client_id = kc_strdup(opts->client_id ? opts->client_id : "libkafkac");
    net->o.client_id = net->client_id;
    net->wake_fd = -1;
    net->refs = 1;
    net->seed = (unsigned)kc_now_ms() ^ (unsigned)(uintptr_t)net;
    net->down_since = kc_now_ms();
    pthread_mutex_init(&net->lock, NULL);
    kc_cond_init(&net->cluster_cond);
    net->cluster = kc_cluster_empty();
    if (!net->client_id || !net->cluster) {
        snprintf(errstr, errlen, "out of memory");
        goto fail;
    }
    if (!opts->bootstrap || opts->bootstrap->n == 0) {
        snprintf(errstr, errlen, "bootstrap.servers is empty: name at least one host:port");
        goto fail;
    }
    int32_t nboot = 0;
    for (size_t i = 0; i < opts->bootstrap->n; i++) {
        if (add_bootstrap(net, &opts->bootstrap->v[i], &nboot) != 0) {
            snprintf(errstr, errlen, "out of memory");
            goto fail;
        }
    }
    net->o.bootstrap = NULL; /* copied into connections; not kept */
    net->o.tls = NULL;       /* read into net->tls; not kept */
    if (opts->security_protocol == KC_SEC_SSL || opts->security_protocol == KC_SEC_SASL_SSL) {
        if (!opts->tls) {
            snprintf(errstr, errlen, "security.protocol needs TLS but no ssl.* settings were given");
            goto fail;
        }
        net->tls = kc_tls_ctx_new(opts->tls, opts->logger, errstr, errlen);
        if (!net->tls)
            goto fail;
        for (int i = 0; i < net->nconns; i++)
            net->conns[i]->tls = net->tls;
    }
    if (kc_sasl_init(net, opts, errstr, errlen) != 0)
        goto fail;
    net->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (net->wake_fd < 0) {
        snprintf(errstr, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    net->resolver = kc_resolver_new(net->wake_fd);
    if (!net->resolver) {
        snprintf(errstr, errlen, "cannot start the name resolver: %s", strerror(errno));
        goto fail;
    }
    kc_net_metadata_init(net);
    if (pthread_create(&net->thread, NULL, io_thread, net) != 0) {
        snprintf(errstr, errlen, "cannot start the I/O thread");
        goto fail;
    }
    net->thread_started = 1;
    return net;
fail:
    kc_net_destroy(net);
    return NULL;
}

static void fail_list(kc_net_t *net, kc_call_t *call, const char *why)
{
    while (call) {
        kc_call_t *n = call->next;
        kc_call_fail(net, call, KAFKAC_ERR_DESTROYED, "%s", why);
        call = n;
    }
}

kc_net_t *kc_net_ref(kc_net_t *net)
{
    if (net)
        __atomic_add_fetch(&net->refs, 1, __ATOMIC_RELAXED);
    return net;
}

/* What must outlive kc_net_destroy for holders of a reference: the lock,
 * the flags it guards, the wake fd, the last snapshot. */
void kc_net_unref(kc_net_t *net)
{
    if (!net || __atomic_sub_fetch(&net->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    kc_net_metadata_free(net);
    kc_cluster_unref(net->cluster);
    kc_free(net->services);
    if (net->wake_fd >= 0)
        close(net->wake_fd);
    pthread_cond_destroy(&net->cluster_cond);
    pthread_mutex_destroy(&net->lock);
    kc_free(net->client_id);
    kc_free(net);
}

void kc_net_destroy(kc_net_t *net)
{
    if (!net)
        return;
    pthread_mutex_lock(&net->lock);
    net->terminating = 1;
    pthread_cond_broadcast(&net->cluster_cond);
    pthread_mutex_unlock(&net->lock);
    if (net->thread_started) {
        kc_net_wakeup(net);
        pthread_join(net->thread, NULL);
        net->thread_started = 0;
    }
    /* The thread has stopped, and kc_net_send refuses new calls
     * (terminating): everything below is ours alone. */
    fail_list(net, net->submit_head, "client closed before the request was sent");
    net->submit_head = net->submit_tail = NULL;
    fail_list(net, net->pending_head, "client closed before the request was sent");
    net->pending_head = net->pending_tail = NULL;
    for (int i = 0; i < net->nconns; i++) {
        kc_conn_t *c = net->conns[i];
        fail_list(net, c->inflight_head, "client closed while the request was in flight");
        kc_sasl_conn_reset(c);
        kc_conn_free(c);
    }
    kc_free(net->conns);
    net->conns = NULL;
    net->nconns = 0;
    kc_resolver_destroy(net->resolver);
    net->resolver = NULL;
    kc_tls_ctx_free(net->tls);
    net->tls = NULL;
    /* The application's token handle dies with the client (conf.h). */
    kc_sasl_free(net);
    kc_net_unref(net);
}

int kc_net_add_service(kc_net_t *net, kc_service_fn fn, void *opaque)
{
    pthread_mutex_lock(&net->lock);
    kc_service_t *s = kc_realloc(net->services, (size_t)(net->nservices + 1) * sizeof(*s));
    if (!s) {
        pthread_mutex_unlock(&net->lock);
        return KAFKAC_ERR_NO_MEMORY;
    }
    net->services = s;
    s[net->nservices].fn = fn;
    s[net->nservices].opaque = opaque;
    net->nservices++;
    pthread_mutex_unlock(&net->lock);
    kc_net_wakeup(net);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Synchronous calls                                                   */

/* The waiter is shared by the blocked caller and the callback, and freed
 * by whichever lets go last: a caller that gives up at its deadline
 * returns while the callback may still come (from a stalled I/O thread),
 * and that late callback must find live memory.  Its `abandoned` flag
 * also keeps the I/O thread from reading the caller's msg, which dies
 * with the caller's frame (kc_waiter_hold); a caller giving up while the
 * body is being encoded (`sending`) waits for that to end. */
struct kc_waiter {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int refs;            /* [m] the caller and the callback */
    int done;            /* [m] the callback ran */
    int abandoned;       /* [m] the caller returned without it */
    int sending;         /* [m] the I/O thread is reading the caller's msg (build, encode) */
    kc_resp_t *resp;     /* [m] */
    kc_build_cb build;   /* the caller's, with its own opaque */
    void *opaque;
    void (*free_ctx)(void *);   /* kc_net_call_until: frees ctx once abandoned */
    void *ctx;
};

static void waiter_unref_locked(kc_waiter_t *w)
{
    if (--w->refs > 0) {
        pthread_mutex_unlock(&w->m);
        return;
    }
    pthread_mutex_unlock(&w->m);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->m);
    kc_free(w);
}

int kc_waiter_hold(kc_waiter_t *w)
{
    pthread_mutex_lock(&w->m);
    int ok = !w->abandoned;
    if (ok)
        w->sending = 1;
    pthread_mutex_unlock(&w->m);
    return ok;
}

void kc_waiter_release(kc_waiter_t *w)
{
    pthread_mutex_lock(&w->m);
    w->sending = 0;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->m);
}

/* kc_net_call takes over req.opaque for the waiter; the caller's build
 * callback must still see the caller's opaque. */
static int waiter_build(kc_net_t *net, int16_t version, void *msg, void *opaque)
{
    kc_waiter_t *w = opaque;
    return w->build(net, version, msg, w->opaque);
}

static void waiter_cb(kc_net_t *net, kc_resp_t *resp, void *opaque)
{
    (void)net;
    kc_waiter_t *w = opaque;
    pthread_mutex_lock(&w->m);
    if (w->abandoned) {
        /* The caller gave up: what the request borrowed is freed now that
         * the network client is done with it. */
        kc_resp_free(resp);
        if (w->free_ctx)
            w->free_ctx(w->ctx);
    } else {
        w->resp = resp;
        w->done = 1;
        pthread_cond_signal(&w->cv);
    }
    waiter_unref_locked(w);
}

kc_resp_t *kc_resp_error(const kc_req_t *req, int err, const char *fmt, ...)
{
    kc_resp_t *resp = kc_calloc(1, sizeof(*resp));
    if (!resp)
        return NULL;
    kc_arena_init(&resp->arena, 256);
    resp->err = err;
    resp->api_key = req->api_key;
    resp->node_id = req->node_id;
    resp->version = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->errstr, sizeof resp->errstr, fmt, ap);
    va_end(ap);
    return resp;
}

/* How long past a request's own deadline kc_net_call waits for its
 * callback: the I/O thread fails every call by its deadline itself, so
 * this only bounds the wait when that thread is stalled. */
#define CALL_WAIT_SLACK_MS 500

/* Sends req and waits for its callback until deadline_ms (kc_now_ms).
 * Returns the response, or NULL: *send_rc set when it could not be sent;
 * *gave_up set when the deadline came first (the request is then
 * abandoned: its callback frees the response and calls free_ctx(ctx));
 * neither on out of memory. */
static kc_resp_t *call_wait(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                            void *ctx, int *gave_up, int *send_rc)
{
    *gave_up = 0;
    *send_rc = 0;
    kc_waiter_t *w = kc_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->m, NULL);
    kc_cond_init(&w->cv);
    w->refs = 2;
    kc_req_t r = *req;
    r.cb = waiter_cb;
    r.opaque = w;
    w->build = req->build;
    w->opaque = req->opaque;
    w->free_ctx = free_ctx;
    w->ctx = ctx;
    if (req->build)
        r.build = waiter_build;
    int64_t until = deadline_ms;
    int rc = kc_net_submit(net, &r, w);
    if (rc != 0) {
        /* The callback will never run: both references are ours. */
        pthread_mutex_lock(&w->m);
        w->refs--;
        waiter_unref_locked(w);
        *send_rc = rc;
        return NULL;
    }
    kc_resp_t *resp = NULL;
    pthread_mutex_lock(&w->m);
    while (!w->done) {
        int wrc = kc_cond_wait_until(&w->cv, &w->m, until);
        if (wrc == ETIMEDOUT && !w->done)
            break;
    }
    /* The body may be being encoded right now: that takes no time and
     * must finish before the caller's msg can go away. */
    while (!w->done && w->sending)
        pthread_cond_wait(&w->cv, &w->m);
    if (w->done) {
        resp = w->resp;
    } else {
        w->abandoned = 1;
        *gave_up = 1;
    }
    waiter_unref_locked(w);
    return resp;
}

kc_resp_t *kc_net_call(kc_net_t *net, const kc_req_t *req)
{
    if (!net || !req)
        return NULL;
    int timeout = req->timeout_ms > 0 ? req->timeout_ms : net->o.request_timeout_ms;
    int gave_up, send_rc;
    kc_resp_t *resp = call_wait(net, req, kc_now_ms() + timeout + CALL_WAIT_SLACK_MS, NULL, NULL, &gave_up, &send_rc);
    if (send_rc)
        return kc_resp_error(req, send_rc, "%s", kafkac_err_str(send_rc));
    if (gave_up) {
        const kc_api_t *api = kc_api_get(req->api_key);
        resp = kc_resp_error(req, KAFKAC_ERR_TIMED_OUT,
                             "%s request: no outcome within %d ms (the network thread did not complete it)",
                             api ? api->name : "broker versions", timeout);
    }
    return resp;
}

kc_resp_t *kc_net_call_until(kc_net_t *net, const kc_req_t *req, int64_t deadline_ms, void (*free_ctx)(void *),
                             void *ctx, int *gave_up)
{
    *gave_up = 0;
    const kc_api_t *api = kc_api_get(req->api_key);
    const char *name = api ? api->name : "request";
    int64_t left = deadline_ms - kc_now_ms();
    if (left <= 0)
        return kc_resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s not sent: the call's timeout had passed", name);
    /* The request's own deadline is the call's: it must not outlive it in
     * the network client's queues either. */
    kc_req_t r = *req;
    if (r.timeout_ms <= 0 || r.timeout_ms > left)
        r.timeout_ms = (int)(left < INT32_MAX ? left : INT32_MAX);
    int send_rc;
    kc_resp_t *resp = call_wait(net, &r, deadline_ms, free_ctx, ctx, gave_up, &send_rc);
    if (send_rc)
        return kc_resp_error(req, send_rc, "%s not sent: %s", name, kafkac_err_str(send_rc));
    if (!*gave_up)
        return resp;
    if (req->node_id < 0)
        return kc_resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s request got no answer within the call's timeout", name);
    return kc_resp_error(req, KAFKAC_ERR_TIMED_OUT, "%s request to broker %d got no answer within the call's timeout",
                         name, (int)KC_NODE_BROKER_OF(req->node_id));
}

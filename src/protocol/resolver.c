/* Name resolution off the I/O thread: see resolver.h.
 *
 * One detached thread per lookup, sharing a refcounted box with the net:
 * the box holds the finished results and a dup of the wake fd, so that a
 * lookup that outlives its net (a DNS server that takes 30 s, a client
 * closed after 1 s) still has somewhere valid to write and just frees
 * itself.  The network client starts at most one lookup per connection
 * at a time, so the threads are bounded by the connections. */
#include "protocol/resolver.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "kafkac/error.h"

kc_getaddrinfo_fn kc_resolver_fn = getaddrinfo;
kc_getnameinfo_fn kc_nameinfo_fn = getnameinfo;

void kc_addrs_free(kc_addrs_t *a)
{
    kc_free(a->v);
    a->v = NULL;
    a->n = 0;
}

int kc_resolve_now(const char *host, int port, int numeric_only, kc_addrs_t *out, const char **errstr)
{
    struct addrinfo hints, *res = NULL;
    char serv[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = numeric_only ? AI_NUMERICHOST : AI_ADDRCONFIG;
    snprintf(serv, sizeof serv, "%d", port);
    out->v = NULL;
    out->n = 0;
    int rc = numeric_only ? getaddrinfo(host, serv, &hints, &res) : kc_resolver_fn(host, serv, &hints, &res);
    if (rc == 0 && !res)
        rc = EAI_NONAME;
    if (rc != 0) {
        *errstr = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
        return rc;
    }
    int n = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (ai->ai_addrlen <= sizeof(struct sockaddr_storage))
            n++;
    out->v = n ? kc_calloc((size_t)n, sizeof(*out->v)) : NULL;
    if (!out->v) {
        freeaddrinfo(res);
        *errstr = "out of memory";
        return EAI_MEMORY;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(struct sockaddr_storage))
            continue;
        memcpy(&out->v[out->n].sa, ai->ai_addr, ai->ai_addrlen);
        out->v[out->n].len = ai->ai_addrlen;
        out->n++;
    }
    freeaddrinfo(res);
    *errstr = NULL;
    return 0;
}

typedef struct done_item {
    struct done_item *next;
    kc_lookup_t l;
} done_item_t;

struct kc_resolver {
    pthread_mutex_t m;
    int refs;              /* [m] the net + one per running lookup */
    int closed;            /* [m] the net is gone: drop results */
    int wake_fd;           /* dup of the net's eventfd */
    done_item_t *head, *tail;  /* [m] finished lookups */
};

typedef struct job {
    kc_resolver_t *r;
    void *owner;
    uint32_t gen;
    int port;
    char host[];
} job_t;

static void resolver_unref_locked(kc_resolver_t *r)
{
    if (--r->refs > 0) {
        pthread_mutex_unlock(&r->m);
        return;
    }
    pthread_mutex_unlock(&r->m);
    while (r->head) {
        done_item_t *n = r->head->next;
        kc_addrs_free(&r->head->l.addrs);
        kc_free(r->head);
        r->head = n;
    }
    if (r->wake_fd >= 0)
        close(r->wake_fd);
    pthread_mutex_destroy(&r->m);
    kc_free(r);
}

kc_resolver_t *kc_resolver_new(int wake_fd)
{
    kc_resolver_t *r = kc_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->wake_fd = dup(wake_fd);
    if (r->wake_fd < 0) {
        kc_free(r);
        return NULL;
    }
    pthread_mutex_init(&r->m, NULL);
    r->refs = 1;
    return r;
}

void kc_resolver_destroy(kc_resolver_t *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->m);
    r->closed = 1;
    resolver_unref_locked(r);
}

static void *job_run(void *arg)
{
    job_t *j = arg;
    done_item_t *d = kc_calloc(1, sizeof(*d));
    kc_addrs_t addrs = { 0 };
    const char *why = NULL;
    int rc = kc_resolve_now(j->host, j->port, 0, &addrs, &why);
    kc_resolver_t *r = j->r;
    pthread_mutex_lock(&r->m);
    if (!r->closed && d) {
        d->l.owner = j->owner;
        d->l.gen = j->gen;
        d->l.rc = rc;
        d->l.addrs = addrs;
        snprintf(d->l.err, sizeof d->l.err, "%s", why ? why : "");
        if (r->tail)
            r->tail->next = d;
        else
            r->head = d;
        r->tail = d;
        d = NULL;
        addrs.v = NULL;
        uint64_t one = 1;
        ssize_t n = write(r->wake_fd, &one, sizeof one);
        (void)n;
    }
    kc_addrs_free(&addrs);
    kc_free(d);
    kc_free(j);
    resolver_unref_locked(r);
    return NULL;
}

int kc_resolver_start(kc_resolver_t *r, void *owner, uint32_t gen, const char *host, int port)
{
    size_t hl = strlen(host);
    job_t *j = kc_malloc(sizeof(*j) + hl + 1);
    if (!j)
        return KAFKAC_ERR_NO_MEMORY;
    j->r = r;
    j->owner = owner;
    j->gen = gen;
    j->port = port;
    memcpy(j->host, host, hl + 1);
    pthread_mutex_lock(&r->m);
    r->refs++;
    pthread_mutex_unlock(&r->m);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* getaddrinfo needs little stack; keep many lookups cheap. */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t t;
    int rc = pthread_create(&t, &attr, job_run, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        kc_free(j);
        pthread_mutex_lock(&r->m);
        resolver_unref_locked(r);
        return KAFKAC_ERR_TRANSPORT;
    }
    return 0;
}

int kc_resolver_take(kc_resolver_t *r, kc_lookup_t *out)
{
    pthread_mutex_lock(&r->m);
    done_item_t *d = r->head;
    if (d) {
        r->head = d->next;
        if (!r->head)
            r->tail = NULL;
    }
    pthread_mutex_unlock(&r->m);
    if (!d)
        return 0;
    *out = d->l;
    kc_free(d);
    return 1;
}

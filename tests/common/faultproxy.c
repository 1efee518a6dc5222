/* The fault-injecting proxy; see faultproxy.h.
 *
 * One thread polls the listener, a wake-up pipe and both sockets of every
 * link.  Bytes from the client are forwarded as they arrive and also kept
 * until a whole request is in, to note its header in the link's FIFO.
 * Bytes from the broker are held until a whole response is in; then the
 * FIFO's head says which request it answers and whether a fault hits it.
 * Writes are blocking: both ends are always reading (the client's I/O
 * thread and the broker), and a peer that has gone turns into EPIPE,
 * which closes the link.  Plain malloc, not the library's allocator, so
 * that a test's failing-allocator hook never reaches the proxy. */
#include "common/faultproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINKS 32
#define MAX_QUEUED 256        /* requests awaiting a response on one link */

typedef struct pending {
    int16_t api_key, version;
    int32_t corr_id;
    kc_fault_t fault;
} pending_t;

typedef struct growbuf {
    uint8_t *b;
    size_t len, cap;
} growbuf_t;

typedef struct link {
    int cfd, ufd;             /* client side, upstream side; -1 when unused */
    growbuf_t req, resp;      /* bytes not yet parsed into whole frames */
    pending_t q[MAX_QUEUED];
    int q_head, q_len;
    int requests;             /* seen on this link */
    int silent;               /* KC_FAULT_SILENCE hit: drop every response */
} link_t;

struct kc_fproxy {
    char addr[64];
    struct sockaddr_storage up;
    socklen_t up_len;
    char up_host[256];        /* upstream host as given, for redirect_self */
    uint32_t up_port;
    struct sockaddr_in me;    /* where the proxy listens */
    int lfd;                  /* -1 while DEAD */
    kc_fproxy_mode_t mode;    /* as applied by the proxy thread */
    int wake[2];
    pthread_t thread;
    link_t links[MAX_LINKS];

    pthread_mutex_t lock;     /* guards everything below */
    kc_fault_t armed;
    int16_t armed_key;
    kc_fault_where_t armed_where;
    int fired, accepted;
    pending_t last_hit;
    kc_fproxy_mode_t want_mode;
    int mode_seq, mode_done;  /* set_mode requests made / applied */
    int mode_rc;
    int redirect;
    pthread_cond_t mode_cv;
};

static int gb_append(growbuf_t *g, const void *p, size_t n)
{
    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n)
            cap *= 2;
        uint8_t *nb = realloc(g->b, cap);
        if (!nb)
            return -1;
        g->b = nb;
        g->cap = cap;
    }
    memcpy(g->b + g->len, p, n);
    g->len += n;
    return 0;
}

static void gb_consume(growbuf_t *g, size_t n)
{
    memmove(g->b, g->b + n, g->len - n);
    g->len -= n;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int send_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void link_close(link_t *l)
{
    if (l->cfd >= 0)
        close(l->cfd);
    if (l->ufd >= 0)
        close(l->ufd);
    free(l->req.b);
    free(l->resp.b);
    memset(l, 0, sizeof *l);
    l->cfd = l->ufd = -1;
}

static void accept_one(kc_fproxy_t *p)
{
    int cfd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    link_t *l = NULL;
    for (int i = 0; i < MAX_LINKS && !l; i++)
        if (p->links[i].cfd < 0)
            l = &p->links[i];
    int ufd = socket(p->up.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!l || ufd < 0 || connect(ufd, (struct sockaddr *)&p->up, p->up_len) != 0) {
        /* No room or no broker: the client sees its connection closed. */
        if (ufd >= 0)
            close(ufd);
        close(cfd);
        return;
    }
    int one = 1;
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    l->cfd = cfd;
    l->ufd = ufd;
    pthread_mutex_lock(&p->lock);
    p->accepted++;
    pthread_mutex_unlock(&p->lock);
}

/* Notes a whole request's header and decides whether the armed fault
 * takes it. */
static void note_request(kc_fproxy_t *p, link_t *l, const uint8_t *frame, size_t size)
{
    pending_t e = { -1, -1, -1, KC_FAULT_NONE };
    if (size >= 8) {
        e.api_key = (int16_t)((frame[0] << 8) | frame[1]);
        e.version = (int16_t)((frame[2] << 8) | frame[3]);
        e.corr_id = (int32_t)be32(frame + 4);
    }
    int first = l->requests++ == 0;
    pthread_mutex_lock(&p->lock);
    if (p->armed != KC_FAULT_NONE && (p->armed_key < 0 || p->armed_key == e.api_key) &&
        (p->armed_where == KC_FAULT_ANYWHERE || (p->armed_where == KC_FAULT_FIRST_ON_CONN) == first)) {
        e.fault = p->armed;
        p->armed = KC_FAULT_NONE;
    }
    pthread_mutex_unlock(&p->lock);
    if (l->q_len < MAX_QUEUED) {
        l->q[(l->q_head + l->q_len) % MAX_QUEUED] = e;
        l->q_len++;
    }
}

static void record_hit(kc_fproxy_t *p, const pending_t *e)
{
    pthread_mutex_lock(&p->lock);
    p->fired++;
    p->last_hit = *e;
    pthread_mutex_unlock(&p->lock);
}

/* Client -> broker.  Returns -1 when the link must close. */
static int from_client(kc_fproxy_t *p, link_t *l)
{
    uint8_t chunk[65536];
    ssize_t n = recv(l->cfd, chunk, sizeof chunk, 0);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    if (p->mode == KC_FPROXY_HUNG)
        return 0; /* a stopped broker reads nothing; the link resets on UP */
    if (send_all(l->ufd, chunk, (size_t)n) != 0 || gb_append(&l->req, chunk, (size_t)n) != 0)
        return -1;
    while (l->req.len >= 4) {
        uint32_t size = be32(l->req.b);
        if (l->req.len - 4 < size)
            break;
        note_request(p, l, l->req.b + 4, size);
        gb_consume(&l->req, 4 + (size_t)size);
    }
    return 0;
}

/* Sends one response frame (prefix included) as the fault says. */
static int deliver(kc_fproxy_t *p, link_t *l, const pending_t *e, uint8_t *frame, uint32_t size)
{
    uint8_t noise[20];
    if (e->fault != KC_FAULT_NONE)
        record_hit(p, e);
    switch (e->fault) {
    case KC_FAULT_NONE:
        break;
    case KC_FAULT_GARBAGE:
    case KC_FAULT_NEGATIVE_SIZE:
        put_be32(noise, e->fault == KC_FAULT_GARBAGE ? 0x7fffffffu : (uint32_t)-16);
        for (size_t i = 4; i < sizeof noise; i++)
            noise[i] = (uint8_t)(0xA5 ^ i);
        return send_all(l->cfd, noise, sizeof noise);
    case KC_FAULT_HALF_THEN_CLOSE:
        send_all(l->cfd, frame, 4 + (size_t)size / 2);
        return -1;
    case KC_FAULT_WRONG_CORR_ID:
        if (size >= 4)
            put_be32(frame + 4, be32(frame + 4) + 1000);
        break;
    case KC_FAULT_TRUNCATED_BODY: {
        /* Keep the correlation id and half of what follows. */
        uint32_t keep = size >= 4 ? 4 + (size - 4) / 2 : size;
        put_be32(frame, keep);
        return send_all(l->cfd, frame, 4 + (size_t)keep);
    }
    case KC_FAULT_SILENCE:
        l->silent = 1;
        return 0;
    case KC_FAULT_DUPLICATE: {
        /* One write, so that both copies reach the client in one read. */
        uint8_t *two = malloc(2 * (4 + (size_t)size));
        if (!two)
            return -1;
        memcpy(two, frame, 4 + (size_t)size);
        memcpy(two + 4 + size, frame, 4 + (size_t)size);
        int rc = send_all(l->cfd, two, 2 * (4 + (size_t)size));
        free(two);
        return rc;
    }
    }
    return send_all(l->cfd, frame, 4 + (size_t)size);
}

static int redirect_on(kc_fproxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int on = p->redirect;
    pthread_mutex_unlock(&p->lock);
    return on;
}

/* Replaces the port after every copy of the upstream host string that is
 * followed by the upstream port.  Matching the host's bytes AND the port
 * keeps a false hit in record data unlikely enough for tests. */
static void redirect_frame(kc_fproxy_t *p, uint8_t *b, uint32_t size)
{
    size_t hlen = strlen(p->up_host);
    uint8_t port[4];
    put_be32(port, p->up_port);
    for (size_t i = 0; hlen > 0 && i + hlen + 4 <= size; i++) {
        if (memcmp(b + i, p->up_host, hlen) == 0 && memcmp(b + i + hlen, port, 4) == 0) {
            put_be32(b + i + hlen, ntohs(p->me.sin_port));
            i += hlen + 3;
        }
    }
}

static int listen_on(kc_fproxy_t *p)
{
    int one = 1;
    socklen_t alen = sizeof p->me;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&p->me, sizeof p->me) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&p->me, &alen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* On the proxy thread: makes the wanted mode true. */
static void apply_mode(kc_fproxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    kc_fproxy_mode_t want = p->want_mode;
    int seq = p->mode_seq;
    pthread_mutex_unlock(&p->lock);
    int rc = 0;
    if (want != p->mode) {
        if (want == KC_FPROXY_DEAD || (want == KC_FPROXY_UP && p->mode != KC_FPROXY_UP)) {
            for (int i = 0; i < MAX_LINKS; i++)
                if (p->links[i].cfd >= 0)
                    link_close(&p->links[i]);
        }
        if (want == KC_FPROXY_DEAD && p->lfd >= 0) {
            close(p->lfd);
            p->lfd = -1;
        } else if (want != KC_FPROXY_DEAD && p->lfd < 0) {
            p->lfd = listen_on(p);
            if (p->lfd < 0)
                rc = -1;
        }
        p->mode = want;
    }
    pthread_mutex_lock(&p->lock);
    p->mode_done = seq;
    p->mode_rc = rc;
    pthread_cond_broadcast(&p->mode_cv);
    pthread_mutex_unlock(&p->lock);
}

/* Broker -> client.  Returns -1 when the link must close. */
static int from_broker(kc_fproxy_t *p, link_t *l)
{
    uint8_t chunk[65536];
    ssize_t n = recv(l->ufd, chunk, sizeof chunk, 0);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    if (p->mode == KC_FPROXY_HUNG)
        return 0; /* answers to requests sent before the hang are lost too */
    if (gb_append(&l->resp, chunk, (size_t)n) != 0)
        return -1;
    while (l->resp.len >= 4) {
        uint32_t size = be32(l->resp.b);
        if (l->resp.len - 4 < size)
            break;
        pending_t e = { -1, -1, -1, KC_FAULT_NONE };
        if (l->q_len > 0) {
            e = l->q[l->q_head];
            l->q_head = (l->q_head + 1) % MAX_QUEUED;
            l->q_len--;
        }
        if (redirect_on(p))
            redirect_frame(p, l->resp.b + 4, size);
        int rc = l->silent ? 0 : deliver(p, l, &e, l->resp.b, size);
        if (rc != 0)
            return -1;
        gb_consume(&l->resp, 4 + (size_t)size);
    }
    return 0;
}

static void *proxy_thread(void *arg)
{
    kc_fproxy_t *p = arg;
    struct pollfd pfd[2 + 2 * MAX_LINKS];
    int who[2 + 2 * MAX_LINKS];
    for (;;) {
        int n = 0;
        pfd[n].fd = p->wake[0];
        pfd[n].events = POLLIN;
        who[n++] = -1;
        pfd[n].fd = p->lfd;
        pfd[n].events = POLLIN;
        who[n++] = -2;
        for (int i = 0; i < MAX_LINKS; i++) {
            if (p->links[i].cfd < 0)
                continue;
            pfd[n].fd = p->links[i].cfd;
            pfd[n].events = POLLIN;
            who[n++] = 2 * i;
            pfd[n].fd = p->links[i].ufd;
            pfd[n].events = POLLIN;
            who[n++] = 2 * i + 1;
        }
        for (int k = 0; k < n; k++)
            pfd[k].revents = 0;
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[0].revents) {
            /* 'x': stop; 'm': a mode change to apply. */
            char cmd[64];
            ssize_t r = read(p->wake[0], cmd, sizeof cmd);
            if (r <= 0 || memchr(cmd, 'x', (size_t)r))
                break;
            apply_mode(p);
            continue;
        }
        if (p->lfd >= 0 && (pfd[1].revents & POLLIN))
            accept_one(p);
        for (int k = 2; k < n; k++) {
            if (!pfd[k].revents)
                continue;
            link_t *l = &p->links[who[k] / 2];
            if (l->cfd < 0)
                continue; /* closed earlier in this round */
            int rc = who[k] % 2 == 0 ? from_client(p, l) : from_broker(p, l);
            if (rc != 0)
                link_close(l);
        }
    }
    return NULL;
}

kc_fproxy_t *kc_fproxy_new(const char *upstream)
{
    char host[256];
    const char *colon = upstream ? strrchr(upstream, ':') : NULL;
    if (!colon || (size_t)(colon - upstream) >= sizeof host)
        return NULL;
    memcpy(host, upstream, (size_t)(colon - upstream));
    host[colon - upstream] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return NULL;
    kc_fproxy_t *p = calloc(1, sizeof *p);
    if (!p) {
        freeaddrinfo(res);
        return NULL;
    }
    memcpy(&p->up, res->ai_addr, res->ai_addrlen);
    p->up_len = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(p->up_host, sizeof p->up_host, "%s", host);
    p->up_port = (uint32_t)atoi(colon + 1);
    for (int i = 0; i < MAX_LINKS; i++)
        p->links[i].cfd = p->links[i].ufd = -1;
    p->wake[0] = p->wake[1] = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->mode_cv, NULL);

    p->me.sin_family = AF_INET;
    p->me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->lfd = listen_on(p);
    if (p->lfd < 0 || pipe2(p->wake, O_CLOEXEC) != 0 ||
        pthread_create(&p->thread, NULL, proxy_thread, p) != 0) {
        if (p->lfd >= 0)
            close(p->lfd);
        if (p->wake[0] >= 0) {
            close(p->wake[0]);
            close(p->wake[1]);
        }
        pthread_cond_destroy(&p->mode_cv);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    snprintf(p->addr, sizeof p->addr, "127.0.0.1:%d", ntohs(p->me.sin_port));
    return p;
}

void kc_fproxy_destroy(kc_fproxy_t *p)
{
    if (!p)
        return;
    char c = 'x';
    ssize_t w = write(p->wake[1], &c, 1);
    (void)w;
    pthread_join(p->thread, NULL);
    for (int i = 0; i < MAX_LINKS; i++)
        if (p->links[i].cfd >= 0)
            link_close(&p->links[i]);
    if (p->lfd >= 0)
        close(p->lfd);
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_cond_destroy(&p->mode_cv);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

const char *kc_fproxy_addr(const kc_fproxy_t *p)
{
    return p->addr;
}

void kc_fproxy_arm(kc_fproxy_t *p, kc_fault_t fault, int16_t api_key, kc_fault_where_t where)
{
    pthread_mutex_lock(&p->lock);
    p->armed = fault;
    p->armed_key = api_key;
    p->armed_where = where;
    pthread_mutex_unlock(&p->lock);
}

int kc_fproxy_fired(kc_fproxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->fired;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int kc_fproxy_accepted(kc_fproxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->accepted;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void kc_fproxy_last_hit(kc_fproxy_t *p, int16_t *api_key, int16_t *version, int32_t *corr_id)
{
    pthread_mutex_lock(&p->lock);
    if (api_key)
        *api_key = p->last_hit.api_key;
    if (version)
        *version = p->last_hit.version;
    if (corr_id)
        *corr_id = p->last_hit.corr_id;
    pthread_mutex_unlock(&p->lock);
}

int kc_fproxy_set_mode(kc_fproxy_t *p, kc_fproxy_mode_t mode)
{
    pthread_mutex_lock(&p->lock);
    p->want_mode = mode;
    int seq = ++p->mode_seq;
    pthread_mutex_unlock(&p->lock);
    char c = 'm';
    ssize_t w = write(p->wake[1], &c, 1);
    (void)w;
    pthread_mutex_lock(&p->lock);
    while (p->mode_done < seq)
        pthread_cond_wait(&p->mode_cv, &p->lock);
    int rc = p->mode_rc;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void kc_fproxy_redirect_self(kc_fproxy_t *p, int on)
{
    pthread_mutex_lock(&p->lock);
    p->redirect = on != 0;
    pthread_mutex_unlock(&p->lock);
}

/* A fake broker for the network client's unit tests (test_net_*.c): a
 * thread that listens on 127.0.0.1 (ephemeral port), answers ApiVersions
 * with every API libkafkac knows, Metadata with itself as broker 1 (and
 * fb->topic, when set, as a topic of one partition it leads),
 * FindCoordinator with itself, ListOffsets with offset FB_LIST_OFFSET for
 * partition 0 of fb->topic, and any other request with that API's empty
 * response, in order, as Kafka does.  It encodes with our own codec, so it proves nothing about the
 * codec: it exists to drive the network client's timing (a hung broker,
 * a late answer, bytes after a body) with no real broker and no DNS.
 *
 * Header-only (static functions): include it in one test file. */
#ifndef KC_FAKEBROKER_H
#define KC_FAKEBROKER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "kc_messages.h"
#include "protocol/header.h"
#include "protocol/schema.h"

#define FB_MAX_CLIENTS 16
#define FB_LIST_OFFSET 42

typedef struct fb_client {
    int fd;
    uint8_t *in;
    size_t in_len, in_cap;
    /* Requests read but not answered yet (while held). */
    struct { int16_t key, ver; int32_t corr; } q[256];
    int nq;
} fb_client_t;

typedef struct fakebroker {
    int lfd;
    int port;
    pthread_t thread;
    pthread_mutex_t m;
    int stop;              /* [m] */
    int hold;              /* [m] 1: read requests but answer none (a SIGSTOPped broker) */
    int trailing;          /* [m] bytes of 0xEE appended after every Metadata response body */
    int accepted;          /* [m] connections accepted */
    int answered;          /* [m] responses sent */
    int open_conns;        /* [m] client connections currently open */
    const char *extra_host;/* [m] when set, Metadata also names broker 2 at extra_host:port */
    int init_pid_error;    /* [m] kafkac_err_t every InitProducerId answer carries (0: none) */
    int init_pid_requests; /* [m] InitProducerId requests answered */
    const char *topic;     /* [m] set before traffic: a topic Metadata lists (1 partition, leader 1) */
    int received;          /* [m] requests read, answered or not */
    int received_key[128]; /* [m] the same per API key */
    fb_client_t cl[FB_MAX_CLIENTS];
} fakebroker_t;

static void fb_lock(fakebroker_t *b) { pthread_mutex_lock(&b->m); }
static void fb_unlock(fakebroker_t *b) { pthread_mutex_unlock(&b->m); }

static inline void fb_set_hold(fakebroker_t *b, int hold) { fb_lock(b); b->hold = hold; fb_unlock(b); }
static inline void fb_set_trailing(fakebroker_t *b, int n) { fb_lock(b); b->trailing = n; fb_unlock(b); }
static inline void fb_set_extra_host(fakebroker_t *b, const char *h) { fb_lock(b); b->extra_host = h; fb_unlock(b); }
static inline int fb_get(fakebroker_t *b, const int *field)
{
    fb_lock(b);
    int v = *field;
    fb_unlock(b);
    return v;
}

/* Encodes the answer to one request into w (size prefix included). */
static void fb_answer(fakebroker_t *b, kc_writer_t *w, int16_t key, int16_t ver, int32_t corr, int trailing,
                      const char *extra_host, const char *topic)
{
    const kc_api_t *api = kc_api_get(key);
    if (!api)
        return;
    int flex = kc_api_flexible(api, ver);
    size_t off = kc_w_reserve(w, 4);
    kc_resp_header_encode(w, corr, kc_resp_header_version(key, ver, flex));
    kc_arena_t a;
    kc_arena_init(&a, 4096);
    void *msg = kc_arena_alloc(&a, api->response->size);
    kc_msg_init(api->response, msg);
    if (key == 18) {
        kc_api_versions_response_t *r = msg;
        int n = 0;
        r->api_keys = kc_arena_alloc(&a, 128 * sizeof(*r->api_keys));
        for (int k = 0; k < 128; k++) {
            const kc_api_t *x = kc_api_get((int16_t)k);
            if (!x)
                continue;
            r->api_keys[n].api_key = (int16_t)k;
            r->api_keys[n].min_version = x->min_ver;
            r->api_keys[n].max_version = x->max_ver;
            n++;
        }
        r->api_keys_count = n;
    } else if (key == 3) {
        kc_metadata_response_t *r = msg;
        r->brokers = kc_arena_alloc(&a, 2 * sizeof(*r->brokers));
        kc_msg_init(&kc_schema_metadata_response_metadata_response_broker, &r->brokers[0]);
        kc_msg_init(&kc_schema_metadata_response_metadata_response_broker, &r->brokers[1]);
        r->brokers[0].node_id = 1;
        r->brokers[0].host = "127.0.0.1";
        r->brokers[0].port = b->port;
        r->brokers[1].node_id = 2;
        r->brokers[1].host = extra_host;
        r->brokers[1].port = b->port;
        r->brokers_count = extra_host ? 2 : 1;
        r->controller_id = 1;
        r->cluster_id = "fake";
        r->topics_count = 0;
        if (topic) {
            static int32_t leader_only[1] = { 1 };
            r->topics = kc_arena_alloc(&a, sizeof(*r->topics));
            kc_msg_init(&kc_schema_metadata_response_metadata_response_topic, &r->topics[0]);
            r->topics[0].name = topic;
            r->topics[0].partitions = kc_arena_alloc(&a, sizeof(*r->topics[0].partitions));
            kc_msg_init(&kc_schema_metadata_response_metadata_response_partition, &r->topics[0].partitions[0]);
            r->topics[0].partitions[0].leader_id = 1;
            r->topics[0].partitions[0].replica_nodes = leader_only;
            r->topics[0].partitions[0].replica_nodes_count = 1;
            r->topics[0].partitions[0].isr_nodes = leader_only;
            r->topics[0].partitions[0].isr_nodes_count = 1;
            r->topics[0].partitions_count = 1;
            r->topics_count = 1;
        }
    } else if (key == 10) {   /* FindCoordinator: this broker, in both forms (v0-3, v4+) */
        /* The encoder refuses a field the version lacks unless it holds
         * its default: fill one form only. */
        kc_find_coordinator_response_t *r = msg;
        if (ver < 4) {
            r->node_id = 1;
            r->host = "127.0.0.1";
            r->port = b->port;
        } else {
            r->coordinators = kc_arena_alloc(&a, sizeof(*r->coordinators));
            kc_msg_init(&kc_schema_find_coordinator_response_coordinator, &r->coordinators[0]);
            r->coordinators[0].key = "";
            r->coordinators[0].node_id = 1;
            r->coordinators[0].host = "127.0.0.1";
            r->coordinators[0].port = b->port;
            r->coordinators_count = 1;
        }
    } else if (key == 2 && topic) {   /* ListOffsets: partition 0 of topic */
        kc_list_offsets_response_t *r = msg;
        r->topics = kc_arena_alloc(&a, sizeof(*r->topics));
        kc_msg_init(&kc_schema_list_offsets_response_list_offsets_topic_response, &r->topics[0]);
        r->topics[0].name = topic;
        r->topics[0].partitions = kc_arena_alloc(&a, sizeof(*r->topics[0].partitions));
        kc_msg_init(&kc_schema_list_offsets_response_list_offsets_partition_response, &r->topics[0].partitions[0]);
        r->topics[0].partitions[0].offset = FB_LIST_OFFSET;
        r->topics[0].partitions[0].timestamp = -1;
        r->topics[0].partitions_count = 1;
        r->topics_count = 1;
    } else if (key == 22) {   /* InitProducerId */
        kc_init_producer_id_response_t *r = msg;
        fb_lock(b);
        r->error_code = (int16_t)b->init_pid_error;   /* the codec writes UNKNOWN_SERVER_ERROR as -1 */
        b->init_pid_requests++;
        fb_unlock(b);
    }
    const char *field = NULL;
    kc_msg_encode(w, api->response, msg, ver, flex, &field);
    if (key == 3)
        for (int i = 0; i < trailing; i++)
            kc_w_i8(w, (int8_t)0xEE);
    kc_w_patch_i32(w, off, (int32_t)(w->len - off - 4));
    kc_arena_destroy(&a);
}

static void fb_close_client(fakebroker_t *b, fb_client_t *c)
{
    close(c->fd);
    c->fd = -1;
    c->in_len = 0;
    c->nq = 0;
    fb_lock(b);
    b->open_conns--;
    fb_unlock(b);
}

/* Reads what the client sent, queues whole requests, answers the queue
 * unless held. */
static void fb_serve_client(fakebroker_t *b, fb_client_t *c, int readable)
{
    if (readable) {
        if (c->in_cap - c->in_len < 65536) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 131072;
            c->in = realloc(c->in, c->in_cap);
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n <= 0) {
            fb_close_client(b, c);
            return;
        }
        c->in_len += (size_t)n;
        size_t pos = 0;
        while (c->in_len - pos >= 4) {
            uint32_t size = ((uint32_t)c->in[pos] << 24) | ((uint32_t)c->in[pos + 1] << 16) |
                            ((uint32_t)c->in[pos + 2] << 8) | c->in[pos + 3];
            if (c->in_len - pos - 4 < size)
                break;
            const uint8_t *p = c->in + pos + 4;
            fb_lock(b);
            b->received++;
            int16_t rk = (int16_t)((p[0] << 8) | p[1]);
            if (rk >= 0 && rk < 128)
                b->received_key[rk]++;
            fb_unlock(b);
            if (c->nq < 256) {
                c->q[c->nq].key = (int16_t)((p[0] << 8) | p[1]);
                c->q[c->nq].ver = (int16_t)((p[2] << 8) | p[3]);
                c->q[c->nq].corr = (int32_t)(((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) |
                                             ((uint32_t)p[6] << 8) | p[7]);
                c->nq++;
            }
            pos += 4 + size;
        }
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
    fb_lock(b);
    int hold = b->hold, trailing = b->trailing;
    const char *extra = b->extra_host, *topic = b->topic;
    fb_unlock(b);
    if (hold || c->nq == 0)
        return;
    kc_writer_t w;
    kc_writer_init(&w, 4096);
    for (int i = 0; i < c->nq; i++)
        fb_answer(b, &w, c->q[i].key, c->q[i].ver, c->q[i].corr, trailing, extra, topic);
    size_t off = 0;
    while (off < w.len) {
        ssize_t n = send(c->fd, w.buf + off, w.len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    fb_lock(b);
    b->answered += c->nq;
    fb_unlock(b);
    c->nq = 0;
    kc_writer_free(&w);
}

static void *fb_thread(void *arg)
{
    fakebroker_t *b = arg;
    /* The broker is not under test: allocations failed on the library's
     * threads (kc_mem_fail_elsewhere) must not fail its own. */
    kc_mem_exempt_thread(1);
    for (;;) {
        fb_lock(b);
        int stop = b->stop;
        fb_unlock(b);
        if (stop)
            break;
        struct pollfd p[FB_MAX_CLIENTS + 1];
        int idx[FB_MAX_CLIENTS + 1];
        int n = 0;
        p[n].fd = b->lfd;
        p[n].events = POLLIN;
        idx[n++] = -1;
        for (int i = 0; i < FB_MAX_CLIENTS; i++) {
            if (b->cl[i].fd < 0)
                continue;
            p[n].fd = b->cl[i].fd;
            p[n].events = POLLIN;
            idx[n++] = i;
        }
        int rc = poll(p, (nfds_t)n, 20);
        for (int k = 1; k < n; k++)
            fb_serve_client(b, &b->cl[idx[k]], rc > 0 && (p[k].revents & (POLLIN | POLLHUP | POLLERR)));
        if (rc > 0 && (p[0].revents & POLLIN)) {
            int fd = accept(b->lfd, NULL, NULL);
            for (int i = 0; fd >= 0 && i < FB_MAX_CLIENTS; i++) {
                if (b->cl[i].fd < 0) {
                    b->cl[i].fd = fd;
                    fd = -1;
                    fb_lock(b);
                    b->accepted++;
                    b->open_conns++;
                    fb_unlock(b);
                }
            }
            if (fd >= 0)
                close(fd);
        }
    }
    return NULL;
}

static fakebroker_t *fb_start(void)
{
    fakebroker_t *b = calloc(1, sizeof(*b));
    pthread_mutex_init(&b->m, NULL);
    for (int i = 0; i < FB_MAX_CLIENTS; i++)
        b->cl[i].fd = -1;
    b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(b->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(b->lfd, 16) != 0 ||
        getsockname(b->lfd, (struct sockaddr *)&a, &al) != 0) {
        close(b->lfd);
        free(b);
        return NULL;
    }
    b->port = ntohs(a.sin_port);
    pthread_create(&b->thread, NULL, fb_thread, b);
    return b;
}

static void fb_stop(fakebroker_t *b)
{
    if (!b)
        return;
    fb_lock(b);
    b->stop = 1;
    fb_unlock(b);
    pthread_join(b->thread, NULL);
    for (int i = 0; i < FB_MAX_CLIENTS; i++) {
        if (b->cl[i].fd >= 0)
            close(b->cl[i].fd);
        free(b->cl[i].in);
    }
    close(b->lfd);
    pthread_mutex_destroy(&b->m);
    free(b);
}

#endif

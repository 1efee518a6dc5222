/* A response that does not decode, again and again, reaches poll as an
 * error within default.api.timeout.ms, naming the request (issue 13,
 * defect 4): the offset reset used to take a MALFORMED ListOffsets answer
 * for "the leader moved" and retry it for ever in silence.
 *
 * The consumer reaches the broker only through a relay in this test: the
 * relay rewrites the broker's port in Metadata answers to its own (so
 * that every connection, not just the bootstrap one, goes through it) and
 * cuts every ListOffsets answer to half its body, keeping the frame and
 * the correlation id intact -- the fault proxy's TRUNCATED_BODY, armed
 * for every ListOffsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/testenv.h"
#include "common/tnet.h"
#include "kafkac/kafkac.h"

#define API_LIST_OFFSETS 2
#define API_METADATA 3
#define MAX_FRAME (64 << 20)

typedef struct relay {
    int lfd;
    int port;                 /* ours */
    int up_port;              /* the broker's */
    pthread_t th;
    atomic_int stop;
    atomic_int cut;           /* ListOffsets answers cut so far */
    pthread_mutex_t m;
    int fds[64];
    int nfds;
} relay_t;

typedef struct link {
    relay_t *r;
    int cfd, ufd;
    pthread_mutex_t m;
    int16_t keys[4096];       /* api keys of the requests not answered yet, in order */
    int head, tail;
} link_t;

static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads one size-prefixed frame into *buf (grown as needed); its length. */
static int read_frame(int fd, uint8_t **buf, size_t *cap, uint32_t *len)
{
    uint8_t hdr[4];
    if (read_full(fd, hdr, 4))
        return -1;
    uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (n > MAX_FRAME)
        return -1;
    if (n + 4 > *cap) {
        uint8_t *nb = realloc(*buf, n + 4);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = n + 4;
    }
    memcpy(*buf, hdr, 4);
    *len = n;
    return read_full(fd, *buf + 4, n);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void *client_to_broker(void *arg)
{
    link_t *l = arg;
    uint8_t *buf = NULL;
    size_t cap = 0;
    uint32_t n;
    while (read_frame(l->cfd, &buf, &cap, &n) == 0 && n >= 2) {
        int16_t key = (int16_t)(buf[4] << 8 | buf[5]);
        pthread_mutex_lock(&l->m);
        l->keys[l->tail++ % 4096] = key;
        pthread_mutex_unlock(&l->m);
        if (write_full(l->ufd, buf, n + 4))
            break;
    }
    shutdown(l->cfd, SHUT_RDWR);
    shutdown(l->ufd, SHUT_RDWR);
    free(buf);
    return NULL;
}

static void *broker_to_client(void *arg)
{
    link_t *l = arg;
    relay_t *r = l->r;
    uint8_t *buf = NULL;
    size_t cap = 0;
    uint32_t n;
    while (read_frame(l->ufd, &buf, &cap, &n) == 0) {
        pthread_mutex_lock(&l->m);
        int16_t key = l->head < l->tail ? l->keys[l->head++ % 4096] : -1;
        pthread_mutex_unlock(&l->m);
        if (key == API_METADATA) {
            /* Every "127.0.0.1" followed by the broker's port (the host
             * string and port of a broker entry, in every version) now
             * names us. */
            static const char host[] = "127.0.0.1";
            for (uint32_t i = 4; i + 9 + 4 <= n + 4; i++)
                if (!memcmp(buf + i, host, 9)) {
                    uint8_t *pp = buf + i + 9;
                    uint32_t port = (uint32_t)pp[0] << 24 | (uint32_t)pp[1] << 16 | (uint32_t)pp[2] << 8 | pp[3];
                    if (port == (uint32_t)r->up_port)
                        put32(pp, (uint32_t)r->port);
                }
        } else if (key == API_LIST_OFFSETS && n > 4) {
            /* Half the body, the correlation id intact. */
            n = 4 + (n - 4) / 2;
            put32(buf, n);
            atomic_fetch_add(&r->cut, 1);
        }
        if (write_full(l->cfd, buf, n + 4))
            break;
    }
    shutdown(l->cfd, SHUT_RDWR);
    shutdown(l->ufd, SHUT_RDWR);
    free(buf);
    return NULL;
}

static void *link_main(void *arg)
{
    link_t *l = arg;
    pthread_t th;
    if (pthread_create(&th, NULL, client_to_broker, l) == 0) {
        broker_to_client(l);
        pthread_join(th, NULL);
    }
    close(l->cfd);
    close(l->ufd);
    pthread_mutex_destroy(&l->m);
    free(l);
    return NULL;
}

static void *relay_main(void *arg)
{
    relay_t *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd pfd = {.fd = r->lfd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        int cfd = accept(r->lfd, NULL, NULL);
        if (cfd < 0)
            continue;
        int ufd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)r->up_port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (ufd < 0 || connect(ufd, (struct sockaddr *)&a, sizeof a) != 0) {
            close(cfd);
            if (ufd >= 0)
                close(ufd);
            continue;
        }
        link_t *l = calloc(1, sizeof(*l));
        if (!l) {
            close(cfd);
            close(ufd);
            continue;
        }
        l->r = r;
        l->cfd = cfd;
        l->ufd = ufd;
        pthread_mutex_init(&l->m, NULL);
        pthread_mutex_lock(&r->m);
        if (r->nfds + 2 <= 64) {
            r->fds[r->nfds++] = cfd;
            r->fds[r->nfds++] = ufd;
        }
        pthread_mutex_unlock(&r->m);
        pthread_t th;
        if (pthread_create(&th, NULL, link_main, l) == 0)
            pthread_detach(th);
    }
    return NULL;
}

static int relay_start(relay_t *r, int up_port)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->m, NULL);
    r->up_port = up_port;
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&a, sizeof a) || listen(r->lfd, 16) ||
        getsockname(r->lfd, (struct sockaddr *)&a, &al))
        return -1;
    r->port = ntohs(a.sin_port);
    return pthread_create(&r->th, NULL, relay_main, r);
}

static void relay_stop(relay_t *r)
{
    atomic_store(&r->stop, 1);
    pthread_join(r->th, NULL);
    close(r->lfd);
    /* The links end when their sockets do. */
    pthread_mutex_lock(&r->m);
    for (int i = 0; i < r->nfds; i++)
        shutdown(r->fds[i], SHUT_RDWR);
    pthread_mutex_unlock(&r->m);
    usleep(200 * 1000);
}

/* Offset reset (auto.offset.reset=earliest for an assigned partition)
 * through the relay: every ListOffsets answer is cut short. */
static void test_reset_with_malformed_list_offsets(void **state)
{
    (void)state;
    const char *b = kc_test_brokers();
    const char *colon = strrchr(b, ':');
    assert_non_null(colon);
    char topic[128], err[512] = "", addr[64];
    assert_non_null(kc_test_topic(topic, sizeof topic, "cerrdecode"));
    kc_tnet_t t;
    kc_tnet_open(&t, b);
    kc_tnet_create_topic(&t, topic, 1, 1, NULL, NULL);
    kc_tnet_close(&t);

    relay_t r;
    assert_int_equal(relay_start(&r, atoi(colon + 1)), 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", r.port);
    kafkac_conf_t *conf = kc_test_conf(addr);
    kc_test_conf_set(conf, "default.api.timeout.ms", "3000");
    kc_test_conf_set(conf, "auto.offset.reset", "earliest");
    kafkac_consumer_t *c = kafkac_consumer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    assert_non_null(c);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    kafkac_tp_set_offset(kafkac_tpl_add(l, topic, 0), KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(kafkac_consumer_assign(c, l, err, sizeof err), KAFKAC_OK);
    kafkac_tpl_destroy(l);

    int64_t t0 = kc_test_now_ms();
    kafkac_err_t e = KAFKAC_ERR_TIMED_OUT;
    while (e == KAFKAC_ERR_TIMED_OUT && kc_test_now_ms() - t0 < 8000) {
        kafkac_records_t *rb = NULL;
        e = kafkac_consumer_poll(c, 200, 0, &rb, err, sizeof err);
        kafkac_records_destroy(rb);
        if (e == KAFKAC_OK)
            e = KAFKAC_ERR_TIMED_OUT;   /* (an empty topic: nothing to read) */
    }
    int64_t el = kc_test_now_ms() - t0;
    fprintf(stderr, "  %d ListOffsets answers cut; poll after %lld ms: %s: %s\n", atomic_load(&r.cut),
            (long long)el, kafkac_err_name(e), err);
    if (atomic_load(&r.cut) == 0)
        fail_msg("the relay cut no ListOffsets answer: the test did not test anything");
    if (e == KAFKAC_ERR_TIMED_OUT)
        fail_msg("poll reported nothing in 8 s while every ListOffsets answer was malformed "
                 "(default.api.timeout.ms 3000)");
    if (el > 3000 + 1500)
        fail_msg("the error came after %lld ms (default.api.timeout.ms 3000)", (long long)el);
    if (!strstr(err, "ListOffsets") || !strstr(err, topic))
        fail_msg("the error does not name ListOffsets and the partition: %s", err);
    kafkac_consumer_close(c, 1000);
    kafkac_consumer_destroy(c);
    relay_stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_with_malformed_list_offsets),
    };
    if (getenv("ITEST_FILTER"))
        cmocka_set_test_filter(getenv("ITEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

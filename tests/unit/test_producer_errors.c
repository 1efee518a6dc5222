/* Error codes (issue #15): negative codes are the client's own and only
 * those, Kafka's UNKNOWN_SERVER_ERROR (-1 on the wire) is a positive
 * public code both ways through the codec, and retriability is decided by
 * errors.c alone: an InitProducerId answered with UNKNOWN_SERVER_ERROR
 * (not retriable) makes the idempotent producer fail once, instead of
 * being retried forever as a "local" negative code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fakebroker.h"
#include "common/clock.h"
#include "producer/producer_int.h"

static void test_negative_means_local(void **state)
{
    (void)state;
    /* Every named code below 0 is one of ours, in the local block. */
    for (int c = -1000; c < 0; c++) {
        const char *n = kafkac_err_name(c);
        if (strcmp(n, "UNKNOWN_ERROR_CODE") != 0 && c > KAFKAC_ERR_PARTITION_EOF)
            fail_msg("code %d (%s) is negative but not in the local block (<= %d)", c, n,
                     KAFKAC_ERR_PARTITION_EOF);
    }
    assert_string_equal(kafkac_err_name(-1), "UNKNOWN_ERROR_CODE");
    assert_true(KAFKAC_ERR_UNKNOWN_SERVER_ERROR > 0);
    assert_int_equal(kafkac_err_from_wire(-1), KAFKAC_ERR_UNKNOWN_SERVER_ERROR);
    assert_int_equal(kafkac_err_from_wire(6), KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER);
    assert_int_equal(kafkac_err_from_wire(0), KAFKAC_OK);
    assert_string_equal(kafkac_err_name(KAFKAC_ERR_UNKNOWN_SERVER_ERROR), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(kafkac_err_str(KAFKAC_ERR_UNKNOWN_SERVER_ERROR),
                        "The broker hit an unexpected error while handling the request");
    assert_int_equal(kafkac_err_retriable(KAFKAC_ERR_UNKNOWN_SERVER_ERROR), 0);
    /* The local errors the network reports are retriable in the table. */
    assert_int_equal(kafkac_err_retriable(KAFKAC_ERR_TRANSPORT), 1);
    assert_int_equal(kafkac_err_retriable(KAFKAC_ERR_TIMED_OUT), 1);
    assert_int_equal(kafkac_err_retriable(KAFKAC_ERR_MALFORMED), 0);
}

/* InitProducerId v0 response: ThrottleTimeMs 0, ErrorCode -1,
 * ProducerId 7, ProducerEpoch 0. */
static const uint8_t pid_resp_v0[] = {0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0};

static void test_codec_maps_minus_one(void **state)
{
    (void)state;
    kc_arena_t a;
    kc_arena_init(&a, 1024);
    kc_init_producer_id_response_t m;
    kc_reader_t r;
    kc_reader_init(&r, pid_resp_v0, sizeof pid_resp_v0);
    assert_int_equal(kc_msg_decode(&r, &kc_schema_init_producer_id_response, &m, 0, 0, &a), 0);
    assert_int_equal(m.error_code, KAFKAC_ERR_UNKNOWN_SERVER_ERROR);
    assert_int_equal(m.producer_id, 7);
    kc_writer_t w;
    kc_writer_init(&w, 64);
    assert_int_equal(kc_msg_encode(&w, &kc_schema_init_producer_id_response, &m, 0, 0, NULL), 0);
    assert_int_equal(w.len, sizeof pid_resp_v0);
    assert_memory_equal(w.buf, pid_resp_v0, sizeof pid_resp_v0);   /* -1 again on the wire */
    kc_writer_free(&w);
    /* The map swaps -1 and 32767, so a wire 32767 (no Kafka code) still
     * round-trips to the same bytes. */
    static const uint8_t odd[] = {0, 0, 0, 0, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0};
    kc_reader_init(&r, odd, sizeof odd);
    assert_int_equal(kc_msg_decode(&r, &kc_schema_init_producer_id_response, &m, 0, 0, &a), 0);
    assert_int_equal(m.error_code, -1);
    kc_writer_init(&w, 64);
    assert_int_equal(kc_msg_encode(&w, &kc_schema_init_producer_id_response, &m, 0, 0, NULL), 0);
    assert_memory_equal(w.buf, odd, sizeof odd);
    kc_writer_free(&w);
    kc_arena_destroy(&a);
}

static void test_init_pid_unknown_server_error_is_fatal(void **state)
{
    (void)state;
    fakebroker_t *b = fb_start();
    fb_lock(b);
    b->init_pid_error = KAFKAC_ERR_UNKNOWN_SERVER_ERROR;
    fb_unlock(b);
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", b->port);
    kafkac_conf_t *c = kafkac_conf_new();
    assert_int_equal(kafkac_conf_set(c, "bootstrap.servers", addr, err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "enable.idempotence", "true", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.ms", "20", err, sizeof err), 0);
    assert_int_equal(kafkac_conf_set(c, "retry.backoff.max.ms", "50", err, sizeof err), 0);
    kafkac_producer_t *kp = kafkac_producer_new(c, err, sizeof err);
    kafkac_conf_destroy(c);
    if (!kp)
        fail_msg("producer_new: %s", err);
    kc_producer_t *p = kc_producer_inner(kp);
    int64_t until = kc_now_ms() + 5000;
    while (atomic_load(&p->fatal) == 0 && kc_now_ms() < until) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&p->fatal) != KAFKAC_ERR_UNKNOWN_SERVER_ERROR)
        fail_msg("after InitProducerId answered UNKNOWN_SERVER_ERROR %d times, the producer's fatal error is %s "
                 "(expected UNKNOWN_SERVER_ERROR within 5 s)",
                 fb_get(b, &b->init_pid_requests), kafkac_err_name(atomic_load(&p->fatal)));
    /* With a 20-50 ms backoff, a retry would have come in this second. */
    struct timespec sec = {1, 0};
    nanosleep(&sec, NULL);
    int n = fb_get(b, &b->init_pid_requests);
    if (n != 1)
        fail_msg("InitProducerId was sent %d times: a non-retriable broker error was retried", n);
    kafkac_producer_close(kp, 0);
    kafkac_producer_destroy(kp);
    fb_stop(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_means_local),
        cmocka_unit_test(test_codec_maps_minus_one),
        cmocka_unit_test(test_init_pid_unknown_server_error_is_fatal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

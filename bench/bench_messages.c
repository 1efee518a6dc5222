/* Speed of the generic message codec on the hot paths: decoding a Fetch
 * response (v12, flexible, tagged fields) with many partitions, and
 * encoding a Produce request (v9) for as many partitions.  Records are
 * 1 KiB blobs per partition; they are zero-copy either way, so the
 * numbers measure the table walk, not memcpy of record data.
 *   make build/bench/bench_messages && build/bench/bench_messages */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kc_messages.h"

#define TOPICS 20
#define PARTS 50
#define ROUNDS 2000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    static uint8_t blob[1024];
    static char names[TOPICS][32];
    static kc_fetch_response_fetchable_topic_response_t ft[TOPICS];
    static kc_fetch_response_partition_data_t fp[TOPICS][PARTS];
    kc_fetch_response_t fr;
    kc_msg_init(&kc_schema_fetch_response, &fr);
    for (int t = 0; t < TOPICS; t++) {
        snprintf(names[t], sizeof names[t], "topic-%d", t);
        kc_msg_init(&kc_schema_fetch_response_fetchable_topic_response, &ft[t]);
        ft[t].topic = names[t];
        ft[t].partitions = fp[t];
        ft[t].partitions_count = PARTS;
        for (int p = 0; p < PARTS; p++) {
            kc_msg_init(&kc_schema_fetch_response_partition_data, &fp[t][p]);
            fp[t][p].partition_index = p;
            fp[t][p].high_watermark = 123456789;
            fp[t][p].records.data = blob;
            fp[t][p].records.len = sizeof blob;
        }
    }
    fr.responses = ft;
    fr.responses_count = TOPICS;
    kc_writer_t w;
    kc_writer_init(&w, 0);
    if (kc_msg_encode(&w, &kc_schema_fetch_response, &fr, 12, 1, NULL) != 0)
        return 1;

    kc_arena_t arena;
    kc_arena_init(&arena, 64 * 1024);
    double t0 = now();
    for (int i = 0; i < ROUNDS; i++) {
        kc_fetch_response_t m;
        kc_reader_t r;
        kc_reader_init(&r, w.buf, w.len);
        if (kc_msg_decode(&r, &kc_schema_fetch_response, &m, 12, 1, &arena) != 0)
            return 1;
        kc_arena_reset(&arena);
    }
    double dt = now() - t0;
    printf("Fetch v12 response decode: %d partitions, %zu bytes: %.1f us/msg, %.0f ns/partition\n",
           TOPICS * PARTS, w.len, dt / ROUNDS * 1e6, dt / ROUNDS / (TOPICS * PARTS) * 1e9);

    static kc_produce_request_topic_produce_data_t pt[TOPICS];
    static kc_produce_request_partition_produce_data_t pp[TOPICS][PARTS];
    kc_produce_request_t pr;
    kc_msg_init(&kc_schema_produce_request, &pr);
    pr.acks = -1;
    pr.timeout_ms = 30000;
    for (int t = 0; t < TOPICS; t++) {
        kc_msg_init(&kc_schema_produce_request_topic_produce_data, &pt[t]);
        pt[t].name = names[t];
        pt[t].partition_data = pp[t];
        pt[t].partition_data_count = PARTS;
        for (int p = 0; p < PARTS; p++) {
            kc_msg_init(&kc_schema_produce_request_partition_produce_data, &pp[t][p]);
            pp[t][p].index = p;
            pp[t][p].records.data = blob;
            pp[t][p].records.len = sizeof blob;
        }
    }
    pr.topic_data = pt;
    pr.topic_data_count = TOPICS;
    kc_writer_t pw;
    kc_writer_init(&pw, 0);
    t0 = now();
    for (int i = 0; i < ROUNDS; i++) {
        kc_writer_reset(&pw);
        if (kc_msg_encode(&pw, &kc_schema_produce_request, &pr, 9, 1, NULL) != 0)
            return 1;
    }
    dt = now() - t0;
    printf("Produce v9 request encode: %d partitions, %zu bytes: %.1f us/msg, %.0f ns/partition\n",
           TOPICS * PARTS, pw.len, dt / ROUNDS * 1e6, dt / ROUNDS / (TOPICS * PARTS) * 1e9);
    kc_writer_free(&pw);
    kc_writer_free(&w);
    kc_arena_destroy(&arena);
    return 0;
}

/* Asynchronous sends with a delivery callback: send returns as soon as
 * the record is queued; the outcome of each record arrives later in the
 * callback, which runs inside kafkac_producer_poll / flush / close on the
 * thread that calls them.
 *
 *   producer_async BROKERS TOPIC [COUNT]
 *
 * Prints one line per failed record and a summary with a few metrics. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kafkac/kafkac.h>

struct stats {
    long delivered, failed;
};

static void on_delivery(void *opaque, const kafkac_delivery_t *d)
{
    struct stats *s = opaque;
    if (kafkac_delivery_err(d) == KAFKAC_OK) {
        s->delivered++;
        return;
    }
    s->failed++;
    fprintf(stderr, "record #%ld to %s failed: %s\n", (long)(intptr_t)kafkac_delivery_opaque(d),
            kafkac_delivery_topic(d), kafkac_err_str(kafkac_delivery_err(d)));
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 3) {
        fprintf(stderr, "usage: %s BROKERS TOPIC [COUNT]\n", argv[0]);
        return 2;
    }
    long count = argc > 3 ? atol(argv[3]) : 100000;

    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "linger.ms", "10", err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "compression.type", "lz4", err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct stats s = { 0, 0 };
    kafkac_producer_set_delivery_cb(p, on_delivery, &s);   /* before the first send */

    /* One record handle serves every send (it only points at our
     * buffers, so reusing it allocates nothing). */
    kafkac_producer_record_t *rec = kafkac_producer_record_new(argv[2]);
    if (!rec) {
        fprintf(stderr, "out of memory\n");
        kafkac_producer_destroy(p);
        return 1;
    }
    for (long i = 0; i < count; i++) {
        char value[64];
        int vlen = snprintf(value, sizeof value, "asynchronous record %ld", i);
        /* No future: the callback is how we learn the outcome.  The
         * record's number rides along as its opaque. */
        kafkac_producer_record_set_value(rec, value, vlen);
        kafkac_producer_record_set_opaque(rec, (void *)(intptr_t)i);
        kafkac_err_t e = kafkac_producer_send_record(p, rec, NULL);
        if (e != KAFKAC_OK) {
            fprintf(stderr, "send #%ld: %s\n", i, kafkac_err_str(e));
            break;
        }
        if (i % 10000 == 0)
            kafkac_producer_poll(p, 0);   /* serve callbacks as we go */
    }
    kafkac_producer_record_destroy(rec);   /* every send has returned: nothing refers to it */
    /* Wait for every outcome (callbacks run meanwhile). */
    if (kafkac_producer_flush(p, 60000) != KAFKAC_OK)
        fprintf(stderr, "flush timed out\n");

    kafkac_producer_metrics_t m;
    kafkac_producer_metrics(p, &m, sizeof m);
    printf("delivered %ld, failed %ld; %lld batches of %.0f bytes on average, %lld requests, "
           "latency %.1f ms avg, %lld retries\n",
           s.delivered, s.failed, (long long)m.batches_sent, m.batch_size_avg, (long long)m.requests_sent,
           m.request_latency_avg_ms, (long long)m.retries);
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    return s.failed ? 1 : 0;
}

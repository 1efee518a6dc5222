/* Synchronous sends: each record is sent and waited for before the next,
 * so its partition and offset are known when the call returns.  Simple
 * and slow (one round trip per record); see producer_async.c for speed.
 *
 *   producer_sync BROKERS TOPIC [COUNT]
 *
 * Prints "key -> partition P offset O" for each record. */
#include <stdio.h>
#include <stdlib.h>

#include <kafkac/kafkac.h>

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 3) {
        fprintf(stderr, "usage: %s BROKERS TOPIC [COUNT]\n", argv[0]);
        return 2;
    }
    int count = argc > 3 ? atoi(argv[3]) : 10;

    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK ||
        kafkac_conf_set(conf, "linger.ms", "0", err, sizeof err) != KAFKAC_OK) {   /* nothing to wait for */
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);   /* the producer keeps its own copy */
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    int failed = 0;
    for (int i = 0; i < count; i++) {
        char key[32], value[64];
        int klen = snprintf(key, sizeof key, "key-%d", i);
        int vlen = snprintf(value, sizeof value, "synchronous record %d", i);
        kafkac_future_t *f;
        /* The partitioner chooses (by the key's hash), timestamp: now. */
        kafkac_err_t e = kafkac_producer_send(p, argv[2], key, klen, value, vlen, &f);
        if (e != KAFKAC_OK) {   /* refused at once: no future was made */
            fprintf(stderr, "send: %s\n", kafkac_err_str(e));
            failed++;
            break;
        }
        /* Send + wait = a synchronous send. */
        const kafkac_delivery_t *d;
        e = kafkac_future_wait(f, 30000, &d);
        if (e == KAFKAC_OK)
            printf("%s -> partition %d offset %lld\n", key, kafkac_delivery_partition(d),
                   (long long)kafkac_delivery_offset(d));
        else {
            fprintf(stderr, "%s: %s\n", key, kafkac_err_str(e));
            failed++;
        }
        kafkac_future_destroy(f);
    }
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    return failed ? 1 : 0;
}

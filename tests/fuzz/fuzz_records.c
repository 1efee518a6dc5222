/* libFuzzer target: any bytes through the all-magic records reader
 * (v2 batches and v0/v1 message sets, every codec), with CRC checks on
 * and off and a small decompression bound, touching every byte a record
 * points at so that ASan sees any pointer that escapes the input or the
 * decompression buffer.  It must never crash, hang or leak.
 * Seeds: tests/fuzz/corpus/fuzz_records/ (batches from Kafka's Java
 * client and kafka-python). */
#include <stddef.h>
#include <stdint.h>
#include "protocol/records.h"
#include "protocol/aborted_txns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink;

static void touch(const uint8_t *p, int32_t len)
{
    uint32_t s = 0;
    for (int32_t i = 0; i < len; i++)
        s += p[i];
    sink += s;
}

static void run(const uint8_t *data, size_t size, int check_crc, kc_aborted_txns_t *aborted)
{
    kc_records_opts_t o;
    kc_records_opts_init(&o);
    o.check_crc = check_crc;
    o.max_decompressed = 64 * 1024;
    kc_records_iter_t *it;
    if (kc_records_iter_new(&it, &o) != KAFKAC_OK)
        return;
    kc_records_iter_set_aborted(it, aborted);
    kc_records_iter_reset(it, data, size);
    kc_record_t rec;
    const kc_batch_t *b;
    while (kc_records_next(it, &rec, &b) == KAFKAC_OK) {
        touch(rec.key, rec.key_len);
        touch(rec.value, rec.value_len);
        size_t pos = 0;
        const char *hk;
        const uint8_t *hv;
        int32_t hkl, hvl;
        int n = 0;
        while (kc_record_header_next(&rec, &pos, &hk, &hkl, &hv, &hvl)) {
            touch((const uint8_t *)hk, hkl);
            touch(hv, hvl);
            n++;
        }
        if (n != rec.header_count)
            __builtin_trap(); /* validated headers must walk the same */
        sink += (uint32_t)b->record_count;
    }
    const char *field;
    int64_t off;
    if (kc_records_iter_error(it, &field, &off) != KAFKAC_OK && field == NULL)
        __builtin_trap(); /* every error names its field */
    kc_records_iter_destroy(it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, 1, NULL);
    run(data, size, 0, NULL);
    /* read_committed with every producer id 0..3 aborted from offset 0. */
    kc_aborted_txns_t *t;
    if (kc_aborted_txns_new(&t) != KAFKAC_OK)
        return 0;
    kc_aborted_txn_t list[4] = {{0, 0}, {1, 0}, {2, 0}, {3, 0}};
    if (kc_aborted_txns_reset(t, list, 4) == KAFKAC_OK)
        run(data, size, 0, t);
    kc_aborted_txns_destroy(t);
    return 0;
}

/* libFuzzer target: any bytes cut into consumer records by kc_chunk_parse,
 * as the fetcher does with one partition of a Fetch response: with and
 * without read_committed (an aborted-transaction list taken from the
 * input's first bytes), a fetch offset from the input, and a buffer pool.
 * Every record's key, value and headers are touched only after the whole
 * blob was parsed and the iterator destroyed, so ASan reports any record
 * still pointing into a decompression buffer the iterator reused or
 * freed.  It must never crash, hang or leak.
 * Seeds: tests/fuzz/corpus/fuzz_records/ fits (the first 16 bytes are
 * then taken as parameters). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/mem.h"
#include "consumer/consumer_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink;

static void touch(const uint8_t *p, int32_t len)
{
    uint32_t s = 0;
    for (int32_t i = 0; p && i < len; i++)
        s += p[i];
    sink += s;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16)
        return 0;
    /* Parameters: fetch offset (small), read_committed flag, one aborted
     * transaction (producer id, first offset). */
    int64_t fetch_offset = (int64_t)(get64(data) % 64);
    int rc = data[8] & 1;
    kc_aborted_txn_t ab = { .producer_id = (int64_t)(data[9] % 4), .first_offset = (int64_t)(data[10] % 64) };
    data += 16;
    size -= 16;

    kc_records_opts_t o;
    kc_records_opts_init(&o);
    o.check_crc = 0;             /* let mutated bytes reach the record parser */
    o.max_decompressed = 256 * 1024;
    kc_records_iter_t *it;
    if (kc_records_iter_new(&it, &o) != KAFKAC_OK)
        return 0;
    kc_aborted_txns_t *t = NULL;
    if (rc && kc_aborted_txns_new(&t) != KAFKAC_OK) {
        kc_records_iter_destroy(it);
        return 0;
    }
    kc_bufpool_t *pool = kc_bufpool_new();
    for (int round = 0; round < 2; round++) {
        kc_chunk_t *ch = kc_calloc(1, sizeof(*ch));
        if (!ch)
            break;
        atomic_init(&ch->refs, 1);
        ch->topic = "t";
        ch->pool = kc_bufpool_ref(pool);
        int64_t next;
        char why[128];
        kc_chunk_parse(ch, it, t, &ab, rc ? 1 : 0, data, size, fetch_offset, &next, why, sizeof why);
        if (round == 1) {
            kc_records_iter_destroy(it);
            it = NULL;
        }
        for (int i = 0; i < ch->n; i++) {
            kafkac_record_t *r = &ch->recs[i];
            touch(r->key, r->key_len);
            touch(r->value, r->value_len);
            for (int h = 0; h < r->header_count; h++) {
                const char *k;
                size_t kl;
                const void *v;
                int32_t vl;
                if (kafkac_record_header(r, h, &k, &kl, &v, &vl) != KAFKAC_OK)
                    break;
                touch((const uint8_t *)k, (int32_t)kl);
                touch(v, vl);
            }
        }
        kc_chunk_unref(ch);
        if (!it)
            break;
    }
    kc_records_iter_destroy(it);
    kc_aborted_txns_destroy(t);
    kc_bufpool_unref(pool);
    return 0;
}

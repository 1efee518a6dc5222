/* The consumer's pieces that need no broker: cutting fetched bytes into
 * records (kc_chunk_parse: no copy for plain batches, an owned copy per
 * compressed batch so that records outlive the iterator's buffer, offsets
 * below the fetch position and control records skipped, aborted
 * transactions dropped under read_committed, a corrupt batch reported
 * after the good records before it), chunk reference counting, and the
 * sorted per-partition state with its seeks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "consumer/consumer_int.h"
#include "protocol/record_batch.h"

/* A growing blob of several batches, as one fetch response holds them. */
typedef struct blob {
    uint8_t data[1 << 16];
    size_t len;
} blob_t;

/* Appends a batch of n records at base offset `base`: values "v<offset>",
 * keys "k<offset>", one header "h"="<offset>". */
static void add_batch(blob_t *b, int64_t base, int n, kc_codec_t codec, int transactional, int64_t pid)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.base_offset = base;
    o.codec = codec;
    o.transactional = transactional;
    o.producer_id = pid;
    o.producer_epoch = pid >= 0 ? 0 : -1;
    o.partition_leader_epoch = 7;
    assert_int_equal(kc_rb_writer_reset(w, &o), 0);
    for (int i = 0; i < n; i++) {
        char k[32], v[32];
        int kl = snprintf(k, sizeof k, "k%lld", (long long)(base + i));
        int vl = snprintf(v, sizeof v, "v%lld", (long long)(base + i));
        kc_rb_header_t h = { .key = "h", .key_len = 1, .value = k + 1, .value_len = kl - 1 };
        assert_int_equal(kc_rb_writer_append(w, 1000 + base + i, k, kl, v, vl, &h, 1), 0);
    }
    const uint8_t *out;
    size_t len;
    assert_int_equal(kc_rb_writer_close(w, &out, &len), 0);
    assert_true(b->len + len <= sizeof b->data);
    memcpy(b->data + b->len, out, len);
    b->len += len;
    kc_rb_writer_destroy(w);
}

/* A control batch (one marker record) of producer pid at `offset`. */
static void add_marker(blob_t *b, int64_t offset, int64_t pid, int commit)
{
    kc_rb_writer_t *w;
    assert_int_equal(kc_rb_writer_new(&w, 0), 0);
    kc_rb_writer_opts_t o;
    kc_rb_writer_opts_init(&o);
    o.base_offset = offset;
    o.transactional = 1;
    o.control = 1;
    o.producer_id = pid;
    o.producer_epoch = 0;
    assert_int_equal(kc_rb_writer_reset(w, &o), 0);
    /* Control record key: version 0, type; value: version, coordinator epoch. */
    uint8_t key[4] = { 0, 0, 0, (uint8_t)(commit ? KC_CONTROL_COMMIT : KC_CONTROL_ABORT) };
    uint8_t val[6] = { 0, 0, 0, 0, 0, 1 };
    assert_int_equal(kc_rb_writer_append(w, 5000, key, 4, val, 6, NULL, 0), 0);
    const uint8_t *out;
    size_t len;
    assert_int_equal(kc_rb_writer_close(w, &out, &len), 0);
    memcpy(b->data + b->len, out, len);
    b->len += len;
    kc_rb_writer_destroy(w);
}

static kc_chunk_t *new_chunk(void)
{
    kc_chunk_t *ch = kc_calloc(1, sizeof(*ch));
    assert_non_null(ch);
    atomic_init(&ch->refs, 1);
    ch->topic = "t";
    return ch;
}

static void check_rec(const kafkac_record_t *r, int64_t off)
{
    char want[32];
    assert_int_equal(r->offset, off);
    int n = snprintf(want, sizeof want, "v%lld", (long long)off);
    assert_int_equal(r->value_len, n);
    assert_memory_equal(r->value, want, (size_t)n);
    n = snprintf(want, sizeof want, "k%lld", (long long)off);
    assert_int_equal(r->key_len, n);
    assert_memory_equal(r->key, want, (size_t)n);
    assert_int_equal(r->timestamp, 1000 + off);
    assert_int_equal(r->leader_epoch, 7);
    assert_int_equal(r->header_count, 1);
    const char *hk;
    size_t hkl;
    const void *hv;
    int32_t hvl;
    assert_int_equal(kafkac_record_header(r, 0, &hk, &hkl, &hv, &hvl), 0);
    assert_int_equal(hkl, 1);
    assert_int_equal(hvl, n - 1);
    assert_memory_equal(hv, want + 1, (size_t)hvl);
}

static kc_records_iter_t *iter(void)
{
    kc_records_iter_t *it;
    assert_int_equal(kc_records_iter_new(&it, NULL), 0);
    return it;
}

/* Plain and compressed batches mixed; records below the fetch offset are
 * skipped (a compressed batch is returned whole by the broker); plain
 * records point into the fetched bytes, compressed ones into copies that
 * survive the iterator moving on and being destroyed. */
static void test_parse_mixed_codecs(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 5, KC_CODEC_LZ4, 0, -1);
    add_batch(&b, 5, 5, KC_CODEC_NONE, 0, -1);
    add_batch(&b, 10, 5, KC_CODEC_ZSTD, 0, -1);
    add_batch(&b, 15, 5, KC_CODEC_GZIP, 0, -1);
    kc_records_iter_t *it = iter();
    kc_chunk_t *ch = new_chunk();
    int64_t next = -1;
    char why[128];
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 3, &next, why, sizeof why), 0);
    kc_records_iter_destroy(it);
    assert_int_equal(next, 20);
    assert_int_equal(ch->n, 17);
    assert_int_equal(ch->nbufs, 3);   /* one copy per compressed batch */
    for (int i = 0; i < ch->n; i++)
        check_rec(&ch->recs[i], 3 + i);
    /* Plain records are not copied: they point into the fetched bytes. */
    const uint8_t *v5 = ch->recs[2].value;
    assert_true(v5 >= b.data && v5 < b.data + b.len);
    /* Compressed ones are in the chunk's own buffers. */
    assert_false(ch->recs[0].value >= b.data && ch->recs[0].value < b.data + b.len);
    kc_chunk_unref(ch);
}

/* A batch cut short at the end (the fetch size limit) is not an error and
 * not yielded; the next fetch starts after the last whole batch. */
static void test_parse_partial_tail(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_NONE, 0, -1);
    size_t whole = b.len;
    add_batch(&b, 3, 3, KC_CODEC_NONE, 0, -1);
    kc_records_iter_t *it = iter();
    kc_chunk_t *ch = new_chunk();
    int64_t next;
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, whole + 20, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 3);
    assert_int_equal(next, 3);
    kc_chunk_unref(ch);
    kc_records_iter_destroy(it);
}

/* read_committed: producer 9's aborted transaction (offsets 3..5, marker
 * at 6) disappears with its marker; producer 8's committed one (offsets
 * 0..2 and 7..8, marker at 9) stays; markers are never records.  Without
 * the aborted list (read_uncommitted) everything but markers comes. */
static void test_parse_read_committed(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_NONE, 1, 8);
    add_batch(&b, 3, 3, KC_CODEC_LZ4, 1, 9);
    add_marker(&b, 6, 9, 0);
    add_batch(&b, 7, 2, KC_CODEC_NONE, 1, 8);
    add_marker(&b, 9, 8, 1);
    kc_aborted_txn_t ab[1] = { { .producer_id = 9, .first_offset = 3 } };
    kc_aborted_txns_t *t;
    assert_int_equal(kc_aborted_txns_new(&t), 0);
    kc_records_iter_t *it = iter();

    kc_chunk_t *ch = new_chunk();
    int64_t next;
    assert_int_equal(kc_chunk_parse(ch, it, t, ab, 1, b.data, b.len, 0, &next, NULL, 0), 0);
    assert_int_equal(next, 10);
    int64_t want[] = { 0, 1, 2, 7, 8 };
    assert_int_equal(ch->n, 5);
    for (int i = 0; i < 5; i++)
        check_rec(&ch->recs[i], want[i]);
    kc_chunk_unref(ch);

    ch = new_chunk();
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 8);
    assert_int_equal(next, 10);
    kc_chunk_unref(ch);

    /* A fetch that holds only the aborted part still moves the position. */
    static blob_t only;
    only.len = 0;
    add_batch(&only, 3, 3, KC_CODEC_NONE, 1, 9);
    add_marker(&only, 6, 9, 0);
    ch = new_chunk();
    assert_int_equal(kc_chunk_parse(ch, it, t, ab, 1, only.data, only.len, 3, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 0);
    assert_int_equal(next, 7);
    kc_chunk_unref(ch);
    kc_records_iter_destroy(it);
    kc_aborted_txns_destroy(t);
}

/* A corrupt second batch: the first batch's records are kept, the error
 * names the batch, and the position stays at the bad batch. */
static void test_parse_corrupt(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 4, KC_CODEC_NONE, 0, -1);
    size_t second = b.len;
    add_batch(&b, 4, 4, KC_CODEC_NONE, 0, -1);
    b.data[second + 70] ^= 0x55;   /* inside the records: CRC no longer matches */
    kc_records_iter_t *it = iter();
    kc_chunk_t *ch = new_chunk();
    int64_t next;
    char why[256] = "";
    kafkac_err_t e = kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, why, sizeof why);
    assert_int_equal(e, KAFKAC_ERR_BAD_CRC);
    assert_non_null(strstr(why, "offset 4"));
    assert_int_equal(ch->n, 4);
    assert_int_equal(next, 4);
    kc_chunk_unref(ch);
    kc_records_iter_destroy(it);
}

/* Records hold the chunk: it is freed with the last reference (ASan
 * checks that nothing is freed early or leaked). */
static void test_chunk_refs(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_SNAPPY, 0, -1);
    kc_records_iter_t *it = iter();
    kc_chunk_t *ch = new_chunk();
    int64_t next;
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, NULL, 0), 0);
    kc_records_iter_destroy(it);
    kafkac_record_t *r0 = &ch->recs[0], *r2 = &ch->recs[2];
    atomic_fetch_add(&ch->refs, 2);   /* as poll does per record handed out */
    kc_chunk_unref(ch);               /* the queue lets go */
    check_rec(r0, 0);
    kafkac_record_release(r0);
    check_rec(r2, 2);
    kafkac_record_release(r2);        /* last one: freed */

    kc_chunk_t *ev = kc_chunk_event("topic", 3, 1, KAFKAC_ERR_PARTITION_EOF, "at the end");
    assert_non_null(ev);
    assert_string_equal(ev->topic, "topic");
    assert_int_equal(ev->n, 0);
    kc_chunk_unref(ev);
    kc_chunk_unref(NULL);
}

/* Decompression buffers go back to the pool when their chunk is freed and
 * the next compressed batches are decompressed into them. */
static void test_buffer_pool(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_LZ4, 0, -1);
    add_batch(&b, 3, 3, KC_CODEC_ZSTD, 0, -1);
    kc_bufpool_t *pool = kc_bufpool_new();
    assert_non_null(pool);
    kc_records_iter_t *it = iter();
    kc_chunk_t *ch = new_chunk();
    ch->pool = kc_bufpool_ref(pool);
    int64_t next;
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->nbufs, 2);
    const uint8_t *first = ch->bufs[0].p, *second = ch->bufs[1].p;
    kc_chunk_unref(ch);   /* both buffers into the pool */

    ch = new_chunk();
    ch->pool = kc_bufpool_ref(pool);
    assert_int_equal(kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 6);
    for (int i = 0; i < 6; i++)
        check_rec(&ch->recs[i], i);
    /* The iterator was given a new buffer after the first parse's last
     * batch; the batches after that reuse pooled ones. */
    assert_true(ch->bufs[1].p == first || ch->bufs[1].p == second);
    kc_records_iter_destroy(it);
    kc_bufpool_unref(pool);   /* the chunk still holds it */
    check_rec(&ch->recs[5], 5);
    kc_chunk_unref(ch);
}

/* A decompressed-bytes budget: the first compressed batch is always
 * taken; the parse stops before the next compressed batch once the budget
 * is used, with the position at that batch, so nothing is skipped. */
static void test_parse_budget(void **state)
{
    (void)state;
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_LZ4, 0, -1);
    add_batch(&b, 3, 3, KC_CODEC_LZ4, 0, -1);
    add_batch(&b, 6, 3, KC_CODEC_ZSTD, 0, -1);
    kc_records_iter_t *it = iter();
    int64_t next;

    kc_chunk_t *ch = new_chunk();
    assert_int_equal(kc_chunk_parse_upto(ch, it, NULL, NULL, 0, b.data, b.len, 0, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 3);
    assert_int_equal(ch->nbufs, 1);
    assert_int_equal(next, 3);
    int64_t one = ch->bytes;   /* the first batch decompressed */
    assert_true(one > 0);
    kc_chunk_unref(ch);

    /* Exactly one batch's worth: still one batch. */
    ch = new_chunk();
    assert_int_equal(kc_chunk_parse_upto(ch, it, NULL, NULL, 0, b.data, b.len, 0, one, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 3);
    assert_int_equal(next, 3);
    kc_chunk_unref(ch);

    /* A byte more: the second batch too. */
    ch = new_chunk();
    assert_int_equal(kc_chunk_parse_upto(ch, it, NULL, NULL, 0, b.data, b.len, 0, one + 1, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 6);
    assert_int_equal(next, 6);
    for (int i = 0; i < 6; i++)
        check_rec(&ch->recs[i], i);
    kc_chunk_unref(ch);

    /* Resuming where it stopped reads the rest; no limit reads all. */
    ch = new_chunk();
    assert_int_equal(kc_chunk_parse_upto(ch, it, NULL, NULL, 0, b.data, b.len, 6, 0, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 3);
    check_rec(&ch->recs[0], 6);
    assert_int_equal(next, 9);
    kc_chunk_unref(ch);
    ch = new_chunk();
    assert_int_equal(kc_chunk_parse_upto(ch, it, NULL, NULL, 0, b.data, b.len, 0, -1, &next, NULL, 0), 0);
    assert_int_equal(ch->n, 9);
    assert_int_equal(next, 9);
    kc_chunk_unref(ch);
    kc_records_iter_destroy(it);
}

/* Partition state: sorted lookups, start states from the start offset,
 * seeks bump the position generation (so late answers are dropped). */
static void test_parts(void **state)
{
    (void)state;
    kc_parts_t ps;
    memset(&ps, 0, sizeof ps);
    const char *topics[] = { "b", "a", "c", "a", "b" };
    int32_t parts[] = { 1, 2, 0, 0, 0 };
    for (int i = 0; i < 5; i++)
        assert_non_null(kc_parts_add(&ps, topics[i], parts[i], KAFKAC_OFFSET_INVALID, 0));
    /* Adding again returns the same one. */
    assert_ptr_equal(kc_parts_add(&ps, "a", 2, 5, 0), kc_parts_find(&ps, "a", 2));
    assert_int_equal(ps.n, 5);
    const char *order_t[] = { "a", "a", "b", "b", "c" };
    int32_t order_p[] = { 0, 2, 0, 1, 0 };
    for (int i = 0; i < 5; i++) {
        assert_string_equal(ps.v[i]->topic, order_t[i]);
        assert_int_equal(ps.v[i]->partition, order_p[i]);
        assert_int_equal(ps.v[i]->state, KC_PS_AWAIT_RESET);
        assert_true(ps.v[i]->reset_to == KC_RESET_FROM_POLICY);
        assert_int_equal(ps.v[i]->consumed, KAFKAC_OFFSET_INVALID);
    }
    assert_null(kc_parts_find(&ps, "a", 1));
    assert_null(kc_parts_find(&ps, "d", 0));
    assert_null(kc_parts_find(&ps, NULL, 0));

    kc_part_t *p = kc_parts_add(&ps, "z", 0, KAFKAC_OFFSET_INVALID, 1);
    assert_int_equal(p->state, KC_PS_AWAIT_COMMITTED);
    p = kc_parts_add(&ps, "z", 1, 42, 1);
    assert_int_equal(p->state, KC_PS_FETCHING);
    assert_int_equal(p->fetch_pos, 42);
    uint32_t gen = p->pos_gen;
    kc_part_seek(p, KAFKAC_OFFSET_BEGINNING);
    assert_int_equal(p->state, KC_PS_AWAIT_RESET);
    assert_true(p->reset_to == KAFKAC_OFFSET_BEGINNING);
    assert_int_not_equal(p->pos_gen, gen);
    p->state = KC_PS_ERROR;
    p->err = KAFKAC_ERR_AUTO_OFFSET_RESET;
    kc_part_seek(p, 7);
    assert_int_equal(p->state, KC_PS_FETCHING);
    assert_int_equal(p->err, 0);
    assert_int_equal(p->fetch_pos, 7);

    kc_parts_remove(&ps, "b", 0);
    kc_parts_remove(&ps, "b", 0);
    assert_int_equal(ps.n, 6);
    assert_null(kc_parts_find(&ps, "b", 0));
    assert_non_null(kc_parts_find(&ps, "b", 1));
    kc_parts_clear(&ps);
    assert_int_equal(ps.n, 0);
}

/* Out of memory while adding partitions or copying a compressed batch:
 * an error, nothing leaked (ASan), and the state stays usable. */
static void test_oom(void **state)
{
    (void)state;
    for (long n = 0; n < 6; n++) {
        kc_parts_t ps;
        memset(&ps, 0, sizeof ps);
        kc_mem_fail_after(n);
        int added = 0;
        for (int i = 0; i < 3; i++)
            if (kc_parts_add(&ps, "t", i, 0, 0))
                added++;
        kc_mem_fail_after(-1);
        /* Each add either failed (NULL) or left a findable partition;
         * with no allocation allowed, none can succeed. */
        assert_int_equal(ps.n, added);
        if (n == 0)
            assert_int_equal(added, 0);
        for (int i = 0; i < 3; i++)
            if (kc_parts_find(&ps, "t", i))
                added--;
        assert_int_equal(added, 0);
        /* With memory back, the missing ones can be added and all three
         * are there, once each. */
        for (int i = 0; i < 3; i++)
            if (!kc_parts_find(&ps, "t", i))
                assert_non_null(kc_parts_add(&ps, "t", i, 0, 0));
        assert_int_equal(ps.n, 3);
        for (int i = 0; i < 3; i++)
            assert_non_null(kc_parts_find(&ps, "t", i));
        kc_parts_clear(&ps);
    }
    static blob_t b;
    b.len = 0;
    add_batch(&b, 0, 3, KC_CODEC_LZ4, 0, -1);
    add_batch(&b, 3, 3, KC_CODEC_LZ4, 0, -1);
    kc_records_iter_t *it = iter();
    int failed = 0;
    for (long n = 0; n < 12; n++) {
        kc_chunk_t *ch = new_chunk();
        int64_t next;
        kc_mem_fail_after(n);
        kafkac_err_t e = kc_chunk_parse(ch, it, NULL, NULL, 0, b.data, b.len, 0, &next, NULL, 0);
        kc_mem_fail_after(-1);
        if (e) {
            assert_int_equal(e, KAFKAC_ERR_NO_MEMORY);
            failed++;
        } else {
            assert_int_equal(ch->n, 6);
        }
        kc_chunk_unref(ch);
    }
    assert_true(failed > 0);
    kc_records_iter_destroy(it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_mixed_codecs),
        cmocka_unit_test(test_parse_partial_tail),
        cmocka_unit_test(test_parse_read_committed),
        cmocka_unit_test(test_parse_corrupt),
        cmocka_unit_test(test_chunk_refs),
        cmocka_unit_test(test_buffer_pool),
        cmocka_unit_test(test_parse_budget),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Aborted-transaction tracking; the rule is in aborted_txns.h.
 *
 * The listed transactions are sorted by first offset and consumed with a
 * cursor as batches advance.  The set of producers with an ongoing aborted
 * transaction is an open-addressing hash set (linear probing, deletion by
 * backward shift) sized for the whole list at reset, so a long hostile
 * list costs O(n) rather than O(n^2) and no allocation happens per batch. */
#include <stdlib.h>
#include "protocol/aborted_txns.h"
#include "common/mem.h"

#define EMPTY_SLOT INT64_MIN /* producer ids are never negative when tracked */

struct kc_aborted_txns {
    kc_aborted_txn_t *list;   /* owned, sorted by first_offset */
    size_t n;
    size_t next;              /* first list entry not yet ongoing */
    int64_t *set;             /* owned, cap slots, EMPTY_SLOT when free */
    size_t cap;               /* power of two, > 2 * n */
    size_t ongoing;
};

kafkac_err_t kc_aborted_txns_new(kc_aborted_txns_t **out)
{
    *out = kc_calloc(1, sizeof **out);
    return *out ? KAFKAC_OK : KAFKAC_ERR_NO_MEMORY;
}

void kc_aborted_txns_destroy(kc_aborted_txns_t *t)
{
    if (!t)
        return;
    kc_free(t->list);
    kc_free(t->set);
    kc_free(t);
}

static int by_first_offset(const void *a, const void *b)
{
    const kc_aborted_txn_t *x = a, *y = b;
    return (x->first_offset > y->first_offset) - (x->first_offset < y->first_offset);
}

static size_t slot_of(const kc_aborted_txns_t *t, int64_t pid)
{
    /* Fibonacci hashing spreads sequential producer ids. */
    uint64_t h = (uint64_t)pid * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (t->cap - 1);
}

static size_t find(const kc_aborted_txns_t *t, int64_t pid)
{
    size_t i = slot_of(t, pid);
    while (t->set[i] != EMPTY_SLOT && t->set[i] != pid)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void set_add(kc_aborted_txns_t *t, int64_t pid)
{
    size_t i = find(t, pid);
    if (t->set[i] == EMPTY_SLOT) {
        t->set[i] = pid;
        t->ongoing++;
    }
}

static void set_remove(kc_aborted_txns_t *t, int64_t pid)
{
    size_t i = find(t, pid);
    if (t->set[i] == EMPTY_SLOT)
        return;
    t->set[i] = EMPTY_SLOT;
    t->ongoing--;
    /* Backward shift: move later entries of the probe run into the hole
     * when their home slot does not lie between the hole and them. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (t->cap - 1);
        if (t->set[j] == EMPTY_SLOT)
            return;
        size_t home = slot_of(t, t->set[j]);
        int movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            t->set[i] = t->set[j];
            t->set[j] = EMPTY_SLOT;
            i = j;
        }
    }
}

kafkac_err_t kc_aborted_txns_reset(kc_aborted_txns_t *t, const kc_aborted_txn_t *list, size_t n)
{
    kc_free(t->list);
    kc_free(t->set);
    t->list = NULL;
    t->set = NULL;
    t->n = t->next = t->ongoing = 0;
    t->cap = 0;
    if (n == 0)
        return KAFKAC_OK;
    size_t cap = 8;
    while (cap <= 2 * n) {
        if (cap > SIZE_MAX / 4)
            return KAFKAC_ERR_NO_MEMORY;
        cap *= 2;
    }
    t->list = kc_calloc(n, sizeof *t->list);
    t->set = kc_calloc(cap, sizeof *t->set);
    if (!t->list || !t->set) {
        kc_free(t->list);
        kc_free(t->set);
        t->list = NULL;
        t->set = NULL;
        return KAFKAC_ERR_NO_MEMORY;
    }
    memcpy(t->list, list, n * sizeof *list);
    qsort(t->list, n, sizeof *t->list, by_first_offset);
    for (size_t i = 0; i < cap; i++)
        t->set[i] = EMPTY_SLOT;
    t->n = n;
    t->cap = cap;
    return KAFKAC_OK;
}

int kc_aborted_txns_skip_batch(kc_aborted_txns_t *t, const kc_batch_t *b)
{
    if (b->producer_id < 0)
        return 0; /* not idempotent, so never transactional */
    int64_t last = kc_batch_last_offset(b);
    while (t->next < t->n && t->list[t->next].first_offset <= last) {
        if (t->list[t->next].producer_id >= 0)
            set_add(t, t->list[t->next].producer_id);
        t->next++;
    }
    if (t->cap == 0)
        return 0;
    if (b->is_control) {
        if (b->control_type == KC_CONTROL_ABORT)
            set_remove(t, b->producer_id);
        return 0; /* markers are not user data; the caller drops them anyway */
    }
    if (!b->is_transactional)
        return 0;
    return t->set[find(t, b->producer_id)] == b->producer_id;
}

size_t kc_aborted_txns_ongoing(const kc_aborted_txns_t *t) { return t->ongoing; }

/* The topic-partition list through its public functions only (it is
 * opaque to applications): defaults of a new element, setters and
 * getters, metadata copied and cleared, lookups, deep copies, sorting,
 * out-of-range indexes, and out of memory leaving the list usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/mem.h"
#include "kafkac/types.h"

static void test_add_defaults_and_accessors(void **state)
{
    (void)state;
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(0);
    assert_non_null(l);
    assert_int_equal(kafkac_tpl_count(l), 0);
    assert_int_equal(kafkac_tpl_count(NULL), 0);
    char name[8] = "orders";
    kafkac_topic_partition_t *tp = kafkac_tpl_add(l, name, 3);
    assert_non_null(tp);
    memcpy(name, "XXXXXX", 6);   /* the topic was copied */
    assert_string_equal(kafkac_tp_topic(tp), "orders");
    assert_int_equal(kafkac_tp_partition(tp), 3);
    assert_int_equal(kafkac_tp_offset(tp), KAFKAC_OFFSET_INVALID);
    assert_int_equal(kafkac_tp_leader_epoch(tp), -1);
    assert_null(kafkac_tp_metadata(tp));
    assert_int_equal(kafkac_tp_err(tp), KAFKAC_OK);

    kafkac_tp_set_offset(tp, 0);
    kafkac_tp_set_leader_epoch(tp, 7);
    char meta[8] = "m1";
    assert_int_equal(kafkac_tp_set_metadata(tp, meta), KAFKAC_OK);
    meta[0] = 'Z';   /* copied too */
    assert_int_equal(kafkac_tp_offset(tp), 0);
    assert_int_equal(kafkac_tp_leader_epoch(tp), 7);
    assert_string_equal(kafkac_tp_metadata(tp), "m1");
    assert_int_equal(kafkac_tp_set_metadata(tp, NULL), KAFKAC_OK);
    assert_null(kafkac_tp_metadata(tp));

    assert_ptr_equal(kafkac_tpl_at(l, 0), tp);
    assert_null(kafkac_tpl_at(l, 1));
    assert_null(kafkac_tpl_at(l, -1));
    assert_null(kafkac_tpl_at(NULL, 0));
    assert_null(kafkac_tpl_add(l, NULL, 0));
    assert_null(kafkac_tpl_add(NULL, "t", 0));
    assert_int_equal(kafkac_tpl_count(l), 1);
    kafkac_tpl_destroy(l);
    kafkac_tpl_destroy(NULL);   /* a no-op */
}

/* Growing past the initial size keeps every element, in order. */
static void test_grow_find_sort_copy(void **state)
{
    (void)state;
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(1);
    assert_non_null(l);
    for (int i = 0; i < 40; i++) {
        kafkac_topic_partition_t *tp = kafkac_tpl_add(l, i % 2 ? "b" : "a", 39 - i);
        assert_non_null(tp);
        kafkac_tp_set_offset(tp, 1000 + i);
    }
    assert_int_equal(kafkac_tpl_count(l), 40);
    kafkac_topic_partition_t *f = kafkac_tpl_find(l, "b", 38);
    assert_non_null(f);
    assert_int_equal(kafkac_tp_offset(f), 1001);
    assert_null(kafkac_tpl_find(l, "b", 39));   /* 39 is "a"'s */
    assert_null(kafkac_tpl_find(l, "c", 0));
    assert_int_equal(kafkac_tp_set_metadata(f, "kept"), KAFKAC_OK);

    kafkac_topic_partition_list_t *c = kafkac_tpl_copy(l);
    assert_non_null(c);
    kafkac_tpl_sort(c);
    assert_int_equal(kafkac_tpl_count(c), 40);
    for (int i = 0; i < 40; i++) {
        const kafkac_topic_partition_t *tp = kafkac_tpl_at(c, i);
        assert_string_equal(kafkac_tp_topic(tp), i < 20 ? "a" : "b");
        if (i % 20)
            assert_true(kafkac_tp_partition(tp) > kafkac_tp_partition(kafkac_tpl_at(c, i - 1)));
    }
    /* The copy is deep: changing it leaves the original alone. */
    kafkac_topic_partition_t *cf = kafkac_tpl_find(c, "b", 38);
    assert_string_equal(kafkac_tp_metadata(cf), "kept");
    kafkac_tp_set_offset(cf, 5);
    assert_int_equal(kafkac_tp_set_metadata(cf, "changed"), KAFKAC_OK);
    assert_int_equal(kafkac_tp_offset(kafkac_tpl_find(l, "b", 38)), 1001);
    assert_string_equal(kafkac_tp_metadata(kafkac_tpl_find(l, "b", 38)), "kept");
    kafkac_tpl_destroy(c);
    c = kafkac_tpl_copy(NULL);
    assert_non_null(c);
    assert_int_equal(kafkac_tpl_count(c), 0);
    kafkac_tpl_destroy(c);
    kafkac_tpl_destroy(l);
}

/* Out of memory: add returns NULL and the list keeps what it had;
 * set_metadata says NO_MEMORY and keeps the old metadata. */
static void test_out_of_memory(void **state)
{
    (void)state;
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(0);
    assert_non_null(l);
    kafkac_topic_partition_t *tp = kafkac_tpl_add(l, "t", 0);
    assert_non_null(tp);
    assert_int_equal(kafkac_tp_set_metadata(tp, "old"), KAFKAC_OK);
    kc_mem_fail_after(0);
    assert_int_equal(kafkac_tp_set_metadata(tp, "new"), KAFKAC_ERR_NO_MEMORY);
    int added = 0;
    for (int i = 0; i < 20; i++)
        added += kafkac_tpl_add(l, "u", i) != NULL;
    kc_mem_fail_after(-1);
    assert_int_equal(added, 0);
    assert_int_equal(kafkac_tpl_count(l), 1);
    tp = kafkac_tpl_at(l, 0);
    assert_string_equal(kafkac_tp_metadata(tp), "old");
    assert_non_null(kafkac_tpl_add(l, "u", 1));
    assert_int_equal(kafkac_tpl_count(l), 2);
    kafkac_tpl_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_defaults_and_accessors),
        cmocka_unit_test(test_grow_find_sort_copy),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

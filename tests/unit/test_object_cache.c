/* Object caches above a heap: a freed object is parked up to the capacity
 * and handed out again without the heap; counters for hits, misses, parked
 * and overflowed frees; trim and destroy give parked objects back. */
#include <errno.h>
#include <string.h>

#include "pa_test.h"

static size_t heap_blocks(const pa_heap *h) {
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    return s.blocks_in_use + s.large_blocks;
}

static void expect_stats(const pa_object_cache *c, size_t cached, uint64_t hits, uint64_t misses,
                         uint64_t parked, uint64_t overflowed) {
    pa_object_cache_stats st;
    pa_object_cache_get_stats(c, &st);
    assert_int_equal(st.cached, cached);
    assert_int_equal(st.hits, hits);
    assert_int_equal(st.misses, misses);
    assert_int_equal(st.parked, parked);
    assert_int_equal(st.overflowed, overflowed);
    assert_true(st.cached <= st.capacity);
}

static void test_counters_and_capacity(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    size_t base = heap_blocks(h);
    pa_object_cache *c = pa_object_cache_create(h, "floats", 24, 4);
    assert_non_null(c);
    pa_object_cache_stats st;
    pa_object_cache_get_stats(c, &st);
    assert_string_equal(st.name, "floats");
    assert_int_equal(st.capacity, 4);
    assert_true(st.object_size >= 24);
    expect_stats(c, 0, 0, 0, 0, 0);
    size_t with_cache = heap_blocks(h);

    void *o[6];
    for (size_t i = 0; i < 6; i++) {
        o[i] = pa_object_cache_alloc(c);
        assert_non_null(o[i]);
        assert_true(pa_heap_owns(h, o[i]));
        assert_true(pa_heap_usable_size(h, o[i]) >= 24);
        memset(o[i], 0x42, 24);
    }
    expect_stats(c, 0, 0, 6, 0, 0);
    assert_int_equal(heap_blocks(h), with_cache + 6);

    for (size_t i = 0; i < 6; i++)
        pa_object_cache_free(c, o[i]);
    expect_stats(c, 4, 0, 6, 4, 2);
    assert_int_equal(heap_blocks(h), with_cache + 4); /* overflow went back */

    /* hits come from the parked ones, without the heap */
    void *again[5];
    for (size_t i = 0; i < 4; i++) {
        again[i] = pa_object_cache_alloc(c);
        int found = 0;
        for (size_t k = 0; k < 4; k++)
            found |= again[i] == o[k];
        assert_true(found);
        memset(again[i], 0x17, 24);
    }
    expect_stats(c, 0, 4, 6, 4, 2);
    assert_int_equal(heap_blocks(h), with_cache + 4);
    again[4] = pa_object_cache_alloc(c); /* empty again: a miss */
    expect_stats(c, 0, 4, 7, 4, 2);
    assert_int_equal(heap_blocks(h), with_cache + 5);

    for (size_t i = 0; i < 5; i++)
        pa_object_cache_free(c, again[i]);
    expect_stats(c, 4, 4, 7, 8, 3);

    /* trim: every parked object back to the heap */
    pa_object_cache_trim(c);
    expect_stats(c, 0, 4, 7, 8, 3);
    assert_int_equal(heap_blocks(h), with_cache);
    pa_object_cache_destroy(c);
    assert_int_equal(heap_blocks(h), base);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_capacity_zero(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    pa_object_cache *c = pa_object_cache_create(h, "none", 100, 0);
    assert_non_null(c);
    size_t with_cache = heap_blocks(h);
    for (int i = 0; i < 10; i++) {
        void *o = pa_object_cache_alloc(c);
        assert_non_null(o);
        pa_object_cache_free(c, o);
        assert_int_equal(heap_blocks(h), with_cache);
    }
    expect_stats(c, 0, 0, 10, 0, 10);
    pa_object_cache_destroy(c);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_destroy_returns_parked(void **state) {
    (void)state;
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config cfg = pa_test_config(&os, NULL);
    pa_heap *h = pa_test_heap_create(&cfg);
    size_t base = heap_blocks(h);
    pa_object_cache *small = pa_object_cache_create(h, "small", 1, 50);
    pa_object_cache *large = pa_object_cache_create(h, "large", 3000, 5);
    assert_non_null(small);
    assert_non_null(large);
    pa_object_cache_stats st;
    pa_object_cache_get_stats(small, &st);
    assert_true(st.object_size >= sizeof(void *)); /* holds a link */
    void *o[40], *l[8];
    for (size_t i = 0; i < 40; i++) {
        o[i] = pa_object_cache_alloc(small);
        assert_true(pa_heap_usable_size(h, o[i]) >= sizeof(void *));
    }
    for (size_t i = 0; i < 8; i++) {
        l[i] = pa_object_cache_alloc(large);
        memset(l[i], 9, 3000);
    }
    for (size_t i = 0; i < 40; i++)
        pa_object_cache_free(small, o[i]);
    for (size_t i = 0; i < 8; i++)
        pa_object_cache_free(large, l[i]);
    expect_stats(small, 40, 0, 40, 40, 0);
    expect_stats(large, 5, 0, 8, 5, 3);
    pa_object_cache_destroy(small);
    pa_object_cache_destroy(large);
    assert_int_equal(heap_blocks(h), base);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

static void test_invalid_arguments(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    errno = 0;
    assert_null(pa_object_cache_create(h, "zero", 0, 4));
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_null(pa_object_cache_create(NULL, "no heap", 8, 4));
    assert_int_equal(errno, EINVAL);
    pa_object_cache *c = pa_object_cache_create(h, "c", 8, 2);
    size_t with_cache = heap_blocks(h);
    /* NULL is no object, as for free: nothing parked, nothing counted */
    pa_object_cache_free(c, NULL);
    expect_stats(c, 0, 0, 0, 0, 0);
    assert_int_equal(heap_blocks(h), with_cache);
    pa_object_cache_destroy(c);
    pa_object_cache_destroy(NULL);
    assert_int_equal(pa_heap_destroy(h), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_capacity),
        cmocka_unit_test(test_capacity_zero),
        cmocka_unit_test(test_destroy_returns_parked),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

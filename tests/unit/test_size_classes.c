/* Size classes and pools as pymalloc has them: the class a request maps to,
 * blocks per pool, lazy carving of a pool's tail, and O(1) reuse of a partly
 * used pool (a pool that regains a free block heads its class's list). */
#include <stdlib.h>

#include "pa_test.h"

/* The documented classes, written out: alignment steps up to 512 bytes,
 * then these. */
static const size_t GEOMETRIC[] = {640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096};

static size_t expected_count(const pa_config *cfg) {
    size_t n = cfg->small_threshold <= 512 ? cfg->small_threshold / cfg->alignment : 512 / cfg->alignment;
    for (size_t g = 0; g < sizeof GEOMETRIC / sizeof GEOMETRIC[0]; g++)
        if (GEOMETRIC[g] <= cfg->small_threshold)
            n++;
    return n;
}

static size_t expected_size(const pa_config *cfg, size_t cls) {
    size_t linear = 512 / cfg->alignment;
    return cls < linear ? (cls + 1) * cfg->alignment : GEOMETRIC[cls - linear];
}

/* The smallest class holding n bytes. */
static size_t expected_class(const pa_config *cfg, size_t n) {
    size_t cls = 0;
    while (expected_size(cfg, cls) < n)
        cls++;
    return cls;
}

static void check_mapping(const pa_config *cfg) {
    pa_heap *h = pa_test_heap_create(cfg);
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.nclasses, expected_count(cfg));
    assert_int_equal(pa_config_class_count(cfg), hv.nclasses);
    assert_int_equal(expected_size(cfg, hv.nclasses - 1), cfg->small_threshold);
    for (size_t i = 0; i < hv.nclasses; i++) {
        pa_class_view cv;
        assert_int_equal(pa_introspect_class(h, i, &cv), 0);
        assert_int_equal(cv.block_size, expected_size(cfg, i));
        assert_int_equal(pa_config_class_size(cfg, i), expected_size(cfg, i));
    }
    pa_class_view none;
    assert_int_equal(pa_introspect_class(h, hv.nclasses, &none), -1);

    void **p = calloc(cfg->small_threshold + 1, sizeof *p);
    assert_non_null(p);
    for (size_t n = 1; n <= cfg->small_threshold; n++) {
        p[n] = pa_heap_malloc(h, n);
        assert_non_null(p[n]);
        assert_int_equal((uintptr_t)p[n] % cfg->alignment, 0);
        /* the class size, or exactly n where a sanitizer build fences the tail */
        size_t cls = expected_class(cfg, n);
        assert_in_range(pa_heap_usable_size(h, p[n]), n, expected_size(cfg, cls));
        pa_pool_view pv;
        assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, p[n]), &pv), 0);
        assert_int_equal(pv.size_class, cls);
        assert_int_not_equal(pa_introspect_owner(h, (uintptr_t)p[n]), 0);
    }
    /* one past the threshold goes to the large path, outside every arena */
    void *big = pa_heap_malloc(h, cfg->small_threshold + 1);
    assert_non_null(big);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)big), 0);
    assert_true(pa_heap_owns(h, big));
    assert_true(pa_heap_usable_size(h, big) >= cfg->small_threshold + 1);

    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    /* a class holds one block for each request size it serves */
    for (size_t i = 0; i < s.nclasses; i++)
        assert_int_equal(s.classes[i].blocks_in_use, expected_size(cfg, i) - (i ? expected_size(cfg, i - 1) : 0));
    assert_int_equal(s.large_blocks, 1);

    for (size_t n = 1; n <= cfg->small_threshold; n++)
        pa_heap_free(h, p[n]);
    pa_heap_free(h, big);
    pa_test_stats_checked(h, NULL, &s);
    assert_int_equal(s.blocks_in_use, 0);
    assert_int_equal(pa_heap_destroy(h), 0);
    free(p);
}

static void test_class_mapping_default(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    check_mapping(&c);
}

static void test_class_mapping_alignment_8(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.alignment = 8;
    check_mapping(&c);
    c.small_threshold = 128;
    check_mapping(&c);
    c.small_threshold = 1280;
    check_mapping(&c);
}

static void test_class_mapping_small_threshold(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.small_threshold = 256; /* the article's threshold */
    check_mapping(&c);
    c.small_threshold = 512; /* CPython 3.12's */
    check_mapping(&c);
    c.small_threshold = 640;
    check_mapping(&c);
}

static void test_blocks_per_pool(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.nclasses, 44);
    assert_int_equal(hv.pools_per_arena, 64);
    assert_true(hv.pool_header_size >= 4 * sizeof(void *));
    for (size_t i = 0; i < hv.nclasses; i++) {
        pa_class_view cv;
        assert_int_equal(pa_introspect_class(h, i, &cv), 0);
        assert_true(cv.first_block_offset >= hv.pool_header_size);
        assert_int_equal(cv.first_block_offset % 16, 0);
        assert_true(cv.first_block_offset < hv.pool_header_size + 64);
        assert_int_equal(cv.capacity, (hv.config.pool_size - cv.first_block_offset) / cv.block_size);
        assert_true(cv.capacity >= 2);
    }
    if (sizeof(void *) == 8) {
        /* CPython 3.12 on LP64: 1021 blocks of 16 bytes, 31 of 512; past
         * it 25 of 640 (header padded to 64) down to 3 of 4096 */
        assert_int_equal(pa_test_class_capacity(h, 0), 1021);
        assert_int_equal(pa_test_class_capacity(h, 31), 31);
        assert_int_equal(pa_test_class_capacity(h, 32), 25);
        assert_int_equal(pa_test_class_capacity(h, 43), 3);
    }
    pa_heap_destroy(h);
}

/* A pool holds exactly capacity blocks; the next one opens another pool. */
static void test_pool_fills_exactly(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    static const size_t sizes[] = {16, 48, 200, 512, 513, 1000, 4096};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t cls = pa_test_class_of(h, sizes[k]);
        size_t cap = pa_test_class_capacity(h, cls);
        void **p = calloc(cap + 1, sizeof *p);
        assert_non_null(p);
        assert_int_equal(pa_test_fill_pool(h, sizes[k], p), cap);
        uintptr_t pool = pa_test_pool_base(h, p[0]);
        pa_pool_view pv;
        assert_int_equal(pa_introspect_pool(h, pool, &pv), 0);
        assert_int_equal(pv.count, cap);
        assert_int_equal(pv.freeblock, 0); /* full: no free block */
        pa_class_view cv;
        assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
        assert_int_equal(cv.used_pools, 0); /* a full pool is on no used list */
        pa_stats s;
        pa_test_stats_checked(h, NULL, &s);
        assert_int_equal(s.classes[cls].full_pools, 1);
        assert_int_equal(s.classes[cls].pools, 1);
        assert_int_equal(s.classes[cls].free_blocks, 0);

        p[cap] = pa_heap_malloc(h, sizes[k]);
        assert_non_null(p[cap]);
        assert_int_not_equal(pa_test_pool_base(h, p[cap]), pool);
        pa_test_stats_checked(h, NULL, &s);
        assert_int_equal(s.classes[cls].pools, 2);
        assert_int_equal(s.classes[cls].free_blocks, cap - 1);
        for (size_t i = 0; i <= cap; i++)
            pa_heap_free(h, p[i]);
        free(p);
    }
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* A fresh pool carves its never-used tail one block at a time. */
static void test_lazy_carving(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    const size_t size = 64;
    size_t cls = pa_test_class_of(h, size);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    void *p[40];
    for (size_t k = 1; k <= 40; k++) {
        p[k - 1] = pa_heap_malloc(h, size);
        assert_non_null(p[k - 1]);
        /* blocks come in address order from the start of the pool */
        assert_int_equal((uintptr_t)p[k - 1] - pa_test_pool_base(h, p[0]),
                         cv.first_block_offset + (k - 1) * cv.block_size);
        pa_pool_view pv;
        assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, p[0]), &pv), 0);
        assert_int_equal(pv.count, k);
        assert_in_range(pv.nextoffset, cv.first_block_offset + k * cv.block_size,
                        cv.first_block_offset + (k + 1) * cv.block_size);
        assert_int_equal(pv.maxnextoffset, pa_heap_config(h)->pool_size - cv.block_size);
    }
    /* a freed block is handed out again before anything new is carved */
    pa_pool_view before, after;
    assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, p[0]), &before), 0);
    pa_heap_free(h, p[17]);
    assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, p[0]), &after), 0);
    assert_int_equal(after.freeblock, (uintptr_t)p[17]);
    void *again = pa_heap_malloc(h, size);
    assert_ptr_equal(again, p[17]);
    assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, p[0]), &after), 0);
    assert_int_equal(after.nextoffset, before.nextoffset);
    assert_int_equal(after.count, 40);
    for (size_t k = 0; k < 40; k++)
        pa_heap_free(h, p[k]);
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* Full pool A, partly used pool B; a free in A puts A at the tail of the
 * class's used list, behind B: allocations use up B first, then take the
 * block freed in A. */
static void test_partly_used_pool_reuse(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    const size_t size = 256;
    size_t cls = pa_test_class_of(h, size);
    size_t cap = pa_test_class_capacity(h, cls);
    void **a = calloc(cap, sizeof *a);
    assert_non_null(a);
    pa_test_fill_pool(h, size, a);
    void *b = pa_heap_malloc(h, size);
    uintptr_t pool_a = pa_test_pool_base(h, a[0]);
    uintptr_t pool_b = pa_test_pool_base(h, b);
    assert_int_not_equal(pool_a, pool_b);

    pa_class_view cv;
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    assert_int_equal(cv.used_pools, pool_b);

    assert_int_equal(cv.used_tail, pool_b);

    pa_heap_free(h, a[3]);
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    assert_int_equal(cv.used_pools, pool_b);
    assert_int_equal(cv.used_tail, pool_a);
    pa_pool_view pv;
    assert_int_equal(pa_introspect_pool(h, pool_a, &pv), 0);
    assert_int_equal(pv.prev, pool_b);
    assert_int_equal(pv.next, 0);

    void **rest_of_b = calloc(cap, sizeof *rest_of_b);
    assert_non_null(rest_of_b);
    for (size_t i = 1; i < cap; i++) {
        rest_of_b[i] = pa_heap_malloc(h, size);
        assert_int_equal(pa_test_pool_base(h, rest_of_b[i]), pool_b);
    }
    /* B is full and off the list: A heads it */
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    assert_int_equal(cv.used_pools, pool_a);
    assert_int_equal(pa_introspect_pool(h, pool_a, &pv), 0);
    assert_int_equal(pv.prev, 0);
    void *again = pa_heap_malloc(h, size);
    assert_ptr_equal(again, a[3]);
    /* A is full again: the list is empty */
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    assert_int_equal(cv.used_pools, 0);
    assert_int_equal(cv.used_tail, 0);

    /* Several frees in A: LIFO order within the pool */
    pa_heap_free(h, a[5]);
    pa_heap_free(h, a[9]);
    assert_ptr_equal(pa_heap_malloc(h, size), a[9]);
    assert_ptr_equal(pa_heap_malloc(h, size), a[5]);

    for (size_t i = 0; i < cap; i++)
        pa_heap_free(h, a[i]);
    for (size_t i = 1; i < cap; i++)
        pa_heap_free(h, rest_of_b[i]);
    pa_heap_free(h, b);
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    assert_int_equal(cv.used_pools, 0);
    assert_int_equal(cv.used_tail, 0);
    assert_int_equal(cv.pools, 0);
    assert_int_equal(pa_heap_destroy(h), 0);
    free(rest_of_b);
    free(a);
}

/* Classes do not share pools: interleaved sizes land in separate pools. */
static void test_classes_do_not_share_pools(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    const pa_config *cfg = pa_heap_config(h);
    enum { N = 44 };
    assert_int_equal(expected_count(cfg), N);
    void *p[N];
    for (size_t i = 0; i < N; i++)
        p[i] = pa_heap_malloc(h, expected_size(cfg, i));
    for (size_t i = 0; i < N; i++) {
        for (size_t j = i + 1; j < N; j++)
            assert_int_not_equal(pa_test_pool_base(h, p[i]), pa_test_pool_base(h, p[j]));
        pa_class_view cv;
        assert_int_equal(pa_introspect_class(h, i, &cv), 0);
        assert_int_equal(cv.used_pools, pa_test_pool_base(h, p[i]));
        assert_int_equal(cv.pools, 1);
    }
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(s.classes[i].blocks_in_use, 1);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    assert_int_equal(pa_heap_destroy(h), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_mapping_default),
        cmocka_unit_test(test_class_mapping_alignment_8),
        cmocka_unit_test(test_class_mapping_small_threshold),
        cmocka_unit_test(test_blocks_per_pool),
        cmocka_unit_test(test_pool_fills_exactly),
        cmocka_unit_test(test_lazy_carving),
        cmocka_unit_test(test_partly_used_pool_reuse),
        cmocka_unit_test(test_classes_do_not_share_pools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The large-block cache (pa_config.large_cache_bytes): a freed large block
 * of up to 64 KiB waits for reuse instead of going back to the large layer;
 * a request of the same capacity step gets it back; the cache never holds
 * more than its budget; calloc from it is zeroed; realloc within a step
 * moves nothing; destroy hands every cached block back with its size. */
#include <string.h>

#include "pa_test.h"

typedef struct fixture {
    pa_test_large large;
    pa_test_misuse misuse;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, size_t cache_bytes) {
    memset(f, 0, sizeof *f);
    pa_config c = pa_config_default();
    c.large = pa_test_large_ops(&f->large, 1, 1);
    c.large_cache_bytes = cache_bytes;
    c.on_misuse = pa_test_misuse_record;
    c.misuse_ctx = &f->misuse;
    f->h = pa_test_heap_create(&c);
}

static void close_fixture(fixture *f) {
    assert_int_equal(pa_heap_destroy(f->h), 0);
    assert_int_equal(f->large.live_blocks, 0);
    assert_int_equal(f->large.size_mismatches, 0);
    assert_int_equal(f->large.unknown_frees, 0);
}

static void test_freed_block_is_reused(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1 << 20);
    void *a = pa_heap_malloc(f.h, 3000);
    assert_non_null(a);
    pa_heap_free(f.h, a);
    assert_int_equal(f.large.frees, 0);
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_blocks, 0);
    assert_int_equal(s.large_cached_blocks, 1);
    assert_int_equal(s.large_cached_bytes, f.large.last_size);
    /* 3000 rounds up to 3072 (steps of 256 in (2048, 4096]): 2900 shares it */
    assert_int_equal(f.large.last_size, 3072);
    void *b = pa_heap_malloc(f.h, 2900);
    assert_ptr_equal(b, a);
    assert_int_equal(f.large.allocs, 1);
    assert_int_equal(pa_heap_usable_size(f.h, b), 2900);
    /* a cached block is no block of the heap's: freeing it twice is
     * reported, and the cache keeps it once */
    pa_heap_free(f.h, b);
    pa_heap_free(f.h, b);
    assert_int_equal(f.misuse.count, 1);
    assert_int_equal(f.misuse.kind, PA_MISUSE_FOREIGN_POINTER);
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_cached_blocks, 1);
    /* another step misses the cache */
    void *c = pa_heap_malloc(f.h, 3100);
    assert_ptr_not_equal(c, a);
    assert_int_equal(f.large.allocs, 2);
    pa_heap_free(f.h, c);
    close_fixture(&f);
    assert_int_equal(f.large.frees, 2); /* both cached ones, at destroy */
}

static void test_budget_bounds_the_cache(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 64 * 1024);
    enum { N = 40 };
    void *p[N];
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = pa_heap_malloc(f.h, 4096));
    for (int i = 0; i < N; i++)
        pa_heap_free(f.h, p[i]);
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_cached_blocks, 16); /* 16 x 4096 fill 64 KiB */
    assert_int_equal(s.large_cached_bytes, 64 * 1024);
    assert_int_equal(f.large.frees, N - 16);
    /* blocks above 64 KiB are never cached */
    void *big = pa_heap_malloc(f.h, 64 * 1024 + 1);
    assert_int_equal(f.large.last_size, 64 * 1024 + 1);
    pa_heap_free(f.h, big);
    assert_int_equal(f.large.frees, N - 16 + 1);
    close_fixture(&f);
}

static void test_zero_budget_caches_nothing(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 0);
    void *a = pa_heap_malloc(f.h, 1000);
    pa_heap_free(f.h, a);
    assert_int_equal(f.large.frees, 1);
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_cached_blocks, 0);
    close_fixture(&f);
}

static void test_calloc_from_cache_is_zeroed(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1 << 20);
    unsigned char *a = pa_heap_malloc(f.h, 2000);
    memset(a, 0xEE, 2000);
    pa_heap_free(f.h, a);
    unsigned char *b = pa_heap_calloc(f.h, 1, 2000);
    assert_ptr_equal(b, a);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(b[i], 0);
    pa_heap_free(f.h, b);
    close_fixture(&f);
}

static void test_realloc_within_a_step_stays(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1 << 20);
    char *a = pa_heap_malloc(f.h, 5000); /* capacity 5120 */
    memset(a, 'x', 5000);
    char *b = pa_heap_realloc(f.h, a, 5120);
    assert_ptr_equal(b, a);
    assert_int_equal(f.large.resizes, 0);
    assert_int_equal(pa_heap_usable_size(f.h, b), 5120);
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_bytes, 5120);
    /* the next step needs the layer's resize, with both capacities */
    char *c = pa_heap_realloc(f.h, b, 5121);
    assert_non_null(c);
    assert_int_equal(f.large.resizes, 1);
    assert_int_equal(f.large.size_mismatches, 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(c[i], 'x');
    pa_heap_free(f.h, c);
    close_fixture(&f);
}

static void test_aligned_request_skips_misaligned_block(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1 << 20);
    void *a = pa_heap_malloc(f.h, 1500);
    pa_heap_free(f.h, a);
    /* an alignment the cached block does not have: a new block */
    size_t align = 4096;
    while ((uintptr_t)a % align == 0)
        align *= 2;
    void *b = pa_heap_memalign(f.h, align, 1500);
    assert_non_null(b);
    assert_int_equal((uintptr_t)b % align, 0);
    assert_ptr_not_equal(b, a);
    pa_heap_free(f.h, b);
    close_fixture(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freed_block_is_reused),
        cmocka_unit_test(test_budget_bounds_the_cache),
        cmocka_unit_test(test_zero_budget_caches_nothing),
        cmocka_unit_test(test_calloc_from_cache_is_zeroed),
        cmocka_unit_test(test_realloc_within_a_step_stays),
        cmocka_unit_test(test_aligned_request_skips_misaligned_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

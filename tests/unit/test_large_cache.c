/* The large-block cache (pa_config.large_cache_bytes): a freed large block
 * of up to 256 KiB waits for reuse instead of going back to the large layer;
 * a request of the same capacity step gets it back; the cache never holds
 * more than its budget; calloc from it is zeroed; realloc within a step
 * moves nothing; destroy hands every cached block back with its size. */
#include <string.h>

#include "large_cache.h"
#include "pa_test.h"

typedef struct fixture {
    pa_test_large large;
    pa_test_misuse misuse;
    pa_heap *h;
} fixture;

/* A budget of cache_bytes that may adapt up to cache_max. */
static void open_fixture_adaptive(fixture *f, size_t cache_bytes, size_t cache_max) {
    memset(f, 0, sizeof *f);
    pa_config c = pa_config_default();
    /* CPython's threshold: the cache's steps from 512 bytes up are then
     * all reached by plain mallocs. */
    c.small_threshold = 512;
    c.large = pa_test_large_ops(&f->large, 1, 1);
    c.large_cache_bytes = cache_bytes;
    c.large_cache_bytes_max = cache_max;
    c.on_misuse = pa_test_misuse_record;
    c.misuse_ctx = &f->misuse;
    f->h = pa_test_heap_create(&c);
}

/* A fixed budget: exact counts. */
static void open_fixture(fixture *f, size_t cache_bytes) { open_fixture_adaptive(f, cache_bytes, cache_bytes); }

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
    /* nor is the address one past it, which its table slot's tag makes
     * (block | 1): it must not reach the cached block */
    pa_heap_free(f.h, (char *)b + 1);
    assert_int_equal(f.misuse.count, 2);
    assert_int_equal(f.misuse.kind, PA_MISUSE_FOREIGN_POINTER);
    assert_int_equal(pa_heap_usable_size(f.h, (char *)b + 1), 0);
    assert_int_equal(f.misuse.count, 3);
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

/* The last step ends at 256 KiB (PA_LARGE_CACHE_MAX_BLOCK): a block of
 * exactly that size is cached, one a byte bigger goes back at once. */
static void test_largest_cached_size(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1 << 20);
    for (size_t size = PA_LARGE_CACHE_MAX_BLOCK; size <= PA_LARGE_CACHE_MAX_BLOCK + 1; size++) {
        void *p = pa_heap_malloc(f.h, size);
        assert_non_null(p);
        pa_heap_free(f.h, p);
        assert_int_equal(f.large.frees, size - PA_LARGE_CACHE_MAX_BLOCK); /* the bigger one reached the layer */
    }
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_cached_blocks, 1);
    assert_int_equal(s.large_cached_bytes, PA_LARGE_CACHE_MAX_BLOCK);
    close_fixture(&f);
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
    /* blocks above 256 KiB are never cached */
    void *big = pa_heap_malloc(f.h, 256 * 1024 + 1);
    assert_int_equal(f.large.last_size, 256 * 1024 + 1);
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
    /* the grown bytes are the caller's to write (Valgrind: addressable) */
    memset(b + 5000, 'y', 120);
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
    for (int i = 0; i < 5120; i++)
        assert_int_equal(c[i], i < 5000 ? 'x' : 'y');
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

static pa_stats stats_of(pa_heap *h) {
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    return s;
}

/* n blocks of size, allocated then freed: the cache fills, the rest is
 * refused and freed through the layer. */
static void allocate_then_free(pa_heap *h, size_t n, size_t size) {
    void *p[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        assert_non_null(p[i] = pa_heap_malloc(h, size));
    for (size_t i = 0; i < n; i++)
        pa_heap_free(h, p[i]);
}

static void test_refused_step_asked_again_raises_budget(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 256 * 1024);
    allocate_then_free(f.h, 20, 4096); /* 16 kept, 4 refused */
    assert_int_equal(f.large.frees, 4);
    assert_int_equal(stats_of(f.h).large_cache_budget, 64 * 1024);
    /* The 17th request of the step misses: what was refused is wanted. */
    allocate_then_free(f.h, 20, 4096);
    assert_int_equal(stats_of(f.h).large_cache_budget, 128 * 1024);
    assert_int_equal(f.large.frees, 4); /* all 20 kept this time */
    assert_int_equal(stats_of(f.h).large_cached_bytes, 20 * 4096);
    close_fixture(&f);
}

static void test_miss_in_another_step_keeps_budget(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 256 * 1024);
    allocate_then_free(f.h, 20, 4096);
    /* 3000 bytes: a step nothing was refused from. */
    allocate_then_free(f.h, 1, 3000);
    assert_int_equal(stats_of(f.h).large_cache_budget, 64 * 1024);
    close_fixture(&f);
}

static void test_budget_stops_at_its_ceiling(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 96 * 1024);
    allocate_then_free(f.h, 30, 4096);
    allocate_then_free(f.h, 30, 4096);
    assert_int_equal(stats_of(f.h).large_cache_budget, 96 * 1024);
    assert_int_equal(stats_of(f.h).large_cached_bytes, 96 * 1024);
    close_fixture(&f);
}

/* A raised budget whose top half sits idle for a whole window of cacheable
 * requests halves, and the blocks beyond it are freed, biggest first. */
static void test_idle_budget_decays(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 256 * 1024);
    allocate_then_free(f.h, 20, 4096);
    allocate_then_free(f.h, 20, 4096);
    assert_int_equal(stats_of(f.h).large_cache_budget, 128 * 1024);
    size_t frees = f.large.frees;
    /* Requests served by one 1000-byte block; the 80 KiB of 4096-byte
     * blocks stay idle, above half the budget, for the rest of the window
     * that started at the rise (when the cache was empty: it stays) and
     * all of the next. */
    for (int i = 0; i < 2 * PA_LARGE_CACHE_DECAY_TAKES; i++)
        allocate_then_free(f.h, 1, 1000);
    pa_stats s = stats_of(f.h);
    assert_int_equal(s.large_cache_budget, 64 * 1024);
    assert_true(s.large_cached_bytes <= 64 * 1024);
    assert_int_equal(f.large.frees, frees + 5); /* 80 KiB + 1 KiB down to 60 KiB + 1 KiB */
    close_fixture(&f);
}

/* A budget four times its floor, idle for a window, halves (to twice the
 * floor), not stays. */
static void test_idle_budget_halves_above_floor(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 256 * 1024);
    allocate_then_free(f.h, 20, 4096); /* 16 kept, 4 refused */
    allocate_then_free(f.h, 20, 4096); /* the budget rises to 128 KiB: 80 KiB kept */
    allocate_then_free(f.h, 40, 4096); /* 32 kept, 8 refused */
    allocate_then_free(f.h, 40, 4096); /* the budget rises to 256 KiB: 160 KiB kept */
    assert_int_equal(stats_of(f.h).large_cache_budget, 256 * 1024);
    for (int i = 0; i < 2 * PA_LARGE_CACHE_DECAY_TAKES; i++)
        allocate_then_free(f.h, 1, 1000);
    pa_stats s = stats_of(f.h);
    assert_int_equal(s.large_cache_budget, 128 * 1024);
    assert_true(s.large_cached_bytes <= 128 * 1024);
    close_fixture(&f);
}

/* A budget at a ceiling below twice the floor halves to the floor, not
 * below it. */
static void test_decay_from_ceiling_stops_at_floor(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 96 * 1024);
    allocate_then_free(f.h, 20, 4096); /* 16 kept, 4 refused */
    allocate_then_free(f.h, 20, 4096); /* the budget rises to its ceiling: 80 KiB kept */
    assert_int_equal(stats_of(f.h).large_cache_budget, 96 * 1024);
    for (int i = 0; i < 2 * PA_LARGE_CACHE_DECAY_TAKES; i++)
        allocate_then_free(f.h, 1, 1000);
    pa_stats s = stats_of(f.h);
    assert_int_equal(s.large_cache_budget, 64 * 1024);
    assert_true(s.large_cached_bytes <= 64 * 1024);
    close_fixture(&f);
}

/* A window in which the cache was drained below half its budget keeps it. */
static void test_used_budget_does_not_decay(void **state) {
    (void)state;
    fixture f;
    open_fixture_adaptive(&f, 64 * 1024, 256 * 1024);
    allocate_then_free(f.h, 20, 4096);
    allocate_then_free(f.h, 20, 4096);
    for (int i = 0; i < PA_LARGE_CACHE_DECAY_TAKES / 20 + 1; i++)
        allocate_then_free(f.h, 20, 4096);
    assert_int_equal(stats_of(f.h).large_cache_budget, 128 * 1024);
    close_fixture(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freed_block_is_reused),
        cmocka_unit_test(test_budget_bounds_the_cache),
        cmocka_unit_test(test_zero_budget_caches_nothing),
        cmocka_unit_test(test_calloc_from_cache_is_zeroed),
        cmocka_unit_test(test_largest_cached_size),
        cmocka_unit_test(test_realloc_within_a_step_stays),
        cmocka_unit_test(test_aligned_request_skips_misaligned_block),
        cmocka_unit_test(test_refused_step_asked_again_raises_budget),
        cmocka_unit_test(test_miss_in_another_step_keeps_budget),
        cmocka_unit_test(test_budget_stops_at_its_ceiling),
        cmocka_unit_test(test_idle_budget_decays),
        cmocka_unit_test(test_decay_from_ceiling_stops_at_floor),
        cmocka_unit_test(test_idle_budget_halves_above_floor),
        cmocka_unit_test(test_used_budget_does_not_decay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Spare pools (docs/ARCHITECTURE.md, "Spare pools"): the pool of a class
 * that empties stays with its class and is used again with no trip through
 * its arena; another pool emptying, trim and the retention policy give it
 * up; after everything is freed the heap holds no more arenas than the
 * policy allows. Every step is checked (pa_test_stats_checked runs the
 * full check with the OS counter). */
#include <string.h>

#include "pa_test.h"

#define BLOCK 512 /* 7 a pool in the compact layout */

static uintptr_t spare_of(const pa_heap *h, size_t size) {
    pa_class_view v;
    assert_int_equal(pa_introspect_class(h, pa_test_class_of(h, size), &v), 0);
    return v.spare;
}

static uint64_t pool_takes(const pa_heap *h) {
    pa_heap_view v;
    pa_introspect_heap(h, &v);
    return v.retention_window_takes;
}

static pa_heap *compact_heap(pa_test_os *os, pa_empty_arena_policy policy) {
    pa_test_os_init(os, NULL);
    pa_config base = pa_test_compact_config();
    base.keep_spare_pools = 1;
    base.empty_arenas = policy;
    base.empty_arenas_max = 1;
    pa_config c = pa_test_config(os, &base);
    return pa_test_heap_create(&c);
}

/* The pair with none live: the block's pool is the spare between the calls,
 * no pool is taken from an arena, nothing is mapped or unmapped. */
static void test_none_live_pair_skips_the_arena(void **state) {
    (void)state;
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config c = pa_test_config(&os, NULL);
    pa_heap *h = pa_test_heap_create(&c);
    void *p = pa_heap_malloc(h, 32);
    uintptr_t pool = pa_test_pool_base(h, p);
    pa_heap_free(h, p);
    assert_int_equal(spare_of(h, 32), pool);
    pa_test_stats_checked(h, &os.counter, NULL);
    uint64_t takes = pool_takes(h), maps = os.counter.requests[PA_OS_MAP];
    for (int i = 0; i < 1000; i++) {
        void *q = pa_heap_malloc(h, 32);
        assert_int_equal(pa_test_pool_base(h, q), pool);
        assert_int_equal(spare_of(h, 32), pool); /* lent, still the spare */
        pa_heap_free(h, q);
    }
    assert_int_equal(pool_takes(h), takes);
    assert_int_equal(os.counter.requests[PA_OS_MAP], maps);
    assert_int_equal(os.counter.requests[PA_OS_UNMAP], 0);
    pa_test_stats_checked(h, &os.counter, NULL);
    pa_test_destroy_clean(h, &os.counter);
}

/* Another pool of the class emptying takes the spare's place; the old spare
 * goes back to its arena as a committed free pool. */
static void test_next_emptied_pool_is_the_spare(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, PA_EMPTY_ARENA_KEEP_ALL);
    void *a[7], *b[7];
    size_t n = pa_test_fill_pool(h, BLOCK, a);
    assert_int_equal(pa_test_fill_pool(h, BLOCK, b), n);
    for (size_t i = 0; i < n; i++)
        pa_heap_free(h, a[i]);
    assert_int_equal(spare_of(h, BLOCK), pa_test_pool_base(h, a[0]));
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    size_t free_before = s.free_pools;
    for (size_t i = 0; i < n; i++)
        pa_heap_free(h, b[i]);
    assert_int_equal(spare_of(h, BLOCK), pa_test_pool_base(h, b[0]));
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.free_pools, free_before + 1); /* a's pool, now its arena's */
    pa_test_destroy_clean(h, &os.counter);
}

#define ARENAS 4
#define BLOCKS (ARENAS * 16 * 7)
static void *p[BLOCKS];

static void alloc_all(pa_heap *h) {
    for (size_t i = 0; i < BLOCKS; i++) {
        p[i] = pa_heap_malloc(h, BLOCK);
        assert_non_null(p[i]);
    }
}

/* Everything freed, forward and backward: KEEP_ONE keeps one arena, a
 * spare's counting as empty, RELEASE none (and so no spare). */
static void test_free_everything(void **state) {
    (void)state;
    static const pa_empty_arena_policy policies[] = {PA_EMPTY_ARENA_KEEP_ONE, PA_EMPTY_ARENA_RELEASE};
    for (int k = 0; k < 2; k++) {
        for (int backward = 0; backward < 2; backward++) {
            pa_test_os os;
            pa_heap *h = compact_heap(&os, policies[k]);
            alloc_all(h);
            for (size_t i = 0; i < BLOCKS; i++)
                pa_heap_free(h, p[backward ? BLOCKS - 1 - i : i]);
            pa_stats s;
            pa_test_stats_checked(h, &os.counter, &s);
            pa_heap_view v;
            pa_introspect_heap(h, &v);
            if (policies[k] == PA_EMPTY_ARENA_RELEASE) {
                assert_int_equal(s.arenas_current, 0);
                assert_int_equal(spare_of(h, BLOCK), 0);
            } else {
                /* one arena holding no block: wholly free, or the last
                 * pool's arena with that pool as its spare */
                assert_int_equal(s.arenas_current, 1);
                assert_int_equal(v.empty_arenas, 1);
            }
            pa_test_destroy_clean(h, &os.counter);
        }
    }
}

/* Trim gives up every spare, then the arena holding no block goes. */
static void test_trim_gives_up_spares(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, PA_EMPTY_ARENA_KEEP_ONE);
    void *q = pa_heap_malloc(h, 16), *r = pa_heap_malloc(h, BLOCK);
    pa_heap_free(h, q);
    pa_heap_free(h, r);
    assert_int_not_equal(spare_of(h, 16), 0);
    assert_int_not_equal(spare_of(h, BLOCK), 0);
    pa_test_stats_checked(h, &os.counter, NULL);
    assert_true(pa_heap_trim(h) >= 16 * 4096);
    assert_int_equal(spare_of(h, 16), 0);
    assert_int_equal(spare_of(h, BLOCK), 0);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    pa_test_destroy_clean(h, &os.counter);
}

/* A lent spare whose arena's other pools all go back is given up first: it
 * holds a block, so the arena stays. */
static void test_lent_spare_keeps_its_arena(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, PA_EMPTY_ARENA_RELEASE);
    void *keep = pa_heap_malloc(h, 16); /* the arena in use */
    void *q = pa_heap_malloc(h, BLOCK);
    uintptr_t pool = pa_test_pool_base(h, q);
    pa_heap_free(h, q);
    assert_int_equal(spare_of(h, BLOCK), pool);
    q = pa_heap_malloc(h, BLOCK); /* lent */
    assert_int_equal(pa_test_pool_base(h, q), pool);
    pa_heap_free(h, keep); /* 16's pool goes back; the arena holds q */
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.blocks_in_use, 1);
    memset(q, 7, BLOCK);
    pa_heap_free(h, q);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    pa_test_destroy_clean(h, &os.counter);
}

static void test_spares_off(void **state) {
    (void)state;
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config c = pa_test_arena_config(&os, NULL);
    pa_heap *h = pa_test_heap_create(&c);
    void *q = pa_heap_malloc(h, 32);
    pa_heap_free(h, q);
    assert_int_equal(spare_of(h, 32), 0);
    pa_test_stats_checked(h, &os.counter, NULL);
    pa_test_destroy_clean(h, &os.counter);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_live_pair_skips_the_arena),
        cmocka_unit_test(test_next_emptied_pool_is_the_spare),
        cmocka_unit_test(test_free_everything),
        cmocka_unit_test(test_trim_gives_up_spares),
        cmocka_unit_test(test_lent_spare_keeps_its_arena),
        cmocka_unit_test(test_spares_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Arenas whose pools are all free go back to the OS: KEEP_ONE keeps at most
 * one wholly free arena, RELEASE keeps none, KEEP_ALL keeps every one. The
 * proof is in the OS layer's own count of mapped bytes. */
#include <stdlib.h>

#include "pa_test.h"

#define BLOCK 512
#define ARENAS 4
#define BLOCKS (ARENAS * 16 * 7) /* 7 blocks per pool, 16 pools per arena */

static size_t wholly_free_arenas(const pa_heap *h) {
    pa_arena_view av[64];
    size_t live = pa_test_live_arenas(h, av, 64), n = 0;
    for (size_t i = 0; i < live; i++)
        n += av[i].nfreepools == av[i].ntotalpools;
    return n;
}

static size_t arena_bytes(const pa_heap *h, const pa_test_os *os) {
    pa_stats s;
    pa_test_stats_checked(h, &os->counter, &s);
    return os->counter.bytes_mapped - s.metadata_bytes;
}

static pa_heap *heap_with(pa_test_os *os, pa_empty_arena_policy policy) {
    pa_test_os_init(os, NULL);
    pa_config base = pa_test_compact_config();
    base.empty_arenas = policy;
    base.empty_arenas_max = 1; /* exactly one, however the heap is used */
    pa_config c = pa_test_arena_config(os, &base);
    return pa_test_heap_create(&c);
}

static void alloc_all(pa_heap *h, void **ptrs) {
    for (size_t i = 0; i < BLOCKS; i++) {
        ptrs[i] = pa_heap_malloc(h, BLOCK);
        assert_non_null(ptrs[i]);
    }
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    assert_int_equal(s.arenas_current, ARENAS);
}

/* Free in the order given by idx, checking the policy's bound after every
 * free; returns the most wholly free arenas seen at once. */
static size_t free_all(pa_heap *h, void **ptrs, const size_t *idx) {
    size_t most = 0;
    for (size_t i = 0; i < BLOCKS; i++) {
        pa_heap_free(h, ptrs[idx[i]]);
        size_t n = wholly_free_arenas(h);
        if (n > most)
            most = n;
    }
    return most;
}

/* Three orders of freeing: forward, reverse and shuffled. */
static size_t order[3][BLOCKS];
static void *p[BLOCKS];

static int make_orders(void **state) {
    (void)state;
    size_t *fwd = order[0], *rev = order[1], *rnd = order[2];
    for (size_t i = 0; i < BLOCKS; i++)
        fwd[i] = rev[BLOCKS - 1 - i] = rnd[i] = i;
    uint64_t x = 12345;
    for (size_t i = BLOCKS - 1; i > 0; i--) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)(x >> 33) % (i + 1);
        size_t t = rnd[i];
        rnd[i] = rnd[j];
        rnd[j] = t;
    }
    return 0;
}

static void test_keep_one(void **state) {
    (void)state;
    for (int o = 0; o < 3; o++) {
        pa_test_os os;
        pa_heap *h = heap_with(&os, PA_EMPTY_ARENA_KEEP_ONE);
        alloc_all(h, p);
        assert_int_equal(arena_bytes(h, &os), ARENAS * 16 * 4096);
        assert_int_equal(free_all(h, p, order[o]), 1);
        pa_stats s;
        pa_test_stats_checked(h, &os.counter, &s);
        assert_int_equal(s.arenas_current, 1);
        assert_int_equal(s.arenas_released_total, ARENAS - 1);
        assert_int_equal(s.arenas_highwater, ARENAS);
        assert_int_equal(s.blocks_in_use, 0);
        assert_int_equal(arena_bytes(h, &os), 16 * 4096);
        size_t after_first = os.counter.bytes_mapped;

        /* one block allocated and freed in a loop maps nothing (bpo-37257) */
        uint64_t maps = os.counter.requests[PA_OS_MAP];
        uint64_t unmaps = os.counter.requests[PA_OS_UNMAP];
        for (int i = 0; i < 1000; i++) {
            void *q = pa_heap_malloc(h, 32);
            assert_non_null(q);
            pa_heap_free(h, q);
        }
        assert_int_equal(os.counter.requests[PA_OS_MAP], maps);
        assert_int_equal(os.counter.requests[PA_OS_UNMAP], unmaps);

        /* the same work again ends where the first round ended */
        alloc_all(h, p);
        free_all(h, p, order[o]);
        assert_int_equal(os.counter.bytes_mapped, after_first);
        pa_test_destroy_clean(h, &os.counter);
    }
}

/* One block left in one arena: that arena stays, plus one wholly free one. */
static void test_keep_one_partial(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with(&os, PA_EMPTY_ARENA_KEEP_ONE);
    alloc_all(h, p);
    const size_t keep = BLOCKS / 2 + 3; /* somewhere in the third arena */
    uintptr_t keep_arena = pa_introspect_owner(h, (uintptr_t)p[keep]);
    for (size_t i = 0; i < BLOCKS; i++)
        if (i != keep)
            pa_heap_free(h, p[i]);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 2);
    assert_int_equal(s.blocks_in_use, 1);
    assert_int_equal(wholly_free_arenas(h), 1);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)p[keep]), keep_arena);
    assert_int_equal(arena_bytes(h, &os), 2 * 16 * 4096);
    pa_heap_free(h, p[keep]);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    pa_test_destroy_clean(h, &os.counter);
}

static void test_release(void **state) {
    (void)state;
    for (int o = 0; o < 3; o++) {
        pa_test_os os;
        pa_heap *h = heap_with(&os, PA_EMPTY_ARENA_RELEASE);
        size_t start = os.counter.bytes_mapped;
        pa_stats s;
        pa_test_stats_checked(h, &os.counter, &s);
        size_t meta_start = s.metadata_bytes;
        alloc_all(h, p);
        assert_int_equal(free_all(h, p, order[o]), 0);
        pa_test_stats_checked(h, &os.counter, &s);
        assert_int_equal(s.arenas_current, 0);
        assert_int_equal(s.arenas_released_total, ARENAS);
        assert_int_equal(s.bytes_total, 0);
        assert_int_equal(arena_bytes(h, &os), 0);
        /* only metadata the arenas needed (table, ownership map) remains */
        assert_int_equal(os.counter.bytes_mapped - start, s.metadata_bytes - meta_start);
        size_t after_first = os.counter.bytes_mapped;
        alloc_all(h, p);
        free_all(h, p, order[o]);
        assert_int_equal(os.counter.bytes_mapped, after_first);
        pa_test_stats_checked(h, &os.counter, &s);
        assert_int_equal(s.arenas_allocated_total, 2 * ARENAS);
        assert_int_equal(s.arenas_released_total, 2 * ARENAS);
        pa_test_destroy_clean(h, &os.counter);
    }
}

static void test_keep_all(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with(&os, PA_EMPTY_ARENA_KEEP_ALL);
    alloc_all(h, p);
    size_t peak = os.counter.bytes_mapped;
    uint64_t unmaps = os.counter.requests[PA_OS_UNMAP];
    assert_int_equal(free_all(h, p, order[2]), ARENAS);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, ARENAS);
    assert_int_equal(s.arenas_released_total, 0);
    assert_int_equal(s.free_pools, ARENAS * 16);
    assert_int_equal(os.counter.bytes_mapped, peak);
    assert_int_equal(os.counter.requests[PA_OS_UNMAP], unmaps);
    /* the kept arenas serve the next round without a single map */
    uint64_t maps = os.counter.requests[PA_OS_MAP];
    alloc_all(h, p);
    assert_int_equal(os.counter.requests[PA_OS_MAP], maps);
    free_all(h, p, order[0]);
    pa_test_destroy_clean(h, &os.counter);
}

/* The article's scenario at the default layout: many 16-byte blocks, all
 * freed; the default policy leaves one 1 MiB arena mapped. */
static void test_default_layout_scenario(void **state) {
    (void)state;
    enum { N = 200000 };
    void **many = malloc(N * sizeof *many);
    assert_non_null(many);
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config c = pa_test_arena_config(&os, NULL);
    pa_heap *h = pa_test_heap_create(&c);
    for (size_t i = 0; i < N; i++) {
        many[i] = pa_heap_malloc(h, 16);
        assert_non_null(many[i]);
    }
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    size_t per_arena = 64 * 1021;
    assert_int_equal(s.arenas_current, (N + per_arena - 1) / per_arena);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, many[i]);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(os.counter.bytes_mapped - s.metadata_bytes, 1024 * 1024);
    pa_test_destroy_clean(h, &os.counter);
    free(many);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_one),
        cmocka_unit_test(test_keep_one_partial),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_keep_all),
        cmocka_unit_test(test_default_layout_scenario),
    };
    return cmocka_run_group_tests(tests, make_orders, NULL);
}

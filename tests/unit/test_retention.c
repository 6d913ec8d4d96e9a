/* Retention that adapts to reuse (pa_config.empty_arenas_max and
 * decommit_keep_pools_max): a heap keeps one wholly free arena and a few
 * committed free pools, and keeps more only once it has seen memory it gave
 * back being needed again; the allowances halve back after 4096 pool takes
 * without a rise, and the surplus arenas are then given back. The proof is
 * in the OS layer's own counts. */
#include "pa_test.h"

#define BLOCK 512
#define PER_POOL 7       /* 512-byte blocks in a 4 KiB pool */
#define POOLS 16         /* pools per compact arena */
#define ARENAS 4
#define BLOCKS (ARENAS * POOLS * PER_POOL)

static void *p[BLOCKS];

static pa_heap *heap_with(pa_test_os *os, unsigned arenas_max, pa_decommit_policy decommit, unsigned keep,
                          unsigned keep_max) {
    pa_test_os_init(os, NULL);
    pa_config base = pa_test_compact_config();
    base.empty_arenas = PA_EMPTY_ARENA_KEEP_ONE;
    base.empty_arenas_max = arenas_max;
    base.decommit = decommit;
    base.decommit_keep_pools = keep;
    base.decommit_keep_pools_max = keep_max;
    base.decommit_run_pools = 1; /* exact counts of decommit requests */
    pa_config c = pa_test_arena_config(os, &base);
    return pa_test_heap_create(&c);
}

/* Fill ARENAS arenas, free everything; returns arenas mapped after. */
static size_t phase(pa_heap *h, const pa_test_os *os) {
    for (size_t i = 0; i < BLOCKS; i++) {
        p[i] = pa_heap_malloc(h, BLOCK);
        assert_non_null(p[i]);
    }
    for (size_t i = 0; i < BLOCKS; i++)
        pa_heap_free(h, p[i]);
    pa_stats s;
    pa_test_stats_checked(h, &os->counter, &s);
    assert_int_equal(s.blocks_in_use, 0);
    return s.arenas_current;
}

/* The first phase gives back all but one arena; each later phase that
 * maps arenas again doubles what the heap keeps, up to the maximum. */
static void test_arena_allowance_rises_with_reuse(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with(&os, 3, PA_DECOMMIT_NEVER, 0, 0);
    assert_int_equal(phase(h, &os), 1);
    uint64_t maps = os.counter.requests[PA_OS_MAP];
    assert_int_equal(phase(h, &os), 2); /* 3 arenas mapped again: kept 2 */
    assert_int_equal(os.counter.requests[PA_OS_MAP] - maps, 3);
    maps = os.counter.requests[PA_OS_MAP];
    assert_int_equal(phase(h, &os), 3); /* 2 mapped again; capped at 3 */
    assert_int_equal(os.counter.requests[PA_OS_MAP] - maps, 2);
    maps = os.counter.requests[PA_OS_MAP];
    uint64_t unmaps = os.counter.requests[PA_OS_UNMAP];
    assert_int_equal(phase(h, &os), 3); /* steady: one map, one unmap */
    assert_int_equal(os.counter.requests[PA_OS_MAP] - maps, 1);
    assert_int_equal(os.counter.requests[PA_OS_UNMAP] - unmaps, 1);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.empty_arenas_allowed, 3);
    pa_test_destroy_clean(h, &os.counter);
}

/* empty_arenas_max = 1 is the classic policy: every phase maps and unmaps
 * the same arenas again. */
static void test_arena_allowance_fixed_at_one(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with(&os, 1, PA_DECOMMIT_NEVER, 0, 0);
    pa_stats s;
    for (int round = 0; round < 4; round++) {
        assert_int_equal(phase(h, &os), 1);
        pa_test_stats_checked(h, &os.counter, &s);
        assert_int_equal(s.arenas_allocated_total, ARENAS + (uint64_t)round * (ARENAS - 1));
    }
    pa_test_destroy_clean(h, &os.counter);
}

/* Three phases: the heap keeps its four arenas, wholly free. */
static pa_heap *heap_keeping_four(pa_test_os *os) {
    pa_heap *h = heap_with(os, 8, PA_DECOMMIT_NEVER, 0, 0);
    for (int round = 0; round < 3; round++)
        phase(h, os);
    pa_stats s;
    pa_test_stats_checked(h, &os->counter, &s);
    assert_int_equal(s.empty_arenas_allowed, 4);
    assert_int_equal(s.arenas_current, ARENAS);
    return h;
}

/* One pool's worth taken and freed: the free empties the pool, the malloc
 * takes one, and no arena is mapped. */
static void take_one_pool(pa_heap *h) {
    void *one[PER_POOL];
    size_t n = pa_test_fill_pool(h, BLOCK, one);
    for (size_t j = 0; j < n; j++)
        pa_heap_free(h, one[j]);
}

/* After a window of 4096 pool takes with no rise in which a wholly free
 * arena sat idle throughout, the allowance halves, and the wholly free
 * arenas beyond it are unmapped there and then. The window that holds the
 * last phase (every arena in use) does not count. */
static void test_arena_allowance_decays(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_keeping_four(&os);
    pa_stats s;
    size_t halvings = 0, allowed = 4;
    for (int i = 0; i < 3 * 4096 + 10; i++) {
        take_one_pool(h);
        pa_test_stats_checked(h, &os.counter, &s);
        if (s.empty_arenas_allowed != allowed) {
            halvings++;
            assert_int_equal(s.empty_arenas_allowed, allowed / 2);
            allowed /= 2;
            assert_int_equal(s.arenas_current, allowed);
        }
    }
    assert_int_equal(halvings, 2);
    assert_int_equal(s.arenas_current, 1);
    pa_test_destroy_clean(h, &os.counter);
}

/* The allowance halves at the window's end, but the OS refuses to unmap the
 * surplus arenas: the heap keeps them, wholly free, as the OS does. */
static void test_arena_decay_unmap_refused(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_keeping_four(&os);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    uint64_t released = s.arenas_released_total;
    os.fail[PA_OS_UNMAP] = 1;
    for (int i = 0; i < 2 * 4096 + 10; i++) /* the first window holds the phases */
        take_one_pool(h);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.empty_arenas_allowed, 2);
    assert_int_equal(s.arenas_current, ARENAS);
    assert_int_equal(s.arenas_released_total, released);
    assert_true(os.counter.failures[PA_OS_UNMAP] >= 1);
    os.fail[PA_OS_UNMAP] = 0;
    pa_test_destroy_clean(h, &os.counter);
}

/* A decommitted pool needed again doubles how many committed free pools an
 * arena keeps, from decommit_keep_pools up to decommit_keep_pools_max. */
static void test_pool_allowance_rises_with_recommit(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with(&os, 1, PA_DECOMMIT_FREE_POOLS, 2, 8);
    /* one arena in use throughout: a block stays in its first pool */
    void *anchor = pa_heap_malloc(h, BLOCK);
    static void *q[POOLS * PER_POOL];
    size_t n = (POOLS - 1) * PER_POOL;
    uint64_t decommits_before = 0;
    /* The first round only carves; the second recommits 13 pools, and the
     * first three of those double the allowance from 2 to the maximum. */
    static const unsigned allowances[] = {2, 8, 8, 8};
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < n; i++)
            assert_non_null(q[i] = pa_heap_malloc(h, BLOCK));
        for (size_t i = 0; i < n; i++)
            pa_heap_free(h, q[i]);
        pa_stats s;
        pa_test_stats_checked(h, &os.counter, &s);
        assert_int_equal(s.free_pools_allowed, allowances[round]);
        uint64_t decommits = os.counter.requests[PA_OS_DECOMMIT] - decommits_before;
        decommits_before = os.counter.requests[PA_OS_DECOMMIT];
        /* 15 pools freed; the allowance's worth stay committed */
        assert_int_equal(decommits, (POOLS - 1) - allowances[round]);
        assert_int_equal(s.decommitted_pools, (POOLS - 1) - allowances[round]);
    }
    pa_heap_free(h, anchor);
    pa_test_destroy_clean(h, &os.counter);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_allowance_rises_with_reuse),
        cmocka_unit_test(test_arena_allowance_fixed_at_one),
        cmocka_unit_test(test_arena_allowance_decays),
        cmocka_unit_test(test_arena_decay_unmap_refused),
        cmocka_unit_test(test_pool_allowance_rises_with_recommit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

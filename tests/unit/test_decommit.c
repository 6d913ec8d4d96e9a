/* PA_DECOMMIT_FREE_POOLS: an arena in use keeps decommit_keep_pools free
 * pools committed and decommits the rest; taking such a pool again
 * recommits it. Every request is seen by the counting OS layer. */
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

#define BLOCK 512
#define POOL (16 * 1024)
#define PER_POOL 31
#define POOLS 64

typedef struct fixture {
    pa_test_os os;
    pa_heap *h;
    void *p[POOLS][PER_POOL];
} fixture;

static fixture *setup_allowance(pa_decommit_policy policy, unsigned keep, unsigned keep_max, unsigned run,
                                pa_empty_arena_policy arenas) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pa_test_os_init(&f->os, NULL);
    pa_config base = pa_config_default();
    base.decommit = policy;
    base.decommit_keep_pools = keep;
    base.decommit_keep_pools_max = keep_max;
    base.decommit_run_pools = run;
    base.empty_arenas = arenas;
    pa_config c = pa_test_arena_config(&f->os, &base);
    f->h = pa_test_heap_create(&c);
    assert_int_equal(pa_test_class_capacity(f->h, pa_test_class_of(f->h, BLOCK)), PER_POOL);
    return f;
}

/* A fixed allowance: exact counts. */
static fixture *setup(pa_decommit_policy policy, unsigned keep, unsigned run, pa_empty_arena_policy arenas) {
    return setup_allowance(policy, keep, keep, run, arenas);
}

static void fill(fixture *f, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        for (size_t j = 0; j < PER_POOL; j++) {
            f->p[i][j] = pa_heap_malloc(f->h, BLOCK);
            assert_non_null(f->p[i][j]);
            memset(f->p[i][j], (int)(i + j), BLOCK);
        }
    }
}

static void drain(fixture *f, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        for (size_t j = 0; j < PER_POOL; j++) {
            pa_heap_free(f->h, f->p[i][j]);
            f->p[i][j] = NULL;
        }
}

static size_t bitmap_count(const pa_heap *h, size_t slot) {
    size_t n = 0;
    for (size_t i = 0; i < POOLS; i++) {
        int d = pa_introspect_pool_decommitted(h, slot, i);
        assert_true(d == 0 || d == 1);
        n += (size_t)d;
    }
    assert_int_equal(pa_introspect_pool_decommitted(h, slot, POOLS), -1);
    /* the same bits a word at a time, none past the arena's pools */
    size_t m = 0;
    for (size_t w = 0; 64 * w < POOLS; w++) {
        uint64_t bits;
        assert_int_equal(pa_introspect_decommitted_word(h, slot, w, &bits), 0);
        for (size_t j = 0; j < 64; j++) {
            int d = (int)((bits >> j) & 1);
            assert_int_equal(d, 64 * w + j < POOLS ? pa_introspect_pool_decommitted(h, slot, 64 * w + j) : 0);
            m += (size_t)d;
        }
    }
    assert_int_equal(m, n);
    uint64_t past;
    assert_int_equal(pa_introspect_decommitted_word(h, slot, (POOLS + 63) / 64, &past), -1);
    return n;
}

static size_t only_slot(const pa_heap *h) {
    pa_arena_view av;
    assert_int_equal(pa_test_live_arenas(h, &av, 1), 1);
    return av.slot;
}

static void teardown(fixture *f) {
    for (size_t i = 0; i < POOLS; i++)
        for (size_t j = 0; j < PER_POOL; j++)
            assert_null(f->p[i][j]);
    pa_test_destroy_clean(f->h, &f->os.counter);
    free(f);
}

static void test_keep_pools_then_decommit(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 16, 1, PA_EMPTY_ARENA_KEEP_ONE);
    fill(f, 0, POOLS);
    size_t slot = only_slot(f->h);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 0);

    /* pool 0 stays in use; 63 pools come back: 16 stay committed, 47 go */
    drain(f, 1, POOLS);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.free_pools, 16);
    assert_int_equal(s.decommitted_pools, 47);
    assert_int_equal(s.bytes_decommitted, 47 * POOL);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 47);
    assert_int_equal(f->os.counter.bytes_decommitted, 47 * POOL);
    assert_int_equal(bitmap_count(f->h, slot), 47);
    pa_arena_view av;
    assert_int_equal(pa_introspect_arena_slot(f->h, slot, &av), 0);
    assert_int_equal(av.ndecommitted, 47);
    assert_int_equal(av.nfreepools, 63);

    /* taking every pool again recommits each decommitted one, once */
    fill(f, 1, POOLS);
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_allocated_total, 1);
    assert_int_equal(s.decommitted_pools, 0);
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 47);
    assert_int_equal(f->os.counter.bytes_decommitted, 0);
    assert_int_equal(bitmap_count(f->h, slot), 0);
    /* the recommitted pools hold what was written since */
    for (size_t i = 0; i < POOLS; i++)
        for (size_t j = 0; j < PER_POOL; j++)
            assert_int_equal(((unsigned char *)f->p[i][j])[BLOCK - 1], (unsigned char)(i + j));
    drain(f, 0, POOLS);
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_current, 1); /* the one wholly free arena is kept */
    assert_int_equal(s.free_pools + s.decommitted_pools, POOLS);
    assert_int_equal(s.free_pools, 16);
    teardown(f);
}

static void test_keep_zero(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, 1, PA_EMPTY_ARENA_KEEP_ALL);
    fill(f, 0, 3);
    drain(f, 1, 2);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 1);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.decommitted_pools, 1);
    assert_int_equal(s.free_pools, POOLS - 3); /* never carved pools only */
    fill(f, 1, 2);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 1);
    drain(f, 0, 3);
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    /* every free pool is decommitted, whichever pool the refill took */
    assert_int_equal(s.free_pools + s.decommitted_pools, POOLS);
    assert_true(s.decommitted_pools >= 3);
    assert_int_equal(s.decommitted_pools,
                     f->os.counter.requests[PA_OS_DECOMMIT] - f->os.counter.requests[PA_OS_RECOMMIT]);
    assert_int_equal(f->os.counter.bytes_decommitted, s.bytes_decommitted);
    teardown(f);
}

static void test_never(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_NEVER, 16, 1, PA_EMPTY_ARENA_KEEP_ONE);
    fill(f, 0, POOLS);
    drain(f, 0, POOLS);
    fill(f, 0, POOLS);
    drain(f, 0, POOLS);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 0);
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 0);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.decommitted_pools, 0);
    assert_int_equal(s.free_pools, POOLS);
    teardown(f);
}

/* A refused decommit leaves the pool committed, free and usable. */
static void test_decommit_refused(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 2, 1, PA_EMPTY_ARENA_KEEP_ONE);
    fill(f, 0, 8);
    f->os.fail[PA_OS_DECOMMIT] = 1;
    drain(f, 1, 8);
    assert_int_equal(f->os.counter.failures[PA_OS_DECOMMIT], 5);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.decommitted_pools, 0);
    assert_int_equal(s.free_pools, POOLS - 1);
    assert_int_equal(f->os.counter.bytes_decommitted, 0);
    f->os.fail[PA_OS_DECOMMIT] = 0;
    fill(f, 1, 8);
    drain(f, 0, 8);
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.blocks_in_use, 0);
    teardown(f);
}

/* An arena released with decommitted pools in it: the heap forgets them and
 * the OS layer's figure of decommitted bytes must not outlive the mapping. */
static void test_release_with_decommitted_pools(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 4, 1, PA_EMPTY_ARENA_RELEASE);
    fill(f, 0, 10);
    drain(f, 0, 10);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_int_equal(s.decommitted_pools, 0);
    assert_int_equal(s.bytes_decommitted, 0);
    assert_true(f->os.counter.requests[PA_OS_DECOMMIT] > 0);
    size_t counted = f->os.counter.bytes_decommitted, mapped = f->os.counter.bytes_mapped;
    teardown(f);
    if (counted != s.bytes_decommitted)
        fail_msg("the OS layer still counts %zu decommitted bytes after the arena holding them was unmapped "
                 "(%zu bytes mapped in all, metadata only)",
                 counted, mapped);
}

/* ---- decommits in runs (decommit_run_pools) ---------------------------- */

static size_t pending(fixture *f) {
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    return s.decommit_pending_pools;
}

/* Adjacent pools wait together, either way, and go to the OS in one call
 * when the run is full or a pool that does not adjoin it is decommitted. */
static void test_run_joins_adjacent_pools(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, 4, PA_EMPTY_ARENA_KEEP_ALL);
    fill(f, 0, POOLS);
    drain(f, 1, 9); /* pools 1..4, then 5..8: two full runs */
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 2);
    assert_int_equal(f->os.counter.bytes_decommitted, 8 * POOL);
    assert_int_equal(pending(f), 0);
    drain(f, 21, 22);
    drain(f, 20, 21); /* joins at the front */
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 2);
    assert_int_equal(pending(f), 2);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.decommitted_pools, 10); /* waiting pools count as decommitted */
    drain(f, 30, 31); /* not adjacent: 20..21 go out */
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 3);
    assert_int_equal(f->os.counter.bytes_decommitted, 10 * POOL);
    assert_int_equal(pending(f), 1);
    drain(f, 0, 1);
    drain(f, 9, 20);
    drain(f, 22, 30);
    drain(f, 31, POOLS);
    teardown(f);
}

/* A pool needed again is taken from the run first: its pages are still
 * there, so no recommit is asked for, and the rest of the run waits on. */
static void test_run_taken_back_without_recommit(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, 8, PA_EMPTY_ARENA_KEEP_ALL);
    fill(f, 0, POOLS);
    drain(f, 10, 13);
    assert_int_equal(pending(f), 3);
    fill(f, 10, 11); /* every pool is in use or waiting: one comes back */
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 0);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 0);
    assert_int_equal(pending(f), 2);
    /* the run's last pool, 12, came back */
    size_t pool12 = (uintptr_t)f->p[0][0] / POOL * POOL + 12 * POOL;
    assert_int_equal((uintptr_t)f->p[10][0] / POOL * POOL, pool12);
    drain(f, 0, 11);
    drain(f, 13, POOLS);
    teardown(f);
}

/* A pool taken back from the run cost no recommit, so it is no evidence
 * that decommits are too eager: the allowance of committed free pools
 * stays where it was, while a real recommit doubles it. */
static void test_run_take_leaves_allowance(void **state) {
    (void)state;
    fixture *f = setup_allowance(PA_DECOMMIT_FREE_POOLS, 0, 64, 16, PA_EMPTY_ARENA_KEEP_ALL);
    fill(f, 0, 40);
    drain(f, 1, 40); /* 1..16 and 17..32 go out, 33..39 wait */
    assert_int_equal(pending(f), 7);
    pa_heap_view v;
    fill(f, 33, 40); /* the run's seven pools come back */
    assert_int_equal(pending(f), 0);
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 0);
    pa_introspect_heap(f->h, &v);
    assert_int_equal(v.pool_allowance, 0);
    fill(f, 40, POOLS); /* never-carved pools next: still nothing recommitted */
    fill(f, 1, 2);      /* every pool in use: pool 1 is recommitted */
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 1);
    pa_introspect_heap(f->h, &v);
    assert_int_equal(v.pool_allowance, 1);
    drain(f, 0, 2);
    drain(f, 33, POOLS);
    teardown(f);
}

/* Pools waiting in an arena that is then unmapped need no call at all: the
 * article's free loop. */
static void test_run_forgotten_with_its_arena(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, POOLS, PA_EMPTY_ARENA_RELEASE);
    fill(f, 0, POOLS);
    drain(f, 0, POOLS - 1);
    assert_int_equal(pending(f), POOLS - 1);
    drain(f, POOLS - 1, POOLS);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_int_equal(s.decommit_pending_pools, 0);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 0);
    teardown(f);
}

/* An arena kept wholly free gives its waiting pages back at once, so an
 * idle heap holds what the policy keeps and no more. */
static void test_run_flushed_when_arena_kept(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, 40, PA_EMPTY_ARENA_KEEP_ONE);
    fill(f, 0, POOLS);
    drain(f, 0, POOLS - 1); /* 0..39 go out, 40..62 wait */
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 1);
    assert_int_equal(pending(f), 23);
    drain(f, POOLS - 1, POOLS);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.decommit_pending_pools, 0);
    assert_int_equal(s.decommitted_pools, POOLS);
    assert_int_equal(f->os.counter.requests[PA_OS_DECOMMIT], 2);
    assert_int_equal(f->os.counter.bytes_decommitted, POOLS * POOL);
    teardown(f);
}

/* A run the OS refuses goes back whole to its arena's freepools. */
static void test_run_refused(void **state) {
    (void)state;
    fixture *f = setup(PA_DECOMMIT_FREE_POOLS, 0, 4, PA_EMPTY_ARENA_KEEP_ALL);
    fill(f, 0, POOLS);
    f->os.fail[PA_OS_DECOMMIT] = 1;
    drain(f, 1, 5);
    assert_int_equal(f->os.counter.failures[PA_OS_DECOMMIT], 1);
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.decommitted_pools, 0);
    assert_int_equal(s.decommit_pending_pools, 0);
    assert_int_equal(s.free_pools, 4);
    pa_arena_view av;
    assert_int_equal(pa_introspect_arena_slot(f->h, only_slot(f->h), &av), 0);
    assert_int_equal(av.ncommitted_free, 4);
    f->os.fail[PA_OS_DECOMMIT] = 0;
    fill(f, 1, 5); /* the refused pools serve again */
    assert_int_equal(f->os.counter.requests[PA_OS_RECOMMIT], 0);
    drain(f, 0, POOLS);
    teardown(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_pools_then_decommit),
        cmocka_unit_test(test_keep_zero),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_decommit_refused),
        cmocka_unit_test(test_release_with_decommitted_pools),
        cmocka_unit_test(test_run_joins_adjacent_pools),
        cmocka_unit_test(test_run_taken_back_without_recommit),
        cmocka_unit_test(test_run_take_leaves_allowance),
        cmocka_unit_test(test_run_forgotten_with_its_arena),
        cmocka_unit_test(test_run_flushed_when_arena_kept),
        cmocka_unit_test(test_run_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

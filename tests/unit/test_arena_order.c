/* Pools go back to their arenas, and usable arenas stay sorted by free pools,
 * fewest first, so allocation fills the fullest arena and the emptiest ones
 * drain; pa_introspect_last_with_free names the last arena with n free. */
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

#define BLOCK 512        /* 7 blocks per 4 KiB pool in the compact layout */
#define MAX_POOLS 128

typedef struct pool_blocks {
    void *b[8];
    size_t n;
    uintptr_t arena;     /* the arena object it lies in */
} pool_blocks;

static void alloc_pool(pa_heap *h, pool_blocks *pb) {
    pb->n = pa_test_fill_pool(h, BLOCK, pb->b);
    pb->arena = pa_introspect_owner(h, (uintptr_t)pb->b[0]);
    assert_int_not_equal(pb->arena, 0);
}

static void free_pool(pa_heap *h, pool_blocks *pb) {
    for (size_t i = 0; i < pb->n; i++)
        pa_heap_free(h, pb->b[i]);
    pb->n = 0;
}

static size_t nfree(const pa_heap *h, uintptr_t arena) {
    pa_arena_view av;
    assert_int_equal(pa_introspect_arena(h, arena, &av), 0);
    return av.nfreepools;
}

/* The usable list holds exactly the live arenas with a free pool, sorted
 * ascending, and last_with_free[n] is the last of them with n free pools. */
static void check_order(const pa_heap *h) {
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    uintptr_t list[64];
    size_t n = pa_test_usable_arenas(h, list, 64);
    static pa_arena_view all[64];
    size_t live = pa_test_live_arenas(h, all, 64), expect_n = 0;
    for (size_t i = 0; i < live; i++)
        expect_n += all[i].nfreepools > 0;
    assert_int_equal(n, expect_n);
    for (size_t i = 0; i + 1 < n; i++)
        assert_true(nfree(h, list[i]) <= nfree(h, list[i + 1]));
    for (size_t k = 0; k <= hv.pools_per_arena; k++) {
        uintptr_t last = 0;
        for (size_t i = 0; i < n; i++)
            if (nfree(h, list[i]) == k)
                last = list[i];
        if (k == 0)
            assert_int_equal(last, 0);
        if (pa_introspect_last_with_free(h, k) != last)
            fail_msg("last_with_free(%zu) is %#lx, the list says %#lx", k,
                     (unsigned long)pa_introspect_last_with_free(h, k), (unsigned long)last);
    }
}

/* Free whatever is still allocated, check the order and destroy. */
static void finish(pa_heap *h, pool_blocks *pools, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (pools[i].n)
            free_pool(h, &pools[i]);
    check_order(h);
    pa_test_stats_checked(h, NULL, NULL);
    pa_test_destroy_clean(h, NULL);
}

static pa_heap *compact_heap(void) {
    pa_config c = pa_test_compact_config();
    pa_heap *h = pa_test_heap_create(&c);
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.pools_per_arena, 16);
    assert_int_equal(pa_test_class_capacity(h, pa_test_class_of(h, BLOCK)), 7);
    return h;
}

/* Freeing a pool's last block puts the pool on its arena's free list. */
static void test_pool_back_to_arena(void **state) {
    (void)state;
    pa_heap *h = compact_heap();
    pool_blocks a, b;
    alloc_pool(h, &a);
    alloc_pool(h, &b);
    assert_int_equal(a.arena, b.arena);
    assert_int_equal(nfree(h, a.arena), 14);
    uintptr_t pool_a = pa_test_pool_base(h, a.b[0]);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(h, pa_test_class_of(h, BLOCK), &cv), 0);
    assert_int_equal(cv.pools, 2);

    /* all but one block: still the class's pool */
    for (size_t i = 1; i < a.n; i++)
        pa_heap_free(h, a.b[i]);
    assert_int_equal(nfree(h, a.arena), 14);
    pa_heap_free(h, a.b[0]);
    a.n = 0;
    assert_int_equal(nfree(h, a.arena), 15);
    pa_arena_view av;
    assert_int_equal(pa_introspect_arena(h, a.arena, &av), 0);
    assert_int_equal(av.freepools, pool_a);
    assert_int_equal(pa_introspect_class(h, pa_test_class_of(h, BLOCK), &cv), 0);
    assert_int_equal(cv.pools, 1);
    pa_pool_view pv;
    assert_int_equal(pa_introspect_pool(h, pool_a, &pv), 0);
    assert_int_equal(pv.count, 0);

    /* a request of another class takes the free pool before carving a new one */
    void *p = pa_heap_malloc(h, 16);
    assert_int_equal(pa_test_pool_base(h, p), pool_a);
    assert_int_equal(pa_introspect_pool(h, pool_a, &pv), 0);
    assert_int_equal(pv.size_class, 0);
    assert_int_equal(nfree(h, a.arena), 14);
    pa_heap_free(h, p);
    free_pool(h, &b);
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    assert_int_equal(s.free_pools, 16);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_fullest_arena_filled_first(void **state) {
    (void)state;
    pa_heap *h = compact_heap();
    static pool_blocks pools[48];
    for (size_t i = 0; i < 48; i++)
        alloc_pool(h, &pools[i]);
    uintptr_t x = pools[0].arena, y = pools[16].arena, z = pools[32].arena;
    for (size_t i = 0; i < 48; i++)
        assert_int_equal(pools[i].arena, i < 16 ? x : i < 32 ? y : z);
    assert_true(x != y && y != z && x != z);
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.usable_arenas, 0); /* all three are full */
    assert_int_equal(hv.arenas_current, 3);
    check_order(h);

    /* free 2 pools of x, 5 of y, 1 of z */
    free_pool(h, &pools[3]);
    free_pool(h, &pools[9]);
    check_order(h);
    for (size_t i = 16; i < 21; i++) {
        free_pool(h, &pools[i]);
        check_order(h);
    }
    free_pool(h, &pools[40]);
    check_order(h);
    uintptr_t list[8];
    assert_int_equal(pa_test_usable_arenas(h, list, 8), 3);
    assert_int_equal(list[0], z);
    assert_int_equal(list[1], x);
    assert_int_equal(list[2], y);
    assert_int_equal(pa_introspect_last_with_free(h, 1), z);
    assert_int_equal(pa_introspect_last_with_free(h, 2), x);
    assert_int_equal(pa_introspect_last_with_free(h, 5), y);
    assert_int_equal(pa_introspect_last_with_free(h, 3), 0);

    /* new pools come from the fullest arena: z, then x twice, then y */
    void *p16 = pa_heap_malloc(h, 16);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)p16), z);
    check_order(h);
    void *p32 = pa_heap_malloc(h, 32);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)p32), x);
    check_order(h);
    void *p48 = pa_heap_malloc(h, 48);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)p48), x);
    void *p64 = pa_heap_malloc(h, 64);
    assert_int_equal(pa_introspect_owner(h, (uintptr_t)p64), y);
    check_order(h);
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.arenas_allocated_total, 3); /* no new arena was needed */

    pa_heap_free(h, p16);
    pa_heap_free(h, p32);
    pa_heap_free(h, p48);
    pa_heap_free(h, p64);
    check_order(h);
    for (size_t i = 0; i < 48; i++)
        free_pool(h, &pools[i]);
    check_order(h);
    assert_int_equal(pa_test_usable_arenas(h, list, 8), 3); /* KEEP_ALL */
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(nfree(h, list[i]), 16);
    assert_int_equal(pa_introspect_last_with_free(h, 16), list[2]);
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* Equal counts: an arena that gains a pool moves behind every arena that
 * has as many free pools as it now has. */
static void test_ties_and_moves(void **state) {
    (void)state;
    pa_heap *h = compact_heap();
    static pool_blocks pools[64];
    for (size_t i = 0; i < 64; i++)
        alloc_pool(h, &pools[i]);
    uintptr_t a[4];
    for (size_t k = 0; k < 4; k++)
        a[k] = pools[16 * k].arena;
    /* one free pool in each: the list is four arenas with 1 */
    for (size_t k = 0; k < 4; k++)
        free_pool(h, &pools[16 * k]);
    check_order(h);
    uintptr_t list[8];
    assert_int_equal(pa_test_usable_arenas(h, list, 8), 4);
    assert_int_equal(pa_introspect_last_with_free(h, 1), list[3]);
    /* the head gains a pool: it goes to the end, behind all the 1s */
    uintptr_t head = list[0];
    size_t k0 = 0;
    while (a[k0] != head)
        k0++;
    free_pool(h, &pools[16 * k0 + 1]);
    check_order(h);
    assert_int_equal(pa_test_usable_arenas(h, list, 8), 4);
    assert_int_equal(list[3], head);
    assert_int_equal(pa_introspect_last_with_free(h, 2), head);
    /* a middle one gains a pool: it goes behind the last arena with 1 */
    uintptr_t mid = list[1];
    size_t k1 = 0;
    while (a[k1] != mid)
        k1++;
    free_pool(h, &pools[16 * k1 + 1]);
    check_order(h);
    assert_int_equal(pa_test_usable_arenas(h, list, 8), 4);
    assert_true((list[2] == mid && list[3] == head) || (list[2] == head && list[3] == mid));
    assert_int_equal(nfree(h, list[1]), 1);
    assert_int_equal(pa_introspect_last_with_free(h, 2), list[3]);
    assert_int_equal(pa_introspect_last_with_free(h, 1), list[1]);
    finish(h, pools, 64);
}

/* Random whole-pool allocations and frees over up to eight arenas: after each
 * step the order holds and every new pool came from the head arena. */
static void test_random_order(void **state) {
    (void)state;
    pa_heap *h = compact_heap();
    static pool_blocks pools[MAX_POOLS];
    memset(pools, 0, sizeof pools);
    uint64_t rng = 0x9e3779b97f4a7c15u;
    for (int step = 0; step < 1500; step++) {
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        size_t i = (size_t)(rng >> 33) % MAX_POOLS;
        if (pools[i].n) {
            free_pool(h, &pools[i]);
        } else {
            pa_heap_view hv;
            pa_introspect_heap(h, &hv);
            uintptr_t head = hv.usable_arenas;
            alloc_pool(h, &pools[i]);
            if (head)
                assert_int_equal(pools[i].arena, head);
            else
                assert_int_equal(nfree(h, pools[i].arena), 15);
        }
        check_order(h);
    }
    finish(h, pools, MAX_POOLS);
}

/* Forty arenas: the arena table grows while arenas are live; the order and
 * every block's owner survive the move. */
static void test_many_arenas(void **state) {
    (void)state;
    pa_heap *h = compact_heap();
    enum { ARENAS = 40, POOLS = ARENAS * 16 };
    pool_blocks *pools = calloc(POOLS, sizeof *pools);
    assert_non_null(pools);
    for (size_t i = 0; i < POOLS; i++) {
        alloc_pool(h, &pools[i]);
        assert_int_equal(pools[i].arena, pools[i - i % 16].arena);
    }
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    assert_int_equal(hv.arenas_current, ARENAS);
    assert_true(hv.arena_slots >= ARENAS);
    /* arena objects may have moved with the table: ask again */
    for (size_t i = 0; i < POOLS; i++) {
        uintptr_t owner = pa_introspect_owner(h, (uintptr_t)pools[i].b[3]);
        assert_int_equal(owner, pa_introspect_owner(h, (uintptr_t)pools[i - i % 16].b[0]));
        pa_arena_view av;
        assert_int_equal(pa_introspect_arena(h, owner, &av), 0);
        assert_int_equal(av.base, (uintptr_t)pools[i].b[3] & ~(uintptr_t)(16 * 4096 - 1));
    }
    /* arena k keeps k % 16 pools in use */
    for (size_t i = 0; i < POOLS; i++)
        if (i % 16 >= (i / 16) % 16)
            free_pool(h, &pools[i]);
    check_order(h);
    finish(h, pools, POOLS);
    free(pools);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_back_to_arena),
        cmocka_unit_test(test_fullest_arena_filled_first),
        cmocka_unit_test(test_ties_and_moves),
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_many_arenas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

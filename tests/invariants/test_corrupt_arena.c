/* One test per arena, usable-list and unused-list invariant: corrupt a
 * real heap in exactly that way, expect exactly that identifier and
 * message; the teardown undoes nothing itself but checks the heap is
 * silent once the test has put the field back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"

static size_t slot_of(const ts_fx *fx, const pa_arena *a) { return (size_t)(a - fx->h->arenas); }

/* ---- one arena, its only carved pool empty and on freepools ---------- */

static void arena_base(void **state) {
    FX;
    TS_CORRUPT(fx->arena->base, fx->base + 0x4000,
               ts_full_one(fx, "ARENA_BASE",
                           ts_msg("arena %zu: base is not aligned to the arena size: expected a multiple of "
                                  "0x100000, found 0x%lx",
                                  fx->slot, (unsigned long)(fx->base + 0x4000))));
}

static void arena_pool_address(void **state) {
    FX;
    TS_CORRUPT(fx->arena->pool_address, fx->base + 0x104000,
               ts_full_one(fx, "ARENA_POOL_ADDRESS",
                           ts_msg("arena %zu: pool_address is not a pool boundary of the arena: expected base + k * "
                                  "0x4000, k in [0, 64], found base + 0x104000",
                                  fx->slot)));
}

static void arena_ntotalpools(void **state) {
    FX;
    TS_CORRUPT(fx->arena->ntotalpools, 3u,
               ts_full_one(fx, "ARENA_NTOTALPOOLS",
                           ts_msg("arena %zu: ntotalpools is not the pools an arena holds: expected 64, found 3",
                                  fx->slot)));
}

static void arena_nfreepools(void **state) {
    FX;
    TS_CORRUPT(fx->arena->nfreepools, 63u,
               ts_full_one(fx, "ARENA_NFREEPOOLS",
                           ts_msg("arena %zu: nfreepools differs from the arena's free pools: expected 64 (1 on "
                                  "freepools + 0 decommitted + 63 never carved), found 63",
                                  fx->slot)));
}

static void arena_ndecommitted(void **state) {
    FX;
    TS_CORRUPT(fx->arena->ndecommitted, 1u,
               ts_full_one(fx, "ARENA_NDECOMMITTED",
                           ts_msg("arena %zu: ndecommitted differs from the bitmap: expected 0, found 1", fx->slot)));
}

static void arena_ncommitted_free(void **state) {
    FX;
    TS_CORRUPT(fx->arena->ncommitted_free, 3u,
               ts_full_one(fx, "ARENA_NCOMMITTED_FREE",
                           ts_msg("arena %zu: ncommitted_free differs from the freepools list: expected 1, found 3",
                                  fx->slot)));
}

static void arena_freepools_link(void **state) {
    FX;
    TS_CORRUPT(fx->pool->next, (pa_pool *)(fx->base + 0x2000),
               ts_full_one(fx, "ARENA_FREEPOOLS_LINK",
                           ts_msg("arena %zu: freepools member 1 is not a free pool: expected a carved, committed "
                                  "pool of this arena, found base + 0x2000 (not at a pool boundary)",
                                  fx->slot)));
}

static void arena_freepools_cycle(void **state) {
    FX;
    TS_CORRUPT(fx->pool->next, fx->pool,
               ts_full_one(fx, "ARENA_FREEPOOLS_CYCLE",
                           ts_msg("arena %zu: freepools member 1 repeats an earlier member: expected a list ending "
                                  "in NULL, found pool 0 again",
                                  fx->slot)));
}

/* The counters (the heap's, the arena's, the OS layer's) are kept in step
 * so that the bitmap bit is the only fault. */
static void mark_decommitted(ts_fx *fx, size_t pool, int on) {
    size_t pool_size = pa_heap_config(fx->h)->pool_size;
    fx->os.bytes_decommitted = on ? fx->os.bytes_decommitted + pool_size : fx->os.bytes_decommitted - pool_size;
    uint64_t bit = UINT64_C(1) << (pool % 64);
    uint64_t word = fx->arena->decommitted[pool / 64];
    TS_SET(fx->arena->decommitted[pool / 64], on ? word | bit : word & ~bit);
    TS_SET(fx->arena->ndecommitted, fx->arena->ndecommitted + (on ? 1u : -1u));
    TS_SET(fx->h->decommitted_pools, fx->h->decommitted_pools + (on ? 1 : (size_t)-1));
}

static void arena_decommitted_on_freepools(void **state) {
    FX;
    mark_decommitted(fx, 0, 1);
    ts_full_one(fx, "ARENA_DECOMMITTED_NOT_FREE",
                ts_msg("arena %zu pool 0: a decommitted pool is on its arena's freepools: expected on no list, found "
                       "freepools member 0",
                       fx->slot));
    mark_decommitted(fx, 0, 0);
}

static void arena_decommitted_never_carved(void **state) {
    FX;
    mark_decommitted(fx, 63, 1);
    ts_full_one(fx, "ARENA_DECOMMITTED_NOT_FREE",
                ts_msg("arena %zu pool 63: a never-carved pool is marked decommitted: expected not decommitted, found "
                       "decommitted",
                       fx->slot));
    mark_decommitted(fx, 63, 0);
}

/* ---- three arenas with 1, 2 and 3 free pools: usable list A, B, C ----- */

#define A fx->three[0]
#define B fx->three[1]
#define C fx->three[2]

static void usable_list_link(void **state) {
    FX;
    TS_CORRUPT(A->next, (pa_arena *)0x1000,
               ts_full_one(fx, "USABLE_LIST_LINK",
                           "heap: usable list member 1 is not an arena object: expected an arena object of the "
                           "table, found 0x1000"));
}

static void usable_list_cycle(void **state) {
    FX;
    TS_CORRUPT(C->next, A,
               ts_full_one(fx, "USABLE_LIST_CYCLE",
                           ts_msg("heap: usable list member 3 repeats an earlier member: expected a list ending in "
                                  "NULL, found arena %zu again",
                                  slot_of(fx, A))));
}

static void usable_list_prev(void **state) {
    FX;
    TS_CORRUPT(B->prev, C,
               ts_full_one(fx, "USABLE_LIST_PREV",
                           ts_msg("arena %zu: prev does not point back along the usable list: expected arena %zu, "
                                  "found arena %zu",
                                  slot_of(fx, B), slot_of(fx, A), slot_of(fx, C))));
}

/* A, C, B: B has fewer free pools than C before it. */
static void usable_list_order(void **state) {
    FX;
    TS_CORRUPT(A->next, C,
               TS_CORRUPT(C->prev, A,
                          TS_CORRUPT(C->next, B,
                                     TS_CORRUPT(B->prev, C,
                                                TS_CORRUPT(B->next, NULL,
                                                           ts_full_one(fx, "USABLE_LIST_ORDER",
                                                                       ts_msg("arena %zu: has fewer free pools than "
                                                                              "the usable arena before it: expected "
                                                                              ">= 3, found 2",
                                                                              slot_of(fx, B))))))));
}

static void usable_list_membership(void **state) {
    FX;
    TS_CORRUPT(B->next, NULL,
               ts_full_one(fx, "USABLE_LIST_MEMBERSHIP",
                           ts_msg("arena %zu: arena with 3 free pools: expected on the usable list, found not on it",
                                  slot_of(fx, C))));
}

static void usable_index(void **state) {
    FX;
    TS_CORRUPT(fx->h->last_with_free[2], NULL,
               ts_full_one(fx, "USABLE_INDEX",
                           ts_msg("heap: last_with_free[2] is not the last usable arena with 2 free pools: expected "
                                  "arena %zu, found NULL",
                                  slot_of(fx, B))));
}

static void unused_list_link(void **state) {
    FX;
    TS_CORRUPT(fx->h->unused_arenas, (pa_arena *)0x1000,
               ts_full_one(fx, "UNUSED_LIST_LINK",
                           "heap: unused list member 0 is not an arena object: expected an arena object of the "
                           "table, found 0x1000"));
}

static void unused_list_cycle(void **state) {
    FX;
    pa_arena *u = fx->h->unused_arenas;
    assert_non_null(u);
    TS_CORRUPT(u->next, u,
               ts_full_one(fx, "UNUSED_LIST_CYCLE",
                           ts_msg("heap: unused list member 1 repeats an earlier member: expected a list ending in "
                                  "NULL, found arena %zu again",
                                  slot_of(fx, u))));
}

static void unused_list_membership(void **state) {
    FX;
    pa_arena *u = fx->h->unused_arenas;
    assert_non_null(u);
    TS_CORRUPT(fx->h->unused_arenas, u->next,
               ts_full_one(fx, "UNUSED_LIST_MEMBERSHIP",
                           ts_msg("arena %zu: arena object without an arena: expected on the unused list, found not "
                                  "on it",
                                  slot_of(fx, u))));
}

#define E(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_empty_arena, ts_teardown)
#define T3(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_three_arenas, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        E(arena_base),
        E(arena_pool_address),
        E(arena_ntotalpools),
        E(arena_nfreepools),
        E(arena_ndecommitted),
        E(arena_ncommitted_free),
        E(arena_freepools_link),
        E(arena_freepools_cycle),
        E(arena_decommitted_on_freepools),
        E(arena_decommitted_never_carved),
        T3(usable_list_link),
        T3(usable_list_cycle),
        T3(usable_list_prev),
        T3(usable_list_order),
        T3(usable_list_membership),
        T3(usable_index),
        T3(unused_list_link),
        T3(unused_list_cycle),
        T3(unused_list_membership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

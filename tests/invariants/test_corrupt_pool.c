/* One test per pool and class invariant: corrupt a real heap in exactly
 * that way, expect exactly that identifier and message, undo, expect
 * silence (the teardown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"

/* The default configuration has 44 classes: 32 alignment steps to 512
 * bytes, then 12 geometric ones to 4096. 44 is the first index past them
 * (it would be a class of the largest configuration, PA_MAX_CLASSES). */
static void pool_size_class(void **state) {
    FX;
    assert_int_equal(pa_config_class_count(pa_heap_config(fx->h)), 44);
    TS_CORRUPT(fx->pool->size_class, 99u,
               ts_full_one(fx, "POOL_SIZE_CLASS",
                           ts_msg(AT ": size_class is not a class: expected < 44, found 99", AT_ARGS)));
    TS_CORRUPT(fx->pool->size_class, 44u,
               ts_full_one(fx, "POOL_SIZE_CLASS",
                           ts_msg(AT ": size_class is not a class: expected < 44, found 44", AT_ARGS)));
}

static void pool_arena_slot(void **state) {
    FX;
    TS_CORRUPT(fx->pool->arena_slot, 7u,
               ts_full_one(fx, "POOL_ARENA_SLOT",
                           ts_msg(AT ": arena_slot does not name the pool's arena: expected %zu, found 7", AT_ARGS,
                                  fx->slot)));
}

static void pool_count_range(void **state) {
    FX;
    TS_CORRUPT(fx->pool->count, (uint32_t)fx->cap + 1,
               ts_full_one(fx, "POOL_COUNT_RANGE",
                           ts_msg(AT ": count exceeds the blocks a pool holds: expected <= %zu, found %zu", AT_ARGS,
                                  fx->cap, fx->cap + 1)));
}

static void pool_nextoffset(void **state) {
    FX;
    uint32_t next = (uint32_t)ts_off(fx, 11);
    TS_CORRUPT(fx->pool->nextoffset, next + 1,
               ts_full_one(fx, "POOL_NEXTOFFSET",
                           ts_msg(AT ": nextoffset is not a block boundary: expected 0x%zx + k * 48, at most 0x%zx, "
                                     "found 0x%x",
                                  AT_ARGS, fx->first, ts_off(fx, fx->cap), next + 1)));
}

static void pool_maxnextoffset(void **state) {
    FX;
    TS_CORRUPT(fx->pool->maxnextoffset, 0u,
               ts_full_one(fx, "POOL_MAXNEXTOFFSET",
                           ts_msg(AT ": maxnextoffset is not the last block position: expected 0x%zx, found 0x0",
                                  AT_ARGS, (size_t)16384 - 48)));
}

/* The freelist is blk[5] -> blk[2] -> block 10 -> NULL. */
static void pool_freelist_out_of_range(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[5]), (pa_block *)0x1000,
               ts_full_one(fx, "POOL_FREELIST_OUT_OF_RANGE",
                           ts_msg(AT " block +0x%zx: freelist member 1 is outside the carved blocks: expected an "
                                     "address in [+0x%zx, +0x%zx), found 0x1000",
                                  AT_ARGS, ts_off(fx, 5), fx->first, ts_off(fx, 11))));
}

static void pool_freelist_misaligned(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[5]), (pa_block *)(ts_block(fx, 2) + 8),
               ts_full_one(fx, "POOL_FREELIST_MISALIGNED",
                           ts_msg(AT " block +0x%zx: freelist member 1 is not on a block boundary: expected +0x%zx "
                                     "+ k * 48, found +0x%zx",
                                  AT_ARGS, ts_off(fx, 5), fx->first, ts_off(fx, 2) + 8)));
}

static void pool_freelist_cycle(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[2]), (pa_block *)fx->blk[5],
               ts_full_one(fx, "POOL_FREELIST_CYCLE",
                           ts_msg(AT " block +0x%zx: freelist member 2 repeats an earlier member: expected a list "
                                     "ending in NULL, found +0x%zx again",
                                  AT_ARGS, ts_off(fx, 2), ts_off(fx, 5))));
}

static void pool_freelist_empty_not_full(void **state) {
    FX;
    TS_CORRUPT(fx->pool->freeblock, NULL,
               ts_full_one(fx, "POOL_FREELIST_EMPTY_NOT_FULL",
                           ts_msg(AT ": freelist is empty but the pool is not full: expected count %zu (full), "
                                     "found count 8",
                                  AT_ARGS, fx->cap)));
}

static void pool_block_accounting(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[2]), NULL,
               ts_full_one(fx, "POOL_BLOCK_ACCOUNTING",
                           ts_msg(AT ": blocks do not add up to the pool's capacity: expected %zu, found 2 free + 8 "
                                     "in use + %zu never carved = %zu",
                                  AT_ARGS, fx->cap, fx->cap - 11, fx->cap - 1)));
}

static void pool_list_state(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, NULL,
               TS_CORRUPT(fx->h->classes[fx->cls].used, NULL,
                          ts_full_one(fx, "POOL_LIST_STATE",
                                      ts_msg(AT ": partly used pool is on the wrong list: expected class 2's used "
                                                "list, found no list",
                                             AT_ARGS))));
}

/* The pool filled up, so it left its class's used list; put it back. */
static void pool_list_state_full(void **state) {
    FX;
    for (size_t i = 8; i < fx->cap; i++)
        assert_non_null(pa_heap_malloc(fx->h, fx->bs));
    uint32_t count; /* the header is poisoned under ASan */
    ts_peek(&fx->pool->count, &count, sizeof count);
    assert_int_equal(count, fx->cap);
    assert_null(fx->h->classes[fx->cls].used);
    TS_CORRUPT(fx->pool->next, NULL,
               TS_CORRUPT(fx->pool->prev, NULL,
                          TS_CORRUPT(fx->h->classes[fx->cls].used, fx->pool,
                                     TS_CORRUPT(fx->h->classes[fx->cls].used_tail, fx->pool,
                                                ts_full_one(fx, "POOL_LIST_STATE",
                                                            ts_msg(AT ": full pool is on the wrong list: expected "
                                                                      "no list, found class 2's used list",
                                                                   AT_ARGS))))));
}

static void class_geometry(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].first_offset, 64u,
               ts_full_one(fx, "CLASS_GEOMETRY",
                           "class 2: layout differs from the configuration: expected block_size 48, first_offset "
                           "48, found block_size 48, first_offset 64"));
}

/* A geometric class (33: 768 bytes, four per doubling above 512) holding
 * the size alignment steps would give it ((33 + 1) * 16), and the last
 * class (43: 4096) with its first block past where 64-byte alignment puts
 * it. */
static void class_geometry_geometric(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[33].block_size, 544u,
               ts_full_one(fx, "CLASS_GEOMETRY",
                           "class 33: layout differs from the configuration: expected block_size 768, first_offset "
                           "64, found block_size 544, first_offset 64"));
    TS_CORRUPT(fx->h->classes[43].first_offset, 128u,
               ts_full_one(fx, "CLASS_GEOMETRY",
                           "class 43: layout differs from the configuration: expected block_size 4096, first_offset "
                           "64, found block_size 4096, first_offset 128"));
}

/* One class short of small_threshold: requests of 4096 bytes would index
 * past the class table. */
static void class_count(void **state) {
    FX;
    TS_CORRUPT(fx->h->nclasses, (size_t)43,
               ts_full_one(fx, "CLASS_COUNT",
                           "heap: nclasses differs from the classes up to small_threshold (4096 bytes): expected 44, "
                           "found 43"));
}

static void class_used_list_link(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used, (pa_pool *)0x1000,
               ts_full_one(fx, "CLASS_USED_LIST_LINK",
                           "class 2: used list member 0 is not a pool in use: expected a carved, committed pool, "
                           "found 0x1000 (in no arena)"));
}

static void class_used_list_cycle(void **state) {
    FX;
    TS_CORRUPT(fx->pool->next, fx->pool,
               ts_full_one(fx, "CLASS_USED_LIST_CYCLE",
                           ts_msg("class 2: used list member 1 repeats an earlier member: expected a list ending in "
                                  "NULL, found " AT " again",
                                  AT_ARGS)));
}

static void class_used_list_prev(void **state) {
    FX;
    TS_CORRUPT(fx->pool->prev, fx->pool,
               ts_full_one(fx, "CLASS_USED_LIST_PREV",
                           ts_msg(AT ": prev does not point back along class 2's used list: expected NULL, found " AT,
                                  AT_ARGS, AT_ARGS)));
}

static void class_used_list_tail(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, (pa_pool *)NULL,
               ts_full_one(fx, "CLASS_USED_LIST_TAIL",
                           ts_msg("class 2: used_tail is not the last pool of the used list: expected " AT
                                  ", found NULL",
                                  AT_ARGS)));
}

static void class_pools(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].pools, (size_t)2,
               ts_full_one(fx, "CLASS_POOLS",
                           "class 2: pools differs from the pools holding its blocks: expected 1, found 2"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(pool_size_class),
        T(pool_arena_slot),
        T(pool_count_range),
        T(pool_nextoffset),
        T(pool_maxnextoffset),
        T(pool_freelist_out_of_range),
        T(pool_freelist_misaligned),
        T(pool_freelist_cycle),
        T(pool_freelist_empty_not_full),
        T(pool_block_accounting),
        T(pool_list_state),
        T(pool_list_state_full),
        T(class_geometry),
        T(class_count),
        T(class_geometry_geometric),
        T(class_used_list_link),
        T(class_used_list_cycle),
        T(class_used_list_prev),
        T(class_used_list_tail),
        T(class_pools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

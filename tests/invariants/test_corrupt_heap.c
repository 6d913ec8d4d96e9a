/* One test per heap-wide invariant (counters, statistics, ownership map),
 * each corrupting a real heap in exactly that way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"
#include "radix.h"

/* ---- counters (three arenas of 16 KiB, one large block) --------------- */

static void heap_arenas_current(void **state) {
    FX;
    TS_CORRUPT(fx->h->arenas_current, (size_t)2,
               ts_full_one(fx, "HEAP_ARENAS_CURRENT",
                           "heap: arenas_current differs from the arena objects with an arena: expected 3, found 2"));
}

static void heap_arenas_totals(void **state) {
    FX;
    TS_CORRUPT(fx->h->arenas_allocated_total, (uint64_t)8,
               ts_full_one(fx, "HEAP_ARENAS_TOTALS",
                           "heap: arenas allocated minus released differs from the arenas in use: expected 3, found "
                           "8 - 0 = 8"));
}

static void heap_arenas_highwater(void **state) {
    FX;
    TS_CORRUPT(fx->h->arenas_highwater, (size_t)1,
               ts_full_one(fx, "HEAP_ARENAS_HIGHWATER",
                           "heap: arenas_highwater is below the arenas in use: expected >= 3, found 1"));
}

/* More arenas at once than were ever mapped. */
static void heap_arenas_highwater_above(void **state) {
    FX;
    TS_CORRUPT(fx->h->arenas_highwater, (size_t)4,
               ts_full_one(fx, "HEAP_ARENAS_HIGHWATER",
                           "heap: arenas_highwater is above the arenas ever allocated: expected at most 3, found 4"));
}

static void heap_arena_bytes(void **state) {
    FX;
    TS_CORRUPT(fx->h->arena_bytes_mapped, (size_t)(3 * 16384 + 4096),
               ts_full_one(fx, "HEAP_ARENA_BYTES",
                           "heap: arena_bytes_mapped differs from 3 arenas: expected 49152, found 53248"));
}

/* Metadata rounded to the wrong page, per-arena tables sized for the wrong
 * pool count. */
static void heap_geometry(void **state) {
    FX;
    TS_CORRUPT(fx->h->page_size, (size_t)8192,
               ts_full_one(fx, "HEAP_GEOMETRY",
                           "heap: page_size differs from the system's page size: expected 4096, found 8192"));
    TS_CORRUPT(fx->h->pools_per_arena, (size_t)3,
               ts_full_one(fx, "HEAP_GEOMETRY",
                           "heap: pools_per_arena differs from arena_size / pool_size (16384 / 4096): expected 4, "
                           "found 3"));
}

static void heap_decommitted_pools(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommitted_pools, (size_t)1,
               ts_full_one(fx, "HEAP_DECOMMITTED_POOLS",
                           "heap: decommitted_pools differs from the arenas' bitmaps: expected 0, found 1"));
}

static void heap_large_blocks(void **state) {
    FX;
    TS_CORRUPT(fx->h->large.count, (size_t)2,
               ts_full_one(fx, "HEAP_LARGE_BLOCKS",
                           "heap: large_blocks differs from the large-block table: expected 1, found 2"));
}

static void heap_large_bytes(void **state) {
    FX;
    TS_CORRUPT(fx->h->large.bytes, (size_t)100001,
               ts_full_one(fx, "HEAP_LARGE_BYTES",
                           "heap: large_bytes differs from the large-block table: expected 100000, found 100001"));
}

static void heap_owner_cache(void **state) {
    FX;
    /* The slot of this arena, naming the arena after it: not live. */
    size_t size = pa_heap_config(fx->h)->arena_size;
    uintptr_t *slot = pa_owner_slot(fx->h, fx->base);
    uintptr_t wrong = fx->base + size + size - 1;
    TS_CORRUPT(*slot, wrong,
               ts_full_one(fx, "HEAP_OWNER_CACHE",
                           ts_msg("heap: owner_cache slot %zu names no live arena: expected 0 or the last byte of a "
                                  "live arena that maps here, found 0x%lx",
                                  (size_t)(slot - fx->h->owner_cache), (unsigned long)wrong)));
}

static void heap_os_mapped(void **state) {
    FX;
    size_t os = fx->os.bytes_mapped;
    TS_CORRUPT(fx->h->metadata_bytes, fx->h->metadata_bytes + 4096,
               ts_full_one(fx, "HEAP_OS_MAPPED",
                           ts_msg("heap: os_bytes_mapped differs from the OS layer's count: expected %zu, found %zu",
                                  os, os + 4096)));
}

/* The OS layer believes a pool's worth of pages is decommitted. */
static void heap_os_decommitted(void **state) {
    FX;
    TS_CORRUPT(fx->os.bytes_decommitted, (size_t)4096,
               ts_full_one(fx, "HEAP_OS_DECOMMITTED",
                           "heap: bytes the OS layer holds decommitted differ from the decommitted pools: expected 0, "
                           "found 4096"));
}

/* ---- the decommit run (pools 1..3 of one arena) ------------------------ */

static void decommit_run_max(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommit_run.max, 5u,
               ts_full_one(fx, "DECOMMIT_RUN",
                           "heap: the decommit run's maximum is not decommit_run_pools capped at the pools per "
                           "arena: expected 8, found 5"));
}

/* Eight pools waiting: the eighth should have sent the run to the OS. */
static void decommit_run_unflushed(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommit_run.pools, 8u,
               ts_full_one(fx, "DECOMMIT_RUN",
                           "heap: the decommit run reached decommit_run_pools and was not flushed: expected at most "
                           "7, found 8"));
}

static void decommit_run_no_pools(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommit_run.pools, 0u,
               ts_full_one(fx, "DECOMMIT_RUN",
                           ts_msg("heap: the decommit run names an arena but holds no pools: expected 0 (no arena), "
                                  "found %zu",
                                  fx->slot + 1)));
}

static void decommit_run_no_arena(void **state) {
    FX;
    uint32_t past = (uint32_t)fx->h->arena_slots + 1;
    TS_CORRUPT(fx->h->decommit_run.slot, past,
               ts_full_one(fx, "DECOMMIT_RUN",
                           ts_msg("heap: the decommit run of 3 pools names no live arena: expected a live arena's "
                                  "slot + 1, found %u",
                                  past)));
}

static void decommit_run_past_end(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommit_run.first, 14u,
               ts_full_one(fx, "DECOMMIT_RUN",
                           "heap: the decommit run ends past its arena's pools: expected at most 16, found 17"));
}

/* The run moved onto pools 4..6, which are in use. */
static void decommit_run_not_decommitted(void **state) {
    FX;
    TS_CORRUPT(fx->h->decommit_run.first, 4u,
               ts_full_one(fx, "DECOMMIT_RUN",
                           ts_msg(AT ": a pool of the decommit run is not marked decommitted: expected decommitted, "
                                     "found not decommitted",
                                  fx->slot, (size_t)4)));
}

/* ---- statistics (one partly used pool of 48-byte blocks) -------------- */

/* A class's capacity is read by statistics alone: one more block per pool
 * than fits shows in the free blocks and the quantization loss. */
static void stats_figure(void **state) {
    FX;
    uint32_t cap = (uint32_t)fx->cap;
    size_t free_blocks = fx->cap - 8, quant = 16384 - fx->first - fx->cap * fx->bs;
    char m0[160], m1[160], m2[160];
    snprintf(m0, sizeof m0, "heap: statistics figure classes[2].free_blocks is wrong: expected %zu, found %zu",
             free_blocks, free_blocks + 1);
    snprintf(m1, sizeof m1, "heap: statistics figure bytes_free_blocks is wrong: expected %zu, found %zu",
             free_blocks * 48, (free_blocks + 1) * 48);
    snprintf(m2, sizeof m2, "heap: statistics figure bytes_quantization is wrong: expected %zu, found %zu", quant,
             quant - 48);
    const char *const messages[] = {m0, m1, m2, NULL};
    TS_CORRUPT(fx->h->classes[fx->cls].capacity, cap + 1, ts_full_all(fx, "STATS_FIGURE", messages));
}

/* ---- ownership map (one arena) ---------------------------------------- */

static void owner_map_missing(void **state) {
    FX;
    assert_int_equal(pa_radix_set(fx->h, fx->base, 0), 0);
    ts_full_one(fx, "OWNER_MAP_MISSING",
                ts_msg("arena %zu: ownership map does not name the arena for base + 0x0: expected arena %zu, found "
                       "NULL",
                       fx->slot, fx->slot));
    assert_int_equal(pa_radix_set(fx->h, fx->base, (uint32_t)fx->slot + 1), 0);
}

/* An entry one address bit away from a live arena: what a map indexed with
 * too few bits (bpo-45521) would answer. */
static void owner_map_stray(void **state) {
    FX;
    uintptr_t stray = fx->base ^ ((uintptr_t)1 << 40);
    assert_int_equal(pa_radix_set(fx->h, stray, (uint32_t)fx->slot + 1), 0);
    ts_full_one(fx, "OWNER_MAP_STRAY",
                ts_msg("arena %zu: ownership map names an arena for 0x%lx, outside every arena: expected NULL, found "
                       "arena %zu",
                       fx->slot, (unsigned long)stray, fx->slot));
    assert_int_equal(pa_radix_set(fx->h, stray, 0), 0);
}

/* A large block's address mapped as if it were in an arena. */
static void owner_map_stray_large(void **state) {
    FX;
    uintptr_t big = (uintptr_t)fx->blk[15];
    size_t arena_size = pa_heap_config(fx->h)->arena_size;
    assert_int_equal(pa_introspect_owner(fx->h, big), 0);
    assert_int_equal(pa_radix_set(fx->h, big & ~(uintptr_t)(arena_size - 1), (uint32_t)fx->slot + 1), 0);
    ts_full_one(fx, "OWNER_MAP_STRAY",
                ts_msg("heap: ownership map names an arena for 0x%lx, outside every arena: expected NULL, found "
                       "arena %zu",
                       (unsigned long)big, fx->slot));
    assert_int_equal(pa_radix_set(fx->h, big & ~(uintptr_t)(arena_size - 1), 0), 0);
}

#define T3(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_three_arenas, ts_teardown)
#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)
#define E(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_empty_arena, ts_teardown)
#define R(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_decommit_run, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T3(heap_arenas_current),
        T3(heap_arenas_totals),
        T3(heap_arenas_highwater),
        T3(heap_arenas_highwater_above),
        T3(heap_arena_bytes),
        T3(heap_geometry),
        T3(heap_decommitted_pools),
        T3(heap_large_blocks),
        T3(heap_large_bytes),
        T3(heap_owner_cache),
        T3(heap_os_mapped),
        T3(heap_os_decommitted),
        R(decommit_run_max),
        R(decommit_run_unflushed),
        R(decommit_run_no_pools),
        R(decommit_run_no_arena),
        R(decommit_run_past_end),
        R(decommit_run_not_decommitted),
        P(stats_figure),
        E(owner_map_missing),
        E(owner_map_stray),
        T3(owner_map_stray_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

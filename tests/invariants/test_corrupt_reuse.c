/* One test per invariant of the memory a heap keeps for reuse (the large
 * cache's lists, counters and blocks; the retention counter, allowances and
 * policy bound), each corrupting a real heap in exactly that way. The
 * fixture: two wholly free arenas and five cached large blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"

/* Entry i of the large cache (indices from 1, as the lists hold them). */
#define ENTRY(i) (fx->h->large_cache.entries[(i) - 1])

/* ---- lists ------------------------------------------------------------ */

static void large_cache_list(void **state) {
    FX;
    TS_CORRUPT(ENTRY(1).next, 6u,
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 1 (640-byte blocks) member 2 is not an entry: expected an index in "
                           "1..5, found 6"));
}

static void large_cache_list_cycle(void **state) {
    FX;
    TS_CORRUPT(ENTRY(1).next, 2u,
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 1 (640-byte blocks) member 2 repeats an earlier member: expected a "
                           "list ending in 0, found entry 2 again"));
}

/* Bin 2's only entry links on into bin 25's list. */
static void large_cache_list_shared(void **state) {
    FX;
    TS_CORRUPT(ENTRY(3).next, 4u,
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 25 (5120-byte blocks) member 0 is also on bin 2 (704-byte blocks): "
                           "expected an entry of no other list, found entry 4"));
}

/* ---- counters --------------------------------------------------------- */

static void large_cache_accounting(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.blocks, (size_t)6,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: large_cached_blocks differs from the entries on the large cache's bins: expected "
                           "5, found 6"));
}

static void large_cache_accounting_bytes(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.bytes, (size_t)48128,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: large_cached_bytes differs from the capacities of the large cache's bins: expected "
                           "48064, found 48128"));
}

/* One more entry counted as handed out than the lists hold: lost. */
static void large_cache_accounting_lost(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.used, 6u,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: the large cache's lists hold fewer entries than its array: expected 6, found 5"));
}

static void large_cache_accounting_limit(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.large_cache_bytes, (size_t)40000,
               TS_CORRUPT(fx->h->large_cache.budget, (size_t)40000,
                          ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                                      "heap: the large cache holds more bytes than its budget: expected at most "
                                      "40000, found 48064")));
}

static void large_cache_accounting_budget(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.budget, (size_t)16 << 20,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: the large cache's budget is outside [large_cache_bytes, large_cache_bytes_max]: "
                           "expected 1048576..8388608, found 16777216"));
}

static void large_cache_accounting_low(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.low, (size_t)48065,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: large_cache_low is above large_cached_bytes: expected at most 48064, found "
                           "48065"));
}

/* ---- blocks ----------------------------------------------------------- */

#define ENTRY3 "heap: large cache bin 2 (704-byte blocks) entry 3 "

static void large_cache_block(void **state) {
    FX;
    TS_CORRUPT(ENTRY(3).block, (uintptr_t)0,
               ts_full_one(fx, "LARGE_CACHE_BLOCK", ENTRY3 "holds no block: expected a block, found NULL"));
}

static void large_cache_block_misaligned(void **state) {
    FX;
    TS_CORRUPT(ENTRY(3).block, ENTRY(3).block + 8,
               ts_full_one(fx, "LARGE_CACHE_BLOCK",
                           ENTRY3 "holds a misaligned block: expected a multiple of 16, found 8 past one"));
}

/* Both cached (free) and in the table (live): it would be handed out twice. */
static void large_cache_block_live(void **state) {
    FX;
    TS_CORRUPT(ENTRY(3).block, (uintptr_t)fx->blk[15],
               ts_full_one(fx, "LARGE_CACHE_BLOCK",
                           ENTRY3 "holds a live block: expected a block not in the large-block table, found a live "
                                  "large block of 3000 bytes"));
}

static void large_cache_block_twice(void **state) {
    FX;
    TS_CORRUPT(ENTRY(3).block, ENTRY(1).block,
               ts_full_one(fx, "LARGE_CACHE_BLOCK",
                           ENTRY3 "holds a block cached twice: expected a block cached once, found the block of "
                                  "entry 1"));
}

/* ---- retention -------------------------------------------------------- */

static void retention_empty_arenas(void **state) {
    FX;
    TS_CORRUPT(fx->h->empty_arenas, 1u,
               ts_full_one(fx, "RETENTION_EMPTY_ARENAS",
                           "heap: empty_arenas differs from the wholly free arenas: expected 2, found 1"));
}

static void retention_committed_free(void **state) {
    FX;
    size_t real = fx->h->committed_free;
    char want[160];
    snprintf(want, sizeof want, "heap: committed_free differs from the arenas' freepools lists: expected %zu, found %zu",
             real, real + 5);
    TS_CORRUPT(fx->h->committed_free, real + 5, ts_full_one(fx, "RETENTION_COMMITTED_FREE", want));
}

static void retention_low_water(void **state) {
    FX;
    uint32_t empty = fx->h->empty_arenas;
    char want[160];
    snprintf(want, sizeof want, "heap: empty_low is above empty_arenas: expected at most %u, found %u", empty,
             empty + 1);
    TS_CORRUPT(fx->h->empty_low, empty + 1, ts_full_one(fx, "RETENTION_COMMITTED_FREE", want));
}

static void retention_allowance(void **state) {
    FX;
    TS_CORRUPT(fx->h->arena_allowance, 9u,
               ts_full_one(fx, "RETENTION_ALLOWANCE",
                           "heap: arena_allowance is outside [1, empty_arenas_max]: expected 1..8, found 9"));
}

static void retention_allowance_pools(void **state) {
    FX;
    TS_CORRUPT(fx->h->pool_allowance, 65u,
               ts_full_one(fx, "RETENTION_ALLOWANCE",
                           "heap: pool_allowance is outside [decommit_keep_pools, decommit_keep_pools_max]: "
                           "expected 16..64, found 65"));
}

/* The fixture keeps all arenas; under KEEP_ONE two wholly free ones are one
 * more than its allowance of 1 lets stay. */
static void retention_kept_arenas(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.empty_arenas, PA_EMPTY_ARENA_KEEP_ONE,
               ts_full_one(fx, "RETENTION_KEPT_ARENAS",
                           "heap: more wholly free arenas stay mapped than KEEP_ONE allows: expected at most 1, "
                           "found 2"));
}

static void retention_kept_arenas_release(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.empty_arenas, PA_EMPTY_ARENA_RELEASE,
               ts_full_one(fx, "RETENTION_KEPT_ARENAS",
                           "heap: more wholly free arenas stay mapped than RELEASE allows: expected at most 0, "
                           "found 2"));
}

/* An unmap the OS refused leaves an arena, wholly free, past the bound:
 * the bound is then not judged. */
static void retention_kept_arenas_after_refusal(void **state) {
    FX;
    pa_check_options opt = {.os = &fx->os};
    TS_CORRUPT(fx->h->config.empty_arenas, PA_EMPTY_ARENA_RELEASE, TS_CORRUPT(fx->os.failures[PA_OS_UNMAP], 1, {
                   pa_check_heap_opts(fx->h, &opt, fx->r);
                   ts_expect_clean(fx->r, "unmap refused");
               }));
}

#define R(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_reuse, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        R(large_cache_list),
        R(large_cache_list_cycle),
        R(large_cache_list_shared),
        R(large_cache_accounting),
        R(large_cache_accounting_bytes),
        R(large_cache_accounting_lost),
        R(large_cache_accounting_limit),
        R(large_cache_accounting_budget),
        R(large_cache_accounting_low),
        R(large_cache_block),
        R(large_cache_block_misaligned),
        R(large_cache_block_live),
        R(large_cache_block_twice),
        R(retention_empty_arenas),
        R(retention_committed_free),
        R(retention_low_water),
        R(retention_allowance),
        R(retention_allowance_pools),
        R(retention_kept_arenas),
        R(retention_kept_arenas_release),
        R(retention_kept_arenas_after_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

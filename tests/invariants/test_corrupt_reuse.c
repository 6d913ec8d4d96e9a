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
#include "large_table.h"

/* The slot of cached fixture block i (blk[8..12]: 600 and 600 bytes on bin
 * 1, newest last-freed first, 700 on bin 2, 5000 on bin 25, 40000 on bin
 * 49); its size field links to the next block of the bin. */
static pa_large_slot *cached_slot(const ts_fx *fx, int i) {
    pa_large_slot *slot = pa_large_find_cached(&fx->h->large, (uintptr_t)fx->blk[i]);
    assert_non_null(slot);
    return slot;
}

#define BLK(i) ((uintptr_t)fx->blk[i])

/* ---- lists ------------------------------------------------------------ */

/* Bin 1's newest block links on to a live block. */
static void large_cache_list(void **state) {
    FX;
    pa_large_slot *slot = cached_slot(fx, 9);
    TS_CORRUPT(slot->size, BLK(15),
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 1 (640-byte blocks) member 1 is not cached: expected a cached block "
                           "of the large-block table, found a block of no cached slot"));
}

static void large_cache_list_cycle(void **state) {
    FX;
    pa_large_slot *slot = cached_slot(fx, 8);
    TS_CORRUPT(slot->size, BLK(9),
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 1 (640-byte blocks) member 2 repeats an earlier member: expected a "
                           "list ending in 0, found an earlier member again"));
}

/* Bin 2's only block links on into bin 25's list. */
static void large_cache_list_shared(void **state) {
    FX;
    pa_large_slot *slot = cached_slot(fx, 10);
    TS_CORRUPT(slot->size, BLK(11),
               ts_full_one(fx, "LARGE_CACHE_LIST",
                           "heap: large cache bin 25 (5120-byte blocks) member 0 is also on bin 2 (704-byte blocks): "
                           "expected a block of no other list, found a member of bin 2"));
}

/* ---- counters --------------------------------------------------------- */

static void large_cache_accounting(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.blocks, (size_t)6,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: large_cached_blocks differs from the blocks on the large cache's bins: expected "
                           "5, found 6"));
}

static void large_cache_accounting_bytes(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.bytes, (size_t)48128,
               ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                           "heap: large_cached_bytes differs from the capacities of the large cache's bins: expected "
                           "48064, found 48128"));
}

/* Bin 1 ends early and the counters agree with what is left on the bins:
 * the oldest 640-byte block's slot is on no list, lost. */
static void large_cache_accounting_lost(void **state) {
    FX;
    pa_large_slot *slot = cached_slot(fx, 9);
    TS_CORRUPT(slot->size, (size_t)0,
               TS_CORRUPT(fx->h->large_cache.blocks, (size_t)4,
                          TS_CORRUPT(fx->h->large_cache.bytes, (size_t)48064 - 640,
                                     ts_full_one(fx, "LARGE_CACHE_ACCOUNTING",
                                                 "heap: the large cache's bins hold fewer blocks than the large-block "
                                                 "table's cached slots: expected 5, found 4"))));
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

#define BIN2 "heap: large cache bin 2 (704-byte blocks) member 0 "

/* Bin 2's only block, as both its slot and the bin name it, becomes addr. */
#define AS_BIN2(addr, body)                                                                                    \
    do {                                                                                                       \
        pa_large_slot *slot_ = cached_slot(fx, 10);                                                            \
        TS_CORRUPT(slot_->block, (addr) | PA_LARGE_CACHED, TS_CORRUPT(fx->h->large_cache.bins[2], (addr), body)); \
    } while (0)

static void large_cache_block_misaligned(void **state) {
    FX;
    AS_BIN2(BLK(10) + 8, ts_full_one(fx, "LARGE_CACHE_BLOCK",
                                     BIN2 "is misaligned: expected a multiple of 16, found 8 past one"));
}

/* Both cached (free) and live: it would be handed out twice. */
static void large_cache_block_live(void **state) {
    FX;
    AS_BIN2(BLK(15), ts_full_one(fx, "LARGE_CACHE_BLOCK",
                                 BIN2 "is also live in the large-block table: expected a block not live, found a "
                                      "live large block"));
}

/* Bin 1's oldest block cached again on bin 2: each list reaches one slot. */
static void large_cache_block_twice(void **state) {
    FX;
    static const char *const messages[] = {
        "heap: large cache bin 1 (640-byte blocks) member 1 is cached in more than one slot: expected a block "
        "cached once, found 2 cached slots",
        BIN2 "is cached in more than one slot: expected a block cached once, found 2 cached slots",
        NULL,
    };
    AS_BIN2(BLK(8), ts_full_all(fx, "LARGE_CACHE_BLOCK", messages));
}

/* ---- retention -------------------------------------------------------- */

static void retention_empty_arenas(void **state) {
    FX;
    TS_CORRUPT(fx->h->empty_arenas, 1u,
               ts_full_one(fx, "RETENTION_EMPTY_ARENAS",
                           "heap: empty_arenas differs from the arenas holding no block: expected 2, found 1"));
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

/* Within the bounds but off the doubling: 1 doubles to 2, 4, 8 (the most)
 * and 8 halves to 4, 2, 1, nothing gives 3; the pools' 16 doubles to 32
 * and 64, 64 halves to 32 and 16, nothing gives 48. */
static void retention_allowance_step(void **state) {
    FX;
    TS_CORRUPT(fx->h->arena_allowance, 3u,
               ts_full_one(fx, "RETENTION_ALLOWANCE_STEP",
                           "heap: arena_allowance is no value its rises and decays reach: expected 1 doubled, or 8 "
                           "halved, found 3"));
    TS_CORRUPT(fx->h->pool_allowance, 48u,
               ts_full_one(fx, "RETENTION_ALLOWANCE_STEP",
                           "heap: pool_allowance is no value its rises and decays reach: expected 16 doubled, or 64 "
                           "halved, found 48"));
}

/* The fixture keeps all arenas; under KEEP_ONE two wholly free ones are one
 * more than its allowance of 1 lets stay. */
static void retention_kept_arenas(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.empty_arenas, PA_EMPTY_ARENA_KEEP_ONE,
               ts_full_one(fx, "RETENTION_KEPT_ARENAS",
                           "heap: more arenas holding no block stay mapped than KEEP_ONE allows: expected at most 1, "
                           "found 2"));
}

static void retention_kept_arenas_release(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.empty_arenas, PA_EMPTY_ARENA_RELEASE,
               ts_full_one(fx, "RETENTION_KEPT_ARENAS",
                           "heap: more arenas holding no block stay mapped than RELEASE allows: expected at most 0, "
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

/* ---- the large-block table (64 slots, six blocks) ---------------------- */

/* Fake live blocks recorded until 33 of the 64 slots are taken: what a
 * table that forgot to grow would hold. Counted, so only the load is off. */
static void large_table_load(void **state) {
    FX;
    assert_int_equal(fx->h->large.capacity, 64);
    uintptr_t fake = (uintptr_t)1 << 45;
    for (size_t k = 0; k < 27; k++)
        pa_large_insert(fx->h, fake + k * 4096, 16);
    ts_full_one(fx, "LARGE_TABLE_LOAD",
                "heap: the large-block table is more than half full: expected at most 32 of 64 slots, found 33");
    for (size_t k = 0; k < 27; k++)
        pa_large_remove(fx->h, pa_large_find(&fx->h->large, fake + k * 4096));
}

/* An entry that ends its probe run moved to an empty slot after another
 * empty one: the slot it left, now empty, stops a lookup before it. */
static void large_table_probe(void **state) {
    FX;
    pa_large_slot *slots = fx->h->large.slots;
    size_t cap = fx->h->large.capacity, from = cap, to = cap;
    for (size_t s = 0; s < cap && from == cap; s++)
        if (slots[s].block && !slots[(s + 1) % cap].block)
            from = s;
    for (size_t j = 2; j < cap && to == cap; j++) {
        size_t t = (from + j) % cap;
        if (!slots[t].block && !slots[t - 1].block)
            to = t;
    }
    assert_true(from < cap && to < cap);
    pa_large_slot moved = slots[from], empty = {0, 0};
    ts_poke(&slots[to], &moved, sizeof moved);
    ts_poke(&slots[from], &empty, sizeof empty);
    ts_full_one(fx, "LARGE_TABLE_PROBE",
                ts_msg("heap: a lookup of the %s block in large-block table slot %zu does not find it: expected slot "
                       "%zu, found an empty slot or another slot first",
                       moved.block & PA_LARGE_CACHED ? "cached" : "live", to, to));
    ts_poke(&slots[from], &moved, sizeof moved);
    ts_poke(&slots[to], &empty, sizeof empty);
}

/* The fixture's two wholly free arenas keep their four pools committed
 * (DECOMMIT_NEVER); judged as if decommitting with at most 3 kept. */
static void retention_kept_pools(void **state) {
    FX;
    static const char *const messages[] = {
        "arena 0: more committed free pools stay than decommit_keep_pools_max allows: expected at most 3, found 4",
        "arena 1: more committed free pools stay than decommit_keep_pools_max allows: expected at most 3, found 4",
        NULL,
    };
    pa_config *cfg = &fx->h->config;
    TS_CORRUPT(cfg->decommit, PA_DECOMMIT_FREE_POOLS,
               TS_CORRUPT(cfg->decommit_keep_pools, 2u,
                          TS_CORRUPT(cfg->decommit_keep_pools_max, 3u,
                                     TS_CORRUPT(fx->h->pool_allowance, 3u,
                                                ts_full_all(fx, "RETENTION_KEPT_POOLS", messages)))));
}

/* ---- decay windows ------------------------------------------------------ */

/* The take that fills the window must end it (and judge the allowances). */
static void retention_window(void **state) {
    FX;
    TS_CORRUPT(fx->h->pool_takes, fx->h->allowance_raised_at + 4096,
               ts_full_one(fx, "RETENTION_WINDOW",
                           "heap: the retention window ran past its length without a decay: expected fewer than "
                           "4096 pool takes, found 4096"));
}

static void large_cache_window(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.window_takes, 16384u,
               ts_full_one(fx, "LARGE_CACHE_WINDOW",
                           "heap: the large cache's budget window ran past its length without a decay: expected "
                           "fewer than 16384 requests, found 16384"));
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
        R(large_cache_block_misaligned),
        R(large_cache_block_live),
        R(large_cache_block_twice),
        R(large_table_load),
        R(large_table_probe),
        R(retention_kept_pools),
        R(retention_window),
        R(large_cache_window),
        R(retention_empty_arenas),
        R(retention_committed_free),
        R(retention_low_water),
        R(retention_allowance),
        R(retention_allowance_pools),
        R(retention_allowance_step),
        R(retention_kept_arenas),
        R(retention_kept_arenas_release),
        R(retention_kept_arenas_after_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

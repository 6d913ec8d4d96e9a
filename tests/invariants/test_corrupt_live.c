/* One test per ghost-state invariant: the caller's live set against a real
 * heap (one partly used pool: 8 live blocks, a freelist of 3, block 11 on
 * never carved), with either the heap or the live set made wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"

static void live_clean(void **state) {
    FX;
    const void *live[8];
    size_t n = ts_one_pool_live(fx, live);
    pa_check_live_set(fx->h, live, n, fx->r);
    ts_expect_clean(fx->r, "the fixture's own live set");
}

static void live_not_owned(void **state) {
    FX;
    const void *live[9];
    int local = 0;
    size_t n = ts_one_pool_live(fx, live);
    live[n++] = &local;
    ts_live_one(fx, live, n, "LIVE_NOT_OWNED",
                ts_msg("heap: live block 0x%lx is not the heap's: expected a block of this heap, found in no arena, "
                       "not a large block",
                       (unsigned long)(uintptr_t)&local));
}

static void live_duplicate(void **state) {
    FX;
    const void *live[9];
    size_t n = ts_one_pool_live(fx, live);
    live[n++] = fx->blk[3];
    ts_live_one(fx, live, n, "LIVE_DUPLICATE",
                ts_msg("heap: live set names block 0x%lx more than once: expected once, found again",
                       (unsigned long)(uintptr_t)fx->blk[3]));
}

static void live_misaligned(void **state) {
    FX;
    const void *live[9];
    size_t n = ts_one_pool_live(fx, live);
    live[n++] = (const char *)fx->blk[0] + 8;
    ts_live_one(fx, live, n, "LIVE_MISALIGNED",
                ts_msg(AT " block +0x%zx: live block is not at a block boundary: expected +0x%zx + k * 48, found "
                          "+0x%zx",
                       AT_ARGS, ts_off(fx, 0) + 8, fx->first, ts_off(fx, 0) + 8));
}

static void live_in_free_pool(void **state) {
    FX;
    const void *live[9];
    size_t n = ts_one_pool_live(fx, live);
    live[n++] = (const void *)(fx->base + 63 * 16384 + fx->first);
    ts_live_one(fx, live, n, "LIVE_IN_FREE_POOL",
                ts_msg("arena %zu pool 63 block +0x%zx: live block in a free pool: expected a carved, committed "
                       "pool, found never carved",
                       fx->slot, fx->first));
}

/* The heap links live blk[0] after the freelist's last block (block 10):
 * handed out and free at once. */
static void live_and_free(void **state) {
    FX;
    const void *live[8];
    size_t n = ts_one_pool_live(fx, live);
    TS_CORRUPT(TS_LINK(ts_block(fx, 10)), (pa_block *)fx->blk[0],
               TS_CORRUPT(TS_LINK(fx->blk[0]), NULL,
                          ts_live_one(fx, live, n, "LIVE_AND_FREE",
                                      ts_msg(AT " block +0x%zx: live block is also free: expected not on the "
                                                "freelist, found on the freelist",
                                             AT_ARGS, ts_off(fx, 0)))));
}

static void live_and_never_carved(void **state) {
    FX;
    const void *live[9];
    size_t n = ts_one_pool_live(fx, live);
    live[n++] = (const void *)ts_block(fx, 20);
    ts_live_one(fx, live, n, "LIVE_AND_NEVER_CARVED",
                ts_msg(AT " block +0x%zx: live block was never carved: expected a carved block, found block 20, "
                          "carved 11",
                       AT_ARGS, ts_off(fx, 20)));
}

/* The freelist loses its tail (block 10): carved, not live, not free. */
static void live_unaccounted(void **state) {
    FX;
    const void *live[8];
    size_t n = ts_one_pool_live(fx, live);
    TS_CORRUPT(TS_LINK(fx->blk[2]), NULL,
               ts_live_one(fx, live, n, "LIVE_UNACCOUNTED",
                           ts_msg(AT " block +0x%zx: carved blocks neither live nor free (counted from this one): "
                                     "expected 0, found 1",
                                  AT_ARGS, ts_off(fx, 10))));
}

static void live_large_unaccounted(void **state) {
    FX;
    const void *live[8];
    size_t n = ts_one_pool_live(fx, live);
    void *big = pa_heap_malloc(fx->h, 5000);
    assert_non_null(big);
    ts_live_one(fx, live, n, "LIVE_LARGE_UNACCOUNTED",
                ts_msg("heap: large block 0x%lx (5000 bytes) is not live: expected live, found not in the live set",
                       (unsigned long)(uintptr_t)big));
    pa_heap_free(fx->h, big);
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        P(live_clean),
        P(live_not_owned),
        P(live_duplicate),
        P(live_misaligned),
        P(live_in_free_pool),
        P(live_and_free),
        P(live_and_never_carved),
        P(live_unaccounted),
        P(live_large_unaccounted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

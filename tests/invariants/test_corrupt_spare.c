/* The classes' spares (docs/ARCHITECTURE.md, "Spare pools"): each way a
 * spare can be wrong, on a real heap holding one, with exactly its
 * identifier and message; undone, the heap checks clean (the teardown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"

static pa_size_class *spare_class(ts_fx *fx) { return &fx->h->classes[fx->cls]; }

/* The class of the 100-byte block blk[1]. */
static size_t other_class(ts_fx *fx) {
    pa_pool_view v;
    uintptr_t pool = (uintptr_t)fx->blk[1] & ~(uintptr_t)(pa_heap_config(fx->h)->pool_size - 1);
    assert_int_equal(pa_introspect_pool(fx->h, pool, &v), 0);
    return v.size_class;
}

/* A class with no spare (blk[1]'s) is given a bogus one: the real spare
 * stays, so nothing else changes. */
static void spare_outside(void **state) {
    FX;
    int local;
    size_t k = other_class(fx);
    TS_CORRUPT(fx->h->classes[k].spare, (pa_pool *)&local,
               ts_full_one(fx, "CLASS_SPARE",
                           ts_msg("class %zu: spare is not a pool of the heap: expected a carved, committed pool, "
                                  "found 0x%" PRIxPTR " (in no arena)",
                                  k, (uintptr_t)&local)));
}

static void spare_never_carved(void **state) {
    FX;
    size_t k = other_class(fx);
    pa_pool *past = (pa_pool *)fx->arena->pool_address;
    TS_CORRUPT(fx->h->classes[k].spare, past,
               ts_full_one(fx, "CLASS_SPARE",
                           ts_msg("class %zu: spare is not a pool of the heap: expected a carved, committed pool, "
                                  "found 0x%" PRIxPTR " (never carved)",
                                  k, (uintptr_t)past)));
}

/* Class k's spare is a pool of class cls: reported at that pool. */
static void spare_other_class(void **state) {
    FX;
    size_t k = other_class(fx);
    pa_size_class *c = &fx->h->classes[k];
    /* the pool moves from its class to k, the arena's count stays right */
    TS_CORRUPT(spare_class(fx)->spare, (pa_pool *)NULL,
               TS_CORRUPT(c->spare, fx->pool,
                          ts_full_one(fx, "CLASS_SPARE",
                                      ts_msg(AT ": class %zu's spare is a pool of another class: expected class "
                                                "%zu, found class %zu",
                                             AT_ARGS, k, k, fx->cls))));
}

static void spare_on_used_list(void **state) {
    FX;
    /* the header is poisoned under ASan: written past it */
    pa_pool *none = NULL;
    ts_poke(&fx->pool->next, &none, sizeof none);
    ts_poke(&fx->pool->prev, &none, sizeof none);
    TS_CORRUPT(spare_class(fx)->used, fx->pool,
               TS_CORRUPT(spare_class(fx)->used_tail, fx->pool,
                          ts_full_one(fx, "CLASS_SPARE",
                                      ts_msg(AT ": class %zu's spare holds no block but is on a list: expected no "
                                                "list, found 1 used lists and 0 freepools lists",
                                             AT_ARGS, fx->cls))));
}

/* A heap told to keep no spares holds one: everything else about it sound. */
static void spare_with_spares_off(void **state) {
    FX;
    TS_CORRUPT(fx->h->config.keep_spare_pools, 0,
               ts_full_one(fx, "CLASS_SPARE",
                           ts_msg("class %zu: a spare with keep_spare_pools 0: expected none, found 0x%" PRIxPTR,
                                  fx->cls, (uintptr_t)fx->pool)));
}

static void arena_nspares(void **state) {
    FX;
    TS_CORRUPT(fx->arena->nspares, 2u,
               ts_full_one(fx, "ARENA_NSPARES",
                           ts_msg("arena %zu: nspares differs from the classes' spares in the arena: expected 1, "
                                  "found 2",
                                  fx->slot)));
}

/* An emptied pool that is its class's spare is on no list: healthy (the
 * setup checks it), and the list rule does not call it misplaced. */
static void spare_is_not_misplaced(void **state) {
    FX;
    pa_pool_view v;
    assert_int_equal(pa_introspect_pool(fx->h, (uintptr_t)fx->pool, &v), 0);
    assert_int_equal(v.count, 0);
    pa_arena_view av;
    assert_int_equal(pa_introspect_arena_slot(fx->h, fx->slot, &av), 0);
    assert_int_equal(av.nspares, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(spare_outside, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(spare_never_carved, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(spare_other_class, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(spare_on_used_list, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(spare_with_spares_off, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(arena_nspares, ts_setup_spare, ts_teardown),
        cmocka_unit_test_setup_teardown(spare_is_not_misplaced, ts_setup_spare, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

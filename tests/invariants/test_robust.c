/* The checker never crashes on a corrupt heap: random words of pool
 * headers, freelist links, arena objects, class entries and heap counters
 * are overwritten with hostile values (wild, NULL, unaligned, in-heap but
 * wrong, off by one), every check runs (under ASan in CI, so a stray read
 * is caught), then the word is put back and the heap must check clean.
 * Every test configuration, then a debug heap, whose full check also runs
 * the debug layer's scan of every block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

#define ROUNDS 3000

/* A word of the heap that a corruption may hit. */
typedef struct target {
    void *addr;
    size_t size;
} target;

static size_t pick_targets(const pa_heap *h, const ts_live *l, uint64_t *rng, target *t) {
    size_t n = 0;
    pa_heap *w = (pa_heap *)h;
    /* a pool header field of a live block's pool */
    if (l->n) {
        pa_pool *pool = pa_pool_of(h, l->p[ts_rand(rng) % l->n]);
        if (pa_introspect_owner(h, (uintptr_t)pool)) {
            t[n++] = (target){&pool->count, 4};
            t[n++] = (target){&pool->size_class, 4};
            t[n++] = (target){&pool->freeblock, 8};
            t[n++] = (target){&pool->next, 8};
            t[n++] = (target){&pool->prev, 8};
            t[n++] = (target){&pool->arena_slot, 4};
            t[n++] = (target){&pool->nextoffset, 4};
            t[n++] = (target){&pool->maxnextoffset, 4};
            pa_block *head;
            ts_peek(&pool->freeblock, &head, sizeof head);
            if (head)
                t[n++] = (target){&head->next, 8};
        }
    }
    size_t slot = ts_rand(rng) % w->arena_slots;
    pa_arena *a = &w->arenas[slot];
    t[n++] = (target){&a->base, 8};
    t[n++] = (target){&a->pool_address, 8};
    t[n++] = (target){&a->nfreepools, 4};
    t[n++] = (target){&a->ntotalpools, 4};
    t[n++] = (target){&a->ndecommitted, 4};
    t[n++] = (target){&a->freepools, 8};
    t[n++] = (target){&a->next, 8};
    t[n++] = (target){&a->prev, 8};
    t[n++] = (target){&a->decommitted[0], 8};
    size_t k = ts_rand(rng) % w->nclasses;
    t[n++] = (target){&w->classes[k].used, 8};
    t[n++] = (target){&w->classes[k].pools, 8};
    t[n++] = (target){&w->classes[k].capacity, 4};
    t[n++] = (target){&w->classes[k].first_offset, 4};
    t[n++] = (target){&w->usable_arenas, 8};
    t[n++] = (target){&w->unused_arenas, 8};
    t[n++] = (target){&w->last_with_free[ts_rand(rng) % (w->pools_per_arena + 1)], 8};
    t[n++] = (target){&w->arenas_current, 8};
    t[n++] = (target){&w->decommitted_pools, 8};
    t[n++] = (target){&w->owner_cache, 8};
    return n;
}

static uint64_t hostile(uint64_t old, const ts_live *l, uint64_t *rng) {
    uint64_t r = ts_rand(rng);
    switch (r % 8) {
    case 0:
        return 0;
    case 1:
        return old + 1;
    case 2:
        return old - 1;
    case 3:
        return old + 8;
    case 4:
        return l->n ? (uint64_t)(uintptr_t)l->p[(r >> 8) % l->n] : old ^ 1;
    case 5:
        return 0x1000;
    case 6:
        return old ^ ((uint64_t)1 << ((r >> 8) % 64));
    default:
        return r;
    }
}

static void robust(void **state) {
    (void)state;
    uint64_t rng = 12345;
    size_t reported = 0, rounds = 0;
    /* the last round of configurations is a debug heap: the checker runs
     * the debug layer's scan of every block too */
    for (int config = 0; config <= TS_NCONFIGS; config++) {
        pa_config cfg = ts_config(config % TS_NCONFIGS);
        cfg.debug = config == TS_NCONFIGS;
        pa_heap *h = pa_heap_create(&cfg);
        assert_non_null(h);
        pa_check_report *r = pa_check_report_new();
        ts_live l = {0};
        const void *touched[2];
        for (int i = 0; i < 3000; i++)
            ts_step(h, &l, &rng, touched);
        for (int round = 0; round < ROUNDS / TS_NCONFIGS; round++) {
            target t[40];
            size_t n = pick_targets(h, &l, &rng, t);
            target *x = &t[ts_rand(&rng) % n];
            uint64_t old = 0, bad;
            ts_peek(x->addr, &old, x->size);
            bad = hostile(old, &l, &rng);
            ts_poke(x->addr, &bad, x->size);
            const void *touch = l.n ? l.p[ts_rand(&rng) % l.n] : NULL;
            pa_check_incremental(h, &touch, 1, r);
            pa_check_heap(h, r);
            pa_check_live_set(h, (const void *const *)l.p, l.n, r);
            reported += pa_check_report_count(r) > 0;
            rounds++;
            ts_poke(x->addr, &old, x->size);
            pa_check_report_clear(r);
            pa_check_heap(h, r);
            pa_check_live_set(h, (const void *const *)l.p, l.n, r);
            ts_expect_clean(r, "after the word was put back");
        }
        ts_live_free(&l);
        pa_check_report_free(r);
        pa_heap_destroy(h);
    }
    /* Most hostile words are reported; the rest hit fields nothing reads
     * (a full pool's stale links, an unused arena object's counts) or left
     * a 32-bit field unchanged. */
    fprintf(stderr, "robust: %zu of %zu corruptions reported\n", reported, rounds);
    assert_true(reported * 10 >= rounds * 6);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(robust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

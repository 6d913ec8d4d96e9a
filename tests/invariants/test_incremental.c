/* The incremental check: it reports what an operation on the touched block
 * can have broken, and what it leaves alone the next full check reports.
 * docs/INVARIANTS.md lists which invariants it covers; these tests pin
 * both halves of that promise. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "large_table.h"
#include "radix.h"

static size_t incremental(ts_fx *fx, const void *touched) {
    pa_check_report_clear(fx->r);
    return pa_check_incremental(fx->h, &touched, 1, fx->r);
}

/* Caught: the incremental check reports exactly id (with the full check's
 * message when it is given). */
static void caught(ts_fx *fx, const void *touched, const char *id, const char *message) {
    incremental(fx, touched);
    if (message) {
        ts_expect_one(fx->r, id, message);
    } else {
        const char *ids[] = {id, NULL};
        ts_expect_ids(fx->r, ids);
    }
    pa_check_report_clear(fx->r);
}

/* Missed: the incremental check is silent, the next full check reports
 * exactly ids (NULL-terminated). */
static void missed_then_full_ids(ts_fx *fx, const void *touched, const char *const *ids) {
    assert_int_equal(incremental(fx, touched), 0);
    pa_check_options opt = {.os = &fx->os};
    pa_check_heap_opts(fx->h, &opt, fx->r);
    ts_expect_ids(fx->r, ids);
    pa_check_report_clear(fx->r);
}

static void missed_then_full(ts_fx *fx, const void *touched, const char *id) {
    const char *ids[] = {id, NULL};
    missed_then_full_ids(fx, touched, ids);
}

/* ---- caught: the touched pool, its class, its arena, O(1) counters ---- */

static void inc_freelist_cycle(void **state) {
    FX;
    size_t o2 = ts_off(fx, 2), o5 = ts_off(fx, 5);
    TS_CORRUPT(TS_LINK(fx->blk[2]), (pa_block *)fx->blk[5],
               caught(fx, fx->blk[0], "POOL_FREELIST_CYCLE",
                      ts_msg("arena %zu pool %zu block +0x%zx: freelist member 2 repeats an earlier member: "
                             "expected a list ending in NULL, found +0x%zx again",
                             fx->slot, fx->index, o2, o5)));
}

static void inc_count_range(void **state) {
    FX;
    TS_CORRUPT(fx->pool->count, (uint32_t)fx->cap + 1, caught(fx, fx->blk[7], "POOL_COUNT_RANGE", NULL));
}

static void inc_list_state(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, NULL,
               TS_CORRUPT(fx->h->classes[fx->cls].used, NULL,
                          caught(fx, fx->blk[0], "POOL_LIST_STATE",
                                 ts_msg("arena %zu pool %zu: partly used pool is on the wrong list: expected class "
                                        "2's used list, found not linked from its neighbours",
                                        fx->slot, fx->index))));
}

static void inc_class_geometry(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].first_offset, 64u, caught(fx, fx->blk[0], "CLASS_GEOMETRY", NULL));
}

static void inc_used_list_prev(void **state) {
    FX;
    TS_CORRUPT(fx->pool->prev, fx->pool, caught(fx, fx->blk[0], "CLASS_USED_LIST_PREV", NULL));
}

static void inc_used_list_tail(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, (pa_pool *)NULL,
               caught(fx, fx->blk[0], "CLASS_USED_LIST_TAIL",
                      "class 2: used_tail is not the last pool of the used list: expected a pool whose next is "
                      "NULL, found 0x0"));
}

/* A list of one pool is read once for its tail and its head: a head and
 * tail that name no pool in use are both reported, as two reads would. */
static void inc_used_list_one_unreadable(void **state) {
    FX;
    pa_pool *uncarved = (pa_pool *)fx->arena->pool_address;
    const char *ids[] = {"CLASS_USED_LIST_TAIL", "CLASS_USED_LIST_LINK", "POOL_LIST_STATE", NULL};
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, uncarved,
               TS_CORRUPT(fx->h->classes[fx->cls].used, uncarved, {
                   incremental(fx, fx->blk[0]);
                   ts_expect_ids(fx->r, ids);
                   assert_string_equal(pa_check_report_message(fx->r, 1),
                                       ts_msg("class 2: used list member 0 is not a pool in use: expected a carved, "
                                              "committed pool, found 0x%" PRIxPTR,
                                              (uintptr_t)uncarved));
                   pa_check_report_clear(fx->r);
               }));
}

static void inc_nfreepools(void **state) {
    FX;
    TS_CORRUPT(fx->arena->nfreepools, fx->arena->nfreepools + 1, caught(fx, fx->blk[0], "ARENA_NFREEPOOLS", NULL));
}

static void inc_arenas_totals(void **state) {
    FX;
    TS_CORRUPT(fx->h->arenas_released_total, (uint64_t)1, caught(fx, fx->blk[0], "HEAP_ARENAS_TOTALS", NULL));
}

static void inc_owner_cache(void **state) {
    FX;
    TS_CORRUPT(*pa_owner_slot(fx->h, fx->base), fx->base + 8, caught(fx, fx->blk[0], "HEAP_OWNER_CACHE", NULL));
}

/* The checker skips empty slots 16 at a time: a stray entry alone at the
 * end of a group far from every live arena's slot is still read. */
static void inc_owner_cache_lone_slot(void **state) {
    FX;
    size_t home = (size_t)(pa_owner_slot(fx->h, fx->base) - fx->h->owner_cache);
    size_t lone = (home / 16 + 8) % 16 * 16 + 15;
    TS_CORRUPT(fx->h->owner_cache[lone], (uintptr_t)0x1000,
               caught(fx, fx->blk[0], "HEAP_OWNER_CACHE",
                      ts_msg("heap: owner_cache slot %zu names no live arena: expected 0 or the last byte of a "
                             "live arena that maps here, found 0x1000",
                             lone)));
}

/* A well-formed entry (the last byte of the arena at base, at its home
 * slot) that the ownership map does not give back: the incremental check
 * walks the map itself, and every way the walk can end short is a stray. */
static void stray_arena_caught(ts_fx *fx, uintptr_t base) {
    uintptr_t *slot = pa_owner_slot(fx->h, base);
    uintptr_t entry = base + pa_heap_config(fx->h)->arena_size - 1;
    TS_CORRUPT(*slot, entry,
               caught(fx, fx->blk[0], "HEAP_OWNER_CACHE",
                      ts_msg("heap: owner_cache slot %zu names no live arena: expected 0 or the last byte of a "
                             "live arena that maps here, found 0x%lx",
                             (size_t)(slot - fx->h->owner_cache), (unsigned long)entry)));
}

/* The arena after blk[0]'s: its leaf is there, naming no arena. */
static void inc_owner_cache_unmapped(void **state) {
    FX;
    uintptr_t next = fx->base + pa_heap_config(fx->h)->arena_size;
    assert_int_equal(pa_radix_get(&fx->h->radix, next), 0);
    stray_arena_caught(fx, next);
}

/* Arenas whose mid node, or whose leaf, the map never made. */
static void inc_owner_cache_no_leaf(void **state) {
    FX;
    const pa_radix *m = &fx->h->radix;
    uintptr_t no_mid = fx->base ^ ((uintptr_t)1 << m->shift_root);
    uintptr_t no_leaf = fx->base ^ ((uintptr_t)1 << m->shift_mid);
    assert_null(m->root[no_mid >> m->shift_root]);
    void **mid = m->root[no_leaf >> m->shift_root];
    assert_non_null(mid);
    assert_null(mid[(no_leaf >> m->shift_mid) & m->mask_mid]);
    stray_arena_caught(fx, no_mid);
    stray_arena_caught(fx, no_leaf);
}

/* The map names, for the next arena's address, an arena object past the
 * table, then blk[0]'s (live, at another base). */
static void inc_owner_cache_misnamed(void **state) {
    FX;
    uintptr_t next = fx->base + pa_heap_config(fx->h)->arena_size;
    assert_int_equal(pa_radix_set(fx->h, next, (uint32_t)fx->h->arena_slots + 1), 0);
    stray_arena_caught(fx, next);
    assert_int_equal(pa_radix_set(fx->h, next, (uint32_t)fx->slot + 1), 0);
    stray_arena_caught(fx, next);
    assert_int_equal(pa_radix_set(fx->h, next, 0), 0);
}

/* blk[0] is in arena A (1 free pool); B holds last_with_free[2]. */
static void inc_usable_index(void **state) {
    FX;
    TS_CORRUPT(fx->h->last_with_free[1], fx->three[1], caught(fx, fx->blk[0], "USABLE_INDEX", NULL));
}

static void expect_head_skips_a(ts_fx *fx) {
    const char *ids[] = {"USABLE_LIST_PREV", "USABLE_LIST_MEMBERSHIP", NULL};
    incremental(fx, fx->blk[0]);
    ts_expect_ids(fx->r, ids);
    pa_check_report_clear(fx->r);
}

/* The list starts at B: A is off it and B's prev still names A, two
 * faults the full check reports too. */
static void inc_usable_membership(void **state) {
    FX;
    TS_CORRUPT(fx->h->usable_arenas, fx->three[1], expect_head_skips_a(fx));
}

/* ---- missed by the incremental check, caught by the full one ---------- */

static void miss_class_pools(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].pools, (size_t)5, missed_then_full(fx, fx->blk[0], "CLASS_POOLS"));
}

/* The freelist of a pool in arena C while a block in arena A is touched. */
static void miss_other_pool(void **state) {
    FX;
    pa_pool *pool = fx->three[2]->base ? (pa_pool *)fx->three[2]->base : NULL;
    assert_non_null(pool);
    pa_block *head;
    ts_peek(&pool->freeblock, &head, sizeof head);
    assert_non_null(head);
    TS_CORRUPT(TS_LINK(head), head, missed_then_full(fx, fx->blk[0], "POOL_FREELIST_CYCLE"));
}

/* Counters that agree with each other but not with the arenas (a heap that
 * forgot an arena): only a walk can tell. */
static void miss_forgotten_arena(void **state) {
    FX;
    static const char *const ids[] = {"HEAP_ARENAS_CURRENT", "HEAP_ARENAS_TOTALS", "HEAP_ARENAS_HIGHWATER",
                                      "HEAP_ARENA_BYTES", NULL};
    TS_CORRUPT(fx->h->arenas_current, (size_t)2,
               TS_CORRUPT(fx->h->arenas_allocated_total, (uint64_t)2,
                          TS_CORRUPT(fx->h->arenas_highwater, (size_t)2,
                                     TS_CORRUPT(fx->h->arena_bytes_mapped, (size_t)2 * 16384,
                                                missed_then_full_ids(fx, fx->blk[0], ids)))));
}

/* Usable list A, C, B: the fault is between C and B, away from A. */
static void miss_far_order(void **state) {
    FX;
    pa_arena *a = fx->three[0], *b = fx->three[1], *c = fx->three[2];
    TS_CORRUPT(a->next, c,
               TS_CORRUPT(c->prev, a,
                          TS_CORRUPT(c->next, b,
                                     TS_CORRUPT(b->prev, c,
                                                TS_CORRUPT(b->next, NULL,
                                                           missed_then_full(fx, fx->blk[0],
                                                                            "USABLE_LIST_ORDER"))))));
}

static void miss_unused_list(void **state) {
    FX;
    pa_arena *u = fx->h->unused_arenas;
    TS_CORRUPT(fx->h->unused_arenas, u->next, missed_then_full(fx, fx->blk[0], "UNUSED_LIST_MEMBERSHIP"));
}

static void miss_large_bytes(void **state) {
    FX;
    TS_CORRUPT(fx->h->large.bytes, (size_t)7, missed_then_full(fx, fx->blk[0], "HEAP_LARGE_BYTES"));
}

static void miss_owner_map(void **state) {
    FX;
    uintptr_t stray = fx->base ^ ((uintptr_t)1 << 41);
    assert_int_equal(pa_radix_set(fx->h, stray, (uint32_t)fx->slot + 1), 0);
    missed_then_full(fx, fx->blk[0], "OWNER_MAP_STRAY");
    assert_int_equal(pa_radix_set(fx->h, stray, 0), 0);
}

/* ---- memory kept for reuse: O(1) bounds caught, walks left ------------- */

static void inc_retention_allowance(void **state) {
    FX;
    TS_CORRUPT(fx->h->arena_allowance, 0u,
               caught(fx, fx->blk[15], "RETENTION_ALLOWANCE",
                      "heap: arena_allowance is outside [1, empty_arenas_max]: expected 1..8, found 0"));
}

/* Both windows are judged after every step: the step that overruns one. */
static void inc_reuse_windows(void **state) {
    FX;
    TS_CORRUPT(fx->h->pool_takes, fx->h->allowance_raised_at + 4097,
               caught(fx, fx->blk[15], "RETENTION_WINDOW",
                      "heap: the retention window ran past its length without a decay: expected fewer than 4096 "
                      "pool takes, found 4097"));
    TS_CORRUPT(fx->h->large_cache.window_takes, 16385u,
               caught(fx, fx->blk[15], "LARGE_CACHE_WINDOW",
                      "heap: the large cache's budget window ran past its length without a decay: expected fewer "
                      "than 16384 requests, found 16385"));
}

/* Checked after every step: a head past the ring would be read on the
 * next free. */
static void inc_quarantine_ring(void **state) {
    FX;
    TS_CORRUPT(fx->h->quarantine_head, (size_t)4,
               caught(fx, NULL, "DEBUG_QUARANTINE_RING",
                      "heap: the debug quarantine's oldest block is outside its ring: expected below 4, found 4"));
}

/* The counter over the bound: the full check, which sums the bins, reports
 * the counter as wrong instead. */
static void inc_large_cache_limit(void **state) {
    FX;
    TS_CORRUPT(fx->h->large_cache.bytes, (size_t)2 << 20,
               caught(fx, fx->blk[15], "LARGE_CACHE_ACCOUNTING",
                      "heap: the large cache holds more bytes than its budget: expected at most 1048576, "
                      "found 2097152"));
}

static void miss_large_cache_list(void **state) {
    FX;
    pa_large_slot *slot = pa_large_find_cached(&fx->h->large, (uintptr_t)fx->blk[8]);
    assert_non_null(slot);
    TS_CORRUPT(slot->size, (uintptr_t)fx->blk[8], missed_then_full(fx, fx->blk[15], "LARGE_CACHE_LIST"));
}

static void miss_empty_arenas(void **state) {
    FX;
    TS_CORRUPT(fx->h->empty_arenas, 3u, missed_then_full(fx, fx->blk[15], "RETENTION_EMPTY_ARENAS"));
}

static void touch_three(ts_fx *fx) {
    const void *touched[4] = {fx->blk[0], fx->blk[1], fx->blk[3], NULL};
    const char *ids[] = {"POOL_ARENA_SLOT", NULL};
    pa_check_report_clear(fx->r);
    pa_check_incremental(fx->h, touched, 4, fx->r);
    ts_expect_ids(fx->r, ids);
    pa_check_report_clear(fx->r);
}

/* 8-byte alignment to 4096 has the most classes (PA_MAX_CLASSES, 76): a
 * class past the 64th (64: 640 bytes) is checked once like any other, and
 * apart from the class 64 below it (0: 8 bytes), touched first. */
static void inc_class_past_64(void **state) {
    (void)state;
    pa_config cfg = pa_config_default();
    cfg.alignment = 8;
    cfg.small_threshold = PA_MAX_THRESHOLD;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    assert_int_equal(pa_config_class_count(&cfg), PA_MAX_CLASSES);
    assert_int_equal(pa_config_class_size(&cfg, 64), 640);
    pa_check_report *r = pa_check_report_new();
    assert_non_null(r);
    const void *touched[] = {pa_heap_malloc(h, 8), pa_heap_malloc(h, 640), pa_heap_malloc(h, 4096)};
    for (size_t i = 0; i < 3; i++)
        assert_non_null(touched[i]);
    assert_int_equal(pa_check_incremental(h, touched, 3, r), 0);
    /* the first class past bit 63 of a word, and the last class */
    static const struct {
        size_t cls, block;
    } past64[] = {{64, 640}, {75, 4096}};
    for (size_t i = 0; i < sizeof past64 / sizeof past64[0]; i++) {
        char want[200];
        snprintf(want, sizeof want,
                 "class %zu: layout differs from the configuration: expected block_size %zu, first_offset 64, "
                 "found block_size %zu, first_offset 128",
                 past64[i].cls, past64[i].block, past64[i].block);
        TS_CORRUPT(h->classes[past64[i].cls].first_offset, 128u, {
            pa_check_incremental(h, touched, 3, r);
            ts_expect_one(r, "CLASS_GEOMETRY", want);
            pa_check_report_clear(r);
        });
    }
    pa_check_heap(h, r);
    ts_expect_clean(r, "class past 64 put back");
    for (size_t i = 0; i < 3; i++)
        pa_heap_free(h, (void *)touched[i]);
    pa_check_report_free(r);
    pa_heap_destroy(h);
}

/* Touching several blocks of one pool checks it once: one report. */
static void inc_dedup(void **state) {
    FX;
    TS_CORRUPT(fx->pool->arena_slot, 9u, touch_three(fx));
}

/* An op touching blocks in hundreds of pools (alloc_many): every pool is
 * checked, and once however many of its blocks come and when. */
static void inc_many_pools(void **state) {
    (void)state;
    pa_config cfg = pa_config_default();
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    pa_check_report *r = pa_check_report_new();
    assert_non_null(r);
    enum { N = 1200 };
    static const void *touched[N + 1];
    static uintptr_t pool[N];
    static uint32_t saved[N];
    uintptr_t mask = ~(uintptr_t)(cfg.pool_size - 1);
    size_t pools = 0;
    for (size_t i = 0; i < N; i++) {
        touched[i] = pa_heap_malloc(h, cfg.small_threshold);
        assert_non_null(touched[i]);
        uintptr_t at = (uintptr_t)touched[i] & mask;
        if (!pools || pool[pools - 1] != at)
            pool[pools++] = at;
    }
    assert_true(pools >= 300); /* far more than one op's usual few */
    touched[N] = touched[0];   /* the first pool again, last */
    assert_int_equal(pa_check_incremental(h, touched, N + 1, r), 0);
    for (size_t i = 0; i < pools; i++) {
        ts_peek(&((pa_pool *)pool[i])->arena_slot, &saved[i], sizeof saved[i]);
        uint32_t wrong = 9;
        ts_poke(&((pa_pool *)pool[i])->arena_slot, &wrong, sizeof wrong);
    }
    assert_int_equal(pa_check_incremental(h, touched, N + 1, r), pools);
    for (size_t i = 0; i < pools; i++) {
        assert_string_equal(pa_check_report_id(r, i), "POOL_ARENA_SLOT");
        ts_poke(&((pa_pool *)pool[i])->arena_slot, &saved[i], sizeof saved[i]);
    }
    pa_check_report_clear(r);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, (void *)touched[i]);
    pa_check_heap(h, r);
    ts_expect_clean(r, "many pools put back");
    pa_check_report_free(r);
    pa_heap_destroy(h);
}

/* ---- with a record of the freelists: the same reports ----------------- */

/* The incremental check with a record reports what one without reports, id
 * for id and message for message: the record saves the walk, not a read. */
static void same_with_record(ts_fx *fx, pa_check_record *m, const char *id) {
    const void *touched = fx->blk[0];
    assert_int_equal(incremental(fx, touched), 1);
    assert_string_equal(pa_check_report_id(fx->r, 0), id);
    char plain[512];
    snprintf(plain, sizeof plain, "%s", pa_check_report_message(fx->r, 0));
    pa_check_report_clear(fx->r);
    assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 1);
    assert_string_equal(pa_check_report_id(fx->r, 0), id);
    assert_string_equal(pa_check_report_message(fx->r, 0), plain);
    pa_check_report_clear(fx->r);
}

static void inc_record_same_reports(void **state) {
    FX;
    for (size_t i = 1; i < 9; i++)
        if (i != 2 && i != 5)
            pa_heap_free(fx->h, fx->blk[i]);
    pa_check_record *m = pa_check_record_new();
    const void *touched = fx->blk[0];
    /* a passing check records the list; the next one reads it from there */
    for (int pass = 0; pass < 2; pass++)
        assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 0);
    /* the eight blocks freed, then the one carved ahead of need */
    uintptr_t member[16];
    size_t n = 0;
    /* the heap's metadata and free blocks are poisoned under ASan: peeked */
    uintptr_t b;
    ts_peek(&fx->pool->freeblock, &b, sizeof b);
    for (; b && n < 16; ts_peek(&TS_LINK(b), &b, sizeof b))
        member[n++] = b;
    assert_int_equal(n, 9);
    /* member 5 lies past the four at the head a recorded check walks */
    TS_CORRUPT(TS_LINK(member[5]), NULL, same_with_record(fx, m, "POOL_BLOCK_ACCOUNTING"));
    TS_CORRUPT(TS_LINK(member[5]), (pa_block *)member[1], same_with_record(fx, m, "POOL_FREELIST_CYCLE"));
    TS_CORRUPT(TS_LINK(member[5]), (pa_block *)(member[6] + 8), same_with_record(fx, m, "POOL_FREELIST_MISALIGNED"));
    TS_CORRUPT(TS_LINK(member[5]), (pa_block *)((uintptr_t)fx->pool + pa_heap_config(fx->h)->pool_size - 8),
               same_with_record(fx, m, "POOL_FREELIST_OUT_OF_RANGE"));
    TS_CORRUPT(TS_LINK(member[n - 1]), (pa_block *)member[0], same_with_record(fx, m, "POOL_FREELIST_CYCLE"));
    TS_CORRUPT(fx->pool->freeblock, (pa_block *)member[3], same_with_record(fx, m, "POOL_BLOCK_ACCOUNTING"));
    assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 0);
    pa_check_record_free(m);
}

/* ---- with a record of the owner cache: every slot still judged -------- */

/* A slot written after the record was taken is judged, wherever it is: at
 * the touched block's arena's home, or alone in a group far from it. */
static void inc_record_owner_cache_written(void **state) {
    FX;
    pa_check_record *m = pa_check_record_new();
    const void *touched = fx->blk[0];
    for (int pass = 0; pass < 2; pass++)
        assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 0);
    size_t home = (size_t)(pa_owner_slot(fx->h, fx->base) - fx->h->owner_cache);
    size_t lone = (home / 16 + 8) % 16 * 16 + 15;
    TS_CORRUPT(*pa_owner_slot(fx->h, fx->base), fx->base + 8, same_with_record(fx, m, "HEAP_OWNER_CACHE"));
    /* a report drops the record: a passing check takes it again */
    assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 0);
    TS_CORRUPT(fx->h->owner_cache[lone], (uintptr_t)0x1000, same_with_record(fx, m, "HEAP_OWNER_CACHE"));
    assert_int_equal(pa_check_incremental_recorded(fx->h, m, &touched, 1, fx->r), 0);
    pa_check_record_free(m);
}

/* An arena released with its slot left as the record has it (a release
 * that forgot the cache): the slot equals the record, but the arena totals
 * moved, so every slot is judged again. */
static void inc_record_owner_cache_released(void **state) {
    (void)state;
    pa_config cfg = pa_config_default();
    cfg.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    pa_check_report *r = pa_check_report_new();
    pa_check_record *m = pa_check_record_new();
    void *p = pa_heap_malloc(h, 48), *q = pa_heap_malloc(h, 48);
    assert_non_null(p);
    assert_non_null(q);
    pa_heap_free(h, p); /* a free fills its arena's slot */
    uintptr_t *slot = pa_owner_slot(h, (uintptr_t)q);
    uintptr_t entry = *slot;
    assert_int_equal(entry, ((uintptr_t)q | (cfg.arena_size - 1)));
    const void *touched = p;
    assert_int_equal(pa_check_incremental_recorded(h, m, &touched, 1, r), 0);
    pa_heap_free(h, q);
    assert_int_equal(h->arenas_released_total, 1);
    assert_int_equal(*slot, 0);
    *slot = entry;
    touched = q;
    assert_int_equal(pa_check_incremental_recorded(h, m, &touched, 1, r), 1);
    ts_expect_one(r, "HEAP_OWNER_CACHE",
                  ts_msg("heap: owner_cache slot %zu names no live arena: expected 0 or the last byte of a live arena "
                         "that maps here, found 0x%lx",
                         (size_t)(slot - h->owner_cache), (unsigned long)entry));
    *slot = 0;
    pa_check_report_clear(r);
    assert_int_equal(pa_check_incremental_recorded(h, m, &touched, 1, r), 0);
    pa_check_record_free(m);
    pa_check_report_free(r);
    assert_int_equal(pa_heap_destroy(h), 0);
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)
#define T3(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_three_arenas, ts_teardown)
#define R(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_reuse, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        P(inc_freelist_cycle),
        P(inc_count_range),
        P(inc_list_state),
        P(inc_class_geometry),
        P(inc_used_list_prev),
        P(inc_used_list_tail),
        P(inc_used_list_one_unreadable),
        P(inc_nfreepools),
        P(inc_arenas_totals),
        P(inc_owner_cache),
        P(inc_owner_cache_lone_slot),
        P(inc_owner_cache_unmapped),
        P(inc_owner_cache_no_leaf),
        P(inc_owner_cache_misnamed),
        P(inc_record_owner_cache_written),
        cmocka_unit_test(inc_record_owner_cache_released),
        T3(inc_usable_index),
        T3(inc_usable_membership),
        P(inc_dedup),
        cmocka_unit_test(inc_many_pools),
        P(inc_record_same_reports),
        cmocka_unit_test(inc_class_past_64),
        P(miss_class_pools),
        T3(miss_other_pool),
        T3(miss_forgotten_arena),
        T3(miss_far_order),
        T3(miss_unused_list),
        T3(miss_large_bytes),
        T3(miss_owner_map),
        R(inc_retention_allowance),
        R(inc_large_cache_limit),
        R(inc_reuse_windows),
        cmocka_unit_test_setup_teardown(inc_quarantine_ring, ts_setup_debug, ts_teardown),
        R(miss_large_cache_list),
        R(miss_empty_arenas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

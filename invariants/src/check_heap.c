/* The full check: every arena, every list, every pool, every counter. The
 * order matters: structure first, so later checks only compare what the
 * earlier ones found readable, and one fault is reported once, by the check
 * closest to it, not again by every sum it disturbs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

void chk_heap_counters(chk_base *b, size_t live) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    uint64_t net = hv->arenas_allocated_total - hv->arenas_released_total;
    if (net != live)
        chk_report(b->r, CHK_HEAP_ARENAS_TOTALS, &at, CHK_NUM(live),
                   CHK_STR("%llu - %llu = %llu", (unsigned long long)hv->arenas_allocated_total,
                           (unsigned long long)hv->arenas_released_total, (unsigned long long)net),
                   "arenas allocated minus released differs from the arenas in use");
    if (hv->arenas_highwater < live)
        chk_report(b->r, CHK_HEAP_ARENAS_HIGHWATER, &at, CHK_STR(">= %zu", live), CHK_NUM(hv->arenas_highwater),
                   "arenas_highwater is below the arenas in use");
    else if (hv->arenas_highwater > hv->arenas_allocated_total)
        chk_report(b->r, CHK_HEAP_ARENAS_HIGHWATER, &at,
                   CHK_STR("at most %llu", (unsigned long long)hv->arenas_allocated_total),
                   CHK_NUM(hv->arenas_highwater), "arenas_highwater is above the arenas ever allocated");
    if (hv->arena_bytes_mapped != live * hv->config.arena_size)
        chk_report(b->r, CHK_HEAP_ARENA_BYTES, &at, CHK_NUM(live * hv->config.arena_size),
                   CHK_NUM(hv->arena_bytes_mapped), "arena_bytes_mapped differs from %zu arenas", live);
}

/* The cache is compared, not trusted: a slot that names an arena must name
 * a live one, at the slot its base maps to, or a free could skip the map for
 * memory no longer the heap's. */
static int cached_arena_live(chk_base *b, const pa_arena_view *sorted, size_t n, uintptr_t base) {
    pa_arena_view a;
    if (sorted) {
        const pa_arena_view *hit = chk_find_arena(sorted, n, base, b->hv.config.arena_size);
        return hit && hit->base == base;
    }
    uintptr_t object;
    if (pa_introspect_owner_base(b->heap, base, &object) == base && base)
        return 1;
    /* An arena too broken to be placed is reported by ARENA_*. */
    return object && pa_introspect_arena(b->heap, object, &a) == 0 && !chk_arena_sound(b, &a);
}

/* Where the cache keeps a base: its arena number modulo the slots, by a
 * mask when the count is a power of two (the heap's is), a division
 * otherwise; fixed for one check. */
typedef struct cache_geometry {
    uintptr_t low; /* arena_size - 1: the low bits of every entry */
    unsigned shift;
    size_t nslots, mask; /* mask 0: divide */
} cache_geometry;

static size_t home_slot(const cache_geometry *g, uintptr_t base) {
    uintptr_t number = base >> g->shift;
    return g->mask ? number & g->mask : number % g->nslots;
}

static __attribute__((cold, noinline)) void owner_slot_stray(chk_base *b, size_t slot, uintptr_t entry) {
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, CHK_HEAP_OWNER_CACHE, &at, "0 or the last byte of a live arena that maps here",
               CHK_STR("0x%" PRIxPTR, entry), "owner_cache slot %zu names no live arena", slot);
}

static __attribute__((cold, noinline)) void owner_slot(chk_base *b, const cache_geometry *g, const pa_arena_view *sorted,
                                                 size_t n, size_t slot, uintptr_t entry) {
    uintptr_t base = entry & ~g->low;
    if ((entry & g->low) != g->low || home_slot(g, base) != slot || !cached_arena_live(b, sorted, n, base))
        owner_slot_stray(b, slot, entry);
}

/* The ownership map as the incremental check walks it, from an arena
 * number: the same three loads as pa_introspect_owner_base, without a call
 * per slot. Slots run in arena-number order, so neighbours mostly share a
 * leaf: the last one found this check is kept. */
typedef struct map_walk {
    uintptr_t form; /* an entry's low bits and home-slot bits: low | home_mask << shift */
    uintptr_t low;
    unsigned shift, leaf_bits, mid_bits;
    const void *const *root;
    uintptr_t mask_mid, mask_leaf;
    uintptr_t first_base;
    size_t arena_stride, arena_slots;
    uintptr_t leaf_key; /* number >> leaf_bits of the leaf below, never NULL once found */
    const uint32_t *leaf;
} map_walk;

/* 0 when the map or the cache's geometry is not the one the walk assumes:
 * every slot then takes owner_slot's path. */
static int map_walk_init(map_walk *w, const chk_base *b, const cache_geometry *g) {
    pa_owner_map_view m;
    pa_introspect_owner_map(b->heap, &m);
    *w = (map_walk){.form = g->low | g->mask << g->shift,
                    .low = g->low,
                    .shift = g->shift,
                    .leaf_bits = m.shift_mid - m.shift,
                    .mid_bits = m.shift_root - m.shift_mid,
                    .root = m.root,
                    .mask_mid = m.mask_mid,
                    .mask_leaf = m.mask_leaf,
                    .first_base = m.first_base,
                    .arena_stride = m.arena_stride,
                    .arena_slots = m.arena_slots,
                    .leaf_key = UINTPTR_MAX, /* above any key while shift_mid > 0 */
                    .leaf = NULL};
    return g->mask && (g->mask << g->shift) >> g->shift == g->mask && m.shift == g->shift &&
           m.shift_mid > m.shift && m.shift_root >= m.shift_mid;
}

static const uint32_t *leaf_of(const map_walk *w, uintptr_t key) {
    const void *const *mid = w->root[key >> w->mid_bits];
    return mid ? mid[key & w->mask_mid] : NULL;
}

/* The incremental check's first look at a slot: a well-formed entry (its
 * low bits set, its arena number at home here, not 0) whose base the map
 * gives back. Anything else goes to owner_slot, which reports it or excuses
 * an arena too broken to be placed. */
static inline int slot_confirmed(map_walk *w, size_t slot, uintptr_t entry) {
    uintptr_t number = entry >> w->shift;
    if ((entry & w->form) != (w->low | (uintptr_t)slot << w->shift) || !number)
        return 0;
    uintptr_t key = number >> w->leaf_bits;
    if (key != w->leaf_key) {
        const uint32_t *leaf = leaf_of(w, key);
        if (!leaf)
            return 0;
        w->leaf_key = key;
        w->leaf = leaf;
    }
    size_t id = w->leaf[number & w->mask_leaf];
    return id - 1 < w->arena_slots &&
           *(const uintptr_t *)(w->first_base + (id - 1) * w->arena_stride) == number << w->shift;
}

/* Every slot is read, each op: a stray entry anywhere is found at once. */
void chk_owner_cache(chk_base *b, const pa_arena_view *sorted, size_t n) {
    enum { GROUP = 16 };
    const uintptr_t *cache = pa_introspect_owner_cache_all(b->heap);
    size_t nslots = b->hv.owner_cache_slots, slot = 0;
    cache_geometry g = {b->hv.config.arena_size - 1, (unsigned)__builtin_ctzl(b->hv.config.arena_size), nslots,
                        (nslots & (nslots - 1)) == 0 ? nslots - 1 : 0};
    /* the full check places every arena itself: its sorted table answers */
    map_walk w;
    int walk = map_walk_init(&w, b, &g) && !sorted;
    /* most slots are empty: a group is read as one OR of its words */
    for (; slot + GROUP <= nslots; slot += GROUP) {
        uintptr_t any = 0;
        for (size_t i = 0; i < GROUP; i++)
            any |= cache[slot + i];
        if (!any)
            continue;
        /* unrolled, an empty slot costs its load and test (8 measured no better) */
#pragma GCC unroll 4
        for (size_t i = slot; i < slot + GROUP; i++)
            if (cache[i] && !(walk && slot_confirmed(&w, i, cache[i])))
                owner_slot(b, &g, sorted, n, i, cache[i]);
    }
    for (; slot < nslots; slot++)
        if (cache[slot] && !(walk && slot_confirmed(&w, slot, cache[slot])))
            owner_slot(b, &g, sorted, n, slot, cache[slot]);
}

static void on_free_pool(void *ctx, const pa_arena_view *a, size_t index) {
    chk_full *c = ctx;
    c->pools[a->slot * c->b.hv.pools_per_arena + index].free_hits++;
}

static void arenas(chk_full *c) {
    chk_base *b = &c->b;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        chk_arena_rec *ar = &c->arenas[s];
        ar->read = pa_introspect_arena_slot(b->heap, s, &ar->v) == 0;
        if (!ar->read || !ar->v.base)
            continue;
        /* only live arenas' pools are recorded: only theirs start empty */
        memset(&c->pools[s * b->hv.pools_per_arena], 0, b->hv.pools_per_arena * sizeof *c->pools);
        c->t.live_arenas++;
        chk_arena(b, &ar->v, &ar->f, on_free_pool, c);
        if (ar->f.sound) {
            c->t.sound_arenas++;
            c->t.decommitted_all += ar->f.decommitted_all;
        }
    }
}

static void heap_counters(chk_full *c) {
    chk_base *b = &c->b;
    chk_loc at = chk_at_heap(b->heap);
    size_t live = c->t.live_arenas;
    if (b->hv.arenas_current != live)
        chk_report(b->r, CHK_HEAP_ARENAS_CURRENT, &at, CHK_NUM(live), CHK_NUM(b->hv.arenas_current),
                   "arenas_current differs from the arena objects with an arena");
    chk_heap_counters(b, live);
    /* An arena too broken to be placed would leave the cache dangling. */
    if (c->t.sound_arenas == live)
        chk_owner_cache(b, c->sorted, c->nsorted);
    if (c->t.sound_arenas == live && b->hv.decommitted_pools != c->t.decommitted_all)
        chk_report(b->r, CHK_HEAP_DECOMMITTED_POOLS, &at, CHK_NUM(c->t.decommitted_all),
                   CHK_NUM(b->hv.decommitted_pools), "decommitted_pools differs from the arenas' bitmaps");
}

/* The decommit run: pools marked decommitted whose pages the OS layer has
 * not yet been asked for. Its pools, or -1 when where they lie is broken
 * (reported): the OS layer's decommitted bytes are then left unjudged. A
 * wrong maximum is reported and judged against the configuration's. */
static long decommit_run(chk_full *c) {
    chk_base *b = &c->b;
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    size_t slot = hv->decommit_run_slot, first = hv->decommit_run_first, pools = hv->decommit_run_pools;
    size_t max = hv->config.decommit_run_pools < hv->pools_per_arena ? hv->config.decommit_run_pools
                                                                     : hv->pools_per_arena;
    if (hv->decommit_run_max != max)
        chk_report(b->r, CHK_DECOMMIT_RUN, &at, CHK_NUM(max), CHK_NUM(hv->decommit_run_max),
                   "the decommit run's maximum is not decommit_run_pools capped at the pools per arena");
    if (!slot && !pools)
        return 0;
    if (!pools) {
        chk_report(b->r, CHK_DECOMMIT_RUN, &at, "0 (no arena)", CHK_NUM(slot),
                   "the decommit run names an arena but holds no pools");
        return -1;
    }
    if (pools >= max) {
        chk_report(b->r, CHK_DECOMMIT_RUN, &at, CHK_STR("at most %zu", max - 1), CHK_NUM(pools),
                   "the decommit run reached decommit_run_pools and was not flushed");
        return -1;
    }
    const chk_arena_rec *ar = slot && slot - 1 < hv->arena_slots ? &c->arenas[slot - 1] : NULL;
    if (!ar || !ar->read || !ar->v.base) {
        chk_report(b->r, CHK_DECOMMIT_RUN, &at, "a live arena's slot + 1", CHK_NUM(slot),
                   "the decommit run of %zu pools names no live arena", pools);
        return -1;
    }
    if (first + pools > hv->pools_per_arena) {
        chk_report(b->r, CHK_DECOMMIT_RUN, &at, CHK_STR("at most %zu", hv->pools_per_arena), CHK_NUM(first + pools),
                   "the decommit run ends past its arena's pools");
        return -1;
    }
    for (size_t i = first; i < first + pools; i++) {
        if (pa_introspect_pool_decommitted(b->heap, slot - 1, i) == 1)
            continue;
        chk_loc pat = chk_at_pool(b->heap, &ar->v, i, ar->v.base + i * hv->config.pool_size, NULL);
        chk_report(b->r, CHK_DECOMMIT_RUN, &pat, "decommitted", "not decommitted",
                   "a pool of the decommit run is not marked decommitted");
        return -1;
    }
    return (long)pools;
}

/* The counter sees every byte the heap maps and decommits; a wrong arena
 * byte count is reported once, by HEAP_ARENA_BYTES, not again here, and
 * decommitted bytes are compared with the bitmaps, not the heap's counter
 * (HEAP_DECOMMITTED_POOLS judges that). */
static void os_layer(chk_full *c, const pa_os_counter *os) {
    chk_base *b = &c->b;
    long pending = decommit_run(c);
    if (!os)
        return;
    chk_loc at = chk_at_heap(b->heap);
    if (b->hv.arena_bytes_mapped == c->t.live_arenas * b->hv.config.arena_size && b->hv.os_bytes_mapped != os->bytes_mapped)
        chk_report(b->r, CHK_HEAP_OS_MAPPED, &at, CHK_NUM(os->bytes_mapped), CHK_NUM(b->hv.os_bytes_mapped),
                   "os_bytes_mapped differs from the OS layer's count");
    if (pending < 0)
        return;
    size_t decommitted = (c->t.decommitted_all - (size_t)pending) * b->hv.config.pool_size;
    if (c->t.sound_arenas == c->t.live_arenas && os->bytes_decommitted != decommitted)
        chk_report(b->r, CHK_HEAP_OS_DECOMMITTED, &at, CHK_NUM(decommitted), CHK_NUM(os->bytes_decommitted),
                   "bytes the OS layer holds decommitted differ from the decommitted pools");
}

size_t pa_check_heap_opts(const pa_heap *heap, const pa_check_options *opt, pa_check_report *r) {
    size_t before = r->n;
    int ghost = opt && opt->live_report, walked = 0;
    chk_pool_memo memo;
    memset(&memo, 0, sizeof memo);
    chk_full c;
    c.memo = ghost ? &memo : NULL;
    /* chk_base_init fills the base; the rest starts empty */
    c.arenas = NULL;
    c.sorted = NULL;
    c.nsorted = 0;
    c.pools = NULL;
    memset(c.used_complete, 0, sizeof c.used_complete);
    c.stamp = 0;
    c.spares_ok = 0;
    memset(&c.t, 0, sizeof c.t);
    if (chk_base_init(&c.b, heap, r)) {
        r->dropped++;
        goto out;
    }
    size_t slots = c.b.hv.arena_slots;
    c.arenas = calloc(slots ? slots : 1, sizeof *c.arenas);
    c.pools = malloc((slots ? slots * c.b.hv.pools_per_arena : 1) * sizeof *c.pools);
    if (!c.arenas || !c.pools) {
        r->dropped++;
        goto out;
    }
    chk_class_count(&c.b);
    chk_heap_geometry(&c.b);
    for (size_t k = 0; k < c.b.hv.nclasses; k++) {
        chk_class_load(&c.b, k);
        chk_class_geometry(&c.b, k);
    }
    c.sorted = chk_sorted_arenas(&c.b, &c.nsorted);
    arenas(&c);
    chk_full_used_lists(&c);
    chk_full_spares(&c);
    chk_full_pools(&c);
    memo.recs = c.pools;
    memo.pools_per_arena = c.b.hv.pools_per_arena;
    c.b.memo = c.memo; /* the walks below read the pools from it */
    chk_full_class_counters(&c);
    chk_full_usable(&c);
    chk_full_unused(&c);
    heap_counters(&c);
    chk_full_retention(&c, opt ? opt->os : NULL);
    int lookups_end = chk_full_large_table(&c.b);
    size_t before_cache = r->n;
    chk_full_large_cache(&c);
    if (lookups_end && r->n == before_cache)
        chk_full_large_probes(&c.b);
    os_layer(&c, opt ? opt->os : NULL);
    chk_full_owner_map(&c);
    chk_full_remote(&c);
    chk_full_thread(&c);
    /* Statistics are derived from the structures checked above: on a heap
     * with a fault they would only repeat it, so they are compared on an
     * otherwise healthy heap, where a wrong figure is a fault of its own. */
    if (r->n == before && !r->dropped)
        chk_full_stats(&c);
    /* Damaged debug blocks change no structure or figure: they come last. */
    chk_full_debug(&c);
    walked = 1;
out:;
    size_t found = r->n - before;
    /* the ghost state after a full check that found nothing: on its walk,
     * or (out of memory before it) on its own */
    if (ghost && !found) {
        if (walked)
            chk_full_live_set(&c, opt->live, opt->nlive, opt->live_report);
        else
            pa_check_live_set(heap, opt->live, opt->nlive, opt->live_report);
    }
    chk_memo_free(&memo);
    free(c.sorted);
    free(c.pools);
    free(c.arenas);
    chk_base_fini(&c.b);
    return found; /* live_report's, even when it is r, not counted */
}

size_t pa_check_heap(const pa_heap *heap, pa_check_report *r) { return pa_check_heap_opts(heap, NULL, r); }

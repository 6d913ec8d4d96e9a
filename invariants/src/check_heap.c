/* The full check: every arena, every list, every pool, every counter. The
 * order matters: structure first, so later checks only compare what the
 * earlier ones found readable, and one fault is reported once, by the check
 * closest to it, not again by every sum it disturbs. */
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

/* Each condition is tested inline; its report, which builds a location and
 * formats, is out of line (CHK_COLD): on every call the setup for reports
 * that almost never come cost more than the compares. */
static CHK_COLD void arenas_totals_report(chk_base *b, size_t live) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    uint64_t net = hv->arenas_allocated_total - hv->arenas_released_total;
    chk_report(b->r, CHK_HEAP_ARENAS_TOTALS, &at, CHK_NUM(live),
               CHK_STR("%llu - %llu = %llu", (unsigned long long)hv->arenas_allocated_total,
                       (unsigned long long)hv->arenas_released_total, (unsigned long long)net),
               "arenas allocated minus released differs from the arenas in use");
}

static CHK_COLD void arenas_highwater_report(chk_base *b, size_t live) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    if (hv->arenas_highwater < live)
        chk_report(b->r, CHK_HEAP_ARENAS_HIGHWATER, &at, CHK_STR(">= %zu", live), CHK_NUM(hv->arenas_highwater),
                   "arenas_highwater is below the arenas in use");
    else
        chk_report(b->r, CHK_HEAP_ARENAS_HIGHWATER, &at,
                   CHK_STR("at most %llu", (unsigned long long)hv->arenas_allocated_total),
                   CHK_NUM(hv->arenas_highwater), "arenas_highwater is above the arenas ever allocated");
}

static CHK_COLD void arena_bytes_report(chk_base *b, size_t live) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, CHK_HEAP_ARENA_BYTES, &at, CHK_NUM(live * hv->config.arena_size),
               CHK_NUM(hv->arena_bytes_mapped), "arena_bytes_mapped differs from %zu arenas", live);
}

void chk_heap_counters(chk_base *b, size_t live) {
    const pa_heap_view *hv = &b->hv;
    if (hv->arenas_allocated_total - hv->arenas_released_total != live)
        arenas_totals_report(b, live);
    if (hv->arenas_highwater < live || hv->arenas_highwater > hv->arenas_allocated_total)
        arenas_highwater_report(b, live);
    if (hv->arena_bytes_mapped != live * hv->config.arena_size)
        arena_bytes_report(b, live);
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
        chk_owner_cache(b, c->sorted, c->nsorted, NULL, 0);
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

/* The introspection API's refusals (alloc/include/poolalloc/introspect.h),
 * asked of the heap as it stands at a full check: an index one past its
 * range, an address that is no arena object or pool, and each must be
 * refused (-1, or 0 for an answer that is an address), reading nothing.
 * The checker asks only within range, so only these calls show the
 * guards hold on every heap the fuzzers build. */
#include "exec_internal.h"

#include <stdint.h>

#include "poolalloc/debug.h"
#include "poolalloc/introspect.h"

/* The last arena slot if it has no arena (it is the last to get one),
 * else SIZE_MAX. */
static size_t empty_slot(const pa_heap *h, const pa_heap_view *v) {
    pa_arena_view a;
    if (v->arena_slots && pa_introspect_arena_slot(h, v->arena_slots - 1, &a) == 0 && !a.base)
        return v->arena_slots - 1;
    return SIZE_MAX;
}

/* The first pool of slot 0's arena that was never carved, or 0 (no arena
 * there, or every pool carved): no pool of the heap's yet. */
static uintptr_t uncarved_pool(const pa_heap *h, const pa_heap_view *v) {
    pa_arena_view a;
    if (!v->arena_slots || pa_introspect_arena_slot(h, 0, &a) != 0 || !a.base ||
        a.pool_address >= a.base + v->config.arena_size)
        return 0;
    return a.pool_address;
}

static int refused(exec *ex, const char *call, long long got, long long want) {
    ex_doctor(ex, PA_SITE_INTROSPECT, &got);
    if (got != want)
        return ex_fail(ex, "INTROSPECT_ACCEPTED", "%s answered %lld, expected %lld (refused)", call, got, want);
    return 0;
}

int ex_probe_introspection(exec *ex) {
    const pa_heap *h = ex->heap;
    pa_heap_view v;
    pa_introspect_heap(h, &v);
    pa_class_view cv;
    pa_arena_view av;
    pa_pool_view pv;
    pa_freelist_walk w;
    pa_freepools_walk fw;
    uint64_t bits[1];
    uintptr_t u;
    size_t n;
    uintptr_t object = v.usable_arenas ? v.usable_arenas : v.unused_arenas;
    size_t empty = empty_slot(h, &v);
    uintptr_t uncarved = uncarved_pool(h, &v);
    if (refused(ex, "pa_introspect_class(nclasses)", pa_introspect_class(h, v.nclasses, &cv), -1) ||
        refused(ex, "pa_introspect_arena_slot(arena_slots)", pa_introspect_arena_slot(h, v.arena_slots, &av), -1) ||
        refused(ex, "pa_introspect_arena(0)", pa_introspect_arena(h, 0, &av), -1) ||
        refused(ex, "pa_introspect_arena(UINTPTR_MAX)", pa_introspect_arena(h, UINTPTR_MAX, &av), -1) ||
        (object && refused(ex, "pa_introspect_arena(an arena object + 1)", pa_introspect_arena(h, object + 1, &av), -1)) ||
        refused(ex, "pa_introspect_pool_decommitted(arena_slots, 0)",
                pa_introspect_pool_decommitted(h, v.arena_slots, 0), -1) ||
        refused(ex, "pa_introspect_pool_decommitted(0, pools_per_arena)",
                pa_introspect_pool_decommitted(h, 0, v.pools_per_arena), -1) ||
        refused(ex, "pa_introspect_decommitted_word(arena_slots, 0)",
                pa_introspect_decommitted_word(h, v.arena_slots, 0, bits), -1) ||
        refused(ex, "pa_introspect_decommitted_word(0, past the pools)",
                pa_introspect_decommitted_word(h, 0, (v.pools_per_arena + 63) / 64, bits), -1) ||
        (empty != SIZE_MAX &&
         (refused(ex, "pa_introspect_pool_decommitted(a slot with no arena, 0)",
                  pa_introspect_pool_decommitted(h, empty, 0), -1) ||
          refused(ex, "pa_introspect_decommitted_word(a slot with no arena, 0)",
                  pa_introspect_decommitted_word(h, empty, 0, bits), -1))) ||
        refused(ex, "pa_introspect_last_with_free(pools_per_arena + 1)",
                (long long)pa_introspect_last_with_free(h, v.pools_per_arena + 1), 0) ||
        refused(ex, "pa_introspect_pool(1)", pa_introspect_pool(h, 1, &pv), -1) ||
        refused(ex, "pa_introspect_freepools(arena_slots)", pa_introspect_freepools(h, v.arena_slots, &fw), -1) ||
        (empty != SIZE_MAX &&
         refused(ex, "pa_introspect_freepools(a slot with no arena)", pa_introspect_freepools(h, empty, &fw), -1)) ||
        refused(ex, "pa_introspect_read_link(1)", pa_introspect_read_link(h, 1, &u), -1) ||
        refused(ex, "pa_introspect_read_link(&v)", pa_introspect_read_link(h, (uintptr_t)&v, &u), -1) ||
        refused(ex, "pa_introspect_freelist(1)", pa_introspect_freelist(h, 1, 0, 16, 64, 0, bits, 64, &w), -1) ||
        refused(ex, "pa_introspect_freelist(0)", pa_introspect_freelist(h, 0, 0, 16, 64, 0, bits, 64, &w), -1) ||
        refused(ex, "pa_introspect_owner_cache(owner_cache_slots)",
                (long long)pa_introspect_owner_cache(h, v.owner_cache_slots), 0) ||
        refused(ex, "pa_introspect_large_slot(capacity)",
                pa_introspect_large_slot(h, pa_introspect_large_capacity(h), &u, &n), -1) ||
        refused(ex, "pa_introspect_large_reachable(capacity)",
                pa_introspect_large_reachable(h, pa_introspect_large_capacity(h)), -1) ||
        refused(ex, "pa_introspect_quarantined(quarantine length)",
                (long long)pa_introspect_quarantined(h, pa_introspect_quarantine_length(h)), 0) ||
        refused(ex, "pa_introspect_large_cache_bin(SIZE_MAX)", pa_introspect_large_cache_bin(h, SIZE_MAX, &u, &n), -1) ||
        refused(ex, "pa_heap_debug_scan_pool(1)", (long long)pa_heap_debug_scan_pool(h, 1, NULL, NULL), 0) ||
        (uncarved && refused(ex, "pa_introspect_pool(an arena's first never-carved pool)",
                             pa_introspect_pool(h, uncarved, &pv), -1)))
        return -1;
    /* in range the answers exist (the owner cache's first slot, the first class) */
    (void)pa_introspect_owner_cache(h, 0);
    return refused(ex, "pa_introspect_class(0)", pa_introspect_class(h, 0, &cv), 0);
}

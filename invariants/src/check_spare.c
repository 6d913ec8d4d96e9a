/* The classes' spares in a full check (CLASS_SPARE, ARENA_NSPARES): none
 * with keep_spare_pools 0, each spare a pool of its class, on no list while
 * it holds no block, and each
 * arena's count of the spares it holds. Runs after the list walks, so that
 * a pool's list memberships are known; the pool walk and the retention
 * check that follow read what it found (chk_pool_rec.spare_of,
 * chk_arena_rec.spares). */
#include <inttypes.h>

#include "check_full.h"

/* Live arenas the checker found unsound: a spare may lie in one. */
static int unsound_arenas(const chk_full *c) {
    for (size_t s = 0; s < c->b.hv.arena_slots; s++)
        if (c->arenas[s].read && c->arenas[s].v.base && !c->arenas[s].f.sound)
            return 1;
    return 0;
}

/* Class k's spare, 0 if it is none of the heap's pools or a pool of
 * another class; reported if so (not when it may lie in an arena already
 * reported unsound). A pool of the heap is marked the spare it was found
 * as, so that the list rule leaves it to this one. */
static int sound_spare(chk_full *c, size_t k, uintptr_t spare, const pa_arena_view **arena, size_t *index,
                       pa_pool_view *v) {
    chk_base *b = &c->b;
    chk_loc at = chk_at_class(b->heap, k);
    const pa_arena_view *a = chk_find_arena(c->sorted, c->nsorted, spare, b->hv.config.arena_size);
    if (!a && unsound_arenas(c))
        return 0;
    chk_where_pool w = a ? chk_pool_in_arena(b, a, spare, index) : CHK_POOL_OUTSIDE;
    if (w != CHK_POOL_OK || pa_introspect_pool(b->heap, spare, v)) {
        chk_report(b->r, CHK_CLASS_SPARE, &at, "a carved, committed pool",
                   CHK_STR("0x%" PRIxPTR " (%s)", spare, a ? chk_where_text(w) : "in no arena"),
                   "spare is not a pool of the heap");
        return 0;
    }
    c->pools[a->slot * b->hv.pools_per_arena + *index].spare_of = (int32_t)k + 1;
    if (v->size_class != k) {
        chk_loc pool_at = chk_at_pool(b->heap, a, *index, spare, v);
        chk_report(b->r, CHK_CLASS_SPARE, &pool_at, CHK_STR("class %zu", k), CHK_STR("class %u", v->size_class),
                   "class %zu's spare is a pool of another class", k);
        return 0;
    }
    *arena = a;
    return 1;
}

static void arena_counts(chk_full *c) {
    chk_base *b = &c->b;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || !ar->v.base || ar->v.nspares == ar->spares)
            continue;
        chk_loc at = chk_at_arena(b->heap, &ar->v);
        chk_report(b->r, CHK_ARENA_NSPARES, &at, CHK_NUM(ar->spares), CHK_NUM(ar->v.nspares),
                   "nspares differs from the classes' spares in the arena");
    }
}

void chk_full_spares(chk_full *c) {
    chk_base *b = &c->b;
    c->spares_ok = 1;
    for (size_t k = 0; k < b->hv.nclasses; k++) {
        uintptr_t spare = b->cls[k].spare;
        const pa_arena_view *a;
        size_t index;
        pa_pool_view v;
        if (!spare)
            continue;
        if (!b->hv.config.keep_spare_pools) {
            chk_loc at = chk_at_class(b->heap, k);
            chk_report(b->r, CHK_CLASS_SPARE, &at, "none", CHK_STR("0x%" PRIxPTR, spare),
                       "a spare with keep_spare_pools 0");
        }
        if (!sound_spare(c, k, spare, &a, &index, &v)) {
            c->spares_ok = 0;
            continue;
        }
        const chk_pool_rec *rec = &c->pools[a->slot * b->hv.pools_per_arena + index];
        c->arenas[a->slot].spares++;
        if (v.count == 0 && (rec->used_hits || rec->free_hits)) {
            chk_loc at = chk_at_pool(b->heap, a, index, spare, &v);
            chk_report(b->r, CHK_CLASS_SPARE, &at, "no list",
                       CHK_STR("%u used lists and %u freepools lists", rec->used_hits, rec->free_hits),
                       "class %zu's spare holds no block but is on a list", k);
        }
    }
    if (c->spares_ok)
        arena_counts(c);
}

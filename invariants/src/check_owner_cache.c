/* HEAP_OWNER_CACHE: the owner cache (a slot per arena number modulo the
 * slots, holding the last byte of an arena of the heap that a free found
 * there) against the arenas: each slot that is not 0 names a live arena of
 * this heap, at the slot its base maps to. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_full.h"
#include "check_record.h"

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

static CHK_COLD void owner_slot_stray(chk_base *b, size_t slot, uintptr_t entry) {
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, CHK_HEAP_OWNER_CACHE, &at, "0 or the last byte of a live arena that maps here",
               CHK_STR("0x%" PRIxPTR, entry), "owner_cache slot %zu names no live arena", slot);
}

static CHK_COLD void owner_slot(chk_base *b, const cache_geometry *g, const pa_arena_view *sorted,
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
    int state;          /* MAP_UNREAD until a slot needs the map, then MAP_WALK or MAP_NO_WALK */
} map_walk;

enum { MAP_UNREAD = -1, MAP_NO_WALK, MAP_WALK };

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
                    .leaf = NULL,
                    .state = MAP_NO_WALK};
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

/* The map is read when the first slot needs it: most incremental checks
 * find every slot as the record has it and need none. */
static int map_walk_ready(map_walk *w, const chk_base *b, const cache_geometry *g) {
    if (w->state == MAP_UNREAD)
        w->state = map_walk_init(w, b, g) ? MAP_WALK : MAP_NO_WALK;
    return w->state == MAP_WALK;
}

/* One slot that is not 0: confirmed through the walk, or judged by
 * owner_slot. */
static inline void slot_check(chk_base *b, const cache_geometry *g, const pa_arena_view *sorted, size_t n, map_walk *w,
                              int walk, size_t slot, uintptr_t entry) {
    if (!(walk && map_walk_ready(w, b, g) && slot_confirmed(w, slot, entry)))
        owner_slot(b, g, sorted, n, slot, entry);
}

/* Every slot, read in place (the full check, a first check, or after an
 * arena was made or released). */
static void every_slot(chk_base *b, const cache_geometry *g, const pa_arena_view *sorted, size_t n, map_walk *w,
                       int walk, const uintptr_t *cache) {
    enum { GROUP = 16 };
    size_t slot = 0;
    /* most slots are empty: a group is read as one OR of its words */
    for (; slot + GROUP <= g->nslots; slot += GROUP) {
        uintptr_t any = 0;
        for (size_t i = 0; i < GROUP; i++)
            any |= cache[slot + i];
        if (!any)
            continue;
        /* unrolled, an empty slot costs its load and test (8 measured no better) */
#pragma GCC unroll 4
        for (size_t i = slot; i < slot + GROUP; i++)
            if (cache[i])
                slot_check(b, g, sorted, n, w, walk, i, cache[i]);
    }
    for (; slot < g->nslots; slot++)
        if (cache[slot])
            slot_check(b, g, sorted, n, w, walk, slot, cache[slot]);
}

/* The record can stand for the slots it holds: taken of this heap, with
 * this geometry, and no arena made or released since. A slot names an
 * arena by its base, and an arena's base and its place in the map change
 * only when an arena is made or released, each of which moves a total
 * (chk_heap_counters holds the totals against the arenas in use). */
static int record_holds(const chk_owner_record *rec, const chk_base *b, const cache_geometry *g) {
    return rec->heap == b->heap && rec->nslots == g->nslots && rec->arena_size == b->hv.config.arena_size &&
           rec->allocated_total == b->hv.arenas_allocated_total &&
           rec->released_total == b->hv.arenas_released_total;
}

/* One slot against the record: judged if it changed, then recorded. */
static inline void slot_against(chk_base *b, const cache_geometry *g, map_walk *w, int walk, const uintptr_t *cache,
                                uintptr_t *was, size_t i) {
    if (cache[i] != was[i]) {
        if (cache[i])
            slot_check(b, g, NULL, 0, w, walk, i, cache[i]);
        was[i] = cache[i];
    }
}

/* Only the slots that differ from the record: those the op wrote, where a
 * stray write shows as well as a right one. The record takes them. The
 * slots of the touched blocks' arenas go first, the ones a free writes,
 * so that the rest is most often equal in one memcmp. */
static void changed_slots(chk_base *b, const cache_geometry *g, map_walk *w, int walk, const uintptr_t *cache,
                          uintptr_t *was, const void *const *touched, size_t ntouched) {
    enum { GROUP = 32 };
    for (size_t t = 0; t < ntouched; t++)
        if (touched[t])
            slot_against(b, g, w, walk, cache, was, home_slot(g, (uintptr_t)touched[t]));
    if (!memcmp(cache, was, g->nslots * sizeof *cache))
        return;
    for (size_t slot = 0; slot < g->nslots; slot += GROUP) {
        size_t end = slot + GROUP < g->nslots ? slot + GROUP : g->nslots;
        if (!memcmp(cache + slot, was + slot, (end - slot) * sizeof *cache))
            continue;
        for (size_t i = slot; i < end; i++)
            slot_against(b, g, w, walk, cache, was, i);
    }
}

/* A record of the cache as this check found it, for the next check, when
 * every slot passed; otherwise none, so the next check reads every slot. */
static void record_take(chk_owner_record *rec, const chk_base *b, const cache_geometry *g, const uintptr_t *cache) {
    if (rec->nslots != g->nslots) {
        uintptr_t *slots = realloc(rec->slots, g->nslots * sizeof *slots);
        if (!slots)
            return;
        rec->slots = slots;
        rec->nslots = g->nslots;
    }
    memcpy(rec->slots, cache, g->nslots * sizeof *cache);
    rec->heap = b->heap;
    rec->arena_size = b->hv.config.arena_size;
    rec->allocated_total = b->hv.arenas_allocated_total;
    rec->released_total = b->hv.arenas_released_total;
}

/* Every slot is judged each check, read in place or, with a record, by
 * the record for the slots no op changed: a stray entry anywhere is found
 * at once. */
void chk_owner_cache(chk_base *b, const pa_arena_view *sorted, size_t n, const void *const *touched, size_t ntouched) {
    const uintptr_t *cache = pa_introspect_owner_cache_all(b->heap);
    size_t nslots = b->hv.owner_cache_slots;
    cache_geometry g = {b->hv.config.arena_size - 1, (unsigned)__builtin_ctzl(b->hv.config.arena_size), nslots,
                        (nslots & (nslots - 1)) == 0 ? nslots - 1 : 0};
    /* the full check places every arena itself: its sorted table answers */
    map_walk w;
    w.state = MAP_UNREAD; /* the rest is filled when read */
    int walk = !sorted;
    chk_owner_record *rec = b->record && !sorted ? &b->record->owner : NULL;
    size_t before = b->r->n;
    int held = rec && record_holds(rec, b, &g);
    if (held)
        changed_slots(b, &g, &w, walk, cache, rec->slots, touched, ntouched);
    else
        every_slot(b, &g, sorted, n, &w, walk, cache);
    if (!rec)
        return;
    if (b->r->n != before || b->r->dropped)
        rec->heap = NULL;
    else if (!held)
        record_take(rec, b, &g, cache);
}

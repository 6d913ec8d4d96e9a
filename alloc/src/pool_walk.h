/* Visiting every carved pool of a heap, for statistics and introspection. */
#ifndef POOLALLOC_POOL_WALK_H
#define POOLALLOC_POOL_WALK_H

#include <stddef.h>

#include "heap_types.h"
#include "radix.h"

static inline int pa_pool_is_decommitted(const pa_arena *a, size_t i) {
    return (int)((a->decommitted[i / 64] >> (i % 64)) & 1);
}

/* Pools [0, carved) of an arena have been handed out at least once. */
static inline size_t pa_arena_carved_pools(const pa_heap *h, const pa_arena *a) {
    return (a->pool_address - a->base) >> h->pool_shift;
}

/* Is address a inside a carved, committed pool of one of h's arenas (so the
 * heap may read it)? The pool's arena, or NULL. */
static inline const pa_arena *pa_readable_pool_arena(const pa_heap *h, uintptr_t a) {
    uint32_t id = pa_radix_get(&h->radix, a);
    if (!id || id > h->arena_slots)
        return NULL;
    const pa_arena *arena = &h->arenas[id - 1];
    uintptr_t pool = a & h->pool_mask;
    if (!arena->base || pool < arena->base || pool >= arena->pool_address)
        return NULL;
    /* A corrupt base or pool_address must not index past the bitmap. */
    size_t index = (pool - arena->base) >> h->pool_shift;
    if (index >= h->pools_per_arena || pa_pool_is_decommitted(arena, index))
        return NULL;
    return arena;
}

#endif

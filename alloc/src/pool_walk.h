/* Visiting every carved pool of a heap, for statistics and introspection. */
#ifndef POOLALLOC_POOL_WALK_H
#define POOLALLOC_POOL_WALK_H

#include <stddef.h>

#include "heap_internal.h"

static inline int pa_pool_is_decommitted(const pa_arena *a, size_t i) {
    return (int)((a->decommitted[i / 64] >> (i % 64)) & 1);
}

/* Pools [0, carved) of an arena have been handed out at least once. */
static inline size_t pa_arena_carved_pools(const pa_heap *h, const pa_arena *a) {
    return (a->pool_address - a->base) / h->config.pool_size;
}

#endif

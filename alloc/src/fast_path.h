/* The malloc and free fast paths, inlined into pa_heap_* and into the
 * default heap's pa_malloc/pa_free. Everything unusual goes to heap.c. */
#ifndef POOLALLOC_FAST_PATH_H
#define POOLALLOC_FAST_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "heap_internal.h"
#include "pool.h"

void *pa_heap_malloc_slow(pa_heap *h, size_t size);
void pa_heap_free_slow(pa_heap *h, void *p);

static inline void *pa_fast_malloc(pa_heap *h, size_t size) {
    if (PA_LIKELY(size - 1 < h->fast_threshold)) {
        pa_size_class *c = &h->classes[(size - 1) >> h->class_shift];
        pa_pool *pool = c->used;
        if (PA_LIKELY(pool != NULL)) {
            void *p = pa_pool_pop(c, pool);
            if (PA_ANNOTATING)
                pa_annotate_block_alloc(h, p, size, c->block_size);
            return p;
        }
    }
    return pa_heap_malloc_slow(h, size);
}

/* The common free: a block of the arena last seen, whose pool neither was
 * full nor becomes empty. Anything else (another arena, a pool changing
 * state, a foreign or dead pointer, NULL) takes the slow path. The header
 * read here, for a dead pointer into a decommitted pool, relies on such
 * pages staying readable (see os.h); builds for sanitizers and Valgrind
 * always take the slow path, which checks first. */
static inline void pa_fast_free(pa_heap *h, void *p) {
    if (PA_LIKELY(!PA_ANNOTATING && ((uintptr_t)p & h->arena_mask) == h->owner_cache)) {
        pa_pool *pool = pa_pool_of(h, p);
        pa_block *old = pool->freeblock;
        uint32_t count = pool->count;
        if (PA_LIKELY(old != NULL && count > 1)) {
            if (PA_ANNOTATING)
                pa_annotate_block_free(h, p, h->classes[pool->size_class].block_size);
            pa_link_write((pa_block *)p, old);
            pool->freeblock = (pa_block *)p;
            pool->count = count - 1;
            return;
        }
    }
    pa_heap_free_slow(h, p);
}

#endif

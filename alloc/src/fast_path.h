/* The raw paths' common cases, inlined into the public layer (pa_heap_* and
 * the default heap's pa_malloc/pa_free) and into raw.c. Each is a try: it
 * returns NULL (or 0) when the case is not the common one, so that its
 * caller takes its own slow path. The one call they make is to take a
 * class's spare or to empty a pool (raw.h): a pool that empties and fills
 * again, over and over, then skips the slow paths' layers. */
#ifndef POOLALLOC_FAST_PATH_H
#define POOLALLOC_FAST_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heap_types.h"
#include "pool.h"
#include "raw.h"

/* The class of a fast-path size, classes[(size - 1) >> class shift], by
 * its offset (heap_types.h, class_mask): in the drop-in, whose geometry is
 * constant, a mask and a scaled index. */
_Static_assert(sizeof(pa_size_class) % 16 == 0, "a class is a whole number of alignment steps (8 or 16)");
static inline pa_size_class *pa_fast_class(pa_heap *h, size_t size) {
    size_t step = (size - 1) & PA_CLASS_MASK(h);
    return (pa_size_class *)((char *)h->classes + step * PA_CLASS_SCALE(h));
}

/* NULL when the fast path does not apply (the heap then takes the slow
 * path); it never fails otherwise. */
static inline void *pa_fast_malloc_try(pa_heap *h, size_t size) {
    if (PA_LIKELY(size - 1 < h->fast_threshold)) {
        pa_size_class *c = pa_fast_class(h, size);
        pa_pool *pool = c->used;
        if (PA_LIKELY(pool != NULL)) {
            void *p = pa_pool_pop(c, pool);
            if (PA_ANNOTATING)
                pa_annotate_block_alloc(h, p, size, c->block_size);
            return p;
        }
        if (pa_spare_unused(c))
            return pa_raw_malloc_spare(h, c, size);
    }
    return NULL;
}

/* calloc of a small size: a fast-path block of *total = count * size
 * bytes, not yet cleared. NULL as above, also when count * size overflows
 * (the slow path reports that). The caller clears it with
 * `return memset(p, 0, *total)`: memset returns the block, so that is a
 * tail call and the caller keeps no stack frame. */
static inline void *pa_fast_calloc_block(pa_heap *h, size_t count, size_t size, size_t *total) {
    if (PA_UNLIKELY(__builtin_mul_overflow(count, size, total)))
        return NULL;
    return pa_fast_malloc_try(h, *total);
}

/* Push p on its pool's freelist; the pool's last block empties it (raw.h).
 * 0 for a pool with no live block (a dead pointer: the slow path reports
 * it), or always in Valgrind builds, where a dead pointer's pool header is
 * no-access and the slow path checks first. A pool that was full goes back
 * on its class's list here: with a large live set most frees land in full
 * pools. Sanitizer builds keep this path, so fuzzing under them exercises
 * it. */
static inline int pa_free_in_place(pa_heap *h, void *p) {
#ifdef PA_ANNOTATE_VALGRIND
    (void)h, (void)p;
    return 0;
#else
    pa_pool *pool = pa_pool_of(h, p);
    uint32_t count = pool->count;
    if (PA_UNLIKELY(count <= 1)) {
        if (count == 0)
            return 0;
        pa_raw_free_last(h, pool, p);
        return 1;
    }
    if (PA_ANNOTATING)
        pa_annotate_block_free(h, p, h->classes[pool->size_class].block_size);
    pa_pool_push_block(h->classes, pool, (pa_block *)p, count);
    return 1;
#endif
}

/* The common free: a block of an arena in the owner cache whose pool does
 * not become empty. Anything else (an arena not cached, a pool becoming
 * empty, a foreign or dead pointer, NULL) returns 0 for the slow path. The header read here, for a dead pointer into a decommitted
 * pool, relies on such pages staying readable (see os.h). */
static inline int pa_fast_free_try(pa_heap *h, void *p) {
    if (PA_LIKELY(pa_owner_cached(h, p)))
        return pa_free_in_place(h, p);
    return 0;
}

/* realloc leaves a small block where it is when the new size fits the
 * block and fills more than half of it: a block grown into room to spare
 * (raw.c's growth_class) keeps it for the next appends. */
static inline int pa_realloc_stays(size_t size, size_t block) { return size <= block && 2 * size > block; }

/* The common reallocs of a small block p, live in an arena of the owner
 * cache (a debug heap's is empty): it stays where it is when it may
 * (pa_realloc_stays, or a shrink within the smallest class, which would
 * only move to its own class), or it shrinks to half its block or less
 * into a block the malloc fast path gives, the way a string builder
 * trims its buffer (CPython's writers, for one in most of its strings).
 * NULL for anything else, which the slow path decides: a block growing
 * out of its own picks its class there (raw.c), misuse is reported
 * there; always NULL in Valgrind builds, as for free. */
static inline void *pa_fast_realloc_try(pa_heap *h, void *p, size_t size) {
#ifdef PA_ANNOTATE_VALGRIND
    (void)h, (void)p, (void)size;
    return NULL;
#else
    if (!pa_owner_cached(h, p))
        return NULL;
    const pa_pool *pool = pa_pool_of(h, p);
    if (pool->count == 0) /* not live: the slow path reports it */
        return NULL;
    size_t block = h->classes[pool->size_class].block_size;
    if (pa_realloc_stays(size, block) ||
        (size - 1 < h->fast_threshold && ((size - 1) >> PA_CLASS_SHIFT(h)) == pool->size_class)) {
        pa_annotate_block_resized(p, size, block);
        return p;
    }
    if (size > block)
        return NULL;
    void *q = pa_fast_malloc_try(h, size); /* another class: p's pool is untouched */
    if (!q)
        return NULL;
    size_t keep = pa_annotate_usable(p, block);
    memcpy(q, p, keep < size ? keep : size);
    pa_free_in_place(h, p); /* live, so freed here */
    return q;
#endif
}

#endif

/* The raw paths: the malloc family on pools and large blocks, with no
 * debug layer. Called by the public layer (heap.c) and the debug layer;
 * calls arenas, pools, the large table and cache, and the OS layer below
 * them. */
#include "raw.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "annotate.h"
#include "arena.h"
#include "fast_path.h"
#include "large_cache.h"
#include "large_os.h"
#include "large_table.h"
#include "layout.h"
#include "misuse_report.h"
#include "pa_assert.h"
#include "pool.h"
#include "pool_walk.h"
#include "radix.h"

/* ---- small blocks ---------------------------------------------------- */

/* pool, empty and initialised for c, becomes c's pool in use. */
static void *first_block(pa_size_class *c, pa_pool *pool) {
    pa_pool_push_used(c, pool);
    c->pools++;
    return pa_pool_pop(c, pool);
}

static void *small_alloc_new_pool(pa_heap *h, unsigned cls) {
    pa_size_class *c = &h->classes[cls];
    if (pa_spare_unused(c))
        return first_block(c, c->spare);
    int kept_header;
    pa_pool *pool = pa_arena_take_pool(h, &kept_header);
    if (!pool)
        return NULL;
    /* A committed free pool of the same class still has its freelist. */
    if (!kept_header || pool->size_class != cls)
        pa_pool_init(pool, c, cls);
    return first_block(c, pool);
}

/* A block of class cls for a request of size bytes. */
static void *small_alloc(pa_heap *h, unsigned cls, size_t size) {
    pa_size_class *c = &h->classes[cls];
    void *p = c->used ? pa_pool_pop(c, c->used) : small_alloc_new_pool(h, cls);
    if (PA_ANNOTATING && p)
        pa_annotate_block_alloc(h, p, size, c->block_size);
    return p;
}

void *pa_raw_malloc_spare(pa_heap *h, pa_size_class *c, size_t size) {
    PA_ASSERT(pa_spare_unused(c));
    void *p = first_block(c, c->spare);
    if (PA_ANNOTATING)
        pa_annotate_block_alloc(h, p, size, c->block_size);
    return p;
}

static inline unsigned class_of(const pa_heap *h, size_t size) {
    PA_ASSERT(size > 0 && size <= h->threshold);
    if (size <= PA_LINEAR_THRESHOLD)
        return (unsigned)((size - 1) >> h->class_shift);
    return (unsigned)((PA_LINEAR_THRESHOLD >> h->class_shift) + pa_layout_geometric_class(size));
}

/* The pool of p, a pointer inside one of h's arenas, if it holds live
 * blocks; otherwise (a double free or wild pointer into a free, decommitted
 * or never-carved pool) the misuse is reported and NULL returned. In an
 * arena of the owner cache a pool's header may be read straight away, as
 * the free fast path does (a free, decommitted or never-carved pool reads
 * count 0); elsewhere, and in Valgrind builds, where a dead pool's header is
 * no-access, only once the map shows the pool carved and committed. */
static pa_pool *live_pool_of(pa_heap *h, const void *p, const char *operation) {
    pa_pool *pool = pa_pool_of(h, p);
#ifndef PA_ANNOTATE_VALGRIND
    if (PA_LIKELY(pa_owner_cached(h, p) && pool->count != 0))
        return pool;
#endif
    if (PA_UNLIKELY(!pa_readable_pool_arena(h, (uintptr_t)p) || pool->count == 0)) {
        pa_misuse_raise(h, PA_MISUSE_NOT_LIVE, operation, p);
        return NULL;
    }
    return pool;
}

/* pool, of class c, just lost its last block: off the used list, to its
 * class as its spare or back to its arena. */
static inline void pool_emptied(pa_heap *h, pa_size_class *c, pa_pool *pool) {
    pa_pool_unlink_used(c, pool);
    c->pools--;
    pa_arena_pool_emptied(h, c, pool);
}

static void small_free_in(pa_heap *h, pa_pool *pool, void *p) {
    PA_ASSERT(pool->count > 0 && pa_pool_of(h, p) == pool); /* p: a live block of pool */
    pa_size_class *c = &h->classes[pool->size_class];
    pa_annotate_block_free(h, p, c->block_size);
    pa_pool_push_block(h->classes, pool, p, pool->count);
    if (pool->count == 0)
        pool_emptied(h, c, pool);
}

/* small_free_in for the last block, 10 instructions shorter: a pool with one
 * live block is not full (a pool holds two at least), so it is on its
 * class's used list and its freelist is not empty. */
void pa_raw_free_last(pa_heap *h, pa_pool *pool, void *p) {
    PA_ASSERT(pool->count == 1 && pool->freeblock);
    pa_size_class *c = &h->classes[pool->size_class];
    pa_annotate_block_free(h, p, c->block_size);
    pa_link_write(p, pool->freeblock);
    pool->freeblock = p;
    pool->count = 0;
    pool_emptied(h, c, pool);
}

static void small_free(pa_heap *h, void *p, const char *operation) {
    PA_ASSERT(pa_radix_get(&h->radix, (uintptr_t)p) != 0); /* p: inside one of h's arenas */
    pa_pool *pool = live_pool_of(h, p, operation);
    if (pool)
        small_free_in(h, pool, p);
}

/* p's arena is not in the owner cache: asks the ownership map, and
 * remembers a confirmed arena for the fast path. */
static int map_owns(pa_heap *h, const void *p) {
    if (!pa_radix_get(&h->radix, (uintptr_t)p))
        return 0;
    /* A debug heap keeps the cache empty so its frees miss the fast path. */
    if (!h->owner_cache_off)
        *pa_owner_slot(h, (uintptr_t)p) = (uintptr_t)p | h->arena_low;
    return 1;
}

/* ---- large blocks ---------------------------------------------------- */

static void *large_alloc(pa_heap *h, size_t size, size_t alignment, int zeroed) {
    size_t capacity = pa_large_capacity(size);
    void *p = pa_large_cache_take(h, size, capacity, alignment);
    if (p) {
        if (zeroed)
            memset(p, 0, size);
        return p;
    }
    /* No C object may be larger than PTRDIFF_MAX; refuse here rather than
     * hand the large layer a size it can only fail on. */
    if (size > PTRDIFF_MAX || pa_large_reserve(h)) {
        errno = ENOMEM;
        return NULL;
    }
    const pa_large_ops *ops = &h->config.large;
    if (zeroed && ops->alloc_zeroed) {
        p = ops->alloc_zeroed(ops->ctx, capacity, alignment);
    } else {
        p = ops->alloc(ops->ctx, capacity, alignment);
        if (p && zeroed)
            memset(p, 0, size);
    }
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    pa_annotate_large_handed_out(p, size, capacity, 0);
    pa_large_insert(h, (uintptr_t)p, size);
    return p;
}

/* Back to the large layer at the capacity it was asked for. */
static void large_release(pa_heap *h, void *p, size_t size, size_t capacity) {
    pa_annotate_large_released(p, size, capacity);
    h->config.large.free(h->config.large.ctx, p, capacity);
}

void pa_raw_release_large(pa_heap *h) {
    for (size_t i = 0; i < h->large.capacity; i++) {
        const pa_large_slot *slot = &h->large.slots[i];
        if (pa_large_slot_live(slot))
            large_release(h, (void *)slot->block, slot->size, pa_large_capacity(slot->size));
    }
}

static void large_free(pa_heap *h, pa_large_slot *slot) {
    if (pa_large_cache_put(h, slot))
        return;
    void *p = (void *)slot->block;
    size_t size = slot->size;
    pa_large_remove(h, slot);
    large_release(h, p, size, pa_large_capacity(size));
}

/* ---- the malloc family ------------------------------------------------ */

void *pa_raw_malloc(pa_heap *h, size_t size) {
    if (size - 1 < h->threshold)
        return small_alloc(h, class_of(h, size), size);
    if (size == 0)
        return small_alloc(h, 0, 0);
    return large_alloc(h, size, h->config.alignment, 0);
}

void *pa_raw_calloc(pa_heap *h, size_t total) {
    if (total > h->threshold)
        return large_alloc(h, total, h->config.alignment, 1);
    void *p = pa_raw_malloc(h, total);
    if (p)
        memset(p, 0, total);
    return p;
}

/* Who holds p: an arena of h (1), the large table (0, *slot set) or
 * neither (-1). A pointer whose arena the owner cache does not hold is
 * looked up in the large table before the ownership map: a large block then
 * costs one probe and no map walk, and a small one an extra probe only on a
 * cache miss. */
static int find_owner(pa_heap *h, const void *p, pa_large_slot **slot) {
    if (pa_owner_cached(h, p))
        return 1;
    *slot = pa_large_find(&h->large, (uintptr_t)p);
    if (*slot)
        return 0;
    return map_owns(h, p) ? 1 : -1;
}

void pa_raw_free(pa_heap *h, void *p) {
    pa_large_slot *slot;
    int owner = find_owner(h, p, &slot);
    if (owner == 0) {
        large_free(h, slot);
    } else if (owner < 0) {
        if (p)
            pa_misuse_raise(h, PA_MISUSE_FOREIGN_POINTER, "free", p);
    } else if (!pa_free_in_place(h, p)) {
        small_free(h, p, "free");
    }
}

/* The class a small block growing out of its own moves to: the largest one
 * below twice the new size (the threshold's, past half the threshold), so
 * the next appends stay in place (pa_realloc_stays keeps a block down to
 * half full). A block that went up one class at a time left a freed block
 * in every class it passed; where growing strings take turns, those pools
 * stay pinned by the strings that stopped there (the bench's realloc
 * workload: 213 MiB at the peak, 140 with this). A block of up to a page
 * grows no further than a page: the classes past it (to 7168, the
 * drop-in's medium ones) hold two or three blocks a pool, and strings
 * that stop at a page or less would leave them a third empty (the realloc
 * workload under the drop-in: 4 MiB more at the peak). */
#define GROWTH_PAGE 4096

static unsigned growth_class(const pa_heap *h, size_t size) {
    PA_ASSERT(size > h->config.alignment && size <= h->threshold);
    size_t top = size <= GROWTH_PAGE && h->threshold > GROWTH_PAGE ? GROWTH_PAGE : h->threshold;
    if (size > top / 2)
        return class_of(h, top);
    return class_of(h, 2 * size) - 1;
}

/* Out of line, as is realloc_large_elsewhere, so that pa_raw_realloc saves no
 * registers on its most common call: a large block growing within its
 * capacity. */
static __attribute__((noinline)) void *realloc_small(pa_heap *h, void *p, size_t size) {
    pa_pool *pool = live_pool_of(h, p, "realloc");
    if (!pool)
        return NULL;
    size_t block = h->classes[pool->size_class].block_size;
    /* A block of the smallest class shrunk to half or less would only move
     * to another block of its class. */
    if (pa_realloc_stays(size, block) || (size - 1 < h->threshold && class_of(h, size) == pool->size_class)) {
        pa_annotate_block_resized(p, size, block);
        return p;
    }
    size_t keep = pa_annotate_usable(p, block);
    if (size < keep)
        keep = size;
    void *q;
    if (size > block && size <= h->threshold)
        q = small_alloc(h, growth_class(h, size), size);
    else if (!(q = pa_fast_malloc_try(h, size)))
        q = pa_raw_malloc(h, size);
    if (!q)
        return NULL;
    memcpy(q, p, keep);
    if (!pa_free_in_place(h, p))
        small_free_in(h, pool, p); /* already found live */
    return q;
}

/* A layer that remaps (the drop-in's: mremap) resizes a block with nothing
 * copied, its new pages fresh, a page fault each. That is the cheaper way
 * for a block that shrinks or grows by a quarter or less: CPython's lists
 * grow by an eighth at a time, to 800 KiB, and copying each into a cached
 * block of its next step cost 9.8 M instructions of a 1,073 M run
 * (bench/python.sh). A block that grows more copies into a cached block
 * of its step when there is one, whose pages are resident: the sqlite
 * trace doubles two buffers to 256 and 512 KiB every replay (remapped,
 * 190 more page faults a replay). */
static int resize_by_remap(const pa_large_ops *ops, size_t old_capacity, size_t capacity) {
    return capacity <= old_capacity + old_capacity / 4 && pa_large_os_remaps(ops);
}

/* The large block of slot must move, shrink below the threshold or be
 * resized by the large layer. */
static __attribute__((noinline)) void *realloc_large_elsewhere(pa_heap *h, pa_large_slot *slot, size_t size,
                                                               size_t capacity) {
    PA_ASSERT(pa_large_slot_live(slot) && capacity == pa_large_capacity(size));
    void *p = (void *)slot->block;
    size_t old = slot->size;
    if (size <= h->threshold) {
        void *q = pa_raw_malloc(h, size);
        if (!q)
            /* Fail, p untouched, rather than keep the bigger block: its slot
             * would go on recording the old size as the request (large_bytes
             * wrong), and it holds no capacity apart from the request. */
            return NULL;
        memcpy(q, p, size < old ? size : old);
        large_free(h, slot);
        return q;
    }
    size_t old_capacity = pa_large_capacity(old);
    const pa_large_ops *ops = &h->config.large;
    void *cached =
        resize_by_remap(ops, old_capacity, capacity) ? NULL : pa_large_cache_take(h, size, capacity, h->config.alignment);
    if (cached) {
        /* A block of the new step is at hand: no call to the large layer
         * (a string grown step by step reuses what its last growth freed). */
        memcpy(cached, p, size < old ? size : old);
        large_free(h, slot); /* the take moved no slot */
        return cached;
    }
    if (ops->resize) {
        pa_annotate_large_released(p, old, old_capacity);
        void *q = ops->resize(ops->ctx, p, old_capacity, capacity);
        if (!q) {
            pa_annotate_large_resized(p, old, old, old_capacity);
            errno = ENOMEM;
            return NULL;
        }
        pa_annotate_large_handed_out(q, size, capacity, 0);
        if (q == p) {
            h->large.bytes += size - old;
            slot->size = size;
            return q;
        }
        /* Same count after remove + insert: no growth, no failure. */
        pa_large_remove(h, slot);
        pa_large_insert(h, (uintptr_t)q, size);
        return q;
    }
    void *q = large_alloc(h, size, h->config.alignment, 0);
    if (!q)
        return NULL;
    /* large_alloc may have grown the table: look the old block up again. */
    memcpy(q, p, size < old ? size : old);
    large_free(h, pa_large_find(&h->large, (uintptr_t)p));
    return q;
}

static void *realloc_large(pa_heap *h, pa_large_slot *slot, size_t size) {
    size_t old = slot->size, capacity = pa_large_capacity(size);
    if (size > h->threshold && capacity == pa_large_capacity(old)) {
        /* The block already has the room: no call at all. */
        h->large.bytes += size - old;
        slot->size = size;
        pa_annotate_large_resized((void *)slot->block, old, size, capacity);
        return (void *)slot->block;
    }
    return realloc_large_elsewhere(h, slot, size, capacity);
}

void *pa_raw_realloc(pa_heap *h, void *p, size_t size) {
    if (!p)
        return pa_raw_malloc(h, size);
    pa_large_slot *slot;
    int owner = find_owner(h, p, &slot);
    if (owner > 0)
        return realloc_small(h, p, size);
    if (owner == 0)
        return realloc_large(h, slot, size);
    pa_misuse_raise(h, PA_MISUSE_FOREIGN_POINTER, "realloc", p);
    return NULL;
}

size_t pa_raw_usable_size(pa_heap *h, const void *p) {
    PA_ASSERT(p != NULL);
    pa_large_slot *slot;
    int owner = find_owner(h, p, &slot);
    if (owner > 0) {
        const pa_pool *pool = live_pool_of(h, p, "usable_size");
        if (!pool)
            return 0;
        return pa_annotate_usable(p, h->classes[pool->size_class].block_size);
    }
    if (owner == 0)
        return slot->size;
    pa_misuse_raise(h, PA_MISUSE_FOREIGN_POINTER, "usable_size", p);
    return 0;
}

/* A class whose size is a multiple of the alignment has aligned blocks
 * (see layout.h), up to PA_MAX_BLOCK_ALIGN: the block size that serves
 * size at an alignment above the heap's, or 0 when only a large block can. */
static size_t aligned_small_size(const pa_heap *h, size_t alignment, size_t size) {
    size_t rounded = ((size ? size : 1) + alignment - 1) & ~(alignment - 1);
    return alignment <= PA_MAX_BLOCK_ALIGN && rounded >= size && rounded <= h->threshold ? rounded : 0;
}

int pa_raw_memalign_is_small(const pa_heap *h, size_t alignment, size_t size) {
    return alignment <= h->config.alignment ? size <= h->threshold : aligned_small_size(h, alignment, size) != 0;
}

void *pa_raw_memalign(pa_heap *h, size_t alignment, size_t size) {
    if (alignment <= h->config.alignment)
        return pa_raw_malloc(h, size);
    size_t rounded = aligned_small_size(h, alignment, size);
    if (rounded)
        return small_alloc(h, class_of(h, rounded), size);
    return large_alloc(h, size ? size : 1, alignment, 0);
}

int pa_raw_owns(const pa_heap *h, const void *p) {
    return pa_radix_get(&h->radix, (uintptr_t)p) != 0 || pa_large_find(&h->large, (uintptr_t)p) != NULL;
}

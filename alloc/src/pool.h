/* Pools: blocks of one size class, handed out from a freelist threaded
 * through the free blocks, with never-used blocks carved lazily. */
#ifndef POOLALLOC_POOL_H
#define POOLALLOC_POOL_H

#include "annotate.h"
#include "heap_types.h"

/* Ready a pool for class c with one carved block on its freelist. */
static inline void pa_pool_init(pa_pool *pool, const pa_size_class *c, unsigned cls) {
    pa_block *first = (pa_block *)((char *)pool + c->first_offset);
    pa_link_write(first, NULL);
    pool->count = 0;
    pool->size_class = cls;
    pool->freeblock = first;
    pool->nextoffset = c->first_offset + c->block_size;
    pool->maxnextoffset = c->max_offset;
}

/* Link pool into c's used list between prev and next (NULL: the list's
 * end on that side). */
static inline void pa_pool_link_used(pa_size_class *c, pa_pool *prev, pa_pool *next, pa_pool *pool) {
    pool->prev = prev;
    pool->next = next;
    if (prev)
        prev->next = pool;
    else
        c->used = pool;
    if (next)
        next->prev = pool;
    else
        c->used_tail = pool;
}

static inline void pa_pool_push_used(pa_size_class *c, pa_pool *pool) { pa_pool_link_used(c, NULL, c->used, pool); }

/* A full pool that gains a free block queues behind the class's other
 * pools: by the time allocations reach it, more of its blocks are free.
 * At the head it would give its one block back to the next allocation and
 * be full again, leaving and rejoining the list on every such pair, a
 * branch that goes either way at random (docs/ARCHITECTURE.md, "The fast
 * paths"). */
static inline void pa_pool_append_used(pa_size_class *c, pa_pool *pool) {
    pa_pool_link_used(c, c->used_tail, NULL, pool);
}

static inline void pa_pool_unlink_used(pa_size_class *c, pa_pool *pool) {
    if (pool->prev)
        pool->prev->next = pool->next;
    else
        c->used = pool->next;
    if (pool->next)
        pool->next->prev = pool->prev;
    else
        c->used_tail = pool->prev;
}

/* Put b, a live block of pool, back on its freelist; count is the pool's
 * count as read before. A pool that was full goes back at the tail of its
 * class's used list (classes: the heap's). */
static inline void pa_pool_push_block(pa_size_class *classes, pa_pool *pool, pa_block *b, uint32_t count) {
    pa_block *old = pool->freeblock;
    pa_link_write(b, old);
    pool->freeblock = b;
    pool->count = count - 1;
    if (PA_UNLIKELY(old == NULL))
        pa_pool_append_used(&classes[pool->size_class], pool);
}

/* The freelist just ran dry: carve the next never-used block, or, when the
 * pool has none left, take the (full) pool off its class's list. */
static inline pa_block *pa_pool_refill(pa_size_class *c, pa_pool *pool) {
    if (pool->nextoffset <= pool->maxnextoffset) {
        pa_block *b = (pa_block *)((char *)pool + pool->nextoffset);
        pool->nextoffset += c->block_size;
        pa_link_write(b, NULL);
        return b;
    }
    pa_pool_unlink_used(c, pool);
    return NULL;
}

/* Has c a spare its arena lends it, with no block in use (arena.c,
 * "spares")? Then it is the class's next pool. */
static inline int pa_spare_unused(const pa_size_class *c) { return c->spare && c->spare->count == 0; }

/* Hand out the head block of a pool that is on c's used list. The next
 * block's link is what the class's next malloc reads: fetched now, it is
 * in cache by then. With a large live set it was freed long ago, and that
 * read was the costliest miss of the malloc fast path (perf: 58% of
 * pa_malloc's samples in the bench's threadlocal). */
static inline void *pa_pool_pop(pa_size_class *c, pa_pool *pool) {
    pa_block *b = pool->freeblock;
    pa_block *next = pa_link_read(b);
    pool->count++;
    if (PA_UNLIKELY(!next))
        next = pa_pool_refill(c, pool);
    else
        __builtin_prefetch(next);
    pool->freeblock = next;
    return b;
}

#endif

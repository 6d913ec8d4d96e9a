/* What the heap tells ASan, MSan and Valgrind memcheck, so they see inside
 * pools as they see inside malloc. Each hook compiles to nothing unless its
 * build switch is on (PA_ANNOTATE_ASAN, PA_ANNOTATE_VALGRIND, or an MSan
 * build), so a normal build pays nothing.
 *
 * ASan: alloc/ is compiled without ASan instrumentation but calls ASan's
 * poisoning interface. An arena is poisoned whole when mapped; exactly the
 * requested bytes of a block are unpoisoned when it is handed out, and the
 * whole block is poisoned again when freed. So headers, free blocks, their
 * freelist links and never-carved space are poisoned for every instrumented
 * caller, while the allocator's own reads and writes of them are not checked.
 *
 * Valgrind: each heap is a metapool whose chunks are its arenas (freeing an
 * arena frees the blocks in it); blocks are malloc-like blocks of their class
 * size; free blocks are no-access and the allocator opens a link word only
 * around its own read or write of it. */
#ifndef POOLALLOC_ANNOTATE_H
#define POOLALLOC_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#define PA_ANNOTATE_MSAN 1
#endif
#endif

#ifdef PA_ANNOTATE_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#endif
#ifdef PA_ANNOTATE_MSAN
#include <sanitizer/msan_interface.h>
#endif
#ifdef PA_ANNOTATE_VALGRIND
#include <valgrind/memcheck.h>
#endif

#if defined(PA_ANNOTATE_ASAN) || defined(PA_ANNOTATE_VALGRIND) || defined(PA_ANNOTATE_MSAN)
#define PA_ANNOTATING 1
#else
#define PA_ANNOTATING 0
#endif

static inline void pa_annotate_heap_created(const pa_heap *h) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_CREATE_MEMPOOL_EXT(h, 0, 0, VALGRIND_MEMPOOL_METAPOOL | VALGRIND_MEMPOOL_AUTO_FREE);
#endif
    (void)h;
}

static inline void pa_annotate_heap_destroyed(const pa_heap *h) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_DESTROY_MEMPOOL(h);
#endif
    (void)h;
}

/* LeakSanitizer does not scan mapped memory: metadata that points at blocks
 * of the system allocator (the large table, whose cached blocks only the
 * heap holds) is made a root, so a heap never destroyed, like the default
 * one, leaks nothing. */
static inline void pa_annotate_root_mapped(const void *p, size_t size) {
#ifdef PA_ANNOTATE_ASAN
    __lsan_register_root_region(p, size);
#endif
    (void)p, (void)size;
}

static inline void pa_annotate_root_unmapping(const void *p, size_t size) {
#ifdef PA_ANNOTATE_ASAN
    __lsan_unregister_root_region(p, size);
#endif
    (void)p, (void)size;
}

/* A fresh arena: nothing in it is addressable until a block is handed out.
 * Stale poisoning from an earlier mapping at this address is replaced. */
static inline void pa_annotate_arena_mapped(const pa_heap *h, uintptr_t base, size_t size) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region((void *)base, size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MEMPOOL_ALLOC(h, (void *)base, size);
    VALGRIND_MAKE_MEM_NOACCESS((void *)base, size);
#endif
    (void)h, (void)base, (void)size;
}

/* Unmapped: leave no poisoning behind for whoever maps this range next. */
static inline void pa_annotate_arena_unmapping(const pa_heap *h, uintptr_t base, size_t size) {
#ifdef PA_ANNOTATE_ASAN
    __asan_unpoison_memory_region((void *)base, size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MEMPOOL_FREE(h, (void *)base);
#endif
    (void)h, (void)base, (void)size;
}

/* The allocator is about to write a pool header it has not used before (a
 * never-carved or recommitted pool). */
static inline void pa_annotate_pool_header(pa_pool *pool) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED(pool, sizeof *pool);
#endif
    (void)pool;
}

/* A pool's pages went back to the OS: nothing in it is addressable. */
static inline void pa_annotate_pool_decommitted(pa_pool *pool, size_t pool_size) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS(pool, pool_size);
#endif
    (void)pool, (void)pool_size;
}

static inline pa_block *pa_link_read(const pa_block *b) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(b, sizeof *b);
    pa_block *next = b->next;
    VALGRIND_MAKE_MEM_NOACCESS(b, sizeof *b);
    return next;
#else
    return b->next;
#endif
}

static inline void pa_link_write(pa_block *b, pa_block *next) {
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED(b, sizeof *b);
    b->next = next;
    VALGRIND_MAKE_MEM_NOACCESS(b, sizeof *b);
#else
    b->next = next;
#endif
}

/* A block of block_size bytes handed out for a request of size bytes. */
static inline void pa_annotate_block_alloc(const pa_heap *h, void *p, size_t size, size_t block_size) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, block_size);
    __asan_unpoison_memory_region(p, size);
#endif
#ifdef PA_ANNOTATE_MSAN
    __msan_allocated_memory(p, block_size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MALLOCLIKE_BLOCK(p, block_size, 0, 0);
#endif
    (void)h, (void)p, (void)size, (void)block_size;
}

/* A live block stays in place with a new requested size. */
static inline void pa_annotate_block_resized(void *p, size_t size, size_t block_size) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, block_size);
    __asan_unpoison_memory_region(p, size);
#endif
    (void)p, (void)size, (void)block_size;
}

/* A live block goes back to its pool (before its link word is written). */
static inline void pa_annotate_block_free(const pa_heap *h, void *p, size_t block_size) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, block_size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
    (void)h, (void)p, (void)block_size;
}

/* A large block of capacity bytes (from the large layer, or the cache when
 * reused) handed out for a request of size bytes: the bytes past the
 * request are no-access, as for small blocks. */
static inline void pa_annotate_large_handed_out(void *p, size_t size, size_t capacity, int reused) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, capacity);
    __asan_unpoison_memory_region(p, size);
#endif
#ifdef PA_ANNOTATE_MSAN
    if (reused)
        __msan_allocated_memory(p, size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    if (reused)
        VALGRIND_MAKE_MEM_UNDEFINED(p, size);
    VALGRIND_MAKE_MEM_NOACCESS((char *)p + size, capacity - size);
#endif
    (void)p, (void)size, (void)capacity, (void)reused;
}

/* A freed large block goes into the cache: no-access until reused. */
static inline void pa_annotate_large_cached(void *p, size_t capacity) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, capacity);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS(p, capacity);
#endif
    (void)p, (void)capacity;
}

/* A large block of size requested bytes leaves the heap for the large
 * layer's free or resize, which may read the block's edges: nothing of it
 * stays poisoned or no-access, and its data keeps its definedness (a
 * resize copies it). size 0: a cached block, no data. */
static inline void pa_annotate_large_released(void *p, size_t size, size_t capacity) {
#ifdef PA_ANNOTATE_ASAN
    __asan_unpoison_memory_region(p, capacity);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED((char *)p + size, capacity - size);
#endif
    (void)p, (void)size, (void)capacity;
}

/* A live large block stays in place, its request changing from old to
 * size bytes within its capacity: the new bytes are there to be written,
 * the ones past the request are no-access again. */
static inline void pa_annotate_large_resized(void *p, size_t old, size_t size, size_t capacity) {
#ifdef PA_ANNOTATE_ASAN
    __asan_poison_memory_region(p, capacity);
    __asan_unpoison_memory_region(p, size);
#endif
#ifdef PA_ANNOTATE_VALGRIND
    if (size > old)
        VALGRIND_MAKE_MEM_UNDEFINED((char *)p + old, size - old);
    VALGRIND_MAKE_MEM_NOACCESS((char *)p + size, capacity - size);
#endif
    (void)p, (void)old, (void)size, (void)capacity;
}

/* Bytes of a live block the caller may use: under ASan exactly what was
 * asked for (the first poisoned byte ends it), else the whole block. */
static inline size_t pa_annotate_usable(const void *p, size_t block_size) {
#ifdef PA_ANNOTATE_ASAN
    const char *first_poisoned = __asan_region_is_poisoned((void *)p, block_size);
    if (first_poisoned)
        return (size_t)(first_poisoned - (const char *)p);
#endif
    (void)p;
    return block_size;
}

#endif

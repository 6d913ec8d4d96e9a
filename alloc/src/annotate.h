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

#if defined(PA_ANNOTATE_ASAN) || defined(PA_ANNOTATE_VALGRIND) || defined(PA_ANNOTATE_MSAN)
#define PA_ANNOTATING 1
#else
#define PA_ANNOTATING 0
#endif

/* ---- the primitives: one block per tool ------------------------------- */

/* ASan and LSan: what callers may touch (poison), and roots for leaks. */
#ifdef PA_ANNOTATE_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#define asan_poison(p, n) __asan_poison_memory_region((p), (n))
#define asan_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#define asan_first_poisoned(p, n) ((const char *)__asan_region_is_poisoned((void *)(p), (n)))
#define lsan_root(p, n) __lsan_register_root_region((p), (n))
#define lsan_unroot(p, n) __lsan_unregister_root_region((p), (n))
#else
#define asan_poison(p, n) ((void)(p), (void)(n))
#define asan_unpoison(p, n) ((void)(p), (void)(n))
#define asan_first_poisoned(p, n) ((void)(p), (void)(n), (const char *)NULL)
#define lsan_root(p, n) ((void)(p), (void)(n))
#define lsan_unroot(p, n) ((void)(p), (void)(n))
#endif

/* MSan: bytes whose contents are not initialized. */
#ifdef PA_ANNOTATE_MSAN
#include <sanitizer/msan_interface.h>
#define msan_uninit(p, n) __msan_allocated_memory((p), (n))
#else
#define msan_uninit(p, n) ((void)(p), (void)(n))
#endif

/* Valgrind memcheck: heaps as metapools of arenas, blocks as malloc-like
 * blocks, and each byte's state (no-access, undefined, defined). */
#ifdef PA_ANNOTATE_VALGRIND
#include <valgrind/memcheck.h>
#define vg_heap_create(h) VALGRIND_CREATE_MEMPOOL_EXT((h), 0, 0, VALGRIND_MEMPOOL_METAPOOL | VALGRIND_MEMPOOL_AUTO_FREE)
#define vg_heap_destroy(h) VALGRIND_DESTROY_MEMPOOL(h)
#define vg_chunk_alloc(h, p, n) VALGRIND_MEMPOOL_ALLOC((h), (p), (n))
#define vg_chunk_free(h, p) VALGRIND_MEMPOOL_FREE((h), (p))
#define vg_malloclike(p, n) VALGRIND_MALLOCLIKE_BLOCK((p), (n), 0, 0)
#define vg_freelike(p) VALGRIND_FREELIKE_BLOCK((p), 0)
#define vg_noaccess(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#define vg_undefined(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define vg_defined(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define vg_quiet_begin() VALGRIND_DISABLE_ERROR_REPORTING
#define vg_quiet_end() VALGRIND_ENABLE_ERROR_REPORTING
#else
#define vg_heap_create(h) ((void)(h))
#define vg_heap_destroy(h) ((void)(h))
#define vg_chunk_alloc(h, p, n) ((void)(h), (void)(p), (void)(n))
#define vg_chunk_free(h, p) ((void)(h), (void)(p))
#define vg_malloclike(p, n) ((void)(p), (void)(n))
#define vg_freelike(p) ((void)(p))
#define vg_noaccess(p, n) ((void)(p), (void)(n))
#define vg_undefined(p, n) ((void)(p), (void)(n))
#define vg_defined(p, n) ((void)(p), (void)(n))
#define vg_quiet_begin() ((void)0)
#define vg_quiet_end() ((void)0)
#endif

/* ---- the events, each written once ------------------------------------ */

static inline void pa_annotate_heap_created(const pa_heap *h) { vg_heap_create(h); }

static inline void pa_annotate_heap_destroyed(const pa_heap *h) { vg_heap_destroy(h); }

/* LeakSanitizer does not scan mapped memory: metadata that points at blocks
 * of the system allocator (the large table, whose cached blocks only the
 * heap holds) is made a root, so a heap never destroyed, like the default
 * one, leaks nothing. */
static inline void pa_annotate_root_mapped(const void *p, size_t size) { lsan_root(p, size); }

static inline void pa_annotate_root_unmapping(const void *p, size_t size) { lsan_unroot(p, size); }

/* A fresh arena: nothing in it is addressable until a block is handed out.
 * Stale poisoning from an earlier mapping at this address is replaced. */
static inline void pa_annotate_arena_mapped(const pa_heap *h, uintptr_t base, size_t size) {
    asan_poison((void *)base, size);
    vg_chunk_alloc(h, (void *)base, size);
    vg_noaccess((void *)base, size);
}

/* Unmapped: leave no poisoning behind for whoever maps this range next. */
static inline void pa_annotate_arena_unmapping(const pa_heap *h, uintptr_t base, size_t size) {
    asan_unpoison((void *)base, size);
    vg_chunk_free(h, (void *)base);
}

/* The allocator is about to write a pool header it has not used before (a
 * never-carved or recommitted pool). */
static inline void pa_annotate_pool_header(pa_pool *pool) { vg_undefined(pool, sizeof *pool); }

/* A pool's pages went back to the OS: nothing in it is addressable. */
static inline void pa_annotate_pool_decommitted(pa_pool *pool, size_t pool_size) { vg_noaccess(pool, pool_size); }

/* The debug layer reads the header of a pointer it is handed to judge it,
 * and the block may be free (a double free): Valgrind, which sees a free
 * block as no-access, is told not to report that one read. */
#define PA_ANNOTATE_QUIET_READ(expr) \
    __extension__({                  \
        vg_quiet_begin();            \
        __typeof__(expr) value_ = (expr); \
        vg_quiet_end();              \
        value_;                      \
    })

/* A free block's link word is no-access to Valgrind but for the allocator's
 * own read or write of it. */
static inline pa_block *pa_link_read(const pa_block *b) {
    vg_defined(b, sizeof *b);
    pa_block *next = b->next;
    vg_noaccess(b, sizeof *b);
    return next;
}

static inline void pa_link_write(pa_block *b, pa_block *next) {
    vg_undefined(b, sizeof *b);
    b->next = next;
    vg_noaccess(b, sizeof *b);
}

/* Exactly the requested bytes of a block are addressable. */
static inline void asan_expose(void *p, size_t size, size_t block_size) {
    asan_poison(p, block_size);
    asan_unpoison(p, size);
}

/* A block of block_size bytes handed out for a request of size bytes. */
static inline void pa_annotate_block_alloc(const pa_heap *h, void *p, size_t size, size_t block_size) {
    (void)h;
    asan_expose(p, size, block_size);
    msan_uninit(p, block_size);
    vg_malloclike(p, block_size);
}

/* A live block stays in place with a new requested size. */
static inline void pa_annotate_block_resized(void *p, size_t size, size_t block_size) {
    asan_expose(p, size, block_size);
}

/* A live block goes back to its pool (before its link word is written). */
static inline void pa_annotate_block_free(const pa_heap *h, void *p, size_t block_size) {
    (void)h;
    asan_poison(p, block_size);
    vg_freelike(p);
}

/* A large block of capacity bytes (from the large layer, or the cache when
 * reused) handed out for a request of size bytes: the bytes past the
 * request are no-access, as for small blocks. */
static inline void pa_annotate_large_handed_out(void *p, size_t size, size_t capacity, int reused) {
    asan_expose(p, size, capacity);
    if (reused) {
        msan_uninit(p, size);
        vg_undefined(p, size);
    }
    vg_noaccess((char *)p + size, capacity - size);
}

/* A freed large block goes into the cache: no-access until reused. */
static inline void pa_annotate_large_cached(void *p, size_t capacity) {
    asan_poison(p, capacity);
    vg_noaccess(p, capacity);
}

/* A large block of size requested bytes leaves the heap for the large
 * layer's free or resize, which may read the block's edges: nothing of it
 * stays poisoned or no-access, and its data keeps its definedness (a
 * resize copies it). size 0: a cached block, no data. */
static inline void pa_annotate_large_released(void *p, size_t size, size_t capacity) {
    asan_unpoison(p, capacity);
    vg_undefined((char *)p + size, capacity - size);
}

/* A live large block stays in place, its request changing from old to
 * size bytes within its capacity: the new bytes are there to be written,
 * the ones past the request are no-access again. */
static inline void pa_annotate_large_resized(void *p, size_t old, size_t size, size_t capacity) {
    asan_expose(p, size, capacity);
    if (size > old)
        vg_undefined((char *)p + old, size - old);
    vg_noaccess((char *)p + size, capacity - size);
}

/* Bytes of a live block the caller may use: under ASan exactly what was
 * asked for (the first poisoned byte ends it), else the whole block. */
static inline size_t pa_annotate_usable(const void *p, size_t block_size) {
    const char *first_poisoned = asan_first_poisoned(p, block_size);
    return first_poisoned ? (size_t)(first_poisoned - (const char *)p) : block_size;
}

#endif

/* pa_malloc & co.: the fast paths on the calling thread's heap; on a miss,
 * the block's owner decides: this thread's heap, another thread's (the
 * block is handed back to it) or the shared heap (large and over-aligned
 * blocks, and anything the arena map does not know, which it reports if
 * foreign). See docs/ARCHITECTURE.md, "Threads". */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "annotate.h"
#include "arena_owner.h"
#include "default_slow.h"
#include "fast_path.h"
#include "heap_dispatch.h"
#include "heap_types.h"
#include "poolalloc/poolalloc.h"
#include "raw.h"
#include "thread_heap.h"

pa_heap *pa_default_heap(void) {
    pa_heap *h = pa_thread_heap();
    if (!h && (h = pa_shared_heap_lock()) != NULL)
        pa_shared_heap_unlock();
    return h;
}

/* fn(h, ctx) on every heap the calling thread may read or change: its own
 * (if it has one), every orphan and the shared heap, each under its lock,
 * each with the frees other threads handed back collected (the calling
 * thread's batch pushed first). */
static void each_reachable_heap(void (*fn)(pa_heap *h, void *ctx), void *ctx) {
    pa_thread_flush_remote();
    pa_heap *own = pa_tls_heap;
    if (own->in_arena_map) {
        pa_thread_collect(own);
        fn(own, ctx);
    }
    pa_thread_each_orphan(fn, ctx);
    pa_heap *s = pa_shared_heap_lock();
    if (s) {
        fn(s, ctx);
        pa_shared_heap_unlock();
    }
}

static void trim_heap(pa_heap *h, void *given) { *(size_t *)given += pa_heap_trim(h); }

size_t pa_trim(void) {
    size_t given = 0;
    each_reachable_heap(trim_heap, &given);
    return given;
}

static void add_heap_stats(pa_heap *h, void *sum) {
    pa_stats s;
    pa_heap_stats(h, &s);
    pa_stats_add(sum, &s);
}

void pa_default_stats(pa_stats *out) {
    memset(out, 0, sizeof *out);
    each_reachable_heap(add_heap_stats, out);
}

/* ---- the shared heap, one call at a time ------------------------------ */

static void shared_free(void *p) {
    pa_heap *s = pa_shared_heap_lock();
    if (s) {
        pa_heap_free(s, p);
        pa_shared_heap_unlock();
    }
}

static size_t shared_usable_size(const void *p) {
    pa_heap *s = pa_shared_heap_lock();
    size_t n = s ? pa_heap_usable_size(s, p) : 0;
    if (s)
        pa_shared_heap_unlock();
    return n;
}

/* The usable size of p, a live block of another thread's heap, as its
 * owner would say it (under ASan the requested bytes: a copy of the whole
 * block would read its poisoned tail): its pool's class is fixed while the
 * pool holds a live block, the class table never changes, and the owner
 * changes no live block's poisoning, so no read races with the owner. */
static size_t remote_block_size(const pa_heap *owner, const void *p) {
    return pa_annotate_usable(p, owner->classes[pa_pool_of(owner, p)->size_class].block_size);
}

/* ---- the malloc family ------------------------------------------------ */

__attribute__((noinline)) void *pa_malloc_slow(size_t size) {
    pa_heap *h = pa_thread_heap();
    if (h && size <= h->threshold)
        return pa_heap_malloc_slow(h, size);
    return pa_shared_alloc(PA_SHARED_MALLOC, NULL, 0, size);
}

void *pa_malloc(size_t size) {
    void *p = pa_fast_malloc_try(pa_tls_heap, size);
    return PA_LIKELY(p != NULL) ? p : pa_malloc_slow(size);
}

__attribute__((noinline)) void *pa_calloc_slow(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    pa_heap *h = pa_thread_heap();
    if (h && total <= h->threshold)
        return pa_heap_calloc(h, count, size);
    return pa_shared_alloc(PA_SHARED_CALLOC, NULL, count, size);
}

void *pa_calloc(size_t count, size_t size) {
    size_t total;
    void *p = pa_fast_calloc_block(pa_tls_heap, count, size, &total);
    return PA_LIKELY(p != NULL) ? memset(p, 0, total) : pa_calloc_slow(count, size);
}

/* Not another thread's block: this thread's, or the shared heap's (which
 * reports a foreign pointer). */
static __attribute__((noinline)) void free_not_remote(pa_heap *owner, void *p) {
    if (owner)
        pa_heap_free_slow(pa_thread_heap(), p);
    else
        shared_free(p);
}

/* Another thread's block, the common case here, takes no stack frame:
 * everything else is out of line. free(NULL), one free in six in the gcc
 * trace, returns before the map is read. */
__attribute__((noinline)) void pa_free_slow(void *p) {
    if (!p)
        return;
    pa_heap *owner = pa_arena_owner_get(p);
    if (PA_LIKELY(owner != pa_tls_heap && owner != NULL))
        pa_thread_free_remote(owner, p);
    else
        free_not_remote(owner, p);
}

void pa_free(void *p) {
    if (!pa_fast_free_try(pa_tls_heap, p))
        pa_free_slow(p);
}

/* A block that leaves its heap: another thread's, or this thread's growing
 * past the small threshold (large blocks live in the shared heap). */
static void *realloc_move(pa_heap *owner, void *p, size_t size) {
    size_t old = owner == pa_tls_heap ? pa_heap_usable_size(owner, p) : remote_block_size(owner, p);
    void *q = pa_malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    pa_free(p);
    return q;
}

__attribute__((noinline)) void *pa_realloc_slow(void *p, size_t size) {
    if (!p)
        return pa_malloc(size);
    pa_heap *owner = pa_arena_owner_get(p);
    if (!owner)
        return pa_shared_alloc(PA_SHARED_REALLOC, p, 0, size);
    if (owner == pa_tls_heap && size <= owner->threshold)
        return pa_heap_realloc_slow(pa_thread_heap(), p, size);
    return realloc_move(owner, p, size);
}

void *pa_realloc(void *p, size_t size) {
    void *q = pa_fast_realloc_try(pa_tls_heap, p, size);
    return PA_LIKELY(q != NULL) ? q : pa_realloc_slow(p, size);
}

size_t pa_usable_size(const void *p) {
    if (!p)
        return 0;
    pa_heap *owner = pa_arena_owner_get(p);
    if (owner && owner == pa_tls_heap)
        return pa_heap_usable_size(owner, p);
    if (owner)
        return remote_block_size(owner, p);
    return shared_usable_size(p);
}

void *pa_aligned_alloc(size_t alignment, size_t size) {
    int power_of_two = alignment && !(alignment & (alignment - 1));
    pa_heap *h = pa_thread_heap();
    if (h && power_of_two && pa_raw_memalign_is_small(h, alignment, size))
        return pa_heap_memalign(h, alignment, size);
    return pa_shared_alloc(PA_SHARED_MEMALIGN, NULL, alignment, size);
}

int pa_posix_memalign(void **out, size_t alignment, size_t size) {
    if (!alignment || (alignment & (alignment - 1)) || alignment % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = pa_aligned_alloc(alignment, size);
    int rc = p ? 0 : ENOMEM;
    errno = saved;
    if (p)
        *out = p;
    return rc;
}

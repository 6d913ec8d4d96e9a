/* Per-thread heaps for the default API (default_heap.c): the calling
 * thread's heap through initial-exec TLS, frees handed back to another
 * thread's heap, heaps of exited threads kept for the next thread, and the
 * one process-wide heap, behind a mutex, for large and over-aligned blocks
 * (and for everything when POOLALLOC_DEBUG asks for a debug heap). See
 * docs/ARCHITECTURE.md, "Threads". */
#ifndef POOLALLOC_THREAD_HEAP_H
#define POOLALLOC_THREAD_HEAP_H

#include <stdatomic.h>

#include "heap_types.h"
#include "poolalloc/introspect.h"

/* The calling thread's heap for the fast paths: until its first slow path
 * (and after it exits), an empty heap that no fast path serves. */
extern __thread pa_heap *pa_tls_heap __attribute__((tls_model("initial-exec")));

/* Out of line, so the common case below stays a few instructions: the
 * thread's first heap (adopted or created; NULL when it gets none), and
 * the frees other threads handed back to h. */
pa_heap *pa_thread_attach(void);
void pa_thread_collect(pa_heap *h);

/* From now on, the thread heaps made take no fast path (pa_heap_slow_paths_
 * only): called before the first is made. */
void pa_thread_heaps_slow_paths_only(void);

/* The first max heaps of the orphan list, read under its lock
 * (pa_introspect_orphans). */
size_t pa_thread_orphans(pa_orphan_view *out, size_t max);

/* The process-wide locks held now (pa_introspect_locks_held). */
unsigned pa_thread_locks_held(void);

/* fn(h, ctx) on every orphan h, its remote frees collected, under the
 * orphan lock (which adopting one takes): the caller may read or trim it. */
void pa_thread_each_orphan(void (*fn)(pa_heap *h, void *ctx), void *ctx);

/* Hands p, a block of another thread's heap, back to that heap. */
void pa_thread_free_remote(pa_heap *owner, void *p);

/* The shared heap, locked (created on first use), or NULL with errno
 * ENOMEM and nothing locked. */
pa_heap *pa_shared_heap_lock(void);
void pa_shared_heap_unlock(void);

/* An allocating call on the shared heap, under its lock: malloc (size),
 * calloc (count, size), realloc (p, size) and memalign (alignment in
 * count, size). */
typedef enum { PA_SHARED_MALLOC, PA_SHARED_CALLOC, PA_SHARED_REALLOC, PA_SHARED_MEMALIGN } pa_shared_call;
void *pa_shared_alloc(pa_shared_call call, void *p, size_t count, size_t size);

/* The calling thread's heap, adopted or created on first use, with the
 * frees other threads handed back collected (seeing none is one relaxed
 * load); NULL when it has none (a debug default heap, or no memory): the
 * shared heap then serves it. The empty heap is the one not in the map. */
static inline pa_heap *pa_thread_heap(void) {
    pa_heap *h = pa_tls_heap;
    if (PA_UNLIKELY(!h->in_arena_map) && !(h = pa_thread_attach()))
        return NULL;
    if (PA_UNLIKELY(atomic_load_explicit(&h->remote_free, memory_order_relaxed) != NULL))
        pa_thread_collect(h);
    return h;
}

#endif

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

/* A thread's frees of another heap's blocks, linked through their first
 * word, head newest, waiting to be pushed on that heap's remote-free list
 * all at once, by one compare-and-swap. A push after every free made the
 * freeing thread wait, at the swap, for its write of the link into the
 * block (a cache line the owner had just written) to reach memory: in the
 * bench's prodcons, 72% of the samples in the consumer's free_slow. Its
 * blocks count as live in their pools, as on the remote list. Pushed when
 * it holds PA_REMOTE_BATCH_MAX, when the thread frees another heap's block,
 * on the thread's own slow paths, before pa_trim and pa_default_stats,
 * and when the thread exits (or the OS thread plays another, see
 * thread_switch.h). */
#define PA_REMOTE_BATCH_MAX 32
typedef struct pa_remote_batch {
    pa_heap *owner; /* NULL when empty */
    pa_block *head, *tail;
    unsigned count;
} pa_remote_batch;
extern __thread pa_remote_batch pa_tls_batch __attribute__((tls_model("initial-exec")));

/* Hands p, a block of another thread's heap (owner), back to that heap:
 * into the calling thread's batch, pushed when full. */
void pa_thread_free_remote(pa_heap *owner, void *p);

/* Pushes the calling thread's batch, if it holds any block. */
void pa_thread_flush_remote(void);

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
    if (PA_UNLIKELY(pa_tls_batch.count != 0))
        pa_thread_flush_remote(); /* before an adoption: the batch may be the adopted heap's */
    pa_heap *h = pa_tls_heap;
    if (PA_UNLIKELY(!h->in_arena_map) && !(h = pa_thread_attach()))
        return NULL;
    if (PA_UNLIKELY(atomic_load_explicit(&h->remote_free, memory_order_relaxed) != NULL))
        pa_thread_collect(h);
    return h;
}

#endif

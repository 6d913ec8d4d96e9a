/* Testing only, not API: one OS thread plays several threads of the default
 * API in turn, so an interleaving of their calls runs deterministically and
 * replays exactly (the fuzz target interleave, fuzz/README.md). Nothing in
 * the library calls these; the fast paths are untouched. Real threads must
 * not use the heaps a caller switches between. */
#ifndef POOLALLOC_THREAD_SWITCH_H
#define POOLALLOC_THREAD_SWITCH_H

#include "poolalloc/heap.h"
#include "poolalloc/misuse.h"

/* The calling thread's heap, NULL before its first slow path or after it
 * exited (no heap is attached then). */
pa_heap *pa_thread_switch_current(void);

/* From now on the calling thread is the thread whose heap is h: h was
 * attached (pa_thread_switch_current returned it) and has not exited since.
 * NULL: a thread that has not started yet; its first call adopts an orphan
 * or creates a heap. The batch of other heaps' blocks the thread before
 * held is pushed first, as if that thread had exited. */
void pa_thread_switch_to(pa_heap *h);

/* The calling thread exits now, as its pthread key destructor would: its
 * batch of other heaps' blocks pushed, its remote frees collected, its heap put on the orphan list; after that it
 * has no heap. Nothing if it has none. */
void pa_thread_switch_exit(void);

/* The default heaps made from now on (thread heaps, the shared heap)
 * report misuse to handler with ctx (NULL: print and abort, the default):
 * a harness that never misuses the API learns of a report as a failure of
 * its own. Call it before the first call of the default API. */
void pa_thread_switch_misuse(pa_misuse_handler handler, void *ctx);

#endif

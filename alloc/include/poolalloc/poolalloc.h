/* poolalloc: a small-object allocator in the manner of CPython's pymalloc.
 * This header brings in the whole API and the process-wide default heap. */
#ifndef POOLALLOC_H
#define POOLALLOC_H

#include <stddef.h>

#include "poolalloc/attributes.h"
#include "poolalloc/config.h"
#include "poolalloc/heap.h"
#include "poolalloc/introspect.h"
#include "poolalloc/debug.h"
#include "poolalloc/object_cache.h"
#include "poolalloc/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define POOLALLOC_VERSION "0.1.0"

/* The calling thread's default heap, attached on first use (a heap an
 * exited thread left, else a new one with the default configuration); NULL
 * (errno ENOMEM) if that fails. It lives as long as the process:
 * pa_heap_destroy refuses it (0, errno EBUSY). Like any pa_heap, only its
 * thread may use it through the pa_heap_* calls. Blocks above the small
 * threshold come from a shared heap, not this one. */
pa_heap *pa_default_heap(void);

/* malloc-compatible functions on the default heaps. Thread-safe: any thread
 * may free or realloc a block another thread allocated. */
PA_RETURNS_ALIGNED void *pa_malloc(size_t size);
PA_RETURNS_ALIGNED void *pa_calloc(size_t count, size_t size);
PA_RETURNS_ALIGNED void *pa_realloc(void *p, size_t size);
void pa_free(void *p);
size_t pa_usable_size(const void *p);
/* C17 aligned_alloc: alignment a power of two (else NULL, EINVAL). */
PA_RETURNS_ALIGNED void *pa_aligned_alloc(size_t alignment, size_t size);
/* POSIX: alignment a power of two multiple of sizeof(void *); returns 0,
 * EINVAL or ENOMEM and leaves errno alone. */
int pa_posix_memalign(void **out, size_t alignment, size_t size);

/* pa_heap_trim on every heap the calling thread may touch: its own, the
 * heaps of exited threads and the shared heap. Another live thread's heap
 * is that thread's alone (no lock guards it) and is left as it is. Returns
 * the bytes given back; malloc_trim in the drop-in. */
size_t pa_trim(void);

/* pa_heap_stats summed (pa_stats_add) over the heaps pa_trim reaches: the
 * calling thread's, the exited threads' and the shared heap (large blocks).
 * Other live threads' heaps are theirs alone and are not read. The
 * drop-in's mallinfo2, malloc_stats and malloc_info report it. */
void pa_default_stats(pa_stats *out);

#ifdef __cplusplus
}
#endif
#endif

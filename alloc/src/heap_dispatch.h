/* The public layer's entry points beyond poolalloc/heap.h, for the files
 * built on it inside alloc/: the default heap (which inlines the fast paths
 * itself and falls back on the slow ones) and object caches (which tag
 * their blocks with their API for the debug layer). */
#ifndef POOLALLOC_HEAP_DISPATCH_H
#define POOLALLOC_HEAP_DISPATCH_H

#include <stddef.h>

#include "debug_layer.h"
#include "heap_types.h"

/* What follows a fast path that did not apply (fast_path.h): the debug
 * layer on a debug heap, else the raw paths. */
void *pa_heap_malloc_slow(pa_heap *h, size_t size);
void pa_heap_free_slow(pa_heap *h, void *p);
void *pa_heap_realloc_slow(pa_heap *h, void *p, size_t size);

/* malloc and free tagged with api (PA_API_*). */
void *pa_heap_malloc_api(pa_heap *h, size_t size, char api);
void pa_heap_free_api(pa_heap *h, void *p, char api);

/* Marks h as the process's default heap, which pa_heap_destroy refuses. */
void pa_heap_mark_default(pa_heap *h);
/* No call on h takes a fast path (fast_path.h): a debug heap, and a
 * thread heap whose calls a caller must see (the drop-in's checked mode).
 * Only before h's first block. */
void pa_heap_slow_paths_only(pa_heap *h);

#endif

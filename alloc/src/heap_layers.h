/* What heap.c offers the layers built on it inside alloc/: the debug layer
 * (which wraps the plain heap) and object caches (which tag their blocks). */
#ifndef POOLALLOC_HEAP_LAYERS_H
#define POOLALLOC_HEAP_LAYERS_H

#include <stddef.h>

#include "heap_internal.h"

/* Which API a block came from; the debug layer checks it is freed by the same. */
enum { PA_API_MALLOC = 'm', PA_API_OBJECT_CACHE = 'o' };

void *pa_heap_malloc_api(pa_heap *h, size_t size, char api);
void pa_heap_free_api(pa_heap *h, void *p, char api);

/* The malloc family without the debug layer. alignment: a power of two. */
void *pa_raw_malloc(pa_heap *h, size_t size);
void *pa_raw_memalign(pa_heap *h, size_t alignment, size_t size);
void pa_raw_free(pa_heap *h, void *p);
int pa_raw_owns(const pa_heap *h, const void *p);

#endif

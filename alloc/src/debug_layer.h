/* The debug layer: guarded, tagged, filled blocks on top of the raw paths.
 * The public layer (heap.c) sends a debug heap's calls here; this layer
 * calls the raw paths (raw.h) and nothing above them. */
#ifndef POOLALLOC_DEBUG_LAYER_H
#define POOLALLOC_DEBUG_LAYER_H

#include <stddef.h>

#include "heap_types.h"

/* Which API a block came from; the debug layer checks it is freed by the same. */
enum { PA_API_MALLOC = 'm', PA_API_OBJECT_CACHE = 'o' };

int pa_debug_init(pa_heap *h);          /* -1: the quarantine cannot be mapped */
void pa_debug_release(pa_heap *h);      /* empty the quarantine, unmap it */
/* alignment 0: the heap's own. zeroed: calloc. api: PA_API_*. */
void *pa_debug_alloc(pa_heap *h, size_t size, size_t alignment, int zeroed, char api);
void pa_debug_free(pa_heap *h, void *p, char api, const char *operation);
void *pa_debug_realloc(pa_heap *h, void *p, size_t size);
size_t pa_debug_usable_size(pa_heap *h, const void *p);
int pa_debug_owns(const pa_heap *h, const void *p);
/* The raw block behind data pointer p, 0 if p is not a debug block's. */
uintptr_t pa_debug_block_start(const pa_heap *h, const void *p);
/* The raw block of the i-th quarantined block, oldest first. */
uintptr_t pa_debug_quarantined(const pa_heap *h, size_t i);

#endif

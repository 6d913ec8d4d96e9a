/* Freed large blocks kept for reuse. Large requests up to
 * PA_LARGE_CACHE_MAX_BLOCK bytes are made to the large layer at a rounded
 * capacity, eight steps per power of two (at most 12.5% more), so any
 * block of a step serves any request of that step. A freed one keeps its
 * slot of the large table, tagged as cached, and waits on its step's list,
 * newest first (see pa_large_slot in heap_types.h), while
 * the cache holds at most its budget (pa_config.large_cache_bytes, adapting
 * up to large_cache_bytes_max); so a program that frees and allocates
 * blocks of a few KiB over and over reuses them instead of making the
 * system allocator trim and regrow its heap (a page fault per page, every
 * time). */
#ifndef POOLALLOC_LARGE_CACHE_H
#define POOLALLOC_LARGE_CACHE_H

#include <stddef.h>

#include "heap_types.h"

/* Cacheable requests in a budget window. */
#define PA_LARGE_CACHE_DECAY_TAKES 16384

/* A new heap's budget: large_cache_bytes. */
void pa_large_cache_init(pa_heap *h);
/* The bytes the large layer is asked for when size bytes are requested
 * (size itself above PA_LARGE_CACHE_MAX_BLOCK or at most PA_LINEAR_THRESHOLD;
 * in the drop-in, whole pages). */
size_t pa_large_capacity(size_t size);
/* A cached block for size bytes (capacity: pa_large_capacity(size))
 * aligned to alignment, recorded live in the large table; or NULL. Counts
 * towards the budget's window, and a miss may raise the budget. */
void *pa_large_cache_take(pa_heap *h, size_t size, size_t capacity, size_t alignment);
/* Keep the live block of slot, being freed: 1, its slot now cached; or 0
 * when it is not cacheable or the budget has no room (the caller frees it
 * and empties the slot). */
int pa_large_cache_put(pa_heap *h, pa_large_slot *slot);
/* Free every cached block through the large layer; empty their slots. */
void pa_large_cache_release(pa_heap *h);
/* The capacity of the blocks of cache list bin. */
size_t pa_large_cache_bin_capacity(size_t bin);

#endif

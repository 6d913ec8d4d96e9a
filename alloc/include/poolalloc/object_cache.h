/* Layer 3 of the article: a bounded free list of same-size objects above a
 * heap, as CPython keeps for floats and lists. A freed object is parked in the
 * cache, up to its capacity, and handed out again without touching the heap. */
#ifndef POOLALLOC_OBJECT_CACHE_H
#define POOLALLOC_OBJECT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_object_cache pa_object_cache;

typedef struct pa_object_cache_stats {
    const char *name;
    size_t object_size;
    size_t capacity;
    size_t cached;          /* objects parked now */
    uint64_t hits;          /* allocations served from the cache */
    uint64_t misses;        /* allocations that went to the heap */
    uint64_t parked;        /* frees kept in the cache */
    uint64_t overflowed;    /* frees passed to the heap: cache full */
} pa_object_cache_stats;

/* object_size >= 1 (rounded up to hold a link); capacity may be 0 (no
 * caching). NULL with errno EINVAL or ENOMEM. name is not copied. */
pa_object_cache *pa_object_cache_create(pa_heap *heap, const char *name,
                                        size_t object_size, size_t capacity);
void *pa_object_cache_alloc(pa_object_cache *cache);
void pa_object_cache_free(pa_object_cache *cache, void *object);
/* Give every parked object back to the heap. */
void pa_object_cache_trim(pa_object_cache *cache);
void pa_object_cache_destroy(pa_object_cache *cache);
void pa_object_cache_get_stats(const pa_object_cache *cache,
                               pa_object_cache_stats *out);

#ifdef __cplusplus
}
#endif
#endif

#include "poolalloc/object_cache.h"

#include <errno.h>

#include "heap_dispatch.h"

typedef struct parked {
    struct parked *next;
} parked;

struct pa_object_cache {
    pa_heap *heap;
    parked *top;
    pa_object_cache_stats stats;
};

pa_object_cache *pa_object_cache_create(pa_heap *heap, const char *name, size_t object_size,
                                        size_t capacity) {
    if (!heap || object_size == 0) {
        errno = EINVAL;
        return NULL;
    }
    pa_object_cache *c = pa_heap_malloc(heap, sizeof *c);
    if (!c)
        return NULL;
    c->heap = heap;
    c->top = NULL;
    c->stats = (pa_object_cache_stats){
        .name = name,
        .object_size = object_size < sizeof(parked) ? sizeof(parked) : object_size,
        .capacity = capacity,
    };
    return c;
}

void *pa_object_cache_alloc(pa_object_cache *c) {
    parked *p = c->top;
    if (p) {
        c->top = p->next;
        c->stats.cached--;
        c->stats.hits++;
        return p;
    }
    c->stats.misses++;
    return pa_heap_malloc_api(c->heap, c->stats.object_size, PA_API_OBJECT_CACHE);
}

void pa_object_cache_free(pa_object_cache *c, void *object) {
    if (!object)
        return;
    if (c->stats.cached < c->stats.capacity) {
        parked *p = object;
        p->next = c->top;
        c->top = p;
        c->stats.cached++;
        c->stats.parked++;
        return;
    }
    c->stats.overflowed++;
    pa_heap_free_api(c->heap, object, PA_API_OBJECT_CACHE);
}

void pa_object_cache_trim(pa_object_cache *c) {
    while (c->top) {
        parked *p = c->top;
        c->top = p->next;
        pa_heap_free_api(c->heap, p, PA_API_OBJECT_CACHE);
    }
    c->stats.cached = 0;
}

void pa_object_cache_destroy(pa_object_cache *c) {
    if (!c)
        return;
    pa_object_cache_trim(c);
    pa_heap_free(c->heap, c);
}

void pa_object_cache_get_stats(const pa_object_cache *c, pa_object_cache_stats *out) { *out = c->stats; }

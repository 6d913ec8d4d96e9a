/* The public layer: the pa_heap_* malloc family, which sends a debug heap's
 * calls to the debug layer and every other call to the fast path or the raw
 * paths, and heap creation and destruction. */
#include <errno.h>
#include <stdint.h>

#include "annotate.h"
#include "arena.h"
#include "debug_layer.h"
#include "decommit_run.h"
#include "fast_path.h"
#include "heap_dispatch.h"
#include "heap_types.h"
#include "large_cache.h"
#include "large_table.h"
#include "layout.h"
#include "radix.h"
#include "raw.h"
#include "retention.h"

/* ---- the public malloc family: debug heaps take the debug layer -------- */

void *pa_heap_malloc_slow(pa_heap *h, size_t size) {
    if (PA_UNLIKELY(h->config.debug))
        return pa_debug_alloc(h, size, 0, 0, PA_API_MALLOC);
    return pa_raw_malloc(h, size);
}

/* A debug heap's fast threshold is 0: its calls all reach the slow path. */
static inline void *fast_malloc(pa_heap *h, size_t size) {
    void *p = pa_fast_malloc_try(h, size);
    return PA_LIKELY(p != NULL) ? p : pa_heap_malloc_slow(h, size);
}

/* A debug heap's owner cache stays empty: its frees all reach the slow path. */
static inline void fast_free(pa_heap *h, void *p) {
    if (!pa_fast_free_try(h, p))
        pa_heap_free_slow(h, p);
}

void *pa_heap_malloc(pa_heap *h, size_t size) { return fast_malloc(h, size); }

void *pa_heap_malloc_api(pa_heap *h, size_t size, char api) {
    if (PA_UNLIKELY(h->config.debug))
        return pa_debug_alloc(h, size, 0, 0, api);
    return fast_malloc(h, size);
}

void *pa_heap_calloc(pa_heap *h, size_t count, size_t size) {
    size_t total;
    void *p = pa_fast_calloc_block(h, count, size, &total);
    if (PA_LIKELY(p != NULL))
        return memset(p, 0, total);
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if (h->config.debug)
        return pa_debug_alloc(h, total, 0, 1, PA_API_MALLOC);
    return pa_raw_calloc(h, total);
}

void pa_heap_free(pa_heap *h, void *p) { fast_free(h, p); }

void pa_heap_free_slow(pa_heap *h, void *p) {
    if (PA_UNLIKELY(h->config.debug))
        pa_debug_free(h, p, PA_API_MALLOC, "free");
    else
        pa_raw_free(h, p);
}

void pa_heap_free_api(pa_heap *h, void *p, char api) {
    if (PA_UNLIKELY(h->config.debug))
        pa_debug_free(h, p, api, "free");
    else
        fast_free(h, p);
}

void *pa_heap_realloc_slow(pa_heap *h, void *p, size_t size) {
    if (h->config.debug)
        return pa_debug_realloc(h, p, size);
    return pa_raw_realloc(h, p, size);
}

void *pa_heap_realloc(pa_heap *h, void *p, size_t size) {
    void *q = pa_fast_realloc_try(h, p, size);
    return PA_LIKELY(q != NULL) ? q : pa_heap_realloc_slow(h, p, size);
}

size_t pa_heap_usable_size(pa_heap *h, const void *p) {
    if (!p)
        return 0;
    if (h->config.debug)
        return pa_debug_usable_size(h, p);
    return pa_raw_usable_size(h, p);
}

void *pa_heap_memalign(pa_heap *h, size_t alignment, size_t size) {
    if (!alignment || (alignment & (alignment - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (h->config.debug)
        return pa_debug_alloc(h, size, alignment, 0, PA_API_MALLOC);
    return pa_raw_memalign(h, alignment, size);
}

int pa_heap_owns(const pa_heap *h, const void *p) {
    return h->config.debug ? pa_debug_owns(h, p) : pa_raw_owns(h, p);
}

const pa_config *pa_heap_config(const pa_heap *h) { return &h->config; }

/* ---- create and destroy ----------------------------------------------- */

static void init_classes(pa_heap *h) {
    const pa_config *c = &h->config;
    h->nclasses = pa_config_class_count(c);
    for (size_t i = 0; i < h->nclasses; i++) {
        pa_size_class *sc = &h->classes[i];
        size_t size = pa_config_class_size(c, i);
        sc->block_size = (uint32_t)size;
        sc->first_offset = (uint32_t)pa_layout_first_offset(size);
        sc->capacity = (uint32_t)((c->pool_size - sc->first_offset) / size);
        sc->max_offset = (uint32_t)(c->pool_size - size);
    }
}

pa_heap *pa_heap_create(const pa_config *cfg) {
    pa_config c = cfg ? *cfg : pa_config_default();
    if (pa_config_validate(&c, NULL, 0) || !pa_geometry_supported(&c)) {
        errno = EINVAL;
        return NULL;
    }
    if (!c.os.map)
        c.os = pa_os_mmap();
    if (!c.large.alloc)
        c.large = pa_large_system();
    size_t page = pa_os_page_size();
    size_t pools_per_arena = c.arena_size / c.pool_size;
    size_t self = sizeof(pa_heap) + (pools_per_arena + 1) * sizeof(pa_arena *);
    self = (self + page - 1) & ~(page - 1);
    pa_heap *h = c.os.map(c.os.ctx, self, page);
    if (!h) {
        errno = ENOMEM;
        return NULL;
    }
    h->config = c;
    h->page_size = page;
    h->self_bytes = self;
    h->metadata_bytes = self;
    h->pools_per_arena = pools_per_arena;
    h->last_with_free = (pa_arena **)(h + 1);
    h->threshold = c.small_threshold;
    h->fast_threshold = c.small_threshold < PA_LINEAR_THRESHOLD ? c.small_threshold : PA_LINEAR_THRESHOLD;
    if (c.debug)
        pa_heap_slow_paths_only(h);
    h->class_shift = (unsigned)__builtin_ctzl(c.alignment);
    h->pool_mask = ~(uintptr_t)(c.pool_size - 1);
    h->pool_shift = (unsigned)__builtin_ctzl(c.pool_size);
    h->arena_low = c.arena_size - 1;
    h->arena_shift = (unsigned)__builtin_ctzl(c.arena_size);
    h->class_mask = ~(c.alignment - 1);
    h->class_scale = sizeof(pa_size_class) / c.alignment;
    init_classes(h);
    pa_retention_init(h);
    pa_decommit_run_init(h);
    pa_large_cache_init(h);
    if (pa_radix_init(h)) {
        c.os.unmap(c.os.ctx, h, self);
        errno = ENOMEM;
        return NULL;
    }
    if (pa_debug_init(h)) {
        pa_radix_destroy(h);
        c.os.unmap(c.os.ctx, h, self);
        errno = ENOMEM;
        return NULL;
    }
    pa_annotate_heap_created(h);
    return h;
}

void pa_heap_mark_default(pa_heap *h) { h->is_default = 1; }

void pa_heap_slow_paths_only(pa_heap *h) {
    h->fast_threshold = 0;
    h->owner_cache_off = 1;
}

size_t pa_heap_trim(pa_heap *h) {
    size_t cached = h->large_cache.bytes;
    pa_large_cache_release(h);
    return cached + pa_arena_trim(h);
}

size_t pa_heap_destroy(pa_heap *h) {
    if (!h)
        return 0;
    if (h->is_default) {
        /* pa_malloc and the rest would go on using it: refused (heap.h). */
        errno = EBUSY;
        return 0;
    }
    pa_debug_release(h);
    size_t live = h->large.count + pa_heap_small_blocks_in_use(h);
    pa_raw_release_large(h);
    pa_large_cache_release(h);
    pa_large_table_destroy(h);
    pa_arena_release_all(h);
    pa_radix_destroy(h);
    pa_annotate_heap_destroyed(h);
    pa_os_ops os = h->config.os;
    os.unmap(os.ctx, h, h->self_bytes);
    return live;
}

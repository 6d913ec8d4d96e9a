/* Metadata memory (ownership-map nodes, arena table, large table): mapped
 * through the heap's OS layer so it is counted and can be made to fail. */
#ifndef POOLALLOC_META_H
#define POOLALLOC_META_H

#include <stddef.h>

#include "heap_types.h"

static inline size_t pa_meta_round(const pa_heap *h, size_t size) {
    return (size + h->page_size - 1) & ~(h->page_size - 1);
}

/* Zero-filled, page-rounded; NULL on failure. */
static inline void *pa_meta_map(pa_heap *h, size_t size) {
    size = pa_meta_round(h, size);
    void *p = h->config.os.map(h->config.os.ctx, size, h->page_size);
    if (p)
        h->metadata_bytes += size;
    return p;
}

static inline void pa_meta_unmap(pa_heap *h, void *p, size_t size) {
    size = pa_meta_round(h, size);
    if (h->config.os.unmap(h->config.os.ctx, p, size) == 0)
        h->metadata_bytes -= size;
}

#endif

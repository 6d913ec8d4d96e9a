/* The ownership map: arena-aligned address -> arena slot + 1 (0: not ours). */
#ifndef POOLALLOC_RADIX_H
#define POOLALLOC_RADIX_H

#include <stdint.h>

#include "heap_types.h"

int pa_radix_init(pa_heap *h);
/* Map the arena at base to value (slot + 1), or clear it with 0. Setting may
 * need new nodes: -1 when they cannot be mapped (nothing changed). */
int pa_radix_set(pa_heap *h, uintptr_t base, uint32_t value);
void pa_radix_destroy(pa_heap *h);

static inline uint32_t pa_radix_get(const pa_radix *r, uintptr_t a) {
    void **mid = (void **)r->root[a >> r->shift_root];
    if (!mid)
        return 0;
    uint32_t *leaf = (uint32_t *)mid[(a >> r->shift_mid) & r->mask_mid];
    if (!leaf)
        return 0;
    return leaf[(a >> r->shift) & r->mask_leaf];
}

#endif

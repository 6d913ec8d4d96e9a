/* Where blocks sit inside a pool. Shared by configuration checks and heaps. */
#ifndef POOLALLOC_LAYOUT_H
#define POOLALLOC_LAYOUT_H

#include <stddef.h>

#include "heap_internal.h"

/* Blocks are aligned to the largest power of two dividing their size, up to
 * this, so aligned requests up to 64 bytes are served from pools. */
#define PA_MAX_BLOCK_ALIGN 64

static inline size_t pa_layout_block_align(size_t block_size) {
    size_t natural = block_size & -block_size;
    return natural < PA_MAX_BLOCK_ALIGN ? natural : PA_MAX_BLOCK_ALIGN;
}

static inline size_t pa_layout_first_offset(size_t block_size) {
    size_t a = pa_layout_block_align(block_size);
    return (PA_POOL_HEADER_SIZE + a - 1) & ~(a - 1);
}

#endif

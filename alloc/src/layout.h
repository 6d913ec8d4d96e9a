/* Where blocks sit inside a pool. Shared by configuration checks and heaps. */
#ifndef POOLALLOC_LAYOUT_H
#define POOLALLOC_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"

/* floor(log2(x)), x > 0. */
static inline unsigned pa_log2_floor(size_t x) { return 63u - (unsigned)__builtin_clzll((unsigned long long)x); }

/* Offsets inside a pool (pa_pool's nextoffset and maxnextoffset, a class's
 * first_offset) are 32-bit, and nextoffset reaches pool_size once the last
 * block is carved: the largest power of two they hold is the largest pool. */
#define PA_MAX_POOL_SIZE ((size_t)1 << 31)
_Static_assert(PA_MAX_POOL_SIZE <= UINT32_MAX, "nextoffset holds pool_size");

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

/* Classes above PA_LINEAR_THRESHOLD, four per doubling: geometric class g
 * holds (5 + g % 4) << (7 + g / 4) bytes, 640 for g = 0. Their spacing
 * bounds the bytes a request wastes to a fifth of its block. */
static inline size_t pa_layout_geometric_size(size_t g) { return (5 + g % 4) << (7 + g / 4); }
_Static_assert(((5 + (PA_GEOMETRIC_CLASSES - 1) % 4) << (7 + (PA_GEOMETRIC_CLASSES - 1) / 4)) == PA_MAX_THRESHOLD,
               "the last geometric class is PA_MAX_THRESHOLD");

/* The geometric class of a request of size bytes, PA_LINEAR_THRESHOLD <
 * size <= PA_MAX_THRESHOLD: its doubling, then its quarter within it. */
static inline size_t pa_layout_geometric_class(size_t size) {
    size_t s = size - 1;
    unsigned lg = pa_log2_floor(s);
    return 4 * (lg - 9) + (s >> (lg - 2)) - 4;
}

#endif

/* The default configuration's geometry (pa_config_default): alignment, pool
 * size and arena size. The drop-in, whose heaps all have it (pa_heap_create
 * refuses another there), computes its fast paths' shifts and masks from
 * these constants rather than from the heap (heap_types.h, PA_GEOMETRY). */
#ifndef POOLALLOC_DEFAULT_GEOMETRY_H
#define POOLALLOC_DEFAULT_GEOMETRY_H

#define PA_DEFAULT_ALIGNMENT 16
#define PA_DEFAULT_POOL_SIZE (16 * 1024)
#define PA_DEFAULT_ARENA_SIZE (1024 * 1024)

#endif

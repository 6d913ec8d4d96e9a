/* Statistics of a heap, kept exactly, printed as a table or JSON. */
#ifndef POOLALLOC_STATS_H
#define POOLALLOC_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "poolalloc/config.h"
#include "poolalloc/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_class_stats {
    size_t block_size;
    size_t pools;         /* pools of this class holding live blocks */
    size_t full_pools;
    size_t blocks_in_use;
    size_t bytes_in_use;  /* blocks_in_use * block_size */
    size_t free_blocks;   /* free in this class's pools: freelists + never carved */
} pa_class_stats;

typedef struct pa_stats {
    size_t nclasses;
    pa_class_stats classes[PA_MAX_CLASSES];

    uint64_t arenas_allocated_total;
    uint64_t arenas_released_total;
    size_t arenas_highwater;
    size_t arenas_current;
    size_t arena_size;

    size_t blocks_in_use;       /* small blocks */
    size_t bytes_in_use;        /* small blocks, at their class size */
    size_t bytes_free_blocks;   /* free blocks in pools that are in use */
    size_t free_pools;          /* committed free pools + never carved pools */
    size_t bytes_free_pools;
    size_t decommitted_pools;   /* free pools whose pages went back to the OS */
    size_t bytes_decommitted;
    /* Of the decommitted pools, those whose pages the heap has not yet
     * handed back: a run of adjacent pools, one OS call when flushed. */
    size_t decommit_pending_pools;
    size_t bytes_pool_headers;
    size_t bytes_quantization;  /* tail of a pool too small for a block */
    size_t bytes_alignment;     /* padding after a pool header to align blocks */
    /* blocks + free blocks + free pools + decommitted + headers +
     * quantization + alignment == arenas_current * arena_size */
    size_t bytes_total;

    size_t large_blocks;
    size_t large_bytes;         /* as requested (an aligned request of 0 bytes: 1) */
    size_t large_cached_blocks; /* freed, kept for reuse (pa_config.large_cache_bytes) */
    size_t large_cached_bytes;  /* at their capacities */
    size_t large_cache_budget;  /* bytes it may hold now (large_cache_bytes..large_cache_bytes_max) */
    /* The reuse-driven allowances now (pa_config.empty_arenas_max): wholly
     * free arenas KEEP_ONE may keep, committed free pools an arena may keep. */
    size_t empty_arenas_allowed;
    size_t free_pools_allowed;
    size_t metadata_bytes;      /* heap, arena table, ownership map, large table */
    size_t os_bytes_mapped;     /* arenas + metadata, as the OS layer handed out */
} pa_stats;

void pa_heap_stats(const pa_heap *heap, pa_stats *out);
/* Adds stats into sum, figure by figure (class by class): the total of
 * several heaps of one configuration. Start sum zeroed. */
void pa_stats_add(pa_stats *sum, const pa_stats *stats);

/* A table in the manner of sys._debugmallocstats(). Returns 0 or -1 (I/O). */
int pa_stats_print(const pa_stats *stats, FILE *out);
/* One JSON object, keys named as the fields above. Returns 0 or -1. */
int pa_stats_print_json(const pa_stats *stats, FILE *out);

#ifdef __cplusplus
}
#endif
#endif

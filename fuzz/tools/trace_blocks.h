/* The trace replay's live blocks: a dense table reused through a free list,
 * found by trace ID through a hash map. */
#ifndef PA_FUZZ_TRACE_BLOCKS_H
#define PA_FUZZ_TRACE_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "trace_u64map.h"

/* In the ID map: the ID's block could not be made (PA_NOTE_NULL_HERE). */
#define PA_TRACE_LOST UINT64_MAX

typedef struct pa_trace_block {
    void *p;
    size_t req, usable, align;
    uint64_t seed; /* content pattern; 0: zeroes (calloc) */
    uint64_t id;   /* the trace ID; names the block in reports */
    int small;     /* inside the heap's arenas */
    uint32_t next_free;
} pa_trace_block;

typedef struct pa_trace_blocks {
    pa_u64map ids; /* trace ID -> table index + 1, or PA_TRACE_LOST */
    pa_trace_block *tab;
    uint32_t len, cap, free_head; /* free_head: index + 1, 0: none */
} pa_trace_blocks;

void pa_trace_blocks_init(pa_trace_blocks *t);
void pa_trace_blocks_free(pa_trace_blocks *t);
/* A zeroed entry for id (0: a block no ID names), indexed; its index to
 * *index. NULL: no memory. */
pa_trace_block *pa_trace_blocks_new(pa_trace_blocks *t, uint64_t id, uint64_t *index);
/* The entry back on the free list; its ID is the caller's to unindex. */
void pa_trace_blocks_recycle(pa_trace_blocks *t, uint64_t index);
/* The entry's ID unindexed, the entry back on the free list. */
void pa_trace_blocks_release(pa_trace_blocks *t, uint64_t index);
/* The table index of a live trace ID; PA_TRACE_LOST if none was made. */
uint64_t pa_trace_blocks_index(const pa_trace_blocks *t, uint64_t id);
/* The live block that starts at p, NULL if none (a walk of the table: for
 * failure reports only). */
const pa_trace_block *pa_trace_blocks_at(const pa_trace_blocks *t, uintptr_t p);

/* A hint: the ID map's slot where a lookup of id (not 0) will begin. */
void pa_trace_blocks_prefetch(const pa_trace_blocks *t, uint64_t id);

#endif

/* The trace replay's live blocks: a dense table indexed by the slot the
 * trace reader gives each live ID (pa_trace_op.slot), so an op finds its
 * block by one array index, with no lookup of its ID. */
#ifndef PA_FUZZ_TRACE_BLOCKS_H
#define PA_FUZZ_TRACE_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pa_trace_block {
    void *p; /* NULL: no block (a free slot, or a lost ID) */
    size_t req, usable, align;
    uint64_t seed; /* content pattern; 0: zeroes (calloc) */
    uint64_t id;   /* the trace ID; names the block in reports */
    int small;     /* inside the heap's arenas */
    int lost;      /* the ID's block could not be made (PA_NOTE_NULL_HERE) */
} pa_trace_block;

typedef struct pa_trace_blocks {
    pa_trace_block *tab;
    uint64_t len, cap; /* len: past the highest slot used */
} pa_trace_blocks;

void pa_trace_blocks_init(pa_trace_blocks *t);
void pa_trace_blocks_free(pa_trace_blocks *t);
/* The entry of slot for id, zeroed: the table grows to hold it. NULL: no
 * memory. */
pa_trace_block *pa_trace_blocks_take(pa_trace_blocks *t, uint64_t slot, uint64_t id);
/* The entry of slot, NULL if the table never reached it. */
static inline pa_trace_block *pa_trace_blocks_get(const pa_trace_blocks *t, uint64_t slot) {
    return slot < t->len ? &t->tab[slot] : NULL;
}
/* The slot's entry emptied: its ID died. */
void pa_trace_blocks_clear(pa_trace_blocks *t, uint64_t slot);
/* The live block that starts at p, or the entry of trace ID id, NULL if
 * none (walks of the table: for reports and tests only). */
const pa_trace_block *pa_trace_blocks_at(const pa_trace_blocks *t, uintptr_t p);
const pa_trace_block *pa_trace_blocks_of_id(const pa_trace_blocks *t, uint64_t id);

#endif

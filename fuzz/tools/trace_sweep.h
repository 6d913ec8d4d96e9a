/* The full check's sweep of every live block's contents, shared by two
 * threads: the replay thread takes chunks of the block table from its
 * start, the walk's thread from its end once its walk of the heap is done,
 * so neither half of the full check waits for the other. Each end lists
 * the live blocks it met and keeps the lowest table index whose contents
 * differ from their pattern; both ends together cover the table once, so
 * the result does not depend on which thread took which chunk. */
#ifndef PA_FUZZ_TRACE_SWEEP_H
#define PA_FUZZ_TRACE_SWEEP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_blocks.h"

typedef struct pa_trace_sweep_end {
    const void **list; /* the live blocks met, at most cap of them */
    size_t *sizes;     /* their requested sizes */
    size_t cap, n;     /* n counts past cap: the table held more than expected */
    uint64_t first_bad; /* UINT64_MAX: every block met matched */
} pa_trace_sweep_end;

typedef struct pa_trace_sweep {
    const pa_trace_blocks *blocks;
    uint64_t nchunks;
    atomic_uint_fast64_t taken; /* chunks claimed by either end */
    pa_trace_sweep_end front, back;
} pa_trace_sweep;

/* Lists of cap entries for each end; the table must not change until both
 * ends have returned. */
void pa_trace_sweep_init(pa_trace_sweep *s, const pa_trace_blocks *blocks, size_t cap, const void **front_list,
                         size_t *front_sizes, const void **back_list, size_t *back_sizes);
/* Chunks until none is left: the front takes the table's first chunks, the
 * back its last. Each end is run by one thread. */
void pa_trace_sweep_run(pa_trace_sweep *s, pa_trace_sweep_end *e);
/* After both ends: the lowest table index whose contents differ,
 * UINT64_MAX if none. */
static inline uint64_t pa_trace_sweep_first_bad(const pa_trace_sweep *s) {
    return s->front.first_bad < s->back.first_bad ? s->front.first_bad : s->back.first_bad;
}

#endif

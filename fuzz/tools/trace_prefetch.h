/* Prefetches for the trace replay's coming ops: a free or realloc lands in
 * a block and a pool the replay last touched long ago, so its table entry,
 * its bytes (the oracle verifies every one), its pool's header and the
 * incremental check's record of the pool's freelist are fetched a few ops
 * before the op runs instead of stalling it. Hints only: nothing here is
 * read from the heap, and a wrong guess costs a fetch. */
#ifndef PA_FUZZ_TRACE_PREFETCH_H
#define PA_FUZZ_TRACE_PREFETCH_H

#include <stdint.h>

#include "poolalloc/check.h"
#include "trace_blocks.h"
#include "trace_pipe.h"

/* Ops between the first hint for an op (its table entry) and the op: far
 * enough for the miss to be served in time, near enough for the line to
 * stay in cache. */
#define PA_TRACE_PREFETCH_AHEAD 6

/* The table size (live blocks and recycled entries) from which the staged
 * hints run: below it the table and the blocks it names stay in cache, and
 * the hints cost about 170 instructions an op for nothing. */
#define PA_TRACE_PREFETCH_STAGED_FROM 32768

typedef struct pa_trace_prefetch {
    const pa_trace_blocks *blocks;
    uint32_t staged_from; /* PA_TRACE_PREFETCH_STAGED_FROM; a test may lower it */
    const pa_check_record *record; /* NULL: no freelists recorded */
    uintptr_t pool_mask;
    uint64_t step;
    struct {
        uintptr_t p; /* the freed block of the op at this step, 0: none */
        size_t bytes;
    } ahead[PA_TRACE_PREFETCH_AHEAD]; /* by step: from the block's first hint to its last */
} pa_trace_prefetch;

void pa_trace_prefetch_init(pa_trace_prefetch *pf, const pa_trace_blocks *blocks, const pa_check_record *record,
                            size_t pool_size);
/* The hints for the ops after the one about to run. */
void pa_trace_prefetch_step(pa_trace_prefetch *pf, const pa_trace_pipe *pipe);

#endif

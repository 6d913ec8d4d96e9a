/* The trace replay's prefetches (trace_prefetch.h). Each hint needs the one
 * before it to have arrived, so an op's are spread over the steps before
 * it: its table entry (at the slot the reader gave its ID) 6, then (its
 * block's address read from the entry) the block's first line, its pool's
 * header and the record's entry for the pool 4, the recorded list 2, and
 * the rest of the block's first 512 bytes 1. The links the recorded list
 * names are not fetched: one hint per link cost as many instructions as
 * the check's own reads and saved no time (fuzz/README.md). */
#include "trace_prefetch.h"

enum { ENTRY_AT = 6, BLOCK_AT = 4, LIST_AT = 2, BYTES_AT = 1, BYTES_MAX = 512 };

void pa_trace_prefetch_init(pa_trace_prefetch *pf, const pa_trace_blocks *blocks, const pa_check_record *record,
                            size_t pool_size) {
    *pf = (pa_trace_prefetch){.blocks = blocks,
                              .staged_from = PA_TRACE_PREFETCH_STAGED_FROM,
                              .record = record,
                              .pool_mask = ~(uintptr_t)(pool_size - 1)};
}

/* The slot of the block the op frees (a free, or a realloc's old block),
 * UINT64_MAX if none. */
static uint64_t freed_slot(const pa_trace_op *op) {
    if (!op || !op->id || (op->kind != PA_TRACE_FREE && op->kind != PA_TRACE_REALLOC))
        return UINT64_MAX;
    return op->slot;
}

void pa_trace_prefetch_step(pa_trace_prefetch *pf, const pa_trace_pipe *pipe) {
    if (pf->blocks->len < pf->staged_from)
        return;
    uint64_t i = freed_slot(pa_trace_pipe_peek(pipe, ENTRY_AT));
    if (i < pf->blocks->len)
        __builtin_prefetch(&pf->blocks->tab[i]);
    /* The same op two steps on: its entry names its block from the op that
     * made it on, which came before unless it is one of these few. */
    const pa_trace_block *e = pa_trace_blocks_get(pf->blocks, freed_slot(pa_trace_pipe_peek(pipe, BLOCK_AT)));
    uintptr_t p = 0;
    size_t bytes = 0;
    if (e && e->small && e->p) {
        p = (uintptr_t)e->p;
        bytes = e->req < BYTES_MAX ? e->req : BYTES_MAX;
        __builtin_prefetch(e->p);
        __builtin_prefetch((const void *)(p & pf->pool_mask));
        if (pf->record)
            pa_check_record_prefetch(pf->record, p & pf->pool_mask, PA_CHECK_PREFETCH_ENTRY);
    }
    pf->ahead[(pf->step + BLOCK_AT) % PA_TRACE_PREFETCH_AHEAD].p = p;
    pf->ahead[(pf->step + BLOCK_AT) % PA_TRACE_PREFETCH_AHEAD].bytes = bytes;
    p = pf->ahead[(pf->step + LIST_AT) % PA_TRACE_PREFETCH_AHEAD].p;
    if (p && pf->record)
        pa_check_record_prefetch(pf->record, p & pf->pool_mask, PA_CHECK_PREFETCH_LIST);
    p = pf->ahead[(pf->step + BYTES_AT) % PA_TRACE_PREFETCH_AHEAD].p;
    bytes = pf->ahead[(pf->step + BYTES_AT) % PA_TRACE_PREFETCH_AHEAD].bytes;
    for (size_t k = 64; k < bytes; k += 64)
        __builtin_prefetch((const void *)(p + k));
    pf->step++;
}

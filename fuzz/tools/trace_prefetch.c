/* The trace replay's prefetches (trace_prefetch.h). Each hint needs the one
 * before it to have arrived, so an op's are spread over the steps before
 * it: its ID's slot in the map 8 ops ahead, its table entry 6, then (its
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

/* The table index of the block the op frees (a free, or a realloc's old
 * block), PA_TRACE_LOST if none is live. */
static uint64_t freed_index(const pa_trace_blocks *t, const pa_trace_op *op) {
    if (!op || (op->kind != PA_TRACE_FREE && op->kind != PA_TRACE_REALLOC))
        return PA_TRACE_LOST;
    uint64_t i = pa_trace_blocks_index(t, op->id);
    return i < t->len ? i : PA_TRACE_LOST;
}

void pa_trace_prefetch_step(pa_trace_prefetch *pf, const pa_trace_pipe *pipe) {
    const pa_trace_op *far = pa_trace_pipe_peek(pipe, PA_TRACE_PREFETCH_AHEAD);
    if (far) {
        pa_trace_blocks_prefetch(pf->blocks, far->id);
        if (far->kind == PA_TRACE_REALLOC)
            pa_trace_blocks_prefetch(pf->blocks, far->new_id);
    }
    if (pf->blocks->len < pf->staged_from)
        return;
    const pa_trace_op *op = pa_trace_pipe_peek(pipe, ENTRY_AT);
    uint64_t i = freed_index(pf->blocks, op);
    if (i != PA_TRACE_LOST)
        __builtin_prefetch(&pf->blocks->tab[i]);
    pf->ahead[(pf->step + ENTRY_AT) % PA_TRACE_PREFETCH_AHEAD].op = op;
    pf->ahead[(pf->step + ENTRY_AT) % PA_TRACE_PREFETCH_AHEAD].index = i;
    /* The same op two steps on: its index stands while its block is live,
     * which it is until the op (IDs are unique among live blocks); looked
     * up again only if the op was past its batch then, or not yet live. */
    op = pa_trace_pipe_peek(pipe, BLOCK_AT);
    i = pf->ahead[(pf->step + BLOCK_AT) % PA_TRACE_PREFETCH_AHEAD].index;
    if (pf->ahead[(pf->step + BLOCK_AT) % PA_TRACE_PREFETCH_AHEAD].op != op || i == PA_TRACE_LOST)
        i = freed_index(pf->blocks, op);
    const pa_trace_block *e = i != PA_TRACE_LOST ? &pf->blocks->tab[i] : NULL;
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
    for (size_t i = 64; i < bytes; i += 64)
        __builtin_prefetch((const void *)(p + i));
    pf->step++;
}

/* The two-ended content sweep of trace_sweep.h. */
#include "trace_sweep.h"

#include "pattern.h"

enum { CHUNK = 4096, AHEAD = 16 };

void pa_trace_sweep_init(pa_trace_sweep *s, const pa_trace_blocks *blocks, size_t cap, const void **front_list,
                         size_t *front_sizes, const void **back_list, size_t *back_sizes) {
    s->blocks = blocks;
    s->nchunks = (blocks->len + CHUNK - 1) / CHUNK;
    atomic_init(&s->taken, 0);
    s->front = (pa_trace_sweep_end){front_list, front_sizes, cap, 0, UINT64_MAX};
    s->back = (pa_trace_sweep_end){back_list, back_sizes, cap, 0, UINT64_MAX};
}

/* The table is in slot order, its blocks anywhere in the heap: each one's
 * first lines are asked for well before its turn, or the sweep waits on
 * memory block after block. */
static inline void prefetch_block(const pa_trace_block *b) {
    if (!b->p)
        return;
    __builtin_prefetch(b->p);
    if (b->req > 64)
        __builtin_prefetch((const char *)b->p + 64);
}

static void sweep_chunk(const pa_trace_blocks *t, pa_trace_sweep_end *e, uint64_t chunk) {
    uint64_t lo = chunk * CHUNK, hi = lo + CHUNK < t->len ? lo + CHUNK : t->len;
    for (uint64_t i = lo; i < hi; i++) {
        if (i + AHEAD < hi)
            prefetch_block(&t->tab[i + AHEAD]);
        const pa_trace_block *b = &t->tab[i];
        if (!b->p)
            continue;
        if (e->n < e->cap) {
            e->list[e->n] = b->p;
            e->sizes[e->n] = b->req;
        }
        e->n++;
        pa_pattern_mismatch m;
        if (i < e->first_bad && pa_pattern_verify(b->p, b->req, b->req, b->seed, &m))
            e->first_bad = i;
    }
}

void pa_trace_sweep_run(pa_trace_sweep *s, pa_trace_sweep_end *e) {
    int back = e == &s->back;
    /* k claims by this end and at most nchunks by both: the front's chunks
     * 0..a-1 and the back's nchunks-b..nchunks-1 never meet */
    for (uint64_t k = 0; atomic_fetch_add_explicit(&s->taken, 1, memory_order_relaxed) < s->nchunks; k++)
        sweep_chunk(s->blocks, e, back ? s->nchunks - 1 - k : k);
}

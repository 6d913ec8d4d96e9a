#include "decommit_run.h"

#include "annotate.h"

void pa_decommit_run_init(pa_heap *h) {
    size_t max = h->config.decommit_run_pools;
    h->decommit_run = (pa_decommit_run){.max = (uint32_t)(max < h->pools_per_arena ? max : h->pools_per_arena)};
}

static void set_bit(pa_arena *a, size_t i, int on) {
    uint64_t bit = UINT64_C(1) << (i % 64);
    if (on)
        a->decommitted[i / 64] |= bit;
    else
        a->decommitted[i / 64] &= ~bit;
}

static void empty_run(pa_heap *h) { h->decommit_run = (pa_decommit_run){.max = h->decommit_run.max}; }

void pa_decommit_run_add(pa_heap *h, pa_arena *a, size_t i) {
    pa_decommit_run *r = &h->decommit_run;
    if (!pa_decommit_run_in(h, a) || (i != r->first + r->pools && i + 1 != r->first)) {
        pa_decommit_run_flush(h);
        r->slot = (uint32_t)(a - h->arenas) + 1;
        r->first = (uint32_t)i;
    } else if (i + 1 == r->first) {
        r->first = (uint32_t)i;
    }
    r->pools++;
    set_bit(a, i, 1);
    a->ndecommitted++;
    h->decommitted_pools++;
    if (r->pools == r->max)
        pa_decommit_run_flush(h);
}

void pa_decommit_run_flush(pa_heap *h) {
    pa_decommit_run *r = &h->decommit_run;
    if (!r->pools)
        return;
    const pa_config *c = &h->config;
    pa_arena *a = &h->arenas[r->slot - 1];
    char *start = (char *)a->base + (size_t)r->first * c->pool_size;
    size_t bytes = (size_t)r->pools * c->pool_size;
    if (c->os.decommit(c->os.ctx, start, bytes) == 0) {
        pa_annotate_pool_decommitted((pa_pool *)start, bytes);
    } else {
        for (size_t i = r->first; i < r->first + r->pools; i++) {
            pa_pool *pool = (pa_pool *)(start + (i - r->first) * c->pool_size);
            set_bit(a, i, 0);
            pool->next = a->freepools;
            a->freepools = pool;
        }
        a->ndecommitted -= r->pools;
        h->decommitted_pools -= r->pools;
        a->ncommitted_free += r->pools;
        h->committed_free += r->pools;
    }
    empty_run(h);
}

size_t pa_decommit_run_take(pa_heap *h) {
    pa_decommit_run *r = &h->decommit_run;
    size_t i = r->first + --r->pools;
    if (!r->pools)
        empty_run(h);
    return i;
}

void pa_decommit_run_forget(pa_heap *h, const pa_arena *a) {
    if (pa_decommit_run_in(h, a))
        empty_run(h);
}

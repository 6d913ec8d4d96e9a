/* Decommits go to the OS in runs (pa_config.decommit_run_pools). A free pool
 * the policy decommits is marked at once, in its arena's bitmap and the
 * counters, but keeps its pages until the run it joined is flushed with one
 * OS call. The heap has one run: adjacent pools of one arena. */
#ifndef POOLALLOC_DECOMMIT_RUN_H
#define POOLALLOC_DECOMMIT_RUN_H

#include "heap_types.h"

void pa_decommit_run_init(pa_heap *h);

/* Pool i of a is free and on no list: mark it decommitted, in the run. */
void pa_decommit_run_add(pa_heap *h, pa_arena *a, size_t i);

/* One OS call for the run's pools. If the OS refuses, they go back to their
 * arena's freepools, committed, as a refused decommit always has. */
void pa_decommit_run_flush(pa_heap *h);

static inline int pa_decommit_run_in(const pa_heap *h, const pa_arena *a) {
    /* The empty run first: no slot arithmetic on the common path. */
    return h->decommit_run.slot && h->decommit_run.slot == (uint32_t)(a - h->arenas) + 1;
}

/* The run is not empty: its last pool leaves it, pages intact and still
 * marked decommitted; its index in the run's arena. */
size_t pa_decommit_run_take(pa_heap *h);

/* a was unmapped: its waiting pools went with it, no call needed. */
void pa_decommit_run_forget(pa_heap *h, const pa_arena *a);

#endif

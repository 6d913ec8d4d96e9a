/* How much freed memory a heap keeps for reuse. Giving memory back to the OS
 * the moment it is free is what the article asks for, but a program that
 * frees a phase's memory and then allocates it again would pay a page fault
 * per page each time. So the heap watches for exactly that, memory it gave
 * back being needed again, and only then keeps more: a wholly free arena
 * more under PA_EMPTY_ARENA_KEEP_ONE (up to empty_arenas_max), more committed
 * free pools per arena under PA_DECOMMIT_FREE_POOLS (up to
 * decommit_keep_pools_max). Each allowance halves back towards its
 * configured floor after PA_RETENTION_DECAY_TAKES pool takes in which it
 * did not rise and memory it kept sat idle throughout: a wholly free arena
 * never taken (the low-water mark of wholly free arenas stayed at 1 or
 * more), or more committed free pools than the floor keeps never taken
 * (their low-water mark stayed above arenas x decommit_keep_pools).
 * Everything is counted in heap events, never in time, so a run replays
 * exactly. The thread heaps of the default API and the shared heap also
 * share one process-wide budget of wholly free arenas (pa_retention_share):
 * whichever heap freed the last block, the process keeps at most
 * empty_arenas_max of them. The budget's counter is an atomic touched only
 * when an arena is mapped, becomes wholly free or stops being so (slow
 * paths), never on a block's malloc or free. */
#ifndef POOLALLOC_RETENTION_H
#define POOLALLOC_RETENTION_H

#include <stdatomic.h>

#include "heap_types.h"

/* Pool takes in a window: an allowance idle for a whole window halves. */
#define PA_RETENTION_DECAY_TAKES 4096

void pa_retention_init(pa_heap *h);
/* h (with no arena yet) joins the process-wide budget of wholly free arenas. */
void pa_retention_share(pa_heap *h);
/* End of a window: halve each allowance whose memory sat idle throughout
 * towards its floor; 1 if either dropped. */
int pa_retention_decay(pa_heap *h);
/* A new arena is about to be mapped / a decommitted pool recommitted. */
void pa_retention_arena_mapped(pa_heap *h);
void pa_retention_pool_recommitted(pa_heap *h);

/* A pool was taken; 1 when the allowances just decayed (the caller then
 * gives back what they no longer cover). Inline: every pool take counts. */
static inline int pa_retention_pool_taken(pa_heap *h) {
    return PA_UNLIKELY(++h->pool_takes - h->allowance_raised_at >= PA_RETENTION_DECAY_TAKES) &&
           pa_retention_decay(h);
}

/* Wholly free arenas the sharing heaps hold now, process-wide. */
extern _Atomic size_t pa_retention_process_empty;

/* Wholly free arenas / committed free pools left the heap's counts (a pool
 * was taken from them, or they were unmapped): the low-water marks fall
 * with the counts. */
static inline void pa_retention_empty_dropped(pa_heap *h) {
    if (--h->empty_arenas < h->empty_low)
        h->empty_low = h->empty_arenas;
    if (h->shares_budget)
        atomic_fetch_sub_explicit(&pa_retention_process_empty, 1, memory_order_relaxed);
}

/* One more wholly free arena; 0 when, under KEEP_ONE, it takes a sharing
 * heap past the process-wide budget (the caller then gives it back). The
 * add and the test are one atomic step, so racing heaps never both keep
 * the last slot. */
static inline int pa_retention_empty_added(pa_heap *h) {
    h->empty_arenas++;
    if (!h->shares_budget)
        return 1;
    size_t before = atomic_fetch_add_explicit(&pa_retention_process_empty, 1, memory_order_relaxed);
    return h->config.empty_arenas != PA_EMPTY_ARENA_KEEP_ONE || before < h->config.empty_arenas_max;
}

static inline void pa_retention_committed_dropped(pa_heap *h, size_t n) {
    h->committed_free -= n;
    if (h->committed_free < h->committed_low)
        h->committed_low = h->committed_free;
}

/* An arena was unmapped while wholly free. */
static inline void pa_retention_arena_released(pa_heap *h) { h->released_since_map = 1; }

/* Under KEEP_ONE, may one more wholly free arena stay mapped? */
static inline int pa_retention_keeps_arena(const pa_heap *h) { return h->empty_arenas < h->arena_allowance; }

#endif

#include "retention.h"

_Atomic size_t pa_retention_process_empty;

void pa_retention_init(pa_heap *h) {
    h->arena_allowance = 1;
    h->pool_allowance = h->config.decommit_keep_pools;
    h->released_since_map = 0;
    h->pool_takes = h->allowance_raised_at = 0;
    h->empty_low = h->empty_arenas;
    h->committed_low = h->committed_free;
}

void pa_retention_share(pa_heap *h) { h->shares_budget = 1; }

static uint32_t doubled(uint32_t now, uint32_t most) {
    uint32_t next = now ? 2 * now : 1;
    return next < most ? next : most;
}

/* A new window starts at a rise or a decay. */
static void new_window(pa_heap *h) {
    h->allowance_raised_at = h->pool_takes;
    h->empty_low = h->empty_arenas;
    h->committed_low = h->committed_free;
}

int pa_retention_decay(pa_heap *h) {
    uint32_t arenas = h->arena_allowance, pools = h->pool_allowance, floor = h->config.decommit_keep_pools;
    /* A wholly free arena idle the whole window, or committed free pools
     * beyond every arena's floor idle the whole window: the program did
     * not reuse what the allowance kept. */
    if (h->empty_low >= 1)
        h->arena_allowance = arenas > 1 ? arenas / 2 : 1;
    if (h->committed_low > h->arenas_current * floor)
        h->pool_allowance = pools / 2 > floor ? pools / 2 : floor;
    new_window(h);
    return h->arena_allowance < arenas || h->pool_allowance < pools;
}

void pa_retention_arena_mapped(pa_heap *h) {
    if (!h->released_since_map)
        return;
    h->released_since_map = 0;
    h->arena_allowance = doubled(h->arena_allowance, h->config.empty_arenas_max);
    new_window(h);
}

void pa_retention_pool_recommitted(pa_heap *h) {
    h->pool_allowance = doubled(h->pool_allowance, h->config.decommit_keep_pools_max);
    new_window(h);
}


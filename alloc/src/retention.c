#include "retention.h"

void pa_retention_init(pa_heap *h) {
    h->arena_allowance = 1;
    h->pool_allowance = h->config.decommit_keep_pools;
    h->released_since_map = 0;
    h->pool_takes = h->allowance_raised_at = 0;
}

static uint32_t doubled(uint32_t now, uint32_t most) {
    uint32_t next = now ? 2 * now : 1;
    return next < most ? next : most;
}

static void raised(pa_heap *h) { h->allowance_raised_at = h->pool_takes; }

int pa_retention_decay(pa_heap *h) {
    h->allowance_raised_at = h->pool_takes;
    uint32_t floor = h->config.decommit_keep_pools;
    int dropped = h->arena_allowance > 1 || h->pool_allowance > floor;
    h->arena_allowance = h->arena_allowance > 1 ? h->arena_allowance / 2 : 1;
    h->pool_allowance = h->pool_allowance / 2 > floor ? h->pool_allowance / 2 : floor;
    return dropped;
}

void pa_retention_arena_mapped(pa_heap *h) {
    if (!h->released_since_map)
        return;
    h->released_since_map = 0;
    h->arena_allowance = doubled(h->arena_allowance, h->config.empty_arenas_max);
    raised(h);
}

void pa_retention_pool_recommitted(pa_heap *h) {
    h->pool_allowance = doubled(h->pool_allowance, h->config.decommit_keep_pools_max);
    raised(h);
}


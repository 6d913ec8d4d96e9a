#include "poolalloc/stats.h"

#include <inttypes.h>
#include <string.h>

#include "heap_types.h"
#include "pool_walk.h"

/* Block and pool figures come from a walk over the pools; arena and pool
 * counters are the ones the heap keeps as it runs (the checker compares). */
static void walk_pools(const pa_heap *h, pa_stats *s) {
    size_t pool_size = h->config.pool_size;
    for (size_t slot = 0; slot < h->arena_slots; slot++) {
        const pa_arena *a = &h->arenas[slot];
        if (!a->base)
            continue;
        size_t carved = pa_arena_carved_pools(h, a);
        s->free_pools += h->pools_per_arena - carved;
        for (size_t i = 0; i < carved; i++) {
            if (pa_pool_is_decommitted(a, i)) {
                s->decommitted_pools++;
                continue;
            }
            const pa_pool *pool = (const pa_pool *)(a->base + i * pool_size);
            if (pool->count == 0) {
                s->free_pools++;
                continue;
            }
            if (pool->size_class >= h->nclasses)
                continue; /* corrupt: the checker reports it, statistics skip it */
            const pa_size_class *c = &h->classes[pool->size_class];
            pa_class_stats *cs = &s->classes[pool->size_class];
            cs->blocks_in_use += pool->count;
            cs->free_blocks += c->capacity - pool->count;
            cs->full_pools += pool->count == c->capacity;
            s->bytes_pool_headers += PA_POOL_HEADER_SIZE;
            s->bytes_alignment += c->first_offset - PA_POOL_HEADER_SIZE;
            s->bytes_quantization += pool_size - c->first_offset - (size_t)c->capacity * c->block_size;
        }
    }
}

void pa_heap_stats(const pa_heap *h, pa_stats *s) {
    memset(s, 0, sizeof *s);
    s->nclasses = h->nclasses;
    s->arena_size = h->config.arena_size;
    s->arenas_allocated_total = h->arenas_allocated_total;
    s->arenas_released_total = h->arenas_released_total;
    s->arenas_highwater = h->arenas_highwater;
    s->arenas_current = h->arenas_current;
    for (size_t i = 0; i < h->nclasses; i++) {
        const pa_size_class *c = &h->classes[i];
        pa_class_stats *cs = &s->classes[i];
        cs->block_size = c->block_size;
        cs->pools = c->pools;
    }
    walk_pools(h, s);
    for (size_t i = 0; i < h->nclasses; i++) {
        pa_class_stats *cs = &s->classes[i];
        cs->bytes_in_use = cs->blocks_in_use * cs->block_size;
        s->blocks_in_use += cs->blocks_in_use;
        s->bytes_in_use += cs->bytes_in_use;
        s->bytes_free_blocks += cs->free_blocks * cs->block_size;
    }
    s->bytes_free_pools = s->free_pools * h->config.pool_size;
    s->bytes_decommitted = s->decommitted_pools * h->config.pool_size;
    s->bytes_total = s->bytes_in_use + s->bytes_free_blocks + s->bytes_free_pools + s->bytes_decommitted +
                     s->bytes_pool_headers + s->bytes_quantization + s->bytes_alignment;
    s->large_blocks = h->large.count;
    s->decommit_pending_pools = h->decommit_run.pools;
    s->large_bytes = h->large.bytes;
    s->large_cached_blocks = h->large_cache.blocks;
    s->large_cached_bytes = h->large_cache.bytes;
    s->large_cache_budget = h->large_cache.budget;
    s->empty_arenas_allowed = h->arena_allowance;
    s->free_pools_allowed = h->pool_allowance;
    s->metadata_bytes = h->metadata_bytes;
    s->os_bytes_mapped = pa_heap_os_bytes_mapped(h);
}

/* Every count and byte figure summed; the layout (class sizes, arena size)
 * is the same for every heap of one configuration. */
void pa_stats_add(pa_stats *sum, const pa_stats *s) {
    if (s->nclasses > sum->nclasses)
        sum->nclasses = s->nclasses;
    sum->arena_size = s->arena_size;
    for (size_t i = 0; i < s->nclasses; i++) {
        pa_class_stats *c = &sum->classes[i];
        const pa_class_stats *d = &s->classes[i];
        c->block_size = d->block_size;
        c->pools += d->pools;
        c->full_pools += d->full_pools;
        c->blocks_in_use += d->blocks_in_use;
        c->bytes_in_use += d->bytes_in_use;
        c->free_blocks += d->free_blocks;
    }
    sum->arenas_allocated_total += s->arenas_allocated_total;
    sum->arenas_released_total += s->arenas_released_total;
    sum->arenas_highwater += s->arenas_highwater;
    sum->arenas_current += s->arenas_current;
    sum->blocks_in_use += s->blocks_in_use;
    sum->bytes_in_use += s->bytes_in_use;
    sum->bytes_free_blocks += s->bytes_free_blocks;
    sum->free_pools += s->free_pools;
    sum->bytes_free_pools += s->bytes_free_pools;
    sum->decommitted_pools += s->decommitted_pools;
    sum->bytes_decommitted += s->bytes_decommitted;
    sum->decommit_pending_pools += s->decommit_pending_pools;
    sum->bytes_pool_headers += s->bytes_pool_headers;
    sum->bytes_quantization += s->bytes_quantization;
    sum->bytes_alignment += s->bytes_alignment;
    sum->bytes_total += s->bytes_total;
    sum->large_blocks += s->large_blocks;
    sum->large_bytes += s->large_bytes;
    sum->large_cached_blocks += s->large_cached_blocks;
    sum->large_cached_bytes += s->large_cached_bytes;
    sum->large_cache_budget += s->large_cache_budget;
    sum->empty_arenas_allowed += s->empty_arenas_allowed;
    sum->free_pools_allowed += s->free_pools_allowed;
    sum->metadata_bytes += s->metadata_bytes;
    sum->os_bytes_mapped += s->os_bytes_mapped;
}

#define ROW(label, value) fprintf(out, "%-40s= %15zu\n", label, (size_t)(value))

int pa_stats_print(const pa_stats *s, FILE *out) {
    fprintf(out, "Small block threshold = %zu, in %zu size classes.\n\n",
            s->nclasses ? s->classes[s->nclasses - 1].block_size : 0, s->nclasses);
    fprintf(out, "class   size   num pools   full pools   blocks in use  avail blocks\n"
                 "-----   ----   ---------   ----------   -------------  ------------\n");
    for (size_t i = 0; i < s->nclasses; i++) {
        const pa_class_stats *c = &s->classes[i];
        if (c->pools)
            fprintf(out, "%5zu %6zu %11zu %12zu %15zu %13zu\n", i, c->block_size, c->pools, c->full_pools,
                    c->blocks_in_use, c->free_blocks);
    }
    fputc('\n', out);
    ROW("# arenas allocated total", s->arenas_allocated_total);
    ROW("# arenas reclaimed", s->arenas_released_total);
    ROW("# arenas highwater mark", s->arenas_highwater);
    ROW("# arenas allocated current", s->arenas_current);
    char label[64];
    snprintf(label, sizeof label, "%zu arenas * %zu bytes/arena", s->arenas_current, s->arena_size);
    ROW(label, s->arenas_current * s->arena_size);
    fputc('\n', out);
    ROW("# bytes in allocated blocks", s->bytes_in_use);
    ROW("# bytes in available blocks", s->bytes_free_blocks);
    snprintf(label, sizeof label, "%zu unused pools * %zu bytes", s->free_pools,
             s->free_pools ? s->bytes_free_pools / s->free_pools : 0);
    ROW(label, s->bytes_free_pools);
    snprintf(label, sizeof label, "%zu decommitted pools", s->decommitted_pools);
    ROW(label, s->bytes_decommitted);
    ROW("# bytes lost to pool headers", s->bytes_pool_headers);
    ROW("# bytes lost to quantization", s->bytes_quantization);
    ROW("# bytes lost to block alignment", s->bytes_alignment);
    ROW("Total", s->bytes_total);
    fputc('\n', out);
    ROW("# large blocks", s->large_blocks);
    ROW("# bytes in large blocks", s->large_bytes);
    ROW("# freed large blocks cached", s->large_cached_blocks);
    ROW("# bytes in cached large blocks", s->large_cached_bytes);
    ROW("# bytes the large cache may hold", s->large_cache_budget);
    ROW("# wholly free arenas it may keep", s->empty_arenas_allowed);
    ROW("# free pools an arena may keep", s->free_pools_allowed);
    ROW("# decommitted pools still resident", s->decommit_pending_pools);
    ROW("# bytes of metadata", s->metadata_bytes);
    ROW("# bytes mapped from the OS", s->os_bytes_mapped);
    return ferror(out) ? -1 : 0;
}

int pa_stats_print_json(const pa_stats *s, FILE *out) {
    fprintf(out, "{\"classes\":[");
    for (size_t i = 0; i < s->nclasses; i++) {
        const pa_class_stats *c = &s->classes[i];
        fprintf(out,
                "%s{\"class\":%zu,\"block_size\":%zu,\"pools\":%zu,\"full_pools\":%zu,"
                "\"blocks_in_use\":%zu,\"bytes_in_use\":%zu,\"free_blocks\":%zu}",
                i ? "," : "", i, c->block_size, c->pools, c->full_pools, c->blocks_in_use, c->bytes_in_use,
                c->free_blocks);
    }
    fprintf(out,
            "],\"arenas_allocated_total\":%" PRIu64 ",\"arenas_released_total\":%" PRIu64
            ",\"arenas_highwater\":%zu,\"arenas_current\":%zu,\"arena_size\":%zu,"
            "\"blocks_in_use\":%zu,\"bytes_in_use\":%zu,\"bytes_free_blocks\":%zu,"
            "\"free_pools\":%zu,\"bytes_free_pools\":%zu,\"decommitted_pools\":%zu,"
            "\"bytes_decommitted\":%zu,\"decommit_pending_pools\":%zu,\"bytes_pool_headers\":%zu,\"bytes_quantization\":%zu,"
            "\"bytes_alignment\":%zu,\"bytes_total\":%zu,\"large_blocks\":%zu,\"large_bytes\":%zu,"
            "\"large_cached_blocks\":%zu,\"large_cached_bytes\":%zu,\"large_cache_budget\":%zu,"
            "\"empty_arenas_allowed\":%zu,"
            "\"free_pools_allowed\":%zu,\"metadata_bytes\":%zu,\"os_bytes_mapped\":%zu}\n",
            s->arenas_allocated_total, s->arenas_released_total, s->arenas_highwater, s->arenas_current,
            s->arena_size, s->blocks_in_use, s->bytes_in_use, s->bytes_free_blocks, s->free_pools,
            s->bytes_free_pools, s->decommitted_pools, s->bytes_decommitted, s->decommit_pending_pools, s->bytes_pool_headers,
            s->bytes_quantization, s->bytes_alignment, s->bytes_total, s->large_blocks, s->large_bytes,
            s->large_cached_blocks, s->large_cached_bytes, s->large_cache_budget, s->empty_arenas_allowed,
            s->free_pools_allowed,
            s->metadata_bytes, s->os_bytes_mapped);
    return ferror(out) ? -1 : 0;
}

size_t pa_heap_small_blocks_in_use(const pa_heap *h) {
    pa_stats s;
    pa_heap_stats(h, &s);
    return s.blocks_in_use;
}

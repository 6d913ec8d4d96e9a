/* pa_heap_stats against the walk: figures the heap keeps as counters must
 * be reported as the counters say (the counters themselves are checked
 * against the walk elsewhere), figures computed from pools must equal the
 * walk's, and the bytes must add up to the arenas mapped. */
#include <stdarg.h>
#include <stdio.h>

#include "check_full.h"
#include "poolalloc/stats.h"

/* A wrong figure; its name is printf-formatted only then. */
static void wrong_figure(chk_full *c, size_t want, size_t got, const char *name, ...)
    __attribute__((format(printf, 4, 5)));

static void wrong_figure(chk_full *c, size_t want, size_t got, const char *name, ...) {
    char buf[64];
    va_list ap;
    va_start(ap, name);
    vsnprintf(buf, sizeof buf, name, ap);
    va_end(ap);
    chk_loc at = chk_at_heap(c->b.heap);
    chk_report(c->b.r, CHK_STATS_FIGURE, &at, CHK_NUM(want), CHK_NUM(got), "statistics figure %s is wrong", buf);
}

/* Compared inline: a full check compares some 300 figures. */
#define FIGURE_IS(c, want, got, ...)                      \
    do {                                                  \
        size_t want_ = (want), got_ = (got);              \
        if (want_ != got_)                                \
            wrong_figure(c, want_, got_, __VA_ARGS__);    \
    } while (0)

static void class_figures(chk_full *c, const pa_stats *s, size_t k) {
    const chk_geom *g = &c->b.geom[k];
    const pa_class_view *cv = &c->b.cls[k];
    const pa_class_stats *cs = &s->classes[k];
#define CLASS_FIGURE(field, want) FIGURE_IS(c, want, cs->field, "classes[%zu]." #field, k)
    CLASS_FIGURE(block_size, g->block_size);
    CLASS_FIGURE(pools, cv->pools);
    CLASS_FIGURE(full_pools, c->t.full[k]);
    CLASS_FIGURE(blocks_in_use, c->t.blocks[k]);
    CLASS_FIGURE(bytes_in_use, c->t.blocks[k] * g->block_size);
    CLASS_FIGURE(free_blocks, c->t.free_blocks[k]);
#undef CLASS_FIGURE
}

void chk_full_stats(chk_full *c) {
    if (!c->t.exact)
        return;
    const pa_heap_view *hv = &c->b.hv;
    pa_stats s;
    pa_heap_stats(c->b.heap, &s);
    size_t blocks = 0, bytes = 0, free_bytes = 0;
    FIGURE_IS(c, hv->nclasses, s.nclasses, "nclasses");
    for (size_t k = 0; k < hv->nclasses && k < PA_MAX_CLASSES; k++) {
        class_figures(c, &s, k);
        blocks += c->t.blocks[k];
        bytes += c->t.blocks[k] * c->b.geom[k].block_size;
        free_bytes += c->t.free_blocks[k] * c->b.geom[k].block_size;
    }
    size_t pool = hv->config.pool_size;
#define FIGURE(field, want) FIGURE_IS(c, want, s.field, "%s", #field)
    FIGURE(arenas_allocated_total, hv->arenas_allocated_total);
    FIGURE(arenas_released_total, hv->arenas_released_total);
    FIGURE(arenas_highwater, hv->arenas_highwater);
    FIGURE(arenas_current, hv->arenas_current);
    FIGURE(arena_size, hv->config.arena_size);
    FIGURE(blocks_in_use, blocks);
    FIGURE(bytes_in_use, bytes);
    FIGURE(bytes_free_blocks, free_bytes);
    FIGURE(free_pools, c->t.free_pools);
    FIGURE(bytes_free_pools, c->t.free_pools * pool);
    FIGURE(decommitted_pools, c->t.decommitted);
    FIGURE(bytes_decommitted, c->t.decommitted * pool);
    /* DECOMMIT_RUN has placed the run on pools its arena marks decommitted. */
    FIGURE(decommit_pending_pools, hv->decommit_run_pools);
    FIGURE(bytes_pool_headers, c->t.headers);
    FIGURE(bytes_quantization, c->t.quantization);
    FIGURE(bytes_alignment, c->t.alignment);
    FIGURE(bytes_total, c->t.live_arenas * hv->config.arena_size);
    FIGURE(large_blocks, hv->large_blocks);
    FIGURE(large_bytes, hv->large_bytes);
    FIGURE(large_cached_blocks, hv->large_cached_blocks);
    FIGURE(large_cached_bytes, hv->large_cached_bytes);
    FIGURE(large_cache_budget, hv->large_cache_budget);
    FIGURE(empty_arenas_allowed, hv->arena_allowance);
    FIGURE(free_pools_allowed, hv->pool_allowance);
    FIGURE(metadata_bytes, hv->metadata_bytes);
    FIGURE(os_bytes_mapped, hv->os_bytes_mapped);
#undef FIGURE
}

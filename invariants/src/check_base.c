/* Shared state of a check: the heap view, class geometry, scratch bits, and
 * where an address falls among an arena's pools. */
#include <stdlib.h>
#include <string.h>

#include "check_ctx.h"
#include "poolalloc/os.h"

/* The documented layout (docs/ARCHITECTURE.md): blocks start at the pool
 * header rounded up to the largest power of two dividing the block size,
 * capped at 64 bytes. */
#define CHK_MAX_BLOCK_ALIGN 64

static size_t expected_first(size_t header, size_t block_size) {
    size_t a = block_size & -block_size;
    if (a > CHK_MAX_BLOCK_ALIGN)
        a = CHK_MAX_BLOCK_ALIGN;
    return (header + a - 1) & ~(a - 1);
}

/* The documented classes (docs/ARCHITECTURE.md): alignment steps up to 512
 * bytes, then four per doubling, 640, 768, 896, 1024, 1280 and so on. */
static size_t expected_block_size(size_t alignment, size_t c) {
    size_t linear = 512 / alignment;
    if (c < linear)
        return (c + 1) * alignment;
    size_t doubling = (c - linear) / 4, quarter = (c - linear) % 4;
    return ((size_t)512 << doubling) / 4 * (5 + quarter);
}

int chk_base_init(chk_base *b, const pa_heap *heap, pa_check_report *r) {
    b->heap = heap;
    b->r = r;
    pa_introspect_heap(heap, &b->hv);
    if (b->hv.nclasses > PA_MAX_CLASSES)
        b->hv.nclasses = PA_MAX_CLASSES;
    size_t pool_size = b->hv.config.pool_size;
    /* The checker sizes its per-pool records by the configuration, so a
     * corrupted count cannot make it index past them. */
    b->pools_per_arena_found = b->hv.pools_per_arena;
    b->hv.pools_per_arena = b->hv.config.arena_size / pool_size;
    memset(b->loaded, 0, sizeof b->loaded);
    b->memo = NULL;
    b->record = NULL;
    b->large = NULL;
    b->nlarge = 0;
    b->large_read = 0;
    /* Block numbers fit in capacity bits; the smallest class has the most. */
    size_t most = pool_size / (b->hv.config.alignment ? b->hv.config.alignment : 8) + 1;
    b->words = (most + 63) / 64;
    if (b->words <= CHK_INLINE_WORDS) {
        b->bits = b->inline_bits;
        return 0;
    }
    b->bits = malloc(2 * b->words * sizeof *b->bits);
    return b->bits ? 0 : -1;
}

void chk_class_load(chk_base *b, size_t c) {
    if (chk_bit(b->loaded, c))
        return;
    chk_set(b->loaded, c);
    chk_geom *g = &b->geom[c];
    size_t pool_size = b->hv.config.pool_size;
    if (pa_introspect_class(b->heap, c, &b->cls[c]))
        memset(&b->cls[c], 0, sizeof b->cls[c]);
    g->block_size = expected_block_size(b->hv.config.alignment ? b->hv.config.alignment : 8, c);
    g->first = expected_first(b->hv.pool_header_size, g->block_size);
    g->capacity = g->first < pool_size ? (pool_size - g->first) / g->block_size : 0;
    b->geom_ok[c] = b->cls[c].block_size == g->block_size && b->cls[c].first_block_offset == g->first;
}

void chk_base_fini(chk_base *b) {
    if (b->bits != b->inline_bits)
        free(b->bits);
    b->bits = NULL;
    free(b->large);
    b->large = NULL;
}

const chk_large_entry *chk_large_entries(chk_base *b, size_t *n) {
    if (!b->large_read) {
        size_t cap = pa_introspect_large_capacity(b->heap);
        b->large = malloc((cap ? cap : 1) * sizeof *b->large);
        for (size_t s = pa_introspect_large_next_taken(b->heap, 0); b->large && s < cap;
             s = pa_introspect_large_next_taken(b->heap, s + 1)) {
            chk_large_entry *e = &b->large[b->nlarge];
            e->kind = pa_introspect_large_slot(b->heap, s, &e->block, &e->size);
            e->slot = s;
            b->nlarge += e->kind > 0;
        }
        b->large_read = 1;
    }
    *n = b->nlarge;
    return b->large;
}

void chk_class_geometry(chk_base *b, size_t c) {
    if (b->geom_ok[c])
        return;
    const chk_geom *g = &b->geom[c];
    chk_loc at = chk_at_class(b->heap, c);
    chk_report(b->r, CHK_CLASS_GEOMETRY, &at, CHK_STR("block_size %zu, first_offset %zu", g->block_size, g->first),
               CHK_STR("block_size %zu, first_offset %zu", b->cls[c].block_size, b->cls[c].first_block_offset),
               "layout differs from the configuration");
}

void chk_class_count(chk_base *b) {
    size_t alignment = b->hv.config.alignment ? b->hv.config.alignment : 8, want = 0;
    /* The configuration is validated: small_threshold is a class size. */
    while (want < PA_MAX_CLASSES && expected_block_size(alignment, want) < b->hv.config.small_threshold)
        want++;
    want++;
    if (b->hv.nclasses == want)
        return;
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, CHK_CLASS_COUNT, &at, CHK_NUM(want), CHK_NUM(b->hv.nclasses),
               "nclasses differs from the classes up to small_threshold (%zu bytes)", b->hv.config.small_threshold);
}

/* Metadata mappings are rounded to page_size and every per-arena table is
 * sized by pools_per_arena: wrong values mis-size what the heap maps. */
void chk_heap_geometry(chk_base *b) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    size_t page = pa_os_page_size();
    if (hv->page_size != page)
        chk_report(b->r, CHK_HEAP_GEOMETRY, &at, CHK_NUM(page), CHK_NUM(hv->page_size),
                   "page_size differs from the system's page size");
    if (b->pools_per_arena_found != hv->pools_per_arena)
        chk_report(b->r, CHK_HEAP_GEOMETRY, &at, CHK_NUM(hv->pools_per_arena), CHK_NUM(b->pools_per_arena_found),
                   "pools_per_arena differs from arena_size / pool_size (%zu / %zu)", hv->config.arena_size,
                   hv->config.pool_size);
}

int chk_arena_sound(const chk_base *b, const pa_arena_view *a) {
    size_t arena_size = b->hv.config.arena_size, pool_size = b->hv.config.pool_size;
    return a->base && !(a->base & (arena_size - 1)) && a->pool_address >= a->base &&
           a->pool_address - a->base <= arena_size && !((a->pool_address - a->base) & (pool_size - 1));
}

size_t chk_arena_carved(const chk_base *b, const pa_arena_view *a) {
    return (a->pool_address - a->base) / b->hv.config.pool_size;
}

chk_where_pool chk_pool_in_arena(const chk_base *b, const pa_arena_view *a, uintptr_t addr, size_t *index) {
    if (addr < a->base || addr - a->base >= b->hv.config.arena_size)
        return CHK_POOL_OUTSIDE;
    if ((addr - a->base) & (b->hv.config.pool_size - 1))
        return CHK_POOL_UNALIGNED;
    *index = (addr - a->base) / b->hv.config.pool_size;
    if (addr >= a->pool_address)
        return CHK_POOL_UNCARVED;
    if (pa_introspect_pool_decommitted(b->heap, a->slot, *index) == 1)
        return CHK_POOL_DECOMMITTED;
    return CHK_POOL_OK;
}

const char *chk_where_text(chk_where_pool w) {
    switch (w) {
    case CHK_POOL_OK:
        return "a committed pool";
    case CHK_POOL_OUTSIDE:
        return "outside the arena";
    case CHK_POOL_UNALIGNED:
        return "not at a pool boundary";
    case CHK_POOL_UNCARVED:
        return "never carved";
    case CHK_POOL_DECOMMITTED:
        return "decommitted";
    }
    return "?";
}

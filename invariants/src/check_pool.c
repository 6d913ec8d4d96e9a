/* One pool: its header fields, its freelist (walked, never trusted) and the
 * block accounting that ties them together. */
#include <inttypes.h>
#include <string.h>

#include "check_ctx.h"

/* A link as the report shows it: an offset when it points into the pool,
 * the raw address otherwise. */
static const char *link_text(char *buf, size_t len, uintptr_t pool, size_t pool_size, uintptr_t link) {
    if (link >= pool && link - pool < pool_size)
        return chk_fmt(buf, len, "+0x%zx", (size_t)(link - pool));
    return chk_fmt(buf, len, "0x%" PRIxPTR, link);
}

static void check_header(chk_base *b, const chk_loc *at, const pa_arena_view *a, chk_pool_facts *f) {
    const chk_geom *g = &b->geom[f->v.size_class];
    size_t pool_size = b->hv.config.pool_size;
    if (f->v.arena_slot != a->slot)
        chk_report(b->r, CHK_POOL_ARENA_SLOT, at, CHK_NUM(a->slot), CHK_NUM(f->v.arena_slot),
                   "arena_slot does not name the pool's arena");
    if (f->v.maxnextoffset != pool_size - g->block_size)
        chk_report(b->r, CHK_POOL_MAXNEXTOFFSET, at, CHK_STR("0x%zx", pool_size - g->block_size),
                   CHK_STR("0x%zx", f->v.maxnextoffset), "maxnextoffset is not the last block position");
    f->count_ok = f->v.count <= g->capacity;
    if (!f->count_ok)
        chk_report(b->r, CHK_POOL_COUNT_RANGE, at, CHK_STR("<= %zu", g->capacity), CHK_NUM(f->v.count),
                   "count exceeds the blocks a pool holds");
    size_t end = g->first + g->capacity * g->block_size;
    f->layout_ok = f->v.nextoffset >= g->first && f->v.nextoffset <= end &&
                   (f->v.nextoffset - g->first) % g->block_size == 0;
    if (!f->layout_ok)
        chk_report(b->r, CHK_POOL_NEXTOFFSET, at,
                   CHK_STR("0x%zx + k * %zu, at most 0x%zx", g->first, g->block_size, end),
                   CHK_STR("0x%zx", f->v.nextoffset), "nextoffset is not a block boundary");
    else
        f->carved = (f->v.nextoffset - g->first) / g->block_size;
}

/* The freelist, walked by the heap's own trust-nothing walk
 * (pa_introspect_freelist) on the checker's geometry, so the walk ends
 * within capacity steps; each fault it stops at is reported here. A caller
 * that wants no marks (free_bits NULL) gets a walk that marks nothing and
 * so sees a cycle only as the walk outgrowing the blocks; its verdict is the
 * marking walk's otherwise (both meet the same members up to the first
 * repeat), and on a cycle the marking walk is run for the report, which
 * names the first repeat. */
static void walk_freelist(chk_base *b, const chk_loc *pool_at, chk_pool_facts *f, uint64_t *free_bits) {
    const chk_geom *g = &b->geom[f->v.size_class];
    size_t pool_size = b->hv.config.pool_size;
    uintptr_t base = f->v.base;
    size_t limit = f->layout_ok ? f->v.nextoffset : g->first + g->capacity * g->block_size;
    pa_freelist_walk w;
    int fault = PA_FREELIST_CYCLE;
    if (!free_bits && b->record && chk_record_walk(b, base, g->first, g->block_size, limit, &w)) {
        fault = PA_FREELIST_SOUND;
    } else if (!free_bits) {
        fault = pa_introspect_freelist(b->heap, base, g->first, g->block_size, limit, 0, b->bits, 0, &w);
        if (fault == PA_FREELIST_SOUND && b->record)
            chk_record_keep(b, base, g->first, g->block_size, limit, w.length);
    }
    if (fault == PA_FREELIST_CYCLE)
        fault = pa_introspect_freelist(b->heap, base, g->first, g->block_size, limit, 0,
                                       free_bits ? free_bits : b->bits, b->words * 64, &w);
    chk_loc at = *pool_at;
    if (w.last)
        at.block = w.last;
    f->freelist_ok = fault == PA_FREELIST_SOUND;
    if (f->freelist_ok) {
        f->freelen = w.length;
        return;
    }
    char buf[48];
    const char *found = link_text(buf, sizeof buf, base, pool_size, w.member);
    switch (fault) {
    case PA_FREELIST_OUT_OF_RANGE:
        chk_report(b->r, CHK_POOL_FREELIST_OUT_OF_RANGE, &at, CHK_STR("an address in [+0x%zx, +0x%zx)", g->first, limit),
                   found, "freelist member %zu is outside the carved blocks", w.length);
        break;
    case PA_FREELIST_MISALIGNED:
        chk_report(b->r, CHK_POOL_FREELIST_MISALIGNED, &at, CHK_STR("+0x%zx + k * %zu", g->first, g->block_size),
                   found, "freelist member %zu is not on a block boundary", w.length);
        break;
    case PA_FREELIST_CYCLE:
        chk_report(b->r, CHK_POOL_FREELIST_CYCLE, &at, "a list ending in NULL", CHK_STR("%s again", found),
                   "freelist member %zu repeats an earlier member", w.length);
        break;
    default:
        /* A link introspection would not read: the member is a carved block
         * of a pool the arena table calls committed, so the ownership map
         * disagrees, which OWNER_MAP_MISSING reports. */
        break;
    }
}

static void check_accounting(chk_base *b, const chk_loc *at, chk_pool_facts *f) {
    const chk_geom *g = &b->geom[f->v.size_class];
    if (!f->v.freeblock && f->count_ok && f->v.count < g->capacity) {
        chk_report(b->r, CHK_POOL_FREELIST_EMPTY_NOT_FULL, at, CHK_STR("count %zu (full)", g->capacity),
                   CHK_STR("count %u", f->v.count), "freelist is empty but the pool is not full");
        return;
    }
    if (!f->freelist_ok || !f->count_ok || !f->layout_ok)
        return;
    size_t never = g->capacity - f->carved;
    size_t sum = f->freelen + f->v.count + never;
    if (sum != g->capacity)
        chk_report(b->r, CHK_POOL_BLOCK_ACCOUNTING, at, CHK_NUM(g->capacity),
                   CHK_STR("%zu free + %u in use + %zu never carved = %zu", f->freelen, f->v.count, never, sum),
                   "blocks do not add up to the pool's capacity");
}

void chk_pool(chk_base *b, const pa_arena_view *a, size_t index, chk_pool_facts *f, uint64_t *free_bits) {
    memset(f, 0, sizeof *f);
    uintptr_t base = a->base + index * b->hv.config.pool_size;
    if (pa_introspect_pool(b->heap, base, &f->v))
        return;
    f->read = 1;
    chk_loc at = chk_at_pool(b->heap, a, index, base, &f->v);
    if (f->v.size_class >= b->hv.nclasses) {
        chk_report(b->r, CHK_POOL_SIZE_CLASS, &at, CHK_STR("< %zu", b->hv.nclasses), CHK_NUM(f->v.size_class),
                   "size_class is not a class");
        return;
    }
    f->class_ok = 1;
    chk_class_load(b, f->v.size_class);
    check_header(b, &at, a, f);
    walk_freelist(b, &at, f, free_bits);
    check_accounting(b, &at, f);
}

/* The debug layer's blocks (DEBUG_*): on a debug heap, the layer's own judge
 * of every live and quarantined block (pa_heap_debug_scan_pool and
 * pa_heap_debug_scan_large), one violation per damaged block. A pool's
 * block is named by arena slot, pool index and offset, a large block by the
 * serial number in its header, so messages are the same from run to run.
 * Only pools the full check found sound are scanned: in a broken pool which
 * blocks are live is unknown (the pool's own violation says why), and in an
 * arena it could not place a pool is not safe to read. */
#include <stdlib.h>

#include "check_full.h"
#include "poolalloc/debug.h"

typedef struct debug_scan {
    chk_full *c;
    chk_loc at;              /* the pool being scanned */
    pa_debug_finding *large; /* reported by serial: the table's order is by address */
    size_t nlarge, cap;
} debug_scan;

static void report(pa_check_report *r, const chk_loc *at, const pa_debug_finding *f) {
    char name[96], what[128];
    chk_fmt(name, sizeof name, "%s%s debug block (serial %llu)", f->freed ? "quarantined" : "live",
            f->large ? " large" : "", (unsigned long long)f->serial);
    chk_id id;
    switch (f->kind) {
    case PA_DEBUG_HEADER_DAMAGED:
        chk_report(r, CHK_DEBUG_HEADER, at, CHK_STR("at most %zu", f->room), CHK_NUM(f->size),
                   "%s: its header's requested size cannot fit in its %zu-byte block", name, f->block_size);
        return;
    case PA_DEBUG_FREED_WRITTEN:
        id = CHK_DEBUG_QUARANTINE_FILL;
        chk_fmt(what, sizeof what, "byte %zu of its %llu-byte data was written after free", f->byte,
                (unsigned long long)f->size);
        break;
    case PA_DEBUG_GUARD_BEFORE:
        id = CHK_DEBUG_GUARD_BEFORE;
        chk_fmt(what, sizeof what, "forbidden byte %zu before the data was written", f->byte);
        break;
    default:
        id = CHK_DEBUG_GUARD_AFTER;
        chk_fmt(what, sizeof what, "forbidden byte %zu after the %llu-byte data was written", f->byte,
                (unsigned long long)f->size);
        break;
    }
    chk_report(r, id, at, CHK_STR("0x%02X", f->expected), CHK_STR("0x%02X", f->found), "%s: %s", name, what);
}

static void on_pool_finding(void *ctx, const pa_debug_finding *f) {
    debug_scan *s = ctx;
    s->at.block = f->block;
    report(s->c->b.r, &s->at, f);
}

static void on_large_finding(void *ctx, const pa_debug_finding *f) {
    debug_scan *s = ctx;
    if (s->nlarge == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        pa_debug_finding *grown = realloc(s->large, cap * sizeof *grown);
        if (!grown) {
            s->c->b.r->dropped++;
            return;
        }
        s->large = grown;
        s->cap = cap;
    }
    s->large[s->nlarge] = *f;
    s->large[s->nlarge++].message = NULL; /* it dies with the call */
}

static int by_serial(const void *x, const void *y) {
    uint64_t a = ((const pa_debug_finding *)x)->serial, b = ((const pa_debug_finding *)y)->serial;
    return (a > b) - (a < b);
}

/* The ring exists (a heap whose ring could not be mapped must not have been
 * created), is filled in free order from slot 0 and only cycles once full:
 * a shorter quarantine, or one that cycles early, lets a freed block be
 * reused before debug_quarantine more frees have passed. */
void chk_quarantine_ring(chk_base *b) {
    const pa_heap_view *hv = &b->hv;
    size_t cap = hv->config.debug_quarantine, len = hv->quarantine_len, head = hv->quarantine_head;
    chk_loc at = chk_at_heap(b->heap);
    if (cap && !hv->quarantine_mapped)
        chk_report(b->r, CHK_DEBUG_QUARANTINE_RING, &at, CHK_STR("a ring of %zu slots", cap), "none",
                   "the debug quarantine has no ring");
    else if (len > cap)
        chk_report(b->r, CHK_DEBUG_QUARANTINE_RING, &at, CHK_STR("at most %zu", cap), CHK_NUM(len),
                   "the debug quarantine holds more blocks than debug_quarantine");
    else if (head >= (cap ? cap : 1))
        chk_report(b->r, CHK_DEBUG_QUARANTINE_RING, &at, CHK_STR("below %zu", cap ? cap : 1), CHK_NUM(head),
                   "the debug quarantine's oldest block is outside its ring");
    else if (len < cap && head)
        chk_report(b->r, CHK_DEBUG_QUARANTINE_RING, &at, "ring slot 0", CHK_STR("ring slot %zu", head),
                   "the debug quarantine cycled before it was full (%zu of %zu blocks held)", len, cap);
}

void chk_full_debug(chk_full *c) {
    const pa_heap_view *hv = &c->b.hv;
    if (!hv->config.debug)
        return;
    chk_quarantine_ring(&c->b);
    debug_scan s = {c, chk_at_heap(c->b.heap), NULL, 0, 0};
    /* Only pools the full check found sound are read: their live blocks are
     * known, and the scan reads nothing the checker has not placed. */
    for (size_t slot = 0; slot < hv->arena_slots; slot++)
        for (size_t i = 0; c->arenas[slot].read && c->arenas[slot].v.base && i < hv->pools_per_arena; i++) {
            uintptr_t pool = c->arenas[slot].v.base + i * hv->config.pool_size;
            pa_pool_view v;
            if (!c->pools[slot * hv->pools_per_arena + i].sound || pa_introspect_pool(c->b.heap, pool, &v))
                continue;
            s.at = chk_at_pool(c->b.heap, &c->arenas[slot].v, i, pool, &v);
            pa_heap_debug_scan_pool(c->b.heap, pool, on_pool_finding, &s);
        }
    pa_heap_debug_scan_large(c->b.heap, on_large_finding, &s);
    if (s.nlarge)
        qsort(s.large, s.nlarge, sizeof *s.large, by_serial);
    chk_loc at = chk_at_heap(c->b.heap);
    for (size_t i = 0; i < s.nlarge; i++)
        report(c->b.r, &at, &s.large[i]);
    free(s.large);
}

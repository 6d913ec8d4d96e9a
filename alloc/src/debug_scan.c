/* The debug layer's whole-heap scan (poolalloc/debug.h): every live and
 * quarantined debug block judged where it lies, without a call to the OS. */
#include <string.h>

#include "debug_block.h"
#include "large_table.h"
#include "pool_walk.h"
#include "poolalloc/debug.h"
#include "poolalloc/introspect.h"

/* Blocks judged per walk of a pool's freelist: the scan's bitmap is on the
 * stack (a scan asks the OS for nothing, so it cannot fail and does not
 * disturb an OS layer's counts), and a pool with more blocks is judged in
 * windows, walking its freelist once per window. */
#define WINDOW 4096

typedef struct scan {
    const pa_heap *h;
    pa_debug_finding_fn fn;
    void *ctx;
    size_t damaged;
} scan;

static void scan_block(scan *s, uintptr_t raw, size_t bytes, const uint8_t *data, int large) {
    judgement j;
    if (!pa_debug_judge(raw, bytes, data, "verify", &j))
        return;
    j.f.large = large;
    s->damaged++;
    s->fn(s->ctx, &j.f);
}

/* The data pointer of the debug block in raw block u of the given bytes
 * (lead 32 or 64; 64 only where the block has room for it). */
static const uint8_t *data_in_small(uintptr_t u, size_t bytes) {
    const dbg_header *at32 = (const dbg_header *)u;
    int lead64 = at32->lead != HEADER_SIZE && bytes >= 2 * HEADER_SIZE + TAIL_SIZE;
    return (const uint8_t *)(u + (lead64 ? 2 * HEADER_SIZE : HEADER_SIZE));
}

/* Where a pool's blocks lie, if its class and nextoffset place them, aligned,
 * inside the pool and big enough for a debug block; 0 otherwise (the heap is
 * corrupt: the invariant checker says how). */
static int pool_layout(const pa_heap *h, const pa_pool *pool, size_t *first, size_t *size, size_t *carved) {
    if (pool->size_class >= h->nclasses)
        return 0;
    const pa_size_class *c = &h->classes[pool->size_class];
    size_t pool_size = h->config.pool_size, align = h->config.alignment;
    if (c->block_size < HEADER_SIZE + TAIL_SIZE || c->block_size % align || c->first_offset % align ||
        c->first_offset < sizeof *pool || pool->nextoffset < c->first_offset || pool->nextoffset > pool_size ||
        (pool->nextoffset - c->first_offset) % c->block_size)
        return 0;
    *first = c->first_offset;
    *size = c->block_size;
    *carved = (pool->nextoffset - c->first_offset) / c->block_size;
    return 1;
}

/* Live slots of a pool are the carved ones not on its freelist. The
 * freelist is walked by the heap's trust-nothing walk, once per window;
 * a pool whose freelist is broken or disagrees with count is not judged:
 * which blocks are live is then unknown (reading a free block as live
 * would also trip Valgrind). */
static void scan_pool(scan *s, const pa_pool *pool) {
    size_t first, size, carved;
    uint64_t is_free[WINDOW / 64];
    if (!pool->count || !pool_layout(s->h, pool, &first, &size, &carved))
        return;
    for (size_t from = 0; from < carved; from += WINDOW) {
        pa_freelist_walk w;
        if (pa_introspect_freelist(s->h, (uintptr_t)pool, first, size, first + carved * size, from, is_free, WINDOW,
                                   &w) != PA_FREELIST_SOUND ||
            w.length + pool->count != carved)
            return;
        for (size_t k = 0; k < WINDOW && from + k < carved; k++)
            if (!((is_free[k / 64] >> (k % 64)) & 1)) {
                uintptr_t u = (uintptr_t)pool + first + (from + k) * size;
                scan_block(s, u, size, data_in_small(u, size), 0);
            }
    }
}

size_t pa_heap_debug_scan_pool(const pa_heap *h, uintptr_t pool, pa_debug_finding_fn fn, void *ctx) {
    scan s = {h, fn, ctx, 0};
    if (h->config.debug && (pool & h->pool_mask) == pool && pa_readable_pool_arena(h, pool))
        scan_pool(&s, (const pa_pool *)pool);
    return s.damaged;
}

/* A large block's lead is the one its header at that lead confirms. */
size_t pa_heap_debug_scan_large(const pa_heap *h, pa_debug_finding_fn fn, void *ctx) {
    scan s = {h, fn, ctx, 0};
    const pa_large_table *t = &h->large;
    for (size_t i = 0; h->config.debug && i < t->capacity; i++) {
        if (!pa_large_slot_live(&t->slots[i]))
            continue; /* empty, or a cached block: no data */
        uintptr_t u = t->slots[i].block;
        size_t bytes = t->slots[i].size;
        for (size_t lead = HEADER_SIZE; lead <= h->debug_max_lead && lead + TAIL_SIZE <= bytes; lead *= 2)
            if (header_of((void *)(u + lead))->lead == lead) {
                scan_block(&s, u, bytes, (const uint8_t *)(u + lead), 1);
                break;
            }
    }
    return s.damaged;
}

size_t pa_heap_debug_scan(const pa_heap *h, pa_debug_finding_fn fn, void *ctx) {
    size_t damaged = 0;
    for (size_t slot = 0; h->config.debug && slot < h->arena_slots; slot++) {
        const pa_arena *a = &h->arenas[slot];
        for (size_t i = 0; a->base && i < h->pools_per_arena; i++)
            damaged += pa_heap_debug_scan_pool(h, a->base + i * h->config.pool_size, fn, ctx);
    }
    return damaged + pa_heap_debug_scan_large(h, fn, ctx);
}

static void deliver_verify(void *ctx, const pa_debug_finding *f) { pa_debug_deliver(ctx, "verify", f); }

size_t pa_heap_debug_verify(pa_heap *h) { return pa_heap_debug_scan(h, deliver_verify, h); }

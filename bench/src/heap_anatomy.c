#include "heap_anatomy.h"

#include <stdint.h>
#include <stdio.h>

#include "poolalloc/poolalloc.h"

typedef struct anatomy {
    int taken;
    size_t pool_bytes, free_bytes, page_bytes;
} anatomy;

static anatomy at_mark;

#define WINDOW 4096 /* blocks of a pool marked per freelist walk */

/* Pages of one in-use pool holding its header or part of a live block;
 * blocks are visited in address order, so a page is counted once. Returns
 * 0 when the freelist is not sound (then the pool is counted whole). */
static size_t live_pages(const pa_heap *h, const pa_pool_view *pool, const pa_class_view *c, size_t page,
                         size_t *free_blocks) {
    size_t carved = (pool->nextoffset - c->first_block_offset) / c->block_size;
    uint64_t is_free[WINDOW / 64];
    uintptr_t counted = pool->base / page; /* the header's page */
    size_t pages = 1, live = 0;
    for (size_t from = 0; from < carved; from += WINDOW) {
        pa_freelist_walk w;
        if (pa_introspect_freelist(h, pool->base, c->first_block_offset, c->block_size,
                                   c->first_block_offset + carved * c->block_size, from, is_free, WINDOW,
                                   &w) != PA_FREELIST_SOUND)
            return 0;
        for (size_t k = 0; k < WINDOW && from + k < carved; k++) {
            if ((is_free[k / 64] >> (k % 64)) & 1)
                continue;
            live++;
            uintptr_t start = pool->base + c->first_block_offset + (from + k) * c->block_size;
            for (uintptr_t p = start / page; p <= (start + c->block_size - 1) / page; p++)
                if (p > counted) {
                    counted = p;
                    pages++;
                }
        }
    }
    *free_blocks = c->capacity - live;
    return pages;
}

void bench_heap_anatomy_take(void) {
    const pa_heap *h = pa_default_heap();
    if (!h)
        return;
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    size_t pool_size = hv.config.pool_size, page = hv.page_size;
    anatomy a = {1, 0, 0, 0};
    for (size_t slot = 0; slot < hv.arena_slots; slot++) {
        pa_arena_view av;
        if (pa_introspect_arena_slot(h, slot, &av) != 0 || !av.base)
            continue;
        for (uintptr_t base = av.base; base < av.pool_address; base += pool_size) {
            pa_pool_view pv;
            pa_class_view cv;
            if (pa_introspect_pool_decommitted(h, slot, (base - av.base) / pool_size) ||
                pa_introspect_pool(h, base, &pv) != 0 || pv.count == 0 ||
                pa_introspect_class(h, pv.size_class, &cv) != 0)
                continue;
            size_t free_blocks = 0, pages = live_pages(h, &pv, &cv, page, &free_blocks);
            a.pool_bytes += pool_size;
            a.free_bytes += free_blocks * cv.block_size;
            a.page_bytes += pages ? pages * page : pool_size;
        }
    }
    at_mark = a;
}

void bench_heap_anatomy_print(char *out, size_t len) {
    if (len == 0)
        return;
    out[0] = '\0';
    if (at_mark.taken)
        snprintf(out, len, "pools_kib=%zu free_in_pools_kib=%zu page_bound_kib=%zu", at_mark.pool_bytes >> 10,
                 at_mark.free_bytes >> 10, at_mark.page_bytes >> 10);
}

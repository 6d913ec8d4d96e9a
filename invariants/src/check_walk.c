/* The pool walk the ghost and poisoning checks share: every pool of the
 * sound live arenas in address order, with the run of a sorted address list
 * that falls in it, and for a carved, committed pool whose own structure is
 * sound, the blocks on its freelist. Pool faults found on the way are left
 * to the full check, which reports them. */
#include <stdint.h>
#include <string.h>

#include "check_full.h"

int chk_by_addr(const void *x, const void *y) {
    uintptr_t a = *(const uintptr_t *)x, b = *(const uintptr_t *)y;
    return (a > b) - (a < b);
}

/* The addresses of sorted[] in [lo, hi), from j on. */
static size_t run_end(const uintptr_t *sorted, size_t n, size_t j, uintptr_t hi) {
    while (j < n && sorted[j] < hi)
        j++;
    return j;
}

int chk_walk_pools(chk_base *b, const pa_arena_view *arenas, size_t narenas, const uintptr_t *sorted,
                   size_t nsorted, chk_visit_fn fn, void *ctx) {
    pa_check_report *quiet = pa_check_report_new();
    if (!quiet)
        return -1;
    size_t pool_size = b->hv.config.pool_size, j = 0;
    for (size_t i = 0; i < narenas; i++) {
        const pa_arena_view *a = &arenas[i];
        size_t carved = chk_arena_carved(b, a);
        for (size_t index = 0; index < b->hv.pools_per_arena; index++) {
            chk_pool_visit v;
            chk_pool_facts f;
            memset(&v, 0, sizeof v);
            v.a = a;
            v.index = index;
            v.pool = a->base + index * pool_size;
            while (j < nsorted && sorted[j] < v.pool)
                j++;
            v.from = j;
            v.to = run_end(sorted, nsorted, j, v.pool + pool_size);
            if (index >= carved) {
                v.where = CHK_POOL_UNCARVED;
            } else if (pa_introspect_pool_decommitted(b->heap, a->slot, index) == 1) {
                v.where = CHK_POOL_DECOMMITTED;
            } else {
                v.where = CHK_POOL_OK;
                const uint64_t *free_bits = b->bits;
                if (!b->memo || !chk_memo_find(b->memo, a->slot, index, &f, &free_bits)) {
                    pa_check_report *loud = b->r;
                    b->r = quiet;
                    chk_pool(b, a, index, &f, b->bits);
                    b->r = loud;
                    pa_check_report_clear(quiet);
                }
                if (f.read && f.class_ok && f.freelist_ok && f.layout_ok) {
                    v.f = &f;
                    v.free_bits = free_bits;
                }
            }
            fn(ctx, &v);
            j = v.to;
        }
    }
    pa_check_report_free(quiet);
    return 0;
}

long chk_visit_block(chk_base *b, const chk_pool_visit *v, uintptr_t p, chk_id off_boundary, chk_id never_carved,
                     const char *what) {
    const chk_pool_facts *f = v->f;
    const chk_geom *geo = &b->geom[f->v.size_class];
    size_t off = p - v->pool;
    chk_loc at = chk_at_pool(b->heap, v->a, v->index, v->pool, &f->v);
    at.block = p;
    if (off < geo->first || (off - geo->first) % geo->block_size) {
        chk_report(b->r, off_boundary, &at, CHK_STR("+0x%zx + k * %zu", geo->first, geo->block_size),
                   CHK_STR("+0x%zx", off), "%s is not at a block boundary", what);
        return -1;
    }
    size_t k = (off - geo->first) / geo->block_size;
    if (k >= f->carved) {
        chk_report(b->r, never_carved, &at, "a carved block", CHK_STR("block %zu, carved %zu", k, f->carved),
                   "%s was never carved", what);
        return -1;
    }
    return (long)k;
}

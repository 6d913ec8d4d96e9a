/* One arena: its header, its decommitted bitmap and its freepools list. */
#include <inttypes.h>
#include <string.h>

#include "check_ctx.h"

static int check_fields(chk_base *b, const pa_arena_view *a) {
    size_t arena_size = b->hv.config.arena_size, pool_size = b->hv.config.pool_size;
    chk_loc at = chk_at_arena(b->heap, a);
    if (a->base & (arena_size - 1)) {
        chk_report(b->r, CHK_ARENA_BASE, &at, CHK_STR("a multiple of 0x%zx", arena_size),
                   CHK_STR("0x%" PRIxPTR, a->base), "base is not aligned to the arena size");
        return -1;
    }
    if (!chk_arena_sound(b, a)) {
        chk_report(b->r, CHK_ARENA_POOL_ADDRESS, &at,
                   CHK_STR("base + k * 0x%zx, k in [0, %zu]", pool_size, b->hv.pools_per_arena),
                   CHK_STR("base + 0x%" PRIxPTR, a->pool_address - a->base),
                   "pool_address is not a pool boundary of the arena");
        return -1;
    }
    if (a->ntotalpools != b->hv.pools_per_arena)
        chk_report(b->r, CHK_ARENA_NTOTALPOOLS, &at, CHK_NUM(b->hv.pools_per_arena), CHK_NUM(a->ntotalpools),
                   "ntotalpools is not the pools an arena holds");
    return 0;
}

static void check_bitmap(chk_base *b, const pa_arena_view *a, chk_arena_facts *f) {
    /* a word at a time: most arenas have no pool decommitted */
    for (size_t w = 0; 64 * w < b->hv.pools_per_arena; w++) {
        uint64_t bits;
        if (pa_introspect_decommitted_word(b->heap, a->slot, w, &bits))
            break;
        for (; bits; bits &= bits - 1) {
            size_t i = 64 * w + (size_t)__builtin_ctzll(bits);
            f->decommitted_all++;
            if (i < f->carved) {
                f->decommitted++;
                continue;
            }
            uintptr_t pool = a->base + i * b->hv.config.pool_size;
            chk_loc at = chk_at_pool(b->heap, a, i, pool, NULL);
            chk_report(b->r, CHK_ARENA_DECOMMITTED_NOT_FREE, &at, "not decommitted", "decommitted",
                       "a never-carved pool is marked decommitted");
        }
    }
    if (a->ndecommitted != f->decommitted_all) {
        chk_loc at = chk_at_arena(b->heap, a);
        chk_report(b->r, CHK_ARENA_NDECOMMITTED, &at, CHK_NUM(f->decommitted_all), CHK_NUM(a->ndecommitted),
                   "ndecommitted differs from the bitmap");
    }
}

/* The list as the heap's trust-nothing walk (pa_introspect_freepools)
 * finds it; the member it stops at is placed here for the report. */
static void walk_freepools(chk_base *b, const pa_arena_view *a, chk_arena_facts *f, chk_on_pool on_free,
                           void *ctx) {
    pa_freepools_walk w;
    int fault = pa_introspect_freepools(b->heap, a->slot, &w);
    size_t n = fault < 0 ? 0 : w.length, index = 0;
    if (on_free)
        for (size_t i = 0; i < n; i++)
            on_free(ctx, a, w.index[i]);
    chk_loc at = chk_at_arena(b->heap, a);
    uintptr_t cur = w.member;
    if (fault == PA_FREEPOOLS_NOT_POOL) {
        chk_where_pool where = chk_pool_in_arena(b, a, cur, &index);
        if (where == CHK_POOL_DECOMMITTED) {
            chk_loc pool_at = chk_at_pool(b->heap, a, index, cur, NULL);
            chk_report(b->r, CHK_ARENA_DECOMMITTED_NOT_FREE, &pool_at, "on no list",
                       CHK_STR("freepools member %zu", n), "a decommitted pool is on its arena's freepools");
        } else {
            chk_report(b->r, CHK_ARENA_FREEPOOLS_LINK, &at, "a carved, committed pool of this arena",
                       cur >= a->base ? CHK_STR("base + 0x%" PRIxPTR " (%s)", cur - a->base, chk_where_text(where))
                                      : CHK_STR("0x%" PRIxPTR " (%s)", cur, chk_where_text(where)),
                       "freepools member %zu is not a free pool", n);
        }
        return;
    }
    if (fault == PA_FREEPOOLS_CYCLE) {
        chk_pool_in_arena(b, a, cur, &index);
        chk_report(b->r, CHK_ARENA_FREEPOOLS_CYCLE, &at, "a list ending in NULL", CHK_STR("pool %zu again", index),
                   "freepools member %zu repeats an earlier member", n);
        return;
    }
    /* Unreadable only if the ownership map is wrong (OWNER_MAP_MISSING). */
    if (fault != PA_FREEPOOLS_SOUND)
        return;
    f->freepools_ok = 1;
    f->committed_free = n;
    /* The decommit policy counts on it: keep this many, decommit the rest. */
    if (a->ncommitted_free != n)
        chk_report(b->r, CHK_ARENA_NCOMMITTED_FREE, &at, CHK_NUM(n), CHK_NUM(a->ncommitted_free),
                   "ncommitted_free differs from the freepools list");
}

void chk_arena(chk_base *b, const pa_arena_view *a, chk_arena_facts *f, chk_on_pool on_free, void *ctx) {
    memset(f, 0, sizeof *f);
    if (check_fields(b, a))
        return;
    f->sound = 1;
    f->carved = chk_arena_carved(b, a);
    check_bitmap(b, a, f);
    walk_freepools(b, a, f, on_free, ctx);
    if (!f->freepools_ok)
        return;
    size_t never = b->hv.pools_per_arena - f->carved;
    size_t expect = f->committed_free + f->decommitted + never;
    f->nfree_ok = a->nfreepools == expect;
    if (!f->nfree_ok) {
        chk_loc at = chk_at_arena(b->heap, a);
        chk_report(b->r, CHK_ARENA_NFREEPOOLS, &at,
                   CHK_STR("%zu (%zu on freepools + %zu decommitted + %zu never carved)", expect,
                           f->committed_free, f->decommitted, never),
                   CHK_NUM(a->nfreepools), "nfreepools differs from the arena's free pools");
    }
}

/* Ghost state: the caller's set of live blocks (a fuzz target's shadow
 * model) against the heap. Every block slot of every carved pool must be
 * exactly one of live, free (on its pool's freelist) or never carved; every
 * large block must be live. Pools whose own structure is broken are left to
 * the full check: their freelist cannot say which slots are free. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

typedef struct ghost {
    chk_base *b;
    const pa_arena_view *arenas;
    size_t narenas;
    uintptr_t *live;        /* sorted, duplicates reported and dropped */
    size_t nlive;
    uintptr_t *large;       /* sorted blocks of the large table */
    size_t *large_size;
    unsigned char *large_seen;
    size_t nlarge;
} ghost;

static int collect_large(ghost *g) {
    size_t taken;
    const chk_large_entry *e = chk_large_entries(g->b, &taken);
    g->large = malloc((taken ? taken : 1) * sizeof *g->large);
    uintptr_t *pairs = malloc((taken ? taken : 1) * 2 * sizeof *pairs);
    if (!e || !g->large || !pairs) {
        free(pairs);
        return -1;
    }
    for (size_t i = 0; i < taken; i++) {
        if (e[i].kind == 1) {
            pairs[2 * g->nlarge] = e[i].block;
            pairs[2 * g->nlarge + 1] = e[i].size;
            g->nlarge++;
        }
    }
    chk_sort_records(pairs, g->nlarge, 2);
    g->large_size = malloc((g->nlarge ? g->nlarge : 1) * sizeof *g->large_size);
    g->large_seen = calloc(g->nlarge ? g->nlarge : 1, 1);
    if (!g->large_size || !g->large_seen) {
        free(pairs);
        return -1;
    }
    for (size_t i = 0; i < g->nlarge; i++) {
        g->large[i] = pairs[2 * i];
        g->large_size[i] = pairs[2 * i + 1];
    }
    free(pairs);
    return 0;
}

/* On a debug heap the caller's pointers are data pointers inside raw
 * blocks, and the quarantine holds raw blocks the caller freed; a thread
 * heap's remote-free list holds blocks other threads freed that the owner
 * has not collected, and the calling thread's batch those it freed and
 * has not pushed yet: all are what the plain heap sees as live. A pointer that names no block is kept
 * as it is, to be reported. */
static int sort_live(ghost *g, const void *const *live, size_t nlive) {
    size_t held = pa_introspect_quarantine_length(g->b->heap), nremote;
    uintptr_t *remote = chk_remote_members(g->b, &nremote);
    g->live = malloc((nlive + held + nremote ? nlive + held + nremote : 1) * sizeof *g->live);
    if (!g->live) {
        free(remote);
        return -1;
    }
    for (size_t i = 0; i < nlive; i++) {
        uintptr_t raw = pa_introspect_block_start(g->b->heap, (uintptr_t)live[i]);
        g->live[i] = raw ? raw : (uintptr_t)live[i];
    }
    for (size_t i = 0; i < held; i++)
        g->live[nlive + i] = pa_introspect_quarantined(g->b->heap, i);
    nlive += held;
    for (size_t i = 0; i < nremote; i++)
        g->live[nlive + i] = remote[i];
    nlive += nremote;
    free(remote);
    chk_sort_records(g->live, nlive, 1);
    chk_loc at = chk_at_heap(g->b->heap);
    for (size_t i = 0; i < nlive; i++) {
        if (g->nlive && g->live[g->nlive - 1] == g->live[i]) {
            chk_report(g->b->r, CHK_LIVE_DUPLICATE, &at, "once", "again",
                       "live set names block 0x%" PRIxPTR " more than once", g->live[i]);
            continue;
        }
        g->live[g->nlive++] = g->live[i];
    }
    return 0;
}

/* Live pointers outside every arena must be large blocks. */
static void outside_arenas(ghost *g) {
    chk_loc at = chk_at_heap(g->b->heap);
    size_t arena_size = g->b->hv.config.arena_size, a = 0;
    for (size_t i = 0; i < g->nlive; i++) {
        uintptr_t p = g->live[i];
        /* both ascend: the first arena that ends past p moves only forward
         * (chk_find_arena's answer, without a search per pointer) */
        while (a < g->narenas && g->arenas[a].base + arena_size <= p)
            a++;
        if (a < g->narenas && g->arenas[a].base <= p)
            continue;
        uintptr_t *hit = bsearch(&p, g->large, g->nlarge, sizeof *g->large, chk_by_addr);
        if (hit)
            g->large_seen[hit - g->large] = 1;
        else
            chk_report(g->b->r, CHK_LIVE_NOT_OWNED, &at, "a block of this heap", "in no arena, not a large block",
                       "live block 0x%" PRIxPTR " is not the heap's", p);
    }
    for (size_t i = 0; i < g->nlarge; i++)
        if (!g->large_seen[i])
            chk_report(g->b->r, CHK_LIVE_LARGE_UNACCOUNTED, &at, "live", "not in the live set",
                       "large block 0x%" PRIxPTR " (%zu bytes) is not live", g->large[i], g->large_size[i]);
}

static void free_pool(ghost *g, const chk_pool_visit *v) {
    for (size_t j = v->from; j < v->to; j++) {
        chk_loc at = chk_at_pool(g->b->heap, v->a, v->index, v->pool, NULL);
        at.block = g->live[j];
        chk_report(g->b->r, CHK_LIVE_IN_FREE_POOL, &at, "a carved, committed pool", chk_where_text(v->where),
                   "live block in a free pool");
    }
}

static void carved_pool(ghost *g, const chk_pool_visit *v) {
    chk_base *b = g->b;
    const chk_pool_facts *f = v->f;
    const uint64_t *free_bits = v->free_bits;
    uint64_t *live_bits = b->bits + b->words;
    uintptr_t pool = v->pool;
    const chk_geom *geo = &b->geom[f->v.size_class];
    size_t words = (f->carved + 63) / 64; /* block numbers are below carved */
    memset(live_bits, 0, words * sizeof *live_bits);
    for (size_t j = v->from; j < v->to; j++) {
        long k = chk_visit_block(b, v, g->live[j], CHK_LIVE_MISALIGNED, CHK_LIVE_AND_NEVER_CARVED, "live block");
        if (k < 0)
            continue;
        if (chk_bit(free_bits, (size_t)k)) {
            chk_loc at = chk_at_pool(b->heap, v->a, v->index, pool, &f->v);
            at.block = g->live[j];
            chk_report(b->r, CHK_LIVE_AND_FREE, &at, "not on the freelist", "on the freelist",
                       "live block is also free");
        } else {
            chk_set(live_bits, (size_t)k);
        }
    }
    /* a word at a time: the carved blocks neither free nor live */
    size_t lost = 0, first = 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t carved = f->carved - 64 * w >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (f->carved - 64 * w)) - 1;
        uint64_t neither = ~(free_bits[w] | live_bits[w]) & carved;
        if (neither && !lost)
            first = 64 * w + (size_t)__builtin_ctzll(neither);
        lost += (size_t)__builtin_popcountll(neither);
    }
    if (lost) {
        chk_loc at = chk_at_pool(b->heap, v->a, v->index, pool, &f->v);
        at.block = pool + geo->first + first * geo->block_size;
        chk_report(b->r, CHK_LIVE_UNACCOUNTED, &at, "0", CHK_NUM(lost),
                   "carved blocks neither live nor free (counted from this one)");
    }
}

/* Pools whose own structure is broken are skipped: the full check's. */
static void visit_pool(void *ctx, const chk_pool_visit *v) {
    ghost *g = ctx;
    if (v->where != CHK_POOL_OK)
        free_pool(g, v);
    else if (v->f)
        carved_pool(g, v);
}

/* The check on a base made ready, its report b->r, against the sound live
 * arenas sorted by base. */
static void ghost_check(chk_base *b, const pa_arena_view *arenas, size_t narenas, const void *const *live,
                        size_t nlive) {
    ghost g;
    memset(&g, 0, sizeof g);
    g.b = b;
    g.arenas = arenas;
    g.narenas = narenas;
    if (collect_large(&g) == 0 && sort_live(&g, live, nlive) == 0) {
        outside_arenas(&g);
        if (chk_walk_pools(b, arenas, narenas, g.live, g.nlive, visit_pool, &g))
            b->r->dropped++;
    } else {
        b->r->dropped++;
    }
    free(g.live);
    free(g.large);
    free(g.large_size);
    free(g.large_seen);
}

size_t pa_check_live_set(const pa_heap *heap, const void *const *live, size_t nlive, pa_check_report *r) {
    size_t before = r->n;
    chk_base b;
    if (chk_base_init(&b, heap, r) == 0) {
        size_t narenas;
        pa_arena_view *arenas = chk_sorted_arenas(&b, &narenas);
        ghost_check(&b, arenas, narenas, live, nlive);
        free(arenas);
    } else {
        r->dropped++;
    }
    chk_base_fini(&b);
    return r->n - before;
}

void chk_full_live_set(chk_full *c, const void *const *live, size_t nlive, pa_check_report *r) {
    pa_check_report *full = c->b.r;
    c->b.r = r;
    ghost_check(&c->b, c->sorted, c->nsorted, live, nlive);
    c->b.r = full;
}

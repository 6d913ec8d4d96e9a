/* The ownership map against the checker's own table of arenas. Probes:
 * each live arena's first, middle and last byte must name it; the arena-
 * sized neighbours either side and every address that differs from the base
 * in one bit above the arena size must name whichever live arena holds them,
 * or none; so must every large block and the heap itself. A map indexed
 * with too few address bits (CPython's bpo-45521) answers for the one-bit
 * neighbours and is caught. */
#include <inttypes.h>

#include "check_full.h"

/* 1 when a violation was reported. from: the arena whose neighbourhood is
 * probed (where a stray entry is reported), NULL for the heap's own. */
static int probe(chk_full *c, uintptr_t addr, const pa_arena_view *from) {
    const chk_base *b = &c->b;
    const pa_arena_view *holder = chk_find_arena(c->sorted, c->nsorted, addr, b->hv.config.arena_size);
    uintptr_t want = holder ? holder->object : 0;
    uintptr_t got = pa_introspect_owner(b->heap, addr);
    if (got == want)
        return 0;
    char e[64], g[64];
    chk_arena_name(b->heap, want, e, sizeof e);
    chk_arena_name(b->heap, got, g, sizeof g);
    if (holder) {
        chk_loc at = chk_at_arena(b->heap, holder);
        chk_report(b->r, CHK_OWNER_MAP_MISSING, &at, e, g, "ownership map does not name the arena for base + 0x%zx",
                   (size_t)(addr - holder->base));
    } else {
        chk_loc at = from ? chk_at_arena(b->heap, from) : chk_at_heap(b->heap);
        chk_report(b->r, CHK_OWNER_MAP_STRAY, &at, "NULL", g,
                   "ownership map names an arena for 0x%" PRIxPTR ", outside every arena", addr);
    }
    return 1;
}

void chk_full_owner_map(chk_full *c) {
    const chk_base *b = &c->b;
    size_t size = b->hv.config.arena_size;
    /* An arena too broken to place would make its own addresses look stray. */
    if (c->t.sound_arenas != c->t.live_arenas)
        return;
    unsigned shift = (unsigned)__builtin_ctzll((unsigned long long)size);
    for (size_t i = 0; i < c->nsorted; i++) {
        const pa_arena_view *a = &c->sorted[i];
        /* One report per arena for its own addresses: they share a leaf. */
        (void)(probe(c, a->base, a) || probe(c, a->base + size / 2, a) || probe(c, a->base + size - 1, a));
        if (a->base >= size)
            probe(c, a->base - size, a);
        if (a->base + size > a->base)
            probe(c, a->base + size, a);
        for (unsigned bit = shift; bit < 8 * sizeof(uintptr_t); bit++)
            probe(c, a->base ^ ((uintptr_t)1 << bit), a);
    }
    /* Large blocks and the heap's own metadata are outside every arena. */
    size_t taken;
    const chk_large_entry *e = chk_large_entries(&c->b, &taken);
    if (!e)
        b->r->dropped++;
    for (size_t i = 0; e && i < taken; i++)
        if (e[i].kind == 1)
            probe(c, e[i].block, NULL);
    probe(c, (uintptr_t)b->heap, NULL);
}

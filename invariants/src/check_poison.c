/* The heap's ASan annotations (alloc/src/annotate.h), checked against ASan's
 * shadow memory: in every carved, committed pool whose structure is sound,
 * the header (and padding before the first block) is poisoned; a live block
 * is addressable for exactly the bytes the caller asked for and poisoned
 * from there to the block's end; a free block is poisoned whole; the
 * never-carved bytes are poisoned. One report per pool and fault: the first
 * block at fault, and how many share it.
 *
 * Only a checker built with PA_CHECK_ASAN (PA_SANITIZE builds, where the
 * heap poisons) looks; elsewhere there is no shadow memory to read and the
 * function reports nothing. Debug heaps are skipped: the caller's pointers
 * are data inside raw blocks whose guards the debug layer lays out. */
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

#ifdef PA_CHECK_ASAN
#include <sanitizer/asan_interface.h>

typedef struct poison {
    chk_base b;
    uintptr_t *live;   /* sorted, distinct */
    size_t *size;      /* requested bytes of live[i] */
    size_t nlive;
    uintptr_t granule; /* bytes one shadow byte describes: 1 << scale */
    size_t scale, shadow_offset;
} poison;

/* The shadow byte of the granule at x: negative when the granule is all
 * poisoned, else how many of its first bytes are addressable (0: all). */
static const int8_t *shadow_of(const poison *c, uintptr_t x) {
    return (const int8_t *)((x >> c->scale) + c->shadow_offset);
}

/* The first addressable byte of [lo, hi), 0 if every byte is poisoned.
 * ASan's shadow makes the addressable bytes of a granule a prefix of it,
 * so a granule from its start is addressable iff its shadow byte is not
 * negative, and one look per granule (at lo, then at each granule's start)
 * is exact. The shadow is read in place, eight granules a word (64 bytes
 * of a pool whose free blocks and uncarved tail are poisoned whole), not
 * asked for through ASan's interface a granule at a time. ASan must not
 * instrument these reads: the shadow's own shadow is its unmapped gap. */
__attribute__((no_sanitize("address"))) static uintptr_t first_addressable(const poison *c, uintptr_t lo,
                                                                            uintptr_t hi) {
    if (lo >= hi)
        return 0;
    if (lo & (c->granule - 1)) {
        if (!__asan_address_is_poisoned((const void *)lo))
            return lo;
        lo = (lo | (c->granule - 1)) + 1;
    }
    const int8_t *s = shadow_of(c, lo);
    size_t n = (hi - lo + c->granule - 1) >> c->scale, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, s + i, sizeof w);
        uint64_t open = ~w & UINT64_C(0x8080808080808080); /* a byte whose sign bit is clear */
        if (open)
            return lo + ((i + (size_t)__builtin_ctzll(open) / 8) << c->scale);
    }
    for (; i < n; i++)
        if (s[i] >= 0)
            return lo + (i << c->scale);
    return 0;
}

/* The first poisoned byte of [lo, hi), 0 if all are addressable. */
static uintptr_t first_poisoned(uintptr_t lo, uintptr_t hi) {
    return hi > lo ? (uintptr_t)__asan_region_is_poisoned((void *)lo, hi - lo) : 0;
}

/* One fault kind within one pool: its first block and how many. */
typedef struct finding {
    size_t n;
    uintptr_t block, lo, hi, at;
} finding;

static void note(finding *fd, uintptr_t block, uintptr_t lo, uintptr_t hi, uintptr_t at) {
    if (!fd->n++) {
        fd->block = block;
        fd->lo = lo;
        fd->hi = hi;
        fd->at = at;
    }
}

static void emit(poison *c, const chk_pool_visit *v, chk_id id, const finding *fd, const char *what,
                 const char *want, const char *got) {
    if (!fd->n)
        return;
    chk_loc at = chk_at_pool(c->b.heap, v->a, v->index, v->pool, &v->f->v);
    at.block = fd->block;
    char more[64] = "";
    if (fd->n > 1)
        snprintf(more, sizeof more, " (first of %zu blocks)", fd->n);
    chk_report(c->b.r, id, &at,
               CHK_STR("[+0x%zx, +0x%zx) %s", (size_t)(fd->lo - v->pool), (size_t)(fd->hi - v->pool), want),
               CHK_STR("+0x%zx %s", (size_t)(fd->at - v->pool), got), "%s%s", what, more);
}

static void visit_pool(void *ctx, const chk_pool_visit *v) {
    poison *c = ctx;
    chk_base *b = &c->b;
    if (!v->f)
        return; /* free pools hold no blocks; broken ones are the full check's */
    const chk_pool_facts *f = v->f;
    const chk_geom *geo = &b->geom[f->v.size_class];
    uintptr_t pool = v->pool, x;
    size_t bs = geo->block_size;
    uint64_t *live_bits = b->bits + b->words;
    memset(live_bits, 0, b->words * sizeof *live_bits);

    if ((x = first_addressable(c, pool, pool + geo->first))) {
        chk_loc at = chk_at_pool(b->heap, v->a, v->index, pool, &f->v);
        chk_report(b->r, CHK_POISON_HEADER_ADDRESSABLE, &at, CHK_STR("[+0x0, +0x%zx) poisoned", geo->first),
                   CHK_STR("+0x%zx addressable", (size_t)(x - pool)), "pool header is addressable");
    }

    /* Live blocks the ghost check accepts: aligned, carved, not free. */
    finding hidden = {0}, tail = {0};
    for (size_t j = v->from; j < v->to; j++) {
        uintptr_t p = c->live[j];
        size_t off = p - pool;
        if (off < geo->first || (off - geo->first) % bs)
            continue;
        size_t k = (off - geo->first) / bs;
        if (k >= f->carved || chk_bit(v->free_bits, k))
            continue;
        chk_set(live_bits, k);
        size_t size = c->size[j] < bs ? c->size[j] : bs;
        if ((x = first_poisoned(p, p + size)))
            note(&hidden, p, p, p + size, x);
        if ((x = first_addressable(c, p + size, p + bs)))
            note(&tail, p, p + size, p + bs, x);
    }
    emit(c, v, CHK_POISON_LIVE_NOT_ADDRESSABLE, &hidden, "live block's requested bytes are poisoned", "addressable",
         "poisoned");
    emit(c, v, CHK_POISON_TAIL_ADDRESSABLE, &tail, "live block is addressable past its requested size", "poisoned",
         "addressable");

    finding freed = {0};
    for (size_t k = 0; k < f->carved; k++) {
        if (!chk_bit(v->free_bits, k))
            continue;
        uintptr_t blk = pool + geo->first + k * bs;
        if ((x = first_addressable(c, blk, blk + bs)))
            note(&freed, blk, blk, blk + bs, x);
    }
    emit(c, v, CHK_POISON_FREE_ADDRESSABLE, &freed, "free block is addressable", "poisoned", "addressable");

    uintptr_t end = pool + b->hv.config.pool_size;
    if ((x = first_addressable(c, pool + f->v.nextoffset, end))) {
        chk_loc at = chk_at_pool(b->heap, v->a, v->index, pool, &f->v);
        chk_report(b->r, CHK_POISON_UNCARVED_ADDRESSABLE, &at,
                   CHK_STR("[+0x%zx, +0x%zx) poisoned", f->v.nextoffset, b->hv.config.pool_size),
                   CHK_STR("+0x%zx addressable", (size_t)(x - pool)), "never-carved bytes are addressable");
    }
}

/* live[] with sizes[], sorted by address, duplicates dropped (the ghost
 * check reports them). */
static int sort_live(poison *c, const void *const *live, const size_t *sizes, size_t nlive) {
    uintptr_t *pairs = malloc((nlive ? nlive : 1) * 2 * sizeof *pairs);
    c->live = malloc((nlive ? nlive : 1) * sizeof *c->live);
    c->size = malloc((nlive ? nlive : 1) * sizeof *c->size);
    if (!pairs || !c->live || !c->size) {
        free(pairs);
        return -1;
    }
    for (size_t i = 0; i < nlive; i++) {
        pairs[2 * i] = (uintptr_t)live[i];
        pairs[2 * i + 1] = sizes[i];
    }
    chk_sort_records(pairs, nlive, 2);
    for (size_t i = 0; i < nlive; i++) {
        if (c->nlive && c->live[c->nlive - 1] == pairs[2 * i])
            continue;
        c->live[c->nlive] = pairs[2 * i];
        c->size[c->nlive++] = pairs[2 * i + 1];
    }
    free(pairs);
    return 0;
}

size_t pa_check_poisoning(const pa_heap *heap, const void *const *live, const size_t *sizes, size_t nlive,
                          pa_check_report *r) {
    size_t before = r->n;
    poison c;
    memset(&c, 0, sizeof c);
    c.scale = 3;
    __asan_get_shadow_mapping(&c.scale, &c.shadow_offset);
    c.granule = (uintptr_t)1 << c.scale;
    if (chk_base_init(&c.b, heap, r) == 0) {
        if (!c.b.hv.config.debug) {
            size_t narenas;
            pa_arena_view *arenas = chk_sorted_arenas(&c.b, &narenas);
            if ((c.b.hv.arena_slots && !arenas) || sort_live(&c, live, sizes, nlive) ||
                chk_walk_pools(&c.b, arenas, narenas, c.live, c.nlive, visit_pool, &c))
                r->dropped++;
            free(arenas);
        }
    } else {
        r->dropped++;
    }
    free(c.live);
    free(c.size);
    chk_base_fini(&c.b);
    return r->n - before;
}

#else

size_t pa_check_poisoning(const pa_heap *heap, const void *const *live, const size_t *sizes, size_t nlive,
                          pa_check_report *r) {
    (void)heap, (void)live, (void)sizes, (void)nlive, (void)r;
    return 0;
}

#endif

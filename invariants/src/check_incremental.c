/* The incremental check: what one operation on the touched blocks can have
 * changed. For each touched block that is in a live arena: its pool (header,
 * freelist, accounting, its place in its class's used list or its arena's
 * freepools), its arena (header, bitmap, freepools, its neighbours in the
 * usable list, last_with_free around its free-pool count), its class's
 * geometry and used-list head; then the heap counters that need no walk
 * (with the retention allowances and the large cache's byte bound) and the
 * head of the usable list. Each pool, arena and class is checked once
 * per call however many touched blocks share it. Cost: a constant of the
 * configuration (a pool's blocks, an arena's pools), independent of the
 * heap's size. docs/INVARIANTS.md lists what it leaves to the full check. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

typedef struct inc_arena {
    uintptr_t object;
    int sound;
    int freepools_ok;
    uint64_t on_freepools[PA_MAX_POOLS_PER_ARENA / 64];
} inc_arena;

typedef struct inc {
    chk_base b;
    inc_arena *arenas;
    size_t narenas;
    uintptr_t *pools;
    size_t npools;
    uint64_t pools_filter[4]; /* a bit per hash of each pool in pools */
    uint64_t classes_seen[(PA_MAX_CLASSES + 63) / 64];
} inc;

static void on_free_pool(void *ctx, const pa_arena_view *a, size_t index) {
    (void)a;
    chk_set(((inc_arena *)ctx)->on_freepools, index);
}

static void usable_head(chk_base *b) {
    uintptr_t head = b->hv.usable_arenas;
    pa_arena_view v;
    if (!head)
        return;
    if (pa_introspect_arena(b->heap, head, &v)) {
        chk_loc at = chk_at_heap(b->heap);
        chk_report(b->r, CHK_USABLE_LIST_LINK, &at, "an arena object of the table", CHK_STR("0x%" PRIxPTR, head),
                   "usable list member 0 is not an arena object");
        return;
    }
    if (v.prev) {
        char g[64];
        chk_loc at = chk_at_arena(b->heap, &v);
        chk_report(b->r, CHK_USABLE_LIST_PREV, &at, "NULL", chk_arena_name(b->heap, v.prev, g, sizeof g),
                   "prev does not point back along the usable list");
    }
}

static CHK_COLD void index_entry_report(chk_base *b, size_t k, uintptr_t last) {
    chk_loc at = chk_at_heap(b->heap);
    char g[64];
    chk_report(b->r, CHK_USABLE_INDEX, &at, CHK_STR("the last usable arena with %zu free pools", k),
               chk_arena_name(b->heap, last, g, sizeof g),
               "last_with_free[%zu] is not the last usable arena with %zu free pools", k, k);
}

/* last_with_free[k] must name an arena with k free pools whose successor has
 * more; must: the arena just checked has k, so the entry cannot be NULL.
 * Three per touched arena: the report is made out of line. */
static void index_entry(chk_base *b, size_t k, int must) {
    if (k == 0 || k > b->hv.pools_per_arena)
        return;
    uintptr_t last = pa_introspect_last_with_free(b->heap, k);
    pa_arena_view v, next;
    if (!last && !must)
        return;
    if (last && pa_introspect_arena(b->heap, last, &v) == 0 && v.nfreepools == k &&
        !(v.next && pa_introspect_arena(b->heap, v.next, &next) == 0 && next.nfreepools == k))
        return;
    index_entry_report(b, k, last);
}

static void usable_local(chk_base *b, const pa_arena_view *a) {
    chk_loc at = chk_at_arena(b->heap, a);
    if (!a->nfreepools) {
        if (b->hv.usable_arenas == a->object)
            chk_report(b->r, CHK_USABLE_LIST_MEMBERSHIP, &at, "not on the usable list", "on it",
                       "arena with 0 free pools");
        return;
    }
    pa_arena_view prev, next;
    if ((a->prev && pa_introspect_arena(b->heap, a->prev, &prev)) ||
        (a->next && pa_introspect_arena(b->heap, a->next, &next))) {
        chk_report(b->r, CHK_USABLE_LIST_LINK, &at, "arena objects as neighbours",
                   CHK_STR("prev 0x%" PRIxPTR ", next 0x%" PRIxPTR, a->prev, a->next),
                   "usable list neighbour is not an arena object");
        return;
    }
    int linked = a->prev ? prev.next == a->object : b->hv.usable_arenas == a->object;
    if (!linked) {
        chk_report(b->r, CHK_USABLE_LIST_MEMBERSHIP, &at, "on the usable list", "not linked from its neighbours",
                   "arena with %zu free pools", a->nfreepools);
        return;
    }
    if (a->next && next.prev != a->object) {
        chk_loc next_at = chk_at_arena(b->heap, &next);
        chk_report(b->r, CHK_USABLE_LIST_PREV, &next_at, CHK_STR("arena %zu", a->slot),
                   CHK_STR("0x%" PRIxPTR, next.prev), "prev does not point back along the usable list");
    }
    if (a->prev && prev.nfreepools > a->nfreepools)
        chk_report(b->r, CHK_USABLE_LIST_ORDER, &at, CHK_STR(">= %zu", prev.nfreepools), CHK_NUM(a->nfreepools),
                   "has fewer free pools than the usable arena before it");
    if (a->next && next.nfreepools < a->nfreepools) {
        chk_loc next_at = chk_at_arena(b->heap, &next);
        chk_report(b->r, CHK_USABLE_LIST_ORDER, &next_at, CHK_STR(">= %zu", a->nfreepools),
                   CHK_NUM(next.nfreepools), "has fewer free pools than the usable arena before it");
    }
    index_entry(b, a->nfreepools - 1, 0);
    index_entry(b, a->nfreepools, 1);
    index_entry(b, a->nfreepools + 1, 0);
}

static inc_arena *arena_of(inc *c, const pa_arena_view *a) {
    for (size_t i = 0; i < c->narenas; i++)
        if (c->arenas[i].object == a->object)
            return &c->arenas[i];
    inc_arena *ia = &c->arenas[c->narenas++];
    memset(ia, 0, sizeof *ia);
    ia->object = a->object;
    chk_arena_facts f;
    chk_arena(&c->b, a, &f, on_free_pool, ia);
    ia->sound = f.sound;
    ia->freepools_ok = f.freepools_ok;
    /* Order and index are judged by nfreepools: not when it is wrong. */
    if (f.nfree_ok)
        usable_local(&c->b, a);
    return ia;
}

static void class_local(inc *c, size_t k) {
    chk_base *b = &c->b;
    if (chk_bit(c->classes_seen, k))
        return;
    chk_set(c->classes_seen, k);
    chk_class_load(b, k);
    chk_class_geometry(b, k);
    uintptr_t head = b->cls[k].used_pools, tail = b->cls[k].used_tail;
    pa_pool_view v;
    chk_loc at = chk_at_class(b->heap, k);
    int tail_read = -1;
    if (!head != !tail || (tail && ((tail_read = pa_introspect_pool(b->heap, tail, &v)) || v.next)))
        chk_report(b->r, CHK_CLASS_USED_LIST_TAIL, &at, head ? "a pool whose next is NULL" : "NULL",
                   CHK_STR("0x%" PRIxPTR, tail), "used_tail is not the last pool of the used list");
    if (!head)
        return;
    /* A list of one pool: its head is the tail read just above (both set,
     * so the read was made), and v holds it. */
    if (head == tail ? tail_read : pa_introspect_pool(b->heap, head, &v))
        chk_report(b->r, CHK_CLASS_USED_LIST_LINK, &at, "a carved, committed pool", CHK_STR("0x%" PRIxPTR, head),
                   "used list member 0 is not a pool in use");
    else if (v.prev)
        chk_report(b->r, CHK_CLASS_USED_LIST_PREV, &at, "NULL", CHK_STR("0x%" PRIxPTR, v.prev),
                   "prev does not point back along class %zu's used list", k);
}

/* Where the pool's state says it belongs, seen from the pool's side. */
static void list_local(chk_base *b, const pa_arena_view *a, const inc_arena *ia, size_t index,
                       const chk_pool_facts *f) {
    unsigned k = f->v.size_class;
    uintptr_t pool = f->v.base, head = b->cls[k].used_pools;
    chk_loc at = chk_at_pool(b->heap, a, index, pool, &f->v);
    pa_pool_view prev, next;
    if (f->v.count == 0) {
        if (b->cls[k].spare == pool)
            return; /* on no list: the full check's CLASS_SPARE */
        if (ia->freepools_ok && !chk_bit(ia->on_freepools, index))
            chk_report(b->r, CHK_POOL_LIST_STATE, &at, CHK_STR("arena %zu's freepools", a->slot), "not on it",
                       "empty pool is on the wrong list");
        return;
    }
    if (f->v.count == b->geom[k].capacity) {
        if (head == pool)
            chk_report(b->r, CHK_POOL_LIST_STATE, &at, "no list", CHK_STR("class %u's used list", k),
                       "full pool is on the wrong list");
        return;
    }
    /* The head with a stale prev is on the list: class_local reports it. */
    int linked = head == pool || (f->v.prev && pa_introspect_pool(b->heap, f->v.prev, &prev) == 0 && prev.next == pool);
    if (!linked) {
        chk_report(b->r, CHK_POOL_LIST_STATE, &at, CHK_STR("class %u's used list", k),
                   "not linked from its neighbours", "partly used pool is on the wrong list");
        return;
    }
    if (f->v.next && (pa_introspect_pool(b->heap, f->v.next, &next) || next.prev != pool))
        chk_report(b->r, CHK_CLASS_USED_LIST_PREV, &at, "a pool whose prev is this one",
                   CHK_STR("0x%" PRIxPTR, f->v.next), "next does not point back along class %u's used list", k);
}

/* A pool's bit in pools_filter: the top 8 bits of a multiplicative hash
 * (pool addresses differ in their high bits, a pool size apart). */
static unsigned filter_bit(uintptr_t pool) { return (unsigned)(((uint64_t)pool * 0x9e3779b97f4a7c15ull) >> 56); }

/* Newest first: an op's touched blocks come pool by pool. A pool whose bit
 * is clear was never listed: an op touching blocks in hundreds of pools
 * (alloc_many) scans the list only for the few whose bit another pool
 * set. */
static int checked_pool(const inc *c, uintptr_t pool) {
    unsigned bit = filter_bit(pool);
    if (!(c->pools_filter[bit / 64] >> (bit % 64) & 1))
        return 0;
    for (size_t i = c->npools; i-- > 0;)
        if (c->pools[i] == pool)
            return 1;
    return 0;
}

static int seen_pool(inc *c, uintptr_t pool) {
    if (checked_pool(c, pool))
        return 1;
    unsigned bit = filter_bit(pool);
    c->pools_filter[bit / 64] |= UINT64_C(1) << (bit % 64);
    c->pools[c->npools++] = pool;
    return 0;
}

static void touched_block(inc *c, uintptr_t p) {
    chk_base *b = &c->b;
    /* A block in a pool checked for an earlier touched block: its arena and
     * pool are checked already, and the lookups below would end there. */
    if (checked_pool(c, p & ~(uintptr_t)(b->hv.config.pool_size - 1)))
        return;
    uintptr_t object = pa_introspect_owner(b->heap, p);
    pa_arena_view a;
    /* Large blocks and freed arenas: nothing of theirs is in a pool. */
    if (!object || pa_introspect_arena(b->heap, object, &a) || !a.base)
        return;
    inc_arena *ia = arena_of(c, &a);
    size_t index;
    uintptr_t pool = p & ~(uintptr_t)(b->hv.config.pool_size - 1);
    if (!ia->sound || chk_pool_in_arena(b, &a, pool, &index) != CHK_POOL_OK || seen_pool(c, pool))
        return;
    chk_pool_facts f;
    chk_pool(b, &a, index, &f, NULL);
    if (!f.read || !f.class_ok)
        return;
    class_local(c, f.v.size_class);
    if (f.count_ok)
        list_local(b, &a, ia, index, &f);
}

size_t pa_check_incremental(const pa_heap *heap, const void *const *touched, size_t ntouched,
                            pa_check_report *r) {
    return pa_check_incremental_recorded(heap, NULL, touched, ntouched, r);
}

size_t pa_check_incremental_recorded(const pa_heap *heap, pa_check_record *record, const void *const *touched,
                                 size_t ntouched, pa_check_report *r) {
    size_t before = r->n;
    inc c;
    /* chk_base_init fills the base; only the rest needs clearing here. */
    c.narenas = c.npools = 0;
    memset(c.classes_seen, 0, sizeof c.classes_seen);
    memset(c.pools_filter, 0, sizeof c.pools_filter);
    c.b.bits = NULL;
    /* an op touches a few blocks: their records fit on the stack */
    inc_arena arenas[8];
    uintptr_t pools[8];
    int small = ntouched <= 8;
    c.arenas = small ? arenas : malloc(ntouched * sizeof *c.arenas);
    c.pools = small ? pools : malloc(ntouched * sizeof *c.pools);
    if (!c.arenas || !c.pools || chk_base_init(&c.b, heap, r)) {
        r->dropped++;
    } else {
        c.b.record = record;
        chk_heap_counters(&c.b, c.b.hv.arenas_current);
        chk_retention_allowances(&c.b);
        chk_reuse_windows(&c.b);
        chk_large_cache_limit(&c.b, c.b.hv.large_cached_bytes);
        chk_owner_cache(&c.b, NULL, 0, touched, ntouched);
        if (c.b.hv.config.debug)
            chk_quarantine_ring(&c.b);
        usable_head(&c.b);
        for (size_t i = 0; i < ntouched; i++)
            if (touched[i])
                touched_block(&c, (uintptr_t)touched[i]);
    }
    chk_base_fini(&c.b);
    if (!small) {
        free(c.arenas);
        free(c.pools);
    }
    return r->n - before;
}

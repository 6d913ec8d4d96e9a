/* Memory the heap keeps for reuse: the large-block cache and the retention
 * counters. The cache's lists are linked through the large table's slots,
 * which the heap maps itself, so they are walked through introspection
 * without ever reading a cached block (that memory is the large layer's).
 * Lists are named by bin and capacity, blocks by their place on a list:
 * messages hold no addresses. */
#include <stdint.h>
#include <stdlib.h>

#include "check_full.h"
#include "pa_testing/os_counting.h"

/* Is v m times a power of two? */
static int doubling_of(uint64_t v, uint64_t m) {
    if (!m || v % m)
        return 0;
    uint64_t times = v / m;
    return (times & (times - 1)) == 0;
}

/* Is v (in [floor, most]) a value an allowance reaches from its floor when
 * a rise doubles it (0 to 1) up to most and a decay halves it down to its
 * floor (retention.c)? Those are floor, most, and m * 2^i for m the first
 * value above the floor a rise gives or most halved while above the floor. */
static int allowance_step(uint64_t v, uint64_t floor, uint64_t most) {
    if (v == floor || v == most || doubling_of(v, floor ? floor : 1))
        return 1;
    for (uint64_t m = most / 2; m > floor; m /= 2)
        if (doubling_of(v, m))
            return 1;
    return 0;
}

/* The faults chk_retention_allowances finds, a bit each. */
enum { ARENAS_OUT = 1, POOLS_OUT = 2, ARENAS_OFF_STEP = 4, POOLS_OFF_STEP = 8 };

/* The reports of the faults found, in a call of its own: tested inline
 * with no call between, the conditions keep no registers across one. */
static CHK_COLD int allowance_reports(chk_base *b, unsigned faults) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    unsigned arenas_most = hv->config.empty_arenas_max;
    unsigned least = hv->config.decommit_keep_pools, most = hv->config.decommit_keep_pools_max;
    if (faults & ARENAS_OUT)
        chk_report(b->r, CHK_RETENTION_ALLOWANCE, &at, CHK_STR("1..%u", arenas_most), CHK_NUM(hv->arena_allowance),
                   "arena_allowance is outside [1, empty_arenas_max]");
    if (faults & POOLS_OUT)
        chk_report(b->r, CHK_RETENTION_ALLOWANCE, &at, CHK_STR("%u..%u", least, most), CHK_NUM(hv->pool_allowance),
                   "pool_allowance is outside [decommit_keep_pools, decommit_keep_pools_max]");
    if (faults & ARENAS_OFF_STEP)
        chk_report(b->r, CHK_RETENTION_ALLOWANCE_STEP, &at, CHK_STR("%llu doubled, or %llu halved", 1ull,
                   (unsigned long long)arenas_most), CHK_NUM(hv->arena_allowance),
                   "arena_allowance is no value its rises and decays reach");
    if (faults & POOLS_OFF_STEP)
        chk_report(b->r, CHK_RETENTION_ALLOWANCE_STEP, &at,
                   CHK_STR("%llu doubled, or %llu halved", (unsigned long long)least, (unsigned long long)most),
                   CHK_NUM(hv->pool_allowance), "pool_allowance is no value its rises and decays reach");
    return !(faults & (ARENAS_OUT | POOLS_OUT));
}

/* Each allowance in its range, and there a value its rises and decays
 * reach. 1 when both are in range. */
int chk_retention_allowances(chk_base *b) {
    const pa_heap_view *hv = &b->hv;
    uint64_t arenas = hv->arena_allowance, pools = hv->pool_allowance;
    unsigned arenas_most = hv->config.empty_arenas_max;
    unsigned least = hv->config.decommit_keep_pools, most = hv->config.decommit_keep_pools_max;
    unsigned faults = 0;
    if (arenas < 1 || arenas > arenas_most)
        faults |= ARENAS_OUT;
    else if (!allowance_step(arenas, 1, arenas_most))
        faults |= ARENAS_OFF_STEP;
    if (pools < least || pools > most)
        faults |= POOLS_OUT;
    else if (!allowance_step(pools, least, most))
        faults |= POOLS_OFF_STEP;
    return faults ? allowance_reports(b, faults) : 1;
}

/* The formatting stays in the reports: a buffer in the caller's frame
 * would cost every call a larger frame. */
static CHK_COLD void window_report(chk_base *b, chk_id id, size_t window, const char *unit, size_t takes,
                                   const char *what) {
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, id, &at, CHK_STR("fewer than %zu %s", window, unit), CHK_NUM(takes), "%s", what);
}

void chk_reuse_windows(chk_base *b) {
    const pa_heap_view *hv = &b->hv;
    if (hv->retention_window_takes >= hv->retention_window)
        window_report(b, CHK_RETENTION_WINDOW, hv->retention_window, "pool takes", hv->retention_window_takes,
                      "the retention window ran past its length without a decay");
    if (hv->large_cache_window_takes >= hv->large_cache_window)
        window_report(b, CHK_LARGE_CACHE_WINDOW, hv->large_cache_window, "requests", hv->large_cache_window_takes,
                      "the large cache's budget window ran past its length without a decay");
}

/* want: "LO..HI", or "at most HI" when lo is SIZE_MAX. */
static CHK_COLD void cache_accounting_report(chk_base *b, size_t lo, size_t hi, size_t got, const char *what) {
    chk_loc at = chk_at_heap(b->heap);
    chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at,
               lo == SIZE_MAX ? CHK_STR("at most %zu", hi) : CHK_STR("%zu..%zu", lo, hi), CHK_NUM(got), "%s", what);
}

void chk_large_cache_limit(chk_base *b, size_t bytes) {
    const pa_heap_view *hv = &b->hv;
    size_t least = hv->config.large_cache_bytes, most = hv->config.large_cache_bytes_max;
    if (hv->large_cache_budget < least || hv->large_cache_budget > most)
        cache_accounting_report(b, least, most, hv->large_cache_budget,
                                "the large cache's budget is outside [large_cache_bytes, large_cache_bytes_max]");
    else if (bytes > hv->large_cache_budget)
        cache_accounting_report(b, SIZE_MAX, hv->large_cache_budget, bytes,
                                "the large cache holds more bytes than its budget");
    if (hv->large_cache_low > hv->large_cached_bytes)
        cache_accounting_report(b, SIZE_MAX, hv->large_cached_bytes, hv->large_cache_low,
                                "large_cache_low is above large_cached_bytes");
}

/* ---- retention --------------------------------------------------------- */

/* A pool is parked committed only below the allowance in force, which never
 * exceeds decommit_keep_pools_max; a decay does not give pools back, so the
 * allowance now is no bound, and a refused decommit puts its pools back on
 * the list, so only an OS counter with no refusal makes this one hold. */
static void kept_pools(chk_full *c) {
    chk_base *b = &c->b;
    size_t most = b->hv.config.decommit_keep_pools_max;
    if (b->hv.config.decommit != PA_DECOMMIT_FREE_POOLS)
        return;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || !ar->v.base || ar->f.committed_free <= most)
            continue;
        chk_loc at = chk_at_arena(b->heap, &ar->v);
        chk_report(b->r, CHK_RETENTION_KEPT_POOLS, &at, CHK_STR("at most %zu", most), CHK_NUM(ar->f.committed_free),
                   "more committed free pools stay than decommit_keep_pools_max allows");
    }
}

void chk_full_retention(chk_full *c, const pa_os_counter *os) {
    chk_base *b = &c->b;
    int allowances_ok = chk_retention_allowances(b);
    chk_reuse_windows(b);
    /* Empty (every pool free or a class's spare) is judged by nfreepools
     * and the spares: only where ARENA_* and CLASS_SPARE found them right. */
    size_t empty = 0, committed = 0;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || !ar->v.base)
            continue;
        if (!ar->f.nfree_ok || !ar->f.freepools_ok)
            return;
        empty += ar->v.nfreepools + ar->spares == b->hv.pools_per_arena;
        committed += ar->f.committed_free;
    }
    chk_loc at = chk_at_heap(b->heap);
    if (b->hv.committed_free != committed)
        chk_report(b->r, CHK_RETENTION_COMMITTED_FREE, &at, CHK_NUM(committed), CHK_NUM(b->hv.committed_free),
                   "committed_free differs from the arenas' freepools lists");
    if (b->hv.empty_low > b->hv.empty_arenas)
        chk_report(b->r, CHK_RETENTION_COMMITTED_FREE, &at, CHK_STR("at most %zu", b->hv.empty_arenas),
                   CHK_NUM(b->hv.empty_low), "empty_low is above empty_arenas");
    if (b->hv.committed_low > b->hv.committed_free)
        chk_report(b->r, CHK_RETENTION_COMMITTED_FREE, &at, CHK_STR("at most %zu", b->hv.committed_free),
                   CHK_NUM(b->hv.committed_low), "committed_low is above committed_free");
    if (os && !os->failures[PA_OS_DECOMMIT])
        kept_pools(c);
    if (!c->spares_ok)
        return;
    if (b->hv.empty_arenas != empty)
        chk_report(b->r, CHK_RETENTION_EMPTY_ARENAS, &at, CHK_NUM(empty), CHK_NUM(b->hv.empty_arenas),
                   "empty_arenas differs from the arenas holding no block");
    /* An arena whose unmap the OS refused stays, wholly free, beyond the
     * policy's bound; only the OS counter can say that never happened. */
    if (!allowances_ok || !os || os->failures[PA_OS_UNMAP])
        return;
    size_t most;
    const char *policy;
    switch (b->hv.config.empty_arenas) {
    case PA_EMPTY_ARENA_KEEP_ONE:
        most = b->hv.arena_allowance;
        policy = "KEEP_ONE";
        break;
    case PA_EMPTY_ARENA_RELEASE:
        most = 0;
        policy = "RELEASE";
        break;
    default:
        return;
    }
    if (empty > most)
        chk_report(b->r, CHK_RETENTION_KEPT_ARENAS, &at, CHK_STR("at most %zu", most), CHK_NUM(empty),
                   "more arenas holding no block stay mapped than %s allows", policy);
}

/* ---- the large-block cache --------------------------------------------- */

typedef struct cached {
    uintptr_t block;     /* first: chk_by_addr compares it */
    uintptr_t next;      /* the slot's link */
    size_t slot;
    size_t list;         /* 0, or the bin + 1 whose walk reached it */
    size_t capacity;     /* that bin's */
} cached;

typedef struct cache_walk {
    chk_base *b;
    cached *slots;       /* the table's cached slots, by block then slot */
    size_t ncached;
    uintptr_t *live;     /* the table's live blocks, sorted */
    size_t nlive;
    size_t nblocks, bytes; /* reached by the walks */
    int complete;        /* every list walked to its end */
} cache_walk;

/* The table's slots, split into cached (by block, then slot) and live
 * (sorted). 0, or -1 out of memory. */
static int collect(cache_walk *w) {
    size_t taken;
    const chk_large_entry *e = chk_large_entries(w->b, &taken);
    w->slots = malloc((taken ? taken : 1) * sizeof *w->slots);
    w->live = malloc((taken ? taken : 1) * sizeof *w->live);
    uintptr_t *order = malloc((taken ? taken : 1) * 2 * sizeof *order); /* (block, index of e) */
    if (!e || !w->slots || !w->live || !order) {
        free(order);
        return -1;
    }
    size_t ncached = 0;
    for (size_t i = 0; i < taken; i++) {
        if (e[i].kind == 1) {
            w->live[w->nlive++] = e[i].block;
        } else {
            order[2 * ncached] = e[i].block;
            order[2 * ncached++ + 1] = i;
        }
    }
    /* stable, and e is in slot order: a block in two slots keeps them in slot order */
    chk_sort_records(order, ncached, 2);
    for (size_t k = 0; k < ncached; k++) {
        const chk_large_entry *c = &e[order[2 * k + 1]];
        w->slots[w->ncached++] = (cached){c->block, c->size, c->slot, 0, 0};
    }
    free(order);
    chk_sort_records(w->live, w->nlive, 1);
    return 0;
}

/* A cached slot of block, the first no walk has reached if any, or NULL;
 * *copies: how many slots hold it. A block cached twice so heads both its
 * lists and loses neither. */
static cached *lookup(const cache_walk *w, uintptr_t block, size_t *copies) {
    size_t lo = 0, hi = w->ncached; /* the first slot of a block >= block */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->slots[mid].block < block)
            lo = mid + 1;
        else
            hi = mid;
    }
    *copies = 0;
    if (lo == w->ncached || w->slots[lo].block != block)
        return NULL;
    cached *hit = &w->slots[lo];
    cached *unreached = NULL;
    for (cached *k = hit; k < w->slots + w->ncached && k->block == block; k++) {
        ++*copies;
        if (!k->list && !unreached)
            unreached = k;
    }
    return unreached ? unreached : hit;
}

/* "bin 2 (8192-byte blocks)": a list's name, made only for a report. */
static const char *list_name(char *buf, size_t len, size_t bin, size_t capacity) {
    return chk_fmt(buf, len, "bin %zu (%zu-byte blocks)", bin, capacity);
}

static void block_faults(const cache_walk *w, size_t bin, size_t capacity, size_t n, uintptr_t block, size_t copies) {
    chk_base *b = w->b;
    size_t alignment = b->hv.config.alignment;
    int misaligned = block % alignment != 0;
    int live = !misaligned && bsearch(&block, w->live, w->nlive, sizeof *w->live, chk_by_addr);
    if (!misaligned && !live && copies <= 1)
        return;
    chk_loc at = chk_at_heap(b->heap);
    char name[64];
    list_name(name, sizeof name, bin, capacity);
    if (misaligned)
        chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, CHK_STR("a multiple of %zu", alignment),
                   CHK_STR("%zu past one", (size_t)(block % alignment)), "large cache %s member %zu is misaligned",
                   name, n);
    else if (live)
        chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, "a block not live", "a live large block",
                   "large cache %s member %zu is also live in the large-block table", name, n);
    else
        chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, "a block cached once", CHK_STR("%zu cached slots", copies),
                   "large cache %s member %zu is cached in more than one slot", name, n);
}

static void walk_list(cache_walk *w, size_t bin, uintptr_t first, size_t capacity) {
    chk_base *b = w->b;
    chk_loc at = chk_at_heap(b->heap);
    char name[64], other[64];
    uintptr_t cur = first;
    for (size_t n = 0; cur; n++) {
        size_t copies;
        cached *k = lookup(w, cur, &copies);
        if (!k) {
            chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, "a cached block of the large-block table",
                       "a block of no cached slot", "large cache %s member %zu is not cached",
                       list_name(name, sizeof name, bin, capacity), n);
            w->complete = 0;
            return;
        }
        if (k->list) {
            list_name(name, sizeof name, bin, capacity);
            if (k->list == bin + 1)
                chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, "a list ending in 0", "an earlier member again",
                           "large cache %s member %zu repeats an earlier member", name, n);
            else
                chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, "a block of no other list",
                           CHK_STR("a member of bin %zu", k->list - 1), "large cache %s member %zu is also on %s",
                           name, n, list_name(other, sizeof other, k->list - 1, k->capacity));
            w->complete = 0;
            return;
        }
        k->list = bin + 1;
        k->capacity = capacity;
        w->nblocks++;
        w->bytes += capacity;
        block_faults(w, bin, capacity, n, cur, copies);
        cur = k->next;
    }
}

static void accounting(const cache_walk *w) {
    chk_base *b = w->b;
    chk_loc at = chk_at_heap(b->heap);
    if (b->hv.large_cached_blocks != w->nblocks)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->nblocks), CHK_NUM(b->hv.large_cached_blocks),
                   "large_cached_blocks differs from the blocks on the large cache's bins");
    if (b->hv.large_cached_bytes != w->bytes)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->bytes), CHK_NUM(b->hv.large_cached_bytes),
                   "large_cached_bytes differs from the capacities of the large cache's bins");
    chk_large_cache_limit(b, w->bytes);
    /* Lists are disjoint (LARGE_CACHE_LIST), so fewer means slots lost. */
    if (w->nblocks != w->ncached)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->ncached), CHK_NUM(w->nblocks),
                   "the large cache's bins hold fewer blocks than the large-block table's cached slots");
}

void chk_full_large_cache(chk_full *c) {
    chk_base *b = &c->b;
    cache_walk w = {.b = b, .complete = 1};
    if (collect(&w)) {
        b->r->dropped++;
        goto out;
    }
    for (size_t bin = 0; bin < b->hv.large_cache_bins; bin++) {
        uintptr_t first;
        size_t capacity;
        if (pa_introspect_large_cache_bin(b->heap, bin, &first, &capacity) == 0 && first)
            walk_list(&w, bin, first, capacity);
    }
    /* Counts of a list that did not end would only restate its fault. */
    if (w.complete)
        accounting(&w);
out:
    free(w.slots);
    free(w.live);
}

/* Memory the heap keeps for reuse: the large-block cache and the retention
 * counters. The cache's lists live in an entry array the heap maps itself,
 * so they are walked through introspection without ever reading a cached
 * block (that memory is the large layer's). Lists are named by bin and
 * capacity, entries by index: messages hold no addresses. */
#include <stdlib.h>

#include "check_full.h"
#include "poolalloc/os_counting.h"

int chk_retention_allowances(chk_base *b) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    int ok = 1;
    if (hv->arena_allowance < 1 || hv->arena_allowance > hv->config.empty_arenas_max) {
        chk_report(b->r, CHK_RETENTION_ALLOWANCE, &at, CHK_STR("1..%u", hv->config.empty_arenas_max),
                   CHK_NUM(hv->arena_allowance), "arena_allowance is outside [1, empty_arenas_max]");
        ok = 0;
    }
    unsigned least = hv->config.decommit_keep_pools, most = hv->config.decommit_keep_pools_max;
    if (hv->pool_allowance < least || hv->pool_allowance > most) {
        chk_report(b->r, CHK_RETENTION_ALLOWANCE, &at, CHK_STR("%u..%u", least, most), CHK_NUM(hv->pool_allowance),
                   "pool_allowance is outside [decommit_keep_pools, decommit_keep_pools_max]");
        ok = 0;
    }
    return ok;
}

void chk_large_cache_limit(chk_base *b, size_t bytes) {
    const pa_heap_view *hv = &b->hv;
    chk_loc at = chk_at_heap(b->heap);
    size_t least = hv->config.large_cache_bytes, most = hv->config.large_cache_bytes_max;
    if (hv->large_cache_budget < least || hv->large_cache_budget > most)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_STR("%zu..%zu", least, most),
                   CHK_NUM(hv->large_cache_budget),
                   "the large cache's budget is outside [large_cache_bytes, large_cache_bytes_max]");
    else if (bytes > hv->large_cache_budget)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_STR("at most %zu", hv->large_cache_budget),
                   CHK_NUM(bytes), "the large cache holds more bytes than its budget");
    if (hv->large_cache_low > hv->large_cached_bytes)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_STR("at most %zu", hv->large_cached_bytes),
                   CHK_NUM(hv->large_cache_low), "large_cache_low is above large_cached_bytes");
}

/* ---- retention --------------------------------------------------------- */

void chk_full_retention(chk_full *c, const pa_os_counter *os) {
    chk_base *b = &c->b;
    int allowances_ok = chk_retention_allowances(b);
    /* Wholly free is judged by nfreepools: only where ARENA_* found it right. */
    size_t empty = 0, committed = 0;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || !ar->v.base)
            continue;
        if (!ar->f.nfree_ok || !ar->f.freepools_ok)
            return;
        empty += ar->v.nfreepools == b->hv.pools_per_arena;
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
    if (b->hv.empty_arenas != empty)
        chk_report(b->r, CHK_RETENTION_EMPTY_ARENAS, &at, CHK_NUM(empty), CHK_NUM(b->hv.empty_arenas),
                   "empty_arenas differs from the wholly free arenas");
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
                   "more wholly free arenas stay mapped than %s allows", policy);
}

/* ---- the large-block cache --------------------------------------------- */

typedef struct cached {
    uintptr_t block;
    size_t seq;          /* position in the walk: bins in order, each list in order */
    uint32_t entry;
    size_t bin, capacity;
} cached;

typedef struct cache_walk {
    chk_base *b;
    size_t entries, nbins;
    uint32_t *list;      /* [entries]: 0, or the list holding the entry (bin + 1; nbins + 1 the free list) */
    cached *blocks;      /* the bins' entries, in walk order */
    size_t nblocks, bytes, on_lists;
    int complete;        /* every list walked to its end */
} cache_walk;

static const char *list_name(const cache_walk *w, size_t list, char *buf, size_t len) {
    uint32_t first;
    size_t capacity;
    if (list < w->nbins && pa_introspect_large_cache_bin(w->b->heap, list, &first, &capacity) == 0)
        return chk_fmt(buf, len, "bin %zu (%zu-byte blocks)", list, capacity);
    return "free list";
}

static void walk_list(cache_walk *w, size_t list, uint32_t first, size_t capacity) {
    chk_base *b = w->b;
    chk_loc at = chk_at_heap(b->heap);
    char buf[64], other[64];
    const char *name = list_name(w, list, buf, sizeof buf);
    uint32_t cur = first;
    for (size_t n = 0; cur; n++) {
        uintptr_t block;
        uint32_t next;
        if (pa_introspect_large_cache_entry(b->heap, cur, &block, &next)) {
            chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, CHK_STR("an index in 1..%zu", w->entries), CHK_NUM(cur),
                       "large cache %s member %zu is not an entry", name, n);
            w->complete = 0;
            return;
        }
        uint32_t *holder = &w->list[cur - 1];
        if (*holder == list + 1) {
            chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, "a list ending in 0", CHK_STR("entry %u again", cur),
                       "large cache %s member %zu repeats an earlier member", name, n);
        } else if (*holder) {
            size_t on = *holder - 1;
            chk_report(b->r, CHK_LARGE_CACHE_LIST, &at, "an entry of no other list", CHK_STR("entry %u", cur),
                       "large cache %s member %zu is also on %s", name, n,
                       on == w->nbins ? "the free list" : list_name(w, on, other, sizeof other));
        }
        if (*holder) {
            w->complete = 0;
            return;
        }
        *holder = (uint32_t)list + 1;
        w->on_lists++;
        if (list < w->nbins) {
            cached *k = &w->blocks[w->nblocks];
            k->block = block;
            k->seq = w->nblocks++;
            k->entry = cur;
            k->bin = list;
            k->capacity = capacity;
            w->bytes += capacity;
        }
        cur = next;
    }
}

static void accounting(const cache_walk *w) {
    chk_base *b = w->b;
    chk_loc at = chk_at_heap(b->heap);
    if (b->hv.large_cached_blocks != w->nblocks)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->nblocks), CHK_NUM(b->hv.large_cached_blocks),
                   "large_cached_blocks differs from the entries on the large cache's bins");
    if (b->hv.large_cached_bytes != w->bytes)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->bytes), CHK_NUM(b->hv.large_cached_bytes),
                   "large_cached_bytes differs from the capacities of the large cache's bins");
    chk_large_cache_limit(b, w->bytes);
    /* Lists are disjoint (LARGE_CACHE_LIST), so fewer means entries lost. */
    if (w->on_lists != w->entries)
        chk_report(b->r, CHK_LARGE_CACHE_ACCOUNTING, &at, CHK_NUM(w->entries), CHK_NUM(w->on_lists),
                   "the large cache's lists hold fewer entries than its array");
}

typedef struct large_rec {
    uintptr_t block;     /* first: chk_by_addr compares it */
    size_t size;
} large_rec;

static int by_block_then_seq(const void *x, const void *y) {
    const cached *a = x, *b = y;
    if (a->block != b->block)
        return (a->block > b->block) - (a->block < b->block);
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* dup_of[seq]: the entry that cached the same block earlier in the walk, or 0. */
static int find_duplicates(const cache_walk *w, uint32_t *dup_of) {
    cached *sorted = malloc((w->nblocks ? w->nblocks : 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    for (size_t i = 0; i < w->nblocks; i++)
        sorted[i] = w->blocks[i];
    qsort(sorted, w->nblocks, sizeof *sorted, by_block_then_seq);
    for (size_t i = 0, run = 0; i < w->nblocks; i++) {
        if (sorted[i].block != sorted[run].block)
            run = i;
        dup_of[sorted[i].seq] = run == i ? 0 : sorted[run].entry;
    }
    free(sorted);
    return 0;
}

static void block_faults(const cache_walk *w, const large_rec *table, size_t ntable, const uint32_t *dup_of) {
    chk_base *b = w->b;
    chk_loc at = chk_at_heap(b->heap);
    size_t alignment = b->hv.config.alignment;
    for (size_t i = 0; i < w->nblocks; i++) {
        const cached *k = &w->blocks[i];
        char where[96];
        chk_fmt(where, sizeof where, "large cache bin %zu (%zu-byte blocks) entry %u", k->bin, k->capacity, k->entry);
        const large_rec *live = bsearch(&k->block, table, ntable, sizeof *table, chk_by_addr);
        if (!k->block)
            chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, "a block", "NULL", "%s holds no block", where);
        else if (k->block % alignment)
            chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, CHK_STR("a multiple of %zu", alignment),
                       CHK_STR("%zu past one", (size_t)(k->block % alignment)), "%s holds a misaligned block", where);
        else if (live)
            chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, "a block not in the large-block table",
                       CHK_STR("a live large block of %zu bytes", live->size), "%s holds a live block", where);
        else if (dup_of[i])
            chk_report(b->r, CHK_LARGE_CACHE_BLOCK, &at, "a block cached once",
                       CHK_STR("the block of entry %u", dup_of[i]), "%s holds a block cached twice", where);
    }
}

/* The large table's blocks, sorted: a cached block must not be one. */
static large_rec *large_table(const chk_base *b, size_t *n) {
    size_t cap = pa_introspect_large_capacity(b->heap);
    large_rec *t = malloc((cap ? cap : 1) * sizeof *t);
    *n = 0;
    if (!t)
        return NULL;
    for (size_t s = 0; s < cap; s++)
        if (pa_introspect_large_slot(b->heap, s, &t[*n].block, &t[*n].size) == 1)
            ++*n;
    qsort(t, *n, sizeof *t, chk_by_addr);
    return t;
}

void chk_full_large_cache(chk_full *c) {
    chk_base *b = &c->b;
    cache_walk w = {.b = b, .entries = b->hv.large_cache_entries, .nbins = b->hv.large_cache_bins, .complete = 1};
    size_t ntable = 0, slots = w.entries ? w.entries : 1;
    w.list = calloc(slots, sizeof *w.list);
    w.blocks = malloc(slots * sizeof *w.blocks);
    uint32_t *dup_of = calloc(slots, sizeof *dup_of);
    large_rec *table = large_table(b, &ntable);
    if (!w.list || !w.blocks || !dup_of || !table) {
        b->r->dropped++;
        goto out;
    }
    for (size_t bin = 0; bin < w.nbins; bin++) {
        uint32_t first;
        size_t capacity;
        if (pa_introspect_large_cache_bin(b->heap, bin, &first, &capacity) == 0)
            walk_list(&w, bin, first, capacity);
    }
    walk_list(&w, w.nbins, b->hv.large_cache_free, 0);
    /* Counts of a list that did not end would only restate its fault. */
    if (w.complete)
        accounting(&w);
    if (find_duplicates(&w, dup_of)) {
        b->r->dropped++;
        goto out;
    }
    block_faults(&w, table, ntable, dup_of);
out:
    free(table);
    free(dup_of);
    free(w.blocks);
    free(w.list);
}

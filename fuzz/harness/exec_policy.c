/* The retention policies after free_all, exactly: what the configuration
 * and the heap's history say must stay, not only an upper bound. Freeing
 * takes no pool and maps nothing, so no allowance moves during free_all:
 * the allowance and the quarantine before it fix what must be there after. */
#include "exec_internal.h"

#include <stdlib.h>

#include "poolalloc/introspect.h"

/* config.h: freed large blocks of up to 256 KiB are kept, in 8 steps per
 * power of two above the linear classes (large_cache.c). */
#define CACHEABLE_MOST ((size_t)256 * 1024)

void ex_policy_before(const exec *ex, ex_policy_mark *m) {
    pa_heap_stats(ex->heap, &m->stats);
    pa_heap_view v;
    pa_introspect_heap(ex->heap, &v);
    m->quarantine_len = v.quarantine_len;
    m->quarantine_head = v.quarantine_head;
    m->blocks = ex->sh.nsmall + ex->sh.nlarge;
    m->decommit_failures = ex->os.failures[PA_OS_DECOMMIT];
    m->narenas = v.arena_slots;
    m->arenas = calloc(v.arena_slots ? v.arena_slots : 1, sizeof *m->arenas);
    for (size_t s = 0; m->arenas && s < v.arena_slots; s++) {
        pa_arena_view av;
        if (pa_introspect_arena_slot(ex->heap, s, &av) || !av.base)
            continue;
        m->arenas[s] = (ex_arena_mark){av.base, av.ncommitted_free, av.ntotalpools - av.nfreepools};
    }
}

/* The classes' spares in the arena at base after free_all: they hold no
 * block (CLASS_SPARE checks they are what they claim). */
static size_t spares_in(const exec *ex, size_t nclasses, uintptr_t base) {
    size_t n = 0;
    for (size_t k = 0; k < nclasses; k++) {
        pa_class_view cv;
        if (pa_introspect_class(ex->heap, k, &cv) == 0 && cv.spare - base < ex->cfg.arena_size)
            n++;
    }
    return n;
}

/* A pool emptied by a free stays with its class as its spare, or goes back
 * to its arena (arena.c, "spares"); there it stays committed while its
 * arena keeps fewer committed free pools than the allowance (under
 * decommit=never: always), else it is decommitted (park_pool): an arena
 * that kept c, had u pools in use (spares included) and holds s spares
 * after free_all got u - s pools back and keeps max(c, min(allowance,
 * c + u - s)). A refused decommit puts its pools back, and quarantined
 * blocks keep their pools in use: neither is judged. */
static int pools_kept(exec *ex, const ex_policy_mark *m) {
    if (!m->arenas || (ex->cfg.debug && ex->cfg.debug_quarantine) ||
        ex->os.failures[PA_OS_DECOMMIT] != m->decommit_failures)
        return 0;
    pa_stats st;
    pa_heap_stats(ex->heap, &st);
    int never = ex->cfg.decommit == PA_DECOMMIT_NEVER;
    for (size_t s = 0; s < m->narenas; s++) {
        const ex_arena_mark *a = &m->arenas[s];
        pa_arena_view av;
        if (!a->base || pa_introspect_arena_slot(ex->heap, s, &av) || av.base != a->base)
            continue; /* released */
        size_t room = st.free_pools_allowed > a->committed_free ? st.free_pools_allowed - a->committed_free : 0;
        size_t back = a->used - spares_in(ex, st.nclasses, a->base);
        size_t want = a->committed_free + (never || back < room ? back : room);
        ex_doctor(ex, PA_SITE_FREE_ALL_POOLS, &av.ncommitted_free);
        if (av.ncommitted_free != want)
            return ex_fail(ex, "POOL_POLICY",
                           "the arena in slot %zu kept %zu committed free pools and had %zu in use: after free_all it "
                           "keeps %zu, exactly %zu must stay (allowance %zu, decommit=%s)",
                           s, a->committed_free, a->used, av.ncommitted_free, want, st.free_pools_allowed,
                           never ? "never" : "free_pools");
    }
    return 0;
}

/* Under KEEP_ONE an arena that becomes wholly free stays while fewer than
 * the allowance do (retention.h): freeing everything leaves exactly
 * min(arenas, allowance), the arenas already wholly free included. */
static int arenas_kept(exec *ex, const ex_policy_mark *m, const pa_exec_kept *after) {
    if (ex->cfg.debug && ex->cfg.debug_quarantine)
        return 0; /* quarantined blocks keep their arenas */
    if (ex->os.failures[PA_OS_UNMAP])
        return 0; /* an arena whose unmap failed stays */
    if (ex->cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE && after->allowance > ex->cfg.empty_arenas_max)
        return ex_fail(ex, "ARENA_POLICY", "the heap may keep %zu wholly free arenas, empty_arenas_max is %u",
                       after->allowance, ex->cfg.empty_arenas_max);
    size_t before = m->stats.arenas_current, want;
    switch (ex->cfg.empty_arenas) {
    case PA_EMPTY_ARENA_RELEASE:
        want = 0;
        break;
    case PA_EMPTY_ARENA_KEEP_ONE:
        want = before < after->allowance ? before : after->allowance;
        break;
    default:
        want = before;
        break;
    }
    if (after->arenas != want)
        return ex_fail(ex, "ARENA_POLICY",
                       "empty-arena policy %d: %zu arenas before freeing everything, %zu after, exactly %zu must stay "
                       "(allowance %zu)",
                       (int)ex->cfg.empty_arenas, before, after->arenas, want, after->allowance);
    return 0;
}

/* The quarantine is a ring of the last debug_quarantine frees: each free
 * fills a slot until it is full, then evicts the oldest. */
static int quarantine_after(exec *ex, const ex_policy_mark *m, const pa_exec_kept *after) {
    size_t cap = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    if (!cap)
        return 0;
    size_t total = m->quarantine_len + m->blocks;
    size_t len = total < cap ? total : cap;
    size_t head = (m->quarantine_head + (total > cap ? total - cap : 0)) % cap;
    if (after->quarantine_len != len || after->quarantine_head != head)
        return ex_fail(ex, "QUARANTINE_POLICY",
                       "after %zu frees the quarantine (%zu of %zu held, oldest at slot %zu before) holds %zu with its "
                       "oldest at slot %zu, not %zu at slot %zu",
                       m->blocks, m->quarantine_len, cap, m->quarantine_head, after->quarantine_len, after->quarantine_head, len,
                       head);
    return 0;
}

static int judge(exec *ex, const ex_policy_mark *m) {
    pa_stats st;
    pa_heap_stats(ex->heap, &st);
    if (!ex_count_ok(ex, st.blocks_in_use, 0) || !ex_count_ok(ex, st.large_blocks, 0))
        return ex_fail(ex, "STATS_AFTER_FREE_ALL", "with nothing live the stats still say %zu small and %zu large blocks",
                       st.blocks_in_use, st.large_blocks);
    pa_heap_view v;
    pa_introspect_heap(ex->heap, &v);
    pa_exec_kept after = {st.arenas_current, st.empty_arenas_allowed, v.quarantine_len, v.quarantine_head};
    ex_doctor(ex, PA_SITE_FREE_ALL_KEPT, &after);
    return quarantine_after(ex, m, &after) || arenas_kept(ex, m, &after) ? -1 : pools_kept(ex, m);
}

int ex_policy_after_free_all(exec *ex, ex_policy_mark *m) {
    int rc = judge(ex, m);
    free(m->arenas);
    m->arenas = NULL;
    return rc;
}

/* The capacity a cached block of size (above the linear classes) takes:
 * size rounded up to its step, an eighth of the power of two below it. */
static size_t cache_capacity(size_t size) {
    size_t below = 1;
    while (below * 2 < size)
        below *= 2;
    size_t step = below / 8;
    return (size + step - 1) / step * step;
}

void ex_cache_before_free(exec *ex, const void *p, ex_cache_mark *m) {
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    *m = (ex_cache_mark){pa_heap_usable_size(ex->heap, p), v.large_cached_blocks, v.large_cached_bytes,
                         v.large_cache_budget};
}

/* A freed large block above the linear classes and of at most 256 KiB is
 * cached exactly when its capacity fits in what the budget leaves; then
 * the cache holds one block and that capacity more, else what it held. */
int ex_cache_after_free(exec *ex, const ex_cache_mark *m) {
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    int cacheable = m->size > PA_LINEAR_THRESHOLD && m->size <= CACHEABLE_MOST;
    size_t capacity = cacheable ? cache_capacity(m->size) : m->size;
    int cached = cacheable && m->bytes + capacity <= m->budget;
    size_t now = v.large_cached_blocks;
    ex_doctor(ex, PA_SITE_CACHE_ADMIT, &now);
    size_t blocks = m->blocks + (size_t)cached, bytes = m->bytes + (cached ? capacity : 0);
    if (now != blocks || v.large_cached_bytes != bytes)
        return ex_fail(ex, "LARGE_CACHE_POLICY",
                       "freeing a %zu-byte large block (capacity %zu) with %zu of the budget's %zu bytes cached: the "
                       "cache holds %zu blocks of %zu bytes, not %zu of %zu",
                       m->size, capacity, m->bytes, m->budget, now, v.large_cached_bytes, blocks, bytes);
    return 0;
}

void ex_decay_arm(exec *ex, ex_decay_mark *m) {
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    if (v.large_cache_window_takes + 1 == v.large_cache_window)
        *m = (ex_decay_mark){1, v.large_cache_budget, v.large_cache_low, v.large_cache_window_takes};
}

/* The cacheable request that fills a window ends it (config.h, large_cache.c):
 * a budget above its floor (large_cache_bytes) of which the cache held at
 * least half throughout (its low-water mark) halves, not below the floor;
 * any other stays. A new window starts, so its request finds no bin
 * flagged and the budget does not rise. (A request the heap was not asked,
 * or not cacheable, leaves the window as it was: nothing to judge.) */
int ex_decay_judge(exec *ex, const ex_decay_mark *m) {
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    if (v.large_cache_window_takes == m->takes)
        return 0;
    size_t floor = ex->cfg.large_cache_bytes, half = m->budget / 2;
    size_t want = m->budget > floor && m->low >= half ? (half > floor ? half : floor) : m->budget;
    size_t got = v.large_cache_budget;
    ex_doctor(ex, PA_SITE_CACHE_DECAY, &got);
    if (got != want)
        return ex_fail(ex, "LARGE_CACHE_DECAY",
                       "the request that ended the large cache's window (budget %zu, the window's least cached bytes "
                       "%zu, floor %zu) left the budget %zu, expected %zu",
                       m->budget, m->low, floor, got, want);
    return 0;
}

/* Pool takes one op makes at most: a pool per block it allocates (alloc_many's
 * 256; the cache op's objects, taken twice; a misuse op's few). */
#define OP_TAKES_MOST 1024

/* Ops that ask ex->heap for no block, so take no pool (destroy and remake
 * make a new heap, whose allowances start again). */
static int takes_no_pool(uint8_t kind) {
    switch ((pa_op_kind)kind) {
    case PA_OP_FREE: case PA_OP_FREE_RANGE: case PA_OP_FREE_ALL: case PA_OP_USABLE: case PA_OP_WRITE:
    case PA_OP_CHECK: case PA_OP_STATS: case PA_OP_STATS_PRINT: case PA_OP_NOP: case PA_OP_FAULT:
    case PA_OP_PLACE: case PA_OP_THREAD: case PA_OP_CORRUPT: case PA_OP_DEFAULT_HEAP: case PA_OP_DESTROY:
    case PA_OP_REMAKE:
        return 1;
    default:
        return 0;
    }
}

void ex_retention_before(exec *ex, const pa_op *op, ex_retention_mark *m) {
    m->armed = !takes_no_pool(op->kind);
    if (!m->armed)
        return;
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    *m = (ex_retention_mark){1, v.arena_allowance, v.pool_allowance, v.retention_window_takes, v.retention_window};
}

/* An allowance falls only at the pool take that fills a retention window
 * (retention.h: PA_RETENTION_DECAY_TAKES takes since the window began), so
 * an op that began further from the window's end than it can take pools
 * leaves both where they were, or higher (a rise); one that takes none
 * leaves them. */
int ex_retention_after(exec *ex, const ex_retention_mark *m) {
    if (!m->armed || m->window_takes + OP_TAKES_MOST >= m->window)
        return 0;
    pa_limits_view v;
    pa_introspect_limits(ex->heap, &v);
    size_t arenas = v.arena_allowance;
    ex_doctor(ex, PA_SITE_ALLOWANCE, &arenas);
    if (arenas < m->arenas || v.pool_allowance < m->pools)
        return ex_fail(ex, "RETENTION_DECAY_EARLY",
                       "the allowances fell (arenas %zu to %zu, pools %zu to %zu) in an op begun %llu pool takes "
                       "into a %llu-take retention window: a window ends only at its last take",
                       m->arenas, arenas, m->pools, v.pool_allowance, (unsigned long long)m->window_takes,
                       (unsigned long long)m->window);
    return 0;
}

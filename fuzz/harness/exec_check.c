/* The executor's checks: incremental after every op, full where the ops
 * ask, the contents of the live blocks, and the counts. */
#include "exec_internal.h"

#include "pattern.h"
#include "poolalloc/debug.h"
#include "poolalloc/stats.h"

int ex_check_incremental(exec *ex) {
    pa_check_report_clear(ex->rep);
    if (pa_check_incremental(ex->heap, ex->touched, ex->ntouched, ex->rep))
        return ex_fail_checker(ex, "pa_check_incremental");
    return 0;
}

/* Verify a block's contents against its pattern; verified, it counts as
 * unwritten until the harness writes it again. */
int ex_check_block(exec *ex, pa_shadow_block *b, size_t slot, size_t limit, const char *when) {
    pa_pattern_mismatch m;
    if (b->p && pa_pattern_verify(b->p, b->req, limit, b->seed, &m))
        return ex_fail(ex, b->seed ? "CONTENT_MISMATCH" : "CALLOC_NOT_ZERO",
                    "%s: byte %zu of block b%llu (slot %zu, %zu bytes at %p) is 0x%02x, expected 0x%02x",
                    when, m.offset, (unsigned long long)b->serial, slot, b->req, b->p,
                    m.found, m.expected);
    b->written = 0;
    return 0;
}

/* Fresh content for a block: verified before it is next relied on. */
void ex_fill_block(exec *ex, pa_shadow_block *b) {
    b->seed = ex_next_seed(ex);
    pa_pattern_fill(b->p, b->req, b->seed);
    b->written = 1;
}

/* Every live block's contents. A full check verifies only the blocks the
 * harness wrote since their last verification: the harness cannot have
 * changed the others, and whatever else might have is caught here, every
 * PA_SWEEP_OPS ops and before a destroy, and as each block is freed (the
 * teardown frees them all). */
int ex_sweep_contents(exec *ex, const char *when) {
    for (size_t i = 0; i < ex->sh.n; i++)
        if (ex_check_block(ex, &ex->sh.slots[i], i, ex->sh.slots[i].req, when))
            return -1;
    ex->swept = 1;
    return 0;
}

/* Counted by pa_heap_debug_scan's result: nothing to do per finding. */
static void ignore_finding(void *ctx, const pa_debug_finding *f) { (void)ctx, (void)f; }

/* sweep: verify every live block's contents, not only those written since
 * their last verification. */
int ex_check_full(exec *ex, int sweep) {
    size_t n = 0;
    for (size_t i = 0; i < ex->sh.n; i++)
        if (ex->sh.slots[i].p) {
            ex->live_sizes[n] = ex->sh.slots[i].req;
            ex->live_list[n++] = ex->sh.slots[i].p;
        }
    pa_check_report_clear(ex->rep);
    pa_check_report_clear(ex->ghost_rep);
    /* the ghost state (pa_check_live_set's) on the full check's walk of
     * the pools; its verdict is looked at below, where it always was. On a
     * debug heap the checker maps data pointers back to their blocks and
     * counts the quarantine as live to the plain heap. */
    pa_check_options copt = {.os = &ex->os, .live = ex->live_list, .nlive = n, .live_report = ex->ghost_rep};
    if (pa_check_heap_opts(ex->heap, &copt, ex->rep))
        return ex_fail_checker(ex, "pa_check_heap");
    /* The debug layer's own scan of the whole heap (what
     * pa_heap_debug_verify reports) agrees: nothing damaged. */
    size_t damaged = pa_heap_debug_scan(ex->heap, ignore_finding, NULL);
    ex_doctor(ex, PA_SITE_DEBUG_SCAN, &damaged);
    if (damaged)
        return ex_fail(ex, "DEBUG_SCAN", "the debug layer's scan finds %zu damaged block%s where the checker found none",
                       damaged, damaged == 1 ? "" : "s");
    if (ex_probe_introspection(ex) || ex_check_large_homes(ex))
        return -1;
    /* the ghost state first: it names a block the heap and the shadow
     * disagree on more precisely than its contents would */
    if (pa_check_report_count(ex->ghost_rep))
        return ex_fail_report(ex, "pa_check_live_set", ex->ghost_rep);
    /* The ASan annotations (a checker built without ASan finds nothing),
     * before the contents are read: a poisoned live byte would stop the run
     * in ASan's report instead of ours. Only here, not after every op: it
     * walks every pool (docs/OP_LANGUAGE.md has the cost). */
    pa_check_report_clear(ex->rep);
    if (pa_check_poisoning(ex->heap, ex->live_list, ex->live_sizes, n, ex->rep))
        return ex_fail_checker(ex, "pa_check_poisoning");
    for (size_t i = 0; i < ex->sh.n; i++) {
        pa_shadow_block *b = &ex->sh.slots[i];
        if (!b->p)
            continue;
        if ((sweep || b->written) && ex_check_block(ex, b, i, b->req, "full check"))
            return -1;
        if (!pa_heap_owns(ex->heap, b->p))
            return ex_fail(ex, "NOT_OWNED", "live block b%llu at %p (slot %zu) is not owned by its heap",
                        (unsigned long long)b->serial, b->p, i);
    }
    int local = 0;
    if (pa_heap_owns(ex->heap, &local))
        return ex_fail(ex, "OWNS_FOREIGN", "the heap claims a stack address %p", (void *)&local);
    static const int static_probe = 1;
    if (pa_heap_owns(ex->heap, &static_probe))
        return ex_fail(ex, "OWNS_FOREIGN", "the heap claims a static address %p", (const void *)&static_probe);
    ex->unchanged = 1;
    ex->swept |= sweep;
    return 0;
}

/* The debug layer's quarantine holds freed blocks back: the heap counts them
 * until they leave it, so counts may exceed the shadow's by that much. */
int ex_count_ok(const exec *ex, size_t heap_count, size_t shadow_count) {
    size_t slack = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    return heap_count >= shadow_count && heap_count - shadow_count <= slack;
}

int ex_check_counts(exec *ex) {
    pa_stats st;
    pa_heap_stats(ex->heap, &st);
    if (!ex_count_ok(ex, st.blocks_in_use, ex->sh.nsmall))
        return ex_fail(ex, "STATS_SMALL_COUNT", "stats say %zu small blocks in use, the shadow holds %zu",
                    st.blocks_in_use, ex->sh.nsmall);
    if (!ex_count_ok(ex, st.large_blocks, ex->sh.nlarge))
        return ex_fail(ex, "STATS_LARGE_COUNT", "stats say %zu large blocks, the shadow holds %zu",
                    st.large_blocks, ex->sh.nlarge);
    /* Freed large blocks the heap caches for reuse are still the large
     * path's: they count there, and only there. */
    if (ex->large.blocks < st.large_cached_blocks ||
        !ex_count_ok(ex, ex->large.blocks - st.large_cached_blocks, ex->sh.nlarge))
        return ex_fail(ex, "LARGE_PATH_COUNT", "the large path holds %zu blocks (%zu of them cached), the shadow %zu",
                    ex->large.blocks, st.large_cached_blocks, ex->sh.nlarge);
    return 0;
}

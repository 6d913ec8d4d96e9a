/* The orphan list: heaps of exited threads, kept for the next thread to
 * adopt (docs/ARCHITECTURE.md, "Threads"). Process-wide, so it is checked
 * by pa_check_threads, not by the check of one heap. The list is read
 * under its lock, as a snapshot; violations name orphans by position, so
 * the messages are the same from run to run. */
#include <stdint.h>
#include <stdlib.h>

#include "check_report.h"

typedef struct orphan_at {
    uintptr_t heap;
    size_t pos;
} orphan_at;

/* By heap, then position: a heap the snapshot holds twice (it went round
 * a cycle) sorts with its first position first. */
static int by_heap(const void *a, const void *b) {
    const orphan_at *x = a, *y = b;
    if (x->heap != y->heap)
        return x->heap < y->heap ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first position of heap in the snapshot, SIZE_MAX if it is not there. */
static size_t first_position(const orphan_at *sorted, size_t n, uintptr_t heap) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid].heap < heap)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo].heap == heap ? sorted[lo].pos : SIZE_MAX;
}

/* The position of the orphan whose link goes back to an earlier one (or to
 * itself), n if none; *target is the earlier one's position. */
static size_t back_link(const pa_orphan_view *v, size_t n, orphan_at *sorted, size_t *target) {
    for (size_t i = 0; i < n; i++)
        sorted[i] = (orphan_at){v[i].heap, i};
    qsort(sorted, n, sizeof *sorted, by_heap);
    for (size_t i = 0; i < n; i++) {
        size_t pos = first_position(sorted, n, v[i].next);
        if (pos <= i) {
            *target = pos;
            return i;
        }
    }
    return n;
}

/* A snapshot of the list: its first *n heaps, enough to show a cycle if
 * it has one (each read takes twice the last's heaps until the list ends
 * inside it or links back); NULL when out of memory. */
static pa_orphan_view *snapshot(pa_check_report *r, size_t *n, size_t *cycle_at, size_t *target) {
    size_t cap = 64;
    pa_orphan_view *v = NULL;
    orphan_at *sorted = NULL;
    for (;; cap *= 2) {
        pa_orphan_view *nv = realloc(v, cap * sizeof *v);
        orphan_at *ns = nv ? realloc(sorted, cap * sizeof *sorted) : NULL;
        if (nv)
            v = nv;
        if (ns)
            sorted = ns;
        if (!nv || !ns) {
            r->dropped++;
            free(v);
            free(sorted);
            return NULL;
        }
        *n = pa_introspect_orphans(v, cap);
        *cycle_at = back_link(v, *n, sorted, target);
        if (*cycle_at < *n || *n < cap)
            break;
    }
    free(sorted);
    return v;
}

size_t pa_check_threads(pa_check_report *r) {
    size_t before = r->n, n, cycle_at, target = 0;
    pa_orphan_view *v = snapshot(r, &n, &cycle_at, &target);
    if (!v)
        return 0;
    size_t walk = cycle_at < n ? cycle_at + 1 : n;
    for (size_t i = 0; i < walk; i++) {
        chk_loc at = chk_at_heap((const pa_heap *)v[i].heap);
        if (v[i].shared || !v[i].thread_heap)
            chk_report(r, CHK_ORPHAN_NOT_THREAD_HEAP, &at, "a thread heap",
                       v[i].shared ? "the shared heap" : "a heap that is not a thread heap",
                       "orphan %zu is not a heap of an exited thread", i);
        if (v[i].attached)
            chk_report(r, CHK_ORPHAN_ATTACHED, &at, "held by no thread", "held by a live thread",
                       "orphan %zu is still a live thread's heap", i);
    }
    if (cycle_at < n) {
        chk_loc at = chk_at_heap((const pa_heap *)v[cycle_at].heap);
        chk_report(r, CHK_ORPHAN_LIST_CYCLE, &at, "a list that ends", CHK_STR("a link to orphan %zu", target),
                   "orphan %zu links back to an earlier orphan", cycle_at);
    }
    free(v);
    return r->n - before;
}

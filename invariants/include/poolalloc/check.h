/* The invariant checker: validates a heap completely and says exactly what is
 * broken and where. (Contract; the invariants/ library implements it.) */
#ifndef POOLALLOC_CHECK_H
#define POOLALLOC_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "poolalloc/heap.h"
#include "pa_testing/os_counting.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_check_report pa_check_report;

pa_check_report *pa_check_report_new(void);
void pa_check_report_free(pa_check_report *r);
void pa_check_report_clear(pa_check_report *r);
size_t pa_check_report_count(const pa_check_report *r);
/* The stable identifier (e.g. "POOL_FREELIST_CYCLE") of violation i. */
const char *pa_check_report_id(const pa_check_report *r, size_t i);
/* Violation i's one-line message: where, what, expected and found values.
 * It names arenas by slot and pools by index, so it is the same from run to
 * run; addresses are in the printed report. */
const char *pa_check_report_message(const pa_check_report *r, size_t i);
/* The heap violation i was found in (for pa_check_threads, the orphan). */
const pa_heap *pa_check_report_heap(const pa_check_report *r, size_t i);
/* Deterministic text; machine-readable JSON. 0 or -1 (I/O). */
int pa_check_report_print(const pa_check_report *r, FILE *out);
int pa_check_report_print_json(const pa_check_report *r, FILE *out);

/* Full check of everything; on a debug heap (pa_config.debug) that takes in
 * every live and quarantined debug block's header, forbidden bytes and
 * freed fill (pa_heap_debug_scan). Returns the number of violations added. */
size_t pa_check_heap(const pa_heap *heap, pa_check_report *r);
/* Optional inputs of a full check; zero-initialise and set what you have. */
typedef struct pa_check_options {
    /* The counting OS layer the heap was created with, used by no other heap:
     * bytes it has mapped must equal the heap's os_bytes_mapped. */
    const pa_os_counter *os;
    /* With live_report, after a full check that finds nothing:
     * pa_check_live_set(heap, live, nlive, live_report), with the same
     * reports, on the full check's walk of the pools (each freelist walked
     * once for both). Its violations go to live_report (which may be the
     * full check's report), not counted in the return value. After a full
     * check that finds a fault it does not run: the structures it reads are
     * the full check's to vouch for. */
    const void *const *live;
    size_t nlive;
    pa_check_report *live_report;
    /* New members are added here, so always zero-initialise. */
} pa_check_options;

/* pa_check_heap plus the checks the options make possible (opt may be NULL). */
size_t pa_check_heap_opts(const pa_heap *heap, const pa_check_options *opt, pa_check_report *r);

/* Process-wide state of the default API's threads, which no one heap's
 * check sees: the orphan list (heaps of exited threads) ends, holds only
 * thread heaps, and none of them is held by a live thread. Reads the list
 * under its lock, so it may run while other threads allocate. Returns the
 * number of violations added. */
size_t pa_check_threads(pa_check_report *r);

/* What one operation on the blocks at touched[] (the pointers it returned or
 * freed) can have changed, in O(1) amortized: the touched pools, their
 * arenas and list neighbours, the counters that need no walk. Its cost is
 * bounded by the configuration, not the heap's size; docs/INVARIANTS.md
 * lists what it leaves to the full check. */
size_t pa_check_incremental(const pa_heap *heap, const void *const *touched,
                            size_t ntouched, pa_check_report *r);
/* What the incremental checks of a long run (a trace replay) found sound,
 * so that the next check reads what may have changed instead of confirming
 * everything again; the same verdicts, reports and messages either way.
 * - The freelists walked: each pool's list as it last passed. A later check
 *   of the pool walks the members pushed and popped at its head and reads
 *   and compares every other link with the record (independent reads); a
 *   list of another shape is walked link by link.
 * - The owner cache as it last passed, with the heap's arena totals. While
 *   the totals stand (no arena made or released, the only events that move
 *   an arena's base or its place in the map), a slot equal to the record
 *   stands, and only the slots that differ are judged; otherwise every one.
 * Memory: a word per free block of the pools checked and one per owner
 * cache slot. One record per heap, for the heap's life. */
typedef struct pa_check_record pa_check_record;
pa_check_record *pa_check_record_new(void);
void pa_check_record_free(pa_check_record *rec);
/* A hint that a check of pool is coming, in two stages, the second needing
 * the first to have arrived: the record's entry for the pool, then the
 * recorded list. Reads only the record; any address is harmless. */
typedef enum pa_check_prefetch_stage {
    PA_CHECK_PREFETCH_ENTRY,
    PA_CHECK_PREFETCH_LIST,
} pa_check_prefetch_stage;
void pa_check_record_prefetch(const pa_check_record *rec, uintptr_t pool, pa_check_prefetch_stage stage);
/* pa_check_incremental with a record (NULL: none). */
size_t pa_check_incremental_recorded(const pa_heap *heap, pa_check_record *record, const void *const *touched,
                                 size_t ntouched, pa_check_report *r);
/* Ghost state: given the caller's live blocks, every block slot of every pool
 * is exactly one of live, on one freelist, or never carved. */
size_t pa_check_live_set(const pa_heap *heap, const void *const *live,
                         size_t nlive, pa_check_report *r);

/* ASan annotations (alloc/src/annotate.h): given the caller's live blocks
 * and the bytes requested for each (sizes[i] for live[i]), in every carved,
 * committed pool the header is poisoned, a live block is addressable for
 * exactly its requested bytes and poisoned from there to the block's end, a
 * free block is poisoned whole, and the never-carved bytes are poisoned.
 * Only a checker built for ASan (PA_SANITIZE=ON, where the heap poisons)
 * looks: in other builds it reports nothing and returns 0. Debug heaps and
 * large blocks are skipped; live pointers that name no accepted block are
 * left to pa_check_live_set. */
size_t pa_check_poisoning(const pa_heap *heap, const void *const *live, const size_t *sizes,
                          size_t nlive, pa_check_report *r);

/* The invariants the checker knows, in a fixed order: identifier and rule. */
size_t pa_check_invariant_count(void);
const char *pa_check_invariant_id(size_t i);
const char *pa_check_invariant_text(size_t i);

#ifdef __cplusplus
}
#endif
#endif

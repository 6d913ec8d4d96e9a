/* What the executor's parts share: the state of a run and the steps one
 * part takes for another. Not for use outside the executor. */
#ifndef PA_FUZZ_EXEC_INTERNAL_H
#define PA_FUZZ_EXEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "executor.h"
#include "large_count.h"
#include "pa_testing/os_placer.h"
#include "pa_testing/os_tracker.h"
#include "pa_testing/os_counting.h"
#include "poolalloc/check.h"
#include "poolalloc/heap.h"
#include "poolalloc/stats.h"
#include "shadow.h"

#define TOUCH_MAX 520
/* Ops between two sweeps of every live block's contents. */
#define PA_SWEEP_OPS 64

typedef struct exec {
    pa_config cfg;
    pa_heap *heap;
    pa_os_counter os;
    os_tracker track;
    pa_os_ops tracked; /* the counter's inner layer: track's */
    os_placer place;   /* the tracker's inner layer, over the recycler that
                        * keeps mappings between runs: the place op sets it */
    pa_large_counter large;
    pa_shadow sh;
    pa_check_report *rep;
    pa_check_report *ghost_rep; /* the full check's ghost-state part */
    const pa_exec_options *opt;
    pa_exec_failure *f;
    pa_exec_stats *st;
    const pa_op *op;
    size_t op_index;
    size_t live_bytes;
    uint64_t generation;
    const void *touched[TOUCH_MAX];
    size_t ntouched;
    /* Since the last passing full check (unchanged), or sweep of every live
     * block's contents (swept), the harness has made no call into the heap
     * and written no block: a check of the same state again would read the
     * same bytes (the checker writes nothing) and say the same. */
    int unchanged, swept;
    const void **live_list; /* scratch for pa_check_live_set and */
    size_t *live_sizes;     /* pa_check_poisoning: requested sizes */
    /* fault ops: per OS request kind, the countdown to the request that
     * fails (0: none) and the ops left during which every request fails */
    unsigned fault_nth[PA_OS_REQUEST_KINDS];
    unsigned fault_ops[PA_OS_REQUEST_KINDS];
    uint64_t faults_fired, faults_at_op_start;
    size_t unmap_failed_bytes; /* what failed unmaps left mapped, at most */
    /* misuse reports: the handler counts them; one is expected only while
     * a misuse op makes its call */
    int misuse_expected;
    size_t misuse_reports, misuse_unexpected;
    pa_misuse_kind misuse_last;
    char misuse_message[256];
    char misuse_block_state[16]; /* the last debug dump's word for the block: live, freed, ... */
    pa_heap *other; /* the second heap of the foreign-pointer misuse */
} exec;

/* exec_failure.c: record the run's first failure; -1, for returning. */
/* The report, live list and shadow a run uses, kept between runs (one
 * run at a time takes them): 0, or -1 when out of memory; given back at
 * the run's end. */
int ex_buffers_take(exec *ex);
void ex_buffers_give_back(exec *ex);
int ex_fail(exec *ex, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A checker run that found something (what: the function). */
int ex_fail_checker(exec *ex, const char *what);
/* The same for the violations in rep. */
int ex_fail_report(exec *ex, const char *what, const pa_check_report *rep);

/* Show a test's doctor hook a result the op's oracle is about to judge. */
static inline void ex_doctor(const exec *ex, pa_exec_site site, void *value) {
    if (ex->opt->doctor)
        ex->opt->doctor(ex->opt->tamper_ctx, site, value);
}

/* exec_policy.c: the retention policies after free_all, exactly. */
typedef struct ex_arena_mark {
    uintptr_t base;         /* 0: no arena in the slot */
    size_t committed_free;  /* its committed free pools */
    size_t used;            /* its pools holding blocks */
} ex_arena_mark;
typedef struct ex_policy_mark {
    pa_stats stats;
    size_t quarantine_len, quarantine_head;
    size_t blocks; /* live blocks free_all is about to free */
    uint64_t decommit_failures;
    ex_arena_mark *arenas; /* per arena slot, malloc'd (NULL: not judged) */
    size_t narenas;
} ex_policy_mark;
void ex_policy_before(const exec *ex, ex_policy_mark *m);
/* Judges what free_all left against m, and frees m's arrays. */
int ex_policy_after_free_all(exec *ex, ex_policy_mark *m);
/* The large cache's admission, around the free of a large block p (not on
 * a debug heap, whose blocks carry headers): what it held before, then the
 * judgement of what the free did. */
typedef struct ex_cache_mark {
    size_t size; /* the block's recorded size (its usable size) */
    size_t blocks, bytes, budget;
} ex_cache_mark;
void ex_cache_before_free(exec *ex, const void *p, ex_cache_mark *m);
int ex_cache_after_free(exec *ex, const ex_cache_mark *m);
/* The large cache's budget window, around a malloc of a large block (not on
 * a debug heap): armed when its take fills the window, then the judgement
 * of the budget the window's end left. */
typedef struct ex_decay_mark {
    int armed;
    size_t budget, low, takes;
} ex_decay_mark;
/* The two halves out of line, for the one malloc in a window's length that
 * arms; the tests that pass over every other malloc inline (a call each way
 * was some 28 instructions a block of alloc_many). */
void ex_decay_arm(exec *ex, ex_decay_mark *m);
int ex_decay_judge(exec *ex, const ex_decay_mark *m);
static inline void ex_decay_before_malloc(exec *ex, size_t size, ex_decay_mark *m) {
    m->armed = 0;
    if (!ex->cfg.debug && size > ex->cfg.small_threshold)
        ex_decay_arm(ex, m);
}
static inline int ex_decay_after_malloc(exec *ex, const ex_decay_mark *m) {
    return m->armed ? ex_decay_judge(ex, m) : 0;
}
/* The retention allowances around an op that keeps the heap (not destroy
 * or remake): they fall only where a retention window ends. */
typedef struct ex_retention_mark {
    int armed;
    size_t arenas, pools;
    uint64_t window_takes, window;
} ex_retention_mark;
void ex_retention_before(exec *ex, const pa_op *op, ex_retention_mark *m);
int ex_retention_after(exec *ex, const ex_retention_mark *m);

/* exec_default_misuse.c: the default heaps' misuse reports go to ex's
 * counters (ex_misuse_unexpected) from begin to end of a run. */
void ex_default_misuse_begin(exec *ex);
void ex_default_misuse_end(void);

/* exec_locks.c: LOCK_HELD, no lock of the allocator held after what
 * (the op, a call). */
int ex_check_locks(exec *ex, const char *after);

/* exec_check.c: the checks, and the contents they verify. */
/* A pointer the op returned or freed, for the incremental check. */
static inline void ex_touch(exec *ex, const void *p) {
    if (p && ex->ntouched < TOUCH_MAX)
        ex->touched[ex->ntouched++] = p;
}
int ex_check_incremental(exec *ex);
/* A fresh content seed; odd, so never calloc's 0. */
static inline uint64_t ex_next_seed(exec *ex) { return 0x9e3779b97f4a7c15ull * ++ex->generation | 1; }
int ex_check_block(exec *ex, pa_shadow_block *b, size_t slot, size_t limit, const char *when);
void ex_fill_block(exec *ex, pa_shadow_block *b);
/* What the debug layer fills a new block's data and a freed one's with
 * (config.h). */
#define DEBUG_FRESH_FILL 0xCD
#define DEBUG_FREED_FILL 0xDD
/* The first of the first and last 64 bytes of d[0, n) that is not fill,
 * or n: how the debug layer's fresh and freed fills are judged. */
size_t ex_fill_mismatch(const unsigned char *d, size_t n, unsigned char fill);
int ex_sweep_contents(exec *ex, const char *when);
int ex_check_full(exec *ex, int sweep);
/* exec_probe.c: the introspection API refuses what is out of its range. */
int ex_probe_introspection(exec *ex);
/* exec_large_home.c: every large-table block on the probe path from its home. */
int ex_check_large_homes(exec *ex);
int ex_count_ok(const exec *ex, size_t heap_count, size_t shadow_count);
int ex_check_counts(exec *ex);

/* exec_cache.c: the cache op (count objects at most). */
int ex_cache(exec *ex, size_t object_size, uint8_t capacity, size_t count);

/* exec_default.c: the default_heap op. */
int ex_default_heap(exec *ex, size_t size, uint8_t arg);

/* exec_stats.c: every figure of pa_heap_stats the shadow model knows, and
 * the statistics printed as a table and as JSON. */
int ex_check_stats_print(exec *ex);

/* exec_alloc.c: allocation ops with their results vetted, and freeing. */
int ex_malloc(exec *ex, size_t size);
int ex_calloc(exec *ex, uint8_t arg, size_t elem);
int ex_memalign(exec *ex, uint8_t arg, size_t size);
int ex_realloc(exec *ex, size_t slot, size_t size);
/* huge: slot is the slot realloc names, or where align's block goes
 * (SIZE_MAX: none, the live set is full or empty). */
int ex_huge(exec *ex, uint8_t arg, size_t slot);
int ex_remove_slots(exec *ex, const pa_op_effect *e, const char *when);
/* A live block's range out of the address index (SHADOW_LOST if missing). */
int ex_release_range(exec *ex, const pa_shadow_block *b);
/* Before a block is freed: its contents verified (when: the op), its range
 * released (release), its bytes off the live total. */
int ex_forget_block(exec *ex, pa_shadow_block *b, size_t slot, const char *when, int release);
int ex_free_everything(exec *ex, const char *when);

/* exec_misuse.c: fault injection, misuse reports, fault and misuse ops. */
int ex_fault_should_fail(void *ctx, pa_os_request request, size_t size, uint64_t seq);
void ex_faults_disarm(exec *ex);
/* Did an injected fault fire during the current op? */
int ex_fault_this_op(const exec *ex);
void ex_on_misuse(void *ctx, const pa_misuse *m);
void ex_fault(exec *ex, const pa_op *op);
int ex_misuse(exec *ex, const pa_op *op, const pa_op_effect *e);
/* A misuse report during a correct program's call. */
int ex_misuse_unexpected(exec *ex);
/* Free ptr (through cache, or pa_heap_free if NULL), which is misuse of
 * kind want: exactly one report of that kind. */
struct pa_object_cache;
int ex_misuse_expect(exec *ex, void *ptr, struct pa_object_cache *cache, pa_misuse_kind want, const char *what);

/* exec_corrupt.c: the corrupt op. */
int ex_corrupt(exec *ex, const pa_op *op, const pa_op_effect *e);

#endif

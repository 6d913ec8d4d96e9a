/* The trace replay of trace_exec.h. Blocks live in a dense table indexed by
 * the reader's slot for their ID, and are found by address in a granule
 * set, so every op costs O(1) expected besides the allocator's and the
 * checker's work (O(log) for blocks the granule set keeps in its tree). */
#define _POSIX_C_SOURCE 200809L
#include "trace_exec.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "block_oracle.h"
#include "large_count.h"
#include "pattern.h"
#include "poolalloc/check.h"
#include "poolalloc/heap.h"
#include "pa_testing/os_counting.h"
#include "poolalloc/stats.h"
#include "granule_set.h"
#include "trace_blocks.h"
#include "trace_prefetch.h"
#include "trace_sweep.h"

_Static_assert(SIZE_MAX >= UINT64_MAX, "trace sizes are 64-bit: size_t must hold them");

struct pa_trace_exec {
    pa_config cfg;
    pa_heap *heap;
    pa_os_counter os;
    pa_large_counter large;
    pa_check_report *rep;
    pa_check_record *record; /* the incremental checks' record of the freelists */
    pa_trace_blocks blocks;
    pa_granule_set ranges; /* the live blocks' [p, p + usable) */
    size_t nsmall, nlarge;
    void *scratch; /* the full check's: the six arrays below */
    const void **live_list; /* the sweep's front end, then its back end's */
    size_t *live_sizes;
    const void **back_list; /* the sweep's back end */
    size_t *back_sizes;
    uintptr_t *live_starts; /* the same blocks in address order */
    const void **live_sorted;
    size_t live_cap;
    uint64_t full_every, since_full, generation;
    const void *touched[4];
    size_t ntouched;
    const pa_trace_op *op;
    unsigned long long line;
    pa_replay_failure *f;
    pa_replay_stats st;
};

/* ---- failures ---------------------------------------------------------- */

static int fail(pa_trace_exec *x, const char *kind, const char *fmt, ...) {
    pa_replay_failure *f = x->f;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    f->op_index = x->st.ops;
    f->line = x->line;
    f->has_op = x->op != NULL;
    if (x->op)
        f->op = *x->op;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail_checker(pa_trace_exec *x, const char *what) {
    size_t n = pa_check_report_count(x->rep);
    char kind[64];
    snprintf(kind, sizeof kind, "CHECK_%s", n ? pa_check_report_id(x->rep, 0) : "UNKNOWN");
    fail(x, kind, "%s found %zu violation%s", what, n, n == 1 ? "" : "s");
    size_t len = 0;
    FILE *m = open_memstream(&x->f->checker_text, &len);
    if (m) {
        pa_check_report_print(x->rep, m);
        fclose(m);
    }
    return -1;
}

static void count_block(pa_trace_exec *x, const pa_trace_block *b, int sign) {
    size_t *n = b->small ? &x->nsmall : &x->nlarge;
    if (sign > 0) {
        ++*n;
        x->st.live++;
        x->st.live_bytes += b->req;
        if (x->st.live > x->st.peak_live)
            x->st.peak_live = x->st.live;
        if (x->st.live_bytes > x->st.peak_live_bytes)
            x->st.peak_live_bytes = x->st.live_bytes;
    } else {
        --*n;
        x->st.live--;
        x->st.live_bytes -= b->req;
    }
}

static void touch(pa_trace_exec *x, const void *p) {
    if (p && x->ntouched < sizeof x->touched / sizeof x->touched[0])
        x->touched[x->ntouched++] = p;
}

/* ---- the oracle on one block --------------------------------------------- */

static int check_contents(pa_trace_exec *x, const pa_trace_block *b, size_t limit, const char *when) {
    pa_pattern_mismatch m;
    if (pa_pattern_verify(b->p, b->req, limit, b->seed, &m))
        return fail(x, b->seed ? "CONTENT_MISMATCH" : "CALLOC_NOT_ZERO",
                    "%s: byte %zu of block ID %llu (%zu bytes at %p) is 0x%02x, expected 0x%02x", when, m.offset,
                    (unsigned long long)b->id, b->req, b->p, m.found, m.expected);
    return 0;
}

typedef struct request {
    const char *call;
    size_t req;
    size_t align;  /* the result must be a multiple */
    int zero;      /* calloc */
    int size_rule; /* small iff req <= threshold (malloc, calloc, realloc) */
} request;

/* Where a block's range in the address index ends: a 0-byte block still
 * holds its address. */
static uintptr_t span_end(const void *p, size_t usable) { return (uintptr_t)p + (usable ? usable : 1); }

/* A fresh block into b: vetted, its range claimed, given content. */
static int vet_block(pa_trace_exec *x, void *p, const request *rq, pa_trace_block *b) {
    pa_fresh_request fr = {rq->call, rq->req, rq->align, rq->size_rule, x->cfg.memory_limit || x->cfg.debug};
    pa_fresh_verdict v;
    if (pa_fresh_vet(x->heap, x->cfg.small_threshold, p, &fr, &v))
        return fail(x, v.kind, "%s", v.detail);
    size_t usable = v.usable;
    uintptr_t lo, hi;
    int rc = pa_granule_set_claim(&x->ranges, (uintptr_t)p, span_end(p, usable), &lo, &hi);
    if (rc > 0) {
        const pa_trace_block *held = pa_trace_blocks_at(&x->blocks, lo);
        return fail(x, "OVERLAP", "%s(%zu) returned [%p, +%zu) overlapping live block ID %llu [%p, +%zu)", rq->call,
                    rq->req, p, usable, held ? (unsigned long long)held->id : 0ull, (void *)lo,
                    held ? held->usable : (size_t)(hi - lo));
    }
    if (rc < 0)
        return fail(x, "HARNESS_ENOMEM", "the address index cannot hold [%p, +%zu): no memory, or past the end of the address space", p, usable);
    b->p = p;
    b->req = rq->req;
    b->usable = usable;
    b->align = rq->align;
    b->small = v.small;
    if (rq->zero) {
        b->seed = 0;
        if (check_contents(x, b, b->req, "calloc"))
            return -1;
    } else {
        b->seed = 0x9e3779b97f4a7c15ull * ++x->generation | 1;
        pa_pattern_fill(p, b->req, b->seed);
    }
    count_block(x, b, 1);
    touch(x, p);
    return 0;
}

/* Verify, unindex and free a live block; its table slot is the caller's. */
static int free_block(pa_trace_exec *x, pa_trace_block *b, const char *when) {
    if (check_contents(x, b, b->req, when))
        return -1;
    if (pa_granule_set_release(&x->ranges, (uintptr_t)b->p, span_end(b->p, b->usable)))
        return fail(x, "INDEX_LOST", "block ID %llu at %p is missing from the address index", (unsigned long long)b->id,
                    b->p);
    count_block(x, b, -1);
    touch(x, b->p);
    pa_heap_free(x->heap, b->p);
    b->p = NULL;
    return 0;
}

/* NULL from a call: only ENOMEM may explain it. */
static int check_null(pa_trace_exec *x, const request *rq, int err) {
    return err == ENOMEM ? 0
                         : fail(x, "WRONG_ERRNO", "%s(%zu) returned NULL with errno %d, expected ENOMEM (%d)",
                                rq->call, rq->req, err, ENOMEM);
}

static int kind_index(pa_trace_kind k) {
    switch (k) {
    case PA_TRACE_MALLOC: return 0;
    case PA_TRACE_CALLOC: return 1;
    case PA_TRACE_REALLOC: return 2;
    case PA_TRACE_FREE: return 3;
    default: return 4;
    }
}

static void note(pa_trace_exec *x, pa_replay_note n) {
    x->st.notes[n][kind_index(x->op->kind)]++;
    if (n >= PA_NOTE_NOT_REPLAYED)
        x->st.not_replayed++;
}

/* The entry of slot for a new ID. */
static pa_trace_block *take(pa_trace_exec *x, uint64_t slot, uint64_t id) {
    pa_trace_block *b = pa_trace_blocks_take(&x->blocks, slot, id);
    if (!b)
        fail(x, "HARNESS_ENOMEM", "no memory for the block table (slot %llu)", (unsigned long long)slot);
    return b;
}

/* An ID (not 0) whose block this heap could not make: later ops on it are
 * noted. */
static int lose(pa_trace_exec *x, uint64_t slot, uint64_t id) {
    note(x, PA_NOTE_NULL_HERE);
    pa_trace_block *b = take(x, slot, id);
    if (!b)
        return -1;
    b->lost = 1;
    return 0;
}

/* The entry of a live ID the op names: a block, or lost. Neither is the
 * harness's own fault (the reader's slots and the table disagree). */
static pa_trace_block *named(pa_trace_exec *x, uint64_t slot, uint64_t id) {
    pa_trace_block *b = pa_trace_blocks_get(&x->blocks, slot);
    if (!b || b->id != id || (!b->p && !b->lost)) {
        fail(x, "HARNESS_SLOT", "ID %llu's slot %llu holds no block of it", (unsigned long long)id,
             (unsigned long long)slot);
        return NULL;
    }
    return b;
}

/* A block the trace never had (its call returned NULL): vetted, freed. */
static int vet_and_drop(pa_trace_exec *x, void *p, const request *rq, pa_replay_note why) {
    pa_trace_block b = {0};
    note(x, why);
    return vet_block(x, p, rq, &b) || free_block(x, &b, "a block the trace did not have") ? -1 : 0;
}

/* A new block named id in slot (id 0: the trace's call returned NULL) from
 * result p. */
static int new_block(pa_trace_exec *x, void *p, int err, const request *rq, uint64_t slot, uint64_t id) {
    if (!p)
        return check_null(x, rq, err) ? -1 : id ? lose(x, slot, id) : 0;
    if (!id)
        return vet_and_drop(x, p, rq, PA_NOTE_BLOCK_WHERE_NULL);
    pa_trace_block *b = take(x, slot, id);
    return b ? vet_block(x, p, rq, b) : -1;
}

/* m, c, a and realloc(NULL, size). */
static int do_alloc(pa_trace_exec *x, const pa_trace_op *op) {
    request rq = {"malloc", op->size, x->cfg.alignment, 0, 1};
    uint64_t id = op->id, slot = op->slot;
    void *p;
    errno = 0;
    switch (op->kind) {
    case PA_TRACE_CALLOC: {
        rq.call = "calloc";
        rq.zero = 1;
        int overflow = __builtin_mul_overflow(op->count, op->size, &rq.req);
        p = pa_heap_calloc(x->heap, op->count, op->size);
        if (overflow && p)
            return fail(x, "CALLOC_OVERFLOW", "calloc(%llu, %llu) overflows and returned %p",
                        (unsigned long long)op->count, (unsigned long long)op->size, p);
        break;
    }
    case PA_TRACE_ALIGNED:
        rq.call = "memalign";
        rq.size_rule = 0;
        if (op->align > rq.align)
            rq.align = op->align;
        p = pa_heap_memalign(x->heap, op->align, op->size);
        break;
    case PA_TRACE_REALLOC:
        rq.call = "realloc(NULL)";
        id = op->new_id;
        slot = op->new_slot;
        p = pa_heap_realloc(x->heap, NULL, op->size);
        break;
    default:
        p = pa_heap_malloc(x->heap, op->size);
        break;
    }
    return new_block(x, p, errno, &rq, slot, id);
}

/* realloc(p, 0) that freed p in the trace, and failures here: the old ID
 * dies (its block verified and freed), the new one, if any, is lost (it
 * has the old one's slot). */
static int realloc_ends(pa_trace_exec *x, const pa_trace_op *op) {
    if (free_block(x, &x->blocks.tab[op->slot], "realloc"))
        return -1;
    pa_trace_blocks_clear(&x->blocks, op->slot);
    return op->new_id ? lose(x, op->new_slot, op->new_id) : 0;
}

static int do_realloc(pa_trace_exec *x, const pa_trace_op *op) {
    if (!op->id)
        return do_alloc(x, op);
    uint64_t i = op->slot;
    pa_trace_block *named_block = named(x, i, op->id);
    if (!named_block)
        return -1;
    if (named_block->lost) {
        note(x, PA_NOTE_LOST_ID);
        if (op->new_id) /* the new ID takes the slot, lost too */
            named_block->id = op->new_id;
        else if (!op->size) /* else the trace's realloc failed: still lost */
            pa_trace_blocks_clear(&x->blocks, i);
        return 0;
    }
    pa_trace_block old = *named_block;
    if (check_contents(x, &old, old.req, "before realloc"))
        return -1;
    request rq = {"realloc", op->size, x->cfg.alignment, 0, 1};
    errno = 0;
    void *q = pa_heap_realloc(x->heap, old.p, op->size);
    int err = errno;
    if (!q) {
        if (check_null(x, &rq, err) || check_contents(x, &old, old.req, "after a failed realloc"))
            return -1;
        touch(x, old.p);
        /* failed in both: the block stays, as in the trace */
        return op->new_id || !op->size ? realloc_ends(x, op) : 0;
    }
    pa_realloc_old was = {old.p, old.req, old.seed, old.small, "ID ", old.id};
    pa_fresh_verdict v;
    if (pa_realloc_vet(x->heap, x->cfg.debug, &was, (size_t)op->size, q, &v))
        return fail(x, v.kind, "%s", v.detail);
    if (pa_granule_set_release(&x->ranges, (uintptr_t)old.p, span_end(old.p, old.usable)))
        return fail(x, "INDEX_LOST", "block ID %llu at %p is missing from the address index",
                    (unsigned long long)old.id, old.p);
    count_block(x, &old, -1);
    touch(x, old.p);
    if (!op->new_id && !op->size) { /* freed in the trace: a minimal block here */
        pa_trace_blocks_clear(&x->blocks, i);
        return vet_and_drop(x, q, &rq, PA_NOTE_REALLOC_ZERO_BLOCK);
    }
    if (!op->new_id)
        note(x, PA_NOTE_REALLOC_FAILED_THERE); /* the old ID takes the new block */
    else
        x->blocks.tab[i].id = op->new_id; /* in the old one's slot */
    return vet_block(x, q, &rq, &x->blocks.tab[i]);
}

static int do_free(pa_trace_exec *x, const pa_trace_op *op) {
    if (!op->id) {
        pa_heap_free(x->heap, NULL);
        return 0;
    }
    pa_trace_block *b = named(x, op->slot, op->id);
    if (!b)
        return -1;
    if (b->lost)
        note(x, PA_NOTE_LOST_ID);
    else if (free_block(x, b, "free"))
        return -1;
    pa_trace_blocks_clear(&x->blocks, op->slot); /* the ID dies here whatever its block */
    return 0;
}

/* ---- whole-heap checks ------------------------------------------------- */

/* The debug layer's quarantine holds freed blocks back: the heap counts them
 * until they leave it. */
static int count_ok(const pa_trace_exec *x, size_t heap_count, size_t live) {
    size_t slack = x->cfg.debug ? x->cfg.debug_quarantine : 0;
    return heap_count >= live && heap_count - live <= slack;
}

static int check_counts(pa_trace_exec *x) {
    pa_stats st;
    pa_heap_stats(x->heap, &st);
    if (!count_ok(x, st.blocks_in_use, x->nsmall))
        return fail(x, "STATS_SMALL_COUNT", "stats say %zu small blocks in use, the replay holds %zu", st.blocks_in_use,
                    x->nsmall);
    if (!count_ok(x, st.large_blocks, x->nlarge))
        return fail(x, "STATS_LARGE_COUNT", "stats say %zu large blocks, the replay holds %zu", st.large_blocks,
                    x->nlarge);
    if (x->large.blocks < st.large_cached_blocks || !count_ok(x, x->large.blocks - st.large_cached_blocks, x->nlarge))
        return fail(x, "LARGE_PATH_COUNT", "the large path holds %zu blocks (%zu of them cached), the replay %zu",
                    x->large.blocks, st.large_cached_blocks, x->nlarge);
    return 0;
}

typedef struct heap_walk {
    const pa_heap *heap;
    pa_check_options opt;
    pa_check_report *rep;
    size_t found;
    size_t not_owned; /* the first live block the heap disowns, SIZE_MAX: none */
    pa_trace_sweep *sweep;
    const pa_granule_set *ranges;
    uintptr_t *starts;
    const void **sorted; /* opt.live */
    size_t nsorted;      /* the address index's count; SIZE_MAX: no memory to list it */
} heap_walk;

/* The live blocks in address order from the address index, so the ghost
 * check's sort finds them sorted (one pass, where a table order took a
 * radix sort); if the index holds the blocks the replay counts, the walk,
 * then, once the structure has passed, the heap's own answer for every
 * live block. */
static void walk_in_address_order(heap_walk *w) {
    w->nsorted = pa_granule_set_starts(w->ranges, w->starts);
    if (w->nsorted != w->opt.nlive)
        return; /* INDEX_LOST or no memory: the caller's verdict */
    for (size_t i = 0; i < w->nsorted; i++)
        w->sorted[i] = (const void *)w->starts[i];
    w->found = pa_check_heap_opts(w->heap, &w->opt, w->rep);
    if (!w->found && !pa_check_report_count(w->rep))
        for (size_t i = 0; i < w->opt.nlive; i++)
            if (!pa_heap_owns(w->heap, w->opt.live[i])) {
                w->not_owned = i;
                break;
            }
}

/* The walk's thread: its walk, then the content sweep's chunks from the
 * table's end until the two ends meet. */
static void *walk_heap(void *arg) {
    heap_walk *w = arg;
    walk_in_address_order(w);
    pa_trace_sweep_run(w->sweep, &w->sweep->back);
    return NULL;
}

/* The sweep's verdict, its two ends' lists made one live list (pointers
 * and sizes, for the poisoning check): 0; -1 with the first mismatch in
 * table order in x->f; -2 when the table and the count of live blocks
 * disagree (the list is not whole). */
static int sweep_verdict(pa_trace_exec *x, const pa_trace_sweep *s) {
    size_t n = s->front.n + s->back.n;
    if (n != x->st.live)
        return fail(x, "HARNESS_COUNT", "the block table holds %zu live blocks, %zu counted", n, x->st.live) - 1;
    if (s->back.n) {
        memcpy(x->live_list + s->front.n, s->back.list, s->back.n * sizeof *s->back.list);
        memcpy(x->live_sizes + s->front.n, s->back.sizes, s->back.n * sizeof *s->back.sizes);
    }
    uint64_t bad = pa_trace_sweep_first_bad(s);
    return bad == UINT64_MAX ? 0 : check_contents(x, &x->blocks.tab[bad], x->blocks.tab[bad].req, "full check");
}

/* The full check's scratch for the live set, one allocation of six arrays
 * of word-sized entries, made twice the live set when it outgrows them (no
 * content is kept from one check to the next). */
static int make_room(pa_trace_exec *x) {
    _Static_assert(sizeof(void *) == sizeof(size_t) && sizeof(void *) == sizeof(uintptr_t), "word-sized entries");
    size_t ncap = x->st.live * 2, step = ncap * sizeof(void *);
    free(x->scratch);
    x->live_cap = 0;
    char *m = x->scratch = ncap <= SIZE_MAX / 6 / sizeof(void *) ? malloc(6 * step) : NULL;
    if (!m)
        return fail(x, "HARNESS_ENOMEM", "no memory for the live list of %zu blocks", x->st.live);
    x->live_list = (const void **)m;
    x->live_sizes = (size_t *)(m + step);
    x->live_starts = (uintptr_t *)(m + 2 * step);
    x->live_sorted = (const void **)(m + 3 * step);
    x->back_list = (const void **)(m + 4 * step);
    x->back_sizes = (size_t *)(m + 5 * step);
    x->live_cap = ncap;
    return 0;
}

static int check_full(pa_trace_exec *x) {
    x->st.full_checks++;
    x->since_full = 0;
    if (x->st.live > x->live_cap && make_room(x))
        return -1;
    size_t n = x->st.live;
    /* The two halves at once, on the heap at rest: the walk of the heap
     * (with the ghost state, pa_check_live_set's, on its walk of the pools,
     * into the same report) on a thread of its own, the sweep of the live
     * blocks' contents here, joined by the walk's thread when it is done.
     * All only read; the verdict is the walk's first, as when they ran in
     * turn. */
    pa_trace_sweep sweep;
    pa_trace_sweep_init(&sweep, &x->blocks, x->live_cap, x->live_list, x->live_sizes, x->back_list, x->back_sizes);
    heap_walk walk = {.heap = x->heap,
                      .opt = {.os = &x->os, .live = x->live_sorted, .nlive = n, .live_report = x->rep},
                      .rep = x->rep,
                      .not_owned = SIZE_MAX,
                      .sweep = &sweep,
                      .ranges = &x->ranges,
                      .starts = x->live_starts,
                      .sorted = x->live_sorted};
    pa_check_report_clear(x->rep);
    pthread_t thread;
    int threaded = pthread_create(&thread, NULL, walk_heap, &walk) == 0;
    if (!threaded)
        walk_heap(&walk);
    pa_trace_sweep_run(&sweep, &sweep.front);
    if (threaded)
        pthread_join(thread, NULL);
    if (walk.nsorted == SIZE_MAX)
        return fail(x, "HARNESS_ENOMEM", "no memory to list the address index's %zu blocks", n);
    if (walk.nsorted != n)
        return fail(x, "INDEX_LOST", "the address index holds %zu blocks, the replay %zu", walk.nsorted, n);
    int contents = sweep_verdict(x, &sweep);
    if (walk.found)
        return fail_checker(x, "pa_check_heap");
    if (pa_check_report_count(x->rep))
        return fail_checker(x, "pa_check_live_set");
    if (contents == -2)
        return -1; /* the harness's own count: the list is not whole */
    pa_check_report_clear(x->rep);
    if (pa_check_poisoning(x->heap, x->live_list, x->live_sizes, n, x->rep))
        return fail_checker(x, "pa_check_poisoning");
    if (contents)
        return -1; /* its failure is in x->f */
    if (walk.not_owned != SIZE_MAX) {
        const void *p = x->live_sorted[walk.not_owned];
        const pa_trace_block *b = pa_trace_blocks_at(&x->blocks, (uintptr_t)p);
        return fail(x, "NOT_OWNED", "live block ID %llu at %p is not owned by its heap",
                    (unsigned long long)(b ? b->id : 0), p);
    }
    return check_counts(x);
}

/* ---- the replay ---------------------------------------------------------- */

pa_trace_exec *pa_trace_exec_new(const pa_config *cfg, uint64_t full_every, pa_replay_failure *f) {
    memset(f, 0, sizeof *f);
    pa_trace_exec *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(f->kind, sizeof f->kind, "HARNESS_ENOMEM");
        return NULL;
    }
    x->f = f;
    x->cfg = *cfg;
    x->full_every = full_every;
    pa_os_counter_init(&x->os, NULL);
    x->cfg.os = pa_os_counter_ops(&x->os);
    pa_large_counter_init(&x->large, &cfg->large);
    x->cfg.large = pa_large_counter_ops(&x->large);
    pa_trace_blocks_init(&x->blocks);
    /* 8: every valid alignment is a multiple of it, so every start the
     * oracle lets through is on a granule */
    pa_granule_set_init(&x->ranges, 8);
    x->rep = pa_check_report_new();
    x->record = pa_check_record_new();
    if (!x->rep || !x->record) {
        fail(x, "HARNESS_ENOMEM", "no memory for the checker's report and record");
        pa_trace_exec_free(x);
        return NULL;
    }
    x->heap = pa_heap_create(&x->cfg);
    if (!x->heap) {
        char why[200] = "";
        pa_config_validate(&x->cfg, why, sizeof why);
        fail(x, "HEAP_CREATE", "pa_heap_create failed (errno %d): %s", errno, why[0] ? why : "no reason given");
        pa_trace_exec_free(x);
        return NULL;
    }
    return x;
}

int pa_trace_exec_op(pa_trace_exec *x, const pa_trace_op *op, unsigned long long line, pa_replay_failure *f) {
    x->f = f;
    x->op = op;
    x->line = line;
    x->ntouched = 0;
    int rc;
    switch (op->kind) {
    case PA_TRACE_REALLOC:
        rc = do_realloc(x, op);
        break;
    case PA_TRACE_FREE:
        rc = do_free(x, op);
        break;
    default:
        rc = do_alloc(x, op);
        break;
    }
    if (rc)
        return -1;
    pa_check_report_clear(x->rep);
    if (pa_check_incremental_recorded(x->heap, x->record, x->touched, x->ntouched, x->rep))
        return fail_checker(x, "pa_check_incremental");
    if (x->full_every && ++x->since_full >= x->full_every && check_full(x))
        return -1;
    x->st.by_kind[kind_index(op->kind)]++;
    x->st.ops++;
    return 0;
}

void pa_trace_exec_prefetch_init(const pa_trace_exec *x, pa_trace_prefetch *pf) {
    pa_trace_prefetch_init(pf, &x->blocks, x->record, x->cfg.pool_size);
}

int pa_trace_exec_finish(pa_trace_exec *x, pa_replay_failure *f) {
    x->f = f;
    x->op = NULL;
    if (check_full(x))
        return -1;
    for (uint64_t i = 0; i < x->blocks.len; i++)
        if (x->blocks.tab[i].p && free_block(x, &x->blocks.tab[i], "teardown"))
            return -1;
    if (check_full(x))
        return -1;
    size_t live = pa_heap_destroy(x->heap);
    x->heap = NULL;
    if (!count_ok(x, live, 0))
        return fail(x, "DESTROY_COUNT", "pa_heap_destroy reported %zu live blocks after everything was freed", live);
    if (x->os.bytes_mapped || x->os.regions)
        return fail(x, "OS_LEAK", "after destroy the OS layer still has %zu bytes in %zu regions mapped",
                    x->os.bytes_mapped, x->os.regions);
    if (x->large.blocks || x->large.bytes)
        return fail(x, "LARGE_LEAK", "after destroy the large path still holds %zu blocks, %zu bytes", x->large.blocks,
                    x->large.bytes);
    return 0;
}

const pa_replay_stats *pa_trace_exec_stats(const pa_trace_exec *x) { return &x->st; }

const pa_config *pa_trace_exec_config(const pa_trace_exec *x) { return &x->cfg; }

void *pa_trace_exec_block(const pa_trace_exec *x, uint64_t id) {
    const pa_trace_block *b = id ? pa_trace_blocks_of_id(&x->blocks, id) : NULL;
    return b ? b->p : NULL;
}

void pa_trace_exec_free(pa_trace_exec *x) {
    if (!x)
        return;
    if (x->heap)
        pa_heap_destroy(x->heap);
    pa_check_report_free(x->rep);
    pa_check_record_free(x->record);
    pa_trace_blocks_free(&x->blocks);
    pa_granule_set_free(&x->ranges);
    free(x->scratch);
    free(x);
}

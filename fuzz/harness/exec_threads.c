/* The interleave target's executor: the op language run on the default API
 * (pa_malloc & co.) by PA_THREADS logical threads that this one OS thread
 * plays in turn (alloc/src/thread_switch.h), so every interleaving replays
 * exactly. A block freed or reallocated by a thread other than its owner
 * takes the remote-free path; a thread that exits leaves its heap on the
 * orphan list, and the next thread to start adopts it. After every op:
 * the process-wide thread state (pa_check_threads), then every heap (each
 * live logical thread's, each orphan, the shared one) fully checked
 * (pa_check_heap) and its live blocks checked against the shadow model
 * (pa_check_live_set), which holds every thread's blocks in one address
 * index: an op that damages a heap it should not touch is caught at that
 * op. Contents are verified where the harness wrote or the op moved them,
 * after every op; every live block's after a check op, every PA_SWEEP_OPS
 * ops, at the end, and after every op with full_every_step
 * (PA_FUZZ_FULL_CHECKS=1). */
#include "exec_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "op_watch.h"
#include "pattern.h"
#include "poolalloc/introspect.h"
#include "poolalloc/poolalloc.h"
#include "raw.h"
#include "thread_heap.h"
#include "thread_switch.h"

/* Heaps a check lists at most (the thread heaps, the orphans). Heaps are
 * never destroyed, and a starting thread adopts one before it creates one,
 * so the orphans number PA_THREADS, plus what the process's other threads
 * left. */
#define HEAPS_MAX 64

typedef struct threads {
    exec ex;
    pa_heap *heap[PA_THREADS]; /* NULL: not started, or exited */
    unsigned cur;              /* the logical thread running the ops */
    pa_config cfg;             /* the thread heaps' (the process default) */
} threads;

/* ---- the heaps -------------------------------------------------------- */

/* The OS thread is logical thread t from here on. */
static void become(threads *th, unsigned t) {
    th->cur = t;
    pa_thread_switch_to(th->heap[t]);
}

/* A call may have started the thread (its first slow path attaches a heap). */
static void note_start(threads *th) { th->heap[th->cur] = pa_thread_switch_current(); }

/* The heap that owns p by the arena map; NULL: the shared heap's. */
static pa_heap *owner_of(const void *p) { return (pa_heap *)pa_introspect_arena_map((uintptr_t)p); }

/* ---- the checks ------------------------------------------------------- */

/* Every heap a block of the run can be in, and each one's live blocks by
 * the shadow, sorted out in one pass over its slots. */
typedef struct heap_set {
    pa_heap *heap[HEAPS_MAX + 1]; /* NULL: the shared heap, always last */
    const char *name[HEAPS_MAX + 1];
    size_t first[HEAPS_MAX + 2];  /* heap i's blocks: live_list[first[i] .. first[i + 1]) */
    size_t n;
    pa_orphan_view orphan[HEAPS_MAX - PA_THREADS]; /* the orphan list as collected */
    size_t norphans;
} heap_set;

static void add_heap(heap_set *s, pa_heap *h, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (s->heap[i] == h)
            return; /* an orphan still a thread's heap: pa_check_threads says so */
    s->heap[s->n] = h;
    s->name[s->n++] = name;
}

/* The heap's place in s; s->n for a heap not in it. */
static size_t heap_index(const heap_set *s, const pa_heap *h, size_t guess) {
    if (guess < s->n && s->heap[guess] == h)
        return guess;
    size_t i = 0;
    while (i < s->n && s->heap[i] != h)
        i++;
    return i;
}

/* Each live logical thread's heap, each orphan, the shared heap; the live
 * blocks of each in ex->live_list. */
static void collect_heaps(threads *th, heap_set *s) {
    exec *ex = &th->ex;
    s->n = 0;
    for (unsigned t = 0; t < PA_THREADS; t++)
        if (th->heap[t])
            add_heap(s, th->heap[t], "pa_check_heap, pa_check_live_set (a thread's heap)");
    s->norphans = pa_introspect_orphans(s->orphan, HEAPS_MAX - PA_THREADS);
    for (size_t i = 0; i < s->norphans; i++)
        add_heap(s, (pa_heap *)s->orphan[i].heap, "pa_check_heap, pa_check_live_set (an orphan)");
    add_heap(s, NULL, "pa_check_heap, pa_check_live_set (the shared heap)");
    /* counts, then where each heap's run starts, then the runs (a block of
     * a heap not in s, which no check could take, is in none) */
    size_t count[HEAPS_MAX + 2] = {0}, next[HEAPS_MAX + 2], at = 0, j = 0;
    for (size_t i = 0; i < ex->sh.n; i++)
        if (ex->sh.slots[i].p)
            count[j = heap_index(s, ex->sh.slots[i].heap, j)]++;
    for (size_t i = 0; i <= s->n; i++) {
        s->first[i] = next[i] = at;
        at += count[i];
    }
    for (size_t i = 0; i < ex->sh.n; i++)
        if (ex->sh.slots[i].p && (j = heap_index(s, ex->sh.slots[i].heap, j)) < s->n)
            ex->live_list[next[j]++] = ex->sh.slots[i].p;
}

/* Heap i's full check and its live blocks by the shadow (the shared heap
 * holds large blocks, over-aligned ones and whatever a large block shrinks
 * into). */
static int check_heap(threads *th, const heap_set *s, size_t i) {
    exec *ex = &th->ex;
    pa_heap *h = s->heap[i];
    pa_heap *checked = h ? h : pa_shared_heap_lock();
    if (!checked)
        return ex_fail(ex, "UNEXPECTED_NULL", "the shared heap could not be created");
    pa_check_report_clear(ex->rep);
    /* the full check, then (when it passes) the ghost state on its walk */
    pa_check_options opt = {.live = ex->live_list + s->first[i], .nlive = s->first[i + 1] - s->first[i],
                            .live_report = ex->rep};
    pa_check_heap_opts(checked, &opt, ex->rep);
    int bad = pa_check_report_count(ex->rep) != 0;
    if (!h)
        pa_shared_heap_unlock();
    return bad ? ex_fail_checker(ex, s->name[i]) : 0;
}

/* The process-wide thread state: the orphan list. */
static int check_threads(exec *ex) {
    pa_check_report_clear(ex->rep);
    return pa_check_threads(ex->rep) ? ex_fail_checker(ex, "pa_check_threads") : 0;
}

/* pa_introspect_orphans keeps to the caller's room: asked for one fewer
 * than s collected, it answers that many, the same first ones. */
static int check_orphan_room(exec *ex, const heap_set *s) {
    pa_orphan_view few[HEAPS_MAX - PA_THREADS];
    const pa_orphan_view *all = s->orphan;
    size_t n = s->norphans;
    if (n < 2)
        return 0;
    long long got = (long long)pa_introspect_orphans(few, n - 1);
    ex_doctor(ex, PA_SITE_INTROSPECT, &got);
    size_t same = 0;
    while (got == (long long)(n - 1) && same < n - 1 && few[same].heap == all[same].heap)
        same++;
    if (same != n - 1)
        return ex_fail(ex, "INTROSPECT_ACCEPTED", "pa_introspect_orphans with room for %zu of %zu orphans answered %lld%s",
                       n - 1, n, got, got == (long long)(n - 1) ? ", other heaps" : "");
    return 0;
}

/* stats: pa_default_stats on the current logical thread sums the heaps it
 * reaches (its own if started, every orphan, the shared heap), the frees
 * other threads pushed to them collected first, so it counts exactly the
 * live blocks the shadow holds in those heaps (up to a debug heap's
 * quarantine). */
static int default_stats(threads *th) {
    exec *ex = &th->ex;
    pa_stats all;
    pa_default_stats(&all);
    note_start(th); /* the sum's collection may have started the thread */
    heap_set s;
    collect_heaps(th, &s);
    size_t want = 0;
    for (size_t i = 0; i < s.n; i++) {
        int reached = s.heap[i] == NULL || s.heap[i] == th->heap[th->cur];
        for (size_t o = 0; !reached && o < s.norphans; o++)
            reached = s.heap[i] == (pa_heap *)s.orphan[o].heap;
        want += reached ? s.first[i + 1] - s.first[i] : 0;
    }
    size_t got = all.blocks_in_use + all.large_blocks;
    ex_doctor(ex, PA_SITE_THREAD_STATS, &got);
    const pa_config *c = pa_heap_config(pa_default_heap());
    size_t slack = c->debug ? c->debug_quarantine : 0;
    if (got < want || got - want > slack)
        return ex_fail(ex, "DEFAULT_STATS_COUNT", "pa_default_stats on thread %u counts %zu blocks, the shadow holds %zu "
                       "in the heaps it reaches", th->cur, got, want);
    return 0;
}

/* The thread state, every heap, the contents of the blocks written or
 * moved since their last verification, and every live block's owner. */
static int check_all(threads *th) {
    exec *ex = &th->ex;
    if (check_threads(ex))
        return -1;
    heap_set s;
    collect_heaps(th, &s);
    if (check_orphan_room(ex, &s))
        return -1;
    for (size_t i = 0; i < s.n; i++)
        if (check_heap(th, &s, i))
            return -1;
    for (size_t i = 0; i < ex->sh.n; i++) {
        pa_shadow_block *b = &ex->sh.slots[i];
        if (b->written && ex_check_block(ex, b, i, b->req, "after the op"))
            return -1;
        if (!b->p)
            continue;
        pa_heap *now = owner_of(b->p);
        ex_doctor(ex, PA_SITE_LIVE_BLOCK_HEAP, &now);
        if (now != b->heap)
            return ex_fail(ex, "BLOCK_OWNER_CHANGED", "block b%llu at %p (slot %zu) belonged to heap %p, the arena map "
                           "now says %p", (unsigned long long)b->serial, b->p, i, b->heap, (void *)now);
    }
    return 0;
}

/* ---- allocation ------------------------------------------------------- */

/* A fresh block from the current thread: aligned, usable for req, in the
 * thread's own heap when small (the shared heap's when large, or when it
 * came from a shared block), overlapping no live block of any thread. */
static int vet(threads *th, const char *call, void *p, size_t req, size_t align, int zero, pa_heap *expect,
               pa_shadow_block *b) {
    exec *ex = &th->ex;
    if (align < th->cfg.alignment)
        align = th->cfg.alignment;
    if ((uintptr_t)p % align)
        return ex_fail(ex, "MISALIGNED", "%s(%zu) on thread %u returned %p, not a multiple of %zu", call, req, th->cur,
                       p, align);
    size_t usable = pa_usable_size(p);
    ex_doctor(ex, PA_SITE_USABLE, &usable);
    if (usable < req)
        return ex_fail(ex, "USABLE_TOO_SMALL", "%s(%zu) on thread %u returned %p with usable size %zu", call, req,
                       th->cur, p, usable);
    pa_heap *owner = owner_of(p);
    ex_doctor(ex, PA_SITE_NEW_BLOCK_HEAP, &owner);
    if (owner != expect)
        return ex_fail(ex, "WRONG_HEAP", "%s(%zu) on thread %u returned %p from heap %p, expected heap %p", call, req,
                       th->cur, p, (void *)owner, (void *)expect);
    memset(b, 0, sizeof *b);
    b->p = p;
    b->req = req;
    b->usable = usable;
    b->align = align;
    b->heap = owner;
    b->small = owner != NULL;
    b->serial = ex->sh.next_serial++;
    pa_shadow_range clash;
    if (pa_shadow_claim(&ex->sh, p, usable, b->serial, &clash))
        return ex_fail(ex, "OVERLAP", "%s(%zu) on thread %u returned [%p, +%zu) overlapping live block b%llu [%#lx, %#lx)",
                       call, req, th->cur, p, usable, (unsigned long long)clash.serial, (unsigned long)clash.lo,
                       (unsigned long)clash.hi);
    if (zero && ex_check_block(ex, b, SIZE_MAX, req, call))
        return -1;
    if (!zero)
        ex_fill_block(ex, b);
    ex->live_bytes += req;
    return 0;
}

/* The heap a small request of the current thread must come from. */
static pa_heap *home(const threads *th, size_t req) { return req <= th->cfg.small_threshold ? th->heap[th->cur] : NULL; }

typedef enum { CALL_MALLOC, CALL_CALLOC, CALL_ALIGNED } call_kind;

static int alloc_one(threads *th, call_kind call, size_t size, uint8_t arg) {
    exec *ex = &th->ex;
    pa_shadow_block b;
    memset(&b, 0, sizeof b);
    size_t count = call == CALL_CALLOC ? pa_calloc_count(arg, size) : 1, req;
    int overflow = __builtin_mul_overflow(count, size, &req);
    size_t align = call == CALL_ALIGNED ? pa_memalign_alignment(arg) : 1;
    int refuse = overflow || req > ((size_t)1 << 40) || (align & (align - 1));
    if (!refuse && ex->live_bytes + req > PA_LIVE_BYTES_MAX) {
        pa_shadow_append(&ex->sh, &b); /* over the budget: not made */
        return 0;
    }
    static const char *const NAMES[] = {"pa_malloc", "pa_calloc", "pa_aligned_alloc"};
    errno = 0;
    void *p = call == CALL_MALLOC ? pa_malloc(size)
              : call == CALL_CALLOC ? pa_calloc(count, size)
                                    : pa_aligned_alloc(align, size);
    int err = errno;
    note_start(th);
    if (refuse) {
        int want = overflow || req > ((size_t)1 << 40) ? ENOMEM : EINVAL;
        if (p)
            return ex_fail(ex, "EXPECTED_NULL", "%s(%zu) on thread %u returned %p where it must fail", NAMES[call], req,
                           th->cur, p);
        if (err != want)
            return ex_fail(ex, "WRONG_ERRNO", "%s(%zu) returned NULL with errno %d, expected %d", NAMES[call], req, err,
                           want);
        pa_shadow_append(&ex->sh, &b);
        return 0;
    }
    if (!p)
        return ex_fail(ex, "UNEXPECTED_NULL", "%s(%zu) on thread %u returned NULL (errno %d)", NAMES[call], req,
                       th->cur, err);
    /* an aligned request past what a pool gives goes to the shared heap,
     * by the rule pa_aligned_alloc follows */
    pa_heap *expect = home(th, req);
    if (call == CALL_ALIGNED && expect && !pa_raw_memalign_is_small(expect, align, size))
        expect = NULL;
    if (vet(th, NAMES[call], p, req, align, call == CALL_CALLOC, expect, &b))
        return -1;
    pa_shadow_append(&ex->sh, &b);
    ex_touch(ex, p);
    return 0;
}

/* ---- freeing and realloc ---------------------------------------------- */

/* The block's contents, its range out of the index, and pa_free by the
 * current thread: the owner's own free, or a remote free. */
static int free_slot(threads *th, size_t slot, int release, const char *when) {
    exec *ex = &th->ex;
    pa_shadow_block *b = &ex->sh.slots[slot];
    if (!b->p)
        return 0;
    if (ex_forget_block(ex, b, slot, when, release))
        return -1;
    pa_free(b->p);
    note_start(th);
    return 0;
}

static int remove_slots(threads *th, const pa_op_effect *e, const char *when) {
    for (size_t i = 0; i < e->nremove; i++)
        if (free_slot(th, e->remove[i], 1, when))
            return -1;
    if (e->nremove)
        pa_shadow_remove(&th->ex.sh, e->remove, e->nremove);
    return 0;
}

static int free_everything(threads *th, const char *when) {
    for (size_t i = 0; i < th->ex.sh.n; i++)
        if (free_slot(th, i, 0, when))
            return -1;
    pa_shadow_clear(&th->ex.sh);
    th->ex.live_bytes = 0;
    return 0;
}

/* pa_realloc by the current thread, whoever owns the block: the prefix
 * kept, the result vetted like a fresh block. */
static int realloc_slot(threads *th, size_t slot, size_t size) {
    exec *ex = &th->ex;
    pa_shadow_block *b = &ex->sh.slots[slot], old = *b;
    if (ex->live_bytes - old.req + size > PA_LIVE_BYTES_MAX)
        return 0;
    if (old.p && ex_check_block(ex, &old, slot, old.req, "before realloc"))
        return -1;
    errno = 0;
    void *q = pa_realloc(old.p, size);
    int err = errno;
    note_start(th);
    if (!q)
        return ex_fail(ex, "UNEXPECTED_NULL", "pa_realloc(%p, %zu) on thread %u returned NULL (errno %d)", old.p, size,
                       th->cur, err);
    size_t keep = old.req < size ? old.req : size;
    pa_pattern_mismatch m;
    if (old.p && pa_pattern_verify(q, old.req, keep, old.seed, &m))
        return ex_fail(ex, "REALLOC_PREFIX", "realloc of b%llu from %zu to %zu bytes on thread %u (%p -> %p): byte %zu "
                       "is 0x%02x, expected 0x%02x", (unsigned long long)old.serial, old.req, size, th->cur, old.p, q,
                       m.offset, m.found, m.expected);
    if (old.p && ex_release_range(ex, &old))
        return -1;
    ex->live_bytes -= old.req;
    /* a block of the shared heap is reallocated there, small or not */
    pa_heap *expect = old.p && !old.heap ? NULL : home(th, size);
    if (vet(th, "pa_realloc", q, size, 1, 0, expect, b))
        return -1;
    if (old.p)
        b->serial = old.serial; /* the block keeps its name across a move */
    ex_touch(ex, q);
    return 0;
}

/* ---- one op ------------------------------------------------------------ */

static int run_usable(threads *th, size_t slot) {
    exec *ex = &th->ex;
    const pa_shadow_block *b = &ex->sh.slots[slot];
    if (!b->p)
        return 0;
    size_t u = pa_usable_size(b->p);
    ex_doctor(ex, PA_SITE_USABLE, &u);
    /* every thread answers as the owner did at allocation */
    if (u != b->usable)
        return ex_fail(ex, "USABLE_CHANGED", "usable size of b%llu at %p on thread %u is %zu, was %zu (%zu requested)",
                       (unsigned long long)b->serial, b->p, th->cur, u, b->usable, b->req);
    return 0;
}

static int run_thread_op(threads *th, uint8_t arg) {
    unsigned t = pa_thread_of(arg);
    become(th, t);
    if (pa_thread_exits(arg)) {
        pa_thread_switch_exit(); /* its heap now an orphan */
        th->heap[t] = NULL;
    }
    return 0;
}

static int run_one(threads *th, const pa_op *op) {
    exec *ex = &th->ex;
    pa_op_effect e;
    pa_op_effect_of(op, ex->sh.n, &e);
    size_t size = pa_size_eval(op->size, &th->cfg);
    switch ((pa_op_kind)op->kind) {
    case PA_OP_MALLOC:
        return e.nadd ? alloc_one(th, CALL_MALLOC, size, 0) : 0;
    case PA_OP_CALLOC:
        return e.nadd ? alloc_one(th, CALL_CALLOC, size, op->arg) : 0;
    case PA_OP_MEMALIGN:
        return e.nadd ? alloc_one(th, CALL_ALIGNED, size, op->arg) : 0;
    case PA_OP_ALLOC_MANY:
        for (size_t i = 0; i < e.nadd; i++)
            if (alloc_one(th, CALL_MALLOC, size, 0))
                return -1;
        return 0;
    case PA_OP_REALLOC:
        if (e.slot == SIZE_MAX)
            return e.nadd ? alloc_one(th, CALL_MALLOC, size, 0) : 0;
        return realloc_slot(th, e.slot, size);
    case PA_OP_GROW:
    case PA_OP_SHRINK:
        if (e.slot == SIZE_MAX)
            return 0;
        size = ex->sh.slots[e.slot].req;
        return realloc_slot(th, e.slot, op->kind == PA_OP_GROW ? pa_grow_size(size, op->arg)
                                                               : pa_shrink_size(size, op->arg));
    case PA_OP_FREE:
    case PA_OP_FREE_RANGE:
        return remove_slots(th, &e, pa_op_name(op->kind));
    case PA_OP_FREE_ALL:
        return free_everything(th, "free_all");
    case PA_OP_USABLE:
        return e.slot == SIZE_MAX ? 0 : run_usable(th, e.slot);
    case PA_OP_WRITE:
        if (e.slot != SIZE_MAX && ex->sh.slots[e.slot].p) {
            if (ex_check_block(ex, &ex->sh.slots[e.slot], e.slot, ex->sh.slots[e.slot].req, "before write"))
                return -1;
            ex_fill_block(ex, &ex->sh.slots[e.slot]);
        }
        return 0;
    case PA_OP_CHECK:
        return ex_sweep_contents(ex, "check");
    case PA_OP_THREAD:
        return run_thread_op(th, op->arg);
    case PA_OP_STATS:
        return default_stats(th);
    default:
        /* destroy, stats_print, huge, cache, default_heap: calls on
         * one heap of the caller's, which the default API's threads have not */
        return 0;
    }
}

/* ---- the run ------------------------------------------------------------ */

/* Every orphan adopted, then left again in address order: the orphan list,
 * and so which heap each thread of the next run adopts, no longer depends
 * on which threads exited when in the runs before. The list is checked
 * after each step: an adoption or exit that broke it (a heap left on it,
 * or pushed twice) must fail here, not hang the walks that follow. */
static int order_orphans(exec *ex) {
    pa_orphan_view v[HEAPS_MAX];
    pa_heap *heaps[HEAPS_MAX];
    size_t n = pa_introspect_orphans(v, HEAPS_MAX), kept = 0;
    for (size_t i = 0; i < n; i++) {
        pa_thread_switch_to(NULL);
        pa_default_heap(); /* a starting thread adopts the list's head */
        pa_heap *h = pa_thread_switch_current();
        if (check_threads(ex))
            return -1;
        if (!h)
            continue; /* none attached (no memory): the shared heap served */
        size_t at = kept++;
        for (; at > 0 && (uintptr_t)heaps[at - 1] > (uintptr_t)h; at--)
            heaps[at] = heaps[at - 1];
        heaps[at] = h;
    }
    for (size_t i = 0; i < kept; i++) {
        pa_thread_switch_to(heaps[i]);
        pa_thread_switch_exit();
        if (check_threads(ex))
            return -1;
    }
    return 0;
}

/* Every block freed by the current thread, every thread exited in turn
 * (its heap, and the frees pushed to it, to the orphan list), the orphans
 * put in order and everything they and the shared heap keep for reuse
 * given back (pa_trim): each run starts from the same orphans, in the same
 * order, holding no memory, whatever the runs before did. */
static int teardown(threads *th) {
    if (free_everything(th, "teardown") || check_all(th))
        return -1;
    for (unsigned t = 0; t < PA_THREADS; t++)
        if (run_thread_op(th, (uint8_t)(t | 4u)) || check_all(th))
            return -1;
    if (order_orphans(&th->ex))
        return -1;
    pa_trim();
    return check_all(th);
}

int pa_exec_threads_run(const pa_config *cfg, const pa_op *ops, size_t nops, const pa_exec_options *opt,
                        pa_exec_failure *f, pa_exec_stats *st) {
    (void)cfg; /* the thread heaps' configuration is the process's */
    static const pa_exec_options defaults = {0, 0, NULL, NULL, NULL, NULL};
    static threads th;
    memset(&th, 0, sizeof th);
    memset(f, 0, sizeof *f);
    pa_exec_stats st_local;
    st = st ? st : &st_local;
    memset(st, 0, sizeof *st);
    exec *ex = &th.ex;
    ex->f = f;
    ex->st = st;
    ex->opt = opt ? opt : &defaults;
    ex->op_index = SIZE_MAX;
    th.cfg = pa_config_default();
    if (ex_buffers_take(ex)) {
        ex_fail(ex, "HARNESS_ENOMEM", "the harness could not allocate its own state");
        return 1;
    }
    ex_default_misuse_begin(ex);
    pa_heap *os_thread = pa_thread_switch_current();
    become(&th, 0);
    int rc = -1;
    for (size_t i = 0; i < nops; i++) {
        ex->op_index = i;
        ex->op = &ops[i];
        pa_op_watch_op(i, nops, &ops[i], &th.cfg);
        ex->ntouched = 0;
        if (ex->opt->trace) {
            char line[200];
            pa_op_format(line, sizeof line, &ops[i], &th.cfg);
            fprintf(ex->opt->log ? ex->opt->log : stderr, "op %zu (thread %u): %s\n", i, th.cur, line);
        }
        if (run_one(&th, &ops[i]))
            goto out;
        if (ex->opt->tamper)
            ex->opt->tamper(ex->opt->tamper_ctx, i, th.heap[th.cur], &ex->sh);
        /* before the checks, which take the orphan lock */
        if (ex_check_locks(ex, "the op") || ex_misuse_unexpected(ex))
            goto out;
        if (ex->sh.n > st->max_live)
            st->max_live = ex->sh.n;
        int sweep = ex->opt->full_every_step || (i + 1) % PA_SWEEP_OPS == 0;
        if (check_all(&th) || (sweep && ex_sweep_contents(ex, "content sweep")))
            goto out;
        st->ops_run++;
    }
    ex->op_index = nops;
    ex->op = NULL;
    pa_op_watch_teardown(nops);
    rc = teardown(&th);
out:
    pa_op_watch_idle();
    ex_default_misuse_end();
    /* after a failure the heaps may be broken: they stay as they are, with
     * their blocks, attached to no thread (the next run starts others) */
    pa_thread_switch_to(os_thread);
    ex_buffers_give_back(ex);
    return rc ? 1 : 0;
}

int pa_exec_target_run(int target, const pa_config *cfg, const pa_op *ops, size_t nops,
                       const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st) {
    return (target == PA_TARGET_INTERLEAVE ? pa_exec_threads_run : pa_exec_run)(cfg, ops, nops, opt, f, st);
}

/* The executor: ops on a heap, the shadow model as oracle, the invariant
 * checker after every op, a drain-and-account teardown. */
#include "executor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_bytes.h"
#include "large_count.h"
#include "pattern.h"
#include "poolalloc/check.h"
#include "poolalloc/heap.h"
#include "poolalloc/introspect.h"
#include "poolalloc/object_cache.h"
#include "poolalloc/os_counting.h"
#include "poolalloc/stats.h"
#include "shadow.h"

#define TOUCH_MAX 520
/* Ops between two sweeps of every live block's contents. */
#define PA_SWEEP_OPS 64

/* The OS layer under the counting one: mmap, with every region it holds
 * recorded, so regions a heap could not give back (its unmap was made to
 * fail) are unmapped by the harness at the end of a run, not leaked. */
typedef struct os_region {
    void *addr;
    size_t size;
} os_region;

typedef struct os_tracker {
    pa_os_ops mmap;
    os_region *r;
    size_t n, cap;
} os_tracker;

static void *track_map(void *ctx, size_t size, size_t alignment) {
    os_tracker *t = ctx;
    void *p = t->mmap.map(t->mmap.ctx, size, alignment);
    if (!p)
        return NULL;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        os_region *g = realloc(t->r, ncap * sizeof *g);
        if (!g)
            return p; /* untracked: only a leak if its unmap fails too */
        t->r = g;
        t->cap = ncap;
    }
    t->r[t->n].addr = p;
    t->r[t->n].size = size;
    t->n++;
    return p;
}

static int track_unmap(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    int rc = t->mmap.unmap(t->mmap.ctx, addr, size);
    if (!rc)
        for (size_t i = 0; i < t->n; i++)
            if (t->r[i].addr == addr) {
                t->r[i] = t->r[--t->n];
                break;
            }
    return rc;
}

static int track_decommit(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    return t->mmap.decommit(t->mmap.ctx, addr, size);
}

static int track_recommit(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    return t->mmap.recommit(t->mmap.ctx, addr, size);
}

static void track_prefault(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    t->mmap.prefault(t->mmap.ctx, addr, size);
}

/* Unmap whatever is left and forget it. */
static void track_release(os_tracker *t) {
    for (size_t i = 0; i < t->n; i++)
        t->mmap.unmap(t->mmap.ctx, t->r[i].addr, t->r[i].size);
    free(t->r);
    t->r = NULL;
    t->n = t->cap = 0;
}

typedef struct exec {
    pa_config cfg;
    pa_heap *heap;
    pa_os_counter os;
    os_tracker track;
    pa_os_ops tracked; /* the counter's inner layer: track's */
    pa_large_counter large;
    pa_shadow sh;
    pa_check_report *rep;
    const pa_exec_options *opt;
    pa_exec_failure *f;
    pa_exec_stats *st;
    const pa_op *op;
    size_t op_index;
    size_t live_bytes;
    uint64_t generation;
    const void *touched[TOUCH_MAX];
    size_t ntouched;
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
    pa_heap *other; /* the second heap of the foreign-pointer misuse */
} exec;

/* ---- failures ------------------------------------------------------- */

static char *report_text(const pa_check_report *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    pa_check_report_print(r, m);
    fclose(m);
    return buf;
}

static int fail(exec *ex, const char *kind, const char *fmt, ...) {
    pa_exec_failure *f = ex->f;
    if (f->failed)
        return -1;
    f->failed = 1;
    f->op_index = ex->op_index;
    f->has_op = ex->op != NULL;
    if (ex->op)
        f->op = *ex->op;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    snprintf(f->place, sizeof f->place, "%s",
             ex->op ? pa_op_name(ex->op->kind) : ex->op_index == SIZE_MAX ? "setup" : "teardown");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* A checker run that found something. */
static int fail_checker(exec *ex, const char *what) {
    size_t n = pa_check_report_count(ex->rep);
    char kind[64];
    snprintf(kind, sizeof kind, "CHECK_%s", n ? pa_check_report_id(ex->rep, 0) : "UNKNOWN");
    fail(ex, kind, "%s found %zu violation%s", what, n, n == 1 ? "" : "s");
    if (!ex->f->checker_text)
        ex->f->checker_text = report_text(ex->rep);
    return -1;
}

/* ---- fault injection and misuse reports ----------------------------- */

static int fault_should_fail(void *ctx, pa_os_request request, size_t size, uint64_t seq) {
    exec *ex = ctx;
    (void)seq;
    if ((unsigned)request >= PA_OS_REQUEST_KINDS)
        return 0;
    if (ex->fault_ops[request] || (ex->fault_nth[request] && --ex->fault_nth[request] == 0)) {
        ex->fault_nth[request] = 0;
        ex->faults_fired++;
        if (request == PA_OS_UNMAP)
            ex->unmap_failed_bytes += size;
        return 1;
    }
    return 0;
}

static void faults_disarm(exec *ex) {
    memset(ex->fault_nth, 0, sizeof ex->fault_nth);
    memset(ex->fault_ops, 0, sizeof ex->fault_ops);
}

/* Did an injected fault fire during the current op? */
static int fault_this_op(const exec *ex) { return ex->faults_fired != ex->faults_at_op_start; }

static void on_misuse(void *ctx, const pa_misuse *m) {
    exec *ex = ctx;
    ex->misuse_reports++;
    ex->misuse_last = m->kind;
    if (!ex->misuse_expected)
        ex->misuse_unexpected++;
    snprintf(ex->misuse_message, sizeof ex->misuse_message, "%s", m->message ? m->message : "");
}

static const char *misuse_kind_name(pa_misuse_kind k) {
    switch (k) {
    case PA_MISUSE_FOREIGN_POINTER: return "FOREIGN_POINTER";
    case PA_MISUSE_NOT_LIVE: return "NOT_LIVE";
    case PA_MISUSE_DOUBLE_FREE: return "DOUBLE_FREE";
    case PA_MISUSE_NOT_A_BLOCK: return "NOT_A_BLOCK";
    case PA_MISUSE_API_MISMATCH: return "API_MISMATCH";
    case PA_MISUSE_GUARD_BEFORE: return "GUARD_BEFORE";
    case PA_MISUSE_GUARD_AFTER: return "GUARD_AFTER";
    case PA_MISUSE_WRITE_AFTER_FREE: return "WRITE_AFTER_FREE";
    }
    return "?";
}

/* ---- checks --------------------------------------------------------- */

static void touch(exec *ex, const void *p) {
    if (p && ex->ntouched < TOUCH_MAX)
        ex->touched[ex->ntouched++] = p;
}

static int check_incremental(exec *ex) {
    pa_check_report_clear(ex->rep);
    if (pa_check_incremental(ex->heap, ex->touched, ex->ntouched, ex->rep))
        return fail_checker(ex, "pa_check_incremental");
    return 0;
}

/* A fresh content seed; odd, so never calloc's 0. */
static uint64_t next_seed(exec *ex) { return 0x9e3779b97f4a7c15ull * ++ex->generation | 1; }

/* Verify a block's contents against its pattern; verified, it counts as
 * unwritten until the harness writes it again. */
static int check_block(exec *ex, pa_shadow_block *b, size_t slot, size_t limit, const char *when) {
    pa_pattern_mismatch m;
    if (b->p && pa_pattern_verify(b->p, b->req, limit, b->seed, &m))
        return fail(ex, b->seed ? "CONTENT_MISMATCH" : "CALLOC_NOT_ZERO",
                    "%s: byte %zu of block b%llu (slot %zu, %zu bytes at %p) is 0x%02x, expected 0x%02x",
                    when, m.offset, (unsigned long long)b->serial, slot, b->req, b->p,
                    m.found, m.expected);
    b->written = 0;
    return 0;
}

/* Fresh content for a block: verified before it is next relied on. */
static void fill_block(exec *ex, pa_shadow_block *b) {
    b->seed = next_seed(ex);
    pa_pattern_fill(b->p, b->req, b->seed);
    b->written = 1;
}

/* Every live block's contents. A full check verifies only the blocks the
 * harness wrote since their last verification: the harness cannot have
 * changed the others, and whatever else might have is caught here, every
 * PA_SWEEP_OPS ops and before a destroy, and as each block is freed (the
 * teardown frees them all). */
static int sweep_contents(exec *ex, const char *when) {
    for (size_t i = 0; i < ex->sh.n; i++)
        if (check_block(ex, &ex->sh.slots[i], i, ex->sh.slots[i].req, when))
            return -1;
    return 0;
}

/* sweep: verify every live block's contents, not only those written since
 * their last verification. */
static int check_full(exec *ex, int sweep) {
    pa_check_report_clear(ex->rep);
    pa_check_options copt;
    memset(&copt, 0, sizeof copt);
    copt.os = &ex->os;
    if (pa_check_heap_opts(ex->heap, &copt, ex->rep))
        return fail_checker(ex, "pa_check_heap");
    /* the ghost state first: it names a block the heap and the shadow
     * disagree on more precisely than its contents would */
    size_t n = 0;
    for (size_t i = 0; i < ex->sh.n; i++)
        if (ex->sh.slots[i].p) {
            ex->live_sizes[n] = ex->sh.slots[i].req;
            ex->live_list[n++] = ex->sh.slots[i].p;
        }
    /* On a debug heap the checker maps data pointers back to their blocks
     * and counts the quarantine as live to the plain heap. */
    pa_check_report_clear(ex->rep);
    if (pa_check_live_set(ex->heap, ex->live_list, n, ex->rep))
        return fail_checker(ex, "pa_check_live_set");
    /* The ASan annotations (a checker built without ASan finds nothing),
     * before the contents are read: a poisoned live byte would stop the run
     * in ASan's report instead of ours. Only here, not after every op: it
     * walks every pool (docs/OP_LANGUAGE.md has the cost). */
    pa_check_report_clear(ex->rep);
    if (pa_check_poisoning(ex->heap, ex->live_list, ex->live_sizes, n, ex->rep))
        return fail_checker(ex, "pa_check_poisoning");
    for (size_t i = 0; i < ex->sh.n; i++) {
        pa_shadow_block *b = &ex->sh.slots[i];
        if (!b->p)
            continue;
        if ((sweep || b->written) && check_block(ex, b, i, b->req, "full check"))
            return -1;
        if (!pa_heap_owns(ex->heap, b->p))
            return fail(ex, "NOT_OWNED", "live block b%llu at %p (slot %zu) is not owned by its heap",
                        (unsigned long long)b->serial, b->p, i);
    }
    int local = 0;
    if (pa_heap_owns(ex->heap, &local))
        return fail(ex, "OWNS_FOREIGN", "the heap claims a stack address %p", (void *)&local);
    static const int static_probe = 1;
    if (pa_heap_owns(ex->heap, &static_probe))
        return fail(ex, "OWNS_FOREIGN", "the heap claims a static address %p", (const void *)&static_probe);
    return 0;
}

/* The debug layer's quarantine holds freed blocks back: the heap counts them
 * until they leave it, so counts may exceed the shadow's by that much. */
static int count_ok(const exec *ex, size_t heap_count, size_t shadow_count) {
    size_t slack = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    return heap_count >= shadow_count && heap_count - shadow_count <= slack;
}

static int check_counts(exec *ex) {
    pa_stats st;
    pa_heap_stats(ex->heap, &st);
    if (!count_ok(ex, st.blocks_in_use, ex->sh.nsmall))
        return fail(ex, "STATS_SMALL_COUNT", "stats say %zu small blocks in use, the shadow holds %zu",
                    st.blocks_in_use, ex->sh.nsmall);
    if (!count_ok(ex, st.large_blocks, ex->sh.nlarge))
        return fail(ex, "STATS_LARGE_COUNT", "stats say %zu large blocks, the shadow holds %zu",
                    st.large_blocks, ex->sh.nlarge);
    /* Freed large blocks the heap caches for reuse are still the large
     * path's: they count there, and only there. */
    if (ex->large.blocks < st.large_cached_blocks ||
        !count_ok(ex, ex->large.blocks - st.large_cached_blocks, ex->sh.nlarge))
        return fail(ex, "LARGE_PATH_COUNT", "the large path holds %zu blocks (%zu of them cached), the shadow %zu",
                    ex->large.blocks, st.large_cached_blocks, ex->sh.nlarge);
    return 0;
}

/* ---- allocation results ---------------------------------------------- */

enum expect { EXPECT_BLOCK, EXPECT_NULL };

typedef struct request {
    const char *call;
    size_t req;
    size_t align;     /* the result must be a multiple */
    int zero;         /* calloc: must read as zero */
    int size_rule;    /* small iff req <= threshold (malloc, calloc, realloc) */
    enum expect expect;
    int want_errno;   /* for EXPECT_NULL */
} request;

/* NULL from a call that should have given a block: only a memory limit
 * excuses it, and errno must say ENOMEM. */
static int null_allowed(exec *ex, const request *rq, int err) {
    if (rq->expect == EXPECT_NULL) {
        if (err != rq->want_errno)
            return fail(ex, "WRONG_ERRNO", "%s(%zu) returned NULL with errno %d, expected %d",
                        rq->call, rq->req, err, rq->want_errno);
        return 0;
    }
    if ((ex->cfg.memory_limit || fault_this_op(ex)) && err == ENOMEM)
        return 0;
    return fail(ex, "UNEXPECTED_NULL", "%s(%zu) returned NULL (errno %d) with no memory limit in force",
                rq->call, rq->req, err);
}

/* Vet a fresh block, claim its range, give it content. */
static int vet_block(exec *ex, void *p, const request *rq, pa_shadow_block *b) {
    if (rq->expect == EXPECT_NULL)
        return fail(ex, "EXPECTED_NULL", "%s(%zu) returned %p where it must fail", rq->call, rq->req, p);
    if ((uintptr_t)p % rq->align)
        return fail(ex, "MISALIGNED", "%s(%zu) returned %p, not a multiple of %zu", rq->call, rq->req, p, rq->align);
    if (!pa_heap_owns(ex->heap, p))
        return fail(ex, "NOT_OWNED", "%s(%zu) returned %p, which the heap does not own", rq->call, rq->req, p);
    size_t usable = pa_heap_usable_size(ex->heap, p);
    if (usable < rq->req)
        return fail(ex, "USABLE_TOO_SMALL", "%s(%zu) returned %p with usable size %zu", rq->call, rq->req, p, usable);
    int small = pa_introspect_owner(ex->heap, (uintptr_t)p) != 0;
    if (small && rq->req > ex->cfg.small_threshold)
        return fail(ex, "LARGE_IN_POOL", "%s(%zu) above the threshold %zu was served from a pool at %p",
                    rq->call, rq->req, ex->cfg.small_threshold, p);
    /* the debug layer's headers can push a small request onto the large path */
    if (!small && rq->size_rule && rq->req >= 1 && rq->req <= ex->cfg.small_threshold && !ex->cfg.memory_limit &&
        !ex->cfg.debug && !fault_this_op(ex))
        return fail(ex, "SMALL_NOT_IN_POOL", "%s(%zu) at most the threshold %zu went to the large path (%p)",
                    rq->call, rq->req, ex->cfg.small_threshold, p);
    b->p = p;
    b->req = rq->req;
    b->usable = usable;
    b->align = rq->align;
    b->small = small;
    b->serial = ex->sh.next_serial++;
    pa_shadow_range clash;
    if (pa_shadow_claim(&ex->sh, p, usable, b->serial, &clash))
        return fail(ex, "OVERLAP", "%s(%zu) returned [%p, +%zu) overlapping live block b%llu [%#lx, %#lx)",
                    rq->call, rq->req, p, usable, (unsigned long long)clash.serial,
                    (unsigned long)clash.lo, (unsigned long)clash.hi);
    if (rq->zero) {
        b->seed = 0;
        if (check_block(ex, b, SIZE_MAX, b->req, "calloc"))
            return -1;
    } else {
        fill_block(ex, b);
    }
    ex->live_bytes += b->req;
    touch(ex, p);
    return 0;
}

/* Make an allocation call into a new slot. */
typedef void *(*alloc_call)(exec *ex, const request *rq, const void *arg);

static int new_slot(exec *ex, const request *rq, alloc_call call, const void *arg) {
    pa_shadow_block b;
    memset(&b, 0, sizeof b);
    b.serial = 0;
    if (rq->expect == EXPECT_BLOCK && ex->live_bytes + rq->req > PA_LIVE_BYTES_MAX) {
        pa_shadow_append(&ex->sh, &b); /* over the budget: not made */
        return 0;
    }
    errno = 0;
    void *p = call(ex, rq, arg);
    int err = errno;
    if (!p) {
        if (null_allowed(ex, rq, err))
            return -1;
        ex->st->null_results++;
        pa_shadow_append(&ex->sh, &b);
        return 0;
    }
    if (vet_block(ex, p, rq, &b))
        return -1;
    pa_shadow_append(&ex->sh, &b);
    return 0;
}

static void *call_malloc(exec *ex, const request *rq, const void *arg) {
    (void)arg;
    return pa_heap_malloc(ex->heap, rq->req);
}

static void *call_calloc(exec *ex, const request *rq, const void *arg) {
    (void)rq;
    const size_t *cs = arg;
    return pa_heap_calloc(ex->heap, cs[0], cs[1]);
}

static void *call_memalign(exec *ex, const request *rq, const void *arg) {
    const size_t *align = arg;
    return pa_heap_memalign(ex->heap, *align, rq->req);
}

static int do_malloc(exec *ex, size_t size) {
    request rq = {"malloc", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0};
    return new_slot(ex, &rq, call_malloc, NULL);
}

static int do_calloc(exec *ex, uint8_t arg, size_t elem) {
    size_t count = pa_calloc_count(arg, elem), total;
    int overflow = __builtin_mul_overflow(count, elem, &total);
    request rq = {"calloc", overflow ? SIZE_MAX : total, ex->cfg.alignment, 1, 1, EXPECT_BLOCK, 0};
    if (overflow || total > ((size_t)1 << 40)) {
        rq.expect = EXPECT_NULL;
        rq.want_errno = ENOMEM;
    }
    size_t cs[2] = {count, elem};
    return new_slot(ex, &rq, call_calloc, cs);
}

static int do_memalign(exec *ex, uint8_t arg, size_t size) {
    size_t align = pa_memalign_alignment(arg);
    int pow2 = !(align & (align - 1));
    request rq = {"memalign", size, pow2 ? align : 1, 0, 0, EXPECT_BLOCK, 0};
    if (rq.align < ex->cfg.alignment)
        rq.align = ex->cfg.alignment;
    if (!pow2) {
        rq.expect = EXPECT_NULL;
        rq.want_errno = EINVAL;
    }
    return new_slot(ex, &rq, call_memalign, &align);
}

/* ---- freeing -------------------------------------------------------- */

/* Verify and free the block in a slot (the slot itself stays). release:
 * take its range out of the address index (free_everything clears it whole). */
static int free_block(exec *ex, size_t slot, const char *when, int release) {
    pa_shadow_block *b = &ex->sh.slots[slot];
    if (!b->p) {
        pa_heap_free(ex->heap, NULL);
        return 0;
    }
    if (check_block(ex, b, slot, b->req, when))
        return -1;
    if (release && pa_shadow_release(&ex->sh, b->p))
        return fail(ex, "SHADOW_LOST", "block b%llu at %p is missing from the address index",
                    (unsigned long long)b->serial, b->p);
    ex->live_bytes -= b->req;
    touch(ex, b->p);
    pa_heap_free(ex->heap, b->p);
    return 0;
}

static int remove_slots(exec *ex, const pa_op_effect *e, const char *when) {
    for (size_t i = 0; i < e->nremove; i++)
        if (free_block(ex, e->remove[i], when, 1))
            return -1;
    if (e->nremove)
        pa_shadow_remove(&ex->sh, e->remove, e->nremove);
    return 0;
}

static int free_everything(exec *ex, const char *when) {
    for (size_t i = 0; i < ex->sh.n; i++) {
        ex->ntouched = 0; /* too many to list: a full check follows */
        if (free_block(ex, i, when, 0))
            return -1;
    }
    pa_shadow_clear(&ex->sh);
    ex->ntouched = 0;
    return 0;
}

/* ---- realloc -------------------------------------------------------- */

/* The class size of the pool block at p (usable_size may say less: under
 * ASan it is the requested size). 0 if the pool cannot be read. */
static size_t small_block_size(exec *ex, const void *p) {
    if (ex->cfg.debug)
        return 0; /* the debug layer's blocks carry headers: no in-place rule */
    pa_pool_view pv;
    pa_class_view cv;
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(ex->cfg.pool_size - 1);
    if (pa_introspect_pool(ex->heap, base, &pv) || pa_introspect_class(ex->heap, pv.size_class, &cv))
        return 0;
    return cv.block_size;
}

static int do_realloc(exec *ex, size_t slot, size_t size) {
    if (slot == SIZE_MAX) { /* empty live set: realloc(NULL, size) */
        request rq = {"realloc(NULL)", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0};
        return new_slot(ex, &rq, call_malloc, NULL);
    }
    pa_shadow_block *b = &ex->sh.slots[slot];
    pa_shadow_block old = *b;
    if (!old.p) {
        if (ex->live_bytes + size > PA_LIVE_BYTES_MAX)
            return 0;
        errno = 0;
        void *p = pa_heap_realloc(ex->heap, NULL, size);
        request rq = {"realloc(NULL)", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0};
        if (!p)
            return null_allowed(ex, &rq, errno);
        pa_shadow_block nb;
        memset(&nb, 0, sizeof nb);
        if (vet_block(ex, p, &rq, &nb))
            return -1;
        *b = nb;
        if (nb.small)
            ex->sh.nsmall++;
        else
            ex->sh.nlarge++;
        return 0;
    }
    if (ex->live_bytes - old.req + size > PA_LIVE_BYTES_MAX)
        return 0;
    if (check_block(ex, &old, slot, old.req, "before realloc"))
        return -1;
    errno = 0;
    void *q = pa_heap_realloc(ex->heap, old.p, size);
    int err = errno;
    request rq = {"realloc", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0};
    if (!q) {
        if (null_allowed(ex, &rq, err))
            return -1;
        ex->st->null_results++;
        return check_block(ex, b, slot, old.req, "after a failed realloc");
    }
    size_t block = old.small ? small_block_size(ex, old.p) : 0;
    if (block && size <= block && 4 * size > 3 * block && q != old.p)
        return fail(ex, "REALLOC_MOVED", "realloc of b%llu (%zu-byte block at %p) to %zu bytes moved it to %p",
                    (unsigned long long)old.serial, block, old.p, size, q);
    size_t keep = old.req < size ? old.req : size;
    pa_pattern_mismatch m;
    if (pa_pattern_verify(q, old.req, keep, old.seed, &m))
        return fail(ex, "REALLOC_PREFIX", "realloc of b%llu from %zu to %zu bytes (%p -> %p): byte %zu is 0x%02x, expected 0x%02x",
                    (unsigned long long)old.serial, old.req, size, old.p, q, m.offset, m.found, m.expected);
    if (pa_shadow_release(&ex->sh, old.p))
        return fail(ex, "SHADOW_LOST", "block b%llu at %p is missing from the address index",
                    (unsigned long long)old.serial, old.p);
    ex->live_bytes -= old.req;
    if (old.small)
        ex->sh.nsmall--;
    else
        ex->sh.nlarge--;
    touch(ex, old.p);
    pa_shadow_block nb;
    memset(&nb, 0, sizeof nb);
    if (vet_block(ex, q, &rq, &nb))
        return -1;
    /* keep the block's name across the move */
    nb.serial = old.serial;
    *b = nb;
    if (nb.small)
        ex->sh.nsmall++;
    else
        ex->sh.nlarge++;
    return 0;
}

/* ---- heap lifetime -------------------------------------------------- */

static int create_heap(exec *ex) {
    ex->heap = pa_heap_create(&ex->cfg);
    if (!ex->heap) {
        char why[200];
        pa_config_validate(&ex->cfg, why, sizeof why);
        return fail(ex, "HEAP_CREATE", "pa_heap_create failed (errno %d): %s", errno, why[0] ? why : "no reason given");
    }
    if (pa_heap_config(ex->heap)->small_threshold != ex->cfg.small_threshold)
        return fail(ex, "CONFIG_CHANGED", "the heap runs with threshold %zu, asked for %zu",
                    pa_heap_config(ex->heap)->small_threshold, ex->cfg.small_threshold);
    return 0;
}

static int destroy_heap(exec *ex, size_t expect_live) {
    size_t live = pa_heap_destroy(ex->heap);
    ex->heap = NULL;
    if (!count_ok(ex, live, expect_live))
        return fail(ex, "DESTROY_COUNT", "pa_heap_destroy reported %zu live blocks, the shadow holds %zu",
                    live, expect_live);
    /* a region whose unmap the OS refused stays mapped: the heap may retry
     * or let it go, so only what failed unmaps covered may be left */
    if (ex->os.bytes_mapped > ex->unmap_failed_bytes || ex->os.regions > ex->os.failures[PA_OS_UNMAP])
        return fail(ex, "OS_LEAK",
                    "after destroy the OS layer still has %zu bytes in %zu regions mapped (%llu failed unmaps of %zu bytes excuse that much)",
                    ex->os.bytes_mapped, ex->os.regions, (unsigned long long)ex->os.failures[PA_OS_UNMAP],
                    ex->unmap_failed_bytes);
    if (ex->large.blocks || ex->large.bytes)
        return fail(ex, "LARGE_LEAK", "after destroy the large path still holds %zu blocks, %zu bytes",
                    ex->large.blocks, ex->large.bytes);
    return 0;
}

static int do_destroy(exec *ex) {
    if (sweep_contents(ex, "before destroy"))
        return -1;
    faults_disarm(ex); /* destroy must give everything back */
    size_t live = ex->sh.nsmall + ex->sh.nlarge;
    pa_shadow_clear(&ex->sh);
    ex->live_bytes = 0;
    if (destroy_heap(ex, live))
        return -1;
    /* what failed unmaps left is the harness's to give back: the next heap
     * starts on a clean OS layer (the checker compares its mappings) */
    if (ex->os.regions) {
        track_release(&ex->track);
        pa_os_counter_init(&ex->os, &ex->tracked);
        ex->os.should_fail = fault_should_fail;
        ex->os.fail_ctx = ex;
        ex->unmap_failed_bytes = 0;
    }
    ex->st->destroys++;
    return create_heap(ex);
}

static int do_free_all(exec *ex) {
    pa_stats before, after;
    pa_heap_stats(ex->heap, &before);
    if (free_everything(ex, "free_all"))
        return -1;
    pa_heap_stats(ex->heap, &after);
    if (!count_ok(ex, after.blocks_in_use, 0) || !count_ok(ex, after.large_blocks, 0))
        return fail(ex, "STATS_AFTER_FREE_ALL", "with nothing live the stats still say %zu small and %zu large blocks",
                    after.blocks_in_use, after.large_blocks);
    if (ex->cfg.debug && ex->cfg.debug_quarantine)
        return 0; /* quarantined blocks keep their arenas */
    if (ex->os.failures[PA_OS_UNMAP])
        return 0; /* an arena whose unmap failed stays */
    /* KEEP_ONE keeps as many wholly free arenas as its allowance, which
     * rises with reuse up to empty_arenas_max (retention.c). */
    if (ex->cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE && after.empty_arenas_allowed > ex->cfg.empty_arenas_max)
        return fail(ex, "ARENA_POLICY", "the heap may keep %zu wholly free arenas, empty_arenas_max is %u",
                    after.empty_arenas_allowed, ex->cfg.empty_arenas_max);
    size_t allowed = ex->cfg.empty_arenas == PA_EMPTY_ARENA_RELEASE ? 0
                     : ex->cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE ? after.empty_arenas_allowed
                     : before.arenas_current;
    if (ex->cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ALL ? after.arenas_current != before.arenas_current
                                                         : after.arenas_current > allowed)
        return fail(ex, "ARENA_POLICY", "empty-arena policy %d: %zu arenas before freeing everything, %zu after (%zu allowed)",
                    (int)ex->cfg.empty_arenas, before.arenas_current, after.arenas_current, allowed);
    return 0;
}

/* ---- fault and misuse ops ------------------------------------------- */

static void do_fault(exec *ex, const pa_op *op) {
    unsigned r = pa_fault_request(op->arg), n = pa_fault_count(op->arg, op->step);
    if (pa_fault_mode(op->arg) == PA_FAULT_NTH)
        ex->fault_nth[r] = n;
    else
        ex->fault_ops[r] = n;
}

/* Free ptr (through cache, or pa_heap_free if NULL), which is misuse of
 * kind want: exactly one report of that kind. */
static int misuse_expect(exec *ex, void *ptr, pa_object_cache *cache, pa_misuse_kind want, const char *what) {
    size_t before = ex->misuse_reports;
    ex->misuse_expected = 1;
    if (cache)
        pa_object_cache_free(cache, ptr);
    else
        pa_heap_free(ex->heap, ptr);
    ex->misuse_expected = 0;
    size_t n = ex->misuse_reports - before;
    if (!n)
        return fail(ex, "MISUSE_UNDETECTED", "%s (free of %p) was not reported; expected %s", what, ptr,
                    misuse_kind_name(want));
    if (n > 1)
        return fail(ex, "MISUSE_REPORTED_TWICE", "%s (free of %p) was reported %zu times; the last: %s", what, ptr,
                    n, ex->misuse_message);
    if (ex->misuse_last != want)
        return fail(ex, "MISUSE_WRONG_KIND", "%s (free of %p) was reported as %s, expected %s: %s", what, ptr,
                    misuse_kind_name(ex->misuse_last), misuse_kind_name(want), ex->misuse_message);
    return 0;
}

static int other_heap(exec *ex) {
    if (ex->other)
        return 0;
    pa_config oc = pa_config_default();
    oc.on_misuse = on_misuse;
    oc.misuse_ctx = ex;
    ex->other = pa_heap_create(&oc);
    if (!ex->other)
        return fail(ex, "HEAP_CREATE", "the second heap (foreign pointers) could not be made (errno %d)", errno);
    return 0;
}

/* Damage the byte at g, free the block (refused, reported as want), repair
 * it, verify the block is intact, then free it for real. */
static int misuse_guard(exec *ex, const pa_op_effect *e, uint8_t *g, pa_misuse_kind want, const char *what) {
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    uint8_t saved = *g;
    *g = (uint8_t)(saved ^ 0x5a);
    int rc = misuse_expect(ex, b->p, NULL, want, what);
    *g = saved;
    if (rc)
        return -1;
    if (check_block(ex, b, e->slot, b->req, "after a refused free"))
        return -1;
    return remove_slots(ex, e, what);
}

/* Both ways across the APIs, with a cache that owns nothing: free the slot's
 * block (if any) through the cache, then free one of the cache's objects
 * through pa_heap_free. Both frees are refused and leave the blocks intact. */
static int misuse_api_both(exec *ex, pa_object_cache *cache, const pa_op_effect *e, size_t size) {
    pa_shadow_block *b = e->slot == SIZE_MAX ? NULL : &ex->sh.slots[e->slot];
    if (b && b->p) {
        if (misuse_expect(ex, b->p, cache, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a malloc block to the cache)"))
            return -1;
        touch(ex, b->p);
        if (check_block(ex, b, e->slot, b->req, "after a refused cache free"))
            return -1;
    }
    pa_shadow_block obj;
    memset(&obj, 0, sizeof obj);
    obj.p = pa_object_cache_alloc(cache);
    if (!obj.p)
        return fail(ex, "HARNESS_ENOMEM", "the object cache returned NULL for %zu bytes (errno %d)", size, errno);
    obj.req = size;
    obj.seed = next_seed(ex);
    pa_pattern_fill(obj.p, size, obj.seed);
    touch(ex, obj.p);
    if (misuse_expect(ex, obj.p, NULL, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a cache object to free)") ||
        check_block(ex, &obj, SIZE_MAX, size, "after a refused free of a cache object"))
        return -1;
    pa_object_cache_free(cache, obj.p);
    return 0;
}

static int misuse_api(exec *ex, const pa_op_effect *e) {
    /* objects the size of the slot's block, so the large path is crossed too */
    const pa_shadow_block *b = e->slot == SIZE_MAX ? NULL : &ex->sh.slots[e->slot];
    size_t size = b && b->p && b->req ? b->req : 64;
    /* capacity 0: every cache free reaches the heap's API check */
    pa_object_cache *cache = pa_object_cache_create(ex->heap, "misuse", size, 0);
    if (!cache)
        return fail(ex, "HARNESS_ENOMEM", "pa_object_cache_create(%zu) failed (errno %d)", size, errno);
    touch(ex, cache);
    int rc = misuse_api_both(ex, cache, e, size);
    pa_object_cache_destroy(cache);
    return rc;
}

static int do_misuse(exec *ex, const pa_op *op, const pa_op_effect *e) {
    unsigned kind = pa_misuse_op_of(op->arg);
    if (kind == PA_MISUSE_OP_API_MISMATCH)
        return misuse_api(ex, e);
    if (kind == PA_MISUSE_OP_FOREIGN) {
        if (other_heap(ex))
            return -1;
        void *q = pa_heap_malloc(ex->other, 64);
        if (!q)
            return fail(ex, "HARNESS_ENOMEM", "the second heap returned NULL for 64 bytes (errno %d)", errno);
        memset(q, 0x3c, 64);
        if (misuse_expect(ex, q, NULL, PA_MISUSE_FOREIGN_POINTER, "misuse foreign"))
            return -1;
        if (pa_heap_usable_size(ex->other, q) < 64)
            return fail(ex, "FOREIGN_BLOCK_LOST", "after a foreign free of %p its own heap says it is not live", q);
        pa_heap_free(ex->other, q);
        return 0;
    }
    if (e->slot == SIZE_MAX)
        return 0;
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    if (!b->p) /* nothing to misuse: the slot goes as a free would take it */
        return remove_slots(ex, e, "misuse");
    uint8_t *p = b->p;
    switch ((pa_misuse_op)kind) {
    case PA_MISUSE_OP_DOUBLE_FREE:
        if (remove_slots(ex, e, "misuse double_free"))
            return -1;
        return misuse_expect(ex, p, NULL, PA_MISUSE_DOUBLE_FREE, "misuse double_free");
    case PA_MISUSE_OP_INTERIOR:
        /* an aligned interior pointer: the debug layer reads a header
         * before any pointer it is given, and one byte in that read is
         * misaligned (UBSan reports it in debug_layer.c's locate) */
        /* inside an arena it is not a block start; a large block's
         * interior is not in the heap's arenas nor a large block's address */
        if (misuse_expect(ex, p + ex->cfg.alignment, NULL, b->small ? PA_MISUSE_NOT_A_BLOCK : PA_MISUSE_FOREIGN_POINTER,
                          "misuse interior"))
            return -1;
        touch(ex, p);
        return check_block(ex, b, e->slot, b->req, "after a refused interior free");
    case PA_MISUSE_OP_WRITE_AFTER:
        return misuse_guard(ex, e, p + b->req, PA_MISUSE_GUARD_AFTER, "misuse write_after");
    case PA_MISUSE_OP_WRITE_BEFORE:
        return misuse_guard(ex, e, p - 1, PA_MISUSE_GUARD_BEFORE, "misuse write_before");
    default:
        return 0;
    }
}

/* ---- one op --------------------------------------------------------- */

static int run_op(exec *ex, const pa_op *op) {
    pa_op_effect e;
    pa_op_effect_of(op, ex->sh.n, &e);
    size_t size = pa_size_eval(op->size, &ex->cfg);
    switch ((pa_op_kind)op->kind) {
    case PA_OP_MALLOC:
        return e.nadd ? do_malloc(ex, size) : 0;
    case PA_OP_CALLOC:
        return e.nadd ? do_calloc(ex, op->arg, size) : 0;
    case PA_OP_MEMALIGN:
        return e.nadd ? do_memalign(ex, op->arg, size) : 0;
    case PA_OP_ALLOC_MANY:
        for (size_t i = 0; i < e.nadd; i++)
            if (do_malloc(ex, size))
                return -1;
        return 0;
    case PA_OP_REALLOC:
        if (e.slot == SIZE_MAX && !e.nadd)
            return 0;
        return do_realloc(ex, e.slot, size);
    case PA_OP_GROW:
    case PA_OP_SHRINK: {
        if (e.slot == SIZE_MAX)
            return 0;
        size_t old = ex->sh.slots[e.slot].req;
        return do_realloc(ex, e.slot, op->kind == PA_OP_GROW ? pa_grow_size(old, op->arg)
                                                             : pa_shrink_size(old, op->arg));
    }
    case PA_OP_FREE:
        if (e.slot == SIZE_MAX) {
            pa_heap_free(ex->heap, NULL);
            return 0;
        }
        return remove_slots(ex, &e, "free");
    case PA_OP_FREE_RANGE:
        return remove_slots(ex, &e, "free_range");
    case PA_OP_USABLE: {
        if (e.slot == SIZE_MAX)
            return 0;
        const pa_shadow_block *b = &ex->sh.slots[e.slot];
        size_t u = pa_heap_usable_size(ex->heap, b->p);
        if (!b->p && u)
            return fail(ex, "USABLE_NULL", "usable_size(NULL) is %zu, not 0", u);
        if (b->p && u != b->usable)
            return fail(ex, "USABLE_CHANGED", "usable size of b%llu at %p is %zu, was %zu",
                        (unsigned long long)b->serial, b->p, u, b->usable);
        return 0;
    }
    case PA_OP_WRITE: {
        if (e.slot == SIZE_MAX)
            return 0;
        pa_shadow_block *b = &ex->sh.slots[e.slot];
        if (!b->p)
            return 0;
        if (check_block(ex, b, e.slot, b->req, "before write"))
            return -1;
        fill_block(ex, b);
        touch(ex, b->p);
        return 0;
    }
    case PA_OP_CHECK:
        return check_full(ex, 0);
    case PA_OP_STATS:
        return check_counts(ex);
    case PA_OP_FREE_ALL:
        if (do_free_all(ex))
            return -1;
        return check_full(ex, 0);
    case PA_OP_DESTROY:
        if (do_destroy(ex))
            return -1;
        return check_full(ex, 0);
    case PA_OP_FAULT:
        do_fault(ex, op);
        return 0;
    case PA_OP_MISUSE:
        return do_misuse(ex, op, &e);
    default:
        return 0;
    }
}

/* ---- the run -------------------------------------------------------- */

/* Ops whose last step is a full check that passed: the heap has not changed
 * since, and the incremental check would look again at a part of what it
 * looked at (unless a test's tamper hook has broken something in between). */
static int ends_in_full_check(uint8_t kind) {
    return kind == PA_OP_CHECK || kind == PA_OP_FREE_ALL || kind == PA_OP_DESTROY;
}

static int misuse_unexpected(exec *ex) {
    if (ex->misuse_unexpected)
        return fail(ex, "MISUSE_REPORTED", "the heap reported misuse by a correct program (%s, %zu report%s): %s",
                    misuse_kind_name(ex->misuse_last), ex->misuse_unexpected, ex->misuse_unexpected == 1 ? "" : "s",
                    ex->misuse_message);
    return 0;
}

static int teardown(exec *ex) {
    faults_disarm(ex);
    if (ex->other) {
        size_t live = pa_heap_destroy(ex->other);
        ex->other = NULL;
        if (live)
            return fail(ex, "DESTROY_COUNT", "the second heap still had %zu live blocks", live);
    }
    /* free_everything verifies every block's contents: the sweep at the end */
    if (check_full(ex, 0) || check_counts(ex))
        return -1;
    if (free_everything(ex, "teardown"))
        return -1;
    ex->live_bytes = 0;
    if (check_full(ex, 0) || check_counts(ex))
        return -1;
    return destroy_heap(ex, 0);
}

/* The harness's own buffers outlive a run: fuzzers run inputs by the
 * thousand, the buffers are the same size every time, and a fresh set costs
 * more than a short input (under ASan, mappings and poisoning). One set is
 * kept; a nested run (none today) would get its own. */
static struct {
    pa_check_report *rep;
    const void **live_list;
    size_t *live_sizes;
    pa_shadow sh;
    int in_use;
} kept;

static void buffers_free(exec *ex) {
    pa_check_report_free(ex->rep);
    free(ex->live_list);
    free(ex->live_sizes);
    pa_shadow_free(&ex->sh);
    ex->rep = NULL;
    ex->live_list = NULL;
    ex->live_sizes = NULL;
}

/* 0, or -1 when out of memory. */
static int buffers_take(exec *ex) {
    if (kept.rep && !kept.in_use) {
        kept.in_use = 1;
        ex->rep = kept.rep;
        ex->live_list = kept.live_list;
        ex->live_sizes = kept.live_sizes;
        ex->sh = kept.sh;
        pa_check_report_clear(ex->rep);
        pa_shadow_restart(&ex->sh);
        return 0;
    }
    ex->rep = pa_check_report_new();
    ex->live_list = malloc(PA_LIVE_MAX * sizeof *ex->live_list);
    ex->live_sizes = malloc(PA_LIVE_MAX * sizeof *ex->live_sizes);
    if (ex->rep && ex->live_list && ex->live_sizes && pa_shadow_init(&ex->sh) == 0)
        return 0;
    buffers_free(ex);
    return -1;
}

static void buffers_give_back(exec *ex) {
    if (kept.in_use && ex->rep == kept.rep) {
        kept.sh = ex->sh; /* the shadow's counters travel by value */
        kept.in_use = 0;
    } else if (!kept.rep && ex->rep) {
        kept.rep = ex->rep;
        kept.live_list = ex->live_list;
        kept.live_sizes = ex->live_sizes;
        kept.sh = ex->sh;
    } else {
        buffers_free(ex);
    }
}

int pa_exec_run(const pa_config *cfg, const pa_op *ops, size_t nops,
                const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st) {
    static const pa_exec_options defaults = {0, 0, NULL, NULL, NULL};
    pa_exec_stats st_local;
    exec ex;
    memset(&ex, 0, sizeof ex);
    memset(f, 0, sizeof *f);
    if (!st)
        st = &st_local;
    memset(st, 0, sizeof *st);
    ex.f = f;
    ex.st = st;
    ex.opt = opt ? opt : &defaults;
    ex.op_index = SIZE_MAX;
    FILE *log = ex.opt->log ? ex.opt->log : stderr;

    ex.cfg = *cfg;
    ex.cfg.on_misuse = on_misuse;
    ex.cfg.misuse_ctx = &ex;
    ex.track.mmap = pa_os_mmap();
    ex.tracked = (pa_os_ops){track_map, track_unmap, track_decommit, track_recommit, &ex.track, track_prefault};
    pa_os_counter_init(&ex.os, &ex.tracked);
    ex.os.should_fail = fault_should_fail;
    ex.os.fail_ctx = &ex;
    ex.cfg.os = pa_os_counter_ops(&ex.os);
    pa_large_counter_init(&ex.large, &cfg->large);
    ex.cfg.large = pa_large_counter_ops(&ex.large);
    int rc = -1;
    if (buffers_take(&ex)) {
        snprintf(f->kind, sizeof f->kind, "HARNESS_ENOMEM");
        snprintf(f->place, sizeof f->place, "setup");
        snprintf(f->detail, sizeof f->detail, "the harness could not allocate its own state");
        f->failed = 1;
        goto out;
    }
    if (create_heap(&ex))
        goto out;
    for (size_t i = 0; i < nops; i++) {
        ex.op_index = i;
        ex.op = &ops[i];
        ex.ntouched = 0;
        ex.faults_at_op_start = ex.faults_fired;
        if (ex.opt->trace) {
            char line[200];
            pa_op_format(line, sizeof line, &ops[i], &ex.cfg);
            fprintf(log, "op %zu: %s\n", i, line);
        }
        if (run_op(&ex, &ops[i]) || misuse_unexpected(&ex))
            goto out;
        for (int r = 0; r < PA_OS_REQUEST_KINDS; r++)
            if (ex.fault_ops[r])
                ex.fault_ops[r]--;
        if (ex.opt->tamper)
            ex.opt->tamper(ex.opt->tamper_ctx, i, ex.heap, &ex.sh);
        if (ex.sh.n > st->max_live)
            st->max_live = ex.sh.n;
        if (!(ends_in_full_check(ops[i].kind) && !ex.opt->tamper) && check_incremental(&ex))
            goto out;
        if (ex.opt->full_every_step ? check_full(&ex, 1) || check_counts(&ex)
                                    : (i + 1) % PA_SWEEP_OPS == 0 && sweep_contents(&ex, "content sweep"))
            goto out;
        st->ops_run++;
    }
    ex.op_index = nops;
    ex.op = NULL;
    if (teardown(&ex) || misuse_unexpected(&ex))
        goto out;
    rc = 0;
out:
    faults_disarm(&ex);
    if (ex.other)
        pa_heap_destroy(ex.other);
    if (ex.heap)
        pa_heap_destroy(ex.heap);
    track_release(&ex.track);
    buffers_give_back(&ex);
    return rc ? 1 : 0;
}

void pa_exec_failure_print(FILE *out, const pa_exec_failure *f, const pa_config *cfg, size_t nops) {
    char line[256];
    fprintf(out, "=== poolalloc fuzz failure: %s ===\n", f->kind);
    if (f->has_op) {
        pa_op_format(line, sizeof line, &f->op, cfg);
        fprintf(out, "at op %zu of %zu: %s\n", f->op_index, nops, line);
    } else {
        fprintf(out, "at %s (after op %zu of %zu)\n", f->place, nops ? nops - 1 : 0, nops);
    }
    if (cfg) {
        pa_config_format(line, sizeof line, cfg);
        fprintf(out, "%s\n", line);
    }
    fprintf(out, "detail: %s\n", f->detail);
    if (f->checker_text)
        fprintf(out, "checker report:\n%s", f->checker_text);
    char sig[128];
    pa_exec_failure_signature(f, sig, sizeof sig);
    fprintf(out, "signature: %s\n", sig);
}

void pa_exec_failure_signature(const pa_exec_failure *f, char *out, size_t out_len) {
    snprintf(out, out_len, "%s@%s", f->kind, f->place);
}

void pa_exec_failure_free(pa_exec_failure *f) {
    free(f->checker_text);
    f->checker_text = NULL;
}

/* The allocation ops with every result vetted, freeing, and realloc. */
#include "exec_internal.h"

#include <errno.h>
#include <string.h>

#include "block_oracle.h"
#include "pattern.h"

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
    int fresh;        /* a new block: on a debug heap its data holds the fresh fill */
} request;

/* Bytes checked at each end of a filled debug block. */
#define FILL_CHECKED 64

/* Whether the len bytes at d all hold fill: a word at a time, the last word
 * overlapping the one before rather than a tail of bytes. */
static int all_fill(const unsigned char *d, size_t len, unsigned char fill) {
    uint64_t want = 0x0101010101010101ull * fill, diff = 0, w;
    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            diff |= d[i] ^ fill;
        return !diff;
    }
    for (size_t i = 0; i + 8 < len; i += 8) {
        memcpy(&w, d + i, 8);
        diff |= w ^ want;
    }
    memcpy(&w, d + len - 8, 8);
    return !(diff | (w ^ want));
}

size_t ex_fill_mismatch(const unsigned char *d, size_t n, unsigned char fill) {
    size_t head = n < FILL_CHECKED ? n : FILL_CHECKED;
    /* The usual answer, both ends right, in 16 word compares; where one is
     * wrong, the first wrong byte is found one at a time (the byte loop
     * alone was some 600 instructions a debug block). */
    if (all_fill(d, head, fill) && all_fill(d + n - head, head, fill))
        return n;
    for (size_t k = 0; k < 2 * head; k++) {
        size_t i = k < head ? k : n - 2 * head + k; /* the first and the last head bytes */
        if (d[i] != fill)
            return i;
    }
    return n;
}

static int fresh_fill(exec *ex, const void *p, const request *rq) {
    const unsigned char *d = p;
    size_t i = ex_fill_mismatch(d, rq->req, DEBUG_FRESH_FILL);
    if (i < rq->req)
        return ex_fail(ex, "DEBUG_FRESH_FILL", "%s(%zu) on a debug heap returned %p whose byte %zu is 0x%02x, not 0x%02x",
                       rq->call, rq->req, p, i, d[i], DEBUG_FRESH_FILL);
    return 0;
}

/* NULL from a call that should have given a block: only a memory limit
 * excuses it, and errno must say ENOMEM. */
static int null_allowed(exec *ex, const request *rq, int err) {
    if (rq->expect == EXPECT_NULL) {
        if (err != rq->want_errno)
            return ex_fail(ex, "WRONG_ERRNO", "%s(%zu) returned NULL with errno %d, expected %d",
                        rq->call, rq->req, err, rq->want_errno);
        return 0;
    }
    if ((ex->cfg.memory_limit || ex_fault_this_op(ex)) && err == ENOMEM)
        return 0;
    return ex_fail(ex, "UNEXPECTED_NULL", "%s(%zu) returned NULL (errno %d) with no memory limit in force",
                rq->call, rq->req, err);
}

/* Vet a fresh block, claim its range, give it content. */
static int vet_block(exec *ex, void *p, const request *rq, pa_shadow_block *b) {
    if (rq->expect == EXPECT_NULL)
        return ex_fail(ex, "EXPECTED_NULL", "%s(%zu) returned %p where it must fail", rq->call, rq->req, p);
    /* the debug layer's headers can push a small request onto the large path */
    pa_fresh_request fr = {rq->call, rq->req, rq->align, rq->size_rule,
                           ex->cfg.memory_limit || ex->cfg.debug || ex_fault_this_op(ex)};
    pa_fresh_verdict v;
    if (pa_fresh_vet(ex->heap, ex->cfg.small_threshold, p, &fr, &v))
        return ex_fail(ex, v.kind, "%s", v.detail);
    size_t usable = v.usable;
    int small = v.small;
    b->p = p;
    b->req = rq->req;
    b->usable = usable;
    b->align = rq->align;
    b->small = small;
    b->serial = ex->sh.next_serial++;
    pa_shadow_range clash;
    if (pa_shadow_claim(&ex->sh, p, usable, b->serial, &clash))
        return ex_fail(ex, "OVERLAP", "%s(%zu) returned [%p, +%zu) overlapping live block b%llu [%#lx, %#lx)",
                    rq->call, rq->req, p, usable, (unsigned long long)clash.serial,
                    (unsigned long)clash.lo, (unsigned long)clash.hi);
    if (ex->cfg.debug && rq->fresh) {
        ex_doctor(ex, PA_SITE_FRESH_DATA, p);
        if (fresh_fill(ex, p, rq))
            return -1;
    }
    if (rq->zero) {
        b->seed = 0;
        if (ex_check_block(ex, b, SIZE_MAX, b->req, "calloc"))
            return -1;
    } else {
        ex_fill_block(ex, b);
    }
    ex->live_bytes += b->req;
    ex_touch(ex, p);
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

int ex_malloc(exec *ex, size_t size) {
    request rq = {"malloc", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0, 1};
    ex_decay_mark m;
    ex_decay_before_malloc(ex, size, &m);
    return new_slot(ex, &rq, call_malloc, NULL) ? -1 : ex_decay_after_malloc(ex, &m);
}

int ex_calloc(exec *ex, uint8_t arg, size_t elem) {
    size_t count = pa_calloc_count(arg, elem), total;
    int overflow = __builtin_mul_overflow(count, elem, &total);
    request rq = {"calloc", overflow ? SIZE_MAX : total, ex->cfg.alignment, 1, 1, EXPECT_BLOCK, 0, 0};
    if (overflow || total > ((size_t)1 << 40)) {
        rq.expect = EXPECT_NULL;
        rq.want_errno = ENOMEM;
    }
    size_t cs[2] = {count, elem};
    return new_slot(ex, &rq, call_calloc, cs);
}

/* The largest alignment a pool's blocks give (docs/ARCHITECTURE.md). */
#define MAX_POOL_ALIGN 64

int ex_memalign(exec *ex, uint8_t arg, size_t size) {
    size_t align = pa_memalign_alignment(arg);
    int pow2 = !(align & (align - 1));
    request rq = {"memalign", size, pow2 ? align : 1, 0, 0, EXPECT_BLOCK, 0, 1};
    if (rq.align < ex->cfg.alignment)
        rq.align = ex->cfg.alignment;
    if (!pow2) {
        rq.expect = EXPECT_NULL;
        rq.want_errno = EINVAL;
    }
    if (new_slot(ex, &rq, call_memalign, &align))
        return -1;
    const pa_shadow_block *b = &ex->sh.slots[ex->sh.n - 1];
    if (!b->p || !size || ex->cfg.memory_limit || ex->cfg.debug || ex_fault_this_op(ex))
        return 0; /* the large path excused, as for malloc */
    /* Pools serve alignments up to 64 (docs/ARCHITECTURE.md, block
     * alignment): a block of the size rounded up to the alignment. */
    size_t rounded = size <= SIZE_MAX - rq.align ? (size + rq.align - 1) & ~(rq.align - 1) : SIZE_MAX;
    int pooled = rq.align <= MAX_POOL_ALIGN && rounded <= ex->cfg.small_threshold, small = b->small;
    ex_doctor(ex, PA_SITE_MEMALIGN_SMALL, &small);
    if (small != pooled)
        return ex_fail(ex, pooled ? "SMALL_NOT_IN_POOL" : "LARGE_IN_POOL",
                       "memalign(%zu, %zu) went to the %s; a pool serves alignments up to %d with sizes rounded up to "
                       "at most the threshold %zu", align, size, small ? "pool" : "large path", MAX_POOL_ALIGN,
                       ex->cfg.small_threshold);
    return 0;
}

/* ---- requests no heap can serve, and alignments past the arena ------- */

/* Alignments up to here must be served (an arena's worth, and then some,
 * of address space is always at hand); above it the OS may refuse the
 * mapping, and at 2^47 and beyond no user address space has room. */
#define HUGE_ALIGN_ALWAYS_LOG2 30
#define HUGE_ALIGN_NEVER_LOG2 47
/* ASan's posix_memalign (LLVM 14), which the system large path calls, fails
 * an internal CHECK at alignment 2^63 instead of returning an error: an ASan
 * build asks 2^62 there. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
/* ASan's posix_memalign maps size + alignment and poisons the shadow of the
 * whole mapping, which stays resident while the freed 1-byte block sits in
 * ASan's quarantine (counted by its 1 byte): measured, 2^30 costs 256 MiB
 * of RSS a block, and a libFuzzer campaign reached its 2 GiB limit. An ASan
 * build therefore serves at most one doubling past the default arena; the
 * builds without ASan (AFL++'s) fuzz the whole range. */
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define HUGE_ALIGN_MAX_LOG2 62
#define HUGE_ALIGN_SERVED_MAX_LOG2 21
#else
#define HUGE_ALIGN_MAX_LOG2 63
#define HUGE_ALIGN_SERVED_MAX_LOG2 HUGE_ALIGN_NEVER_LOG2
#endif

static int huge_align(exec *ex, unsigned lg) {
    if (lg > HUGE_ALIGN_MAX_LOG2)
        lg = HUGE_ALIGN_MAX_LOG2;
    /* The debug layer's lead before a block is as long as its alignment,
     * filled and scanned byte by byte: past the arena size by one doubling,
     * and no further (below where the answer must be NULL). */
    unsigned arena_lg = 0;
    while (((size_t)2 << arena_lg) <= ex->cfg.arena_size)
        arena_lg++;
    if (ex->cfg.debug && lg > arena_lg + 1 && lg < HUGE_ALIGN_NEVER_LOG2)
        lg = arena_lg + 1;
    if (lg > HUGE_ALIGN_SERVED_MAX_LOG2 && lg < HUGE_ALIGN_NEVER_LOG2)
        lg = HUGE_ALIGN_SERVED_MAX_LOG2;
    size_t align = (size_t)1 << lg;
    request rq = {"memalign", 1, align < ex->cfg.alignment ? ex->cfg.alignment : align, 0, 0, EXPECT_BLOCK, 0, 1};
    if (lg >= HUGE_ALIGN_NEVER_LOG2) {
        rq.expect = EXPECT_NULL;
        rq.want_errno = ENOMEM;
    }
    if (lg <= HUGE_ALIGN_ALWAYS_LOG2 || rq.expect == EXPECT_NULL)
        return new_slot(ex, &rq, call_memalign, &align);
    /* between the two: a block, or NULL with ENOMEM */
    errno = 0;
    void *p = pa_heap_memalign(ex->heap, align, 1);
    int err = errno;
    if (!p)
        ex_doctor(ex, PA_SITE_HUGE_ERRNO, &err);
    pa_shadow_block b;
    memset(&b, 0, sizeof b);
    if (!p && err != ENOMEM)
        return ex_fail(ex, "WRONG_ERRNO", "memalign(2^%u, 1) returned NULL with errno %d, expected %d", lg, err, ENOMEM);
    if (p && vet_block(ex, p, &rq, &b))
        return -1;
    pa_shadow_append(&ex->sh, &b);
    return 0;
}

/* A request no heap can serve: NULL with ENOMEM, and a realloc leaves its
 * block as it was. */
int ex_huge(exec *ex, uint8_t arg, size_t slot) {
    unsigned call = pa_huge_call_of(arg);
    if (call == PA_HUGE_ALIGN)
        return slot == SIZE_MAX ? 0 : huge_align(ex, pa_huge_align_log2(arg));
    size_t size = pa_huge_size(arg);
    pa_shadow_block *b = call == PA_HUGE_REALLOC && slot != SIZE_MAX ? &ex->sh.slots[slot] : NULL;
    if (b && ex_check_block(ex, b, slot, b->req, "before huge realloc"))
        return -1;
    errno = 0;
    void *p = call == PA_HUGE_MEMALIGN ? pa_heap_memalign(ex->heap, PA_HUGE_MEMALIGN_ALIGNMENT, size)
              : call == PA_HUGE_REALLOC ? pa_heap_realloc(ex->heap, b ? b->p : NULL, size)
                                        : pa_heap_malloc(ex->heap, size);
    int err = errno;
    if (!p)
        ex_doctor(ex, PA_SITE_HUGE_ERRNO, &err);
    if (p)
        return ex_fail(ex, "EXPECTED_NULL", "%s(%zu) returned %p where it must fail", pa_huge_call_name(call), size, p);
    if (err != ENOMEM)
        return ex_fail(ex, "WRONG_ERRNO", "%s(%zu) returned NULL with errno %d, expected %d",
                       pa_huge_call_name(call), size, err, ENOMEM);
    ex->st->null_results++;
    if (!b || !b->p)
        return 0;
    ex_touch(ex, b->p);
    size_t u = pa_heap_usable_size(ex->heap, b->p);
    ex_doctor(ex, PA_SITE_USABLE, &u);
    if (u != b->usable)
        return ex_fail(ex, "USABLE_CHANGED", "a failed huge realloc changed b%llu's usable size from %zu to %zu",
                       (unsigned long long)b->serial, b->usable, u);
    return ex_check_block(ex, b, slot, b->req, "after a failed huge realloc");
}

/* ---- freeing -------------------------------------------------------- */

int ex_release_range(exec *ex, const pa_shadow_block *b) {
    if (pa_shadow_release(&ex->sh, b->p))
        return ex_fail(ex, "SHADOW_LOST", "block b%llu at %p is missing from the address index",
                       (unsigned long long)b->serial, b->p);
    return 0;
}

int ex_forget_block(exec *ex, pa_shadow_block *b, size_t slot, const char *when, int release) {
    if (ex_check_block(ex, b, slot, b->req, when) || (release && ex_release_range(ex, b)))
        return -1;
    ex->live_bytes -= b->req;
    return 0;
}

/* Verify and free the block in a slot (the slot itself stays). release:
 * take its range out of the address index (ex_free_everything clears it whole). */
static int free_block(exec *ex, size_t slot, const char *when, int release) {
    pa_shadow_block *b = &ex->sh.slots[slot];
    if (!b->p) {
        pa_heap_free(ex->heap, NULL);
        return 0;
    }
    if (ex_forget_block(ex, b, slot, when, release))
        return -1;
    ex_touch(ex, b->p);
    if (b->small || ex->cfg.debug) {
        pa_heap_free(ex->heap, b->p);
        return 0;
    }
    ex_cache_mark m;
    ex_cache_before_free(ex, b->p, &m);
    pa_heap_free(ex->heap, b->p);
    return ex_cache_after_free(ex, &m);
}

int ex_remove_slots(exec *ex, const pa_op_effect *e, const char *when) {
    for (size_t i = 0; i < e->nremove; i++)
        if (free_block(ex, e->remove[i], when, 1))
            return -1;
    if (e->nremove)
        pa_shadow_remove(&ex->sh, e->remove, e->nremove);
    return 0;
}

int ex_free_everything(exec *ex, const char *when) {
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

int ex_realloc(exec *ex, size_t slot, size_t size) {
    if (slot == SIZE_MAX) { /* empty live set: realloc(NULL, size) */
        request rq = {"realloc(NULL)", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0, 1};
        return new_slot(ex, &rq, call_malloc, NULL);
    }
    pa_shadow_block *b = &ex->sh.slots[slot];
    pa_shadow_block old = *b;
    if (!old.p) {
        if (ex->live_bytes + size > PA_LIVE_BYTES_MAX)
            return 0;
        errno = 0;
        void *p = pa_heap_realloc(ex->heap, NULL, size);
        request rq = {"realloc(NULL)", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0, 1};
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
    if (ex_check_block(ex, &old, slot, old.req, "before realloc"))
        return -1;
    errno = 0;
    void *q = pa_heap_realloc(ex->heap, old.p, size);
    int err = errno;
    request rq = {"realloc", size, ex->cfg.alignment, 0, 1, EXPECT_BLOCK, 0, 0};
    if (!q) {
        if (null_allowed(ex, &rq, err))
            return -1;
        ex->st->null_results++;
        return ex_check_block(ex, b, slot, old.req, "after a failed realloc");
    }
    pa_realloc_old was = {old.p, old.req, old.seed, old.small, "b", old.serial};
    pa_fresh_verdict v;
    if (pa_realloc_vet(ex->heap, ex->cfg.debug, &was, size, q, &v))
        return ex_fail(ex, v.kind, "%s", v.detail);
    if (ex_release_range(ex, &old))
        return -1;
    ex->live_bytes -= old.req;
    if (old.small)
        ex->sh.nsmall--;
    else
        ex->sh.nlarge--;
    ex_touch(ex, old.p);
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

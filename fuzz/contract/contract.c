/* The contract target (contract.h): ops on the process's own malloc API,
 * every block vetted against the documented promises, contents patterned
 * and verified, live blocks kept disjoint in a range set. */
#define _GNU_SOURCE /* malloc_usable_size, memalign, valloc, dladdr */
#include "contract.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor.h"
#include "pattern.h"
#include "range_set.h"

/* LARGE sizes from this x up name sizes no object can have: above
 * PTRDIFF_MAX (README.md, "impossible requests"). */
#define IMPOSSIBLE_X 0x3ff0u

typedef struct cblock {
    void *p; /* NULL: the call returned NULL (the slot still counts) */
    size_t req, usable;
    uint64_t seed; /* 0: zeroes (calloc) */
} cblock;

typedef struct run {
    cblock slots[PA_LIVE_MAX];
    size_t n, live_bytes;
    pa_range_set ranges;
    uint64_t generation;
    size_t op_index;
    pa_config cfg; /* what the op language's sizes are relative to */
    pa_contract_failure *f;
} run;

static int fail(run *r, const char *kind, const char *place, const char *fmt, ...) {
    pa_contract_failure *f = r->f;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    snprintf(f->place, sizeof f->place, "%s", place);
    f->op_index = r->op_index;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- what a block must be --------------------------------------------- */

/* C17 7.22.3: suitably aligned for any object of fundamental alignment that
 * fits: the largest power of two not above the size, at most
 * alignof(max_align_t). */
static size_t fundamental_alignment(size_t size) {
    size_t a = alignof(max_align_t);
    while (a > 1 && a > size)
        a >>= 1;
    return a;
}

static int is_pow2(size_t x) { return x && !(x & (x - 1)); }

typedef struct call {
    const char *name;
    size_t req;
    size_t align; /* the result must be a multiple */
    int zero;     /* calloc */
    size_t align_arg; /* the aligned APIs: the alignment asked for */
    int from_null;    /* realloc(NULL, size) */
} call;

/* "malloc(100)", "posix_memalign(64, 100)": for reports only. */
static const char *said(const call *c) {
    static char buf[96];
    if (c->align_arg)
        snprintf(buf, sizeof buf, "%s(%zu, %zu)", c->name, c->align_arg, c->req);
    else if (c->from_null)
        snprintf(buf, sizeof buf, "realloc(NULL, %zu)", c->req);
    else
        snprintf(buf, sizeof buf, "%s(%zu)", c->name, c->req);
    return buf;
}

/* A block a call returned: vetted, its range claimed, given content. */
static int vet(run *r, void *p, const call *c, cblock *b) {
    if ((uintptr_t)p % c->align)
        return fail(r, "ALIGNMENT", c->name, "%s returned %p, not a multiple of %zu", said(c), p, c->align);
    size_t usable = malloc_usable_size(p);
    if (usable < c->req)
        return fail(r, "USABLE_TOO_SMALL", c->name, "%s returned %p with malloc_usable_size %zu", said(c), p, usable);
    pa_range clash;
    size_t span = usable ? usable : 1; /* size 0 too: a unique pointer */
    int rc = pa_range_set_claim(&r->ranges, (uintptr_t)p, (uintptr_t)p + span, r->op_index, &clash);
    if (rc > 0)
        return fail(r, "OVERLAP", c->name, "%s returned [%p, +%zu), overlapping the live block [%#lx, %#lx) of op %llu",
                    said(c), p, span, (unsigned long)clash.lo, (unsigned long)clash.hi,
                    (unsigned long long)clash.tag);
    if (rc < 0)
        return fail(r, "HARNESS_ENOMEM", c->name, "no memory for the range set");
    b->p = p;
    b->req = c->req;
    b->usable = usable;
    pa_pattern_mismatch m;
    if (c->zero) {
        b->seed = 0;
        if (pa_pattern_verify(p, c->req, c->req, 0, &m))
            return fail(r, "CALLOC_NOT_ZERO", c->name, "%s: byte %zu at %p is 0x%02x", said(c), m.offset, p, m.found);
    } else {
        b->seed = 0x9e3779b97f4a7c15ull * ++r->generation | 1;
        pa_pattern_fill(p, c->req, b->seed);
    }
    r->live_bytes += c->req;
    return 0;
}

/* A NULL result: errno ENOMEM (or want_errno when the call had to fail);
 * NULL for a request that fits comfortably is a finding too. */
static int vet_null(run *r, const call *c, int err, int must_fail, int want_errno) {
    if (!must_fail && c->req <= PA_LIVE_BYTES_MAX)
        return fail(r, "UNEXPECTED_NULL", c->name, "%s returned NULL (errno %d) with %zu bytes live", said(c), err,
                    r->live_bytes);
    if (err != want_errno)
        return fail(r, "WRONG_ERRNO", c->name, "%s returned NULL with errno %d, expected %d", said(c), err, want_errno);
    return 0;
}

static int check_contents(run *r, const cblock *b, const char *when) {
    pa_pattern_mismatch m;
    if (b->p && pa_pattern_verify(b->p, b->req, b->req, b->seed, &m))
        return fail(r, "CONTENT_CHANGED", when, "%s: byte %zu of the %zu-byte block at %p is 0x%02x, expected 0x%02x",
                    when, m.offset, b->req, b->p, m.found, m.expected);
    return 0;
}

static int release(run *r, cblock *b, const char *when) {
    if (!b->p)
        return 0;
    if (check_contents(r, b, when))
        return -1;
    pa_range_set_release(&r->ranges, (uintptr_t)b->p);
    r->live_bytes -= b->req;
    free(b->p);
    b->p = NULL;
    return 0;
}

/* ---- sizes -------------------------------------------------------------- */

/* The op's size; LARGE from IMPOSSIBLE_X up: PTRDIFF_MAX + 1 + k pages. */
static size_t size_of(const run *r, pa_size_spec s, int *impossible) {
    *impossible = s.mode == PA_SIZE_LARGE && s.x >= IMPOSSIBLE_X;
    if (*impossible)
        return (size_t)PTRDIFF_MAX + 1 + (size_t)(s.x - IMPOSSIBLE_X) * 4096;
    return pa_size_eval(s, &r->cfg);
}

static int over_budget(const run *r, size_t req) { return req > PA_LIVE_BYTES_MAX - r->live_bytes; }

/* ---- the calls ------------------------------------------------------------ */

/* Slot b takes an allocating call's result. */
static int take(run *r, cblock *b, void *p, int err, const call *c, int must_fail, int want_errno) {
    if (must_fail && p) {
        b->p = p; /* freed at the end; the report is what matters */
        return fail(r, "IMPOSSIBLE_SUCCEEDED", c->name, "%s returned %p where it must fail with errno %d", said(c), p,
                    want_errno);
    }
    return p ? vet(r, p, c, b) : vet_null(r, c, err, must_fail, want_errno);
}

static cblock *append(run *r) {
    cblock *b = &r->slots[r->n++];
    memset(b, 0, sizeof *b);
    return b;
}

static int new_slot(run *r, void *p, int err, const call *c, int must_fail, int want_errno) {
    return take(r, append(r), p, err, c, must_fail, want_errno);
}

static int do_malloc(run *r, pa_size_spec s) {
    int impossible;
    call c = {.name = "malloc", .req = size_of(r, s, &impossible), .align = 1};
    if (!impossible && over_budget(r, c.req)) {
        append(r);
        return 0;
    }
    c.align = fundamental_alignment(c.req);
    errno = 0;
    void *p = malloc(c.req);
    return new_slot(r, p, errno, &c, impossible, ENOMEM);
}

static int do_calloc(run *r, const pa_op *op) {
    int impossible;
    size_t elem = size_of(r, op->size, &impossible), count = pa_calloc_count(op->arg, elem), total;
    int overflow = __builtin_mul_overflow(count, elem, &total);
    call c = {.name = "calloc", .req = overflow ? SIZE_MAX : total, .align = 1, .zero = 1};
    int must_fail = overflow || total > (size_t)PTRDIFF_MAX;
    if (!must_fail && over_budget(r, total)) {
        append(r);
        return 0;
    }
    c.align = fundamental_alignment(c.req);
    errno = 0;
    void *p = calloc(count, elem);
    return new_slot(r, p, errno, &c, must_fail, ENOMEM);
}

/* The aligned APIs, picked by the op's position: memalign, posix_memalign,
 * aligned_alloc, valloc. */
static int do_aligned(run *r, const pa_op *op) {
    int impossible;
    size_t size = size_of(r, op->size, &impossible), align = pa_memalign_alignment(op->arg);
    if (!impossible && over_budget(r, size)) {
        append(r);
        return 0;
    }
    call c = {.name = "memalign", .req = size, .align = is_pow2(align) ? align : 1, .align_arg = align};
    errno = 0;
    switch (r->op_index % 4) {
    case 0: {
        /* a non-power-of-two alignment: a block (glibc rounds up) or NULL
         * with errno set (posix_memalign(3): EINVAL) */
        void *p = memalign(align, size);
        int err = errno;
        if (!p && !impossible && !is_pow2(align))
            return err == EINVAL || err == ENOMEM ? (append(r), 0) : vet_null(r, &c, err, 1, EINVAL);
        return new_slot(r, p, err, &c, impossible, ENOMEM);
    }
    case 1: {
        c.name = "posix_memalign";
        int valid = is_pow2(align) && align % sizeof(void *) == 0;
        void *const sentinel = (void *)&r->slots[0];
        void *p = sentinel;
        int rc = posix_memalign(&p, align, size);
        /* both a bad alignment and an impossible size: either error */
        int want = !valid ? EINVAL : impossible ? ENOMEM : 0;
        if (rc != want && !(!valid && impossible && rc == ENOMEM))
            return fail(r, "WRONG_RETURN", c.name, "posix_memalign(%zu, %zu) returned %d, expected %d", align, size, rc,
                        want);
        if (rc) {
            if (p != sentinel)
                return fail(r, "POINTER_CHANGED", c.name, "posix_memalign(%zu, %zu) failed with %d but set the pointer to %p",
                            align, size, rc, p);
            append(r);
            return 0;
        }
        return new_slot(r, p, 0, &c, 0, 0);
    }
    case 2: {
        /* C17 7.22.3.1: an alignment the implementation does not support
         * fails with NULL; every supported alignment is a power of two */
        c.name = "aligned_alloc";
        void *p = aligned_alloc(align, size);
        int err = errno;
        if (!is_pow2(align)) /* an impossible size too: either error */
            return new_slot(r, p, err, &c, 1, impossible && err == ENOMEM ? ENOMEM : EINVAL);
        return new_slot(r, p, err, &c, impossible, ENOMEM);
    }
    default: {
        c.name = "valloc";
        c.align_arg = 0;
        c.align = (size_t)sysconf(_SC_PAGESIZE);
        void *p = valloc(size);
        return new_slot(r, p, errno, &c, impossible, ENOMEM);
    }
    }
}

/* realloc of the block in slot to size (0 asks for 1: realloc(p, 0) is
 * implementation-defined in C17 and undefined in C23). */
static int do_realloc(run *r, size_t slot, size_t size, int impossible) {
    if (size == 0)
        size = 1;
    call c = {.name = "realloc", .req = size, .align = fundamental_alignment(size)};
    cblock *b = &r->slots[slot];
    if (!b->p) {
        if (!impossible && over_budget(r, size))
            return 0;
        c.name = "realloc(NULL)";
        c.from_null = 1;
        errno = 0;
        void *p = realloc(NULL, size);
        return take(r, b, p, errno, &c, impossible, ENOMEM);
    }
    if (!impossible && size > b->req && over_budget(r, size - b->req))
        return 0;
    if (check_contents(r, b, "before realloc"))
        return -1;
    errno = 0;
    void *q = realloc(b->p, size);
    int err = errno;
    if (!q) {
        if (vet_null(r, &c, err, impossible, ENOMEM))
            return -1;
        return check_contents(r, b, "after a failed realloc");
    }
    if (impossible)
        return fail(r, "IMPOSSIBLE_SUCCEEDED", c.name, "%s of %p returned %p", said(&c), b->p, q);
    size_t keep = b->req < size ? b->req : size;
    pa_pattern_mismatch m;
    if (pa_pattern_verify(q, b->req, keep, b->seed, &m))
        return fail(r, "REALLOC_PREFIX", c.name, "realloc from %zu to %zu bytes (%p -> %p): byte %zu is 0x%02x, expected 0x%02x",
                    b->req, size, b->p, q, m.offset, m.found, m.expected);
    pa_range_set_release(&r->ranges, (uintptr_t)b->p);
    r->live_bytes -= b->req;
    b->p = NULL;
    return vet(r, q, &c, b);
}

/* Free the slots at the ascending positions pos[], keeping the others in
 * order. */
static int remove_slots(run *r, const size_t *pos, size_t npos, const char *when) {
    for (size_t i = 0; i < npos; i++)
        if (release(r, &r->slots[pos[i]], when))
            return -1;
    size_t out = 0, k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (k < npos && pos[k] == i) {
            k++;
            continue;
        }
        r->slots[out++] = r->slots[i];
    }
    r->n = out;
    return 0;
}

static int free_all(run *r, const char *when) {
    for (size_t i = 0; i < r->n; i++)
        if (release(r, &r->slots[i], when))
            return -1;
    r->n = 0;
    return 0;
}

static int run_op(run *r, const pa_op *op) {
    pa_op_effect e;
    pa_op_effect_of(op, r->n, &e);
    int impossible;
    switch ((pa_op_kind)op->kind) {
    case PA_OP_MALLOC:
        return e.nadd ? do_malloc(r, op->size) : 0;
    case PA_OP_CALLOC:
        return e.nadd ? do_calloc(r, op) : 0;
    case PA_OP_MEMALIGN:
        return e.nadd ? do_aligned(r, op) : 0;
    case PA_OP_ALLOC_MANY:
        for (size_t i = 0; i < e.nadd; i++)
            if (do_malloc(r, op->size))
                return -1;
        return 0;
    case PA_OP_REALLOC: {
        size_t size = size_of(r, op->size, &impossible);
        if (e.slot != SIZE_MAX)
            return do_realloc(r, e.slot, size, impossible);
        if (!e.nadd)
            return 0;
        append(r);
        return do_realloc(r, r->n - 1, size, impossible);
    }
    case PA_OP_GROW:
    case PA_OP_SHRINK: {
        if (e.slot == SIZE_MAX)
            return 0;
        size_t old = r->slots[e.slot].req;
        return do_realloc(r, e.slot, op->kind == PA_OP_GROW ? pa_grow_size(old, op->arg) : pa_shrink_size(old, op->arg),
                          0);
    }
    case PA_OP_FREE:
        if (e.slot == SIZE_MAX) {
            free(NULL);
            return 0;
        }
        return remove_slots(r, e.remove, e.nremove, "free");
    case PA_OP_FREE_RANGE:
        return remove_slots(r, e.remove, e.nremove, "free_range");
    case PA_OP_FREE_ALL:
    case PA_OP_DESTROY:
        return free_all(r, "free_all");
    case PA_OP_USABLE: {
        if (e.slot == SIZE_MAX || !r->slots[e.slot].p)
            return 0;
        const cblock *b = &r->slots[e.slot];
        size_t u = malloc_usable_size(b->p);
        if (u < b->req)
            return fail(r, "USABLE_TOO_SMALL", "malloc_usable_size", "the %zu-byte block at %p now has usable size %zu",
                        b->req, b->p, u);
        return 0;
    }
    case PA_OP_WRITE: {
        if (e.slot == SIZE_MAX || !r->slots[e.slot].p)
            return 0;
        cblock *b = &r->slots[e.slot];
        if (check_contents(r, b, "before write"))
            return -1;
        b->seed = 0x9e3779b97f4a7c15ull * ++r->generation | 1;
        pa_pattern_fill(b->p, b->req, b->seed);
        return 0;
    }
    case PA_OP_CHECK:
        for (size_t i = 0; i < r->n; i++)
            if (check_contents(r, &r->slots[i], "check"))
                return -1;
        return 0;
    default: /* stats, nop: nothing to ask of the C library */
        return 0;
    }
}

int pa_contract_run(const pa_op *ops, size_t nops, pa_contract_failure *f) {
    static run r; /* 100 KiB of slots: kept off the allocator under test */
    memset(f, 0, sizeof *f);
    r.n = r.live_bytes = 0;
    r.generation = 0;
    r.f = f;
    r.cfg = pa_config_default();
    pa_range_set_init(&r.ranges);
    int rc = 0;
    for (size_t i = 0; i < nops && !rc; i++) {
        r.op_index = i;
        rc = run_op(&r, &ops[i]);
    }
    if (!rc) {
        r.op_index = nops;
        rc = free_all(&r, "the end");
    } else {
        for (size_t i = 0; i < r.n; i++)
            free(r.slots[i].p);
    }
    pa_range_set_free(&r.ranges);
    return rc;
}

void pa_contract_failure_print(const pa_contract_failure *f) {
    Dl_info info;
    void *fn = dlsym(RTLD_DEFAULT, "malloc");
    const char *lib = fn && dladdr(fn, &info) && info.dli_fname ? info.dli_fname : "?";
    fprintf(stderr, "=== malloc contract failure: %s ===\nat op %zu: %s\nmalloc from: %s\ndetail: %s\nsignature: %s@%s\n",
            f->kind, f->op_index, f->place, lib, f->detail, f->kind, f->place);
    fflush(stderr);
}

/* PA_CONTRACT_PRELOAD=LIB: the program runs itself again with LIB first in
 * LD_PRELOAD, unless it is already, before anything else happens (glibc
 * passes a constructor the arguments). So one variable picks the allocator
 * for every engine, replay program and script: the fuzzers, the forkserver
 * (AFL++ starts it later, at __AFL_INIT) and the triage all see the same. */
__attribute__((constructor)) static void preload_allocator(int argc, char **argv, char **envp) {
    (void)argc;
    (void)envp;
    const char *lib = getenv("PA_CONTRACT_PRELOAD"), *cur = getenv("LD_PRELOAD");
    if (!lib || !*lib)
        return;
    size_t n = strlen(lib);
    if (cur && !strncmp(cur, lib, n) && (cur[n] == '\0' || cur[n] == ':' || cur[n] == ' '))
        return;
    char list[8192];
    if (snprintf(list, sizeof list, "%s%s%s", lib, cur && *cur ? ":" : "", cur ? cur : "") >= (int)sizeof list ||
        setenv("LD_PRELOAD", list, 1))
        return;
    execv("/proc/self/exe", argv);
    fprintf(stderr, "contract: cannot run again with %s preloaded\n", lib);
    _exit(2);
}

/* Is KIND@place in PA_CONTRACT_KNOWN (comma-separated signatures)? A
 * campaign names the findings it has already reported for an allocator, so
 * that it can look past them; unset, every failure aborts. */
static int known(const pa_contract_failure *f) {
    const char *list = getenv("PA_CONTRACT_KNOWN");
    char sig[sizeof f->kind + sizeof f->place + 1];
    snprintf(sig, sizeof sig, "%s@%s", f->kind, f->place);
    size_t n = strlen(sig);
    for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strcspn(p, ",") == n && !strncmp(p, sig, n))
            return 1;
    }
    return 0;
}

void pa_fuzz_contract_one(const uint8_t *data, size_t size) {
    pa_op *ops = NULL;
    size_t nops = pa_ops_decode(data, size, &ops);
    pa_contract_failure f;
    if (pa_contract_run(ops, nops, &f) && !known(&f)) {
        pa_contract_failure_print(&f);
        abort();
    }
    free(ops);
}

/* Fault injection and misuse reports: the fault and misuse ops, and the
 * handler that counts the heap's misuse reports. */
#include "exec_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bad_config.h"
#include "pattern.h"
#include "poolalloc/debug.h"
#include "poolalloc/object_cache.h"

int ex_fault_should_fail(void *ctx, pa_os_request request, size_t size, uint64_t seq) {
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

void ex_faults_disarm(exec *ex) {
    memset(ex->fault_nth, 0, sizeof ex->fault_nth);
    memset(ex->fault_ops, 0, sizeof ex->fault_ops);
}

int ex_fault_this_op(const exec *ex) { return ex->faults_fired != ex->faults_at_op_start; }

/* The debug dump's first line ends "serial N, STATE": copy STATE (empty
 * when there is no such line). */
static void dump_block_state(const char *dump, char *state, size_t n) {
    const char *serial = dump ? strstr(dump, " serial ") : NULL;
    const char *word = serial ? strstr(serial, ", ") : NULL;
    state[0] = 0;
    if (word)
        snprintf(state, n, "%.*s", (int)strcspn(word + 2, "\n"), word + 2);
}

void ex_on_misuse(void *ctx, const pa_misuse *m) {
    exec *ex = ctx;
    ex->misuse_reports++;
    ex->misuse_last = m->kind;
    if (!ex->misuse_expected)
        ex->misuse_unexpected++;
    snprintf(ex->misuse_message, sizeof ex->misuse_message, "%s", m->message ? m->message : "");
    dump_block_state(m->dump, ex->misuse_block_state, sizeof ex->misuse_block_state);
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

/* ---- fault and misuse ops ------------------------------------------- */

void ex_fault(exec *ex, const pa_op *op) {
    unsigned r = pa_fault_request(op->arg), n = pa_fault_count(op->arg, op->step);
    if (pa_fault_mode(op->arg) == PA_FAULT_NTH)
        ex->fault_nth[r] = n;
    else
        ex->fault_ops[r] = n;
}

/* The misuse kinds as a set. */
#define KIND(k) (1u << (k))

/* The reports since before were exactly one, of a kind in want, for what
 * (the call on ptr). */
static int misuse_judge(exec *ex, size_t before, const void *ptr, unsigned want, const char *what) {
    char expected[100] = "";
    for (int k = PA_MISUSE_FOREIGN_POINTER; k <= PA_MISUSE_WRITE_AFTER_FREE; k++)
        if (want & KIND(k))
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s",
                     expected[0] ? " or " : "", misuse_kind_name((pa_misuse_kind)k));
    size_t n = ex->misuse_reports - before;
    if (!n)
        return ex_fail(ex, "MISUSE_UNDETECTED", "%s (of %p) was not reported; expected %s", what, ptr, expected);
    if (n > 1)
        return ex_fail(ex, "MISUSE_REPORTED_TWICE", "%s (of %p) was reported %zu times; the last: %s", what, ptr,
                    n, ex->misuse_message);
    if (!(want & KIND(ex->misuse_last)))
        return ex_fail(ex, "MISUSE_WRONG_KIND", "%s (of %p) was reported as %s, expected %s: %s", what, ptr,
                    misuse_kind_name(ex->misuse_last), expected, ex->misuse_message);
    return 0;
}

/* The last report's dump gave the block the state it has. */
static int misuse_dump_state(exec *ex, const void *ptr, const char *state, const char *what) {
    ex_doctor(ex, PA_SITE_MISUSE_STATE, ex->misuse_block_state);
    if (strcmp(ex->misuse_block_state, state))
        return ex_fail(ex, "MISUSE_DUMP_STATE", "%s (of %p): the report's dump calls the block '%s', not '%s'", what,
                       ptr, ex->misuse_block_state, state);
    return 0;
}

int ex_misuse_expect(exec *ex, void *ptr, pa_object_cache *cache, pa_misuse_kind want, const char *what) {
    size_t before = ex->misuse_reports;
    ex->misuse_expected = 1;
    if (cache)
        pa_object_cache_free(cache, ptr);
    else
        pa_heap_free(ex->heap, ptr);
    ex->misuse_expected = 0;
    return misuse_judge(ex, before, ptr, KIND(want), what);
}

/* The calls a misuse op gives a dead or wild pointer. */
enum { CALL_FREE, CALL_REALLOC, CALL_USABLE, CALLS };
static const char *const CALL_NAMES[CALLS] = {"free", "realloc", "usable_size"};

/* ptr given to free, realloc and usable_size of heap h, each misuse of a
 * kind in want: one report each, and the refused realloc NULL, the refused
 * usable_size 0. */
static int misuse_calls(exec *ex, pa_heap *h, void *ptr, unsigned want, const char *what) {
    for (int call = CALL_FREE; call < CALLS; call++) {
        char name[100];
        snprintf(name, sizeof name, "%s: %s", what, CALL_NAMES[call]);
        size_t before = ex->misuse_reports;
        uintptr_t result = 0;
        ex->misuse_expected = 1;
        if (call == CALL_FREE)
            pa_heap_free(h, ptr);
        else if (call == CALL_REALLOC)
            result = (uintptr_t)pa_heap_realloc(h, ptr, 1);
        else
            result = pa_heap_usable_size(h, ptr);
        ex->misuse_expected = 0;
        if (misuse_judge(ex, before, ptr, want, name))
            return -1;
        if (call != CALL_FREE)
            ex_doctor(ex, PA_SITE_MISUSE_RESULT, &result);
        if (result)
            return ex_fail(ex, "MISUSE_SERVED", "%s (of %p) returned %#lx, not 0", name, ptr, (unsigned long)result);
    }
    return 0;
}

/* Frees as many fresh 16-byte blocks as the quarantine holds: whatever was
 * in it is the heap's again. */
static int push_quarantine(exec *ex, size_t cap) {
    for (size_t i = 0; i < cap; i++) {
        void *q = pa_heap_malloc(ex->heap, 16);
        if (!q)
            return ex_fail(ex, "HARNESS_ENOMEM", "a 16-byte block to push the quarantine returned NULL (errno %d)",
                           errno);
        pa_heap_free(ex->heap, q);
    }
    return 0;
}

/* A whole-heap scan's findings that name the block sought, written after
 * free. */
typedef struct scan_tally {
    const void *sought;
    size_t of_sought;
} scan_tally;

static void tally_finding(void *ctx, const pa_debug_finding *f) {
    scan_tally *t = ctx;
    t->of_sought += f->data == t->sought && f->kind == PA_DEBUG_FREED_WRITTEN;
}

/* While p waits in the quarantine with a byte written, the debug layer's
 * whole-heap scan finds it, and nothing else. */
static int scan_finds_written(exec *ex, const uint8_t *p, size_t byte) {
    scan_tally t = {p, 0};
    size_t damaged = pa_heap_debug_scan(ex->heap, tally_finding, &t);
    ex_doctor(ex, PA_SITE_DEBUG_SCAN, &damaged);
    if (damaged != 1 || t.of_sought != 1)
        return ex_fail(ex, "DEBUG_SCAN_MISSED",
                       "with byte %zu of the freed block %p written in the quarantine, the debug layer's scan finds "
                       "%zu damaged block%s, %zu of them that block written after free; expected 1 and 1",
                       byte, (const void *)p, damaged, damaged == 1 ? "" : "s", t.of_sought);
    return 0;
}

/* A byte of p (req bytes, freed a moment ago and held in the quarantine)
 * written (the whole-heap scan finds it there), then as many fresh blocks
 * freed as the quarantine holds: the last pushes p out, which is reported
 * then, once, as written after free.
 * A 0-byte block has no byte to write; without a quarantine the block is
 * the heap's again at once, and the op is a plain free. */
static int misuse_freed_write(exec *ex, uint8_t *p, size_t req) {
    size_t cap = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    if (!req || !cap)
        return 0;
    ex_doctor(ex, PA_SITE_FREED_DATA, p);
    size_t bad = ex_fill_mismatch(p, req, DEBUG_FREED_FILL);
    if (bad < req)
        return ex_fail(ex, "DEBUG_FREED_FILL",
                       "the block %p (%zu bytes) freed into the quarantine has byte %zu 0x%02x, not the freed fill 0x%02x",
                       (void *)p, req, bad, p[bad], DEBUG_FREED_FILL);
    p[req / 2] ^= 0x5a;
    if (scan_finds_written(ex, p, req / 2))
        return -1;
    size_t before = ex->misuse_reports;
    ex->misuse_expected = 1;
    int rc = push_quarantine(ex, cap);
    ex->misuse_expected = 0;
    if (rc || misuse_judge(ex, before, p, KIND(PA_MISUSE_WRITE_AFTER_FREE), "misuse write_after_free"))
        return -1;
    return misuse_dump_state(ex, p, "freed", "misuse write_after_free");
}

static int other_heap(exec *ex) {
    if (ex->other)
        return 0;
    pa_config oc = pa_config_default();
    oc.on_misuse = ex_on_misuse;
    oc.misuse_ctx = ex;
    ex->other = pa_heap_create(&oc);
    if (!ex->other)
        return ex_fail(ex, "HEAP_CREATE", "the second heap (foreign pointers) could not be made (errno %d)", errno);
    return 0;
}

/* Damage the byte at g, free the block (refused, reported as want), repair
 * it, verify the block is intact, then free it for real. */
static int misuse_guard(exec *ex, const pa_op_effect *e, uint8_t *g, pa_misuse_kind want, const char *what) {
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    uint8_t saved = *g;
    *g = (uint8_t)(saved ^ 0x5a);
    int rc = ex_misuse_expect(ex, b->p, NULL, want, what);
    *g = saved;
    if (rc || misuse_dump_state(ex, b->p, "live", what))
        return -1;
    if (ex_check_block(ex, b, e->slot, b->req, "after a refused free"))
        return -1;
    return ex_remove_slots(ex, e, what);
}

/* Both ways across the APIs, with a cache that owns nothing: free the slot's
 * block (if any) through the cache, then free one of the cache's objects
 * through pa_heap_free. Both frees are refused and leave the blocks intact. */
static int misuse_api_both(exec *ex, pa_object_cache *cache, const pa_op_effect *e, size_t size) {
    pa_shadow_block *b = e->slot == SIZE_MAX ? NULL : &ex->sh.slots[e->slot];
    if (b && b->p) {
        if (ex_misuse_expect(ex, b->p, cache, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a malloc block to the cache)"))
            return -1;
        ex_touch(ex, b->p);
        if (ex_check_block(ex, b, e->slot, b->req, "after a refused cache free"))
            return -1;
    }
    pa_shadow_block obj;
    memset(&obj, 0, sizeof obj);
    obj.p = pa_object_cache_alloc(cache);
    if (!obj.p)
        return ex_fail(ex, "HARNESS_ENOMEM", "the object cache returned NULL for %zu bytes (errno %d)", size, errno);
    obj.req = size;
    obj.seed = ex_next_seed(ex);
    pa_pattern_fill(obj.p, size, obj.seed);
    ex_touch(ex, obj.p);
    if (ex_misuse_expect(ex, obj.p, NULL, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a cache object to free)") ||
        ex_check_block(ex, &obj, SIZE_MAX, size, "after a refused free of a cache object"))
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
        return ex_fail(ex, "HARNESS_ENOMEM", "pa_object_cache_create(%zu) failed (errno %d)", size, errno);
    ex_touch(ex, cache);
    int rc = misuse_api_both(ex, cache, e, size);
    pa_object_cache_destroy(cache);
    return rc;
}

/* The end of the arena holding p, a small block of heap h (arenas are
 * aligned to their size). */
static uint8_t *arena_end(const pa_heap *h, const void *p) {
    return (uint8_t *)(((uintptr_t)p | (pa_heap_config(h)->arena_size - 1)) + 1);
}

/* Pointers no block starts at, given to the debug heap: 16 bytes before
 * the end of a small block's arena (the last pool is seldom carved: no
 * live block there; not asked if it is one), one byte into the slot's
 * block (inside an arena: not a block start; a large block's: no heap
 * address), 32 bytes into a large block (aligned, and with a 64-byte lead
 * it would start at the block's own raw start: the header it would have
 * lies in the block's data and names no such lead), and 16 and
 * 48, below any block's header or lead. The block is intact after. */
static int misuse_wild(exec *ex, pa_shadow_block *b, size_t slot) {
    uint8_t *p = b->p;
    uint8_t *end = arena_end(ex->heap, p) - 16;
    if (b->small && !pa_heap_owns(ex->heap, end) &&
        misuse_calls(ex, ex->heap, end,
                     KIND(PA_MISUSE_NOT_LIVE) | KIND(PA_MISUSE_NOT_A_BLOCK) | KIND(PA_MISUSE_DOUBLE_FREE),
                     "misuse stale (the end of the block's arena)"))
        return -1;
    if (misuse_calls(ex, ex->heap, p + 1, b->small ? KIND(PA_MISUSE_NOT_A_BLOCK) : KIND(PA_MISUSE_FOREIGN_POINTER),
                     "misuse stale (a byte into a block)") ||
        (!b->small && misuse_calls(ex, ex->heap, p + 32, KIND(PA_MISUSE_FOREIGN_POINTER),
                                   "misuse stale (32 bytes into a large block)")) ||
        misuse_calls(ex, ex->heap, (void *)16, KIND(PA_MISUSE_FOREIGN_POINTER), "misuse stale (16)") ||
        misuse_calls(ex, ex->heap, (void *)48, KIND(PA_MISUSE_FOREIGN_POINTER), "misuse stale (48)"))
        return -1;
    ex_touch(ex, p);
    return ex_check_block(ex, b, slot, b->req, "after refused wild pointers");
}

/* The slot's block freed, then used: while the quarantine holds it, free,
 * realloc and usable_size are each a double free, and the heap does not
 * own it; a small block pushed out of the quarantine is still never freed
 * again (a double free, or no live block where it was). Without a
 * quarantine the op is a plain free. */
static int misuse_stale(exec *ex, const pa_op_effect *e) {
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    uint8_t *p = b->p;
    int small = b->small;
    size_t cap = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    if (cap && misuse_wild(ex, b, e->slot))
        return -1;
    if (ex_remove_slots(ex, e, "misuse stale"))
        return -1;
    if (!cap)
        return 0;
    if (misuse_calls(ex, ex->heap, p, KIND(PA_MISUSE_DOUBLE_FREE), "misuse stale (in the quarantine)"))
        return -1;
    uintptr_t owns = (uintptr_t)pa_heap_owns(ex->heap, p);
    ex_doctor(ex, PA_SITE_MISUSE_RESULT, &owns);
    if (owns)
        return ex_fail(ex, "MISUSE_OWNS_FREED", "pa_heap_owns of the freed block %p in the quarantine said yes", p);
    if (!small)
        return 0;
    if (push_quarantine(ex, cap))
        return -1;
    return misuse_calls(ex, ex->heap, p, KIND(PA_MISUSE_DOUBLE_FREE) | KIND(PA_MISUSE_NOT_LIVE) |
                                             KIND(PA_MISUSE_NOT_A_BLOCK),
                        "misuse stale (out of the quarantine)");
}

/* Misuse on the second heap, which has no debug layer: the raw layer's
 * own checks. A 64-byte block alone in its pool, freed (nothing else of
 * that heap lives in its class), is dead: freeing, reallocating or sizing
 * it again is NOT_LIVE, and so is the end of its arena, in a pool never
 * carved (the heap holds at most the foreign op's block and this one); an
 * address on the stack, aligned or one byte past, is no heap's:
 * FOREIGN_POINTER. */
static int misuse_plain(exec *ex) {
    if (other_heap(ex))
        return -1;
    void *q = pa_heap_malloc(ex->other, 64);
    if (!q)
        return ex_fail(ex, "HARNESS_ENOMEM", "the second heap returned NULL for 64 bytes (errno %d)", errno);
    pa_heap_free(ex->other, q);
    _Alignas(16) char local[32];
    uint8_t *end = arena_end(ex->other, q) - 16;
    return misuse_calls(ex, ex->other, q, KIND(PA_MISUSE_NOT_LIVE), "misuse plain (a freed block)") ||
                   misuse_calls(ex, ex->other, end, KIND(PA_MISUSE_NOT_LIVE), "misuse plain (an uncarved pool)") ||
                   misuse_calls(ex, ex->other, local, KIND(PA_MISUSE_FOREIGN_POINTER), "misuse plain (the stack)") ||
                   misuse_calls(ex, ex->other, local + 1, KIND(PA_MISUSE_FOREIGN_POINTER),
                                "misuse plain (the stack, odd)")
               ? -1
               : 0;
}

/* The heap's own configuration with one field broken (rule): the
 * validator refuses it, with a message naming the field when it has room
 * for one and leaving a 0-byte buffer alone, and so does pa_heap_create;
 * pa_heap_create(NULL), the default, still makes a heap. */
static int misuse_bad_config(exec *ex, unsigned rule) {
    pa_config c = ex->cfg;
    const char *field = pa_bad_config_apply(rule, &c);
    char msg[256], none[2] = "x";
    int rc = pa_config_validate(&c, msg, sizeof msg);
    if (rc != EINVAL || !strstr(msg, field))
        return ex_fail(ex, "CONFIG_ACCEPTED", "bad_config %s: pa_config_validate returned %d (\"%s\"), expected EINVAL "
                       "naming %s", pa_bad_config_name(rule), rc, msg, field);
    if (pa_config_validate(&c, none, 0) != EINVAL || none[0] != 'x')
        return ex_fail(ex, "CONFIG_ACCEPTED", "bad_config %s: pa_config_validate with no room refused otherwise",
                       pa_bad_config_name(rule));
    errno = 0;
    pa_heap *h = pa_heap_create(&c);
    int err = errno;
    uintptr_t made = (uintptr_t)h;
    if (h)
        pa_heap_destroy(h);
    ex_doctor(ex, PA_SITE_MISUSE_RESULT, &made);
    if (made || err != EINVAL)
        return ex_fail(ex, "CONFIG_ACCEPTED", "bad_config %s: pa_heap_create %s (errno %d), expected NULL with EINVAL",
                       pa_bad_config_name(rule), made ? "made a heap" : "failed", err);
    /* the refusal is the field's: with no configuration at all (the
     * default) a heap is made */
    errno = 0;
    h = pa_heap_create(NULL);
    err = errno;
    made = (uintptr_t)h;
    if (h)
        pa_heap_destroy(h);
    ex_doctor(ex, PA_SITE_MISUSE_RESULT, &made);
    if (!made)
        return ex_fail(ex, "HEAP_CREATE", "pa_heap_create(NULL) (the default configuration) made no heap (errno %d)",
                       err);
    return 0;
}

int ex_misuse(exec *ex, const pa_op *op, const pa_op_effect *e) {
    unsigned kind = pa_misuse_op_of(op->arg);
    if (kind == PA_MISUSE_OP_API_MISMATCH)
        return misuse_api(ex, e);
    if (kind == PA_MISUSE_OP_PLAIN)
        return misuse_plain(ex);
    if (kind == PA_MISUSE_OP_BAD_CONFIG)
        return misuse_bad_config(ex, op->idx);
    if (kind == PA_MISUSE_OP_FOREIGN) {
        if (other_heap(ex))
            return -1;
        void *q = pa_heap_malloc(ex->other, 64);
        if (!q)
            return ex_fail(ex, "HARNESS_ENOMEM", "the second heap returned NULL for 64 bytes (errno %d)", errno);
        memset(q, 0x3c, 64);
        if (ex_misuse_expect(ex, q, NULL, PA_MISUSE_FOREIGN_POINTER, "misuse foreign"))
            return -1;
        if (pa_heap_usable_size(ex->other, q) < 64)
            return ex_fail(ex, "FOREIGN_BLOCK_LOST", "after a foreign free of %p its own heap says it is not live", q);
        pa_heap_free(ex->other, q);
        return 0;
    }
    if (e->slot == SIZE_MAX)
        return 0;
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    if (!b->p) /* nothing to misuse: the slot goes as a free would take it */
        return ex_remove_slots(ex, e, "misuse");
    uint8_t *p = b->p;
    switch ((pa_misuse_op)kind) {
    case PA_MISUSE_OP_DOUBLE_FREE:
        if (ex_remove_slots(ex, e, "misuse double_free"))
            return -1;
        return ex_misuse_expect(ex, p, NULL, PA_MISUSE_DOUBLE_FREE, "misuse double_free");
    case PA_MISUSE_OP_INTERIOR:
        /* an aligned interior pointer: the debug layer reads a header
         * before any pointer it is given, and one byte in that read is
         * misaligned (UBSan reports it in debug_layer.c's locate) */
        /* inside an arena it is not a block start; a large block's
         * interior is not in the heap's arenas nor a large block's address */
        if (ex_misuse_expect(ex, p + ex->cfg.alignment, NULL, b->small ? PA_MISUSE_NOT_A_BLOCK : PA_MISUSE_FOREIGN_POINTER,
                          "misuse interior"))
            return -1;
        ex_touch(ex, p);
        return ex_check_block(ex, b, e->slot, b->req, "after a refused interior free");
    case PA_MISUSE_OP_WRITE_AFTER:
        return misuse_guard(ex, e, p + b->req, PA_MISUSE_GUARD_AFTER, "misuse write_after");
    case PA_MISUSE_OP_WRITE_BEFORE:
        return misuse_guard(ex, e, p - 1, PA_MISUSE_GUARD_BEFORE, "misuse write_before");
    case PA_MISUSE_OP_STALE:
        return misuse_stale(ex, e);
    case PA_MISUSE_OP_WRITE_AFTER_FREE: {
        size_t req = b->req;
        if (ex_remove_slots(ex, e, "misuse write_after_free"))
            return -1;
        return misuse_freed_write(ex, p, req);
    }
    default:
        return 0;
    }
}

int ex_misuse_unexpected(exec *ex) {
    if (ex->misuse_unexpected)
        return ex_fail(ex, "MISUSE_REPORTED", "the heap reported misuse by a correct program (%s, %zu report%s): %s",
                    misuse_kind_name(ex->misuse_last), ex->misuse_unexpected, ex->misuse_unexpected == 1 ? "" : "s",
                    ex->misuse_message);
    return 0;
}

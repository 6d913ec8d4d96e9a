/* Fault injection and misuse reports: the fault and misuse ops, and the
 * handler that counts the heap's misuse reports. */
#include "exec_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"
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

void ex_on_misuse(void *ctx, const pa_misuse *m) {
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

/* ---- fault and misuse ops ------------------------------------------- */

void ex_fault(exec *ex, const pa_op *op) {
    unsigned r = pa_fault_request(op->arg), n = pa_fault_count(op->arg, op->step);
    if (pa_fault_mode(op->arg) == PA_FAULT_NTH)
        ex->fault_nth[r] = n;
    else
        ex->fault_ops[r] = n;
}

/* The reports since before were exactly one, of kind want, for what (the
 * free of ptr). */
static int misuse_judge(exec *ex, size_t before, const void *ptr, pa_misuse_kind want, const char *what) {
    size_t n = ex->misuse_reports - before;
    if (!n)
        return ex_fail(ex, "MISUSE_UNDETECTED", "%s (free of %p) was not reported; expected %s", what, ptr,
                    misuse_kind_name(want));
    if (n > 1)
        return ex_fail(ex, "MISUSE_REPORTED_TWICE", "%s (free of %p) was reported %zu times; the last: %s", what, ptr,
                    n, ex->misuse_message);
    if (ex->misuse_last != want)
        return ex_fail(ex, "MISUSE_WRONG_KIND", "%s (free of %p) was reported as %s, expected %s: %s", what, ptr,
                    misuse_kind_name(ex->misuse_last), misuse_kind_name(want), ex->misuse_message);
    return 0;
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
    return misuse_judge(ex, before, ptr, want, what);
}

/* A byte of p (req bytes, freed a moment ago and held in the quarantine)
 * written, then as many fresh blocks freed as the quarantine holds: the
 * last pushes p out, which is reported then, once, as written after free.
 * A 0-byte block has no byte to write; without a quarantine the block is
 * the heap's again at once, and the op is a plain free. */
static int misuse_freed_write(exec *ex, uint8_t *p, size_t req) {
    size_t cap = ex->cfg.debug ? ex->cfg.debug_quarantine : 0;
    if (!req || !cap)
        return 0;
    p[req / 2] ^= 0x5a;
    size_t before = ex->misuse_reports;
    ex->misuse_expected = 1;
    for (size_t i = 0; i < cap; i++) {
        void *q = pa_heap_malloc(ex->heap, 16);
        if (!q) {
            ex->misuse_expected = 0;
            return ex_fail(ex, "HARNESS_ENOMEM", "a 16-byte block to push the quarantine returned NULL (errno %d)",
                           errno);
        }
        pa_heap_free(ex->heap, q);
    }
    ex->misuse_expected = 0;
    return misuse_judge(ex, before, p, PA_MISUSE_WRITE_AFTER_FREE, "misuse write_after_free");
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
    int rc = misuse_expect(ex, b->p, NULL, want, what);
    *g = saved;
    if (rc)
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
        if (misuse_expect(ex, b->p, cache, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a malloc block to the cache)"))
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
    if (misuse_expect(ex, obj.p, NULL, PA_MISUSE_API_MISMATCH, "misuse api_mismatch (a cache object to free)") ||
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

int ex_misuse(exec *ex, const pa_op *op, const pa_op_effect *e) {
    unsigned kind = pa_misuse_op_of(op->arg);
    if (kind == PA_MISUSE_OP_API_MISMATCH)
        return misuse_api(ex, e);
    if (kind == PA_MISUSE_OP_FOREIGN) {
        if (other_heap(ex))
            return -1;
        void *q = pa_heap_malloc(ex->other, 64);
        if (!q)
            return ex_fail(ex, "HARNESS_ENOMEM", "the second heap returned NULL for 64 bytes (errno %d)", errno);
        memset(q, 0x3c, 64);
        if (misuse_expect(ex, q, NULL, PA_MISUSE_FOREIGN_POINTER, "misuse foreign"))
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
        ex_touch(ex, p);
        return ex_check_block(ex, b, e->slot, b->req, "after a refused interior free");
    case PA_MISUSE_OP_WRITE_AFTER:
        return misuse_guard(ex, e, p + b->req, PA_MISUSE_GUARD_AFTER, "misuse write_after");
    case PA_MISUSE_OP_WRITE_BEFORE:
        return misuse_guard(ex, e, p - 1, PA_MISUSE_GUARD_BEFORE, "misuse write_before");
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

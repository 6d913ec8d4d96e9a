/* The corrupt op (docs/OP_LANGUAGE.md): the harness breaks one structure
 * of the heap on purpose, requires the detection that names it (the
 * checker's invariant, the debug layer's scan finding, the misuse report),
 * then puts back the bytes it saved, so the run goes on with a sound heap.
 * Code that runs only on a corrupt heap is exercised nowhere else: a
 * corruption nothing names fails as CORRUPTION_UNDETECTED. */
#include "exec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "poolalloc/debug.h"
#include "poolalloc/introspect.h"

/* The debug block's header, the 32 bytes before its data
 * (alloc/src/debug_block.h): the requested size, the serial, the lead
 * (data - raw block), the API, the state. */
#define HEADER_BYTES 32
#define HEADER_SIZE_AT 0
#define HEADER_LEAD_AT 16
#define HEADER_STATE_AT 21
#define STATE_FREED 'F'
/* The debug tail after the data: the room a raw block must keep. */
#define TAIL_BYTES 16

/* The heap poisons free blocks, headers and never-carved space for ASan
 * (alloc/src/annotate.h): the harness's deliberate reads and writes there
 * are left unchecked, and the poisoning as it was. */
__attribute__((no_sanitize("address"))) static void raw_copy(void *dst, const void *src, size_t n) {
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

/* Where a small block lies: its pool's view and its class's geometry. */
typedef struct pool_place {
    uintptr_t base;
    pa_pool_view pool;
    pa_class_view cls;
} pool_place;

/* The pool of data pointer p's raw block; 0, or -1 for a large block. */
static int pool_of(const exec *ex, const void *p, pool_place *at) {
    uintptr_t raw = pa_introspect_block_start(ex->heap, (uintptr_t)p);
    at->base = raw & ~(uintptr_t)(ex->cfg.pool_size - 1);
    if (!raw || pa_introspect_pool(ex->heap, at->base, &at->pool) ||
        pa_introspect_class(ex->heap, at->pool.size_class, &at->cls))
        return -1;
    return 0;
}

static int undetected(exec *ex, unsigned kind, const char *what, const char *expected, const char *got) {
    return ex_fail(ex, "CORRUPTION_UNDETECTED", "corrupt %s: %s; expected %s, got %s", pa_corrupt_kind_name((uint8_t)kind),
                   what, expected, got);
}

/* ---- the freelist ---------------------------------------------------- */

/* The word after a walk's bitmap, which the walk must leave alone. */
#define PAST_BITMAP UINT64_C(0xA5A5A5A5A5A5A5A5)

/* The sound pool's freelist walked from block `from` on into bits, words of
 * them (so the walk may take its every-block path) and exactly that many:
 * the walk finds no fault and leaves the word after them as it was. */
static int walk_window(exec *ex, const pool_place *at, size_t from, uint64_t *bits, size_t words) {
    size_t first = at->cls.first_block_offset, size = at->cls.block_size, limit = at->pool.nextoffset;
    bits[words] = PAST_BITMAP;
    pa_freelist_walk w;
    int fault = pa_introspect_freelist(ex->heap, at->base, first, size, limit, from, bits, words * 64, &w);
    pa_exec_window seen = {bits, words};
    ex_doctor(ex, PA_SITE_WINDOW_WALK, &seen);
    if (fault != PA_FREELIST_SOUND || bits[words] != PAST_BITMAP)
        return ex_fail(ex, "INTROSPECT_WINDOW",
                       "pa_introspect_freelist of pool %#lx from block %zu into %zu bits: fault %d, the word past the "
                       "bitmap %#llx (was %#llx)",
                       (unsigned long)at->base, from, words * 64, fault, (unsigned long long)bits[words],
                       (unsigned long long)PAST_BITMAP);
    return 0;
}

/* The pool's whole walk, then windows from block 1 and from block 64 into
 * bitmaps as wide: each agrees with the whole walk shifted by its start. */
static int windows_agree(exec *ex, const pool_place *at) {
    size_t blocks = (at->pool.nextoffset - at->cls.first_block_offset) / at->cls.block_size;
    size_t words = (blocks + 63) / 64;
    uint64_t *whole = malloc(2 * (words + 1) * sizeof *whole), *bits = whole + words + 1;
    if (!whole)
        return ex_fail(ex, "HARNESS_ENOMEM", "two %zu-word bitmaps for freelist walks", words + 1);
    int rc = walk_window(ex, at, 0, whole, words);
    for (size_t from = 1; !rc && from < blocks; from = from == 1 ? 64 : blocks) {
        rc = walk_window(ex, at, from, bits, words);
        for (size_t i = 0; !rc && i < words * 64; i++) {
            int got = (int)(bits[i / 64] >> (i % 64) & 1);
            int want = i + from < blocks && (whole[(i + from) / 64] >> ((i + from) % 64) & 1);
            if (got != want)
                rc = ex_fail(ex, "INTROSPECT_WINDOW",
                             "pa_introspect_freelist of pool %#lx from block %zu: bit %zu is %d, the whole walk's "
                             "bit %zu is %d",
                             (unsigned long)at->base, from, i, got, i + from, want);
        }
    }
    free(whole);
    return rc;
}

/* The ids the checker reported, for a message. */
static void report_ids(const pa_check_report *r, char *out, size_t len) {
    size_t n = pa_check_report_count(r), used = 0;
    snprintf(out, len, "%s", n ? "" : "nothing");
    for (size_t i = 0; i < n && i < 4 && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", pa_check_report_id(r, i));
}

/* The link of the freelist's first member set to a value the checker must
 * name, the checker run, the link restored. */
static int corrupt_link(exec *ex, unsigned kind, const pool_place *at) {
    static const char *const EXPECTED[] = {
        [PA_CORRUPT_LINK_MISALIGNED] = "POOL_FREELIST_MISALIGNED",
        [PA_CORRUPT_LINK_OUT] = "POOL_FREELIST_OUT_OF_RANGE",
        [PA_CORRUPT_LINK_CYCLE] = "POOL_FREELIST_CYCLE",
        [PA_CORRUPT_LINK_CUT] = "POOL_BLOCK_ACCOUNTING",
    };
    uintptr_t member = at->pool.freeblock, saved, bad;
    if (!member)
        return 0; /* the pool is full: no link to break */
    if (windows_agree(ex, at))
        return -1;
    raw_copy(&saved, (const void *)member, sizeof saved);
    switch (kind) {
    case PA_CORRUPT_LINK_MISALIGNED: /* a multiple of the block size's odd part, not of the block size */
        bad = member + at->cls.block_size / 2;
        break;
    case PA_CORRUPT_LINK_OUT:
        bad = at->base + at->pool.nextoffset;
        break;
    case PA_CORRUPT_LINK_CYCLE:
        bad = member;
        break;
    default: /* cut: meaningful only where a member follows */
        if (!saved)
            return 0;
        bad = 0;
        break;
    }
    raw_copy((void *)member, &bad, sizeof bad);
    pa_check_report_clear(ex->rep);
    pa_check_heap(ex->heap, ex->rep);
    raw_copy((void *)member, &saved, sizeof saved);
    size_t named = 0;
    for (size_t i = 0; i < pa_check_report_count(ex->rep); i++)
        named += strcmp(pa_check_report_id(ex->rep, i), EXPECTED[kind]) == 0;
    ex_doctor(ex, PA_SITE_CORRUPTION, &named);
    if (named)
        return 0;
    char what[128], got[160];
    snprintf(what, sizeof what, "the link of free block %#lx (pool %#lx) set to %#lx", (unsigned long)member,
             (unsigned long)at->base, (unsigned long)bad);
    report_ids(ex->rep, got, sizeof got);
    return undetected(ex, kind, what, EXPECTED[kind], got);
}

/* ---- the debug layer --------------------------------------------------- */

/* The debug layer's scan's findings of one kind for one block, and the
 * byte the last names. */
typedef struct scan_hits {
    const void *data;
    pa_debug_damage kind;
    size_t hits, others, byte;
} scan_hits;

static void count_hit(void *ctx, const pa_debug_finding *f) {
    scan_hits *t = ctx;
    if (f->data == t->data && f->kind == t->kind) {
        t->hits++;
        t->byte = f->byte;
    } else {
        t->others++;
    }
}

/* The scan finds the block damaged as expected, once, and nothing else. */
static int scan_names(exec *ex, unsigned kind, scan_hits *t, const char *what, const char *expected) {
    pa_heap_debug_scan(ex->heap, count_hit, t);
    ex_doctor(ex, PA_SITE_CORRUPTION, &t->hits);
    if (t->hits == 1 && !t->others)
        return 0;
    char got[96];
    snprintf(got, sizeof got, "%zu such finding%s and %zu other%s", t->hits, t->hits == 1 ? "" : "s", t->others,
             t->others == 1 ? "" : "s");
    return undetected(ex, kind, what, expected, got);
}

/* The bytes of raw block holding data pointer p (a pool's block, or a large
 * block found in the table); 0 if neither. */
static size_t raw_bytes(const exec *ex, const void *p) {
    pool_place at;
    if (!pool_of(ex, p, &at))
        return at.cls.block_size;
    uintptr_t raw = pa_introspect_block_start(ex->heap, (uintptr_t)p), block;
    size_t size;
    for (size_t s = pa_introspect_large_next_taken(ex->heap, 0); s < pa_introspect_large_capacity(ex->heap);
         s = pa_introspect_large_next_taken(ex->heap, s + 1))
        if (pa_introspect_large_slot(ex->heap, s, &block, &size) == 1 && block == raw)
            return size;
    return 0;
}

/* A live block's recorded size one byte more than its raw block holds: the
 * scan reports the header damaged (and reads nothing past the block). */
static int corrupt_header_size(exec *ex, uint8_t *p) {
    uintptr_t raw = pa_introspect_block_start(ex->heap, (uintptr_t)p);
    size_t bytes = raw_bytes(ex, p), lead = (uintptr_t)p - raw;
    if (!raw || bytes < lead + TAIL_BYTES)
        return 0; /* no block of the heap holds it: the checks after the op name that */
    uint64_t saved, bad = bytes - lead - TAIL_BYTES + 1;
    uint8_t *size_at = p - HEADER_BYTES + HEADER_SIZE_AT;
    memcpy(&saved, size_at, sizeof saved);
    memcpy(size_at, &bad, sizeof bad);
    scan_hits t = {p, PA_DEBUG_HEADER_DAMAGED, 0, 0, 0};
    char what[96];
    snprintf(what, sizeof what, "live block %p's recorded size set to %llu in its %zu-byte block", (void *)p,
             (unsigned long long)bad, bytes);
    int rc = scan_names(ex, PA_CORRUPT_HEADER_SIZE, &t, what, "the scan's HEADER_DAMAGED");
    memcpy(size_at, &saved, sizeof saved);
    return rc;
}

/* Byte `at` of a block of req bytes just freed into the quarantine set to
 * 0: the scan reports it written after free at that byte. Without a
 * quarantine the free was a plain one. */
static int corrupt_freed_byte(exec *ex, uint8_t *p, size_t req, uint8_t step) {
    if (!req || !ex->cfg.debug || !ex->cfg.debug_quarantine)
        return 0;
    size_t at = step % req;
    uint8_t saved = p[at];
    p[at] = 0;
    scan_hits t = {p, PA_DEBUG_FREED_WRITTEN, 0, 0, 0};
    char what[96];
    snprintf(what, sizeof what, "byte %zu of the %zu-byte block %p in the quarantine set to 0", at, req, (void *)p);
    int rc = scan_names(ex, PA_CORRUPT_FREED_BYTE, &t, what, "the scan's FREED_WRITTEN at that byte");
    if (!rc && t.byte != at) {
        char got[64];
        snprintf(got, sizeof got, "FREED_WRITTEN at byte %zu", t.byte);
        rc = undetected(ex, PA_CORRUPT_FREED_BYTE, what, "the scan's FREED_WRITTEN at that byte", got);
    }
    p[at] = saved;
    return rc;
}

/* A copy of live block p's header, 64 bytes into its data (which the
 * program may write as it likes), names the pointer after it a block: the
 * free of that pointer is refused as no block (a large block's interior is
 * no heap address at all). */
static int corrupt_forged_live(exec *ex, pa_shadow_block *b, size_t slot) {
    enum { AT = 64 };
    if (b->req < AT)
        return 0;
    uint8_t *p = b->p, *fake = p + AT, saved[HEADER_BYTES];
    uint32_t lead = HEADER_BYTES;
    memcpy(saved, fake - HEADER_BYTES, HEADER_BYTES);
    memcpy(fake - HEADER_BYTES, p - HEADER_BYTES, HEADER_BYTES);
    memcpy(fake - HEADER_BYTES + HEADER_LEAD_AT, &lead, sizeof lead);
    int rc = ex_misuse_expect(ex, fake, NULL, b->small ? PA_MISUSE_NOT_A_BLOCK : PA_MISUSE_FOREIGN_POINTER,
                              "corrupt forged_live (a live header copied before a pointer into the block)");
    memcpy(fake - HEADER_BYTES, saved, HEADER_BYTES);
    ex_touch(ex, p);
    return rc ? -1 : ex_check_block(ex, b, slot, b->req, "after a forged header");
}

/* A freed header written at the pool's first never-carved block boundary:
 * the pointer after it lies past every block the pool has carved, and its
 * free is refused as no block (not taken for a double free). */
static int corrupt_forged_uncarved(exec *ex, const uint8_t *p, const pool_place *at) {
    size_t next = at->pool.nextoffset;
    if (next + at->cls.block_size > ex->cfg.pool_size)
        return 0; /* the pool is carved to its end */
    uint8_t *raw = (uint8_t *)(at->base + next), saved[HEADER_BYTES], forged[HEADER_BYTES];
    uint32_t lead = HEADER_BYTES;
    memcpy(forged, p - HEADER_BYTES, HEADER_BYTES);
    memcpy(forged + HEADER_LEAD_AT, &lead, sizeof lead);
    forged[HEADER_STATE_AT] = STATE_FREED;
    raw_copy(saved, raw, HEADER_BYTES);
    raw_copy(raw, forged, HEADER_BYTES);
    int rc = ex_misuse_expect(ex, raw + HEADER_BYTES, NULL, PA_MISUSE_NOT_A_BLOCK,
                              "corrupt forged_uncarved (a freed header past the pool's carved blocks)");
    raw_copy(raw, saved, HEADER_BYTES);
    return rc;
}

int ex_corrupt(exec *ex, const pa_op *op, const pa_op_effect *e) {
    unsigned kind = pa_corrupt_kind_of(op->arg);
    if (e->slot == SIZE_MAX)
        return 0;
    pa_shadow_block *b = &ex->sh.slots[e->slot];
    uint8_t *p = b->p;
    if (kind == PA_CORRUPT_FREED_BYTE) {
        size_t req = b->req;
        if (ex_remove_slots(ex, e, "corrupt freed_byte"))
            return -1;
        return p ? corrupt_freed_byte(ex, p, req, op->step) : 0;
    }
    if (!p)
        return 0;
    int headers = ex->cfg.debug; /* the header kinds are the debug layer's */
    if (kind == PA_CORRUPT_HEADER_SIZE)
        return headers ? corrupt_header_size(ex, p) : 0;
    if (kind == PA_CORRUPT_FORGED_LIVE)
        return headers ? corrupt_forged_live(ex, b, e->slot) : 0;
    pool_place at; /* the others break the slot's pool */
    if (!b->small || pool_of(ex, p, &at))
        return 0;
    if (kind == PA_CORRUPT_FORGED_UNCARVED)
        return headers ? corrupt_forged_uncarved(ex, p, &at) : 0;
    return corrupt_link(ex, kind, &at);
}

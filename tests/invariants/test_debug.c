/* One test per debug-layer invariant (DEBUG_*): a real debug heap with live
 * and quarantined blocks, small and large, damaged the way a buggy caller
 * would damage it; the checker reports exactly that block, once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"
#include "poolalloc/debug.h"
#include "poolalloc/stats.h"

/* "arena S pool I" for the pool holding raw, and with block, " block
 * +0xOFF" after it. */
static const char *place(const ts_fx *fx, uintptr_t raw, int block) {
    static char buf[96];
    pa_arena_view a;
    assert_int_equal(pa_introspect_arena(fx->h, pa_introspect_owner(fx->h, raw), &a), 0);
    size_t pool_size = pa_heap_config(fx->h)->pool_size;
    int n = snprintf(buf, sizeof buf, "arena %zu pool %zu", a.slot, (size_t)(raw - a.base) / pool_size);
    if (block)
        snprintf(buf + n, sizeof buf - (size_t)n, " block +0x%zx", (size_t)(raw % pool_size));
    return buf;
}

/* The small debug block at data, whose raw block starts lead bytes before. */
static const char *where(const ts_fx *fx, const void *data, size_t lead) {
    return place(fx, (uintptr_t)data - lead, 1);
}

/* The requested size recorded in a block's header (its first word). */
#define SIZE_OF(data) (*(uint64_t *)((char *)(data) - 32))
#define BYTE(data, i) (((unsigned char *)(data))[i])

static void debug_header(void **state) {
    FX;
    /* 10 bytes + 32 of header + 16 forbidden: a 64-byte block, room for 16 */
    char want[256];
    snprintf(want, sizeof want,
             "%s: live debug block (serial 1): its header's requested size cannot fit in its 64-byte block: "
             "expected at most 16, found 17",
             where(fx, fx->blk[0], 32));
    TS_CORRUPT(SIZE_OF(fx->blk[0]), (uint64_t)17, ts_full_one(fx, "DEBUG_HEADER", want));
}

static void debug_guard_before(void **state) {
    FX;
    char want[256];
    snprintf(want, sizeof want,
             "%s: live debug block (serial 1): forbidden byte 2 before the data was written: expected 0xFD, "
             "found 0x00",
             where(fx, fx->blk[0], 32));
    TS_CORRUPT(BYTE(fx->blk[0], -2), (unsigned char)0, ts_full_one(fx, "DEBUG_GUARD_BEFORE", want));
    /* also in the padding an aligned block has before its header */
    snprintf(want, sizeof want,
             "%s: live debug block (serial 3): forbidden byte 40 before the data was written: expected 0xFD, "
             "found 0x41",
             where(fx, fx->blk[2], 64));
    TS_CORRUPT(BYTE(fx->blk[2], -40), (unsigned char)0x41, ts_full_one(fx, "DEBUG_GUARD_BEFORE", want));
}

static void debug_guard_after(void **state) {
    FX;
    TS_CORRUPT(BYTE(fx->blk[1], 5000), (unsigned char)1,
               ts_full_one(fx, "DEBUG_GUARD_AFTER",
                           "heap: live large debug block (serial 2): forbidden byte 1 after the 5000-byte data was "
                           "written: expected 0xFD, found 0x01"));
    char want[256];
    snprintf(want, sizeof want,
             "%s: live debug block (serial 1): forbidden byte 16 after the 10-byte data was written: expected "
             "0xFD, found 0x78",
             where(fx, fx->blk[0], 32));
    TS_CORRUPT(BYTE(fx->blk[0], 10 + 15), (unsigned char)'x', ts_full_one(fx, "DEBUG_GUARD_AFTER", want));
}

static void debug_quarantine_fill(void **state) {
    FX;
    char want[256];
    snprintf(want, sizeof want,
             "%s: quarantined debug block (serial 4): byte 3 of its 20-byte data was written after free: "
             "expected 0xDD, found 0x07",
             where(fx, fx->blk[3], 32));
    TS_CORRUPT(BYTE(fx->blk[3], 3), (unsigned char)7, ts_full_one(fx, "DEBUG_QUARANTINE_FILL", want));
    TS_CORRUPT(BYTE(fx->blk[4], 6999), (unsigned char)0,
               ts_full_one(fx, "DEBUG_QUARANTINE_FILL",
                           "heap: quarantined large debug block (serial 5): byte 6999 of its 7000-byte data was "
                           "written after free: expected 0xDD, found 0x00"));
}

/* The fixture's quarantine: 2 of its 4 ring slots held, from slot 0. */
static void debug_quarantine_ring(void **state) {
    FX;
    assert_int_equal(fx->h->quarantine_len, 2);
    TS_CORRUPT(fx->h->quarantine_head, (size_t)1,
               ts_full_one(fx, "DEBUG_QUARANTINE_RING",
                           "heap: the debug quarantine cycled before it was full (2 of 4 blocks held): expected ring "
                           "slot 0, found ring slot 1"));
}

static void debug_quarantine_ring_length(void **state) {
    FX;
    TS_CORRUPT(fx->h->quarantine_len, (size_t)5,
               ts_full_one(fx, "DEBUG_QUARANTINE_RING",
                           "heap: the debug quarantine holds more blocks than debug_quarantine: expected at most 4, "
                           "found 5"));
}

static void debug_quarantine_ring_head(void **state) {
    FX;
    TS_CORRUPT(fx->h->quarantine_head, (size_t)4,
               ts_full_one(fx, "DEBUG_QUARANTINE_RING",
                           "heap: the debug quarantine's oldest block is outside its ring: expected below 4, found "
                           "4"));
}

static void debug_quarantine_ring_missing(void **state) {
    FX;
    TS_CORRUPT(fx->h->quarantine, NULL,
               ts_full_one(fx, "DEBUG_QUARANTINE_RING",
                           "heap: the debug quarantine has no ring: expected a ring of 4 slots, found none"));
}

static void count_findings(void *ctx, const pa_debug_finding *f) {
    (void)f;
    ++*(size_t *)ctx;
}

/* Several damaged blocks: pools in order, then large blocks by serial, one
 * violation each; the scan finds as many, reporting nothing itself. */
static void debug_several(void **state) {
    FX;
    unsigned char *hit[] = {&BYTE(fx->blk[4], 0), &BYTE(fx->blk[1], 5000), &BYTE(fx->blk[3], 0),
                            &BYTE(fx->blk[0], -1)};
    unsigned char saved[4], zero = 0;
    for (int i = 0; i < 4; i++) {
        ts_peek(hit[i], &saved[i], 1);
        ts_poke(hit[i], &zero, 1);
    }
    static const char *const ids[] = {"DEBUG_GUARD_BEFORE", "DEBUG_QUARANTINE_FILL", "DEBUG_GUARD_AFTER",
                                      "DEBUG_QUARANTINE_FILL", NULL};
    pa_check_heap(fx->h, fx->r);
    ts_expect_ids(fx->r, ids);
    assert_string_equal(pa_check_report_message(fx->r, 3),
                        "heap: quarantined large debug block (serial 5): byte 0 of its 7000-byte data was written "
                        "after free: expected 0xDD, found 0x00");
    size_t found = 0;
    assert_int_equal(pa_heap_debug_scan(fx->h, count_findings, &found), 4);
    assert_int_equal(found, 4);
    for (int i = 0; i < 4; i++)
        ts_poke(hit[i], &saved[i], 1);
}

/* A pool the full check finds broken is not judged: which of its blocks are
 * live is unknown, and its fault is reported once, by the pool check. */
static void debug_skips_broken_pool(void **state) {
    FX;
    pa_pool *pool = pa_pool_of(fx->h, fx->blk[0]);
    char want[256];
    snprintf(want, sizeof want, "%s: count exceeds the blocks a pool holds: expected <= 255, found 300",
             place(fx, (uintptr_t)pool, 0));
    TS_CORRUPT(BYTE(fx->blk[0], -1), (unsigned char)0,
               TS_CORRUPT(pool->count, 300u, ts_full_one(fx, "POOL_COUNT_RANGE", want)));
}

/* The whole-heap scan judges a pool only where its class and nextoffset
 * place aligned debug blocks inside it, and its freelist walks sound: with
 * any of them broken it judges nothing there, so the damaged guard byte
 * before blk[0] goes unseen. A large block whose header confirms no lead
 * is not judged either; a small one whose header names a 64-byte lead it
 * has no room for is still read at 32, where its data and guards are
 * sound (read at 64 they would not be). */
static void debug_scan_skips_broken_layout(void **state) {
    FX;
    pa_pool *pool = pa_pool_of(fx->h, fx->blk[0]);
    pa_pool was; /* the header as it is, read past ASan's poisoning */
    ts_peek(pool, &was, sizeof was);
    pa_size_class *c = &fx->h->classes[was.size_class];
    size_t pool_size = pa_heap_config(fx->h)->pool_size, found = 0;
    pa_stats before, during;
    pa_heap_stats(fx->h, &before);
#define SCANS(n) (found = 0, assert_int_equal(pa_heap_debug_scan(fx->h, count_findings, &found), (n)))
    TS_CORRUPT(BYTE(fx->blk[0], -1), (unsigned char)0, {
        SCANS(1);
        TS_CORRUPT(pool->size_class, (uint32_t)PA_MAX_CLASSES, {
            SCANS(0);
            pa_heap_stats(fx->h, &during); /* the statistics skip the pool too */
            assert_int_equal(during.blocks_in_use, before.blocks_in_use - was.count);
        });
        TS_CORRUPT(c->block_size, c->block_size + 1, SCANS(0));
        TS_CORRUPT(c->first_offset, c->first_offset + 1, SCANS(0));
        TS_CORRUPT(c->first_offset, 0u, SCANS(0));
        /* the class moved one block down, onto the pool header, and the
         * pool counting one live block more: freelist and count agree, so
         * only the header's room rejects the layout (else blk[0]'s damage
         * is seen) */
        assert_true(c->first_offset >= c->block_size);
        TS_CORRUPT(c->first_offset, c->first_offset - c->block_size,
                   TS_CORRUPT(pool->count, was.count + 1, SCANS(0)));
        TS_CORRUPT(pool->nextoffset, c->first_offset - 16, SCANS(0));
        TS_CORRUPT(pool->nextoffset, (uint32_t)pool_size + c->block_size, SCANS(0));
        TS_CORRUPT(pool->nextoffset, was.nextoffset + 16, SCANS(0));
        TS_CORRUPT(pool->freeblock, (pa_block *)((uintptr_t)pool + 8), SCANS(0));
    });
    TS_CORRUPT(((uint32_t *)fx->blk[1])[-4], 0u, SCANS(0)); /* the large block's lead */
    TS_CORRUPT(((uint32_t *)fx->blk[0])[-4], 64u, SCANS(0)); /* the small block's */
#undef SCANS
}

/* Random workloads on debug heaps of every test configuration, with the
 * quarantine cycling: no violation, no finding. */
static void debug_healthy(void **state) {
    (void)state;
    uint64_t rng = 99;
    for (int config = 0; config < TS_NCONFIGS; config++) {
        pa_config cfg = ts_config(config);
        cfg.debug = 1;
        cfg.debug_quarantine = 8;
        pa_heap *h = pa_heap_create(&cfg);
        assert_non_null(h);
        pa_check_report *r = pa_check_report_new();
        ts_live l = {0};
        const void *touched[2];
        for (int i = 1; i <= 1500; i++) {
            ts_step(h, &l, &rng, touched);
            if (i % 250)
                continue;
            pa_check_heap(h, r);
            ts_expect_clean(r, ts_config_name(config));
            assert_int_equal(pa_heap_debug_verify(h), 0);
        }
        assert_true(pa_introspect_quarantine_length(h) > 0);
        ts_live_free(&l);
        pa_check_report_free(r);
        pa_heap_destroy(h);
    }
}

#define D(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_debug, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        D(debug_header),
        D(debug_guard_before),
        D(debug_guard_after),
        D(debug_quarantine_fill),
        D(debug_quarantine_ring),
        D(debug_quarantine_ring_length),
        D(debug_quarantine_ring_head),
        D(debug_quarantine_ring_missing),
        D(debug_several),
        D(debug_skips_broken_pool),
        D(debug_scan_skips_broken_layout),
        cmocka_unit_test(debug_healthy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

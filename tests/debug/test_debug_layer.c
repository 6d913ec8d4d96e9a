/* The debug layer's detectors, each shown firing on a real heap with its
 * exact report, and staying silent on correct use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "poolalloc/poolalloc.h"

typedef struct reports {
    int count;
    pa_misuse_kind kind;
    char message[512];
    char dump[1024];
} reports;

static void record(void *ctx, const pa_misuse *r) {
    reports *seen = ctx;
    seen->count++;
    seen->kind = r->kind;
    snprintf(seen->message, sizeof seen->message, "%s", r->message);
    snprintf(seen->dump, sizeof seen->dump, "%s", r->dump);
}

typedef struct fixture {
    pa_heap *heap;
    reports seen;
} fixture;

static int setup(void **state) {
    static fixture f;
    memset(&f, 0, sizeof f);
    pa_config cfg = pa_config_default();
    cfg.debug = 1;
    cfg.debug_quarantine = 4;
    cfg.on_misuse = record;
    cfg.misuse_ctx = &f.seen;
    f.heap = pa_heap_create(&cfg);
    assert_non_null(f.heap);
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    pa_heap_destroy(f->heap);
    return 0;
}

static void expect_message(const reports *seen, pa_misuse_kind kind, const char *message) {
    assert_int_equal(seen->count, 1);
    assert_int_equal(seen->kind, kind);
    assert_string_equal(seen->message, message);
}

static void fills_and_sizes(void **state) {
    fixture *f = *state;
    unsigned char *p = pa_heap_malloc(f->heap, 24);
    for (int i = 0; i < 24; i++)
        assert_int_equal(p[i], 0xCD);
    assert_int_equal(pa_heap_usable_size(f->heap, p), 24);
    unsigned char *z = pa_heap_calloc(f->heap, 3, 7);
    for (int i = 0; i < 21; i++)
        assert_int_equal(z[i], 0);
    unsigned char *a = pa_heap_memalign(f->heap, 256, 100);
    assert_int_equal((uintptr_t)a % 256, 0);
    pa_heap_free(f->heap, p);
    pa_heap_free(f->heap, z);
    pa_heap_free(f->heap, a);
    assert_int_equal(pa_heap_debug_verify(f->heap), 0);
    assert_int_equal(f->seen.count, 0);
}

static void double_free(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 24);
    pa_heap_free(f->heap, p);
    pa_heap_free(f->heap, p);
    char want[256];
    snprintf(want, sizeof want, "free(): block %p (serial 1) was already freed", (void *)p);
    expect_message(&f->seen, PA_MISUSE_DOUBLE_FREE, want);
}

static void write_after_the_data(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 10);
    p[10] = 'x';
    pa_heap_free(f->heap, p);
    char want[256];
    snprintf(want, sizeof want,
             "free(): block %p (serial 1): forbidden byte 1 after the 10-byte data was written (0x78)", (void *)p);
    expect_message(&f->seen, PA_MISUSE_GUARD_AFTER, want);
    assert_non_null(strstr(f->seen.dump, "forbidden bytes after the data:  78 FD FD"));
    assert_non_null(strstr(f->seen.dump, "10 bytes requested through API 'm', serial 1, live"));
}

static void write_before_the_data(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 10);
    p[-2] = 0;
    pa_heap_free(f->heap, p);
    char want[256];
    snprintf(want, sizeof want, "free(): block %p (serial 1): forbidden byte 2 before the data was written (0x00)",
             (void *)p);
    expect_message(&f->seen, PA_MISUSE_GUARD_BEFORE, want);
}

static void interior_pointer(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 100);
    pa_heap_free(f->heap, p + 40);
    char want[256];
    snprintf(want, sizeof want, "free(): pointer %p is inside heap %p but is not a block it handed out",
             (void *)(p + 40), (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_NOT_A_BLOCK, want);
}

/* The 32 bytes before an interior pointer are the caller's data, which may
 * hold anything, even a copy of a live block's header: still no block,
 * since only a header at a block start counts. */
static void interior_pointer_after_a_copied_header(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 200);
    memcpy(p + 64 - 32, p - 32, 32);
    pa_heap_free(f->heap, p + 64);
    char want[256];
    snprintf(want, sizeof want, "free(): pointer %p is inside heap %p but is not a block it handed out",
             (void *)(p + 64), (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_NOT_A_BLOCK, want);
}

static void foreign_pointer(void **state) {
    fixture *f = *state;
    int local;
    pa_heap_free(f->heap, &local);
    char want[256];
    snprintf(want, sizeof want, "free(): pointer %p was not allocated by heap %p", (void *)&local,
             (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_FOREIGN_POINTER, want);
}

static void wrong_heap(void **state) {
    fixture *f = *state;
    pa_config cfg = pa_config_default();
    cfg.debug = 1;
    pa_heap *other = pa_heap_create(&cfg);
    char *p = pa_heap_malloc(other, 16);
    pa_heap_free(f->heap, p);
    char want[256];
    snprintf(want, sizeof want, "free(): pointer %p was not allocated by heap %p", (void *)p, (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_FOREIGN_POINTER, want);
    pa_heap_free(other, p);
    assert_int_equal(pa_heap_destroy(other), 0);
}

static void wrong_api(void **state) {
    fixture *f = *state;
    pa_object_cache *cache = pa_object_cache_create(f->heap, "points", 32, 0);
    void *object = pa_object_cache_alloc(cache);
    pa_heap_free(f->heap, object);
    char want[256];
    snprintf(want, sizeof want, "free(): block %p (serial 2) was allocated through API 'o' and freed through API 'm'",
             object);
    expect_message(&f->seen, PA_MISUSE_API_MISMATCH, want);
    pa_object_cache_free(cache, object);
    pa_object_cache_destroy(cache);
}

/* Wild pointers the debug layer must not read a header for: near NULL, and
 * into a large block's lead, where the bytes before it are the lead's
 * forbidden padding, not a header. */
static void wild_pointers_outside_the_arenas(void **state) {
    fixture *f = *state;
    char *large = pa_heap_memalign(f->heap, 64, 5000); /* a 64-byte lead */
    static const uintptr_t near_null[] = {16, 48};
    char want[256];
    for (size_t i = 0; i < 2; i++) {
        memset(&f->seen, 0, sizeof f->seen);
        pa_heap_free(f->heap, (void *)near_null[i]);
        snprintf(want, sizeof want, "free(): pointer %p was not allocated by heap %p", (void *)near_null[i],
                 (void *)f->heap);
        expect_message(&f->seen, PA_MISUSE_FOREIGN_POINTER, want);
    }
    memset(&f->seen, 0, sizeof f->seen);
    pa_heap_free(f->heap, large - 32);
    snprintf(want, sizeof want, "free(): pointer %p was not allocated by heap %p", (void *)(large - 32),
             (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_FOREIGN_POINTER, want);
    pa_heap_free(f->heap, large);
    assert_int_equal(f->seen.count, 1);
}

/* A pointer into a pool of the heap's arena that was never carved: its
 * header is not read, the pointer is not live. */
static void pointer_into_an_uncarved_pool(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 16);
    const pa_config *c = pa_heap_config(f->heap);
    uintptr_t arena = (uintptr_t)p & ~(uintptr_t)(c->arena_size - 1);
    char *q = (char *)(arena + c->arena_size - c->pool_size + 64); /* the arena's last pool */
    pa_heap_free(f->heap, q);
    char want[256];
    snprintf(want, sizeof want,
             "free(): pointer %p lies in a pool of heap %p that holds no live block (double free or wild pointer)",
             (void *)q, (void *)f->heap);
    expect_message(&f->seen, PA_MISUSE_NOT_LIVE, want);
    pa_heap_free(f->heap, p);
}

/* A freed block in the quarantine: not the heap's to hand out (owns says
 * no), and asking its size is reported as a use after its free. */
static void freed_block_is_not_owned(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 24);
    assert_true(pa_heap_owns(f->heap, p));
    pa_heap_free(f->heap, p);
    assert_false(pa_heap_owns(f->heap, p));
    assert_int_equal(pa_heap_usable_size(f->heap, p), 0);
    char want[256];
    snprintf(want, sizeof want, "usable_size(): block %p (serial 1) was already freed", (void *)p);
    expect_message(&f->seen, PA_MISUSE_DOUBLE_FREE, want);
}

/* A debug heap that frees at once (no quarantine) and keeps its free pools
 * committed, reporting to the fixture. */
static pa_heap *heap_without_quarantine_spares(fixture *f, int spares) {
    pa_config cfg = pa_config_default();
    cfg.keep_spare_pools = spares;
    cfg.debug = 1;
    cfg.debug_quarantine = 0;
    cfg.decommit = PA_DECOMMIT_NEVER;
    cfg.on_misuse = record;
    cfg.misuse_ctx = &f->seen;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    return h;
}

static pa_heap *heap_without_quarantine(fixture *f) { return heap_without_quarantine_spares(f, 1); }

/* Without a quarantine a freed block goes straight back: freed again once
 * its pool holds no live block, it is still known as freed. */
static void double_free_without_quarantine(void **state) {
    fixture *f = *state;
    pa_heap *h = heap_without_quarantine(f);
    char *p = pa_heap_malloc(h, 100);
    pa_heap_free(h, p);
    assert_int_equal(f->seen.count, 0);
    pa_heap_free(h, p);
    char want[256];
    snprintf(want, sizeof want, "free(): block %p (serial 1) was already freed", (void *)p);
    expect_message(&f->seen, PA_MISUSE_DOUBLE_FREE, want);
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* A pool emptied and carved again for a bigger class keeps the old blocks'
 * headers past its new nextoffset: a stale pointer there reads a header
 * that looks right, and is still no block the heap handed out. (No spare:
 * the emptied pool goes back to its arena for the bigger class to take.) */
static void stale_header_past_nextoffset(void **state) {
    fixture *f = *state;
    pa_heap *h = heap_without_quarantine_spares(f, 0);
    enum { SMALL = 40 };
    char *a[SMALL];
    for (int i = 0; i < SMALL; i++)
        a[i] = pa_heap_malloc(h, 16);
    for (int i = 0; i < SMALL; i++)
        pa_heap_free(h, a[i]);
    char *b = pa_heap_malloc(h, 1000);
    uintptr_t pool_mask = ~(uintptr_t)(pa_heap_config(h)->pool_size - 1);
    assert_int_equal((uintptr_t)b & pool_mask, (uintptr_t)a[0] & pool_mask); /* the same pool, reused */
    char *stale = a[SMALL - 1];
    assert_true(stale > b + 1000);
    pa_heap_free(h, stale);
    char want[256];
    snprintf(want, sizeof want, "free(): pointer %p is inside heap %p but is not a block it handed out",
             (void *)stale, (void *)h);
    expect_message(&f->seen, PA_MISUSE_NOT_A_BLOCK, want);
    pa_heap_free(h, b);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void write_after_free_caught_by_quarantine(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 20);
    pa_heap_free(f->heap, p);
    p[3] = 7;
    for (int i = 0; i < 3; i++)
        pa_heap_free(f->heap, pa_heap_malloc(f->heap, 8));
    assert_int_equal(f->seen.count, 0); /* still in the quarantine */
    pa_heap_free(f->heap, pa_heap_malloc(f->heap, 8));
    char want[256];
    snprintf(want, sizeof want,
             "quarantine: block %p (serial 1) was written after free: byte 3 is 0x07, not 0xDD", (void *)p);
    expect_message(&f->seen, PA_MISUSE_WRITE_AFTER_FREE, want);
    assert_non_null(strstr(f->seen.dump, "data: first 8 bytes DD DD DD 07 DD"));
}

/* Past the first 64 bytes the freed fill is judged by comparing the block
 * with itself 64 bytes on: a write there, and in the last byte, is found at
 * its own offset. */
static void write_after_free_deep_in_a_block(void **state) {
    static const size_t at[] = {64, 200, 299};
    for (size_t k = 0; k < sizeof at / sizeof *at; k++) {
        fixture *f = *state;
        memset(&f->seen, 0, sizeof f->seen);
        unsigned char *p = pa_heap_malloc(f->heap, 300);
        pa_heap_free(f->heap, p);
        p[at[k]] = 7;
        for (int i = 0; i < 4; i++)
            pa_heap_free(f->heap, pa_heap_malloc(f->heap, 8));
        char want[256];
        snprintf(want, sizeof want,
                 "quarantine: block %p (serial %zu) was written after free: byte %zu is 0x07, not 0xDD", (void *)p,
                 1 + 5 * k, at[k]);
        expect_message(&f->seen, PA_MISUSE_WRITE_AFTER_FREE, want);
    }
}

static void verify_finds_damage_at_any_time(void **state) {
    fixture *f = *state;
    char *small = pa_heap_malloc(f->heap, 40);
    char *large = pa_heap_malloc(f->heap, 5000); /* above the 4096 threshold */
    assert_int_equal(pa_heap_debug_verify(f->heap), 0);
    large[5000] = 1;
    assert_int_equal(pa_heap_debug_verify(f->heap), 1);
    char want[256];
    snprintf(want, sizeof want,
             "verify(): block %p (serial 2): forbidden byte 1 after the 5000-byte data was written (0x01)",
             (void *)large);
    expect_message(&f->seen, PA_MISUSE_GUARD_AFTER, want);
    small[-1] = 1;
    assert_int_equal(pa_heap_debug_verify(f->heap), 2);
    assert_int_equal(f->seen.count, 3);
}

static void realloc_moves_and_keeps_data(void **state) {
    fixture *f = *state;
    char *p = pa_heap_malloc(f->heap, 8);
    memcpy(p, "abcdefgh", 8);
    char *q = pa_heap_realloc(f->heap, p, 5000); /* small to large */
    assert_ptr_not_equal(p, q);
    assert_memory_equal(q, "abcdefgh", 8);
    assert_int_equal((unsigned char)q[8], 0xCD);
    char *r = pa_heap_realloc(f->heap, q, 4);
    assert_memory_equal(r, "abcd", 4);
    assert_int_equal(pa_heap_usable_size(f->heap, r), 4);
    pa_heap_realloc(f->heap, q, 10); /* q is gone */
    assert_int_equal(f->seen.kind, PA_MISUSE_DOUBLE_FREE);
    pa_heap_free(f->heap, r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fills_and_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(double_free, setup, teardown),
        cmocka_unit_test_setup_teardown(write_after_the_data, setup, teardown),
        cmocka_unit_test_setup_teardown(write_before_the_data, setup, teardown),
        cmocka_unit_test_setup_teardown(interior_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(interior_pointer_after_a_copied_header, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_heap, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_api, setup, teardown),
        cmocka_unit_test_setup_teardown(wild_pointers_outside_the_arenas, setup, teardown),
        cmocka_unit_test_setup_teardown(pointer_into_an_uncarved_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(freed_block_is_not_owned, setup, teardown),
        cmocka_unit_test_setup_teardown(double_free_without_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_header_past_nextoffset, setup, teardown),
        cmocka_unit_test_setup_teardown(write_after_free_caught_by_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(write_after_free_deep_in_a_block, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_finds_damage_at_any_time, setup, teardown),
        cmocka_unit_test_setup_teardown(realloc_moves_and_keeps_data, setup, teardown),
    };
    return cmocka_run_group_tests_name("debug layer", tests, NULL, NULL);
}

/* A heap past its first arena has the never-carved pools ahead faulted in,
 * 128 KiB at a time, with one OS request each; its first arena stays
 * faulted lazily, page by page, as pools are carved. Residency is read
 * back from the kernel (mincore), so the tests see pages, not counters. */
#define _DEFAULT_SOURCE /* mincore */
#include <stdlib.h>
#include <sys/mman.h>

#include "pa_test.h"

#define BLOCK 512
#define POOL (16 * 1024)
#define AHEAD (128 * 1024)
#define MOST_BLOCKS 4096

static size_t resident_pages(uintptr_t start, size_t bytes) {
    static unsigned char vec[AHEAD / 4096];
    size_t pages = bytes / pa_os_page_size();
    assert_true(pages <= sizeof vec);
    assert_int_equal(mincore((void *)start, bytes, vec), 0);
    size_t n = 0;
    for (size_t i = 0; i < pages; i++)
        n += vec[i] & 1;
    return n;
}

static uintptr_t arena_of(const pa_heap *h, const void *p) {
    return (uintptr_t)p & ~(uintptr_t)(pa_heap_config(h)->arena_size - 1);
}

typedef struct fixture {
    pa_test_os os;
    pa_heap *h;
    void *blocks[MOST_BLOCKS];
    size_t n;
} fixture;

/* MADV_POPULATE_WRITE came with Linux 5.14; before it the hint does
 * nothing, and residency cannot show it. */
static void require_populate(void) {
    size_t page = pa_os_page_size();
    void *probe = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(probe != MAP_FAILED);
    int supported = madvise(probe, page, 23 /* MADV_POPULATE_WRITE */) == 0;
    munmap(probe, page);
    if (!supported)
        skip();
}

static fixture *setup_with(pa_os_ops *inner, const pa_config *base) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pa_test_os_init(&f->os, inner);
    pa_config c = pa_test_config(&f->os, base);
    f->h = pa_test_heap_create(&c);
    return f;
}

static fixture *setup(pa_os_ops *inner) { return setup_with(inner, NULL); }

static void *more(fixture *f) {
    assert_true(f->n < MOST_BLOCKS);
    void *p = f->blocks[f->n++] = pa_heap_malloc(f->h, BLOCK);
    assert_non_null(p);
    return p;
}

/* Allocate until a block lands in a second arena; returns that block. */
static void *into_second_arena(fixture *f) {
    uintptr_t first = arena_of(f->h, more(f));
    for (;;) {
        void *p = more(f);
        if (arena_of(f->h, p) != first)
            return p;
    }
}

static void teardown(fixture *f) {
    for (size_t i = 0; i < f->n; i++)
        pa_heap_free(f->h, f->blocks[i]);
    pa_test_destroy_clean(f->h, &f->os.counter);
    free(f);
}

static void test_first_arena_stays_lazy(void **state) {
    (void)state;
    fixture *f = setup(NULL);
    uintptr_t arena = arena_of(f->h, more(f));
    assert_int_equal(f->os.counter.prefaults, 0);
    /* pool 0 is written; pools 1..7 were never touched */
    assert_true(resident_pages(arena, POOL) > 0);
    assert_int_equal(resident_pages(arena + POOL, AHEAD - POOL), 0);
    teardown(f);
}

static void test_second_arena_prefaulted(void **state) {
    (void)state;
    require_populate();
    fixture *f = setup(NULL);
    uintptr_t second = arena_of(f->h, into_second_arena(f));
    assert_int_equal(f->os.counter.prefaults, 1);
    assert_int_equal(f->os.counter.bytes_prefaulted, AHEAD);
    size_t pages = AHEAD / pa_os_page_size();
    assert_int_equal(resident_pages(second, AHEAD), pages);
    assert_int_equal(resident_pages(second + AHEAD, AHEAD), 0);
    /* The next request comes with pool 8, the first past the 128 KiB. */
    size_t per_pool = pa_test_class_capacity(f->h, pa_test_class_of(f->h, BLOCK));
    for (size_t i = 1; i < 8 * per_pool; i++)
        more(f);
    assert_int_equal(f->os.counter.prefaults, 1);
    more(f);
    assert_int_equal(f->os.counter.prefaults, 2);
    assert_int_equal(resident_pages(second + AHEAD, AHEAD), pages);
    teardown(f);
}

/* An OS layer without the hint is used as it is: pages fault one by one. */
static void test_layer_without_prefault(void **state) {
    (void)state;
    pa_os_ops plain = pa_os_mmap();
    plain.prefault = NULL;
    fixture *f = setup(&plain);
    uintptr_t second = arena_of(f->h, into_second_arena(f));
    assert_int_equal(f->os.counter.prefaults, 1); /* the counting layer saw the hint */
    assert_int_equal(resident_pages(second + POOL, AHEAD - POOL), 0);
    teardown(f);
}

/* A heap whose own OS layer has no hint never asks for one: pages fault
 * one by one in its second arena too. */
static void test_heap_layer_without_prefault(void **state) {
    (void)state;
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pa_config c = pa_config_default();
    c.os = pa_os_mmap();
    c.os.prefault = NULL;
    f->h = pa_test_heap_create(&c);
    uintptr_t second = arena_of(f->h, into_second_arena(f));
    assert_int_equal(resident_pages(second + POOL, AHEAD - POOL), 0);
    for (size_t i = 0; i < f->n; i++)
        pa_heap_free(f->h, f->blocks[i]);
    assert_int_equal(pa_heap_destroy(f->h), 0);
    free(f);
}

/* Pools bigger than the 128 KiB span stay lazily carved: prefaulting them
 * would make every pool of a class resident for its first block. */
static void test_big_pools_stay_lazy(void **state) {
    (void)state;
    pa_config base = pa_config_default();
    base.pool_size = 256 * 1024;
    base.arena_size = 4 * base.pool_size;
    fixture *f = setup_with(NULL, &base);
    uintptr_t second = arena_of(f->h, into_second_arena(f));
    assert_int_equal(f->os.counter.prefaults, 0);
    assert_int_equal(resident_pages(second + AHEAD, AHEAD), 0);
    teardown(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_arena_stays_lazy),
        cmocka_unit_test(test_second_arena_prefaulted),
        cmocka_unit_test(test_layer_without_prefault),
        cmocka_unit_test(test_heap_layer_without_prefault),
        cmocka_unit_test(test_big_pools_stay_lazy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

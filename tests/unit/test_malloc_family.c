/* malloc, calloc, free and usable_size with the C library's contracts:
 * alignment, usable size, unique pointers for size 0, zeroed calloc memory
 * (also when a block is reused), calloc overflow, free(NULL). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

typedef struct fixture {
    pa_test_os os;
    pa_test_large large;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, int with_zeroed) {
    pa_test_os_init(&f->os, NULL);
    pa_config c = pa_test_config(&f->os, NULL);
    c.large = pa_test_large_ops(&f->large, 1, with_zeroed);
    f->h = pa_test_heap_create(&c);
}

static void close_fixture(fixture *f) {
    assert_int_equal(pa_heap_destroy(f->h), 0);
    assert_int_equal(f->os.counter.bytes_mapped, 0);
    assert_int_equal(f->large.live_blocks, 0);
    assert_int_equal(f->large.size_mismatches, 0);
}

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

static void test_malloc_sizes(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1);
    static const size_t sizes[] = {1, 2, 8, 15, 16, 17, 100, 255, 256, 511, 512,
                                   513, 1000, 4096, 65536, 1 << 20, (1 << 20) + 3};
    enum { N = sizeof sizes / sizeof sizes[0] };
    void *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = pa_heap_malloc(f.h, sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        size_t usable = pa_heap_usable_size(f.h, p[i]);
        assert_true(usable >= sizes[i]);
        memset(p[i], (int)i + 1, usable); /* the whole usable size is ours */
        assert_true(pa_heap_owns(f.h, p[i]));
    }
    for (size_t i = 0; i < N; i++) {
        size_t usable = pa_heap_usable_size(f.h, p[i]);
        for (size_t k = 0; k < usable; k += 7)
            assert_int_equal(((unsigned char *)p[i])[k], i + 1);
        assert_int_equal(((unsigned char *)p[i])[usable - 1], i + 1);
    }
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 14);
    assert_int_equal(s.large_blocks, 3);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(f.h, p[i]);
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, 0);
    close_fixture(&f);
}

static void test_malloc_zero_unique(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1);
    enum { N = 2000 };
    void **p = malloc(N * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < N; i++) {
        p[i] = pa_heap_malloc(f.h, 0);
        assert_non_null(p[i]);
        assert_true(pa_heap_owns(f.h, p[i]));
    }
    qsort(p, N, sizeof *p, cmp_ptr);
    for (size_t i = 1; i < N; i++)
        assert_ptr_not_equal(p[i - 1], p[i]);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, N);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(f.h, p[i]);
    free(p);
    close_fixture(&f);
}

static int all_zero(const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            return 0;
    return 1;
}

static void check_calloc_zeroes(int with_zeroed) {
    fixture f;
    open_fixture(&f, with_zeroed);
    static const size_t sizes[] = {1, 16, 100, 512, 513, 3000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        /* dirty a block of the same size and free it, so calloc may reuse it */
        void *dirty = pa_heap_malloc(f.h, n);
        memset(dirty, 0xEE, pa_heap_usable_size(f.h, dirty));
        pa_heap_free(f.h, dirty);
        void *z = pa_heap_calloc(f.h, 1, n);
        assert_non_null(z);
        assert_true(all_zero(z, n));
        void *z2 = pa_heap_calloc(f.h, n, 1);
        assert_true(all_zero(z2, n));
        pa_heap_free(f.h, z);
        pa_heap_free(f.h, z2);
    }
    /* count x size products */
    unsigned char *a = pa_heap_calloc(f.h, 3, 100);
    assert_non_null(a);
    assert_true(all_zero(a, 300));
    assert_true(pa_heap_usable_size(f.h, a) >= 300);
    unsigned char *b = pa_heap_calloc(f.h, 1000, 8);
    assert_true(all_zero(b, 8000));
    pa_heap_free(f.h, a);
    pa_heap_free(f.h, b);
    if (with_zeroed)
        assert_true(f.large.zeroed_allocs > 0);
    close_fixture(&f);
}

static void test_calloc_zeroed(void **state) {
    (void)state;
    check_calloc_zeroes(1);
    check_calloc_zeroes(0); /* the heap clears what the large layer gives */
}

static void test_calloc_overflow(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1);
    static const size_t pairs[][2] = {
        {SIZE_MAX / 2 + 1, 2},
        {2, SIZE_MAX / 2 + 1},
        {(size_t)1 << 32, (size_t)1 << 32},
        {SIZE_MAX, SIZE_MAX},
        {SIZE_MAX / 16 + 1, 16},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        errno = 0;
        assert_null(pa_heap_calloc(f.h, pairs[i][0], pairs[i][1]));
        assert_int_equal(errno, ENOMEM);
    }
    assert_int_equal(f.large.allocs, 0); /* refused before asking anyone */
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, 0);

    void *z1 = pa_heap_calloc(f.h, 0, 5);
    void *z2 = pa_heap_calloc(f.h, 5, 0);
    void *z3 = pa_heap_calloc(f.h, 0, SIZE_MAX);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_non_null(z3);
    assert_true(z1 != z2 && z2 != z3 && z1 != z3);
    pa_heap_free(f.h, z1);
    pa_heap_free(f.h, z2);
    pa_heap_free(f.h, z3);
    close_fixture(&f);
}

static void test_huge_malloc_fails_cleanly(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1);
    f.large.fail_alloc = 1;
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2, 4097};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        errno = 0;
        assert_null(pa_heap_malloc(f.h, sizes[i]));
        assert_int_equal(errno, ENOMEM);
    }
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.large_blocks, 0);
    f.large.fail_alloc = 0;
    void *p = pa_heap_malloc(f.h, 513);
    assert_non_null(p);
    pa_heap_free(f.h, p);
    close_fixture(&f);

    /* and with the system's large path, an impossible size is refused */
    pa_heap *h = pa_test_heap_create(NULL);
    errno = 0;
    assert_null(pa_heap_malloc(h, SIZE_MAX - 64));
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_free_null_and_usable_size(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 1);
    void *keep = pa_heap_malloc(f.h, 10);
    pa_stats before, after;
    pa_test_stats_checked(f.h, &f.os.counter, &before);
    pa_heap_free(f.h, NULL);
    pa_test_stats_checked(f.h, &f.os.counter, &after);
    assert_memory_equal(&before, &after, sizeof after);
    assert_int_equal(pa_heap_usable_size(f.h, NULL), 0);
    assert_in_range(pa_heap_usable_size(f.h, keep), 10, 16);
    for (size_t n = 1; n <= 2048; n += 13) {
        void *p = pa_heap_malloc(f.h, n);
        size_t u = pa_heap_usable_size(f.h, p);
        assert_true(u >= n);
        if (n <= 512)
            assert_true(u < n + 16); /* the class size, no more */
        pa_heap_free(f.h, p);
    }
    pa_heap_free(f.h, keep);
    close_fixture(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malloc_sizes),
        cmocka_unit_test(test_malloc_zero_unique),
        cmocka_unit_test(test_calloc_zeroed),
        cmocka_unit_test(test_calloc_overflow),
        cmocka_unit_test(test_huge_malloc_fails_cleanly),
        cmocka_unit_test(test_free_null_and_usable_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

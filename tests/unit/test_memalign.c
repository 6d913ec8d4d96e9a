/* memalign on a heap: EINVAL for an alignment that is not a power of two;
 * otherwise a block aligned as asked, for small and large alignments and
 * any size, usable for at least the size, owned and freeable. */
#include <errno.h>
#include <string.h>

#include "pa_test.h"

static void check_alignments(const pa_config *base) {
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config c = pa_test_config(&os, base);
    pa_heap *h = pa_test_heap_create(&c);
    static const size_t sizes[] = {0, 1, 7, 16, 24, 100, 200, 500, 512, 513, 5000, 70000};
    enum { NS = sizeof sizes / sizeof sizes[0] };
    void *keep[20 * NS];
    size_t nkeep = 0;
    for (size_t a = 1; a <= ((size_t)1 << 20); a <<= 1) {
        for (size_t i = 0; i < NS; i++) {
            void *p = pa_heap_memalign(h, a, sizes[i]);
            if (!p)
                fail_msg("memalign(%zu, %zu) failed", a, sizes[i]);
            if ((uintptr_t)p % a)
                fail_msg("memalign(%zu, %zu) gave %p", a, sizes[i], p);
            assert_int_equal((uintptr_t)p % c.alignment, 0);
            size_t usable = pa_heap_usable_size(h, p);
            assert_true(usable >= sizes[i]);
            assert_true(pa_heap_owns(h, p));
            memset(p, 0x3C, usable);
            if (i % 2) {
                keep[nkeep++] = p; /* some stay live while others are made */
            } else {
                pa_heap_free(h, p);
            }
        }
    }
    for (size_t i = 0; i < nkeep; i++)
        pa_heap_free(h, keep[i]);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, 0);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

static void test_alignments_default(void **state) {
    (void)state;
    check_alignments(NULL);
}

static void test_alignments_8(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.alignment = 8;
    check_alignments(&c);
}

/* Many aligned small blocks at once: the alignment must hold for every
 * block of a pool, not only the first. */
static void test_many_small_aligned(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    enum { N = 3000 };
    static void *p[N];
    static const size_t aligns[] = {32, 64};
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < N; i++) {
            size_t size = 1 + i % 300;
            p[i] = pa_heap_memalign(h, aligns[k], size);
            assert_non_null(p[i]);
            if ((uintptr_t)p[i] % aligns[k])
                fail_msg("block %zu (size %zu) at %p is not %zu-aligned", i, size, p[i], aligns[k]);
            assert_true(pa_heap_usable_size(h, p[i]) >= size);
        }
        for (size_t i = 0; i < N; i++)
            pa_heap_free(h, p[i]);
    }
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_bad_alignment(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    static const size_t bad[] = {0, 3, 6, 24, 48, 100, 4097, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        assert_null(pa_heap_memalign(h, bad[i], 16));
        assert_int_equal(errno, EINVAL);
    }
    pa_stats s;
    pa_test_stats_checked(h, NULL, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, 0);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void test_impossible_alignment_or_size(void **state) {
    (void)state;
    pa_test_large large;
    pa_config c = pa_config_default();
    c.large = pa_test_large_ops(&large, 1, 1);
    pa_heap *h = pa_test_heap_create(&c);
    large.fail_alloc = 1;
    errno = 0;
    assert_null(pa_heap_memalign(h, (size_t)1 << 62, 1));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(pa_heap_memalign(h, 64, SIZE_MAX - 8));
    assert_int_equal(errno, ENOMEM);
    large.fail_alloc = 0;
    /* a large alignment reaches the large layer as asked */
    void *p = pa_heap_memalign(h, 8192, 100);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 8192, 0);
    assert_int_equal(large.last_alignment % 8192, 0);
    pa_heap_free(h, p);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(large.live_blocks, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignments_default),
        cmocka_unit_test(test_alignments_8),
        cmocka_unit_test(test_many_small_aligned),
        cmocka_unit_test(test_bad_alignment),
        cmocka_unit_test(test_impossible_alignment_or_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

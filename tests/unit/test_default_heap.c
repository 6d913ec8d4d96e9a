/* The calling thread's default heap and its malloc-compatible API: pa_malloc,
 * pa_calloc, pa_realloc, pa_free, pa_usable_size, pa_aligned_alloc (C17) and
 * pa_posix_memalign (POSIX: returns the error, leaves errno alone). */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "pa_test.h"

static size_t live(void) {
    pa_stats s;
    pa_test_stats_checked(pa_default_heap(), NULL, &s);
    return s.blocks_in_use + s.large_blocks;
}

static void test_default_heap_is_one_heap(void **state) {
    (void)state;
    pa_heap *h = pa_default_heap();
    assert_non_null(h);
    assert_ptr_equal(pa_default_heap(), h);
    const pa_config *c = pa_heap_config(h);
    assert_int_equal(c->alignment, 16);
    assert_int_equal(c->small_threshold, 4096);
    assert_int_equal(c->pool_size, 16 * 1024);
    assert_int_equal(c->arena_size, 1024 * 1024);
}

/* Small blocks come from the calling thread's heap; a large one from the
 * process's shared heap, so the thread's heap does not own it. */
static void test_malloc_free(void **state) {
    (void)state;
    size_t before = live();
    static const size_t sizes[] = {0, 1, 16, 100, 512, 513, 4096, 4097, 100000};
    enum { N = sizeof sizes / sizeof sizes[0], SMALL = 7 };
    void *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = pa_malloc(sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        assert_true(pa_usable_size(p[i]) >= sizes[i]);
        assert_int_equal(pa_heap_owns(pa_default_heap(), p[i]), i < SMALL);
        memset(p[i], 0x5D, sizes[i]);
    }
    assert_int_equal(live(), before + SMALL);
    for (size_t i = 0; i < N; i++)
        pa_free(p[i]);
    pa_free(NULL);
    assert_int_equal(pa_usable_size(NULL), 0);
    assert_int_equal(live(), before);
}

static void test_pa_calloc(void **state) {
    (void)state;
    void *dirty = pa_malloc(64);
    memset(dirty, 0xFF, 64);
    pa_free(dirty);
    unsigned char *z = pa_calloc(4, 16);
    assert_non_null(z);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    pa_free(z);
    errno = 0;
    assert_null(pa_calloc(SIZE_MAX / 8, 16));
    assert_int_equal(errno, ENOMEM);
}

static void test_pa_realloc(void **state) {
    (void)state;
    char *p = pa_realloc(NULL, 10);
    assert_non_null(p);
    memcpy(p, "poolalloc", 10);
    p = pa_realloc(p, 2000);
    assert_non_null(p);
    assert_string_equal(p, "poolalloc");
    p = pa_realloc(p, 20);
    assert_string_equal(p, "poolalloc");
    /* past the small threshold the block moves to the shared heap, and back */
    p = pa_realloc(p, 10000);
    assert_non_null(p);
    assert_string_equal(p, "poolalloc");
    assert_false(pa_heap_owns(pa_default_heap(), p));
    p = pa_realloc(p, 30);
    assert_non_null(p);
    assert_string_equal(p, "poolalloc");
    size_t before = live();
    void *q = pa_realloc(p, 0);
    assert_non_null(q);
    assert_int_equal(live(), before);
    pa_free(q);
}

static void test_aligned_alloc(void **state) {
    (void)state;
    static const size_t aligns[] = {1, 8, 16, 32, 64, 128, 4096, 65536};
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        void *p = pa_aligned_alloc(aligns[i], 3 * aligns[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % aligns[i], 0);
        assert_true(pa_usable_size(p) >= 3 * aligns[i]);
        pa_free(p);
    }
    static const size_t bad[] = {0, 3, 12, 96};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        assert_null(pa_aligned_alloc(bad[i], 64));
        assert_int_equal(errno, EINVAL);
    }
}

static void test_posix_memalign(void **state) {
    (void)state;
    void *out = (void *)&out;
    errno = EDOM;
    assert_int_equal(pa_posix_memalign(&out, 64, 100), 0);
    assert_int_equal(errno, EDOM);
    assert_int_equal((uintptr_t)out % 64, 0);
    assert_true(pa_usable_size(out) >= 100);
    pa_free(out);

    assert_int_equal(pa_posix_memalign(&out, sizeof(void *), 5000), 0);
    assert_int_equal((uintptr_t)out % sizeof(void *), 0);
    pa_free(out);

    /* a power of two that is not a multiple of sizeof(void *), or no power */
    static const size_t bad[] = {0, 1, 2, 4, 24, 48, 100};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *untouched = (void *)&out;
        out = untouched;
        errno = EDOM;
        assert_int_equal(pa_posix_memalign(&out, bad[i], 16), EINVAL);
        assert_int_equal(errno, EDOM);
        assert_ptr_equal(out, untouched);
    }
    errno = EDOM;
    assert_int_equal(pa_posix_memalign(&out, 16, SIZE_MAX - 4096), ENOMEM);
    assert_int_equal(errno, EDOM);
}

/* pa_heap_destroy refuses the default heap, which pa_malloc goes on using:
 * nothing is unmapped and the next calls work. */
static void test_default_heap_not_destroyed(void **state) {
    (void)state;
    pa_heap *h = pa_default_heap();
    void *kept = pa_malloc(48);
    assert_non_null(kept);
    memset(kept, 0x5a, 48);
    size_t before = live();
    errno = 0;
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(errno, EBUSY);
    assert_ptr_equal(pa_default_heap(), h);
    assert_int_equal(live(), before);
    assert_true(pa_heap_owns(h, kept));
    assert_int_equal(((unsigned char *)kept)[47], 0x5a);
    void *p = pa_malloc(48);
    assert_non_null(p);
    pa_free(p);
    pa_free(kept);
    assert_int_equal(live(), before - 1);
}

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define PA_TEST_ASAN 1
#else
#define PA_TEST_ASAN 0
#endif

static void *malloc_100(void *arg) {
    (void)arg;
    return pa_malloc(100);
}

/* The pointer is only looked at, never used: the block is freed here. */
static void *malloc_100_and_free(void *arg) {
    (void)arg;
    void *p = pa_malloc(100);
    pa_free(p);
    return p;
}

/* A small block of another thread's heap: its usable size is its class's,
 * read without that heap's help, and it can be freed here. */
static void test_other_threads_block(void **state) {
    (void)state;
    pthread_t t;
    void *p = NULL;
    assert_int_equal(pthread_create(&t, NULL, malloc_100, NULL), 0);
    assert_int_equal(pthread_join(t, &p), 0);
    assert_non_null(p);
    assert_false(pa_heap_owns(pa_default_heap(), p));
#if PA_TEST_ASAN
    /* under ASan a block's usable size is the bytes asked for: the rest of
     * its class's 112 is poisoned */
    assert_int_equal(pa_usable_size(p), 100);
#else
    assert_int_equal(pa_usable_size(p), 112); /* the 112-byte class */
#endif
    pa_free(p);
    /* the block waits in this thread's batch of remote frees until one of
     * its slow paths (pa_trim's among them) pushes the batch to the exited
     * thread's heap; the next thread adopts that heap and collects the
     * block from its remote-free list (until then Valgrind counts it lost) */
    pa_trim();
    assert_int_equal(pthread_create(&t, NULL, malloc_100_and_free, NULL), 0);
    assert_int_equal(pthread_join(t, &p), 0);
    assert_non_null(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_heap_is_one_heap),
        cmocka_unit_test(test_malloc_free),
        cmocka_unit_test(test_pa_calloc),
        cmocka_unit_test(test_pa_realloc),
        cmocka_unit_test(test_aligned_alloc),
        cmocka_unit_test(test_posix_memalign),
        cmocka_unit_test(test_default_heap_not_destroyed),
        cmocka_unit_test(test_other_threads_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

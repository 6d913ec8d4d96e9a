/* POOLALLOC_DEBUG, read once when the process's first default heap is made
 * (alloc/src/thread_heap.c): empty or "0" leaves the default heaps plain;
 * "1" puts them under the debug layer with a quarantine of 256 blocks, a
 * number above 1 with that many. A debug heap's blocks carry headers the
 * cross-thread free list would overwrite, so then no thread has a heap of
 * its own: the shared heap serves every call, small and large. ctest runs
 * this once per setting: unit_debug_env DEBUG QUARANTINE, what the setting
 * must give. */
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

static unsigned want_debug, want_quarantine;

static void test_setting(void **state) {
    (void)state;
    void *small = pa_malloc(100), *large = pa_malloc(100000);
    assert_non_null(small);
    assert_non_null(large);
    pa_heap *h = pa_default_heap();
    const pa_config *c = pa_heap_config(h);
    assert_int_equal(c->debug, want_debug);
    assert_int_equal(c->debug ? c->debug_quarantine : 0, want_quarantine);
    assert_true(pa_heap_owns(h, small));
    /* one heap for both only when the shared heap serves everything */
    assert_int_equal(pa_heap_owns(h, large), want_debug);
    assert_true(pa_usable_size(small) >= 100);
    unsigned char *z = pa_calloc(3, 10);
    assert_non_null(z);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(z[i], 0);
    void *a = pa_aligned_alloc(64, 10);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 64, 0);
    pa_free(a);
    pa_free(z);
    pa_free(large);
    pa_free(small);
    assert_int_equal(pa_heap_debug_verify(h), 0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: unit_debug_env DEBUG QUARANTINE (what POOLALLOC_DEBUG must give)\n");
        return 2;
    }
    want_debug = (unsigned)strtoul(argv[1], NULL, 10);
    want_quarantine = (unsigned)strtoul(argv[2], NULL, 10);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

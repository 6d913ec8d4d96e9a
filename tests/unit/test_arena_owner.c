/* The process-wide arena map (arena_owner.h): what it records it returns,
 * and its count for the checker finds an owner's arenas wherever they lie:
 * low in the address space, in two parts of one leaf, high up. The map is
 * the process's: this test's process uses no default heap. */
#include <stdint.h>

#include "arena_owner.h"
#include "pa_test.h"

#define MiB ((uintptr_t)1 << 20)

static void test_count_finds_every_arena(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL); /* maps the map's leaves */
    pa_heap *owner = (pa_heap *)(uintptr_t)0x1000, *other = (pa_heap *)(uintptr_t)0x2000;
    pa_arena_owner_init(20);
    /* a leaf spans 4 GiB of 1 MiB arenas in 64 parts of 64 MiB */
    const uintptr_t bases[] = {
        (uintptr_t)1 << 32,                        /* the first word of the root's summary */
        ((uintptr_t)1 << 32) + 64 * MiB,           /* the same leaf, its next part */
        ((uintptr_t)1 << 32) + 4095 * MiB,         /* the same leaf, its last entry */
        (uintptr_t)0x7f0000000000,                 /* where mmap puts memory on x86-64 */
    };
    size_t n = sizeof bases / sizeof *bases;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pa_arena_owner_set(h, bases[i], owner), 0);
        assert_ptr_equal(pa_arena_owner_get((void *)(bases[i] + MiB - 1)), owner);
        assert_int_equal(pa_arena_owner_count(owner), i + 1);
    }
    assert_int_equal(pa_arena_owner_set(h, bases[0] + MiB, other), 0);
    assert_int_equal(pa_arena_owner_count(owner), n);
    assert_int_equal(pa_arena_owner_count(other), 1);
    assert_null(pa_arena_owner_get((void *)(bases[0] + 2 * MiB)));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pa_arena_owner_set(h, bases[i], NULL), 0);
        assert_null(pa_arena_owner_get((void *)bases[i]));
        assert_int_equal(pa_arena_owner_count(owner), n - 1 - i);
    }
    assert_int_equal(pa_arena_owner_set(h, bases[0] + MiB, NULL), 0);
    assert_int_equal(pa_arena_owner_count(other), 0);
    assert_int_equal(pa_arena_owner_set(h, (uintptr_t)1 << 48, owner), -1); /* past the map's 48 bits */
    assert_int_equal(pa_heap_destroy(h), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_finds_every_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

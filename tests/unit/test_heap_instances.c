/* Heap instances: create and destroy, destroy gives back every byte and says
 * how many blocks were live, and two heaps never see each other's blocks: a
 * block freed into the wrong heap is reported, not absorbed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pa_test.h"

typedef struct counted_heap {
    pa_test_os os;
    pa_test_large large;
    pa_test_misuse misuse;
    pa_heap *h;
} counted_heap;

static void open_heap(counted_heap *ch) {
    memset(&ch->misuse, 0, sizeof ch->misuse);
    pa_test_os_init(&ch->os, NULL);
    pa_config c = pa_test_config(&ch->os, NULL);
    c.large = pa_test_large_ops(&ch->large, 1, 1);
    c.on_misuse = pa_test_misuse_record;
    c.misuse_ctx = &ch->misuse;
    ch->h = pa_test_heap_create(&c);
}

static void test_create_destroy_returns_everything(void **state) {
    (void)state;
    for (int round = 0; round < 20; round++) {
        counted_heap ch;
        open_heap(&ch);
        assert_true(ch.os.counter.bytes_mapped > 0); /* the heap itself */
        if (round % 2) {
            void *p[64];
            for (size_t i = 0; i < 64; i++)
                p[i] = pa_heap_malloc(ch.h, i * 97 % 3000 + 1);
            for (size_t i = 0; i < 64; i += 2)
                pa_heap_free(ch.h, p[i]);
            assert_int_equal(pa_heap_destroy(ch.h), 32);
        } else {
            assert_int_equal(pa_heap_destroy(ch.h), 0);
        }
        assert_int_equal(ch.os.counter.bytes_mapped, 0);
        assert_int_equal(ch.os.counter.regions, 0);
        assert_int_equal(ch.os.counter.requests[PA_OS_MAP], ch.os.counter.requests[PA_OS_UNMAP]);
        assert_int_equal(ch.large.live_blocks, 0);
        assert_int_equal(ch.large.size_mismatches, 0);
        assert_int_equal(ch.large.unknown_frees, 0);
        assert_int_equal(ch.misuse.count, 0);
    }
    /* no heap: nothing destroyed, no block counted */
    assert_int_equal(pa_heap_destroy(NULL), 0);
}

static void test_destroy_counts_live_blocks(void **state) {
    (void)state;
    counted_heap ch;
    open_heap(&ch);
    void *small[10], *large[3];
    for (size_t i = 0; i < 10; i++)
        small[i] = pa_heap_malloc(ch.h, 1 + i * 50);
    for (size_t i = 0; i < 3; i++)
        large[i] = pa_heap_malloc(ch.h, 5000 + i * 100000);
    assert_int_equal(ch.large.live_blocks, 3);
    pa_heap_free(ch.h, small[2]);
    pa_heap_free(ch.h, small[7]);
    pa_heap_free(ch.h, large[1]);
    void *z = pa_heap_malloc(ch.h, 0);
    assert_non_null(z);
    /* 8 small + 2 large + the zero-size block */
    assert_int_equal(pa_heap_destroy(ch.h), 11);
    assert_int_equal(ch.large.live_blocks, 0);
    assert_int_equal(ch.large.frees, 3);
    assert_int_equal(ch.large.size_mismatches, 0);
    assert_int_equal(ch.os.counter.bytes_mapped, 0);
}

static void test_destroy_with_many_arenas(void **state) {
    (void)state;
    counted_heap ch;
    open_heap(&ch);
    /* 5 MiB of small blocks over several arenas, some freed */
    size_t n = 5 * 1024 * 1024 / 256, live = 0;
    for (size_t i = 0; i < n; i++) {
        void *p = pa_heap_malloc(ch.h, 256);
        assert_non_null(p);
        if (i % 3)
            live++;
        else
            pa_heap_free(ch.h, p);
    }
    pa_stats s;
    pa_test_stats_checked(ch.h, &ch.os.counter, &s);
    assert_true(s.arenas_current >= 3);
    assert_int_equal(pa_heap_destroy(ch.h), live);
    assert_int_equal(ch.os.counter.bytes_mapped, 0);
    assert_int_equal(ch.os.counter.regions, 0);
}

static void test_heaps_are_isolated(void **state) {
    (void)state;
    counted_heap a, b;
    open_heap(&a);
    open_heap(&b);
    enum { N = 300 };
    void *pa[N], *pb[N];
    for (size_t i = 0; i < N; i++) {
        size_t size = i % 7 == 0 ? 600 + i : 1 + i % 512;
        pa[i] = pa_heap_malloc(a.h, size);
        pb[i] = pa_heap_malloc(b.h, size);
        assert_non_null(pa[i]);
        assert_non_null(pb[i]);
        memset(pa[i], 0xAA, size);
        memset(pb[i], 0xBB, size);
    }
    for (size_t i = 0; i < N; i++) {
        assert_true(pa_heap_owns(a.h, pa[i]));
        assert_false(pa_heap_owns(b.h, pa[i]));
        assert_true(pa_heap_owns(b.h, pb[i]));
        assert_false(pa_heap_owns(a.h, pb[i]));
        assert_int_equal(pa_introspect_owner(b.h, (uintptr_t)pa[i]), 0);
        assert_int_equal(pa_introspect_owner(a.h, (uintptr_t)pb[i]), 0);
        assert_int_equal(*(unsigned char *)pa[i], 0xAA);
        assert_int_equal(*(unsigned char *)pb[i], 0xBB);
    }
    pa_stats sa, sb;
    pa_test_stats_checked(a.h, &a.os.counter, &sa);
    pa_test_stats_checked(b.h, &b.os.counter, &sb);
    assert_int_equal(sa.blocks_in_use + sa.large_blocks, N);
    assert_int_equal(sb.blocks_in_use + sb.large_blocks, N);
    assert_int_equal(sa.large_blocks, a.large.live_blocks);
    assert_int_equal(sb.large_blocks, b.large.live_blocks);

    /* destroying one leaves the other whole */
    for (size_t i = 0; i < N; i++)
        pa_heap_free(a.h, pa[i]);
    assert_int_equal(pa_heap_destroy(a.h), 0);
    assert_int_equal(a.os.counter.bytes_mapped, 0);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(*(unsigned char *)pb[i], 0xBB);
        pa_heap_free(b.h, pb[i]);
    }
    assert_int_equal(b.misuse.count, 0);
    assert_int_equal(pa_heap_destroy(b.h), 0);
    assert_int_equal(b.os.counter.bytes_mapped, 0);
}

static void expect_foreign(const counted_heap *into, const void *p, const char *operation) {
    const pa_test_misuse *m = &into->misuse;
    assert_int_equal(m->kind, PA_MISUSE_FOREIGN_POINTER);
    assert_ptr_equal(m->pointer, p);
    assert_ptr_equal(m->heap, into->h);
    assert_string_equal(m->operation, operation);
    assert_true(strlen(m->message) > 0);
    assert_null(strchr(m->message, '\n'));
    if (!strstr(m->message, operation))
        fail_msg("message \"%s\" does not name the operation %s", m->message, operation);
    char ptr[32];
    snprintf(ptr, sizeof ptr, "%p", p);
    if (!strstr(m->message, ptr))
        fail_msg("message \"%s\" does not show the pointer %s", m->message, ptr);
}

static void test_wrong_heap_is_reported(void **state) {
    (void)state;
    counted_heap a, b;
    open_heap(&a);
    open_heap(&b);
    void *small = pa_heap_malloc(a.h, 40);
    void *big = pa_heap_malloc(a.h, 5000);
    void *mine = pa_heap_malloc(b.h, 40); /* b has an arena and a live pool of that class */
    memset(small, 0x5A, 40);
    memset(big, 0x6B, 5000);
    pa_stats before_a, before_b, after;
    pa_test_stats_checked(a.h, &a.os.counter, &before_a);
    pa_test_stats_checked(b.h, &b.os.counter, &before_b);

    pa_heap_free(b.h, small);
    assert_int_equal(b.misuse.count, 1);
    expect_foreign(&b, small, "free");
    pa_heap_free(b.h, big);
    assert_int_equal(b.misuse.count, 2);
    expect_foreign(&b, big, "free");
    assert_int_equal(a.large.frees, 0);
    assert_int_equal(b.large.frees, 0);

    errno = 0;
    assert_null(pa_heap_realloc(b.h, small, 80));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(b.misuse.count, 3);
    expect_foreign(&b, small, "realloc");
    errno = 0;
    assert_null(pa_heap_realloc(b.h, big, 9000));
    assert_int_equal(errno, EINVAL);
    expect_foreign(&b, big, "realloc");

    assert_int_equal(pa_heap_usable_size(b.h, small), 0);
    assert_int_equal(b.misuse.count, 5);
    expect_foreign(&b, small, "usable_size");

    /* nothing changed on either side; a saw no report at all */
    pa_test_stats_checked(a.h, &a.os.counter, &after);
    assert_memory_equal(&after, &before_a, sizeof after);
    pa_test_stats_checked(b.h, &b.os.counter, &after);
    assert_memory_equal(&after, &before_b, sizeof after);
    assert_int_equal(a.misuse.count, 0);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(((unsigned char *)small)[i], 0x5A);
    assert_int_equal(((unsigned char *)big)[4999], 0x6B);

    /* the blocks still belong to a and go back there */
    assert_in_range(pa_heap_usable_size(a.h, small), 40, 48);
    pa_heap_free(a.h, small);
    pa_heap_free(a.h, big);
    pa_heap_free(b.h, mine);
    assert_int_equal(a.misuse.count, 0);
    assert_int_equal(b.misuse.count, 5);
    assert_int_equal(pa_heap_destroy(a.h), 0);
    assert_int_equal(pa_heap_destroy(b.h), 0);
    assert_int_equal(a.os.counter.bytes_mapped + b.os.counter.bytes_mapped, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_destroy_returns_everything),
        cmocka_unit_test(test_destroy_counts_live_blocks),
        cmocka_unit_test(test_destroy_with_many_arenas),
        cmocka_unit_test(test_heaps_are_isolated),
        cmocka_unit_test(test_wrong_heap_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

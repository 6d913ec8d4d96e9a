/* The large path is pluggable: requests above the threshold go to
 * pa_large_ops with their size and an alignment, come back through free with
 * the same size, calloc uses alloc_zeroed when there is one, realloc uses
 * resize when there is one, a refusing layer gives NULL and ENOMEM, and
 * destroy hands back what is left. Over the drop-in's mmap layer, a block
 * that grows by a quarter or less is remapped, one that grows more copies
 * into a cached block of its step. */
#include <errno.h>
#include <string.h>

#include "large_cache.h"
#include "large_os.h"
#include "pa_test.h"
#include "pa_testing/os_counting.h"

typedef struct fixture {
    pa_test_large large;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, size_t threshold, int with_resize, int with_zeroed) {
    pa_config c = pa_config_default();
    c.small_threshold = threshold;
    c.large = pa_test_large_ops(&f->large, with_resize, with_zeroed);
    c.large_cache_bytes = 0; /* every large free reaches the layer, to be counted */
    f->h = pa_test_heap_create(&c);
}

static void test_threshold_routes_requests(void **state) {
    (void)state;
    static const size_t thresholds[] = {128, 256, 512};
    for (size_t k = 0; k < 3; k++) {
        fixture f;
        size_t t = thresholds[k];
        open_fixture(&f, t, 1, 1);
        void *small = pa_heap_malloc(f.h, t);
        assert_int_equal(f.large.allocs, 0);
        void *big = pa_heap_malloc(f.h, t + 1);
        assert_non_null(big);
        assert_int_equal(f.large.allocs, 1);
        /* up to 512 bytes exactly; above, rounded up by at most 1/8 */
        if (t + 1 <= 512)
            assert_int_equal(f.large.last_size, t + 1);
        else
            assert_in_range(f.large.last_size, t + 1, (t + 1) + (t + 1) / 8);
        assert_true(f.large.last_alignment >= 16);
        assert_int_equal(f.large.last_alignment & (f.large.last_alignment - 1), 0);
        assert_int_equal(f.large.live_blocks, 1);
        assert_true(pa_heap_owns(f.h, big));
        assert_true(pa_heap_usable_size(f.h, big) >= t + 1);
        pa_stats s;
        pa_test_stats_checked(f.h, NULL, &s);
        assert_int_equal(s.large_blocks, 1);
        assert_int_equal(s.large_bytes, t + 1);
        pa_heap_free(f.h, big);
        assert_int_equal(f.large.frees, 1);
        assert_int_equal(f.large.live_blocks, 0);
        assert_int_equal(f.large.size_mismatches, 0);
        assert_false(pa_heap_owns(f.h, big));
        pa_heap_free(f.h, small);
        assert_int_equal(pa_heap_destroy(f.h), 0);
    }
}

static void test_many_large_blocks(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 512, 1, 1);
    enum { N = 400 };
    void *p[N];
    size_t bytes = 0;
    for (size_t i = 0; i < N; i++) {
        size_t size = 513 + i * 37;
        p[i] = pa_heap_malloc(f.h, size);
        assert_non_null(p[i]);
        bytes += size;
    }
    pa_stats s;
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_blocks, N);
    assert_int_equal(s.large_bytes, bytes);
    /* the layer holds each at its capacity: at most 1/8 more */
    assert_in_range(f.large.live_bytes, bytes, bytes + bytes / 8);
    /* the table's hash spreads them: under half full, linear probing
     * makes runs of taken slots of a few dozen at most, not one run of
     * all of them (every lookup a scan) */
    size_t run = 0, longest = 0, capacity = pa_introspect_large_capacity(f.h);
    for (size_t slot = 0; slot < capacity; slot++) {
        uintptr_t block;
        size_t size;
        run = pa_introspect_large_slot(f.h, slot, &block, &size) ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    assert_true(longest < N / 4);
    /* free every other one, then check the table still finds the rest */
    for (size_t i = 0; i < N; i += 2) {
        pa_heap_free(f.h, p[i]);
        bytes -= 513 + i * 37;
    }
    for (size_t i = 1; i < N; i += 2) {
        assert_true(pa_heap_owns(f.h, p[i]));
        assert_int_equal(pa_heap_usable_size(f.h, p[i]), 513 + i * 37);
    }
    pa_test_stats_checked(f.h, NULL, &s);
    assert_int_equal(s.large_bytes, bytes);
    /* destroy frees the other half through the layer, with their sizes */
    assert_int_equal(pa_heap_destroy(f.h), N / 2);
    assert_int_equal(f.large.live_blocks, 0);
    assert_int_equal(f.large.frees, N);
    assert_int_equal(f.large.size_mismatches, 0);
    assert_int_equal(f.large.unknown_frees, 0);
}

static void test_calloc_uses_alloc_zeroed(void **state) {
    (void)state;
    /* with alloc_zeroed it is used; without, the layer's 0xA5 is cleared */
    for (int with_zeroed = 1; with_zeroed >= 0; with_zeroed--) {
        fixture f;
        open_fixture(&f, 512, 1, with_zeroed);
        unsigned char *p = pa_heap_calloc(f.h, 10, 100);
        assert_non_null(p);
        assert_int_equal(f.large.zeroed_allocs, (size_t)with_zeroed);
        for (size_t i = 0; i < 1000; i++)
            assert_int_equal(p[i], 0);
        pa_heap_free(f.h, p);
        pa_test_destroy_clean(f.h, NULL);
    }
}

static void test_resize_hook(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 512, 1, 1);
    unsigned char *p = pa_heap_malloc(f.h, 1000);
    memset(p, 0x11, 1000);
    unsigned char *q = pa_heap_realloc(f.h, p, 200000);
    assert_non_null(q);
    assert_int_equal(f.large.resizes, 1);
    assert_int_equal(f.large.allocs, 1);
    assert_int_equal(q[999], 0x11);
    assert_int_equal(pa_heap_usable_size(f.h, q), 200000);
    assert_true(pa_heap_owns(f.h, q));
    pa_heap_free(f.h, q);
    assert_int_equal(f.large.size_mismatches, 0);
    assert_int_equal(f.large.live_blocks, 0);
    pa_heap_destroy(f.h);
}

static void test_refusing_layer(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, 512, 1, 1);
    f.large.fail_alloc = 1;
    errno = 0;
    assert_null(pa_heap_malloc(f.h, 600));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(pa_heap_calloc(f.h, 600, 1));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(pa_heap_memalign(f.h, 4096, 10));
    assert_int_equal(errno, ENOMEM);
    /* small requests do not need the layer */
    void *s = pa_heap_malloc(f.h, 500);
    assert_non_null(s);
    pa_stats st;
    pa_test_stats_checked(f.h, NULL, &st);
    assert_int_equal(st.large_blocks, 0);
    assert_int_equal(st.large_bytes, 0);
    pa_heap_free(f.h, s);
    assert_int_equal(pa_heap_destroy(f.h), 0);
}

/* The system layer's zeroed allocation above max_align_t's alignment (the
 * heap asks it only at its own, but the layer is public): aligned and all
 * zero, or NULL for a size no allocation can have. */
static void test_system_zeroed_over_aligned(void **state) {
    (void)state;
    pa_large_ops sys = pa_large_system();
    unsigned char *p = sys.alloc_zeroed(sys.ctx, 5000, 4096);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 4096, 0);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(p[i], 0);
    sys.free(sys.ctx, p, 5000);
    assert_null(sys.alloc_zeroed(sys.ctx, (size_t)PTRDIFF_MAX, 4096));
}

/* The drop-in's large layer maps each block whole, rounded up to pages, and
 * gives back exactly that: a page short would leave the block's last byte
 * in whatever mapping follows. */
static void test_os_layer_maps_whole_pages(void **state) {
    (void)state;
    size_t page = pa_os_page_size();
    pa_os_counter counter;
    pa_os_counter_init(&counter, NULL);
    pa_os_ops os = pa_os_counter_ops(&counter);
    pa_large_ops large = pa_large_os_on(&os);
    const size_t sizes[] = {1, page - 1, page, page + 1, 4 * page + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t want = (sizes[i] + page - 1) / page * page;
        unsigned char *p = large.alloc(large.ctx, sizes[i], page);
        assert_non_null(p);
        assert_int_equal(counter.bytes_mapped, want);
        p[sizes[i] - 1] = 1;
        large.free(large.ctx, p, sizes[i]);
        assert_int_equal(counter.bytes_mapped, 0);
        assert_int_equal(counter.regions, 0);
    }
    assert_null(large.alloc(large.ctx, SIZE_MAX - page / 2, page));
}

/* Over the mmap layer a block is resized by mremap: its bytes stay, it
 * grows to whole pages and shrinks again; over another layer there is no
 * resize, so that layer sees every mapping (the heap copies instead). */
static void test_os_layer_resizes_by_remap(void **state) {
    (void)state;
    size_t page = pa_os_page_size();
    pa_large_ops large = pa_large_os();
    assert_non_null(large.resize);
    unsigned char *p = large.alloc(large.ctx, 3 * page, page);
    assert_non_null(p);
    for (size_t i = 0; i < 3; i++)
        p[i * page] = (unsigned char)(i + 1);
    assert_ptr_equal(large.resize(large.ctx, p, 3 * page, 3 * page - 1), p); /* same pages */
    unsigned char *q = large.resize(large.ctx, p, 3 * page, 300 * page + 1);
    assert_non_null(q);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(q[i * page], i + 1);
    q[300 * page] = 9; /* the last page is there */
    unsigned char *r = large.resize(large.ctx, q, 300 * page + 1, page);
    assert_non_null(r);
    assert_int_equal(r[0], 1);
    assert_null(large.resize(large.ctx, r, page, SIZE_MAX - page / 2));
    assert_int_equal(r[0], 1); /* a refused resize leaves the block */
    large.free(large.ctx, r, page);

    pa_os_counter counter;
    pa_os_counter_init(&counter, NULL);
    pa_os_ops os = pa_os_counter_ops(&counter);
    assert_null(pa_large_os_on(&os).resize);
}

/* Over the mmap layer with a cache: a block growing by a quarter of its
 * capacity or less is remapped, not copied into the cached block of its
 * new step, which stays cached; one that grows more takes the cached block
 * of its step (resident pages, where a remap would fault its new part
 * in). Capacities here are the cache's steps: 4 KiB apart below 64 KiB,
 * 8 KiB above. */
static void test_os_layer_remaps_small_growth(void **state) {
    (void)state;
    pa_large_ops os = pa_large_os(), system = pa_large_system();
    assert_true(pa_large_os_remaps(&os));
    assert_false(pa_large_os_remaps(&system));
    pa_config c = pa_config_default();
    c.large = pa_large_os();
    c.large_cache_bytes = c.large_cache_bytes_max = 1 << 20;
    pa_heap *h = pa_test_heap_create(&c);
    static const struct {
        size_t size, grown;
        int remapped;
    } cases[] = {
        {65536, 65536 + 8192, 1},   /* an eighth (CPython's lists) */
        {65536, 65536 + 16384, 1},  /* a quarter exactly */
        {57344, 73728, 0},          /* 28.6%: the next step past a quarter */
        {65536, 2 * 65536, 0},      /* doubled (the sqlite trace's buffers) */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t size = cases[k].size, grown = cases[k].grown;
        unsigned char *spare = pa_heap_malloc(h, grown);
        unsigned char *p = pa_heap_malloc(h, size);
        assert_non_null(spare);
        assert_non_null(p);
        pa_heap_free(h, spare); /* cached: the step p grows into */
        for (size_t i = 0; i < size; i += 4096)
            p[i] = (unsigned char)(i / 4096 + 1);
        unsigned char *q = pa_heap_realloc(h, p, grown);
        assert_non_null(q);
        for (size_t i = 0; i < size; i += 4096)
            assert_int_equal(q[i], (unsigned char)(i / 4096 + 1));
        q[grown - 1] = 1;
        pa_stats s;
        pa_test_stats_checked(h, NULL, &s);
        if (cases[k].remapped) { /* spare is still cached */
            assert_ptr_not_equal(q, spare);
            assert_int_equal(s.large_cached_bytes, pa_large_capacity(grown));
        } else { /* p went to the cache in spare's place */
            assert_ptr_equal(q, spare);
            assert_int_equal(s.large_cached_bytes, pa_large_capacity(size));
        }
        assert_int_equal(s.large_cached_blocks, 1);
        pa_heap_free(h, q);
        pa_heap_trim(h);
    }
    assert_int_equal(pa_heap_destroy(h), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_routes_requests),
        cmocka_unit_test(test_many_large_blocks),
        cmocka_unit_test(test_calloc_uses_alloc_zeroed),
        cmocka_unit_test(test_resize_hook),
        cmocka_unit_test(test_refusing_layer),
        cmocka_unit_test(test_system_zeroed_over_aligned),
        cmocka_unit_test(test_os_layer_maps_whole_pages),
        cmocka_unit_test(test_os_layer_resizes_by_remap),
        cmocka_unit_test(test_os_layer_remaps_small_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

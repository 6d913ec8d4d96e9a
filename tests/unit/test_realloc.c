/* realloc: in place when the new size fits the block and uses more than 3/4
 * of it, otherwise a move that keeps the contents; small <-> large moves;
 * realloc(NULL, n) and realloc(p, 0); and on failure (large layer refusing,
 * memory limit reached, OS refusing) NULL with ENOMEM and the old block
 * untouched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

typedef struct fixture {
    pa_test_os os;
    pa_test_large large;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, const pa_config *base, int with_resize) {
    pa_test_os_init(&f->os, NULL);
    pa_config c = pa_test_config(&f->os, base);
    c.large = pa_test_large_ops(&f->large, with_resize, 1);
    c.large_cache_bytes = 0; /* every large free reaches the layer, to be counted */
    f->h = pa_test_heap_create(&c);
}

static void close_fixture(fixture *f) {
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.large_blocks, 0);
    assert_int_equal(pa_heap_destroy(f->h), 0);
    assert_int_equal(f->os.counter.bytes_mapped, 0);
    assert_int_equal(f->large.live_blocks, 0);
    assert_int_equal(f->large.size_mismatches, 0);
    assert_int_equal(f->large.unknown_frees, 0);
}

static void fill(void *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)p)[i] = (unsigned char)(seed + i * 31);
}

static void check(const void *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != (unsigned char)(seed + i * 31))
            fail_msg("byte %zu of %zu lost", i, n);
}

/* Where a block growing out of its class belongs: the largest class below
 * twice the size, or the top's once twice the size passes it (the
 * threshold, or 4096 for a size of at most 4096 under a higher one). */
static size_t growth_block(const pa_config *cfg, size_t n) {
    size_t best = n <= 4096 && cfg->small_threshold > 4096 ? 4096 : cfg->small_threshold;
    if (2 * n > best)
        return best;
    for (size_t c = 0; c < pa_config_class_count(cfg); c++)
        if (pa_config_class_size(cfg, c) < 2 * n)
            best = pa_config_class_size(cfg, c);
    return best;
}

/* The class size of the pool block at q, read from its pool (under ASan
 * the usable size is the request instead). */
static size_t block_of(const pa_heap *h, const void *q) {
    pa_pool_view pv;
    pa_class_view cv;
    assert_int_equal(pa_introspect_pool(h, pa_test_pool_base(h, q), &pv), 0);
    assert_int_equal(pa_introspect_class(h, pv.size_class, &cv), 0);
    return cv.block_size;
}

static void test_in_place_rule(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL, 1);
    static const size_t blocks[] = {16, 32, 64, 128, 256, 400, 512, 640, 1024, 4096};
    for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++) {
        size_t bs = blocks[k];
        for (size_t n = 1; n <= bs + 16; n++) {
            void *p = pa_heap_malloc(f.h, bs);
            assert_int_equal(pa_heap_usable_size(f.h, p), bs);
            fill(p, bs, (unsigned)n);
            void *q = pa_heap_realloc(f.h, p, n);
            assert_non_null(q);
            size_t fits = pa_config_class_size(pa_heap_config(f.h), pa_test_class_of(f.h, n));
            int stays = n <= bs && (2 * n > bs || fits == bs);
            if (stays) {
                assert_ptr_equal(q, p);
                assert_in_range(pa_heap_usable_size(f.h, q), n, bs);
            } else {
                assert_ptr_not_equal(q, p);
                size_t u = pa_heap_usable_size(f.h, q);
                assert_true(u >= n);
                /* a growth leaves room for the next appends; a shrink
                 * lands in the class that fits */
                if (n > bs && n <= pa_heap_config(f.h)->small_threshold)
                    assert_int_equal(block_of(f.h, q), growth_block(pa_heap_config(f.h), n));
                else if (n <= 512)
                    assert_in_range(u, n, (n + 15) / 16 * 16);
                else if (n < bs)
                    assert_in_range(u, n, pa_config_class_size(pa_heap_config(f.h), pa_test_class_of(f.h, n)));
            }
            check(q, n < bs ? n : bs, (unsigned)n);
            pa_heap_free(f.h, q);
        }
    }
    close_fixture(&f);
}

/* A string builder's trim, as CPython's writers do it: blocks of 160
 * bytes, among live ones of their class and of the class they shrink to,
 * each shrunk to a third. Each lands in a block of its new class with its
 * bytes, and its old block is back on its pool's freelist at once: the
 * next block of 160 reuses it. */
static void test_shrink_among_live_blocks(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL, 1);
    enum { N = 64 };
    void *keep160[N], *keep64[N], *shrunk[N];
    for (size_t i = 0; i < N; i++) {
        keep160[i] = pa_heap_malloc(f.h, 160);
        keep64[i] = pa_heap_malloc(f.h, 64);
        assert_non_null(keep160[i]);
        assert_non_null(keep64[i]);
    }
    for (size_t i = 0; i < N; i++) {
        void *p = pa_heap_malloc(f.h, 160);
        fill(p, 160, (unsigned)i);
        size_t n = 51 + i % 7;
        shrunk[i] = pa_heap_realloc(f.h, p, n);
        assert_non_null(shrunk[i]);
        assert_ptr_not_equal(shrunk[i], p);
        assert_in_range(pa_heap_usable_size(f.h, shrunk[i]), n, 64);
        check(shrunk[i], n, (unsigned)i);
        void *again = pa_heap_malloc(f.h, 160);
        assert_ptr_equal(again, p);
        pa_heap_free(f.h, again);
    }
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 3 * N);
    for (size_t i = 0; i < N; i++) {
        check(shrunk[i], 51 + i % 7, (unsigned)i);
        pa_heap_free(f.h, shrunk[i]);
        pa_heap_free(f.h, keep160[i]);
        pa_heap_free(f.h, keep64[i]);
    }
    close_fixture(&f);
}

static void test_null_and_zero(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL, 1);
    void *p = pa_heap_realloc(f.h, NULL, 40);
    assert_non_null(p);
    assert_in_range(pa_heap_usable_size(f.h, p), 40, 48);
    void *big = pa_heap_realloc(f.h, NULL, 6000);
    assert_non_null(big);
    assert_int_equal(f.large.live_blocks, 1);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 1);

    /* realloc(p, 0): a minimal block, p freed */
    void *z = pa_heap_realloc(f.h, p, 0);
    assert_non_null(z);
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 1);
    assert_int_equal(s.classes[2].blocks_in_use, 0); /* p's 48-byte class */
    void *z2 = pa_heap_realloc(f.h, big, 0);
    assert_non_null(z2);
    assert_int_equal(f.large.live_blocks, 0);
    assert_true(pa_heap_usable_size(f.h, z2) <= 16);
    pa_heap_free(f.h, z);
    pa_heap_free(f.h, z2);
    close_fixture(&f);
}

static void check_moves(int with_resize) {
    fixture f;
    open_fixture(&f, NULL, with_resize);
    /* small -> large */
    void *p = pa_heap_malloc(f.h, 300);
    fill(p, 300, 7);
    void *q = pa_heap_realloc(f.h, p, 100000);
    assert_non_null(q);
    check(q, 300, 7);
    assert_int_equal(f.large.live_blocks, 1);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 0);
    assert_int_equal(s.large_bytes, 100000);
    fill(q, 100000, 9);
    /* large -> larger */
    size_t resizes = f.large.resizes, allocs = f.large.allocs;
    void *r = pa_heap_realloc(f.h, q, 300000);
    assert_non_null(r);
    check(r, 100000, 9);
    if (with_resize) {
        assert_int_equal(f.large.resizes, resizes + 1);
    } else {
        assert_int_equal(f.large.allocs, allocs + 1);
        assert_int_equal(f.large.live_blocks, 1);
    }
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.large_bytes, 300000);
    assert_true(pa_heap_usable_size(f.h, r) >= 300000);
    /* large -> smaller large */
    void *t = pa_heap_realloc(f.h, r, 6000);
    assert_non_null(t);
    check(t, 6000, 9);
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.large_bytes, 6000);
    /* large -> small */
    void *u = pa_heap_realloc(f.h, t, 100);
    assert_non_null(u);
    check(u, 100, 9);
    assert_true(pa_heap_usable_size(f.h, u) >= 100);
    pa_heap_free(f.h, u);
    close_fixture(&f);
}

static void test_small_large_moves(void **state) {
    (void)state;
    check_moves(1);
    check_moves(0);
}

/* A chain of random resizes keeps every byte that both sizes cover. */
static void test_random_chain(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL, 1);
    enum { SLOTS = 64 };
    void *p[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint64_t x = 99;
    for (int step = 0; step < 20000; step++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t i = (size_t)(x >> 40) % SLOTS;
        size_t n = (size_t)(x >> 20) % (x & 1 ? 600 : 5000);
        void *q = pa_heap_realloc(f.h, p[i], n);
        assert_non_null(q);
        size_t keep = len[i] < n ? len[i] : n;
        check(q, keep, (unsigned)i);
        fill(q, n, (unsigned)i);
        p[i] = q;
        len[i] = n;
    }
    pa_test_stats_checked(f.h, &f.os.counter, NULL);
    for (size_t i = 0; i < SLOTS; i++)
        pa_heap_free(f.h, p[i]);
    close_fixture(&f);
}

/* Every failure leaves the old block as it was, still owned and freeable. */
static void expect_failed(fixture *f, void *p, size_t n, size_t old_len, unsigned seed) {
    pa_stats before, after;
    pa_test_stats_checked(f->h, &f->os.counter, &before);
    size_t usable = pa_heap_usable_size(f->h, p);
    errno = 0;
    assert_null(pa_heap_realloc(f->h, p, n));
    assert_int_equal(errno, ENOMEM);
    check(p, old_len, seed);
    assert_int_equal(pa_heap_usable_size(f->h, p), usable);
    assert_true(pa_heap_owns(f->h, p));
    pa_test_stats_checked(f->h, &f->os.counter, &after);
    assert_int_equal(after.blocks_in_use, before.blocks_in_use);
    assert_int_equal(after.large_blocks, before.large_blocks);
    assert_int_equal(after.large_bytes, before.large_bytes);
}

static void test_failure_large_layer(void **state) {
    (void)state;
    for (int with_resize = 0; with_resize < 2; with_resize++) {
        fixture f;
        open_fixture(&f, NULL, with_resize);
        void *small = pa_heap_malloc(f.h, 200);
        fill(small, 200, 3);
        void *big = pa_heap_malloc(f.h, 10000);
        fill(big, 10000, 4);
        f.large.fail_alloc = 1;
        f.large.fail_resize = 1;
        expect_failed(&f, small, 5000, 200, 3);  /* small -> large */
        expect_failed(&f, big, 50000, 10000, 4); /* large -> larger */
        f.large.fail_alloc = 0;
        f.large.fail_resize = 0;
        void *q = pa_heap_realloc(f.h, small, 5000);
        assert_non_null(q);
        check(q, 200, 3);
        pa_heap_free(f.h, q);
        pa_heap_free(f.h, big);
        close_fixture(&f);
    }
}

/* Under a threshold past 4096 (the drop-in's 7168) a block of up to 4096
 * bytes grows into 4096's class at most; past 4096, to twice the size or
 * the threshold's class. */
static void test_growth_stops_at_a_page(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_config_default();
    base.small_threshold = 7168;
    open_fixture(&f, &base, 1);
    static const struct {
        size_t from, to, block;
    } moves[] = {{1500, 2600, 4096}, {2000, 3000, 4096}, {1000, 1600, 3072}, {4000, 4500, 7168}, {2000, 5000, 7168}};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        void *p = pa_heap_malloc(f.h, moves[i].from);
        fill(p, moves[i].from, (unsigned)i);
        void *q = pa_heap_realloc(f.h, p, moves[i].to);
        assert_non_null(q);
        check(q, moves[i].from, (unsigned)i);
        assert_int_equal(block_of(f.h, q), moves[i].block);
        assert_int_equal(block_of(f.h, q), growth_block(pa_heap_config(f.h), moves[i].to));
        pa_heap_free(f.h, q);
    }
    close_fixture(&f);
}

/* One arena allowed and every pool of it in use: growing into a class with
 * no pool of its own needs another arena, which the limit forbids. */
static void test_failure_memory_limit(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_test_compact_config();
    base.memory_limit = base.arena_size;
    open_fixture(&f, &base, 1);
    size_t cap = pa_test_class_capacity(f.h, 0);
    size_t n = 16 * cap;
    void **p = malloc(n * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = pa_heap_malloc(f.h, 16);
        assert_non_null(p[i]);
    }
    errno = 0;
    assert_null(pa_heap_malloc(f.h, 16)); /* the arena is full */
    assert_int_equal(errno, ENOMEM);
    fill(p[5], 16, 11);
    expect_failed(&f, p[5], 100, 16, 11);
    expect_failed(&f, p[5], 512, 16, 11);
    /* a large target does not need an arena */
    void *q = pa_heap_realloc(f.h, p[5], 1000);
    assert_non_null(q);
    check(q, 16, 11);
    p[5] = q;
    for (size_t i = 0; i < n; i++)
        pa_heap_free(f.h, p[i]);
    free(p);
    close_fixture(&f);
}

static void test_failure_os_refuses(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_test_compact_config();
    open_fixture(&f, &base, 1);
    void *p = pa_heap_malloc(f.h, 24);
    fill(p, 24, 5);
    /* fill the arena's other pools so the next pool needs a new arena */
    void *blocks[15][8];
    for (size_t i = 0; i < 15; i++)
        pa_test_fill_pool(f.h, 512, blocks[i]);
    f.os.fail[PA_OS_MAP] = 1;
    expect_failed(&f, p, 300, 24, 5);
    assert_true(f.os.counter.failures[PA_OS_MAP] > 0);
    f.os.fail[PA_OS_MAP] = 0;
    void *q = pa_heap_realloc(f.h, p, 300);
    assert_non_null(q);
    check(q, 24, 5);
    pa_heap_free(f.h, q);
    for (size_t i = 0; i < 15; i++)
        for (size_t j = 0; j < 7; j++)
            pa_heap_free(f.h, blocks[i][j]);
    close_fixture(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_place_rule),
        cmocka_unit_test(test_growth_stops_at_a_page),
        cmocka_unit_test(test_shrink_among_live_blocks),
        cmocka_unit_test(test_null_and_zero),
        cmocka_unit_test(test_small_large_moves),
        cmocka_unit_test(test_random_chain),
        cmocka_unit_test(test_failure_large_layer),
        cmocka_unit_test(test_failure_memory_limit),
        cmocka_unit_test(test_failure_os_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

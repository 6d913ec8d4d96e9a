/* pa_check_poisoning: the heap's ASan annotations against ASan's shadow.
 * Each test breaks the poisoning of a real heap in one place with ASan's own
 * interface, asserts exactly that identifier and message, and puts the
 * poisoning back (the teardown's full check then runs on the heap as it was).
 * Built only with PA_SANITIZE, where the heap poisons and the checker looks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sanitizer/asan_interface.h>

#include "fixtures.h"

/* The one_pool fixture's 8 live blocks, each asked for 48 bytes. */
static size_t fixture_live(const ts_fx *fx, const void **live, size_t *sizes) {
    size_t n = ts_one_pool_live(fx, live);
    for (size_t i = 0; i < n; i++)
        sizes[i] = 48;
    return n;
}

static void poison_one(ts_fx *fx, const void *const *live, const size_t *sizes, size_t n, const char *id,
                       const char *message) {
    pa_check_report_clear(fx->r);
    assert_int_equal(pa_check_poisoning(fx->h, live, sizes, n, fx->r), 1);
    ts_expect_one(fx->r, id, message);
    pa_check_report_clear(fx->r);
}

static void poison_clean(ts_fx *fx, const void *const *live, const size_t *sizes, size_t n, const char *context) {
    pa_check_report_clear(fx->r);
    assert_int_equal(pa_check_poisoning(fx->h, live, sizes, n, fx->r), 0);
    ts_expect_clean(fx->r, context);
}

static void *at(uintptr_t a, size_t off) { return (void *)(a + off); }

static void poison_fixture_clean(void **state) {
    FX;
    const void *live[8];
    size_t sizes[8];
    size_t n = fixture_live(fx, live, sizes);
    poison_clean(fx, live, sizes, n, "the fixture as the heap left it");
}

/* Eight bytes of the pool header made addressable. */
static void poison_header_addressable(void **state) {
    FX;
    const void *live[8];
    size_t sizes[8];
    size_t n = fixture_live(fx, live, sizes);
    __asan_unpoison_memory_region(at((uintptr_t)fx->pool, 8), 8);
    poison_one(fx, live, sizes, n, "POISON_HEADER_ADDRESSABLE",
               ts_msg(AT ": pool header is addressable: expected [+0x0, +0x%zx) poisoned, found +0x8 addressable",
                      AT_ARGS, fx->first));
    __asan_poison_memory_region(at((uintptr_t)fx->pool, 8), 8);
    poison_clean(fx, live, sizes, n, "header poisoned again");
}

/* Bytes 16..23 of live blk[3] poisoned: a caller's use would be reported. */
static void poison_live_not_addressable(void **state) {
    FX;
    const void *live[8];
    size_t sizes[8];
    size_t n = fixture_live(fx, live, sizes);
    size_t off = ts_off(fx, 3);
    __asan_poison_memory_region(at((uintptr_t)fx->blk[3], 16), 8);
    poison_one(fx, live, sizes, n, "POISON_LIVE_NOT_ADDRESSABLE",
               ts_msg(AT " block +0x%zx: live block's requested bytes are poisoned: expected [+0x%zx, +0x%zx) "
                         "addressable, found +0x%zx poisoned",
                      AT_ARGS, off, off, off + 48, off + 16));
    /* The same in blk[6]: one report for the pool, naming the first. */
    __asan_poison_memory_region(fx->blk[6], 8);
    poison_one(fx, live, sizes, n, "POISON_LIVE_NOT_ADDRESSABLE",
               ts_msg(AT " block +0x%zx: live block's requested bytes are poisoned (first of 2 blocks): expected "
                         "[+0x%zx, +0x%zx) addressable, found +0x%zx poisoned",
                      AT_ARGS, off, off, off + 48, off + 16));
    __asan_unpoison_memory_region(fx->blk[6], 8);
    __asan_unpoison_memory_region(at((uintptr_t)fx->blk[3], 16), 8);
    poison_clean(fx, live, sizes, n, "live blocks addressable again");
}

/* A 40-byte request in a 48-byte block whose last 8 bytes are made
 * addressable: an overflow into them would go unseen. */
static void poison_tail_addressable(void **state) {
    FX;
    const void *live[9];
    size_t sizes[9];
    size_t n = fixture_live(fx, live, sizes);
    void *q = pa_heap_malloc(fx->h, 40);
    assert_ptr_equal(q, fx->blk[5]); /* the freelist's head */
    live[n] = q;
    sizes[n++] = 40;
    poison_clean(fx, live, sizes, n, "a 40-byte block as the heap left it");
    size_t off = ts_off(fx, 5);
    __asan_unpoison_memory_region(at((uintptr_t)q, 40), 8);
    poison_one(fx, live, sizes, n, "POISON_TAIL_ADDRESSABLE",
               ts_msg(AT " block +0x%zx: live block is addressable past its requested size: expected [+0x%zx, "
                         "+0x%zx) poisoned, found +0x%zx addressable",
                      AT_ARGS, off, off + 40, off + 48, off + 40));
    __asan_poison_memory_region(at((uintptr_t)q, 40), 8);
    poison_clean(fx, live, sizes, n, "tail poisoned again");
    pa_heap_free(fx->h, q);
}

/* Free blk[2] (then blk[5] too) partly addressable: a use after free would
 * go unseen. */
static void poison_free_addressable(void **state) {
    FX;
    const void *live[8];
    size_t sizes[8];
    size_t n = fixture_live(fx, live, sizes);
    size_t off = ts_off(fx, 2);
    __asan_unpoison_memory_region(at((uintptr_t)fx->blk[2], 24), 8);
    poison_one(fx, live, sizes, n, "POISON_FREE_ADDRESSABLE",
               ts_msg(AT " block +0x%zx: free block is addressable: expected [+0x%zx, +0x%zx) poisoned, found "
                         "+0x%zx addressable",
                      AT_ARGS, off, off, off + 48, off + 24));
    __asan_unpoison_memory_region(fx->blk[5], 48);
    poison_one(fx, live, sizes, n, "POISON_FREE_ADDRESSABLE",
               ts_msg(AT " block +0x%zx: free block is addressable (first of 2 blocks): expected [+0x%zx, +0x%zx) "
                         "poisoned, found +0x%zx addressable",
                      AT_ARGS, off, off, off + 48, off + 24));
    __asan_poison_memory_region(fx->blk[5], 48);
    __asan_poison_memory_region(at((uintptr_t)fx->blk[2], 24), 8);
    poison_clean(fx, live, sizes, n, "free blocks poisoned again");
}

/* A byte of never-carved block 20, then the pool's last granule. */
static void poison_uncarved_addressable(void **state) {
    FX;
    const void *live[8];
    size_t sizes[8];
    size_t n = fixture_live(fx, live, sizes);
    size_t pool_size = pa_heap_config(fx->h)->pool_size;
    __asan_unpoison_memory_region(at(ts_block(fx, 20), 0), 1);
    poison_one(fx, live, sizes, n, "POISON_UNCARVED_ADDRESSABLE",
               ts_msg(AT ": never-carved bytes are addressable: expected [+0x%zx, +0x%zx) poisoned, found +0x%zx "
                         "addressable",
                      AT_ARGS, ts_off(fx, 11), pool_size, ts_off(fx, 20)));
    __asan_poison_memory_region(at(ts_block(fx, 20), 0), 1);
    __asan_unpoison_memory_region(at((uintptr_t)fx->pool, pool_size - 8), 8);
    poison_one(fx, live, sizes, n, "POISON_UNCARVED_ADDRESSABLE",
               ts_msg(AT ": never-carved bytes are addressable: expected [+0x%zx, +0x%zx) poisoned, found +0x%zx "
                         "addressable",
                      AT_ARGS, ts_off(fx, 11), pool_size, pool_size - 8));
    __asan_poison_memory_region(at((uintptr_t)fx->pool, pool_size - 8), 8);
    poison_clean(fx, live, sizes, n, "never-carved bytes poisoned again");
}

/* A live set that the ghost check rejects (a pointer into no block, one
 * that is free, one twice) is not judged here: pa_check_live_set reports it. */
static void poison_ignores_bad_live_set(void **state) {
    FX;
    const void *live[11];
    size_t sizes[11];
    size_t n = fixture_live(fx, live, sizes);
    int local = 0;
    live[n] = &local;
    sizes[n++] = sizeof local;
    live[n] = fx->blk[2];
    sizes[n++] = 48;
    live[n] = fx->blk[0];
    sizes[n++] = 48;
    poison_clean(fx, live, sizes, n, "a live set the ghost check rejects");
}

/* Debug heaps are skipped: their raw blocks hold guards and headers. */
static void poison_debug_heap_skipped(void **state) {
    (void)state;
    pa_config cfg = pa_config_default();
    cfg.debug = 1;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    pa_check_report *r = pa_check_report_new();
    assert_non_null(r);
    void *p = pa_heap_malloc(h, 40);
    assert_non_null(p);
    uintptr_t raw = pa_introspect_block_start(h, (uintptr_t)p);
    uintptr_t pool = raw & ~(uintptr_t)(cfg.pool_size - 1);
    const void *live[1] = {p};
    size_t sizes[1] = {40};
    __asan_unpoison_memory_region((void *)pool, 8);
    assert_int_equal(pa_check_poisoning(h, live, sizes, 1, r), 0);
    ts_expect_clean(r, "debug heap");
    __asan_poison_memory_region((void *)pool, 8);
    pa_heap_free(h, p);
    pa_check_report_free(r);
    pa_heap_destroy(h);
}

/* ---- a healthy heap under a random workload stays silent -------------- */

typedef struct sized {
    void **p;
    size_t *size;
    size_t n, cap;
} sized;

static void sized_add(sized *s, void *p, size_t size) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->p = realloc(s->p, s->cap * sizeof *s->p);
        s->size = realloc(s->size, s->cap * sizeof *s->size);
        assert_non_null(s->p);
        assert_non_null(s->size);
    }
    s->p[s->n] = p;
    s->size[s->n++] = size;
}

static size_t pick_size(const pa_heap *h, uint64_t *rng) {
    size_t threshold = pa_heap_config(h)->small_threshold;
    uint64_t r = ts_rand(rng);
    if (r % 40 == 0)
        return threshold + 1 + (size_t)(r >> 32) % 2048;
    if (r % 9 == 0)
        return 0;
    return 1 + (size_t)(r >> 20) % threshold;
}

/* malloc, calloc, memalign, realloc (in place and moving, to and from large
 * blocks) and free, every requested size tracked. */
static void step(pa_heap *h, sized *s, uint64_t *rng) {
    uint64_t r = ts_rand(rng);
    int grow = s->n < 32 || (s->n < 1500 && r % 100 < 55);
    if (!grow && s->n) {
        size_t i = (size_t)(r >> 16) % s->n;
        if ((r >> 40) % 4 == 0) {
            size_t size = pick_size(h, rng);
            void *q = pa_heap_realloc(h, s->p[i], size);
            if (q) {
                s->p[i] = q;
                s->size[i] = size;
            }
            return;
        }
        pa_heap_free(h, s->p[i]);
        s->n--;
        s->p[i] = s->p[s->n];
        s->size[i] = s->size[s->n];
        return;
    }
    void *p;
    size_t size;
    switch ((r >> 8) % 6) {
    case 0: {
        size_t count = 1 + (r >> 20) % 8, each = 1 + (r >> 30) % 32;
        size = count * each;
        p = pa_heap_calloc(h, count, each);
        break;
    }
    case 1:
        size = pick_size(h, rng);
        p = pa_heap_memalign(h, (size_t)1 << ((r >> 20) % 7), size);
        break;
    default:
        size = pick_size(h, rng);
        p = pa_heap_malloc(h, size);
        break;
    }
    if (p)
        sized_add(s, p, size);
}

static void poison_healthy(void **state) {
    (void)state;
    pa_check_report *r = pa_check_report_new();
    assert_non_null(r);
    for (int which = 0; which < TS_NCONFIGS; which++) {
        pa_config cfg = ts_config(which);
        pa_heap *h = pa_heap_create(&cfg);
        assert_non_null(h);
        sized s = {0};
        uint64_t rng = 0x5eed0000u + (uint64_t)which;
        for (int i = 1; i <= 6000; i++) {
            step(h, &s, &rng);
            if (i % 500 == 0 || i <= 40) {
                pa_check_poisoning(h, (const void *const *)s.p, s.size, s.n, r);
                pa_check_live_set(h, (const void *const *)s.p, s.n, r);
                pa_check_heap(h, r);
                ts_expect_clean(r, ts_config_name(which));
            }
        }
        /* Drain, checking as pools and arenas empty. */
        while (s.n) {
            pa_heap_free(h, s.p[--s.n]);
            if (s.n % 200 == 0) {
                pa_check_poisoning(h, (const void *const *)s.p, s.size, s.n, r);
                ts_expect_clean(r, ts_config_name(which));
            }
        }
        free(s.p);
        free(s.size);
        pa_heap_destroy(h);
    }
    pa_check_report_free(r);
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        P(poison_fixture_clean),
        P(poison_header_addressable),
        P(poison_live_not_addressable),
        P(poison_tail_addressable),
        P(poison_free_addressable),
        P(poison_uncarved_addressable),
        P(poison_ignores_bad_live_set),
        cmocka_unit_test(poison_debug_heap_skipped),
        cmocka_unit_test(poison_healthy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

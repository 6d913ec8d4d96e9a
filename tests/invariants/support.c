#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

pa_config ts_config(int which) {
    pa_config c = pa_config_default();
    switch (which) {
    case 1: /* 8-byte alignment, CPython before 3.8 */
        c.alignment = 8;
        c.small_threshold = 256;
        c.pool_size = 4096;
        c.arena_size = 256 * 1024;
        break;
    case 2: /* tiny pools and arenas: many of each, lists get long */
        c.small_threshold = 128;
        c.pool_size = 4096;
        c.arena_size = 16 * 1024;
        c.decommit_keep_pools = 1;
        break;
    case 3: /* release every empty arena; geometric classes up to the
             * largest a 4 KiB pool holds two of */
        c.small_threshold = 1792;
        c.pool_size = 4096;
        c.arena_size = 64 * 1024;
        c.empty_arenas = PA_EMPTY_ARENA_RELEASE;
        c.decommit = PA_DECOMMIT_NEVER;
        break;
    case 4: /* keep every arena, decommit all free pools, always; classes
             * up to 1024 (three blocks to a 4 KiB pool) */
        c.small_threshold = 1024;
        c.pool_size = 4096;
        c.arena_size = 32 * 1024;
        c.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
        c.decommit_keep_pools = 0;
        c.decommit_keep_pools_max = 0;
        break;
    case 5: /* big pools, small threshold */
        c.alignment = 8;
        c.small_threshold = 64;
        c.pool_size = 64 * 1024;
        c.arena_size = 4 * 64 * 1024;
        break;
    case 6: /* 8-byte alignment up to the largest threshold: the most
             * classes any configuration has (PA_MAX_CLASSES) */
        c.alignment = 8;
        c.small_threshold = PA_MAX_THRESHOLD;
        c.arena_size = 256 * 1024;
        break;
    default:
        break;
    }
    return c;
}

const char *ts_config_name(int which) {
    static const char *const names[TS_NCONFIGS] = {"default",  "align8-4k", "tiny",      "release",
                                                   "keep-all", "big-pool",  "align8-max"};
    return which >= 0 && which < TS_NCONFIGS ? names[which] : "?";
}

void ts_live_add(ts_live *l, void *p) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->p = realloc(l->p, l->cap * sizeof *l->p);
        assert_non_null(l->p);
    }
    l->p[l->n++] = p;
}

void *ts_live_take(ts_live *l, size_t i) {
    void *p = l->p[i];
    l->p[i] = l->p[--l->n];
    return p;
}

void ts_live_free(ts_live *l) {
    free(l->p);
    memset(l, 0, sizeof *l);
}

uint64_t ts_rand(uint64_t *s) {
    /* splitmix64: reproducible from the seed alone */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t random_size(const pa_heap *h, uint64_t *rng) {
    size_t threshold = pa_heap_config(h)->small_threshold;
    uint64_t r = ts_rand(rng);
    if (r % 50 == 0)
        return threshold + 1 + (size_t)(r >> 32) % 4096; /* large */
    if (r % 7 == 0)
        return 0;
    return 1 + (size_t)(r >> 20) % threshold;
}

size_t ts_step(pa_heap *h, ts_live *l, uint64_t *rng, const void **touched) {
    uint64_t r = ts_rand(rng);
    /* Grow to a few thousand blocks, then hover: frees and allocations
     * alternate so pools and arenas empty and refill. */
    int grow = l->n < 64 || (l->n < 4000 && r % 100 < 55);
    if (!grow || (r >> 8) % 16 == 0) {
        if (!l->n)
            return 0;
        size_t i = (size_t)(r >> 16) % l->n;
        if ((r >> 40) % 5 == 0) {
            void *old = l->p[i];
            void *q = pa_heap_realloc(h, old, random_size(h, rng));
            if (!q)
                return 0;
            l->p[i] = q;
            touched[0] = old;
            touched[1] = q;
            return 2;
        }
        void *p = ts_live_take(l, i);
        pa_heap_free(h, p);
        touched[0] = p;
        return 1;
    }
    void *p;
    switch ((r >> 8) % 8) {
    case 0:
        p = pa_heap_calloc(h, 1 + (r >> 20) % 8, 1 + (r >> 30) % 32);
        break;
    case 1:
        p = pa_heap_memalign(h, (size_t)1 << ((r >> 20) % 8), random_size(h, rng));
        break;
    default:
        p = pa_heap_malloc(h, random_size(h, rng));
        break;
    }
    if (!p)
        return 0;
    ts_live_add(l, p);
    touched[0] = p;
    return 1;
}

#if defined(__clang__) || defined(__GNUC__)
#define TS_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define TS_NO_ASAN
#endif

/* Pokes and peeks reach heap memory that memcheck rightly calls no-access
 * (free blocks, pool headers): in Valgrind builds its reports are switched
 * off around these deliberate accesses only. */
#ifdef PA_TEST_VALGRIND
#include <valgrind/valgrind.h>
#define TS_QUIET_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define TS_QUIET_END() VALGRIND_ENABLE_ERROR_REPORTING
#else
#define TS_QUIET_BEGIN() ((void)0)
#define TS_QUIET_END() ((void)0)
#endif

/* volatile: a loop the compiler turned into memcpy would be checked again. */
TS_NO_ASAN void ts_poke(void *addr, const void *value, size_t n) {
    volatile unsigned char *d = addr;
    const volatile unsigned char *s = value;
    TS_QUIET_BEGIN();
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    TS_QUIET_END();
}

TS_NO_ASAN void ts_peek(const void *addr, void *value, size_t n) {
    const volatile unsigned char *s = addr;
    volatile unsigned char *d = value;
    TS_QUIET_BEGIN();
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    TS_QUIET_END();
}

pa_arena_view ts_arena(const pa_heap *h, size_t slot) {
    pa_arena_view v;
    assert_int_equal(pa_introspect_arena_slot(h, slot, &v), 0);
    assert_true(v.base != 0);
    return v;
}

pa_pool_view ts_pool(const pa_heap *h, size_t slot, size_t index) {
    pa_arena_view a = ts_arena(h, slot);
    pa_pool_view v;
    assert_int_equal(pa_introspect_pool(h, a.base + index * pa_heap_config(h)->pool_size, &v), 0);
    return v;
}

static void show(const pa_check_report *r) {
    pa_check_report_print(r, stderr);
}

void ts_expect_one(const pa_check_report *r, const char *id, const char *message) {
    if (pa_check_report_count(r) != 1 || strcmp(pa_check_report_id(r, 0), id) ||
        strcmp(pa_check_report_message(r, 0), message)) {
        fprintf(stderr, "want exactly: %s: %s\n", id, message);
        show(r);
    }
    assert_int_equal(pa_check_report_count(r), 1);
    assert_string_equal(pa_check_report_id(r, 0), id);
    assert_string_equal(pa_check_report_message(r, 0), message);
}

void ts_expect_ids(const pa_check_report *r, const char *const *ids) {
    size_t n = 0;
    while (ids[n])
        n++;
    int same = pa_check_report_count(r) == n;
    for (size_t i = 0; same && i < n; i++)
        same = !strcmp(pa_check_report_id(r, i), ids[i]);
    if (!same)
        show(r);
    assert_int_equal(pa_check_report_count(r), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(pa_check_report_id(r, i), ids[i]);
}

void ts_expect_clean(const pa_check_report *r, const char *context) {
    if (pa_check_report_count(r)) {
        fprintf(stderr, "unexpected violations (%s):\n", context);
        show(r);
    }
    assert_int_equal(pa_check_report_count(r), 0);
}

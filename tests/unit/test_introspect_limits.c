/* pa_introspect_limits: the retention allowances and the large cache's
 * counters, budget and windows it gives are pa_introspect_heap's, field for
 * field, at every step of a run that moves each of them (allowances rising
 * with reuse, pool takes, large blocks cached and refused, the budget
 * rising, the window counting). */
#include <string.h>

#include "pa_test.h"

#define SMALL 512
#define SMALLS (4 * 16 * 7) /* four compact arenas of 512-byte blocks */
#define LARGES 24

#define FIELDS 10

/* The fields in one order, of either view (their names are the same); the
 * two window lengths, constants, at 3 and 9. */
#define FIELDS_OF(v)                                                                                          \
    {(v).arena_allowance,    (v).pool_allowance,     (size_t)(v).retention_window_takes, (v).retention_window, \
     (v).large_cached_blocks, (v).large_cached_bytes, (v).large_cache_budget,             (v).large_cache_low,  \
     (v).large_cache_window_takes, (v).large_cache_window}

typedef struct seen {
    int steps;
    size_t first[FIELDS];
    unsigned changed; /* a bit per field that left its first value */
} seen;

/* Each field of the narrow view against the whole view's. */
static void expect_agrees(const pa_heap *h, seen *s) {
    pa_limits_view l;
    pa_heap_view v;
    pa_introspect_limits(h, &l);
    pa_introspect_heap(h, &v);
    const size_t got[FIELDS] = FIELDS_OF(l), want[FIELDS] = FIELDS_OF(v);
    if (s->steps++ == 0)
        memcpy(s->first, got, sizeof got);
    for (size_t i = 0; i < FIELDS; i++) {
        if (got[i] != want[i])
            fail_msg("step %d, field %zu: pa_introspect_limits says %zu, pa_introspect_heap %zu", s->steps - 1, i,
                     got[i], want[i]);
        if (got[i] != s->first[i])
            s->changed |= 1u << i;
    }
}

static void test_limits_agree_with_the_heap_view(void **state) {
    (void)state;
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config base = pa_test_compact_config();
    base.empty_arenas = PA_EMPTY_ARENA_KEEP_ONE;
    base.empty_arenas_max = 3;
    base.decommit = PA_DECOMMIT_FREE_POOLS;
    base.decommit_keep_pools = 1;
    base.decommit_keep_pools_max = 8;
    base.large_cache_bytes = 32 * 1024;
    base.large_cache_bytes_max = 128 * 1024;
    pa_config c = pa_test_arena_config(&os, &base);
    pa_heap *h = pa_test_heap_create(&c);
    static void *small[SMALLS];
    void *large[LARGES];
    seen s = {0};
    expect_agrees(h, &s);
    /* a block cached for good, in a bin of its own: the window a rise
     * starts then begins with its low-water mark above zero */
    void *kept = pa_heap_malloc(h, 8192);
    assert_non_null(kept);
    pa_heap_free(h, kept);
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < SMALLS; i++) {
            assert_non_null(small[i] = pa_heap_malloc(h, SMALL));
            if (i % 97 == 0)
                expect_agrees(h, &s);
        }
        for (size_t i = 0; i < SMALLS; i++)
            pa_heap_free(h, small[i]);
        expect_agrees(h, &s);
        /* more 4 KiB blocks than the budget holds: some refused, and the
         * next round's misses raise it */
        for (size_t i = 0; i < LARGES; i++)
            assert_non_null(large[i] = pa_heap_malloc(h, 4096));
        expect_agrees(h, &s);
        for (size_t i = 0; i < LARGES; i++) {
            pa_heap_free(h, large[i]);
            if (i % 5 == 0)
                expect_agrees(h, &s);
        }
        expect_agrees(h, &s);
    }
    /* every field but the two window lengths moved, so the agreement above
     * was not only of values that never left zero */
    unsigned moving = (1u << FIELDS) - 1 - (1u << 3) - (1u << 9);
    assert_int_equal(s.changed & moving, moving);
    pa_test_destroy_clean(h, &os.counter);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_agree_with_the_heap_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

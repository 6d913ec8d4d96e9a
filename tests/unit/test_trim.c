/* pa_heap_trim gives back what the heap keeps, whatever its policy: wholly
 * free arenas unmapped, the other arenas' free pools decommitted, cached
 * large blocks freed; it returns those bytes, and the heap stays sound
 * (every step is checked) and usable. The proof is in the OS layer's own
 * count of mapped and decommitted bytes. */
#include "pa_test.h"

#define BLOCK 512
#define ARENAS 4
#define POOLS 16 /* per arena */
#define PER_POOL 7
#define BLOCKS (ARENAS * POOLS * PER_POOL)

static void *p[BLOCKS];

static pa_heap *heap_keeping_all(pa_test_os *os) {
    pa_test_os_init(os, NULL);
    pa_config base = pa_test_compact_config(); /* keeps every free arena and pool */
    pa_config c = pa_test_config(os, &base);
    return pa_test_heap_create(&c);
}

static size_t arena_bytes(const pa_heap *h, const pa_test_os *os) {
    pa_stats s;
    pa_test_stats_checked(h, &os->counter, &s);
    return os->counter.bytes_mapped - s.metadata_bytes;
}

/* Four arenas filled, then everything freed but block 0: three arenas
 * wholly free and 15 free pools in the first, all kept by KEEP_ALL and
 * DECOMMIT_NEVER until the trim. */
static void test_trim_arenas_and_pools(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_keeping_all(&os);
    const pa_config *c = pa_heap_config(h);
    for (size_t i = 0; i < BLOCKS; i++)
        assert_non_null(p[i] = pa_heap_malloc(h, BLOCK));
    for (size_t i = 1; i < BLOCKS; i++)
        pa_heap_free(h, p[i]);
    assert_int_equal(arena_bytes(h, &os), ARENAS * c->arena_size);
    assert_int_equal(os.counter.bytes_decommitted, 0);

    assert_int_equal(pa_heap_trim(h), (ARENAS - 1) * c->arena_size + (POOLS - 1) * c->pool_size);
    assert_int_equal(arena_bytes(h, &os), c->arena_size);
    assert_int_equal(os.counter.bytes_decommitted, (POOLS - 1) * c->pool_size);
    assert_int_equal(pa_heap_trim(h), 0); /* nothing left to give */

    /* The decommitted pools serve again. */
    for (size_t i = 1; i < POOLS * PER_POOL; i++) {
        assert_non_null(p[i] = pa_heap_malloc(h, BLOCK));
        ((char *)p[i])[BLOCK - 1] = 1;
    }
    assert_int_equal(arena_bytes(h, &os), c->arena_size);
    for (size_t i = 0; i < POOLS * PER_POOL; i++)
        pa_heap_free(h, p[i]);
    pa_test_destroy_clean(h, &os.counter);
}

static void test_trim_large_cache(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_keeping_all(&os);
    pa_heap_free(h, pa_heap_malloc(h, 20000));
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    size_t cached = s.large_cached_bytes;
    assert_true(cached >= 20000);
    assert_int_equal(pa_heap_trim(h), cached);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.large_cached_bytes, 0);
    assert_int_equal(s.large_cached_blocks, 0);
    pa_test_destroy_clean(h, &os.counter);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_arenas_and_pools),
        cmocka_unit_test(test_trim_large_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

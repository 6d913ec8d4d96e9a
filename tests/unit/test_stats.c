/* Statistics are exact: arena counters, per-class blocks, bytes, pools and
 * free blocks, free and decommitted pools, header/quantization/alignment
 * losses adding up to arenas_current * arena_size, large blocks, metadata
 * and OS bytes. The table and JSON printers show the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

typedef struct fixture {
    pa_test_os os;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, const pa_config *base) {
    pa_test_os_init(&f->os, NULL);
    pa_config c = pa_test_config(&f->os, base);
    f->h = pa_test_heap_create(&c);
}

/* Expected pool-level losses of one in-use pool of class cls. */
static void pool_losses(const pa_heap *h, size_t cls, size_t *header, size_t *align, size_t *quant) {
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(h, cls, &cv), 0);
    *header = hv.pool_header_size;
    *align = cv.first_block_offset - hv.pool_header_size;
    *quant = hv.config.pool_size - cv.first_block_offset - cv.capacity * cv.block_size;
}

static void test_fresh_heap(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.nclasses, 44); /* 16..512 by 16, then 640..4096 */
    assert_int_equal(s.arena_size, 1 << 20);
    assert_int_equal(s.arenas_allocated_total + s.arenas_released_total + s.arenas_highwater + s.arenas_current, 0);
    assert_int_equal(s.bytes_total, 0);
    assert_int_equal(s.blocks_in_use + s.free_pools + s.decommitted_pools + s.large_blocks, 0);
    assert_true(s.metadata_bytes > 0);
    assert_int_equal(s.os_bytes_mapped, f.os.counter.bytes_mapped);
    for (size_t i = 0; i < s.nclasses; i++) {
        assert_int_equal(s.classes[i].block_size, i < 32 ? 16 * (i + 1) : pa_config_class_size(pa_heap_config(f.h), i));
        assert_int_equal(s.classes[i].pools, 0);
    }
    pa_heap_destroy(f.h);
}

static void test_exact_counters(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL);
    void *a[100], *b[3], *big[3];
    for (size_t i = 0; i < 100; i++)
        a[i] = pa_heap_malloc(f.h, 24); /* class 1, 32 bytes */
    for (size_t i = 0; i < 3; i++)
        b[i] = pa_heap_malloc(f.h, 500); /* class 31, 512 bytes */
    for (size_t i = 0; i < 3; i++)
        big[i] = pa_heap_malloc(f.h, 5000 * (i + 1));
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    size_t cap1 = pa_test_class_capacity(f.h, 1), cap31 = pa_test_class_capacity(f.h, 31);
    assert_int_equal(s.arenas_allocated_total, 1);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.arenas_highwater, 1);
    assert_int_equal(s.arenas_released_total, 0);
    assert_int_equal(s.classes[1].blocks_in_use, 100);
    assert_int_equal(s.classes[1].bytes_in_use, 3200);
    assert_int_equal(s.classes[1].pools, 1);
    assert_int_equal(s.classes[1].full_pools, 0);
    assert_int_equal(s.classes[1].free_blocks, cap1 - 100);
    assert_int_equal(s.classes[31].blocks_in_use, 3);
    assert_int_equal(s.classes[31].bytes_in_use, 1536);
    assert_int_equal(s.classes[31].free_blocks, cap31 - 3);
    assert_int_equal(s.blocks_in_use, 103);
    assert_int_equal(s.bytes_in_use, 3200 + 1536);
    assert_int_equal(s.bytes_free_blocks, (cap1 - 100) * 32 + (cap31 - 3) * 512);
    assert_int_equal(s.free_pools, 62);
    assert_int_equal(s.bytes_free_pools, 62 * 16384);
    assert_int_equal(s.decommitted_pools, 0);
    size_t h1, al1, q1, h31, al31, q31;
    pool_losses(f.h, 1, &h1, &al1, &q1);
    pool_losses(f.h, 31, &h31, &al31, &q31);
    assert_int_equal(s.bytes_pool_headers, h1 + h31);
    assert_int_equal(s.bytes_alignment, al1 + al31);
    assert_int_equal(s.bytes_quantization, q1 + q31);
    assert_int_equal(s.bytes_total, 1 << 20);
    assert_int_equal(s.large_blocks, 3);
    assert_int_equal(s.large_bytes, 30000);
    assert_int_equal(s.os_bytes_mapped, f.os.counter.bytes_mapped);
    assert_int_equal(s.os_bytes_mapped, s.metadata_bytes + (1 << 20));

    /* a full pool */
    void **more = malloc(cap1 * sizeof *more);
    for (size_t i = 0; i < cap1 - 100; i++)
        more[i] = pa_heap_malloc(f.h, 32);
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.classes[1].full_pools, 1);
    assert_int_equal(s.classes[1].free_blocks, 0);
    for (size_t i = 0; i < cap1 - 100; i++)
        pa_heap_free(f.h, more[i]);
    free(more);

    for (size_t i = 0; i < 100; i++)
        pa_heap_free(f.h, a[i]);
    for (size_t i = 0; i < 3; i++) {
        pa_heap_free(f.h, b[i]);
        pa_heap_free(f.h, big[i]);
    }
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use + s.bytes_in_use + s.bytes_free_blocks, 0);
    assert_int_equal(s.bytes_pool_headers + s.bytes_alignment + s.bytes_quantization, 0);
    assert_int_equal(s.free_pools + s.decommitted_pools, 64);
    assert_int_equal(s.large_blocks + s.large_bytes, 0);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.bytes_total, 1 << 20);
    pa_heap_destroy(f.h);
}

static void test_arena_counters(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_test_compact_config();
    base.empty_arenas = PA_EMPTY_ARENA_KEEP_ONE;
    base.empty_arenas_max = 1; /* the allowance never rises: exact counts */
    open_fixture(&f, &base);
    enum { N = 5 * 16 * 7 };
    static void *p[N];
    for (int round = 1; round <= 2; round++) {
        for (size_t i = 0; i < N; i++)
            p[i] = pa_heap_malloc(f.h, 512);
        pa_stats s;
        pa_test_stats_checked(f.h, &f.os.counter, &s);
        assert_int_equal(s.arenas_current, 5);
        assert_int_equal(s.arenas_highwater, 5);
        assert_int_equal(s.arenas_allocated_total, round == 1 ? 5 : 9);
        assert_int_equal(s.classes[31].full_pools, 5 * 16);
        for (size_t i = 0; i < N; i++)
            pa_heap_free(f.h, p[i]);
        pa_test_stats_checked(f.h, &f.os.counter, &s);
        assert_int_equal(s.arenas_current, 1);
        assert_int_equal(s.arenas_released_total, round == 1 ? 4 : 8);
        assert_int_equal(s.arenas_highwater, 5);
        assert_int_equal(s.bytes_total, 16 * 4096);
    }
    pa_heap_destroy(f.h);
}

static void test_decommitted_bytes(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_config_default();
    base.decommit_keep_pools = 2;
    open_fixture(&f, &base);
    void *keep = pa_heap_malloc(f.h, 16);
    void *p[10][31];
    for (size_t i = 0; i < 10; i++)
        pa_test_fill_pool(f.h, 512, p[i]);
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < 31; j++)
            pa_heap_free(f.h, p[i][j]);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.decommitted_pools, 8);
    assert_int_equal(s.bytes_decommitted, 8 * 16384);
    assert_int_equal(s.free_pools, 64 - 1 - 8);
    assert_int_equal(s.bytes_total, 1 << 20);
    pa_heap_free(f.h, keep);
    pa_heap_destroy(f.h);
}

static pa_stats busy_stats(fixture *f) {
    open_fixture(f, NULL);
    for (size_t i = 0; i < 100; i++)
        pa_heap_malloc(f->h, 24);
    for (size_t i = 0; i < 3; i++)
        pa_heap_malloc(f->h, 5000 * (i + 1));
    pa_stats s;
    pa_test_stats_checked(f->h, &f->os.counter, &s);
    return s;
}

/* The output of print for a busy heap, which must have succeeded. */
static char *print_busy(fixture *f, int (*print)(const pa_stats *, FILE *), pa_stats *s) {
    *s = busy_stats(f);
    int rc;
    char *text = pa_test_capture(print, s, &rc);
    assert_int_equal(rc, 0);
    return text;
}

static int contains_number(const char *text, size_t value) {
    char num[32];
    snprintf(num, sizeof num, "%zu", value);
    for (const char *at = strstr(text, num); at; at = strstr(at + 1, num)) {
        int left_ok = at == text || at[-1] < '0' || at[-1] > '9';
        char right = at[strlen(num)];
        if (left_ok && (right < '0' || right > '9'))
            return 1;
    }
    return 0;
}

static void test_table_print(void **state) {
    (void)state;
    fixture f;
    pa_stats s;
    char *text = print_busy(&f, pa_stats_print, &s);
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    assert_true(lines >= 10);
    assert_true(contains_number(text, s.bytes_total));
    assert_true(contains_number(text, s.bytes_in_use));
    assert_true(contains_number(text, s.bytes_free_blocks));
    assert_true(contains_number(text, s.bytes_free_pools));
    assert_true(contains_number(text, s.bytes_pool_headers));
    assert_true(contains_number(text, s.large_bytes));
    assert_true(contains_number(text, s.metadata_bytes));
    assert_true(contains_number(text, s.os_bytes_mapped));
    assert_true(contains_number(text, s.classes[1].free_blocks));
    assert_non_null(strstr(text, "arena"));
    free(text);

    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    assert_int_equal(pa_stats_print(&s, ro), -1);
    fclose(ro);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        assert_int_equal(pa_stats_print(&s, full), -1);
        fclose(full);
    }
    pa_heap_destroy(f.h);
}

static void test_json_print(void **state) {
    (void)state;
    fixture f;
    pa_stats s;
    char *text = print_busy(&f, pa_stats_print_json, &s);
    if (!pa_test_json_valid(text))
        fail_msg("not one JSON value: %s", text);
    const struct {
        const char *key;
        unsigned long long value;
    } keys[] = {
        {"arenas_allocated_total", s.arenas_allocated_total},
        {"arenas_released_total", s.arenas_released_total},
        {"arenas_highwater", s.arenas_highwater},
        {"arenas_current", s.arenas_current},
        {"arena_size", s.arena_size},
        {"blocks_in_use", s.blocks_in_use},
        {"bytes_in_use", s.bytes_in_use},
        {"bytes_free_blocks", s.bytes_free_blocks},
        {"free_pools", s.free_pools},
        {"bytes_free_pools", s.bytes_free_pools},
        {"decommitted_pools", s.decommitted_pools},
        {"bytes_decommitted", s.bytes_decommitted},
        {"bytes_pool_headers", s.bytes_pool_headers},
        {"bytes_quantization", s.bytes_quantization},
        {"bytes_alignment", s.bytes_alignment},
        {"bytes_total", s.bytes_total},
        {"large_blocks", s.large_blocks},
        {"large_bytes", s.large_bytes},
        {"metadata_bytes", s.metadata_bytes},
        {"os_bytes_mapped", s.os_bytes_mapped},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        unsigned long long v;
        if (pa_test_json_top_u64(text, keys[i].key, &v))
            fail_msg("top-level key %s missing or not a number", keys[i].key);
        if (v != keys[i].value)
            fail_msg("%s is %llu, the statistics say %llu", keys[i].key, v, keys[i].value);
    }
    assert_int_equal(s.blocks_in_use, 100);
    assert_int_equal(pa_test_json_top_array_len(text, "classes"), (long)s.nclasses);
    free(text);

    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    assert_int_equal(pa_stats_print_json(&s, ro), -1);
    fclose(ro);
    pa_heap_destroy(f.h);
}

static void test_json_checker_rejects(void **state) {
    (void)state;
    /* the checker itself must be able to fail */
    assert_true(pa_test_json_valid("{\"a\":[1,2,{\"b\":null}],\"c\":-1.5e3}"));
    assert_false(pa_test_json_valid("{\"a\":1,}"));
    assert_false(pa_test_json_valid("{\"a\":1}{"));
    assert_false(pa_test_json_valid("{\"a\":01}"));
    assert_false(pa_test_json_valid("{a:1}"));
    assert_false(pa_test_json_valid("[1,2"));
    unsigned long long v;
    assert_int_equal(pa_test_json_top_u64("{\"x\":{\"k\":5},\"k\":7}", "k", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(pa_test_json_top_u64("{\"x\":{\"k\":5}}", "k", &v), -1);
    assert_int_equal(pa_test_json_top_array_len("{\"a\":[[1,2],{},3]}", "a"), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_heap),
        cmocka_unit_test(test_exact_counters),
        cmocka_unit_test(test_arena_counters),
        cmocka_unit_test(test_decommitted_bytes),
        cmocka_unit_test(test_table_print),
        cmocka_unit_test(test_json_print),
        cmocka_unit_test(test_json_checker_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

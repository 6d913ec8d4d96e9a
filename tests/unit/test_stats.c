/* Statistics are exact: arena counters, per-class blocks, bytes, pools and
 * free blocks, free and decommitted pools, header/quantization/alignment
 * losses adding up to arenas_current * arena_size, large blocks, metadata
 * and OS bytes. The table and JSON printers show the same numbers; the
 * figures of several heaps add up (pa_stats_add). */
#include <stddef.h>
#include <stdint.h>
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
    pa_config c = pa_test_arena_config(&f->os, base);
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

/* pa_stats_add: into zeroes it copies every figure; two heaps' figures
 * add up, class by class and in the totals. */
static void test_stats_add(void **state) {
    (void)state;
    fixture a, b;
    open_fixture(&a, NULL);
    open_fixture(&b, NULL);
    void *pa[3], *pb[5];
    for (size_t i = 0; i < 3; i++)
        pa[i] = pa_heap_malloc(a.h, 100);
    for (size_t i = 0; i < 5; i++)
        pb[i] = pa_heap_malloc(b.h, i == 4 ? 50000 : 100);
    pa_stats sa, sb, sum;
    pa_test_stats_checked(a.h, &a.os.counter, &sa);
    pa_test_stats_checked(b.h, &b.os.counter, &sb);
    memset(&sum, 0, sizeof sum);
    pa_stats_add(&sum, &sa);
    assert_memory_equal(&sum, &sa, sizeof sum);
    pa_stats_add(&sum, &sb);
    assert_int_equal(sum.nclasses, sa.nclasses);
    assert_int_equal(sum.arena_size, sa.arena_size);
    assert_int_equal(sum.classes[6].block_size, 112);
    assert_int_equal(sum.classes[6].blocks_in_use, 7);
    assert_int_equal(sum.classes[6].pools, 2);
    assert_int_equal(sum.blocks_in_use, 7);
    assert_int_equal(sum.bytes_in_use, 7 * 112);
    assert_int_equal(sum.arenas_current, 2);
    assert_int_equal(sum.bytes_total, sa.bytes_total + sb.bytes_total);
    assert_int_equal(sum.large_blocks, 1);
    assert_int_equal(sum.large_bytes, 50000);
    assert_int_equal(sum.os_bytes_mapped, sa.os_bytes_mapped + sb.os_bytes_mapped);
    for (size_t i = 0; i < 3; i++)
        pa_heap_free(a.h, pa[i]);
    for (size_t i = 0; i < 5; i++)
        pa_heap_free(b.h, pb[i]);
    pa_heap_destroy(a.h);
    pa_heap_destroy(b.h);
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

/* Every figure of the struct, each a different number, printed and read
 * back: a printer that shows one figure under another's name, or drops one,
 * fails here (a real heap has too many equal figures, zeros above all). */
#define TOP_FIGURES(X)                                                                                            \
    X(arenas_allocated_total) X(arenas_released_total) X(arenas_highwater) X(arenas_current) X(arena_size)        \
    X(blocks_in_use) X(bytes_in_use) X(bytes_free_blocks) X(free_pools) X(bytes_free_pools) X(decommitted_pools) \
    X(bytes_decommitted) X(decommit_pending_pools) X(bytes_pool_headers) X(bytes_quantization) X(bytes_alignment) \
    X(bytes_total) X(large_blocks) X(large_bytes) X(large_cached_blocks) X(large_cached_bytes)                    \
    X(large_cache_budget) X(empty_arenas_allowed) X(free_pools_allowed) X(metadata_bytes) X(os_bytes_mapped)
#define CLASS_FIGURES(X) X(block_size) X(pools) X(full_pools) X(blocks_in_use) X(bytes_in_use) X(free_blocks)

static pa_stats distinct_stats(void) {
    pa_stats s;
    memset(&s, 0, sizeof s);
    size_t next = 1001, top = 0;
    s.nclasses = 3;
    for (size_t i = 0; i < s.nclasses; i++) {
#define SET_CLASS(f) s.classes[i].f = next++;
        CLASS_FIGURES(SET_CLASS)
#undef SET_CLASS
    }
#define SET_TOP(f) s.f = next++, top++;
    TOP_FIGURES(SET_TOP)
#undef SET_TOP
    /* A figure added to pa_stats and not to TOP_FIGURES fails here. */
    assert_int_equal(offsetof(pa_stats, arenas_allocated_total) + top * sizeof(uint64_t), sizeof(pa_stats));
    return s;
}

static char *print_distinct(int (*print)(const pa_stats *, FILE *), pa_stats *s) {
    *s = distinct_stats();
    int rc;
    char *text = pa_test_capture(print, s, &rc);
    assert_int_equal(rc, 0);
    return text;
}

static void test_json_every_figure(void **state) {
    (void)state;
    pa_stats s;
    char *text = print_distinct(pa_stats_print_json, &s);
    if (!pa_test_json_valid(text))
        fail_msg("not one JSON value: %s", text);
    unsigned long long v;
#define CHECK_TOP(f)                                                                                              \
    if (pa_test_json_top_u64(text, #f, &v) || v != (unsigned long long)s.f)                                       \
        fail_msg("%s: expected %llu in %s", #f, (unsigned long long)s.f, text);
    TOP_FIGURES(CHECK_TOP)
#undef CHECK_TOP
    assert_int_equal(pa_test_json_top_array_len(text, "classes"), (long)s.nclasses);
    for (size_t i = 0; i < s.nclasses; i++) {
        assert_int_equal(pa_test_json_element_u64(text, "classes", i, "class", &v), 0);
        assert_int_equal(v, i);
#define CHECK_CLASS(f)                                                                                            \
    if (pa_test_json_element_u64(text, "classes", i, #f, &v) || v != s.classes[i].f)                              \
        fail_msg("classes[%zu].%s: expected %zu in %s", i, #f, s.classes[i].f, text);
        CLASS_FIGURES(CHECK_CLASS)
#undef CHECK_CLASS
    }
    free(text);
}

/* A row "<label> ... = <value>" of the table, its label starting so. */
static void assert_row(const char *text, const char *label, size_t value) {
    char tail[32];
    snprintf(tail, sizeof tail, "= %15zu\n", value);
    size_t n = strlen(label), t = strlen(tail);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (len >= n + t && !strncmp(line, label, n) && !strncmp(line + len - t, tail, t))
            return;
        line += len;
    }
    fail_msg("no row \"%s ... %s\" in:\n%s", label, tail, text);
}

static void test_table_every_figure(void **state) {
    (void)state;
    pa_stats s;
    char *text = print_distinct(pa_stats_print, &s);
    char buf[128];
    snprintf(buf, sizeof buf, "Small block threshold = %zu, in %zu size classes.\n", s.classes[2].block_size,
             s.nclasses);
    assert_non_null(strstr(text, buf));
    for (size_t i = 0; i < s.nclasses; i++) {
        const pa_class_stats *c = &s.classes[i];
        snprintf(buf, sizeof buf, "%5zu %6zu %11zu %12zu %15zu %13zu\n", i, c->block_size, c->pools, c->full_pools,
                 c->blocks_in_use, c->free_blocks);
        if (!strstr(text, buf))
            fail_msg("no row for class %zu (%s) in:\n%s", i, buf, text);
    }
    assert_row(text, "# arenas allocated total", s.arenas_allocated_total);
    assert_row(text, "# arenas reclaimed", s.arenas_released_total);
    assert_row(text, "# arenas highwater mark", s.arenas_highwater);
    assert_row(text, "# arenas allocated current", s.arenas_current);
    snprintf(buf, sizeof buf, "%zu arenas * %zu bytes/arena", s.arenas_current, s.arena_size);
    assert_row(text, buf, s.arenas_current * s.arena_size);
    assert_row(text, "# bytes in allocated blocks", s.bytes_in_use);
    assert_row(text, "# bytes in available blocks", s.bytes_free_blocks);
    snprintf(buf, sizeof buf, "%zu unused pools", s.free_pools);
    assert_row(text, buf, s.bytes_free_pools);
    snprintf(buf, sizeof buf, "%zu decommitted pools", s.decommitted_pools);
    assert_row(text, buf, s.bytes_decommitted);
    assert_row(text, "# bytes lost to pool headers", s.bytes_pool_headers);
    assert_row(text, "# bytes lost to quantization", s.bytes_quantization);
    assert_row(text, "# bytes lost to block alignment", s.bytes_alignment);
    assert_row(text, "Total", s.bytes_total);
    assert_row(text, "# large blocks", s.large_blocks);
    assert_row(text, "# bytes in large blocks", s.large_bytes);
    assert_row(text, "# freed large blocks cached", s.large_cached_blocks);
    assert_row(text, "# bytes in cached large blocks", s.large_cached_bytes);
    assert_row(text, "# bytes the large cache may hold", s.large_cache_budget);
    assert_row(text, "# wholly free arenas it may keep", s.empty_arenas_allowed);
    assert_row(text, "# free pools an arena may keep", s.free_pools_allowed);
    assert_row(text, "# decommitted pools still resident", s.decommit_pending_pools);
    assert_row(text, "# bytes of metadata", s.metadata_bytes);
    assert_row(text, "# bytes mapped from the OS", s.os_bytes_mapped);
    free(text);
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
    assert_int_equal(pa_test_json_element_u64("{\"a\":[{\"k\":1},{\"j\":{\"k\":3},\"k\":2}]}", "a", 1, "k", &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(pa_test_json_element_u64("{\"a\":[{\"k\":1}]}", "a", 1, "k", &v), -1);
    assert_int_equal(pa_test_json_element_u64("{\"a\":[{\"j\":{\"k\":3}}]}", "a", 0, "k", &v), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_heap),
        cmocka_unit_test(test_exact_counters),
        cmocka_unit_test(test_arena_counters),
        cmocka_unit_test(test_stats_add),
        cmocka_unit_test(test_decommitted_bytes),
        cmocka_unit_test(test_table_print),
        cmocka_unit_test(test_json_print),
        cmocka_unit_test(test_json_every_figure),
        cmocka_unit_test(test_table_every_figure),
        cmocka_unit_test(test_json_checker_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

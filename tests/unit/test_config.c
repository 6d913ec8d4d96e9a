/* Configuration: the defaults, and every rule of pa_config_validate giving
 * EINVAL with a one-line message that names the field and its value. */
#include <errno.h>
#include <string.h>

#include "pa_test.h"

static void expect_invalid(const pa_config *c, const char *field, const char *value) {
    char msg[256];
    memset(msg, 'x', sizeof msg);
    int rc = pa_config_validate(c, msg, sizeof msg);
    if (rc != EINVAL)
        fail_msg("expected EINVAL naming %s, got %d", field, rc);
    assert_non_null(memchr(msg, '\0', sizeof msg));
    assert_null(strchr(msg, '\n'));
    if (!strstr(msg, field))
        fail_msg("message \"%s\" does not name the field %s", msg, field);
    if (value && !strstr(msg, value))
        fail_msg("message \"%s\" does not give the value %s", msg, value);
    /* The heap refuses the same configuration and maps nothing. */
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config routed = *c;
    if (!c->os.map)
        routed.os = pa_os_counter_ops(&os.counter);
    errno = 0;
    assert_null(pa_heap_create(&routed));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

static void expect_valid(const pa_config *c) {
    char msg[256] = "";
    int rc = pa_config_validate(c, msg, sizeof msg);
    if (rc != 0)
        fail_msg("expected a valid configuration, got %d: %s", rc, msg);
    pa_heap *h = pa_test_heap_create(c);
    void *p = pa_heap_malloc(h, c->small_threshold);
    assert_non_null(p);
    assert_true(pa_heap_usable_size(h, p) >= c->small_threshold);
    pa_heap_free(h, p);
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* Each value, put into the size_t field at offset of the default
 * configuration, is refused with a message naming field and value. */
static void expect_values_invalid(size_t offset, const char *field, const size_t *values, size_t n) {
    for (size_t i = 0; i < n; i++) {
        pa_config c = pa_config_default();
        *(size_t *)((char *)&c + offset) = values[i];
        char value[32];
        snprintf(value, sizeof value, "%zu", values[i]);
        expect_invalid(&c, field, value);
    }
}

#define EXPECT_INVALID(field, values) \
    expect_values_invalid(offsetof(pa_config, field), #field, values, sizeof values / sizeof values[0])

static void test_defaults(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    assert_int_equal(c.alignment, 16);
    assert_int_equal(c.small_threshold, 4096);
    assert_int_equal(c.pool_size, 16 * 1024);
    assert_int_equal(c.arena_size, 1024 * 1024);
    assert_int_equal(c.memory_limit, 0);
    assert_int_equal(c.empty_arenas, PA_EMPTY_ARENA_KEEP_ONE);
    assert_int_equal(c.decommit, PA_DECOMMIT_FREE_POOLS);
    assert_int_equal(c.decommit_keep_pools, 16);
    assert_int_equal(c.large_cache_bytes, 1024 * 1024);
    assert_int_equal(c.large_cache_bytes_max, 8 * 1024 * 1024);
    assert_null(c.os.map);
    assert_null(c.large.alloc);
    assert_null(c.on_misuse);
    assert_int_equal(pa_config_validate(&c, NULL, 0), 0);
}

static void test_heap_config_fills_defaults(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    const pa_config *c = pa_heap_config(h);
    assert_int_equal(c->alignment, 16);
    assert_int_equal(c->small_threshold, 4096);
    assert_int_equal(c->pool_size, 16 * 1024);
    assert_int_equal(c->arena_size, 1024 * 1024);
    assert_non_null(c->os.map);
    assert_non_null(c->os.unmap);
    assert_non_null(c->os.decommit);
    assert_non_null(c->os.recommit);
    assert_non_null(c->large.alloc);
    assert_non_null(c->large.free);
    pa_heap_destroy(h);

    /* A given configuration is kept as given, including its OS layer. */
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config mine = pa_test_config(&os, NULL);
    mine.alignment = 8;
    mine.small_threshold = 256;
    mine.memory_limit = 8 * 1024 * 1024;
    mine.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    mine.decommit_keep_pools = 3;
    h = pa_test_heap_create(&mine);
    c = pa_heap_config(h);
    assert_int_equal(c->alignment, 8);
    assert_int_equal(c->small_threshold, 256);
    assert_int_equal(c->memory_limit, 8 * 1024 * 1024);
    assert_int_equal(c->empty_arenas, PA_EMPTY_ARENA_RELEASE);
    assert_int_equal(c->decommit_keep_pools, 3);
    assert_ptr_equal(c->os.ctx, &os.counter);
    assert_true(os.counter.bytes_mapped > 0);
    pa_heap_destroy(h);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

static void test_alignment(void **state) {
    (void)state;
    static const size_t bad[] = {0, 1, 4, 12, 32, 64};
    EXPECT_INVALID(alignment, bad);
    pa_config c = pa_config_default();
    c.alignment = 8;
    expect_valid(&c);
}

static void test_small_threshold(void **state) {
    (void)state;
    /* Up to 512 a multiple of the alignment; above it a class size. */
    static const size_t bad16[] = {0, 8, 24, 520, 528, 576, 656, 1000, 4080, 4112, 5000, 7184, 8192};
    EXPECT_INVALID(small_threshold, bad16);
    pa_config c = pa_config_default();
    c.alignment = 8;
    c.small_threshold = 12;
    expect_invalid(&c, "small_threshold", "12");
    c.small_threshold = 520;
    expect_invalid(&c, "small_threshold", "520");

    /* the ends of the range, and every class size above 512 */
    c.small_threshold = 8;
    expect_valid(&c);
    c.small_threshold = 512;
    expect_valid(&c);
    static const size_t geometric[] = {640,  768,  896,  1024, 1280, 1536, 1792, 2048,
                                       2560, 3072, 3584, 4096, 5120, 6144, 7168};
    for (size_t i = 0; i < sizeof geometric / sizeof geometric[0]; i++) {
        c = pa_config_default();
        c.small_threshold = geometric[i];
        expect_valid(&c);
        c.alignment = 8;
        expect_valid(&c);
    }
    c = pa_config_default();
    c.small_threshold = 16;
    expect_valid(&c);
    c.small_threshold = 496;
    expect_valid(&c);
}

static void test_pool_size_power_of_two(void **state) {
    (void)state;
    static const size_t bad[] = {0, 3000, 12288, 16385};
    EXPECT_INVALID(pool_size, bad);
}

/* Offsets inside a pool are 32-bit: at 4 GiB the last block's end would
 * wrap nextoffset to 0 and hand out the pool header as a block. */
static void test_pool_size_fits_pool_offsets(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.pool_size = (size_t)1 << 32;
    c.arena_size = (size_t)1 << 34;
    expect_invalid(&c, "pool_size", "4294967296");
    c.pool_size = (size_t)1 << 40;
    c.arena_size = (size_t)1 << 42;
    expect_invalid(&c, "pool_size", "1099511627776");
    /* The largest the offsets can reach is accepted (not created: the
     * arena would be 8 GiB). */
    c.pool_size = (size_t)1 << 31;
    c.arena_size = (size_t)1 << 33;
    char msg[256];
    assert_int_equal(pa_config_validate(&c, msg, sizeof msg), 0);
}

static void test_pool_holds_two_largest_blocks(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.decommit = PA_DECOMMIT_NEVER; /* pools below the page size */
    c.arena_size = 64 * 1024;
    c.pool_size = 1024;
    c.small_threshold = 512; /* header + 2 x 512 > 1024 */
    expect_invalid(&c, "pool_size", "1024");
    c.small_threshold = 496; /* header + 2 x 496 = 1040 at least */
    expect_invalid(&c, "pool_size", "1024");
    c.small_threshold = 480; /* a 64-byte header and padding leave room for two */
    expect_valid(&c);
    c.pool_size = 512;
    c.small_threshold = 224;
    c.arena_size = 32 * 1024;
    expect_valid(&c);
    c.small_threshold = 256;
    expect_invalid(&c, "pool_size", "512");
    /* The default threshold needs the default pool: 64 + 2 x 4096 > 8 KiB. */
    c = pa_config_default();
    c.pool_size = 8 * 1024;
    expect_invalid(&c, "pool_size", "8192");
    c.small_threshold = 3584; /* 64 + 2 x 3584 fit */
    expect_valid(&c);
}

static void test_arena_size(void **state) {
    (void)state;
    static const size_t not_pow2[] = {0, 3 * 1024 * 1024, 1024 * 1024 + 4096};
    EXPECT_INVALID(arena_size, not_pow2);

    /* 4 .. 1024 pools per arena */
    pa_config c = pa_config_default();
    c.arena_size = 2 * c.pool_size;
    expect_invalid(&c, "arena_size", "32768");
    c.arena_size = c.pool_size; /* one pool */
    expect_invalid(&c, "arena_size", NULL);
    c.arena_size = 4 * c.pool_size;
    expect_valid(&c);
    c.small_threshold = 512;
    c.pool_size = 4096;
    c.arena_size = 1024 * 4096;
    expect_valid(&c);
    c.arena_size = 2048 * 4096;
    expect_invalid(&c, "arena_size", "8388608");

    /* an arena must at least be a page */
    c = pa_config_default();
    c.decommit = PA_DECOMMIT_NEVER;
    c.small_threshold = 128;
    c.pool_size = 512;
    c.arena_size = 2048; /* four pools, but less than a page */
    expect_invalid(&c, "arena_size", "2048");
}

static void test_decommit_needs_page_sized_pools(void **state) {
    (void)state;
    size_t page = pa_os_page_size();
    pa_config c = pa_config_default();
    c.pool_size = page / 2;
    c.small_threshold = 256;
    c.arena_size = 64 * c.pool_size;
    c.decommit = PA_DECOMMIT_FREE_POOLS;
    expect_invalid(&c, "decommit", NULL);
    c.decommit = PA_DECOMMIT_NEVER;
    expect_valid(&c);
    c.pool_size = page;
    c.arena_size = 16 * page;
    c.decommit = PA_DECOMMIT_FREE_POOLS;
    expect_valid(&c);
}

static void test_policies_in_range(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.empty_arenas = (pa_empty_arena_policy)7;
    expect_invalid(&c, "empty_arenas", "7");
    c = pa_config_default();
    c.decommit = (pa_decommit_policy)5;
    expect_invalid(&c, "decommit", "5");
    c = pa_config_default();
    c.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
    c.decommit = PA_DECOMMIT_NEVER;
    expect_valid(&c);
    c.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    c.decommit_keep_pools = 0;
    expect_valid(&c);
}

/* Each adaptive allowance needs its ceiling at or above its floor. */
static void test_retention_ceilings(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.empty_arenas_max = 0;
    expect_invalid(&c, "empty_arenas_max", "0");
    c = pa_config_default();
    c.decommit_keep_pools_max = 15;
    expect_invalid(&c, "decommit_keep_pools_max", "15");
    c = pa_config_default();
    c.large_cache_bytes_max = c.large_cache_bytes - 1;
    expect_invalid(&c, "large_cache_bytes_max", "1048575");
    c = pa_config_default();
    c.large_cache_bytes = c.large_cache_bytes_max = SIZE_MAX; /* a byte budget: any size is one */
    expect_valid(&c);
    c = pa_config_default();
    c.large_cache_bytes = c.large_cache_bytes_max = 0; /* no cache at all */
    expect_valid(&c);
}

/* A run of no pools would never reach the OS; one longer than an arena is
 * capped, not refused, so the default stays valid for small arenas. */
static void test_decommit_run_pools(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.decommit_run_pools = 0;
    expect_invalid(&c, "decommit_run_pools", "0");
    c = pa_config_default();
    c.arena_size = 4 * c.pool_size;
    assert_true(c.decommit_run_pools > 4);
    expect_valid(&c);
    pa_heap *h = pa_heap_create(&c);
    assert_non_null(h);
    pa_heap_view v;
    pa_introspect_heap(h, &v);
    assert_int_equal(v.decommit_run_max, 4);
    assert_int_equal(pa_heap_destroy(h), 0);
}

static void *dummy_map(void *ctx, size_t size, size_t alignment) {
    (void)ctx;
    (void)size;
    (void)alignment;
    return NULL;
}

static void *dummy_alloc(void *ctx, size_t size, size_t alignment) {
    (void)ctx;
    (void)size;
    (void)alignment;
    return NULL;
}

static void *dummy_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    (void)ctx;
    (void)p;
    (void)old_size;
    (void)new_size;
    return NULL;
}

static void test_layers_all_or_nothing(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.os.map = dummy_map;
    expect_invalid(&c, "os", NULL);

    c = pa_config_default();
    c.large.alloc = dummy_alloc;
    expect_invalid(&c, "large", NULL);
    c = pa_config_default();
    c.large.resize = dummy_resize;
    expect_invalid(&c, "large", NULL);
    c = pa_config_default();
    c.large.alloc_zeroed = dummy_alloc;
    expect_invalid(&c, "large", NULL);
}

static void test_memory_limit_boundary(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.memory_limit = c.arena_size; /* room for exactly one arena */
    expect_valid(&c);
}

static void test_message_buffer(void **state) {
    (void)state;
    pa_config c = pa_config_default();
    c.alignment = 12;
    assert_int_equal(pa_config_validate(&c, NULL, 0), EINVAL);
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(pa_config_validate(&c, tiny, sizeof tiny), EINVAL);
    assert_true(strlen(tiny) < sizeof tiny);
    char one[1] = {'x'};
    assert_int_equal(pa_config_validate(&c, one, 1), EINVAL);
    assert_int_equal(one[0], '\0');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_heap_config_fills_defaults),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_small_threshold),
        cmocka_unit_test(test_pool_size_power_of_two),
        cmocka_unit_test(test_pool_size_fits_pool_offsets),
        cmocka_unit_test(test_pool_holds_two_largest_blocks),
        cmocka_unit_test(test_arena_size),
        cmocka_unit_test(test_decommit_needs_page_sized_pools),
        cmocka_unit_test(test_policies_in_range),
        cmocka_unit_test(test_retention_ceilings),
        cmocka_unit_test(test_decommit_run_pools),
        cmocka_unit_test(test_layers_all_or_nothing),
        cmocka_unit_test(test_memory_limit_boundary),
        cmocka_unit_test(test_message_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

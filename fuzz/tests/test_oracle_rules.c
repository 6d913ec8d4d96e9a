/* The oracle rules that judge a call's result inside its op (cache, huge,
 * default_heap, stats_print, the misuse ops, a refused heap creation, the
 * debug layer's fills and scan) fire, each with its exact kind and
 * message, when the result is broken on purpose: by a large layer that lies
 * or refuses, or through the executor's doctor hook (oracle_doctor.h). The
 * heap's policies and placement: test_oracle_policy.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"
#include "oracle_doctor.h"
#include "poolalloc/poolalloc.h"
#include "poolalloc/stats.h"

#include "expect.h"

static void test_cache_rules(void) {
    const char *ops = "malloc 40\ncache 4 8 32\n";
    const rule_case cases[] = {
        {ops, PA_SITE_CACHE_STATS, C_CACHE_HIT, "CACHE_STATS",
         "after the allocations: the cache says size 32 cap 4 cached 0 hits 1 misses 8 parked 0 overflowed 0; "
         "the model 32 4 0 0 8 0 0"},
        {ops, PA_SITE_CACHE_STATS, C_CACHE_OVERFULL, "CACHE_OVER_CAPACITY",
         "after the allocations: the cache holds 5 objects, its capacity is 4"},
        /* a 32-byte object's block is class 32's, usable 32 */
        {ops, PA_SITE_USABLE, C_USABLE_SHORT, "CACHE_OBJECT",
         "object cache alloc 0 gave *: usable 31 for 32-byte objects, owned 1, alignment 16"},
    };
    expect_cases(PA_TARGET_CONFIG, cases, sizeof cases / sizeof cases[0], 1);
}

/* Freeing a block of the layers below does nothing. */
static void ignore_free(void *ctx, void *p, size_t size) { (void)ctx, (void)p, (void)size; }

/* A large layer that refuses everything. */
static void *refuse_alloc(void *ctx, size_t size, size_t alignment) {
    (void)ctx, (void)size, (void)alignment;
    return NULL;
}

#ifndef PA_FUZZ_TEST_ASAN
/* A large layer that lies: every request served from one small buffer, so a
 * request no heap can serve succeeds. Its blocks are never touched past the
 * buffer (the op fails before it writes). */
static _Alignas(4096) unsigned char lie_buffer[4096];
static void *lie_alloc(void *ctx, size_t size, size_t alignment) {
    (void)ctx, (void)size, (void)alignment;
    return lie_buffer;
}
#endif

static void test_huge_rules(void) {
    char want[200];
#ifndef PA_FUZZ_TEST_ASAN
    /* (ASan would unpoison 2^48 bytes of the lying block's shadow.) */
    pa_large_ops lie = {lie_alloc, NULL, ignore_free, NULL, NULL};
    snprintf(want, sizeof want, "malloc(%zu) returned * where it must fail", (size_t)1 << 48);
    expect_rule("malloc 40\nhuge malloc 2^48\n", &lie, NULL, 1, "EXPECTED_NULL", want);
#endif
    const char *ops = "malloc 100\nhuge realloc #0 size_max\n";
    expect_clean(ops, NULL);
    doctor_plan einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 0};
    snprintf(want, sizeof want, "realloc(%zu) returned NULL with errno %d, expected %d", SIZE_MAX, EINVAL, ENOMEM);
    expect_rule(ops, NULL, &einval, 1, "WRONG_ERRNO", want);
    /* (a 100-byte block's usable size is its class's, or under ASan 100) */
    doctor_plan grown = {PA_SITE_USABLE, C_USABLE_GROWN, 0, 0, 0};
    expect_rule(ops, NULL, &grown, 1, "USABLE_CHANGED", "a failed huge realloc changed b1's usable size from *");
    snprintf(want, sizeof want, "a failed huge realloc changed b1's usable size from %zu to %zu", grown.was,
             grown.was + 1);
    EXPECT(grown.was >= 100 && matches(want, last_detail), "'%s', expected '%s'", last_detail, want);
    pa_large_ops refuse = {refuse_alloc, NULL, ignore_free, NULL, NULL};
#ifdef PA_FUZZ_TEST_ASAN
    /* an ASan build asks 2^21 for 2^40 (exec_alloc.c: ASan's posix_memalign
     * keeps the whole mapping's shadow resident), which must be served */
    expect_rule("malloc 40\nhuge align 2^40\n", &refuse, NULL, 1, "UNEXPECTED_NULL",
                "memalign(1) returned NULL (errno 12) with no memory limit in force");
#else
    /* between 2^30 and 2^47 an alignment may be refused, with ENOMEM only */
    expect_clean("malloc 40\nhuge align 2^40\n", &refuse);
    doctor_plan align_einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 0};
    snprintf(want, sizeof want, "memalign(2^40, 1) returned NULL with errno %d, expected %d", EINVAL, ENOMEM);
    expect_rule("malloc 40\nhuge align 2^40\n", &refuse, &align_einval, 1, "WRONG_ERRNO", want);
#endif
}

static void test_default_heap_rules(void) {
    const char *ops = "default_heap 0 100\n";
    expect_clean(ops, NULL);
    doctor_plan none = {PA_SITE_USABLE, C_USABLE_NONE, 0, 0, 0};
    char want[200];
    expect_rule(ops, NULL, &none, 0, "DEFAULT_HEAP_BLOCK", "default heap: pa_malloc(100) gave *: usable 0, alignment 16 wanted");
    doctor_plan leak = {PA_SITE_DEFAULT_STATS, C_DEFAULT_LEAK, 0, 0, 0};
    /* the figures before the op are the heap's own; the one after, the doctor's */
    pa_free(pa_malloc(1));
    pa_stats now;
    pa_heap_stats(pa_default_heap(), &now);
    snprintf(want, sizeof want, "the default heap holds %zu small and %zu large blocks, before the op %zu and %zu",
             now.blocks_in_use + 1000, now.large_blocks, now.blocks_in_use, now.large_blocks);
    expect_rule(ops, NULL, &leak, 0, "DEFAULT_HEAP_LEAK", want);
    /* the second figures the site shows: the sum over the default heaps */
    doctor_plan none_summed = {PA_SITE_DEFAULT_STATS, C_DEFAULT_NONE, 0, 0, 1};
    snprintf(want, sizeof want, "pa_default_stats counts 0 small and * large blocks, fewer than the default heap's own "
             "%zu and *", now.blocks_in_use);
    expect_rule(ops, NULL, &none_summed, 0, "DEFAULT_STATS_SUM", want);
    /* the configuration first; then, while its block is live, the sum
     * field by field against the heap's own */
    static const rule_case cases[] = {
        {"default_heap 0 100\n", PA_SITE_DEFAULT_CONFIG, C_CACHE_BUDGET_SHORT, "DEFAULT_CONFIG",
         "the default heap's large_cache_bytes is 1047552, config.h documents 1048576"},
        {"default_heap 0 100\n", PA_SITE_DEFAULT_SUM, C_SUM_WRAPPED, "DEFAULT_STATS_SUM",
         "pa_default_stats's arenas_highwater is 18446744073709551*, the calling thread's heap's own *"},
        {"default_heap 0 100\n", PA_SITE_DEFAULT_SUM, C_SUM_NO_FREE, "DEFAULT_STATS_SUM",
         "pa_default_stats's class 6 (pools, full, blocks, bytes, free) * * * * 0, the calling thread's heap's own * * "
         "* * *"},
    };
    expect_cases(PA_TARGET_CONFIG, cases, sizeof cases / sizeof cases[0], 0);
    doctor_plan trim = {PA_SITE_DEFAULT_TRIM, C_TRIM_GAVE, 0, 0, 0};
    expect_rule(ops, NULL, &trim, 0, "DEFAULT_TRIM", "a second pa_trim gave back 4096 bytes; the first left nothing to give");
    /* the refused calls: the first, a calloc whose product overflows, and
     * the last, a posix_memalign no heap can serve (8 refusals before it) */
    doctor_plan calloc_einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 0};
    snprintf(want, sizeof want, "default heap: pa_calloc(2, SIZE_MAX / 2 + 1) returned NULL with errno %d, expected %d",
             EINVAL, ENOMEM);
    expect_rule(ops, NULL, &calloc_einval, 0, "WRONG_ERRNO", want);
    doctor_plan memalign_einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 8};
    snprintf(want, sizeof want, "default heap: pa_posix_memalign(4096, %zu) returned %d (out *, errno 0), expected %d, "
             "out untouched, errno 0", (size_t)PTRDIFF_MAX, EINVAL, ENOMEM);
    expect_rule(ops, NULL, &memalign_einval, 0, "WRONG_ERRNO", want);
    /* after them, the default heap's destroy, refused with EBUSY */
    doctor_plan destroy_einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 9};
    snprintf(want, sizeof want, "default heap: pa_heap_destroy(pa_default_heap()) returned 0 with errno %d, expected 0 "
             "with %d", EINVAL, EBUSY);
    expect_rule(ops, NULL, &destroy_einval, 0, "WRONG_ERRNO", want);
}

static void test_stats_print_rules(void) {
    const char *ops = "malloc 100\nmalloc 40000\nstats_print\n";
    expect_clean(ops, NULL);
    static const struct {
        pa_exec_site site;
        enum change change;
        const char *kind, *want;
    } cases[] = {
        {PA_SITE_STATS_TABLE, C_TEXT_GONE, "STATS_TEXT", "printing the statistics failed"},
        {PA_SITE_STATS_TABLE, C_TEXT_NO_TOTAL, "STATS_TEXT", "the printed table has no Total row"},
        {PA_SITE_STATS_TABLE, C_TEXT_WRONG_TOTAL, "STATS_TEXT", "the printed Total is ' 0\n', bytes_total *"},
        {PA_SITE_STATS_JSON, C_TEXT_GONE, "STATS_JSON", "printing the statistics failed"},
        {PA_SITE_STATS_JSON, C_JSON_BROKEN, "STATS_JSON", "the printed JSON does not parse: {\"classes\":["},
        {PA_SITE_STATS_JSON, C_JSON_NO_CLASSES, "STATS_JSON", "the JSON lists 0 classes, the stats 44"},
        {PA_SITE_STATS_JSON, C_JSON_WRONG_FIGURE, "STATS_JSON", "the JSON's bytes_total is not the stats' *"},
        {PA_SITE_STATS_TABLE, C_TEXT_ROW_GONE, "STATS_TEXT", "the printed table's row '# bytes of metadata' is not the stats' *"},
        {PA_SITE_STATS_TABLE, C_TEXT_CLASS_GONE, "STATS_TEXT", "class 6 (1 pools): the printed table lacks its row"},
        {PA_SITE_STATS_TABLE, C_TEXT_HEADING, "STATS_TEXT",
         "the printed table does not begin 'Small block threshold = 4096, in 44 size classes.'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        doctor_plan plan = {cases[i].site, cases[i].change, 0, 0, 0};
        expect_rule(ops, NULL, &plan, 2, cases[i].kind, cases[i].want);
    }
}

/* A new block of a debug heap holds the fresh fill (0xCD), an object
 * cache's new object too. */
static void test_fresh_fill_rule(void) {
    const char *ops = "config debug=1\nmemalign 64 100\n";
    expect_clean(ops, NULL);
    doctor_plan zeroed = {PA_SITE_FRESH_DATA, C_FRESH_ZEROED, 0, 0, 0};
    expect_rule(ops, NULL, &zeroed, 0, "DEBUG_FRESH_FILL",
                "memalign(100) on a debug heap returned * whose byte 0 is 0x00, not 0xcd");
    /* and a new object of an object cache on a debug heap */
    expect_clean("config debug=1\ncache 2 3 40\n", NULL);
    doctor_plan object = {PA_SITE_FRESH_DATA, C_FRESH_ZEROED, 0, 0, 0};
    expect_rule("config debug=1\ncache 2 3 40\n", NULL, &object, 0, "DEBUG_FRESH_FILL",
                "object cache alloc 0 (from the heap) gave * whose byte 0 is 0x00, not 0xcd");
}

/* The fill test's place of a wrong byte, at every place of both checked
 * ends (64 bytes each) of every size to 200: the first wrong byte of the
 * ends, a byte between them not looked at, n when the ends are right. */
static void test_fill_mismatch_places(void) {
    unsigned char d[200];
    int wrong = 0;
    for (size_t n = 1; n <= sizeof d; n++) {
        memset(d, 0xCD, n);
        wrong += ex_fill_mismatch(d, n, 0xCD) != n;
        for (size_t i = 0; i < n; i++) {
            memset(d, 0xCD, n);
            d[i] = 0xCC;
            size_t want = i < 64 || i >= n - (n < 64 ? n : 64) ? i : n;
            wrong += ex_fill_mismatch(d, n, 0xCD) != want;
        }
    }
    EXPECT(wrong == 0, "%d sizes and places answered wrong", wrong);
}

/* The misuse ops that write a debug block: the freed fill is there before
 * a write after free, the whole-heap scan finds the written block while it
 * waits in the quarantine, and the report's dump names the block's state
 * (live for a write past its guard, freed for a write after free). */
static void test_debug_write_rules(void) {
#define FREED_WRITE "malloc 100\nmisuse write_after_free #0\n"
    static const rule_case cases[] = {
        {FREED_WRITE, PA_SITE_FREED_DATA, C_FRESH_ZEROED, "DEBUG_FREED_FILL",
         "the block * (100 bytes) freed into the quarantine has byte 0 0x00, not the freed fill 0xdd"},
        {FREED_WRITE, PA_SITE_DEBUG_SCAN, C_SCAN_CLEAN, "DEBUG_SCAN_MISSED",
         "with byte 50 of the freed block * written in the quarantine, the debug layer's scan finds 0 damaged "
         "blocks, 1 of them that block written after free; expected 1 and 1"},
        {"malloc 100\nmisuse write_after #0\n", PA_SITE_MISUSE_STATE, C_STATE_UNKNOWN, "MISUSE_DUMP_STATE",
         "misuse write_after (of *): the report's dump calls the block 'unknown state', not 'live'"},
        {FREED_WRITE, PA_SITE_MISUSE_STATE, C_STATE_UNKNOWN, "MISUSE_DUMP_STATE",
         "misuse write_after_free (of *): the report's dump calls the block 'unknown state', not 'freed'"},
    };
    expect_cases(PA_TARGET_MISUSE, cases, sizeof cases / sizeof cases[0], 1);
#undef FREED_WRITE
}

/* A map fault armed before destroy refuses the next heap's creation: NULL
 * with ENOMEM, then the heap is made without it. */
static void test_refused_creation_rule(void) {
    const char *ops = "malloc 100\nfault map next 1\ndestroy\nmalloc 100\ncheck\n";
    doctor_plan einval = {PA_SITE_HUGE_ERRNO, C_ERRNO_EINVAL, 0, 0, 0};
    char want[200];
    snprintf(want, sizeof want, "pa_heap_create, a map refused, returned NULL with errno %d, expected %d", EINVAL, ENOMEM);
    expect_rule_in(PA_TARGET_FAULT, ops, NULL, &einval, 2, "WRONG_ERRNO", want);
}

/* A full check: the debug layer's whole-heap scan must agree with the
 * checker (it runs on every heap; a plain one has nothing to scan), and the
 * introspection API must refuse what is out of its range. */
static void test_debug_scan_rule(void) {
    const char *ops = "malloc 100\nmalloc 20032\ncheck\n";
    expect_clean(ops, NULL);
    doctor_plan damaged = {PA_SITE_DEBUG_SCAN, C_SCAN_DAMAGED, 0, 0, 0};
    expect_rule(ops, NULL, &damaged, 2, "DEBUG_SCAN", "the debug layer's scan finds 1 damaged block where the checker found none");
    /* and it asks the introspection API past its ranges: the first
     * question, a class one past the last, must be refused */
    doctor_plan accepted = {PA_SITE_INTROSPECT, C_INTROSPECT_ZERO, 0, 0, 0};
    expect_rule(ops, NULL, &accepted, 2, "INTROSPECT_ACCEPTED",
                "pa_introspect_class(nclasses) answered 0, expected -1 (refused)");
    /* and the last: the first pool an arena never carved is none yet */
    doctor_plan uncarved = {PA_SITE_INTROSPECT, C_INTROSPECT_ZERO, 0, 0, 25};
    expect_rule(ops, NULL, &uncarved, 2, "INTROSPECT_ACCEPTED",
                "pa_introspect_pool(an arena's first never-carved pool) answered 0, expected -1 (refused)");
    /* and the large block lies on the probe path from its home slot */
    doctor_plan moved_home = {PA_SITE_LARGE_HOME, C_HOME_NEXT, 0, 0, 0};
    expect_rule(ops, NULL, &moved_home, 2, "LARGE_TABLE_HOME",
                "the live block in large-block table slot * is off the probe path from its home slot * (the table's "
                "hash of its address): slot * between is empty");
}

/* The misuse ops' refused calls: a dead or wild pointer's realloc returns
 * NULL and its usable_size 0, a freed block is not the heap's, and a broken
 * configuration makes no heap. */
static void test_misuse_result_rules(void) {
    const char *plain = "malloc 100\nmisuse plain\n";
    doctor_plan realloc_served = {PA_SITE_MISUSE_RESULT, C_MISUSE_SERVED, 0, 0, 0};
    expect_rule_in(PA_TARGET_MISUSE, plain, NULL, &realloc_served, 1, "MISUSE_SERVED",
                   "misuse plain (a freed block): realloc (of *) returned 0x1, not 0");
    doctor_plan usable_served = {PA_SITE_MISUSE_RESULT, C_MISUSE_SERVED, 0, 0, 1};
    expect_rule_in(PA_TARGET_MISUSE, plain, NULL, &usable_served, 1, "MISUSE_SERVED",
                   "misuse plain (a freed block): usable_size (of *) returned 0x1, not 0");
    /* stale: four wild pointers, then the freed block, two results each */
    doctor_plan owns = {PA_SITE_MISUSE_RESULT, C_MISUSE_SERVED, 0, 0, 10};
    expect_rule_in(PA_TARGET_MISUSE, "malloc 100\nmisuse stale #0\n", NULL, &owns, 1, "MISUSE_OWNS_FREED",
                   "pa_heap_owns of the freed block * in the quarantine said yes");
    doctor_plan made = {PA_SITE_MISUSE_RESULT, C_MISUSE_SERVED, 0, 0, 0};
    char want[200];
    snprintf(want, sizeof want, "bad_config limit: pa_heap_create made a heap (errno %d), expected NULL with EINVAL",
             EINVAL);
    expect_rule_in(PA_TARGET_MISUSE, "misuse bad_config limit\n", NULL, &made, 0, "CONFIG_ACCEPTED", want);
    /* and the configuration all others start from, the default, is taken */
    doctor_plan no_default = {PA_SITE_MISUSE_RESULT, C_MISUSE_NONE, 0, 0, 1};
    expect_rule_in(PA_TARGET_MISUSE, "misuse bad_config limit\n", NULL, &no_default, 0, "HEAP_CREATE",
                   "pa_heap_create(NULL) (the default configuration) made no heap (errno *)");
}

int main(void) {
    test_fresh_fill_rule();
    test_fill_mismatch_places();
    test_debug_write_rules();
    test_cache_rules();
    test_huge_rules();
    test_default_heap_rules();
    test_debug_scan_rule();
    test_refused_creation_rule();
    test_stats_print_rules();
    test_misuse_result_rules();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

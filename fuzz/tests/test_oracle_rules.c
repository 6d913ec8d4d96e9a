/* The oracle rules of the ops that judge results inside the op (cache,
 * huge, default_heap, stats_print) fire, each with its exact kind and
 * message, when the result is broken on purpose: by a large layer that lies
 * or refuses, or through the executor's doctor hook (pa_exec_site), which
 * changes a result before its rule judges it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block_oracle.h"
#include "executor.h"
#include "input.h"
#include "ops.h"
#include "poolalloc/object_cache.h"
#include "poolalloc/poolalloc.h"
#include "poolalloc/stats.h"

#include "expect.h"

/* How the doctor breaks the one result it is after. */
enum change {
    C_CACHE_HIT,          /* the cache reports one hit more than it had */
    C_CACHE_OVERFULL,     /* the cache reports one object parked past its capacity */
    C_USABLE_SHORT,       /* a block is one byte short of its request */
    C_USABLE_GROWN,       /* a block's usable size grew by one */
    C_USABLE_NONE,        /* a block has no usable bytes */
    C_ERRNO_EINVAL,       /* a huge call's errno is EINVAL */
    C_DEFAULT_LEAK,       /* the default heap holds 1000 small blocks more */
    C_TEXT_GONE,          /* the print failed */
    C_TEXT_NO_TOTAL,      /* a table without its Total row */
    C_TEXT_WRONG_TOTAL,   /* a table whose Total is 0 */
    C_JSON_BROKEN,        /* JSON that does not parse */
    C_JSON_NO_CLASSES,    /* JSON with an empty classes array */
    C_JSON_WRONG_FIGURE,  /* the JSON's bytes_total off in its first digit */
    C_KEPT_NO_ARENA,      /* free_all gave back the arena KEEP_ONE keeps */
    C_KEPT_ALLOWANCE,     /* the allowance of wholly free arenas is past empty_arenas_max */
    C_KEPT_HEAD_STUCK,    /* the quarantine's oldest slot did not move */
    C_POOLS_ONE_MORE,     /* an arena keeps one committed free pool more */
    C_FRESH_ZEROED,       /* a new or freed debug block's first byte is 0 */
    C_STATE_UNKNOWN,      /* a misuse report's dump calls its block "unknown state" */
    C_FLIPPED,            /* a yes/no answer turned round */
    C_SCAN_DAMAGED,       /* the debug scan finds one damaged block */
    C_SCAN_CLEAN,         /* the debug scan finds no damaged block */
    C_TRIM_GAVE,          /* a second trim gives back a page */
    C_MISUSE_SERVED,      /* a refused misuse call returned something */
    C_MISUSE_NONE,        /* a call that must serve returned nothing */
    C_INTROSPECT_ZERO,    /* an introspection call accepted an argument out of range */
    C_DEFAULT_NONE,       /* the default heaps hold no small block */
    C_SUM_WRAPPED,        /* the sum's arenas_highwater subtracted, not added */
    C_SUM_NO_FREE,        /* the sum's classes have no free blocks */
    C_TEXT_ROW_GONE,      /* a table without its "# bytes of metadata" row */
    C_TEXT_CLASS_GONE,    /* a table without its first class row */
    C_TEXT_HEADING,       /* a table whose heading names one class fewer */
    C_CACHE_BUDGET_SHORT, /* the default heap's large cache budget 1 KiB short */
    C_HOME_NEXT,          /* a large block's home slot is the one after its own */
    C_ALLOWANCE_LESS,     /* the arena allowance one lower */
};

typedef struct doctor_plan {
    pa_exec_site site;
    enum change change;
    int done;          /* only one result at the site is broken, */
    size_t was;        /* a usable size before the change */
    int skip;          /* after this many at the site passed through unchanged */

} doctor_plan;

static char *replace_text(char **text, const char *with) {
    free(*text);
    *text = with ? strdup(with) : NULL;
    return *text;
}

/* Removes from a text the line that begins after at (at its '\n'). */
static void drop_line(char *at) {
    char *next = strchr(at + 1, '\n');
    memmove(at, next, strlen(next) + 1);
}

static void doctor(void *ctx, pa_exec_site site, void *value) {
    doctor_plan *p = ctx;
    if (site != p->site || p->done || (p->skip && p->skip--))
        return;
    p->done = 1;
    pa_object_cache_stats *cs = value;
    size_t *usable = value;
    char **text = value;
    switch (p->change) {
    case C_CACHE_HIT:
        cs->hits++;
        break;
    case C_CACHE_OVERFULL:
        cs->cached = cs->capacity + 1;
        break;
    case C_USABLE_SHORT:
        --*usable;
        break;
    case C_USABLE_GROWN:
        p->was = (*usable)++;
        break;
    case C_USABLE_NONE:
        *usable = 0;
        break;
    case C_SCAN_DAMAGED:
        *(size_t *)value = 1;
        break;
    case C_SCAN_CLEAN:
        *(size_t *)value = 0;
        break;
    case C_TRIM_GAVE:
        *(size_t *)value = 4096;
        break;
    case C_MISUSE_SERVED:
        *(uintptr_t *)value = 1;
        break;
    case C_MISUSE_NONE:
        *(uintptr_t *)value = 0;
        break;
    case C_INTROSPECT_ZERO:
        *(long long *)value = 0;
        break;
    case C_HOME_NEXT:
        ++*(size_t *)value;
        break;
    case C_ALLOWANCE_LESS:
        --*(size_t *)value;
        break;
    case C_DEFAULT_NONE:
        ((pa_stats *)value)->blocks_in_use = 0;
        break;
    case C_ERRNO_EINVAL:
        *(int *)value = EINVAL;
        break;
    case C_DEFAULT_LEAK:
        ((pa_stats *)value)->blocks_in_use += 1000;
        break;
    case C_TEXT_GONE:
        replace_text(text, NULL);
        break;
    case C_TEXT_NO_TOTAL:
        replace_text(text, "Class  Size  Blocks\n");
        break;
    case C_TEXT_WRONG_TOTAL:
        replace_text(text, "Class  Size  Blocks\nTotal mapped = 0\n");
        break;
    case C_JSON_BROKEN:
        replace_text(text, "{\"classes\":[");
        break;
    case C_JSON_NO_CLASSES:
        replace_text(text, "{\"classes\":[]}");
        break;
    case C_KEPT_NO_ARENA:
        ((pa_exec_kept *)value)->arenas = 0;
        break;
    case C_KEPT_ALLOWANCE:
        ((pa_exec_kept *)value)->allowance = 1000;
        break;
    case C_FRESH_ZEROED:
        *(unsigned char *)value = 0;
        break;
    case C_FLIPPED:
        *(int *)value = !*(int *)value;
        break;
    case C_STATE_UNKNOWN:
        snprintf(value, 16, "unknown state");
        break;
    case C_POOLS_ONE_MORE:
        ++*usable;
        break;
    case C_KEPT_HEAD_STUCK:
        ((pa_exec_kept *)value)->quarantine_head = 0;
        break;
    case C_SUM_WRAPPED:
        ((pa_stats *)value)->arenas_highwater = 0 - ((pa_stats *)value)->arenas_highwater;
        break;
    case C_CACHE_BUDGET_SHORT:
        ((pa_config *)value)->large_cache_bytes -= 1024;
        break;
    case C_SUM_NO_FREE:
        for (size_t i = 0; i < ((pa_stats *)value)->nclasses; i++)
            ((pa_stats *)value)->classes[i].free_blocks = 0;
        break;
    case C_TEXT_ROW_GONE:
        drop_line(strstr(*text, "\n# bytes of metadata"));
        break;
    case C_TEXT_CLASS_GONE:
        drop_line(strstr(*text, "-----\n") + 5);
        break;
    case C_TEXT_HEADING: {
        char *n = strstr(*text, " size classes.");
        n[-1] = (char)(n[-1] - 1); /* 44 classes: 43 */
        break;
    }
    case C_JSON_WRONG_FIGURE: {
        char *v = strstr(*text, "\"bytes_total\":");
        if (v) {
            v += strlen("\"bytes_total\":");
            *v = *v == '9' ? '1' : (char)(*v + 1);
        }
        break;
    }
    }
}

/* The detail of the last failure expect_rule saw. */
static char last_detail[sizeof ((pa_exec_failure *)0)->detail];

/* Run text of the target (config's: the default configuration unless a
 * config line says otherwise), with large (if not NULL) as the heap's large
 * layer and the doctor's plan; the run must fail at op `at` with kind and a
 * detail that matches want. */
static void expect_rule_in(pa_target target, const char *text, const pa_large_ops *large, doctor_plan *plan,
                           size_t at, const char *kind, const char *want) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(target, text, &in, err, sizeof err) == 0, "%s", err);
    if (large)
        in.cfg.large = *large;
    pa_exec_options opt = {0, 0, NULL, NULL, plan, plan ? doctor : NULL};
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, &opt, &f, NULL);
    EXPECT(rc == 1 && !strcmp(f.kind, kind) && f.op_index == at && matches(want, f.detail),
           "'%s': expected %s at op %zu, '%s'; got %s at op %zu, '%s'", text, kind, at, want, rc ? f.kind : "a pass",
           rc ? f.op_index : 0, rc ? f.detail : "");
    snprintf(last_detail, sizeof last_detail, "%s", rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

static void expect_rule(const char *text, const pa_large_ops *large, doctor_plan *plan, size_t at, const char *kind,
                        const char *want) {
    expect_rule_in(PA_TARGET_CONFIG, text, large, plan, at, kind, want);
}

/* The same ops, undoctored, pass: what fires is the break alone. */
static void expect_clean(const char *text, const pa_large_ops *large) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_CONFIG, text, &in, err, sizeof err) == 0, "%s", err);
    if (large)
        in.cfg.large = *large;
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 0, "'%s' failed undoctored: %s %s", text, f.kind, f.detail);
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

/* A rule broken on purpose: the ops, the result the doctor changes, and
 * the failure that must follow. */
typedef struct rule_case {
    const char *ops;
    pa_exec_site site;
    enum change change;
    const char *kind, *want;
} rule_case;

/* Each case of the target fails at op `at` as it says (a config-target
 * case passes undoctored first). */
static void expect_cases(pa_target target, const rule_case *cases, size_t n, size_t at) {
    for (size_t i = 0; i < n; i++) {
        if (target == PA_TARGET_CONFIG)
            expect_clean(cases[i].ops, NULL);
        doctor_plan plan = {cases[i].site, cases[i].change, 0, 0, 0};
        expect_rule_in(target, cases[i].ops, NULL, &plan, at, cases[i].kind, cases[i].want);
    }
}

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

/* The large cache's admission at a free (exec_policy.c): a 40000-byte
 * block takes a 40960-byte step of the default 1 MiB budget; a 300032-byte
 * one is past what the cache keeps. */
static void test_cache_admission_rule(void) {
    static const rule_case cases[] = {
        {"malloc 40000\nfree #0\n", PA_SITE_CACHE_ADMIT, C_POOLS_ONE_MORE, "LARGE_CACHE_POLICY",
         "freeing a 40000-byte large block (capacity 40960) with 0 of the budget's 1048576 bytes cached: the cache "
         "holds 2 blocks of 40960 bytes, not 1 of 40960"},
        {"malloc 300032\nfree #0\n", PA_SITE_CACHE_ADMIT, C_POOLS_ONE_MORE, "LARGE_CACHE_POLICY",
         "freeing a 300032-byte large block (capacity 300032) with 0 of the budget's 1048576 bytes cached: the cache "
         "holds 1 blocks of 0 bytes, not 0 of 0"},
    };
    expect_cases(PA_TARGET_CONFIG, cases, sizeof cases / sizeof cases[0], 1);
}

/* The large cache's windows (exec_policy.c). Eight blocks of 199,936
 * bytes (capacity 212,992) freed fill the 1 MiB budget at four and flag
 * their bin; asked again, the fifth raises the budget to 2 MiB and starts a
 * window with nothing cached. Freed again they stay cached (1.7 MB) while
 * 8 KiB blocks come and go, 32 at a time: the first window ends busy (the
 * budget stays), the second idle (it halves). */
static void test_cache_decay_rule(void) {
    static const char prefix[] = "alloc_many 8 199936\nfree_range #0 8\nalloc_many 8 199936\nfree_range #0 8\n";
    static const char round[] = "alloc_many 32 8192\nfree_range #0 32\n";
    char *ops = malloc(sizeof prefix + 1024 * (sizeof round - 1));
    EXPECT(ops, "out of memory");
    if (!ops)
        return;
    memcpy(ops, prefix, sizeof prefix);
    for (int i = 0; i < 1024; i++)
        memcpy(ops + strlen(prefix) + (size_t)i * (sizeof round - 1), round, sizeof round);
    expect_clean(ops, NULL);
    doctor_plan busy = {PA_SITE_CACHE_DECAY, C_TRIM_GAVE, 0, 0, 0};
    expect_rule(ops, NULL, &busy, 1026, "LARGE_CACHE_DECAY",
                "the request that ended the large cache's window (budget 2097152, the window's least cached bytes 0, "
                "floor 1048576) left the budget 4096, expected 2097152");
    doctor_plan idle = {PA_SITE_CACHE_DECAY, C_TRIM_GAVE, 0, 0, 1};
    expect_rule(ops, NULL, &idle, 2050, "LARGE_CACHE_DECAY",
                "the request that ended the large cache's window (budget 2097152, the window's least cached bytes "
                "1703936, floor 1048576) left the budget 4096, expected 1048576");
    free(ops);
}

/* The retention allowances fall only at a window's last pool take
 * (exec_policy.c): a malloc at the window's start leaves them. */
static void test_retention_decay_rule(void) {
    doctor_plan fell = {PA_SITE_ALLOWANCE, C_ALLOWANCE_LESS, 0, 0, 0};
    expect_rule("malloc 100\n", NULL, &fell, 0, "RETENTION_DECAY_EARLY",
                "the allowances fell (arenas 1 to 0, pools 16 to 16) in an op begun 0 pool takes into a 4096-take "
                "retention window: a window ends only at its last take");
}

/* free_all's exact retention rules (exec_policy.c). */
static void test_free_all_policy_rules(void) {
    /* the default configuration: KEEP_ONE at allowance 1, 8 at most */
#define OPS_PLAIN "malloc 100\nfree_all\n"
#define OPS_DEBUG "config debug=1 quarantine=4\nalloc_many 6 64\nfree_all\n"
    /* one 16 KiB pool in use, none kept: with keep=4 the freed pool stays */
#define OPS_POOLS "config pool=16384 decommit=free_pools keep=4\nmalloc 64\nfree_all\n"
    static const rule_case cases[] = {
        {OPS_PLAIN, PA_SITE_FREE_ALL_KEPT, C_KEPT_NO_ARENA, "ARENA_POLICY",
         "empty-arena policy 0: 1 arenas before freeing everything, 0 after, exactly 1 must stay (allowance 1)"},
        {OPS_PLAIN, PA_SITE_FREE_ALL_KEPT, C_KEPT_ALLOWANCE, "ARENA_POLICY",
         "the heap may keep 1000 wholly free arenas, empty_arenas_max is 8"},
        {OPS_DEBUG, PA_SITE_FREE_ALL_KEPT, C_KEPT_HEAD_STUCK, "QUARANTINE_POLICY",
         "after 6 frees the quarantine (0 of 4 held, oldest at slot 0 before) holds 4 with its oldest at slot 0, "
         "not 4 at slot 2"},
        {OPS_POOLS, PA_SITE_FREE_ALL_POOLS, C_POOLS_ONE_MORE, "POOL_POLICY",
         "the arena in slot 0 kept 0 committed free pools and had 1 in use: after free_all it keeps 1, exactly 0 "
         "must stay (allowance 4, decommit=free_pools)"},
    };
    expect_cases(PA_TARGET_CONFIG, cases, sizeof cases / sizeof cases[0], 1);
#undef OPS_PLAIN
#undef OPS_DEBUG
#undef OPS_POOLS
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

/* memalign serves alignments up to 64 from pools, larger ones from the
 * large path (docs/ARCHITECTURE.md). */
static void test_memalign_path_rule(void) {
    const char *ops = "memalign 64 100\nmemalign 128 100\n";
    expect_clean(ops, NULL);
    doctor_plan large = {PA_SITE_MEMALIGN_SMALL, C_FLIPPED, 0, 0, 0};
    expect_rule(ops, NULL, &large, 0, "SMALL_NOT_IN_POOL",
                "memalign(64, 100) went to the large path; a pool serves alignments up to 64 with sizes rounded up "
                "to at most the threshold *");
    doctor_plan pooled = {PA_SITE_MEMALIGN_SMALL, C_FLIPPED, 0, 0, 1};
    expect_rule(ops, NULL, &pooled, 1, "LARGE_IN_POOL",
                "memalign(128, 100) went to the pool; a pool serves alignments up to 64 with sizes rounded up to at "
                "most the threshold *");
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

/* realloc's placement rules, judged on real blocks of a default heap: a
 * realloc that still fills more than half its block stays (REALLOC_MOVED),
 * and one growing out of its block goes to the largest class below twice
 * the size (REALLOC_GROWTH); the heap's own realloc passes both. */
static void test_realloc_rules(void) {
    pa_heap *h = pa_heap_create(NULL);
    EXPECT(h != NULL, "no heap");
    if (!h)
        return;
    void *p = pa_heap_malloc(h, 100); /* a 112-byte block */
    void *other = pa_heap_malloc(h, 200); /* a 208-byte block */
    pa_realloc_old old = {p, 100, 0, 1, "b1"};
    pa_fresh_verdict v;
    char want[256];
    EXPECT(pa_realloc_vet(h, 0, &old, 57, other, &v) == -1 && !strcmp(v.kind, "REALLOC_MOVED"),
           "a realloc to 57 bytes of a 112-byte block that moved: %s", v.kind ? v.kind : "passed");
    snprintf(want, sizeof want, "realloc of b1 (112-byte block at %p) to 57 bytes moved it to %p", p, other);
    EXPECT(v.kind && !strcmp(v.detail, want), "'%s', expected '%s'", v.detail, want);
    EXPECT(pa_realloc_vet(h, 0, &old, 56, other, &v) == 0, "a move at half the block refused: %s", v.detail);
    /* the smallest class: no smaller block to move to */
    void *tiny = pa_heap_malloc(h, 10), *tiny2 = pa_heap_malloc(h, 10);
    pa_realloc_old small_old = {tiny, 10, 0, 1, "b2"};
    EXPECT(pa_realloc_vet(h, 0, &small_old, 5, tiny2, &v) == -1 && !strcmp(v.kind, "REALLOC_MOVED"),
           "a 16-byte block shrunk to 5 bytes moved: %s", v.kind ? v.kind : "passed");
    EXPECT(pa_heap_realloc(h, tiny, 5) == tiny, "the heap moved a 16-byte block shrunk to 5 bytes");
    pa_heap_free(h, tiny);
    pa_heap_free(h, tiny2);
    EXPECT(pa_realloc_vet(h, 0, &old, 200, other, &v) == -1 && !strcmp(v.kind, "REALLOC_GROWTH"),
           "a growth to 200 bytes into a 208-byte block: %s", v.kind ? v.kind : "passed");
    snprintf(want, sizeof want,
             "realloc of b1 (112-byte block at %p) to 200 bytes moved it to a 208-byte block at %p, not 384 (the "
             "largest class below twice the size)",
             p, other);
    EXPECT(v.kind && !strcmp(v.detail, want), "'%s', expected '%s'", v.detail, want);
    void *q = pa_heap_realloc(h, p, 200);
    EXPECT(q && pa_realloc_vet(h, 0, &old, 200, q, &v) == 0, "the heap's own growth refused: %s", v.detail);
    pa_realloc_old grown = {q, 200, 0, 1, "b1"};
    void *top = pa_heap_realloc(h, q, 2100); /* past half the threshold: the threshold's class */
    EXPECT(top && pa_realloc_vet(h, 0, &grown, 2100, top, &v) == 0, "growth past half the threshold refused: %s",
           v.detail);
    pa_heap_free(h, top);
    pa_heap_free(h, other);
    pa_heap_destroy(h);
}

int main(void) {
    test_realloc_rules();
    test_cache_admission_rule();
    test_cache_decay_rule();
    test_retention_decay_rule();
    test_free_all_policy_rules();
    test_fresh_fill_rule();
    test_memalign_path_rule();
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

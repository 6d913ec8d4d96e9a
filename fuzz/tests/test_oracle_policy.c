/* The oracle rules of the heap's policies and placement fire, each with its
 * exact kind and message, when a result is broken on purpose through the
 * executor's doctor hook (oracle_doctor.h) or handed to the rule directly:
 * the large cache's admission and windows, the retention allowances'
 * windows, free_all's exact retention, where memalign and realloc place a
 * block. The rules that judge a call's result: test_oracle_rules.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block_oracle.h"
#include "oracle_doctor.h"
#include "poolalloc/heap.h"

#include "expect.h"

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
    test_memalign_path_rule();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

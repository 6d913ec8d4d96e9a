/* The checker on healthy heaps: long random workloads in every test
 * configuration, the incremental check after every step, full and ghost
 * checks along the way and after draining. Any report is a false alarm
 * (or an allocator bug), and fails the test with the report printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "poolalloc/stats.h"
#include "support.h"

#define STEPS 30000
#define FULL_EVERY 1000

static void full_checks(pa_heap *h, const pa_os_counter *os, const ts_live *l, pa_check_report *r,
                        const char *context) {
    pa_check_options opt = {.os = os};
    pa_check_heap_opts(h, &opt, r);
    pa_check_live_set(h, (const void *const *)l->p, l->n, r);
    ts_expect_clean(r, context);
}

/* What a run went through, so a test that stays silent is known to have
 * crossed the paths the checker must follow (decommit, release). */
typedef struct seen {
    size_t decommitted_max;
    uint64_t released;
    size_t arenas_max;
    uint64_t failures[PA_OS_REQUEST_KINDS];
} seen;

static void note(const pa_heap *h, seen *s) {
    pa_stats st;
    pa_heap_stats(h, &st);
    if (st.decommitted_pools > s->decommitted_max)
        s->decommitted_max = st.decommitted_pools;
    if (st.arenas_current > s->arenas_max)
        s->arenas_max = st.arenas_current;
    s->released = st.arenas_released_total;
}

/* Fail one OS request in five, of every kind, once the heap exists: the
 * failure paths must leave a heap the checker finds consistent. */
static int every_fifth(void *ctx, pa_os_request request, size_t size, uint64_t seq) {
    (void)ctx, (void)request, (void)size;
    return seq % 5 == 4;
}

static void run_os(pa_config cfg, const char *name, uint64_t seed, seen *s, pa_os_fail_fn fail) {
    pa_os_counter os;
    pa_os_counter_init(&os, NULL);
    cfg.os = pa_os_counter_ops(&os);
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    os.should_fail = fail;
    pa_check_report *r = pa_check_report_new();
    ts_live l = {0};
    uint64_t rng = seed;
    const void *touched[2];
    char context[96];
    for (int step = 0; step < STEPS; step++) {
        size_t n = ts_step(h, &l, &rng, touched);
        pa_check_incremental(h, touched, n, r);
        if (pa_check_report_count(r))
            snprintf(context, sizeof context, "%s seed %llu step %d incremental", name,
                     (unsigned long long)seed, step);
        ts_expect_clean(r, context);
        if (step % FULL_EVERY == 0) {
            snprintf(context, sizeof context, "%s seed %llu step %d full", name,
                     (unsigned long long)seed, step);
            full_checks(h, &os, &l, r, context);
            note(h, s);
        }
    }
    /* Drain: every arena but those the policy keeps goes back. */
    while (l.n) {
        void *p = ts_live_take(&l, l.n - 1);
        pa_heap_free(h, p);
        const void *t = p;
        pa_check_incremental(h, &t, 1, r);
        ts_expect_clean(r, "drain incremental");
    }
    for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
        s->failures[k] += os.failures[k];
    snprintf(context, sizeof context, "%s seed %llu drained", name, (unsigned long long)seed);
    full_checks(h, &os, &l, r, context);
    note(h, s);
    /* The check found nothing; the walk it did must agree that nothing is
     * live, and (when unmapping cannot fail) every byte went back. */
    assert_int_equal(pa_heap_destroy(h), 0);
    if (!fail)
        assert_int_equal(os.bytes_mapped, 0);
    ts_live_free(&l);
    pa_check_report_free(r);
}

static void run(pa_config cfg, const char *name, uint64_t seed, seen *s) { run_os(cfg, name, seed, s, NULL); }

static void healthy_all_configs(void **state) {
    (void)state;
    for (int c = 0; c < TS_NCONFIGS; c++) {
        seen s = {0};
        for (uint64_t seed = 1; seed <= 2; seed++)
            run(ts_config(c), ts_config_name(c), seed * 7919 + (uint64_t)c, &s);
        fprintf(stderr, "%-10s arenas up to %zu, decommitted pools up to %zu, arenas released %llu\n",
                ts_config_name(c), s.arenas_max, s.decommitted_max, (unsigned long long)s.released);
        /* Every configuration grew past one arena and gave arenas back
         * (except keep-all); those keeping at most one committed free pool
         * per arena decommitted some. */
        pa_config cfg = ts_config(c);
        assert_true(s.arenas_max > 1);
        if (cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ALL)
            assert_int_equal(s.released, 0);
        else
            assert_true(s.released > 0);
        if (cfg.decommit == PA_DECOMMIT_FREE_POOLS && cfg.decommit_keep_pools <= 1)
            assert_true(s.decommitted_max > 0);
    }
}

static void healthy_os_failures(void **state) {
    (void)state;
    seen s = {0};
    for (int c = 0; c < TS_NCONFIGS; c++) {
        pa_config cfg = ts_config(c);
        /* Every other run without spares, whose pools go through their
         * arenas and so are decommitted and recommitted. */
        cfg.keep_spare_pools = c % 2;
        run_os(cfg, ts_config_name(c), 99 + (uint64_t)c, &s, every_fifth);
    }
    fprintf(stderr, "failed: map %llu, unmap %llu, decommit %llu, recommit %llu\n",
            (unsigned long long)s.failures[PA_OS_MAP], (unsigned long long)s.failures[PA_OS_UNMAP],
            (unsigned long long)s.failures[PA_OS_DECOMMIT], (unsigned long long)s.failures[PA_OS_RECOMMIT]);
    /* Every kind of request failed somewhere, and the heaps stayed clean. */
    for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
        assert_true(s.failures[k] > 0);
}

/* The debug layer puts headers and guards in every block and holds freed
 * blocks in a quarantine: the pools must still check clean. */
static void healthy_debug_layer(void **state) {
    (void)state;
    for (int c = 0; c < TS_NCONFIGS; c += 2) {
        seen s = {0};
        pa_config cfg = ts_config(c);
        cfg.debug = 1;
        cfg.debug_quarantine = 16;
        run(cfg, ts_config_name(c), 4242 + (uint64_t)c, &s);
        assert_true(s.arenas_max >= 1);
    }
}

/* ---- memory kept for reuse ------------------------------------------- */

/* What a phased run saw of the large cache and the retention allowances. */
typedef struct reuse_seen {
    size_t cached_max, arena_allowance_max, pool_allowance_max, arena_allowance_last;
    int arena_allowance_fell;
} reuse_seen;

static void note_reuse(const pa_heap *h, reuse_seen *s) {
    pa_heap_view v;
    pa_introspect_heap(h, &v);
    if (v.arena_allowance < s->arena_allowance_last)
        s->arena_allowance_fell = 1;
    s->arena_allowance_last = v.arena_allowance;
    if (v.arena_allowance > s->arena_allowance_max)
        s->arena_allowance_max = v.arena_allowance;
    if (v.pool_allowance > s->pool_allowance_max)
        s->pool_allowance_max = v.pool_allowance;
    if (v.large_cached_blocks > s->cached_max)
        s->cached_max = v.large_cached_blocks;
}

typedef struct reuse_run {
    pa_heap *h;
    pa_os_counter os;
    pa_check_report *r;
    ts_live l;
    uint64_t rng;
    reuse_seen seen;
    const char *name;
} reuse_run;

/* The incremental check after one operation; touched[1] may be NULL. */
static void reuse_touched(reuse_run *u, const void *a, const void *b) {
    const void *touched[2] = {a, b};
    pa_check_incremental(u->h, touched, 2, u->r);
    ts_expect_clean(u->r, u->name);
    note_reuse(u->h, &u->seen);
}

/* A large request up to 64 KiB: above the threshold, and above 512 for
 * the configurations whose threshold is lower (as the cache's bins start). */
static size_t large_size(const pa_heap *h, uint64_t *rng) {
    size_t threshold = pa_heap_config(h)->small_threshold;
    size_t least = threshold > 512 ? threshold : 512;
    return least + 1 + (size_t)(ts_rand(rng) % (65536 - least));
}

/* Mostly small blocks; one in 32 is large, of every cache step, and one in
 * 4 of those is then reallocated to another large size. */
static void reuse_alloc(reuse_run *u, int small_only) {
    uint64_t r = ts_rand(&u->rng);
    size_t threshold = pa_heap_config(u->h)->small_threshold;
    int large = !small_only && r % 32 == 0;
    void *p = pa_heap_malloc(u->h, large ? large_size(u->h, &u->rng) : 1 + (size_t)(r >> 8) % threshold);
    assert_non_null(p);
    reuse_touched(u, p, NULL);
    if (large && (r >> 40) % 4 == 0) {
        void *q = pa_heap_realloc(u->h, p, large_size(u->h, &u->rng));
        assert_non_null(q);
        reuse_touched(u, p, q);
        p = q;
    }
    ts_live_add(&u->l, p);
}

static void reuse_free_all(reuse_run *u) {
    while (u->l.n) {
        void *p = ts_live_take(&u->l, (size_t)(ts_rand(&u->rng) % u->l.n));
        pa_heap_free(u->h, p);
        reuse_touched(u, p, NULL);
    }
}

static void reuse_full(reuse_run *u, const char *stage, size_t phase) {
    char context[96];
    snprintf(context, sizeof context, "%s %s phase %zu", u->name, stage, phase);
    full_checks(u->h, &u->os, &u->l, u->r, context);
}

/* Phases that allocate a few arenas' worth and free it all, so arenas go
 * and come back (the arena allowance rises) and decommitted pools are
 * needed again (the pool allowance rises); then many phases of one block
 * per class, which map nothing, so the allowances decay and surplus arenas
 * go. */
static void reuse_phases(pa_config cfg, const char *name, uint64_t seed, reuse_seen *seen) {
    static const size_t arenas[] = {3, 6, 2, 6, 1, 5};
    reuse_run u = {.rng = seed, .name = name};
    pa_os_counter_init(&u.os, NULL);
    cfg.os = pa_os_counter_ops(&u.os);
    u.h = pa_heap_create(&cfg);
    assert_non_null(u.h);
    u.r = pa_check_report_new();
    size_t per_arena = cfg.arena_size / (cfg.small_threshold / 2 + 16);
    for (size_t phase = 0; phase < sizeof arenas / sizeof *arenas; phase++) {
        while (u.l.n < arenas[phase] * per_arena)
            reuse_alloc(&u, 0);
        reuse_full(&u, "allocated", phase);
        reuse_free_all(&u);
        reuse_full(&u, "freed", phase);
    }
    const pa_config *c = pa_heap_config(u.h);
    size_t nclasses = pa_config_class_count(c);
    for (size_t phase = 0; phase < 1600; phase++) {
        for (size_t k = 0; k < nclasses; k++) {
            void *p = pa_heap_malloc(u.h, pa_config_class_size(c, k));
            assert_non_null(p);
            reuse_touched(&u, p, NULL);
            ts_live_add(&u.l, p);
        }
        reuse_alloc(&u, 0);
        reuse_free_all(&u);
        if (phase % 100 == 0)
            reuse_full(&u, "one per class", phase);
    }
    reuse_full(&u, "end", 0);
    *seen = u.seen;
    assert_int_equal(pa_heap_destroy(u.h), 0);
    assert_int_equal(u.os.bytes_mapped, 0);
    ts_live_free(&u.l);
    pa_check_report_free(u.r);
}

static void healthy_reuse(void **state) {
    (void)state;
    static const int configs[] = {0, 2, 3, 4};
    for (size_t i = 0; i <= sizeof configs / sizeof *configs; i++) {
        /* The last run: a cache small enough to fill and refuse blocks. */
        int which = i < sizeof configs / sizeof *configs ? configs[i] : 0;
        pa_config cfg = ts_config(which);
        cfg.keep_spare_pools = 0; /* the allowances move on pool takes a spare would spare */
        if (i == sizeof configs / sizeof *configs)
            cfg.large_cache_bytes = 128 * 1024;
        reuse_seen s = {0};
        reuse_phases(cfg, ts_config_name(which), 1000 + i, &s);
        fprintf(stderr,
                "%-10s cached blocks up to %zu, arena allowance up to %zu (fell: %d), pool allowance up to %zu\n",
                ts_config_name(which), s.cached_max, s.arena_allowance_max, s.arena_allowance_fell,
                s.pool_allowance_max);
        /* The paths the checker must follow were taken. */
        assert_true(s.cached_max > 0);
        if (cfg.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE)
            assert_true(s.arena_allowance_max > 1 && s.arena_allowance_fell);
        if (cfg.decommit == PA_DECOMMIT_FREE_POOLS && cfg.decommit_keep_pools < cfg.decommit_keep_pools_max)
            assert_true(s.pool_allowance_max > cfg.decommit_keep_pools);
    }
}

/* Two whole decay windows of each kind, checked after every step: a small
 * block whose pool empties and is taken again each time (4096 takes a
 * window), and a cacheable large block (16384 requests a window). */
static void healthy_windows(void **state) {
    (void)state;
    pa_config cfg = ts_config(0);
    cfg.keep_spare_pools = 0; /* a spare would keep the pool from its arena */
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    pa_check_report *r = pa_check_report_new();
    uint64_t last[2] = {0, 0};
    size_t ends[2] = {0, 0};
    for (size_t i = 0; i < 2 * 16384 + 2 && !pa_check_report_count(r); i++) {
        void *large = pa_heap_malloc(h, 5000), *small = i < 2 * 4096 + 2 ? pa_heap_malloc(h, 16) : NULL;
        const void *touched[2] = {large, small};
        pa_check_incremental(h, touched, 2, r);
        pa_heap_view v;
        pa_introspect_heap(h, &v);
        uint64_t now[2] = {v.retention_window_takes, v.large_cache_window_takes};
        for (int k = 0; k < 2; k++) {
            ends[k] += now[k] < last[k];
            last[k] = now[k];
        }
        pa_heap_free(h, large);
        pa_heap_free(h, small);
    }
    ts_expect_clean(r, "decay windows");
    assert_true(ends[0] >= 2 && ends[1] >= 2);
    pa_check_report_free(r);
    pa_heap_destroy(h);
}

/* An empty heap and a heap with one block: the edges of every list. */
static void healthy_edges(void **state) {
    (void)state;
    for (int c = 0; c < TS_NCONFIGS; c++) {
        pa_config cfg = ts_config(c);
        pa_heap *h = pa_heap_create(&cfg);
        assert_non_null(h);
        pa_check_report *r = pa_check_report_new();
        pa_check_heap(h, r);
        pa_check_live_set(h, NULL, 0, r);
        ts_expect_clean(r, "empty heap");
        void *p = pa_heap_malloc(h, 1);
        const void *t = p;
        pa_check_incremental(h, &t, 1, r);
        pa_check_heap(h, r);
        pa_check_live_set(h, &t, 1, r);
        ts_expect_clean(r, "one block");
        pa_heap_free(h, p);
        pa_check_incremental(h, &t, 1, r);
        pa_check_heap(h, r);
        pa_check_live_set(h, NULL, 0, r);
        ts_expect_clean(r, "freed again");
        pa_check_report_free(r);
        pa_heap_destroy(h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_edges),
        cmocka_unit_test(healthy_all_configs),
        cmocka_unit_test(healthy_debug_layer),
        cmocka_unit_test(healthy_os_failures),
        cmocka_unit_test(healthy_reuse),
        cmocka_unit_test(healthy_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

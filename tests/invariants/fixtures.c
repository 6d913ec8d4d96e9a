#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int fx_spares;

static ts_fx *fx_new(pa_config cfg) {
    ts_fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pa_os_counter_init(&fx->os, NULL);
    cfg.os = pa_os_counter_ops(&fx->os);
    /* The fixtures place emptied pools on their arenas' lists; the spare
     * fixture (ts_setup_spare) keeps one. */
    cfg.keep_spare_pools = fx_spares;
    fx->h = pa_heap_create(&cfg);
    assert_non_null(fx->h);
    fx->r = pa_check_report_new();
    assert_non_null(fx->r);
    fx->ppa = cfg.arena_size / cfg.pool_size;
    return fx;
}

/* Fill in where blk[0] lives and its class's layout, from the views. */
static void locate(ts_fx *fx) {
    uintptr_t p = (uintptr_t)fx->blk[0];
    pa_arena_view a;
    assert_int_equal(pa_introspect_arena(fx->h, pa_introspect_owner(fx->h, p), &a), 0);
    const pa_config *c = pa_heap_config(fx->h);
    fx->slot = a.slot;
    fx->arena = (pa_arena *)a.object;
    fx->base = a.base;
    fx->index = (p - a.base) / c->pool_size;
    fx->pool = (pa_pool *)(a.base + fx->index * c->pool_size);
    pa_pool_view v;
    assert_int_equal(pa_introspect_pool(fx->h, (uintptr_t)fx->pool, &v), 0);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(fx->h, v.size_class, &cv), 0);
    fx->cls = v.size_class;
    fx->bs = cv.block_size;
    fx->first = cv.first_block_offset;
    fx->cap = cv.capacity;
}

static void expect_clean(ts_fx *fx, const char *context) {
    pa_check_options opt = {.os = &fx->os};
    pa_check_heap_opts(fx->h, &opt, fx->r);
    ts_expect_clean(fx->r, context);
}

int ts_setup_one_pool(void **state) {
    ts_fx *fx = fx_new(pa_config_default());
    for (int i = 0; i < 10; i++)
        fx->blk[i] = pa_heap_malloc(fx->h, 48);
    locate(fx);
    pa_heap_free(fx->h, fx->blk[2]);
    pa_heap_free(fx->h, fx->blk[5]);
    assert_int_equal(fx->bs, 48);
    assert_int_equal((uintptr_t)fx->blk[9], ts_block(fx, 9));
    expect_clean(fx, "one_pool setup");
    *state = fx;
    return 0;
}

int ts_setup_empty_arena(void **state) {
    pa_config cfg = pa_config_default();
    cfg.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
    cfg.decommit = PA_DECOMMIT_NEVER;
    ts_fx *fx = fx_new(cfg);
    fx->blk[0] = pa_heap_malloc(fx->h, 48);
    locate(fx);
    pa_heap_free(fx->h, fx->blk[0]);
    expect_clean(fx, "empty_arena setup");
    *state = fx;
    return 0;
}

int ts_setup_spare(void **state) {
    fx_spares = 1;
    ts_fx *fx = fx_new(pa_config_default());
    fx_spares = 0;
    fx->blk[1] = pa_heap_malloc(fx->h, 100); /* keeps the arena in use */
    fx->blk[0] = pa_heap_malloc(fx->h, 48);
    assert_non_null(fx->blk[0]);
    assert_non_null(fx->blk[1]);
    locate(fx);
    pa_heap_free(fx->h, fx->blk[0]);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(fx->h, fx->cls, &cv), 0);
    assert_int_equal(cv.spare, (uintptr_t)fx->pool);
    assert_int_equal(cv.used_pools, 0);
    expect_clean(fx, "spare setup");
    *state = fx;
    return 0;
}

/* Arenas of four 4 KiB pools, all kept, none decommitted: every arena and
 * pool a setup makes stays where it put it. Classes stop at 512 bytes (a
 * 4 KiB pool cannot hold two blocks of the default 4096), so requests above
 * 512 are large. */
static ts_fx *fx_small_arenas(void) {
    pa_config cfg = pa_config_default();
    cfg.small_threshold = 512;
    cfg.pool_size = 4096;
    cfg.arena_size = 4 * 4096;
    cfg.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
    cfg.decommit = PA_DECOMMIT_NEVER;
    return fx_new(cfg);
}

int ts_setup_three_arenas(void **state) {
    ts_fx *fx = fx_small_arenas();
    void *one[12];
    for (size_t k = 0; k < 12; k++)
        one[k] = pa_heap_malloc(fx->h, 16 * (k + 1));
    /* Pools are taken in order, four per arena: free 1, 2 and 3 of them. */
    static const int freed[] = {0, 4, 5, 8, 9, 10};
    for (size_t i = 0; i < sizeof freed / sizeof *freed; i++)
        pa_heap_free(fx->h, one[freed[i]]);
    fx->blk[0] = one[1];
    locate(fx);
    fx->blk[15] = pa_heap_malloc(fx->h, 100000);
    assert_non_null(fx->blk[15]);
    const pa_arena *a = fx->h->usable_arenas;
    for (int i = 0; i < 3; i++, a = a->next) {
        assert_non_null(a);
        assert_int_equal(a->nfreepools, i + 1);
        fx->three[i] = (pa_arena *)a;
    }
    assert_null(a);
    expect_clean(fx, "three_arenas setup");
    *state = fx;
    return 0;
}

int ts_setup_debug(void **state) {
    pa_config cfg = pa_config_default();
    cfg.debug = 1;
    cfg.debug_quarantine = 4;
    ts_fx *fx = fx_new(cfg);
    fx->blk[0] = pa_heap_malloc(fx->h, 10);
    fx->blk[1] = pa_heap_malloc(fx->h, 5000);
    fx->blk[2] = pa_heap_memalign(fx->h, 64, 100);
    fx->blk[3] = pa_heap_malloc(fx->h, 20);
    fx->blk[4] = pa_heap_malloc(fx->h, 7000);
    for (int i = 0; i < 5; i++)
        assert_non_null(fx->blk[i]);
    pa_heap_free(fx->h, fx->blk[3]);
    pa_heap_free(fx->h, fx->blk[4]);
    assert_int_equal(pa_introspect_quarantine_length(fx->h), 2);
    expect_clean(fx, "debug setup");
    *state = fx;
    return 0;
}

int ts_setup_reuse(void **state) {
    ts_fx *fx = fx_small_arenas();
    /* One block in each of eight classes: eight pools, two arenas. */
    for (size_t k = 0; k < 8; k++)
        fx->blk[k] = pa_heap_malloc(fx->h, 16 * (k + 1));
    static const size_t large[] = {600, 600, 700, 5000, 40000};
    for (size_t i = 0; i < 5; i++)
        fx->blk[8 + i] = pa_heap_malloc(fx->h, large[i]);
    fx->blk[15] = pa_heap_malloc(fx->h, 3000);
    for (size_t i = 0; i < 13; i++) {
        assert_non_null(fx->blk[i]);
        pa_heap_free(fx->h, fx->blk[i]);
    }
    assert_int_equal(fx->h->arenas_current, 2);
    assert_int_equal(fx->h->empty_arenas, 2);
    assert_int_equal(fx->h->large_cache.blocks, 5);
    assert_int_equal(fx->h->large_cache.bins[1], (uintptr_t)fx->blk[9]); /* newest first */
    expect_clean(fx, "reuse setup");
    *state = fx;
    return 0;
}

int ts_setup_decommit_run(void **state) {
    pa_config cfg = pa_config_default();
    cfg.small_threshold = 512; /* 4 KiB pools: classes up to 512 bytes */
    cfg.pool_size = 4096;
    cfg.arena_size = 16 * 4096;
    cfg.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
    cfg.decommit = PA_DECOMMIT_FREE_POOLS;
    cfg.decommit_keep_pools = cfg.decommit_keep_pools_max = 0;
    cfg.decommit_run_pools = 8;
    ts_fx *fx = fx_new(cfg);
    /* One class per pool: pools are carved in order. */
    for (size_t i = 0; i < 16; i++)
        assert_non_null(fx->blk[i] = pa_heap_malloc(fx->h, 16 * (i + 1)));
    locate(fx);
    for (size_t i = 1; i <= 3; i++)
        pa_heap_free(fx->h, fx->blk[i]);
    assert_int_equal(fx->h->decommit_run.slot, fx->slot + 1);
    assert_int_equal(fx->h->decommit_run.first, 1);
    assert_int_equal(fx->h->decommit_run.pools, 3);
    assert_int_equal(fx->os.requests[PA_OS_DECOMMIT], 0);
    expect_clean(fx, "decommit_run setup");
    *state = fx;
    return 0;
}

int ts_teardown(void **state) {
    ts_fx *fx = *state;
    pa_check_report_clear(fx->r);
    expect_clean(fx, "corruption undone");
    pa_check_report_free(fx->r);
    pa_heap_destroy(fx->h);
    free(fx);
    return 0;
}

uintptr_t ts_block(const ts_fx *fx, size_t i) { return (uintptr_t)fx->pool + fx->first + i * fx->bs; }

size_t ts_off(const ts_fx *fx, size_t i) { return fx->first + i * fx->bs; }

const char *ts_msg(const char *fmt, ...) {
    static char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

/* A report's printed text (ids, messages, addresses), malloc'd. */
static char *printed(const pa_check_report *r) {
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pa_check_report_print(r, f), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    char *text = calloc((size_t)n + 1, 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

/* The full check with the ghost-state check on its walk of the pools
 * (pa_check_options.live_report) reports what each reports alone: the
 * full check what is in fx->r, the ghost check on live[] (only after a
 * full check that passes). */
static void expect_as_alone(ts_fx *fx, const void *const *live, size_t n) {
    pa_check_report *full = pa_check_report_new(), *ghost = pa_check_report_new(), *alone = pa_check_report_new();
    assert_true(full && ghost && alone);
    pa_check_options opt = {.os = &fx->os, .live = live, .nlive = n, .live_report = ghost};
    assert_int_equal(pa_check_heap_opts(fx->h, &opt, full), pa_check_report_count(fx->r));
    if (!pa_check_report_count(fx->r))
        pa_check_live_set(fx->h, live, n, alone);
    char *texts[4] = {printed(fx->r), printed(full), printed(alone), printed(ghost)};
    assert_string_equal(texts[1], texts[0]);
    assert_string_equal(texts[3], texts[2]);
    for (size_t i = 0; i < 4; i++)
        free(texts[i]);
    /* one report for both: the full check's violations, then the ghost's */
    pa_check_report *both = pa_check_report_new();
    assert_non_null(both);
    opt.live_report = both;
    assert_int_equal(pa_check_heap_opts(fx->h, &opt, both), pa_check_report_count(full));
    assert_int_equal(pa_check_report_count(both), pa_check_report_count(full) + pa_check_report_count(ghost));
    for (size_t i = 0; i < pa_check_report_count(both); i++) {
        const pa_check_report *from = i < pa_check_report_count(full) ? full : ghost;
        size_t j = from == full ? i : i - pa_check_report_count(full);
        assert_string_equal(pa_check_report_message(both, i), pa_check_report_message(from, j));
    }
    pa_check_report_free(both);
    pa_check_report_free(full);
    pa_check_report_free(ghost);
    pa_check_report_free(alone);
}

void ts_full_one(ts_fx *fx, const char *id, const char *message) {
    pa_check_options opt = {.os = &fx->os};
    pa_check_report_clear(fx->r);
    pa_check_heap_opts(fx->h, &opt, fx->r);
    ts_expect_one(fx->r, id, message);
    expect_as_alone(fx, NULL, 0);
    pa_check_report_clear(fx->r);
}

size_t ts_one_pool_live(const ts_fx *fx, const void **out) {
    static const int live[] = {0, 1, 3, 4, 6, 7, 8, 9};
    for (size_t i = 0; i < 8; i++)
        out[i] = fx->blk[live[i]];
    return 8;
}

void ts_live_one(ts_fx *fx, const void *const *live, size_t n, const char *id, const char *message) {
    pa_check_report_clear(fx->r);
    pa_check_live_set(fx->h, live, n, fx->r);
    ts_expect_one(fx->r, id, message);
    pa_check_report_clear(fx->r);
    pa_check_options opt = {.os = &fx->os};
    pa_check_heap_opts(fx->h, &opt, fx->r);
    expect_as_alone(fx, live, n);
    pa_check_report_clear(fx->r);
}

void ts_full_all(ts_fx *fx, const char *id, const char *const *messages) {
    size_t n = 0;
    pa_check_options opt = {.os = &fx->os};
    pa_check_report_clear(fx->r);
    pa_check_heap_opts(fx->h, &opt, fx->r);
    while (messages[n])
        n++;
    if (pa_check_report_count(fx->r) != n)
        pa_check_report_print(fx->r, stderr);
    assert_int_equal(pa_check_report_count(fx->r), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(pa_check_report_id(fx->r, i), id);
        assert_string_equal(pa_check_report_message(fx->r, i), messages[i]);
    }
    expect_as_alone(fx, NULL, 0);
    pa_check_report_clear(fx->r);
}

/* SQLite-style exhaustive fault sweep: run one fixed workload again and
 * again, failing the 1st, 2nd, ... nth request to the OS layer (map, unmap,
 * decommit or recommit alike), until a run completes without reaching the
 * failure. Every run checks the malloc contracts (NULL with ENOMEM, the old
 * block intact after a failed realloc, contents preserved), runs the full
 * invariant check after every operation, and ends with every byte back; once
 * on a plain heap and once on a debug heap with a quarantine. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "poolalloc/check.h"
#include "pa_testing/os_counting.h"
#include "poolalloc/poolalloc.h"

#define SLOTS 48
#define OPS 600
#define QUARANTINE_FLUSH 4 /* sweep_config's debug_quarantine */

typedef struct slot {
    unsigned char *p;
    size_t size;
    unsigned char seed;
} slot;

static int fail_at(void *ctx, pa_os_request request, size_t size, uint64_t seq) {
    (void)request, (void)size;
    return seq == *(const uint64_t *)ctx;
}

static uint64_t next_random(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void fill(slot *s) {
    for (size_t i = 0; i < s->size; i++)
        s->p[i] = (unsigned char)(s->seed + i * 7);
}

static void expect_contents(const slot *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s->p[i], (unsigned char)(s->seed + i * 7));
}

static void expect_healthy(const pa_heap *heap, const pa_os_counter *os, pa_check_report *report) {
    pa_check_options opt = {.os = os};
    if (pa_check_heap_opts(heap, &opt, report)) {
        pa_check_report_print(report, stderr);
        fail_msg("the heap is inconsistent after an injected OS failure");
    }
}

/* Sizes that cross class boundaries (the linear ones, the last linear to
 * the first geometric, two geometric), the threshold (1792, sweep_config)
 * and the large path. */
static size_t pick_size(uint64_t *rng) {
    static const size_t sizes[] = {1,   8,   16,  17,  100, 255,  256,  257, 511,
                                   512, 513, 640, 641, 1792, 1793, 2000, 9000};
    return sizes[next_random(rng) % (sizeof sizes / sizeof *sizes)];
}

/* One run of the workload; returns the number of requests that failed. */
static uint64_t run_workload(pa_heap *heap, const pa_os_counter *os, pa_check_report *report) {
    slot slots[SLOTS] = {{0}};
    uint64_t rng = 0x9E3779B97F4A7C15u;
    for (int op = 0; op < OPS; op++) {
        slot *s = &slots[next_random(&rng) % SLOTS];
        size_t size = pick_size(&rng);
        unsigned kind = (unsigned)(next_random(&rng) % 4);
        errno = 0;
        if (s->p && kind == 0) {
            expect_contents(s, s->size);
            pa_heap_free(heap, s->p);
            s->p = NULL;
        } else if (s->p && kind == 1) {
            unsigned char *q = pa_heap_realloc(heap, s->p, size);
            if (!q) {
                assert_int_equal(errno, ENOMEM);
                expect_contents(s, s->size); /* the old block is untouched */
            } else {
                s->p = q;
                expect_contents(s, size < s->size ? size : s->size);
                s->size = size;
                fill(s);
            }
        } else if (!s->p) {
            s->p = kind == 2   ? pa_heap_memalign(heap, 64, size)
                   : kind == 3 ? pa_heap_calloc(heap, 1, size)
                               : pa_heap_malloc(heap, size);
            if (!s->p) {
                assert_int_equal(errno, ENOMEM);
                continue;
            }
            if (kind == 2)
                assert_int_equal((uintptr_t)s->p % 64, 0);
            for (size_t i = 0; kind == 3 && i < size; i++)
                assert_int_equal(s->p[i], 0);
            s->size = size;
            s->seed = (unsigned char)op;
            fill(s);
        }
        expect_healthy(heap, os, report);
    }
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].p) {
            expect_contents(&slots[i], slots[i].size);
            pa_heap_free(heap, slots[i].p);
        }
    /* A debug heap's quarantine still holds the last blocks freed, and
     * their arenas: blocks of one class, freed after them, push them out. */
    for (int i = 0; i < QUARANTINE_FLUSH; i++)
        pa_heap_free(heap, pa_heap_malloc(heap, 1));
    expect_healthy(heap, os, report);
    uint64_t failed = 0;
    for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
        failed += os->failures[k];
    return failed;
}

/* Small pools and arenas, decommit of every free pool and immediate arena
 * release: a short workload then makes every kind of OS request. The
 * threshold is the largest class a 4 KiB pool holds two blocks of (the
 * default's 4096 needs 16 KiB pools). */
static pa_config sweep_config(pa_os_counter *os, int debug) {
    pa_config cfg = pa_config_default();
    cfg.small_threshold = 1792;
    cfg.pool_size = 4096;
    cfg.arena_size = 16384;
    cfg.decommit = PA_DECOMMIT_FREE_POOLS;
    cfg.decommit_keep_pools = 0;
    cfg.decommit_run_pools = 1; /* a decommit request per pool, so recommits follow */
    cfg.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    cfg.os = pa_os_counter_ops(os);
    /* the debug layer maps its quarantine's ring at creation, one request more */
    cfg.debug = debug;
    cfg.debug_quarantine = debug ? QUARANTINE_FLUSH : 0;
    /* The debug heap's shorter run reaches decommits and recommits only
     * with every emptied pool going back to its arena. */
    cfg.keep_spare_pools = !debug;
    return cfg;
}

static void sweep(int debug) {
    pa_check_report *report = pa_check_report_new();
    uint64_t failures_by_kind[PA_OS_REQUEST_KINDS] = {0};
    uint64_t n = 0;
    for (;; n++) {
        pa_os_counter os;
        pa_os_counter_init(&os, NULL);
        os.should_fail = fail_at;
        os.fail_ctx = &n;
        pa_config cfg = sweep_config(&os, debug);
        errno = 0;
        pa_heap *heap = pa_heap_create(&cfg);
        if (!heap) {
            assert_int_equal(errno, ENOMEM);
            assert_int_equal(os.bytes_mapped, 0);
            continue;
        }
        uint64_t failed = run_workload(heap, &os, report);
        os.should_fail = NULL; /* the heap must be able to give everything back */
        assert_int_equal(pa_heap_destroy(heap), 0);
        assert_int_equal(os.bytes_mapped, 0);
        assert_int_equal(os.regions, 0);
        for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
            failures_by_kind[k] += os.failures[k];
        if (!failed)
            break;
    }
    printf("fault sweep%s: %llu runs; failed map %llu, unmap %llu, decommit %llu, recommit %llu\n",
           debug ? " (debug heap)" : "", (unsigned long long)n + 1, (unsigned long long)failures_by_kind[PA_OS_MAP],
           (unsigned long long)failures_by_kind[PA_OS_UNMAP], (unsigned long long)failures_by_kind[PA_OS_DECOMMIT],
           (unsigned long long)failures_by_kind[PA_OS_RECOMMIT]);
    /* The sweep is only worth its name if every kind of request failed. */
    for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
        assert_true(failures_by_kind[k] > 0);
    pa_check_report_free(report);
}

static void sweep_every_os_request(void **state) {
    (void)state;
    sweep(0);
}

static void sweep_every_os_request_debug(void **state) {
    (void)state;
    sweep(1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_every_os_request),
        cmocka_unit_test(sweep_every_os_request_debug),
    };
    return cmocka_run_group_tests_name("fault sweep", tests, NULL, NULL);
}

/* When the OS refuses memory or the memory limit is reached, requests fail
 * with NULL and ENOMEM, the heap's statistics stay consistent with the OS
 * layer's counts, and the heap works again once memory is there. A sweep
 * fails each OS request of a workload in turn. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pa_test.h"

static pa_heap *compact_heap(pa_test_os *os, size_t limit, pa_empty_arena_policy policy) {
    pa_test_os_init(os, NULL);
    pa_config base = pa_test_compact_config();
    base.memory_limit = limit;
    base.empty_arenas = policy;
    pa_config c = pa_test_arena_config(os, &base);
    return pa_test_heap_create(&c);
}

static void test_os_refuses_first_arena(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, 0, PA_EMPTY_ARENA_KEEP_ONE);
    size_t mapped = os.counter.bytes_mapped;
    os.fail[PA_OS_MAP] = 1;
    for (size_t n = 0; n <= 512; n += 64) {
        errno = 0;
        assert_null(pa_heap_malloc(h, n));
        assert_int_equal(errno, ENOMEM);
        errno = 0;
        assert_null(pa_heap_calloc(h, 1, n));
        assert_int_equal(errno, ENOMEM);
    }
    assert_true(os.counter.failures[PA_OS_MAP] > 0);
    assert_int_equal(os.counter.bytes_mapped, mapped);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_int_equal(s.arenas_allocated_total, 0);
    assert_int_equal(s.blocks_in_use, 0);
    os.fail[PA_OS_MAP] = 0;
    void *p = pa_heap_malloc(h, 100);
    assert_non_null(p);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(s.blocks_in_use, 1);
    pa_heap_free(h, p);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

/* Each map of heap creation refused in turn: NULL, ENOMEM, nothing kept;
 * 1 once creation needed fewer maps than the one refused. */
static int create_refused_at(uint64_t k, int debug) {
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    os.fail_nth[PA_OS_MAP] = k;
    pa_config base = pa_config_default();
    base.debug = debug; /* and its quarantine, a map of its own */
    base.debug_quarantine = debug ? 4 : 0;
    pa_config c = pa_test_arena_config(&os, &base);
    errno = 0;
    pa_heap *h = pa_heap_create(&c);
    if (h) {
        assert_true(os.seen[PA_OS_MAP] <= k);
        pa_heap_destroy(h);
        assert_int_equal(os.counter.bytes_mapped, 0);
        return 1;
    }
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(os.counter.bytes_mapped, 0);
    assert_int_equal(os.counter.regions, 0);
    return 0;
}

static void test_heap_create_refused(void **state) {
    (void)state;
    for (int debug = 0; debug <= 1; debug++) {
        uint64_t k = 0;
        while (!create_refused_at(k, debug))
            if (++k == 16)
                fail_msg("heap creation kept failing");
    }
}

static void test_memory_limit(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, 2 * 16 * 4096, PA_EMPTY_ARENA_KEEP_ONE);
    enum { MAX = 2 * 16 * 7 };
    void *p[MAX + 1];
    size_t n = 0;
    while ((p[n] = pa_heap_malloc(h, 512)) != NULL) {
        n++;
        assert_true(n <= MAX);
    }
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(n, MAX);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 2);
    assert_int_equal(os.counter.bytes_mapped - s.metadata_bytes, 2 * 16 * 4096);
    assert_true(os.counter.bytes_mapped_peak - s.metadata_bytes <= 2 * 16 * 4096);
    /* every class needs a pool now: all refused */
    for (size_t size = 1; size <= 512; size += 16) {
        errno = 0;
        assert_null(pa_heap_malloc(h, size));
        assert_int_equal(errno, ENOMEM);
    }
    /* large blocks are not arena memory */
    void *big = pa_heap_malloc(h, 5000);
    assert_non_null(big);
    pa_heap_free(h, big);
    /* one block back: exactly one request of its class succeeds again */
    void *back = p[17];
    pa_heap_free(h, back);
    void *again = pa_heap_malloc(h, 512);
    assert_ptr_equal(again, back);
    p[17] = again;
    assert_null(pa_heap_malloc(h, 512));
    /* one pool back: another class can have it */
    for (size_t i = 0; i < 7; i++)
        pa_heap_free(h, p[7 + i]);
    void *other = pa_heap_malloc(h, 16);
    assert_non_null(other);
    pa_heap_free(h, other);
    for (size_t i = 0; i < n; i++)
        if (i < 7 || i >= 14)
            pa_heap_free(h, p[i]);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.blocks_in_use, 0);
    /* and the full amount can be had again */
    for (size_t i = 0; i < MAX; i++) {
        p[i] = pa_heap_malloc(h, 512);
        assert_non_null(p[i]);
    }
    for (size_t i = 0; i < MAX; i++)
        pa_heap_free(h, p[i]);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

static void test_unmap_refused(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = compact_heap(&os, 0, PA_EMPTY_ARENA_RELEASE);
    enum { N = 3 * 16 * 7 };
    void *p[N];
    for (size_t i = 0; i < N; i++)
        p[i] = pa_heap_malloc(h, 512);
    os.fail[PA_OS_UNMAP] = 1;
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 3); /* the OS kept them, so does the heap */
    assert_int_equal(s.arenas_released_total, 0);
    assert_int_equal(s.blocks_in_use, 0);
    assert_int_equal(s.free_pools, 3 * 16);
    assert_true(os.counter.failures[PA_OS_UNMAP] >= 3);
    os.fail[PA_OS_UNMAP] = 0;
    /* the kept arenas are used, and released on the next round */
    for (size_t i = 0; i < N; i++)
        assert_non_null(p[i] = pa_heap_malloc(h, 512));
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_allocated_total, 3);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

/* An arena whose radix node the OS refuses, and then its unmap too, is kept
 * as the spare: counted as mapped (os_bytes_mapped), and the next arena. A spare whose unmap
 * the OS refuses at destroy stays with the OS layer, the one region left. */
static pa_heap *heap_with_spare(pa_test_os *os) {
    pa_heap *h = compact_heap(os, 0, PA_EMPTY_ARENA_KEEP_ONE);
    os->fail_nth[PA_OS_MAP] = os->seen[PA_OS_MAP] + 2; /* the arena table, the arena, its radix node */
    os->fail[PA_OS_UNMAP] = 1;
    errno = 0;
    assert_null(pa_heap_malloc(h, 100));
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(os->counter.failures[PA_OS_MAP], 1);
    assert_int_equal(os->counter.failures[PA_OS_UNMAP], 1);
    os->fail[PA_OS_UNMAP] = 0;
    /* no arena, one arena-sized region more than the metadata */
    pa_stats s;
    pa_heap_stats(h, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_int_equal(s.os_bytes_mapped, s.metadata_bytes + 16 * 4096);
    assert_int_equal(s.os_bytes_mapped, os->counter.bytes_mapped);
    return h;
}

static void test_spare_arena(void **state) {
    (void)state;
    pa_test_os os;
    pa_heap *h = heap_with_spare(&os);
    size_t mapped = os.counter.bytes_mapped;
    void *p = pa_heap_malloc(h, 100);
    assert_non_null(p);
    /* the spare is the arena: only metadata is mapped now */
    pa_stats s;
    pa_test_stats_checked(h, &os.counter, &s);
    assert_int_equal(s.arenas_current, 1);
    assert_int_equal(os.counter.bytes_mapped - mapped, s.metadata_bytes - (mapped - 16 * 4096));
    pa_heap_free(h, p);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);

    h = heap_with_spare(&os);
    os.fail_nth[PA_OS_UNMAP] = os.seen[PA_OS_UNMAP]; /* destroy's first unmap: the spare's */
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.regions, 1);
    assert_int_equal(os.counter.bytes_mapped, 16 * 4096);
}

/* All remaining free pools decommitted and no new arena allowed: a refused
 * recommit fails the request and changes nothing. */
static void test_recommit_refused(void **state) {
    (void)state;
    pa_test_os os;
    pa_test_os_init(&os, NULL);
    pa_config base = pa_test_compact_config();
    base.memory_limit = base.arena_size;
    base.decommit = PA_DECOMMIT_FREE_POOLS;
    base.decommit_keep_pools = 0;
    base.decommit_run_pools = 1; /* each pool decommitted as it is freed */
    pa_config c = pa_test_arena_config(&os, &base);
    pa_heap *h = pa_test_heap_create(&c);
    void *p[16][8];
    for (size_t i = 0; i < 16; i++)
        pa_test_fill_pool(h, 512, p[i]);
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 7; j++)
            pa_heap_free(h, p[i][j]);
    pa_stats before, after;
    pa_test_stats_checked(h, &os.counter, &before);
    assert_int_equal(before.decommitted_pools, 4);
    os.fail[PA_OS_RECOMMIT] = 1;
    errno = 0;
    assert_null(pa_heap_malloc(h, 64));
    assert_int_equal(errno, ENOMEM);
    assert_true(os.counter.failures[PA_OS_RECOMMIT] > 0);
    pa_test_stats_checked(h, &os.counter, &after);
    assert_memory_equal(&after, &before, sizeof after);
    os.fail[PA_OS_RECOMMIT] = 0;
    void *q = pa_heap_malloc(h, 64);
    assert_non_null(q);
    memset(q, 1, 64);
    pa_test_stats_checked(h, &os.counter, &after);
    assert_int_equal(after.decommitted_pools, 3);
    pa_heap_free(h, q);
    for (size_t i = 4; i < 16; i++)
        for (size_t j = 0; j < 7; j++)
            pa_heap_free(h, p[i][j]);
    assert_int_equal(pa_heap_destroy(h), 0);
    assert_int_equal(os.counter.bytes_mapped, 0);
}

/* A workload of small and large blocks over several arenas, with the k-th
 * map (then the k-th decommit, recommit) refused; every failed request is
 * NULL + ENOMEM, statistics stay consistent, all memory comes back. */
static size_t workload(pa_heap *h, const pa_test_os *os) {
    enum { N = 1500 };
    static void *p[N];
    size_t failed = 0;
    uint64_t x = 7;
    for (size_t i = 0; i < N; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t size = (x >> 33) % 16 == 0 ? 600 + (x >> 40) % 3000 : 1 + (x >> 40) % 512;
        errno = 0;
        p[i] = pa_heap_malloc(h, size);
        if (!p[i]) {
            assert_int_equal(errno, ENOMEM);
            failed++;
            pa_test_stats_checked(h, &os->counter, NULL);
        } else {
            memset(p[i], 0x77, size);
        }
        if (i % 3 == 2) {
            size_t j = (x >> 20) % (i + 1);
            pa_heap_free(h, p[j]);
            p[j] = NULL;
        }
    }
    pa_test_stats_checked(h, &os->counter, NULL);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    pa_test_stats_checked(h, &os->counter, NULL);
    return failed;
}

static void sweep(pa_os_request kind, pa_decommit_policy decommit) {
    size_t total_failed = 0;
    for (uint64_t k = 0;; k++) {
        pa_test_os os;
        pa_test_os_init(&os, NULL);
        pa_config base = pa_test_compact_config();
        base.empty_arenas = PA_EMPTY_ARENA_KEEP_ONE;
        base.decommit = decommit;
        base.decommit_keep_pools = 1;
        pa_config c = pa_test_arena_config(&os, &base);
        /* Nothing is refused before fail_nth is set below, so creation must
         * succeed. (Retrying a failed creation here looped forever, k never
         * growing, when the configuration was rejected with EINVAL.) */
        pa_heap *h = pa_test_heap_create(&c);
        os.fail_nth[kind] = os.seen[kind] + k;
        total_failed += workload(h, &os);
        int hit = os.counter.failures[kind] > 0;
        assert_int_equal(pa_heap_destroy(h), 0);
        assert_int_equal(os.counter.bytes_mapped, 0);
        assert_int_equal(os.counter.regions, 0);
        if (!hit)
            break; /* the workload made fewer than k + 1 such requests */
        assert_true(k < 10000);
    }
    if (kind == PA_OS_MAP)
        assert_true(total_failed > 0);
}

static void test_sweep_map(void **state) {
    (void)state;
    sweep(PA_OS_MAP, PA_DECOMMIT_NEVER);
}

static void test_sweep_decommit_recommit(void **state) {
    (void)state;
    sweep(PA_OS_DECOMMIT, PA_DECOMMIT_FREE_POOLS);
    sweep(PA_OS_RECOMMIT, PA_DECOMMIT_FREE_POOLS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_os_refuses_first_arena),
        cmocka_unit_test(test_heap_create_refused),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_unmap_refused),
        cmocka_unit_test(test_spare_arena),
        cmocka_unit_test(test_recommit_refused),
        cmocka_unit_test(test_sweep_map),
        cmocka_unit_test(test_sweep_decommit_recommit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

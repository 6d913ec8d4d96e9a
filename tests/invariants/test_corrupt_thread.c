/* One test per thread-heap invariant of the full check, on the default
 * API's real heaps: the calling thread's heap (a thread heap, its arenas in
 * the process-wide arena map) and the shared heap (none in the map), each
 * made wrong on purpose and put right again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "arena_owner.h"
#include "fixtures.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

/* The arena holding p in heap h. */
static pa_arena_view arena_of(const pa_heap *h, const void *p) {
    pa_arena_view a;
    assert_int_equal(pa_introspect_arena(h, pa_introspect_owner(h, (uintptr_t)p), &a), 0);
    return a;
}

static void expect_clean(const pa_heap *h, const char *context) {
    pa_check_report *r = pa_check_report_new();
    pa_check_heap(h, r);
    ts_expect_clean(r, context);
    pa_check_report_free(r);
}

static void expect_one(const pa_heap *h, const char *id, const char *message) {
    pa_check_report *r = pa_check_report_new();
    pa_check_heap(h, r);
    ts_expect_one(r, id, message);
    pa_check_report_free(r);
}

/* The calling thread's heap, made real by a small block (*p) from it. */
static pa_heap *thread_heap(void **p) {
    *p = pa_malloc(48);
    assert_non_null(*p);
    return pa_tls_heap;
}

/* A small block of the shared heap, allocated under its lock. */
static void *shared_block(pa_heap **shared) {
    *shared = pa_shared_heap_lock();
    assert_non_null(*shared);
    void *p = pa_heap_malloc(*shared, 48);
    pa_shared_heap_unlock();
    assert_non_null(p);
    return p;
}

static void thread_clean(void **state) {
    (void)state;
    void *p;
    pa_heap *h = thread_heap(&p);
    pa_heap *shared;
    void *q = shared_block(&shared);
    expect_clean(h, "the calling thread's heap");
    expect_clean(shared, "the shared heap");
    pa_free(q);
    pa_free(p);
}

/* The map names wrong, not right, for the arena of h holding p: one
 * ARENA_MAP_OWNER with these expected and found values, then put right. */
static void owner_wrong(pa_heap *h, void *p, pa_heap *wrong, pa_heap *right, const char *expected,
                        const char *found) {
    pa_arena_view a = arena_of(h, p);
    assert_int_equal(pa_arena_owner_set(h, a.base, wrong), 0);
    expect_one(h, "ARENA_MAP_OWNER",
               ts_msg("arena %zu: the process-wide arena map names the wrong heap for the arena: expected %s, "
                      "found %s",
                      a.slot, expected, found));
    assert_int_equal(pa_arena_owner_set(h, a.base, right), 0);
    expect_clean(h, "the map put right");
}

/* The map forgets the thread heap's arena: frees from other threads would
 * no longer find their way back. */
static void arena_map_owner(void **state) {
    (void)state;
    void *p;
    pa_heap *h = thread_heap(&p);
    char self[64];
    snprintf(self, sizeof self, "this heap (0x%lx)", (unsigned long)(uintptr_t)h);
    owner_wrong(h, p, NULL, h, self, "no heap");
    pa_free(p);
}

/* The shared heap's arena in the map: a free from any thread would reach
 * it without its lock. */
static void arena_map_owner_shared(void **state) {
    (void)state;
    pa_heap *s;
    void *q = shared_block(&s);
    char self[64];
    snprintf(self, sizeof self, "this heap (0x%lx)", (unsigned long)(uintptr_t)s);
    owner_wrong(s, q, s, NULL, "no heap", self);
    pa_free(q);
}

/* An arena-aligned region far from every arena named for the thread heap. */
static void arena_map_stray(void **state) {
    (void)state;
    void *p;
    pa_heap *h = thread_heap(&p);
    size_t live = pa_introspect_arena_map_count(h);
    uintptr_t far = (uintptr_t)1 << 46;
    assert_int_equal(pa_introspect_arena_map(far), 0);
    assert_int_equal(pa_arena_owner_set(h, far, h), 0);
    expect_one(h, "ARENA_MAP_STRAY",
               ts_msg("heap: the process-wide arena map names this heap for arenas that are not its live ones: "
                      "expected %zu, found %zu",
                      live, live + 1));
    assert_int_equal(pa_arena_owner_set(h, far, NULL), 0);
    expect_clean(h, "the map put right");
    pa_free(p);
}

/* A large block taken from the thread heap itself, not the shared heap. */
static void thread_heap_large(void **state) {
    (void)state;
    void *p;
    pa_heap *h = thread_heap(&p);
    void *big = pa_heap_malloc(h, (size_t)4 << 20);
    assert_non_null(big);
    expect_one(h, "THREAD_HEAP_LARGE",
               "heap: a thread heap holds large blocks: expected 0 live, 0 cached, found 1 live, 0 cached");
    pa_heap_free(h, big);
    expect_clean(h, "the large block freed (too big to cache)");
    pa_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_clean),
        cmocka_unit_test(arena_map_owner),
        cmocka_unit_test(arena_map_owner_shared),
        cmocka_unit_test(arena_map_stray),
        cmocka_unit_test(thread_heap_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

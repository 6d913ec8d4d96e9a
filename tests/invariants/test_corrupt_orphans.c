/* One test per orphan-list invariant of pa_check_threads, on the default
 * API's real orphan list: threads allocate and exit together, leaving
 * their heaps there; each test makes the list wrong on purpose and puts it
 * right. */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixtures.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

static void expect_clean(const char *context) {
    pa_check_report *r = pa_check_report_new();
    pa_check_threads(r);
    ts_expect_clean(r, context);
    pa_check_report_free(r);
}

static void expect_one(const char *id, const char *message) {
    pa_check_report *r = pa_check_report_new();
    pa_check_threads(r);
    ts_expect_one(r, id, message);
    pa_check_report_free(r);
}

#define EXITING 3

static pthread_barrier_t all_attached;

/* Each holds its heap until all have one, so none adopts another's. */
static void *allocate_and_exit(void *arg) {
    (void)arg;
    void *p = pa_malloc(48);
    assert_non_null(p);
    pa_free(p);
    pthread_barrier_wait(&all_attached);
    return NULL;
}

/* The orphan list now: its heaps, at least EXITING (threads just exited). */
static size_t orphans(pa_orphan_view *v, size_t max) {
    pthread_t t[EXITING];
    assert_int_equal(pthread_barrier_init(&all_attached, NULL, EXITING), 0);
    for (int i = 0; i < EXITING; i++)
        assert_int_equal(pthread_create(&t[i], NULL, allocate_and_exit, NULL), 0);
    for (int i = 0; i < EXITING; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&all_attached);
    size_t n = pa_introspect_orphans(v, max);
    assert_true(n >= EXITING && n < max);
    assert_int_equal(v[n - 1].next, 0);
    return n;
}

/* Appends h to the list's end (after orphan n - 1), checks for one
 * violation naming orphan n, and takes it off again. */
static void append_one(pa_heap *h, const char *id, const char *message) {
    pa_orphan_view v[16];
    size_t n = orphans(v, 16);
    pa_heap *last = (pa_heap *)v[n - 1].heap;
    last->next_orphan = h;
    expect_one(id, ts_msg(message, n));
    last->next_orphan = NULL;
    expect_clean("the list put right");
}

static void orphans_clean(void **state) {
    (void)state;
    pa_orphan_view v[16];
    orphans(v, 16);
    expect_clean("threads' heaps orphaned at their exit");
}

/* The last orphan links back to the first: an adopting thread would take
 * heaps forever, and two threads could adopt one heap. */
static void orphan_list_cycle(void **state) {
    (void)state;
    pa_orphan_view v[16];
    size_t n = orphans(v, 16);
    pa_heap *last = (pa_heap *)v[n - 1].heap;
    last->next_orphan = (pa_heap *)v[0].heap;
    expect_one("ORPHAN_LIST_CYCLE",
               ts_msg("heap: orphan %zu links back to an earlier orphan: expected a list that ends, found a link "
                      "to orphan 0",
                      n - 1));
    last->next_orphan = NULL;
    expect_clean("the cycle cut");
}

/* The shared heap on the list: an adopting thread would use it without
 * its lock. */
static void orphan_not_thread_heap_shared(void **state) {
    (void)state;
    pa_heap *shared = pa_shared_heap_lock();
    assert_non_null(shared);
    pa_shared_heap_unlock();
    append_one(shared, "ORPHAN_NOT_THREAD_HEAP",
               "heap: orphan %zu is not a heap of an exited thread: expected a thread heap, found the shared heap");
}

/* A heap of pa_heap_create on the list: its arenas are in no arena map, so
 * frees from other threads would not find their way back to it. */
static void orphan_not_thread_heap(void **state) {
    (void)state;
    pa_config cfg = pa_config_default();
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    append_one(h, "ORPHAN_NOT_THREAD_HEAP",
               "heap: orphan %zu is not a heap of an exited thread: expected a thread heap, found a heap that is "
               "not a thread heap");
    pa_heap_destroy(h);
}

/* The calling thread's own heap on the list: the next new thread would
 * adopt it while this one still uses it. */
static void orphan_attached(void **state) {
    (void)state;
    void *p = pa_malloc(48);
    assert_non_null(p);
    append_one(pa_tls_heap, "ORPHAN_ATTACHED",
               "heap: orphan %zu is still a live thread's heap: expected held by no thread, found held by a live "
               "thread");
    pa_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orphans_clean),
        cmocka_unit_test(orphan_list_cycle),
        cmocka_unit_test(orphan_not_thread_heap_shared),
        cmocka_unit_test(orphan_not_thread_heap),
        cmocka_unit_test(orphan_attached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

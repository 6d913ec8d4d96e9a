/* POOLALLOC_CHECK=every:N,full:M (either part optional): after every Nth
 * call of a thread, the incremental check of that thread's heap on the
 * blocks its calls touched since the last check; after every Mth call and
 * at exit, the full check of that heap, the process-wide thread check (the
 * orphan list, pa_check_threads) and the full check of the shared heap
 * (large and over-aligned blocks). On a violation: which heap and check,
 * the checker's report, that heap's statistics and a backtrace on stderr,
 * then abort. The checker's own allocations go to a heap other than the
 * one it reads, so that heap holds still: the shared heap while a thread
 * heap is checked, and while the shared heap is (its lock held throughout)
 * a heap of the checker's own, which that lock also guards. */
#include "checked.h"

#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolalloc/check.h"
#include "poolalloc/poolalloc.h"
#include "large_os.h"
#include "thread_heap.h"

#define TOUCHED_MAX 64

_Atomic int pa_checked_state;
static unsigned long every, full;

static __thread unsigned long calls __attribute__((tls_model("initial-exec")));
static __thread const void *touched[TOUCHED_MAX] __attribute__((tls_model("initial-exec")));
static __thread unsigned ntouched __attribute__((tls_model("initial-exec")));
static __thread pa_checker_heap busy __attribute__((tls_model("initial-exec")));

/* Used only under the shared heap's lock: one for the process. Its large
 * blocks come from mmap, as the drop-in's do. */
static pa_heap *checker_heap;

pa_checker_heap pa_checked_busy(void) { return busy; }

pa_heap *pa_checked_own_heap(void) { return checker_heap; }

/* Aborts with everything a user needs if r holds a violation: the heap it
 * was found in (what and where), the report, that heap's statistics and a
 * backtrace. */
static void abort_if_violated(const pa_check_report *r, const pa_heap *h, const char *which, const char *check) {
    size_t n = pa_check_report_count(r);
    if (!n)
        return;
    fprintf(stderr, "poolalloc: POOLALLOC_CHECK: %zu violation(s) in heap %p, %s (%s check after call %lu of this thread)\n",
            n, (const void *)h, which, check, calls);
    pa_check_report_print(r, stderr);
    pa_stats s;
    pa_heap_stats(h, &s);
    pa_stats_print(&s, stderr);
    void *frames[64];
    backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
    abort();
}

/* The shared heap, under its lock; the checker allocates from its own heap
 * meanwhile, and its report is made and freed there. */
static void check_shared(void) {
    pa_heap *s = pa_shared_heap_lock();
    if (!s)
        return;
    if (!checker_heap) {
        pa_config cfg = pa_config_default();
        cfg.large = pa_large_os();
        checker_heap = pa_heap_create(&cfg);
    }
    if (!checker_heap) {
        pa_shared_heap_unlock();
        fprintf(stderr, "poolalloc: POOLALLOC_CHECK: no memory for the checker's heap: the shared heap is not checked\n");
        return;
    }
    busy = PA_CHECKER_IN_OWN_HEAP;
    pa_check_report *r = pa_check_report_new();
    if (r) {
        pa_check_heap(s, r);
        abort_if_violated(r, s, "the shared heap of large and over-aligned blocks", "full");
        pa_check_report_free(r);
    }
    busy = PA_CHECKER_IN_SHARED_HEAP;
    pa_shared_heap_unlock();
}

static void run(pa_heap *h, int whole) {
    busy = PA_CHECKER_IN_SHARED_HEAP;
    pa_check_report *r = pa_check_report_new();
    if (r) {
        if (whole)
            pa_check_heap(h, r);
        else
            pa_check_incremental(h, touched, ntouched, r);
        abort_if_violated(r, h, "this thread's heap", whole ? "full" : "incremental");
        if (whole && pa_check_threads(r))
            abort_if_violated(r, pa_check_report_heap(r, 0), "on the orphan list of exited threads' heaps", "thread");
        pa_check_report_free(r);
    }
    if (whole)
        check_shared();
    ntouched = 0;
    busy = PA_CHECKER_OFF;
}

static void check_at_exit(void) {
    pa_heap *h = pa_tls_heap;
    if (h->in_arena_map && !busy)
        run(h, 1);
}

/* "every:N,full:M": a bad value is an error, not a silent default. */
static int parse(const char *spec) {
    while (*spec) {
        unsigned long *field = strncmp(spec, "every:", 6) == 0 ? &every : strncmp(spec, "full:", 5) == 0 ? &full : NULL;
        char *end = (char *)spec;
        if (field) {
            spec = strchr(spec, ':') + 1;
            *field = strtoul(spec, &end, 10);
        }
        if (!field || end == spec || *field == 0 || (*end && *end != ',')) {
            fprintf(stderr, "poolalloc: POOLALLOC_CHECK: expected every:N,full:M (N, M > 0), got \"%s\"\n", spec);
            return -1;
        }
        spec = *end ? end + 1 : end;
    }
    return 0;
}

static void start_once(void) {
    const char *spec = getenv("POOLALLOC_CHECK");
    int on = spec && *spec;
    if (on && parse(spec))
        abort();
    if (on) {
        atexit(check_at_exit);
        pa_thread_heaps_slow_paths_only();
    }
    atomic_store_explicit(&pa_checked_state, on ? 2 : 1, memory_order_relaxed);
}

int pa_checked_start(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, start_once);
    return atomic_load_explicit(&pa_checked_state, memory_order_relaxed) == 2;
}

static void note(pa_heap *h, const void *p) {
    if (p && ntouched < TOUCHED_MAX && pa_heap_owns(h, p))
        touched[ntouched++] = p;
}

void pa_checked_after(const void *a, const void *b) {
    pa_heap *h = pa_tls_heap;
    if (busy || !h->in_arena_map)
        return;
    note(h, a);
    note(h, b);
    calls++;
    if (full && calls % full == 0)
        run(h, 1);
    else if (every && calls % every == 0)
        run(h, 0);
}

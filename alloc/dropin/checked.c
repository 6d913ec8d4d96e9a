/* POOLALLOC_CHECK=every:N,full:M (either part optional): after every Nth
 * call of a thread, the incremental check of that thread's heap on the
 * blocks its calls touched since the last check; after every Mth call and
 * at exit, the full check and the process-wide thread check (the orphan
 * list, pa_check_threads). On a violation: the checker's report, the
 * heap's statistics and a backtrace on stderr, then abort. The checker's
 * own allocations go to the shared heap, so the heap it reads holds still.
 * The shared heap (large blocks) is not checked. */
#include "checked.h"

#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolalloc/check.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

#define TOUCHED_MAX 64

_Atomic int pa_checked_state;
static unsigned long every, full;

static __thread unsigned long calls __attribute__((tls_model("initial-exec")));
static __thread const void *touched[TOUCHED_MAX] __attribute__((tls_model("initial-exec")));
static __thread unsigned ntouched __attribute__((tls_model("initial-exec")));
static __thread int busy __attribute__((tls_model("initial-exec")));

int pa_checked_busy(void) { return busy; }

static void run(pa_heap *h, int whole) {
    busy = 1;
    pa_check_report *r = pa_check_report_new();
    if (r) {
        size_t n = whole ? pa_check_heap(h, r) + pa_check_threads(r) : pa_check_incremental(h, touched, ntouched, r);
        if (n) {
            fprintf(stderr, "poolalloc: POOLALLOC_CHECK: %zu violation(s) in heap %p (%s check after call %lu of this thread)\n",
                    n, (void *)h, whole ? "full" : "incremental", calls);
            pa_check_report_print(r, stderr);
            pa_stats s;
            pa_heap_stats(h, &s);
            pa_stats_print(&s, stderr);
            void *frames[64];
            backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
            abort();
        }
        pa_check_report_free(r);
    }
    ntouched = 0;
    busy = 0;
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
    if (on)
        atexit(check_at_exit);
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

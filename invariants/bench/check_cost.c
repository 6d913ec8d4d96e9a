/* What the invariant checker costs: ns per incremental check (one touched
 * block, as a fuzz target calls it after every step), and ms per full check
 * and per ghost (live-set) check per MiB of arena memory, on heaps grown by a
 * random workload to several sizes.
 *
 *   check_cost [max_mib]     (default 64)
 *
 * Prints one table; figures are the median of several runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poolalloc/check.h"
#include "poolalloc/heap.h"
#include "poolalloc/stats.h"

static double now_ns(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define RUNS 7

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

/* Grow h until its arenas hold about mib MiB, freeing a third of what it
 * allocates so pools have freelists and arenas free pools. */
static void **grow(pa_heap *h, size_t mib, size_t *nlive, uint64_t *rng) {
    size_t cap = 1024, n = 0;
    void **live = malloc(cap * sizeof *live);
    pa_stats s;
    for (;;) {
        for (int i = 0; i < 4096; i++) {
            uint64_t r = rnd(rng);
            if (n && r % 3 == 0) {
                size_t k = (size_t)(r >> 8) % n;
                pa_heap_free(h, live[k]);
                live[k] = live[--n];
                continue;
            }
            if (n == cap)
                live = realloc(live, (cap *= 2) * sizeof *live);
            live[n++] = pa_heap_malloc(h, 1 + (size_t)(r >> 20) % 512);
        }
        pa_heap_stats(h, &s);
        if (s.arenas_current * s.arena_size >= mib << 20)
            break;
    }
    *nlive = n;
    return live;
}

int main(int argc, char **argv) {
    size_t max_mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 64;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    printf("%8s %8s %10s %14s %14s %14s %14s\n", "MiB", "arenas", "live", "incr ns/check", "full ms", "full ms/MiB",
           "ghost ms/MiB");
    for (size_t mib = 1; mib <= max_mib; mib *= 4) {
        pa_heap *h = pa_heap_create(NULL);
        size_t nlive;
        void **live = grow(h, mib, &nlive, &rng);
        pa_check_report *r = pa_check_report_new();
        pa_stats s;
        pa_heap_stats(h, &s);
        double heap_mib = (double)(s.arenas_current * s.arena_size) / (1 << 20);

        double inc[RUNS], full[RUNS], ghost[RUNS];
        const int calls = 100000;
        for (int run = 0; run < RUNS; run++) {
            double t0 = now_ns();
            for (int i = 0; i < calls; i++) {
                const void *t = live[rnd(&rng) % nlive];
                pa_check_incremental(h, &t, 1, r);
            }
            inc[run] = (now_ns() - t0) / calls;
            t0 = now_ns();
            pa_check_heap(h, r);
            full[run] = (now_ns() - t0) / 1e6;
            t0 = now_ns();
            pa_check_live_set(h, (const void *const *)live, nlive, r);
            ghost[run] = (now_ns() - t0) / 1e6;
        }
        if (pa_check_report_count(r)) {
            pa_check_report_print(r, stderr);
            return 1;
        }
        double f = median(full, RUNS), g = median(ghost, RUNS);
        printf("%8.0f %8zu %10zu %14.0f %14.2f %14.3f %14.3f\n", heap_mib, s.arenas_current, nlive,
               median(inc, RUNS), f, f / heap_mib, g / heap_mib);
        pa_check_report_free(r);
        free(live);
        pa_heap_destroy(h);
    }
    return 0;
}

/* The article's scenario: allocate 10 Mi blocks of 16 bytes, free them all,
 * and show where the memory went. Run once as pymalloc before Python 2.5 did
 * (arenas never released) and once with this allocator's default policy. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pa_testing/os_counting.h"
#include "poolalloc/poolalloc.h"

#define MiB (1024.0 * 1024.0)

static size_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int run(const char *title, pa_empty_arena_policy policy, pa_decommit_policy decommit, size_t n) {
    pa_os_counter counter;
    pa_os_counter_init(&counter, NULL);
    pa_config cfg = pa_config_default();
    cfg.empty_arenas = policy;
    cfg.decommit = decommit;
    cfg.os = pa_os_counter_ops(&counter);
    pa_heap *heap = pa_heap_create(&cfg);
    /* The pointer array comes straight from the OS so it is not counted as
     * heap memory and can be returned before the "after" reading. */
    void **ptrs = mmap(NULL, n * sizeof *ptrs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!heap || ptrs == MAP_FAILED) {
        perror("article_scenario: setup");
        return 1;
    }
    size_t rss_start = rss_bytes();
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        if (!(ptrs[i] = pa_heap_malloc(heap, 16))) {
            perror("article_scenario: malloc");
            return 1;
        }
    double t1 = now_ns();
    size_t rss_peak = rss_bytes();
    pa_stats peak;
    pa_heap_stats(heap, &peak);
    double t2 = now_ns();
    for (size_t i = 0; i < n; i++)
        pa_heap_free(heap, ptrs[i]);
    double t3 = now_ns();
    munmap(ptrs, n * sizeof *ptrs);
    size_t rss_after = rss_bytes();
    pa_stats after;
    pa_heap_stats(heap, &after);

    printf("%s\n", title);
    printf("  blocks                      %zu x 16 B = %.1f MiB requested\n", n, n * 16 / MiB);
    printf("  ns per malloc+free pair     %.1f (malloc %.1f, free %.1f)\n", (t1 - t0 + t3 - t2) / n,
           (t1 - t0) / n, (t3 - t2) / n);
    printf("  arenas at peak / after      %zu / %zu (of %zu KiB)\n", peak.arenas_current, after.arenas_current,
           cfg.arena_size / 1024);
    printf("  heap bytes mapped peak      %.1f MiB\n", counter.bytes_mapped_peak / MiB);
    printf("  heap bytes mapped after     %.1f MiB\n", counter.bytes_mapped / MiB);
    printf("  process RSS start/peak/after %.1f / %.1f / %.1f MiB\n\n", rss_start / MiB, rss_peak / MiB,
           rss_after / MiB);
    size_t live = pa_heap_destroy(heap);
    if (live || counter.bytes_mapped) {
        fprintf(stderr, "article_scenario: %zu blocks live, %zu bytes still mapped after destroy\n", live,
                counter.bytes_mapped);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    size_t n = 10u * 1024 * 1024;
    if (argc > 1 && (n = strtoul(argv[1], NULL, 0)) == 0) {
        fprintf(stderr, "usage: %s [BLOCKS]   (default 10485760)\n", argv[0]);
        return 2;
    }
    int rc = run("Arenas never released (pymalloc before Python 2.5: the article's complaint)",
                 PA_EMPTY_ARENA_KEEP_ALL, PA_DECOMMIT_NEVER, n);
    rc |= run("poolalloc default (empty arenas released, one kept)", PA_EMPTY_ARENA_KEEP_ONE, PA_DECOMMIT_FREE_POOLS, n);
    return rc;
}

/* The allowance of wholly free arenas is per process, not per thread heap.
 * WORKERS threads each allocate and free ARENAS arenas' worth of small
 * blocks CYCLES times (mapping again right after giving arenas back raises
 * a heap's own allowance towards empty_arenas_max), then allocate once
 * more; the blocks are freed partly by their owner, partly by the next
 * worker, and the last few by the main thread after the workers exited
 * (into their orphaned heaps). WORKERS new threads then adopt those heaps
 * at once (which collects the main thread's frees) and read their
 * statistics: with every block freed, every arena left mapped is wholly
 * free, and all of them together must be at most empty_arenas_max, where
 * per-heap allowances alone would keep up to WORKERS times that. Prints
 * the resident set at the peak and after everything was freed. Exits 0,
 * or prints what broke and exits 1. Built for TSan too. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "poolalloc/poolalloc.h"

#define WORKERS 4
#define CYCLES 4
#define ARENAS 6
#define BLOCK 256
#define LEFT_FOR_MAIN 64 /* blocks per worker the main thread frees last */

static void **blocks[WORKERS];
static size_t nblocks;
static pthread_barrier_t phase;
static size_t arenas_kept[WORKERS];
static size_t blocks_left[WORKERS];
static int adopted[WORKERS];
static long peak_pages;

static long resident_pages(void) {
    long size = 0, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2)
            resident = -1;
        fclose(f);
    }
    return resident;
}

static int allocate_all(void **v) {
    for (size_t i = 0; i < nblocks; i++)
        if (!(v[i] = pa_malloc(BLOCK)))
            return -1;
    return 0;
}

static void *worker(void *arg) {
    size_t id = (size_t)arg;
    void **own = blocks[id], **next = blocks[(id + 1) % WORKERS];
    for (int c = 0; c < CYCLES; c++) {
        if (allocate_all(own))
            return "pa_malloc failed";
        for (size_t i = 0; i < nblocks; i++)
            pa_free(own[i]);
    }
    if (allocate_all(own))
        return "pa_malloc failed";
    pthread_barrier_wait(&phase);
    if (id == 0)
        peak_pages = resident_pages();
    pthread_barrier_wait(&phase);
    /* Own odd blocks, the next worker's even ones (cross-thread frees);
     * the last LEFT_FOR_MAIN of each array stay for the main thread. */
    for (size_t i = 0; i + LEFT_FOR_MAIN < nblocks; i++)
        pa_free(i % 2 ? own[i] : next[i]);
    pthread_barrier_wait(&phase); /* no free reaches a heap after it exits */
    return NULL;
}

static void *adopter(void *arg) {
    size_t id = (size_t)arg;
    pa_heap *h = pa_default_heap(); /* adopts an orphan, collecting its frees */
    pthread_barrier_wait(&phase);   /* all hold one: each adopted its own */
    pa_stats s;
    pa_heap_stats(h, &s);
    adopted[id] = s.arenas_allocated_total > 0; /* a new heap never mapped one */
    arenas_kept[id] = s.arenas_current;
    for (size_t c = 0; c < s.nclasses; c++)
        blocks_left[id] += s.classes[c].blocks_in_use;
    pthread_barrier_wait(&phase);
    return NULL;
}

static int run(void *(*fn)(void *)) {
    pthread_t t[WORKERS];
    int bad = 0;
    for (size_t i = 0; i < WORKERS; i++)
        if (pthread_create(&t[i], NULL, fn, (void *)i)) {
            fprintf(stderr, "arena_budget: pthread_create failed\n");
            exit(1);
        }
    for (size_t i = 0; i < WORKERS; i++) {
        void *err;
        pthread_join(t[i], &err);
        if (err) {
            fprintf(stderr, "arena_budget: worker %zu: %s\n", i, (const char *)err);
            bad = 1;
        }
    }
    return bad;
}

int main(void) {
    pa_config cfg = pa_config_default();
    nblocks = ARENAS * cfg.arena_size / BLOCK;
    for (size_t i = 0; i < WORKERS; i++)
        if (!(blocks[i] = calloc(nblocks, sizeof *blocks[i])))
            return 1;
    pthread_barrier_init(&phase, NULL, WORKERS);
    if (run(worker))
        return 1;
    for (size_t w = 0; w < WORKERS; w++)
        for (size_t i = nblocks - LEFT_FOR_MAIN; i < nblocks; i++)
            pa_free(blocks[w][i]);
    if (run(adopter))
        return 1;
    long after = resident_pages(), page = sysconf(_SC_PAGESIZE);
    size_t kept = 0, left = 0;
    for (size_t i = 0; i < WORKERS; i++) {
        kept += arenas_kept[i];
        left += blocks_left[i];
    }
    printf("arena_budget: %d threads, peak RSS %.1f MiB, after free-all %.1f MiB; "
           "%zu arenas kept (at most %u allowed per process)\n",
           WORKERS, peak_pages * page / 1048576.0, after * page / 1048576.0, kept, cfg.empty_arenas_max);
    int bad = 0;
    for (size_t i = 0; i < WORKERS; i++)
        if (!adopted[i]) {
            fprintf(stderr, "arena_budget: adopter %zu got a new heap, not an exited worker's\n", i);
            bad = 1;
        }
    if (left) {
        fprintf(stderr, "arena_budget: %zu blocks still in use after free-all\n", left);
        bad = 1;
    }
    if (kept > cfg.empty_arenas_max) {
        fprintf(stderr, "arena_budget: the process keeps %zu wholly free arenas, more than %u\n", kept,
                cfg.empty_arenas_max);
        bad = 1;
    }
    for (size_t i = 0; i < WORKERS; i++)
        free(blocks[i]);
    return bad;
}

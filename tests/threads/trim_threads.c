/* pa_trim while other threads allocate, free each other's blocks and exit:
 * WAVES waves of WORKERS threads; each worker allocates BLOCKS blocks (some
 * large, so the shared heap and its cache take part), waits for the
 * others, frees its neighbour's blocks (remote frees) and exits, leaving
 * its heap on the orphan list for the next wave to adopt. The main thread
 * calls pa_trim throughout. Afterwards, with every block freed, one trim
 * gives back what is left and a second finds nothing (0), the orphan list
 * and the main thread's heap pass the checker; and the default statistics
 * count a block an exited thread left in its orphan heap. Built for TSan too (label
 * threads): the trim's reads of orphans and the shared heap must be
 * ordered by their locks. Exits 0, or says what broke and exits 1. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include <pthread.h>

#include <stdio.h>

#include "poolalloc/check.h"
#include "poolalloc/poolalloc.h"

#define WAVES 3
#define WORKERS 4
#define BLOCKS 3000

static void *blocks[WORKERS][BLOCKS];
static pthread_barrier_t all_allocated;

static void *worker(void *arg) {
    size_t me = (size_t)arg;
    for (size_t i = 0; i < BLOCKS; i++) {
        size_t size = i % 100 == 0 ? 20000 : 1 + (i * 37 + me * 11) % 600;
        if (!(blocks[me][i] = pa_malloc(size)))
            return arg;
        ((char *)blocks[me][i])[size - 1] = 1;
    }
    pthread_barrier_wait(&all_allocated);
    size_t neighbour = (me + 1) % WORKERS;
    for (size_t i = 0; i < BLOCKS; i++)
        pa_free(blocks[neighbour][i]);
    return NULL;
}

/* Leaves a block in its heap and exits: the heap becomes an orphan. */
static void *keeper(void *out) {
    *(void **)out = pa_malloc(100);
    return NULL;
}

/* pa_default_stats counts the blocks an orphan holds. */
static int orphan_counted(void) {
    pa_stats before, after;
    pa_default_stats(&before);
    void *kept = NULL;
    pthread_t t;
    if (pthread_create(&t, NULL, keeper, &kept) || pthread_join(t, NULL) || !kept)
        return 0;
    pa_default_stats(&after);
    pa_free(kept);
    if (after.blocks_in_use == before.blocks_in_use + 1)
        return 1;
    fprintf(stderr, "trim_threads: pa_default_stats counts %zu blocks before a thread left one in its orphan, %zu after\n",
            before.blocks_in_use, after.blocks_in_use);
    return 0;
}

int main(void) {
    int failed = 0;
    size_t trims = 0, given = 0;
    pthread_barrier_init(&all_allocated, NULL, WORKERS);
    for (int wave = 0; wave < WAVES; wave++) {
        pthread_t t[WORKERS];

        for (size_t i = 0; i < WORKERS; i++)
            if (pthread_create(&t[i], NULL, worker, (void *)i))
                return 1;
        for (int k = 0; k < 200; k++, trims++)
            given += pa_trim();
        for (size_t i = 0; i < WORKERS; i++) {
            void *r;
            pthread_join(t[i], &r);
            if (r) {
                fprintf(stderr, "trim_threads: worker %zu: out of memory\n", i);
                failed = 1;
            }
        }
    }
    pthread_barrier_destroy(&all_allocated);
    if (!orphan_counted())
        failed = 1;
    given += pa_trim();
    size_t again = pa_trim();
    if (again) {
        fprintf(stderr, "trim_threads: a second trim with nothing freed between gave back %zu bytes\n", again);
        failed = 1;
    }
    pa_check_report *r = pa_check_report_new();
    if (!r || pa_check_threads(r) || pa_check_heap(pa_default_heap(), r)) {
        fprintf(stderr, "trim_threads: the checker found the heaps broken after the trims\n");
        if (r)
            pa_check_report_print(r, stderr);
        failed = 1;
    }
    pa_check_report_free(r);
    printf("trim_threads: %zu trims during %d waves of %d threads gave back %zu KiB\n", trims, WAVES, WORKERS,
           given >> 10);
    return failed;
}

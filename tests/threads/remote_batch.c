/* The batch of remote frees a thread keeps (docs/ARCHITECTURE.md,
 * "Threads"), seen from the owner: the main thread allocates BLOCKS small
 * blocks, fewer than a batch holds; a thread that never allocates frees
 * them all and waits. While it waits, the blocks are still live in the
 * main thread's heap: they sit in that thread's batch, which a thread with
 * no heap pushes only when it exits. Once it has exited, the main thread's
 * next slow path collects them and its heap holds no block. Then the same
 * with a thread that has a heap of its own, which its own slow path
 * pushes. Built for TSan too (label threads). Exits 0, or says what broke
 * and exits 1. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include <pthread.h>
#include <stdio.h>

#include "poolalloc/poolalloc.h"

#define BLOCKS 20

static void *blocks[BLOCKS];
static pthread_barrier_t freed, checked;
static int own_heap; /* the freeing thread allocates first, so it has a heap */

static void *freer(void *arg) {
    (void)arg;
    void *mine = own_heap ? pa_malloc(16) : NULL;
    for (int i = 0; i < BLOCKS; i++)
        pa_free(blocks[i]);
    pthread_barrier_wait(&freed);
    pthread_barrier_wait(&checked);
    if (own_heap)
        pa_free(pa_malloc(100000)); /* a slow path: it pushes the batch */
    pa_free(mine);
    pthread_barrier_wait(&freed);
    pthread_barrier_wait(&checked);
    return NULL;
}

/* The main thread's live small blocks, its remote frees collected first
 * (pa_default_heap is a slow path). */
static size_t live(void) {
    pa_stats s;
    pa_heap_stats(pa_default_heap(), &s);
    return s.blocks_in_use;
}

static int run(int with_heap) {
    own_heap = with_heap;
    const char *who = with_heap ? "a thread with a heap" : "a thread with no heap";
    for (int i = 0; i < BLOCKS; i++)
        if (!(blocks[i] = pa_malloc(24)))
            return fprintf(stderr, "remote_batch: pa_malloc failed\n"), 1;
    size_t before = live();
    pthread_t t;
    if (pthread_create(&t, NULL, freer, NULL))
        return fprintf(stderr, "remote_batch: pthread_create failed\n"), 1;
    int bad = 0;
    pthread_barrier_wait(&freed);
    size_t waiting = live();
    if (waiting != before) {
        fprintf(stderr, "remote_batch: %s: %zu blocks live while it holds its batch, expected %zu\n", who,
                waiting, before);
        bad = 1;
    }
    pthread_barrier_wait(&checked);
    pthread_barrier_wait(&freed);
    size_t pushed = live();
    if (with_heap && pushed != before - BLOCKS) {
        fprintf(stderr, "remote_batch: %s: %zu blocks live after its slow path, expected %zu\n", who, pushed,
                before - BLOCKS);
        bad = 1;
    }
    pthread_barrier_wait(&checked);
    pthread_join(t, NULL);
    size_t after = live();
    if (after != before - BLOCKS) {
        fprintf(stderr, "remote_batch: %s: %zu blocks live after it exited, expected %zu\n", who, after,
                before - BLOCKS);
        bad = 1;
    }
    return bad;
}

int main(void) {
    pthread_barrier_init(&freed, NULL, 2);
    pthread_barrier_init(&checked, NULL, 2);
    int bad = run(0) | run(1);
    pthread_barrier_destroy(&freed);
    pthread_barrier_destroy(&checked);
    return bad;
}

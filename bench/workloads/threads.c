/* Two multi-threaded workloads, four threads each, started before the clock
 * and released together by a barrier; the checkpoint is taken with every
 * block live that the workload keeps, the "after" RSS once all threads have
 * freed everything and exited (poolalloc's heaps of exited threads wait on
 * its orphan list then: whatever they keep shows there).
 *
 * prodcons: two producer/consumer pairs. A producer allocates blocks of the
 * small mix in batches of 256 and hands each batch through a queue of eight
 * batches to its consumer, which reads and frees every block: every free is
 * a cross-thread free. The queue's lock is taken twice per batch, so the
 * allocator's calls dominate.
 *
 * threadlocal: four threads, each churning a live set of its own (the
 * churn workload's pattern, smaller), every free on the allocating thread. */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */

#include <pthread.h>
#include <stdlib.h>

#include "alloc_shim.h"
#include "new_block.h"
#include "rng.h"
#include "scratch.h"
#include "workload.h"

#define THREADS 4
#define BATCH 256
#define QUEUED_BATCHES 8

typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t pushed, popped; /* batches */
    void **slots;            /* QUEUED_BATCHES x BATCH blocks, harness memory */
} queue;

typedef struct worker {
    pthread_t thread;
    pthread_barrier_t *start;
    queue *q;
    uint64_t batches; /* prodcons */
    uint64_t live, steps; /* threadlocal */
    uint64_t seed;
    void **table; /* threadlocal: the live set, harness memory */
} worker;

static void wait_until(queue *q, int (*ready)(const queue *)) {
    pthread_mutex_lock(&q->lock);
    while (!ready(q))
        pthread_cond_wait(&q->changed, &q->lock);
    pthread_mutex_unlock(&q->lock);
}

static int has_room(const queue *q) { return q->pushed - q->popped < QUEUED_BATCHES; }
static int has_batch(const queue *q) { return q->pushed != q->popped; }

static void advance(queue *q, uint64_t *counter) {
    pthread_mutex_lock(&q->lock);
    (*counter)++;
    pthread_cond_signal(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

static void *produce(void *arg) {
    worker *w = arg;
    queue *q = w->q;
    bench_rng rng = bench_rng_seed(w->seed);
    pthread_barrier_wait(w->start);
    for (uint64_t b = 0; b < w->batches; b++) {
        wait_until(q, has_room);
        void **slot = q->slots + (b % QUEUED_BATCHES) * BATCH;
        for (int i = 0; i < BATCH; i++)
            slot[i] = bench_new_block(bench_rng_small_size(&rng), "prodcons");
        advance(q, &q->pushed);
    }
    return NULL;
}

void *volatile bench_threads_sink;

static void *consume(void *arg) {
    worker *w = arg;
    queue *q = w->q;
    pthread_barrier_wait(w->start);
    for (uint64_t b = 0; b < w->batches; b++) {
        wait_until(q, has_batch);
        void **slot = q->slots + (b % QUEUED_BATCHES) * BATCH;
        for (int i = 0; i < BATCH; i++) {
            bench_threads_sink = *(void **)slot[i]; /* read what the producer wrote */
            ba_free(slot[i]);
        }
        advance(q, &q->popped);
    }
    return NULL;
}

static void *churn_own(void *arg) {
    worker *w = arg;
    bench_rng rng = bench_rng_seed(w->seed);
    pthread_barrier_wait(w->start);
    for (uint64_t i = 0; i < w->live; i++)
        w->table[i] = bench_new_block(bench_rng_small_size(&rng), "threadlocal");
    for (uint64_t s = 0; s < w->steps; s++) {
        uint64_t victim = bench_rng_below(&rng, w->live);
        ba_free(w->table[victim]);
        w->table[victim] = bench_new_block(bench_rng_small_size(&rng), "threadlocal");
    }
    for (uint64_t i = 0; i < w->live; i++)
        ba_free(w->table[i]);
    return NULL;
}

/* Starts the four workers (before the clock: thread creation is not the
 * allocator's work), starts the clock, releases them and waits for all. */
static int run_workers(worker *w, void *(*const body[THREADS])(void *), bench_result *r, uint64_t ops) {
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, THREADS + 1))
        return -1;
    for (int i = 0; i < THREADS; i++) {
        w[i].start = &start;
        if (pthread_create(&w[i].thread, NULL, body[i], &w[i])) {
            fprintf(stderr, "threads: pthread_create failed\n");
            exit(1);
        }
    }
    bench_begin(r);
    pthread_barrier_wait(&start);
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    bench_end(r, ops);
    pthread_barrier_destroy(&start);
    return 0;
}

int bench_wl_prodcons(const bench_args *a, bench_result *r, char *label, size_t label_len) {
    (void)label;
    (void)label_len;
    uint64_t batches = bench_arg_u64(a, "batches", 8192);
    uint64_t seed = bench_arg_u64(a, "seed", 1);
    queue q[THREADS / 2];
    worker w[THREADS] = {0};
    void *(*const body[THREADS])(void *) = {produce, consume, produce, consume};
    size_t bytes = QUEUED_BATCHES * BATCH * sizeof(void *);
    for (int p = 0; p < THREADS / 2; p++) {
        q[p] = (queue){.slots = bench_scratch_alloc(bytes)};
        pthread_mutex_init(&q[p].lock, NULL);
        pthread_cond_init(&q[p].changed, NULL);
        w[2 * p] = (worker){.q = &q[p], .batches = batches, .seed = seed + (uint64_t)p};
        w[2 * p + 1] = (worker){.q = &q[p], .batches = batches};
    }
    /* The checkpoint: none kept (the queues hold at most 8 batches each). */
    int rc = run_workers(w, body, r, (uint64_t)(THREADS / 2) * batches * BATCH * 2);
    for (int p = 0; p < THREADS / 2; p++) {
        pthread_mutex_destroy(&q[p].lock);
        pthread_cond_destroy(&q[p].changed);
        bench_scratch_free(q[p].slots, bytes);
    }
    return rc;
}

int bench_wl_threadlocal(const bench_args *a, bench_result *r, char *label, size_t label_len) {
    (void)label;
    (void)label_len;
    uint64_t live = bench_arg_u64(a, "live", 64u << 10);
    uint64_t steps = bench_arg_u64(a, "steps", 2u << 20);
    uint64_t seed = bench_arg_u64(a, "seed", 1);
    if (live == 0 || live > UINT32_MAX) {
        fprintf(stderr, "threadlocal: live must be 1..2^32-1\n");
        return -1;
    }
    worker w[THREADS] = {0};
    void *(*const body[THREADS])(void *) = {churn_own, churn_own, churn_own, churn_own};
    size_t bytes = (size_t)live * sizeof(void *);
    for (int i = 0; i < THREADS; i++)
        w[i] = (worker){.live = live, .steps = steps, .seed = seed + (uint64_t)i, .table = bench_scratch_alloc(bytes)};
    int rc = run_workers(w, body, r, THREADS * (2 * live + 2 * steps));
    for (int i = 0; i < THREADS; i++)
        bench_scratch_free(w[i].table, bytes);
    return rc;
}

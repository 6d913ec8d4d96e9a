/* The default API from many threads: WORKERS threads per wave allocate
 * blocks of every kind (small, large, calloc, realloc, aligned), fill them
 * with a pattern and mail most to another thread, which checks and frees
 * them (cross-thread frees); each wave exits with mail still unread, which
 * the next wave frees into the exited threads' heaps. The threads of a wave
 * all hold their heaps at once (a barrier), so every later wave must adopt
 * exactly the heaps the first wave created (nothing leaked, nothing new);
 * the last one, once the main thread freed the rest, must find them empty.
 * After each wave the orphan list holds exactly the wave's heaps, and all
 * along a watcher thread checks the list (pa_check_threads) while threads
 * attach and exit. Exits 0, or prints what broke and exits 1. Built for TSan too. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolalloc/check.h"
#include "poolalloc/introspect.h"
#include "poolalloc/poolalloc.h"

#define WORKERS 4
#define WAVES 3
#define ROUNDS 4000
#define MAILBOX 512

typedef struct {
    unsigned char *p;
    size_t size;
    unsigned char tag;
} letter;

typedef struct {
    pthread_mutex_t lock;
    letter box[MAILBOX];
    size_t count;
} mailbox;

static mailbox mail[WORKERS];
static pa_heap *first_heaps[WORKERS];
static pa_heap *wave_heaps[WORKERS];
static pthread_barrier_t attached; /* every thread of a wave holds its heap */
static int failures;
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, size_t size) {
    pthread_mutex_lock(&failure_lock);
    if (failures++ < 10)
        fprintf(stderr, "thread_stress: %s (size %zu)\n", what, size);
    pthread_mutex_unlock(&failure_lock);
}

static uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Mostly small sizes, some past the small threshold (the shared heap). */
static size_t pick_size(uint64_t *rng) {
    uint64_t r = next_random(rng);
    switch (r % 8) {
    case 0: return (size_t)(r >> 8) % 20000 + 1;
    case 1: return (size_t)(r >> 8) % 4096 + 1;
    default: return (size_t)(r >> 8) % 256 + 1;
    }
}

static unsigned char *make(uint64_t *rng, size_t size, unsigned char tag) {
    unsigned char *p;
    switch (next_random(rng) % 5) {
    case 0: p = pa_calloc(1, size); break;
    case 1: p = pa_aligned_alloc(64, size); break;
    case 2: /* grown into its size, crossing classes or heaps */
        p = pa_malloc(size / 3 + 1);
        if (p)
            p = pa_realloc(p, size);
        break;
    default: p = pa_malloc(size); break;
    }
    if (!p) {
        fail("allocation failed", size);
        return NULL;
    }
    if (pa_usable_size(p) < size)
        fail("usable size below the request", size);
    memset(p, tag, size);
    return p;
}

static void check_and_free(const letter *l) {
    for (size_t i = 0; i < l->size; i++)
        if (l->p[i] != l->tag) {
            fail("block overwritten while live", l->size);
            break;
        }
    pa_free(l->p);
}

/* 0 when the box is full. */
static int post(int to, letter l) {
    mailbox *m = &mail[to];
    pthread_mutex_lock(&m->lock);
    int ok = m->count < MAILBOX;
    if (ok)
        m->box[m->count++] = l;
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static void drain(int me, size_t keep) {
    letter taken[MAILBOX];
    mailbox *m = &mail[me];
    pthread_mutex_lock(&m->lock);
    size_t n = m->count > keep ? m->count - keep : 0;
    m->count -= n;
    memcpy(taken, m->box + m->count, n * sizeof *taken);
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < n; i++)
        check_and_free(&taken[i]);
}

typedef struct {
    int id;
    int wave;
} worker_arg;

static void *worker(void *arg) {
    const worker_arg *w = arg;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1 + WORKERS * w->wave);
    letter own[64];
    size_t nown = 0;
    wave_heaps[w->id] = pa_default_heap();
    pthread_barrier_wait(&attached);
    for (int round = 0; round < ROUNDS; round++) {
        size_t size = pick_size(&rng);
        unsigned char tag = (unsigned char)(next_random(&rng) | 1);
        letter l = {make(&rng, size, tag), size, tag};
        if (!l.p)
            continue;
        int to = (int)(next_random(&rng) % WORKERS);
        if (to == w->id || !post(to, l)) {
            if (nown == 64) { /* free a random local one: same-thread frees */
                size_t k = next_random(&rng) % 64;
                check_and_free(&own[k]);
                own[k] = own[--nown];
            }
            own[nown++] = l;
        }
        if (round % 16 == 0)
            drain(w->id, 0);
    }
    for (size_t i = 0; i < nown; i++)
        check_and_free(&own[i]);
    drain(w->id, MAILBOX / 4); /* leave mail for the next wave: frees into an exited thread's heap */
    return NULL;
}

/* The heaps the wave's threads held must be the first wave's, each once. */
static void run_wave(int wave, void *(*fn)(void *)) {
    pthread_t t[WORKERS];
    worker_arg args[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        args[i] = (worker_arg){i, wave};
        if (pthread_create(&t[i], NULL, fn, &args[i])) {
            fail("pthread_create", 0);
            exit(1);
        }
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    pa_orphan_view v[WORKERS + 1];
    size_t orphans = pa_introspect_orphans(v, WORKERS + 1);
    if (orphans != WORKERS)
        fail("the orphan list does not hold exactly the wave's heaps", orphans);
    if (wave == 0)
        memcpy(first_heaps, wave_heaps, sizeof first_heaps);
    for (int i = 0; i < WORKERS; i++) {
        int first = 0, same = 0;
        for (int j = 0; j < WORKERS; j++) {
            first += wave_heaps[i] == first_heaps[j];
            same += wave_heaps[i] == wave_heaps[j];
        }
        if (first != 1 || same != 1)
            fail("a wave's threads did not hold the first wave's heaps, each once", (size_t)wave);
    }
}

/* Attaches a heap, collecting what was handed back to it. */
static void *adopter(void *arg) {
    const worker_arg *w = arg;
    wave_heaps[w->id] = pa_default_heap();
    pthread_barrier_wait(&attached);
    return NULL;
}

static atomic_int watching = 1;

/* The orphan-list check, over and over while waves attach and exit. It
 * calls no pa_ allocation, so it holds no heap of its own. */
static void *watcher(void *arg) {
    (void)arg;
    pa_check_report *r = pa_check_report_new();
    while (r && atomic_load(&watching)) {
        if (pa_check_threads(r)) {
            pa_check_report_print(r, stderr);
            fail("pa_check_threads found the orphan list broken", pa_check_report_count(r));
            break;
        }
    }
    pa_check_report_free(r);
    return NULL;
}

int main(void) {
    for (int i = 0; i < WORKERS; i++)
        pthread_mutex_init(&mail[i].lock, NULL);
    pthread_barrier_init(&attached, NULL, WORKERS);
    /* The main thread takes its heap first: the workers' heaps are theirs. */
    pa_free(pa_malloc(1));
    pthread_t watch;
    if (pthread_create(&watch, NULL, watcher, NULL)) {
        fail("pthread_create", 0);
        return 1;
    }
    for (int wave = 0; wave < WAVES; wave++)
        run_wave(wave, worker);
    for (int i = 0; i < WORKERS; i++) /* the main thread frees the rest: remote frees into orphans */
        drain(i, 0);
    /* The main thread's last batch of those frees waits for its next slow
     * path (or its exit): pa_default_heap is one. */
    pa_default_heap();
    run_wave(WAVES, adopter);
    atomic_store(&watching, 0);
    pthread_join(watch, NULL);
    pthread_barrier_destroy(&attached);
    for (int i = 0; i < WORKERS; i++) {
        pa_stats s;
        pa_heap_stats(wave_heaps[i], &s);
        if (s.blocks_in_use != 0)
            fail("an adopted heap still holds blocks after every block was freed", s.blocks_in_use);
    }
    if (failures)
        return 1;
    printf("thread_stress: %d waves of %d threads, %d rounds each: ok\n", WAVES, WORKERS, ROUNDS);
    return 0;
}

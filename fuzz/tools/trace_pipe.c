/* The reading thread of trace_pipe.h: a ring of batches, filled in order by
 * the thread and emptied in order by the replay. */
#define _POSIX_C_SOURCE 200809L
#include "trace_pipe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* 4 batches of 1,024 ops: the threads meet once per 1,024 ops, and the
 * reader runs at most 3 batches ahead. */
enum { BATCH = 1024, NBATCH = 4 };

typedef struct batch {
    pa_trace_op op[BATCH];
    unsigned long long line[BATCH];
    size_t n;
    pa_trace_pipe_end end; /* PA_PIPE_MORE: more batches follow */
    char err[512];
} batch;

struct pa_trace_pipe {
    pa_trace_reader *r;
    uint64_t max_ops, read;
    batch ring[NBATCH];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t filled, emptied; /* batches, under lock */
    int stopping;             /* under lock */
    int threaded;
    pthread_t thread;
    size_t next; /* the op of the batch being emptied */
    pa_trace_pipe_end end;
};

/* Reads the next batch into b: up to BATCH ops, or fewer and the end. */
static void fill(pa_trace_pipe *p, batch *b) {
    b->n = 0;
    b->end = PA_PIPE_MORE;
    while (b->n < BATCH) {
        if (p->max_ops && p->read == p->max_ops) {
            b->end = PA_PIPE_MAX_OPS;
            return;
        }
        int rc = pa_trace_reader_next(p->r, &b->op[b->n], b->err, sizeof b->err);
        if (rc <= 0) {
            b->end = rc == 0 ? PA_PIPE_END : PA_PIPE_MALFORMED;
            return;
        }
        b->line[b->n++] = pa_trace_reader_line(p->r);
        p->read++;
    }
}

/* The thread can be cancelled only while it reads (a pipe may hold it
 * there until its writer goes on): never while it holds the lock. */
static void *reading(void *arg) {
    pa_trace_pipe *p = arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (uint64_t k = 0;; k++) {
        pthread_mutex_lock(&p->lock);
        while (k - p->emptied == NBATCH && !p->stopping)
            pthread_cond_wait(&p->changed, &p->lock);
        int stop = p->stopping;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            return NULL;
        batch *b = &p->ring[k % NBATCH];
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        fill(p, b);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        pthread_mutex_lock(&p->lock);
        p->filled = k + 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        if (b->end != PA_PIPE_MORE)
            return NULL;
    }
}

pa_trace_pipe *pa_trace_pipe_start(pa_trace_reader *r, uint64_t max_ops) {
    pa_trace_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->r = r;
    p->max_ops = max_ops;
    p->end = PA_PIPE_MORE;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->threaded = pthread_create(&p->thread, NULL, reading, p) == 0;
    if (!p->threaded)
        fill(p, &p->ring[0]), p->filled = 1;
    return p;
}

/* The batch being emptied is done: the next one, waited for (or read here
 * without a thread). */
static batch *advance(pa_trace_pipe *p) {
    pthread_mutex_lock(&p->lock);
    p->emptied++;
    pthread_cond_broadcast(&p->changed);
    if (p->threaded)
        while (p->filled == p->emptied)
            pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    batch *b = &p->ring[p->emptied % NBATCH];
    if (!p->threaded)
        fill(p, b), p->filled++;
    p->next = 0;
    return b;
}

pa_trace_pipe_end pa_trace_pipe_next(pa_trace_pipe *p, const pa_trace_op **op, unsigned long long *line, char *err,
                                     size_t err_len) {
    if (p->end != PA_PIPE_MORE)
        return p->end;
    batch *b = &p->ring[p->emptied % NBATCH];
    if (p->threaded && p->emptied == 0 && p->next == 0) {
        pthread_mutex_lock(&p->lock);
        while (p->filled == 0)
            pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    while (p->next == b->n) {
        if (b->end != PA_PIPE_MORE) {
            p->end = b->end;
            if (p->end == PA_PIPE_MALFORMED)
                snprintf(err, err_len, "%s", b->err);
            return p->end;
        }
        b = advance(p);
    }
    *op = &b->op[p->next];
    *line = b->line[p->next];
    p->next++;
    return PA_PIPE_MORE;
}

const pa_trace_op *pa_trace_pipe_peek(const pa_trace_pipe *p, size_t k) {
    const batch *b = &p->ring[p->emptied % NBATCH];
    size_t i = p->next - 1 + k;
    return p->end == PA_PIPE_MORE && p->next && i < b->n ? &b->op[i] : NULL;
}

void pa_trace_pipe_stop(pa_trace_pipe *p) {
    if (!p)
        return;
    if (p->threaded) {
        pthread_mutex_lock(&p->lock);
        p->stopping = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        pthread_cancel(p->thread); /* if it waits on a read */
        pthread_join(p->thread, NULL);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
}

/* The oracle's rules for the blocks the heap returns, one home for the fuzz
 * executor and the trace replay: a fresh block is aligned, owned by the
 * heap, has a usable size of at least the request and lies on the small path
 * exactly when the request is at most the threshold; a realloc keeps the
 * prefix, stays in place while the new size fills more than half its block
 * or needs its class anyway and, growing out of it, moves to the largest
 * class below twice the size. */
#ifndef PA_FUZZ_BLOCK_ORACLE_H
#define PA_FUZZ_BLOCK_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/heap.h"

typedef struct pa_fresh_request {
    const char *call; /* names the call in messages */
    size_t req;
    size_t align;     /* the result must be a multiple */
    int size_rule;    /* small iff req <= threshold (malloc, calloc, realloc) */
    /* a small request may go to the large path: a memory limit, the debug
     * layer's headers, an injected fault */
    int large_excused;
} pa_fresh_request;

typedef struct pa_fresh_verdict {
    size_t usable; /* what usable_size said */
    int small;     /* inside the heap's arenas */
    const char *kind; /* the rule broken, NULL if none */
    char detail[256];
} pa_fresh_verdict;

/* 0 with v->usable and v->small, or -1 with the broken rule in v->kind and
 * v->detail. threshold: the heap's small_threshold. */
int pa_fresh_vet(pa_heap *heap, size_t threshold, void *p, const pa_fresh_request *rq, pa_fresh_verdict *v);

/* A block before a realloc: where it was, what was asked and written. */
typedef struct pa_realloc_old {
    const void *p;
    size_t req;
    uint64_t seed; /* its content pattern (pattern.h) */
    int small;
    /* names it in messages, "b12" or "ID 12": formatted only then */
    const char *name_prefix;
    uint64_t name_number;
} pa_realloc_old;

/* realloc(old, size) returned q (not NULL): 0, or -1 with the rule broken
 * (REALLOC_MOVED, REALLOC_GROWTH, REALLOC_PREFIX) in v->kind and v->detail. On a debug heap
 * (debug set) blocks carry headers: no in-place rule. */
int pa_realloc_vet(const pa_heap *heap, int debug, const pa_realloc_old *old, size_t size, const void *q,
                   pa_fresh_verdict *v);

#endif

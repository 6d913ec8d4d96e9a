/* The allocator under test, chosen at compile time. Every workload calls the
 * ba_* functions; each benchmark binary is the same sources built with one of:
 *   BENCH_ALLOC_POOLALLOC  pa_malloc and friends on poolalloc's default heap;
 *   (nothing)              the C library's malloc family, which the binary's
 *                          link line may replace (jemalloc, mimalloc, tcmalloc).
 * BENCH_ALLOC_NAME names the allocator in the output. */
#ifndef BENCH_ALLOC_SHIM_H
#define BENCH_ALLOC_SHIM_H

#include <stddef.h>
#include <stdio.h>

#ifndef BENCH_ALLOC_NAME
#error "BENCH_ALLOC_NAME must name the allocator (the build defines it)"
#endif

#ifdef BENCH_ALLOC_POOLALLOC

#include "heap_anatomy.h"
#include "poolalloc/poolalloc.h"

static inline void *ba_malloc(size_t n) { return pa_malloc(n); }
static inline void *ba_calloc(size_t c, size_t n) { return pa_calloc(c, n); }
static inline void *ba_realloc(void *p, size_t n) { return pa_realloc(p, n); }
static inline void ba_free(void *p) { pa_free(p); }
static inline void *ba_aligned(size_t a, size_t n) { return pa_aligned_alloc(a, n); }

/* At the checkpoint: where the heap's memory is (heap_anatomy.h). */
static inline void ba_mark_probe(void) { bench_heap_anatomy_take(); }

/* What the default heap holds now: the arena counts the target is
 * about ("after freeing everything the heap keeps at most one arena"); then
 * the checkpoint's anatomy, if the workload has one. */
static inline void ba_describe_heap(char *out, size_t len)
{
    pa_heap *heap = pa_default_heap();
    if (heap == NULL) {
        snprintf(out, len, "heap=none");
        return;
    }
    pa_stats st;
    pa_heap_stats(heap, &st);
    char anatomy[128];
    bench_heap_anatomy_print(anatomy, sizeof anatomy);
    snprintf(out, len, "arenas_after=%zu arenas_peak=%zu large_cached_kib=%zu%s%s", st.arenas_current,
             st.arenas_highwater, st.large_cached_bytes >> 10, anatomy[0] ? " " : "", anatomy);
}

#else

#include <stdlib.h>

static inline void *ba_malloc(size_t n) { return malloc(n); }
static inline void *ba_calloc(size_t c, size_t n) { return calloc(c, n); }
static inline void *ba_realloc(void *p, size_t n) { return realloc(p, n); }
static inline void ba_free(void *p) { free(p); }
static inline void *ba_aligned(size_t a, size_t n) { return aligned_alloc(a, n); }

static inline void ba_mark_probe(void) {}

static inline void ba_describe_heap(char *out, size_t len)
{
    if (len > 0)
        out[0] = '\0';
}

#endif

#endif

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fast_path.h"
#include "heap_dispatch.h"
#include "heap_types.h"
#include "poolalloc/poolalloc.h"

/* The one piece of process-wide state. Until first use it points at an
 * empty heap that no fast path can serve (no size is small, no arena is
 * cached), so the wrappers below need no NULL test: their slow paths create
 * the real heap. */
static pa_heap empty_heap = {.arena_low = 1};
static pa_heap *default_heap = &empty_heap;

/* POOLALLOC_DEBUG=1 (or a number above 1: the quarantine length) puts the
 * default heap under the debug layer, as PYTHONMALLOC=debug does for
 * CPython; 1 keeps this many freed blocks in quarantine. */
#define ENV_DEBUG_QUARANTINE 256

static __attribute__((noinline, cold)) pa_heap *create_default(void) {
    pa_config cfg = pa_config_default();
    const char *debug = getenv("POOLALLOC_DEBUG");
    if (debug && *debug && strcmp(debug, "0") != 0) {
        unsigned long quarantine = strtoul(debug, NULL, 10);
        cfg.debug = 1;
        cfg.debug_quarantine = quarantine > 1 ? (unsigned)quarantine : ENV_DEBUG_QUARANTINE;
    }
    pa_heap *h = pa_heap_create(&cfg);
    if (h) {
        pa_heap_mark_default(h);
        default_heap = h;
    }
    return h;
}

static inline pa_heap *current(void) {
    pa_heap *h = default_heap;
    return PA_LIKELY(h != &empty_heap) ? h : create_default();
}

pa_heap *pa_default_heap(void) { return current(); }

static __attribute__((noinline)) void *malloc_slow(size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_malloc_slow(h, size) : NULL;
}

void *pa_malloc(size_t size) {
    void *p = pa_fast_malloc_try(default_heap, size);
    return PA_LIKELY(p != NULL) ? p : malloc_slow(size);
}

static __attribute__((noinline)) void *calloc_slow(size_t count, size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_calloc(h, count, size) : NULL;
}

void *pa_calloc(size_t count, size_t size) {
    void *p = pa_fast_calloc_try(default_heap, count, size);
    return PA_LIKELY(p != NULL) ? p : calloc_slow(count, size);
}

static __attribute__((noinline)) void *realloc_slow(void *p, size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_realloc_slow(h, p, size) : NULL;
}

void *pa_realloc(void *p, size_t size) {
    void *q = pa_fast_realloc_try(default_heap, p, size);
    return PA_LIKELY(q != NULL) ? q : realloc_slow(p, size);
}

/* With no heap yet, a non-NULL p is still handed to one (created on demand)
 * so a foreign pointer is reported rather than ignored. */
static __attribute__((noinline)) void free_slow(void *p) {
    pa_heap *h;
    if (p && (h = current()) != NULL)
        pa_heap_free_slow(h, p);
}

void pa_free(void *p) {
    if (!pa_fast_free_try(default_heap, p))
        free_slow(p);
}

size_t pa_usable_size(const void *p) {
    pa_heap *h;
    return p && (h = current()) != NULL ? pa_heap_usable_size(h, p) : 0;
}

void *pa_aligned_alloc(size_t alignment, size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_memalign(h, alignment, size) : NULL;
}

int pa_posix_memalign(void **out, size_t alignment, size_t size) {
    if (!alignment || (alignment & (alignment - 1)) || alignment % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = pa_aligned_alloc(alignment, size);
    int rc = p ? 0 : ENOMEM;
    errno = saved;
    if (p)
        *out = p;
    return rc;
}

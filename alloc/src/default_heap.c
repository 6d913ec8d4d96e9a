#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fast_path.h"
#include "heap_internal.h"
#include "poolalloc/poolalloc.h"

/* The one piece of process-wide state: created on first use. */
static pa_heap *default_heap;

/* POOLALLOC_DEBUG=1 (or a number: the quarantine length) puts the default
 * heap under the debug layer, as PYTHONMALLOC=debug does for CPython. */
static __attribute__((noinline)) pa_heap *create_default(void) {
    pa_config cfg = pa_config_default();
    const char *debug = getenv("POOLALLOC_DEBUG");
    if (debug && *debug && strcmp(debug, "0") != 0) {
        unsigned long quarantine = strtoul(debug, NULL, 10);
        cfg.debug = 1;
        cfg.debug_quarantine = quarantine > 1 ? (unsigned)quarantine : 256;
    }
    default_heap = pa_heap_create(&cfg);
    return default_heap;
}

static inline pa_heap *current(void) {
    pa_heap *h = default_heap;
    return PA_LIKELY(h != NULL) ? h : create_default();
}

pa_heap *pa_default_heap(void) { return current(); }

void *pa_malloc(size_t size) {
    pa_heap *h = current();
    return PA_LIKELY(h != NULL) ? pa_fast_malloc(h, size) : NULL;
}

void *pa_calloc(size_t count, size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_calloc(h, count, size) : NULL;
}

void *pa_realloc(void *p, size_t size) {
    pa_heap *h = current();
    return h ? pa_heap_realloc(h, p, size) : NULL;
}

/* With no heap yet, a non-NULL p is still handed to one (created on demand)
 * so a foreign pointer is reported rather than ignored. */
void pa_free(void *p) {
    pa_heap *h;
    if (p && (h = current()) != NULL)
        pa_fast_free(h, p);
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

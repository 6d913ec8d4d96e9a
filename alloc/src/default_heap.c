#include <errno.h>
#include <stdint.h>

#include "heap_internal.h"
#include "poolalloc/poolalloc.h"

/* The one piece of process-wide state: created on first use. */
static pa_heap *default_heap;

static pa_heap *create_default(void) {
    default_heap = pa_heap_create(NULL);
    return default_heap;
}

pa_heap *pa_default_heap(void) {
    pa_heap *h = default_heap;
    return PA_LIKELY(h != NULL) ? h : create_default();
}

void *pa_malloc(size_t size) {
    pa_heap *h = pa_default_heap();
    return h ? pa_heap_malloc(h, size) : NULL;
}

void *pa_calloc(size_t count, size_t size) {
    pa_heap *h = pa_default_heap();
    return h ? pa_heap_calloc(h, count, size) : NULL;
}

void *pa_realloc(void *p, size_t size) {
    pa_heap *h = pa_default_heap();
    return h ? pa_heap_realloc(h, p, size) : NULL;
}

void pa_free(void *p) {
    if (p)
        pa_heap_free(pa_default_heap(), p);
}

size_t pa_usable_size(const void *p) { return p ? pa_heap_usable_size(pa_default_heap(), p) : 0; }

void *pa_aligned_alloc(size_t alignment, size_t size) {
    pa_heap *h = pa_default_heap();
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

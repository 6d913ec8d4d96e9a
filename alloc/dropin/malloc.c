/* The drop-in malloc: the C library's allocation functions, served by
 * poolalloc's thread-safe default API, for LD_PRELOAD=libpoolalloc_malloc.so.
 * Built with PA_DROPIN, so large blocks come from mmap, never from the C
 * library's malloc (which this is). Where glibc's behaviour differs from
 * pa_*'s, these follow glibc:
 * - realloc(p, 0) with p not NULL frees p and returns NULL (pa_realloc
 *   returns a minimal block);
 * - memalign, aligned_alloc, valloc and pvalloc accept any alignment up to
 *   half the address space and round it up to a power of two (glibc 2.36),
 *   pvalloc rounds the size up to whole pages.
 * POOLALLOC_CHECK turns on the checked mode (checked.c); without it each
 * call pays one load and a compare for it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "checked.h"
#include "poolalloc/os.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

#define EXPORT __attribute__((visibility("default")))

/* In checked mode the checker's own calls go to the shared heap. */
static void *checked(pa_shared_call call, void *p, size_t count, size_t size) {
    if (pa_checked_busy())
        return pa_shared_alloc(call, p, count, size);
    void *q;
    switch (call) {
    case PA_SHARED_MALLOC: q = pa_malloc(size); break;
    case PA_SHARED_CALLOC: q = pa_calloc(count, size); break;
    default: q = pa_realloc(p, size); break;
    }
    pa_checked_after(q, q ? p : NULL);
    return q;
}

EXPORT void *malloc(size_t size) {
    return PA_LIKELY(!pa_checked()) ? pa_malloc(size) : checked(PA_SHARED_MALLOC, NULL, 0, size);
}

EXPORT void free(void *p) {
    pa_free(p);
    if (PA_UNLIKELY(pa_checked()))
        pa_checked_after(p, NULL);
}

EXPORT void *calloc(size_t count, size_t size) {
    return PA_LIKELY(!pa_checked()) ? pa_calloc(count, size) : checked(PA_SHARED_CALLOC, NULL, count, size);
}

EXPORT void *realloc(void *p, size_t size) {
    if (p && size == 0) {
        free(p);
        return NULL;
    }
    return PA_LIKELY(!pa_checked()) ? pa_realloc(p, size) : checked(PA_SHARED_REALLOC, p, 0, size);
}

EXPORT void *reallocarray(void *p, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

EXPORT void *memalign(size_t alignment, size_t size) {
    if (alignment > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    size_t power = 1;
    while (power < alignment)
        power <<= 1;
    void *p = pa_aligned_alloc(power, size);
    if (PA_UNLIKELY(pa_checked()))
        pa_checked_after(p, NULL);
    return p;
}

EXPORT void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

EXPORT int posix_memalign(void **out, size_t alignment, size_t size) {
    int rc = pa_posix_memalign(out, alignment, size);
    if (PA_UNLIKELY(pa_checked()) && rc == 0)
        pa_checked_after(*out, NULL);
    return rc;
}

EXPORT void *valloc(size_t size) { return memalign(pa_os_page_size(), size); }

EXPORT void *pvalloc(size_t size) {
    size_t page = pa_os_page_size();
    size_t rounded = (size + page - 1) & ~(page - 1);
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    return memalign(page, rounded ? rounded : page);
}

EXPORT size_t malloc_usable_size(void *p) { return pa_usable_size(p); }

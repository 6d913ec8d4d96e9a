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
 * - malloc_trim gives back what the heaps this thread may touch keep
 *   (pa_trim) and says whether anything went back, as glibc does.
 * The statistics calls (mallinfo2, mallinfo, malloc_stats, malloc_info)
 * and mallopt are in malloc_stats.c.
 * POOLALLOC_CHECK turns on the checked mode (checked.c). Its test costs
 * the plain fast paths nothing: in checked mode the thread heaps take no
 * fast path (pa_thread_heaps_slow_paths_only), nor does a thread's empty
 * heap before its first call, so malloc, calloc, realloc and free reach
 * their misses, which test the mode. Every entry that may give a thread its heap learns the
 * mode first, so no thread heap is made before it is known. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checked.h"
#include "default_slow.h"
#include "export.h"
#include "fast_path.h"
#include "poolalloc/os.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

/* The checker's own calls, on the heap it is not reading (checked.h). */
static void *checker_alloc(pa_shared_call call, void *p, size_t count, size_t size) {
    if (pa_checked_busy() == PA_CHECKER_IN_SHARED_HEAP)
        return pa_shared_alloc(call, p, count, size);
    pa_heap *own = pa_checked_own_heap();
    switch (call) {
    case PA_SHARED_MALLOC: return pa_heap_malloc(own, size);
    case PA_SHARED_CALLOC: return pa_heap_calloc(own, count, size);
    default: return pa_heap_realloc(own, p, size);
    }
}

static void *checked(pa_shared_call call, void *p, size_t count, size_t size) {
    if (pa_checked_busy())
        return checker_alloc(call, p, count, size);
    void *q;
    switch (call) {
    case PA_SHARED_MALLOC: q = pa_malloc(size); break;
    case PA_SHARED_CALLOC: q = pa_calloc(count, size); break;
    default: q = pa_realloc(p, size); break;
    }
    pa_checked_after(q, q ? p : NULL);
    return q;
}

static void checked_free(void *p) {
    if (pa_checked_busy() == PA_CHECKER_IN_OWN_HEAP) {
        pa_heap_free(pa_checked_own_heap(), p);
        return;
    }
    pa_free(p);
    pa_checked_after(p, NULL);
}

/* A miss (below) before the mode is known, or in checked mode. */
static __attribute__((noinline)) void *alloc_miss_unless_plain(pa_shared_call call, void *p, size_t count,
                                                               size_t size) {
    if (pa_checked())
        return checked(call, p, count, size);
    switch (call) {
    case PA_SHARED_MALLOC: return pa_malloc_slow(size);
    case PA_SHARED_CALLOC: return pa_calloc_slow(count, size);
    default: return pa_realloc_slow(p, size);
    }
}

static __attribute__((noinline)) void free_miss_unless_plain(void *p) {
    if (pa_checked())
        checked_free(p);
    else
        pa_free_slow(p);
}

/* What the fast paths below did not serve: in plain mode, known by one
 * load, the default API's slow halves (default_slow.h: its fast paths,
 * which just missed, are not tried again), by a tail call, with no stack
 * frame; anything else out of line. Out of line themselves, so malloc,
 * free and realloc need no stack frame either. */
static __attribute__((noinline)) void *malloc_miss(size_t size) {
    if (PA_LIKELY(pa_checked_off()))
        return pa_malloc_slow(size);
    return alloc_miss_unless_plain(PA_SHARED_MALLOC, NULL, 0, size);
}

static __attribute__((noinline)) void *calloc_miss(size_t count, size_t size) {
    if (PA_LIKELY(pa_checked_off()))
        return pa_calloc_slow(count, size);
    return alloc_miss_unless_plain(PA_SHARED_CALLOC, NULL, count, size);
}

static __attribute__((noinline)) void free_miss(void *p) {
    if (PA_LIKELY(pa_checked_off()))
        pa_free_slow(p);
    else
        free_miss_unless_plain(p);
}

static __attribute__((noinline)) void *realloc_miss(void *p, size_t size) {
    if (size == 0) { /* glibc's realloc(p, 0): p freed, NULL returned */
        free_miss(p);
        return NULL;
    }
    if (PA_LIKELY(pa_checked_off()))
        return pa_realloc_slow(p, size);
    return alloc_miss_unless_plain(PA_SHARED_REALLOC, p, 0, size);
}

/* pa_malloc's, pa_free's and pa_realloc's fast paths inline: a program's
 * call costs what theirs does, but for the TLS access of a shared
 * library. */
static inline void *fast_malloc(size_t size) {
    void *p = pa_fast_malloc_try(pa_tls_heap, size);
    return PA_LIKELY(p != NULL) ? p : malloc_miss(size);
}

EXPORT void *malloc(size_t size) { return fast_malloc(size); }

EXPORT void free(void *p) {
    if (!pa_fast_free_try(pa_tls_heap, p))
        free_miss(p);
}

EXPORT void *calloc(size_t count, size_t size) {
    size_t total;
    void *p = pa_fast_calloc_block(pa_tls_heap, count, size, &total);
    return PA_LIKELY(p != NULL) ? memset(p, 0, total) : calloc_miss(count, size);
}

/* Out of line, so realloc(NULL, size), which CPython's buffers start
 * with, is malloc's fast path with no stack frame. */
static __attribute__((noinline)) void *realloc_block(void *p, size_t size) {
    void *q = pa_fast_realloc_try(pa_tls_heap, p, size);
    return PA_LIKELY(q != NULL) ? q : realloc_miss(p, size);
}

EXPORT void *realloc(void *p, size_t size) { return p ? realloc_block(p, size) : fast_malloc(size); }

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
    int on = pa_checked(); /* known before a thread heap is made */
    void *p = pa_aligned_alloc(power, size);
    if (PA_UNLIKELY(on))
        pa_checked_after(p, NULL);
    return p;
}

EXPORT void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

EXPORT int posix_memalign(void **out, size_t alignment, size_t size) {
    int on = pa_checked(); /* known before a thread heap is made */
    int rc = pa_posix_memalign(out, alignment, size);
    if (PA_UNLIKELY(on) && rc == 0)
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

/* glibc: 1 if memory was given back to the system, else 0. pad (what to
 * keep at the top of glibc's heap) has no counterpart here. */
EXPORT int malloc_trim(size_t pad) {
    (void)pad;
    return pa_trim() != 0;
}

/* Names glibc exports for the same functions, which some programs and
 * libraries call directly (glibc's own code reaching past interposition);
 * cfree is glibc's old name for free. */
EXPORT void *__libc_malloc(size_t size) __attribute__((alias("malloc")));
EXPORT void __libc_free(void *p) __attribute__((alias("free")));
EXPORT void *__libc_calloc(size_t count, size_t size) __attribute__((alias("calloc")));
EXPORT void *__libc_realloc(void *p, size_t size) __attribute__((alias("realloc")));
EXPORT void *__libc_memalign(size_t alignment, size_t size) __attribute__((alias("memalign")));
EXPORT void *__libc_valloc(size_t size) __attribute__((alias("valloc")));
EXPORT void *__libc_pvalloc(size_t size) __attribute__((alias("pvalloc")));
EXPORT void cfree(void *p) __attribute__((alias("free")));

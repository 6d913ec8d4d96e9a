#include "poolalloc/large.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void *system_alloc(void *ctx, size_t size, size_t alignment) {
    (void)ctx;
    if (alignment <= _Alignof(max_align_t))
        return malloc(size);
    void *p = NULL;
    return posix_memalign(&p, alignment, size) == 0 ? p : NULL;
}

static void *system_alloc_zeroed(void *ctx, size_t size, size_t alignment) {
    if (alignment <= _Alignof(max_align_t)) {
        (void)ctx;
        return calloc(1, size);
    }
    void *p = system_alloc(ctx, size, alignment);
    if (p)
        memset(p, 0, size);
    return p;
}

static void *system_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    (void)ctx;
    (void)old_size;
    return realloc(p, new_size);
}

static void system_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    (void)size;
    free(p);
}

pa_large_ops pa_large_system(void) {
    pa_large_ops ops = {system_alloc, system_resize, system_free, NULL, system_alloc_zeroed};
    return ops;
}

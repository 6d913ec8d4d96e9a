/* The large-block path: requests above the small threshold. */
#ifndef POOLALLOC_LARGE_H
#define POOLALLOC_LARGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_large_ops {
    /* size >= 1 bytes aligned to alignment (a power of two), or NULL. */
    void *(*alloc)(void *ctx, size_t size, size_t alignment);
    /* Resize a block alloc returned; NULL leaves it intact. May be NULL
     * itself: the heap then allocates, copies and frees. */
    void *(*resize)(void *ctx, void *p, size_t old_size, size_t new_size);
    void (*free)(void *ctx, void *p, size_t size);
    void *ctx;
    /* Optional: like alloc, but zero-filled (calloc can then avoid touching
     * fresh pages). NULL: the heap allocates and clears. */
    void *(*alloc_zeroed)(void *ctx, size_t size, size_t alignment);
} pa_large_ops;

/* The default: malloc / posix_memalign / realloc / free of the C library. */
pa_large_ops pa_large_system(void);

#ifdef __cplusplus
}
#endif
#endif

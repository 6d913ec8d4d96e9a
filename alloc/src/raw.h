/* The raw paths: the malloc family on a heap's pools and large blocks, with
 * no debug layer. The public layer (heap.c) and the debug layer call these;
 * they call only what lies below (arenas, pools, the large table and cache,
 * the OS and large layers). Misuse (a foreign or dead pointer) is reported
 * through the heap's misuse handler. */
#ifndef POOLALLOC_RAW_H
#define POOLALLOC_RAW_H

#include <stddef.h>

#include "heap_types.h"

void *pa_raw_malloc(pa_heap *h, size_t size);
/* total: count * size, known not to overflow. */
void *pa_raw_calloc(pa_heap *h, size_t total);
void *pa_raw_realloc(pa_heap *h, void *p, size_t size);
/* alignment: a power of two. */
void *pa_raw_memalign(pa_heap *h, size_t alignment, size_t size);
/* Does pa_raw_memalign serve it from a pool (alignment: a power of two)? */
int pa_raw_memalign_is_small(const pa_heap *h, size_t alignment, size_t size);
void pa_raw_free(pa_heap *h, void *p);
/* p: not NULL. */
size_t pa_raw_usable_size(pa_heap *h, const void *p);
int pa_raw_owns(const pa_heap *h, const void *p);

/* The fast paths' calls (fast_path.h) for a class with no pool in use but
 * a spare, and for the last live block of pool: a block of class c from its
 * spare (never NULL), and p freed, its pool emptied. */
void *pa_raw_malloc_spare(pa_heap *h, pa_size_class *c, size_t size) __attribute__((returns_nonnull));
void pa_raw_free_last(pa_heap *h, pa_pool *pool, void *p);

/* Hands every live large block back to the large layer (heap destruction;
 * the table itself stays for the caller to unmap). */
void pa_raw_release_large(pa_heap *h);

#endif

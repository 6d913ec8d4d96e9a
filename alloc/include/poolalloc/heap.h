/* Heap instances and the malloc family on a heap. A heap is not thread-safe:
 * one thread at a time uses it, and a block goes back to the heap it came
 * from, in that heap's thread (pa_malloc and friends, poolalloc.h, are the
 * thread-safe API). Two heaps never see each other's blocks. */
#ifndef POOLALLOC_HEAP_H
#define POOLALLOC_HEAP_H

#include <stddef.h>

#include "poolalloc/attributes.h"
#include "poolalloc/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_heap pa_heap;

/* NULL cfg means pa_config_default(). Returns NULL with errno EINVAL for an
 * impossible configuration (pa_config_validate says why) or ENOMEM. */
pa_heap *pa_heap_create(const pa_config *cfg);

/* Returns every byte the heap holds to the OS layer and every large block to
 * the large path; the result is how many blocks were still live. The
 * process's default heap (pa_default_heap) is never destroyed: pa_malloc
 * and the rest would go on using it. Given it, this returns 0 with errno
 * EBUSY and the heap stays as it was. */
size_t pa_heap_destroy(pa_heap *heap);

/* Gives back to the OS what the heap keeps for reuse, whatever its
 * retention policy: its wholly free arenas are unmapped, the free pools of
 * its other arenas decommitted, its cached large blocks freed. Returns the
 * bytes given back (0: it kept none). */
size_t pa_heap_trim(pa_heap *heap);

/* The configuration the heap runs with (defaults filled in). */
const pa_config *pa_heap_config(const pa_heap *heap);

/* The malloc family with the C library's contracts. Failure: NULL with errno
 * ENOMEM (EINVAL for a bad alignment). size 0 gives a unique pointer. */
PA_RETURNS_ALIGNED void *pa_heap_malloc(pa_heap *heap, size_t size);
PA_RETURNS_ALIGNED void *pa_heap_calloc(pa_heap *heap, size_t count, size_t size);
/* Small blocks stay in place when the new size fits and uses more than half
 * of the block, or no smaller class fits it; one growing out of its block moves to the largest class
 * below twice the new size (room for the next appends). On failure the old
 * block is untouched. realloc(NULL, n) is malloc(n); realloc(p, 0) returns a
 * minimal block and frees p. */
PA_RETURNS_ALIGNED void *pa_heap_realloc(pa_heap *heap, void *p, size_t size);
void pa_heap_free(pa_heap *heap, void *p);
/* Bytes usable at p (>= the size asked for); 0 for NULL. */
size_t pa_heap_usable_size(pa_heap *heap, const void *p);
/* alignment: a power of two (else EINVAL); any size. */
PA_RETURNS_ALIGNED void *pa_heap_memalign(pa_heap *heap, size_t alignment, size_t size);

/* Does this heap own p (a small block inside one of its arenas, or a large
 * block it handed out)? Reads no memory outside the heap's metadata. */
int pa_heap_owns(const pa_heap *heap, const void *p);

#ifdef __cplusplus
}
#endif
#endif

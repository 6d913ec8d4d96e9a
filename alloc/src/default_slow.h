/* The default API's slow halves (default_heap.c): what pa_malloc, pa_calloc,
 * pa_free and pa_realloc do once their inlined fast path declined. For a
 * caller that inlines the fast paths itself (the drop-in malloc), so that
 * its miss goes here at once instead of through pa_* and their fast path a
 * second time. */
#ifndef POOLALLOC_DEFAULT_SLOW_H
#define POOLALLOC_DEFAULT_SLOW_H

#include <stddef.h>

void *pa_malloc_slow(size_t size);
void *pa_calloc_slow(size_t count, size_t size);
/* p may be NULL (nothing is done). */
void pa_free_slow(void *p);
/* p may be NULL (pa_malloc). */
void *pa_realloc_slow(void *p, size_t size);

#endif

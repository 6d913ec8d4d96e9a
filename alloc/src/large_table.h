/* The heap's record of its large blocks: pointer -> requested size. */
#ifndef POOLALLOC_LARGE_TABLE_H
#define POOLALLOC_LARGE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "heap_internal.h"

/* Make room for one more entry before the block exists, so recording it
 * afterwards cannot fail. -1 when the table cannot grow. */
int pa_large_reserve(pa_heap *h);
/* Requires a prior successful pa_large_reserve. */
void pa_large_insert(pa_heap *h, uintptr_t block, size_t size);
pa_large_slot *pa_large_find(const pa_large_table *t, uintptr_t block);
void pa_large_remove(pa_heap *h, pa_large_slot *slot);
void pa_large_table_destroy(pa_heap *h);

#endif

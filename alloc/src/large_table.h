/* The heap's record of its large blocks: pointer -> requested size, and
 * the cached blocks' slots (see pa_large_slot in heap_types.h). */
#ifndef POOLALLOC_LARGE_TABLE_H
#define POOLALLOC_LARGE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"

/* Make room for one more entry before the block exists, so recording it
 * afterwards cannot fail. -1 when the table cannot grow. */
int pa_large_reserve(pa_heap *h);
/* Record a live block. Requires a prior successful pa_large_reserve. */
void pa_large_insert(pa_heap *h, uintptr_t block, size_t size);
/* The live block's slot, or NULL (a cached block is not live). */
pa_large_slot *pa_large_find(const pa_large_table *t, uintptr_t block);
/* The cached block's slot, or NULL. */
pa_large_slot *pa_large_find_cached(const pa_large_table *t, uintptr_t block);
/* A live slot turns cached, its size field becoming the link next. */
void pa_large_mark_cached(pa_large_table *t, pa_large_slot *slot, uintptr_t next);
/* A cached slot turns live for a request of size bytes. */
void pa_large_mark_live(pa_large_table *t, pa_large_slot *slot, size_t size);
/* Forget a live block. */
void pa_large_remove(pa_heap *h, pa_large_slot *slot);
/* Empty a slot, live or cached, with no accounting. */
void pa_large_erase(pa_large_table *t, pa_large_slot *slot);
static inline int pa_large_slot_live(const pa_large_slot *slot) {
    return slot->block && !(slot->block & PA_LARGE_CACHED);
}
void pa_large_table_destroy(pa_heap *h);

#endif

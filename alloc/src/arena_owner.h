/* The process-wide arena map: arena-aligned address -> the thread heap that
 * owns the arena. Only heaps with in_arena_map set (thread_heap.c) record
 * their arenas here. Lock-free: set and clear are release stores by the
 * owning thread, lookups acquire loads from any thread. Nodes are mapped
 * once and never freed. */
#ifndef POOLALLOC_ARENA_OWNER_H
#define POOLALLOC_ARENA_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"

/* The arena size every recorded heap uses (log2), set once before the first
 * arena is recorded. */
void pa_arena_owner_init(unsigned arena_shift);

/* Records h as the owner of the arena at base (NULL clears it). -1 when a
 * node cannot be mapped or base lies past the map's 48 bits (nothing
 * changed). */
int pa_arena_owner_set(pa_heap *h, uintptr_t base, pa_heap *owner);

/* The heap whose arena holds p, or NULL. */
pa_heap *pa_arena_owner_get(const void *p);

/* For the checker: the arenas the map names owner for (a scan of every
 * part of the map an owner was ever stored in). */
size_t pa_arena_owner_count(const pa_heap *owner);

#endif

/* An open-addressing map from nonzero 64-bit keys to 64-bit values, with the
 * storage obtained through caller-supplied functions so that it can live on
 * malloc (the parser, the pa-trace tool) or on mmap (the LD_PRELOAD recorder,
 * which must never call malloc). Linear probing, backward-shift deletion, load
 * factor at most one half. Internal to trace. */
#ifndef POOLALLOC_TRACE_U64MAP_H
#define POOLALLOC_TRACE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns `bytes` of zero-filled memory, or NULL. */
typedef void *(*pa_u64map_alloc_fn)(size_t bytes);
/* Gives back what the matching alloc returned, with the same byte count. */
typedef void (*pa_u64map_release_fn)(void *mem, size_t bytes);

typedef struct pa_u64map_slot {
    uint64_t key; /* 0: empty */
    uint64_t value;
} pa_u64map_slot;

typedef struct pa_u64map {
    pa_u64map_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t len;
    pa_u64map_alloc_fn alloc;
    pa_u64map_release_fn release;
} pa_u64map;

/* An empty map; no storage is taken until the first put. */
void pa_u64map_init(pa_u64map *m, pa_u64map_alloc_fn alloc, pa_u64map_release_fn release);
/* Storage backed by calloc/free. */
void pa_u64map_init_heap(pa_u64map *m);
/* Releases the storage; the map is empty and usable again afterwards. */
void pa_u64map_clear(pa_u64map *m);
/* Sets key (nonzero) to value. 1: the key was new; 0: it was present and its
 * value is replaced (the old one goes to *old if old is not NULL); -1: no
 * memory (the map is unchanged). */
int pa_u64map_put(pa_u64map *m, uint64_t key, uint64_t value, uint64_t *old);
bool pa_u64map_get(const pa_u64map *m, uint64_t key, uint64_t *value);
/* Removes key; true if it was present (its value to *value if not NULL). */
bool pa_u64map_remove(pa_u64map *m, uint64_t key, uint64_t *value);
/* Starts fetching the slot where a probe for key begins, for a caller that
 * knows its keys a few lookups ahead. */
void pa_u64map_prefetch(const pa_u64map *m, uint64_t key);

#endif

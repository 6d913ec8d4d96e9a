#include "poolalloc/introspect.h"

#include <stdatomic.h>
#include <string.h>

#include "annotate.h"
#include "arena_owner.h"
#include "debug_layer.h"
#include "heap_types.h"
#include "large_cache.h"
#include "large_table.h"
#include "pool_walk.h"
#include "radix.h"
#include "retention.h"
#include "thread_heap.h"

void pa_introspect_heap(const pa_heap *h, pa_heap_view *v) {
    memset(v, 0, sizeof *v);
    v->config = h->config;
    v->nclasses = h->nclasses;
    v->pool_header_size = PA_POOL_HEADER_SIZE;
    v->pools_per_arena = h->pools_per_arena;
    v->page_size = h->page_size;
    v->arena_slots = h->arena_slots;
    v->usable_arenas = (uintptr_t)h->usable_arenas;
    v->unused_arenas = (uintptr_t)h->unused_arenas;
    v->arenas_allocated_total = h->arenas_allocated_total;
    v->arenas_released_total = h->arenas_released_total;
    v->arenas_highwater = h->arenas_highwater;
    v->arenas_current = h->arenas_current;
    v->decommitted_pools = h->decommitted_pools;
    v->decommit_run_slot = h->decommit_run.slot;
    v->decommit_run_first = h->decommit_run.first;
    v->decommit_run_pools = h->decommit_run.pools;
    v->decommit_run_max = h->decommit_run.max;
    v->large_blocks = h->large.count;
    v->large_bytes = h->large.bytes;
    v->metadata_bytes = h->metadata_bytes;
    v->arena_bytes_mapped = h->arena_bytes_mapped;
    v->owner_cache_slots = PA_OWNER_CACHE_SLOTS;
    v->empty_arenas = h->empty_arenas;
    v->arena_allowance = h->arena_allowance;
    v->pool_allowance = h->pool_allowance;
    v->committed_free = h->committed_free;
    v->empty_low = h->empty_low;
    v->committed_low = h->committed_low;
    v->retention_window_takes = h->pool_takes - h->allowance_raised_at;
    v->retention_window = PA_RETENTION_DECAY_TAKES;
    v->large_cached_blocks = h->large_cache.blocks;
    v->large_cached_bytes = h->large_cache.bytes;
    v->large_cache_budget = h->large_cache.budget;
    v->large_cache_low = h->large_cache.low;
    v->large_cache_bins = PA_LARGE_CACHE_BINS;
    v->large_cache_window_takes = h->large_cache.window_takes;
    v->large_cache_window = PA_LARGE_CACHE_DECAY_TAKES;
    v->os_bytes_mapped = pa_heap_os_bytes_mapped(h);
    v->thread_heap = h->in_arena_map;
    v->quarantine_len = h->quarantine_len;
    v->quarantine_head = h->quarantine_head;
    v->quarantine_mapped = h->quarantine != NULL;
}

uintptr_t pa_introspect_remote_free(const pa_heap *h) {
    /* The pushers write the list; this only reads it. */
    pa_heap *writable = (pa_heap *)h;
    return (uintptr_t)atomic_load_explicit(&writable->remote_free, memory_order_acquire);
}

uintptr_t pa_introspect_arena_map(uintptr_t a) { return (uintptr_t)pa_arena_owner_get((const void *)a); }

size_t pa_introspect_arena_map_count(const pa_heap *h) { return pa_arena_owner_count(h); }

size_t pa_introspect_orphans(pa_orphan_view *out, size_t max) { return pa_thread_orphans(out, max); }

int pa_introspect_class(const pa_heap *h, size_t index, pa_class_view *v) {
    if (index >= h->nclasses)
        return -1;
    const pa_size_class *c = &h->classes[index];
    v->block_size = c->block_size;
    v->first_block_offset = c->first_offset;
    v->capacity = c->capacity;
    v->used_pools = (uintptr_t)c->used;
    v->pools = c->pools;
    return 0;
}

static void fill_arena(const pa_heap *h, size_t slot, pa_arena_view *v) {
    const pa_arena *a = &h->arenas[slot];
    v->object = (uintptr_t)a;
    v->slot = slot;
    v->base = a->base;
    v->pool_address = a->pool_address;
    v->nfreepools = a->nfreepools;
    v->ntotalpools = a->ntotalpools;
    v->freepools = (uintptr_t)a->freepools;
    v->ncommitted_free = a->ncommitted_free;
    v->next = (uintptr_t)a->next;
    v->prev = (uintptr_t)a->prev;
    v->ndecommitted = a->ndecommitted;
}

int pa_introspect_arena_slot(const pa_heap *h, size_t slot, pa_arena_view *v) {
    if (slot >= h->arena_slots)
        return -1;
    fill_arena(h, slot, v);
    return 0;
}

int pa_introspect_arena(const pa_heap *h, uintptr_t object, pa_arena_view *v) {
    uintptr_t first = (uintptr_t)h->arenas;
    if (object < first || object >= first + h->arena_slots * sizeof(pa_arena) ||
        (object - first) % sizeof(pa_arena))
        return -1;
    fill_arena(h, (object - first) / sizeof(pa_arena), v);
    return 0;
}

int pa_introspect_pool_decommitted(const pa_heap *h, size_t slot, size_t pool_index) {
    if (slot >= h->arena_slots || pool_index >= h->pools_per_arena || !h->arenas[slot].base)
        return -1;
    return pa_pool_is_decommitted(&h->arenas[slot], pool_index);
}

int pa_introspect_decommitted_word(const pa_heap *h, size_t slot, size_t word, uint64_t *bits) {
    if (slot >= h->arena_slots || word >= (h->pools_per_arena + 63) / 64 || !h->arenas[slot].base)
        return -1;
    size_t past = h->pools_per_arena - 64 * word;
    *bits = h->arenas[slot].decommitted[word] & (past >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << past) - 1);
    return 0;
}

int pa_introspect_pool(const pa_heap *h, uintptr_t base, pa_pool_view *v) {
    if ((base & ~h->pool_mask) || !pa_readable_pool_arena(h, base))
        return -1;
    const pa_pool *pool = (const pa_pool *)base;
    v->base = base;
    v->count = pool->count;
    v->size_class = pool->size_class;
    v->freeblock = (uintptr_t)pool->freeblock;
    v->next = (uintptr_t)pool->next;
    v->prev = (uintptr_t)pool->prev;
    v->arena_slot = pool->arena_slot;
    v->nextoffset = pool->nextoffset;
    v->maxnextoffset = pool->maxnextoffset;
    return 0;
}

int pa_introspect_read_link(const pa_heap *h, uintptr_t block, uintptr_t *next) {
    if (block % sizeof(void *) || !pa_readable_pool_arena(h, block) ||
        ((block + sizeof(void *) - 1) & h->pool_mask) != (block & h->pool_mask))
        return -1;
    *next = (uintptr_t)pa_link_read((const pa_block *)block);
    return 0;
}

int pa_introspect_freelist(const pa_heap *h, uintptr_t pool, size_t first, size_t block_size, size_t limit,
                           size_t from, uint64_t *bits, size_t nbits, pa_freelist_walk *walk) {
    if ((pool & ~h->pool_mask) || !pa_readable_pool_arena(h, pool))
        return -1;
    memset(bits, 0, (nbits + 63) / 64 * sizeof *bits);
    size_t blocks = limit > first ? (limit - first) / block_size : 0;
    /* The pool is readable as a whole (one lookup, above), so a member whose
     * link word lies inside the pool needs no lookup of its own; one whose
     * word would not (a caller's limit past the pool, an odd block size)
     * gets pa_introspect_read_link's. */
    size_t pool_size = ~h->pool_mask + 1;
    int inside = block_size % sizeof(void *) == 0 && first % sizeof(void *) == 0 && limit <= pool_size;
    uintptr_t cur = (uintptr_t)((const pa_pool *)pool)->freeblock, last = 0;
    size_t length = 0; /* kept in registers: written to *walk as the walk stops */
    int fault = PA_FREELIST_SOUND;
    while (cur) {
        if (cur < pool + first || cur >= pool + limit) {
            fault = PA_FREELIST_OUT_OF_RANGE;
            break;
        }
        size_t offset = cur - pool - first, k = offset / block_size;
        if (offset != k * block_size) {
            fault = PA_FREELIST_MISALIGNED;
            break;
        }
        k -= from;
        if (length == blocks || (k < nbits && (bits[k / 64] >> (k % 64)) & 1)) {
            fault = PA_FREELIST_CYCLE;
            break;
        }
        if (k < nbits)
            bits[k / 64] |= UINT64_C(1) << (k % 64);
        length++;
        last = cur;
        if (inside) {
            cur = (uintptr_t)pa_link_read((const pa_block *)cur);
        } else if (pa_introspect_read_link(h, cur, &cur)) {
            fault = PA_FREELIST_UNREADABLE;
            break;
        }
    }
    walk->member = cur;
    walk->length = length;
    walk->last = last;
    return fault;
}

uintptr_t pa_introspect_last_with_free(const pa_heap *h, size_t nfreepools) {
    if (nfreepools > h->pools_per_arena)
        return 0;
    return (uintptr_t)h->last_with_free[nfreepools];
}

uintptr_t pa_introspect_owner(const pa_heap *h, uintptr_t a) {
    uint32_t id = pa_radix_get(&h->radix, a);
    if (!id || id > h->arena_slots)
        return 0;
    return (uintptr_t)&h->arenas[id - 1];
}

uintptr_t pa_introspect_owner_cache(const pa_heap *h, size_t slot) {
    return slot < PA_OWNER_CACHE_SLOTS ? h->owner_cache[slot] : 0;
}

const uintptr_t *pa_introspect_owner_cache_all(const pa_heap *h) { return h->owner_cache; }

size_t pa_introspect_large_capacity(const pa_heap *h) { return h->large.capacity; }

int pa_introspect_large_slot(const pa_heap *h, size_t slot, uintptr_t *block, size_t *size) {
    if (slot >= h->large.capacity)
        return -1;
    uintptr_t key = h->large.slots[slot].block;
    *block = key & ~PA_LARGE_CACHED;
    *size = h->large.slots[slot].size;
    return key == 0 ? 0 : key & PA_LARGE_CACHED ? 2 : 1;
}

size_t pa_introspect_large_next_taken(const pa_heap *h, size_t from) {
    while (from < h->large.capacity && !h->large.slots[from].block)
        from++;
    return from < h->large.capacity ? from : h->large.capacity;
}

int pa_introspect_large_reachable(const pa_heap *h, size_t slot) {
    if (slot >= h->large.capacity || !h->large.slots[slot].block)
        return -1;
    const pa_large_slot *s = &h->large.slots[slot];
    uintptr_t block = s->block & ~PA_LARGE_CACHED;
    const pa_large_slot *hit =
        s->block & PA_LARGE_CACHED ? pa_large_find_cached(&h->large, block) : pa_large_find(&h->large, block);
    return hit == s;
}

uintptr_t pa_introspect_block_start(const pa_heap *h, uintptr_t p) {
    return h->config.debug ? pa_debug_block_start(h, (const void *)p) : p;
}

size_t pa_introspect_quarantine_length(const pa_heap *h) { return h->quarantine_len; }

uintptr_t pa_introspect_quarantined(const pa_heap *h, size_t i) {
    return i < h->quarantine_len ? pa_debug_quarantined(h, i) : 0;
}

int pa_introspect_large_cache_bin(const pa_heap *h, size_t bin, uintptr_t *first, size_t *capacity) {
    if (bin >= PA_LARGE_CACHE_BINS)
        return -1;
    *first = h->large_cache.bins[bin];
    *capacity = pa_large_cache_bin_capacity(bin);
    return 0;
}

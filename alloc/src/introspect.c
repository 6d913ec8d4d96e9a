#include "poolalloc/introspect.h"

#include <stdatomic.h>
#include <string.h>

#include "annotate.h"
#include "arena_owner.h"
#include "debug_layer.h"
#include "exact_div.h"
#include "heap_types.h"
#include "large_cache.h"
#include "large_table.h"
#include "pool_walk.h"
#include "radix.h"
#include "retention.h"
#include "thread_heap.h"

/* Every field is assigned: no memset first (the checker reads this view
 * after every op, and zeroing it cost a third of the call). */
void pa_introspect_heap(const pa_heap *h, pa_heap_view *v) {
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

void pa_introspect_limits(const pa_heap *h, pa_limits_view *out) {
    *out = (pa_limits_view){
        .arena_allowance = h->arena_allowance,
        .pool_allowance = h->pool_allowance,
        .retention_window_takes = h->pool_takes - h->allowance_raised_at,
        .retention_window = PA_RETENTION_DECAY_TAKES,
        .large_cached_blocks = h->large_cache.blocks,
        .large_cached_bytes = h->large_cache.bytes,
        .large_cache_budget = h->large_cache.budget,
        .large_cache_low = h->large_cache.low,
        .large_cache_window_takes = h->large_cache.window_takes,
        .large_cache_window = PA_LARGE_CACHE_DECAY_TAKES,
    };
}

uintptr_t pa_introspect_remote_free(const pa_heap *h) {
    /* The pushers write the list; this only reads it. */
    pa_heap *writable = (pa_heap *)h;
    return (uintptr_t)atomic_load_explicit(&writable->remote_free, memory_order_acquire);
}

int pa_introspect_remote_batch(const pa_heap *h, pa_remote_batch_view *out) {
    const pa_remote_batch *t = &pa_tls_batch;
    memset(out, 0, sizeof *out);
    if (!t->count || t->owner != h)
        return 0;
    out->head = (uintptr_t)t->head;
    out->tail = (uintptr_t)t->tail;
    out->count = t->count;
    out->max = PA_REMOTE_BATCH_MAX;
    return 1;
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
    v->used_tail = (uintptr_t)c->used_tail;
    v->pools = c->pools;
    v->spare = (uintptr_t)c->spare;
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
    v->nspares = a->nspares;
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

int pa_introspect_freepools(const pa_heap *h, size_t slot, pa_freepools_walk *walk) {
    if (slot >= h->arena_slots || !h->arenas[slot].base)
        return -1;
    const pa_arena *a = &h->arenas[slot];
    uint64_t seen[PA_MAX_POOLS_PER_ARENA / 64] = {0};
    /* Every pool of an arena shares its base's entry in the map, so one
     * lookup says for all of them what pa_readable_pool_arena would. */
    int mapped = pa_radix_get(&h->radix, a->base) == slot + 1;
    size_t length = 0;
    int fault = PA_FREEPOOLS_SOUND;
    uintptr_t cur = (uintptr_t)a->freepools;
    while (cur) {
        uintptr_t offset = cur - a->base; /* below base wraps past the arena */
        size_t index = offset >> h->pool_shift;
        if (offset >= h->config.arena_size || (cur & ~h->pool_mask) || cur >= a->pool_address ||
            (index < h->pools_per_arena && pa_pool_is_decommitted(a, index))) {
            fault = PA_FREEPOOLS_NOT_POOL;
            break;
        }
        if (seen[index / 64] >> (index % 64) & 1) {
            fault = PA_FREEPOOLS_CYCLE;
            break;
        }
        seen[index / 64] |= UINT64_C(1) << (index % 64);
        walk->index[length++] = (uint16_t)index;
        if (!mapped || index >= h->pools_per_arena) {
            fault = PA_FREEPOOLS_UNREADABLE;
            break;
        }
        cur = (uintptr_t)((const pa_pool *)cur)->next;
    }
    walk->length = length;
    walk->member = cur;
    return fault;
}

int pa_introspect_read_link(const pa_heap *h, uintptr_t block, uintptr_t *next) {
    if (block % sizeof(void *) || !pa_readable_pool_arena(h, block) ||
        ((block + sizeof(void *) - 1) & h->pool_mask) != (block & h->pool_mask))
        return -1;
    *next = (uintptr_t)pa_link_read((const pa_block *)block);
    return 0;
}

/* What one walk needs, fixed for its length. */
typedef struct freelist_geometry {
    uintptr_t lo;       /* pool + first */
    size_t span;        /* limit - first: the members' offsets from lo are below it */
    size_t blocks;      /* the walk is longer than this only through a cycle */
    pa_exact_div div;   /* by the block size */
    size_t from, nbits; /* the window of block indices bits holds */
    int inside;         /* every member's link word lies in the pool */
} freelist_geometry;

/* The walk's instances: the general one, and two for the common cases
 * that test less per member: MARK_ALL marks a window from block 0 holding
 * every block of a whole span, where the bitmap alone stops a cycle, and at
 * the member the length test would (all blocks marked, the next member
 * repeats one); COUNT marks nothing (nbits 0), where the length test does.
 * Both read links in place. */
typedef enum walk_kind { WALK_GENERAL, WALK_MARK_ALL, WALK_COUNT } walk_kind;

/* The walk's loop; kind is a constant at each call. */
static inline __attribute__((always_inline)) int walk_members(const pa_heap *h, const freelist_geometry *g,
                                                              uint64_t *bits, walk_kind kind, uintptr_t cur,
                                                              pa_freelist_walk *walk) {
    uintptr_t last = 0;
    size_t length = 0; /* kept in registers: written to *walk as the walk stops */
    int fault = PA_FREELIST_SOUND;
    while (cur) {
        size_t offset = cur - g->lo; /* below lo wraps past span */
        if (offset >= g->span) {
            fault = PA_FREELIST_OUT_OF_RANGE;
            break;
        }
        size_t k = pa_exact_quotient(&g->div, offset);
        if (k > g->div.max) {
            fault = PA_FREELIST_MISALIGNED;
            break;
        }
        if (kind != WALK_MARK_ALL && length == g->blocks) {
            fault = PA_FREELIST_CYCLE;
            break;
        }
        k -= kind == WALK_GENERAL ? g->from : 0;
        if (kind == WALK_MARK_ALL || (kind == WALK_GENERAL && k < g->nbits)) {
            uint64_t bit = UINT64_C(1) << (k % 64);
            if (bits[k / 64] & bit) {
                fault = PA_FREELIST_CYCLE;
                break;
            }
            bits[k / 64] |= bit;
        }
        length++;
        last = cur;
        if (kind != WALK_GENERAL || g->inside) {
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

int pa_introspect_freelist(const pa_heap *h, uintptr_t pool, size_t first, size_t block_size, size_t limit,
                           size_t from, uint64_t *bits, size_t nbits, pa_freelist_walk *walk) {
    if ((pool & ~h->pool_mask) || !pa_readable_pool_arena(h, pool))
        return -1;
    memset(bits, 0, (nbits + 63) / 64 * sizeof *bits);
    freelist_geometry g;
    g.lo = pool + first;
    g.span = limit > first ? limit - first : 0;
    g.blocks = g.span / block_size;
    g.div = pa_exact_div_by(block_size);
    g.from = from;
    g.nbits = nbits;
    /* The pool is readable as a whole (one lookup, above), so a member whose
     * link word lies inside the pool needs no lookup of its own; one whose
     * word would not (a caller's limit past the pool, an odd block size)
     * gets pa_introspect_read_link's. */
    size_t pool_size = ~h->pool_mask + 1;
    g.inside = block_size % sizeof(void *) == 0 && first % sizeof(void *) == 0 && limit <= pool_size;
    uintptr_t head = (uintptr_t)((const pa_pool *)pool)->freeblock;
    if (g.inside && nbits == 0)
        return walk_members(h, &g, bits, WALK_COUNT, head, walk);
    if (g.inside && from == 0 && g.span % block_size == 0 && g.blocks <= nbits)
        return walk_members(h, &g, bits, WALK_MARK_ALL, head, walk);
    return walk_members(h, &g, bits, WALK_GENERAL, head, walk);
}

long pa_introspect_freelist_follows(const pa_heap *h, uintptr_t pool, size_t first, size_t block_size,
                                    size_t limit, const uint32_t *recorded, size_t n, size_t max_popped,
                                    uint32_t *fresh, size_t max_fresh, size_t *nfresh) {
    size_t pool_size = ~h->pool_mask + 1;
    /* links read in place: every member's word must lie in the pool */
    if ((pool & ~h->pool_mask) || block_size % sizeof(void *) || first % sizeof(void *) || limit > pool_size ||
        limit <= first || !pa_readable_pool_arena(h, pool))
        return -1;
    pa_exact_div div = pa_exact_div_by(block_size);
    size_t popped = max_popped < n ? max_popped : n, a = 0;
    long kept = -1;
    uintptr_t cur = (uintptr_t)((const pa_pool *)pool)->freeblock;
    while (kept < 0) {
        if (!cur) {
            /* all fresh: the recorded members must all have been popped */
            if (n > popped)
                return -1;
            kept = 0;
            break;
        }
        size_t offset = cur - pool;
        if (offset < first || offset >= limit || pa_exact_quotient(&div, offset - first) > div.max)
            return -1;
        for (size_t k = 0; k < popped && kept < 0; k++)
            if (recorded[n - 1 - k] == offset)
                kept = (long)(n - k);
        if (kept >= 0)
            break;
        for (size_t i = 0; i < a; i++)
            if (fresh[i] == offset)
                return -1;
        if (a == max_fresh)
            return -1;
        fresh[a++] = (uint32_t)offset;
        cur = (uintptr_t)pa_link_read((const pa_block *)cur);
    }
    /* recorded[kept - 1] is the member met; each kept member links to the
     * one recorded after it, the tail to NULL */
    uintptr_t differ = 0, want = 0;
    /* a load, an add, a compare and an or a link: the record is as long as
     * the list, so this loop is most of a recorded check's reads */
#pragma GCC unroll 4
    for (size_t i = 0; i < (size_t)kept; i++) {
        uintptr_t at = pool + recorded[i];
        differ |= (uintptr_t)pa_link_read((const pa_block *)at) ^ want;
        want = at;
    }
    if (differ)
        return -1;
    *nfresh = a;
    return kept;
}

size_t pa_introspect_freelist_members(const pa_heap *h, uintptr_t pool, uint32_t *out, size_t max) {
    if ((pool & ~h->pool_mask) || !pa_readable_pool_arena(h, pool))
        return 0;
    size_t n = 0, pool_size = ~h->pool_mask + 1;
    /* the caller's walk found it sound; reading stays in the pool anyway */
    for (uintptr_t cur = (uintptr_t)((const pa_pool *)pool)->freeblock;
         cur && n < max && cur - pool <= pool_size - sizeof(void *); cur = (uintptr_t)pa_link_read((const pa_block *)cur))
        out[n++] = (uint32_t)(cur - pool);
    return n;
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

uintptr_t pa_introspect_owner_base(const pa_heap *h, uintptr_t a, uintptr_t *object) {
    *object = pa_introspect_owner(h, a);
    return *object ? ((const pa_arena *)*object)->base : 0;
}

void pa_introspect_owner_map(const pa_heap *h, pa_owner_map_view *out) {
    const pa_radix *r = &h->radix;
    *out = (pa_owner_map_view){
        .root = (const void *const *)r->root,
        .shift = r->shift,
        .shift_mid = r->shift_mid,
        .shift_root = r->shift_root,
        .mask_mid = r->mask_mid,
        .mask_leaf = r->mask_leaf,
        .first_base = (uintptr_t)h->arenas + offsetof(pa_arena, base),
        .arena_stride = sizeof *h->arenas,
        .arena_slots = h->arena_slots,
    };
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

unsigned pa_introspect_locks_held(void) { return pa_thread_locks_held(); }

const char *pa_introspect_lock_name(unsigned lock) {
    switch (lock) {
    case PA_LOCK_SHARED_HEAP: return "shared heap";
    case PA_LOCK_ORPHANS: return "orphan list";
    default: return NULL;
    }
}

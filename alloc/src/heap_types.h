/* The types of a heap and its parts (pools, arenas, classes, ownership map,
 * large table and cache), shared by every file of alloc/. Only alloc/ and
 * white-box tests (which corrupt heaps on purpose) include this; tools read
 * heaps via introspect.h. */
#ifndef POOLALLOC_HEAP_TYPES_H
#define POOLALLOC_HEAP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "default_geometry.h"
#include "poolalloc/config.h"
#include "poolalloc/heap.h"

#define PA_LIKELY(x) __builtin_expect(!!(x), 1)
#define PA_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define PA_DECOMMIT_WORDS (PA_MAX_POOLS_PER_ARENA / 64)
/* Slots of the free path's direct-mapped cache of confirmed arenas. */
#define PA_OWNER_CACHE_SLOTS 256

/* A free block's first word links it to the next free block of its pool. */
typedef struct pa_block {
    struct pa_block *next;
} pa_block;

/* Lives at the start of every carved pool. A committed free pool keeps its
 * header (and its freelist, reused if the next user has the same class); a
 * decommitted pool has none: its arena's bitmap says so instead. */
typedef struct pa_pool {
    uint32_t count;          /* blocks in use */
    uint32_t size_class;
    pa_block *freeblock;     /* NULL iff the pool is full */
    struct pa_pool *next;    /* class used list, or arena free-pool list */
    struct pa_pool *prev;    /* class used list only */
    uint32_t arena_slot;
    uint32_t nextoffset;     /* first never-carved byte */
    uint32_t maxnextoffset;  /* last offset where a whole block still fits */
} pa_pool;

typedef struct pa_arena {
    uintptr_t base;          /* 0: this object has no arena */
    uintptr_t pool_address;  /* next never-carved pool */
    uint32_t nfreepools;     /* committed free + decommitted + never carved */
    uint32_t ntotalpools;
    uint32_t ndecommitted;
    uint32_t ncommitted_free; /* length of freepools */
    uint32_t nspares;        /* its pools held as their classes' spares (in use, not free) */
    pa_pool *freepools;      /* committed free pools, singly linked */
    struct pa_arena *next;   /* usable list (sorted by nfreepools), or unused list */
    struct pa_arena *prev;
    uint64_t decommitted[PA_DECOMMIT_WORDS];
} pa_arena;

/* One cache line per class: the fast path touches only its own. */
typedef struct pa_size_class {
    pa_pool *used;           /* partly used pools, doubly linked */
    pa_pool *used_tail;      /* the last of them (NULL iff used is), where a full pool that gains a block goes */
    /* An empty pool the class keeps, initialised, on no list, for its next
     * pool (arena.c, "spares"): so a pool that empties and fills again
     * costs no trip through its arena. NULL if none. */
    pa_pool *spare;
    size_t pools;            /* pools holding blocks (partly used + full) */
    uint32_t block_size;
    uint32_t first_offset;   /* blocks start here so each is aligned to its size's largest power-of-two divisor */
    uint32_t capacity;
    uint32_t max_offset;     /* pool_size - block_size */
} __attribute__((aligned(64))) pa_size_class;

/* Ownership map: three levels over the bits of an address above the arena
 * size, covering all 64 bits, so any address, user or not, is answered
 * without reading memory the heap does not own. Leaves hold slot + 1. */
typedef struct pa_radix {
    void **root;
    unsigned shift;          /* log2(arena_size) */
    unsigned bits_mid, bits_leaf, bits_root;
    unsigned shift_root;     /* shift + bits_mid + bits_leaf */
    unsigned shift_mid;      /* shift + bits_leaf */
    uintptr_t mask_mid, mask_leaf;
    size_t nodes;            /* mid and leaf nodes mapped */
    void *mid_list;          /* every mid node, linked through a trailing word */
    void *leaf_list;         /* likewise every leaf node */
} pa_radix;

/* Large blocks live in an open-addressing table: pointer -> requested size.
 * It is how the heap knows, without reading foreign memory, that a pointer
 * it is given is one of its own large blocks. A freed block the cache keeps
 * stays in its slot, tagged: block | PA_LARGE_CACHED, and its size field
 * links to the next cached block of its bin (0 ends the list). So a cache
 * round trip rewrites one slot instead of removing and inserting, and the
 * lists live in memory the heap maps itself: a write into a cached block
 * cannot corrupt them, and a checker walks them without reading foreign
 * memory. A lookup of a live block never matches a tagged one. */
#define PA_LARGE_CACHED ((uintptr_t)1)
typedef struct pa_large_slot {
    uintptr_t block;         /* 0: empty */
    size_t size;             /* live: requested bytes; cached: next block of the bin */
} pa_large_slot;

typedef struct pa_large_table {
    pa_large_slot *slots;
    size_t capacity;         /* power of two, or 0 */
    size_t count;            /* live blocks */
    size_t bytes;            /* their requested bytes */
} pa_large_table;

/* Freed large blocks of up to 256 KiB (1 MiB in the drop-in) kept for
 * reuse (large_cache.c): one list per capacity step, eight steps per power
 * of two above 512 bytes, each linked through the blocks' slots of the
 * large table, newest first. The drop-in's blocks are mappings of their
 * own, and the sqlite trace grows two buffers by realloc to 256 and
 * 512 KiB and frees them every replay: each came back as a fresh mapping,
 * a page fault per page. Over the C library's malloc, whose own mmap
 * threshold adapts, 256 KiB. */
#ifdef PA_DROPIN
#define PA_LARGE_CACHE_MAX_LOG 20
#define PA_LARGE_CACHE_BINS 88
#else
#define PA_LARGE_CACHE_MAX_LOG 18
#define PA_LARGE_CACHE_BINS 72
#endif
#define PA_LARGE_CACHE_MAX_BLOCK ((size_t)1 << PA_LARGE_CACHE_MAX_LOG)

typedef struct pa_large_cache {
    uintptr_t bins[PA_LARGE_CACHE_BINS]; /* newest block, 0 if none */
    size_t blocks;
    size_t bytes;                  /* at their capacities */
    /* The adaptive budget (pa_config.large_cache_bytes): a bin's flag is set
     * when one of its blocks was refused for want of room; a miss on a
     * flagged bin doubles the budget. A window of PA_LARGE_CACHE_DECAY_TAKES
     * cacheable requests tracks the least bytes held. */
    size_t budget;
    size_t low;
    uint32_t window_takes;
    uint8_t refused[PA_LARGE_CACHE_BINS];
} pa_large_cache;

/* Decommits not yet made (decommit_run.h): pools first..first + pools - 1
 * of one arena, marked decommitted, pages still resident. */
typedef struct pa_decommit_run {
    uint32_t slot;   /* the arena's slot + 1; 0 when the run is empty */
    uint32_t first;
    uint32_t pools;
    uint32_t max;    /* decommit_run_pools, at most an arena's pools */
} pa_decommit_run;

struct pa_heap {
    pa_size_class classes[PA_MAX_CLASSES];
    /* The fast path serves sizes 1..fast_threshold: the small threshold up
     * to the last linear class, whose index is a shift, or 0 on a debug heap
     * so every call reaches the debug layer. */
    size_t fast_threshold;
    size_t threshold;
    unsigned class_shift;
    /* A fast-path size's class, by its offset in classes: ((size - 1) &
     * class_mask) * class_scale, a mask and a multiply, one instruction
     * fewer than shifting down by class_shift and up by a class's size. */
    size_t class_mask;       /* ~(alignment - 1) */
    size_t class_scale;      /* sizeof(pa_size_class) / alignment */
    uintptr_t pool_mask;     /* ~(pool_size - 1) */
    unsigned pool_shift;     /* log2(pool_size): pool indices without a division */
    uintptr_t arena_low;     /* arena_size - 1 */
    unsigned arena_shift;    /* log2(arena_size) */
    /* Arenas the ownership map confirmed, slot (p >> arena_shift) % SLOTS,
     * each held as its last byte's address (base | arena_low) so 0 means
     * empty and no pointer, NULL included, matches an empty slot. Spares
     * most frees the map walk; a slot is cleared when its arena goes. */
    uintptr_t owner_cache[PA_OWNER_CACHE_SLOTS];
    int owner_cache_off;     /* 1: kept empty, so frees take no fast path (pa_heap_slow_paths_only) */
    pa_radix radix;

    pa_arena *arenas;        /* the arena table */
    size_t arena_slots;
    pa_arena *usable_arenas; /* arenas with a free pool, fewest free first */
    pa_arena *unused_arenas; /* objects with no arena */
    pa_arena **last_with_free; /* [n]: last usable arena with n free pools */

    pa_large_table large;
    pa_large_cache large_cache;
    pa_config config;
    size_t nclasses;
    size_t pools_per_arena;
    size_t page_size;

    uint64_t arenas_allocated_total;
    uint64_t arenas_released_total;
    size_t arenas_highwater;
    size_t arenas_current;
    size_t decommitted_pools;
    pa_decommit_run decommit_run;
    size_t arena_bytes_mapped;
    /* An arena-sized region mapped but never made an arena (the ownership
     * map could not record it and the OS would not take it back): used by
     * the next new arena, given back at destroy, counted as mapped. */
    uintptr_t spare_arena;
    size_t metadata_bytes;
    size_t self_bytes;       /* bytes mapped for this struct and last_with_free */
    int is_default;          /* the process's default heap: never destroyed */

    /* threads (thread_heap.c): a thread heap records its arenas in the
     * process-wide arena map; other threads push the blocks they free onto
     * remote_free (linked through the blocks' first word), which the owner
     * collects on its slow paths; next_orphan links heaps of exited threads;
     * attached is 1 while a live thread holds the heap (set and cleared on
     * the slow paths that adopt and orphan it, read by the checker).
     * remote_free has a cache line of its own: the pushes of other threads
     * then take no line the owner writes. */
    int in_arena_map;
    int attached;
    _Alignas(64) _Atomic(pa_block *) remote_free;
    _Alignas(64) struct pa_heap *next_orphan;

    /* retention.c: what freed memory is kept for reuse */
    uint32_t empty_arenas;      /* wholly free arenas mapped now */
    uint32_t arena_allowance;   /* wholly free arenas KEEP_ONE may keep */
    uint32_t pool_allowance;    /* committed free pools an arena may keep */
    uint32_t released_since_map; /* 1: an arena was unmapped since the last map */
    uint32_t empty_low;         /* least empty_arenas in this window */
    uint32_t shares_budget;     /* 1: counted in the process-wide budget */
    size_t committed_free;      /* committed free pools of all arenas */
    size_t committed_low;       /* least committed_free in this window */
    uint64_t pool_takes;
    uint64_t allowance_raised_at; /* pool_takes where this window started */

    /* debug layer */
    uint64_t debug_serial;
    void **quarantine;       /* ring of freed blocks held back (data pointers) */
    size_t quarantine_len, quarantine_head;
    size_t debug_max_lead;   /* largest header offset used by an aligned block */
};

#define PA_POOL_HEADER_SIZE sizeof(pa_pool)

/* Live small blocks: the sum of the pools' counts, found by a walk as
 * CPython does, so the fast path keeps no counter of its own. */
size_t pa_heap_small_blocks_in_use(const pa_heap *h);

/* Bytes the heap holds from its OS layer now: metadata, arenas, and the
 * spare arena-sized region if there is one. */
static inline size_t pa_heap_os_bytes_mapped(const pa_heap *h) {
    return h->metadata_bytes + h->arena_bytes_mapped + (h->spare_arena ? h->config.arena_size : 0);
}

/* A heap's geometry as the fast paths and the helpers below read it: from
 * the heap, or in the drop-in, whose heaps all have the default geometry
 * (heap.c refuses another there), the constant the compiler folds into the
 * instructions (a shift or mask by an immediate, no load). */
#ifdef PA_DROPIN
#define PA_GEOMETRY(h, field, fixed) ((void)(h), (fixed))
#else
#define PA_GEOMETRY(h, field, fixed) ((h)->field)
#endif
#define PA_CLASS_SHIFT(h) PA_GEOMETRY(h, class_shift, (unsigned)__builtin_ctz(PA_DEFAULT_ALIGNMENT))
#define PA_CLASS_MASK(h) PA_GEOMETRY(h, class_mask, ~(size_t)(PA_DEFAULT_ALIGNMENT - 1))
#define PA_CLASS_SCALE(h) PA_GEOMETRY(h, class_scale, sizeof(pa_size_class) / PA_DEFAULT_ALIGNMENT)
#define PA_ARENA_SHIFT(h) PA_GEOMETRY(h, arena_shift, (unsigned)__builtin_ctz(PA_DEFAULT_ARENA_SIZE))
#define PA_ARENA_LOW(h) PA_GEOMETRY(h, arena_low, (uintptr_t)PA_DEFAULT_ARENA_SIZE - 1)
#define PA_POOL_MASK(h) PA_GEOMETRY(h, pool_mask, ~((uintptr_t)PA_DEFAULT_POOL_SIZE - 1))

/* Does cfg have the geometry PA_GEOMETRY assumes? Always, but in the drop-in. */
static inline int pa_geometry_supported(const pa_config *cfg) {
#ifdef PA_DROPIN
    return cfg->alignment == PA_DEFAULT_ALIGNMENT && cfg->pool_size == PA_DEFAULT_POOL_SIZE &&
           cfg->arena_size == PA_DEFAULT_ARENA_SIZE;
#else
    (void)cfg;
    return 1;
#endif
}

static inline uintptr_t *pa_owner_slot(pa_heap *h, uintptr_t p) {
    return &h->owner_cache[(p >> PA_ARENA_SHIFT(h)) & (PA_OWNER_CACHE_SLOTS - 1)];
}

/* Is p inside an arena the owner cache holds? */
static inline int pa_owner_cached(pa_heap *h, const void *p) {
    return ((uintptr_t)p | PA_ARENA_LOW(h)) == *pa_owner_slot(h, (uintptr_t)p);
}

static inline pa_pool *pa_pool_of(const pa_heap *h, const void *p) {
    return (pa_pool *)((uintptr_t)p & PA_POOL_MASK(h));
}

#endif

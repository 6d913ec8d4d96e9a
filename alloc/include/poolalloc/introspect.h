/* A read-only view of a heap's arenas, pools, freelists and counters, for the
 * invariant checker and tools. Every function copies values out; none follows
 * a pointer it has not first checked to lie inside the heap's own memory, so a
 * corrupt heap is reported on, never crashed on. Addresses are uintptr_t:
 * they identify things, they are not meant to be dereferenced by the caller. */
#ifndef POOLALLOC_INTROSPECT_H
#define POOLALLOC_INTROSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/config.h"
#include "poolalloc/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_heap_view {
    pa_config config;
    size_t nclasses;
    size_t pool_header_size;     /* bytes of pool header before alignment */
    size_t pools_per_arena;
    size_t page_size;

    size_t arena_slots;          /* arena objects in the arena table */
    uintptr_t usable_arenas;     /* first arena object of the usable list, 0 if none */
    uintptr_t unused_arenas;     /* first arena object with no arena, 0 if none */

    /* counters the heap keeps as it runs */
    uint64_t arenas_allocated_total;
    uint64_t arenas_released_total;
    size_t arenas_highwater;
    size_t arenas_current;
    size_t decommitted_pools;
    /* The decommit run: pools decommit_run_first.. of the arena in slot
     * decommit_run_slot - 1 (0: no run), marked decommitted, pages resident. */
    size_t decommit_run_slot;
    size_t decommit_run_first;
    size_t decommit_run_pools;
    size_t decommit_run_max;
    size_t large_blocks;
    size_t large_bytes;
    size_t metadata_bytes;
    size_t os_bytes_mapped;      /* arenas + metadata */
    size_t arena_bytes_mapped;
    /* Slots of the free path's cache of arenas the ownership map confirmed
     * (see pa_introspect_owner_cache). */
    size_t owner_cache_slots;

    /* Retention (pa_config.empty_arenas_max): wholly free arenas mapped now,
     * as the heap counts them, and the allowances in force. */
    size_t empty_arenas;
    size_t arena_allowance;      /* 1..empty_arenas_max */
    size_t pool_allowance;       /* decommit_keep_pools..decommit_keep_pools_max */
    size_t committed_free;       /* counter: committed free pools of all arenas */
    size_t empty_low;            /* this window's least empty_arenas */
    size_t committed_low;        /* this window's least committed_free */
    /* Pool takes since this window started, and a window's length: at that
     * many the allowances are judged and a new window starts. */
    uint64_t retention_window_takes;
    size_t retention_window;

    /* The large-block cache (pa_config.large_cache_bytes): its counters; its
     * blocks are slots of the large table (see pa_introspect_large_slot). */
    size_t large_cached_blocks;
    size_t large_cached_bytes;   /* at their capacities */
    size_t large_cache_budget;   /* large_cache_bytes..large_cache_bytes_max */
    size_t large_cache_low;      /* this window's least large_cached_bytes */
    size_t large_cache_bins;
    /* Cacheable requests in this budget window, and a window's length. */
    size_t large_cache_window_takes;
    size_t large_cache_window;

    /* A thread heap of the default API: it records its arenas in the
     * process-wide arena map (the shared heap and pa_heap_create's do not). */
    int thread_heap;

    /* Debug heaps: the quarantine's ring (config.debug_quarantine slots),
     * the blocks it holds and the slot of the oldest. */
    size_t quarantine_len;
    size_t quarantine_head;
    int quarantine_mapped; /* the ring exists */
} pa_heap_view;

/* The retention allowances and the large cache's counters and budget, with
 * their windows: the fields of pa_heap_view (same names, same values) that
 * an op's policy judgement reads before and after a call, for a handful of
 * loads where pa_introspect_heap copies the whole view and the config. */
typedef struct pa_limits_view {
    size_t arena_allowance;
    size_t pool_allowance;
    uint64_t retention_window_takes;
    size_t retention_window;
    size_t large_cached_blocks;
    size_t large_cached_bytes;
    size_t large_cache_budget;
    size_t large_cache_low;
    size_t large_cache_window_takes;
    size_t large_cache_window;
} pa_limits_view;

typedef struct pa_class_view {
    size_t block_size;
    size_t first_block_offset;   /* header + alignment padding */
    size_t capacity;             /* blocks per pool */
    uintptr_t used_pools;        /* first partly used pool, 0 if none */
    uintptr_t used_tail;         /* last partly used pool, 0 if none */
    size_t pools;                /* counter: pools of the class holding blocks */
    uintptr_t spare;             /* the pool the class keeps for its next one, 0 if none */
} pa_class_view;

typedef struct pa_arena_view {
    uintptr_t object;            /* the arena object (its identity) */
    size_t slot;                 /* its index in the arena table */
    uintptr_t base;              /* 0: object not attached to an arena */
    uintptr_t pool_address;      /* next never-carved pool */
    size_t nfreepools;           /* committed free + decommitted + never carved */
    size_t ntotalpools;
    uintptr_t freepools;         /* first committed free pool, 0 if none */
    size_t ncommitted_free;      /* counter: length of freepools */
    uintptr_t next, prev;        /* usable-arena list (or unused list: next) */
    size_t ndecommitted;         /* bits set in the decommitted bitmap */
    size_t nspares;              /* counter: its pools held as classes' spares */
} pa_arena_view;

typedef struct pa_pool_view {
    uintptr_t base;
    unsigned count;              /* blocks in use */
    unsigned size_class;
    uintptr_t freeblock;         /* freelist head */
    uintptr_t next, prev;        /* used-pool or free-pool list */
    size_t arena_slot;           /* index of the owning arena object */
    size_t nextoffset;           /* first never-carved byte */
    size_t maxnextoffset;        /* last offset a block may be carved at */
} pa_pool_view;

void pa_introspect_heap(const pa_heap *heap, pa_heap_view *out);
/* index < nclasses; 0 on success, -1 otherwise. */
int pa_introspect_class(const pa_heap *heap, size_t index, pa_class_view *out);
/* slot < arena_slots; 0 on success, -1 otherwise. */
int pa_introspect_arena_slot(const pa_heap *heap, size_t slot, pa_arena_view *out);
/* object: an arena object address as the views give it; -1 if it is not one
 * of the table's objects (a corrupt link is reported, not followed). */
int pa_introspect_arena(const pa_heap *heap, uintptr_t object, pa_arena_view *out);
/* Is pool i of the arena in slot decommitted? 1, 0, or -1 for bad arguments. */
int pa_introspect_pool_decommitted(const pa_heap *heap, size_t slot, size_t pool_index);
/* The same bits 64 at a time: bit j of *bits is pool 64 * word + j (none
 * past the arena's pools). 0, or -1 for bad arguments. */
int pa_introspect_decommitted_word(const pa_heap *heap, size_t slot, size_t word, uint64_t *bits);
/* base must be a pool-aligned address inside a live arena's carved pools and
 * not decommitted; 0 on success, -1 otherwise (nothing is read). */
int pa_introspect_pool(const pa_heap *heap, uintptr_t base, pa_pool_view *out);
/* What a walk of an arena's freepools list found (pa_introspect_freepools). */
typedef enum pa_freepools_fault {
    PA_FREEPOOLS_SOUND = 0,  /* it ends in NULL, every member a distinct pool */
    PA_FREEPOOLS_NOT_POOL,   /* a member that is not a carved, committed pool of the arena */
    PA_FREEPOOLS_CYCLE,      /* a member repeats an earlier one */
    PA_FREEPOOLS_UNREADABLE, /* a member whose header pa_introspect_pool would not read */
} pa_freepools_fault;

typedef struct pa_freepools_walk {
    size_t length;    /* members that passed, all of them when sound */
    uintptr_t member; /* not sound: the member at fault */
    uint16_t index[PA_MAX_POOLS_PER_ARENA]; /* the passing members' pool indices, in list order */
} pa_freepools_walk;

/* Walks the freepools list of the arena in slot trusting nothing: each
 * member must be a carved pool of the arena, not decommitted, and not
 * repeat, and its next link is read only where pa_introspect_pool would
 * read its header, so the walk ends within the arena's pools. Returns the
 * fault (SOUND, 0, when none), the facts in *walk; -1 if the slot has no
 * arena. */
int pa_introspect_freepools(const pa_heap *heap, size_t slot, pa_freepools_walk *walk);
/* The freelist link stored in a free block. The block must lie, whole, inside
 * a live, committed, carved pool; -1 otherwise (nothing is read). */
int pa_introspect_read_link(const pa_heap *heap, uintptr_t block, uintptr_t *next);

/* What a walk of a pool's freelist found (pa_introspect_freelist). */
typedef enum pa_freelist_fault {
    PA_FREELIST_SOUND = 0,     /* it ends in NULL, every member a distinct block */
    PA_FREELIST_OUT_OF_RANGE,  /* a member outside [pool + first, pool + limit) */
    PA_FREELIST_MISALIGNED,    /* a member off the boundaries first + k * block_size */
    PA_FREELIST_CYCLE,         /* a member repeats an earlier one */
    PA_FREELIST_UNREADABLE,    /* a member's link could not be read (pa_introspect_read_link) */
} pa_freelist_fault;

typedef struct pa_freelist_walk {
    size_t length;     /* members that passed, all of them when sound */
    uintptr_t member;  /* not sound: the member at fault (the link to it) */
    uintptr_t last;    /* the last member that passed, 0 if none */
} pa_freelist_walk;

/* Walks the freelist of the pool at address pool (as pa_introspect_pool
 * requires it) trusting nothing but the geometry the caller gives: each
 * member must lie in [pool + first, pool + limit) on a block boundary and
 * not repeat, and each link is read as pa_introspect_read_link reads it, so
 * the walk reads only the pool and ends within (limit - first) / block_size
 * steps. Marks in bits (nbits of them, cleared first) the free blocks from
 * block index from on, so a pool larger than one bitmap is walked once per
 * window; a repeat is seen at once inside the window, outside it once the
 * walk is longer than the blocks. Returns the fault (SOUND, 0, when none),
 * with the walk's facts in *walk; -1 if pool is not readable. */
int pa_introspect_freelist(const pa_heap *heap, uintptr_t pool, size_t first, size_t block_size, size_t limit,
                           size_t from, uint64_t *bits, size_t nbits, pa_freelist_walk *walk);
/* Whether the pool's freelist is, link for link, a list recorded earlier
 * after pushes and pops at its head: `fresh` members walked from the head
 * (at most max_fresh, each checked as pa_introspect_freelist checks a
 * member, distinct) up to the first that is one of the recorded list's
 * first max_popped members, then the rest of the recorded list, whose every
 * link is read and compared with the one recorded (independent reads, not
 * a chain of dependent ones). recorded[] holds offsets from pool, the tail
 * first, recorded[n - 1] the head; its members must have passed a walk with
 * the same first and block_size and a limit at most this one. Returns how
 * many recorded members are kept (the list is fresh[0..*nfresh), head
 * first, then recorded[kept - 1] down to recorded[0]); -1 when the list is
 * not of that shape or pool is not readable, and the caller walks it. */
long pa_introspect_freelist_follows(const pa_heap *heap, uintptr_t pool, size_t first, size_t block_size,
                                    size_t limit, const uint32_t *recorded, size_t n, size_t max_popped,
                                    uint32_t *fresh, size_t max_fresh, size_t *nfresh);
/* The offsets from pool of the first max members of a freelist that a walk
 * has just found sound, head first: how many were written. */
size_t pa_introspect_freelist_members(const pa_heap *heap, uintptr_t pool, uint32_t *out, size_t max);
/* Thread heaps: the first block of the remote-free list (blocks other
 * threads freed, not yet collected by the owner), 0 if none; each member
 * links on through its first word (pa_introspect_read_link). An acquire
 * load, so a quiescent owner's checker sees the pushers' links. */
uintptr_t pa_introspect_remote_free(const pa_heap *heap);
/* Thread heaps: the calling thread's batch of heap's blocks it freed, not
 * yet pushed on heap's remote-free list (a thread pushes them max at a
 * time; docs/ARCHITECTURE.md, "Threads"). 1 with *out filled when the
 * calling thread holds such a batch, else 0 with *out zeroed. */
typedef struct pa_remote_batch_view {
    uintptr_t head;  /* the newest member; each links on through its first word */
    uintptr_t tail;  /* the member the push links to the list's old head */
    size_t count;
    size_t max;      /* a batch that reaches it is pushed at once */
} pa_remote_batch_view;
int pa_introspect_remote_batch(const pa_heap *heap, pa_remote_batch_view *out);
/* The process-wide arena map (thread heaps): the heap it names for address
 * a, 0 if none; and how many arenas it names heap for (a scan of every
 * part of the map an arena ever took, so for full checks only). */
uintptr_t pa_introspect_arena_map(uintptr_t a);
size_t pa_introspect_arena_map_count(const pa_heap *heap);
/* One heap on the orphan list (heaps of exited threads, kept for the next
 * thread to adopt). */
typedef struct pa_orphan_view {
    uintptr_t heap;
    uintptr_t next;   /* its link on the list */
    int thread_heap;  /* as pa_heap_view.thread_heap */
    int shared;       /* the default API's shared heap */
    int attached;     /* a live thread holds it */
} pa_orphan_view;
/* The first max heaps of the orphan list, from its head, read under the
 * list's lock; returns how many were written (max means there may be
 * more, or the list does not end). */
size_t pa_introspect_orphans(pa_orphan_view *out, size_t max);
/* The default API's process-wide locks, as bits of a mask. */
enum { PA_LOCK_SHARED_HEAP = 1u << 0, PA_LOCK_ORPHANS = 1u << 1 };
/* The locks held at this moment by any thread, the calling one included:
 * each is tried and, if free, released at once (a few dozen nanoseconds).
 * Between two calls of the API no thread of a program running one thread
 * holds any, so a lock held then was left held by the call before, and the
 * next call that takes it waits forever. With threads running, a snapshot. */
unsigned pa_introspect_locks_held(void);
/* A lock's name ("shared heap", "orphan list"), NULL if lock is not one. */
const char *pa_introspect_lock_name(unsigned lock);
/* nfp2lasta[n]: the last usable arena with n free pools, 0 if none. */
uintptr_t pa_introspect_last_with_free(const pa_heap *heap, size_t nfreepools);
/* pa_heap_view's retention and large-cache fields alone (pa_limits_view). */
void pa_introspect_limits(const pa_heap *heap, pa_limits_view *out);
/* The arena object the ownership map names for address a, 0 if none. */
uintptr_t pa_introspect_owner(const pa_heap *heap, uintptr_t a);
/* The base of that arena object (0 if it has no arena), *object set as
 * pa_introspect_owner gives it: the one field a check of the owner cache
 * compares, without filling a whole view per slot. 0 and *object 0 if the
 * map names none. */
uintptr_t pa_introspect_owner_base(const pa_heap *heap, uintptr_t a, uintptr_t *object);
/* The ownership map and the arena table, read in place, for a check that
 * resolves many addresses at once (every owner-cache slot, every op) without
 * a call per address. pa_introspect_owner_base(a) is, step by step:
 *   mid  = root[a >> shift_root]                      (NULL: none)
 *   leaf = mid[(a >> shift_mid) & mask_mid]           (NULL: none)
 *   id   = leaf[(a >> shift) & mask_leaf]             (0 or past arena_slots: none)
 *   base = *(const uintptr_t *)(first_base + (id - 1) * arena_stride)
 * Valid until the heap's next call. */
typedef struct pa_owner_map_view {
    const void *const *root;   /* mid nodes: const void *const *; leaves: const uint32_t * */
    unsigned shift, shift_mid, shift_root;
    uintptr_t mask_mid, mask_leaf;
    uintptr_t first_base;      /* where the first arena object keeps its base */
    size_t arena_stride;       /* bytes from one arena object to the next */
    size_t arena_slots;
} pa_owner_map_view;
void pa_introspect_owner_map(const pa_heap *heap, pa_owner_map_view *out);
/* Owner-cache slot: 0 (empty) or the last byte of the arena it remembers
 * (base + arena_size - 1), which must be a live arena whose base maps to
 * this slot: (base >> log2(arena_size)) % owner_cache_slots. */
uintptr_t pa_introspect_owner_cache(const pa_heap *heap, size_t slot);
/* Every slot at once (owner_cache_slots of them), read in place: valid
 * until the heap's next call. */
const uintptr_t *pa_introspect_owner_cache_all(const pa_heap *heap);
/* Large blocks: slot < capacity; 1, the block and its requested size when
 * it holds a live block; 2, the block and the next block of its cache list
 * (0 ends it) when it holds a cached one; 0 when it is empty; -1 past the
 * end. */
size_t pa_introspect_large_capacity(const pa_heap *heap);
int pa_introspect_large_slot(const pa_heap *heap, size_t slot,
                             uintptr_t *block, size_t *size);
/* The first slot at or after from that is not empty; the capacity if none.
 * A scan of a large, sparse table at a few instructions per empty slot. */
size_t pa_introspect_large_next_taken(const pa_heap *heap, size_t from);

/* Where a lookup of the block in large-table slot lands: 1 when it finds
 * this very slot, 0 when it stops short of it (an empty slot on the probe
 * path from the block's home), -1 for an empty slot or one past the end. */
int pa_introspect_large_reachable(const pa_heap *heap, size_t slot);

/* The large-block cache: list bin's newest block (0 if empty) and the
 * capacity of its blocks; -1 past the last bin. Each block's slot links on
 * to the next (pa_introspect_large_slot returns 2). */
int pa_introspect_large_cache_bin(const pa_heap *heap, size_t bin, uintptr_t *first, size_t *capacity);

/* The plain heap's block behind p: on a debug heap, the raw block holding
 * the debug block whose data starts at p (0 if p is none); otherwise p. */
uintptr_t pa_introspect_block_start(const pa_heap *heap, uintptr_t p);
/* Debug heaps: blocks the caller freed that the quarantine still holds, as
 * raw blocks (live to the plain heap, dead to the caller). */
size_t pa_introspect_quarantine_length(const pa_heap *heap);
uintptr_t pa_introspect_quarantined(const pa_heap *heap, size_t i);

#ifdef __cplusplus
}
#endif
#endif

/* State of a full check: a record per arena object and per pool, filled by
 * the list walks, then compared with what each pool says it is. */
#ifndef POOLALLOC_CHECK_FULL_H
#define POOLALLOC_CHECK_FULL_H

#include "check_ctx.h"

/* Which lists a pool was found on. */
typedef struct chk_pool_rec {
    uint32_t used_hits;      /* class used lists */
    int32_t used_cls;        /* the (first) class whose list holds it */
    uint32_t free_hits;      /* arena freepools lists */
    uint32_t stamp;          /* last list walk that visited it (cycles) */
    uint8_t sound;           /* header, class, freelist and layout sound: its live blocks are known */
    uint32_t memo;           /* 1 + its entry in the pool memo, 0 none */
    int32_t spare_of;        /* 1 + the class whose spare it is, 0 none */
} chk_pool_rec;

/* What the full check's walk of the pools found in each pool it read (its
 * facts and, where the freelist is sound, the block numbers on it), kept
 * for the walks that follow in the same check (chk_walk_pools), which would
 * otherwise read every pool and walk every freelist again. The heap is at
 * rest while a check runs: a second chk_pool would find the same. */
typedef struct chk_pool_memo {
    const chk_pool_rec *recs;    /* the full check's, [slot * pools_per_arena + index] */
    size_t pools_per_arena;
    struct chk_memo_entry *entries;
    uint64_t *bits;
    size_t n, cap, nbits, capbits;
} chk_pool_memo;

typedef struct chk_arena_rec {
    int read;
    pa_arena_view v;
    chk_arena_facts f;
    int on_usable, on_unused;
    size_t spares;           /* classes whose spare lies in it (chk_full_spares) */
} chk_arena_rec;

/* Walk totals that counters and statistics are compared against. */
typedef struct chk_totals {
    int exact;                       /* every carved pool read with a valid class and count */
    size_t blocks[PA_MAX_CLASSES];
    size_t pools[PA_MAX_CLASSES];    /* holding blocks */
    size_t full[PA_MAX_CLASSES];
    size_t free_blocks[PA_MAX_CLASSES];
    size_t live_arenas;
    size_t sound_arenas;
    size_t free_pools;               /* committed free + never carved + spares holding no block */
    size_t decommitted;              /* among carved pools */
    size_t decommitted_all;
    size_t headers, alignment, quantization;
} chk_totals;

typedef struct chk_full {
    chk_base b;
    chk_arena_rec *arenas;           /* [arena_slots] */
    pa_arena_view *sorted;           /* sound live arenas by base */
    size_t nsorted;
    chk_pool_rec *pools;             /* [arena_slots * pools_per_arena] */
    unsigned char used_complete[PA_MAX_CLASSES];
    uint32_t stamp;
    int spares_ok;                   /* every class's spare is a pool of its class (arenas[].spares exact) */
    chk_totals t;
    chk_pool_memo *memo;             /* kept when the ghost check follows (pa_check_options.live_report) */
} chk_full;

/* Record pool index of the arena in slot, just read by chk_pool with its
 * freelist marked in b->bits. Out of memory, the pool is left out: the
 * walks after it read it again. */
void chk_memo_add(chk_full *c, size_t slot, size_t index, const chk_pool_facts *f);
void chk_memo_free(chk_pool_memo *m);
/* Pool index of the arena in slot as the memo holds it: 1 with its facts
 * and its freelist marks (meaningful when the walks use them), 0 if absent. */
int chk_memo_find(const chk_pool_memo *m, size_t slot, size_t index, chk_pool_facts *f, const uint64_t **bits);
/* The ghost-state check of pa_check_live_set on a full check's base,
 * arenas and pool memo, into r. */
void chk_full_live_set(chk_full *c, const void *const *live, size_t nlive, pa_check_report *r);

/* Sound live arenas, sorted by base (malloc'd; NULL with *n 0 if none or
 * out of memory), and the one holding an address. */
pa_arena_view *chk_sorted_arenas(const chk_base *b, size_t *n);
const pa_arena_view *chk_find_arena(const pa_arena_view *sorted, size_t n, uintptr_t addr, size_t arena_size);

/* Ascending uintptr_t, for qsort and bsearch. */
int chk_by_addr(const void *x, const void *y);
/* Sort n records of words (1 or 2) uintptr_t each by their first word,
 * ascending: as qsort with chk_by_addr would, in a few linear passes. */
void chk_sort_records(uintptr_t *a, size_t n, size_t words);

/* One pool of a walk over sound live arenas (chk_walk_pools). */
typedef struct chk_pool_visit {
    const pa_arena_view *a;
    size_t index;
    uintptr_t pool;
    chk_where_pool where;       /* CHK_POOL_OK, CHK_POOL_UNCARVED or CHK_POOL_DECOMMITTED */
    const chk_pool_facts *f;    /* CHK_POOL_OK and header, class, freelist and nextoffset sound; else NULL */
    const uint64_t *free_bits;  /* with f: block numbers on the freelist (the first half of b->bits) */
    size_t from, to;            /* sorted[from..to) lie in the pool */
} chk_pool_visit;
typedef void (*chk_visit_fn)(void *ctx, const chk_pool_visit *v);

/* Block address p of a visit's run (v->f set): its block number in the
 * pool, or -1 after reporting off_boundary or never_carved, as "<what> is
 * not at a block boundary" / "<what> was never carved". */
long chk_visit_block(chk_base *b, const chk_pool_visit *v, uintptr_t p, chk_id off_boundary, chk_id never_carved,
                     const char *what);

/* Every pool of arenas[] (sorted by base) in address order, with the run of
 * sorted[] (ascending addresses) inside it. Pool faults are not reported:
 * they are the full check's. The second half of b->bits is free for fn.
 * 0, or -1 when out of memory (nothing visited). */
int chk_walk_pools(chk_base *b, const pa_arena_view *arenas, size_t narenas, const uintptr_t *sorted,
                   size_t nsorted, chk_visit_fn fn, void *ctx);

void chk_full_used_lists(chk_full *c);
/* CLASS_SPARE and ARENA_NSPARES; after the list walks, before the pools. */
void chk_full_spares(chk_full *c);
void chk_full_pools(chk_full *c);
void chk_full_class_counters(chk_full *c);
void chk_full_usable(chk_full *c);
void chk_full_unused(chk_full *c);
void chk_full_owner_map(chk_full *c);
/* Thread heaps: the process-wide arena map (ARENA_MAP_*) and
 * THREAD_HEAP_LARGE. */
void chk_full_thread(chk_full *c);
/* Thread heaps' remote-free list (REMOTE_FREE_*) and the calling thread's
 * batch of this heap's blocks (REMOTE_BATCH_*). */
void chk_full_remote(chk_full *c);
/* The members of both, sorted (malloc'd; NULL with *n 0 when both are
 * empty, broken or out of memory: a broken one is the full check's). */
uintptr_t *chk_remote_members(chk_base *b, size_t *n);
void chk_full_stats(chk_full *c);
/* HEAP_LARGE_BLOCKS, HEAP_LARGE_BYTES and LARGE_TABLE_LOAD: the large-block
 * table's counters and load; 1 when a slot is empty, so lookups end. */
int chk_full_large_table(chk_base *b);
/* LARGE_TABLE_PROBE: every block is found by a lookup. A cached block the
 * large cache's checks found wrong sits in a slot it does not hash to:
 * judged only when they found nothing. */
void chk_full_large_probes(chk_base *b);
/* DEBUG_*: the debug layer's judge of every block of a debug heap. */
void chk_full_debug(chk_full *c);
/* DEBUG_QUARANTINE_RING, O(1): the quarantine's length and head (debug
 * heaps). */
void chk_quarantine_ring(chk_base *b);
/* TOTALS, HIGHWATER and ARENA_BYTES against a count of live arenas (the
 * walk's in a full check, the counter in an incremental one). */
void chk_heap_counters(chk_base *b, size_t live_arenas);
/* HEAP_OWNER_CACHE: against the sorted arenas of a full check, or (sorted
 * NULL) through the ownership map in O(1). With a record, the slots of the
 * touched blocks' arenas are compared first. */
void chk_owner_cache(chk_base *b, const pa_arena_view *sorted, size_t n, const void *const *touched, size_t ntouched);

/* check_reuse.c. RETENTION_ALLOWANCE, O(1); 1 when both allowances are in
 * their bounds. */
int chk_retention_allowances(chk_base *b);
/* RETENTION_WINDOW and LARGE_CACHE_WINDOW, O(1): each decay window ends at
 * its length. */
void chk_reuse_windows(chk_base *b);
/* LARGE_CACHE_ACCOUNTING's bound: bytes (the walk's in a full check, the
 * counter in an incremental one) at most the budget, which lies within its configured bounds. */
void chk_large_cache_limit(chk_base *b, size_t bytes);
/* RETENTION_*: the arena records against the counters; the policy's bound
 * on wholly free arenas only with an OS counter that refused no unmap. */
void chk_full_retention(chk_full *c, const pa_os_counter *os);
/* LARGE_CACHE_*: every list of the entry array, the counters, the blocks. */
void chk_full_large_cache(chk_full *c);

#endif

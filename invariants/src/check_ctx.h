/* What every check shares: the heap's view, each class's geometry derived
 * from the configuration, and the per-pool and per-arena checks that both
 * the full and the incremental check run. Everything is read through
 * introspect.h; nothing here knows the heap's private structures. */
#ifndef POOLALLOC_CHECK_CTX_H
#define POOLALLOC_CHECK_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "check_report.h"
#include "poolalloc/introspect.h"

/* A class's layout as the configuration implies it. Pools are checked
 * against this, not against the class's own copy, so one corrupt class
 * field is one violation rather than one per pool. */
typedef struct chk_geom {
    size_t block_size;
    size_t first;      /* offset of the first block */
    size_t capacity;   /* blocks per pool */
} chk_geom;

/* Scratch bitmap big enough for the largest pool's blocks, twice (the ghost
 * check marks free and live blocks separately). Small pools use the inline
 * words; only huge pools with tiny classes need the heap. */
#define CHK_INLINE_WORDS 128

/* A taken slot of the large-block table. */
typedef struct chk_large_entry {
    uintptr_t block;
    size_t size;
    size_t slot;
    int kind; /* 1 live, 2 cached, as pa_introspect_large_slot says */
} chk_large_entry;

typedef struct chk_base {
    const pa_heap *heap;
    pa_check_report *r;
    pa_heap_view hv;          /* pools_per_arena: the one the configuration implies */
    size_t pools_per_arena_found; /* the heap's own, for HEAP_GEOMETRY */
    pa_class_view cls[PA_MAX_CLASSES];
    chk_geom geom[PA_MAX_CLASSES];
    unsigned char geom_ok[PA_MAX_CLASSES];
    uint64_t loaded[(PA_MAX_CLASSES + 63) / 64]; /* classes whose cls, geom and geom_ok are read */
    uint64_t *bits;    /* 2 * words */
    size_t words;
    uint64_t inline_bits[2 * CHK_INLINE_WORDS];
    const struct chk_pool_memo *memo; /* a full check's pools, for chk_walk_pools; NULL: none */
    chk_large_entry *large; /* the large-block table's taken slots (chk_large_entries) */
    size_t nlarge;
    int large_read;
    pa_check_record *record; /* the incremental check's, or NULL */
} chk_base;

/* 0, or -1 when the scratch bitmap cannot be allocated. No class is read
 * yet: a check reads those it needs with chk_class_load (chk_pool the
 * class of its pool), the full check every one. */
int chk_base_init(chk_base *b, const pa_heap *heap, pa_check_report *r);
/* Class c's view and the geometry the configuration implies, read once per
 * check; c < hv.nclasses. */
void chk_class_load(chk_base *b, size_t c);
void chk_base_fini(chk_base *b);
/* check_freelist_record.c: a walk without marks of the freelist of pool
 * (geometry first, block_size, limit) answered from b->record: 1 with its
 * length and last member in *w (sound); 0 when the record cannot say (the
 * caller walks). chk_record_keep keeps a list the caller found sound. */
int chk_record_walk(chk_base *b, uintptr_t pool, size_t first, size_t block_size, size_t limit, pa_freelist_walk *w);
void chk_record_keep(chk_base *b, uintptr_t pool, size_t first, size_t block_size, size_t limit, size_t length);
/* The large-block table's taken slots, in slot order, read once per check
 * (the heap is at rest while a check runs, and four parts of it need
 * them); NULL when out of memory. */
const chk_large_entry *chk_large_entries(chk_base *b, size_t *n);
/* CLASS_COUNT: nclasses against the configuration's small_threshold. */
void chk_class_count(chk_base *b);
/* HEAP_GEOMETRY: page_size and pools_per_arena against the system and the
 * configuration. */
void chk_heap_geometry(chk_base *b);
/* CLASS_GEOMETRY for class c (full check: every class). */
void chk_class_geometry(chk_base *b, size_t c);

/* Where an address falls in an arena's pools. */
typedef enum chk_where_pool {
    CHK_POOL_OK = 0,       /* a carved, committed pool */
    CHK_POOL_OUTSIDE,      /* not inside this arena */
    CHK_POOL_UNALIGNED,    /* inside, but not at a pool boundary */
    CHK_POOL_UNCARVED,     /* at or past pool_address */
    CHK_POOL_DECOMMITTED,  /* carved, but its pages went back to the OS */
} chk_where_pool;

/* The arena's base and pool_address are usable for address arithmetic. */
int chk_arena_sound(const chk_base *b, const pa_arena_view *a);
size_t chk_arena_carved(const chk_base *b, const pa_arena_view *a);
chk_where_pool chk_pool_in_arena(const chk_base *b, const pa_arena_view *a, uintptr_t addr, size_t *index);
/* "not in arena 2", "never carved", ... for a link's found value. */
const char *chk_where_text(chk_where_pool w);

/* What a pool check learned, for the sums and list checks above it. */
typedef struct chk_pool_facts {
    int read;            /* the header was readable */
    pa_pool_view v;
    int class_ok;        /* size_class valid: geometry below applies */
    int count_ok;        /* count <= capacity */
    int freelist_ok;     /* walked to NULL with every member valid */
    int layout_ok;       /* nextoffset valid: carved is exact */
    size_t freelen;
    size_t carved;       /* blocks carved so far */
} chk_pool_facts;

/* Every per-pool invariant of the carved, committed pool index of arena a
 * (pool header, freelist, accounting). With free_bits, the freelist members'
 * block numbers are set there (cleared first). */
void chk_pool(chk_base *b, const pa_arena_view *a, size_t index, chk_pool_facts *f, uint64_t *free_bits);

/* Arena header fields and decommitted bitmap (ARENA_POOL_ADDRESS..
 * ARENA_NDECOMMITTED, ARENA_DECOMMITTED_NOT_FREE for never-carved pools).
 * Returns 0 when the arena is sound enough for its pools to be examined. */
typedef struct chk_arena_facts {
    int sound;
    size_t carved;
    size_t decommitted;      /* bits set among carved pools */
    size_t decommitted_all;  /* bits set anywhere */
    int freepools_ok;        /* freepools walked to NULL */
    int nfree_ok;            /* nfreepools agrees with the pools */
    size_t committed_free;   /* its length */
} chk_arena_facts;

/* Called for each pool the freepools walk meets, to record membership. */
typedef void (*chk_on_pool)(void *ctx, const pa_arena_view *a, size_t index);

/* "arena 3", "NULL" or "0x1234 (not an arena object)". */
const char *chk_arena_name(const pa_heap *heap, uintptr_t object, char *buf, size_t len);

void chk_arena(chk_base *b, const pa_arena_view *a, chk_arena_facts *f, chk_on_pool on_free, void *ctx);

static inline int chk_bit(const uint64_t *bits, size_t i) { return (int)((bits[i / 64] >> (i % 64)) & 1); }
static inline void chk_set(uint64_t *bits, size_t i) { bits[i / 64] |= UINT64_C(1) << (i % 64); }

#endif

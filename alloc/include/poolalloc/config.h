/* Runtime configuration of a heap: layout, limits and policies. */
#ifndef POOLALLOC_CONFIG_H
#define POOLALLOC_CONFIG_H

#include <stddef.h>

#include "poolalloc/large.h"
#include "poolalloc/misuse.h"
#include "poolalloc/os.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size classes are alignment steps up to PA_LINEAR_THRESHOLD, then four per
 * doubling (640, 768, 896, 1024, 1280, ..., 4096, 5120, 6144, 7168) up to
 * PA_MAX_THRESHOLD, the largest class of which a 16 KiB pool holds two
 * blocks (the default threshold is 4096; the default API's shared heap
 * serves up to 7168 from its pools). */
#define PA_LINEAR_THRESHOLD 512
#define PA_MAX_THRESHOLD 7168
#define PA_GEOMETRIC_CLASSES 15
/* Largest number of size classes any legal configuration has (512 / 8 + 15). */
#define PA_MAX_CLASSES (PA_LINEAR_THRESHOLD / 8 + PA_GEOMETRIC_CLASSES)
/* Largest number of pools an arena may hold (bounds the per-arena bitmaps). */
#define PA_MAX_POOLS_PER_ARENA 1024

/* What happens to an arena once every one of its pools is free. */
typedef enum pa_empty_arena_policy {
    /* Return it to the OS, but keep one wholly free arena so a loop that
     * allocates and frees one block does not map and unmap every time; keep
     * more, up to empty_arenas_max, only while the heap is seen mapping new
     * arenas right after it gave some back (see empty_arenas_max). */
    PA_EMPTY_ARENA_KEEP_ONE = 0,
    /* Return every wholly free arena at once. */
    PA_EMPTY_ARENA_RELEASE,
    /* Never return arenas: pymalloc before Python 2.5, the article's
     * complaint; kept to demonstrate and measure it. */
    PA_EMPTY_ARENA_KEEP_ALL,
} pa_empty_arena_policy;

/* What happens to a free pool inside an arena that is still in use. */
typedef enum pa_decommit_policy {
    PA_DECOMMIT_NEVER = 0,
    /* An arena keeps up to decommit_keep_pools free pools committed; pools
     * freed beyond that are decommitted so their pages stop counting. */
    PA_DECOMMIT_FREE_POOLS,
} pa_decommit_policy;

typedef struct pa_config {
    size_t alignment;       /* 8 or 16 */
    /* Largest request served from pools: up to 512 a multiple of the
     * alignment, above it a class size (640, 768, ..., 7168). */
    size_t small_threshold;
    size_t pool_size;       /* power of two; holds at least two blocks of the largest class */
    size_t arena_size;      /* power of two; holds 4..PA_MAX_POOLS_PER_ARENA pools */
    size_t memory_limit;    /* most bytes of arena memory mapped at once; 0 = no limit */
    pa_empty_arena_policy empty_arenas;
    pa_decommit_policy decommit;
    unsigned decommit_keep_pools; /* committed free pools an arena keeps */
    /* Decommits wait to be joined by the next adjacent pools of the same
     * arena and go to the OS in one call once this many are waiting, or
     * when a pool elsewhere is decommitted, or the arena stays wholly free;
     * none is made if the arena is unmapped first. A program freeing what
     * it built in address order so pays one call per run, not per pool.
     * 1: each pool at once; at most an arena's pools are ever waiting. */
    unsigned decommit_run_pools;
    /* Retention that adapts to reuse. A program that frees a phase's memory
     * and then allocates it again would otherwise pay a page fault per page
     * each time. So: each new arena mapped after an arena was given back
     * doubles how many wholly free arenas KEEP_ONE keeps, up to
     * empty_arenas_max (1: exactly one, always); each decommitted pool that
     * is needed again doubles how many committed free pools an arena keeps,
     * from decommit_keep_pools up to decommit_keep_pools_max (equal: fixed).
     * Each halves back after 4096 pool takes without a rise in which what
     * it kept sat idle throughout (a wholly free arena never taken, or
     * committed free pools beyond the floor never taken), and surplus
     * wholly free arenas are then given back. Counted in heap events, never
     * in time: a run replays exactly. */
    unsigned empty_arenas_max;
    unsigned decommit_keep_pools_max;
    /* Freed large blocks of up to 256 KiB (1 MiB in the drop-in, whose large
     * blocks are mappings of their own) kept for reuse, at most this many
     * bytes in all (0: none until reuse is seen). Like the allowances above,
     * the budget adapts: a request that finds its step empty after a block
     * of that step was refused for want of room doubles it, up to
     * large_cache_bytes_max (equal: fixed; both 0: no cache, every large
     * free goes to the large layer); it halves back after 16384 cacheable
     * requests without a rise in which half of it or more sat idle
     * throughout, and the blocks beyond it are freed. */
    size_t large_cache_bytes;
    size_t large_cache_bytes_max;
    /* 1: the pool of a size class that empties stays with its class as its
     * spare (one per class) instead of going back to its arena at once, so
     * a class whose last pool empties and fills over and over never reaches
     * its arena; an arena holding only free pools and spares counts as
     * empty for empty_arenas (see docs/ARCHITECTURE.md, "Spare pools").
     * 0: every emptied pool goes back to its arena. */
    int keep_spare_pools;
    pa_os_ops os;           /* all NULL: the mmap layer */
    pa_large_ops large;     /* all NULL: the system malloc */
    pa_misuse_handler on_misuse; /* NULL: print the report and abort */
    void *misuse_ctx;
    /* The debug layer (like PYTHONMALLOC=debug, stronger): every block gets a
     * header (requested size, API id, serial number) and forbidden bytes on
     * both sides, fresh data is filled with 0xCD and freed data with 0xDD;
     * double frees, foreign or interior pointers, API mismatches and writes
     * past either end are reported. Costs time and memory. */
    int debug;
    /* Debug only: freed blocks held back before reuse, so a write after free
     * shows as a changed fill pattern when they leave the quarantine. */
    unsigned debug_quarantine;
} pa_config;

/* CPython 3.12's 64-bit layout (16-byte alignment, 16 KiB pools, 1 MiB
 * arenas), but pools serve requests up to 4 KiB where CPython stops at 512
 * bytes; keep one empty arena (up to 8 under reuse); decommit free pools
 * beyond 16 per arena (up to 64 under reuse), in runs of up to 16 pools;
 * keep up to 1 MiB of freed large blocks for reuse (up to 8 MiB under
 * reuse); no limit. */
pa_config pa_config_default(void);

/* 0 when cfg is usable; otherwise EINVAL and a one-line reason in msg
 * (naming the field, the value and the rule it breaks). */
int pa_config_validate(const pa_config *cfg, char *msg, size_t msg_len);

/* The size classes of a valid configuration, smallest first: how many, and
 * the block size of class index (< the count). */
size_t pa_config_class_count(const pa_config *cfg);
size_t pa_config_class_size(const pa_config *cfg, size_t index);

#ifdef __cplusplus
}
#endif
#endif

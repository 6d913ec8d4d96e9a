/* Runs ops on a heap with the shadow model as oracle and the invariant
 * checker after every step; stops at the first failure with a report. */
#ifndef PA_FUZZ_EXECUTOR_H
#define PA_FUZZ_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ops.h"
#include "poolalloc/config.h"

/* Requested bytes the live set holds at most; an allocation past it is not
 * made (its slot holds nothing), a realloc past it is skipped. */
#define PA_LIVE_BYTES_MAX ((size_t)8 << 20)

struct pa_heap;
struct pa_shadow;

/* Tests only: results an op's oracle judges inside the op, where no tamper
 * between ops can reach and no planted bug of the allocator sits on demand.
 * The doctor hook sees each before the oracle does (value points at it) and
 * may change it, to show the rule that judges it firing. */
typedef enum pa_exec_site {
    PA_SITE_USABLE,        /* size_t *: a cache object's, a default-API block's (the interleave target's
                              too), a huge realloc's block's usable size */
    PA_SITE_CACHE_STATS,   /* pa_object_cache_stats *: what the cache op's cache reports */
    PA_SITE_HUGE_ERRNO,    /* int *: errno after a huge call returned NULL; what the default_heap op's
                              refused calls answered (errno, or posix_memalign's result); pa_heap_create's
                              errno when a map fault refused it */
    PA_SITE_DEFAULT_STATS, /* pa_stats *: the default heap's statistics after the default_heap op, then
                              pa_default_stats's sum over every default heap */
    PA_SITE_DEFAULT_TRIM,  /* size_t *: what a second pa_trim gave back in the default_heap op */
    PA_SITE_STATS_TABLE,   /* char **: the printed table, malloc'd (the hook may replace it, freeing it) */
    PA_SITE_STATS_JSON,    /* char **: the printed JSON, likewise */
    PA_SITE_DEBUG_SCAN,    /* size_t *: damaged blocks the debug layer's whole-heap scan found in a full check */
    PA_SITE_NEW_BLOCK_HEAP, /* struct pa_heap **: interleave, the heap the arena map names for a block just got */
    PA_SITE_LIVE_BLOCK_HEAP,/* struct pa_heap **: interleave, the same for a live block after an op */
    PA_SITE_FREE_ALL_KEPT, /* pa_exec_kept *: what the heap keeps after free_all */
    PA_SITE_FREE_ALL_POOLS,/* size_t *: an arena's committed free pools after free_all */
    PA_SITE_FRESH_DATA,    /* unsigned char *: a new block's data on a debug heap */
    PA_SITE_FREED_DATA,    /* unsigned char *: a block's data freed into a debug heap's quarantine */
    PA_SITE_MEMALIGN_SMALL,/* int *: 1 if a memalign block came from a pool, 0 if from the large path */
    PA_SITE_MISUSE_STATE,  /* char[16]: the block's state a debug misuse report's dump gives */
    PA_SITE_MISUSE_RESULT, /* uintptr_t *: what a refused misuse call returned (realloc's block, usable_size's
                              size, pa_heap_owns's answer for a freed block, pa_heap_create's heap for a broken
                              configuration): 0 */
    PA_SITE_INTROSPECT,    /* long long *: an introspection call's answer to an argument out of its range */
    PA_SITE_DEFAULT_SUM,   /* pa_stats *: pa_default_stats's sum while the default_heap op's block is live */
    PA_SITE_DEFAULT_CONFIG,/* pa_config *: the default heap's configuration, as the default_heap op reads it */
    PA_SITE_CACHE_ADMIT,   /* size_t *: the large cache's blocks after the free of a large block */
    PA_SITE_ALLOWANCE,     /* size_t *: the heap's arena allowance after an op (not destroy or remake) */
    PA_SITE_CACHE_DECAY,   /* size_t *: the large cache's budget after the malloc that ended its window */
    PA_SITE_THREAD_STATS,  /* size_t *: interleave, the blocks pa_default_stats counts in the stats op */
    PA_SITE_CREATE_REFUSED,/* uint64_t *: the maps refused while pa_heap_create made the next heap (after destroy
                              or remake) */
    PA_SITE_CORRUPTION,    /* size_t *: the detections a corrupt op's check made of the named kind it expects */
    PA_SITE_LARGE_HOME,    /* size_t *: the home slot the harness's model of the large table's hash gives a block */
    PA_SITE_WINDOW_WALK,   /* pa_exec_window *: the bitmap of a corrupt op's freelist walk from a window start */
} pa_exec_site;

/* A freelist walk's bitmap (words of it) and the word after it, which the
 * walk must leave alone. */
typedef struct pa_exec_window {
    uint64_t *bits;
    size_t words;
} pa_exec_window;

/* What a heap keeps once free_all freed every block: its arenas, the
 * allowance of wholly free ones, and its debug quarantine's ring. */
typedef struct pa_exec_kept {
    size_t arenas;
    size_t allowance;
    size_t quarantine_len;
    size_t quarantine_head;
} pa_exec_kept;

typedef struct pa_exec_options {
    int full_every_step; /* full check, ghost-state check and contents after every op */
    int trace;           /* print each op to log before running it */
    FILE *log;           /* trace output (stderr if NULL) */
    /* Tests only: called after each op, before its checks, to break the
     * heap or the blocks on purpose and see the oracle notice. */
    void (*tamper)(void *ctx, size_t op_index, struct pa_heap *heap, struct pa_shadow *shadow);
    void *tamper_ctx;
    /* Tests only: see pa_exec_site; its context is tamper_ctx. */
    void (*doctor)(void *ctx, pa_exec_site site, void *value);
} pa_exec_options;

typedef struct pa_exec_failure {
    int failed;
    size_t op_index;     /* the op that failed; nops: teardown */
    int has_op;
    pa_op op;
    char kind[64];       /* stable id: ours (CONTENT_MISMATCH...) or the checker's */
    char place[32];      /* op name, "teardown" or "setup" */
    char detail[768];
    char *checker_text;  /* the checker's report, malloc'd, or NULL */
} pa_exec_failure;

typedef struct pa_exec_stats {
    size_t ops_run;
    size_t max_live;
    size_t null_results;
    size_t destroys;
} pa_exec_stats;

/* 0: every op and the teardown passed; 1: failure (f filled, free it with
 * pa_exec_failure_free). cfg's os and large fields are replaced by the
 * counting layers the oracle needs. */
int pa_exec_run(const pa_config *cfg, const pa_op *ops, size_t nops,
                const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st);
/* The same for the interleave target (exec_threads.c): ops with thread ops
 * on the default API's thread heaps, one logical thread at a time; cfg is
 * unused (the thread heaps have the process's default configuration). One
 * run at a time per process. */
int pa_exec_threads_run(const pa_config *cfg, const pa_op *ops, size_t nops,
                        const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st);
/* pa_exec_run, or for the interleave target pa_exec_threads_run (target:
 * pa_target, input.h). */
int pa_exec_target_run(int target, const pa_config *cfg, const pa_op *ops, size_t nops,
                       const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st);

/* The report: kind, op index, the op in text form, detail, checker report. */
void pa_exec_failure_print(FILE *out, const pa_exec_failure *f, const pa_config *cfg, size_t nops);
/* "KIND@place": what crashes are deduplicated by. */
void pa_exec_failure_signature(const pa_exec_failure *f, char *out, size_t out_len);
void pa_exec_failure_free(pa_exec_failure *f);

#endif

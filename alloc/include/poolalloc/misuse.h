/* Reports of API misuse the heap detects (a pointer it does not own...). */
#ifndef POOLALLOC_MISUSE_H
#define POOLALLOC_MISUSE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pa_misuse_kind {
    /* free/realloc/usable_size of a pointer this heap never returned:
     * another heap's block, a stack or static address, or garbage. */
    PA_MISUSE_FOREIGN_POINTER = 1,
    /* A pointer inside one of the heap's arenas, but in a pool that holds no
     * live block: a double free or a wild pointer. */
    PA_MISUSE_NOT_LIVE,
    /* Debug layer only: */
    PA_MISUSE_DOUBLE_FREE,        /* the block was already freed */
    PA_MISUSE_NOT_A_BLOCK,        /* inside the heap, but not where a block starts */
    PA_MISUSE_API_MISMATCH,       /* allocated through one API, freed through another */
    PA_MISUSE_GUARD_BEFORE,       /* a forbidden byte before the data was written */
    PA_MISUSE_GUARD_AFTER,        /* a forbidden byte after the data was written */
    PA_MISUSE_WRITE_AFTER_FREE,   /* a quarantined block's fill pattern changed */
} pa_misuse_kind;

typedef struct pa_misuse {
    pa_misuse_kind kind;
    const char *operation; /* "free", "realloc", "usable_size" */
    const void *pointer;
    const void *heap;
    const char *message;   /* one line, no newline */
    const char *dump;      /* debug layer: the block, several lines; else "" */
} pa_misuse;

/* Called with the report; if it returns, the operation is refused (free
 * does nothing, realloc returns NULL with EINVAL, usable_size returns 0). */
typedef void (*pa_misuse_handler)(void *ctx, const pa_misuse *report);

#ifdef __cplusplus
}
#endif
#endif

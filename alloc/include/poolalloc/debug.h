/* The debug layer's whole-heap check (the layer itself is switched on with
 * pa_config.debug). */
#ifndef POOLALLOC_DEBUG_H
#define POOLALLOC_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What is wrong with a damaged debug block, in the order it is judged: only
 * the first fault of a block is found. */
typedef enum pa_debug_damage {
    PA_DEBUG_HEADER_DAMAGED = 1, /* the recorded size cannot fit in the block */
    PA_DEBUG_FREED_WRITTEN,      /* a quarantined block's 0xDD fill changed */
    PA_DEBUG_GUARD_BEFORE,       /* a forbidden byte before the data was written */
    PA_DEBUG_GUARD_AFTER,        /* a forbidden byte after the data was written */
} pa_debug_damage;

typedef struct pa_debug_finding {
    pa_debug_damage kind;
    const void *data;     /* the block's data pointer */
    uintptr_t block;      /* the plain heap's block holding it */
    size_t block_size;    /* that block's bytes */
    int large;            /* block is a large block (else a pool's block) */
    int freed;            /* the caller freed it: it waits in the quarantine */
    uint64_t serial;      /* as the header records it */
    uint64_t size;        /* requested bytes, as the header records them */
    size_t room;          /* HEADER_DAMAGED: the most data bytes the block holds */
    size_t byte;          /* GUARD_*: which forbidden byte, 1 = next to the data;
                             FREED_WRITTEN: offset in the data */
    unsigned expected;    /* not HEADER_DAMAGED: the byte that belongs there */
    unsigned found;       /* ... and the byte found */
    const char *message;  /* the message pa_heap_debug_verify reports */
} pa_debug_finding;

typedef void (*pa_debug_finding_fn)(void *ctx, const pa_debug_finding *finding);

/* On a debug heap: judge every live block's header and forbidden bytes and
 * every quarantined block's fill pattern, calling fn (its finding valid
 * during the call) for each damaged block, in arena slot, pool and block
 * order, then large blocks. Reports nothing, changes nothing, asks the OS
 * for nothing. Reads only carved, committed pools (as the ownership map and
 * the arena's bitmap say) whose header places their blocks inside them, and
 * the large blocks of the heap's table; a pool whose freelist is broken or
 * disagrees with its count is skipped. Returns how many blocks were damaged;
 * 0 on a heap without the debug layer. */
size_t pa_heap_debug_scan(const pa_heap *heap, pa_debug_finding_fn fn, void *ctx);
/* The same in parts: the blocks of the pool at address pool (nothing unless
 * it is a carved, committed pool of the heap), and the large blocks. A tool
 * that has judged the heap's arenas itself (the invariant checker) scans
 * only the pools it found sound. */
size_t pa_heap_debug_scan_pool(const pa_heap *heap, uintptr_t pool, pa_debug_finding_fn fn, void *ctx);
size_t pa_heap_debug_scan_large(const pa_heap *heap, pa_debug_finding_fn fn, void *ctx);

/* pa_heap_debug_scan, reporting each damaged block through the heap's
 * misuse handler (operation "verify"). */
size_t pa_heap_debug_verify(pa_heap *heap);

#ifdef __cplusplus
}
#endif
#endif

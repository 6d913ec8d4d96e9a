/* The debug layer's whole-heap check (the layer itself is switched on with
 * pa_config.debug). */
#ifndef POOLALLOC_DEBUG_H
#define POOLALLOC_DEBUG_H

#include <stddef.h>

#include "poolalloc/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* On a debug heap: check every live block's header and forbidden bytes and
 * every quarantined block's fill pattern, reporting each damaged block
 * through the heap's misuse handler (operation "verify"). Returns how many
 * were damaged; 0 on a heap without the debug layer. */
size_t pa_heap_debug_verify(pa_heap *heap);

#ifdef __cplusplus
}
#endif
#endif

/* Where poolalloc's resident memory goes at a workload's checkpoint
 * (bench_poolalloc only): the calling thread's heap read through the
 * introspection API. Explains a peak RSS above the peers': memory held in
 * pools that are partly used (free blocks the size class pins), and how
 * much of it even a release of every page with no live block in it would
 * keep (the page bound). */
#ifndef BENCH_HEAP_ANATOMY_H
#define BENCH_HEAP_ANATOMY_H

#include <stddef.h>

/* Reads the heap now and keeps the figures for bench_heap_anatomy_print. */
void bench_heap_anatomy_take(void);
/* "pools_kib=A free_in_pools_kib=B page_bound_kib=C" into out (nothing if
 * no figures were taken): bytes of pools holding a live block, their free
 * blocks (freelists and never carved), and the pages of those pools that
 * hold a pool header or a byte of a live block. */
void bench_heap_anatomy_print(char *out, size_t len);

#endif

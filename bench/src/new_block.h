/* A new block of the allocator under test, written as a program would write
 * it (touch.h); a workload cannot go on without it, so NULL ends the run. */
#ifndef BENCH_NEW_BLOCK_H
#define BENCH_NEW_BLOCK_H

#include <stddef.h>

#include "alloc_shim.h"
#include "measure.h"
#include "touch.h"

static inline void *bench_new_block(size_t size, const char *workload)
{
    void *p = ba_malloc(size);
    if (p == NULL)
        bench_out_of_memory(workload, size);
    bench_touch(p, size);
    return p;
}

#endif

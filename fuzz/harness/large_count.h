/* A large-block path that wraps the system one and counts what is live, so a
 * destroyed heap can be shown to have handed every large block back. */
#ifndef PA_FUZZ_LARGE_COUNT_H
#define PA_FUZZ_LARGE_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/large.h"

typedef struct pa_large_counter {
    pa_large_ops inner;
    size_t blocks;       /* live now */
    size_t bytes;        /* live now, by the sizes the heap passed */
    uint64_t allocs, frees, resizes;
} pa_large_counter;

/* inner: the large path to count (its alloc NULL: the system one). The
 * counting ops offer resize and alloc_zeroed exactly when inner does. */
void pa_large_counter_init(pa_large_counter *c, const pa_large_ops *inner);
pa_large_ops pa_large_counter_ops(pa_large_counter *c);

#endif

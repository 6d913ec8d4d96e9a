/* The harness's own memory (pointer tables, loaded traces): mapped straight
 * from the kernel and faulted in at once, so it never goes through the
 * allocator under test and is already resident when a workload's baseline
 * RSS is taken. */
#ifndef BENCH_SCRATCH_H
#define BENCH_SCRATCH_H

#include <stddef.h>

/* Zero-filled, resident; exits the process with a message on failure. */
void *bench_scratch_alloc(size_t bytes);
void bench_scratch_free(void *p, size_t bytes);

#endif

/* One workload run's figures: allocator calls, time and RSS. A workload sets
 * up its harness memory, then calls bench_begin, runs, optionally calls
 * bench_mark at its checkpoint (e.g. the live set at its largest), frees
 * everything and calls bench_end. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdint.h>
#include <stdio.h>

#include "clock.h"

typedef struct bench_result {
    uint64_t ops;           /* allocator calls made between begin and end */
    bench_clock start, stop;
    long base_kib;          /* VmRSS at begin: harness memory, libraries */
    long peak_kib;          /* VmHWM at end (since begin when peak_reset) */
    long mark_kib;          /* VmRSS at the workload's checkpoint; -1: none */
    long after_kib;         /* VmRSS at end, everything freed */
    int peak_reset;         /* 1: the kernel restarted VmHWM at begin */
} bench_result;

void bench_begin(bench_result *r);
void bench_mark(bench_result *r);
/* Run at every checkpoint, after its RSS is read (NULL: nothing); the
 * time it takes is not counted in the run's. */
void bench_set_mark_probe(void (*probe)(void));
void bench_end(bench_result *r, uint64_t ops);

/* The CSV header and one row (see bench/README.md for the columns). */
void bench_result_print_header(FILE *out);
void bench_result_print(FILE *out, const bench_result *r, const char *allocator,
                        const char *workload, const char *malloc_from, const char *extra);

/* A workload whose allocator returned NULL cannot go on: say so and exit. */
_Noreturn void bench_out_of_memory(const char *workload, uint64_t size);

#endif

/* Wall-clock and process CPU time, in nanoseconds. */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>

typedef struct bench_clock {
    uint64_t wall_ns; /* CLOCK_MONOTONIC */
    uint64_t cpu_ns;  /* CLOCK_PROCESS_CPUTIME_ID: user + system of this process */
} bench_clock;

bench_clock bench_clock_now(void);

#endif

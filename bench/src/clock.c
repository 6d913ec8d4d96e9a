#define _POSIX_C_SOURCE 200809L

#include "clock.h"

#include <time.h>

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bench_clock bench_clock_now(void)
{
    bench_clock c;
    c.wall_ns = read_ns(CLOCK_MONOTONIC);
    c.cpu_ns = read_ns(CLOCK_PROCESS_CPUTIME_ID);
    return c;
}

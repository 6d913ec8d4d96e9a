#include "measure.h"

#include <stdlib.h>

#include "rss.h"

void bench_begin(bench_result *r)
{
    r->ops = 0;
    r->mark_kib = -1;
    r->peak_reset = bench_rss_reset_peak() == 0;
    r->base_kib = bench_rss_current_kib();
    r->start = bench_clock_now();
}

static void (*mark_probe)(void);

void bench_set_mark_probe(void (*probe)(void)) { mark_probe = probe; }

/* The probe's time is not the workload's: the start moves forward by it. */
void bench_mark(bench_result *r)
{
    r->mark_kib = bench_rss_current_kib();
    if (mark_probe == NULL)
        return;
    bench_clock before = bench_clock_now();
    mark_probe();
    bench_clock after = bench_clock_now();
    r->start.cpu_ns += after.cpu_ns - before.cpu_ns;
    r->start.wall_ns += after.wall_ns - before.wall_ns;
}

void bench_end(bench_result *r, uint64_t ops)
{
    r->stop = bench_clock_now();
    r->ops = ops;
    r->after_kib = bench_rss_current_kib();
    r->peak_kib = bench_rss_peak_kib();
}

void bench_result_print_header(FILE *out)
{
    fputs("allocator,workload,ops,cpu_ns,wall_ns,base_kib,peak_kib,mark_kib,after_kib,"
          "peak_reset,malloc_from,extra\n",
          out);
}

void bench_result_print(FILE *out, const bench_result *r, const char *allocator,
                        const char *workload, const char *malloc_from, const char *extra)
{
    fprintf(out, "%s,%s,%llu,%llu,%llu,%ld,%ld,%ld,%ld,%d,%s,%s\n", allocator, workload,
            (unsigned long long)r->ops,
            (unsigned long long)(r->stop.cpu_ns - r->start.cpu_ns),
            (unsigned long long)(r->stop.wall_ns - r->start.wall_ns), r->base_kib, r->peak_kib,
            r->mark_kib, r->after_kib, r->peak_reset, malloc_from, extra);
}

void bench_out_of_memory(const char *workload, uint64_t size)
{
    fprintf(stderr, "bench: %s: the allocator returned NULL for %llu bytes\n", workload,
            (unsigned long long)size);
    exit(3);
}

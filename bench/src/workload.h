/* The workload registry: every workload the benchmark binaries can run. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>

#include "args.h"
#include "measure.h"

typedef struct bench_workload {
    const char *name;
    const char *keys;  /* the parameters it takes, comma-separated */
    const char *about; /* one line for tables and --list */
    /* Runs once, filling r; label receives the name to report the run under
     * (the workload's name, or e.g. "trace-NAME"). 0, or -1 with a message. */
    int (*run)(const bench_args *a, bench_result *r, char *label, size_t label_len);
} bench_workload;

extern const bench_workload bench_workloads[];
extern const size_t bench_nworkloads;

int bench_wl_article(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_churn(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_fragment(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_realloc(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_pair(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_prodcons(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_threadlocal(const bench_args *a, bench_result *r, char *label, size_t label_len);
int bench_wl_trace(const bench_args *a, bench_result *r, char *label, size_t label_len);

#endif

#include "workload.h"

/* The order here is the order of the tables. */
const bench_workload bench_workloads[] = {
    {"article", "n,size",
     "the article's scenario: n (10 Mi) blocks of 16 B, all freed",
     bench_wl_article},
    {"churn", "live,steps,seed",
     "steady churn of mixed small sizes over a live set of 1 Mi blocks",
     bench_wl_churn},
    {"fragment", "n,keep,every,seed",
     "fragmentation: 2 Mi blocks, all but clusters of 32 in 1024 die, new sizes reuse",
     bench_wl_fragment},
    {"realloc", "strings,seed",
     "realloc growth of 64 Ki strings by appends, to 16 B..4 KiB",
     bench_wl_realloc},
    {"pair", "n,size,warm,live",
     "tight malloc/free pair of 32 B, 16 Mi times (16 blocks of the size stay live)",
     bench_wl_pair},
    {"prodcons", "batches,seed",
     "4 threads: 2 producers hand batches of 256 small blocks to 2 consumers, which free them (cross-thread frees)",
     bench_wl_prodcons},
    {"threadlocal", "live,steps,seed",
     "4 threads, each churning its own live set of 64 Ki small blocks 2 Mi times",
     bench_wl_threadlocal},
    {"trace", "file,loops",
     "replay of a recorded real-program trace (packed by bench_trace_pack), 40 times over",
     bench_wl_trace},
};

const size_t bench_nworkloads = sizeof bench_workloads / sizeof bench_workloads[0];

/* Steady churn: a large live set of mixed small blocks in which, step after
 * step, a random block dies and a new one of a random size takes its place.
 * The checkpoint RSS is the live set after the churn. */
#include "alloc_shim.h"
#include "new_block.h"
#include "rng.h"
#include "scratch.h"
#include "workload.h"

int bench_wl_churn(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    (void)label;
    (void)label_len;
    uint64_t live = bench_arg_u64(a, "live", 1u << 20);
    uint64_t steps = bench_arg_u64(a, "steps", 8u << 20);
    bench_rng rng = bench_rng_seed(bench_arg_u64(a, "seed", 1));
    if (live == 0 || live > UINT32_MAX) {
        fprintf(stderr, "churn: live must be 1..2^32-1\n");
        return -1;
    }
    size_t table = (size_t)live * sizeof(void *);
    void **blocks = bench_scratch_alloc(table);

    bench_begin(r);
    for (uint64_t i = 0; i < live; i++)
        blocks[i] = bench_new_block(bench_rng_small_size(&rng), "churn");
    for (uint64_t s = 0; s < steps; s++) {
        uint64_t victim = bench_rng_below(&rng, live);
        ba_free(blocks[victim]);
        blocks[victim] = bench_new_block(bench_rng_small_size(&rng), "churn");
    }
    bench_mark(r);
    for (uint64_t i = 0; i < live; i++)
        ba_free(blocks[i]);
    bench_end(r, 2 * live + 2 * steps);

    bench_scratch_free(blocks, table);
    return 0;
}

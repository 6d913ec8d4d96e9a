/* Fragmentation: many blocks of mixed small sizes are allocated; then all die
 * but clusters of `keep` consecutive allocations out of every `every`, freed
 * in a scattered order, so survivors pin memory all over the heap. The
 * checkpoint RSS is the heap holding only the survivors. Next a wave of
 * larger sizes (other size classes) is allocated and freed: memory the dead
 * blocks left should serve it. Last the survivors go. */
#include "alloc_shim.h"
#include "new_block.h"
#include "rng.h"
#include "scratch.h"
#include "workload.h"

static uint64_t gcd(uint64_t x, uint64_t y)
{
    while (y != 0) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

/* A step coprime with n: i * step mod n visits 0..n-1 once each, scattered. */
static uint64_t scatter_step(uint64_t n)
{
    uint64_t step = n / 2 + n / 8 + 1;
    while (n > 1 && gcd(step, n) != 1)
        step++;
    return step;
}

int bench_wl_fragment(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    (void)label;
    (void)label_len;
    uint64_t n = bench_arg_u64(a, "n", 2u << 20);
    uint64_t keep = bench_arg_u64(a, "keep", 32);
    uint64_t every = bench_arg_u64(a, "every", 1024);
    bench_rng rng = bench_rng_seed(bench_arg_u64(a, "seed", 2));
    if (n == 0 || every == 0 || keep > every) {
        fprintf(stderr, "fragment: needs n > 0 and 0 <= keep <= every, every > 0\n");
        return -1;
    }
    uint64_t wave = n / 4;
    size_t table = (size_t)(n + wave) * sizeof(void *);
    void **blocks = bench_scratch_alloc(table);
    void **wave_blocks = blocks + n;
    uint64_t ops = 0;

    bench_begin(r);
    for (uint64_t i = 0; i < n; i++)
        blocks[i] = bench_new_block((size_t)(16 * (1 + bench_rng_below(&rng, 8))), "fragment");
    ops += n;

    uint64_t step = scatter_step(n);
    for (uint64_t i = 0, j = 0; i < n; i++, j = (j + step) % n) {
        if (j % every < keep)
            continue;
        ba_free(blocks[j]);
        ops++;
    }
    bench_mark(r);

    for (uint64_t i = 0; i < wave; i++)
        wave_blocks[i] = bench_new_block((size_t)(129 + bench_rng_below(&rng, 384)), "fragment");
    for (uint64_t i = 0; i < wave; i++)
        ba_free(wave_blocks[i]);
    ops += 2 * wave;

    for (uint64_t j = 0; j < n; j++) {
        if (j % every < keep) {
            ba_free(blocks[j]);
            ops++;
        }
    }
    bench_end(r, ops);

    bench_scratch_free(blocks, table);
    return 0;
}

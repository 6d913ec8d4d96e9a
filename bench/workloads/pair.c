/* The fast path: malloc and free of one size, back to back. The pointer goes
 * through a volatile store so no compiler may pair the calls away. Before the
 * clock starts, `live` blocks of the same size are allocated and kept (so the
 * pool or page the pair uses never empties: with live=0 every free empties it,
 * and allocators that hand back empty pools or pages take their slow path
 * each time), then `warm` pairs run. callgrind.sh runs this workload: the
 * loop is the function pair_loop, which it counts apart from the allocator. */
#include "alloc_shim.h"
#include "new_block.h"
#include "scratch.h"
#include "workload.h"

void *volatile bench_pair_sink;

/* Never inlined: callgrind.sh finds the caller's share under this name. */
__attribute__((noinline)) static void pair_loop(uint64_t n, size_t size)
{
    for (uint64_t i = 0; i < n; i++) {
        void *p = ba_malloc(size);
        if (p == NULL)
            bench_out_of_memory("pair", size);
        bench_pair_sink = p;
        ba_free(p);
    }
}

int bench_wl_pair(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    uint64_t n = bench_arg_u64(a, "n", 16u << 20);
    size_t size = (size_t)bench_arg_u64(a, "size", 32);
    uint64_t warm = bench_arg_u64(a, "warm", 4096);
    uint64_t live = bench_arg_u64(a, "live", 16);
    if (size != 32 || live != 16)
        snprintf(label, label_len, "pair-%zu-live%llu", size, (unsigned long long)live);

    size_t table = (size_t)live * sizeof(void *);
    void **kept = bench_scratch_alloc(table);
    for (uint64_t i = 0; i < live; i++)
        kept[i] = bench_new_block(size, "pair");
    pair_loop(warm, size);
    bench_begin(r);
    pair_loop(n, size);
    bench_end(r, 2 * n);
    for (uint64_t i = 0; i < live; i++)
        ba_free(kept[i]);
    bench_scratch_free(kept, table);
    return 0;
}

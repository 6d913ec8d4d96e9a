/* The article's scenario: allocate many small objects, free them all, and see
 * what the process still holds. Blocks are freed in allocation order. */
#include "alloc_shim.h"
#include "new_block.h"
#include "scratch.h"
#include "workload.h"

int bench_wl_article(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    (void)label;
    (void)label_len;
    uint64_t n = bench_arg_u64(a, "n", 10u << 20);
    size_t size = (size_t)bench_arg_u64(a, "size", 16);
    size_t table = (size_t)n * sizeof(void *);
    void **blocks = bench_scratch_alloc(table);

    bench_begin(r);
    for (uint64_t i = 0; i < n; i++) {
        blocks[i] = bench_new_block(size, "article");
    }
    bench_mark(r);
    for (uint64_t i = 0; i < n; i++)
        ba_free(blocks[i]);
    bench_end(r, 2 * n);

    bench_scratch_free(blocks, table);
    return 0;
}

/* realloc growth of many strings: each string starts empty and grows by
 * appends of 1..32 characters, every append a realloc to the exact new
 * length; the strings take turns, so neighbours in memory keep growing too.
 * Targets are log-uniform in 16 B..4 KiB (many past CPython's 512 B threshold).
 * The checkpoint RSS is all strings at full length. */
#include <string.h>

#include "alloc_shim.h"
#include "rng.h"
#include "scratch.h"
#include "workload.h"

typedef struct growing_string {
    char *text;
    uint32_t len;
    uint32_t target;
} growing_string;

int bench_wl_realloc(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    (void)label;
    (void)label_len;
    uint64_t count = bench_arg_u64(a, "strings", 64u << 10);
    bench_rng rng = bench_rng_seed(bench_arg_u64(a, "seed", 3));
    if (count == 0 || count > UINT32_MAX) {
        fprintf(stderr, "realloc: strings must be 1..2^32-1\n");
        return -1;
    }
    size_t table = (size_t)count * (sizeof(growing_string) + sizeof(uint32_t));
    growing_string *strs = bench_scratch_alloc(table);
    uint32_t *active = (uint32_t *)(strs + count);
    for (uint64_t i = 0; i < count; i++) {
        uint32_t low = 16u << bench_rng_below(&rng, 8);
        strs[i].target = low + (uint32_t)bench_rng_below(&rng, low);
        if (strs[i].target > 4096)
            strs[i].target = 4096;
        active[i] = (uint32_t)i;
    }
    uint64_t ops = 0;

    bench_begin(r);
    for (uint64_t i = 0; i < count; i++) {
        strs[i].text = ba_malloc(1);
        if (strs[i].text == NULL)
            bench_out_of_memory("realloc", 1);
        strs[i].text[0] = '\0';
    }
    ops += count;

    /* Rounds over the strings still growing; a finished one is swapped out. */
    uint64_t nactive = count;
    while (nactive > 0) {
        for (uint64_t k = 0; k < nactive;) {
            growing_string *s = &strs[active[k]];
            uint32_t add = 1 + (uint32_t)bench_rng_below(&rng, 32);
            uint32_t len = s->len + add < s->target ? s->len + add : s->target;
            char *t = ba_realloc(s->text, (size_t)len + 1);
            if (t == NULL)
                bench_out_of_memory("realloc", (uint64_t)len + 1);
            memset(t + s->len, 'a' + (int)(len % 26), len - s->len);
            t[len] = '\0';
            s->text = t;
            s->len = len;
            ops++;
            if (len == s->target)
                active[k] = active[--nactive];
            else
                k++;
        }
    }
    bench_mark(r);

    for (uint64_t i = 0; i < count; i++)
        ba_free(strs[i].text);
    ops += count;
    bench_end(r, ops);

    bench_scratch_free(strs, table);
    return 0;
}

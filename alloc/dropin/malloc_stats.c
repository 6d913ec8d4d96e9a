/* The C library's heap-statistics calls and mallopt, for the drop-in
 * (docs/ARCHITECTURE.md, "Threads", has the mapping). The figures are
 * pa_default_stats: the calling thread's heap, the heaps of exited threads
 * and the shared heap (large blocks); another live thread's heap has no
 * lock and is not read. In glibc's terms: small blocks live in arenas
 * ("arena", "uordblks", "fordblks"), each large block is a mapping of its
 * own ("hblks", "hblkhd"); there are no fastbins ("smblks", "fsmblks" 0).
 * Each call gathers its figures first and writes after, holding no lock
 * while stdio (which may call malloc) runs. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>

#include "export.h"
#include "poolalloc/poolalloc.h"

/* Arena bytes, split the way glibc splits them: free is free blocks in
 * used pools, free pools (committed or not yet carved) and decommitted
 * pools; in use is the rest, pool headers, tails and padding included (as
 * glibc counts its chunk headers), so arena == uordblks + fordblks. Large
 * blocks count at their requested size, cached ones at their capacity. */
static struct mallinfo2 info_of(const pa_stats *s) {
    struct mallinfo2 mi = {0};
    mi.arena = s->bytes_total;
    mi.fordblks = s->bytes_free_blocks + s->bytes_free_pools + s->bytes_decommitted;
    mi.uordblks = mi.arena - mi.fordblks;
    size_t free_blocks = 0;
    for (size_t i = 0; i < s->nclasses; i++)
        free_blocks += s->classes[i].free_blocks;
    mi.ordblks = free_blocks + s->free_pools + s->decommitted_pools;
    mi.hblks = s->large_blocks + s->large_cached_blocks;
    mi.hblkhd = s->large_bytes + s->large_cached_bytes;
    /* What malloc_trim may give back at most: free pools, cached blocks. */
    mi.keepcost = s->bytes_free_pools + s->large_cached_bytes;
    return mi;
}

EXPORT struct mallinfo2 mallinfo2(void) {
    pa_stats s;
    pa_default_stats(&s);
    return info_of(&s);
}

static int clamp_int(size_t v) { return v > INT_MAX ? INT_MAX : (int)v; }

/* glibc's old interface: the same figures, each cut to INT_MAX where glibc
 * wraps around. */
EXPORT struct mallinfo mallinfo(void) {
    struct mallinfo2 m = mallinfo2();
    struct mallinfo mi = {
        .arena = clamp_int(m.arena),
        .ordblks = clamp_int(m.ordblks),
        .smblks = clamp_int(m.smblks),
        .hblks = clamp_int(m.hblks),
        .hblkhd = clamp_int(m.hblkhd),
        .usmblks = clamp_int(m.usmblks),
        .fsmblks = clamp_int(m.fsmblks),
        .uordblks = clamp_int(m.uordblks),
        .fordblks = clamp_int(m.fordblks),
        .keepcost = clamp_int(m.keepcost),
    };
    return mi;
}

/* A heap's layout and retention are fixed when it is made, and the thread
 * heaps already exist, so no tunable can change them. A program must still
 * go on as it does on glibc, which takes every setting (1) but M_MXFAST
 * past its fastbin limit (0): mallopt answers so and changes nothing. */
#define GLIBC_MXFAST_MAX ((int)(80 * sizeof(size_t) / 4))

EXPORT int mallopt(int param, int value) {
    if (param == M_MXFAST)
        return value >= 0 && value <= GLIBC_MXFAST_MAX;
    return 1;
}

/* glibc's layout: one section for the small-block arenas, then the totals
 * with the large blocks (glibc's mmapped chunks). */
EXPORT void malloc_stats(void) {
    pa_stats s;
    pa_default_stats(&s);
    struct mallinfo2 mi = info_of(&s);
    fprintf(stderr,
            "Arenas (poolalloc: %zu of %zu bytes each):\n"
            "system bytes     = %10zu\n"
            "in use bytes     = %10zu\n"
            "Total (incl. mmap):\n"
            "system bytes     = %10zu\n"
            "in use bytes     = %10zu\n"
            "mmap regions     = %10zu\n"
            "mmap bytes       = %10zu\n",
            s.arenas_current, s.arena_size, mi.arena, mi.uordblks, mi.arena + mi.hblkhd, mi.uordblks + s.large_bytes,
            mi.hblks, mi.hblkhd);
}

/* glibc's XML: free blocks by size (here by size class), then totals typed
 * as glibc's ("fast" is empty: no fastbins; "rest" the free small bytes;
 * "mmap" the large blocks), then the system figures. Options must be 0:
 * else EINVAL is returned, errno untouched, as glibc 2.36 does (its manual
 * page says -1 and errno). */
EXPORT int malloc_info(int options, FILE *fp) {
    if (options != 0)
        return EINVAL;
    pa_stats s;
    pa_default_stats(&s);
    struct mallinfo2 mi = info_of(&s);
    fprintf(fp, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n");
    size_t from = 1;
    for (size_t i = 0; i < s.nclasses; i++) {
        const pa_class_stats *c = &s.classes[i];
        if (c->free_blocks)
            fprintf(fp, "  <size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n", from, c->block_size,
                    c->free_blocks * c->block_size, c->free_blocks);
        from = c->block_size + 1;
    }
    fprintf(fp,
            "</sizes>\n"
            "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n"
            "<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n"
            "<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</heap>\n"
            "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n"
            "<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n"
            "<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</malloc>\n",
            mi.ordblks, mi.fordblks, mi.arena, s.arenas_highwater * s.arena_size, mi.arena, mi.arena, mi.ordblks,
            mi.fordblks, mi.hblks, mi.hblkhd, mi.arena, s.arenas_highwater * s.arena_size, s.os_bytes_mapped,
            s.os_bytes_mapped);
    return ferror(fp) ? -1 : 0;
}

/* pa-trace: checks and summarises allocation traces (trace_format.h).
 *
 *   pa-trace check FILE...   parse each file; the first error of a file is
 *                            printed as "NAME:LINE: reason" and the exit
 *                            status is 1; otherwise one summary per file.
 *   pa-trace stats FILE...   a fuller report: op counts, realloc kinds, NULL
 *                            results, live and peak blocks and bytes, request
 *                            size classes and alignments.
 * FILE "-" is standard input. Exit status: 0 ok, 1 a trace is malformed or
 * unreadable, 2 usage. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_format.h"
#include "trace_u64map.h"

#define NCLASSES 66 /* 0, then (2^(k-1), 2^k] for k = 0..64 */

typedef struct summary {
    uint64_t kind_count[5]; /* m c r f a */
    uint64_t failed;        /* m c a r that returned NULL (not r p 0 0) */
    uint64_t free_null;
    uint64_t realloc_from_null, realloc_to_zero, realloc_grow, realloc_shrink, realloc_same;
    uint64_t live_blocks, live_bytes, peak_blocks, peak_bytes;
    uint64_t allocations, requested_bytes;
    uint64_t size_class[NCLASSES];
    uint64_t align_log2[64];
    uint64_t max_id;
    size_t nops;
} summary;

static const char KINDS[5] = {'m', 'c', 'r', 'f', 'a'};

static int kind_index(pa_trace_kind k)
{
    for (int i = 0; i < 5; i++) {
        if ((char)k == KINDS[i])
            return i;
    }
    return 0;
}

static int size_class(uint64_t size)
{
    if (size == 0)
        return 0;
    int k = 0;
    while (k < 64 && (UINT64_C(1) << k) < size)
        k++;
    return k + 1;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static void block_born(summary *s, pa_u64map *sizes, uint64_t id, uint64_t bytes)
{
    s->allocations++;
    s->requested_bytes = sat_add(s->requested_bytes, bytes);
    s->size_class[size_class(bytes)]++;
    pa_u64map_put(sizes, id, bytes, NULL);
    s->live_blocks++;
    s->live_bytes = sat_add(s->live_bytes, bytes);
    if (s->live_blocks > s->peak_blocks)
        s->peak_blocks = s->live_blocks;
    if (s->live_bytes > s->peak_bytes)
        s->peak_bytes = s->live_bytes;
}

static uint64_t block_dies(summary *s, pa_u64map *sizes, uint64_t id)
{
    uint64_t bytes = 0;
    if (pa_u64map_remove(sizes, id, &bytes)) {
        s->live_blocks--;
        s->live_bytes -= bytes < s->live_bytes ? bytes : s->live_bytes;
    }
    return bytes;
}

/* The trace has been validated by pa_trace_read, so every ID is consistent. */
static void summarise(const pa_trace *t, summary *s)
{
    memset(s, 0, sizeof *s);
    s->nops = t->nops;
    s->max_id = t->max_id;
    pa_u64map sizes;
    pa_u64map_init_heap(&sizes);
    for (size_t i = 0; i < t->nops; i++) {
        const pa_trace_op *op = &t->ops[i];
        s->kind_count[kind_index(op->kind)]++;
        switch (op->kind) {
        case PA_TRACE_FREE:
            if (op->id == 0)
                s->free_null++;
            else
                block_dies(s, &sizes, op->id);
            break;
        case PA_TRACE_REALLOC:
            if (op->new_id == 0) {
                if (op->size == 0 && op->id != 0) {
                    s->realloc_to_zero++;
                    block_dies(s, &sizes, op->id);
                } else {
                    s->failed++;
                }
                break;
            }
            if (op->id == 0) {
                s->realloc_from_null++;
            } else {
                uint64_t old = block_dies(s, &sizes, op->id);
                if (op->size > old)
                    s->realloc_grow++;
                else if (op->size < old)
                    s->realloc_shrink++;
                else
                    s->realloc_same++;
            }
            block_born(s, &sizes, op->new_id, op->size);
            break;
        default: { /* m c a */
            uint64_t bytes = op->kind == PA_TRACE_CALLOC ? op->count * op->size : op->size;
            if (op->kind == PA_TRACE_ALIGNED) {
                int k = 0;
                while (k < 63 && (UINT64_C(1) << k) < op->align)
                    k++;
                s->align_log2[k]++;
            }
            if (op->id == 0)
                s->failed++;
            else
                block_born(s, &sizes, op->id, bytes);
            break;
        }
        }
    }
    pa_u64map_clear(&sizes);
}

static int load(const char *path, pa_trace *t)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "pa-trace: %s: cannot open: ", path);
        perror(NULL);
        return -1;
    }
    char err[512];
    int rc = pa_trace_read(in, is_stdin ? "<stdin>" : path, t, err, sizeof err);
    if (!is_stdin)
        fclose(in);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    return rc;
}

static void print_check(const char *path, const summary *s)
{
    printf("%s: ok: %zu ops (m %" PRIu64 ", c %" PRIu64 ", r %" PRIu64 ", f %" PRIu64 ", a %" PRIu64 "); "
           "peak live %" PRIu64 " blocks, %" PRIu64 " bytes; %" PRIu64 " bytes requested\n",
           path, s->nops, s->kind_count[0], s->kind_count[1], s->kind_count[2], s->kind_count[3], s->kind_count[4],
           s->peak_blocks, s->peak_bytes, s->requested_bytes);
}

static void print_stats(const char *path, const summary *s)
{
    printf("%s\n", path);
    printf("  ops               %zu\n", s->nops);
    printf("    m malloc        %" PRIu64 "\n", s->kind_count[0]);
    printf("    c calloc        %" PRIu64 "\n", s->kind_count[1]);
    printf("    r realloc       %" PRIu64 " (from NULL %" PRIu64 ", grow %" PRIu64 ", shrink %" PRIu64
           ", same %" PRIu64 ", to size 0 %" PRIu64 ")\n",
           s->kind_count[2], s->realloc_from_null, s->realloc_grow, s->realloc_shrink, s->realloc_same,
           s->realloc_to_zero);
    printf("    f free          %" PRIu64 " (of NULL %" PRIu64 ")\n", s->kind_count[3], s->free_null);
    printf("    a aligned       %" PRIu64 "\n", s->kind_count[4]);
    printf("  NULL results      %" PRIu64 "\n", s->failed);
    printf("  max ID            %" PRIu64 "\n", s->max_id);
    printf("  peak live         %" PRIu64 " blocks, %" PRIu64 " bytes\n", s->peak_blocks, s->peak_bytes);
    printf("  live at end       %" PRIu64 " blocks, %" PRIu64 " bytes\n", s->live_blocks, s->live_bytes);
    printf("  blocks made       %" PRIu64 ", %" PRIu64 " bytes requested", s->allocations, s->requested_bytes);
    if (s->allocations)
        printf(" (mean %.1f)", (double)s->requested_bytes / (double)s->allocations);
    printf("\n  request sizes (blocks made, by size class)\n");
    uint64_t small = 0, pooled = 0;
    for (int c = 0; c < NCLASSES; c++) {
        if (c <= 10)
            small += s->size_class[c]; /* up to 512 bytes */
        if (c <= 13)
            pooled += s->size_class[c]; /* up to 4096 bytes */
        if (s->size_class[c] == 0)
            continue;
        if (c == 0)
            printf("    %-22s %" PRIu64 "\n", "0", s->size_class[c]);
        else if (c == 1)
            printf("    %-22s %" PRIu64 "\n", "1", s->size_class[c]);
        else {
            char label[48];
            uint64_t lo = (UINT64_C(1) << (c - 2)) + 1;
            snprintf(label, sizeof label, "%" PRIu64 "-%" PRIu64, lo,
                     c - 1 >= 64 ? UINT64_MAX : UINT64_C(1) << (c - 1));
            printf("    %-22s %" PRIu64 "\n", label, s->size_class[c]);
        }
    }
    if (s->allocations) {
        printf("  <= 512 bytes (CPython's small threshold) %.1f%%\n", 100.0 * (double)small / (double)s->allocations);
        printf("  <= 4096 bytes (pooled by the default heap) %.1f%%\n",
               100.0 * (double)pooled / (double)s->allocations);
    }
    bool any_align = false;
    for (int k = 0; k < 64; k++) {
        if (s->align_log2[k] == 0)
            continue;
        if (!any_align)
            printf("  alignments (a ops)\n");
        any_align = true;
        printf("    %-22" PRIu64 " %" PRIu64 "\n", UINT64_C(1) << k, s->align_log2[k]);
    }
}

static void usage(FILE *to)
{
    fputs("usage: pa-trace check FILE...   validate traces (first error as NAME:LINE: reason)\n"
          "       pa-trace stats FILE...   validate and report statistics\n"
          "FILE '-' reads standard input.\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 3 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "stats") != 0)) {
        usage(stderr);
        return 2;
    }
    bool stats = strcmp(argv[1], "stats") == 0;
    int status = 0;
    for (int i = 2; i < argc; i++) {
        pa_trace t;
        if (load(argv[i], &t) != 0) {
            status = 1;
            continue;
        }
        summary s;
        summarise(&t, &s);
        if (stats)
            print_stats(argv[i], &s);
        else
            print_check(argv[i], &s);
        pa_trace_free(&t);
    }
    return status;
}

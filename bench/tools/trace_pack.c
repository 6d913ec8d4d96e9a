/* bench_trace_pack IN.trace OUT.bin: reads a recorded trace with
 * pa_trace_read (trace) and writes it packed for the replay workload
 * (bench/src/packed_trace.h). Prints one line describing the trace:
 *   NAME ops=N malloc=N calloc=N realloc=N free=N aligned=N ids=N peak_live_bytes=N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packed_trace.h"
#include "trace_format.h"

typedef struct trace_summary {
    uint64_t by_kind[5];
    uint64_t peak_live;
} trace_summary;

static int kind_index(pa_trace_kind k)
{
    switch (k) {
    case PA_TRACE_MALLOC: return 0;
    case PA_TRACE_CALLOC: return 1;
    case PA_TRACE_REALLOC: return 2;
    case PA_TRACE_FREE: return 3;
    case PA_TRACE_ALIGNED: return 4;
    }
    return -1;
}

/* Packs one op; -1 when a field does not fit the packed record. */
static int pack_op(const pa_trace_op *in, bench_packed_op *out)
{
    uint64_t extra = in->kind == PA_TRACE_CALLOC ? in->count
                     : in->kind == PA_TRACE_ALIGNED ? in->align : 0;
    if (in->id > UINT32_MAX || in->new_id > UINT32_MAX || extra > UINT32_MAX)
        return -1;
    if (in->kind == PA_TRACE_CALLOC && in->count != 0 && in->size > UINT64_MAX / in->count)
        return -1;
    memset(out, 0, sizeof *out);
    out->size = in->size;
    out->id = (uint32_t)in->id;
    out->new_id = (uint32_t)in->new_id;
    out->extra = (uint32_t)extra;
    out->kind = (uint32_t)in->kind;
    return 0;
}

/* Bytes requested and live at once, at most, over the trace. */
static int summarize(const pa_trace *t, trace_summary *s)
{
    uint64_t *sizes = calloc((size_t)t->max_id + 1, sizeof *sizes);
    if (sizes == NULL)
        return -1;
    uint64_t live = 0;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < t->nops; i++) {
        const pa_trace_op *op = &t->ops[i];
        int k = kind_index(op->kind);
        if (k >= 0)
            s->by_kind[k]++;
        uint64_t bytes = op->kind == PA_TRACE_CALLOC ? op->count * op->size : op->size;
        switch (op->kind) {
        case PA_TRACE_MALLOC:
        case PA_TRACE_CALLOC:
        case PA_TRACE_ALIGNED:
            if (op->id != 0) {
                sizes[op->id] = bytes;
                live += bytes;
            }
            break;
        case PA_TRACE_REALLOC:
            if (op->new_id != 0 || op->size == 0) {
                live -= sizes[op->id];
                sizes[op->id] = 0;
            }
            if (op->new_id != 0) {
                sizes[op->new_id] = op->size;
                live += op->size;
            }
            break;
        case PA_TRACE_FREE:
            live -= sizes[op->id];
            sizes[op->id] = 0;
            break;
        }
        sizes[0] = 0;
        if (live > s->peak_live)
            s->peak_live = live;
    }
    free(sizes);
    return 0;
}

static int write_packed(const char *path, const pa_trace *t, uint64_t peak_live)
{
    FILE *out = fopen(path, "wb");
    if (out == NULL) {
        fprintf(stderr, "bench_trace_pack: cannot write %s\n", path);
        return -1;
    }
    bench_packed_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, BENCH_PACKED_MAGIC, sizeof h.magic);
    h.nops = t->nops;
    h.max_id = t->max_id;
    h.peak_live_bytes = peak_live;
    int ok = fwrite(&h, sizeof h, 1, out) == 1;
    for (size_t i = 0; ok && i < t->nops; i++) {
        bench_packed_op op;
        if (pack_op(&t->ops[i], &op) != 0) {
            fprintf(stderr, "bench_trace_pack: %s: op %zu does not fit a packed record\n", path, i);
            ok = 0;
            break;
        }
        ok = fwrite(&op, sizeof op, 1, out) == 1;
    }
    if (fclose(out) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "bench_trace_pack: writing %s failed\n", path);
        remove(path);
    }
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_trace_pack IN.trace OUT.bin\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (in == NULL) {
        fprintf(stderr, "bench_trace_pack: cannot open %s\n", argv[1]);
        return 1;
    }
    pa_trace t;
    char err[512];
    int rc = pa_trace_read(in, argv[1], &t, err, sizeof err);
    fclose(in);
    if (rc != 0) {
        fprintf(stderr, "bench_trace_pack: %s\n", err);
        return 1;
    }
    if (t.max_id >= UINT32_MAX) {
        fprintf(stderr, "bench_trace_pack: %s: %llu ids do not fit a packed record\n", argv[1],
                (unsigned long long)t.max_id);
        pa_trace_free(&t);
        return 1;
    }
    trace_summary s;
    rc = summarize(&t, &s);
    if (rc == 0)
        rc = write_packed(argv[2], &t, s.peak_live);
    if (rc == 0)
        printf("%s ops=%zu malloc=%llu calloc=%llu realloc=%llu free=%llu aligned=%llu ids=%llu "
               "peak_live_bytes=%llu\n",
               argv[1], t.nops, (unsigned long long)s.by_kind[0], (unsigned long long)s.by_kind[1],
               (unsigned long long)s.by_kind[2], (unsigned long long)s.by_kind[3],
               (unsigned long long)s.by_kind[4], (unsigned long long)t.max_id,
               (unsigned long long)s.peak_live);
    else
        fprintf(stderr, "bench_trace_pack: %s: failed\n", argv[1]);
    pa_trace_free(&t);
    return rc == 0 ? 0 : 1;
}

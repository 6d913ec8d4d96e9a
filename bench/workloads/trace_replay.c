/* Replay of a recorded real-program trace (packed by bench_trace_pack). Each
 * call is made as recorded; blocks are written as a program would (touch.h);
 * calls that failed in the recording (result NULL) are not repeated. At the
 * end of the trace whatever the program left live is freed. The whole runs
 * `loops` times over (a recorded run lasts milliseconds: too short to time),
 * as a long-lived program repeating a phase would; the checkpoint RSS is the
 * heap at the end of the last pass, before its cleanup. */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "alloc_shim.h"
#include "packed_trace.h"
#include "scratch.h"
#include "touch.h"
#include "workload.h"

typedef struct loaded_trace {
    bench_packed_header h;
    bench_packed_op *ops;
    size_t bytes;
} loaded_trace;

static int read_all(int fd, void *buf, size_t len)
{
    unsigned char *b = buf;
    while (len > 0) {
        ssize_t n = read(fd, b, len);
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static int load_trace(const char *path, loaded_trace *t)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "trace: cannot open %s\n", path);
        return -1;
    }
    int ok = read_all(fd, &t->h, sizeof t->h) == 0 &&
             memcmp(t->h.magic, BENCH_PACKED_MAGIC, sizeof t->h.magic) == 0 &&
             t->h.nops <= SIZE_MAX / sizeof(bench_packed_op) && t->h.max_id < UINT32_MAX;
    if (ok) {
        t->bytes = (size_t)t->h.nops * sizeof(bench_packed_op);
        t->ops = bench_scratch_alloc(t->bytes);
        ok = read_all(fd, t->ops, t->bytes) == 0;
    }
    close(fd);
    if (!ok)
        fprintf(stderr, "trace: %s is not a packed trace (bench_trace_pack makes them)\n", path);
    return ok ? 0 : -1;
}

/* The name to report: the file's base name without its extension. */
static void trace_label(const char *path, char *label, size_t label_len)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t len = strcspn(base, ".");
    snprintf(label, label_len, "trace-%.*s", (int)len, base);
}

static void *checked(void *p, uint64_t size)
{
    if (p == NULL)
        bench_out_of_memory("trace", size);
    return p;
}

/* Makes the call op records: 1, or 0 for a call that failed when recorded
 * (not repeated), or -1 for a record of an unknown kind. */
static int replay_op(const bench_packed_op *op, void **live, uint64_t *sizes)
{
    void *p;
    switch (op->kind) {
    case 'm':
    case 'c':
    case 'a': {
        if (op->id == 0)
            return 0;
        uint64_t bytes = op->kind == 'c' ? op->size * op->extra : op->size;
        if (op->kind == 'm')
            p = checked(ba_malloc(op->size), op->size);
        else if (op->kind == 'c')
            p = checked(ba_calloc(op->extra, op->size), bytes);
        else
            p = checked(ba_aligned(op->extra, op->size), op->size);
        bench_touch(p, bytes);
        live[op->id] = p;
        sizes[op->id] = bytes;
        return 1;
    }
    case 'r': {
        if (op->new_id == 0) {
            if (op->size != 0 || op->id == 0)
                return 0;
            ba_free(live[op->id]); /* realloc(p, 0) that freed p */
            live[op->id] = NULL;
            return 1;
        }
        /* Only the bytes the block grew by are new to the program. */
        uint64_t kept = sizes[op->id] < op->size ? sizes[op->id] : op->size;
        p = checked(ba_realloc(live[op->id], op->size), op->size);
        bench_touch_range(p, kept, op->size);
        live[op->id] = NULL;
        live[op->new_id] = p;
        sizes[op->new_id] = op->size;
        return 1;
    }
    case 'f':
        ba_free(live[op->id]);
        live[op->id] = NULL;
        return 1;
    default:
        return -1;
    }
}

/* One pass over the trace; the number of calls made, or -1. */
static int64_t replay_once(const loaded_trace *t, void **live, uint64_t *sizes)
{
    int64_t ops = 0;
    for (size_t i = 0; i < t->h.nops; i++) {
        int made = replay_op(&t->ops[i], live, sizes);
        if (made < 0) {
            fprintf(stderr, "trace: record %zu has unknown kind %u\n", i, t->ops[i].kind);
            return -1;
        }
        ops += made;
    }
    return ops;
}

/* Frees what the program left live; the number of calls. */
static int64_t free_leftovers(void **live, size_t nslots)
{
    int64_t ops = 0;
    for (size_t id = 1; id < nslots; id++) {
        if (live[id] != NULL) {
            ba_free(live[id]);
            live[id] = NULL;
            ops++;
        }
    }
    return ops;
}

int bench_wl_trace(const bench_args *a, bench_result *r, char *label, size_t label_len)
{
    const char *path = bench_arg_str(a, "file", NULL);
    uint64_t loops = bench_arg_u64(a, "loops", 40);
    if (path == NULL || loops == 0) {
        fprintf(stderr, "trace: file=PATH (a packed trace) is required; loops >= 1\n");
        return -1;
    }
    loaded_trace t;
    if (load_trace(path, &t) != 0)
        return -1;
    trace_label(path, label, label_len);
    size_t nslots = (size_t)t.h.max_id + 1;
    size_t table = nslots * (sizeof(void *) + sizeof(uint64_t));
    /* Slot 0 stands for NULL: it stays NULL with size 0. */
    void **live = bench_scratch_alloc(table);
    uint64_t *sizes = (uint64_t *)(live + nslots);
    uint64_t ops = 0;
    int failed = 0;

    bench_begin(r);
    for (uint64_t l = 0; l < loops && !failed; l++) {
        int64_t n = replay_once(&t, live, sizes);
        failed = n < 0;
        ops += n < 0 ? 0 : (uint64_t)n;
        if (l + 1 == loops)
            bench_mark(r);
        ops += (uint64_t)free_leftovers(live, nslots);
    }
    bench_end(r, ops);

    bench_scratch_free(live, table);
    bench_scratch_free(t.ops, t.bytes);
    return failed ? -1 : 0;
}

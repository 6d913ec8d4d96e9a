/* Trace ops to op-language ops. */
#include "trace_convert.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"

/* A size as the op language says it: exact up to 16383, else the next
 * multiple of 64 (at most 16383 * 64). */
static pa_size_spec size_spec(uint64_t size, int *approx) {
    pa_size_spec s;
    if (size <= 0x3fff) {
        s.mode = PA_SIZE_LITERAL;
        s.x = (uint16_t)size;
        return s;
    }
    uint64_t x = (size + 63) / 64;
    if (x > 0x3fff)
        x = 0x3fff;
    if (x * 64 != size)
        *approx = 1;
    s.mode = PA_SIZE_LARGE;
    s.x = (uint16_t)x;
    return s;
}

static uint8_t align_arg(uint64_t align, int *approx) {
    if (align && !(align & (align - 1)) && align <= 32768) {
        uint8_t lg = 0;
        while (((uint64_t)1 << lg) != align)
            lg++;
        return lg;
    }
    if (align >= 16 && align <= 255)
        return (uint8_t)align;
    *approx = 1;
    return 12; /* 4096 */
}

/* Trace ID -> live-set position, kept as the op language keeps its slots. */
typedef struct idmap {
    uint64_t *slot_id; /* the trace ID in each slot */
    size_t n;
} idmap;

static size_t find(const idmap *m, uint64_t id) {
    for (size_t i = m->n; i-- > 0;)
        if (m->slot_id[i] == id)
            return i;
    return SIZE_MAX;
}

static void remove_at(idmap *m, size_t i) {
    memmove(&m->slot_id[i], &m->slot_id[i + 1], (m->n - i - 1) * sizeof *m->slot_id);
    m->n--;
}

int pa_trace_to_ops(const pa_trace *t, size_t max_ops, pa_op **out, size_t *nout,
                    pa_trace_convert_stats *st) {
    pa_trace_convert_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    if (!max_ops || max_ops > PA_OPS_MAX)
        max_ops = PA_OPS_MAX;
    size_t cap = t->nops < max_ops ? t->nops : max_ops;
    pa_op *ops = malloc((cap ? cap : 1) * sizeof *ops);
    idmap m = {malloc(PA_LIVE_MAX * sizeof(uint64_t)), 0};
    if (!ops || !m.slot_id) {
        free(ops);
        free(m.slot_id);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->nops; i++) {
        if (n == max_ops) {
            st->dropped += t->nops - i;
            break;
        }
        const pa_trace_op *to = &t->ops[i];
        pa_op op;
        memset(&op, 0, sizeof op);
        int approx = 0, adds = 0;
        uint64_t new_id = 0;
        switch (to->kind) {
        case PA_TRACE_MALLOC:
            op.kind = PA_OP_MALLOC;
            op.size = size_spec(to->size, &approx);
            adds = 1;
            new_id = to->id;
            break;
        case PA_TRACE_CALLOC:
            op.kind = PA_OP_CALLOC;
            if (to->count <= 63) {
                op.arg = (uint8_t)to->count;
                op.size = size_spec(to->size, &approx);
            } else {
                uint64_t total;
                if (__builtin_mul_overflow(to->count, to->size, &total))
                    total = UINT64_MAX;
                op.arg = 1;
                op.size = size_spec(total, &approx);
                approx = 1;
            }
            adds = 1;
            new_id = to->id;
            break;
        case PA_TRACE_ALIGNED:
            op.kind = PA_OP_MEMALIGN;
            op.arg = align_arg(to->align, &approx);
            op.size = size_spec(to->size, &approx);
            adds = 1;
            new_id = to->id;
            break;
        case PA_TRACE_REALLOC: {
            size_t pos = to->id ? find(&m, to->id) : SIZE_MAX;
            if (!to->id || pos == SIZE_MAX) {
                /* realloc(NULL) is malloc; one on a dropped pointer too */
                op.kind = PA_OP_MALLOC;
                adds = 1;
                if (to->id)
                    approx = 1;
            } else if (!to->new_id && !to->size) {
                /* glibc's realloc(p, 0) freed p and returned NULL */
                op.kind = PA_OP_FREE;
                op.idx = (uint16_t)pos;
                remove_at(&m, pos);
                st->converted++;
                ops[n++] = op;
                continue;
            } else {
                op.kind = PA_OP_REALLOC;
                op.idx = (uint16_t)pos;
                if (to->new_id)
                    m.slot_id[pos] = to->new_id;
            }
            op.size = size_spec(to->size, &approx);
            new_id = to->new_id;
            break;
        }
        case PA_TRACE_FREE: {
            size_t pos = to->id ? find(&m, to->id) : SIZE_MAX;
            if (pos == SIZE_MAX) {
                if (to->id)
                    st->dropped++;
                continue; /* free(NULL) does nothing; a dropped pointer is gone */
            }
            op.kind = PA_OP_FREE;
            op.idx = (uint16_t)pos;
            remove_at(&m, pos);
            break;
        }
        default:
            st->dropped++;
            continue;
        }
        if (adds) {
            if (m.n == PA_LIVE_MAX) {
                st->dropped++;
                continue;
            }
            m.slot_id[m.n++] = new_id; /* ID 0 (a NULL result) still takes a slot */
        }
        st->approximated += approx;
        st->converted++;
        ops[n++] = op;
    }
    free(m.slot_id);
    *out = ops;
    *nout = n;
    return 0;
}

int pa_trace_file_to_ops(const char *path, size_t max_ops, pa_op **ops, size_t *nops,
                         pa_trace_convert_stats *st, char *err, size_t err_len) {
    FILE *f = fopen(path, "r");
    if (!f)
        return pa_errmsg(err, err_len, "%s: cannot read", path);
    pa_trace t;
    int rc = pa_trace_read(f, path, &t, err, err_len);
    fclose(f);
    if (rc)
        return -1;
    rc = pa_trace_to_ops(&t, max_ops, ops, nops, st);
    pa_trace_free(&t);
    return rc ? -2 : 0;
}

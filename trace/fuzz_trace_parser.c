/* Target "trace_parser": the input is trace text. Every line goes through
 * pa_trace_parse_line, every parsed op must survive pa_trace_write_op and a
 * second parse unchanged; the whole input goes through pa_trace_read, whose
 * result must obey the ID rules of trace_format.h and survive a write and a
 * second read unchanged. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "trace_format.h"

static void die(const char *what, const char *line, const char *detail) {
    fprintf(stderr, "=== poolalloc fuzz failure: TRACE_%s ===\nline: \"%s\"\ndetail: %s\nsignature: TRACE_%s@trace_parser\n",
            what, line ? line : "", detail ? detail : "", what);
    fflush(stderr);
    abort();
}

static int same_op(const pa_trace_op *a, const pa_trace_op *b) {
    if (a->kind != b->kind || a->id != b->id || a->size != b->size)
        return 0;
    switch (a->kind) {
    case PA_TRACE_REALLOC:
        return a->new_id == b->new_id;
    case PA_TRACE_CALLOC:
        return a->count == b->count;
    case PA_TRACE_ALIGNED:
        return a->align == b->align;
    default:
        return 1;
    }
}

static int is_valid_kind(int k) {
    return k == PA_TRACE_MALLOC || k == PA_TRACE_CALLOC || k == PA_TRACE_REALLOC ||
           k == PA_TRACE_FREE || k == PA_TRACE_ALIGNED;
}

/* Write op, parse it back: must be the same op. */
static void round_trip_line(const pa_trace_op *op, const char *src) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    int wr = pa_trace_write_op(m, op);
    fclose(m);
    if (wr != 0)
        die("WRITE_FAILED", src, "pa_trace_write_op refused an op pa_trace_parse_line produced");
    if (!len || buf[len - 1] != '\n')
        die("WRITE_NO_NEWLINE", src, buf);
    buf[len - 1] = '\0';
    pa_trace_op back;
    char err[256] = "";
    if (pa_trace_parse_line(buf, &back, err, sizeof err) != 1)
        die("REPARSE_FAILED", src, err);
    if (!same_op(op, &back))
        die("ROUND_TRIP_CHANGED", src, buf);
    free(buf);
}

static void check_line(const char *line) {
    pa_trace_op op;
    char err[256];
    memset(err, 0, sizeof err);
    int rc = pa_trace_parse_line(line, &op, err, sizeof err);
    if (rc == 1) {
        if (!is_valid_kind(op.kind))
            die("BAD_KIND", line, "parsed op has an unknown kind");
        if (op.kind == PA_TRACE_ALIGNED && (op.align == 0 || (op.align & (op.align - 1))))
            die("BAD_ALIGN", line, "an aligned op with a non-power-of-two alignment was accepted");
        round_trip_line(&op, line);
    } else if (rc == 0) {
        const char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
            p++;
        if (*p && *p != '#')
            die("NOT_BLANK", line, "a line with content was called blank or comment");
    } else if (rc == -1) {
        if (!err[0])
            die("NO_REASON", line, "a malformed line came without a reason");
    } else {
        die("BAD_RETURN", line, "pa_trace_parse_line returned neither 1, 0 nor -1");
    }
}

/* The ID rules of trace_format.h, kept independently of the reader. */
typedef struct idset {
    uint64_t *v;
    size_t n;
} idset;

static size_t id_find(const idset *s, uint64_t id) {
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return i;
    return SIZE_MAX;
}

static void id_del(idset *s, size_t i) { s->v[i] = s->v[--s->n]; }

static void check_ids(const pa_trace *t) {
    idset live = {malloc((t->nops + 1) * sizeof(uint64_t)), 0};
    if (!live.v)
        return;
    uint64_t max_id = 0;
    char where[64];
    for (size_t i = 0; i < t->nops; i++) {
        const pa_trace_op *op = &t->ops[i];
        snprintf(where, sizeof where, "op %zu", i);
        if (!is_valid_kind(op->kind))
            die("READ_BAD_KIND", where, "pa_trace_read produced an unknown kind");
        if (op->id > max_id)
            max_id = op->id;
        if (op->kind == PA_TRACE_REALLOC && op->new_id > max_id)
            max_id = op->new_id;
        size_t at;
        switch (op->kind) {
        case PA_TRACE_FREE:
            if (op->id) {
                if ((at = id_find(&live, op->id)) == SIZE_MAX)
                    die("READ_FREE_NOT_LIVE", where, "accepted a free of an ID that is not live");
                id_del(&live, at);
            }
            break;
        case PA_TRACE_REALLOC:
            at = op->id ? id_find(&live, op->id) : SIZE_MAX;
            if (op->id && at == SIZE_MAX)
                die("READ_REALLOC_NOT_LIVE", where, "accepted a realloc of an ID that is not live");
            if (!op->new_id) {
                if (op->id && !op->size)
                    id_del(&live, at);
                break;
            }
            if (op->id)
                id_del(&live, at);
            if (id_find(&live, op->new_id) != SIZE_MAX)
                die("READ_REALLOC_LIVE", where, "accepted a realloc to an ID that is already live");
            live.v[live.n++] = op->new_id;
            break;
        default:
            if (op->id) {
                if (id_find(&live, op->id) != SIZE_MAX)
                    die("READ_ALLOC_LIVE", where, "accepted an allocation under an ID that is already live");
                live.v[live.n++] = op->id;
            }
            break;
        }
    }
    if (max_id != t->max_id)
        die("READ_MAX_ID", "", "max_id disagrees with the ops");
    free(live.v);
}

static void check_read(const uint8_t *data, size_t size) {
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return;
    pa_trace t;
    char err[256];
    memset(err, 0, sizeof err);
    int rc = pa_trace_read(in, "fuzz", &t, err, sizeof err);
    fclose(in);
    if (rc != 0) {
        if (rc != -1)
            die("READ_BAD_RETURN", "", "pa_trace_read returned neither 0 nor -1");
        if (strncmp(err, "fuzz:", 5) != 0)
            die("READ_ERROR_FORMAT", err, "an error does not start with NAME:LINE:");
        return;
    }
    check_ids(&t);
    /* write the whole trace and read it again: the same ops */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        pa_trace_free(&t);
        return;
    }
    for (size_t i = 0; i < t.nops; i++)
        if (pa_trace_write_op(m, &t.ops[i]))
            die("WRITE_FAILED", "", "pa_trace_write_op refused an op pa_trace_read produced");
    fclose(m);
    FILE *again = fmemopen(buf, len ? len : 1, "r");
    pa_trace u;
    if (again && len) {
        if (pa_trace_read(again, "again", &u, err, sizeof err) != 0)
            die("REREAD_FAILED", err, "a written trace does not read back");
        if (u.nops != t.nops)
            die("REREAD_COUNT", "", "a written trace reads back with another op count");
        for (size_t i = 0; i < t.nops; i++)
            if (!same_op(&t.ops[i], &u.ops[i]))
                die("REREAD_CHANGED", "", "a written trace reads back different");
        pa_trace_free(&u);
    }
    if (again)
        fclose(again);
    free(buf);
    pa_trace_free(&t);
}

void pa_fuzz_trace_parser_one(const uint8_t *data, size_t size) {
    char *line = malloc(size + 1);
    if (!line)
        return;
    size_t start = 0;
    while (start <= size) {
        size_t end = start;
        while (end < size && data[end] != '\n')
            end++;
        memcpy(line, data + start, end - start);
        line[end - start] = '\0';
        if (end > start || end < size)
            check_line(line);
        start = end + 1;
    }
    free(line);
    check_read(data, size);
}

/* The trace format of trace_format.h: parser, whole-trace reader, writer.
 *
 * Syntax: fields are separated by blanks (space, tab; a trailing CR is
 * accepted); every number is unsigned decimal and fits in 64 bits. A line whose
 * first non-blank character is '#' is a comment. There are no comments after
 * an op on the same line.
 *
 * Per line (pa_trace_parse_line): the op letter is known, the field count is
 * exact, ALIGN is a power of two, and for a calloc that returned a pointer
 * N * SIZE fits in 64 bits.
 *
 * Across lines (pa_trace_read), an ID names one live block from the line that
 * returned it up to the line that frees it; after that it may be used again.
 *   m/c/a ID ...          ID (if not 0) must not be live; it becomes live.
 *   f ID                  ID (if not 0) must be live; it dies.
 *   r OLD NEW SIZE        OLD (if not 0) must be live.
 *                         NEW != 0: OLD dies, then NEW must not be live and
 *                                   becomes live (r 5 5 SIZE is a realloc in
 *                                   place, written with the same ID).
 *                         NEW == 0: the realloc returned NULL. With SIZE 0
 *                                   OLD was freed (glibc's realloc(p, 0));
 *                                   otherwise it failed and OLD stays live. */
/* getline: lines of any length, NUL bytes included, at memchr speed. */
#define _POSIX_C_SOURCE 200809L
#include "trace_format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "trace_u64map.h"

typedef struct op_spec {
    char letter;
    int nfields;
    const char *field[3];
    const char *usage;
} op_spec;

static const op_spec SPECS[] = {
    {'m', 2, {"ID", "SIZE", NULL}, "m ID SIZE"},
    {'c', 3, {"ID", "N", "SIZE"}, "c ID N SIZE"},
    {'r', 3, {"OLD_ID", "NEW_ID", "SIZE"}, "r OLD_ID NEW_ID SIZE"},
    {'f', 1, {"ID", NULL, NULL}, "f ID"},
    {'a', 3, {"ID", "ALIGN", "SIZE"}, "a ID ALIGN SIZE"},
};

static const op_spec *spec_for(char letter)
{
    for (size_t i = 0; i < sizeof SPECS / sizeof SPECS[0]; i++) {
        if (SPECS[i].letter == letter)
            return &SPECS[i];
    }
    return NULL;
}

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* ' ' or one of \t \n \v \f \r, which are consecutive codes */
static bool is_blank(char c) { return c == ' ' || (unsigned char)(c - '\t') <= '\r' - '\t'; }

typedef struct token {
    const char *s;
    size_t len;
} token;

/* A token quoted for a message: at most 24 characters, non-printing ones as
 * '?', "..." when cut. */
static void quote_token(token t, char *buf, size_t buf_len)
{
    size_t max = 24, n = 0;
    for (size_t i = 0; i < t.len && i < max && n + 1 < buf_len; i++) {
        unsigned char c = (unsigned char)t.s[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (t.len > max) {
        for (int k = 0; k < 3 && n + 1 < buf_len; k++)
            buf[n++] = '.';
    }
    buf[n] = '\0';
}

/* 0: ok; 1: not a decimal number; 2: does not fit in 64 bits. */
static int parse_u64(token t, uint64_t *out)
{
    uint64_t v = 0;
    bool overflow = false;
    for (size_t i = 0; i < t.len; i++) {
        unsigned d = (unsigned)(unsigned char)t.s[i] - '0';
        if (d > 9)
            return 1;
        /* any 19 digits fit: only a longer number can overflow */
        if (i >= 19 && v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (overflow)
        return 2;
    *out = v;
    return 0;
}

/* Any line, blanks of any kind and length between its fields: its spec
 * and fields into *spec and v. 1, 0 for a blank or comment line, -1 with
 * the reason in err. */
static int parse_fields(const char *line, const op_spec **spec_out, uint64_t v[3], char *err, size_t err_len)
{
    token tok[5];
    size_t ntok = 0;
    const char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            break;
        if (ntok == 0 && *p == '#')
            return 0;
        const char *start = p;
        while (*p != '\0' && !is_blank(*p))
            p++;
        if (ntok < sizeof tok / sizeof tok[0])
            tok[ntok++] = (token){start, (size_t)(p - start)};
        else
            break;
    }
    if (ntok == 0)
        return 0;

    char q[32];
    const op_spec *spec = tok[0].len == 1 ? spec_for(tok[0].s[0]) : NULL;
    if (!spec) {
        quote_token(tok[0], q, sizeof q);
        set_err(err, err_len, "unknown op \"%s\" (expected one of m c r f a)", q);
        return -1;
    }
    size_t want = (size_t)spec->nfields + 1;
    if (ntok < want) {
        set_err(err, err_len, "%c: missing %s (expected \"%s\")", spec->letter, spec->field[ntok - 1],
                spec->usage);
        return -1;
    }
    if (ntok > want) {
        quote_token(tok[want], q, sizeof q);
        set_err(err, err_len, "%c: extra field \"%s\" (expected \"%s\")", spec->letter, q, spec->usage);
        return -1;
    }

    for (int i = 0; i < spec->nfields; i++) {
        int rc = parse_u64(tok[i + 1], &v[i]);
        if (rc != 0) {
            quote_token(tok[i + 1], q, sizeof q);
            if (rc == 1)
                set_err(err, err_len, "%c: %s \"%s\" is not a decimal number", spec->letter, spec->field[i], q);
            else
                set_err(err, err_len, "%c: %s \"%s\" is out of range (max %" PRIu64 ")", spec->letter,
                        spec->field[i], q, UINT64_MAX);
            return -1;
        }
    }
    *spec_out = spec;
    return 1;
}

/* The recorder's own form: the letter, then each field after one space,
 * nothing after the last. Parsed in one pass; any other line (and any field
 * past 19 digits) takes parse_fields, which reads this form alike. */
static bool parse_plain(const char *line, const op_spec **spec_out, uint64_t v[3])
{
    const op_spec *spec = spec_for(line[0]);
    if (!spec)
        return false;
    const char *p = line + 1;
    for (int i = 0; i < spec->nfields; i++) {
        if (*p++ != ' ')
            return false;
        uint64_t x = 0;
        const char *digits = p;
        for (unsigned d; (d = (unsigned)(unsigned char)*p - '0') <= 9; p++)
            x = x * 10 + d;
        if (p == digits || p - digits > 19)
            return false;
        v[i] = x;
    }
    *spec_out = spec;
    return *p == '\0';
}

int pa_trace_parse_line(const char *line, pa_trace_op *op, char *err, size_t err_len)
{
    const op_spec *spec = NULL;
    uint64_t v[3] = {0, 0, 0};
    if (!parse_plain(line, &spec, v)) {
        int rc = parse_fields(line, &spec, v, err, err_len);
        if (rc <= 0)
            return rc;
    }
    pa_trace_op o = {.kind = (pa_trace_kind)spec->letter};
    switch (spec->letter) {
    case 'm':
        o.id = v[0];
        o.size = v[1];
        break;
    case 'c':
        o.id = v[0];
        o.count = v[1];
        o.size = v[2];
        if (o.id != 0 && o.count != 0 && o.size > UINT64_MAX / o.count) {
            set_err(err, err_len, "c: N * SIZE overflows 64 bits (%" PRIu64 " * %" PRIu64 ")", o.count, o.size);
            return -1;
        }
        break;
    case 'r':
        o.id = v[0];
        o.new_id = v[1];
        o.size = v[2];
        break;
    case 'f':
        o.id = v[0];
        break;
    default: /* 'a' */
        o.id = v[0];
        o.align = v[1];
        o.size = v[2];
        if (o.align == 0 || (o.align & (o.align - 1)) != 0) {
            set_err(err, err_len, "a: ALIGN %" PRIu64 " is not a power of two", o.align);
            return -1;
        }
        break;
    }
    if (op)
        *op = o;
    return 1;
}

/* The live-ID bookkeeping of pa_trace_read: each live ID maps to its slot
 * + 1; a dead ID's slot goes on a stack and is handed out first. */
typedef struct id_slots {
    pa_u64map live; /* the IDs live at this point of the trace */
    uint64_t *unused; /* slots free again, the last freed on top */
    uint64_t nunused, cap, handed_out; /* cap >= handed_out */
} id_slots;

typedef enum id_verdict { ID_OK, ID_NOT_LIVE, ID_ALREADY_LIVE, ID_NO_MEMORY } id_verdict;

/* A slot for a new ID. The stack has room for every slot handed out, so a
 * slot given back never needs memory. */
static id_verdict take_slot(id_slots *s, uint64_t *slot)
{
    if (s->nunused) {
        *slot = s->unused[--s->nunused];
        return ID_OK;
    }
    if (s->handed_out == s->cap) {
        uint64_t cap = s->cap ? 2 * s->cap : 64;
        uint64_t *grown = cap <= SIZE_MAX / sizeof *grown ? realloc(s->unused, cap * sizeof *grown) : NULL;
        if (!grown)
            return ID_NO_MEMORY;
        s->unused = grown;
        s->cap = cap;
    }
    *slot = s->handed_out++;
    return ID_OK;
}

static void give_slot(id_slots *s, uint64_t slot) { s->unused[s->nunused++] = slot; }

/* A new live ID in slot. */
static id_verdict add_id(id_slots *s, uint64_t id, uint64_t slot)
{
    uint64_t was;
    int fresh = pa_u64map_put(&s->live, id, slot + 1, &was);
    if (fresh < 0)
        return ID_NO_MEMORY;
    if (fresh == 0) {
        pa_u64map_put(&s->live, id, was, NULL); /* the live one keeps its slot */
        return ID_ALREADY_LIVE;
    }
    return ID_OK;
}

/* On a verdict other than ID_OK, *field names the offending field and *bad_id
 * holds its value. Sets op->slot and op->new_slot. */
static id_verdict apply_ids(id_slots *s, pa_trace_op *op, const char **field, uint64_t *bad_id)
{
    uint64_t v = 0;
    id_verdict verdict;
    switch (op->kind) {
    case PA_TRACE_FREE:
        if (op->id != 0) {
            if (!pa_u64map_remove(&s->live, op->id, &v)) {
                *field = "ID";
                *bad_id = op->id;
                return ID_NOT_LIVE;
            }
            op->slot = v - 1;
            give_slot(s, op->slot);
        }
        return ID_OK;
    case PA_TRACE_REALLOC:
        if (op->id != 0) {
            if (!pa_u64map_get(&s->live, op->id, &v)) {
                *field = "OLD_ID";
                *bad_id = op->id;
                return ID_NOT_LIVE;
            }
            op->slot = v - 1;
        }
        if (op->new_id == 0) {
            if (op->size == 0 && op->id != 0) {
                pa_u64map_remove(&s->live, op->id, NULL);
                give_slot(s, op->slot);
            }
            return ID_OK;
        }
        if (op->id != 0) {
            pa_u64map_remove(&s->live, op->id, NULL); /* the new ID takes its slot */
            op->new_slot = op->slot;
        } else if ((verdict = take_slot(s, &op->new_slot)) != ID_OK) {
            return verdict;
        }
        verdict = add_id(s, op->new_id, op->new_slot);
        if (verdict == ID_ALREADY_LIVE) {
            *field = "NEW_ID";
            *bad_id = op->new_id;
        }
        if (verdict != ID_OK && op->id == 0)
            give_slot(s, op->new_slot);
        return verdict;
    default: /* m c a */
        if (op->id == 0)
            return ID_OK;
        if ((verdict = take_slot(s, &op->slot)) != ID_OK)
            return verdict;
        verdict = add_id(s, op->id, op->slot);
        if (verdict == ID_ALREADY_LIVE) {
            *field = "ID";
            *bad_id = op->id;
        }
        if (verdict != ID_OK)
            give_slot(s, op->slot);
        return verdict;
    }
}

struct pa_trace_reader {
    FILE *in;
    const char *name;
    id_slots ids;
    char *buf; /* what was read of the file; lines are parsed in place */
    size_t cap, pos, len; /* the next line starts at pos; len bytes are read */
    unsigned long long lineno;
    bool failed; /* an error was reported: no more ops */
};

pa_trace_reader *pa_trace_reader_new(FILE *in, const char *name)
{
    pa_trace_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->in = in;
    r->name = name ? name : "<trace>";
    pa_u64map_init_heap(&r->ids.live);
    return r;
}

void pa_trace_reader_free(pa_trace_reader *r)
{
    if (!r)
        return;
    pa_u64map_clear(&r->ids.live);
    free(r->ids.unused);
    free(r->buf);
    free(r);
}

unsigned long long pa_trace_reader_line(const pa_trace_reader *r) { return r->lineno; }

size_t pa_trace_reader_live(const pa_trace_reader *r) { return r->ids.live.len; }

uint64_t pa_trace_reader_slots(const pa_trace_reader *r) { return r->ids.handed_out; }

static int reader_fail(pa_trace_reader *r, char *err, size_t err_len, const char *fmt, ...)
{
    char reason[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    set_err(err, err_len, "%s:%llu: %s", r->name, r->lineno, reason);
    r->failed = true;
    return -1;
}

/* The next line, without its newline and NUL-terminated in the buffer, its
 * length to *n: 1, 0 at the end of the file, -1 with errno (ENOMEM, or EIO
 * for a read error). Reads in large blocks: a line costs a memchr, not a
 * locked stdio call. */
static int next_line(pa_trace_reader *r, char **line, size_t *n)
{
    enum { BLOCK = 1 << 16 };
    for (size_t scanned = 0;;) {
        size_t unscanned = r->len - r->pos - scanned;
        char *nl = unscanned ? memchr(r->buf + r->pos + scanned, '\n', unscanned) : NULL;
        if (nl || (feof(r->in) && r->pos < r->len)) {
            char *start = r->buf + r->pos;
            *n = nl ? (size_t)(nl - start) : r->len - r->pos;
            start[*n] = '\0'; /* the newline, or the byte kept free past the data */
            r->pos += *n + (nl != NULL);
            *line = start;
            return 1;
        }
        if (feof(r->in))
            return 0;
        scanned = r->len - r->pos;
        /* room for a block and a NUL after the partial line */
        if (r->cap - scanned < BLOCK + 1) {
            size_t ncap = r->cap ? 2 * r->cap : 2 * BLOCK;
            char *grown = ncap > r->cap ? realloc(r->buf, ncap) : NULL;
            if (!grown) {
                errno = ENOMEM;
                return -1;
            }
            r->buf = grown;
            r->cap = ncap;
        }
        if (scanned)
            memmove(r->buf, r->buf + r->pos, scanned);
        r->len = scanned;
        r->pos = 0;
        r->len += fread(r->buf + r->len, 1, BLOCK, r->in);
        if (ferror(r->in)) {
            errno = EIO;
            return -1;
        }
    }
}

int pa_trace_reader_next(pa_trace_reader *r, pa_trace_op *op, char *err, size_t err_len)
{
    if (r->failed)
        return reader_fail(r, err, err_len, "reading stopped at an earlier error");
    for (;;) {
        char *line;
        size_t n;
        int got = next_line(r, &line, &n);
        if (got <= 0) {
            if (got == 0)
                return 0;
            r->lineno++;
            return reader_fail(r, err, err_len, errno == ENOMEM ? "out of memory" : "read error");
        }
        r->lineno++;
        if (strlen(line) != n)
            return reader_fail(r, err, err_len, "NUL byte in line");
        char reason[256];
        int rc = pa_trace_parse_line(line, op, reason, sizeof reason);
        if (rc < 0)
            return reader_fail(r, err, err_len, "%s", reason);
        if (rc == 0)
            continue;
        const char *field = "";
        uint64_t bad_id = 0;
        id_verdict verdict = apply_ids(&r->ids, op, &field, &bad_id);
        if (verdict == ID_NO_MEMORY)
            return reader_fail(r, err, err_len, "out of memory");
        if (verdict != ID_OK)
            return reader_fail(r, err, err_len, "%c: %s %" PRIu64 " %s", (char)op->kind, field, bad_id,
                               verdict == ID_NOT_LIVE ? "is not live" : "is already live");
        return 1;
    }
}

int pa_trace_read(FILE *in, const char *name, pa_trace *out, char *err, size_t err_len)
{
    out->ops = NULL;
    out->nops = 0;
    out->max_id = 0;
    pa_trace_reader *r = pa_trace_reader_new(in, name);
    if (!r) {
        set_err(err, err_len, "%s: out of memory", name ? name : "<trace>");
        return -1;
    }
    pa_trace t = {NULL, 0, 0};
    size_t ops_cap = 0;
    pa_trace_op op;
    int rc;
    while ((rc = pa_trace_reader_next(r, &op, err, err_len)) == 1) {
        if (t.nops == ops_cap) {
            size_t new_cap = ops_cap ? ops_cap * 2 : 1024;
            pa_trace_op *grown =
                new_cap > SIZE_MAX / sizeof *grown ? NULL : realloc(t.ops, new_cap * sizeof *grown);
            if (!grown) {
                rc = reader_fail(r, err, err_len, "out of memory");
                break;
            }
            t.ops = grown;
            ops_cap = new_cap;
        }
        t.ops[t.nops++] = op;
        if (op.id > t.max_id)
            t.max_id = op.id;
        if (op.new_id > t.max_id)
            t.max_id = op.new_id;
    }
    pa_trace_reader_free(r);
    if (rc != 0) {
        free(t.ops);
        return -1;
    }
    *out = t;
    return 0;
}

void pa_trace_free(pa_trace *t)
{
    if (!t)
        return;
    free(t->ops);
    t->ops = NULL;
    t->nops = 0;
    t->max_id = 0;
}

int pa_trace_write_op(FILE *out, const pa_trace_op *op)
{
    int n;
    switch (op->kind) {
    case PA_TRACE_MALLOC:
        n = fprintf(out, "m %" PRIu64 " %" PRIu64 "\n", op->id, op->size);
        break;
    case PA_TRACE_CALLOC:
        n = fprintf(out, "c %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", op->id, op->count, op->size);
        break;
    case PA_TRACE_REALLOC:
        n = fprintf(out, "r %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", op->id, op->new_id, op->size);
        break;
    case PA_TRACE_FREE:
        n = fprintf(out, "f %" PRIu64 "\n", op->id);
        break;
    case PA_TRACE_ALIGNED:
        n = fprintf(out, "a %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", op->id, op->align, op->size);
        break;
    default:
        return -1;
    }
    return n < 0 ? -1 : 0;
}

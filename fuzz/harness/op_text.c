/* The text form of the op language: one op per line (docs/OP_LANGUAGE.md). */
#include "ops.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bad_config.h"

static const char *const NAMES[PA_OP_KINDS] = {
#define PA_OP_NAME(kind, name, code, size, idx, arg, step) [PA_OP_##kind] = #name,
    PA_OP_LIST(PA_OP_NAME)
#undef PA_OP_NAME
};

static const char *const FAULT_REQUESTS[4] = {"map", "unmap", "decommit", "recommit"};
/* In pa_place_kind's order (pa_testing/os_placer.h). */
static const char *const PLACE_KINDS[PA_PLACE_OP_KINDS] = {"kernel", "low", "high", "far", "adjacent", "reuse"};
static const char *const MISUSE_OPS[PA_MISUSE_OP_KINDS] = {
    [PA_MISUSE_OP_DOUBLE_FREE] = "double_free", [PA_MISUSE_OP_INTERIOR] = "interior",
    [PA_MISUSE_OP_WRITE_AFTER] = "write_after", [PA_MISUSE_OP_WRITE_BEFORE] = "write_before",
    [PA_MISUSE_OP_FOREIGN] = "foreign", [PA_MISUSE_OP_API_MISMATCH] = "api_mismatch",
    [PA_MISUSE_OP_WRITE_AFTER_FREE] = "write_after_free", [PA_MISUSE_OP_STALE] = "stale",
    [PA_MISUSE_OP_PLAIN] = "plain", [PA_MISUSE_OP_BAD_CONFIG] = "bad_config",
};

static const char *const CORRUPT_KINDS[PA_CORRUPT_KINDS] = {
    [PA_CORRUPT_LINK_MISALIGNED] = "link_misaligned", [PA_CORRUPT_LINK_OUT] = "link_out",
    [PA_CORRUPT_LINK_CYCLE] = "link_cycle", [PA_CORRUPT_LINK_CUT] = "link_cut",
    [PA_CORRUPT_HEADER_SIZE] = "header_size", [PA_CORRUPT_FREED_BYTE] = "freed_byte",
    [PA_CORRUPT_FORGED_LIVE] = "forged_live", [PA_CORRUPT_FORGED_UNCARVED] = "forged_uncarved",
};

static const char *const HUGE_CALLS[4] = {
    [PA_HUGE_MALLOC] = "malloc", [PA_HUGE_REALLOC] = "realloc",
    [PA_HUGE_MEMALIGN] = "memalign", [PA_HUGE_ALIGN] = "align",
};
/* ptrdiff_max+1 before ptrdiff_max: the parser takes the first that fits */
static const char *const HUGE_BASES[4] = {
    [PA_HUGE_SIZE_MAX] = "size_max", [PA_HUGE_PTRDIFF_MAX] = "ptrdiff_max",
    [PA_HUGE_PTRDIFF_OVER] = "ptrdiff_max+1", [PA_HUGE_2_48] = "2^48",
};

const char *pa_huge_call_name(unsigned call) { return HUGE_CALLS[call & 3]; }
const char *pa_huge_base_name(unsigned base) { return HUGE_BASES[base & 3]; }

const char *pa_fault_request_name(unsigned request) { return FAULT_REQUESTS[request & 3]; }

const char *pa_misuse_op_name(uint8_t arg) { return MISUSE_OPS[pa_misuse_op_of(arg)]; }

const char *pa_corrupt_kind_name(uint8_t arg) { return CORRUPT_KINDS[pa_corrupt_kind_of(arg)]; }

const char *pa_op_name(pa_op_kind kind) {
    return (unsigned)kind < PA_OP_KINDS ? NAMES[kind] : "?";
}

/* ---- formatting ----------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t cap, len;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static void put_size(sbuf *b, pa_size_spec s) {
    switch (s.mode) {
    case PA_SIZE_CLASS: {
        static const char *const delta[4] = {"-1", "", "+1", ""};
        put(b, "c%u%s", (unsigned)(s.x >> 2), delta[s.x & 3]);
        break;
    }
    case PA_SIZE_THRESHOLD: {
        int off = (int)(s.x % 129) - 64;
        if (off)
            put(b, "t%+d", off);
        else
            put(b, "t");
        break;
    }
    case PA_SIZE_LITERAL:
        put(b, "%u", (unsigned)s.x);
        break;
    default:
        put(b, "%zu", (size_t)s.x * 64);
        break;
    }
}

int pa_op_format(char *out, size_t out_len, const pa_op *op, const pa_config *cfg) {
    sbuf b = {out, out_len, 0};
    if (out_len)
        out[0] = '\0';
    put(&b, "%s", pa_op_name(op->kind));
    switch ((pa_op_kind)op->kind) {
    case PA_OP_MALLOC:
        put(&b, " ");
        put_size(&b, op->size);
        break;
    case PA_OP_CALLOC:
        if (op->arg >= PA_CALLOC_OVERFLOW)
            put(&b, " ovf+%u x ", (unsigned)(op->arg - PA_CALLOC_OVERFLOW));
        else
            put(&b, " %u x ", (unsigned)(op->arg & PA_CALLOC_COUNT_MAX));
        put_size(&b, op->size);
        break;
    case PA_OP_REALLOC:
        put(&b, " #%u ", (unsigned)op->idx);
        put_size(&b, op->size);
        break;
    case PA_OP_GROW:
    case PA_OP_SHRINK:
        put(&b, " #%u %u", (unsigned)op->idx, (unsigned)op->arg + 1);
        break;
    case PA_OP_FREE:
    case PA_OP_USABLE:
    case PA_OP_WRITE:
        put(&b, " #%u", (unsigned)op->idx);
        break;
    case PA_OP_MEMALIGN:
        put(&b, " %zu ", pa_memalign_alignment(op->arg));
        put_size(&b, op->size);
        break;
    case PA_OP_ALLOC_MANY:
        put(&b, " %zu ", pa_many_count(op->arg));
        put_size(&b, op->size);
        break;
    case PA_OP_FREE_RANGE:
        put(&b, " #%u %zu", (unsigned)op->idx, pa_many_count(op->arg));
        if (pa_range_step(op->step) != 1)
            put(&b, " step %zu", pa_range_step(op->step));
        break;
    case PA_OP_FAULT:
        put(&b, " %s %s %u", pa_fault_request_name(pa_fault_request(op->arg)),
            pa_fault_mode(op->arg) == PA_FAULT_NTH ? "next" : "for", pa_fault_count(op->arg, op->step));
        break;
    case PA_OP_PLACE:
        put(&b, " %s %u", PLACE_KINDS[pa_place_kind_of(op->arg)], (unsigned)op->step);
        break;
    case PA_OP_MISUSE:
        put(&b, " %s", pa_misuse_op_name(op->arg));
        if (pa_misuse_op_names_slot(pa_misuse_op_of(op->arg)))
            put(&b, " #%u", (unsigned)op->idx);
        else if (pa_misuse_op_of(op->arg) == PA_MISUSE_OP_BAD_CONFIG)
            put(&b, " %s", pa_bad_config_name(op->idx));
        break;
    case PA_OP_THREAD:
        put(&b, " %u%s", pa_thread_of(op->arg), pa_thread_exits(op->arg) ? " exit" : "");
        break;
    case PA_OP_CORRUPT:
        put(&b, " %s #%u", pa_corrupt_kind_name(op->arg), (unsigned)op->idx);
        if (pa_corrupt_kind_of(op->arg) == PA_CORRUPT_FREED_BYTE)
            put(&b, " %u", (unsigned)op->step);
        break;
    case PA_OP_REMAKE:
        if (pa_remake_debug(op->arg))
            put(&b, " debug %u", pa_remake_quarantine(op->arg));
        else
            put(&b, " plain");
        break;
    case PA_OP_DEFAULT_HEAP:
        put(&b, " %u ", (unsigned)op->arg);
        put_size(&b, op->size);
        break;
    case PA_OP_CACHE:
        put(&b, " %u %zu ", (unsigned)op->arg, pa_cache_count(op->step));
        put_size(&b, op->size);
        break;
    case PA_OP_HUGE: {
        unsigned call = pa_huge_call_of(op->arg), off = pa_huge_offset_bits(op->arg);
        put(&b, " %s", pa_huge_call_name(call));
        if (call == PA_HUGE_REALLOC)
            put(&b, " #%u", (unsigned)op->idx);
        if (call == PA_HUGE_ALIGN) {
            put(&b, " 2^%u", pa_huge_align_log2(op->arg));
            break;
        }
        put(&b, " %s", pa_huge_base_name(pa_huge_base_of(op->arg)));
        if (off)
            put(&b, "-%zu", (size_t)1 << (off - 1));
        break;
    }
    default:
        break;
    }
    if (cfg && (op->kind == PA_OP_MALLOC || op->kind == PA_OP_REALLOC ||
                op->kind == PA_OP_MEMALIGN || op->kind == PA_OP_ALLOC_MANY || op->kind == PA_OP_CACHE ||
                op->kind == PA_OP_CALLOC)) {
        size_t sz = pa_size_eval(op->size, cfg);
        if (op->kind == PA_OP_CALLOC && op->arg >= PA_CALLOC_OVERFLOW)
            put(&b, "  # %zu x %zu bytes (overflow or impossible)", pa_calloc_count(op->arg, sz), sz);
        else if (op->kind == PA_OP_CALLOC)
            put(&b, "  # %zu x %zu bytes", pa_calloc_count(op->arg, sz), sz);
        else if (op->size.mode == PA_SIZE_CLASS || op->size.mode == PA_SIZE_THRESHOLD)
            put(&b, "  # %zu bytes", sz);
    }
    return (int)b.len;
}

void pa_ops_print(FILE *out, const pa_op *ops, size_t nops, const pa_config *cfg, int numbered) {
    char line[256];
    for (size_t i = 0; i < nops; i++) {
        pa_op_format(line, sizeof line, &ops[i], cfg);
        if (numbered) {
            int pad = 36 - (int)strlen(line);
            fprintf(out, "%s%*s # op %zu\n", line, pad > 0 ? pad : 0, "", i);
        } else {
            fprintf(out, "%s\n", line);
        }
    }
}

/* ---- parsing -------------------------------------------------------- */

typedef struct lexer {
    const char *p;
    char *err;
    size_t err_len;
} lexer;

static int fail(lexer *lx, const char *fmt, ...) {
    if (lx->err && lx->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(lx->err, lx->err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void skip_space(lexer *lx) {
    while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
        lx->p++;
}

static int at_end(lexer *lx) {
    skip_space(lx);
    return *lx->p == '\0' || *lx->p == '#' || *lx->p == '\n';
}

/* A decimal number up to max. */
static int number(lexer *lx, unsigned long max, unsigned long *out, const char *what) {
    skip_space(lx);
    if (!isdigit((unsigned char)*lx->p))
        return fail(lx, "expected %s, found '%.12s'", what, lx->p);
    errno = 0;
    char *end;
    unsigned long v = strtoul(lx->p, &end, 10);
    if (errno || v > max)
        return fail(lx, "%s %.12s is out of range (0..%lu)", what, lx->p, max);
    lx->p = end;
    *out = v;
    return 0;
}

static int word(lexer *lx, const char *w) {
    skip_space(lx);
    size_t n = strlen(w);
    if (strncmp(lx->p, w, n) == 0 && !isalnum((unsigned char)lx->p[n]) && lx->p[n] != '_') {
        lx->p += n;
        return 1;
    }
    return 0;
}

/* The index of the word of table[0..n) that comes next, consumed; -1 if none. */
static int word_in(lexer *lx, const char *const *table, int n) {
    for (int k = 0; k < n; k++)
        if (word(lx, table[k]))
            return k;
    return -1;
}

/* misuse bad_config's rule, by name, into the index operand. */
static int parse_bad_config(lexer *lx, pa_op *op) {
    for (unsigned r = 0; r < PA_BAD_CONFIG_RULES; r++)
        if (word(lx, pa_bad_config_name(r))) {
            op->idx = (uint16_t)r;
            return 0;
        }
    return fail(lx, "expected a bad_config rule (alignment, threshold_low, ..., large_zeroed), found '%.12s'", lx->p);
}

static int parse_idx(lexer *lx, pa_op *op) {
    skip_space(lx);
    if (*lx->p != '#')
        return fail(lx, "expected a live-set index #N, found '%.12s'", lx->p);
    lx->p++;
    unsigned long v;
    if (number(lx, 65535, &v, "index"))
        return -1;
    op->idx = (uint16_t)v;
    return 0;
}

static int parse_size(lexer *lx, pa_size_spec *s) {
    skip_space(lx);
    unsigned long v;
    if (*lx->p == 'c' && isdigit((unsigned char)lx->p[1])) {
        lx->p++;
        if (number(lx, 4095, &v, "class"))
            return -1;
        unsigned d = 1;
        if (lx->p[0] == '+' && lx->p[1] == '1' && !isdigit((unsigned char)lx->p[2])) {
            d = 2;
            lx->p += 2;
        } else if (lx->p[0] == '-' && lx->p[1] == '1' && !isdigit((unsigned char)lx->p[2])) {
            d = 0;
            lx->p += 2;
        } else if (lx->p[0] == '+' || lx->p[0] == '-') {
            return fail(lx, "a class size takes only +1 or -1, found '%.12s'", lx->p);
        }
        s->mode = PA_SIZE_CLASS;
        s->x = (uint16_t)((v << 2) | d);
        return 0;
    }
    if (*lx->p == 't' && !isalnum((unsigned char)lx->p[1])) {
        lx->p++;
        long off = 0;
        if (*lx->p == '+' || *lx->p == '-') {
            int neg = *lx->p == '-';
            lx->p++;
            if (!isdigit((unsigned char)*lx->p))
                return fail(lx, "expected a number after t%c", neg ? '-' : '+');
            if (number(lx, 64, &v, "threshold offset"))
                return -1;
            off = neg ? -(long)v : (long)v;
        }
        s->mode = PA_SIZE_THRESHOLD;
        s->x = (uint16_t)(off + 64);
        return 0;
    }
    if (number(lx, 16383ul * 64, &v, "size"))
        return -1;
    if (v <= 0x3fff) {
        s->mode = PA_SIZE_LITERAL;
        s->x = (uint16_t)v;
    } else if (v % 64 == 0) {
        s->mode = PA_SIZE_LARGE;
        s->x = (uint16_t)(v / 64);
    } else {
        return fail(lx, "size %lu: above 16383 a literal size must be a multiple of 64", v);
    }
    return 0;
}

/* A count 1..256, kept as count - 1. */
static int parse_count(lexer *lx, const char *what, uint8_t *out) {
    unsigned long v;
    if (number(lx, 256, &v, what))
        return -1;
    if (v < 1)
        return fail(lx, "%s must be 1..256", what);
    *out = (uint8_t)(v - 1);
    return 0;
}

/* huge's operands: malloc|realloc #N|memalign BASE[-2^k], or align 2^K. */
static int parse_huge(lexer *lx, pa_op *op) {
    int call = word_in(lx, HUGE_CALLS, 4);
    if (call < 0)
        return fail(lx, "expected malloc, realloc, memalign or align, found '%.12s'", lx->p);
    unsigned long v;
    if (call == PA_HUGE_ALIGN) {
        skip_space(lx);
        if (strncmp(lx->p, "2^", 2) != 0)
            return fail(lx, "expected an alignment 2^K, found '%.12s'", lx->p);
        lx->p += 2;
        if (number(lx, 63, &v, "alignment exponent"))
            return -1;
        op->arg = (uint8_t)(call | (int)(v << 2));
        return 0;
    }
    if (call == PA_HUGE_REALLOC && parse_idx(lx, op))
        return -1;
    skip_space(lx);
    int base = -1;
    for (int k = 0; k < 4 && base < 0; k++) {
        size_t n = strlen(HUGE_BASES[k]);
        if (strncmp(lx->p, HUGE_BASES[k], n) == 0 && !isalnum((unsigned char)lx->p[n]) && lx->p[n] != '_' &&
            lx->p[n] != '+') {
            base = k;
            lx->p += n;
        }
    }
    if (base < 0)
        return fail(lx, "expected size_max, ptrdiff_max, ptrdiff_max+1 or 2^48, found '%.14s'", lx->p);
    unsigned off = 0;
    if (*lx->p == '-') {
        lx->p++;
        if (number(lx, 16384, &v, "offset"))
            return -1;
        if (!v || (v & (v - 1)))
            return fail(lx, "offset %lu: a power of two up to 16384", v);
        for (off = 1; (1ul << (off - 1)) != v; off++)
            ;
    }
    op->arg = (uint8_t)(call | base << 2 | (int)(off << 4));
    return 0;
}

int pa_op_parse(const char *line, pa_op *op, char *err, size_t err_len) {
    lexer lx = {line, err, err_len};
    memset(op, 0, sizeof *op);
    if (at_end(&lx))
        return 0;
    int kind = word_in(&lx, NAMES, PA_OP_KINDS);
    if (kind < 0)
        return fail(&lx, "unknown op '%.20s'", lx.p);
    op->kind = (uint8_t)kind;
    unsigned long v;
    switch ((pa_op_kind)kind) {
    case PA_OP_MALLOC:
        if (parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_CALLOC:
        if (word(&lx, "ovf")) {
            if (*lx.p != '+')
                return fail(&lx, "expected ovf+K");
            lx.p++;
            if (number(&lx, PA_CALLOC_OVERFLOW_STEP_MAX, &v, "overflow step"))
                return -1;
            op->arg = (uint8_t)(PA_CALLOC_OVERFLOW + v);
        } else {
            if (number(&lx, PA_CALLOC_COUNT_MAX, &v, "count"))
                return -1;
            op->arg = (uint8_t)v;
        }
        if (!word(&lx, "x"))
            return fail(&lx, "expected 'x' between calloc's count and size");
        if (parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_REALLOC:
        if (parse_idx(&lx, op) || parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_GROW:
    case PA_OP_SHRINK:
        if (parse_idx(&lx, op) || number(&lx, 256, &v, "delta"))
            return -1;
        if (v < 1)
            return fail(&lx, "delta must be 1..256");
        op->arg = (uint8_t)(v - 1);
        break;
    case PA_OP_FREE:
    case PA_OP_USABLE:
    case PA_OP_WRITE:
        if (parse_idx(&lx, op))
            return -1;
        break;
    case PA_OP_MEMALIGN:
        if (number(&lx, 32768, &v, "alignment"))
            return -1;
        if (v >= 16 && v <= 255 && (v & (v - 1)))
            op->arg = (uint8_t)v;
        else if (v && !(v & (v - 1))) {
            uint8_t lg = 0;
            while ((1ul << lg) != v)
                lg++;
            op->arg = lg;
        } else
            return fail(&lx, "alignment %lu: a power of two up to 32768, or 16..255", v);
        if (parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_ALLOC_MANY:
        if (parse_count(&lx, "alloc_many count", &op->arg) || parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_FREE_RANGE:
        if (parse_idx(&lx, op) || number(&lx, 256, &v, "count"))
            return -1;
        if (v < 1)
            return fail(&lx, "free_range count must be 1..256");
        op->arg = (uint8_t)(v - 1);
        if (word(&lx, "step")) {
            if (number(&lx, 8, &v, "step"))
                return -1;
            if (v < 1)
                return fail(&lx, "step must be 1..8");
            op->step = (uint8_t)(v - 1);
        }
        break;
    case PA_OP_FAULT: {
        int req = word_in(&lx, FAULT_REQUESTS, 4);
        if (req < 0)
            return fail(&lx, "expected map, unmap, decommit or recommit, found '%.12s'", lx.p);
        unsigned mode;
        if (word(&lx, "next"))
            mode = PA_FAULT_NTH;
        else if (word(&lx, "for"))
            mode = PA_FAULT_FOR_OPS;
        else
            return fail(&lx, "expected 'next K' or 'for N' after the request kind");
        unsigned long max = mode == PA_FAULT_NTH ? 8 : 16;
        if (number(&lx, max, &v, mode == PA_FAULT_NTH ? "request count" : "op count"))
            return -1;
        if (v < 1)
            return fail(&lx, "the count must be 1..%lu", max);
        op->arg = (uint8_t)(req | (int)(mode << 2));
        op->step = (uint8_t)(v - 1);
        break;
    }
    case PA_OP_PLACE: {
        int pk = word_in(&lx, PLACE_KINDS, PA_PLACE_OP_KINDS);
        if (pk < 0)
            return fail(&lx, "expected kernel, low, high, far, adjacent or reuse, found '%.12s'", lx.p);
        if (number(&lx, 255, &v, "start"))
            return -1;
        op->arg = (uint8_t)pk;
        op->step = (uint8_t)v;
        break;
    }
    case PA_OP_MISUSE: {
        int mk = word_in(&lx, MISUSE_OPS, PA_MISUSE_OP_KINDS);
        if (mk < 0)
            return fail(&lx, "expected double_free, interior, write_after, write_before, foreign, api_mismatch, "
                        "write_after_free, stale, plain or bad_config, found '%.12s'",
                        lx.p);
        op->arg = pa_misuse_op_byte((unsigned)mk);
        if (pa_misuse_op_names_slot((unsigned)mk) && parse_idx(&lx, op))
            return -1;
        if (mk == PA_MISUSE_OP_BAD_CONFIG && parse_bad_config(&lx, op))
            return -1;
        break;
    }
    case PA_OP_THREAD:
        if (number(&lx, PA_THREADS - 1, &v, "thread"))
            return -1;
        op->arg = (uint8_t)(v | (word(&lx, "exit") ? 4u : 0u));
        break;
    case PA_OP_CORRUPT: {
        int ck = word_in(&lx, CORRUPT_KINDS, PA_CORRUPT_KINDS);
        if (ck < 0)
            return fail(&lx, "expected link_misaligned, link_out, link_cycle, link_cut, header_size, freed_byte, "
                        "forged_live or forged_uncarved, found '%.12s'",
                        lx.p);
        op->arg = (uint8_t)ck;
        if (parse_idx(&lx, op))
            return -1;
        if (ck == PA_CORRUPT_FREED_BYTE) {
            if (number(&lx, 255, &v, "byte offset"))
                return -1;
            op->step = (uint8_t)v;
        }
        break;
    }
    case PA_OP_REMAKE:
        if (word(&lx, "plain")) {
            op->arg = 0;
        } else if (word(&lx, "debug")) {
            if (number(&lx, 7, &v, "quarantine length"))
                return -1;
            op->arg = (uint8_t)(1u | v << 1);
        } else {
            return fail(&lx, "expected 'plain' or 'debug Q', found '%.12s'", lx.p);
        }
        break;
    case PA_OP_HUGE:
        if (parse_huge(&lx, op))
            return -1;
        break;
    case PA_OP_DEFAULT_HEAP:
        if (number(&lx, 255, &v, "arg byte"))
            return -1;
        op->arg = (uint8_t)v;
        if (parse_size(&lx, &op->size))
            return -1;
        break;
    case PA_OP_CACHE:
        if (number(&lx, 255, &v, "capacity"))
            return -1;
        op->arg = (uint8_t)v;
        if (parse_count(&lx, "cache object count", &op->step) || parse_size(&lx, &op->size))
            return -1;
        break;
    default:
        break;
    }
    if (!at_end(&lx))
        return fail(&lx, "unexpected '%.20s' after %s", lx.p, NAMES[kind]);
    return 1;
}

/* The byte encoding of the op language (docs/OP_LANGUAGE.md, version 2). */
#include "ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bad_config.h"

/* Opcode byte b: the kind is KIND_OF[b & 31] (28, 29 and 31: fault, misuse
 * and thread where a target's features turn them on); codes 21 and 24 mean destroy and
 * free_all only when the top three bits are all set, else check and stats;
 * codes 20, 25, 17 and 18 with those bits set mean huge, stats_print, cache
 * and default_heap; 0xff is place where faults are on; 0xfe is remake
 * where faults are on, corrupt where misuses are. */
static const uint8_t KIND_OF[32] = {
    PA_OP_MALLOC, PA_OP_MALLOC, PA_OP_MALLOC, PA_OP_MALLOC,     /* 0-3 */
    PA_OP_CALLOC, PA_OP_CALLOC,                                 /* 4-5 */
    PA_OP_REALLOC, PA_OP_REALLOC, PA_OP_REALLOC,                /* 6-8 */
    PA_OP_GROW, PA_OP_SHRINK,                                   /* 9-10 */
    PA_OP_FREE, PA_OP_FREE, PA_OP_FREE, PA_OP_FREE,             /* 11-14 */
    PA_OP_MEMALIGN, PA_OP_MEMALIGN,                             /* 15-16 */
    PA_OP_USABLE, PA_OP_WRITE, PA_OP_WRITE,                     /* 17-19 */
    PA_OP_CHECK, PA_OP_DESTROY,                                 /* 20-21 */
    PA_OP_ALLOC_MANY, PA_OP_FREE_RANGE,                         /* 22-23 */
    PA_OP_FREE_ALL, PA_OP_STATS,                                /* 24-25 */
    PA_OP_MALLOC, PA_OP_FREE,                                   /* 26-27 */
    PA_OP_NOP, PA_OP_NOP, PA_OP_NOP, PA_OP_NOP,                 /* 28-31: reserved */
};

static const uint8_t CANONICAL_CODE[PA_OP_KINDS] = {
#define PA_OP_CODE(kind, name, code, size, idx, arg, step) [PA_OP_##kind] = code,
    PA_OP_LIST(PA_OP_CODE)
#undef PA_OP_CODE
};

/* The operand bytes after each op's opcode, as bits. */
enum { HAS_SIZE = 1, HAS_IDX = 2, HAS_ARG = 4, HAS_STEP = 8 };
static const uint8_t OPERANDS[PA_OP_KINDS] = {
#define PA_OP_OPERANDS(kind, name, code, size, idx, arg, step) \
    [PA_OP_##kind] = (size ? HAS_SIZE : 0) | (idx ? HAS_IDX : 0) | (arg ? HAS_ARG : 0) | (step ? HAS_STEP : 0),
    PA_OP_LIST(PA_OP_OPERANDS)
#undef PA_OP_OPERANDS
};

static pa_op_kind kind_of(uint8_t b, unsigned features) {
    if (b == 0xff && (features & PA_OPS_FAULTS))
        return PA_OP_PLACE;
    if (b == 0xfe && (features & PA_OPS_FAULTS))
        return PA_OP_REMAKE;
    if (b == 0xfe && (features & PA_OPS_MISUSES))
        return PA_OP_CORRUPT;
    if ((b & 31) == 28 && (features & PA_OPS_FAULTS))
        return PA_OP_FAULT;
    if ((b & 31) == 29 && (features & PA_OPS_MISUSES))
        return PA_OP_MISUSE;
    if ((b & 31) == 31 && (features & PA_OPS_THREADS))
        return PA_OP_THREAD;
    pa_op_kind k = KIND_OF[b & 31];
    if (k == PA_OP_DESTROY && (b >> 5) != 7)
        return PA_OP_CHECK;
    if (k == PA_OP_FREE_ALL && (b >> 5) != 7)
        return PA_OP_STATS;
    if ((b >> 5) == 7 && k == PA_OP_CHECK)
        return PA_OP_HUGE;
    if ((b >> 5) == 7 && k == PA_OP_STATS)
        return PA_OP_STATS_PRINT;
    if ((b >> 5) == 7 && k == PA_OP_USABLE)
        return PA_OP_CACHE;
    if (b == 0xf2)
        return PA_OP_DEFAULT_HEAP;
    return k;
}

/* ---- operand semantics ---------------------------------------------- */

size_t pa_size_eval(pa_size_spec s, const pa_config *cfg) {
    size_t thr = cfg->small_threshold;
    switch (s.mode) {
    case PA_SIZE_CLASS: {
        size_t base = pa_config_class_size(cfg, (size_t)(s.x >> 2) % pa_config_class_count(cfg));
        switch (s.x & 3) {
        case 0: return base - 1;
        case 2: return base + 1;
        default: return base;
        }
    }
    case PA_SIZE_THRESHOLD: {
        long off = (long)(s.x % 129) - 64;
        return off < 0 && (size_t)-off > thr ? 0 : (size_t)((long)thr + off);
    }
    case PA_SIZE_LITERAL:
        return s.x;
    default:
        return (size_t)s.x * 64;
    }
}

size_t pa_calloc_count(uint8_t arg, size_t elem) {
    if (arg < PA_CALLOC_OVERFLOW)
        return arg & PA_CALLOC_COUNT_MAX;
    size_t k = (size_t)(arg - PA_CALLOC_OVERFLOW);
    if (elem >= 2)
        return SIZE_MAX / elem + 1 + k; /* the product overflows */
    return SIZE_MAX - k;                /* too large to exist */
}

size_t pa_memalign_alignment(uint8_t arg) { return arg < 16 ? (size_t)1 << arg : arg; }

size_t pa_huge_size(uint8_t arg) {
    static const size_t BASE[4] = {
        [PA_HUGE_SIZE_MAX] = SIZE_MAX,
        [PA_HUGE_PTRDIFF_MAX] = PTRDIFF_MAX,
        [PA_HUGE_PTRDIFF_OVER] = (size_t)PTRDIFF_MAX + 1,
        [PA_HUGE_2_48] = (size_t)1 << 48,
    };
    unsigned b = pa_huge_offset_bits(arg);
    return BASE[pa_huge_base_of(arg)] - (b ? (size_t)1 << (b - 1) : 0);
}

size_t pa_grow_size(size_t old, uint8_t arg) { return old + arg + 1; }

size_t pa_shrink_size(size_t old, uint8_t arg) {
    return old > (size_t)arg + 1 ? old - arg - 1 : 0;
}

/* ---- canonical form ------------------------------------------------- */

static pa_size_spec canonical_size(pa_size_spec s) {
    s.x &= 0x3fff;
    s.mode &= 3;
    if (s.mode == PA_SIZE_CLASS && (s.x & 3) == 3)
        s.x = (uint16_t)((s.x & ~3u) | 1);
    else if (s.mode == PA_SIZE_THRESHOLD)
        s.x = (uint16_t)(s.x % 129);
    else if (s.mode == PA_SIZE_LARGE && (size_t)s.x * 64 <= 0x3fff) {
        s.mode = PA_SIZE_LITERAL;
        s.x = (uint16_t)(s.x * 64);
    }
    return s;
}

static int has(pa_op_kind k, unsigned operand) { return (unsigned)k < PA_OP_KINDS && (OPERANDS[k] & operand); }
static int has_size(pa_op_kind k) { return has(k, HAS_SIZE); }
static int has_idx(pa_op_kind k) { return has(k, HAS_IDX); }
static int has_arg(pa_op_kind k) { return has(k, HAS_ARG); }
/* A step byte after the arg byte. */
static int has_step(pa_op_kind k) { return has(k, HAS_STEP); }

/* Clear the fields an op does not use and put the used ones in canonical
 * form, so equal ops compare equal field by field. */
static void canonicalize(pa_op *op) {
    pa_op_kind k = op->kind;
    if (!has_size(k))
        memset(&op->size, 0, sizeof op->size);
    else
        op->size = canonical_size(op->size);
    if (!has_idx(k))
        op->idx = 0;
    if (!has_arg(k))
        op->arg = 0;
    if (k == PA_OP_FREE_RANGE)
        op->step &= 7;
    else if (k == PA_OP_CORRUPT && pa_corrupt_kind_of(op->arg) != PA_CORRUPT_FREED_BYTE)
        op->step = 0; /* only freed_byte has an offset */
    else if (k == PA_OP_FAULT)
        op->step = (uint8_t)(pa_fault_count(op->arg, op->step) - 1);
    else if (k != PA_OP_CACHE && k != PA_OP_PLACE && k != PA_OP_CORRUPT) /* their step byte: every byte */
        op->step = 0;
    if (k == PA_OP_PLACE)
        op->arg = (uint8_t)pa_place_kind_of(op->arg);
    if (k == PA_OP_FAULT || k == PA_OP_THREAD)
        op->arg &= 7;
    if (k == PA_OP_CORRUPT)
        op->arg = (uint8_t)pa_corrupt_kind_of(op->arg);
    if (k == PA_OP_REMAKE)
        op->arg = pa_remake_debug(op->arg) ? (uint8_t)(op->arg & 15) : 0;
    if (k == PA_OP_MISUSE)
        op->arg = pa_misuse_op_byte(pa_misuse_op_of(op->arg));
    if (k == PA_OP_MISUSE && pa_misuse_op_of(op->arg) == PA_MISUSE_OP_BAD_CONFIG)
        op->idx %= PA_BAD_CONFIG_RULES; /* names the rule */
    else if (k == PA_OP_MISUSE && !pa_misuse_op_names_slot(pa_misuse_op_of(op->arg)))
        op->idx = 0; /* names no block */
    if (k == PA_OP_HUGE && pa_huge_call_of(op->arg) != PA_HUGE_REALLOC)
        op->idx = 0; /* names no block */
    if (k == PA_OP_CALLOC && op->arg < PA_CALLOC_OVERFLOW)
        op->arg &= PA_CALLOC_COUNT_MAX;
    if (k == PA_OP_MEMALIGN && op->arg >= 16 && !(op->arg & (op->arg - 1))) {
        uint8_t lg = 0;
        while ((1u << lg) != op->arg)
            lg++;
        op->arg = lg;
    }
}

/* ---- decode / encode ------------------------------------------------ */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static uint8_t get8(reader *r) {
    if (!r->left)
        return 0;
    r->left--;
    return *r->p++;
}

size_t pa_ops_decode(const uint8_t *data, size_t len, pa_op **out) {
    return pa_ops_decode_features(data, len, out, 0);
}

size_t pa_ops_decode_features(const uint8_t *data, size_t len, pa_op **out, unsigned features) {
    reader r = {data, len};
    size_t n = 0, cap = 0;
    pa_op *ops = NULL;
    while (r.left && n < PA_OPS_MAX) {
        pa_op op;
        memset(&op, 0, sizeof op);
        op.kind = (uint8_t)kind_of(get8(&r), features);
        if (has_idx(op.kind)) {
            uint16_t lo = get8(&r);
            op.idx = (uint16_t)(lo | (get8(&r) << 8));
        }
        if (has_arg(op.kind))
            op.arg = get8(&r);
        if (has_step(op.kind))
            op.step = get8(&r);
        if (has_size(op.kind)) {
            uint8_t k = get8(&r), v = get8(&r);
            op.size.mode = k >> 6;
            op.size.x = (uint16_t)(((k & 0x3f) << 8) | v);
        }
        canonicalize(&op);
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            pa_op *grown = realloc(ops, ncap * sizeof *ops);
            if (!grown)
                break; /* keep what fits: the input is still meaningful */
            ops = grown;
            cap = ncap;
        }
        ops[n++] = op;
    }
    *out = ops;
    return n;
}

int pa_ops_encode(const pa_op *ops, size_t nops, uint8_t **buf, size_t *len) {
    size_t cap = *len + nops * 8 + 8;
    uint8_t *b = realloc(*buf, cap);
    if (!b)
        return -1;
    size_t n = *len;
    for (size_t i = 0; i < nops; i++) {
        pa_op op = ops[i];
        canonicalize(&op);
        b[n++] = CANONICAL_CODE[op.kind < PA_OP_KINDS ? op.kind : PA_OP_NOP];
        if (has_idx(op.kind)) {
            b[n++] = (uint8_t)(op.idx & 0xff);
            b[n++] = (uint8_t)(op.idx >> 8);
        }
        if (has_arg(op.kind))
            b[n++] = op.arg;
        if (has_step(op.kind))
            b[n++] = op.step;
        if (has_size(op.kind)) {
            b[n++] = (uint8_t)((op.size.mode << 6) | (op.size.x >> 8));
            b[n++] = (uint8_t)(op.size.x & 0xff);
        }
    }
    *buf = b;
    *len = n;
    return 0;
}

/* ---- the live set --------------------------------------------------- */

void pa_op_effect_of(const pa_op *op, size_t nlive, pa_op_effect *e) {
    e->slot = SIZE_MAX;
    e->nremove = 0;
    e->nadd = 0;
    e->clear = 0;
    size_t room = PA_LIVE_MAX - nlive;
    switch ((pa_op_kind)op->kind) {
    case PA_OP_MALLOC:
    case PA_OP_CALLOC:
    case PA_OP_MEMALIGN:
        e->nadd = room ? 1 : 0;
        break;
    case PA_OP_ALLOC_MANY: {
        size_t want = pa_many_count(op->arg);
        e->nadd = want < room ? want : room;
        break;
    }
    case PA_OP_REALLOC:
        if (nlive)
            e->slot = op->idx % nlive;
        else
            e->nadd = room ? 1 : 0;
        break;
    case PA_OP_GROW:
    case PA_OP_SHRINK:
    case PA_OP_USABLE:
    case PA_OP_WRITE:
        if (nlive)
            e->slot = op->idx % nlive;
        break;
    case PA_OP_FREE:
        if (nlive) {
            e->slot = op->idx % nlive;
            e->remove[e->nremove++] = e->slot;
        }
        break;
    case PA_OP_FREE_RANGE:
        if (nlive) {
            size_t start = op->idx % nlive, step = pa_range_step(op->step);
            size_t count = pa_many_count(op->arg);
            e->slot = start;
            for (size_t j = 0; j < count && start + j * step < nlive; j++)
                e->remove[e->nremove++] = start + j * step;
        }
        break;
    case PA_OP_FREE_ALL:
    case PA_OP_DESTROY:
        e->clear = 1;
        break;
    case PA_OP_HUGE:
        /* only align can succeed, into a new slot; realloc names one */
        if (pa_huge_call_of(op->arg) == PA_HUGE_ALIGN)
            e->nadd = room ? 1 : 0;
        else if (pa_huge_call_of(op->arg) == PA_HUGE_REALLOC && nlive)
            e->slot = op->idx % nlive;
        break;
    case PA_OP_MISUSE:
    {
        /* double free, the guard writes, a write after free and a stale
         * use end with the block freed; an interior or cross-API free is
         * refused and keeps it; foreign, plain and bad_config name none */
        unsigned mk = pa_misuse_op_of(op->arg);
        if (nlive && pa_misuse_op_names_slot(mk)) {
            e->slot = op->idx % nlive;
            if (mk != PA_MISUSE_OP_INTERIOR && mk != PA_MISUSE_OP_API_MISMATCH)
                e->remove[e->nremove++] = e->slot;
        }
        break;
    }
    case PA_OP_CORRUPT:
        /* freed_byte frees the block into the quarantine; the others
         * restore what they broke and keep it */
        if (nlive) {
            e->slot = op->idx % nlive;
            if (pa_corrupt_kind_of(op->arg) == PA_CORRUPT_FREED_BYTE)
                e->remove[e->nremove++] = e->slot;
        }
        break;
    case PA_OP_REMAKE:
        e->clear = 1;
        break;
    default:
        break;
    }
}

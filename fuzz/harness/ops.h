/* The op language, version 2 (docs/OP_LANGUAGE.md): operations on a heap,
 * decoded from any byte stream, printed as one line of text each, and parsed
 * back from that text. */
#ifndef PA_FUZZ_OPS_H
#define PA_FUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "poolalloc/config.h"

#define PA_OPS_VERSION 2
/* Slots the live set holds at most; allocations past it are skipped. */
#define PA_LIVE_MAX 4096
/* Ops decoded from one input at most; the rest of the input is ignored. */
#define PA_OPS_MAX 100000

/* The ops, one row each: kind, name (its text form, and its handler in the
 * executor, run_<name>), canonical opcode byte, and the operand bytes after
 * the opcode (a size, a live-set index, an arg byte, a step byte after the
 * arg). Expanded into the kind enum, the text names, the canonical opcodes,
 * the operand shapes and the executor's handlers, so they cannot disagree.
 * The decoding table of all 32 opcodes is op_codec.c's. fault, misuse and
 * thread are version 2's (opcodes 28, 29 and 31 where a target turns them on),
 * and so is place (the byte 0xff alone, where faults are on); the byte
 * 0xfe alone is corrupt where misuses are on, remake where faults are on;
 * stats_print, huge, cache and default_heap take codes 25, 20, 17 and 18
 * with the top three bits set, as free_all and destroy do codes 24 and 21. */
#define PA_OP_LIST(X)                                      \
    /*kind        name        code  size idx arg step */   \
    X(MALLOC,     malloc,     0x00, 1, 0, 0, 0) \
    X(CALLOC,     calloc,     0x04, 1, 0, 1, 0) \
    X(REALLOC,    realloc,    0x06, 1, 1, 0, 0) \
    X(GROW,       grow,       0x09, 0, 1, 1, 0) \
    X(SHRINK,     shrink,     0x0a, 0, 1, 1, 0) \
    X(FREE,       free,       0x0b, 0, 1, 0, 0) \
    X(MEMALIGN,   memalign,   0x0f, 1, 0, 1, 0) \
    X(USABLE,     usable,     0x11, 0, 1, 0, 0) \
    X(WRITE,      write,      0x12, 0, 1, 0, 0) \
    X(CHECK,      check,      0x14, 0, 0, 0, 0) \
    X(DESTROY,    destroy,    0xf5, 0, 0, 0, 0) \
    X(ALLOC_MANY, alloc_many, 0x16, 1, 0, 1, 0) \
    X(FREE_RANGE, free_range, 0x17, 0, 1, 1, 1) \
    X(FREE_ALL,   free_all,   0xf8, 0, 0, 0, 0) \
    X(STATS,      stats,      0x19, 0, 0, 0, 0) \
    X(STATS_PRINT, stats_print, 0xf9, 0, 0, 0, 0) \
    X(HUGE,       huge,       0xf4, 0, 1, 1, 0) \
    X(CACHE,      cache,      0xf1, 1, 0, 1, 1) \
    X(DEFAULT_HEAP, default_heap, 0xf2, 1, 0, 1, 0) \
    X(NOP,        nop,        0x1e, 0, 0, 0, 0) \
    X(FAULT,      fault,      0x1c, 0, 0, 1, 1) \
    X(MISUSE,     misuse,     0x1d, 0, 1, 1, 0) \
    X(THREAD,     thread,     0x1f, 0, 0, 1, 0) \
    X(PLACE,      place,      0xff, 0, 0, 1, 1) \
    X(CORRUPT,    corrupt,    0xfe, 0, 1, 1, 1) \
    X(REMAKE,     remake,     0xfe, 0, 0, 1, 0)

typedef enum pa_op_kind {
#define PA_OP_ENUM(kind, name, code, size, idx, arg, step) PA_OP_##kind,
    PA_OP_LIST(PA_OP_ENUM)
#undef PA_OP_ENUM
    PA_OP_KINDS
} pa_op_kind;

/* How a size operand is drawn: two bytes, mode in the top two bits, a 14-bit
 * value x below. */
typedef enum pa_size_mode {
    PA_SIZE_CLASS = 0,  /* class x>>2 (mod the class count), -1 / 0 / +1 */
    PA_SIZE_THRESHOLD,  /* threshold + (x % 129) - 64 */
    PA_SIZE_LITERAL,    /* x bytes */
    PA_SIZE_LARGE,      /* x * 64 bytes */
} pa_size_mode;

typedef struct pa_size_spec {
    uint8_t mode;
    uint16_t x; /* 0..16383 */
} pa_size_spec;

/* Which of the version-2 ops a target decodes; without them opcodes 28..31
 * are nop, as in version 1. */
enum { PA_OPS_FAULTS = 1, PA_OPS_MISUSES = 2, PA_OPS_THREADS = 4 };

/* fault: arg bits 0-1 the OS request kind (pa_os_request), bit 2 the mode. */
enum { PA_FAULT_NTH = 0, PA_FAULT_FOR_OPS = 1 };
static inline unsigned pa_fault_request(uint8_t arg) { return arg & 3u; }
static inline unsigned pa_fault_mode(uint8_t arg) { return (arg >> 2) & 1u; }
/* nth: the K-th next request of the kind fails (K 1..8); for: every request
 * of the kind fails during this op and the next N-1 (N 1..16). */
static inline unsigned pa_fault_count(uint8_t arg, uint8_t step) {
    return pa_fault_mode(arg) == PA_FAULT_NTH ? (step & 7u) + 1 : (step & 15u) + 1;
}

/* thread: the logical threads one OS thread plays in turn (the interleave
 * target); arg bits 0-1 the thread that runs the ops from here on, bit 2 set:
 * that thread exits at once (its heap goes to the orphan list, and its next
 * allocating call is a new thread's first, which adopts an orphan). */
#define PA_THREADS 4
static inline unsigned pa_thread_of(uint8_t arg) { return arg & (PA_THREADS - 1); }
static inline int pa_thread_exits(uint8_t arg) { return (arg >> 2) & 1; }

/* place: where the OS layer maps from now on, the kind arg mod
 * PA_PLACE_OP_KINDS (pa_testing/os_placer.h's pa_place_kind, kernel, low,
 * high, far, adjacent, reuse), the step byte where low, high and far start. */
#define PA_PLACE_OP_KINDS 6
static inline unsigned pa_place_kind_of(uint8_t arg) { return arg % PA_PLACE_OP_KINDS; }

/* corrupt: the harness breaks one structure of the heap on purpose (arg mod
 * PA_CORRUPT_KINDS), requires the named detection, then restores the bytes
 * it saved. The step byte is freed_byte's offset (mod the block's size). */
typedef enum pa_corrupt_kind {
    PA_CORRUPT_LINK_MISALIGNED = 0, /* a free block's link to the middle of a block */
    PA_CORRUPT_LINK_OUT,            /* ... to the pool's first never-carved byte */
    PA_CORRUPT_LINK_CYCLE,          /* ... to the block itself */
    PA_CORRUPT_LINK_CUT,            /* ... to NULL, the rest of the list lost */
    PA_CORRUPT_HEADER_SIZE,         /* a live block's debug header: one byte more than its block holds */
    PA_CORRUPT_FREED_BYTE,          /* a quarantined block's byte set to 0 */
    PA_CORRUPT_FORGED_LIVE,         /* a live header copied into the block's data, before a pointer freed */
    PA_CORRUPT_FORGED_UNCARVED,     /* a freed header written past the pool's carved blocks, before a pointer freed */
    PA_CORRUPT_KINDS
} pa_corrupt_kind;
static inline unsigned pa_corrupt_kind_of(uint8_t arg) { return arg % PA_CORRUPT_KINDS; }

/* remake: the heap destroyed and made again (under the map faults armed,
 * as destroy does) with the debug layer on (arg bit 0) and a quarantine of
 * (arg >> 1) & 7 blocks, or off. */
static inline int pa_remake_debug(uint8_t arg) { return arg & 1; }
static inline unsigned pa_remake_quarantine(uint8_t arg) { return (arg >> 1) & 7u; }

/* misuse: the kind byte (arg), see pa_misuse_op_of. */
typedef enum pa_misuse_op {
    PA_MISUSE_OP_DOUBLE_FREE = 0, /* free the slot's block, then free it again */
    PA_MISUSE_OP_INTERIOR,        /* free a pointer one byte into the block */
    PA_MISUSE_OP_WRITE_AFTER,     /* damage the byte after the data, free, repair, free */
    PA_MISUSE_OP_WRITE_BEFORE,    /* damage the byte before the data, free, repair, free */
    PA_MISUSE_OP_FOREIGN,         /* free another heap's block */
    PA_MISUSE_OP_API_MISMATCH,    /* free across the malloc / object-cache APIs, both ways */
    PA_MISUSE_OP_WRITE_AFTER_FREE, /* free, write into the quarantined block, push it out of the quarantine */
    PA_MISUSE_OP_STALE,           /* free, then use the freed block; wild pointers near it and near NULL */
    PA_MISUSE_OP_PLAIN,           /* dead and foreign pointers given to the second, plain heap */
    PA_MISUSE_OP_BAD_CONFIG,      /* a heap asked for with one field of the configuration broken */
    PA_MISUSE_OP_KINDS
} pa_misuse_op;

/* The kinds after the first five took every byte mod 5 have a byte alone
 * each, one no committed misuse input used as a kind byte: api_mismatch
 * 0xff, write_after_free 0xfe, stale 0xfd, plain 0xfb, bad_config 0xfa
 * (0xfc: a regression input holds it). Every other byte still names kind
 * b mod 5; the canonical byte of a kind is its number, or its byte alone. */
static const uint8_t PA_MISUSE_LATER_BYTES[PA_MISUSE_OP_KINDS - PA_MISUSE_OP_API_MISMATCH] = {0xff, 0xfe, 0xfd, 0xfb,
                                                                                              0xfa};
static inline unsigned pa_misuse_op_of(uint8_t arg) {
    for (unsigned k = PA_MISUSE_OP_API_MISMATCH; k < PA_MISUSE_OP_KINDS; k++)
        if (arg == PA_MISUSE_LATER_BYTES[k - PA_MISUSE_OP_API_MISMATCH])
            return k;
    return arg % PA_MISUSE_OP_API_MISMATCH;
}
static inline uint8_t pa_misuse_op_byte(unsigned kind) {
    if (kind >= PA_MISUSE_OP_API_MISMATCH)
        return PA_MISUSE_LATER_BYTES[kind - PA_MISUSE_OP_API_MISMATCH];
    return (uint8_t)kind;
}
/* Whether a misuse kind names a slot with its index operand (foreign and
 * plain use the second heap; bad_config's index chooses the broken field). */
static inline int pa_misuse_op_names_slot(unsigned kind) {
    return kind != PA_MISUSE_OP_FOREIGN && kind != PA_MISUSE_OP_PLAIN && kind != PA_MISUSE_OP_BAD_CONFIG;
}

/* huge: arg bits 0-1 the call, the rest its operand. malloc, realloc and
 * memalign ask for a size no heap can give: a base (bits 2-3) less an offset
 * (bits 4-7: 0, or 2^(b-1)), near where rounding a size up wraps. align asks
 * for 1 byte at alignment 2^(bits 2-7), up to and past the arena size. */
typedef enum pa_huge_call { PA_HUGE_MALLOC = 0, PA_HUGE_REALLOC, PA_HUGE_MEMALIGN, PA_HUGE_ALIGN } pa_huge_call;
typedef enum pa_huge_base { PA_HUGE_SIZE_MAX = 0, PA_HUGE_PTRDIFF_MAX, PA_HUGE_PTRDIFF_OVER, PA_HUGE_2_48 } pa_huge_base;
/* The alignment huge memalign asks for: a page, so a size rounds up twice. */
#define PA_HUGE_MEMALIGN_ALIGNMENT 4096u
static inline unsigned pa_huge_call_of(uint8_t arg) { return arg & 3u; }
static inline unsigned pa_huge_base_of(uint8_t arg) { return (arg >> 2) & 3u; }
static inline unsigned pa_huge_offset_bits(uint8_t arg) { return arg >> 4; }
static inline unsigned pa_huge_align_log2(uint8_t arg) { return arg >> 2; }
/* The size a huge malloc, realloc or memalign asks for. */
size_t pa_huge_size(uint8_t arg);

/* cache: an object cache of capacity arg (0..255) and objects of the size
 * operand; step + 1 objects (1..256) taken, given back, taken and given
 * back again, then a trim and a destroy. */
static inline size_t pa_cache_count(uint8_t step) { return (size_t)step + 1; }

/* default_heap: arg bits 0-2 a calloc count, bits 4-7 an alignment's log2;
 * the realloc grows by arg + 1. */

typedef struct pa_op {
    uint8_t kind;      /* pa_op_kind */
    uint8_t arg;       /* calloc count byte, memalign alignment byte, grow and
                          shrink delta byte, alloc_many and free_range count byte,
                          fault kind and mode, misuse kind, huge call, thread,
                          cache capacity */
    uint8_t step;      /* free_range step byte, fault count byte, cache objects */
    uint16_t idx;      /* live-set index (taken modulo the live count) */
    pa_size_spec size;
} pa_op;

/* ---- sizes ---------------------------------------------------------- */
/* The size in bytes a spec names under cfg. */
size_t pa_size_eval(pa_size_spec s, const pa_config *cfg);
/* calloc's count byte: below PA_CALLOC_OVERFLOW, a count (its low bits,
 * at most PA_CALLOC_COUNT_MAX); from it up, step arg - PA_CALLOC_OVERFLOW
 * of counts whose product overflows or is too large to exist. */
#define PA_CALLOC_OVERFLOW 0xc0
#define PA_CALLOC_COUNT_MAX 0x3f
#define PA_CALLOC_OVERFLOW_STEP_MAX (0xff - PA_CALLOC_OVERFLOW)
/* calloc's element count for a count byte and an element size in bytes. */
size_t pa_calloc_count(uint8_t arg, size_t elem_size);
/* memalign's alignment for an alignment byte. */
size_t pa_memalign_alignment(uint8_t arg);
/* grow/shrink: the new size for an old one. */
size_t pa_grow_size(size_t old, uint8_t arg);
size_t pa_shrink_size(size_t old, uint8_t arg);
/* alloc_many / free_range counts and free_range's step. */
static inline size_t pa_many_count(uint8_t arg) { return (size_t)arg + 1; }
static inline size_t pa_range_step(uint8_t step) { return (size_t)(step & 7) + 1; }

/* ---- bytes ---------------------------------------------------------- */
/* Decode every op in data (never fails; missing operand bytes read as 0).
 * Returns the number of ops, *ops malloc'd (NULL when 0 ops). */
size_t pa_ops_decode(const uint8_t *data, size_t len, pa_op **ops);
/* The same with version-2 ops switched on (PA_OPS_FAULTS | PA_OPS_MISUSES);
 * features 0 is pa_ops_decode. */
size_t pa_ops_decode_features(const uint8_t *data, size_t len, pa_op **ops, unsigned features);
/* Canonical bytes of ops appended to a growing buffer: 0, or -1 (ENOMEM). */
int pa_ops_encode(const pa_op *ops, size_t nops, uint8_t **buf, size_t *len);

/* ---- text ----------------------------------------------------------- */
const char *pa_op_name(pa_op_kind kind);
const char *pa_fault_request_name(unsigned request);
/* The name of the misuse kind a kind byte names. */
const char *pa_misuse_op_name(uint8_t arg);
/* corrupt's kind, by its arg byte. */
const char *pa_corrupt_kind_name(uint8_t arg);
const char *pa_huge_call_name(unsigned call);
const char *pa_huge_base_name(unsigned base);
/* One op as a line without newline; cfg (may be NULL) adds a comment with
 * the concrete sizes. Returns the length snprintf would. */
int pa_op_format(char *out, size_t out_len, const pa_op *op, const pa_config *cfg);
/* Parse one line. 1: an op; 0: blank or comment; -1: error in err. */
int pa_op_parse(const char *line, pa_op *op, char *err, size_t err_len);
/* Print a whole op list, one numbered comment per op when numbered. */
void pa_ops_print(FILE *out, const pa_op *ops, size_t nops, const pa_config *cfg, int numbered);

/* ---- the live set, syntactically ----------------------------------- */
/* What an op does to the live set. It depends only on the op and the number
 * of slots, never on what the allocator returns, so tools can renumber ops
 * without running them. */
typedef struct pa_op_effect {
    size_t slot;          /* the slot an index op names; SIZE_MAX: none */
    size_t nremove;       /* slots removed (ascending, before nadd) */
    size_t remove[256];
    size_t nadd;          /* slots appended at the end */
    int clear;            /* every slot goes */
} pa_op_effect;

void pa_op_effect_of(const pa_op *op, size_t nlive, pa_op_effect *e);

#endif

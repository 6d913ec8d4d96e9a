/* Position-dependent content patterns. */
#include "pattern.h"

#include <string.h>

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A block's pattern is a run of 64-bit words stored little-endian, word j
 * (at offset 8 * j) being base + j * step, both drawn from the seed (seed
 * 0: all zero, for calloc). step is odd, so no two words of a block are
 * alike: a word moved, lost or copied from another block shows as surely as
 * with a hash per word, and filling or comparing costs a few instructions
 * per word instead of a hash. */
typedef struct words {
    uint64_t base, step;
} words;

static words words_of(uint64_t seed) {
    words w = {0, 0};
    if (seed) {
        w.base = mix(seed);
        w.step = mix(seed ^ 0xd6e8feb86659fd93ull) | 1;
    }
    return w;
}

static uint64_t word_at(const words *w, size_t off) { return w->base + (uint64_t)(off >> 3) * w->step; }

static uint8_t byte_at(const words *w, size_t off) { return (uint8_t)(word_at(w, off) >> ((off & 7) * 8)); }

static uint64_t load_le(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static void store_le(unsigned char *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* Calls fn on each patterned region [lo, hi) of a req-byte block. */
typedef int (*region_fn)(void *ctx, size_t lo, size_t hi);

static int each_region(size_t req, region_fn fn, void *ctx) {
    if (req <= PA_PATTERN_FULL)
        return fn(ctx, 0, req);
    if (fn(ctx, 0, PA_PATTERN_EDGE))
        return -1;
    for (size_t off = PA_PATTERN_EDGE; off + 64 <= req - PA_PATTERN_EDGE; off += PA_PATTERN_STRIDE)
        if (fn(ctx, off, off + 64))
            return -1;
    return fn(ctx, req - PA_PATTERN_EDGE, req);
}

typedef struct job {
    unsigned char *p;
    size_t limit;
    words w;
    pa_pattern_mismatch *m;
} job;

static int fill_region(void *ctx, size_t lo, size_t hi) {
    job *j = ctx;
    size_t off = lo;
    for (; off < hi && (off & 7); off++)
        j->p[off] = byte_at(&j->w, off);
    uint64_t v = word_at(&j->w, off), step = j->w.step;
    for (; off + 32 <= hi; off += 32, v += 4 * step) {
        store_le(j->p + off, v);
        store_le(j->p + off + 8, v + step);
        store_le(j->p + off + 16, v + 2 * step);
        store_le(j->p + off + 24, v + 3 * step);
    }
    for (; off + 8 <= hi; off += 8, v += step)
        store_le(j->p + off, v);
    for (; off < hi; off++)
        j->p[off] = byte_at(&j->w, off);
    return 0;
}

/* The first byte of [off, hi) that differs from the pattern, if any. */
static int mismatch_in(job *j, size_t off, size_t hi) {
    for (; off < hi; off++) {
        uint8_t want = byte_at(&j->w, off);
        if (j->p[off] != want) {
            j->m->offset = off;
            j->m->expected = want;
            j->m->found = j->p[off];
            return -1;
        }
    }
    return 0;
}

static int verify_region(void *ctx, size_t lo, size_t hi) {
    job *j = ctx;
    if (hi > j->limit)
        hi = j->limit;
    if (lo >= hi)
        return 0;
    size_t off = (lo + 7) & ~(size_t)7;
    if (off > hi)
        off = hi;
    if (mismatch_in(j, lo, off))
        return -1;
    /* whole words compared four at a time; a difference is located bytewise */
    uint64_t v = word_at(&j->w, off), step = j->w.step;
    const unsigned char *p = j->p;
    for (; off + 32 <= hi; off += 32, v += 4 * step)
        if ((load_le(p + off) ^ v) | (load_le(p + off + 8) ^ (v + step)) | (load_le(p + off + 16) ^ (v + 2 * step)) |
            (load_le(p + off + 24) ^ (v + 3 * step)))
            return mismatch_in(j, off, off + 32);
    for (; off + 8 <= hi; off += 8, v += step)
        if (load_le(p + off) ^ v)
            return mismatch_in(j, off, off + 8);
    return mismatch_in(j, off, hi);
}

void pa_pattern_fill(void *p, size_t req, uint64_t seed) {
    job j = {p, req, words_of(seed), NULL};
    each_region(req, fill_region, &j);
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    job j = {(unsigned char *)p, limit, words_of(seed), m};
    return each_region(req, verify_region, &j);
}

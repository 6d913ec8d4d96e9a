/* Position-dependent content patterns. */
#include "pattern.h"

#include <string.h>

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint8_t byte_at(uint64_t seed, size_t off) {
    if (!seed)
        return 0;
    return (uint8_t)(mix(seed ^ (off >> 3) * 0xd6e8feb86659fd93ull) >> ((off & 7) * 8));
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
    uint64_t seed;
    pa_pattern_mismatch *m;
} job;

static int fill_region(void *ctx, size_t lo, size_t hi) {
    job *j = ctx;
    if (!j->seed) {
        memset(j->p + lo, 0, hi - lo);
        return 0;
    }
    size_t off = lo;
    while (off < hi && (off & 7))
        j->p[off] = byte_at(j->seed, off), off++;
    for (; off + 8 <= hi; off += 8) {
        uint64_t v = mix(j->seed ^ (off >> 3) * 0xd6e8feb86659fd93ull);
        unsigned char w[8];
        for (int k = 0; k < 8; k++)
            w[k] = (unsigned char)(v >> (k * 8));
        memcpy(j->p + off, w, 8);
    }
    for (; off < hi; off++)
        j->p[off] = byte_at(j->seed, off);
    return 0;
}

static int mismatch_in(job *j, size_t off, size_t end, uint64_t v) {
    for (; off < end; off++) {
        uint8_t want = (uint8_t)(v >> ((off & 7) * 8));
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
    size_t off = lo;
    while (off < hi) {
        /* one mix per 8-byte word of offsets; whole words compared at once */
        uint64_t v = j->seed ? mix(j->seed ^ (off >> 3) * 0xd6e8feb86659fd93ull) : 0;
        if (!(off & 7) && off + 8 <= hi) {
            uint64_t got = 0;
            for (int k = 0; k < 8; k++)
                got |= (uint64_t)j->p[off + (size_t)k] << (k * 8);
            if (got == v) {
                off += 8;
                continue;
            }
        }
        size_t word_end = (off | 7) + 1;
        if (mismatch_in(j, off, word_end < hi ? word_end : hi, v))
            return -1;
        off = word_end;
    }
    return 0;
}

void pa_pattern_fill(void *p, size_t req, uint64_t seed) {
    job j = {p, req, seed, NULL};
    each_region(req, fill_region, &j);
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    job j = {(unsigned char *)p, limit, seed, m};
    return each_region(req, verify_region, &j);
}

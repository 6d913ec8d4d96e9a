/* Position-dependent content patterns. */
#include "pattern.h"

#include <pthread.h>
#include <string.h>

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A block's pattern is a window of one fixed pseudo-random sequence of
 * PERIOD bytes, repeated: byte off of the block with seed s is
 * seq[(phase(s) + off) mod PERIOD]. Filling is a memcpy and verifying a
 * memcmp from a table holding the sequence and, after it, its first
 * PA_PATTERN_FULL bytes again (no region is longer), so every region is one
 * call: a few instructions per 32 bytes instead of a few per word. A word
 * moved, lost or copied from another block shows unless the two windows
 * happen to line up there, one chance in PERIOD for two given blocks.
 * Seed 0 is all zero (calloc memory). */
#define PERIOD ((size_t)1 << 16)

static unsigned char seq[PERIOD + PA_PATTERN_FULL];
static const unsigned char zeros[PA_PATTERN_FULL];
static pthread_once_t seq_once = PTHREAD_ONCE_INIT;

static void seq_make(void) {
    for (size_t i = 0; i < PERIOD; i += 8) {
        uint64_t v = mix(i);
        memcpy(seq + i, &v, 8);
    }
    memcpy(seq + PERIOD, seq, PA_PATTERN_FULL);
}

/* The pattern's bytes from offset off on (at most PA_PATTERN_FULL of them). */
static const unsigned char *pattern_at(uint64_t seed, size_t off) {
    if (!seed)
        return zeros;
    return seq + ((size_t)mix(seed) + off) % PERIOD;
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
    if (j->seed)
        memcpy(j->p + lo, pattern_at(j->seed, lo), hi - lo);
    else
        memset(j->p + lo, 0, hi - lo);
    return 0;
}

static int verify_region(void *ctx, size_t lo, size_t hi) {
    job *j = ctx;
    if (hi > j->limit)
        hi = j->limit;
    if (lo >= hi)
        return 0;
    const unsigned char *want = pattern_at(j->seed, lo), *p = j->p + lo;
    if (!memcmp(p, want, hi - lo))
        return 0;
    size_t k = 0; /* a difference: located bytewise */
    while (p[k] == want[k])
        k++;
    j->m->offset = lo + k;
    j->m->expected = want[k];
    j->m->found = p[k];
    return -1;
}

void pa_pattern_fill(void *p, size_t req, uint64_t seed) {
    pthread_once(&seq_once, seq_make);
    job j = {p, req, seed, NULL};
    each_region(req, fill_region, &j);
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    pthread_once(&seq_once, seq_make);
    job j = {(unsigned char *)p, limit, seed, m};
    return each_region(req, verify_region, &j);
}

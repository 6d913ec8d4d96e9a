/* Position-dependent content patterns. */
#include "pattern.h"

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

/* Made before main: no fill or verify pays for a once-guard. */
__attribute__((constructor)) static void seq_make(void) {
    for (size_t i = 0; i < PERIOD; i += 8) {
        uint64_t v = mix(i);
        memcpy(seq + i, &v, 8);
    }
    memcpy(seq + PERIOD, seq, PA_PATTERN_FULL);
}

/* Where a block's pattern comes from: byte off is base[(phase + off) & mask]. */
typedef struct source {
    const unsigned char *base;
    size_t phase, mask;
} source;

static source source_of(uint64_t seed) {
    source src = {zeros, 0, 0};
    if (seed) {
        src.base = seq;
        src.phase = (size_t)mix(seed);
        src.mask = PERIOD - 1;
    }
    return src;
}

/* The pattern's bytes from offset off on (at most PA_PATTERN_FULL of them). */
static const unsigned char *pattern_at(const source *src, size_t off) {
    return src->base + ((src->phase + off) & src->mask);
}

/* The patterned regions of a req-byte block, in order: region k is
 * [lo, hi); 0 past the last. A block up to PA_PATTERN_FULL is one region. */
static int region(size_t req, size_t k, size_t *lo, size_t *hi) {
    if (req <= PA_PATTERN_FULL) {
        *lo = 0;
        *hi = req;
        return k == 0;
    }
    size_t samples = req - PA_PATTERN_EDGE >= PA_PATTERN_EDGE + 64
                         ? (req - 2 * PA_PATTERN_EDGE - 64) / PA_PATTERN_STRIDE + 1
                         : 0;
    if (k == 0) {
        *lo = 0;
        *hi = PA_PATTERN_EDGE;
    } else if (k <= samples) {
        *lo = PA_PATTERN_EDGE + (k - 1) * PA_PATTERN_STRIDE;
        *hi = *lo + 64;
    } else if (k == samples + 1) {
        *lo = req - PA_PATTERN_EDGE;
        *hi = req;
    } else {
        return 0;
    }
    return 1;
}

void pa_pattern_fill(void *p, size_t req, uint64_t seed) {
    source src = source_of(seed);
    size_t lo, hi;
    for (size_t k = 0; region(req, k, &lo, &hi); k++)
        memcpy((unsigned char *)p + lo, pattern_at(&src, lo), hi - lo);
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    source src = source_of(seed);
    size_t lo, hi;
    for (size_t k = 0; region(req, k, &lo, &hi); k++) {
        if (hi > limit)
            hi = limit;
        if (lo >= hi)
            break; /* the regions ascend: none further is below limit */
        const unsigned char *want = pattern_at(&src, lo), *got = (const unsigned char *)p + lo;
        if (!memcmp(got, want, hi - lo))
            continue;
        size_t i = 0; /* a difference: located bytewise */
        while (got[i] == want[i])
            i++;
        m->offset = lo + i;
        m->expected = want[i];
        m->found = got[i];
        return -1;
    }
    return 0;
}

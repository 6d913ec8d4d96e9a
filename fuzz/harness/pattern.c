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
 * PERIOD bytes, xored with a 64-bit key of its own: byte off of the block
 * with seed s is seq[(phase(s) + off) mod PERIOD] ^ key(s) byte (off mod 8).
 * The table holds the sequence and, after it, its first PA_PATTERN_FULL
 * bytes again (no region is longer), so a region is one run of 16-byte
 * loads, xors and stores or compares: a few instructions per 16 bytes
 * instead of a few per word. The window makes every word of a block
 * differ from the block's others; the key makes a word copied from another
 * block differ even where the two windows line up (one chance in 2^64).
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

typedef unsigned char v16 __attribute__((vector_size(16)));

/* Where a block's pattern comes from: byte off is
 * base[(phase + off) & mask] ^ key[off & 7]. */
typedef struct source {
    const unsigned char *base;
    size_t phase, mask;
    unsigned char key[8];
} source;

static source source_of(uint64_t seed) {
    source src = {zeros, 0, 0, {0}};
    if (seed) {
        src.base = seq;
        src.phase = (size_t)mix(seed);
        src.mask = PERIOD - 1;
        uint64_t key = mix(seed ^ 0xd6e8feb86659fd93ull);
        memcpy(src.key, &key, 8);
    }
    return src;
}

/* The sequence's bytes from offset off on (at most PA_PATTERN_FULL). */
static const unsigned char *window_at(const source *src, size_t off) {
    return src->base + ((src->phase + off) & src->mask);
}

/* The key's bytes lined up with a run starting at block offset off. */
static v16 key_at(const source *src, size_t off) {
    v16 k;
    for (unsigned i = 0; i < 16; i++)
        k[i] = src->key[(off + i) & 7];
    return k;
}

static v16 load16(const unsigned char *p) {
    v16 v;
    memcpy(&v, p, 16);
    return v;
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
    for (size_t k = 0; region(req, k, &lo, &hi); k++) {
        unsigned char *dst = (unsigned char *)p + lo;
        const unsigned char *from = window_at(&src, lo);
        v16 key = key_at(&src, lo);
        size_t n = hi - lo, i = 0;
        for (; i + 16 <= n; i += 16) {
            v16 v = load16(from + i) ^ key;
            memcpy(dst + i, &v, 16);
        }
        for (; i < n; i++)
            dst[i] = from[i] ^ key[i & 15];
    }
}

/* 0 if the n bytes at got hold the pattern whose window is want and whose
 * key is key, else the offset of the first that does not, plus one. */
static size_t first_wrong(const unsigned char *got, const unsigned char *want, v16 key, size_t n) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        /* each got ^ want must be the key: ^ key leaves 0 where right */
        v16 d = (load16(got + i) ^ load16(want + i) ^ key) | (load16(got + i + 16) ^ load16(want + i + 16) ^ key) |
                (load16(got + i + 32) ^ load16(want + i + 32) ^ key) |
                (load16(got + i + 48) ^ load16(want + i + 48) ^ key);
        uint64_t w[2];
        memcpy(w, &d, 16);
        if (w[0] | w[1])
            break;
    }
    for (; i < n; i++)
        if ((unsigned char)(got[i] ^ want[i]) != key[i & 15])
            return i + 1;
    return 0;
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    source src = source_of(seed);
    size_t lo, hi;
    for (size_t k = 0; region(req, k, &lo, &hi); k++) {
        if (hi > limit)
            hi = limit;
        if (lo >= hi)
            break; /* the regions ascend: none further is below limit */
        const unsigned char *want = window_at(&src, lo), *got = (const unsigned char *)p + lo;
        v16 key = key_at(&src, lo);
        size_t bad = first_wrong(got, want, key, hi - lo);
        if (!bad)
            continue;
        m->offset = lo + bad - 1;
        m->expected = want[bad - 1] ^ key[(bad - 1) & 15];
        m->found = got[bad - 1];
        return -1;
    }
    return 0;
}

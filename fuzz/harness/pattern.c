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

/* Long runs go 32 bytes at a time where the CPU can (what memcpy and memcmp
 * do too); 16 elsewhere. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PATTERN_AVX2 1
#include <immintrin.h>
static int use_avx2;
#endif
static const unsigned char zeros[PA_PATTERN_FULL];

/* Made before main: no fill or verify pays for a once-guard. */
__attribute__((constructor)) static void seq_make(void) {
    for (size_t i = 0; i < PERIOD; i += 8) {
        uint64_t v = mix(i);
        memcpy(seq + i, &v, 8);
    }
    memcpy(seq + PERIOD, seq, PA_PATTERN_FULL);
#ifdef PATTERN_AVX2
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
}

typedef unsigned char v16 __attribute__((vector_size(16)));

/* Where a block's pattern comes from: byte off is
 * base[(phase + off) & mask] ^ byte (off & 7) of key (little-endian). */
typedef struct source {
    const unsigned char *base;
    size_t phase, mask;
    uint64_t key;
} source;

/* Filled in place: a struct returned by value went through memory, once
 * per fill and per verify. */
static void source_init(source *src, uint64_t seed) {
    if (!seed) {
        src->base = zeros;
        src->phase = src->mask = 0;
        src->key = 0;
        return;
    }
    src->base = seq;
    src->key = mix(seed);
    /* the window from the key's own bits by one multiply, not a second
     * mix: distinct seeds still get distinct keys (mix is a bijection),
     * and two windows line up one time in PERIOD */
    src->phase = (size_t)((src->key * 0x9e3779b97f4a7c15ull) >> 48);
    src->mask = PERIOD - 1;
}

/* The sequence's bytes from offset off on (at most PA_PATTERN_FULL). */
static const unsigned char *window_at(const source *src, size_t off) {
    return src->base + ((src->phase + off) & src->mask);
}

/* The key as a little-endian word loaded at block offset off. */
static uint64_t key_at(const source *src, size_t off) {
    unsigned r = (unsigned)(off & 7) * 8;
    return src->key >> r | src->key << ((64 - r) & 63); /* a rotation, no branch */
}

static v16 key16_at(const source *src, size_t off) {
    uint64_t k[2] = {key_at(src, off), key_at(src, off)};
    v16 v;
    memcpy(&v, k, 16);
    return v;
}

static v16 load16(const unsigned char *p) {
    v16 v;
    memcpy(&v, p, 16);
    return v;
}

static uint64_t load8(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The pattern's byte at block offset off. */
static unsigned char byte_at(const source *src, size_t off) {
    return (unsigned char)(*window_at(src, off) ^ (uint8_t)key_at(src, off));
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

#ifdef PATTERN_AVX2
typedef unsigned char v32 __attribute__((vector_size(32)));

/* The 32 bytes at block offset o: stored (fill), or their difference from
 * the pattern gathered into *wrong. */
__attribute__((target("avx2"), always_inline)) static inline void piece32(unsigned char *dst, const unsigned char *want,
                                                                        size_t o, v32 key, int fill, v32 *wrong) {
    v32 v, got;
    memcpy(&v, want + o, 32);
    v ^= key;
    if (fill) {
        memcpy(dst + o, &v, 32);
        return;
    }
    memcpy(&got, dst + o, 32);
    *wrong |= v ^ got;
}

/* run() for n >= 32, 128 bytes a round; the last 1 to 128 bytes as at most
 * two pieces from the front and two ending at n, overlapping rather than
 * one more round of a loop: memcpy's way with a short tail. A piece ending
 * at n starts a multiple of 32 before it, so all of them take the key of
 * the last 32 bytes. */
__attribute__((target("avx2"), always_inline)) static inline int run32_as(unsigned char *dst, const unsigned char *want,
                                                                        uint64_t k, uint64_t tail, size_t n, int fill) {
    v32 key = (v32)_mm256_set1_epi64x((long long)k), key_tail = (v32)_mm256_set1_epi64x((long long)tail);
    v32 wrong = {0};
    size_t i = 0;
    for (; n - i > 128; i += 128) {
        piece32(dst, want, i, key, fill, &wrong);
        piece32(dst, want, i + 32, key, fill, &wrong);
        piece32(dst, want, i + 64, key, fill, &wrong);
        piece32(dst, want, i + 96, key, fill, &wrong);
    }
    if (n - i > 64) {
        piece32(dst, want, i, key, fill, &wrong);
        piece32(dst, want, i + 32, key, fill, &wrong);
        piece32(dst, want, n - 64, key_tail, fill, &wrong);
    } else if (n - i > 32) {
        piece32(dst, want, i, key, fill, &wrong);
    }
    piece32(dst, want, n - 32, key_tail, fill, &wrong);
    return !fill && !_mm256_testz_si256((__m256i)wrong, (__m256i)wrong);
}

/* Out of line, built for AVX2: the window want, k the key at its first
 * byte and tail at its last 32. Plain values, not the source: a pointer to
 * it kept the caller's source in memory. */
__attribute__((target("avx2"))) static int run32(unsigned char *dst, const unsigned char *want, uint64_t k,
                                                 uint64_t tail, size_t n, int fill) {
    return fill ? run32_as(dst, want, k, tail, n, 1) : run32_as(dst, want, k, tail, n, 0);
}
#endif

/* run() 16 bytes at a time, and below 32 bytes: at most two pieces of 16
 * or 8 bytes, the second overlapping the first rather than done byte by
 * byte. Out of line, as are the walk of a large block's regions and the
 * search for a mismatch: the common call (one region of 32 bytes or more)
 * then saves no registers on its way to run32. */
__attribute__((noinline)) static int run16(unsigned char *dst, const source *src, size_t lo, size_t n, int fill) {
    const unsigned char *want = window_at(src, lo);
    if (n >= 16) {
        v16 key = key16_at(src, lo), wrong = {0};
        size_t i = 0;
        for (; i + 16 < n; i += 16) {
            v16 v = load16(want + i) ^ key;
            if (fill)
                memcpy(dst + i, &v, 16);
            else
                wrong |= v ^ load16(dst + i);
        }
        i = n - 16; /* the last 16 */
        v16 v = load16(want + i) ^ key16_at(src, lo + i);
        if (fill) {
            memcpy(dst + i, &v, 16);
            return 0;
        }
        wrong |= v ^ load16(dst + i);
        uint64_t w[2];
        memcpy(w, &wrong, 16);
        return (w[0] | w[1]) != 0;
    }
    if (n >= 8) {
        uint64_t a = load8(want) ^ key_at(src, lo), b = load8(want + n - 8) ^ key_at(src, lo + n - 8);
        if (fill) {
            memcpy(dst + n - 8, &b, 8);
            memcpy(dst, &a, 8);
            return 0;
        }
        return (a ^ load8(dst)) != 0 || (b ^ load8(dst + n - 8)) != 0;
    }
    int wrong = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char v = (unsigned char)(want[i] ^ (uint8_t)key_at(src, lo + i));
        if (fill)
            dst[i] = v;
        else
            wrong |= dst[i] != v;
    }
    return wrong;
}

/* The pattern of block offsets [lo, lo + n) is put at dst (fill) or checked
 * there (no fill). 0, or 1 at a difference. */
static inline int run(unsigned char *dst, const source *src, size_t lo, size_t n, int fill) {
#ifdef PATTERN_AVX2
    if (n >= 32 && use_avx2)
        return run32(dst, window_at(src, lo), key_at(src, lo), key_at(src, lo + n - 32), n, fill);
#endif
    return run16(dst, src, lo, n, fill);
}

__attribute__((noinline)) static void fill_regions(unsigned char *p, size_t req, const source *src) {
    size_t lo, hi;
    for (size_t k = 0; region(req, k, &lo, &hi); k++)
        run(p + lo, src, lo, hi - lo, 1);
}

void pa_pattern_fill(void *p, size_t req, uint64_t seed) {
    source src;
    source_init(&src, seed);
    if (req <= PA_PATTERN_FULL) /* one region: no walk of the regions */
        run(p, &src, 0, req, 1);
    else
        fill_regions(p, req, &src);
}

/* The first byte of [lo, hi) that differs from the pattern (there is one). */
__attribute__((noinline, cold)) static int mismatch(const unsigned char *got, const source *src, size_t lo,
                                                    pa_pattern_mismatch *m) {
    size_t at = lo;
    while (got[at] == byte_at(src, at))
        at++;
    m->offset = at;
    m->expected = byte_at(src, at);
    m->found = got[at];
    return -1;
}

__attribute__((noinline)) static int verify_regions(unsigned char *got, size_t req, size_t limit, const source *src,
                                                    pa_pattern_mismatch *m) {
    size_t lo, hi;
    for (size_t k = 0; region(req, k, &lo, &hi); k++) {
        if (hi > limit)
            hi = limit;
        if (lo >= hi)
            break; /* the regions ascend: none further is below limit */
        if (run(got + lo, src, lo, hi - lo, 0))
            return mismatch(got, src, lo, m);
    }
    return 0;
}

int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m) {
    source src;
    source_init(&src, seed);
    unsigned char *got = (unsigned char *)p; /* run() only reads it when not filling */
    if (req > PA_PATTERN_FULL)
        return verify_regions(got, req, limit, &src, m);
    size_t n = req < limit ? req : limit; /* one region */
    return n && run(got, &src, 0, n, 0) ? mismatch(got, &src, 0, m) : 0;
}

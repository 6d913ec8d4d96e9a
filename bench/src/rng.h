/* A small, fast, deterministic generator (xorshift64*), so every allocator
 * sees exactly the same sequence of requests, and the size mixes built on it. */
#ifndef BENCH_RNG_H
#define BENCH_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_rng {
    uint64_t s;
} bench_rng;

static inline bench_rng bench_rng_seed(uint64_t seed)
{
    bench_rng r = {seed * 0x9E3779B97F4A7C15ull | 1u};
    return r;
}

static inline uint64_t bench_rng_next(bench_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) for 0 < n <= 2^32 (multiply-shift: no division). */
static inline uint64_t bench_rng_below(bench_rng *r, uint64_t n)
{
    return ((bench_rng_next(r) >> 32) * n) >> 32;
}

/* A mix of small request sizes as object-heavy programs make them: half in
 * 1..64 bytes, 30% in 65..128, 15% in 129..256, 5% in 257..512. */
static inline size_t bench_rng_small_size(bench_rng *r)
{
    uint64_t pick = bench_rng_below(r, 100);
    if (pick < 50)
        return (size_t)(1 + bench_rng_below(r, 64));
    if (pick < 80)
        return (size_t)(65 + bench_rng_below(r, 64));
    if (pick < 95)
        return (size_t)(129 + bench_rng_below(r, 128));
    return (size_t)(257 + bench_rng_below(r, 256));
}

#endif

/* Division by a divisor fixed for a loop, as one multiplication: the
 * freelist walk divides every member's offset by the block size, and a
 * hardware division there cost more than the rest of the step.
 * d = odd << shift. For any 64-bit n, n * odd^-1 (mod 2^64) rotated right
 * by shift is n / d when d divides n, and above UINT64_MAX / d when it does
 * not: modulo a power of two, multiplying by odd^-1 permutes the words and
 * takes the multiples of odd to the lowest of them, and a remainder below
 * 2^shift, rotated, lands in the top bits. */
#ifndef PA_EXACT_DIV_H
#define PA_EXACT_DIV_H

#include <stdint.h>

typedef struct pa_exact_div {
    uint64_t inverse; /* odd^-1 mod 2^64 */
    uint64_t max;     /* UINT64_MAX / d: the largest quotient */
    unsigned shift;
} pa_exact_div;

/* d must not be 0. */
static inline pa_exact_div pa_exact_div_by(uint64_t d) {
    pa_exact_div e;
    e.shift = (unsigned)__builtin_ctzll(d);
    uint64_t odd = d >> e.shift, x = odd; /* odd * odd = 1 mod 8: 3 bits right */
    for (int i = 0; i < 5; i++)           /* each Newton step doubles them: 96 */
        x *= 2 - odd * x;
    e.inverse = x;
    e.max = UINT64_MAX / d;
    return e;
}

/* n / d if d divides n, a value above e->max otherwise. */
static inline uint64_t pa_exact_quotient(const pa_exact_div *e, uint64_t n) {
    uint64_t v = n * e->inverse;
    return (v >> e->shift) | (v << ((64 - e->shift) & 63));
}

#endif

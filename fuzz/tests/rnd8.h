/* The fuzz unit tests' random bytes: xorshift64 from a fixed seed, so every
 * run tests the same inputs. */
#ifndef PA_FUZZ_TEST_RND8_H
#define PA_FUZZ_TEST_RND8_H

#include <stdint.h>

static uint64_t rnd8_state = 0x243f6a8885a308d3ull;

static inline uint8_t rnd8(void) {
    rnd8_state ^= rnd8_state << 13;
    rnd8_state ^= rnd8_state >> 7;
    rnd8_state ^= rnd8_state << 17;
    return (uint8_t)(rnd8_state >> 24);
}

#endif

/* Content patterns: every byte of a live block is a function of the block's
 * seed and its position, so any stray write or lost copy shows. */
#ifndef PA_FUZZ_PATTERN_H
#define PA_FUZZ_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Blocks up to this size are patterned whole; larger ones on their first and
 * last PA_PATTERN_EDGE bytes and 64 bytes of every PA_PATTERN_STRIDE between
 * (every block of the small path is patterned whole). */
#define PA_PATTERN_FULL 4096
#define PA_PATTERN_EDGE 1024
#define PA_PATTERN_STRIDE 65536

typedef struct pa_pattern_mismatch {
    size_t offset;
    uint8_t expected, found;
} pa_pattern_mismatch;

/* seed 0 means all zero (calloc memory). */
void pa_pattern_fill(void *p, size_t req, uint64_t seed);
/* Verify the patterned bytes of a block of req bytes that lie below limit.
 * 0, or -1 with the first mismatch. */
int pa_pattern_verify(const void *p, size_t req, size_t limit, uint64_t seed, pa_pattern_mismatch *m);

#endif

/* A set of disjoint address ranges [lo, hi) that all start on a multiple of
 * a granule: the live blocks of a trace replay, whose alignment the oracle
 * has checked before they are claimed. Address space is cut in chunks of
 * 32,768 granules, each with two bitmaps, a bit a granule: which granules
 * are taken, which begin a range. Claiming or releasing a small block reads
 * and writes a word or two of one chunk, where a search tree chases one
 * pointer a level; memory follows the address span the live ranges cover,
 * as a chunk goes when its last granule is released. A range wider than
 * WIDE chunks (a large block) is kept in a search tree instead, so that no
 * size, however wrong, makes the bitmaps grow past the blocks they cover.
 *
 * The test is exact, not conservative: a range that ends inside a granule
 * shares it with no other range, since every other one starts on a
 * boundary. */
#ifndef PA_FUZZ_GRANULE_SET_H
#define PA_FUZZ_GRANULE_SET_H

#include <stddef.h>
#include <stdint.h>

#include "range_set.h"
#include "trace_u64map.h"

typedef struct pa_granule_set {
    pa_u64map chunks; /* chunk number + 1 -> its struct granule_chunk */
    uint64_t last_key;
    struct granule_chunk *last; /* the chunk of last_key: ops come in runs */
    pa_range_set wide;          /* the ranges too wide for the bitmaps */
    unsigned shift;             /* log2 of the granule */
    size_t n;                   /* ranges held */
} pa_granule_set;

/* An empty set of ranges starting on multiples of `granule` (a power of two
 * from 1 to 4096): 0, or -1 for any other granule. */
int pa_granule_set_init(pa_granule_set *s, size_t granule);
void pa_granule_set_free(pa_granule_set *s);
/* Adds [lo, hi): lo a multiple of the granule, lo < hi. 0; 1 if it overlaps
 * a held range ([*clash_lo, *clash_hi) is the first such, to a granule; the
 * set is unchanged); -1 out of memory, lo not on a granule or hi in the
 * address space's last granule (unchanged). */
int pa_granule_set_claim(pa_granule_set *s, uintptr_t lo, uintptr_t hi, uintptr_t *clash_lo, uintptr_t *clash_hi);
/* The held ranges' starts in ascending address order into out (room for
 * s->n): how many, or SIZE_MAX when out of memory. A scan of the chunks'
 * start bitmaps, merged with the tree's ranges. */
size_t pa_granule_set_starts(const pa_granule_set *s, uintptr_t *out);
/* Removes [lo, hi), claimed before with the same bounds: 0, or -1 if no
 * held range starts at lo (the set is unchanged). */
int pa_granule_set_release(pa_granule_set *s, uintptr_t lo, uintptr_t hi);

#endif

/* A set of disjoint address ranges [lo, hi) of any size, each with a tag:
 * the live blocks of a trace replay, where a new block must overlap none.
 * A treap keyed by lo in growable arrays: O(log n) per claim and release
 * for any number of ranges, memory proportional to how many are held. */
#ifndef PA_FUZZ_RANGE_SET_H
#define PA_FUZZ_RANGE_SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct pa_range {
    uintptr_t lo, hi;
    uint64_t tag;
} pa_range;

typedef struct pa_range_set {
    struct pa_range_node *nodes; /* index 0 is never used: 0 means none */
    uint64_t *tags;              /* each node's, by its index */
    uint32_t cap, used, root, free_head;
    size_t n;
} pa_range_set;

void pa_range_set_init(pa_range_set *s);
void pa_range_set_free(pa_range_set *s);
/* Adds [lo, hi) (lo < hi). 0; 1 if it overlaps a held range (*clash is that
 * range, the set is unchanged); -1 out of memory. */
int pa_range_set_claim(pa_range_set *s, uintptr_t lo, uintptr_t hi, uint64_t tag, pa_range *clash);
/* Whether [lo, hi) (lo < hi) overlaps a held range: 1 (*clash is the one
 * with the greatest lo below hi) or 0. */
int pa_range_set_overlap(const pa_range_set *s, uintptr_t lo, uintptr_t hi, pa_range *clash);
/* The held ranges' starts in ascending order into out (room for s->n):
 * how many, or SIZE_MAX when out of memory. */
size_t pa_range_set_starts(const pa_range_set *s, uintptr_t *out);
/* Removes the range starting at lo: 0, or -1 if none starts there. */
int pa_range_set_release(pa_range_set *s, uintptr_t lo);

#endif

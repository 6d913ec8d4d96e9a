/* The shadow model: the live set as the op language names it (slots in
 * allocation order) and an exact address index of every live block. */
#ifndef PA_FUZZ_SHADOW_H
#define PA_FUZZ_SHADOW_H

#include <stddef.h>
#include <stdint.h>

typedef struct pa_shadow_block {
    void *p;          /* NULL: the allocation failed (the slot still counts) */
    size_t req;       /* bytes asked for */
    size_t usable;    /* what usable_size said */
    size_t align;     /* alignment the block must have */
    uint64_t seed;    /* content pattern; 0: all zero */
    uint64_t serial;  /* names the block in reports */
    int small;        /* inside the heap's arenas */
    int written;      /* the harness wrote its bytes after their last verification */
    const void *heap; /* the interleave target: the thread heap that served it, NULL the shared heap */
} pa_shadow_block;

typedef struct pa_shadow_range {
    uintptr_t lo, hi;
    uint64_t serial;
} pa_shadow_range;

/* The address index is a treap keyed by lo (priorities hashed from the
 * address, so runs repeat exactly): O(log n) per claim and release. */
typedef struct pa_shadow_node {
    pa_shadow_range r;
    uint32_t prio;
    int32_t left, right; /* node indices, -1: none */
} pa_shadow_node;

typedef struct pa_shadow {
    pa_shadow_block *slots;
    size_t n;
    pa_shadow_node *nodes;   /* PA_LIVE_MAX + 1 of them */
    int32_t root, free_list; /* released nodes chained through .left */
    int32_t fresh;           /* nodes from here on were never used */
    size_t nranges;
    size_t nsmall, nlarge;
    uint64_t next_serial;
} pa_shadow;

int pa_shadow_init(pa_shadow *s);
void pa_shadow_free(pa_shadow *s);
/* Append a slot (the caller has claimed its range already). */
void pa_shadow_append(pa_shadow *s, const pa_shadow_block *b);
/* Remove slots at the given ascending positions, keeping the order of the
 * rest. Their ranges must have been released. */
void pa_shadow_remove(pa_shadow *s, const size_t *pos, size_t n);
void pa_shadow_clear(pa_shadow *s);
/* Empty, and serial numbers from 1 again: as pa_shadow_init left it. */
void pa_shadow_restart(pa_shadow *s);

/* The address index: [p, p + len) with len >= 1. claim: 0, or -1 with the
 * live range it overlaps. release: 0, or -1 if no range starts at p. */
int pa_shadow_claim(pa_shadow *s, const void *p, size_t len, uint64_t serial, pa_shadow_range *clash);
int pa_shadow_release(pa_shadow *s, const void *p);
/* The range containing address a, if any. */
const pa_shadow_range *pa_shadow_find(const pa_shadow *s, uintptr_t a);

#endif

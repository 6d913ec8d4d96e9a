/* An OS layer that maps where it is told, so the fuzz targets test the
 * heap's ownership map at addresses mmap never happens to return here: low
 * and high in the user address space, far apart (so the map needs several
 * nodes), adjacent to the last mapping, on a range just given back. A test
 * double in pa_testing. */
#ifndef PA_TESTING_OS_PLACER_H
#define PA_TESTING_OS_PLACER_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/os.h"
#include "pa_testing/os_recycler.h"

typedef enum pa_place_kind {
    PA_PLACE_KERNEL = 0, /* wherever mmap puts it */
    PA_PLACE_LOW,        /* upwards from 1 GiB */
    PA_PLACE_HIGH,       /* downwards from 2^47 - 2^40 */
    PA_PLACE_FAR,        /* each 2^38 bytes from the last, from 2^45 */
    PA_PLACE_ADJACENT,   /* right after the last region mapped */
    PA_PLACE_REUSE,      /* where the last region given back was */
    PA_PLACE_KINDS
} pa_place_kind;

typedef struct os_placer {
    pa_os_ops inner;   /* where a placement that cannot be had falls back */
    os_recycler *recycler; /* inner's, when inner recycles (NULL: it does not) */
    pa_place_kind kind;
    uint8_t param;     /* chooses the start of low, high and far */
    size_t nth;        /* maps placed since the kind was chosen */
    uintptr_t last_end;                  /* the end of the last region mapped */
    uintptr_t freed_addr;                /* the last region given back */
    size_t placed, fell_back;            /* maps where asked, and not */
} os_placer;

/* Over mmap, placing nothing until pa_os_placer_set; the ops' ctx is p,
 * which must stay where it is. */
pa_os_ops pa_os_placer_init(os_placer *p);
/* The same over the recycling layer r: a placed map takes the region r
 * holds at that place, or has r give back what it holds there first. */
pa_os_ops pa_os_placer_init_over(os_placer *p, os_recycler *r);
/* From now on every map is placed kind (param varies where it starts). A
 * place that is taken or refused falls back to where mmap puts the region. */
void pa_os_placer_set(os_placer *p, pa_place_kind kind, uint8_t param);
/* The address the next map of size bytes at alignment would be tried at, or
 * 0 when it goes wherever mmap puts it. */
uintptr_t pa_os_placer_target(const os_placer *p, size_t size, size_t alignment);

#endif

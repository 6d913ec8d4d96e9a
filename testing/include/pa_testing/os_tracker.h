/* An OS layer that records every region it maps, so a fuzz run or a test
 * can unmap what a heap could not give back. A test double in pa_testing. */
#ifndef PA_TESTING_OS_TRACKER_H
#define PA_TESTING_OS_TRACKER_H

#include <stddef.h>

#include "poolalloc/os.h"

/* The OS layer under the counting one: mmap, with every region it holds
 * recorded, so regions a heap could not give back (its unmap was made to
 * fail) are unmapped by the harness at the end of a run, not leaked. */
typedef struct os_region {
    void *addr;
    size_t size;
} os_region;

typedef struct os_tracker {
    pa_os_ops mmap; /* the layer under it: mmap, or one over mmap */
    os_region *r;
    size_t n, cap;
} os_tracker;

/* Over mmap; the ops' ctx is t, which must stay where it is. */
pa_os_ops pa_os_tracker_init(os_tracker *t);
/* The same over another layer (the address-placing one), which t->mmap then
 * names. */
pa_os_ops pa_os_tracker_init_over(os_tracker *t, pa_os_ops inner);
/* Unmap whatever is left and forget it. */
void pa_os_tracker_release(os_tracker *t);

#endif

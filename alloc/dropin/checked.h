/* The drop-in's checked mode (checked.c): POOLALLOC_CHECK runs the
 * invariant checker inside the program. */
#ifndef POOLALLOC_DROPIN_CHECKED_H
#define POOLALLOC_DROPIN_CHECKED_H

#include <stdatomic.h>

#include "poolalloc/heap.h"

/* 0 until the first call reads POOLALLOC_CHECK, then 1 (off) or 2 (on). */
extern _Atomic int pa_checked_state __attribute__((visibility("hidden")));

int pa_checked_start(void);

/* Is plain mode known (the environment read, checked mode off)? One load:
 * the test the misses make first. */
static inline int pa_checked_off(void) {
    return __builtin_expect(atomic_load_explicit(&pa_checked_state, memory_order_relaxed) == 1, 1);
}

/* Is checked mode on? Reads the environment on the first call; then, if
 * on, makes the thread heaps made from now on take no fast path. */
static inline int pa_checked(void) {
    int s = atomic_load_explicit(&pa_checked_state, memory_order_relaxed);
    return __builtin_expect(s == 1, 1) ? 0 : (s == 2 || pa_checked_start());
}

/* While the checker itself runs on this thread, where its own allocations
 * go: away from the heap it reads. */
typedef enum { PA_CHECKER_OFF, PA_CHECKER_IN_SHARED_HEAP, PA_CHECKER_IN_OWN_HEAP } pa_checker_heap;
pa_checker_heap pa_checked_busy(void);
/* The checker's own heap (PA_CHECKER_IN_OWN_HEAP). */
pa_heap *pa_checked_own_heap(void);

/* After a call that returned or freed a and b (either may be NULL): counts
 * the call and runs the checks that are due. */
void pa_checked_after(const void *a, const void *b);

#endif

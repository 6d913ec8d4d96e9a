/* An OS layer that keeps the regions given back, up to a bound, and hands
 * them out again zero-filled: a fuzz target runs thousands of short inputs
 * a second, each mapping and unmapping the same few regions, and the
 * kernel's share of that (mmap, munmap, a page fault per page touched) is
 * most of an input's time. The layers above see every map and unmap as
 * before, and a held region is inaccessible (PROT_NONE) until handed out
 * again, so a touch of memory given back still faults. A test double in
 * pa_testing. */
#ifndef PA_TESTING_OS_RECYCLER_H
#define PA_TESTING_OS_RECYCLER_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/os.h"

/* The bound: regions and bytes held at once. */
#define PA_RECYCLE_SLOTS 16
#define PA_RECYCLE_MAX_BYTES ((size_t)64 << 20)

typedef struct os_recycled {
    void *addr;
    size_t size;
} os_recycled;

typedef struct os_recycler {
    pa_os_ops inner;                     /* where regions come from and finally go */
    os_recycled held[PA_RECYCLE_SLOTS];  /* oldest first */
    size_t n, bytes;
    uint64_t reused, passed_down;        /* maps served from held, and not */
    uint64_t pages_zeroed;               /* resident pages found dirty and cleared */
    uint64_t pieces_zeroed;              /* their 256-byte pieces found dirty and cleared */
    int wide;                            /* clear with 32-byte loads and stores (AVX2): set by
                                          * init where the CPU has them; a test may clear it */
} os_recycler;

/* Over mmap, holding nothing. */
void pa_os_recycler_init(os_recycler *r);
/* Ops that route through r; r must outlive every region they map. */
pa_os_ops pa_os_recycler_ops(os_recycler *r);
/* A held region of size bytes at exactly addr, zero-filled and no longer
 * held; NULL when there is none, after unmapping every held region that
 * overlaps [addr, addr+size) so the range can be mapped there afresh. */
void *pa_os_recycler_take_at(os_recycler *r, uintptr_t addr, size_t size);
/* Unmap every held region. */
void pa_os_recycler_drain(os_recycler *r);

#endif

/* Shared helpers of the unit tests: OS and large layers that count and fail
 * on demand, an OS layer that places regions at chosen addresses, a misuse
 * recorder, statistics identity checks; text and JSON helpers come from
 * pa_test_text.h. */
#ifndef PA_TEST_H
#define PA_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pa_test_text.h"
#include "pa_testing/os_counting.h"
#include "poolalloc/poolalloc.h"

/* ---- an OS layer that counts (pa_os_counter) and fails on demand ---- */

typedef struct pa_test_os {
    pa_os_counter counter;
    int fail[PA_OS_REQUEST_KINDS];          /* nonzero: every request of that kind fails */
    uint64_t fail_nth[PA_OS_REQUEST_KINDS]; /* the n-th request of that kind (from 0) fails */
    uint64_t seen[PA_OS_REQUEST_KINDS];     /* requests of each kind so far */
} pa_test_os;

/* inner NULL: the mmap layer. Nothing fails until told to. */
void pa_test_os_init(pa_test_os *t, const pa_os_ops *inner);

/* base (NULL: pa_config_default()) with its OS layer routed through t. */
pa_config pa_test_config(pa_test_os *t, const pa_config *base);

/* A layout with few, small pools so tests reach arena boundaries quickly:
 * 16-byte alignment, 512-byte threshold, 4 KiB pools, 16 pools per arena,
 * no decommit, arenas kept (KEEP_ALL) unless a test says otherwise. */
pa_config pa_test_compact_config(void);
/* pa_test_config with no spare pools: for tests that count what an emptied
 * pool does to its arena (test_spare.c tests the spares). */
pa_config pa_test_arena_config(pa_test_os *t, const pa_config *base);

/* pa_heap_create that must succeed. */
pa_heap *pa_test_heap_create(const pa_config *cfg);

/* ---- heap facts through introspect.h ---- */

size_t pa_test_class_capacity(const pa_heap *h, size_t cls);
size_t pa_test_class_of(const pa_heap *h, size_t size); /* the index a size maps to */
uintptr_t pa_test_pool_base(const pa_heap *h, const void *p);
/* Fill the arena list order (usable_arenas, following next) into objects;
 * returns its length. Asserts the back links agree. */
size_t pa_test_usable_arenas(const pa_heap *h, uintptr_t *objects, size_t max);
/* Copies the views of the arenas that are mapped now (base != 0) into out;
 * returns how many there are. */
size_t pa_test_live_arenas(const pa_heap *h, pa_arena_view *out, size_t max);
/* pa_heap_destroy with no live block left, and, when c is given, nothing
 * left mapped in the OS layer. */
void pa_test_destroy_clean(pa_heap *h, const pa_os_counter *c);
/* Allocate exactly one pool's worth of blocks of size into out (which must
 * hold the class capacity); returns the count. */
size_t pa_test_fill_pool(pa_heap *h, size_t size, void **out);

/* ---- statistics ---- */

/* pa_heap_stats plus every identity the statistics promise: components add
 * up to bytes_total == arenas_current * arena_size, per-class sums, counters
 * consistent with the pool walk and, when c is given, with the OS layer. */
void pa_test_stats_checked(const pa_heap *h, const pa_os_counter *c, pa_stats *out);

/* ---- a large layer that counts, checks sizes and fails on demand ---- */

#define PA_TEST_LARGE_MAX 512

typedef struct pa_test_large {
    int fail_alloc;                /* alloc and alloc_zeroed return NULL */
    int fail_resize;               /* resize returns NULL */
    size_t allocs, zeroed_allocs, resizes, frees; /* alloc fills blocks with 0xA5 */
    size_t live_blocks, live_bytes;
    size_t last_size, last_alignment;
    size_t size_mismatches;        /* free/resize told a size other than the block's */
    size_t unknown_frees;          /* free of a block this layer never gave out */
    struct { void *p; size_t size; } blocks[PA_TEST_LARGE_MAX];
} pa_test_large;

/* with_resize / with_zeroed: whether those optional hooks are provided. */
pa_large_ops pa_test_large_ops(pa_test_large *t, int with_resize, int with_zeroed);

/* ---- an OS layer that maps at chosen addresses ---- */

typedef struct pa_test_fixed_os {
    uintptr_t next;   /* where the next region is tried */
    size_t gap;       /* bytes left unmapped after every region */
    size_t maps, unmaps;
    uintptr_t lowest, highest; /* bounds of everything mapped so far */
} pa_test_fixed_os;

/* Regions are placed with MAP_FIXED_NOREPLACE at start and upwards. */
void pa_test_fixed_os_init(pa_test_fixed_os *t, uintptr_t start, size_t gap);
pa_os_ops pa_test_fixed_os_ops(pa_test_fixed_os *t);

/* ---- misuse reports ---- */

typedef struct pa_test_misuse {
    int count;
    pa_misuse_kind kind;
    const void *pointer;
    const void *heap;
    char operation[32];
    char message[512];
} pa_test_misuse;

/* on_misuse handler; ctx is a pa_test_misuse. Copies the last report. */
void pa_test_misuse_record(void *ctx, const pa_misuse *report);

/* ---- output (and, from pa_test_text.h, the JSON checker) ---- */

/* Everything print wrote, as a NUL-terminated malloc'd string. */
char *pa_test_capture(int (*print)(const pa_stats *, FILE *), const pa_stats *s, int *rc);

#endif

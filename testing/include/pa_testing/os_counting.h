/* An OS layer that wraps another, counts every request and byte, and can be
 * told to fail any request: what tests, fuzz targets and fault sweeps use to
 * prove that memory goes back and that failures are survived. A test double:
 * it lives in the pa_testing library, which is not installed. */
#ifndef PA_TESTING_OS_COUNTING_H
#define PA_TESTING_OS_COUNTING_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/os.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pa_os_request {
    PA_OS_MAP = 0,
    PA_OS_UNMAP,
    PA_OS_DECOMMIT,
    PA_OS_RECOMMIT,
    PA_OS_REQUEST_KINDS
} pa_os_request;

/* Nonzero makes this request fail. seq numbers requests from 0. */
typedef int (*pa_os_fail_fn)(void *ctx, pa_os_request request, size_t size, uint64_t seq);

typedef struct pa_os_counter {
    pa_os_ops inner;
    pa_os_fail_fn should_fail; /* NULL: nothing fails */
    void *fail_ctx;
    uint64_t seq;              /* requests seen, failed ones included */
    uint64_t requests[PA_OS_REQUEST_KINDS];
    uint64_t failures[PA_OS_REQUEST_KINDS];
    size_t regions;            /* mapped now */
    size_t bytes_mapped;       /* mapped now */
    size_t bytes_mapped_peak;
    size_t bytes_decommitted;  /* decommitted, not recommitted, still mapped */
    uint64_t prefaults;        /* prefault hints (never failed, not in seq) */
    size_t bytes_prefaulted;
    /* The decommitted ranges behind bytes_decommitted, so an unmap can take
     * back what it drops. Kept in memory from inner.map; given back when
     * the last region is unmapped. */
    struct pa_os_range *ranges;
    size_t nranges, ranges_capacity;
} pa_os_counter;

/* inner NULL: the mmap layer. */
void pa_os_counter_init(pa_os_counter *c, const pa_os_ops *inner);
/* Ops that route through c; c must outlive every heap using them. */
pa_os_ops pa_os_counter_ops(pa_os_counter *c);

#ifdef __cplusplus
}
#endif
#endif

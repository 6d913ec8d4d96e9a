/* The oracle's block rules (block_oracle.h). */
#include "block_oracle.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "pattern.h"
#include "poolalloc/introspect.h"

static int broken(pa_fresh_verdict *v, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int broken(pa_fresh_verdict *v, const char *kind, const char *fmt, ...) {
    v->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
    return -1;
}

int pa_fresh_vet(pa_heap *heap, size_t threshold, void *p, const pa_fresh_request *rq, pa_fresh_verdict *v) {
    v->kind = NULL;
    v->detail[0] = 0;
    if ((uintptr_t)p % rq->align)
        return broken(v, "MISALIGNED", "%s(%zu) returned %p, not a multiple of %zu", rq->call, rq->req, p, rq->align);
    if (!pa_heap_owns(heap, p))
        return broken(v, "NOT_OWNED", "%s(%zu) returned %p, which the heap does not own", rq->call, rq->req, p);
    v->usable = pa_heap_usable_size(heap, p);
    if (v->usable < rq->req)
        return broken(v, "USABLE_TOO_SMALL", "%s(%zu) returned %p with usable size %zu", rq->call, rq->req, p,
                      v->usable);
    v->small = pa_introspect_owner(heap, (uintptr_t)p) != 0;
    if (v->small && rq->req > threshold)
        return broken(v, "LARGE_IN_POOL", "%s(%zu) above the threshold %zu was served from a pool at %p", rq->call,
                      rq->req, threshold, p);
    if (!v->small && rq->size_rule && rq->req >= 1 && rq->req <= threshold && !rq->large_excused)
        return broken(v, "SMALL_NOT_IN_POOL", "%s(%zu) at most the threshold %zu went to the large path (%p)",
                      rq->call, rq->req, threshold, p);
    return 0;
}

/* The class size of the pool block at p (usable_size may say less: under
 * ASan it is the requested size); 0 if the pool cannot be read. */
static size_t class_size(const pa_heap *heap, const void *p) {
    pa_pool_view pv;
    pa_class_view cv;
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(pa_heap_config(heap)->pool_size - 1);
    if (pa_introspect_pool(heap, base, &pv) || pa_introspect_class(heap, pv.size_class, &cv))
        return 0;
    return cv.block_size;
}

/* The classes either side of size: *at the smallest block size of at least
 * size, *below the largest under it (0 where there is none). Classes grow
 * with their index (CLASS_GEOMETRY), so a binary search asks for a few of
 * them, where a scan asked a realloc for dozens. */
static void classes_around(const pa_heap *heap, size_t size, size_t *below, size_t *at) {
    size_t lo = 0, hi = PA_MAX_CLASSES; /* classes [0, lo) are below size, [hi, ...) at least size or none */
    pa_class_view cv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pa_introspect_class(heap, mid, &cv) == 0 && cv.block_size < size)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = pa_introspect_class(heap, lo, &cv) == 0 ? cv.block_size : 0;
    *below = lo && pa_introspect_class(heap, lo - 1, &cv) == 0 ? cv.block_size : 0;
}

/* The smallest class that holds size bytes (0 if none does). */
static size_t fitting_block(const pa_heap *heap, size_t size) {
    size_t below, at;
    classes_around(heap, size, &below, &at);
    return at;
}

/* Where a small block growing out of its class must go: the largest class
 * below twice the new size, or the top's once twice the size passes it (so
 * that the next appends stay in place); the top is the threshold, or 4096
 * for a size of at most 4096 under a higher threshold. */
static size_t growth_block(const pa_heap *heap, size_t threshold, size_t size) {
    size_t top = size <= 4096 && threshold > 4096 ? 4096 : threshold;
    if (2 * size > top)
        return top;
    size_t below, at;
    classes_around(heap, 2 * size, &below, &at);
    return below;
}

int pa_realloc_vet(const pa_heap *heap, int debug, const pa_realloc_old *old, size_t size, const void *q,
                   pa_fresh_verdict *v) {
    v->kind = NULL;
    v->detail[0] = 0;
    size_t block = old->small && !debug ? class_size(heap, old->p) : 0;
    if (block && size && size <= block && (2 * size > block || fitting_block(heap, size) == block) && q != old->p)
        return broken(v, "REALLOC_MOVED", "realloc of %s%llu (%zu-byte block at %p) to %zu bytes moved it to %p",
                      old->name_prefix, (unsigned long long)old->name_number, block, old->p, size, q);
    size_t threshold = pa_heap_config(heap)->small_threshold;
    if (block && size > block && size <= threshold) {
        size_t want = growth_block(heap, threshold, size), got = class_size(heap, q);
        if (got != want)
            return broken(v, "REALLOC_GROWTH",
                          "realloc of %s%llu (%zu-byte block at %p) to %zu bytes moved it to a %zu-byte block at %p, "
                          "not %zu (the largest class below twice the size)",
                          old->name_prefix, (unsigned long long)old->name_number, block, old->p, size, got, q, want);
    }
    size_t keep = old->req < size ? old->req : size;
    pa_pattern_mismatch m;
    if (pa_pattern_verify(q, old->req, keep, old->seed, &m))
        return broken(v, "REALLOC_PREFIX",
                      "realloc of %s%llu from %zu to %zu bytes (%p -> %p): byte %zu is 0x%02x, expected 0x%02x",
                      old->name_prefix, (unsigned long long)old->name_number, old->req, size, old->p, q, m.offset,
                      m.found, m.expected);
    return 0;
}

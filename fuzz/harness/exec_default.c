/* The default_heap op: the process-wide heap behind pa_malloc and friends,
 * used and emptied again within the op, so it holds after the op exactly
 * what it held before (every run leaves it as it found it). */
#include "exec_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "pattern.h"
#include "poolalloc/poolalloc.h"
#include "poolalloc/stats.h"

/* A block of the default API: aligned, at least size usable. (Which heap
 * holds it, the thread's or the shared one, is the API's business.) */
static int vet(exec *ex, const char *call, void *p, size_t size, size_t align) {
    if (!p)
        return ex_fail(ex, "UNEXPECTED_NULL", "default heap: %s(%zu) returned NULL (errno %d)", call, size, errno);
    size_t usable = pa_usable_size(p);
    if (ex_misuse_unexpected(ex)) /* the report (of the call or of usable_size) says more than the result */
        return -1;
    ex_doctor(ex, PA_SITE_USABLE, &usable);
    if (ex_check_locks(ex, call)) /* before the next call waits for it */
        return -1;
    if ((uintptr_t)p % align || usable < size)
        return ex_fail(ex, "DEFAULT_HEAP_BLOCK", "default heap: %s(%zu) gave %p: usable %zu, alignment %zu wanted",
                       call, size, p, usable, align);
    return 0;
}

/* pa_free, and no lock left held by it. */
static int release(exec *ex, void *p) {
    pa_free(p);
    return ex_check_locks(ex, "pa_free");
}

static int verify(exec *ex, const char *when, const void *p, size_t req, size_t limit, uint64_t seed) {
    pa_pattern_mismatch m;
    if (pa_pattern_verify(p, req, limit, seed, &m))
        return ex_fail(ex, seed ? "CONTENT_MISMATCH" : "CALLOC_NOT_ZERO",
                       "default heap, %s: byte %zu at %p is 0x%02x, expected 0x%02x", when, m.offset, p, m.found,
                       m.expected);
    return 0;
}

/* A call the API must refuse: NULL with errno want. */
static int refused(exec *ex, const char *call, const void *p, int err, int want) {
    if (p)
        return ex_fail(ex, "EXPECTED_NULL", "default heap: %s returned %p where it must fail", call, p);
    ex_doctor(ex, PA_SITE_HUGE_ERRNO, &err);
    if (err != want)
        return ex_fail(ex, "WRONG_ERRNO", "default heap: %s returned NULL with errno %d, expected %d", call, err, want);
    return 0;
}

/* Requests no heap can serve and arguments the API rejects, with q (size
 * bytes of the pattern seed) live: each refused with its errno, q and out
 * left as they were; pm_align is a good posix_memalign alignment. */
static int refusals(exec *ex, void *q, size_t size, uint64_t seed, size_t pm_align) {
    errno = 0;
    void *p = pa_calloc(2, SIZE_MAX / 2 + 1);
    if (refused(ex, "pa_calloc(2, SIZE_MAX / 2 + 1)", p, errno, ENOMEM))
        return -1;
    errno = 0;
    p = pa_realloc(q, PTRDIFF_MAX);
    if (refused(ex, "pa_realloc(q, PTRDIFF_MAX)", p, errno, ENOMEM) || verify(ex, "after a failed realloc", q, size, size, seed))
        return -1;
    errno = 0;
    p = pa_aligned_alloc(64, SIZE_MAX); /* rounding it up to the alignment wraps */
    if (refused(ex, "pa_aligned_alloc(64, SIZE_MAX)", p, errno, ENOMEM))
        return -1;
    errno = 0;
    p = pa_aligned_alloc(0, size);
    if (refused(ex, "pa_aligned_alloc(0, size)", p, errno, EINVAL))
        return -1;
    errno = 0;
    p = pa_aligned_alloc(24, size);
    if (refused(ex, "pa_aligned_alloc(24, size)", p, errno, EINVAL))
        return -1;
    /* posix_memalign answers by its result and leaves errno alone */
    const struct { size_t align, size; int rc; } bad[] = {
        {0, 1, EINVAL}, {sizeof(void *) / 2, 1, EINVAL}, {pm_align * 3, size, EINVAL}, {4096, PTRDIFF_MAX, ENOMEM}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int untouched;
        void *out = &untouched;
        errno = 0;
        int rc = pa_posix_memalign(&out, bad[i].align, bad[i].size);
        ex_doctor(ex, PA_SITE_HUGE_ERRNO, &rc);
        if (rc != bad[i].rc || out != &untouched || errno)
            return ex_fail(ex, "WRONG_ERRNO", "default heap: pa_posix_memalign(%zu, %zu) returned %d (out %p, errno %d), "
                           "expected %d, out untouched, errno 0", bad[i].align, bad[i].size, rc, out, errno, bad[i].rc);
    }
    /* the default heap cannot be destroyed (pa_malloc goes on using it) */
    errno = 0;
    size_t live = pa_heap_destroy(pa_default_heap());
    int err = errno;
    ex_doctor(ex, PA_SITE_HUGE_ERRNO, &err);
    if (live || err != EBUSY)
        return ex_fail(ex, "WRONG_ERRNO", "default heap: pa_heap_destroy(pa_default_heap()) returned %zu with errno %d, "
                       "expected 0 with %d", live, err, EBUSY);
    if (pa_heap_destroy(NULL) || pa_usable_size(NULL))
        return ex_fail(ex, "NULL_ANSWERED", "default heap: pa_heap_destroy(NULL) or pa_usable_size(NULL) is not 0");
    return 0;
}

/* pa_default_stats sums pa_heap_stats over the default heaps the thread
 * reaches, the calling thread's among them: each summed figure is at least
 * that heap's own, and none is past PTRDIFF_MAX (each counts objects or
 * bytes of one address space; a sum past it has wrapped). Asked while the
 * op's block is live, so the heap has blocks, free blocks and pools. */
static int sum_holds_own(exec *ex) {
    pa_stats own, all;
    pa_default_stats(&all); /* first: it collects the frees other threads handed back */
    pa_heap_stats(pa_default_heap(), &own);
    ex_doctor(ex, PA_SITE_DEFAULT_SUM, &all);
    const struct {
        const char *name;
        uint64_t sum, own;
    } figures[] = {
#define F(name) {#name, (uint64_t)all.name, (uint64_t)own.name}
        F(arenas_allocated_total), F(arenas_released_total), F(arenas_highwater), F(arenas_current),
        F(blocks_in_use), F(bytes_in_use), F(bytes_free_blocks), F(free_pools), F(bytes_free_pools),
        F(decommitted_pools), F(bytes_decommitted), F(decommit_pending_pools), F(bytes_pool_headers),
        F(bytes_quantization), F(bytes_alignment), F(bytes_total), F(large_blocks), F(large_bytes),
        F(large_cached_blocks), F(large_cached_bytes), F(large_cache_budget), F(empty_arenas_allowed),
        F(free_pools_allowed), F(metadata_bytes), F(os_bytes_mapped),
#undef F
    };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (figures[i].sum < figures[i].own || figures[i].sum > PTRDIFF_MAX)
            return ex_fail(ex, "DEFAULT_STATS_SUM", "pa_default_stats's %s is %" PRIu64 ", the calling thread's heap's "
                           "own %" PRIu64, figures[i].name, figures[i].sum, figures[i].own);
    if (all.nclasses < own.nclasses)
        return ex_fail(ex, "DEFAULT_STATS_SUM", "pa_default_stats has %zu classes, the calling thread's heap %zu",
                       all.nclasses, own.nclasses);
    for (size_t i = 0; i < own.nclasses; i++) {
        const pa_class_stats *s = &all.classes[i], *o = &own.classes[i];
        if (s->pools < o->pools || s->full_pools < o->full_pools || s->blocks_in_use < o->blocks_in_use ||
            s->bytes_in_use < o->bytes_in_use || s->free_blocks < o->free_blocks)
            return ex_fail(ex, "DEFAULT_STATS_SUM", "pa_default_stats's class %zu (pools, full, blocks, bytes, free) "
                           "%zu %zu %zu %zu %zu, the calling thread's heap's own %zu %zu %zu %zu %zu", i, s->pools,
                           s->full_pools, s->blocks_in_use, s->bytes_in_use, s->free_blocks, o->pools, o->full_pools,
                           o->blocks_in_use, o->bytes_in_use, o->free_blocks);
    }
    return 0;
}

/* malloc, calloc, realloc (of NULL too), aligned_alloc and posix_memalign,
 * each result vetted and its contents verified, the refusals above, a trim
 * with a block live, all freed. */
static int exercise(exec *ex, size_t size, uint8_t arg) {
    size_t base_align = pa_heap_config(pa_default_heap())->alignment;
    void *p = pa_malloc(size);
    if (vet(ex, "pa_malloc", p, size, base_align))
        return -1;
    uint64_t seed = ex_next_seed(ex);
    pa_pattern_fill(p, size, seed);
    size_t count = arg & 7;
    void *z = pa_calloc(count, size);
    if (vet(ex, "pa_calloc", z, count * size, base_align) || verify(ex, "calloc", z, count * size, count * size, 0))
        return -1;
    if (release(ex, z))
        return -1;
    /* realloc of NULL is a malloc: of p's size, from the pool p's took */
    void *r = pa_realloc(NULL, size);
    if (vet(ex, "pa_realloc(NULL)", r, size, base_align))
        return -1;
    if (release(ex, r))
        return -1;
    size_t grown = size + arg + 1;
    void *q = pa_realloc(p, grown);
    if (vet(ex, "pa_realloc", q, grown, base_align) || verify(ex, "after realloc", q, size, size, seed))
        return -1;
    size_t align = (size_t)1 << (arg >> 4);
    void *a = pa_aligned_alloc(align, size);
    if (vet(ex, "pa_aligned_alloc", a, size, align > base_align ? align : base_align))
        return -1;
    if (release(ex, a))
        return -1;
    void *out = NULL;
    size_t pm_align = align < sizeof(void *) ? sizeof(void *) : align;
    int rc = pa_posix_memalign(&out, pm_align, size);
    if (rc || vet(ex, "pa_posix_memalign", out, size, pm_align > base_align ? pm_align : base_align))
        return rc ? ex_fail(ex, "UNEXPECTED_NULL", "default heap: pa_posix_memalign(%zu, %zu) returned %d", pm_align,
                            size, rc)
                  : -1;
    if (release(ex, out))
        return -1;
    if (refusals(ex, q, size, seed, pm_align) || sum_holds_own(ex))
        return -1;
    /* pa_trim gives back what the default heaps keep for reuse, q still
     * live among it: once done, it leaves a second one nothing to give */
    pa_trim();
    size_t again = pa_trim();
    ex_doctor(ex, PA_SITE_DEFAULT_TRIM, &again);
    if (again)
        return ex_fail(ex, "DEFAULT_TRIM", "a second pa_trim gave back %zu bytes; the first left nothing to give", again);
    if (verify(ex, "after pa_trim", q, size, size, seed))
        return -1;
    pa_free(NULL);
    return release(ex, q);
}

/* The default heaps are made from pa_config_default (the debug layer aside,
 * which POOLALLOC_DEBUG sets): the layout, retention and cache config.h
 * documents for it, a wrong starting value being a policy broken while the
 * heap goes on working. */
static int documented_config(exec *ex, const pa_heap *h) {
    pa_config c = *pa_heap_config(h);
    ex_doctor(ex, PA_SITE_DEFAULT_CONFIG, &c);
    const struct {
        const char *name;
        size_t is, documented;
    } fields[] = {
        {"alignment", c.alignment, 16},
        {"small_threshold", c.small_threshold, 4096},
        {"pool_size", c.pool_size, 16 * 1024},
        {"arena_size", c.arena_size, 1024 * 1024},
        {"memory_limit", c.memory_limit, 0},
        {"empty_arenas", (size_t)c.empty_arenas, PA_EMPTY_ARENA_KEEP_ONE},
        {"decommit", (size_t)c.decommit, PA_DECOMMIT_FREE_POOLS},
        {"decommit_keep_pools", c.decommit_keep_pools, 16},
        {"decommit_run_pools", c.decommit_run_pools, 16},
        {"empty_arenas_max", c.empty_arenas_max, 8},
        {"decommit_keep_pools_max", c.decommit_keep_pools_max, 64},
        {"large_cache_bytes", c.large_cache_bytes, 1024 * 1024},
        {"large_cache_bytes_max", c.large_cache_bytes_max, 8 * 1024 * 1024},
        {"keep_spare_pools", (size_t)c.keep_spare_pools, 1},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].is != fields[i].documented)
            return ex_fail(ex, "DEFAULT_CONFIG", "the default heap's %s is %zu, config.h documents %zu", fields[i].name,
                           fields[i].is, fields[i].documented);
    return 0;
}

int ex_default_heap(exec *ex, size_t size, uint8_t arg) {
    if (size > PA_LIVE_BYTES_MAX / 8)
        return 0;
    pa_stats before, after;
    /* the first use creates the heap */
    if (release(ex, pa_malloc(1)))
        return -1;
    pa_heap *h = pa_default_heap();
    if (!h)
        return ex_fail(ex, "UNEXPECTED_NULL", "the default heap could not be created");
    if (documented_config(ex, h))
        return -1;
    pa_heap_stats(h, &before);
    if (exercise(ex, size, arg))
        return -1;
    pa_heap_stats(h, &after);
    ex_doctor(ex, PA_SITE_DEFAULT_STATS, &after);
    size_t slack = pa_heap_config(h)->debug ? pa_heap_config(h)->debug_quarantine : 0;
    if (after.blocks_in_use > before.blocks_in_use + slack || after.large_blocks > before.large_blocks + slack)
        return ex_fail(ex, "DEFAULT_HEAP_LEAK", "the default heap holds %zu small and %zu large blocks, before the op %zu and %zu",
                       after.blocks_in_use, after.large_blocks, before.blocks_in_use, before.large_blocks);
    /* the sum over every default heap holds this one's */
    pa_stats all;
    pa_default_stats(&all);
    ex_doctor(ex, PA_SITE_DEFAULT_STATS, &all);
    if (all.blocks_in_use < after.blocks_in_use || all.large_blocks < after.large_blocks)
        return ex_fail(ex, "DEFAULT_STATS_SUM", "pa_default_stats counts %zu small and %zu large blocks, fewer than the "
                       "default heap's own %zu and %zu", all.blocks_in_use, all.large_blocks, after.blocks_in_use,
                       after.large_blocks);
    pa_check_report_clear(ex->rep);
    if (pa_check_heap(h, ex->rep))
        return ex_fail_checker(ex, "pa_check_heap (the default heap)");
    return 0;
}

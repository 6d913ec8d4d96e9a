/* The cache op: an object cache of capacity above zero on the heap, filled,
 * drained, refilled, trimmed and destroyed within the op, against a model of
 * its policy (a free parks an object while fewer than the capacity are
 * parked; an allocation takes a parked object first). */
#include "exec_internal.h"

#include <errno.h>
#include <string.h>

#include "pattern.h"
#include "poolalloc/object_cache.h"

#define CACHE_OBJECTS_MAX 256

typedef struct cache_run {
    exec *ex;
    pa_object_cache *c;
    pa_object_cache_stats model;
    size_t n;
    void *obj[CACHE_OBJECTS_MAX];
    uint64_t seed[CACHE_OBJECTS_MAX];
} cache_run;

static int compare_stats(cache_run *r, const char *when) {
    pa_object_cache_stats st;
    pa_object_cache_get_stats(r->c, &st);
    ex_doctor(r->ex, PA_SITE_CACHE_STATS, &st);
    if (st.cached > st.capacity)
        return ex_fail(r->ex, "CACHE_OVER_CAPACITY", "%s: the cache holds %zu objects, its capacity is %zu", when,
                       st.cached, st.capacity);
    if (st.object_size != r->model.object_size || st.capacity != r->model.capacity || st.cached != r->model.cached ||
        st.hits != r->model.hits || st.misses != r->model.misses || st.parked != r->model.parked ||
        st.overflowed != r->model.overflowed)
        return ex_fail(r->ex, "CACHE_STATS",
                       "%s: the cache says size %zu cap %zu cached %zu hits %llu misses %llu parked %llu "
                       "overflowed %llu; the model %zu %zu %zu %llu %llu %llu %llu",
                       when, st.object_size, st.capacity, st.cached, (unsigned long long)st.hits,
                       (unsigned long long)st.misses, (unsigned long long)st.parked,
                       (unsigned long long)st.overflowed, r->model.object_size, r->model.capacity, r->model.cached,
                       (unsigned long long)r->model.hits, (unsigned long long)r->model.misses,
                       (unsigned long long)r->model.parked, (unsigned long long)r->model.overflowed);
    return 0;
}

/* Take n objects: each a block of the heap at least the object size, aligned,
 * overlapping nothing live; NULL only with ENOMEM under a limit or a fault. */
static int take_all(cache_run *r) {
    exec *ex = r->ex;
    for (size_t i = 0; i < r->n; i++) {
        int hit = r->model.cached > 0;
        errno = 0;
        void *p = pa_object_cache_alloc(r->c);
        int err = errno;
        r->model.hits += hit;
        r->model.misses += !hit;
        r->model.cached -= hit;
        r->obj[i] = p;
        if (!p) {
            if (hit || err != ENOMEM || !(ex->cfg.memory_limit || ex_fault_this_op(ex)))
                return ex_fail(ex, "UNEXPECTED_NULL", "object cache alloc %zu (%s) returned NULL (errno %d)", i,
                               hit ? "a parked object" : "from the heap", err);
            ex->st->null_results++;
            continue;
        }
        size_t usable = pa_heap_usable_size(ex->heap, p);
        ex_doctor(ex, PA_SITE_USABLE, &usable);
        if ((uintptr_t)p % ex->cfg.alignment || !pa_heap_owns(ex->heap, p) || usable < r->model.object_size)
            return ex_fail(ex, "CACHE_OBJECT", "object cache alloc %zu gave %p: usable %zu for %zu-byte objects, "
                           "owned %d, alignment %zu", i, p, usable, r->model.object_size,
                           pa_heap_owns(ex->heap, p), ex->cfg.alignment);
        if (ex->cfg.debug && !hit) {
            /* a new object is a new debug block: the fresh fill */
            ex_doctor(ex, PA_SITE_FRESH_DATA, p);
            const unsigned char *d = p;
            size_t bad = ex_fill_mismatch(d, r->model.object_size, DEBUG_FRESH_FILL);
            if (bad < r->model.object_size)
                return ex_fail(ex, "DEBUG_FRESH_FILL", "object cache alloc %zu (from the heap) gave %p whose byte %zu "
                               "is 0x%02x, not 0x%02x", i, p, bad, d[bad], DEBUG_FRESH_FILL);
        }
        pa_shadow_range clash;
        if (pa_shadow_claim(&ex->sh, p, r->model.object_size, ex->sh.next_serial++, &clash))
            return ex_fail(ex, "OVERLAP", "object cache alloc %zu gave [%p, +%zu), overlapping live b%llu [%#lx, %#lx)",
                           i, p, r->model.object_size, (unsigned long long)clash.serial, (unsigned long)clash.lo,
                           (unsigned long)clash.hi);
        r->seed[i] = ex_next_seed(ex);
        pa_pattern_fill(p, r->model.object_size, r->seed[i]);
        ex_touch(ex, p);
    }
    return compare_stats(r, "after the allocations");
}

/* Give every object back, their contents intact until then. */
static int give_all(cache_run *r) {
    exec *ex = r->ex;
    for (size_t i = 0; i < r->n; i++) {
        void *p = r->obj[i];
        if (!p)
            continue;
        pa_pattern_mismatch m;
        if (pa_pattern_verify(p, r->model.object_size, r->model.object_size, r->seed[i], &m))
            return ex_fail(ex, "CONTENT_MISMATCH", "object %zu of the cache at %p: byte %zu is 0x%02x, expected 0x%02x",
                           i, p, m.offset, m.found, m.expected);
        if (pa_shadow_release(&ex->sh, p))
            return ex_fail(ex, "SHADOW_LOST", "cache object %p is missing from the address index", p);
        int park = r->model.cached < r->model.capacity;
        r->model.cached += park;
        r->model.parked += park;
        r->model.overflowed += !park;
        ex_touch(ex, p);
        pa_object_cache_free(r->c, p);
    }
    return compare_stats(r, "after the frees");
}

int ex_cache(exec *ex, size_t object_size, uint8_t capacity, size_t count) {
    cache_run r;
    r.ex = ex;
    errno = 0;
    r.c = pa_object_cache_create(ex->heap, "fuzz", object_size, capacity);
    int err = errno;
    if (!object_size) {
        if (r.c || err != EINVAL)
            return ex_fail(ex, "WRONG_ERRNO", "object cache of 0-byte objects: %p, errno %d, expected NULL, %d",
                           (void *)r.c, err, EINVAL);
        /* and of no heap */
        errno = 0;
        r.c = pa_object_cache_create(NULL, "fuzz", 16, capacity);
        if (r.c || errno != EINVAL)
            return ex_fail(ex, "WRONG_ERRNO", "object cache of no heap: %p, errno %d, expected NULL, %d", (void *)r.c,
                           errno, EINVAL);
        return 0;
    }
    if (!r.c) {
        if (err == ENOMEM && (ex->cfg.memory_limit || ex_fault_this_op(ex)))
            return 0;
        return ex_fail(ex, "UNEXPECTED_NULL", "object cache create returned NULL (errno %d)", err);
    }
    ex_touch(ex, r.c);
    memset(&r.model, 0, sizeof r.model);
    r.model.object_size = object_size < sizeof(void *) ? sizeof(void *) : object_size;
    r.model.capacity = capacity;
    /* within the live-bytes budget and the address index's room */
    size_t room = PA_LIVE_MAX + 1 - ex->sh.nranges - 1;
    r.n = count < room ? count : room;
    if (r.n && (PA_LIVE_BYTES_MAX - ex->live_bytes) / r.model.object_size < r.n)
        r.n = (PA_LIVE_BYTES_MAX - ex->live_bytes) / r.model.object_size;
    pa_object_cache_free(r.c, NULL); /* nothing, as free(NULL) */
    int rc = take_all(&r) || give_all(&r) || take_all(&r) || give_all(&r);
    if (!rc) {
        pa_object_cache_trim(r.c);
        r.model.cached = 0;
        rc = compare_stats(&r, "after a trim");
    }
    pa_object_cache_destroy(r.c);
    pa_object_cache_destroy(NULL); /* nothing */
    return rc ? -1 : 0;
}

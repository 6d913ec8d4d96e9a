#include "pa_testing/os_counting.h"

#include <stdint.h>
#include <string.h>

struct pa_os_range {
    uintptr_t start, end;
};

static int fails(pa_os_counter *c, pa_os_request request, size_t size) {
    uint64_t seq = c->seq++;
    c->requests[request]++;
    if (c->should_fail && c->should_fail(c->fail_ctx, request, size, seq)) {
        c->failures[request]++;
        return 1;
    }
    return 0;
}

/* Drop [start, end) from the decommitted ranges, trimming or splitting the
 * ranges it overlaps. Splitting needs one free slot, which remember keeps. */
static void forget(pa_os_counter *c, uintptr_t start, uintptr_t end) {
    for (size_t i = 0; i < c->nranges;) {
        struct pa_os_range *r = &c->ranges[i];
        uintptr_t lo = r->start > start ? r->start : start;
        uintptr_t hi = r->end < end ? r->end : end;
        if (lo >= hi) {
            i++;
            continue;
        }
        c->bytes_decommitted -= hi - lo;
        if (r->start < lo && hi < r->end) {
            c->ranges[c->nranges++] = (struct pa_os_range){hi, r->end};
            r->end = lo;
        } else if (r->start < lo) {
            r->end = lo;
        } else if (hi < r->end) {
            r->start = hi;
        } else {
            *r = c->ranges[--c->nranges];
            continue;
        }
        i++;
    }
}

static int remember(pa_os_counter *c, uintptr_t start, uintptr_t end) {
    forget(c, start, end);
    if (c->nranges + 2 > c->ranges_capacity) {
        size_t capacity = c->ranges_capacity ? c->ranges_capacity * 2 : 256;
        struct pa_os_range *grown = c->inner.map(c->inner.ctx, capacity * sizeof *grown, pa_os_page_size());
        if (!grown)
            return -1;
        if (c->ranges) {
            memcpy(grown, c->ranges, c->nranges * sizeof *grown);
            c->inner.unmap(c->inner.ctx, c->ranges, c->ranges_capacity * sizeof *grown);
        }
        c->ranges = grown;
        c->ranges_capacity = capacity;
    }
    c->ranges[c->nranges++] = (struct pa_os_range){start, end};
    c->bytes_decommitted += end - start;
    return 0;
}

static void *counting_map(void *ctx, size_t size, size_t alignment) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_MAP, size))
        return NULL;
    void *p = c->inner.map(c->inner.ctx, size, alignment);
    if (p) {
        c->regions++;
        c->bytes_mapped += size;
        if (c->bytes_mapped > c->bytes_mapped_peak)
            c->bytes_mapped_peak = c->bytes_mapped;
    }
    return p;
}

static int counting_unmap(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_UNMAP, size))
        return -1;
    int rc = c->inner.unmap(c->inner.ctx, addr, size);
    if (rc == 0) {
        c->regions--;
        c->bytes_mapped -= size;
        forget(c, (uintptr_t)addr, (uintptr_t)addr + size);
        if (c->regions == 0 && c->ranges) {
            c->inner.unmap(c->inner.ctx, c->ranges, c->ranges_capacity * sizeof *c->ranges);
            c->ranges = NULL;
            c->nranges = c->ranges_capacity = 0;
        }
    }
    return rc;
}

/* A decommit the counter could not record is refused, so its figures stay
 * exact. */
static int counting_decommit(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_DECOMMIT, size))
        return -1;
    if (remember(c, (uintptr_t)addr, (uintptr_t)addr + size))
        return -1;
    int rc = c->inner.decommit(c->inner.ctx, addr, size);
    if (rc)
        forget(c, (uintptr_t)addr, (uintptr_t)addr + size);
    return rc;
}

static int counting_recommit(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_RECOMMIT, size))
        return -1;
    int rc = c->inner.recommit(c->inner.ctx, addr, size);
    if (rc == 0)
        forget(c, (uintptr_t)addr, (uintptr_t)addr + size);
    return rc;
}

/* A hint that cannot fail: counted, passed on, never refused. */
static void counting_prefault(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    c->prefaults++;
    c->bytes_prefaulted += size;
    if (c->inner.prefault)
        c->inner.prefault(c->inner.ctx, addr, size);
}

void pa_os_counter_init(pa_os_counter *c, const pa_os_ops *inner) {
    memset(c, 0, sizeof *c);
    c->inner = inner ? *inner : pa_os_mmap();
}

pa_os_ops pa_os_counter_ops(pa_os_counter *c) {
    pa_os_ops ops = {counting_map, counting_unmap, counting_decommit, counting_recommit, c, counting_prefault};
    return ops;
}

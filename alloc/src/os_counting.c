#include "poolalloc/os_counting.h"

#include <string.h>

static int fails(pa_os_counter *c, pa_os_request request, size_t size) {
    uint64_t seq = c->seq++;
    c->requests[request]++;
    if (c->should_fail && c->should_fail(c->fail_ctx, request, size, seq)) {
        c->failures[request]++;
        return 1;
    }
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
    }
    return rc;
}

static int counting_decommit(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_DECOMMIT, size))
        return -1;
    int rc = c->inner.decommit(c->inner.ctx, addr, size);
    if (rc == 0)
        c->bytes_decommitted += size;
    return rc;
}

static int counting_recommit(void *ctx, void *addr, size_t size) {
    pa_os_counter *c = ctx;
    if (fails(c, PA_OS_RECOMMIT, size))
        return -1;
    int rc = c->inner.recommit(c->inner.ctx, addr, size);
    if (rc == 0)
        c->bytes_decommitted -= size;
    return rc;
}

void pa_os_counter_init(pa_os_counter *c, const pa_os_ops *inner) {
    memset(c, 0, sizeof *c);
    c->inner = inner ? *inner : pa_os_mmap();
}

pa_os_ops pa_os_counter_ops(pa_os_counter *c) {
    pa_os_ops ops = {counting_map, counting_unmap, counting_decommit, counting_recommit, c};
    return ops;
}

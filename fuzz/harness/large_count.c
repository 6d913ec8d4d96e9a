/* Counting large-block path. */
#include "large_count.h"

#include <string.h>


/* Count a block the inner path handed out (or not: NULL). */
static void *counted(pa_large_counter *c, void *p, size_t size) {
    if (p) {
        c->blocks++;
        c->bytes += size;
        c->allocs++;
    }
    return p;
}

static void *count_alloc(void *ctx, size_t size, size_t alignment) {
    pa_large_counter *c = ctx;
    return counted(c, c->inner.alloc(c->inner.ctx, size, alignment), size);
}

static void *count_alloc_zeroed(void *ctx, size_t size, size_t alignment) {
    pa_large_counter *c = ctx;
    return counted(c, c->inner.alloc_zeroed(c->inner.ctx, size, alignment), size);
}

static void *count_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    pa_large_counter *c = ctx;
    void *q = c->inner.resize(c->inner.ctx, p, old_size, new_size);
    if (q) {
        c->bytes = c->bytes - old_size + new_size;
        c->resizes++;
    }
    return q;
}

static void count_free(void *ctx, void *p, size_t size) {
    pa_large_counter *c = ctx;
    c->inner.free(c->inner.ctx, p, size);
    c->blocks--;
    c->bytes -= size;
    c->frees++;
}

void pa_large_counter_init(pa_large_counter *c, const pa_large_ops *inner) {
    memset(c, 0, sizeof *c);
    c->inner = inner && inner->alloc ? *inner : pa_large_system();
}

pa_large_ops pa_large_counter_ops(pa_large_counter *c) {
    pa_large_ops ops = {count_alloc, c->inner.resize ? count_resize : NULL, count_free, c,
                        c->inner.alloc_zeroed ? count_alloc_zeroed : NULL};
    return ops;
}

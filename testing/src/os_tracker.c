/* The region-recording OS layer: mmap, every region recorded. */
#include "pa_testing/os_tracker.h"

#include <stdlib.h>

static void *track_map(void *ctx, size_t size, size_t alignment) {
    os_tracker *t = ctx;
    void *p = t->mmap.map(t->mmap.ctx, size, alignment);
    if (!p)
        return NULL;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        os_region *g = realloc(t->r, ncap * sizeof *g);
        if (!g)
            return p; /* untracked: only a leak if its unmap fails too */
        t->r = g;
        t->cap = ncap;
    }
    t->r[t->n].addr = p;
    t->r[t->n].size = size;
    t->n++;
    return p;
}

static int track_unmap(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    int rc = t->mmap.unmap(t->mmap.ctx, addr, size);
    if (!rc)
        for (size_t i = 0; i < t->n; i++)
            if (t->r[i].addr == addr) {
                t->r[i] = t->r[--t->n];
                break;
            }
    return rc;
}

static int track_decommit(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    return t->mmap.decommit(t->mmap.ctx, addr, size);
}

static int track_recommit(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    return t->mmap.recommit(t->mmap.ctx, addr, size);
}

static void track_prefault(void *ctx, void *addr, size_t size) {
    os_tracker *t = ctx;
    t->mmap.prefault(t->mmap.ctx, addr, size);
}

void pa_os_tracker_release(os_tracker *t) {
    for (size_t i = 0; i < t->n; i++)
        t->mmap.unmap(t->mmap.ctx, t->r[i].addr, t->r[i].size);
    free(t->r);
    t->r = NULL;
    t->n = t->cap = 0;
}

pa_os_ops pa_os_tracker_init(os_tracker *t) { return pa_os_tracker_init_over(t, pa_os_mmap()); }

pa_os_ops pa_os_tracker_init_over(os_tracker *t, pa_os_ops inner) {
    t->mmap = inner;
    t->r = NULL;
    t->n = t->cap = 0;
    return (pa_os_ops){track_map, track_unmap, track_decommit, track_recommit, t, track_prefault};
}

/* The address-placing OS layer: mmap with MAP_FIXED_NOREPLACE at a chosen
 * address, the inner layer where that place is taken. */
#include "pa_testing/os_placer.h"

#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older kernels take it as a hint, checked below */
#endif

#define GIB ((uintptr_t)1 << 30)
#define LOW_START GIB
/* Below the stack and the libraries near 2^47, above AddressSanitizer's
 * shadow (which ends below 2^45), so the places are free in every build. */
#define HIGH_START (((uintptr_t)1 << 47) - ((uintptr_t)1 << 40))
#define FAR_START ((uintptr_t)1 << 45)
#define FAR_STRIDE ((uintptr_t)1 << 38)

static uintptr_t align_up(uintptr_t a, size_t alignment) { return (a + alignment - 1) & ~(uintptr_t)(alignment - 1); }

uintptr_t pa_os_placer_target(const os_placer *p, size_t size, size_t alignment) {
    size_t page = pa_os_page_size();
    if (alignment < page)
        alignment = page;
    /* the n-th map of a kind goes past the n-1 before it, so one placement
     * serves a run of maps instead of colliding with its own last region */
    uintptr_t n = (uintptr_t)p->nth, k = (uintptr_t)p->param;
    switch (p->kind) {
    case PA_PLACE_LOW:
        return align_up(LOW_START + (k + n) * 16 * ((uintptr_t)1 << 20), alignment);
    case PA_PLACE_HIGH: {
        uintptr_t top = HIGH_START - (k + n) * GIB;
        return (top - size) & ~(uintptr_t)(alignment - 1);
    }
    case PA_PLACE_FAR:
        return FAR_START + ((k + n) % 128) * FAR_STRIDE;
    case PA_PLACE_ADJACENT:
        return p->last_end ? align_up(p->last_end, alignment) : 0;
    case PA_PLACE_REUSE:
        return p->freed_addr && !(p->freed_addr & (alignment - 1)) ? p->freed_addr : 0;
    default:
        return 0;
    }
}

static void *try_place(uintptr_t at, size_t size) {
    void *r = mmap((void *)at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    if ((uintptr_t)r != at) { /* a kernel that took the flag as a hint */
        munmap(r, size);
        return NULL;
    }
    return r;
}

/* A region the recycler holds at the place is that mapping, given out
 * again; one it holds across the place would make the place look taken. */
static void *place_at(os_placer *p, uintptr_t at, size_t size) {
    void *r = p->recycler ? pa_os_recycler_take_at(p->recycler, at, size) : NULL;
    return r ? r : try_place(at, size);
}

static void *place_map(void *ctx, size_t size, size_t alignment) {
    os_placer *p = ctx;
    uintptr_t at = pa_os_placer_target(p, size, alignment);
    void *r = at && at + size > at ? place_at(p, at, size) : NULL;
    if (r)
        p->placed++;
    else {
        if (at)
            p->fell_back++;
        r = p->inner.map(p->inner.ctx, size, alignment);
    }
    if (!r)
        return NULL;
    p->nth++;
    p->last_end = (uintptr_t)r + size;
    return r;
}

static int place_unmap(void *ctx, void *addr, size_t size) {
    os_placer *p = ctx;
    int rc = p->inner.unmap(p->inner.ctx, addr, size);
    if (!rc)
        p->freed_addr = (uintptr_t)addr;
    return rc;
}

static int place_decommit(void *ctx, void *addr, size_t size) {
    os_placer *p = ctx;
    return p->inner.decommit(p->inner.ctx, addr, size);
}

static int place_recommit(void *ctx, void *addr, size_t size) {
    os_placer *p = ctx;
    return p->inner.recommit(p->inner.ctx, addr, size);
}

static void place_prefault(void *ctx, void *addr, size_t size) {
    os_placer *p = ctx;
    p->inner.prefault(p->inner.ctx, addr, size);
}

void pa_os_placer_set(os_placer *p, pa_place_kind kind, uint8_t param) {
    p->kind = (unsigned)kind < PA_PLACE_KINDS ? kind : PA_PLACE_KERNEL;
    p->param = param;
    p->nth = 0;
}

pa_os_ops pa_os_placer_init(os_placer *p) {
    *p = (os_placer){.inner = pa_os_mmap(), .kind = PA_PLACE_KERNEL};
    return (pa_os_ops){place_map, place_unmap, place_decommit, place_recommit, p, place_prefault};
}

pa_os_ops pa_os_placer_init_over(os_placer *p, os_recycler *r) {
    pa_os_ops ops = pa_os_placer_init(p);
    p->inner = pa_os_recycler_ops(r);
    p->recycler = r;
    return ops;
}

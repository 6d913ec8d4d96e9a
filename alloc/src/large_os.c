/* mremap is a GNU extension; this file is a unit of its own (CMake). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "large_os.h"

#include <sys/mman.h>

static size_t page_round(size_t size) {
    size_t page = pa_os_page_size();
    return (size + page - 1) & ~(page - 1);
}

/* ctx: the OS layer to map from, NULL for the mmap layer. */
static pa_os_ops layer(void *ctx) { return ctx ? *(const pa_os_ops *)ctx : pa_os_mmap(); }

static void *os_alloc(void *ctx, size_t size, size_t alignment) {
    size_t bytes = page_round(size);
    if (bytes < size)
        return NULL;
    pa_os_ops os = layer(ctx);
    return os.map(os.ctx, bytes, alignment);
}

/* Over the mmap layer only: the kernel extends or moves the mapping, so
 * nothing is copied and the old and new blocks are never both resident,
 * as glibc grows its mmapped chunks. Like realloc, it keeps no alignment
 * above a page. */
static void *mmap_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    (void)ctx;
    size_t old_bytes = page_round(old_size), new_bytes = page_round(new_size);
    if (new_bytes < new_size)
        return NULL;
    if (new_bytes == old_bytes)
        return p;
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
}

static void os_free(void *ctx, void *p, size_t size) {
    pa_os_ops os = layer(ctx);
    os.unmap(os.ctx, p, page_round(size));
}

/* Another OS layer has no remap: the heap then allocates, copies and
 * frees through it, so the layer sees every mapping. */
pa_large_ops pa_large_os_on(const pa_os_ops *os) {
    pa_large_ops ops = {os_alloc, os ? NULL : mmap_resize, os_free, (void *)os, os_alloc};
    return ops;
}

pa_large_ops pa_large_os(void) { return pa_large_os_on(NULL); }

int pa_large_os_remaps(const pa_large_ops *ops) { return ops->resize == mmap_resize; }

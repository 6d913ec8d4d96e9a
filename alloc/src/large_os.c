#include "large_os.h"

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

static void os_free(void *ctx, void *p, size_t size) {
    pa_os_ops os = layer(ctx);
    os.unmap(os.ctx, p, page_round(size));
}

pa_large_ops pa_large_os_on(const pa_os_ops *os) {
    pa_large_ops ops = {os_alloc, NULL, os_free, (void *)os, os_alloc};
    return ops;
}

pa_large_ops pa_large_os(void) { return pa_large_os_on(NULL); }

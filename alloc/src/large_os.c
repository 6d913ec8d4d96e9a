#include "large_os.h"

#include "poolalloc/os.h"

static size_t page_round(size_t size) {
    size_t page = pa_os_page_size();
    return (size + page - 1) & ~(page - 1);
}

static void *os_alloc(void *ctx, size_t size, size_t alignment) {
    (void)ctx;
    size_t bytes = page_round(size);
    if (bytes < size)
        return NULL;
    return pa_os_mmap().map(NULL, bytes, alignment);
}

static void os_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    pa_os_mmap().unmap(NULL, p, page_round(size));
}

pa_large_ops pa_large_os(void) {
    pa_large_ops ops = {os_alloc, NULL, os_free, NULL, os_alloc};
    return ops;
}

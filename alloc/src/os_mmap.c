#include "poolalloc/os.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* Any thread may be first: a relaxed atomic, as every writer stores the
 * same value. */
size_t pa_os_page_size(void) {
    static _Atomic size_t page;
    size_t p = atomic_load_explicit(&page, memory_order_relaxed);
    if (!p) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&page, p, memory_order_relaxed);
    }
    return p;
}

/* Over-map by alignment - page, then trim both ends, so the region is
 * aligned without relying on where the kernel happens to put it. */
static void *mmap_map(void *ctx, size_t size, size_t alignment) {
    (void)ctx;
    size_t page = pa_os_page_size();
    if (alignment < page)
        alignment = page;
    size_t span = size + alignment - page;
    if (span < size)
        return NULL;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + alignment - 1) & ~(uintptr_t)(alignment - 1);
    size_t head = start - (uintptr_t)raw;
    size_t tail = span - head - size;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap((char *)start + size, tail);
    return (void *)start;
}

static int mmap_unmap(void *ctx, void *addr, size_t size) {
    (void)ctx;
    return munmap(addr, size);
}

/* Private anonymous pages dropped with MADV_DONTNEED read back as zero and
 * are faulted in again on touch, so recommit has nothing to do. */
static int mmap_decommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    return madvise(addr, size, MADV_DONTNEED);
}

static int mmap_recommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    (void)addr;
    (void)size;
    return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it, harmlessly */
#endif

static void mmap_prefault(void *ctx, void *addr, size_t size) {
    (void)ctx;
    (void)madvise(addr, size, MADV_POPULATE_WRITE);
}

pa_os_ops pa_os_mmap(void) {
    pa_os_ops ops = {mmap_map, mmap_unmap, mmap_decommit, mmap_recommit, NULL, mmap_prefault};
    return ops;
}

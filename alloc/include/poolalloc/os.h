/* The OS layer: where arena and metadata memory comes from. Substitutable so
 * tests and fuzz targets can count every byte or make any request fail. */
#ifndef POOLALLOC_OS_H
#define POOLALLOC_OS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pa_os_ops {
    /* A zero-filled, read-write region of size bytes whose address is a
     * multiple of alignment (a power of two >= the page size), or NULL. */
    void *(*map)(void *ctx, size_t size, size_t alignment);
    /* Give back exactly a region map returned. 0 on success. */
    int (*unmap)(void *ctx, void *addr, size_t size);
    /* The pages of [addr, addr+size) may be dropped; their contents are
     * lost but they must stay readable (reading zeros or stale data, as
     * madvise(MADV_DONTNEED or MADV_FREE) leaves them): the release build's
     * free fast path may read a pool header there when handed a dead
     * pointer, and then reports it. 0 on success; on failure the pages stay
     * committed and intact. */
    int (*decommit)(void *ctx, void *addr, size_t size);
    /* Make decommitted pages usable again (zero-filled). 0 on success. */
    int (*recommit)(void *ctx, void *addr, size_t size);
    void *ctx;
    /* Optional (NULL: none). [addr, addr+size) is about to be written:
     * make its pages present in one request rather than a fault per page.
     * A hint: the heap ignores the result. */
    void (*prefault)(void *ctx, void *addr, size_t size);
} pa_os_ops;

/* The default layer: mmap/munmap, madvise(MADV_DONTNEED) to decommit,
 * madvise(MADV_POPULATE_WRITE) to prefault (Linux 5.14; a no-op before). */
pa_os_ops pa_os_mmap(void);

/* The system page size, as the mmap layer sees it. */
size_t pa_os_page_size(void);

#ifdef __cplusplus
}
#endif
#endif

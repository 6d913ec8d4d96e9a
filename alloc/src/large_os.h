/* A large layer straight from the OS layer (mmap), for the drop-in malloc,
 * whose large path must not call the C library's malloc: that would be
 * itself. Each block is its own page-rounded, aligned mapping (over the
 * mmap layer resized with mremap); mappings read back zero, so
 * alloc_zeroed is alloc. */
#ifndef POOLALLOC_LARGE_OS_H
#define POOLALLOC_LARGE_OS_H

#include "poolalloc/large.h"
#include "poolalloc/os.h"

/* Over the mmap layer. */
pa_large_ops pa_large_os(void);
/* Over os (NULL: the mmap layer), which must outlive the blocks: how tests
 * count what each block maps. */
pa_large_ops pa_large_os_on(const pa_os_ops *os);
/* 1 when ops resize by remapping (the mmap layer's): a block's pages move
 * with it, nothing is copied. */
int pa_large_os_remaps(const pa_large_ops *ops);

#endif

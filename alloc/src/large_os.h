/* A large layer straight from the OS layer (mmap), for the drop-in malloc,
 * whose large path must not call the C library's malloc: that would be
 * itself. Each block is its own page-rounded, aligned mapping; mappings
 * read back zero, so alloc_zeroed is alloc. */
#ifndef POOLALLOC_LARGE_OS_H
#define POOLALLOC_LARGE_OS_H

#include "poolalloc/large.h"

pa_large_ops pa_large_os(void);

#endif

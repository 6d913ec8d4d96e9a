#define _DEFAULT_SOURCE

#include "scratch.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void *bench_scratch_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "bench: cannot map %zu bytes of harness memory\n", bytes);
        exit(2);
    }
    /* A write to every page makes it resident now, not inside the workload. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    volatile unsigned char *b = p;
    for (size_t off = 0; off < bytes; off += page)
        b[off] = 0;
    return p;
}

void bench_scratch_free(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, bytes == 0 ? 1 : bytes);
}

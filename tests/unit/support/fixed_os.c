/* An OS layer that places every region at an address of our choosing with
 * MAP_FIXED_NOREPLACE, so ownership can be probed far from where the kernel
 * would put arenas on its own (high user addresses, low addresses). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "pa_test.h"

static uintptr_t align_up(uintptr_t a, size_t alignment) {
    return (a + alignment - 1) & ~(uintptr_t)(alignment - 1);
}

static void *fixed_map(void *ctx, size_t size, size_t alignment) {
    pa_test_fixed_os *t = ctx;
    size_t page = pa_os_page_size();
    if (alignment < page)
        alignment = page;
    uintptr_t hint = align_up(t->next, alignment);
    for (int tries = 0; tries < 256; tries++) {
        void *want = (void *)hint;
        void *got = mmap(want, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (got == want) {
            t->maps++;
            t->next = hint + size + t->gap;
            if (!t->lowest || hint < t->lowest)
                t->lowest = hint;
            if (hint + size > t->highest)
                t->highest = hint + size;
            return got;
        }
        if (got != MAP_FAILED)
            munmap(got, size); /* a kernel that took the flag as a mere hint */
        else if (errno != EEXIST)
            return NULL;
        hint = align_up(hint + size + t->gap, alignment);
    }
    return NULL;
}

static int fixed_unmap(void *ctx, void *addr, size_t size) {
    pa_test_fixed_os *t = ctx;
    t->unmaps++;
    return munmap(addr, size);
}

static int fixed_decommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    return madvise(addr, size, MADV_DONTNEED);
}

static int fixed_recommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    (void)addr;
    (void)size;
    return 0;
}

void pa_test_fixed_os_init(pa_test_fixed_os *t, uintptr_t start, size_t gap) {
    t->next = start;
    t->gap = gap;
    t->maps = t->unmaps = 0;
    t->lowest = t->highest = 0;
}

pa_os_ops pa_test_fixed_os_ops(pa_test_fixed_os *t) {
    pa_os_ops ops = {fixed_map, fixed_unmap, fixed_decommit, fixed_recommit, t, NULL};
    return ops;
}

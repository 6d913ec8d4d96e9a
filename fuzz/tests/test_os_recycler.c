#define _DEFAULT_SOURCE /* mincore, fork, waitpid */
/* The recycling OS layer: what it hands out again is zero-filled, aligned
 * and inaccessible while held; it holds no more than its bound; a placed
 * map takes the region held at its place. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pa_testing/os_placer.h"
#include "pa_testing/os_recycler.h"

#include "expect.h"

#define MIB ((size_t)1 << 20)

static size_t nonzero_bytes(const unsigned char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] != 0;
    return k;
}

/* Unmapped regions are not resident anywhere: mincore refuses them. */
static int is_mapped(void *p, size_t n) {
    unsigned char v[64];
    (void)n;
    return mincore(p, pa_os_page_size(), v) == 0; /* its first page */
}

/* A region dirtied all over, some of it decommitted, comes back at the
 * same address, aligned, every byte zero; with the 32-byte clearing where
 * the CPU has it (wide as init set it), and with the 16-byte one (wide 0). */
static void test_reuse_zero_filled(int wide) {
    os_recycler r;
    pa_os_recycler_init(&r);
    if (!wide)
        r.wide = 0;
    pa_os_ops os = pa_os_recycler_ops(&r);
    size_t page = pa_os_page_size();
    unsigned char *a = os.map(os.ctx, MIB, MIB);
    EXPECT(a && (uintptr_t)a % MIB == 0, "fresh map %p", (void *)a);
    memset(a, 0xAB, MIB / 2);        /* the first half resident and dirty */
    a[MIB - 1] = 0xCD;               /* and the last page */
    EXPECT(os.decommit(os.ctx, a + 4 * page, 4 * page) == 0, "decommit");
    EXPECT(os.unmap(os.ctx, a, MIB) == 0 && r.n == 1 && r.bytes == MIB, "held: %zu regions, %zu bytes", r.n, r.bytes);
    unsigned char *b = os.map(os.ctx, MIB, MIB);
    EXPECT(b == a && r.reused == 1 && r.n == 0, "not reused: %p (held %p), %llu reused", (void *)b, (void *)a,
           (unsigned long long)r.reused);
    EXPECT(b && (uintptr_t)b % MIB == 0, "reused map %p not aligned", (void *)b);
    size_t dirty = b ? nonzero_bytes(b, MIB) : MIB;
    EXPECT(dirty == 0, "a recycled region hands out %zu stale bytes", dirty);
    /* the dirty pages, no more: the first half but the decommitted four,
     * and the last */
    EXPECT(r.pages_zeroed == MIB / 2 / page - 4 + 1, "%llu pages zeroed", (unsigned long long)r.pages_zeroed);
    /* handed out again untouched: resident, all zero, none cleared; then a
     * page dirty in its last byte alone is cleared */
    EXPECT(os.unmap(os.ctx, b, MIB) == 0 && os.map(os.ctx, MIB, MIB) == b, "second reuse");
    EXPECT(r.pages_zeroed == MIB / 2 / page - 4 + 1, "%llu pages zeroed on a clean reuse",
           (unsigned long long)r.pages_zeroed);
    b[3 * page - 1] = 0xEF;
    EXPECT(os.unmap(os.ctx, b, MIB) == 0 && os.map(os.ctx, MIB, MIB) == b, "third reuse");
    dirty = nonzero_bytes(b, MIB);
    EXPECT(dirty == 0 && r.pages_zeroed == MIB / 2 / page - 4 + 2, "%zu stale bytes, %llu pages zeroed", dirty,
           (unsigned long long)r.pages_zeroed);
    /* of a dirty page only its dirty 256-byte pieces are written: the whole
     * ones of the first half, the last one of the last page, then the three
     * a page dirty at its first byte, at 300 and 301 and at its last has */
    size_t pieces = (MIB / 2 / page - 4) * (page / 256) + 1 + 1;
    EXPECT(r.pieces_zeroed == pieces, "%llu pieces zeroed, not %zu", (unsigned long long)r.pieces_zeroed, pieces);
    b[5 * page] = b[5 * page + 300] = b[5 * page + 301] = b[6 * page - 1] = 0x5A;
    EXPECT(os.unmap(os.ctx, b, MIB) == 0 && os.map(os.ctx, MIB, MIB) == b, "fourth reuse");
    dirty = nonzero_bytes(b, MIB);
    EXPECT(dirty == 0 && r.pages_zeroed == MIB / 2 / page - 4 + 3 && r.pieces_zeroed == pieces + 3,
           "%zu stale bytes, %llu pages and %llu pieces zeroed", dirty, (unsigned long long)r.pages_zeroed,
           (unsigned long long)r.pieces_zeroed);
    /* a different size or a stricter alignment is not served from it */
    EXPECT(os.unmap(os.ctx, b, MIB) == 0, "unmap");
    void *c = os.map(os.ctx, MIB / 2, MIB / 2);
    EXPECT(c && c != b && r.n == 1, "a half-size map was served from the held %p", (void *)b);
    os.unmap(os.ctx, c, MIB / 2);
    pa_os_recycler_drain(&r);
    EXPECT(r.n == 0 && r.bytes == 0 && !is_mapped(b, MIB) && !is_mapped(c, MIB / 2), "drain left regions mapped");
}

/* A held region faults on touch, as an unmapped one would. */
static void test_held_inaccessible(void) {
    os_recycler r;
    pa_os_recycler_init(&r);
    pa_os_ops os = pa_os_recycler_ops(&r);
    volatile unsigned char *a = os.map(os.ctx, MIB, MIB);
    os.unmap(os.ctx, (void *)a, MIB);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would abort instead */
        a[100] = 1;
        _exit(0);
    }
    int status = 0;
    EXPECT(child > 0 && waitpid(child, &status, 0) == child, "fork");
    EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a write to a held region did not fault (status %d)",
           status);
    pa_os_recycler_drain(&r);
}

/* More unmaps than slots, and more bytes than the bound: the oldest go
 * back to the kernel, the held stay within both. */
static void test_bounded(void) {
    os_recycler r;
    pa_os_recycler_init(&r);
    pa_os_ops os = pa_os_recycler_ops(&r);
    void *small[PA_RECYCLE_SLOTS + 4];
    for (int i = 0; i < PA_RECYCLE_SLOTS + 4; i++)
        small[i] = os.map(os.ctx, 64 * 1024, 64 * 1024);
    for (int i = 0; i < PA_RECYCLE_SLOTS + 4; i++)
        os.unmap(os.ctx, small[i], 64 * 1024);
    EXPECT(!is_mapped(small[0], 64 * 1024) && is_mapped(small[PA_RECYCLE_SLOTS + 3], 64 * 1024),
           "the oldest should be unmapped, the newest held");
    EXPECT(r.n == PA_RECYCLE_SLOTS, "%zu regions held, at most %d", r.n, PA_RECYCLE_SLOTS);
    pa_os_recycler_drain(&r);
    void *big[PA_RECYCLE_SLOTS];
    for (int i = 0; i < PA_RECYCLE_SLOTS; i++)
        big[i] = os.map(os.ctx, 8 * MIB, MIB);
    for (int i = 0; i < PA_RECYCLE_SLOTS; i++) {
        os.unmap(os.ctx, big[i], 8 * MIB);
        EXPECT(r.bytes <= PA_RECYCLE_MAX_BYTES, "%zu bytes held, at most %zu", r.bytes, PA_RECYCLE_MAX_BYTES);
    }
    EXPECT(r.n == PA_RECYCLE_MAX_BYTES / (8 * MIB), "%zu regions of 8 MiB held", r.n);
    EXPECT(!is_mapped(big[0], 8 * MIB), "the oldest region, past the bound, is still mapped");
    pa_os_recycler_drain(&r);
}

/* The placer over it: a place where a region is held gets that region
 * back (zeroed); a place a held region overlaps is given up to the kernel
 * and mapped afresh. */
static void test_placed(void) {
    os_recycler r;
    pa_os_recycler_init(&r);
    os_placer pl;
    pa_os_ops os = pa_os_placer_init_over(&pl, &r);
    unsigned char *a = os.map(os.ctx, MIB, MIB);
    memset(a, 0x5A, 4096);
    os.unmap(os.ctx, a, MIB);
    pa_os_placer_set(&pl, PA_PLACE_REUSE, 0);
    unsigned char *b = os.map(os.ctx, MIB, MIB);
    EXPECT(b == a && pl.placed == 1 && r.reused == 1 && b[0] == 0, "reuse placement: %p, not the held %p",
           (void *)b, (void *)a);
    os.unmap(os.ctx, b, MIB);
    /* a held region half under the place: given back, the place mapped */
    void *c = pa_os_recycler_take_at(&r, (uintptr_t)a + MIB / 2, MIB);
    EXPECT(c == NULL && r.n == 0 && !is_mapped(a, MIB), "an overlapping held region was kept");
    pa_os_recycler_drain(&r);
}

int main(void) {
    test_reuse_zero_filled(1);
    test_reuse_zero_filled(0);
    test_held_inaccessible();
    test_bounded();
    test_placed();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

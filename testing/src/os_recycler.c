/* The recycling OS layer: unmaps are held back, inaccessible, and maps of
 * a held size and alignment are served from them after clearing what the
 * last user dirtied. */
#include "pa_testing/os_recycler.h"

#include <string.h>
#include <sys/mman.h>

/* Residency queried in chunks of this many pages (the vector on the
 * stack). */
#define RESIDENCY_CHUNK 1024

static void forget(os_recycler *r, size_t i) {
    r->bytes -= r->held[i].size;
    memmove(&r->held[i], &r->held[i + 1], (r->n - i - 1) * sizeof r->held[0]);
    r->n--;
}

static void drop(os_recycler *r, size_t i) {
    os_recycled g = r->held[i];
    forget(r, i);
    r->inner.unmap(r->inner.ctx, g.addr, g.size);
}

/* Pages are read and cleared in pieces of this many bytes: some pieces of
 * a dirty page are still zero (over corpus/default 3.2 of a dirty page's
 * 16, over corpus/config 9.9), and go unwritten. */
#define PIECE 256

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RECYCLER_AVX2 1
#include <immintrin.h>
#endif

/* Clears the dirty pieces of the n bytes at page (a whole page); how many
 * it cleared. Each piece a run of word loads and ors the compiler vectorises
 * (the page's alignment lets each load fold into its or), and only a dirty
 * piece written, with stores of its own rather than memset's `rep stosb`
 * (the same bytes, but callgrind counts each byte of a `rep stosb` as an
 * instruction, each 32-byte store as one).
 * Not instrumented by the sanitizers: it touches only a region the heap gave
 * back (unpoisoned then), and under ASan+UBSan each 8-byte load took some
 * ten instructions of checks, unvectorised (counted in the disassembly),
 * where a memset is one intercepted call. */
__attribute__((no_sanitize("address", "undefined"))) static size_t clear_dirty(unsigned char *page, size_t n) {
    unsigned char *p = __builtin_assume_aligned(page, 64), *end = p + n;
    size_t cleared = 0;
    for (; p < end; p += PIECE) {
        uint64_t any = 0;
        for (int j = 0; j < PIECE / 8; j++) {
            uint64_t w;
            memcpy(&w, p + 8 * j, 8);
            any |= w;
        }
        if (!any)
            continue;
        typedef uint64_t zero_block __attribute__((vector_size(32), aligned(32)));
        zero_block *z = (zero_block *)(void *)p;
        for (int j = 0; j < PIECE / 32; j++)
            z[j] = (zero_block){0};
        cleared++;
    }
    return cleared;
}

#ifdef RECYCLER_AVX2
_Static_assert(PIECE == 8 * sizeof(__m256i), "a piece is eight 32-byte vectors");

/* clear_dirty where the CPU has AVX2: a piece read in eight 32-byte loads
 * (the baseline's SSE2 build takes sixteen of 16) and tested in one
 * instruction, a dirty one cleared in eight stores; written out, since gcc
 * made a loop of them a `rep stosq`. 16 instructions a clean piece, not 29
 * (counted in the disassembly). */
__attribute__((target("avx2"), no_sanitize("address", "undefined"))) static size_t clear_dirty_wide(unsigned char *page,
                                                                                                    size_t n) {
    __m256i *z = __builtin_assume_aligned(page, 64), *end = z + n / sizeof *z, zero = _mm256_setzero_si256();
    size_t cleared = 0;
    for (; z < end; z += PIECE / sizeof *z) {
        __m256i any = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(z[0], z[1]), _mm256_or_si256(z[2], z[3])),
                                      _mm256_or_si256(_mm256_or_si256(z[4], z[5]), _mm256_or_si256(z[6], z[7])));
        if (_mm256_testz_si256(any, any))
            continue;
        z[0] = z[1] = z[2] = z[3] = z[4] = z[5] = z[6] = z[7] = zero;
        cleared++;
    }
    return cleared;
}
#endif

static size_t clear_page(const os_recycler *r, unsigned char *page, size_t n) {
#ifdef RECYCLER_AVX2
    if (r->wide)
        return clear_dirty_wide(page, n);
#else
    (void)r;
#endif
    return clear_dirty(page, n);
}

/* Only resident pages can hold anything but zeros (a page never touched, or
 * decommitted, reads back zero-filled): mincore lists them in one request per
 * chunk, cheaper than dropping them all and taking a fault per page on the
 * next use. A resident page stays resident through every reuse, cleared or
 * not, so most of them are still all zero from the last clearing: reading one
 * is cheaper than writing it, and leaves it clean in the cache. Where mincore
 * fails, the whole range is cleared. */
static void zero_dirtied(os_recycler *r, char *addr, size_t size) {
    size_t page = pa_os_page_size();
    unsigned char resident[RESIDENCY_CHUNK];
    for (size_t off = 0; off < size; off += RESIDENCY_CHUNK * page) {
        size_t len = size - off < RESIDENCY_CHUNK * page ? size - off : RESIDENCY_CHUNK * page;
        size_t pages = len / page;
        if (mincore(addr + off, len, resident)) {
            memset(addr + off, 0, len);
            r->pages_zeroed += pages;
            r->pieces_zeroed += len / PIECE;
            continue;
        }
        for (size_t i = 0; i < pages; i++) {
            if (!(resident[i] & 1))
                continue;
            size_t cleared = clear_page(r, (unsigned char *)addr + off + i * page, page);
            r->pages_zeroed += cleared != 0;
            r->pieces_zeroed += cleared;
        }
    }
}

/* NULL when the region cannot be made accessible again (then unmapped). */
static void *hand_out(os_recycler *r, size_t i) {
    os_recycled g = r->held[i];
    forget(r, i);
    if (mprotect(g.addr, g.size, PROT_READ | PROT_WRITE)) {
        r->inner.unmap(r->inner.ctx, g.addr, g.size);
        return NULL;
    }
    zero_dirtied(r, g.addr, g.size);
    r->reused++;
    return g.addr;
}

static void *recycle_map(void *ctx, size_t size, size_t alignment) {
    os_recycler *r = ctx;
    /* the newest first: its pages are the likeliest still in cache */
    for (size_t i = r->n; i-- > 0;)
        if (r->held[i].size == size && !((uintptr_t)r->held[i].addr & (alignment - 1))) {
            void *p = hand_out(r, i);
            if (p)
                return p;
            break;
        }
    r->passed_down++;
    return r->inner.map(r->inner.ctx, size, alignment);
}

/* A held region is inaccessible, as an unmapped one would be: a heap that
 * touches memory it gave back still faults. */
static int recycle_unmap(void *ctx, void *addr, size_t size) {
    os_recycler *r = ctx;
    if (size > PA_RECYCLE_MAX_BYTES || mprotect(addr, size, PROT_NONE))
        return r->inner.unmap(r->inner.ctx, addr, size);
    while (r->n && (r->n == PA_RECYCLE_SLOTS || r->bytes + size > PA_RECYCLE_MAX_BYTES))
        drop(r, 0);
    r->held[r->n++] = (os_recycled){addr, size};
    r->bytes += size;
    return 0;
}

static int recycle_decommit(void *ctx, void *addr, size_t size) {
    os_recycler *r = ctx;
    return r->inner.decommit(r->inner.ctx, addr, size);
}

static int recycle_recommit(void *ctx, void *addr, size_t size) {
    os_recycler *r = ctx;
    return r->inner.recommit(r->inner.ctx, addr, size);
}

static void recycle_prefault(void *ctx, void *addr, size_t size) {
    os_recycler *r = ctx;
    r->inner.prefault(r->inner.ctx, addr, size);
}

void *pa_os_recycler_take_at(os_recycler *r, uintptr_t addr, size_t size) {
    for (size_t i = r->n; i-- > 0;) {
        uintptr_t at = (uintptr_t)r->held[i].addr;
        if (at == addr && r->held[i].size == size)
            return hand_out(r, i);
    }
    for (size_t i = r->n; i-- > 0;) {
        uintptr_t at = (uintptr_t)r->held[i].addr;
        if (at < addr + size && addr < at + r->held[i].size)
            drop(r, i);
    }
    return NULL;
}

void pa_os_recycler_drain(os_recycler *r) {
    while (r->n)
        drop(r, r->n - 1);
}

void pa_os_recycler_init(os_recycler *r) {
    *r = (os_recycler){.inner = pa_os_mmap()};
#ifdef RECYCLER_AVX2
    r->wide = __builtin_cpu_supports("avx2") != 0;
#endif
}

pa_os_ops pa_os_recycler_ops(os_recycler *r) {
    return (pa_os_ops){recycle_map, recycle_unmap, recycle_decommit, recycle_recommit, r, recycle_prefault};
}

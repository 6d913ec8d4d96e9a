/* pa_introspect_freelist: the trust-nothing walk of a pool's freelist that
 * the debug layer's scan and the invariant checker share. On a sound pool
 * it marks exactly the free blocks, whole or a window at a time; with a
 * geometry the freelist does not fit it stops at the first member, naming
 * the fault. (The checker's corruption tests break real freelists.) Its
 * loop has two instances, one without the per-member window and length
 * tests for the common whole-pool walk: both must give the same verdict. */
#include <string.h>

#include "exact_div.h"
#include "heap_types.h" /* the pool header and a block's link, to point them elsewhere */
#include "pa_test.h"
#include "support.h" /* the checker tests' pokes, for links of free blocks */

#define WINDOW_BITS 64

typedef struct pool_fixture {
    pa_heap *h;
    void *blocks[512];
    size_t n;            /* blocks of the pool */
    int freed[512];      /* 1: blocks[i] was freed */
    size_t nfreed;
    uintptr_t pool;
    size_t first, block_size, limit;
    uint64_t bits[512 / 64]; /* the whole pool's */
    pa_freelist_walk w;
} pool_fixture;

static int bit(const uint64_t *bits, size_t k) { return (int)((bits[k / 64] >> (k % 64)) & 1); }

/* A full pool of 16-byte blocks with every third one freed, in order. */
static void open_pool(pool_fixture *f) {
    memset(f, 0, sizeof *f);
    pa_config c = pa_test_compact_config();
    f->h = pa_test_heap_create(&c);
    f->n = pa_test_fill_pool(f->h, 16, f->blocks);
    assert_true(f->n <= 512 && f->n > 2 * WINDOW_BITS);
    for (size_t i = 0; i < f->n; i += 3) {
        pa_heap_free(f->h, f->blocks[i]);
        f->freed[i] = 1;
        f->nfreed++;
    }
    f->pool = pa_test_pool_base(f->h, f->blocks[0]);
    pa_class_view cv;
    assert_int_equal(pa_introspect_class(f->h, pa_test_class_of(f->h, 16), &cv), 0);
    pa_pool_view pv;
    assert_int_equal(pa_introspect_pool(f->h, f->pool, &pv), 0);
    f->first = cv.first_block_offset;
    f->block_size = cv.block_size;
    f->limit = pv.nextoffset;
}

/* The whole pool walked with this geometry into f->bits and f->w. */
static int walk_whole(pool_fixture *f, size_t block_size, size_t limit) {
    return pa_introspect_freelist(f->h, f->pool, f->first, block_size, limit, 0, f->bits, 512, &f->w);
}

/* The index the freelist's head, the last block freed, has in blocks. */
static size_t head_of(const pool_fixture *f) { return (f->n - 1) / 3 * 3; }

static void close_pool(pool_fixture *f) {
    for (size_t i = 0; i < f->n; i++)
        if (!f->freed[i])
            pa_heap_free(f->h, f->blocks[i]);
    pa_test_destroy_clean(f->h, NULL);
}

/* The block index of blocks[i] in the pool. */
static size_t index_of(const pool_fixture *f, size_t i) {
    return ((uintptr_t)f->blocks[i] - f->pool - f->first) / f->block_size;
}

static void test_sound_pool_whole(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    assert_int_equal(walk_whole(&f, f.block_size, f.limit), PA_FREELIST_SOUND);
    assert_int_equal(f.w.length, f.nfreed);
    assert_int_equal(f.w.member, 0);
    /* Freed last, pushed last: the tail of the walk is the first block freed. */
    assert_int_equal(f.w.last, (uintptr_t)f.blocks[0]);
    for (size_t i = 0; i < f.n; i++)
        assert_int_equal(bit(f.bits, index_of(&f, i)), f.freed[i]);
    close_pool(&f);
}

static void test_sound_pool_in_windows(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    size_t carved = (f.limit - f.first) / f.block_size, marked = 0;
    for (size_t from = 0; from < carved; from += WINDOW_BITS) {
        uint64_t bits[WINDOW_BITS / 64];
        pa_freelist_walk w;
        assert_int_equal(
            pa_introspect_freelist(f.h, f.pool, f.first, f.block_size, f.limit, from, bits, WINDOW_BITS, &w),
            PA_FREELIST_SOUND);
        assert_int_equal(w.length, f.nfreed);
        for (size_t i = 0; i < f.n; i++) {
            size_t k = index_of(&f, i);
            if (k >= from && k < from + WINDOW_BITS) {
                assert_int_equal(bit(bits, k - from), f.freed[i]);
                marked += (size_t)f.freed[i];
            }
        }
    }
    assert_int_equal(marked, f.nfreed);
    /* a window from block 1 wide enough for the whole pool */
    uint64_t wide[512 / 64];
    pa_freelist_walk w;
    assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first, f.block_size, f.limit, 1, wide, 512, &w),
                     PA_FREELIST_SOUND);
    for (size_t i = 0; i < f.n; i++)
        if (index_of(&f, i) >= 1)
            assert_int_equal(bit(wide, index_of(&f, i) - 1), f.freed[i]);
    /* the narrowest window, one block: free, then in use */
    for (size_t i = 0; i < 2; i++) {
        uint64_t bit[1] = {0};
        pa_freelist_walk w;
        size_t k = index_of(&f, i);
        assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first, f.block_size, f.limit, k, bit, 1, &w),
                         PA_FREELIST_SOUND);
        assert_int_equal(bit[0], (uint64_t)f.freed[i]);
    }
    close_pool(&f);
}

static void test_member_out_of_range(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    size_t head = head_of(&f);
    /* The blocks end just before the head. */
    assert_int_equal(walk_whole(&f, f.block_size, f.first + index_of(&f, head) * f.block_size),
                     PA_FREELIST_OUT_OF_RANGE);
    assert_int_equal(f.w.length, 0);
    assert_int_equal(f.w.member, (uintptr_t)f.blocks[head]);
    assert_int_equal(f.w.last, 0);
    close_pool(&f);
}

static void test_member_misaligned(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    /* Blocks of 32 bytes would put every other block off a boundary. */
    assert_int_equal(walk_whole(&f, 2 * f.block_size, f.limit), PA_FREELIST_MISALIGNED);
    size_t head = head_of(&f);
    /* Members 0, 1, ... are blocks head, head - 3, ...: the first at an odd
     * index is the fault. */
    size_t faulty = index_of(&f, head) % 2 ? 0 : 1;
    assert_int_equal(f.w.length, faulty);
    assert_int_equal(f.w.member, (uintptr_t)f.blocks[head - 3 * faulty]);
    close_pool(&f);
}

/* With no bitmap the walk still ends (it is bounded by the blocks the
 * geometry counts) and gives the verdict and the length. */
static void test_no_bitmap(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    uint64_t bits[1] = {~UINT64_C(0)};
    pa_freelist_walk w;
    assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first, f.block_size, f.limit, 0, bits, 0, &w),
                     PA_FREELIST_SOUND);
    assert_int_equal(w.length, f.nfreed);
    assert_int_equal(bits[0], ~UINT64_C(0)); /* nbits 0: nothing cleared or marked */
    close_pool(&f);
}

/* A geometry whose links the pool's one lookup does not cover (a block
 * size or first offset off the word size, a limit past the pool): each
 * link is read through pa_introspect_read_link, and the sound list is
 * walked whole all the same. With no blocks at all (limit at first), the
 * head is out of range. */
static void test_geometry_off_words(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    size_t pool_size = pa_heap_config(f.h)->pool_size;
    assert_int_equal(walk_whole(&f, 4, f.limit), PA_FREELIST_SOUND); /* 16-byte blocks are on 4-byte steps */
    assert_int_equal(f.w.length, f.nfreed);
    assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first - 4, 4, f.limit, 0, f.bits, 512, &f.w),
                     PA_FREELIST_SOUND);
    assert_int_equal(f.w.length, f.nfreed);
    assert_int_equal(walk_whole(&f, f.block_size, pool_size + f.block_size), PA_FREELIST_SOUND);
    assert_int_equal(f.w.length, f.nfreed);
    assert_int_equal(walk_whole(&f, f.block_size, f.first), PA_FREELIST_OUT_OF_RANGE);
    assert_int_equal(f.w.length, 0);
    close_pool(&f);
}

static void test_not_a_pool(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    uint64_t bits[1];
    pa_freelist_walk w;
    assert_int_equal(pa_introspect_freelist(f.h, (uintptr_t)bits, 64, 16, 4096, 0, bits, 64, &w), -1);
    assert_int_equal(pa_introspect_freelist(f.h, f.pool + 16, f.first, f.block_size, f.limit, 0, bits, 64, &w), -1);
    close_pool(&f);
}

/* The same walk by the loop's two instances: limit + 8 adds no block (nor a
 * whole block's offset) but makes the span no multiple of the block size,
 * which takes the instance with the window and length tests. */
static void assert_instances_agree(pool_fixture *f, int fault) {
    uint64_t general_bits[512 / 64];
    pa_freelist_walk general;
    assert_int_equal(walk_whole(f, f->block_size, f->limit), fault);
    assert_int_equal(pa_introspect_freelist(f->h, f->pool, f->first, f->block_size, f->limit + 8, 0, general_bits,
                                            512, &general),
                     fault);
    assert_int_equal(general.length, f->w.length);
    assert_int_equal(general.member, f->w.member);
    assert_int_equal(general.last, f->w.last);
    assert_memory_equal(general_bits, f->bits, sizeof general_bits);
}

static void test_instances_agree(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    assert_instances_agree(&f, PA_FREELIST_SOUND);
    /* The tail links back to the head: a cycle after every free block. */
    void **tail = f.blocks[0];
    TS_SET(*tail, f.blocks[head_of(&f)]);
    assert_instances_agree(&f, PA_FREELIST_CYCLE);
    assert_int_equal(f.w.length, f.nfreed);
    assert_int_equal(f.w.member, (uintptr_t)f.blocks[head_of(&f)]);
    assert_int_equal(f.w.last, (uintptr_t)f.blocks[0]);
    /* Without a bitmap the walk goes round until it outgrows the blocks. */
    pa_freelist_walk counted;
    uint64_t none[1];
    assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first, f.block_size, f.limit, 0, none, 0, &counted),
                     PA_FREELIST_CYCLE);
    assert_int_equal(counted.length, (f.limit - f.first) / f.block_size);
    /* Into the middle of a block: */
    TS_SET(*tail, (void *)((char *)f.blocks[1] + 8));
    assert_instances_agree(&f, PA_FREELIST_MISALIGNED);
    /* Below the first block: */
    TS_SET(*tail, (void *)(f.pool + f.first - f.block_size));
    assert_instances_agree(&f, PA_FREELIST_OUT_OF_RANGE);
    assert_int_equal(f.w.length, f.nfreed);
    TS_SET(*tail, NULL);
    close_pool(&f);
}

/* With a caller's block size off the pointer size (4), links are not read
 * in place: a member whose link word would cross the pool's end stops the
 * walk there, unreadable, and nothing past the pool is read. */
static void test_link_across_pool_end(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    size_t pool_size = pa_heap_config(f.h)->pool_size;
    assert_int_equal(f.first % sizeof(void *), 0);
    uintptr_t edge = f.pool + pool_size - 4;
    void **tail = f.blocks[0];
    TS_SET(*tail, (void *)edge);
    assert_int_equal(walk_whole(&f, 4, pool_size), PA_FREELIST_UNREADABLE);
    assert_int_equal(f.w.length, f.nfreed + 1);
    assert_int_equal(f.w.member, edge);
    TS_SET(*tail, NULL);
    close_pool(&f);
}

/* A caller's first offset off the pointer size: the head there is not
 * read in place (its link word is misaligned) but refused, unreadable. */
static void test_first_off_a_word(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    pa_pool *pool = (pa_pool *)f.pool;
    pa_block *was;
    ts_peek(&pool->freeblock, &was, sizeof was);
    uintptr_t odd = f.pool + f.first + 1;
    TS_SET(pool->freeblock, (pa_block *)odd);
    assert_int_equal(pa_introspect_freelist(f.h, f.pool, f.first + 1, f.block_size, f.limit, 0, f.bits, 512, &f.w),
                     PA_FREELIST_UNREADABLE);
    assert_int_equal(f.w.length, 1);
    assert_int_equal(f.w.member, odd);
    TS_SET(pool->freeblock, was);
    close_pool(&f);
}

/* A walk longer than the blocks its geometry counts is a cycle even when
 * its members are distinct: every block from the head down, linked in
 * order, with a limit that counts one block fewer (its span, a byte into
 * the head, is no multiple of the block size). */
static void test_length_bound(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    size_t h = head_of(&f);
    void *saved[512];
    for (size_t i = 1; i <= h; i++) {
        ts_peek(f.blocks[i], &saved[i], sizeof saved[i]);
        TS_SET(*(void **)f.blocks[i], f.blocks[i - 1]);
    }
    size_t k = index_of(&f, h);
    assert_int_equal(walk_whole(&f, f.block_size, f.first + (k + 1) * f.block_size), PA_FREELIST_SOUND);
    assert_int_equal(f.w.length, h + 1);
    assert_int_equal(walk_whole(&f, f.block_size, f.first + k * f.block_size + 1), PA_FREELIST_CYCLE);
    assert_int_equal(f.w.length, k);
    assert_int_equal(f.w.member, (uintptr_t)f.blocks[h - k]);
    for (size_t i = 1; i <= h; i++)
        TS_SET(*(void **)f.blocks[i], saved[i]);
    close_pool(&f);
}

/* The walk's division by multiplication, against the hardware's. */
static void assert_quotient(uint64_t d, uint64_t n) {
    pa_exact_div e = pa_exact_div_by(d);
    uint64_t q = pa_exact_quotient(&e, n);
    if (n % d)
        assert_true(q > e.max);
    else
        assert_int_equal(q, n / d);
}

static void test_exact_division(void **state) {
    (void)state;
    /* every numerator up to 3 d of every divisor a block size can be */
    for (uint64_t d = 1; d <= 1024; d++)
        for (uint64_t n = 0; n <= 3 * d; n++)
            assert_quotient(d, n);
    /* around multiples, small and large, of divisors up to 2^20 and beyond */
    static const uint64_t big[] = {UINT64_C(1) << 32, (UINT64_C(3) << 40) + 1, UINT64_MAX / 3, UINT64_MAX};
    static const uint64_t times[] = {0, 1, 2, 1000, UINT64_C(1) << 20};
    for (uint64_t d = 1; d <= (UINT64_C(1) << 22); d += d < 1024 ? 1 : 331) {
        for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
            assert_quotient(d, times[i] * d);
            assert_quotient(d, times[i] * d + 1);
            assert_quotient(d, times[i] * d + d - 1);
        }
        for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
            assert_quotient(d, big[i]);
            assert_quotient(d, big[i] - 1);
            assert_quotient(d, big[i] / d * d);
        }
    }
    assert_quotient(UINT64_MAX, UINT64_MAX);
    assert_quotient(UINT64_MAX, UINT64_MAX - 1);
    assert_quotient(UINT64_C(1) << 63, UINT64_C(1) << 63);
    assert_quotient(UINT64_C(1) << 63, (UINT64_C(1) << 63) + 8);
}

/* ---- a list compared with its record ----------------------------------- */

/* The freelist now, tail first, as the checker's record keeps it. */
static size_t record(const pool_fixture *f, uint32_t *tail_first) {
    uint32_t head_first[512];
    size_t n = pa_introspect_freelist_members(f->h, f->pool, head_first, 512);
    for (size_t i = 0; i < n; i++)
        tail_first[i] = head_first[n - 1 - i];
    return n;
}

static long follows(const pool_fixture *f, const uint32_t *rec, size_t n, uint32_t *fresh, size_t *nfresh) {
    return pa_introspect_freelist_follows(f->h, f->pool, f->first, f->block_size, f->limit, rec, n, 4, fresh, 4,
                                          nfresh);
}

/* Unchanged, popped at the head, pushed at the head: the kept members and
 * the fresh ones say so; a link changed anywhere, or more pops or pushes
 * than the bounds, and the answer is -1 (walk it). */
static void test_follows_record(void **state) {
    (void)state;
    pool_fixture f;
    open_pool(&f);
    uint32_t rec[512], fresh[4];
    size_t n = record(&f, rec), nfresh = 9;
    assert_int_equal(n, f.nfreed);
    assert_int_equal(follows(&f, rec, n, fresh, &nfresh), (long)n);
    assert_int_equal(nfresh, 0);
    size_t head = head_of(&f);
    /* a pop takes the head, the last block freed */
    void *again = pa_heap_malloc(f.h, 16);
    assert_ptr_equal(again, f.blocks[head]);
    f.freed[head] = 0;
    assert_int_equal(follows(&f, rec, n, fresh, &nfresh), (long)n - 1);
    assert_int_equal(nfresh, 0);
    /* a push puts block 1 in front of the rest */
    pa_heap_free(f.h, f.blocks[1]);
    f.freed[1] = 1;
    assert_int_equal(follows(&f, rec, n, fresh, &nfresh), (long)n - 1);
    assert_int_equal(nfresh, 1);
    assert_int_equal(fresh[0], (uintptr_t)f.blocks[1] - f.pool);
    /* a deep link cut, pointed back, or off a boundary */
    /* free blocks are poisoned under ASan: the link is peeked and poked */
    pa_block *deep = (pa_block *)(f.pool + rec[5]), *saved;
    ts_peek(&deep->next, &saved, sizeof saved);
    pa_block *wrong[] = {NULL, (pa_block *)(f.pool + rec[n - 3]), (pa_block *)((uintptr_t)saved + 8)};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        ts_poke(&deep->next, &wrong[i], sizeof wrong[i]);
        assert_int_equal(follows(&f, rec, n, fresh, &nfresh), -1);
    }
    ts_poke(&deep->next, &saved, sizeof saved);
    assert_int_equal(follows(&f, rec, n, fresh, &nfresh), (long)n - 1);
    /* five pushes are more than the four fresh members it walks */
    for (size_t i = 2, pushed = 0; pushed < 5; i++)
        if (!f.freed[i]) {
            pa_heap_free(f.h, f.blocks[i]);
            f.freed[i] = 1;
            pushed++;
        }
    assert_int_equal(follows(&f, rec, n, fresh, &nfresh), -1);
    close_pool(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound_pool_whole),
        cmocka_unit_test(test_sound_pool_in_windows),
        cmocka_unit_test(test_member_out_of_range),
        cmocka_unit_test(test_member_misaligned),
        cmocka_unit_test(test_no_bitmap),
        cmocka_unit_test(test_geometry_off_words),
        cmocka_unit_test(test_link_across_pool_end),
        cmocka_unit_test(test_first_off_a_word),
        cmocka_unit_test(test_not_a_pool),
        cmocka_unit_test(test_instances_agree),
        cmocka_unit_test(test_length_bound),
        cmocka_unit_test(test_exact_division),
        cmocka_unit_test(test_follows_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* One test per remote-free invariant (thread heaps): blocks another thread
 * freed wait in that thread's batch (REMOTE_BATCH_*) until it pushes them
 * on the owning heap's remote-free list (REMOTE_FREE_*), where they wait
 * until the owner collects them. The one_pool fixture (8 live blocks, a
 * freelist of 3: blk[5] -> blk[2] -> block 10) with a list made to hold
 * what it must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures.h"
#include "thread_heap.h"

static void set_remote(ts_fx *fx, void *head) {
    atomic_store_explicit(&fx->h->remote_free, (pa_block *)head, memory_order_release);
}

/* Freed by "another thread", its batch pushed at once. */
static void push_remote(ts_fx *fx, void *p) {
    pa_thread_free_remote(fx->h, p);
    pa_thread_flush_remote();
}

/* The list and this thread's batch emptied (the batch outlives the heap). */
static void full_one(ts_fx *fx, const char *id, const char *message) {
    pa_check_report_clear(fx->r);
    pa_check_heap(fx->h, fx->r);
    ts_expect_one(fx->r, id, message);
    set_remote(fx, NULL);
    pa_tls_batch = (pa_remote_batch){0};
}

/* Three live blocks freed by "another thread", this one: two pushed, one
 * in its batch. Still live to the heap, so the full check is silent, and
 * the ghost check counts them live although the caller's live set no
 * longer names them. */
static void remote_clean(void **state) {
    FX;
    const void *live[8];
    size_t n = ts_one_pool_live(fx, live);
    push_remote(fx, fx->blk[1]);
    push_remote(fx, fx->blk[3]);
    pa_thread_free_remote(fx->h, fx->blk[4]);
    pa_check_heap(fx->h, fx->r);
    ts_expect_clean(fx->r, "two blocks on the remote-free list, one in the batch");
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (live[i] != fx->blk[1] && live[i] != fx->blk[3] && live[i] != fx->blk[4])
            live[kept++] = live[i];
    assert_int_equal(kept, n - 3);
    pa_check_live_set(fx->h, live, kept, fx->r);
    ts_expect_clean(fx->r, "the live set without the remote-freed blocks");
    pa_thread_flush_remote();
    assert_ptr_equal(atomic_load(&fx->h->remote_free), fx->blk[4]);
    pa_block *link;
    ts_peek(&TS_LINK(fx->blk[4]), &link, sizeof link); /* a freed block: no-access to Valgrind */
    assert_ptr_equal(link, fx->blk[3]);
    set_remote(fx, NULL);
}

/* A batch is pushed when the thread frees another heap's block, and when
 * it reaches its maximum. */
static void batch_pushed(void **state) {
    FX;
    pa_heap *other = pa_heap_create(NULL);
    assert_non_null(other);
    void *theirs = pa_heap_malloc(other, 16);
    pa_thread_free_remote(fx->h, fx->blk[1]);
    pa_thread_free_remote(other, theirs);
    assert_ptr_equal(atomic_load(&fx->h->remote_free), fx->blk[1]);
    assert_int_equal(pa_tls_batch.count, 1);
    pa_thread_flush_remote();
    assert_ptr_equal(atomic_load(&other->remote_free), theirs);
    pa_heap_destroy(other);
    set_remote(fx, NULL);
    /* The same two blocks over and over: the list is not walked here. */
    for (int i = 0; i < PA_REMOTE_BATCH_MAX - 1; i++)
        pa_thread_free_remote(fx->h, fx->blk[i % 2]);
    assert_null(atomic_load(&fx->h->remote_free));
    assert_int_equal(pa_tls_batch.count, PA_REMOTE_BATCH_MAX - 1);
    pa_thread_free_remote(fx->h, fx->blk[2]);
    assert_ptr_equal(atomic_load(&fx->h->remote_free), fx->blk[2]);
    assert_int_equal(pa_tls_batch.count, 0);
    set_remote(fx, NULL);
}

/* blk[1] then blk[3] freed by "another thread", pushed at once or left in
 * its batch: the list or the batch is blk[3] -> blk[1] -> ... */
static void free_two(ts_fx *fx, int batched) {
    pa_thread_free_remote(fx->h, fx->blk[1]);
    pa_thread_free_remote(fx->h, fx->blk[3]);
    if (!batched)
        pa_thread_flush_remote();
}

/* ... -> blk[3] again. */
static void cycle(ts_fx *fx, int batched, const char *id, const char *list) {
    free_two(fx, batched);
    TS_SET(TS_LINK(fx->blk[1]), (pa_block *)fx->blk[3]);
    full_one(fx, id,
             ts_msg("heap: %s links back to a member: expected a list that ends, found 0x%lx", list,
                    (unsigned long)(uintptr_t)fx->blk[1]));
}

/* ... -> a block outside the heap, the third member. */
static void stray_outside(ts_fx *fx, int batched, const char *id, const char *member) {
    pa_block local = {NULL};
    free_two(fx, batched);
    TS_SET(TS_LINK(fx->blk[1]), &local);
    full_one(fx, id,
             ts_msg("heap: %s 2 is not in this heap's pools: expected a block of a carved, committed pool, found "
                    "0x%lx",
                    member, (unsigned long)(uintptr_t)&local));
}

static void remote_cycle(void **state) { cycle(*state, 0, "REMOTE_FREE_CYCLE", "remote-free list"); }

static void remote_stray_outside(void **state) {
    stray_outside(*state, 0, "REMOTE_FREE_STRAY", "remote-free member");
}

static void remote_stray_misaligned(void **state) {
    FX;
    push_remote(fx, (char *)fx->blk[1] + 8);
    full_one(fx, "REMOTE_FREE_STRAY",
             ts_msg(AT " block +0x%zx: remote-free member is not at a block boundary: expected +0x%zx + k * 48, "
                       "found +0x%zx",
                    AT_ARGS, ts_off(fx, 1) + 8, fx->first, ts_off(fx, 1) + 8));
}

/* Block 20 lies in the pool but past nextoffset (11 blocks carved). */
static void remote_stray_never_carved(void **state) {
    FX;
    void *b20 = (void *)ts_block(fx, 20);
    TS_SET(TS_LINK(b20), NULL);
    set_remote(fx, b20);
    full_one(fx, "REMOTE_FREE_STRAY",
             ts_msg(AT " block +0x%zx: remote-free member was never carved: expected a carved block, found block 20, "
                       "carved 11",
                    AT_ARGS, ts_off(fx, 20)));
}

/* Block 10, the freelist's tail, as if another thread freed it again and
 * pushed it or kept it in its batch: its link is NULL already, so the list
 * is made without a write into the free block (poisoned under ASan). */
static void on_freelist(ts_fx *fx, int batched, const char *id, const char *member) {
    pa_block *b10 = (pa_block *)ts_block(fx, 10);
    if (batched)
        pa_tls_batch = (pa_remote_batch){.owner = fx->h, .head = b10, .tail = b10, .count = 1};
    else
        set_remote(fx, b10);
    full_one(fx, id,
             ts_msg(AT " block +0x%zx: %s is also free in its pool: expected not on the freelist, found on the "
                       "freelist",
                    AT_ARGS, ts_off(fx, 10), member));
}

static void remote_on_freelist(void **state) {
    on_freelist(*state, 0, "REMOTE_FREE_ON_FREELIST", "remote-free member");
}

static void batch_cycle(void **state) { cycle(*state, 1, "REMOTE_BATCH_CYCLE", "remote batch"); }

static void batch_stray_outside(void **state) {
    stray_outside(*state, 1, "REMOTE_BATCH_STRAY", "remote-batch member");
}

static void batch_on_freelist(void **state) {
    on_freelist(*state, 1, "REMOTE_BATCH_ON_FREELIST", "remote-batch member");
}

static void batch_count(void **state) {
    FX;
    free_two(fx, 1);
    pa_tls_batch.count = 3;
    full_one(fx, "REMOTE_BATCH_COUNT",
             ts_msg("heap: the remote batch's count or tail disagrees with its list: expected 3 members (fewer "
                    "than %d), the last 0x%lx, found 2, the last 0x%lx",
                    PA_REMOTE_BATCH_MAX, (unsigned long)(uintptr_t)fx->blk[1], (unsigned long)(uintptr_t)fx->blk[1]));
}

static void batch_count_tail(void **state) {
    FX;
    free_two(fx, 1);
    pa_tls_batch.tail = fx->blk[3];
    full_one(fx, "REMOTE_BATCH_COUNT",
             ts_msg("heap: the remote batch's count or tail disagrees with its list: expected 2 members (fewer "
                    "than %d), the last 0x%lx, found 2, the last 0x%lx",
                    PA_REMOTE_BATCH_MAX, (unsigned long)(uintptr_t)fx->blk[3], (unsigned long)(uintptr_t)fx->blk[1]));
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        P(remote_clean),
        P(remote_cycle),
        P(remote_stray_outside),
        P(remote_stray_misaligned),
        P(remote_stray_never_carved),
        P(remote_on_freelist),
        P(batch_pushed),
        P(batch_cycle),
        P(batch_stray_outside),
        P(batch_on_freelist),
        P(batch_count),
        P(batch_count_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Thread heaps: the remote-free list, blocks other threads freed and pushed
 * back onto the owning heap, which collects them on its slow path. Until
 * then each is still live to the heap: a carved block slot, counted in its
 * pool, not on the pool's freelist. The checker runs while the owner is
 * quiescent; other threads may still push, which only prepends to what is
 * read here. An empty list costs one load. */
#include <inttypes.h>
#include <stdlib.h>

#include "check_full.h"

/* Walks the list (Brent's cycle finding: constant memory, each link read
 * at most a few times) and returns its length, or reports a cycle or a
 * member that is not in a carved pool of this heap and returns -1. */
static long remote_length(chk_base *b, uintptr_t head, int report) {
    chk_loc at = chk_at_heap(b->heap);
    uintptr_t tortoise = head, hare = head, next;
    size_t power = 1, lam = 0;
    long n = 0;
    while (hare) {
        if (pa_introspect_read_link(b->heap, hare, &next)) {
            if (report)
                chk_report(b->r, CHK_REMOTE_FREE_STRAY, &at, "a block of a carved, committed pool",
                           CHK_STR("0x%" PRIxPTR, hare), "remote-free member %ld is not in this heap's pools", n);
            return -1;
        }
        n++;
        hare = next;
        if (hare && hare == tortoise) {
            if (report)
                chk_report(b->r, CHK_REMOTE_FREE_CYCLE, &at, "a list that ends", CHK_STR("0x%" PRIxPTR, hare),
                           "remote-free list links back to a member");
            return -1;
        }
        if (++lam == power) {
            tortoise = hare;
            power *= 2;
            lam = 0;
        }
    }
    return n;
}

uintptr_t *chk_remote_members(chk_base *b, size_t *n, int report) {
    *n = 0;
    uintptr_t head = pa_introspect_remote_free(b->heap);
    long len = head ? remote_length(b, head, report) : 0;
    if (len <= 0)
        return NULL;
    uintptr_t *members = malloc((size_t)len * sizeof *members);
    if (!members) {
        b->r->dropped++;
        return NULL;
    }
    for (uintptr_t p = head; p && *n < (size_t)len; pa_introspect_read_link(b->heap, p, &p))
        members[(*n)++] = p;
    chk_sort_records(members, *n, 1);
    return members;
}

typedef struct remote {
    chk_base *b;
    const uintptr_t *members;
} remote;

/* Pools whose own structure is broken are the full check's. */
static void visit_pool(void *ctx, const chk_pool_visit *v) {
    remote *rm = ctx;
    chk_base *b = rm->b;
    const chk_pool_facts *f = v->f;
    if (!f)
        return;
    for (size_t j = v->from; j < v->to; j++) {
        long k = chk_visit_block(b, v, rm->members[j], CHK_REMOTE_FREE_STRAY, CHK_REMOTE_FREE_STRAY,
                                 "remote-free member");
        if (k < 0 || !chk_bit(v->free_bits, (size_t)k))
            continue;
        chk_loc at = chk_at_pool(b->heap, v->a, v->index, v->pool, &f->v);
        at.block = rm->members[j];
        chk_report(b->r, CHK_REMOTE_FREE_ON_FREELIST, &at, "not on the freelist", "on the freelist",
                   "remote-free member is also free in its pool");
    }
}

void chk_full_remote(chk_full *c) {
    size_t n;
    uintptr_t *members = chk_remote_members(&c->b, &n, 1);
    if (!members)
        return;
    remote rm = {&c->b, members};
    if (chk_walk_pools(&c->b, c->sorted, c->nsorted, members, n, visit_pool, &rm))
        c->b.r->dropped++;
    free(members);
}

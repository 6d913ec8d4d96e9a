/* Thread heaps: the remote-free list, blocks other threads freed and pushed
 * back onto the owning heap, which collects them on its slow path; and the
 * calling thread's batch of this heap's blocks it freed, not yet pushed
 * there (pa_introspect_remote_batch). Until collected each is still live
 * to the heap: a carved block slot, counted in its pool, not on the pool's
 * freelist. The checker runs while the owner is quiescent; other threads
 * may still push, which only prepends to what is read here. An empty list
 * costs one load. */
#include <inttypes.h>
#include <stdlib.h>

#include "check_full.h"

/* One of the two lists: what its reports name it and their identifiers. */
typedef struct remote_kind {
    const char *member; /* "remote-free member" */
    const char *list;   /* "remote-free list" */
    chk_id cycle, stray, on_freelist;
} remote_kind;

static const remote_kind remote_free = {"remote-free member", "remote-free list", CHK_REMOTE_FREE_CYCLE,
                                        CHK_REMOTE_FREE_STRAY, CHK_REMOTE_FREE_ON_FREELIST};
static const remote_kind remote_batch = {"remote-batch member", "remote batch", CHK_REMOTE_BATCH_CYCLE,
                                         CHK_REMOTE_BATCH_STRAY, CHK_REMOTE_BATCH_ON_FREELIST};

/* Walks the list (Brent's cycle finding: constant memory, each link read
 * at most a few times) and returns its length, or reports a cycle or a
 * member that is not in a carved pool of this heap and returns -1. */
static long remote_length(chk_base *b, const remote_kind *k, uintptr_t head, uintptr_t *last, int report) {
    chk_loc at = chk_at_heap(b->heap);
    uintptr_t tortoise = head, hare = head, next;
    size_t power = 1, lam = 0;
    long n = 0;
    while (hare) {
        if (pa_introspect_read_link(b->heap, hare, &next)) {
            if (report)
                chk_report(b->r, k->stray, &at, "a block of a carved, committed pool", CHK_STR("0x%" PRIxPTR, hare),
                           "%s %ld is not in this heap's pools", k->member, n);
            return -1;
        }
        n++;
        *last = hare;
        hare = next;
        if (hare && hare == tortoise) {
            if (report)
                chk_report(b->r, k->cycle, &at, "a list that ends", CHK_STR("0x%" PRIxPTR, hare),
                           "%s links back to a member", k->list);
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

/* Appends the members of the list at head to out (room for len). */
static size_t append_members(chk_base *b, uintptr_t head, size_t len, uintptr_t *out) {
    size_t n = 0;
    for (uintptr_t p = head; p && n < len; pa_introspect_read_link(b->heap, p, &p))
        out[n++] = p;
    return n;
}

/* The calling thread's batch of this heap's blocks: its length, 0 if it
 * holds none, -1 if its list is broken (reported when report is set, with
 * its count and tail checked). */
static long batch_length(chk_base *b, pa_remote_batch_view *v, int report) {
    uintptr_t last = 0;
    if (!pa_introspect_remote_batch(b->heap, v))
        return 0;
    long len = remote_length(b, &remote_batch, v->head, &last, report);
    if (report && len >= 0 && ((size_t)len != v->count || v->count >= v->max || last != v->tail)) {
        chk_loc at = chk_at_heap(b->heap);
        chk_report(b->r, CHK_REMOTE_BATCH_COUNT, &at,
                   CHK_STR("%zu members (fewer than %zu), the last 0x%" PRIxPTR, v->count, v->max, v->tail),
                   CHK_STR("%ld, the last 0x%" PRIxPTR, len, last), "the remote batch's count or tail disagrees with its list");
    }
    return len;
}

uintptr_t *chk_remote_members(chk_base *b, size_t *n) {
    *n = 0;
    uintptr_t head = pa_introspect_remote_free(b->heap), last;
    pa_remote_batch_view v;
    long len = head ? remote_length(b, &remote_free, head, &last, 0) : 0;
    long blen = batch_length(b, &v, 0);
    len = len < 0 ? 0 : len;
    blen = blen < 0 ? 0 : blen;
    if (!len && !blen)
        return NULL;
    uintptr_t *members = malloc((size_t)(len + blen) * sizeof *members);
    if (!members) {
        b->r->dropped++;
        return NULL;
    }
    *n = append_members(b, head, (size_t)len, members);
    *n += append_members(b, v.head, (size_t)blen, members + *n);
    chk_sort_records(members, *n, 1);
    return members;
}

typedef struct remote {
    chk_base *b;
    const remote_kind *k;
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
        long k = chk_visit_block(b, v, rm->members[j], rm->k->stray, rm->k->stray, rm->k->member);
        if (k < 0 || !chk_bit(v->free_bits, (size_t)k))
            continue;
        chk_loc at = chk_at_pool(b->heap, v->a, v->index, v->pool, &f->v);
        at.block = rm->members[j];
        chk_report(b->r, rm->k->on_freelist, &at, "not on the freelist", "on the freelist",
                   "%s is also free in its pool", rm->k->member);
    }
}

/* Each member of a sound list of len at a live block slot of this heap. */
static void check_members(chk_full *c, const remote_kind *k, uintptr_t head, long len) {
    if (len <= 0)
        return;
    uintptr_t *members = malloc((size_t)len * sizeof *members);
    if (!members) {
        c->b.r->dropped++;
        return;
    }
    size_t n = append_members(&c->b, head, (size_t)len, members);
    chk_sort_records(members, n, 1);
    remote rm = {&c->b, k, members};
    if (chk_walk_pools(&c->b, c->sorted, c->nsorted, members, n, visit_pool, &rm))
        c->b.r->dropped++;
    free(members);
}

void chk_full_remote(chk_full *c) {
    uintptr_t head = pa_introspect_remote_free(c->b.heap), last;
    if (head)
        check_members(c, &remote_free, head, remote_length(&c->b, &remote_free, head, &last, 1));
    pa_remote_batch_view v;
    long len = batch_length(&c->b, &v, 1);
    check_members(c, &remote_batch, v.head, len);
}

/* The two arena-object lists of a full check: usable arenas (sorted, with
 * the last_with_free index over it) and unused objects. */
#include <inttypes.h>
#include <stdlib.h>

#include "check_full.h"

/* Walks a list of arena objects through next; NULL when a link is not an
 * object of the table or repeats (both reported). visit marks membership
 * and tells a repeat. */
typedef int *(*chk_mark_fn)(chk_arena_rec *rec);

static int *mark_usable(chk_arena_rec *rec) { return &rec->on_usable; }
static int *mark_unused(chk_arena_rec *rec) { return &rec->on_unused; }

typedef struct list_ids {
    chk_id link, cycle;
    const char *name;
} list_ids;

typedef void (*chk_member_fn)(chk_full *c, const pa_arena_view *v, size_t n, uintptr_t prev, void *ctx);

static int walk_objects(chk_full *c, uintptr_t head, const list_ids *ids, chk_mark_fn mark, int need_arena,
                        chk_member_fn each, void *ctx) {
    chk_base *b = &c->b;
    chk_loc at = chk_at_heap(b->heap);
    uintptr_t prev = 0, cur = head;
    for (size_t n = 0; cur; n++) {
        pa_arena_view v;
        if (pa_introspect_arena(b->heap, cur, &v)) {
            chk_report(b->r, ids->link, &at, "an arena object of the table",
                       CHK_STR("0x%" PRIxPTR, cur), "%s member %zu is not an arena object", ids->name, n);
            return -1;
        }
        if (need_arena && !v.base) {
            chk_report(b->r, ids->link, &at, "an arena object with an arena", CHK_STR("arena %zu (no arena)", v.slot),
                       "%s member %zu has no arena", ids->name, n);
            return -1;
        }
        int *seen = mark(&c->arenas[v.slot]);
        if (*seen) {
            chk_report(b->r, ids->cycle, &at, "a list ending in NULL", CHK_STR("arena %zu again", v.slot),
                       "%s member %zu repeats an earlier member", ids->name, n);
            return -1;
        }
        *seen = 1;
        if (each)
            each(c, &v, n, prev, ctx);
        prev = cur;
        cur = v.next;
    }
    return 0;
}

typedef struct usable_walk {
    uintptr_t *last;       /* [pools_per_arena + 1]: last arena with n free pools */
    size_t prev_free;
    int prev_ok;           /* the previous arena's nfreepools is right */
} usable_walk;

static void usable_member(chk_full *c, const pa_arena_view *v, size_t n, uintptr_t prev, void *ctx) {
    usable_walk *w = ctx;
    chk_loc at = chk_at_arena(c->b.heap, v);
    char e[64], g[64];
    if (v->prev != prev)
        chk_report(c->b.r, CHK_USABLE_LIST_PREV, &at, chk_arena_name(c->b.heap, prev, e, sizeof e),
                   chk_arena_name(c->b.heap, v->prev, g, sizeof g), "prev does not point back along the usable list");
    /* A wrong nfreepools is ARENA_NFREEPOOLS's to report, not the order's. */
    int ok = c->arenas[v->slot].f.nfree_ok;
    if (n && ok && w->prev_ok && v->nfreepools < w->prev_free)
        chk_report(c->b.r, CHK_USABLE_LIST_ORDER, &at, CHK_STR(">= %zu", w->prev_free), CHK_NUM(v->nfreepools),
                   "has fewer free pools than the usable arena before it");
    if (v->nfreepools <= c->b.hv.pools_per_arena)
        w->last[v->nfreepools] = v->object;
    w->prev_free = v->nfreepools;
    w->prev_ok = ok;
}

static void check_index(chk_full *c, const uintptr_t *last) {
    chk_loc at = chk_at_heap(c->b.heap);
    char e[64], g[64];
    for (size_t k = 0; k <= c->b.hv.pools_per_arena; k++) {
        uintptr_t got = pa_introspect_last_with_free(c->b.heap, k);
        if (got != last[k])
            chk_report(c->b.r, CHK_USABLE_INDEX, &at, chk_arena_name(c->b.heap, last[k], e, sizeof e),
                       chk_arena_name(c->b.heap, got, g, sizeof g), "last_with_free[%zu] is not the last usable "
                       "arena with %zu free pools", k, k);
    }
}

void chk_full_usable(chk_full *c) {
    static const list_ids ids = {CHK_USABLE_LIST_LINK, CHK_USABLE_LIST_CYCLE, "usable list"};
    usable_walk w = {calloc(c->b.hv.pools_per_arena + 1, sizeof(uintptr_t)), 0, 0};
    if (!w.last)
        return;
    if (walk_objects(c, c->b.hv.usable_arenas, &ids, mark_usable, 1, usable_member, &w) == 0) {
        /* The index is judged against a list whose members and counts are
         * right; otherwise it would repeat their faults. */
        int index_ok = 1;
        for (size_t s = 0; s < c->b.hv.arena_slots; s++) {
            const chk_arena_rec *ar = &c->arenas[s];
            if (!ar->read || !ar->v.base)
                continue;
            if (!ar->f.nfree_ok) {
                index_ok = 0;
                continue;
            }
            if ((ar->v.nfreepools > 0) == ar->on_usable)
                continue;
            index_ok = 0;
            chk_loc at = chk_at_arena(c->b.heap, &ar->v);
            chk_report(c->b.r, CHK_USABLE_LIST_MEMBERSHIP, &at, ar->on_usable ? "not on the usable list" : "on the usable list",
                       ar->on_usable ? "on it" : "not on it", "arena with %zu free pools", ar->v.nfreepools);
        }
        if (index_ok)
            check_index(c, w.last);
    }
    free(w.last);
}

void chk_full_unused(chk_full *c) {
    static const list_ids ids = {CHK_UNUSED_LIST_LINK, CHK_UNUSED_LIST_CYCLE, "unused list"};
    if (walk_objects(c, c->b.hv.unused_arenas, &ids, mark_unused, 0, NULL, NULL))
        return;
    for (size_t s = 0; s < c->b.hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || (ar->v.base == 0) == ar->on_unused)
            continue;
        chk_loc at = chk_at_arena(c->b.heap, &ar->v);
        chk_report(c->b.r, CHK_UNUSED_LIST_MEMBERSHIP, &at, ar->on_unused ? "not on the unused list" : "on the unused list",
                   ar->on_unused ? "on it" : "not on it", "arena object %s an arena",
                   ar->v.base ? "with" : "without");
    }
}

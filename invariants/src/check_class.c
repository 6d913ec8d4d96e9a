/* Size classes in a full check: each used list walked, each pool's state
 * compared with the lists it was found on, each counter with the walk. */
#include <inttypes.h>
#include <stdio.h>

#include "check_full.h"

/* "NULL", "arena 0 pool 3" or the raw address. */
static const char *pool_name(const chk_full *c, uintptr_t pool, char *buf, size_t len) {
    const pa_arena_view *a = chk_find_arena(c->sorted, c->nsorted, pool, c->b.hv.config.arena_size);
    if (!pool)
        return chk_fmt(buf, len, "NULL");
    if (a && !((pool - a->base) & (c->b.hv.config.pool_size - 1)))
        return chk_fmt(buf, len, "arena %zu pool %zu", a->slot, (size_t)(pool - a->base) / c->b.hv.config.pool_size);
    return chk_fmt(buf, len, "0x%" PRIxPTR, pool);
}

static void walk_used(chk_full *c, size_t cls) {
    chk_base *b = &c->b;
    uint32_t stamp = ++c->stamp;
    chk_loc at = chk_at_class(b->heap, cls);
    uintptr_t prev = 0, cur = b->cls[cls].used_pools;
    char e[64], g[64];
    for (size_t n = 0; cur; n++) {
        const pa_arena_view *a = chk_find_arena(c->sorted, c->nsorted, cur, b->hv.config.arena_size);
        size_t index = 0;
        chk_where_pool w = a ? chk_pool_in_arena(b, a, cur, &index) : CHK_POOL_OUTSIDE;
        if (w == CHK_POOL_DECOMMITTED) {
            chk_loc pool_at = chk_at_pool(b->heap, a, index, cur, NULL);
            chk_report(b->r, CHK_ARENA_DECOMMITTED_NOT_FREE, &pool_at, "on no list",
                       CHK_STR("class %zu's used list, member %zu", cls, n),
                       "a decommitted pool is on a used list");
            return;
        }
        if (w != CHK_POOL_OK) {
            chk_report(b->r, CHK_CLASS_USED_LIST_LINK, &at, "a carved, committed pool",
                       CHK_STR("0x%" PRIxPTR " (%s)", cur, a ? chk_where_text(w) : "in no arena"),
                       "used list member %zu is not a pool in use", n);
            return;
        }
        chk_pool_rec *rec = &c->pools[a->slot * b->hv.pools_per_arena + index];
        if (rec->stamp == stamp) {
            chk_report(b->r, CHK_CLASS_USED_LIST_CYCLE, &at, "a list ending in NULL",
                       CHK_STR("arena %zu pool %zu again", a->slot, index),
                       "used list member %zu repeats an earlier member", n);
            return;
        }
        rec->stamp = stamp;
        if (!rec->used_hits++)
            rec->used_cls = (int32_t)cls;
        pa_pool_view v;
        /* Refused only if the ownership map is wrong (OWNER_MAP_MISSING). */
        if (pa_introspect_pool(b->heap, cur, &v))
            return;
        if (v.prev != prev) {
            chk_loc pool_at = chk_at_pool(b->heap, a, index, cur, &v);
            chk_report(b->r, CHK_CLASS_USED_LIST_PREV, &pool_at, pool_name(c, prev, e, sizeof e),
                       pool_name(c, v.prev, g, sizeof g), "prev does not point back along class %zu's used list",
                       cls);
        }
        prev = cur;
        cur = v.next;
    }
    c->used_complete[cls] = 1;
    uintptr_t tail = b->cls[cls].used_tail;
    if (tail != prev)
        chk_report(b->r, CHK_CLASS_USED_LIST_TAIL, &at, pool_name(c, prev, e, sizeof e), pool_name(c, tail, g, sizeof g),
                   "used_tail is not the last pool of the used list");
}

void chk_full_used_lists(chk_full *c) {
    for (size_t cls = 0; cls < c->b.hv.nclasses; cls++)
        walk_used(c, cls);
}

static const char *lists_found(const chk_pool_rec *rec, size_t slot, char *buf, size_t len) {
    if (!rec->used_hits && !rec->free_hits)
        return chk_fmt(buf, len, "no list");
    if (rec->used_hits == 1 && !rec->free_hits)
        return chk_fmt(buf, len, "class %d's used list", (int)rec->used_cls);
    if (!rec->used_hits && rec->free_hits == 1)
        return chk_fmt(buf, len, "arena %zu's freepools", slot);
    return chk_fmt(buf, len, "%u used lists and %u freepools lists", rec->used_hits, rec->free_hits);
}

/* Skipped when the list the pool belongs on was not walked to its end: the
 * broken list is reported already, and the pool may sit past the break.
 * The lists are compared as counts; the names are made only for a report. */
static void list_state(chk_full *c, const pa_arena_view *a, size_t index, const chk_pool_facts *f) {
    const chk_geom *g = &c->b.geom[f->v.size_class];
    const chk_pool_rec *rec = &c->pools[a->slot * c->b.hv.pools_per_arena + index];
    char want[64], got[64];
    const char *state;
    if (f->v.count == 0) {
        /* a class's spare: chk_full_spares judged its lists */
        if (rec->spare_of || !c->arenas[a->slot].f.freepools_ok)
            return;
        if (!rec->used_hits && rec->free_hits == 1)
            return;
        state = "empty";
        chk_fmt(want, sizeof want, "arena %zu's freepools", a->slot);
    } else if (f->v.count == g->capacity) {
        if (!rec->used_hits && !rec->free_hits)
            return;
        state = "full";
        chk_fmt(want, sizeof want, "no list");
    } else {
        if (!c->used_complete[f->v.size_class])
            return;
        if (rec->used_hits == 1 && !rec->free_hits && rec->used_cls == (int32_t)f->v.size_class)
            return;
        state = "partly used";
        chk_fmt(want, sizeof want, "class %u's used list", f->v.size_class);
    }
    lists_found(rec, a->slot, got, sizeof got);
    chk_loc at = chk_at_pool(c->b.heap, a, index, f->v.base, &f->v);
    chk_report(c->b.r, CHK_POOL_LIST_STATE, &at, want, got, "%s pool is on the wrong list", state);
}

/* A spare holding no block is a free pool to the statistics. */
static void add_pool(chk_totals *t, const chk_base *b, const chk_pool_facts *f, int spare) {
    unsigned k = f->v.size_class;
    const chk_geom *g = &b->geom[k];
    t->blocks[k] += f->v.count;
    if (!f->v.count) {
        t->free_pools += spare;
        return;
    }
    t->pools[k]++;
    t->full[k] += f->v.count == g->capacity;
    t->free_blocks[k] += g->capacity - f->v.count;
    t->headers += b->hv.pool_header_size;
    t->alignment += g->first - b->hv.pool_header_size;
    t->quantization += b->hv.config.pool_size - g->first - g->capacity * g->block_size;
}

void chk_full_pools(chk_full *c) {
    chk_base *b = &c->b;
    c->t.exact = 1;
    for (size_t slot = 0; slot < b->hv.arena_slots; slot++) {
        const chk_arena_rec *ar = &c->arenas[slot];
        if (!ar->read || !ar->v.base)
            continue;
        if (!ar->f.sound) {
            c->t.exact = 0;
            continue;
        }
        c->t.free_pools += b->hv.pools_per_arena - ar->f.carved + ar->f.committed_free;
        c->t.decommitted += ar->f.decommitted;
        for (size_t i = 0; i < ar->f.carved; i++) {
            if (pa_introspect_pool_decommitted(b->heap, slot, i) == 1)
                continue;
            chk_pool_facts f;
            /* the marks only for the walks after this one (chk_pool_memo) */
            chk_pool(b, &ar->v, i, &f, c->memo ? b->bits : NULL);
            if (c->memo)
                chk_memo_add(c, slot, i, &f);
            chk_pool_rec *rec = &c->pools[slot * b->hv.pools_per_arena + i];
            rec->sound =
                f.read && f.class_ok && f.count_ok && f.layout_ok && f.freelist_ok && b->geom_ok[f.v.size_class];
            if (!f.read || !f.class_ok || !f.count_ok) {
                c->t.exact = 0;
                continue;
            }
            add_pool(&c->t, b, &f, rec->spare_of == (int32_t)f.v.size_class + 1);
            list_state(c, &ar->v, i, &f);
        }
    }
}

void chk_full_class_counters(chk_full *c) {
    const chk_base *b = &c->b;
    if (!c->t.exact)
        return;
    for (size_t k = 0; k < b->hv.nclasses; k++) {
        chk_loc at = chk_at_class(b->heap, k);
        if (b->cls[k].pools != c->t.pools[k])
            chk_report(b->r, CHK_CLASS_POOLS, &at, CHK_NUM(c->t.pools[k]), CHK_NUM(b->cls[k].pools),
                       "pools differs from the pools holding its blocks");
    }
}

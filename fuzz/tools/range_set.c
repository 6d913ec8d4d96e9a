/* The range set of range_set.h: a treap whose priorities are hashed from
 * the address, so a replay makes the same tree every time. */
#include "range_set.h"

#include <stdlib.h>

typedef struct pa_range_node {
    pa_range r;
    uint32_t prio;
    uint32_t child[2]; /* 0: left (lower lo), 1: right */
} pa_range_node;

void pa_range_set_init(pa_range_set *s) {
    s->nodes = NULL;
    s->cap = s->used = s->root = s->free_head = 0;
    s->n = 0;
}

void pa_range_set_free(pa_range_set *s) {
    free(s->nodes);
    pa_range_set_init(s);
}

static uint32_t prio_of(uintptr_t a) {
    uint64_t x = (uint64_t)a * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(x >> 32) | 1u;
}

static uint32_t node_new(pa_range_set *s, const pa_range *r) {
    uint32_t i = s->free_head;
    if (i) {
        s->free_head = s->nodes[i].child[0];
    } else {
        if (s->used + 1 >= s->cap) {
            uint32_t ncap = s->cap ? s->cap * 2 : 1024;
            if (ncap <= s->cap)
                return 0;
            pa_range_node *g = realloc(s->nodes, (size_t)ncap * sizeof *g);
            if (!g)
                return 0;
            s->nodes = g;
            s->cap = ncap;
        }
        i = ++s->used;
    }
    s->nodes[i].r = *r;
    s->nodes[i].prio = prio_of(r->lo);
    s->nodes[i].child[0] = s->nodes[i].child[1] = 0;
    return i;
}

/* The held range with the greatest lo below `below`, or NULL. Ranges are
 * disjoint, so it is the only one that can reach into [x, below). */
static const pa_range *last_before(const pa_range_set *s, uintptr_t below) {
    const pa_range *best = NULL;
    for (uint32_t i = s->root; i;) {
        const pa_range_node *nd = &s->nodes[i];
        if (nd->r.lo < below) {
            best = &nd->r;
            i = nd->child[1];
        } else {
            i = nd->child[0];
        }
    }
    return best;
}

/* Insert node k under the subtree at *link, rotating it up past lower
 * priorities. */
static void insert(pa_range_set *s, uint32_t *link, uint32_t k) {
    uint32_t i = *link;
    if (!i) {
        *link = k;
        return;
    }
    int dir = s->nodes[k].r.lo > s->nodes[i].r.lo;
    insert(s, &s->nodes[i].child[dir], k);
    if (s->nodes[k].prio > s->nodes[i].prio && s->nodes[i].child[dir] == k) {
        s->nodes[i].child[dir] = s->nodes[k].child[!dir];
        s->nodes[k].child[!dir] = i;
        *link = k;
    }
}

int pa_range_set_claim(pa_range_set *s, uintptr_t lo, uintptr_t hi, uint64_t tag, pa_range *clash) {
    const pa_range *prev = last_before(s, hi);
    if (prev && prev->hi > lo) {
        if (clash)
            *clash = *prev;
        return 1;
    }
    pa_range r = {lo, hi, tag};
    uint32_t k = node_new(s, &r);
    if (!k)
        return -1;
    insert(s, &s->root, k);
    s->n++;
    return 0;
}

/* Joins two treaps, every lo in a below every lo in b. */
static uint32_t join(pa_range_set *s, uint32_t a, uint32_t b) {
    if (!a || !b)
        return a ? a : b;
    if (s->nodes[a].prio > s->nodes[b].prio) {
        s->nodes[a].child[1] = join(s, s->nodes[a].child[1], b);
        return a;
    }
    s->nodes[b].child[0] = join(s, a, s->nodes[b].child[0]);
    return b;
}

int pa_range_set_release(pa_range_set *s, uintptr_t lo) {
    uint32_t *link = &s->root;
    while (*link && s->nodes[*link].r.lo != lo)
        link = &s->nodes[*link].child[lo > s->nodes[*link].r.lo];
    uint32_t i = *link;
    if (!i)
        return -1;
    *link = join(s, s->nodes[i].child[0], s->nodes[i].child[1]);
    s->nodes[i].child[0] = s->free_head;
    s->free_head = i;
    s->n--;
    return 0;
}

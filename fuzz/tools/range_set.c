/* The range set of range_set.h: a treap whose priorities are hashed from
 * the address, so a replay makes the same tree every time. Its walks are
 * chains of dependent loads, one node a level: a node is what they read,
 * 32 bytes in an array aligned to cache lines, so none spans two lines;
 * the tags, read only to name a clash, lie apart. */
#include "range_set.h"

#include <stdlib.h>
#include <string.h>

typedef struct pa_range_node {
    uintptr_t lo, hi;
    uint32_t prio;
    uint32_t child[2]; /* 0: left (lower lo), 1: right */
} pa_range_node;

_Static_assert(64 % sizeof(pa_range_node) == 0, "a node must not span two cache lines");

void pa_range_set_init(pa_range_set *s) {
    s->nodes = NULL;
    s->tags = NULL;
    s->cap = s->used = s->root = s->free_head = 0;
    s->n = 0;
}

void pa_range_set_free(pa_range_set *s) {
    free(s->nodes);
    free(s->tags);
    pa_range_set_init(s);
}

static uint32_t prio_of(uintptr_t a) {
    uint64_t x = (uint64_t)a * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(x >> 32) | 1u;
}

/* Room for one more node, so that taking it moves no node: -1 if none. */
static int reserve(pa_range_set *s) {
    if (s->free_head || s->used + 1 < s->cap)
        return 0;
    uint32_t ncap = s->cap ? s->cap * 2 : 1024;
    if (ncap <= s->cap)
        return -1;
    pa_range_node *g = aligned_alloc(64, (size_t)ncap * sizeof *g);
    uint64_t *t = realloc(s->tags, (size_t)ncap * sizeof *t);
    if (t)
        s->tags = t;
    if (!g || !t) {
        free(g);
        return -1;
    }
    if (s->nodes)
        memcpy(g, s->nodes, (size_t)s->cap * sizeof *g);
    free(s->nodes);
    s->nodes = g;
    s->cap = ncap;
    return 0;
}

/* A node for [lo, hi), from the room reserve made. */
static uint32_t node_new(pa_range_set *s, uintptr_t lo, uintptr_t hi, uint64_t tag, uint32_t prio) {
    uint32_t i = s->free_head;
    if (i)
        s->free_head = s->nodes[i].child[0];
    else
        i = ++s->used;
    s->nodes[i] = (pa_range_node){lo, hi, prio, {0, 0}};
    s->tags[i] = tag;
    return i;
}

/* The held range with the greatest lo below `below`, or 0. Ranges are
 * disjoint, so it is the only one that can reach into [x, below). The
 * direction is an index, not a branch: it is a coin toss at every level. */
static uint32_t last_before(const pa_range_set *s, uintptr_t below) {
    uint32_t best = 0;
    for (uint32_t i = s->root; i;) {
        const pa_range_node *nd = &s->nodes[i];
        int right = nd->lo < below;
        best = right ? i : best;
        i = nd->child[right];
    }
    return best;
}

static int overlap(const pa_range_node *nd, uintptr_t lo, uintptr_t hi) { return nd->lo < hi && nd->hi > lo; }

/* Whether [lo, hi) overlaps a range of the subtree at i, from the nodes on
 * its search path of lo alone: that path passes lo's neighbours in lo
 * order there, the range that could hold lo and the first that could start
 * inside [lo, hi). */
static int overlaps_below(const pa_range_set *s, uint32_t i, uintptr_t lo, uintptr_t hi) {
    while (i) {
        const pa_range_node *nd = &s->nodes[i];
        if (overlap(nd, lo, hi))
            return 1;
        i = nd->child[lo > nd->lo];
    }
    return 0;
}

/* One pass down lo's search path: the nodes above where the new node's
 * priority puts it are checked for an overlap on the way, the rest of the
 * path (expected a node or two) before the subtree there is split by lo
 * into the new node's children; no rotations, no recursion. */
int pa_range_set_claim(pa_range_set *s, uintptr_t lo, uintptr_t hi, uint64_t tag, pa_range *clash) {
    if (reserve(s))
        return -1;
    pa_range_node *n = s->nodes;
    uint32_t prio = prio_of(lo), *link = &s->root;
    int hit = 0;
    while (!hit && *link && n[*link].prio >= prio) {
        hit = overlap(&n[*link], lo, hi);
        link = &n[*link].child[lo > n[*link].lo];
    }
    if (hit || overlaps_below(s, *link, lo, hi)) {
        pa_range_set_overlap(s, lo, hi, clash); /* names the clash */
        return 1;
    }
    uint32_t k = node_new(s, lo, hi, tag, prio), t = *link, *left = &n[k].child[0], *right = &n[k].child[1];
    while (t) {
        if (n[t].lo < lo) {
            *left = t;
            left = &n[t].child[1];
            t = *left;
        } else {
            *right = t;
            right = &n[t].child[0];
            t = *right;
        }
    }
    *left = *right = 0;
    *link = k;
    s->n++;
    return 0;
}

int pa_range_set_overlap(const pa_range_set *s, uintptr_t lo, uintptr_t hi, pa_range *clash) {
    uint32_t c = last_before(s, hi);
    if (!c || s->nodes[c].hi <= lo)
        return 0;
    if (clash)
        *clash = (pa_range){s->nodes[c].lo, s->nodes[c].hi, s->tags[c]};
    return 1;
}

size_t pa_range_set_starts(const pa_range_set *s, uintptr_t *out) {
    /* in order with a stack of the left spine: a treap's depth is O(log n)
     * expected, n at worst */
    uint32_t *stack = malloc((s->n + 1) * sizeof *stack);
    if (!stack)
        return SIZE_MAX;
    size_t depth = 0, k = 0;
    for (uint32_t i = s->root; i || depth;) {
        if (i) {
            stack[depth++] = i;
            i = s->nodes[i].child[0];
        } else {
            i = stack[--depth];
            out[k++] = s->nodes[i].lo;
            i = s->nodes[i].child[1];
        }
    }
    free(stack);
    return k;
}

/* Joins two treaps, every lo in a below every lo in b, down their facing
 * spines. */
static uint32_t join(pa_range_set *s, uint32_t a, uint32_t b) {
    uint32_t root, *link = &root;
    while (a && b) {
        if (s->nodes[a].prio > s->nodes[b].prio) {
            *link = a;
            link = &s->nodes[a].child[1];
            a = *link;
        } else {
            *link = b;
            link = &s->nodes[b].child[0];
            b = *link;
        }
    }
    *link = a ? a : b;
    return root;
}

int pa_range_set_release(pa_range_set *s, uintptr_t lo) {
    uint32_t *link = &s->root;
    while (*link && s->nodes[*link].lo != lo)
        link = &s->nodes[*link].child[lo > s->nodes[*link].lo];
    uint32_t i = *link;
    if (!i)
        return -1;
    *link = join(s, s->nodes[i].child[0], s->nodes[i].child[1]);
    s->nodes[i].child[0] = s->free_head;
    s->free_head = i;
    s->n--;
    return 0;
}

/* Live set and address index of the shadow model. */
#include "shadow.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

static void reset_index(pa_shadow *s) {
    s->root = -1;
    s->nranges = 0;
    s->free_list = -1;
    s->fresh = 0;
}

int pa_shadow_init(pa_shadow *s) {
    memset(s, 0, sizeof *s);
    s->slots = malloc(PA_LIVE_MAX * sizeof *s->slots); /* used below s->n only */
    s->nodes = malloc((PA_LIVE_MAX + 1) * sizeof *s->nodes);
    s->next_serial = 1;
    if (!s->slots || !s->nodes) {
        pa_shadow_free(s);
        return -1;
    }
    reset_index(s);
    return 0;
}

void pa_shadow_free(pa_shadow *s) {
    free(s->slots);
    free(s->nodes);
    memset(s, 0, sizeof *s);
}

void pa_shadow_append(pa_shadow *s, const pa_shadow_block *b) {
    s->slots[s->n++] = *b;
    if (b->p) {
        if (b->small)
            s->nsmall++;
        else
            s->nlarge++;
    }
}

void pa_shadow_remove(pa_shadow *s, const size_t *pos, size_t n) {
    size_t out = pos[0], k = 0;
    for (size_t i = pos[0]; i < s->n; i++) {
        if (k < n && pos[k] == i) {
            k++;
            if (s->slots[i].p) {
                if (s->slots[i].small)
                    s->nsmall--;
                else
                    s->nlarge--;
            }
            continue;
        }
        s->slots[out++] = s->slots[i];
    }
    s->n = out;
}

void pa_shadow_clear(pa_shadow *s) {
    s->n = 0;
    s->nsmall = s->nlarge = 0;
    reset_index(s);
}

void pa_shadow_restart(pa_shadow *s) {
    pa_shadow_clear(s);
    s->next_serial = 1;
}

/* ---- the treap ------------------------------------------------------- */

/* A full 64-bit mix: addresses a class size apart differ in a few low
 * bits, which a single multiply leaves correlated (a deeper tree). */
static uint32_t prio_of(uintptr_t a) {
    uint64_t z = (uint64_t)a;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(z ^ (z >> 31));
}

/* Join a and b, every key of a below every key of b. */
static int32_t merge(pa_shadow_node *n, int32_t a, int32_t b) {
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    if (n[a].prio > n[b].prio) {
        n[a].right = merge(n, n[a].right, b);
        return a;
    }
    n[b].left = merge(n, a, n[b].left);
    return b;
}

/* The range with the largest lo <= a, or NULL. */
static const pa_shadow_range *at_or_below(const pa_shadow *s, uintptr_t a) {
    const pa_shadow_range *best = NULL;
    for (int32_t t = s->root; t >= 0;) {
        if (s->nodes[t].r.lo <= a) {
            best = &s->nodes[t].r;
            t = s->nodes[t].right;
        } else {
            t = s->nodes[t].left;
        }
    }
    return best;
}

/* Split t by key: the nodes below key to *l, the rest to *r. */
static void split(pa_shadow_node *n, int32_t t, uintptr_t key, int32_t *l, int32_t *r) {
    while (t >= 0) {
        if (n[t].r.lo < key) {
            *l = t;
            l = &n[t].right;
            t = n[t].right;
        } else {
            *r = t;
            r = &n[t].left;
            t = n[t].left;
        }
    }
    *l = *r = -1;
}

/* One step of the search path for lo from node t: the neighbour it passes
 * (the range at or below lo, or the one above) and the link taken. */
static inline int32_t *step(pa_shadow_node *n, int32_t t, uintptr_t lo, const pa_shadow_range **below,
                            const pa_shadow_range **next) {
    if (n[t].r.lo <= lo) {
        *below = &n[t].r;
        return &n[t].right;
    }
    *next = &n[t].r;
    return &n[t].left;
}

int pa_shadow_claim(pa_shadow *s, const void *p, size_t len, uint64_t serial, pa_shadow_range *clash) {
    uintptr_t lo = (uintptr_t)p, hi = lo + (len ? len : 1);
    uint32_t prio = prio_of(lo);
    /* One descent finds both neighbours (the range at or below lo, the one
     * above) and where the new node goes: at the first node of a lower
     * priority on the way, the subtree it displaces split by its key into
     * the new node's children. No recursion, no rotations. */
    pa_shadow_node *n = s->nodes;
    const pa_shadow_range *below = NULL, *next = NULL;
    int32_t *link = &s->root, t;
    /* down to the first node of a lower priority, then on to the leaf:
     * two loops, so the rest of the path tests no priority */
    for (t = *link; t >= 0 && n[t].prio >= prio; t = *link)
        link = step(n, t, lo, &below, &next);
    int32_t *at = link;
    for (; t >= 0; t = *link)
        link = step(n, t, lo, &below, &next);
    if (below && below->hi > lo) {
        *clash = *below;
        return -1;
    }
    if (next && next->lo < hi) {
        *clash = *next;
        return -1;
    }
    int32_t x = s->free_list;
    if (x >= 0) {
        s->free_list = n[x].left;
    } else if (s->fresh <= PA_LIVE_MAX) {
        x = s->fresh++;
    } else { /* more ranges than slots: cannot happen */
        memset(clash, 0, sizeof *clash);
        return -1;
    }
    n[x].r.lo = lo;
    n[x].r.hi = hi;
    n[x].r.serial = serial;
    n[x].prio = prio;
    split(n, *at, lo, &n[x].left, &n[x].right);
    *at = x;
    s->nranges++;
    return 0;
}

/* Take the node keyed a out of t (its children merged in its place). */
static int32_t erase(pa_shadow_node *n, int32_t t, uintptr_t a, int32_t *gone) {
    if (t < 0)
        return t;
    if (a < n[t].r.lo)
        n[t].left = erase(n, n[t].left, a, gone);
    else if (a > n[t].r.lo)
        n[t].right = erase(n, n[t].right, a, gone);
    else {
        *gone = t;
        return merge(n, n[t].left, n[t].right);
    }
    return t;
}

int pa_shadow_release(pa_shadow *s, const void *p) {
    int32_t gone = -1;
    s->root = erase(s->nodes, s->root, (uintptr_t)p, &gone);
    if (gone < 0)
        return -1;
    s->nodes[gone].left = s->free_list;
    s->free_list = gone;
    s->nranges--;
    return 0;
}

const pa_shadow_range *pa_shadow_find(const pa_shadow *s, uintptr_t a) {
    const pa_shadow_range *r = at_or_below(s, a);
    return r && r->hi > a ? r : NULL;
}

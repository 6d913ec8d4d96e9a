/* The block table of trace_blocks.h. */
#include "trace_blocks.h"

#include <stdlib.h>
#include <string.h>

void pa_trace_blocks_init(pa_trace_blocks *t) { memset(t, 0, sizeof *t); }

void pa_trace_blocks_free(pa_trace_blocks *t) {
    free(t->tab);
    memset(t, 0, sizeof *t);
}

pa_trace_block *pa_trace_blocks_take(pa_trace_blocks *t, uint64_t slot, uint64_t id) {
    if (slot >= t->cap) {
        uint64_t ncap = t->cap ? t->cap : 4096;
        while (ncap <= slot)
            ncap *= 2;
        pa_trace_block *g = ncap <= SIZE_MAX / sizeof *g ? realloc(t->tab, ncap * sizeof *g) : NULL;
        if (!g)
            return NULL;
        t->tab = g;
        t->cap = ncap;
    }
    if (slot >= t->len) {
        memset(&t->tab[t->len], 0, (slot + 1 - t->len) * sizeof *t->tab);
        t->len = slot + 1;
    }
    pa_trace_block *b = &t->tab[slot];
    memset(b, 0, sizeof *b);
    b->id = id;
    return b;
}

void pa_trace_blocks_clear(pa_trace_blocks *t, uint64_t slot) { memset(&t->tab[slot], 0, sizeof t->tab[slot]); }

const pa_trace_block *pa_trace_blocks_at(const pa_trace_blocks *t, uintptr_t p) {
    for (uint64_t i = 0; i < t->len; i++)
        if ((uintptr_t)t->tab[i].p == p)
            return &t->tab[i];
    return NULL;
}

const pa_trace_block *pa_trace_blocks_of_id(const pa_trace_blocks *t, uint64_t id) {
    for (uint64_t i = 0; i < t->len; i++)
        if ((t->tab[i].p || t->tab[i].lost) && t->tab[i].id == id)
            return &t->tab[i];
    return NULL;
}

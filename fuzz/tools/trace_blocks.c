/* The block table of trace_blocks.h. */
#include "trace_blocks.h"

#include <stdlib.h>
#include <string.h>

void pa_trace_blocks_init(pa_trace_blocks *t) {
    memset(t, 0, sizeof *t);
    pa_u64map_init_heap(&t->ids);
}

void pa_trace_blocks_free(pa_trace_blocks *t) {
    pa_u64map_clear(&t->ids);
    free(t->tab);
    t->tab = NULL;
    t->len = t->cap = t->free_head = 0;
}

pa_trace_block *pa_trace_blocks_new(pa_trace_blocks *t, uint64_t id, uint64_t *index) {
    uint32_t i;
    if (t->free_head) {
        i = t->free_head - 1;
        t->free_head = t->tab[i].next_free;
    } else {
        if (t->len == t->cap) {
            uint32_t ncap = t->cap ? t->cap * 2 : 4096;
            pa_trace_block *g = ncap > t->cap ? realloc(t->tab, (size_t)ncap * sizeof *g) : NULL;
            if (!g)
                return NULL;
            t->tab = g;
            t->cap = ncap;
        }
        i = t->len++;
    }
    if (id && pa_u64map_put(&t->ids, id, (uint64_t)i + 1, NULL) < 0) {
        t->tab[i].next_free = t->free_head;
        t->free_head = i + 1;
        return NULL;
    }
    memset(&t->tab[i], 0, sizeof t->tab[i]);
    t->tab[i].id = id;
    *index = i;
    return &t->tab[i];
}

void pa_trace_blocks_recycle(pa_trace_blocks *t, uint64_t index) {
    pa_trace_block *b = &t->tab[index];
    b->p = NULL;
    b->next_free = t->free_head;
    t->free_head = (uint32_t)index + 1;
}

void pa_trace_blocks_release(pa_trace_blocks *t, uint64_t index) {
    if (t->tab[index].id)
        pa_u64map_remove(&t->ids, t->tab[index].id, NULL);
    pa_trace_blocks_recycle(t, index);
}

uint64_t pa_trace_blocks_index(const pa_trace_blocks *t, uint64_t id) {
    uint64_t v = PA_TRACE_LOST;
    pa_u64map_get(&t->ids, id, &v);
    return v == PA_TRACE_LOST ? PA_TRACE_LOST : v - 1;
}

const pa_trace_block *pa_trace_blocks_at(const pa_trace_blocks *t, uintptr_t p) {
    for (uint32_t i = 0; i < t->len; i++)
        if ((uintptr_t)t->tab[i].p == p)
            return &t->tab[i];
    return NULL;
}

void pa_trace_blocks_prefetch(const pa_trace_blocks *t, uint64_t id) {
    if (id)
        pa_u64map_prefetch(&t->ids, id);
}

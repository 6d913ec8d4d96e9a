/* Finding arenas by address without the heap's help: the checker keeps its
 * own sorted table so it can cross-examine the ownership map. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_full.h"

static int by_base(const void *x, const void *y) {
    uintptr_t a = ((const pa_arena_view *)x)->base, b = ((const pa_arena_view *)y)->base;
    return (a > b) - (a < b);
}

pa_arena_view *chk_sorted_arenas(const chk_base *b, size_t *n) {
    *n = 0;
    if (!b->hv.arena_slots)
        return NULL;
    pa_arena_view *out = malloc(b->hv.arena_slots * sizeof *out);
    if (!out)
        return NULL;
    for (size_t s = 0; s < b->hv.arena_slots; s++)
        if (pa_introspect_arena_slot(b->heap, s, &out[*n]) == 0 && chk_arena_sound(b, &out[*n]))
            (*n)++;
    qsort(out, *n, sizeof *out, by_base);
    return out;
}

const pa_arena_view *chk_find_arena(const pa_arena_view *sorted, size_t n, uintptr_t addr, size_t arena_size) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid].base + arena_size <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo].base <= addr ? &sorted[lo] : NULL;
}

const char *chk_arena_name(const pa_heap *heap, uintptr_t object, char *buf, size_t len) {
    pa_arena_view v;
    if (!object)
        snprintf(buf, len, "NULL");
    else if (pa_introspect_arena(heap, object, &v))
        snprintf(buf, len, "0x%" PRIxPTR " (not an arena object)", object);
    else
        snprintf(buf, len, "arena %zu", v.slot);
    return buf;
}

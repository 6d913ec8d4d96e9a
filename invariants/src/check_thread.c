/* Thread heaps and the process-wide arena map that routes a free to the
 * heap owning its arena (docs/ARCHITECTURE.md, "Threads"). A thread heap
 * records each of its arenas there; the shared heap, behind its mutex, and
 * heaps of pa_heap_create record none: a free routed to them by the map
 * would bypass the mutex. Large blocks go to the shared heap, so a thread
 * heap holds none. */
#include <inttypes.h>

#include "check_full.h"

/* Into the caller's buffer: a CHK_STR literal would die with this frame. */
static const char *heap_name(char *buf, size_t len, uintptr_t heap, uintptr_t self) {
    if (!heap)
        return "no heap";
    return heap == self ? chk_fmt(buf, len, "this heap (0x%" PRIxPTR ")", heap)
                        : chk_fmt(buf, len, "heap 0x%" PRIxPTR, heap);
}

void chk_full_thread(chk_full *c) {
    chk_base *b = &c->b;
    uintptr_t self = (uintptr_t)b->heap;
    uintptr_t want = b->hv.thread_heap ? self : 0;
    size_t named = 0;
    for (size_t s = 0; s < b->hv.arena_slots; s++) {
        const chk_arena_rec *ar = &c->arenas[s];
        if (!ar->read || !ar->v.base)
            continue;
        uintptr_t got = pa_introspect_arena_map(ar->v.base);
        named += got == self;
        if (got == want)
            continue;
        chk_loc at = chk_at_arena(b->heap, &ar->v);
        char want_name[64], got_name[64];
        chk_report(b->r, CHK_ARENA_MAP_OWNER, &at, heap_name(want_name, sizeof want_name, want, self),
                   heap_name(got_name, sizeof got_name, got, self),
                   "the process-wide arena map names the wrong heap for the arena");
    }
    chk_loc at = chk_at_heap(b->heap);
    size_t count = pa_introspect_arena_map_count(b->heap);
    if (count != named)
        chk_report(b->r, CHK_ARENA_MAP_STRAY, &at, CHK_NUM(named), CHK_NUM(count),
                   "the process-wide arena map names this heap for arenas that are not its live ones");
    if (b->hv.thread_heap && (b->hv.large_blocks || b->hv.large_cached_blocks))
        chk_report(b->r, CHK_THREAD_HEAP_LARGE, &at, "0 live, 0 cached",
                   CHK_STR("%zu live, %zu cached", b->hv.large_blocks, b->hv.large_cached_blocks),
                   "a thread heap holds large blocks");
}

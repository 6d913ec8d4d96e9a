/* The large-block table: its counters against its slots, the load its
 * growth keeps it under, and every entry reachable by a lookup. Open
 * addressing with linear probing finds an entry only while no empty slot
 * lies between its home and it, and a lookup of an absent block ends only
 * at an empty slot: a table past the load its code assumes, or with a
 * broken probe chain, loses blocks long before anything hangs. */
#include "check_full.h"

/* Messages name an entry by slot and kind, never by address. */
static const char *entry_kind(int kind) { return kind == 1 ? "live" : "cached"; }

int chk_full_large_table(chk_base *b) {
    size_t cap = pa_introspect_large_capacity(b->heap), count = 0, bytes = 0, taken;
    const chk_large_entry *e = chk_large_entries(b, &taken);
    if (!e) {
        b->r->dropped++;
        return 0;
    }
    for (size_t i = 0; i < taken; i++) {
        if (e[i].kind == 1) {
            count++;
            bytes += e[i].size;
        }
    }
    chk_loc at = chk_at_heap(b->heap);
    if (b->hv.large_blocks != count)
        chk_report(b->r, CHK_HEAP_LARGE_BLOCKS, &at, CHK_NUM(count), CHK_NUM(b->hv.large_blocks),
                   "large_blocks differs from the large-block table");
    if (b->hv.large_bytes != bytes)
        chk_report(b->r, CHK_HEAP_LARGE_BYTES, &at, CHK_NUM(bytes), CHK_NUM(b->hv.large_bytes),
                   "large_bytes differs from the large-block table");
    if (cap & (cap - 1)) {
        chk_report(b->r, CHK_LARGE_TABLE_LOAD, &at, "0 or a power of two", CHK_NUM(cap),
                   "the large-block table's capacity is no power of two");
        return 0;
    }
    if (2 * taken > cap)
        chk_report(b->r, CHK_LARGE_TABLE_LOAD, &at, CHK_STR("at most %zu of %zu slots", cap / 2, cap),
                   CHK_NUM(taken), "the large-block table is more than half full");
    /* A lookup ends at an empty slot: with none it would not end. */
    return taken < cap;
}

void chk_full_large_probes(chk_base *b) {
    chk_loc at = chk_at_heap(b->heap);
    size_t taken;
    const chk_large_entry *e = chk_large_entries(b, &taken);
    for (size_t i = 0; e && i < taken; i++) {
        size_t s = e[i].slot;
        if (pa_introspect_large_reachable(b->heap, s) != 0)
            continue;
        chk_report(b->r, CHK_LARGE_TABLE_PROBE, &at, CHK_STR("slot %zu", s), "an empty slot or another slot first",
                   "a lookup of the %s block in large-block table slot %zu does not find it", entry_kind(e[i].kind), s);
    }
}

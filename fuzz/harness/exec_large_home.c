/* Where the large-block table keeps each block: open addressing from the
 * home slot its hash gives (alloc/src/large_table.c: Fibonacci hashing of
 * the address, the high half of the product picking the slot, as block
 * addresses share their low bits), then linear probing. The heap's own
 * lookups use its own hash, so a hash that sends every block to one slot
 * passes them (ever slower); the harness's model of the hash does not. */
#include "exec_internal.h"

#include "poolalloc/introspect.h"

static size_t home_of(uintptr_t block, size_t capacity) {
    return (size_t)(((uint64_t)block * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (capacity - 1);
}

int ex_check_large_homes(exec *ex) {
    const pa_heap *h = ex->heap;
    size_t cap = pa_introspect_large_capacity(h);
    for (size_t s = pa_introspect_large_next_taken(h, 0); s < cap; s = pa_introspect_large_next_taken(h, s + 1)) {
        uintptr_t block;
        size_t size;
        int kind = pa_introspect_large_slot(h, s, &block, &size);
        if (kind <= 0)
            continue;
        size_t home = home_of(block, cap);
        ex_doctor(ex, PA_SITE_LARGE_HOME, &home);
        for (size_t t = home % cap; t != s; t = (t + 1) & (cap - 1))
            if (pa_introspect_large_next_taken(h, t) != t)
                return ex_fail(ex, "LARGE_TABLE_HOME",
                               "the %s block in large-block table slot %zu is off the probe path from its home slot "
                               "%zu (the table's hash of its address): slot %zu between is empty",
                               kind == 1 ? "live" : "cached", s, home, t);
    }
    return 0;
}

#include "large_table.h"

#include "annotate.h"
#include "meta.h"

#define MIN_CAPACITY 64

static size_t home(const pa_large_table *t, uintptr_t key) {
    /* Fibonacci hashing: block addresses share their low bits. A cached
     * block's tag does not move it. */
    uintptr_t block = key & ~PA_LARGE_CACHED;
    return (size_t)((block * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (t->capacity - 1);
}

static void place(pa_large_table *t, uintptr_t key, size_t size) {
    size_t i = home(t, key);
    while (t->slots[i].block)
        i = (i + 1) & (t->capacity - 1);
    t->slots[i].block = key;
    t->slots[i].size = size;
}

static size_t slots_bytes(size_t capacity) { return capacity * sizeof(pa_large_slot); }

/* Cached blocks hold slots too: the load counts them. */
int pa_large_reserve(pa_heap *h) {
    pa_large_table *t = &h->large;
    if ((t->count + h->large_cache.blocks + 1) * 2 <= t->capacity)
        return 0;
    size_t capacity = t->capacity ? t->capacity * 2 : MIN_CAPACITY;
    pa_large_slot *slots = pa_meta_map(h, slots_bytes(capacity));
    if (!slots)
        return -1;
    pa_annotate_root_mapped(slots, slots_bytes(capacity));
    pa_large_table grown = {slots, capacity, t->count, t->bytes};
    for (size_t i = 0; i < t->capacity; i++)
        if (t->slots[i].block)
            place(&grown, t->slots[i].block, t->slots[i].size);
    pa_large_table_destroy(h);
    *t = grown;
    return 0;
}

void pa_large_insert(pa_heap *h, uintptr_t block, size_t size) {
    place(&h->large, block, size);
    h->large.count++;
    h->large.bytes += size;
}

static pa_large_slot *probe(const pa_large_table *t, uintptr_t key) {
    if (!t->capacity)
        return NULL;
    for (size_t i = home(t, key);; i = (i + 1) & (t->capacity - 1)) {
        if (t->slots[i].block == key)
            return &t->slots[i];
        if (!t->slots[i].block)
            return NULL;
    }
}

/* A pointer with the tag's bit set is no live block (large blocks are
 * aligned): it must not find the cached block below it. */
pa_large_slot *pa_large_find(const pa_large_table *t, uintptr_t block) {
    if (!block || (block & PA_LARGE_CACHED))
        return NULL;
    return probe(t, block);
}

pa_large_slot *pa_large_find_cached(const pa_large_table *t, uintptr_t block) {
    return probe(t, block | PA_LARGE_CACHED);
}

void pa_large_mark_cached(pa_large_table *t, pa_large_slot *slot, uintptr_t next) {
    t->count--;
    t->bytes -= slot->size;
    slot->block |= PA_LARGE_CACHED;
    slot->size = next;
}

void pa_large_mark_live(pa_large_table *t, pa_large_slot *slot, size_t size) {
    slot->block &= ~PA_LARGE_CACHED;
    slot->size = size;
    t->count++;
    t->bytes += size;
}

void pa_large_remove(pa_heap *h, pa_large_slot *slot) {
    h->large.count--;
    h->large.bytes -= slot->size;
    pa_large_erase(&h->large, slot);
}

/* Backward-shift deletion keeps probe chains unbroken without tombstones. */
void pa_large_erase(pa_large_table *t, pa_large_slot *slot) {
    size_t mask = t->capacity - 1;
    size_t hole = (size_t)(slot - t->slots);
    for (size_t i = (hole + 1) & mask; t->slots[i].block; i = (i + 1) & mask) {
        size_t want = home(t, t->slots[i].block);
        /* Move entry i into the hole unless its home lies in (hole, i]. */
        int stays = hole <= i ? (want > hole && want <= i) : (want > hole || want <= i);
        if (!stays) {
            t->slots[hole] = t->slots[i];
            hole = i;
        }
    }
    t->slots[hole].block = 0;
    t->slots[hole].size = 0;
}

void pa_large_table_destroy(pa_heap *h) {
    pa_large_table *t = &h->large;
    if (t->slots) {
        pa_annotate_root_unmapping(t->slots, slots_bytes(t->capacity));
        pa_meta_unmap(h, t->slots, slots_bytes(t->capacity));
    }
    t->slots = NULL;
    t->capacity = t->count = t->bytes = 0;
}

#include "large_table.h"

#include "meta.h"

#define MIN_CAPACITY 64

static size_t home(const pa_large_table *t, uintptr_t block) {
    /* Fibonacci hashing: block addresses share their low bits. */
    return (size_t)((block * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (t->capacity - 1);
}

static void place(pa_large_table *t, uintptr_t block, size_t size) {
    size_t i = home(t, block);
    while (t->slots[i].block)
        i = (i + 1) & (t->capacity - 1);
    t->slots[i].block = block;
    t->slots[i].size = size;
}

int pa_large_reserve(pa_heap *h) {
    pa_large_table *t = &h->large;
    if ((t->count + 1) * 2 <= t->capacity)
        return 0;
    size_t capacity = t->capacity ? t->capacity * 2 : MIN_CAPACITY;
    pa_large_slot *slots = pa_meta_map(h, capacity * sizeof *slots);
    if (!slots)
        return -1;
    pa_large_table grown = {slots, capacity, t->count, t->bytes};
    for (size_t i = 0; i < t->capacity; i++)
        if (t->slots[i].block)
            place(&grown, t->slots[i].block, t->slots[i].size);
    if (t->slots)
        pa_meta_unmap(h, t->slots, t->capacity * sizeof *t->slots);
    *t = grown;
    return 0;
}

void pa_large_insert(pa_heap *h, uintptr_t block, size_t size) {
    place(&h->large, block, size);
    h->large.count++;
    h->large.bytes += size;
}

pa_large_slot *pa_large_find(const pa_large_table *t, uintptr_t block) {
    if (!t->capacity || !block)
        return NULL;
    for (size_t i = home(t, block);; i = (i + 1) & (t->capacity - 1)) {
        if (t->slots[i].block == block)
            return &t->slots[i];
        if (!t->slots[i].block)
            return NULL;
    }
}

/* Backward-shift deletion keeps probe chains unbroken without tombstones. */
void pa_large_remove(pa_heap *h, pa_large_slot *slot) {
    pa_large_table *t = &h->large;
    size_t mask = t->capacity - 1;
    size_t hole = (size_t)(slot - t->slots);
    t->count--;
    t->bytes -= slot->size;
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
    if (t->slots)
        pa_meta_unmap(h, t->slots, t->capacity * sizeof *t->slots);
    t->slots = NULL;
    t->capacity = t->count = t->bytes = 0;
}

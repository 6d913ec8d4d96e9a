#include "trace_u64map.h"

#include <stdlib.h>

#define MIN_CAP ((size_t)64)

static void *heap_alloc(size_t bytes) { return calloc(1, bytes); }
static void heap_release(void *mem, size_t bytes)
{
    (void)bytes;
    free(mem);
}

void pa_u64map_init(pa_u64map *m, pa_u64map_alloc_fn alloc, pa_u64map_release_fn release)
{
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
    m->alloc = alloc;
    m->release = release;
}

void pa_u64map_init_heap(pa_u64map *m) { pa_u64map_init(m, heap_alloc, heap_release); }

void pa_u64map_clear(pa_u64map *m)
{
    if (m->slots)
        m->release(m->slots, m->cap * sizeof *m->slots);
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

/* A strong 64-bit mixer (the splitmix64 finaliser): keys are sequential IDs or
 * 16-byte aligned addresses, both poor hashes on their own. */
static size_t home(const pa_u64map *m, uint64_t key)
{
    key ^= key >> 30;
    key *= UINT64_C(0xbf58476d1ce4e5b9);
    key ^= key >> 27;
    key *= UINT64_C(0x94d049bb133111eb);
    key ^= key >> 31;
    return (size_t)key & (m->cap - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const pa_u64map *m, uint64_t key)
{
    size_t i = home(m, key);
    while (m->slots[i].key != 0 && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(pa_u64map *m)
{
    size_t new_cap = m->cap ? m->cap * 2 : MIN_CAP;
    if (new_cap > SIZE_MAX / sizeof(pa_u64map_slot))
        return -1;
    pa_u64map_slot *fresh = m->alloc(new_cap * sizeof *fresh);
    if (!fresh)
        return -1;
    pa_u64map bigger = *m;
    bigger.slots = fresh;
    bigger.cap = new_cap;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != 0)
            fresh[probe(&bigger, m->slots[i].key)] = m->slots[i];
    }
    if (m->slots)
        m->release(m->slots, m->cap * sizeof *m->slots);
    m->slots = fresh;
    m->cap = new_cap;
    return 0;
}

int pa_u64map_put(pa_u64map *m, uint64_t key, uint64_t value, uint64_t *old)
{
    if (m->cap != 0) {
        size_t i = probe(m, key);
        if (m->slots[i].key == key) {
            if (old)
                *old = m->slots[i].value;
            m->slots[i].value = value;
            return 0;
        }
    }
    if ((m->len + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    size_t i = probe(m, key);
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->len++;
    return 1;
}

void pa_u64map_prefetch(const pa_u64map *m, uint64_t key)
{
    if (m->cap != 0)
        __builtin_prefetch(&m->slots[home(m, key)]);
}

bool pa_u64map_get(const pa_u64map *m, uint64_t key, uint64_t *value)
{
    if (m->cap == 0 || key == 0)
        return false;
    size_t i = probe(m, key);
    if (m->slots[i].key != key)
        return false;
    if (value)
        *value = m->slots[i].value;
    return true;
}

bool pa_u64map_remove(pa_u64map *m, uint64_t key, uint64_t *value)
{
    if (m->cap == 0 || key == 0)
        return false;
    size_t mask = m->cap - 1;
    size_t hole = probe(m, key);
    if (m->slots[hole].key != key)
        return false;
    if (value)
        *value = m->slots[hole].value;
    /* Backward-shift deletion: pull later members of the run into the hole
     * when the hole lies between their home slot and where they sit. */
    for (size_t j = (hole + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
        size_t h = home(m, m->slots[j].key);
        bool movable = (hole <= j) ? (h <= hole || h > j) : (h <= hole && h > j);
        if (movable) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].key = 0;
    m->slots[hole].value = 0;
    m->len--;
    return true;
}

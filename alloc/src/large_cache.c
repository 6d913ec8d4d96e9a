#include "large_cache.h"

#include <string.h>

#include "annotate.h"
#include "meta.h"

#define SMALLEST_STEP_LOG 6 /* steps of 64 bytes for sizes in (512, 1024] */
#define STEPS_LOG 3         /* 8 steps per power of two */

_Static_assert(PA_LARGE_CACHE_BINS == ((PA_LARGE_CACHE_MAX_LOG - SMALLEST_STEP_LOG - STEPS_LOG) << STEPS_LOG),
               "one bin per step");

/* Sizes in (2^k, 2^(k+1)] have steps of 2^(k - STEPS_LOG). */
static unsigned size_log(size_t size) { return 63u - (unsigned)__builtin_clzll((unsigned long long)(size - 1)); }

static int cacheable(size_t size) { return size > 512 && size <= PA_LARGE_CACHE_MAX_BLOCK; }

size_t pa_large_capacity(size_t size) {
    if (!cacheable(size))
        return size;
    size_t step = (size_t)1 << (size_log(size) - STEPS_LOG);
    return (size + step - 1) & ~(step - 1);
}

static size_t bin_of(size_t capacity) {
    unsigned k = size_log(capacity);
    size_t step = (size_t)1 << (k - STEPS_LOG);
    size_t first_of_k = (size_t)(k - (SMALLEST_STEP_LOG + STEPS_LOG)) << STEPS_LOG;
    return first_of_k + (capacity - ((size_t)1 << k)) / step - 1;
}

size_t pa_large_cache_bin_capacity(size_t bin) {
    unsigned k = (unsigned)(bin >> STEPS_LOG) + SMALLEST_STEP_LOG + STEPS_LOG;
    return ((size_t)1 << k) + ((bin & ((1u << STEPS_LOG) - 1)) + 1) * ((size_t)1 << (k - STEPS_LOG));
}

static size_t entries_bytes(const pa_large_cache *c) { return (size_t)c->capacity * sizeof *c->entries; }

void pa_large_cache_init(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    c->budget = h->config.large_cache_bytes;
    c->low = c->bytes;
    c->window_takes = 0;
    memset(c->refused, 0, sizeof c->refused);
}

/* The entry array, mapped on first use (no heap pays for a cache it never
 * uses) and sized for the largest budget; entries are handed out in order,
 * so only the pages of entries ever used are touched. 0, or -1 when it
 * cannot be mapped (the block is then freed). */
static int ensure_entries(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    if (c->entries)
        return 0;
    size_t n = h->config.large_cache_bytes_max / PA_LARGE_CACHE_MIN_BLOCK;
    if (n == 0)
        return -1;
    c->capacity = (uint32_t)n; /* pa_config_validate keeps n below 2^32 */
    c->entries = pa_meta_map(h, entries_bytes(c));
    if (!c->entries)
        return -1;
    pa_annotate_root_mapped(c->entries, entries_bytes(c));
    c->used = c->free_head = 0;
    return 0;
}

/* An unused entry's index, or 0 when all are on bins. */
static uint32_t entry_take(pa_large_cache *c) {
    uint32_t index = c->free_head;
    if (index)
        c->free_head = c->entries[index - 1].next;
    else if (c->used < c->capacity)
        index = ++c->used;
    return index;
}

/* A new window starts at a rise or at the end of the last one. */
static void new_budget_window(pa_large_cache *c) {
    c->low = c->bytes;
    c->window_takes = 0;
    memset(c->refused, 0, sizeof c->refused);
}

/* A block of bin was refused for want of room and is asked for again: the
 * program reuses more than the budget keeps. */
static void rise(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    size_t most = h->config.large_cache_bytes_max;
    /* From a zero floor, room for the biggest block at once. */
    size_t next = c->budget ? 2 * c->budget : PA_LARGE_CACHE_MAX_BLOCK;
    c->budget = next < most ? next : most;
    new_budget_window(c);
}

/* Unlink bin's newest block (the bin is not empty); its entry goes back
 * to the unused ones. */
static uintptr_t bin_pop(pa_large_cache *c, size_t b, size_t capacity) {
    uint32_t index = c->bins[b];
    pa_large_cache_entry *e = &c->entries[index - 1];
    c->bins[b] = e->next;
    e->next = c->free_head;
    c->free_head = index;
    c->blocks--;
    c->bytes -= capacity;
    if (c->bytes < c->low)
        c->low = c->bytes;
    return e->block;
}

/* Free cached blocks through the large layer, biggest first, until at
 * most keep bytes are left. */
static void free_beyond(pa_heap *h, size_t keep) {
    pa_large_cache *c = &h->large_cache;
    for (size_t b = PA_LARGE_CACHE_BINS; b-- > 0 && c->bytes > keep;) {
        size_t capacity = pa_large_cache_bin_capacity(b);
        while (c->bins[b] && c->bytes > keep) {
            void *block = (void *)bin_pop(c, b, capacity);
            pa_annotate_large_released(block, 0, capacity);
            h->config.large.free(h->config.large.ctx, block, capacity);
        }
    }
}

/* End of a window: half the budget or more idle throughout halves it. */
static void decay(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    size_t floor = h->config.large_cache_bytes;
    if (c->budget > floor && c->low >= c->budget / 2) {
        c->budget = c->budget / 2 > floor ? c->budget / 2 : floor;
        free_beyond(h, c->budget);
    }
    new_budget_window(c);
}

void *pa_large_cache_take(pa_heap *h, size_t size, size_t capacity, size_t alignment) {
    if (!cacheable(size))
        return NULL;
    pa_large_cache *c = &h->large_cache;
    if (PA_UNLIKELY(++c->window_takes >= PA_LARGE_CACHE_DECAY_TAKES))
        decay(h);
    size_t b = bin_of(capacity);
    uint32_t *bin = &c->bins[b];
    if (!*bin) {
        if (PA_UNLIKELY(c->refused[b]) && c->budget < h->config.large_cache_bytes_max)
            rise(h);
        return NULL;
    }
    if (c->entries[*bin - 1].block & (alignment - 1)) /* a power of two: no division */
        return NULL;
    void *block = (void *)bin_pop(c, b, capacity);
    pa_annotate_large_handed_out(block, size, capacity, 1);
    return block;
}

int pa_large_cache_put(pa_heap *h, void *p, size_t capacity) {
    pa_large_cache *c = &h->large_cache;
    /* A cacheable size's capacity is cacheable too: steps stay in range. */
    if (!cacheable(capacity))
        return 0;
    size_t b = bin_of(capacity);
    if (c->bytes + capacity > c->budget) {
        c->refused[b] = 1;
        return 0;
    }
    if (ensure_entries(h))
        return 0;
    uint32_t index = entry_take(c);
    if (!index)
        return 0;
    pa_large_cache_entry *e = &c->entries[index - 1];
    e->block = (uintptr_t)p;
    e->next = c->bins[b];
    c->bins[b] = index;
    c->blocks++;
    c->bytes += capacity;
    pa_annotate_large_cached(p, capacity);
    return 1;
}

void pa_large_cache_release(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    free_beyond(h, 0);
    if (c->entries) {
        pa_annotate_root_unmapping(c->entries, entries_bytes(c));
        pa_meta_unmap(h, c->entries, entries_bytes(c));
    }
    c->entries = NULL;
    c->capacity = c->used = c->free_head = 0;
}

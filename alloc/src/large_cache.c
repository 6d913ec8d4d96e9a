#include "large_cache.h"

#include <string.h>

#include "annotate.h"
#include "large_table.h"
#include "layout.h"
#include "poolalloc/os.h"

#define SMALLEST_STEP_LOG 6 /* steps of 64 bytes for sizes in (PA_LINEAR_THRESHOLD, 1024] */
#define STEPS_LOG 3         /* 8 steps per power of two */

_Static_assert(PA_LARGE_CACHE_BINS == ((PA_LARGE_CACHE_MAX_LOG - SMALLEST_STEP_LOG - STEPS_LOG) << STEPS_LOG),
               "one bin per step");

/* Sizes in (2^k, 2^(k+1)] have steps of 2^(k - STEPS_LOG). */
static unsigned size_log(size_t size) { return pa_log2_floor(size - 1); }

/* The bins start above the linear classes; a large request no bigger (on
 * a heap whose small threshold is lower) is not cached. */
static int cacheable(size_t size) { return size > PA_LINEAR_THRESHOLD && size <= PA_LARGE_CACHE_MAX_BLOCK; }

/* The drop-in's large layer maps whole pages (large_os.c): its blocks are
 * cached, counted and reused at what they hold, so the budget bounds the
 * pages kept, and the steps inside one page (a 7169- and an 8000-byte
 * request) share one list. A whole number of pages past a step's top is
 * another step's top: pages are powers of two, and a step divides the
 * page or the page the step. */
static size_t layer_round(size_t capacity) {
#ifdef PA_DROPIN
    size_t page = pa_os_page_size();
    return (capacity + page - 1) & ~(page - 1);
#else
    return capacity;
#endif
}

size_t pa_large_capacity(size_t size) {
    if (!cacheable(size))
        return size;
    size_t step = (size_t)1 << (size_log(size) - STEPS_LOG);
    return layer_round((size + step - 1) & ~(step - 1));
}

/* The step of a cacheable size, or of a capacity (a step's own largest
 * size): ceil(size / step) is 9..16 within its power of two. A block's
 * list is its capacity's. */
static size_t bin_of(size_t size) {
    unsigned k = size_log(size);
    size_t first_of_k = (size_t)(k - (SMALLEST_STEP_LOG + STEPS_LOG)) << STEPS_LOG;
    return first_of_k + ((size - 1) >> (k - STEPS_LOG)) - ((size_t)1 << STEPS_LOG);
}

size_t pa_large_cache_bin_capacity(size_t bin) {
    unsigned k = (unsigned)(bin >> STEPS_LOG) + SMALLEST_STEP_LOG + STEPS_LOG;
    return ((size_t)1 << k) + ((bin & ((1u << STEPS_LOG) - 1)) + 1) * ((size_t)1 << (k - STEPS_LOG));
}

void pa_large_cache_init(pa_heap *h) {
    pa_large_cache *c = &h->large_cache;
    c->budget = h->config.large_cache_bytes;
    c->low = c->bytes;
    c->window_takes = 0;
    memset(c->refused, 0, sizeof c->refused);
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

/* Unlink bin b's newest block, slot its slot. */
static void bin_pop(pa_large_cache *c, size_t b, const pa_large_slot *slot, size_t capacity) {
    c->bins[b] = slot->size;
    c->blocks--;
    c->bytes -= capacity;
    if (c->bytes < c->low)
        c->low = c->bytes;
}

/* Free cached blocks through the large layer, biggest first, until at
 * most keep bytes are left. */
static void free_beyond(pa_heap *h, size_t keep) {
    pa_large_cache *c = &h->large_cache;
    for (size_t b = PA_LARGE_CACHE_BINS; b-- > 0 && c->bytes > keep;) {
        size_t capacity = pa_large_cache_bin_capacity(b);
        while (c->bins[b] && c->bytes > keep) {
            pa_large_slot *slot = pa_large_find_cached(&h->large, c->bins[b]);
            if (PA_UNLIKELY(!slot))
                break; /* a broken list (LARGE_CACHE_LIST): leave the rest */
            void *block = (void *)c->bins[b];
            bin_pop(c, b, slot, capacity);
            pa_large_erase(&h->large, slot);
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
    uintptr_t block = c->bins[b];
    if (!block) {
        if (PA_UNLIKELY(c->refused[b]) && c->budget < h->config.large_cache_bytes_max)
            rise(h);
        return NULL;
    }
    if (block & (alignment - 1)) /* a power of two: no division */
        return NULL;
    pa_large_slot *slot = pa_large_find_cached(&h->large, block);
    if (PA_UNLIKELY(!slot))
        return NULL; /* a broken list (LARGE_CACHE_LIST): allocate afresh */
    bin_pop(c, b, slot, capacity);
    pa_large_mark_live(&h->large, slot, size);
    pa_annotate_large_handed_out((void *)block, size, capacity, 1);
    return (void *)block;
}

int pa_large_cache_put(pa_heap *h, pa_large_slot *slot) {
    pa_large_cache *c = &h->large_cache;
    size_t size = slot->size;
    if (!cacheable(size))
        return 0;
    size_t capacity = pa_large_capacity(size), b = bin_of(capacity);
    if (c->bytes + capacity > c->budget) {
        c->refused[b] = 1;
        return 0;
    }
    uintptr_t block = slot->block;
    pa_large_mark_cached(&h->large, slot, c->bins[b]);
    c->bins[b] = block;
    c->blocks++;
    c->bytes += capacity;
    pa_annotate_large_cached((void *)block, capacity);
    return 1;
}

void pa_large_cache_release(pa_heap *h) { free_beyond(h, 0); }

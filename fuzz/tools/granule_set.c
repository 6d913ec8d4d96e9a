/* The granule set of granule_set.h. Granule numbers are addresses shifted
 * right by the granule's log2; a chunk holds CHUNK_GRANULES of them and
 * exists while one of its granules is taken. */
#include "granule_set.h"

#include <stdlib.h>

#define CHUNK_SHIFT 15
#define CHUNK_GRANULES ((uint64_t)1 << CHUNK_SHIFT)
#define CHUNK_WORDS (CHUNK_GRANULES / 64)
#define ALL UINT64_MAX

typedef struct granule_chunk {
    uint64_t taken[CHUNK_WORDS];
    uint64_t starts[CHUNK_WORDS];
    uint64_t ntaken;
} granule_chunk;

/* The part of a granule range inside one chunk: local [a, b) of chunk c. */
typedef struct piece {
    uint64_t c, a, b;
} piece;

static piece piece_at(uint64_t g, uint64_t g1) {
    uint64_t c = g >> CHUNK_SHIFT, base = c << CHUNK_SHIFT;
    uint64_t end = g1 - base < CHUNK_GRANULES ? g1 - base : CHUNK_GRANULES;
    return (piece){c, g - base, end};
}

int pa_granule_set_init(pa_granule_set *s, size_t granule) {
    if (granule == 0 || granule > 4096 || (granule & (granule - 1)))
        return -1;
    pa_u64map_init_heap(&s->chunks);
    s->last = NULL;
    s->last_key = 0;
    pa_range_set_init(&s->wide);
    s->shift = (unsigned)__builtin_ctzll(granule);
    s->n = 0;
    return 0;
}

void pa_granule_set_free(pa_granule_set *s) {
    for (size_t i = 0; i < s->chunks.cap; i++)
        if (s->chunks.slots[i].key)
            free((void *)(uintptr_t)s->chunks.slots[i].value);
    pa_u64map_clear(&s->chunks);
    pa_range_set_free(&s->wide);
    s->last = NULL;
    s->n = 0;
}

static granule_chunk *find(pa_granule_set *s, uint64_t c) {
    uint64_t key = c + 1, v;
    if (s->last && s->last_key == key)
        return s->last;
    if (!pa_u64map_get(&s->chunks, key, &v))
        return NULL;
    s->last_key = key;
    s->last = (granule_chunk *)(uintptr_t)v;
    return s->last;
}

static granule_chunk *find_or_add(pa_granule_set *s, uint64_t c) {
    granule_chunk *k = find(s, c);
    if (k)
        return k;
    k = calloc(1, sizeof *k);
    if (!k || pa_u64map_put(&s->chunks, c + 1, (uint64_t)(uintptr_t)k, NULL) < 0) {
        free(k);
        return NULL;
    }
    s->last_key = c + 1;
    s->last = k;
    return k;
}

static void drop_if_empty(pa_granule_set *s, uint64_t c, granule_chunk *k) {
    if (!k || k->ntaken)
        return;
    pa_u64map_remove(&s->chunks, c + 1, NULL);
    if (s->last == k)
        s->last = NULL;
    free(k);
}

/* The first taken granule of local [a, b), or b. */
static uint64_t first_taken(const granule_chunk *k, uint64_t a, uint64_t b) {
    uint64_t w = a / 64, bits = k->taken[w] & (ALL << (a % 64));
    while (!bits) {
        if (++w * 64 >= b)
            return b;
        bits = k->taken[w];
    }
    uint64_t g = w * 64 + (uint64_t)__builtin_ctzll(bits);
    return g < b ? g : b;
}

static void mark(granule_chunk *k, uint64_t a, uint64_t b, int taken) {
    uint64_t first = a / 64, last = (b - 1) / 64;
    for (uint64_t w = first; w <= last; w++) {
        uint64_t m = ALL;
        if (w == first)
            m &= ALL << (a % 64);
        if (w == last)
            m &= ALL >> (63 - (b - 1) % 64);
        k->taken[w] = taken ? k->taken[w] | m : k->taken[w] & ~m;
    }
    k->ntaken = taken ? k->ntaken + (b - a) : k->ntaken - (b - a);
}

/* The start of the range holding taken granule g: the nearest start at or
 * before it. */
static uint64_t start_of(pa_granule_set *s, uint64_t g) {
    for (;;) {
        uint64_t c = g >> CHUNK_SHIFT, a = g & (CHUNK_GRANULES - 1), w = a / 64;
        const granule_chunk *k = find(s, c);
        if (!k)
            return g; /* cannot be: a taken granule has a start at or before it */
        uint64_t bits = k->starts[w] & (ALL >> (63 - a % 64));
        while (!bits && w > 0)
            bits = k->starts[--w];
        if (bits)
            return (c << CHUNK_SHIFT) + w * 64 + 63 - (uint64_t)__builtin_clzll(bits);
        if (c == 0)
            return g;
        g = (c << CHUNK_SHIFT) - 1;
    }
}

/* One past the last granule of the range starting at g: the first granule
 * after it that is free or starts another range. */
static uint64_t end_of(pa_granule_set *s, uint64_t g) {
    for (g++;;) {
        uint64_t c = g >> CHUNK_SHIFT, a = g & (CHUNK_GRANULES - 1), w = a / 64;
        const granule_chunk *k = find(s, c);
        if (!k)
            return g;
        uint64_t stop = (~k->taken[w] | k->starts[w]) & (ALL << (a % 64));
        while (!stop && ++w < CHUNK_WORDS)
            stop = ~k->taken[w] | k->starts[w];
        if (stop)
            return (c << CHUNK_SHIFT) + w * 64 + (uint64_t)__builtin_ctzll(stop);
        g = (c + 1) << CHUNK_SHIFT;
    }
}

/* A range over more granules than this lives in the tree: two chunks'
 * worth, so the bitmaps hold every pool block and the smaller large ones. */
#define WIDE (2 * CHUNK_GRANULES)

/* Narrow [g0, g1): the first taken granule's range into *clash. Every
 * chunk it covers is made before any bit is set, so that a refusal leaves
 * nothing behind but chunks that are dropped again. */
static int claim_narrow(pa_granule_set *s, uint64_t g0, uint64_t g1, pa_range *clash) {
    int rc = 0;
    uint64_t hit = g1;
    for (uint64_t g = g0; g < g1 && !rc;) {
        piece p = piece_at(g, g1);
        granule_chunk *k = find_or_add(s, p.c);
        uint64_t f = k ? first_taken(k, p.a, p.b) : p.b;
        rc = !k ? -1 : f < p.b ? 1 : 0;
        hit = (p.c << CHUNK_SHIFT) + f;
        g = (p.c + 1) << CHUNK_SHIFT;
    }
    if (rc == 0 && s->wide.n && pa_range_set_overlap(&s->wide, g0 << s->shift, g1 << s->shift, clash))
        rc = 2;
    if (rc) {
        if (rc == 1) {
            uint64_t st = start_of(s, hit);
            *clash = (pa_range){(uintptr_t)(st << s->shift), (uintptr_t)(end_of(s, st) << s->shift), 0};
        }
        for (uint64_t c = g0 >> CHUNK_SHIFT; c <= (g1 - 1) >> CHUNK_SHIFT; c++)
            drop_if_empty(s, c, find(s, c));
        return rc < 0 ? -1 : 1;
    }
    for (uint64_t g = g0; g < g1;) {
        piece p = piece_at(g, g1);
        mark(find(s, p.c), p.a, p.b, 1);
        g = (p.c + 1) << CHUNK_SHIFT;
    }
    uint64_t a0 = g0 & (CHUNK_GRANULES - 1);
    find(s, g0 >> CHUNK_SHIFT)->starts[a0 / 64] |= (uint64_t)1 << (a0 % 64);
    return 0;
}

/* Wide [g0, g1): into the tree, unless it overlaps a wide range there or a
 * taken granule of a chunk that exists (the lowest, in *clash). */
static int claim_wide(pa_granule_set *s, uint64_t g0, uint64_t g1, pa_range *clash) {
    int rc = pa_range_set_claim(&s->wide, g0 << s->shift, g1 << s->shift, 0, clash);
    if (rc)
        return rc;
    uint64_t hit = g1;
    for (size_t i = 0; i < s->chunks.cap; i++) {
        uint64_t c = s->chunks.slots[i].key - 1, base = c << CHUNK_SHIFT;
        if (!s->chunks.slots[i].key || base + CHUNK_GRANULES <= g0 || base >= g1 || base >= hit)
            continue;
        piece p = piece_at(base > g0 ? base : g0, g1);
        uint64_t f = first_taken((const granule_chunk *)(uintptr_t)s->chunks.slots[i].value, p.a, p.b);
        hit = f < p.b ? base + f : hit;
    }
    if (hit == g1)
        return 0;
    pa_range_set_release(&s->wide, g0 << s->shift);
    uint64_t st = start_of(s, hit);
    *clash = (pa_range){(uintptr_t)(st << s->shift), (uintptr_t)(end_of(s, st) << s->shift), 0};
    return 1;
}

int pa_granule_set_claim(pa_granule_set *s, uintptr_t lo, uintptr_t hi, uintptr_t *clash_lo, uintptr_t *clash_hi) {
    uint64_t unit = (uint64_t)1 << s->shift;
    /* the last granule of the address space would end at 0 */
    if ((lo & (unit - 1)) || hi <= lo || hi > UINTPTR_MAX - unit + 1)
        return -1;
    uint64_t g0 = lo >> s->shift, g1 = ((hi - 1) >> s->shift) + 1;
    pa_range clash;
    int rc = g1 - g0 > WIDE ? claim_wide(s, g0, g1, &clash) : claim_narrow(s, g0, g1, &clash);
    if (rc == 1 && clash_lo && clash_hi) {
        *clash_lo = clash.lo;
        *clash_hi = clash.hi;
    }
    s->n += rc == 0;
    return rc;
}

int pa_granule_set_release(pa_granule_set *s, uintptr_t lo, uintptr_t hi) {
    uint64_t unit = (uint64_t)1 << s->shift;
    if ((lo & (unit - 1)) || hi <= lo)
        return -1;
    uint64_t g0 = lo >> s->shift, g1 = ((hi - 1) >> s->shift) + 1, a0 = g0 & (CHUNK_GRANULES - 1);
    if (g1 - g0 > WIDE) {
        if (pa_range_set_release(&s->wide, lo))
            return -1;
        s->n--;
        return 0;
    }
    uint64_t bit = (uint64_t)1 << (a0 % 64);
    granule_chunk *k0 = find(s, g0 >> CHUNK_SHIFT);
    if (!k0 || !(k0->starts[a0 / 64] & bit))
        return -1;
    k0->starts[a0 / 64] &= ~bit;
    for (uint64_t g = g0; g < g1;) {
        piece p = piece_at(g, g1);
        granule_chunk *k = find(s, p.c);
        if (k) {
            mark(k, p.a, p.b, 0);
            drop_if_empty(s, p.c, k);
        }
        g = (p.c + 1) << CHUNK_SHIFT;
    }
    s->n--;
    return 0;
}

static int by_key(const void *a, const void *b) {
    uint64_t x = ((const pa_u64map_slot *)a)->key, y = ((const pa_u64map_slot *)b)->key;
    return x < y ? -1 : x > y;
}

size_t pa_granule_set_starts(const pa_granule_set *s, uintptr_t *out) {
    size_t nwide = s->wide.n, nchunks = 0, k = 0, w = 0;
    uintptr_t *wide = malloc((nwide + 1) * sizeof *wide);
    pa_u64map_slot *chunks = malloc((s->chunks.len + 1) * sizeof *chunks);
    if (!wide || !chunks || pa_range_set_starts(&s->wide, wide) == SIZE_MAX) {
        free(wide);
        free(chunks);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < s->chunks.cap; i++)
        if (s->chunks.slots[i].key)
            chunks[nchunks++] = s->chunks.slots[i];
    qsort(chunks, nchunks, sizeof *chunks, by_key);
    for (size_t c = 0; c < nchunks; c++) {
        const granule_chunk *chunk = (const granule_chunk *)(uintptr_t)chunks[c].value;
        uint64_t base = (chunks[c].key - 1) << CHUNK_SHIFT;
        for (size_t word = 0; word < CHUNK_WORDS; word++)
            for (uint64_t bits = chunk->starts[word]; bits; bits &= bits - 1) {
                uintptr_t at = (uintptr_t)((base + word * 64 + (uint64_t)__builtin_ctzll(bits)) << s->shift);
                while (w < nwide && wide[w] < at)
                    out[k++] = wide[w++];
                out[k++] = at;
            }
    }
    while (w < nwide)
        out[k++] = wide[w++];
    free(wide);
    free(chunks);
    return k;
}

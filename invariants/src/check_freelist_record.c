/* The incremental check's record of the freelists (check_record.h): each
 * pool's freelist as it last passed, tail first,
 * found by the pool's address in an open-addressing table. An entry keeps
 * the geometry it was walked with: another class or heap at the same
 * address (another block size or first offset) or a lower limit cannot use
 * it. Whatever an entry says, pa_introspect_freelist_follows reads every
 * link of the list; the entry only saves the walk its chain of dependent
 * reads. */
#include <stdlib.h>
#include <string.h>

#include "check_ctx.h"
#include "check_record.h"

/* Pops and pushes at the head between two checks of a pool: an op takes or
 * gives back a block or two. */
enum { MAX_POPPED = 4, MAX_FRESH = 4 };

typedef struct chk_pool_entry {
    uintptr_t pool; /* 0: a free slot */
    size_t first, block_size, limit; /* block_size 0: not usable */
    uint32_t n, cap;
    uint32_t *tail_first; /* offsets from pool; [n - 1] is the head */
} pool_entry;

void chk_record_free_pools(pa_check_record *m) {
    for (size_t i = 0; i < m->cap; i++)
        free(m->pools[i].tail_first);
    free(m->pools);
}

static size_t home(size_t cap, uintptr_t pool) {
    return (size_t)(((uint64_t)pool * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static pool_entry *find(const pa_check_record *m, uintptr_t pool) {
    if (!m->cap)
        return NULL;
    for (size_t i = home(m->cap, pool);; i = (i + 1) & (m->cap - 1)) {
        if (m->pools[i].pool == pool)
            return &m->pools[i];
        if (!m->pools[i].pool)
            return NULL;
    }
}

static size_t free_slot(const pool_entry *slots, size_t cap, uintptr_t pool) {
    size_t i = home(cap, pool);
    while (slots[i].pool)
        i = (i + 1) & (cap - 1);
    return i;
}

/* The entry of pool, made empty if new: NULL when out of memory. */
static pool_entry *find_or_add(pa_check_record *m, uintptr_t pool) {
    pool_entry *e = find(m, pool);
    if (e)
        return e;
    if (2 * (m->used + 1) > m->cap) {
        size_t ncap = m->cap ? 2 * m->cap : 64;
        pool_entry *grown = calloc(ncap, sizeof *grown);
        if (!grown)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->pools[i].pool)
                grown[free_slot(grown, ncap, m->pools[i].pool)] = m->pools[i];
        free(m->pools);
        m->pools = grown;
        m->cap = ncap;
    }
    e = &m->pools[free_slot(m->pools, m->cap, pool)];
    *e = (pool_entry){.pool = pool};
    m->used++;
    return e;
}

/* Room for n members; 0, or -1 with the entry made unusable. */
static int reserve(pool_entry *e, size_t n) {
    if (n <= e->cap)
        return 0;
    size_t ncap = n > 2 * (size_t)e->cap ? n : 2 * (size_t)e->cap;
    uint32_t *grown = ncap <= UINT32_MAX ? realloc(e->tail_first, ncap * sizeof *grown) : NULL;
    if (!grown) {
        e->block_size = 0;
        return -1;
    }
    e->tail_first = grown;
    e->cap = (uint32_t)ncap;
    return 0;
}

int chk_record_walk(chk_base *b, uintptr_t pool, size_t first, size_t block_size, size_t limit, pa_freelist_walk *w) {
    pool_entry *e = b->record ? find(b->record, pool) : NULL;
    if (!e || e->block_size != block_size || e->first != first || e->limit > limit)
        return 0;
    uint32_t fresh[MAX_FRESH];
    size_t nfresh = 0;
    long kept = pa_introspect_freelist_follows(b->heap, pool, first, block_size, limit, e->tail_first, e->n,
                                               MAX_POPPED, fresh, MAX_FRESH, &nfresh);
    if (kept < 0)
        return 0;
    w->length = (size_t)kept + nfresh;
    w->member = 0;
    w->last = kept ? pool + e->tail_first[0] : nfresh ? pool + fresh[nfresh - 1] : 0;
    /* the entry follows the list: the popped members go, the fresh come */
    if (reserve(e, w->length) == 0) {
        e->n = (uint32_t)kept;
        for (size_t i = nfresh; i-- > 0;)
            e->tail_first[e->n++] = fresh[i];
        e->limit = limit;
    }
    return 1;
}

void chk_record_keep(chk_base *b, uintptr_t pool, size_t first, size_t block_size, size_t limit, size_t length) {
    pool_entry *e = find_or_add(b->record, pool);
    if (!e)
        return;
    e->block_size = block_size;
    e->n = 0;
    if (reserve(e, length))
        return;
    size_t n = pa_introspect_freelist_members(b->heap, pool, e->tail_first, length);
    if (n != length) {
        e->block_size = 0;
        return;
    }
    for (size_t i = 0; i < n / 2; i++) {
        uint32_t t = e->tail_first[i];
        e->tail_first[i] = e->tail_first[n - 1 - i];
        e->tail_first[n - 1 - i] = t;
    }
    e->n = (uint32_t)n;
    e->first = first;
    e->limit = limit;
}

void pa_check_record_prefetch(const pa_check_record *m, uintptr_t pool, pa_check_prefetch_stage stage) {
    if (!m->cap)
        return;
    if (stage == PA_CHECK_PREFETCH_ENTRY) {
        __builtin_prefetch(&m->pools[home(m->cap, pool)]);
        return;
    }
    const pool_entry *e = find(m, pool);
    if (!e || !e->block_size)
        return;
    for (size_t i = 0; i < e->n; i += 64 / sizeof *e->tail_first)
        __builtin_prefetch(&e->tail_first[i]);
}

/* The pool memo: a full check's findings in each pool it read, so the walks
 * after it in the same check (the remote list's, the ghost state's) need
 * not read the pools and walk their freelists again. */
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

struct chk_memo_entry {
    chk_pool_facts f;
    size_t bits_at; /* the pool's freelist marks in memo->bits, when known */
};

/* The walks use a pool's marks only when its freelist and layout are sound
 * (chk_walk_pools): only then are they kept. */
static int marks_kept(const chk_pool_facts *f) { return f->read && f->class_ok && f->freelist_ok && f->layout_ok; }

void chk_memo_add(chk_full *c, size_t slot, size_t index, const chk_pool_facts *f) {
    chk_pool_memo *m = c->memo;
    size_t words = marks_kept(f) ? (f->carved + 63) / 64 : 0;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        struct chk_memo_entry *entries = m->n < UINT32_MAX - 1 ? realloc(m->entries, cap * sizeof *entries) : NULL;
        if (!entries)
            return;
        m->entries = entries;
        m->cap = cap;
    }
    if (m->nbits + words > m->capbits) {
        size_t cap = m->capbits ? 2 * m->capbits : 256;
        while (cap < m->nbits + words)
            cap *= 2;
        uint64_t *bits = realloc(m->bits, cap * sizeof *bits);
        if (!bits)
            return;
        m->bits = bits;
        m->capbits = cap;
    }
    struct chk_memo_entry *e = &m->entries[m->n];
    e->f = *f;
    e->bits_at = m->nbits;
    if (words) /* m->bits may still be NULL */
        memcpy(m->bits + m->nbits, c->b.bits, words * sizeof *m->bits);
    m->nbits += words;
    c->pools[slot * c->b.hv.pools_per_arena + index].memo = (uint32_t)++m->n;
}

void chk_memo_free(chk_pool_memo *m) {
    free(m->entries);
    free(m->bits);
    memset(m, 0, sizeof *m);
}

int chk_memo_find(const chk_pool_memo *m, size_t slot, size_t index, chk_pool_facts *f, const uint64_t **bits) {
    uint32_t at = m->recs[slot * m->pools_per_arena + index].memo;
    if (!at)
        return 0;
    const struct chk_memo_entry *e = &m->entries[at - 1];
    *f = e->f;
    *bits = m->bits ? m->bits + e->bits_at : NULL; /* NULL: no pool had marks to keep */
    return 1;
}

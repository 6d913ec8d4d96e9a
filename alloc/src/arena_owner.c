#include "arena_owner.h"

#include <stdatomic.h>

/* Two levels over the address bits above the arena size, up to 48 bits
 * (the user address space of x86-64 and AArch64 Linux): a static root of
 * ROOT_BITS, leaves of the remaining bits mapped on first use. */
#define ADDRESS_BITS 48
#define ROOT_BITS 16

typedef _Atomic(pa_heap *) owner_entry;

/* A leaf: its entries, and per 64th of them how many name a heap, so the
 * checker's scan (pa_arena_owner_count) reads only the parts that hold
 * arenas now, not all 4096 entries of a leaf for 1 MiB arenas. */
#define CHUNKS 64
typedef struct leaf {
    _Atomic uint32_t owned[CHUNKS];
    owner_entry entry[];
} leaf;

static _Atomic(leaf *) root[(size_t)1 << ROOT_BITS];
/* A bit per root entry with a leaf, set once when the leaf is installed,
 * and a bit per word of those with a bit set, so the checker's scan
 * (pa_arena_owner_count) reads a few words, not the root's 512 KiB. */
static _Atomic(uint64_t) has_leaf[((size_t)1 << ROOT_BITS) / 64];
static _Atomic(uint64_t) has_leaf_word[((size_t)1 << ROOT_BITS) / 64 / 64];
static _Atomic unsigned shift = ADDRESS_BITS; /* until init, every index is 0 and no leaf exists */

static unsigned leaf_bits(unsigned s) { return s + ROOT_BITS < ADDRESS_BITS ? ADDRESS_BITS - s - ROOT_BITS : 0; }

/* leaf_bits(shift), kept so that a lookup (every free from another
 * thread) computes none of it. Stored before shift is released: a lookup
 * that sees the new shift sees it too; one that sees the old shift has
 * index 0, inside the root whatever this holds. */
static _Atomic unsigned shift_leaf;

void pa_arena_owner_init(unsigned arena_shift) {
    atomic_store_explicit(&shift_leaf, leaf_bits(arena_shift), memory_order_relaxed);
    atomic_store_explicit(&shift, arena_shift, memory_order_release);
}

/* Entries per chunk of a leaf, as a shift. */
static unsigned chunk_shift(unsigned lb) { return lb > 6 ? lb - 6 : 0; }

int pa_arena_owner_set(pa_heap *h, uintptr_t base, pa_heap *owner) {
    unsigned s = atomic_load_explicit(&shift, memory_order_relaxed);
    if (base >> ADDRESS_BITS)
        return -1;
    unsigned lb = leaf_bits(s);
    uintptr_t index = base >> s;
    _Atomic(leaf *) *slot = &root[index >> lb];
    leaf *l = atomic_load_explicit(slot, memory_order_acquire);
    if (!l) {
        if (!owner)
            return 0;
        size_t bytes = sizeof(leaf) + ((size_t)sizeof(owner_entry) << lb);
        bytes = (bytes + h->page_size - 1) & ~(h->page_size - 1);
        leaf *fresh = h->config.os.map(h->config.os.ctx, bytes, h->page_size);
        if (!fresh)
            return -1;
        l = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &l, fresh, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            l = fresh;
            uintptr_t r = index >> lb;
            atomic_fetch_or_explicit(&has_leaf[r / 64], UINT64_C(1) << (r % 64), memory_order_release);
            atomic_fetch_or_explicit(&has_leaf_word[r / 64 / 64], UINT64_C(1) << (r / 64 % 64), memory_order_release);
        } else {
            h->config.os.unmap(h->config.os.ctx, fresh, bytes); /* another thread's leaf won */
        }
    }
    /* Only the thread holding the arena's heap changes its entry:
     * counted before it names a heap, uncounted after it names none. */
    uintptr_t at = index & (((uintptr_t)1 << lb) - 1);
    _Atomic uint32_t *owned = &l->owned[at >> chunk_shift(lb)];
    pa_heap *before = atomic_load_explicit(&l->entry[at], memory_order_relaxed);
    if (!before && owner)
        atomic_fetch_add_explicit(owned, 1, memory_order_release);
    atomic_store_explicit(&l->entry[at], owner, memory_order_release);
    if (before && !owner)
        atomic_fetch_sub_explicit(owned, 1, memory_order_release);
    return 0;
}

pa_heap *pa_arena_owner_get(const void *p) {
    uintptr_t a = (uintptr_t)p;
    if (a >> ADDRESS_BITS)
        return NULL;
    uintptr_t index = a >> atomic_load_explicit(&shift, memory_order_acquire);
    unsigned lb = atomic_load_explicit(&shift_leaf, memory_order_relaxed);
    leaf *l = atomic_load_explicit(&root[index >> lb], memory_order_acquire);
    if (!l)
        return NULL;
    return atomic_load_explicit(&l->entry[index & (((uintptr_t)1 << lb) - 1)], memory_order_acquire);
}

/* The entries of leaf l that name owner, in its chunks that name any. */
static size_t count_leaf(const leaf *l, unsigned lb, const pa_heap *owner) {
    size_t per_chunk = (size_t)1 << chunk_shift(lb), entries = (size_t)1 << lb, n = 0;
    for (size_t c = 0; c < CHUNKS && c * per_chunk < entries; c++) {
        if (!atomic_load_explicit(&l->owned[c], memory_order_acquire))
            continue;
        for (size_t i = c * per_chunk; i < (c + 1) * per_chunk; i++)
            n += atomic_load_explicit(&l->entry[i], memory_order_acquire) == owner;
    }
    return n;
}

size_t pa_arena_owner_count(const pa_heap *owner) {
    unsigned lb = leaf_bits(atomic_load_explicit(&shift, memory_order_relaxed));
    size_t n = 0;
    for (size_t ww = 0; ww < sizeof has_leaf_word / sizeof *has_leaf_word; ww++) {
        for (uint64_t words = atomic_load_explicit(&has_leaf_word[ww], memory_order_acquire); words;
             words &= words - 1) {
            size_t w = ww * 64 + (size_t)__builtin_ctzll(words);
            for (uint64_t bits = atomic_load_explicit(&has_leaf[w], memory_order_acquire); bits; bits &= bits - 1)
                n += count_leaf(atomic_load_explicit(&root[w * 64 + (size_t)__builtin_ctzll(bits)], memory_order_acquire),
                                lb, owner);
        }
    }
    return n;
}

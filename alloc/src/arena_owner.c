#include "arena_owner.h"

#include <stdatomic.h>

/* Two levels over the address bits above the arena size, up to 48 bits
 * (the user address space of x86-64 and AArch64 Linux): a static root of
 * ROOT_BITS, leaves of the remaining bits mapped on first use. */
#define ADDRESS_BITS 48
#define ROOT_BITS 16

typedef _Atomic(pa_heap *) owner_entry;

static _Atomic(owner_entry *) root[(size_t)1 << ROOT_BITS];
/* A bit per root entry with a leaf, set once when the leaf is installed, so
 * the checker's scan (pa_arena_owner_count) reads 8 KiB, not the root's
 * 512 KiB. */
static _Atomic(uint64_t) has_leaf[((size_t)1 << ROOT_BITS) / 64];
static _Atomic unsigned shift = ADDRESS_BITS; /* until init, every index is 0 and no leaf exists */

void pa_arena_owner_init(unsigned arena_shift) { atomic_store_explicit(&shift, arena_shift, memory_order_relaxed); }

static unsigned leaf_bits(unsigned s) { return s + ROOT_BITS < ADDRESS_BITS ? ADDRESS_BITS - s - ROOT_BITS : 0; }

int pa_arena_owner_set(pa_heap *h, uintptr_t base, pa_heap *owner) {
    unsigned s = atomic_load_explicit(&shift, memory_order_relaxed);
    if (base >> ADDRESS_BITS)
        return -1;
    unsigned lb = leaf_bits(s);
    uintptr_t index = base >> s;
    _Atomic(owner_entry *) *slot = &root[index >> lb];
    owner_entry *leaf = atomic_load_explicit(slot, memory_order_acquire);
    if (!leaf) {
        if (!owner)
            return 0;
        size_t bytes = ((size_t)sizeof(owner_entry) << lb);
        bytes = (bytes + h->page_size - 1) & ~(h->page_size - 1);
        owner_entry *fresh = h->config.os.map(h->config.os.ctx, bytes, h->page_size);
        if (!fresh)
            return -1;
        leaf = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &leaf, fresh, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            leaf = fresh;
            atomic_fetch_or_explicit(&has_leaf[(index >> lb) / 64], UINT64_C(1) << ((index >> lb) % 64),
                                     memory_order_release);
        } else {
            h->config.os.unmap(h->config.os.ctx, fresh, bytes); /* another thread's leaf won */
        }
    }
    atomic_store_explicit(&leaf[index & (((uintptr_t)1 << lb) - 1)], owner, memory_order_release);
    return 0;
}

pa_heap *pa_arena_owner_get(const void *p) {
    uintptr_t a = (uintptr_t)p;
    if (a >> ADDRESS_BITS)
        return NULL;
    unsigned s = atomic_load_explicit(&shift, memory_order_relaxed);
    unsigned lb = leaf_bits(s);
    uintptr_t index = a >> s;
    owner_entry *leaf = atomic_load_explicit(&root[index >> lb], memory_order_acquire);
    if (!leaf)
        return NULL;
    return atomic_load_explicit(&leaf[index & (((uintptr_t)1 << lb) - 1)], memory_order_acquire);
}

size_t pa_arena_owner_count(const pa_heap *owner) {
    unsigned lb = leaf_bits(atomic_load_explicit(&shift, memory_order_relaxed));
    size_t n = 0;
    for (size_t w = 0; w < sizeof has_leaf / sizeof *has_leaf; w++) {
        for (uint64_t bits = atomic_load_explicit(&has_leaf[w], memory_order_acquire); bits; bits &= bits - 1) {
            size_t r = w * 64 + (size_t)__builtin_ctzll(bits);
            owner_entry *leaf = atomic_load_explicit(&root[r], memory_order_acquire);
            for (size_t i = 0; i < ((size_t)1 << lb); i++)
                n += atomic_load_explicit(&leaf[i], memory_order_acquire) == owner;
        }
    }
    return n;
}

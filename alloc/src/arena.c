#include "arena.h"

#include <errno.h>
#include <string.h>

#include "annotate.h"
#include "arena_owner.h"
#include "decommit_run.h"
#include "meta.h"
#include "radix.h"
#include "retention.h"

#define FIRST_TABLE_SLOTS 16

static size_t pool_index(const pa_heap *h, const pa_arena *a, const pa_pool *pool) {
    return ((uintptr_t)pool - a->base) >> h->pool_shift;
}

/* Every pool free or a class's spare: the retention policy counts the arena
 * as empty (empty_arenas) and keeps or releases it as such. */
static int holds_no_block(const pa_arena *a) { return a->nfreepools + a->nspares == a->ntotalpools; }

/* Only called when no arena is usable and no object is unused: then nothing
 * points into the table (full arenas are on no list), so it can move. */
static int grow_table(pa_heap *h) {
    size_t old = h->arena_slots;
    size_t slots = old ? old * 2 : FIRST_TABLE_SLOTS;
    if (slots >= UINT32_MAX)
        return -1;
    pa_arena *table = pa_meta_map(h, slots * sizeof *table);
    if (!table)
        return -1;
    if (old) {
        memcpy(table, h->arenas, old * sizeof *table);
        pa_meta_unmap(h, h->arenas, old * sizeof *table);
    }
    for (size_t i = slots; i-- > old;) {
        table[i].next = h->unused_arenas;
        h->unused_arenas = &table[i];
    }
    h->arenas = table;
    h->arena_slots = slots;
    return 0;
}

/* A thread heap's arenas are in the process-wide arena map too. */
static int record_owner(pa_heap *h, uintptr_t base, pa_heap *owner) {
    return h->in_arena_map ? pa_arena_owner_set(h, base, owner) : 0;
}

static pa_arena *new_arena(pa_heap *h) {
    const pa_config *c = &h->config;
    if (c->memory_limit && h->arena_bytes_mapped + c->arena_size > c->memory_limit)
        return NULL;
    if (!h->unused_arenas && grow_table(h))
        return NULL;
    pa_retention_arena_mapped(h);
    void *base = (void *)h->spare_arena;
    h->spare_arena = 0;
    if (!base && !(base = c->os.map(c->os.ctx, c->arena_size, c->arena_size)))
        return NULL;
    pa_arena *a = h->unused_arenas;
    uint32_t slot = (uint32_t)(a - h->arenas);
    if ((uintptr_t)base & (c->arena_size - 1)) {
        c->os.unmap(c->os.ctx, base, c->arena_size); /* a broken OS layer: nothing to keep */
        return NULL;
    }
    int unrecorded = pa_radix_set(h, (uintptr_t)base, slot + 1);
    if (!unrecorded && record_owner(h, (uintptr_t)base, h)) {
        pa_radix_set(h, (uintptr_t)base, 0);
        unrecorded = 1;
    }
    if (unrecorded) {
        if (c->os.unmap(c->os.ctx, base, c->arena_size))
            h->spare_arena = (uintptr_t)base;
        return NULL;
    }
    pa_annotate_arena_mapped(h, (uintptr_t)base, c->arena_size);
    h->unused_arenas = a->next;
    memset(a, 0, sizeof *a);
    a->base = (uintptr_t)base;
    a->pool_address = a->base;
    a->nfreepools = a->ntotalpools = (uint32_t)h->pools_per_arena;
    h->usable_arenas = a;
    h->last_with_free[a->nfreepools] = a;
    h->arenas_allocated_total++;
    h->arenas_current++;
    pa_retention_empty_added(h); /* about to be taken from: no budget decision */
    if (h->arenas_current > h->arenas_highwater)
        h->arenas_highwater = h->arenas_current;
    h->arena_bytes_mapped += c->arena_size;
    return a;
}

static size_t first_decommitted(const pa_arena *a) {
    for (size_t w = 0;; w++)
        if (a->decommitted[w])
            return w * 64 + (size_t)__builtin_ctzll(a->decommitted[w]);
}

/* A heap that has outgrown its first arena is building up memory: the
 * never-carved pools ahead are faulted in PA_PREFAULT_BYTES at a time, one
 * OS request instead of a fault per page (the article's scenario took
 * 61,650 faults; 20,830 with this, the rest its own table). A small heap
 * keeps its one arena lazily faulted, and an arena holds at most this much
 * carved-ahead memory beyond what it has handed out. */
#define PA_PREFAULT_BYTES (128 * 1024)

static void prefault_ahead(pa_heap *h, const pa_arena *a) {
    const pa_config *c = &h->config;
    size_t offset = a->pool_address - a->base;
    /* Pools bigger than the span are carved lazily like the first arena. */
    if (!c->os.prefault || h->arenas_current < 2 || c->pool_size > PA_PREFAULT_BYTES || offset % PA_PREFAULT_BYTES)
        return;
    size_t span = PA_PREFAULT_BYTES;
    if (span > c->arena_size - offset)
        span = c->arena_size - offset;
    c->os.prefault(c->os.ctx, (void *)a->pool_address, span);
}

/* Committed free pools first (warm, maybe same class), then one of the
 * decommit run's (resident still), then never-carved ones, and decommitted
 * pools last since they cost a recommit. */
static pa_pool *pick_pool(pa_heap *h, pa_arena *a, int *kept_header) {
    *kept_header = 0;
    if (a->freepools) {
        pa_pool *pool = a->freepools;
        a->freepools = pool->next;
        a->ncommitted_free--;
        pa_retention_committed_dropped(h, 1);
        *kept_header = 1;
        return pool;
    }
    size_t i;
    if (pa_decommit_run_in(h, a)) {
        /* Its pages never left: no recommit, and no evidence for the
         * retention policy that a decommit cost anything. */
        i = pa_decommit_run_take(h);
    } else if (a->pool_address < a->base + h->config.arena_size) {
        prefault_ahead(h, a);
        pa_pool *pool = (pa_pool *)a->pool_address;
        a->pool_address += h->config.pool_size;
        pa_annotate_pool_header(pool);
        return pool;
    } else {
        i = first_decommitted(a);
        if (h->config.os.recommit(h->config.os.ctx, (void *)(a->base + i * h->config.pool_size),
                                  h->config.pool_size))
            return NULL;
        pa_retention_pool_recommitted(h);
    }
    pa_pool *pool = (pa_pool *)(a->base + i * h->config.pool_size);
    a->decommitted[i / 64] &= ~(UINT64_C(1) << (i % 64));
    a->ndecommitted--;
    h->decommitted_pools--;
    pa_annotate_pool_header(pool);
    return pool;
}

static void release_surplus_arenas(pa_heap *h);

pa_pool *pa_arena_take_pool(pa_heap *h, int *kept_header) {
    pa_arena *a = h->usable_arenas;
    if (!a && !(a = new_arena(h))) {
        errno = ENOMEM;
        return NULL;
    }
    pa_pool *pool = pick_pool(h, a, kept_header);
    if (!pool) {
        errno = ENOMEM;
        return NULL;
    }
    pool->arena_slot = (uint32_t)(a - h->arenas);
    if (holds_no_block(a))
        pa_retention_empty_dropped(h);
    /* a heads the list, so it alone has the fewest free pools: it stays at
     * the head with one fewer, or leaves the list when it is full. */
    uint32_t k = a->nfreepools--;
    if (h->last_with_free[k] == a)
        h->last_with_free[k] = NULL;
    if (a->nfreepools) {
        h->last_with_free[a->nfreepools] = a;
    } else {
        h->usable_arenas = a->next;
        if (a->next)
            a->next->prev = NULL;
        a->next = a->prev = NULL;
    }
    if (pa_retention_pool_taken(h))
        release_surplus_arenas(h);
    return pool;
}

static void unlink_usable(pa_heap *h, pa_arena *a) {
    uint32_t k = a->nfreepools;
    if (h->last_with_free[k] == a)
        h->last_with_free[k] = (a->prev && a->prev->nfreepools == k) ? a->prev : NULL;
    if (a->prev)
        a->prev->next = a->next;
    else
        h->usable_arenas = a->next;
    if (a->next)
        a->next->prev = a->prev;
}

/* a was unmapped with its spares in it (none lent: they hold no block):
 * their classes hold them no longer. By address: their headers are gone. */
static void forget_spares(pa_heap *h, const pa_arena *a) {
    for (size_t i = 0; i < h->nclasses; i++)
        if ((uintptr_t)h->classes[i].spare - a->base < h->config.arena_size)
            h->classes[i].spare = NULL;
}

/* -1 when the OS refuses the unmap: the arena then stays, holding no block. */
static int release_arena(pa_heap *h, pa_arena *a) {
    const pa_config *c = &h->config;
    /* Cleared before the unmap: once unmapped, another heap may map the
     * same address and record itself. */
    record_owner(h, a->base, NULL);
    if (c->os.unmap(c->os.ctx, (void *)a->base, c->arena_size)) {
        record_owner(h, a->base, h); /* its leaf exists: cannot fail */
        return -1;
    }
    /* Shadow state outlives a mapping, so it is cleared after the unmap. */
    pa_annotate_arena_unmapping(h, a->base, c->arena_size);
    pa_decommit_run_forget(h, a);
    if (a->nspares)
        forget_spares(h, a);
    if (a->nfreepools) /* spares may have left it none: then on no list */
        unlink_usable(h, a);
    pa_radix_set(h, a->base, 0);
    uintptr_t *cached = pa_owner_slot(h, a->base);
    if (*cached == (a->base | h->arena_low))
        *cached = 0;
    h->decommitted_pools -= a->ndecommitted;
    pa_retention_committed_dropped(h, a->ncommitted_free);
    memset(a, 0, sizeof *a);
    a->next = h->unused_arenas;
    h->unused_arenas = a;
    h->arenas_released_total++;
    h->arenas_current--;
    h->arena_bytes_mapped -= c->arena_size;
    pa_retention_arena_released(h);
    return 0;
}

static int should_release(const pa_heap *h) {
    switch (h->config.empty_arenas) {
    case PA_EMPTY_ARENA_RELEASE:
        return 1;
    case PA_EMPTY_ARENA_KEEP_ONE:
        return !pa_retention_keeps_arena(h);
    case PA_EMPTY_ARENA_KEEP_ALL:
        break;
    }
    return 0;
}

static void give_up_spares(pa_heap *h);
static void give_up_lent_spares(pa_heap *h, const pa_arena *a);

/* The allowance of wholly free arenas shrank: give back the ones beyond it.
 * They sort last on the usable list; an arena only spares keep is not
 * wholly free, so the spares go back first. */
static void release_surplus_arenas(pa_heap *h) {
    if (h->config.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE && h->empty_arenas > h->arena_allowance)
        give_up_spares(h);
    pa_arena *a;
    while (h->config.empty_arenas == PA_EMPTY_ARENA_KEEP_ONE && h->empty_arenas > h->arena_allowance &&
           (a = h->last_with_free[h->pools_per_arena]) != NULL && release_arena(h, a) == 0)
        pa_retention_empty_dropped(h);
}

static void park_pool(pa_heap *h, pa_arena *a, pa_pool *pool) {
    if (h->config.decommit == PA_DECOMMIT_FREE_POOLS && a->ncommitted_free >= h->pool_allowance) {
        pa_decommit_run_add(h, a, pool_index(h, a, pool));
        return;
    }
    pool->next = a->freepools;
    a->freepools = pool;
    a->ncommitted_free++;
    h->committed_free++;
}

/* One more free pool: move a behind the last arena with as many, in O(1)
 * thanks to last_with_free. */
static void resort_gained_pool(pa_heap *h, pa_arena *a) {
    uint32_t k = a->nfreepools++;
    if (k == 0) {
        /* It was full and on no list; one free pool is the fewest possible. */
        a->prev = NULL;
        a->next = h->usable_arenas;
        if (a->next)
            a->next->prev = a;
        h->usable_arenas = a;
        if (!h->last_with_free[1])
            h->last_with_free[1] = a;
        return;
    }
    pa_arena *last_k = h->last_with_free[k];
    if (last_k == a) {
        /* Everything after a already has more than k free pools. */
        h->last_with_free[k] = (a->prev && a->prev->nfreepools == k) ? a->prev : NULL;
        if (!h->last_with_free[k + 1])
            h->last_with_free[k + 1] = a;
        return;
    }
    pa_arena *target = h->last_with_free[k + 1] ? h->last_with_free[k + 1] : last_k;
    if (a->prev)
        a->prev->next = a->next;
    else
        h->usable_arenas = a->next;
    a->next->prev = a->prev; /* last_k follows a, so a->next exists */
    a->prev = target;
    a->next = target->next;
    if (target->next)
        target->next->prev = a;
    target->next = a;
    h->last_with_free[k + 1] = a;
}

void pa_arena_give_pool(pa_heap *h, pa_pool *pool) {
    pa_arena *a = &h->arenas[pool->arena_slot];
    if (a->nspares && a->nfreepools + a->nspares + 1 == a->ntotalpools)
        give_up_lent_spares(h, a);
    int emptied = a->nfreepools + a->nspares + 1 == a->ntotalpools;
    if (emptied && should_release(h) && release_arena(h, a) == 0)
        return;
    park_pool(h, a, pool);
    resort_gained_pool(h, a);
    if (emptied && !pa_retention_empty_added(h) && release_arena(h, a) == 0) {
        pa_retention_empty_dropped(h); /* over the process-wide budget */
        return;
    }
    /* Kept wholly free: its pages go back now, not when a run elsewhere
     * starts, so a heap that freed everything holds what the policy keeps
     * and no more; an arena in use may hold decommit_run_pools - 1 waiting
     * pools until its run is flushed. */
    if (emptied && pa_decommit_run_in(h, a))
        pa_decommit_run_flush(h);
}

size_t pa_arena_trim(pa_heap *h) {
    const pa_config *c = &h->config;
    size_t given = 0;
    give_up_spares(h);
    pa_arena *a;
    while ((a = h->last_with_free[h->pools_per_arena]) != NULL && release_arena(h, a) == 0) {
        pa_retention_empty_dropped(h);
        given += c->arena_size;
    }
    /* Counted, not emptied: a refused decommit puts pools back committed. */
    size_t gone_before = h->decommitted_pools - h->decommit_run.pools;
    for (a = h->usable_arenas; a; a = a->next)
        for (size_t n = a->ncommitted_free; n; n--) {
            pa_pool *pool = a->freepools;
            a->freepools = pool->next;
            a->ncommitted_free--;
            pa_retention_committed_dropped(h, 1);
            pa_decommit_run_add(h, a, pool_index(h, a, pool));
        }
    pa_decommit_run_flush(h);
    return given + (h->decommitted_pools - gone_before) * c->pool_size;
}

/* ---- spares ----------------------------------------------------------
 * A pool of a class that empties stays with its class, header and freelist
 * intact, as the class's spare (one per class at most): when the class next
 * runs out of pools it uses the spare again, with no trip through its
 * arena, and when that pool empties again it is the spare again. So a
 * class whose last pool empties and fills, over and over, never reaches its
 * arena. Its arena counts the pool as a spare (nspares) from the moment it
 * is held until it is given up, also while its class uses it ("lent"): the
 * arena then neither picks, decommits nor releases it. The spare is given
 * up when another pool of its class empties (that one is the spare then;
 * an unused spare goes back to its arena, a lent one stays in use as an
 * ordinary pool), on trim, and when the allowance of empty arenas decays
 * below the empty arenas held. An arena whose every pool is free or a spare
 * counts as empty for the retention policy (empty_arenas), so a spare makes
 * an arena outlive its last block only where the policy would keep an empty
 * arena anyway; where it would not (RELEASE, or past the allowance or the
 * process-wide budget) the pool goes back at once, and the arena with it.
 * Before an arena is judged empty for release, the spares it lends are
 * given up: they hold blocks. */

/* c's spare is given up: its arena's count and, if that arena counted as
 * empty, the empty arenas drop. An unused spare goes back to its arena. */
static void give_up_spare(pa_heap *h, pa_size_class *c) {
    pa_pool *pool = c->spare;
    pa_arena *a = &h->arenas[pool->arena_slot];
    if (holds_no_block(a))
        pa_retention_empty_dropped(h);
    a->nspares--;
    c->spare = NULL;
    if (pool->count == 0)
        pa_arena_give_pool(h, pool);
}

static void give_up_spares(pa_heap *h) {
    for (size_t i = 0; i < h->nclasses; i++)
        if (h->classes[i].spare)
            give_up_spare(h, &h->classes[i]);
}

/* The spares a lends hold blocks: given up before a is judged empty. */
static void give_up_lent_spares(pa_heap *h, const pa_arena *a) {
    uint32_t slot = (uint32_t)(a - h->arenas);
    for (size_t i = 0; i < h->nclasses && a->nspares; i++) {
        const pa_pool *spare = h->classes[i].spare;
        if (spare && spare->arena_slot == slot && spare->count)
            give_up_spare(h, &h->classes[i]);
    }
}

/* May pool, just emptied, become a spare? Where its arena would then count
 * as empty, only as the policy keeps an empty arena (see above). */
static int hold_spare(pa_heap *h, pa_pool *pool) {
    pa_arena *a = &h->arenas[pool->arena_slot];
    if (a->nfreepools + a->nspares + 1 == a->ntotalpools) {
        if (should_release(h))
            return 0;
        if (!pa_retention_empty_added(h)) {
            pa_retention_empty_dropped(h); /* over the process-wide budget */
            return 0;
        }
        /* As for an arena kept wholly free: its pages go back now. */
        if (pa_decommit_run_in(h, a))
            pa_decommit_run_flush(h);
    }
    a->nspares++;
    return 1;
}

void pa_arena_pool_emptied(pa_heap *h, pa_size_class *c, pa_pool *pool) {
    if (c->spare == pool)
        return; /* the spare, lent, is back */
    if (c->spare)
        give_up_spare(h, c);
    if (h->config.keep_spare_pools && hold_spare(h, pool))
        c->spare = pool;
    else
        pa_arena_give_pool(h, pool);
}

void pa_arena_release_all(pa_heap *h) {
    const pa_config *c = &h->config;
    for (size_t i = 0; i < h->arena_slots; i++) {
        pa_arena *a = &h->arenas[i];
        if (a->base && c->os.unmap(c->os.ctx, (void *)a->base, c->arena_size) == 0) {
            pa_annotate_arena_unmapping(h, a->base, c->arena_size);
            h->arena_bytes_mapped -= c->arena_size;
            h->arenas_current--;
        }
    }
    if (h->spare_arena && c->os.unmap(c->os.ctx, (void *)h->spare_arena, c->arena_size) == 0)
        h->spare_arena = 0;
    if (h->arenas)
        pa_meta_unmap(h, h->arenas, h->arena_slots * sizeof *h->arenas);
    h->arenas = NULL;
    h->arena_slots = 0;
    h->usable_arenas = h->unused_arenas = NULL;
}

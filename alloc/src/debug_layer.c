#include "debug_layer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "annotate.h"
#include "heap_layers.h"
#include "large_table.h"
#include "meta.h"
#include "misuse_report.h"
#include "pool_walk.h"
#include "poolalloc/debug.h"

/* A debug block inside a raw block of the plain heap:
 *   [pad: FD..][header: size serial lead api state FD x10][data][FD x16]
 *   ^raw block                                             ^data pointer
 * lead = data - raw block: 32, or the alignment when that is larger. */
#define HEADER_SIZE 32
#define TAIL_SIZE 16
#define HEADER_GUARD 10
#define FILL_FRESH 0xCD
#define FILL_FREED 0xDD
#define FORBIDDEN 0xFD
#define STATE_LIVE 'L'
#define STATE_FREED 'F'

typedef struct dbg_header {
    uint64_t size;
    uint64_t serial;
    uint32_t lead;
    uint8_t api;
    uint8_t state;
    uint8_t guard[HEADER_GUARD];
} dbg_header;

_Static_assert(sizeof(dbg_header) == HEADER_SIZE, "the header fills 32 bytes");

static dbg_header *header_of(const void *data) { return (dbg_header *)((uintptr_t)data - HEADER_SIZE); }

int pa_debug_init(pa_heap *h) {
    h->debug_max_lead = HEADER_SIZE;
    if (!h->config.debug || !h->config.debug_quarantine)
        return 0;
    h->quarantine = pa_meta_map(h, h->config.debug_quarantine * sizeof(void *));
    return h->quarantine ? 0 : -1;
}

void *pa_debug_alloc(pa_heap *h, size_t size, size_t alignment, int zeroed, char api) {
    size_t align = alignment > h->config.alignment ? alignment : h->config.alignment;
    size_t lead = align > HEADER_SIZE ? align : HEADER_SIZE;
    size_t total;
    if (__builtin_add_overflow(size, lead + TAIL_SIZE, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    char *raw = pa_raw_memalign(h, align, total);
    if (!raw)
        return NULL;
    char *data = raw + lead;
    dbg_header *hdr = header_of(data);
    memset(raw, FORBIDDEN, lead - HEADER_SIZE);
    hdr->size = size;
    hdr->serial = ++h->debug_serial;
    hdr->lead = (uint32_t)lead;
    hdr->api = (uint8_t)api;
    hdr->state = STATE_LIVE;
    memset(hdr->guard, FORBIDDEN, HEADER_GUARD);
    memset(data, zeroed ? 0 : FILL_FRESH, size);
    memset(data + size, FORBIDDEN, TAIL_SIZE);
    if (lead > h->debug_max_lead)
        h->debug_max_lead = lead;
    return data;
}

/* ---- finding and judging a block ------------------------------------- */

typedef enum { FOREIGN, UNREADABLE, NOT_A_START, IN_DEAD_POOL, FOUND } where;

/* Is u where a block starts: FOUND in a pool that holds live blocks,
 * IN_DEAD_POOL in one that holds none (its blocks all freed), else
 * NOT_A_START. */
static where small_block_start(const pa_heap *h, uintptr_t u) {
    if (!pa_readable_pool_arena(h, u))
        return NOT_A_START;
    const pa_pool *pool = pa_pool_of(h, (void *)u);
    if (pool->size_class >= h->nclasses)
        return NOT_A_START;
    const pa_size_class *c = &h->classes[pool->size_class];
    size_t off = u - (uintptr_t)pool;
    if (off < c->first_offset || off >= pool->nextoffset || (off - c->first_offset) % c->block_size)
        return NOT_A_START;
    return pool->count ? FOUND : IN_DEAD_POOL;
}

/* Bytes of the raw block at u (known to be one). */
static size_t raw_size(const pa_heap *h, uintptr_t u) {
    if (pa_radix_get(&h->radix, u))
        return h->classes[pa_pool_of(h, (void *)u)->size_class].block_size;
    return pa_large_find(&h->large, u)->size;
}

/* Where is data pointer d? Reads its header only where that is heap memory:
 * inside a committed pool, or inside a large block found in the table. */
static where locate(const pa_heap *h, uintptr_t d, uintptr_t *raw) {
    if (d < HEADER_SIZE)
        return FOREIGN;
    if (pa_radix_get(&h->radix, d)) {
        /* Data is aligned like every block: anything else is no block, and
         * its "header" is not read (it would be a misaligned read too). */
        if (d % h->config.alignment)
            return NOT_A_START;
        if (!pa_readable_pool_arena(h, d - HEADER_SIZE))
            return UNREADABLE;
        uint32_t lead = header_of((void *)d)->lead;
        if (lead != HEADER_SIZE && lead != 2 * HEADER_SIZE)
            return NOT_A_START;
        *raw = d - lead;
        return small_block_start(h, *raw);
    }
    if (d % h->config.alignment)
        return FOREIGN;
    for (size_t lead = HEADER_SIZE; lead <= h->debug_max_lead && lead <= d; lead *= 2)
        if (pa_large_find(&h->large, d - lead) && header_of((void *)d)->lead == lead) {
            *raw = d - lead;
            return FOUND;
        }
    return FOREIGN;
}

static void hex_bytes(char *out, size_t len, const uint8_t *p, size_t n) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 4 < len; i++)
        used += (size_t)snprintf(out + used, len - used, i ? " %02X" : "%02X", p[i]);
}

/* Several lines describing the block, in the manner of PYTHONMALLOC=debug. */
static void dump_block(char *out, size_t len, uintptr_t raw, const dbg_header *hdr, const uint8_t *data) {
    char lead[3 * HEADER_GUARD + 1], tail[3 * TAIL_SIZE + 1], first[25], last[25];
    hex_bytes(lead, sizeof lead, hdr->guard, HEADER_GUARD);
    hex_bytes(tail, sizeof tail, data + hdr->size, TAIL_SIZE);
    size_t shown = hdr->size < 8 ? hdr->size : 8;
    hex_bytes(first, sizeof first, data, shown);
    hex_bytes(last, sizeof last, data + hdr->size - shown, shown);
    snprintf(out, len,
             "  debug block at %p (raw block %p): %llu bytes requested through API '%c', serial %llu, %s\n"
             "  forbidden bytes before the data: %s\n"
             "  forbidden bytes after the data:  %s\n"
             "  data: first %zu bytes %s; last %zu bytes %s\n",
             (const void *)data, (void *)raw, (unsigned long long)hdr->size, hdr->api ? hdr->api : '?',
             (unsigned long long)hdr->serial,
             hdr->state == STATE_LIVE ? "live" : hdr->state == STATE_FREED ? "freed" : "unknown state", lead,
             tail, shown, first, shown, last);
}

static void report(const pa_heap *h, pa_misuse_kind kind, const char *op, uintptr_t raw, const uint8_t *data,
                   const char *message) {
    char dump[512];
    dump_block(dump, sizeof dump, raw, header_of(data), data);
    pa_misuse_deliver(h, kind, op, data, message, dump);
}

/* Forbidden bytes and the recorded size; 0 when intact, else reported. */
static int check_guards(const pa_heap *h, uintptr_t raw, const uint8_t *data, const char *op) {
    const dbg_header *hdr = header_of(data);
    char message[256];
    size_t lead = hdr->lead;
    if (hdr->size > raw_size(h, raw) - lead - TAIL_SIZE) {
        snprintf(message, sizeof message,
                 "%s(): block %p: header damaged: %llu requested bytes cannot fit in its %zu-byte block", op,
                 (const void *)data, (unsigned long long)hdr->size, raw_size(h, raw));
        report(h, PA_MISUSE_GUARD_BEFORE, op, raw, data, message);
        return -1;
    }
    const uint8_t *pad = (const uint8_t *)raw;
    for (size_t i = 0; i < lead - HEADER_SIZE; i++)
        if (pad[i] != FORBIDDEN) {
            snprintf(message, sizeof message,
                     "%s(): block %p (serial %llu): forbidden byte %zu before the data was written (0x%02X)", op,
                     (const void *)data, (unsigned long long)hdr->serial, lead - i, pad[i]);
            report(h, PA_MISUSE_GUARD_BEFORE, op, raw, data, message);
            return -1;
        }
    for (size_t i = 0; i < HEADER_GUARD; i++)
        if (hdr->guard[i] != FORBIDDEN) {
            snprintf(message, sizeof message,
                     "%s(): block %p (serial %llu): forbidden byte %zu before the data was written (0x%02X)", op,
                     (const void *)data, (unsigned long long)hdr->serial, (size_t)HEADER_GUARD - i,
                     hdr->guard[i]);
            report(h, PA_MISUSE_GUARD_BEFORE, op, raw, data, message);
            return -1;
        }
    for (size_t i = 0; i < TAIL_SIZE; i++)
        if (data[hdr->size + i] != FORBIDDEN) {
            snprintf(message, sizeof message,
                     "%s(): block %p (serial %llu): forbidden byte %zu after the %llu-byte data was written (0x%02X)",
                     op, (const void *)data, (unsigned long long)hdr->serial, i + 1, (unsigned long long)hdr->size,
                     data[hdr->size + i]);
            report(h, PA_MISUSE_GUARD_AFTER, op, raw, data, message);
            return -1;
        }
    return 0;
}

/* The header of a live block p that api may free; NULL once reported. */
static dbg_header *checked(pa_heap *h, const void *p, char api, const char *op, uintptr_t *raw) {
    where w = locate(h, (uintptr_t)p, raw);
    if (w == FOREIGN) {
        pa_misuse_raise(h, PA_MISUSE_FOREIGN_POINTER, op, p);
        return NULL;
    }
    if (w == UNREADABLE) {
        pa_misuse_raise(h, PA_MISUSE_NOT_LIVE, op, p);
        return NULL;
    }
    dbg_header *hdr = header_of(p);
    char message[256];
    /* Only a header at a real block start is ours: an interior pointer's
     * "header" is the caller's data and proves nothing. */
    if ((w == FOUND || w == IN_DEAD_POOL) && hdr->state == STATE_FREED) {
        snprintf(message, sizeof message, "%s(): block %p (serial %llu) was already freed", op, p,
                 (unsigned long long)hdr->serial);
        pa_misuse_deliver(h, PA_MISUSE_DOUBLE_FREE, op, p, message, "");
        return NULL;
    }
    if (w != FOUND || hdr->state != STATE_LIVE) {
        snprintf(message, sizeof message, "%s(): pointer %p is inside heap %p but is not a block it handed out",
                 op, p, (void *)h);
        pa_misuse_deliver(h, PA_MISUSE_NOT_A_BLOCK, op, p, message, "");
        return NULL;
    }
    if (api && hdr->api != (uint8_t)api) {
        snprintf(message, sizeof message, "%s(): block %p (serial %llu) was allocated through API '%c' and freed through API '%c'",
                 op, p, (unsigned long long)hdr->serial, hdr->api, api);
        report(h, PA_MISUSE_API_MISMATCH, op, *raw, p, message);
        return NULL;
    }
    return check_guards(h, *raw, p, op) ? NULL : hdr;
}

/* ---- freeing, with the quarantine ------------------------------------ */

/* A block leaving the quarantine must still carry the freed fill. */
static void check_fill(pa_heap *h, uintptr_t raw, const uint8_t *data) {
    const dbg_header *hdr = header_of(data);
    for (size_t i = 0; i < hdr->size; i++)
        if (data[i] != FILL_FREED) {
            char message[256];
            snprintf(message, sizeof message,
                     "quarantine: block %p (serial %llu) was written after free: byte %zu is 0x%02X, not 0x%02X",
                     (const void *)data, (unsigned long long)hdr->serial, i, data[i], FILL_FREED);
            report(h, PA_MISUSE_WRITE_AFTER_FREE, "free", raw, data, message);
            return;
        }
    check_guards(h, raw, data, "free");
}

static void release(pa_heap *h, uint8_t *data, uintptr_t raw) {
    dbg_header *hdr = header_of(data);
    memset(data, FILL_FREED, hdr->size);
    hdr->state = STATE_FREED;
    size_t cap = h->config.debug_quarantine;
    if (!cap) {
        pa_raw_free(h, (void *)raw);
        return;
    }
    if (h->quarantine_len < cap) {
        h->quarantine[(h->quarantine_head + h->quarantine_len++) % cap] = data;
        return;
    }
    uint8_t *oldest = h->quarantine[h->quarantine_head];
    uintptr_t oldest_raw = (uintptr_t)oldest - header_of(oldest)->lead;
    h->quarantine[h->quarantine_head] = data;
    h->quarantine_head = (h->quarantine_head + 1) % cap;
    check_fill(h, oldest_raw, oldest);
    pa_raw_free(h, (void *)oldest_raw);
}

void pa_debug_free(pa_heap *h, void *p, char api, const char *operation) {
    uintptr_t raw;
    if (p && checked(h, p, api, operation, &raw))
        release(h, p, raw);
}

void pa_debug_release(pa_heap *h) {
    if (!h->quarantine)
        return;
    size_t cap = h->config.debug_quarantine;
    for (size_t i = 0; i < h->quarantine_len; i++) {
        uint8_t *data = h->quarantine[(h->quarantine_head + i) % cap];
        pa_raw_free(h, data - header_of(data)->lead);
    }
    pa_meta_unmap(h, h->quarantine, cap * sizeof(void *));
    h->quarantine = NULL;
    h->quarantine_len = h->quarantine_head = 0;
}

/* ---- the rest of the family ------------------------------------------ */

/* Always moves, so a stale pointer to the old block shows as a use after
 * free; on failure the old block is left as it was. */
void *pa_debug_realloc(pa_heap *h, void *p, size_t size) {
    if (!p)
        return pa_debug_alloc(h, size, 0, 0, PA_API_MALLOC);
    uintptr_t raw;
    dbg_header *hdr = checked(h, p, PA_API_MALLOC, "realloc", &raw);
    if (!hdr)
        return NULL;
    void *q = pa_debug_alloc(h, size, 0, 0, PA_API_MALLOC);
    if (!q)
        return NULL;
    memcpy(q, p, hdr->size < size ? hdr->size : size);
    release(h, p, raw);
    return q;
}

size_t pa_debug_usable_size(pa_heap *h, const void *p) {
    uintptr_t raw;
    const dbg_header *hdr = checked(h, p, 0, "usable_size", &raw);
    return hdr ? hdr->size : 0;
}

int pa_debug_owns(const pa_heap *h, const void *p) {
    uintptr_t raw;
    return locate(h, (uintptr_t)p, &raw) == FOUND && header_of(p)->state == STATE_LIVE;
}

uintptr_t pa_debug_block_start(const pa_heap *h, const void *p) {
    uintptr_t raw;
    return locate(h, (uintptr_t)p, &raw) == FOUND ? raw : 0;
}

uintptr_t pa_debug_quarantined(const pa_heap *h, size_t i) {
    const void *data = h->quarantine[(h->quarantine_head + i) % h->config.debug_quarantine];
    return (uintptr_t)data - header_of(data)->lead;
}

/* ---- the whole-heap check -------------------------------------------- */

/* The data pointer of the debug block in raw block u (lead 32 or 64). */
static uint8_t *data_in_small(uintptr_t u) {
    const dbg_header *at32 = (const dbg_header *)u;
    return (uint8_t *)(u + (at32->lead == HEADER_SIZE ? HEADER_SIZE : 2 * HEADER_SIZE));
}

static size_t verify_one(pa_heap *h, uintptr_t raw, uint8_t *data) {
    const dbg_header *hdr = header_of(data);
    if (hdr->state == STATE_FREED) {
        size_t before = 0;
        for (size_t i = 0; i < hdr->size; i++)
            before += data[i] != FILL_FREED;
        if (before) {
            check_fill(h, raw, data);
            return 1;
        }
    }
    return check_guards(h, raw, data, "verify") ? 1 : 0;
}

/* Live slots of a pool are the carved ones not on its freelist. */
static size_t verify_pool(pa_heap *h, const pa_pool *pool, uint8_t *is_free, size_t slots) {
    const pa_size_class *c = &h->classes[pool->size_class];
    size_t carved = (pool->nextoffset - c->first_offset) / c->block_size;
    memset(is_free, 0, slots);
    size_t steps = 0;
    for (const pa_block *b = pool->freeblock; b && steps++ < carved; b = pa_link_read(b)) {
        size_t off = (uintptr_t)b - (uintptr_t)pool;
        if (off < c->first_offset || (off - c->first_offset) % c->block_size || off >= pool->nextoffset)
            break; /* a damaged freelist is the invariant checker's to report */
        is_free[(off - c->first_offset) / c->block_size] = 1;
    }
    size_t damaged = 0;
    for (size_t i = 0; i < carved && i < slots; i++)
        if (!is_free[i]) {
            uintptr_t u = (uintptr_t)pool + c->first_offset + i * c->block_size;
            damaged += verify_one(h, u, data_in_small(u));
        }
    return damaged;
}

size_t pa_heap_debug_verify(pa_heap *h) {
    if (!h->config.debug)
        return 0;
    size_t slots = h->classes[0].capacity;
    uint8_t *is_free = pa_meta_map(h, slots);
    if (!is_free)
        return 0;
    size_t damaged = 0;
    for (size_t s = 0; s < h->arena_slots; s++) {
        const pa_arena *a = &h->arenas[s];
        for (size_t i = 0; a->base && i < pa_arena_carved_pools(h, a); i++) {
            const pa_pool *pool = (const pa_pool *)(a->base + i * h->config.pool_size);
            if (!pa_pool_is_decommitted(a, i) && pool->count && pool->size_class < h->nclasses)
                damaged += verify_pool(h, pool, is_free, slots);
        }
    }
    pa_meta_unmap(h, is_free, slots);
    for (size_t i = 0; i < h->large.capacity; i++) {
        uintptr_t u = h->large.slots[i].block;
        for (size_t lead = HEADER_SIZE; u && lead <= h->debug_max_lead; lead *= 2)
            if (header_of((void *)(u + lead))->lead == lead) {
                damaged += verify_one(h, u, (uint8_t *)(u + lead));
                break;
            }
    }
    return damaged;
}

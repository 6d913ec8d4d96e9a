#include "debug_layer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "annotate.h"
#include "debug_block.h"
#include "large_table.h"
#include "meta.h"
#include "misuse_report.h"
#include "pool_walk.h"
#include "poolalloc/debug.h"
#include "raw.h"

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
        uint32_t lead = PA_ANNOTATE_QUIET_READ(header_of((void *)d)->lead);
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

/* Data bytes the raw block [raw, raw + bytes) holds after its lead and tail. */
static size_t room_of(uintptr_t raw, size_t bytes, const uint8_t *data) {
    size_t lead = (size_t)((uintptr_t)data - raw);
    return bytes >= lead + TAIL_SIZE ? bytes - lead - TAIL_SIZE : 0;
}

/* Several lines describing the block, in the manner of PYTHONMALLOC=debug.
 * A recorded size the block cannot hold shows no data or tail: they would
 * lie outside it. */
static void dump_block(char *out, size_t len, uintptr_t raw, size_t bytes, const uint8_t *data) {
    const dbg_header *hdr = header_of(data);
    int fits = hdr->size <= room_of(raw, bytes, data);
    size_t size = fits ? hdr->size : 0;
    char lead[3 * HEADER_GUARD + 1], tail[3 * TAIL_SIZE + 1], first[25], last[25];
    hex_bytes(lead, sizeof lead, hdr->guard, HEADER_GUARD);
    hex_bytes(tail, sizeof tail, data + size, fits ? TAIL_SIZE : 0);
    size_t shown = size < 8 ? size : 8;
    hex_bytes(first, sizeof first, data, shown);
    hex_bytes(last, sizeof last, data + size - shown, shown);
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

static void report(const pa_heap *h, pa_misuse_kind kind, const char *op, uintptr_t raw, size_t bytes,
                   const uint8_t *data, const char *message) {
    char dump[512];
    dump_block(dump, sizeof dump, raw, bytes, data);
    pa_misuse_deliver(h, kind, op, data, message, dump);
}

static int forbidden(judgement *j, pa_debug_damage kind, const char *op, size_t byte, uint8_t found) {
    pa_debug_finding *f = &j->f;
    f->kind = kind;
    f->byte = byte;
    f->expected = FORBIDDEN;
    f->found = found;
    if (kind == PA_DEBUG_GUARD_BEFORE)
        snprintf(j->message, sizeof j->message,
                 "%s(): block %p (serial %llu): forbidden byte %zu before the data was written (0x%02X)", op,
                 f->data, (unsigned long long)f->serial, byte, found);
    else
        snprintf(j->message, sizeof j->message,
                 "%s(): block %p (serial %llu): forbidden byte %zu after the %llu-byte data was written (0x%02X)",
                 op, f->data, (unsigned long long)f->serial, byte, (unsigned long long)f->size, found);
    return 1;
}

/* The first of n bytes at p that is not v, or n. Freed blocks and alignment
 * leads are long and nearly always intact: the first 64 bytes are judged a
 * word at a time, the rest by one memcmp of the block against itself 64
 * bytes on (byte i + 64 equals byte i for every i, the first 64 being v:
 * all are v), which the C library does a vector at a time. */
static size_t first_not(const uint8_t *p, size_t n, uint8_t v) {
    uint64_t all = UINT64_C(0x0101010101010101) * v;
    size_t i = 0, head = n < 64 ? n & ~(size_t)7 : 64;
    for (; i < head; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        if (w != all)
            break;
    }
    if (i == 64 && !memcmp(p + 64, p, n - 64))
        return n;
    while (i < n && p[i] == v) /* a difference, or a short tail */
        i++;
    return i;
}

/* The one judge of a debug block, for free, verify and scan alike: the
 * recorded size fits the raw block [raw, raw + bytes), a freed block still
 * carries the freed fill, the forbidden bytes before and after the data are
 * intact. The size is judged first, so nothing outside the block is read
 * (the header, [data - 32, data), must lie in it). 0 when intact, else 1
 * with the first fault in *j, its message naming op. */
int pa_debug_judge(uintptr_t raw, size_t bytes, const uint8_t *data, const char *op, judgement *j) {
    const dbg_header *hdr = header_of(data);
    size_t lead = (size_t)((uintptr_t)data - raw);
    pa_debug_finding *f = &j->f;
    memset(f, 0, sizeof *f);
    f->data = data;
    f->block = raw;
    f->block_size = bytes;
    f->freed = hdr->state == STATE_FREED;
    f->serial = hdr->serial;
    f->size = hdr->size;
    f->room = room_of(raw, bytes, data);
    f->message = j->message;
    if (bytes < lead + TAIL_SIZE || hdr->size > f->room) {
        f->kind = PA_DEBUG_HEADER_DAMAGED;
        snprintf(j->message, sizeof j->message,
                 "%s(): block %p: header damaged: %llu requested bytes cannot fit in its %zu-byte block", op,
                 (const void *)data, (unsigned long long)hdr->size, bytes);
        return 1;
    }
    size_t bad = f->freed ? first_not(data, hdr->size, FILL_FREED) : hdr->size;
    if (bad < hdr->size) {
        f->kind = PA_DEBUG_FREED_WRITTEN;
        f->byte = bad;
        f->expected = FILL_FREED;
        f->found = data[bad];
        snprintf(j->message, sizeof j->message,
                 "quarantine: block %p (serial %llu) was written after free: byte %zu is 0x%02X, not 0x%02X",
                 (const void *)data, (unsigned long long)hdr->serial, bad, data[bad], FILL_FREED);
        return 1;
    }
    const uint8_t *pad = (const uint8_t *)raw;
    size_t pad_bad = first_not(pad, lead - HEADER_SIZE, FORBIDDEN);
    if (pad_bad < lead - HEADER_SIZE)
        return forbidden(j, PA_DEBUG_GUARD_BEFORE, op, lead - pad_bad, pad[pad_bad]);
    for (size_t i = 0; i < HEADER_GUARD; i++)
        if (hdr->guard[i] != FORBIDDEN)
            return forbidden(j, PA_DEBUG_GUARD_BEFORE, op, (size_t)HEADER_GUARD - i, hdr->guard[i]);
    for (size_t i = 0; i < TAIL_SIZE; i++)
        if (data[hdr->size + i] != FORBIDDEN)
            return forbidden(j, PA_DEBUG_GUARD_AFTER, op, i + 1, data[hdr->size + i]);
    return 0;
}

/* A finding through the misuse handler; a damaged header is reported as
 * damage before the data, as it always was. */
void pa_debug_deliver(const pa_heap *h, const char *op, const pa_debug_finding *f) {
    pa_misuse_kind kind = f->kind == PA_DEBUG_FREED_WRITTEN ? PA_MISUSE_WRITE_AFTER_FREE
                          : f->kind == PA_DEBUG_GUARD_AFTER ? PA_MISUSE_GUARD_AFTER
                                                            : PA_MISUSE_GUARD_BEFORE;
    report(h, kind, op, f->block, f->block_size, f->data, f->message);
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
    dbg_header seen = PA_ANNOTATE_QUIET_READ(*hdr); /* the block may be free */
    char message[256];
    /* Only a header at a real block start is ours: an interior pointer's
     * "header" is the caller's data and proves nothing. */
    if ((w == FOUND || w == IN_DEAD_POOL) && seen.state == STATE_FREED) {
        snprintf(message, sizeof message, "%s(): block %p (serial %llu) was already freed", op, p,
                 (unsigned long long)seen.serial);
        pa_misuse_deliver(h, PA_MISUSE_DOUBLE_FREE, op, p, message, "");
        return NULL;
    }
    if (w != FOUND || seen.state != STATE_LIVE) {
        snprintf(message, sizeof message, "%s(): pointer %p is inside heap %p but is not a block it handed out",
                 op, p, (void *)h);
        pa_misuse_deliver(h, PA_MISUSE_NOT_A_BLOCK, op, p, message, "");
        return NULL;
    }
    if (api && hdr->api != (uint8_t)api) {
        snprintf(message, sizeof message, "%s(): block %p (serial %llu) was allocated through API '%c' and freed through API '%c'",
                 op, p, (unsigned long long)hdr->serial, hdr->api, api);
        report(h, PA_MISUSE_API_MISMATCH, op, *raw, raw_size(h, *raw), p, message);
        return NULL;
    }
    judgement j;
    if (pa_debug_judge(*raw, raw_size(h, *raw), p, op, &j)) {
        pa_debug_deliver(h, op, &j.f);
        return NULL;
    }
    return hdr;
}

/* ---- freeing, with the quarantine ------------------------------------ */

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
    /* A block leaving the quarantine must still carry the freed fill. */
    judgement j;
    if (pa_debug_judge(oldest_raw, raw_size(h, oldest_raw), oldest, "free", &j))
        pa_debug_deliver(h, "free", &j.f);
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

/* A debug block's layout and its judge, shared by the debug layer
 * (debug_layer.c) and its whole-heap scan (debug_scan.c). */
#ifndef POOLALLOC_DEBUG_BLOCK_H
#define POOLALLOC_DEBUG_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"
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

static inline dbg_header *header_of(const void *data) { return (dbg_header *)((uintptr_t)data - HEADER_SIZE); }

/* A finding and the message text it points at. */
typedef struct judgement {
    pa_debug_finding f;
    char message[256];
} judgement;

/* 0 when the debug block at data, in raw block [raw, raw + bytes), is
 * intact; else 1 with its first fault in *j (debug_layer.c). */
int pa_debug_judge(uintptr_t raw, size_t bytes, const uint8_t *data, const char *op, judgement *j);
/* A finding through the misuse handler. */
void pa_debug_deliver(const pa_heap *h, const char *op, const pa_debug_finding *f);

#endif

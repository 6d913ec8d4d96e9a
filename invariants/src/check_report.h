/* Violations as the checks record them and the printers show them. */
#ifndef POOLALLOC_CHECK_REPORT_H
#define POOLALLOC_CHECK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "check_ids.h"
#include "poolalloc/check.h"
#include "poolalloc/introspect.h"

/* Freelist links a pool dump shows before it stops. */
#define CHK_DUMP_LINKS 16
#define CHK_NO_SLOT SIZE_MAX

typedef enum chk_dump_end {
    CHK_DUMP_NULL = 0,  /* the list ended */
    CHK_DUMP_MORE,      /* longer than the dump shows */
    CHK_DUMP_WILD,      /* a link outside the pool's carved blocks, not followed */
    CHK_DUMP_REPEAT,    /* a link back to a block already shown */
} chk_dump_end;

/* Where a violation is. Every member is optional (0 / CHK_NO_SLOT / -1);
 * views are copied into the report as dumps. */
typedef struct chk_loc {
    const pa_heap *heap;
    int cls;                        /* class, -1 none */
    size_t slot;                    /* arena slot */
    const pa_arena_view *arena;
    uintptr_t pool;
    size_t pool_index;
    const pa_pool_view *pool_view;  /* header to dump (readable pools only) */
    uintptr_t block;
} chk_loc;

typedef struct chk_violation {
    chk_id id;
    chk_loc where;                  /* views re-pointed at the copies below */
    char message[512];
    char expected[128];
    char found[128];
    int has_arena;
    pa_arena_view arena;
    int has_pool;
    pa_pool_view pool;
    size_t nlinks;
    size_t links[CHK_DUMP_LINKS];   /* freelist as offsets into the pool */
    chk_dump_end links_end;
    uintptr_t wild;                 /* the refused link, for CHK_DUMP_WILD */
} chk_violation;

struct pa_check_report {
    chk_violation *v;
    size_t n, cap;
    size_t dropped;                 /* violations lost to a failed allocation */
};

/* Record a violation: expected and found are short value descriptions, the
 * message is "<where>: <what>: expected <e>, found <f>". NULL when out of
 * memory (counted in dropped). */
chk_violation *chk_report(pa_check_report *r, chk_id id, const chk_loc *at, const char *expected,
                          const char *found, const char *what, ...)
    __attribute__((format(printf, 6, 7)));

/* snprintf into buf, returned: for building expected/found values inline. */
const char *chk_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHK_STR(...) chk_fmt((char[128]){0}, 128, __VA_ARGS__)
#define CHK_NUM(x) CHK_STR("%llu", (unsigned long long)(x))
/* A check's reporting path, out of line: its fast path then needs no
 * location built nor registers saved for a report that almost never comes. */
#define CHK_COLD __attribute__((cold, noinline))

static inline chk_loc chk_at_heap(const pa_heap *heap) {
    chk_loc l = {heap, -1, CHK_NO_SLOT, NULL, 0, 0, NULL, 0};
    return l;
}

static inline chk_loc chk_at_class(const pa_heap *heap, size_t cls) {
    chk_loc l = chk_at_heap(heap);
    l.cls = (int)cls;
    return l;
}

static inline chk_loc chk_at_arena(const pa_heap *heap, const pa_arena_view *a) {
    chk_loc l = chk_at_heap(heap);
    l.slot = a->slot;
    l.arena = a;
    return l;
}

static inline chk_loc chk_at_pool(const pa_heap *heap, const pa_arena_view *a, size_t index, uintptr_t pool,
                                  const pa_pool_view *v) {
    chk_loc l = chk_at_arena(heap, a);
    l.pool = pool;
    l.pool_index = index;
    l.pool_view = v;
    return l;
}

#endif

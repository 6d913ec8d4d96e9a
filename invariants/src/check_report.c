#include "check_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pa_check_report *pa_check_report_new(void) { return calloc(1, sizeof(pa_check_report)); }

void pa_check_report_free(pa_check_report *r) {
    if (!r)
        return;
    free(r->v);
    free(r);
}

void pa_check_report_clear(pa_check_report *r) {
    r->n = 0;
    r->dropped = 0;
}

size_t pa_check_report_count(const pa_check_report *r) { return r->n; }

const char *pa_check_report_id(const pa_check_report *r, size_t i) {
    return i < r->n ? chk_id_name(r->v[i].id) : NULL;
}

const char *pa_check_report_message(const pa_check_report *r, size_t i) {
    return i < r->n ? r->v[i].message : NULL;
}

const pa_heap *pa_check_report_heap(const pa_check_report *r, size_t i) {
    return i < r->n ? r->v[i].where.heap : NULL;
}

const char *chk_fmt(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return buf;
}

/* Offsets, not addresses, so a dump reads the same from run to run. The walk
 * trusts nothing: read_link refuses any block outside a committed pool, and a
 * link outside this pool or back to a shown block ends the dump. */
static void dump_freelist(const pa_heap *heap, chk_violation *v, size_t pool_size) {
    uintptr_t base = v->pool.base, cur = v->pool.freeblock;
    v->nlinks = 0;
    v->links_end = CHK_DUMP_NULL;
    while (cur) {
        if (cur < base || cur - base >= pool_size) {
            v->links_end = CHK_DUMP_WILD;
            v->wild = cur;
            return;
        }
        for (size_t i = 0; i < v->nlinks; i++) {
            if (v->links[i] == cur - base) {
                v->links_end = CHK_DUMP_REPEAT;
                v->wild = cur;
                return;
            }
        }
        if (v->nlinks == CHK_DUMP_LINKS) {
            v->links_end = CHK_DUMP_MORE;
            return;
        }
        v->links[v->nlinks++] = cur - base;
        uintptr_t next;
        if (pa_introspect_read_link(heap, cur, &next)) {
            v->links_end = CHK_DUMP_WILD;
            v->wild = cur;
            v->nlinks--;
            return;
        }
        cur = next;
    }
}

static size_t location(const chk_loc *at, char *buf, size_t len) {
    int n;
    if (at->pool && at->block)
        n = snprintf(buf, len, "arena %zu pool %zu block +0x%zx", at->slot, at->pool_index,
                     (size_t)(at->block - at->pool));
    else if (at->pool)
        n = snprintf(buf, len, "arena %zu pool %zu", at->slot, at->pool_index);
    else if (at->slot != CHK_NO_SLOT)
        n = snprintf(buf, len, "arena %zu", at->slot);
    else if (at->cls >= 0)
        n = snprintf(buf, len, "class %d", at->cls);
    else
        n = snprintf(buf, len, "heap");
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static chk_violation *grow(pa_check_report *r) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        chk_violation *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return NULL;
        r->v = v;
        r->cap = cap;
    }
    return &r->v[r->n++];
}

chk_violation *chk_report(pa_check_report *r, chk_id id, const chk_loc *at, const char *expected,
                          const char *found, const char *what, ...) {
    chk_violation *v = grow(r);
    if (!v) {
        r->dropped++;
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->id = id;
    v->where = *at;
    snprintf(v->expected, sizeof v->expected, "%s", expected);
    snprintf(v->found, sizeof v->found, "%s", found);
    size_t len = location(at, v->message, sizeof v->message);
    len += (size_t)snprintf(v->message + len, sizeof v->message - len, ": ");
    va_list ap;
    va_start(ap, what);
    int w = vsnprintf(v->message + len, sizeof v->message - len, what, ap);
    va_end(ap);
    if (w > 0)
        len += (size_t)w;
    if (len < sizeof v->message)
        snprintf(v->message + len, sizeof v->message - len, ": expected %s, found %s", expected, found);
    if (at->arena) {
        v->has_arena = 1;
        v->arena = *at->arena;
    }
    if (at->pool_view) {
        v->has_pool = 1;
        v->pool = *at->pool_view;
        pa_heap_view hv;
        pa_introspect_heap(at->heap, &hv);
        dump_freelist(at->heap, v, hv.config.pool_size);
    }
    /* The caller's views may be gone by the time the report is printed. */
    v->where.arena = NULL;
    v->where.pool_view = NULL;
    return v;
}

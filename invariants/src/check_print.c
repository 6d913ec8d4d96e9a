/* The two faces of a report: text for a developer, JSON for tools. Both
 * print violations in the order the checks found them, which is fixed for a
 * given heap state. */
#include <inttypes.h>
#include <stdio.h>

#include "check_report.h"

static const char *end_text(chk_dump_end e) {
    switch (e) {
    case CHK_DUMP_NULL:
        return "end";
    case CHK_DUMP_MORE:
        return "more";
    case CHK_DUMP_WILD:
        return "wild";
    case CHK_DUMP_REPEAT:
        return "repeat";
    }
    return "?";
}

static void text_pool(const chk_violation *v, FILE *out) {
    const pa_pool_view *p = &v->pool;
    fprintf(out,
            "  pool dump:  base=0x%" PRIxPTR " count=%u size_class=%u freeblock=0x%" PRIxPTR " next=0x%" PRIxPTR
            " prev=0x%" PRIxPTR " arena_slot=%zu nextoffset=0x%zx maxnextoffset=0x%zx\n",
            p->base, p->count, p->size_class, p->freeblock, p->next, p->prev, p->arena_slot, p->nextoffset,
            p->maxnextoffset);
    fprintf(out, "  freelist:  ");
    for (size_t i = 0; i < v->nlinks; i++)
        fprintf(out, " +0x%zx", v->links[i]);
    if (v->links_end == CHK_DUMP_WILD || v->links_end == CHK_DUMP_REPEAT)
        fprintf(out, " -> 0x%" PRIxPTR, v->wild);
    fprintf(out, " (%s)\n", end_text(v->links_end));
}

static void text_arena(const pa_arena_view *a, FILE *out) {
    fprintf(out,
            "  arena dump: slot=%zu object=0x%" PRIxPTR " base=0x%" PRIxPTR " pool_address=0x%" PRIxPTR
            " nfreepools=%zu ntotalpools=%zu freepools=0x%" PRIxPTR " next=0x%" PRIxPTR " prev=0x%" PRIxPTR
            " ndecommitted=%zu\n",
            a->slot, a->object, a->base, a->pool_address, a->nfreepools, a->ntotalpools, a->freepools, a->next,
            a->prev, a->ndecommitted);
}

int pa_check_report_print(const pa_check_report *r, FILE *out) {
    if (!r->n)
        fprintf(out, "poolalloc check: no violations\n");
    else
        fprintf(out, "poolalloc check: %zu violation%s\n", r->n, r->n == 1 ? "" : "s");
    for (size_t i = 0; i < r->n; i++) {
        const chk_violation *v = &r->v[i];
        fprintf(out, "[%zu] %s\n  message:   %s\n  invariant: %s\n  expected:  %s\n  found:     %s\n", i + 1,
                chk_id_name(v->id), v->message, chk_id_invariant(v->id), v->expected, v->found);
        if (v->has_arena)
            fprintf(out, "  arena:     0x%" PRIxPTR " (slot %zu)\n", v->arena.base, v->arena.slot);
        if (v->where.pool)
            fprintf(out, "  pool:      0x%" PRIxPTR " (index %zu)\n", v->where.pool, v->where.pool_index);
        if (v->where.block)
            fprintf(out, "  block:     0x%" PRIxPTR "\n", v->where.block);
        if (v->has_pool)
            text_pool(v, out);
        if (v->has_arena)
            text_arena(&v->arena, out);
    }
    if (r->dropped)
        fprintf(out, "(%zu further violations lost: out of memory)\n", r->dropped);
    return ferror(out) ? -1 : 0;
}

static void json_string(FILE *out, const char *key, const char *s) {
    fprintf(out, "\"%s\":\"", key);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_pool(const chk_violation *v, FILE *out) {
    const pa_pool_view *p = &v->pool;
    fprintf(out,
            ",\"pool_dump\":{\"base\":%" PRIuPTR ",\"count\":%u,\"size_class\":%u,\"freeblock\":%" PRIuPTR
            ",\"next\":%" PRIuPTR ",\"prev\":%" PRIuPTR ",\"arena_slot\":%zu,\"nextoffset\":%zu,"
            "\"maxnextoffset\":%zu,\"freelist\":[",
            p->base, p->count, p->size_class, p->freeblock, p->next, p->prev, p->arena_slot, p->nextoffset,
            p->maxnextoffset);
    for (size_t i = 0; i < v->nlinks; i++)
        fprintf(out, "%s%zu", i ? "," : "", v->links[i]);
    fprintf(out, "],\"freelist_end\":\"%s\"", end_text(v->links_end));
    if (v->links_end == CHK_DUMP_WILD || v->links_end == CHK_DUMP_REPEAT)
        fprintf(out, ",\"freelist_stop\":%" PRIuPTR, v->wild);
    fputc('}', out);
}

static void json_arena(const pa_arena_view *a, FILE *out) {
    fprintf(out,
            ",\"arena_dump\":{\"slot\":%zu,\"object\":%" PRIuPTR ",\"base\":%" PRIuPTR ",\"pool_address\":%" PRIuPTR
            ",\"nfreepools\":%zu,\"ntotalpools\":%zu,\"freepools\":%" PRIuPTR ",\"next\":%" PRIuPTR
            ",\"prev\":%" PRIuPTR ",\"ndecommitted\":%zu}",
            a->slot, a->object, a->base, a->pool_address, a->nfreepools, a->ntotalpools, a->freepools, a->next,
            a->prev, a->ndecommitted);
}

/* Addresses are JSON numbers (exact up to 2^53, which covers user space on
 * every 64-bit platform we build for); absent ones are null. */
static void json_addr(FILE *out, const char *key, uintptr_t a) {
    if (a)
        fprintf(out, ",\"%s\":%" PRIuPTR, key, a);
    else
        fprintf(out, ",\"%s\":null", key);
}

int pa_check_report_print_json(const pa_check_report *r, FILE *out) {
    fprintf(out, "{\"count\":%zu,\"dropped\":%zu,\"violations\":[", r->n, r->dropped);
    for (size_t i = 0; i < r->n; i++) {
        const chk_violation *v = &r->v[i];
        fprintf(out, "%s{", i ? "," : "");
        json_string(out, "id", chk_id_name(v->id));
        fputc(',', out);
        json_string(out, "message", v->message);
        fputc(',', out);
        json_string(out, "invariant", chk_id_invariant(v->id));
        fputc(',', out);
        json_string(out, "expected", v->expected);
        fputc(',', out);
        json_string(out, "found", v->found);
        if (v->where.cls >= 0)
            fprintf(out, ",\"class\":%d", v->where.cls);
        else
            fprintf(out, ",\"class\":null");
        if (v->where.slot != CHK_NO_SLOT)
            fprintf(out, ",\"arena_slot\":%zu", v->where.slot);
        else
            fprintf(out, ",\"arena_slot\":null");
        json_addr(out, "arena", v->has_arena ? v->arena.base : 0);
        json_addr(out, "pool", v->where.pool);
        json_addr(out, "block", v->where.block);
        if (v->has_pool)
            json_pool(v, out);
        if (v->has_arena)
            json_arena(&v->arena, out);
        fputc('}', out);
    }
    fprintf(out, "]}\n");
    return ferror(out) ? -1 : 0;
}

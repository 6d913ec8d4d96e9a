/* The stats_print op's checks: every figure of pa_heap_stats that the
 * shadow model and the configuration determine, the sums the figures must
 * keep, and the statistics printed as a table and as JSON, read back. */
#include "exec_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pa_test_text.h"
#include "poolalloc/stats.h"

static int stats_fail(exec *ex, const char *what, size_t heap, size_t expected) {
    return ex_fail(ex, "STATS_FIGURE", "stats say %s is %zu, expected %zu", what, heap, expected);
}

/* The figures the configuration and the shadow's live blocks fix. */
static int check_figures(exec *ex, const pa_stats *st) {
    if (st->arena_size != ex->cfg.arena_size)
        return stats_fail(ex, "arena_size", st->arena_size, ex->cfg.arena_size);
    if (st->nclasses != pa_config_class_count(&ex->cfg))
        return stats_fail(ex, "nclasses", st->nclasses, pa_config_class_count(&ex->cfg));
    size_t blocks = 0, bytes = 0;
    for (size_t i = 0; i < st->nclasses; i++) {
        const pa_class_stats *c = &st->classes[i];
        if (c->block_size != pa_config_class_size(&ex->cfg, i))
            return stats_fail(ex, "a class's block_size", c->block_size, pa_config_class_size(&ex->cfg, i));
        if (c->bytes_in_use != c->blocks_in_use * c->block_size)
            return stats_fail(ex, "a class's bytes_in_use", c->bytes_in_use, c->blocks_in_use * c->block_size);
        if (c->full_pools > c->pools)
            return stats_fail(ex, "a class's full_pools", c->full_pools, c->pools);
        if ((c->blocks_in_use == 0) != (c->pools == 0))
            return ex_fail(ex, "STATS_FIGURE", "class %zu: %zu blocks in use in %zu pools", i, c->blocks_in_use, c->pools);
        blocks += c->blocks_in_use;
        bytes += c->bytes_in_use;
    }
    if (st->blocks_in_use != blocks)
        return stats_fail(ex, "blocks_in_use (the classes' sum)", st->blocks_in_use, blocks);
    if (st->bytes_in_use != bytes)
        return stats_fail(ex, "bytes_in_use (the classes' sum)", st->bytes_in_use, bytes);
    if (st->bytes_total != st->arenas_current * st->arena_size)
        return stats_fail(ex, "bytes_total", st->bytes_total, st->arenas_current * st->arena_size);
    if (st->arenas_allocated_total - st->arenas_released_total != st->arenas_current)
        return stats_fail(ex, "arenas_current (allocated less released)", st->arenas_current,
                          (size_t)(st->arenas_allocated_total - st->arenas_released_total));
    if (st->arenas_highwater < st->arenas_current)
        return stats_fail(ex, "arenas_highwater", st->arenas_highwater, st->arenas_current);
    if (st->bytes_free_pools != st->free_pools * ex->cfg.pool_size)
        return stats_fail(ex, "bytes_free_pools", st->bytes_free_pools, st->free_pools * ex->cfg.pool_size);
    if (st->bytes_decommitted != st->decommitted_pools * ex->cfg.pool_size)
        return stats_fail(ex, "bytes_decommitted", st->bytes_decommitted, st->decommitted_pools * ex->cfg.pool_size);
    if (ex->cfg.debug)
        return 0; /* the quarantine and the debug headers hide the requested sizes */
    /* every live small block holds at least what was asked; large blocks
     * are counted as requested, a 0-byte aligned request as the 1 byte it
     * is served as (stats.h) */
    size_t small_req = 0, large_req = 0;
    for (size_t i = 0; i < ex->sh.n; i++) {
        const pa_shadow_block *b = &ex->sh.slots[i];
        if (b->p && b->small)
            small_req += b->req;
        else if (b->p)
            large_req += b->req ? b->req : 1;
    }
    if (st->bytes_in_use < small_req)
        return ex_fail(ex, "STATS_FIGURE", "stats say %zu bytes in small blocks, the shadow's requests are %zu",
                       st->bytes_in_use, small_req);
    if (st->large_bytes != large_req)
        return stats_fail(ex, "large_bytes (as requested)", st->large_bytes, large_req);
    return 0;
}

/* What a print call wrote to a memory stream, NUL-terminated (malloc'd), or
 * NULL when the stream failed. */
static char *printed(int (*print)(const pa_stats *, FILE *), const pa_stats *st, int *rc) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    *rc = print(st, f);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

/* The value of the table's row whose label (padded to 40 columns) is
 * label, in *value; 0 if the table has no such row. */
static int row_value(const char *text, const char *label, unsigned long long *value) {
    size_t len = strlen(label);
    for (const char *row = text; (row = strstr(row, label)) != NULL; row += len) {
        if (row != text && row[-1] != '\n')
            continue;
        const char *eq = row + len;
        while (*eq == ' ')
            eq++;
        char *end;
        if (*eq == '=' && (*value = strtoull(eq + 1, &end, 10), end != eq + 1) && *end == '\n')
            return 1;
    }
    return 0;
}

/* The heading names the threshold and the class count, and a class has
 * its row (size, pools, full pools, blocks in use, free blocks) exactly
 * when it has pools. */
static int check_class_rows(exec *ex, const pa_stats *st, const char *text) {
    char line[128];
    snprintf(line, sizeof line, "Small block threshold = %zu, in %zu size classes.\n",
             st->nclasses ? st->classes[st->nclasses - 1].block_size : 0, st->nclasses);
    if (strncmp(text, line, strlen(line)))
        return ex_fail(ex, "STATS_TEXT", "the printed table does not begin '%.*s'", (int)strlen(line) - 1, line);
    for (size_t i = 0; i < st->nclasses; i++) {
        const pa_class_stats *c = &st->classes[i];
        snprintf(line, sizeof line, "\n%5zu %6zu %11zu %12zu %15zu %13zu\n", i, c->block_size, c->pools, c->full_pools,
                 c->blocks_in_use, c->free_blocks);
        if (!strstr(text, line) != !c->pools)
            return ex_fail(ex, "STATS_TEXT", "class %zu (%zu pools): the printed table %s its row", i, c->pools,
                           c->pools ? "lacks" : "has");
    }
    return 0;
}

/* The table's "Total" row holds bytes_total, and every other figure row
 * the field pa_stats_print labels it with. */
static int check_table(exec *ex, const pa_stats *st, const char *text) {
    const char *row = strstr(text, "\nTotal");
    const char *eq = row ? strchr(row, '=') : NULL;
    if (!eq)
        return ex_fail(ex, "STATS_TEXT", "the printed table has no Total row");
    char *end;
    unsigned long long total = strtoull(eq + 1, &end, 10);
    if (end == eq + 1 || total != st->bytes_total)
        return ex_fail(ex, "STATS_TEXT", "the printed Total is '%.20s', bytes_total %zu", eq + 1, st->bytes_total);
    char arenas[64], unused[64], decommitted[64];
    snprintf(arenas, sizeof arenas, "%zu arenas * %zu bytes/arena", st->arenas_current, st->arena_size);
    snprintf(unused, sizeof unused, "%zu unused pools * %zu bytes", st->free_pools,
             st->free_pools ? st->bytes_free_pools / st->free_pools : 0);
    snprintf(decommitted, sizeof decommitted, "%zu decommitted pools", st->decommitted_pools);
    const struct {
        const char *label;
        uint64_t value;
    } rows[] = {
        {"# arenas allocated total", st->arenas_allocated_total},
        {"# arenas reclaimed", st->arenas_released_total},
        {"# arenas highwater mark", st->arenas_highwater},
        {"# arenas allocated current", st->arenas_current},
        {arenas, st->arenas_current * st->arena_size},
        {"# bytes in allocated blocks", st->bytes_in_use},
        {"# bytes in available blocks", st->bytes_free_blocks},
        {unused, st->bytes_free_pools},
        {decommitted, st->bytes_decommitted},
        {"# bytes lost to pool headers", st->bytes_pool_headers},
        {"# bytes lost to quantization", st->bytes_quantization},
        {"# bytes lost to block alignment", st->bytes_alignment},
        {"# large blocks", st->large_blocks},
        {"# bytes in large blocks", st->large_bytes},
        {"# freed large blocks cached", st->large_cached_blocks},
        {"# bytes in cached large blocks", st->large_cached_bytes},
        {"# bytes the large cache may hold", st->large_cache_budget},
        {"# wholly free arenas it may keep", st->empty_arenas_allowed},
        {"# free pools an arena may keep", st->free_pools_allowed},
        {"# decommitted pools still resident", st->decommit_pending_pools},
        {"# bytes of metadata", st->metadata_bytes},
        {"# bytes mapped from the OS", st->os_bytes_mapped},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned long long v;
        if (!row_value(text, rows[i].label, &v) || v != rows[i].value)
            return ex_fail(ex, "STATS_TEXT", "the printed table's row '%s' is not the stats' %" PRIu64, rows[i].label,
                           rows[i].value);
    }
    return check_class_rows(ex, st, text);
}

static int check_json(exec *ex, const pa_stats *st, const char *text) {
    if (!pa_test_json_valid(text))
        return ex_fail(ex, "STATS_JSON", "the printed JSON does not parse: %.80s", text);
    if (pa_test_json_top_array_len(text, "classes") != (long)st->nclasses)
        return ex_fail(ex, "STATS_JSON", "the JSON lists %ld classes, the stats %zu",
                       pa_test_json_top_array_len(text, "classes"), st->nclasses);
    const struct {
        const char *key;
        uint64_t value;
    } fields[] = {
#define F(name) {#name, (uint64_t)st->name}
        F(arenas_allocated_total), F(arenas_released_total), F(arenas_highwater), F(arenas_current),
        F(arena_size), F(blocks_in_use), F(bytes_in_use), F(bytes_free_blocks), F(free_pools),
        F(bytes_free_pools), F(decommitted_pools), F(bytes_decommitted), F(decommit_pending_pools),
        F(bytes_pool_headers), F(bytes_quantization), F(bytes_alignment), F(bytes_total), F(large_blocks),
        F(large_bytes), F(large_cached_blocks), F(large_cached_bytes), F(large_cache_budget),
        F(empty_arenas_allowed), F(free_pools_allowed), F(metadata_bytes), F(os_bytes_mapped),
#undef F
    };
    /* The text parsed strictly above; the top-level figures follow the
     * classes array, where a key is found by its name (one parse per
     * figure would cost more than the rest of the op). */
    const char *top = strstr(text, "],\"");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\":", fields[i].key);
        const char *at = top ? strstr(top, key) : NULL;
        char *end = NULL;
        unsigned long long v = at ? strtoull(at + strlen(key), &end, 10) : 0;
        if (!at || end == at + strlen(key) || v != fields[i].value)
            return ex_fail(ex, "STATS_JSON", "the JSON's %s is not the stats' %" PRIu64, fields[i].key,
                           fields[i].value);
    }
    return 0;
}

/* Does print say so when its stream fails (8 bytes of room, unbuffered)? */
static int print_tells_failure(int (*print)(const pa_stats *, FILE *), const pa_stats *st) {
    char room[8];
    FILE *f = fmemopen(room, sizeof room, "w");
    if (!f)
        return 1; /* no such stream to try it on */
    setvbuf(f, NULL, _IONBF, 0);
    int rc = print(st, f);
    fclose(f);
    return rc == -1;
}

/* Print the stats to memory and read the text back; kind names a failure. */
static int print_and_read(exec *ex, const pa_stats *st, int (*print)(const pa_stats *, FILE *),
                          int (*read_back)(exec *, const pa_stats *, const char *), const char *kind,
                          pa_exec_site site) {
    int rc = 0, failed;
    char *text = printed(print, st, &rc);
    if (text)
        ex_doctor(ex, site, &text);
    if (!text || rc)
        failed = ex_fail(ex, kind, "printing the statistics failed");
    else
        failed = read_back(ex, st, text);
    free(text);
    if (!failed && !print_tells_failure(print, st))
        failed = ex_fail(ex, kind, "printing the statistics to a stream that fails returned 0, not -1");
    return failed;
}

int ex_check_stats_print(exec *ex) {
    pa_stats st;
    pa_heap_stats(ex->heap, &st);
    if (check_figures(ex, &st) || print_and_read(ex, &st, pa_stats_print, check_table, "STATS_TEXT", PA_SITE_STATS_TABLE))
        return -1;
    return print_and_read(ex, &st, pa_stats_print_json, check_json, "STATS_JSON", PA_SITE_STATS_JSON);
}

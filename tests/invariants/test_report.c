/* Reports as their readers see them: the exact text, valid and complete
 * JSON, the same output for the same heap, the invariant table, and the
 * table in docs/INVARIANTS.md naming a real test for every identifier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pa_test_text.h"

/* Everything a print function wrote, NUL-terminated (caller frees). */
static char *capture(const pa_check_report *r, int json) {
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(json ? pa_check_report_print_json(r, f) : pa_check_report_print(r, f), 0);
    char *s = pa_test_read_all(f);
    fclose(f);
    assert_non_null(s);
    return s;
}

static char *slurp(const char *path) {
    char *s = pa_test_slurp(path);
    if (!s)
        fprintf(stderr, "cannot read %s\n", path);
    assert_non_null(s);
    return s;
}

static void assert_json(const char *s) {
    if (!pa_test_json_valid(s))
        fprintf(stderr, "invalid JSON: %s\n", s);
    assert_true(pa_test_json_valid(s));
}

/* ---- tests ------------------------------------------------------------- */

static void clean_report(void **state) {
    FX;
    pa_check_heap(fx->h, fx->r);
    char *text = capture(fx->r, 0), *json = capture(fx->r, 1);
    assert_string_equal(text, "poolalloc check: no violations\n");
    assert_string_equal(json, "{\"count\":0,\"dropped\":0,\"violations\":[]}\n");
    assert_json(json);
    assert_null(pa_check_report_id(fx->r, 0));
    assert_null(pa_check_report_message(fx->r, 0));
    free(text);
    free(json);
}

static void cycle_report(ts_fx *fx, char **text, char **json) {
    pa_check_report_clear(fx->r);
    pa_check_heap(fx->h, fx->r);
    *text = capture(fx->r, 0);
    *json = capture(fx->r, 1);
}

/* The whole text of one violation: message, rule, values, addresses, and
 * the dumps (the freelist as offsets, stopped where it loops). */
static void text_exact(ts_fx *fx) {
    char *text, *json;
    cycle_report(fx, &text, &json);
    uintptr_t pool = (uintptr_t)fx->pool, b2 = ts_block(fx, 2), b5 = ts_block(fx, 5);
    pa_arena_view a = ts_arena(fx->h, fx->slot);
    char want[2048];
    snprintf(want, sizeof want,
             "poolalloc check: 1 violation\n"
             "[1] POOL_FREELIST_CYCLE\n"
             "  message:   arena %zu pool %zu block +0x%lx: freelist member 2 repeats an earlier member: expected a "
             "list ending in NULL, found +0x%lx again\n"
             "  invariant: a freelist ends: no block is on it twice (bounded walk)\n"
             "  expected:  a list ending in NULL\n"
             "  found:     +0x%lx again\n"
             "  arena:     0x%lx (slot %zu)\n"
             "  pool:      0x%lx (index %zu)\n"
             "  block:     0x%lx\n"
             "  pool dump:  base=0x%lx count=8 size_class=2 freeblock=0x%lx next=0x0 prev=0x0 arena_slot=%zu "
             "nextoffset=0x240 maxnextoffset=0x3fd0\n"
             "  freelist:   +0x%lx +0x%lx -> 0x%lx (repeat)\n"
             "  arena dump: slot=%zu object=0x%lx base=0x%lx pool_address=0x%lx nfreepools=%zu ntotalpools=64 "
             "freepools=0x0 next=0x0 prev=0x0 ndecommitted=0\n",
             fx->slot, fx->index, (unsigned long)(b2 - pool), (unsigned long)(b5 - pool),
             (unsigned long)(b5 - pool), (unsigned long)a.base, fx->slot, (unsigned long)pool, fx->index, (unsigned long)b2, (unsigned long)pool,
             (unsigned long)b5, fx->slot, (unsigned long)(b5 - pool), (unsigned long)(b2 - pool), (unsigned long)b5,
             fx->slot, (unsigned long)a.object, (unsigned long)a.base, (unsigned long)a.pool_address, a.nfreepools);
    assert_string_equal(text, want);
    assert_json(json);
    snprintf(want, sizeof want,
             "\"id\":\"POOL_FREELIST_CYCLE\",\"message\":\"arena %zu pool %zu block +0x%lx: freelist member 2 "
             "repeats an earlier member: expected a list ending in NULL, found +0x%lx again\"",
             fx->slot, fx->index, (unsigned long)(b2 - pool), (unsigned long)(b5 - pool));
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"freelist\":[%lu,%lu],\"freelist_end\":\"repeat\"", (unsigned long)(b5 - pool),
             (unsigned long)(b2 - pool));
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"arena_slot\":%zu,\"arena\":%lu,\"pool\":%lu,\"block\":%lu", fx->slot,
             (unsigned long)a.base, (unsigned long)pool, (unsigned long)b2);
    assert_non_null(strstr(json, want));
    free(text);
    free(json);
}

static void report_text_and_json(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[2]), (pa_block *)fx->blk[5], text_exact(fx));
}

static void same_heap_same_report(ts_fx *fx) {
    char *t1, *j1, *t2, *j2;
    cycle_report(fx, &t1, &j1);
    cycle_report(fx, &t2, &j2);
    assert_string_equal(t1, t2);
    assert_string_equal(j1, j2);
    free(t1);
    free(j1);
    free(t2);
    free(j2);
}

static void report_deterministic(void **state) {
    FX;
    TS_CORRUPT(TS_LINK(fx->blk[5]), (pa_block *)0x10, same_heap_same_report(fx));
}

/* A message with characters JSON must escape stays valid JSON. */
static void json_escapes(ts_fx *fx) {
    pa_check_report_clear(fx->r);
    pa_check_heap(fx->h, fx->r);
    assert_int_equal(pa_check_report_count(fx->r), 1);
    char *json = capture(fx->r, 1);
    assert_json(json);
    assert_non_null(strstr(json, "class 2's used list"));
    free(json);
}

static void report_json_escapes(void **state) {
    FX;
    TS_CORRUPT(fx->h->classes[fx->cls].used_tail, NULL,
               TS_CORRUPT(fx->h->classes[fx->cls].used, NULL, json_escapes(fx)));
}

/* clear forgets every violation; accessors past the end answer NULL. */
static void report_clear(void **state) {
    FX;
    TS_CORRUPT(fx->pool->arena_slot, 3u, pa_check_heap(fx->h, fx->r));
    assert_int_equal(pa_check_report_count(fx->r), 1);
    pa_check_report_clear(fx->r);
    assert_int_equal(pa_check_report_count(fx->r), 0);
    assert_null(pa_check_report_id(fx->r, 0));
}

static int is_id(const char *s) {
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
            return 0;
    return 1;
}

static void invariant_table(void **state) {
    (void)state;
    size_t n = pa_check_invariant_count();
    assert_true(n >= 50);
    for (size_t i = 0; i < n; i++) {
        assert_true(is_id(pa_check_invariant_id(i)));
        assert_true(strlen(pa_check_invariant_text(i)) > 10);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(pa_check_invariant_id(i), pa_check_invariant_id(j));
    }
    assert_null(pa_check_invariant_id(n));
    assert_null(pa_check_invariant_text(n));
}

/* Every identifier has a row "| `ID` | ... | `test_x.c: function` |" in
 * docs/INVARIANTS.md, and that function is defined in that test file. */
static void docs_table(void **state) {
    (void)state;
    char *doc = slurp(PA_SOURCE_DIR "/docs/INVARIANTS.md");
    for (size_t i = 0; i < pa_check_invariant_count(); i++) {
        char key[96];
        snprintf(key, sizeof key, "| `%s` |", pa_check_invariant_id(i));
        const char *row = strstr(doc, key);
        if (!row)
            fprintf(stderr, "docs/INVARIANTS.md has no row for %s\n", pa_check_invariant_id(i));
        assert_non_null(row);
        const char *eol = strchr(row, '\n');
        const char *test = strstr(row, "`test_");
        assert_true(test && (!eol || test < eol));
        char file[64], fn[64];
        assert_int_equal(sscanf(test, "`%63[a-z_].c: %63[a-z_0-9]`", file, fn), 2);
        char path[256];
        snprintf(path, sizeof path, PA_SOURCE_DIR "/tests/invariants/%s.c", file);
        char *src = slurp(path);
        char def[96];
        snprintf(def, sizeof def, "static void %s(void **state)", fn);
        if (!strstr(src, def))
            fprintf(stderr, "%s: %s.c has no test %s\n", pa_check_invariant_id(i), file, fn);
        assert_non_null(strstr(src, def));
        free(src);
    }
    free(doc);
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, ts_setup_one_pool, ts_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        P(clean_report),
        P(report_text_and_json),
        P(report_deterministic),
        P(report_json_escapes),
        P(report_clear),
        cmocka_unit_test(invariant_table),
        cmocka_unit_test(docs_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

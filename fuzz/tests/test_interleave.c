/* The interleave target's executor (exec_threads.c): its thread ops reach
 * the remote-free path, the orphan list and adoption as the op language
 * says, and each of its oracle rules fires, with its exact kind and
 * message, when a result is broken on purpose (through the doctor hook,
 * pa_exec_site) or a block behind the executor's back (the tamper hook). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "input.h"
#include "poolalloc/introspect.h"
#include "shadow.h"

#include "expect.h"

typedef struct plan {
    pa_exec_site site; /* the doctor breaks the result at this site... */
    int skip;          /* ...after letting this many through, */
    int done;          /* once */
    size_t at_op;      /* the tamper acts after this op */
    void (*tamper)(struct plan *p, pa_heap *heap, pa_shadow *sh);
    void *p;           /* a block the tamper remembers */
    pa_heap *heap[4];  /* the current thread's heap after each op (the remote-path test) */
    uintptr_t remote_after_free, orphan_after_exit;
} plan;

static void doctor(void *ctx, pa_exec_site site, void *value) {
    plan *p = ctx;
    if (site != p->site || p->done || p->skip-- > 0)
        return;
    p->done = 1;
    if (site == PA_SITE_USABLE)
        *(size_t *)value = 0;
    else if (site == PA_SITE_INTROSPECT)
        *(long long *)value = 0;
    else if (site == PA_SITE_THREAD_STATS)
        ++*(size_t *)value;
    else
        *(pa_heap **)value = NULL;
}

static void tamper(void *ctx, size_t op_index, pa_heap *heap, pa_shadow *sh) {
    plan *p = ctx;
    if (p->tamper && op_index == p->at_op)
        p->tamper(p, heap, sh);
}

static int run(const char *text, plan *p, pa_exec_failure *f) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_INTERLEAVE, text, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_options opt = {0, 0, NULL, tamper, p, doctor};
    int rc = pa_exec_target_run(PA_TARGET_INTERLEAVE, &in.cfg, in.ops, in.nops, &opt, f, NULL);
    pa_input_free(&in);
    return rc;
}

/* The run fails at op `at` with kind and a detail that matches want. */
static void expect_rule(const char *text, plan *p, size_t at, const char *kind, const char *want) {
    pa_exec_failure f;
    int rc = run(text, p, &f);
    EXPECT(rc == 1 && !strcmp(f.kind, kind) && f.op_index == at && matches(want, f.detail),
           "'%s': expected %s at op %zu, '%s'; got %s at op %zu, '%s'", text, kind, at, want, rc ? f.kind : "a pass",
           rc ? f.op_index : 0, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
}

static void expect_clean(const char *text) {
    plan none;
    memset(&none, 0, sizeof none);
    none.site = (pa_exec_site)-1;
    pa_exec_failure f;
    int rc = run(text, &none, &f);
    EXPECT(rc == 0, "'%s' failed: %s %s", text, rc ? f.kind : "", rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
}

/* ---- the thread ops do what the language says --------------------------- */

/* The current thread's heap after op 0; the batch for it after op 3. */
static void watch_remote(plan *p, pa_heap *heap, pa_shadow *sh) {
    (void)sh;
    if (p->at_op == 0) {
        p->heap[0] = heap;
        p->at_op = 3;
    } else {
        pa_remote_batch_view v;
        p->remote_after_free = pa_introspect_remote_batch(p->heap[0], &v) ? v.head : 0;
    }
}

/* The current thread's heap after op 0 (thread 0's) and op 3 (thread 2's). */
static void watch_adoption(plan *p, pa_heap *heap, pa_shadow *sh) {
    (void)sh;
    p->heap[p->at_op == 0 ? 0 : 2] = heap;
    if (p->at_op == 1) {
        pa_orphan_view v[64];
        size_t n = pa_introspect_orphans(v, 64);
        p->orphan_after_exit = n ? v[0].heap : 0;
    }
    p->at_op++;
}

static void test_remote_free_and_adoption(void) {
    /* thread 1 frees thread 0's block: into its batch for heap 0 (pushed on
     * heap 0's remote list when thread 1 stops running) */
    plan p;
    memset(&p, 0, sizeof p);
    p.site = (pa_exec_site)-1;
    p.tamper = watch_remote;
    pa_exec_failure f;
    EXPECT(run("malloc 100\nmalloc 100\nthread 1\nfree #0\n", &p, &f) == 0, "%s", f.detail);
    EXPECT(p.heap[0] && p.remote_after_free, "the block thread 1 freed waits in its batch for heap 0");

    /* thread 0 exits with a live block: its heap heads the orphan list;
     * thread 2 starts and adopts it */
    memset(&p, 0, sizeof p);
    p.site = (pa_exec_site)-1;
    p.tamper = watch_adoption;
    EXPECT(run("malloc 100\nthread 0 exit\nthread 2\nmalloc 100\n", &p, &f) == 0, "%s", f.detail);
    EXPECT(p.heap[0] && p.orphan_after_exit == (uintptr_t)p.heap[0], "thread 0's heap heads the orphan list");
    EXPECT(p.heap[2] == p.heap[0], "thread 2 adopted thread 0's heap");
}

static void test_text(void) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_INTERLEAVE, "thread 4\n", &in, err, sizeof err) == -1, "thread 4 parsed");
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, "thread 1\n", &in, err, sizeof err) == -1 &&
               !strcmp(err, "1: target default has no thread ops"),
           "default took a thread op: '%s'", err);
    EXPECT(pa_input_parse_text(PA_TARGET_INTERLEAVE, "thread 3 exit\nthread 1\n", &in, err, sizeof err) == 0, "%s",
           err);
    char line[64];
    pa_op_format(line, sizeof line, &in.ops[0], NULL);
    EXPECT(!strcmp(line, "thread 3 exit"), "'%s'", line);
    pa_op_format(line, sizeof line, &in.ops[1], NULL);
    EXPECT(!strcmp(line, "thread 1"), "'%s'", line);
    uint8_t *bytes = NULL;
    size_t len = 0;
    EXPECT(pa_input_encode(PA_TARGET_INTERLEAVE, &in, &bytes, &len, err, sizeof err) == 0 && len == 4 &&
               !memcmp(bytes, "\x1f\x07\x1f\x01", 4),
           "thread ops encode as 0x1f ARG");
    free(bytes);
    pa_input_free(&in);
}

/* ---- the rules fire ----------------------------------------------------- */

static void free_behind_back(plan *p, pa_heap *heap, pa_shadow *sh) {
    (void)heap;
    (void)sh;
    /* the executor freed it in this op: the index claims it again */
    pa_shadow_range clash;
    pa_shadow_claim(sh, p->p, 1, 999, &clash);
}

static void remember_block(plan *p, pa_heap *heap, pa_shadow *sh) {
    (void)heap;
    p->p = sh->slots[0].p;
    p->at_op = 1;
    p->tamper = free_behind_back;
}

static void scribble(plan *p, pa_heap *heap, pa_shadow *sh) {
    (void)p;
    (void)heap;
    ((unsigned char *)sh->slots[0].p)[5] ^= 0xff;
}

static void test_rules(void) {
    expect_clean("malloc 100\nthread 1\nusable #0\nfree #0\n");
    plan p;

    /* thread 1, with a heap of its own, frees a block of thread 0's
     * orphan: pushed on its remote list, which pa_default_stats collects
     * before it counts (thread 1's block and the orphan's other one) */
    const char *orphan_freed =
        "thread 1\nmalloc 100\nthread 0\nmalloc 100\nmalloc 100\nthread 0 exit\nthread 1\nfree #1\nstats\n";
    expect_clean(orphan_freed);
    memset(&p, 0, sizeof p);
    p.site = PA_SITE_THREAD_STATS;
    expect_rule(orphan_freed, &p, 8, "DEFAULT_STATS_COUNT",
                "pa_default_stats on thread 1 counts 3 blocks, the shadow holds 2 in the heaps it reaches");

    memset(&p, 0, sizeof p);
    p.site = PA_SITE_NEW_BLOCK_HEAP;
    expect_rule("malloc 100\n", &p, 0, "WRONG_HEAP", "pa_malloc(100) on thread 0 returned * from heap (nil), expected heap *");

    memset(&p, 0, sizeof p);
    p.site = PA_SITE_LIVE_BLOCK_HEAP;
    expect_rule("malloc 100\nthread 1\n", &p, 0, "BLOCK_OWNER_CHANGED",
                "block b1 at * (slot 0) belonged to heap *, the arena map now says (nil)");

    memset(&p, 0, sizeof p);
    p.site = PA_SITE_USABLE;
    expect_rule("malloc 100\n", &p, 0, "USABLE_TOO_SMALL", "pa_malloc(100) on thread 0 returned * with usable size 0");

    memset(&p, 0, sizeof p);
    p.site = PA_SITE_USABLE;
    p.skip = 1; /* the malloc's own */
    expect_rule("malloc 100\nthread 1\nusable #0\n", &p, 2, "USABLE_CHANGED",
                "usable size of b1 at * on thread 1 is 0, was * (100 requested)");

    memset(&p, 0, sizeof p);
    p.site = (pa_exec_site)-1;
    p.tamper = remember_block;
    expect_rule("malloc 100\nfree #0\nmalloc 100\n", &p, 2, "OVERLAP",
                "pa_malloc(100) on thread 0 returned [*, +*) overlapping live block b999 [*, *)");

    /* a block written in the op is verified after it; the others on check */
    memset(&p, 0, sizeof p);
    p.site = (pa_exec_site)-1;
    p.tamper = scribble;
    expect_rule("malloc 100\nthread 2\ncheck\n", &p, 0, "CONTENT_MISMATCH",
                "after the op: byte 5 of block b1 (slot 0, 100 bytes at *) is 0x*, expected 0x*");
    p.at_op = 1;
    expect_rule("malloc 100\nthread 2\ncheck\n", &p, 2, "CONTENT_MISMATCH",
                "check: byte 5 of block b1 (slot 0, 100 bytes at *) is 0x*, expected 0x*");
}

/* With two orphans or more (earlier runs in this process leave theirs),
 * the orphans' view asked with room for one fewer answers that many. */
static void test_orphan_room_rule(void) {
    plan p;
    memset(&p, 0, sizeof p);
    p.site = PA_SITE_INTROSPECT;
    pa_exec_failure f;
    int rc = run("thread 1\nmalloc 100\nthread 2\nmalloc 100\nthread 1 exit\nthread 2 exit\n", &p, &f);
    EXPECT(rc == 1 && !strcmp(f.kind, "INTROSPECT_ACCEPTED") &&
               matches("pa_introspect_orphans with room for * of * orphans answered 0", f.detail),
           "orphans' room: rc %d, %s: %s", rc, rc == 1 ? f.kind : "-", rc == 1 ? f.detail : "-");
}

int main(void) {
    test_text();
    test_remote_free_and_adoption();
    test_rules();
    test_orphan_room_rule();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
